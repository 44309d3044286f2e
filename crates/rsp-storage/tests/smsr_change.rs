//! The SM-SR change records (migration 20261212000031) on SQLite and PostgreSQL: one
//! unfinished change per eUICC and side, stages moved by compare-and-set (with an operation
//! queued in the same write, or neither), the new keyset
//! installed sealed with the counter after its initial one, the eUICC forgotten whole; each
//! stage written in the audit trail with it.
#![allow(clippy::unwrap_used)]

mod common;

use common::{backends, eid, iccid};
use rsp_smsr::es7::{Side, SmsrChange, Stage};
use rsp_smsr::model::{Eis, EuiccCapabilities, ProfileInfo, ProfileState};
use rsp_smsr::notice::{Addressed, Destination, Notice, ProfileChange};
use rsp_smsr::operation::{Function, NewOperation, Requester, Transport};
use rsp_smsr::store::{SmsrChangeStore, SmsrStore, StoreError};
use rsp_smsr::{EuiccKeys, Scp80Algorithm, Scp80Keyset};

fn eis(n: u64) -> Eis {
    Eis {
        eid: eid(n),
        eum_id: "eum.test".into(),
        production_date: None,
        platform_type: None,
        platform_version: None,
        remaining_memory: None,
        smsr_id: "smsr1".into(),
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
                msisdn: Some(format!("4479100{n:05}")),
                imsi: None,
            },
            pol2: Default::default(),
            profile_type: None,
            allocated_memory: None,
        }],
        last_audit_date: None,
    }
}

fn keys(version: u8, byte: u8) -> EuiccKeys {
    EuiccKeys {
        scp80: vec![
            Scp80Keyset::new(version, Scp80Algorithm::Aes, &[byte; 16], &[byte; 16]).unwrap(),
        ],
        scp81: None,
    }
}

#[tokio::test]
async fn changes_move_once_and_the_keys_follow() {
    for db in backends().await {
        let s = &db.store;
        let e = eis(1);
        let id = e.eid.to_string();
        s.register(&e, &keys(1, 0x11), 10).await.unwrap();

        // SM-SR1's side: one unfinished change per eUICC.
        let c = SmsrChange::request(
            &e,
            &Requester::Operator("mno1".into()),
            "smsr2",
            "smsr1",
            10,
            600,
        )
        .unwrap();
        s.open_change(&c, 10).await.unwrap();
        assert!(matches!(
            s.open_change(&c, 11).await,
            Err(StoreError::Duplicate)
        ));
        assert_eq!(s.change(&id, Side::Current).await.unwrap(), Some(c.clone()));
        assert!(s.change(&id, Side::New).await.unwrap().is_none());
        assert_eq!(s.changes_to_drive(10).await.unwrap(), vec![c.clone()]);

        // Compare-and-set: the second writer from the same stage loses.
        let sent = c.clone().handover_sent("urn:m1").unwrap();
        assert!(s.move_change(&sent, c.stage.name(), 12).await.unwrap());
        assert!(!s.move_change(&sent, c.stage.name(), 12).await.unwrap());
        let back = s.change(&id, Side::Current).await.unwrap().unwrap();
        assert_eq!(back.handover_message_id.as_deref(), Some("urn:m1"));

        // A finished change may be replaced by a new one.
        let failed = back.clone().failed("test").unwrap();
        assert!(s.move_change(&failed, back.stage.name(), 13).await.unwrap());
        assert!(s.changes_to_drive(10).await.unwrap().is_empty());
        s.open_change(&c, 14).await.unwrap();

        // A step that queues an ES5 operation and a notice with it: all or nothing.
        let op = NewOperation {
            eid: id.clone(),
            function: Function::AuditEis,
            requester: Requester::SmSr,
            transport: Transport::Sms,
            message_id: None,
            reply_to: None,
            now: 15,
            validity: 600,
        };
        let ops = std::slice::from_ref(&op);
        let notice = Addressed {
            destination: Destination::SmDp("smdp1".into()),
            notice: Notice::ProfileChanged {
                eid: id.clone(),
                iccid: iccid(1).to_string(),
                change: ProfileChange::Enabled,
                at: 15,
                smdp_id: None,
            },
        };
        let notices = std::slice::from_ref(&notice);
        // Earlier notices, if any, out of the way (leased far beyond the claim below).
        let already = s.claim_notices(15, 100, 1_000_000).await.unwrap().len();
        let sent = c.clone().handover_sent("urn:m2").unwrap();
        assert!(
            s.move_change_queueing(&sent, c.stage.name(), ops, notices, 15)
                .await
                .unwrap()
        );
        assert!(
            !s.move_change_queueing(&sent, c.stage.name(), ops, notices, 16)
                .await
                .unwrap()
        );
        let claimed = s.claim_notices(1_000, 100, 1).await.unwrap();
        assert_eq!(claimed.len(), 1, "{already} before: {claimed:?}");
        assert_eq!(claimed[0].item, notice);
        let queued = s.operations(&id, 10).await.unwrap();
        assert_eq!(queued.len(), 1, "{queued:?}");
        assert_eq!(queued[0].function, Function::AuditEis);
        assert_eq!(queued[0].requester, Requester::SmSr);
        assert_eq!(s.change(&id, Side::Current).await.unwrap(), Some(sent));

        // SM-SR2's keys: replaced whole, sealed, the counter after the initial one.
        s.install_keys(&id, &keys(2, 0x44), 7).await.unwrap();
        let k = s.keys(&id).await.unwrap().unwrap();
        assert_eq!(k.scp80.len(), 1);
        assert_eq!(k.sending_keyset().unwrap().version, 2);
        assert_eq!(s.next_counter(&id).await.unwrap(), 8);
        // Never down: a lower initial counter leaves it.
        s.install_keys(&id, &keys(2, 0x44), 3).await.unwrap();
        assert_eq!(s.next_counter(&id).await.unwrap(), 9);
        assert!(
            s.install_keys(eid(9).as_str(), &keys(2, 0x44), 1)
                .await
                .is_err()
        );

        // Forgotten: EIS, keys and MSISDNs.
        let msisdn = e.msisdn().unwrap().to_owned();
        assert_eq!(s.eid_by_msisdn(&msisdn).await.unwrap(), Some(id.clone()));
        s.remove_euicc(&id, &[], 20).await.unwrap();
        assert!(s.eis(&id).await.unwrap().is_none());
        assert!(s.keys(&id).await.unwrap().is_none());
        assert!(s.eid_by_msisdn(&msisdn).await.unwrap().is_none());
        // The change record stays (its history).
        assert!(matches!(
            s.change(&id, Side::Current).await.unwrap().map(|c| c.stage),
            Some(Stage::HandedOver { .. })
        ));

        // The audit trail: each stage written (not the refused open, not the lost moves),
        // the operation queued with its step, the registration and the removal.
        s.chain_audit(1000).await.unwrap();
        let trail = s.audit_page(0, 1000).await.unwrap();
        let actions: Vec<&str> = trail.iter().map(|r| r.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "smsr.eis.register",
                "smsr.change.requested",
                "smsr.change.handedOver",
                "smsr.change.failed",
                "smsr.change.requested",
                "smsr.operation.queue",
                "smsr.change.handedOver",
                "smsr.eis.remove",
            ]
        );
        let failed = &trail[3];
        assert_eq!(
            (failed.actor.as_str(), failed.subject.as_str()),
            ("mno1", id.as_str())
        );
        let details: serde_json::Value = serde_json::from_str(&failed.details).unwrap();
        assert_eq!(details["side"], "current");
        assert_eq!(details["peer"], "smsr2");
        assert_eq!(details["from"], "handedOver");
        assert_eq!(details["reason"], "test");
        assert_eq!(trail[5].actor, "system", "queued by the SM-SR itself");
        assert_eq!(s.verify_audit().await.unwrap().broken, None);
        db.finish().await;
    }
}
