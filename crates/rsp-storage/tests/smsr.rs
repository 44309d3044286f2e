//! The SM-SR store (migration 20261210000001) on SQLite and PostgreSQL: keys sealed at rest
//! (not readable in the table, not openable under another EID), counters never reused
//! across two store instances, one winner per send attempt, an operation ended once, EIS
//! versions, one operation in flight per eUICC, notifications deduplicated; the audit
//! records written with the changes.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashSet;

use common::{backends, eid, iccid};
use rsp_smsr::model::{Eis, EuiccCapabilities, ProfileInfo, ProfileState};
use rsp_smsr::notice::{Addressed, Destination, Notice, ProfileChange};
use rsp_smsr::operation::{Function, NewOperation, OperationStatus, Outcome, Requester, Transport};
use rsp_smsr::store::{ReceivedNotification, SmsrStore, StoreError};
use rsp_smsr::{EuiccKeys, Scp80Algorithm, Scp80Keyset, Scp81Psk};

const KIC: [u8; 16] = [0x11; 16];
const KID: [u8; 16] = [0x22; 16];

fn eis(n: u64) -> Eis {
    Eis {
        eid: eid(n),
        eum_id: "eum.test".into(),
        production_date: None,
        platform_type: None,
        platform_version: None,
        remaining_memory: Some(100_000),
        smsr_id: "smsr.test".into(),
        ecasd_certificate: None,
        capabilities: EuiccCapabilities::default(),
        profiles: vec![ProfileInfo {
            iccid: iccid(1),
            isd_p_aid: "A0000005591010FFFFFFFF8900001000".into(),
            mno_id: "mno1".into(),
            smdp_id: None,
            state: ProfileState::Enabled,
            fallback_attribute: true,
            subscription_address: rsp_smsr::SubscriptionAddress {
                msisdn: Some(format!("4479000{n:05}")),
                imsi: None,
            },
            pol2: Default::default(),
            profile_type: None,
            allocated_memory: None,
        }],
        last_audit_date: None,
    }
}

fn keys() -> EuiccKeys {
    EuiccKeys {
        scp80: vec![Scp80Keyset::new(1, Scp80Algorithm::Aes, &KIC, &KID).unwrap()],
        scp81: Some(Scp81Psk::new("psk-id", &[0x33; 16]).unwrap()),
    }
}

fn notice(n: i64) -> Addressed {
    Addressed {
        destination: Destination::Operator("mno1".into()),
        notice: Notice::ProfileChanged {
            eid: eid(3).to_string(),
            iccid: iccid(1).to_string(),
            change: ProfileChange::Disabled,
            at: n,
            smdp_id: None,
        },
    }
}

fn new_op(n: u64, now: i64) -> NewOperation {
    NewOperation {
        eid: eid(n).to_string(),
        function: Function::AuditEis,
        requester: Requester::Operator("mno1".into()),
        transport: Transport::Sms,
        message_id: Some(format!("msg-{now}")),
        reply_to: None,
        now,
        validity: 600,
    }
}

#[tokio::test]
async fn eis_keys_and_counters() {
    for db in backends().await {
        let other = db.second_store().await;
        db.store.register(&eis(1), &keys(), 10).await.unwrap();
        assert!(matches!(
            db.store.register(&eis(1), &keys(), 10).await,
            Err(StoreError::Duplicate)
        ));
        let stored = db.store.eis(eid(1).as_str()).await.unwrap().unwrap();
        assert_eq!(stored.eis, eis(1));
        assert!(db.store.eis(eid(2).as_str()).await.unwrap().is_none());

        // Keys come back whole, and are not in the table in clear.
        let k = db.store.keys(eid(1).as_str()).await.unwrap().unwrap();
        assert_eq!(
            k.sending_keyset()
                .unwrap()
                .security_keys()
                .kic
                .unwrap()
                .expose(),
            KIC
        );
        assert_eq!(k.scp81.unwrap().expose(), [0x33; 16]);
        let raw: Vec<u8> = sqlx::query_scalar("SELECT keys_sealed FROM smsr_euiccs")
            .fetch_one(db.store.pool())
            .await
            .unwrap();
        assert!(!raw.windows(8).any(|w| w == [0x11; 8] || w == [0x22; 8]));
        assert!(!String::from_utf8_lossy(&raw).contains(&hex::encode(KIC)));
        // Sealed keys moved to another eUICC's row do not open there (EID bound).
        db.store
            .register(&eis(2), &EuiccKeys::default(), 10)
            .await
            .unwrap();
        sqlx::query("UPDATE smsr_euiccs SET keys_sealed = $1 WHERE eid = $2")
            .bind(raw.clone())
            .bind(eid(2).as_str())
            .execute(db.store.pool())
            .await
            .unwrap();
        assert!(matches!(
            db.store.keys(eid(2).as_str()).await,
            Err(StoreError::Corrupt(_))
        ));

        // Version check: a stale update changes nothing.
        let mut changed = stored.eis.clone();
        changed.remaining_memory = Some(5);
        assert!(
            db.store
                .update_eis(&changed, stored.version, &[], 1)
                .await
                .unwrap()
        );
        assert!(
            !db.store
                .update_eis(&eis(1), stored.version, &[], 1)
                .await
                .unwrap()
        );
        let now = db.store.eis(eid(1).as_str()).await.unwrap().unwrap();
        assert_eq!(now.eis.remaining_memory, Some(5));
        assert_eq!(now.version, stored.version + 1);

        // Counters from two store instances never repeat.
        let mut tasks = Vec::new();
        for i in 0..30 {
            let s = if i % 2 == 0 {
                db.store.clone()
            } else {
                other.clone()
            };
            let e = eid(1).to_string();
            tasks.push(tokio::spawn(
                async move { s.next_counter(&e).await.unwrap() },
            ));
        }
        let mut seen = HashSet::new();
        for t in tasks {
            assert!(seen.insert(t.await.unwrap()));
        }
        assert_eq!(seen.len(), 30);
        assert_eq!(seen.iter().max(), Some(&30));
        db.finish().await;
    }
}

#[tokio::test]
async fn operations_run_one_at_a_time_and_end_once() {
    for db in backends().await {
        db.store.register(&eis(3), &keys(), 10).await.unwrap();
        let e = eid(3).to_string();
        let first = db.store.queue(&new_op(3, 100)).await.unwrap();
        let second = db.store.queue(&new_op(3, 101)).await.unwrap();
        assert_eq!(first.status, OperationStatus::Queued);

        // Only the oldest unfinished operation of the eUICC is due.
        let due = db.store.due(200, 10).await.unwrap();
        assert_eq!(due.iter().map(|o| o.id).collect::<Vec<_>>(), vec![first.id]);

        // One winner per attempt.
        assert!(db.store.mark_sent(first.id, 1, 7, 300).await.unwrap());
        assert!(!db.store.mark_sent(first.id, 1, 8, 300).await.unwrap());
        assert!(
            db.store.due(200, 10).await.unwrap().is_empty(),
            "not due before its retry"
        );
        assert_eq!(db.store.due(300, 10).await.unwrap()[0].id, first.id);
        let by_counter = db.store.sent_by_counter(&e, 7).await.unwrap().unwrap();
        assert_eq!(by_counter.id, first.id);
        assert_eq!(by_counter.attempts, 1);

        // Completion with an EIS change at the right version; a second completion is a no-op.
        let stored = db.store.eis(&e).await.unwrap().unwrap();
        let mut audited = stored.eis.clone();
        audited.last_audit_date = Some("2026-12-06T00:00:00Z".into());
        let ok = Outcome {
            success: true,
            status_code_data: None,
            response: Some("E3".into()),
        };
        assert!(
            db.store
                .complete(
                    first.id,
                    &ok,
                    Some((&audited, stored.version)),
                    &[notice(1)],
                    400
                )
                .await
                .unwrap()
        );
        assert!(
            !db.store
                .complete(first.id, &ok, None, &[notice(2)], 401)
                .await
                .unwrap()
        );
        let done = db.store.operation(first.id).await.unwrap().unwrap();
        assert_eq!(done.status, OperationStatus::Done);
        assert_eq!(done.outcome, Some(ok.clone()));
        assert_eq!(
            db.store.eis(&e).await.unwrap().unwrap().eis.last_audit_date,
            audited.last_audit_date
        );

        // A completion whose EIS version is stale writes nothing, not even the status.
        assert!(
            !db.store
                .complete(
                    second.id,
                    &ok,
                    Some((&audited, stored.version)),
                    &[notice(3)],
                    402
                )
                .await
                .unwrap()
        );
        let still = db.store.operation(second.id).await.unwrap().unwrap();
        assert_eq!(still.status, OperationStatus::Queued);
        assert_eq!(db.store.due(500, 10).await.unwrap()[0].id, second.id);

        let log = db.store.operations(&e, 10).await.unwrap();
        assert_eq!(
            log.iter().map(|o| o.id).collect::<Vec<_>>(),
            vec![second.id, first.id]
        );

        let n = ReceivedNotification {
            eid: e.clone(),
            sequence: 4,
            kind: 2,
            isd_p_aid: Some("A0000005591010FFFFFFFF8900001100".into()),
        };
        assert!(db.store.record_notification(&n, 1).await.unwrap());
        // MSISDN → EID, and MO counters only go up.
        assert_eq!(
            db.store
                .eid_by_msisdn("447900000003")
                .await
                .unwrap()
                .as_deref(),
            Some(e.as_str())
        );
        assert!(
            db.store
                .eid_by_msisdn("447900000099")
                .await
                .unwrap()
                .is_none()
        );
        assert!(db.store.accept_mo_counter(&e, 5).await.unwrap());
        assert!(!db.store.accept_mo_counter(&e, 5).await.unwrap());
        assert!(!db.store.accept_mo_counter(&e, 4).await.unwrap());
        assert!(db.store.accept_mo_counter(&e, 9).await.unwrap());

        // Only the notice of the completion that was written is queued; a claim leases it.
        let claimed = db.store.claim_notices(500, 10, 60).await.unwrap();
        assert_eq!(claimed.len(), 1);
        assert_eq!(claimed[0].item, notice(1));
        assert_eq!(claimed[0].attempts, 1);
        assert!(
            db.store
                .claim_notices(500, 10, 60)
                .await
                .unwrap()
                .is_empty(),
            "leased"
        );
        let again = db.store.claim_notices(561, 10, 60).await.unwrap();
        assert_eq!(again[0].attempts, 2, "lease ran out: claimed again");
        db.store.notice_retry(again[0].id, 700).await.unwrap();
        assert!(
            db.store
                .claim_notices(699, 10, 60)
                .await
                .unwrap()
                .is_empty()
        );
        db.store.notice_ended(again[0].id, true).await.unwrap();
        assert!(
            db.store
                .claim_notices(10_000, 10, 60)
                .await
                .unwrap()
                .is_empty(),
            "done"
        );
        assert!(!db.store.record_notification(&n, 2).await.unwrap());

        // The audit trail, written with the changes: the registration, both operations
        // queued (by their Operator), only the end that was written; never a key.
        db.store.chain_audit(1000).await.unwrap();
        let trail = db.store.audit_page(0, 1000).await.unwrap();
        let actions: Vec<&str> = trail.iter().map(|r| r.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "smsr.eis.register",
                "smsr.operation.queue",
                "smsr.operation.queue",
                "smsr.operation.end"
            ]
        );
        assert_eq!(trail[1].actor, "mno1");
        let end = &trail[3];
        assert_eq!(
            (end.actor.as_str(), end.subject.as_str()),
            ("system", e.as_str())
        );
        let details: serde_json::Value = serde_json::from_str(&end.details).unwrap();
        assert_eq!(details["operation"], first.id);
        assert_eq!(details["function"], "AuditEIS");
        assert_eq!(details["status"], "done");
        assert_eq!(details["seconds"], 300);
        for r in &trail {
            for k in [hex::encode(KIC), hex::encode_upper(KIC)] {
                assert!(!r.details.contains(&k), "{r:?}");
            }
        }
        assert_eq!(db.store.verify_audit().await.unwrap().broken, None);
        db.finish().await;
    }
}
