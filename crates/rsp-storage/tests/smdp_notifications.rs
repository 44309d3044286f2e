//! The M2M SM-DP's record of the SM-SRs' notifications (migration 20261212000002) on SQLite
//! and PostgreSQL: recorded once per (SM-SR, MessageID), routed to the Operator of the order
//! that put the Profile on that eUICC (else kept unrouted), claimed under a lease, retried,
//! ended.
#![allow(clippy::unwrap_used)]

mod common;

use common::backends;
use rsp_smdp::notification::{
    NotificationState, NotificationStore, ProfileEvent, ReceivedNotification, Recorded,
};
use rsp_smdp::store::{Created, NewOrder, NewProfile, SmdpStore};

const EID: &str = "89049032123451234512345678901235";
const ICCID: &str = "8904404500000000017";

fn received(smsr: &str, message_id: &str, iccid: &str, eid: &str) -> ReceivedNotification {
    ReceivedNotification {
        smsr_id: smsr.into(),
        message_id: message_id.into(),
        event: ProfileEvent::Disabled,
        eid: eid.into(),
        iccid: iccid.into(),
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
            Recorded::Forwarded("mno1".into())
        );
        assert_eq!(
            s.record_notification(&n, 101).await.unwrap(),
            Recorded::Duplicate
        );
        // The same MessageID from another SM-SR is another notification.
        let other = received("smsr2", "urn:uuid:1", ICCID, EID);
        assert_eq!(
            s.record_notification(&other, 102).await.unwrap(),
            Recorded::Forwarded("mno1".into())
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
