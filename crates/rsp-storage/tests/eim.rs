//! The eIM store (migration 20261207000001) on SQLite and PostgreSQL: counter values never
//! reused across two store instances (two processes) under concurrency, an operation handed
//! out once per lease, a result completing an operation once, the outbox.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::{backends, eid};
use rsp_eim::model::{
    EimCurve, EuiccRecord, EuiccState, OperationKind, OperationStatus, OutboxKind, PsmoSpec, Tenant,
};
use rsp_eim::store::{Completion, EimStore, StoreError};

fn record(n: u64, tenant: &str) -> EuiccRecord {
    EuiccRecord {
        eid: eid(n),
        tenant: tenant.into(),
        eim_id: "eim.test".into(),
        counter_value: 0,
        association_token: None,
        curve: EimCurve::Nist,
        euicc_certificate: None,
        eum_certificate: None,
        state: EuiccState::default(),
        created_at_ms: 1,
    }
}

fn enable() -> OperationKind {
    OperationKind::Psmo {
        psmos: vec![PsmoSpec::Enable {
            iccid: "8901234567890123456".into(),
            rollback: false,
        }],
    }
}

#[tokio::test]
async fn counters_are_never_reused_across_processes() {
    for db in backends().await {
        let other = db.second_store().await;
        db.store.register_euicc(&record(1, "t")).await.unwrap();
        assert!(matches!(
            db.store.register_euicc(&record(1, "t")).await,
            Err(StoreError::Duplicate)
        ));
        let mut tasks = Vec::new();
        for i in 0..40 {
            let s = if i % 2 == 0 {
                db.store.clone()
            } else {
                other.clone()
            };
            tasks.push(tokio::spawn(async move {
                s.next_counter(&eid(1)).await.unwrap().unwrap()
            }));
        }
        let mut seen = HashSet::new();
        for t in tasks {
            assert!(seen.insert(t.await.unwrap()), "a counter value was reused");
        }
        assert_eq!(seen.len(), 40);
        assert_eq!(seen.iter().max(), Some(&40));
        assert_eq!(db.store.next_counter(&eid(2)).await.unwrap(), None);
        other.close().await;
        db.finish().await;
    }
}

#[tokio::test]
async fn an_operation_is_leased_once_and_completed_once() {
    for db in backends().await {
        let other = db.second_store().await;
        db.store
            .upsert_tenant(&Tenant {
                id: "t".into(),
                token_sha256: [7; 32],
                webhook_url: Some("http://127.0.0.1:1/hook".into()),
            })
            .await
            .unwrap();
        assert_eq!(
            db.store
                .tenant_by_token(&[7; 32])
                .await
                .unwrap()
                .unwrap()
                .id,
            "t"
        );
        db.store
            .upsert_tenant(&Tenant {
                id: "gone".into(),
                token_sha256: [8; 32],
                webhook_url: None,
            })
            .await
            .unwrap();
        let removed = db.store.remove_tenants_except(&["t".into()]).await.unwrap();
        assert_eq!(removed, vec!["gone".to_owned()]);
        assert!(db.store.tenant_by_token(&[8; 32]).await.unwrap().is_none());
        db.store.register_euicc(&record(1, "t")).await.unwrap();
        let id = db
            .store
            .queue_operation(&eid(1), "t", &enable())
            .await
            .unwrap();
        db.store
            .queue_operation(&eid(1), "t", &enable())
            .await
            .unwrap();
        assert_eq!(db.store.pending_operations().await.unwrap(), 2);

        // Two processes ask at once: one gets the operation, the other nothing (the second
        // operation waits behind the first).
        let now = 1_000_000;
        let lease = Duration::from_secs(60);
        let e1 = eid(1);
        let (a, b) = tokio::join!(
            db.store.claim_operation(&e1, now, lease),
            other.claim_operation(&e1, now, lease)
        );
        let claimed: Vec<_> = [a.unwrap(), b.unwrap()].into_iter().flatten().collect();
        assert_eq!(claimed.len(), 1);
        assert_eq!(claimed[0].id, id);
        assert_eq!(claimed[0].status, OperationStatus::Delivered);
        db.store
            .set_delivered(id, Some(1), &[1, 2, 3], b"message")
            .await
            .unwrap();
        assert!(
            db.store
                .claim_operation(&eid(1), now + 1000, lease)
                .await
                .unwrap()
                .is_none()
        );
        // After the lease: the same message again.
        let again = other
            .claim_operation(&eid(1), now + 61_000, lease)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((again.id, again.deliveries), (id, 2));
        assert_eq!(again.message.as_deref(), Some(&b"message"[..]));
        let by_tid = db
            .store
            .delivered_operation(&eid(1), Some(&[1, 2, 3]), None)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(by_tid.id, id);

        let result = serde_json::json!({"ok": true});
        let state = EuiccState {
            enabled_iccid: Some("8901234567890123456".into()),
            ..EuiccState::default()
        };
        let completion = Completion {
            operation_id: id,
            status: OperationStatus::Done,
            result: &result,
            state: Some(&state),
            webhook: Some(("http://127.0.0.1:1/hook", b"{}")),
        };
        assert!(db.store.complete_operation(&completion).await.unwrap());
        assert!(!other.complete_operation(&completion).await.unwrap());
        let euicc = db.store.euicc(&eid(1)).await.unwrap().unwrap();
        assert_eq!(euicc.state.enabled_iccid, state.enabled_iccid);
        assert_eq!(db.store.pending_operations().await.unwrap(), 1);

        // The webhook is in the outbox, handed to one sender.
        db.store
            .queue_outbox(OutboxKind::Es9Notification, "smdp.example", b"\x30\x00")
            .await
            .unwrap();
        let t = rsp_eim::now_ms() + 10;
        let (a, b) = tokio::join!(
            db.store.claim_outbox(t, lease, 10),
            other.claim_outbox(t, lease, 10)
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.len() + b.len(), 2);
        let first = a
            .iter()
            .chain(b.iter())
            .find(|i| i.kind == OutboxKind::Webhook)
            .unwrap();
        db.store.outbox_sent(first.id).await.unwrap();
        assert!(
            db.store
                .claim_outbox(t, lease, 10)
                .await
                .unwrap()
                .is_empty()
        );
        other.close().await;
        db.finish().await;
    }
}

/// Indirect-download relay sessions (migration 20261208000001): found by the SM-DP+'s
/// transactionId from another store instance (another replica), replaced on a second put,
/// forgotten once expired.
#[tokio::test]
async fn relay_sessions_are_shared_and_expire() {
    use rsp_eim::relay::{RelaySession, RelayStore};
    for db in backends().await {
        let other = db.second_store().await;
        let session = |address: &str, at: i64| RelaySession {
            transaction_id: vec![0xA5; 16],
            smdp_address: address.into(),
            operation_id: Some(7),
            eid: Some(eid(1)),
            created_at_ms: at,
        };
        db.store
            .put_relay_session(&session("old.example", 1_000))
            .await
            .unwrap();
        db.store
            .put_relay_session(&session("smdp.example", 5_000))
            .await
            .unwrap();
        let found = other.relay_session(&[0xA5; 16]).await.unwrap().unwrap();
        assert_eq!(found, session("smdp.example", 5_000));
        assert!(other.relay_session(&[0x5A; 16]).await.unwrap().is_none());
        assert_eq!(db.store.expire_relay_sessions(5_000).await.unwrap(), 0);
        assert_eq!(db.store.expire_relay_sessions(5_001).await.unwrap(), 1);
        assert!(other.relay_session(&[0xA5; 16]).await.unwrap().is_none());
        // No delivered operation carries this eimTransactionId.
        assert!(
            other
                .delivered_by_transaction_id(&[0xA5; 16])
                .await
                .unwrap()
                .is_none()
        );
        other.close().await;
        db.finish().await;
    }
}
