//! The M2M SM-DP's record of the SM-SRs' notifications (migrations 20261212000002,
//! 20261212000041) on SQLite and PostgreSQL: recorded once per (SM-SR, MessageID), a Profile
//! notification routed to the Operator of the order that put the Profile on that eUICC, an
//! SM-SR change to every Operator whose order installed a Profile there (else kept
//! unrouted), claimed under a lease, retried, ended.
#![allow(clippy::unwrap_used)]

mod common;

use common::backends;
use rsp_smdp::notification::{
    NotificationEvent, NotificationState, NotificationStore, ReceivedNotification, Recorded,
    Subject,
};
use rsp_smdp::order::Stage;
use rsp_smdp::store::{Created, NewOrder, NewProfile, SmdpStore};

const EID: &str = "89049032123451234512345678901235";
const ICCID: &str = "8904404500000000017";

fn received(smsr: &str, message_id: &str, iccid: &str, eid: &str) -> ReceivedNotification {
    ReceivedNotification {
        smsr_id: smsr.into(),
        message_id: message_id.into(),
        event: NotificationEvent::Disabled,
        eid: eid.into(),
        subject: Subject::Profile {
            iccid: iccid.into(),
        },
        completion_timestamp: "2030-01-01T00:00:00Z".into(),
    }
}

#[tokio::test]
async fn notifications_are_recorded_once_and_routed_to_the_ordering_operator() {
    for db in backends().await {
        let s = &db.store;
        s.import_profile(
            &NewProfile {
                iccid: ICCID.into(),
                profile_type: "generic".into(),
                msisdn: None,
                package: vec![0x5A; 32],
            },
            10,
        )
        .await
        .unwrap();
        let order = NewOrder {
            operator: "mno1".into(),
            message_id: Some("m".into()),
            reply_to: None,
            eid: EID.into(),
            smsr_id: "smsr1".into(),
            profile_type: "generic".into(),
            iccid: None,
            enable: false,
            now: 10,
        };
        assert!(matches!(
            s.create_order(&order).await.unwrap(),
            Created::Order(_)
        ));

        let n = received("smsr1", "urn:uuid:1", ICCID, EID);
        assert_eq!(
            s.record_notification(&n, 100).await.unwrap(),
            Recorded::Forwarded(vec!["mno1".into()])
        );
        assert_eq!(
            s.record_notification(&n, 101).await.unwrap(),
            Recorded::Duplicate
        );
        // The same MessageID from another SM-SR is another notification.
        let other = received("smsr2", "urn:uuid:1", ICCID, EID);
        assert_eq!(
            s.record_notification(&other, 102).await.unwrap(),
            Recorded::Forwarded(vec!["mno1".into()])
        );
        // Another eUICC, or a Profile no order of ours put there: kept, not passed on.
        let stranger = received(
            "smsr1",
            "urn:uuid:2",
            ICCID,
            "89049032123451234512345678901999",
        );
        assert_eq!(
            s.record_notification(&stranger, 103).await.unwrap(),
            Recorded::Unrouted
        );

        let all = s.notifications(10).await.unwrap();
        assert_eq!(all.len(), 3);
        assert_eq!(all[0].state, NotificationState::Unrouted);
        assert_eq!(all[0].operator, None);
        assert_eq!(all[2].notification, n);
        assert_eq!(all[2].operator.as_deref(), Some("mno1"));

        // The outbox: both routed ones claimed under a lease, retried, ended.
        let claimed = s.claim_notifications(200, 10, 30).await.unwrap();
        assert_eq!(claimed.len(), 2);
        assert_eq!(claimed[0].notification, n);
        assert_eq!(claimed[0].operator, "mno1");
        assert_eq!(claimed[0].attempts, 1);
        assert!(s.claim_notifications(210, 10, 30).await.unwrap().is_empty());
        s.notification_retry(claimed[0].id, 300).await.unwrap();
        s.notification_ended(claimed[1].id, false).await.unwrap();
        assert!(s.claim_notifications(299, 10, 30).await.unwrap().is_empty());
        let again = s.claim_notifications(300, 10, 30).await.unwrap();
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].attempts, 2);
        s.notification_ended(again[0].id, true).await.unwrap();
        assert!(
            s.claim_notifications(10_000, 10, 30)
                .await
                .unwrap()
                .is_empty()
        );
        let states: Vec<_> = s
            .notifications(10)
            .await
            .unwrap()
            .into_iter()
            .map(|n| n.state)
            .collect();
        assert_eq!(
            states,
            vec![
                NotificationState::Unrouted,
                NotificationState::Failed,
                NotificationState::Done
            ]
        );
        db.finish().await;
    }
}

/// Imports a Profile and orders it on `eid` for `operator`; the order's id.
async fn ordered<S: SmdpStore>(s: &S, iccid: &str, operator: &str, eid: &str) -> i64 {
    s.import_profile(
        &NewProfile {
            iccid: iccid.into(),
            profile_type: "generic".into(),
            msisdn: None,
            package: vec![0x5A; 32],
        },
        10,
    )
    .await
    .unwrap();
    let order = NewOrder {
        operator: operator.into(),
        message_id: Some(format!("m-{iccid}")),
        reply_to: None,
        eid: eid.into(),
        smsr_id: "smsr1".into(),
        profile_type: "generic".into(),
        iccid: Some(iccid.into()),
        enable: false,
        now: 10,
    };
    match s.create_order(&order).await.unwrap() {
        Created::Order(o) => o.id,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn an_smsr_change_goes_to_each_operator_with_a_profile_on_the_euicc() {
    const EIS: &str = "<rps:Eis xmlns:rps=\"http://namespaces.gsma.org/esim-messaging/1\">\
        <rps:eid>89049032123451234512345678901235</rps:eid></rps:Eis>";
    for db in backends().await {
        let s = &db.store;
        let a = ordered(s, "8904404500000000017", "mno-b", EID).await;
        let b = ordered(s, "8904404500000000025", "mno-a", EID).await;
        let c = ordered(s, "8904404500000000033", "mno-a", EID).await;
        // Still running: no Profile of mno-c on the eUICC yet.
        ordered(s, "8904404500000000041", "mno-c", EID).await;
        let claimed = s.claim_orders(20, 100, 10, 7).await.unwrap();
        for o in claimed.into_iter().filter(|o| [a, b, c].contains(&o.id)) {
            let mut order = o.order.clone();
            order.stage = if o.id == c {
                Stage::Enabled
            } else {
                Stage::Completed
            };
            assert!(s.checkpoint(o.id, &order, 7, 100, 21).await.unwrap());
        }

        let change = ReceivedNotification {
            smsr_id: "smsr2".into(),
            message_id: "urn:uuid:c".into(),
            event: NotificationEvent::SmsrChange,
            eid: EID.into(),
            subject: Subject::Eis { eis: EIS.into() },
            completion_timestamp: "2030-01-01T00:00:00Z".into(),
        };
        assert_eq!(
            s.record_notification(&change, 100).await.unwrap(),
            Recorded::Forwarded(vec!["mno-a".into(), "mno-b".into()])
        );
        assert_eq!(
            s.record_notification(&change, 101).await.unwrap(),
            Recorded::Duplicate
        );
        let elsewhere = ReceivedNotification {
            message_id: "urn:uuid:d".into(),
            eid: "89049032123451234512345678901999".into(),
            ..change.clone()
        };
        assert_eq!(
            s.record_notification(&elsewhere, 102).await.unwrap(),
            Recorded::Unrouted
        );
        assert_eq!(
            s.record_notification(&elsewhere, 103).await.unwrap(),
            Recorded::Duplicate
        );

        let claimed = s.claim_notifications(200, 10, 30).await.unwrap();
        let mut to: Vec<&str> = claimed.iter().map(|q| q.operator.as_str()).collect();
        to.sort_unstable();
        assert_eq!(to, vec!["mno-a", "mno-b"]);
        assert!(claimed.iter().all(|q| q.notification == change));
        let all = s.notifications(10).await.unwrap();
        assert_eq!(all.len(), 3);
        assert_eq!(all[0].state, NotificationState::Unrouted);
        assert_eq!(all[0].notification.eis(), Some(EIS));
        assert_eq!(all[0].notification.iccid(), None);
        db.finish().await;
    }
}
