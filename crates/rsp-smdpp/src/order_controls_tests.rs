use std::time::Duration;

use rsp_codec::json::es2plus::FinalProfileStatusIndicator as Final;
use rsp_codec::json::{Eid, Iccid};

use super::*;
use crate::matching_id::MatchingId;
use crate::operator::OperatorId;

const EID: &str = "89049032123451234512345678901235";

fn released(order: OrderControls) -> ProfileRecord {
    let eid = Eid::parse(EID).unwrap();
    ProfileRecord {
        iccid: Iccid::parse("8949000000000000017").unwrap(),
        operator: OperatorId::new("op"),
        profile_type: "T".into(),
        state: ProfileState::Released,
        eid: Some(eid.clone()),
        eid_ever_bound: Some(eid),
        matching_id: Some(MatchingId::parse("ABC-123").unwrap()),
        cc_hash: None,
        cc_attempts: 0,
        cc_max_attempts: 5,
        smds_address: Some("smds.example".into()),
        downloaded_ever: false,
        version: 3,
        package_size: 100,
        package_version: None,
        bpp_transaction_id: None,
        metadata: crate::ProfileMetadata::default(),
        order,
    }
}

#[test]
fn new_orders_take_the_policy() {
    let policy = OrderPolicy {
        ttl: Some(Duration::from_secs(60)),
        on_expiry: Final::Unavailable,
        max_download_attempts: 3,
    };
    let c = policy.new_order(1_000);
    assert_eq!(c.expires_at_ms, Some(61_000));
    assert_eq!(c.on_expiry, Final::Unavailable);
    assert_eq!((c.download_attempts, c.max_download_attempts), (0, 3));
    let never = OrderPolicy {
        ttl: None,
        ..policy
    };
    assert_eq!(never.new_order(1_000).expires_at_ms, None);
    let default = OrderPolicy::default();
    assert_eq!(default.ttl, Some(Duration::from_secs(30 * 24 * 3600)));
    assert_eq!(default.max_download_attempts, 5);
    assert_eq!(default.on_expiry, Final::Available);
}

#[test]
fn expiry_is_checked_before_attempts_and_only_on_pending_orders() {
    let mut order = OrderPolicy::default().new_order(0);
    order.expires_at_ms = Some(500);
    order.download_attempts = 5;
    let mut p = released(order);
    assert_eq!(check(&p, 499), Some(OrderRefusal::AttemptsExhausted));
    assert_eq!(check(&p, 500), Some(OrderRefusal::Expired));
    for state in [
        ProfileState::Allocated,
        ProfileState::Linked,
        ProfileState::Confirmed,
    ] {
        p.state = state;
        assert_eq!(check(&p, 500), Some(OrderRefusal::Expired), "{state}");
        assert_eq!(check(&p, 499), None, "attempts only count once released");
    }
    for state in [
        ProfileState::Downloaded,
        ProfileState::Installed,
        ProfileState::Error,
        ProfileState::Available,
    ] {
        p.state = state;
        assert_eq!(check(&p, 500), None, "{state}");
    }
    assert_eq!(
        OrderRefusal::Expired.rsp_error(),
        RspError::DownloadOrderExpired
    );
    assert_eq!(
        OrderRefusal::AttemptsExhausted.rsp_error(),
        RspError::DownloadOrderRetriesExceeded
    );
}

#[test]
fn attempts_are_counted_up_to_the_limit_and_zero_is_unlimited() {
    let mut order = OrderPolicy {
        max_download_attempts: 2,
        ..OrderPolicy::default()
    }
    .new_order(0);
    assert!(!order.attempts_exhausted());
    order.count_attempt();
    assert!(!order.attempts_exhausted());
    order.count_attempt();
    assert!(order.attempts_exhausted());
    order.max_download_attempts = 0;
    order.download_attempts = u32::MAX;
    order.count_attempt();
    assert!(!order.attempts_exhausted());
}

#[test]
fn an_expired_order_goes_to_the_chosen_state_and_keeps_the_eid_ever_bound() {
    let mut order = OrderPolicy::default().new_order(0);
    order.download_attempts = 4;
    let mut p = released(order);
    expire(&mut p).unwrap();
    assert_eq!(p.state, ProfileState::Available);
    assert_eq!((p.eid.as_ref(), p.matching_id.as_ref()), (None, None));
    assert_eq!(p.smds_address, None);
    assert_eq!(p.eid_ever_bound.as_ref().map(Eid::as_str), Some(EID));
    assert_eq!(p.order, OrderControls::default(), "counter reset");

    let mut p = released(OrderControls {
        on_expiry: Final::Unavailable,
        ..order
    });
    expire(&mut p).unwrap();
    assert_eq!(p.state, ProfileState::Unavailable);

    // A Profile whose package once left the SM-DP+ never returns to stock (§5.3.3).
    let mut p = released(order);
    p.downloaded_ever = true;
    expire(&mut p).unwrap();
    assert_eq!(p.state, ProfileState::Unavailable);

    // Another eUICC is still refused after the order ended.
    let other = Eid::parse("89049032123451234512345678901236").unwrap();
    assert!(!p.link_eid(&other));
}
