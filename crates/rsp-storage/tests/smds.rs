//! The SM-DS store (migration 20261206000001) under the ES12 / ES11 rules of `rsp-smds`, on
//! SQLite and PostgreSQL: EventIDs unique per owner, deletion by the owner only, the
//! cascade state of an Alternative SM-DS converging, single-use ES11 sessions, and two
//! server processes claiming cascades without doubles.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{backends, eid, iccid, op, stock};
use rsp_codec::status::RspError;
use rsp_smdpp::es2plus::{ConfirmOrder, DownloadOrder, Es2Plus, Es2PlusConfig, Es2PlusError};
use rsp_smdpp::smds_events::SmdsEventStore;
use rsp_smdpp::store::InventoryStore;
use rsp_smds::es12::{Es12, Registration};
use rsp_smds::store::{EventQuery, SmdsKey, SmdsSession, SmdsStore, StoreError};
use rsp_smds::{EventOwner, SmdsConfig, SmdsError, SmdsRole};

fn refused(r: Result<impl std::fmt::Debug, SmdsError>) -> RspError {
    match r {
        Err(SmdsError::Rejected(e)) => e,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn registration<'a>(
    eid: &'a rsp_codec::json::Eid,
    event_id: &'a str,
    fwd: bool,
) -> Registration<'a> {
    Registration {
        eid,
        event_id,
        rsp_server_address: "smdp.example.com",
        forwarding: fwd,
    }
}

#[tokio::test]
async fn events_are_unique_per_owner_and_deleted_by_their_owner_only() {
    for db in backends().await {
        let es12 = Es12::new(db.store.clone(), SmdsConfig::new("smds.example.com"));
        let (a, b) = (EventOwner::new("smdp-a"), EventOwner::new("smdp-b"));
        let e1 = eid(1);
        es12.register_event(&a, registration(&e1, "EVT-1", false))
            .await
            .unwrap();
        // The same EventID again from the same SM-DP+: 8.9.5/3.3; from another: its own event.
        let dup = es12
            .register_event(&a, registration(&e1, "EVT-1", false))
            .await;
        assert_eq!(refused(dup), RspError::EventIdDuplicated);
        es12.register_event(&b, registration(&e1, "EVT-1", false))
            .await
            .unwrap();
        es12.register_event(&a, registration(&e1, "EVT-2", false))
            .await
            .unwrap();
        let events = db.store.events_for_eid(&e1).await.unwrap();
        let ids: Vec<_> = events
            .iter()
            .map(|e| (e.owner.as_str(), e.event_id.as_str()))
            .collect();
        assert_eq!(
            ids,
            [
                ("smdp-a", "EVT-1"),
                ("smdp-b", "EVT-1"),
                ("smdp-a", "EVT-2")
            ]
        );
        assert_eq!(db.store.count_events().await.unwrap(), 3);
        let only_b = db
            .store
            .list_events(&EventQuery {
                owner: Some(b.clone()),
                limit: 10,
                ..EventQuery::default()
            })
            .await
            .unwrap();
        assert_eq!(only_b.len(), 1);
        // Malformed input: 1.3.1/2.1.
        let bad = es12.register_event(&a, registration(&e1, "", false)).await;
        assert_eq!(refused(bad), RspError::ProtocolFormatInvalid);
        let mut bad_address = registration(&e1, "EVT-3", false);
        bad_address.rsp_server_address = "smdp example";
        let bad = es12.register_event(&a, bad_address).await;
        assert_eq!(refused(bad), RspError::ProtocolFormatInvalid);

        // Only the owner deletes: for another SM-DP+ the event is unknown (8.9.5/3.9).
        let other = es12.delete_event(&b, &e1, "EVT-2").await;
        assert_eq!(refused(other), RspError::EventUnknown);
        let wrong_eid = es12.delete_event(&a, &eid(2), "EVT-2").await;
        assert_eq!(refused(wrong_eid), RspError::EventUnknown);
        let gone = es12.delete_event(&a, &e1, "EVT-2").await.unwrap();
        assert_eq!(gone.event_id.as_str(), "EVT-2");
        let again = es12.delete_event(&a, &e1, "EVT-2").await;
        assert_eq!(refused(again), RspError::EventUnknown);
        assert_eq!(db.store.events_for_eid(&e1).await.unwrap().len(), 2);
        db.finish().await;
    }
}

#[tokio::test]
async fn an_alternative_smds_cascades_one_event_per_eid_while_forwarded_events_exist() {
    for db in backends().await {
        let mut config = SmdsConfig::new("alt.example.com");
        config.role = SmdsRole::Alternative {
            root_address: "root.example.com".into(),
        };
        let es12 = Es12::new(db.store.clone(), config);
        let s = &db.store;
        let owner = EventOwner::new("smdp-a");
        let e1 = eid(1);
        // Not forwarded: no cascade.
        es12.register_event(&owner, registration(&e1, "LOCAL", false))
            .await
            .unwrap();
        assert!(s.cascade_for_eid(&e1).await.unwrap().is_none());
        // Two forwarded events: one cascade, wanted, not yet registered.
        for id in ["F1", "F2"] {
            es12.register_event(&owner, registration(&e1, id, true))
                .await
                .unwrap();
        }
        let c = s.cascade_for_eid(&e1).await.unwrap().unwrap();
        assert!(c.wanted && !c.registered);
        assert_eq!(c.root_address, "root.example.com");
        assert_eq!(s.pending_cascades().await.unwrap(), 1);

        // A sender claims it; a second process sees nothing while the lease runs.
        let now = now_ms();
        let claimed = s
            .claim_cascades(now, Duration::from_secs(30), 10)
            .await
            .unwrap();
        assert_eq!(claimed.len(), 1);
        assert_eq!(claimed[0].attempts, 1);
        let second = db.second_store().await;
        assert!(
            second
                .claim_cascades(now, Duration::from_secs(30), 10)
                .await
                .unwrap()
                .is_empty()
        );
        // A failure is retried later, with its error kept.
        s.cascade_retry(&e1, now - 1, "root unreachable")
            .await
            .unwrap();
        let retried = second
            .claim_cascades(now, Duration::from_secs(30), 10)
            .await
            .unwrap();
        assert_eq!(retried.len(), 1);
        assert_eq!(retried[0].attempts, 2);
        assert_eq!(retried[0].last_error.as_deref(), Some("root unreachable"));
        second.cascade_synced(&e1, true).await.unwrap();
        assert_eq!(s.pending_cascades().await.unwrap(), 0);
        let synced = s.cascade_for_eid(&e1).await.unwrap().unwrap();
        assert!(synced.wanted && synced.registered);
        assert_eq!(synced.event_id, c.event_id, "one cascade EventID per EID");

        // Deleting one forwarded event keeps the cascade; the last one ends it.
        es12.delete_event(&owner, &e1, "F1").await.unwrap();
        assert!(s.cascade_for_eid(&e1).await.unwrap().unwrap().wanted);
        es12.delete_event(&owner, &e1, "F2").await.unwrap();
        let unwanted = s.cascade_for_eid(&e1).await.unwrap().unwrap();
        assert!(!unwanted.wanted && unwanted.registered);
        assert_eq!(s.pending_cascades().await.unwrap(), 1);
        let claimed = s
            .claim_cascades(now_ms(), Duration::from_secs(30), 10)
            .await
            .unwrap();
        assert!(!claimed[0].wanted);
        s.cascade_synced(&e1, false).await.unwrap();
        assert!(s.cascade_for_eid(&e1).await.unwrap().is_none());
        assert_eq!(s.pending_cascades().await.unwrap(), 0);

        // Wanted then unwanted before any send: forgotten at once.
        let e2 = eid(2);
        es12.register_event(&owner, registration(&e2, "G1", true))
            .await
            .unwrap();
        es12.delete_event(&owner, &e2, "G1").await.unwrap();
        assert!(s.cascade_for_eid(&e2).await.unwrap().is_none());
        // The root ignores forwardingIndicator: it has no root to cascade to.
        let root = Es12::new(s.clone(), SmdsConfig::new("root.example.com"));
        root.register_event(&owner, registration(&e2, "R1", true))
            .await
            .unwrap();
        assert!(s.cascade_for_eid(&e2).await.unwrap().is_none());
        second.close().await;
        db.finish().await;
    }
}

#[tokio::test]
async fn es11_sessions_are_single_use_and_challenges_are_not_reused() {
    for db in backends().await {
        let s = &db.store;
        let now = now_ms();
        let session = SmdsSession {
            transaction_id: vec![0xA1; 16],
            ci_key_id: vec![1; 20],
            euicc_challenge: vec![0xC1; 16],
            server_challenge: vec![0x5C; 16],
            created_at_ms: now,
            expires_at_ms: now + 60_000,
            completed: false,
        };
        s.create_session(&session).await.unwrap();
        assert_eq!(
            s.get_session(&session.transaction_id).await.unwrap(),
            Some(session.clone())
        );
        let mut replay = session.clone();
        replay.transaction_id = vec![0xA2; 16];
        assert!(matches!(
            s.create_session(&replay).await,
            Err(StoreError::Duplicate(SmdsKey::EuiccChallenge))
        ));
        assert!(s.complete_session(&session.transaction_id).await.unwrap());
        assert!(!s.complete_session(&session.transaction_id).await.unwrap());
        assert!(
            s.get_session(&session.transaction_id)
                .await
                .unwrap()
                .unwrap()
                .completed
        );
        assert!(s.get_session(&[0xEE; 16]).await.unwrap().is_none());
        assert_eq!(s.purge_sessions(now + 120_000).await.unwrap(), 1);
        assert!(
            s.get_session(&session.transaction_id)
                .await
                .unwrap()
                .is_none()
        );
        db.finish().await;
    }
}

fn now_ms() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

/// The SM-DP+ side (SGP.22 §5.3.2, §3.6.1): ConfirmOrder refuses an SM-DS it does not know
/// (8.9/5.1); a released order naming a known one wants its event until it is cancelled,
/// and an event never sent is forgotten with the order.
#[tokio::test]
async fn confirm_order_registers_events_at_known_smds_only() {
    for db in backends().await {
        db.store.import(&stock("op", "gold", 1, 2)).await.unwrap();
        let mut config = Es2PlusConfig::new("smdp.example.com");
        config.smds_addresses = Some(vec!["smds.example.com".into()]);
        let es2 = Es2Plus::new(db.store.clone(), config);
        let confirm = |n: u64, smds: &str| ConfirmOrder {
            iccid: iccid(n),
            eid: Some(eid(n)),
            matching_id: None,
            confirmation_code: None,
            smds_address: Some(smds.to_owned()),
            release_flag: true,
        };
        for n in [1, 2] {
            let order = DownloadOrder {
                iccid: Some(iccid(n)),
                eid: Some(eid(n)),
                ..DownloadOrder::default()
            };
            es2.download_order(&op("op"), &order).await.unwrap();
        }
        let unknown = es2
            .confirm_order(&op("op"), &confirm(1, "other.example.com"))
            .await;
        assert!(
            matches!(
                unknown,
                Err(Es2PlusError::Rejected(RspError::SmdsInaccessible))
            ),
            "{unknown:?}"
        );
        let ok = es2
            .confirm_order(&op("op"), &confirm(1, "SMDS.example.com"))
            .await
            .unwrap();
        let s = &db.store;
        let due = s
            .claim_smds_events(now_ms(), Duration::from_secs(30), 10)
            .await
            .unwrap();
        assert_eq!(due.len(), 1);
        assert!(due[0].wanted);
        assert_eq!(due[0].event_id, ok.matching_id.unwrap().as_str());
        assert_eq!(due[0].eid, eid(1));
        assert_eq!(due[0].attempts, 1);
        // Leased: a second claim sees nothing; pending still counts it.
        assert!(
            s.claim_smds_events(now_ms(), Duration::from_secs(30), 10)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(s.pending_smds_events().await.unwrap(), 1);
        s.smds_event_synced(&iccid(1), true).await.unwrap();
        assert_eq!(s.pending_smds_events().await.unwrap(), 0);

        // Cancelled: the registered event is to be deleted, then forgotten.
        let cancel = rsp_smdpp::es2plus::CancelOrder {
            iccid: iccid(1),
            eid: Some(eid(1)),
            matching_id: None,
            final_status: rsp_codec::json::es2plus::FinalProfileStatusIndicator::Available,
        };
        es2.cancel_order(&op("op"), &cancel).await.unwrap();
        let due = s
            .claim_smds_events(now_ms(), Duration::from_secs(30), 10)
            .await
            .unwrap();
        assert_eq!(due.len(), 1);
        assert!(!due[0].wanted);
        s.smds_event_synced(&iccid(1), false).await.unwrap();
        assert_eq!(s.pending_smds_events().await.unwrap(), 0);
        assert!(
            s.claim_smds_events(now_ms(), Duration::from_secs(30), 10)
                .await
                .unwrap()
                .is_empty()
        );
        db.finish().await;
    }
}
