//! The M2M SM-DP service over the SQL store: what DownloadProfile refuses and with which
//! status codes, and an order whose SM-SR refuses GetEIS ending failed, its Profile failed,
//! and its DownloadProfileResponse queued for the ReplyTo with the SM-SR's status code; an
//! SM-SR out of reach leaves the order at its stage for a later try within the retry
//! window, and fails it with 8.7 / 5.1 after.
//! (The successful download runs end to end in `crates/rsp/tests/serve_smdp.rs`.)
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use common::backends;
use rsp_codec::ws::es3::Es3Request;
use rsp_codec::ws::{FunctionExecutionStatus, Response};
use rsp_pki::Role;
use rsp_smdp::order::{Es3, OrderError, Stage};
use rsp_smdp::service::{ServiceError, SmdpConfig, SmdpService};
use rsp_smdp::store::{Destination, NewOrder, NewProfile, ProfileState, SmdpStore};
use rsp_smdp::{SmdpCredential, certificate};

const EID: &str = "89049032123451234512345678901235";

/// An SM-SR that refuses everything with 8.1.1 / 3.9.
#[derive(Clone, Default)]
struct Refusing(Arc<Mutex<Vec<String>>>);

impl Es3 for Refusing {
    async fn call(&self, request: Es3Request) -> Result<Response, OrderError> {
        self.0.lock().unwrap().push(format!("{request:?}"));
        Ok(Response::new(
            rsp_codec::ws::Function::GetEis,
            FunctionExecutionStatus::failed("8.1.1", "3.9", Some("unknown EID")),
        ))
    }
}

/// An SM-SR that cannot be reached.
#[derive(Clone, Default)]
struct Unreachable(Arc<Mutex<usize>>);

impl Es3 for Unreachable {
    async fn call(&self, _request: Es3Request) -> Result<Response, OrderError> {
        *self.0.lock().unwrap() += 1;
        Err(OrderError::Transport("connection refused".into()))
    }
}

fn config() -> SmdpConfig {
    let lab = rsp_testkit::m2m::lab_pki(EID);
    let dp = lab.get(Role::DpAuth).unwrap();
    let credential = SmdpCredential::new(
        certificate::issue(&dp.cert, &lab.get(Role::Ci).unwrap().key).unwrap(),
        Arc::new(rsp_crypto::SoftwareKey::from_pkcs8_der(&dp.key.to_pkcs8_der()).unwrap()),
    )
    .unwrap();
    SmdpConfig {
        credential,
        host_id: b"SMDP-LAB".to_vec(),
        key_version: 0x30,
        max_apdus_per_script: 4,
        lease: 600,
        retry_window: 0,
        retry_after: 30,
    }
}

fn order(smsr_id: &str, profile_type: &str) -> NewOrder {
    NewOrder {
        operator: "mno1".into(),
        message_id: Some("msg-1".into()),
        reply_to: Some("https://mno1.test/es2".into()),
        eid: EID.into(),
        smsr_id: smsr_id.into(),
        profile_type: profile_type.into(),
        iccid: None,
        enable: true,
        now: 100,
    }
}

fn code(e: &ServiceError) -> (String, String) {
    let c = e.status_code();
    (c.subject.to_string(), c.reason.to_string())
}

#[tokio::test]
async fn refusals_and_a_failed_order() {
    for db in backends().await {
        let smsr = Refusing::default();
        let service = SmdpService::new(
            db.store.clone(),
            HashMap::from([("smsr1".to_owned(), smsr.clone())]),
            config(),
        );
        let iccid = rsp_saip::template::values::ICCID;
        let package = rsp_saip::template::generic().encode().unwrap();
        db.store
            .import_profile(
                &NewProfile {
                    iccid: iccid.into(),
                    profile_type: "generic".into(),
                    msisdn: Some("447900900001".into()),
                    package,
                },
                10,
            )
            .await
            .unwrap();

        let e = service
            .accept(&order("smsr9", "generic"))
            .await
            .unwrap_err();
        assert_eq!(code(&e), ("8.7".into(), "3.9".into()));
        let e = service.accept(&order("smsr1", "nope")).await.unwrap_err();
        assert_eq!(code(&e), ("8.2.5".into(), "3.9".into()));
        let mut named = order("smsr1", "generic");
        named.iccid = Some("8901000000000000001".into());
        let e = service.accept(&named).await.unwrap_err();
        assert_eq!(code(&e), ("8.2.1".into(), "3.9".into()));

        let accepted = service.accept(&order("smsr1", "generic")).await.unwrap();
        assert_eq!(accepted.order.iccid, iccid);
        assert_eq!(accepted.order.msisdn.as_deref(), Some("447900900001"));
        // The same request again (its MessageID): the same order, no other Profile asked.
        let again = service.accept(&order("smsr1", "generic")).await.unwrap();
        assert_eq!(again.id, accepted.id);
        // Another request: none left.
        let mut another = order("smsr1", "generic");
        another.message_id = Some("msg-2".into());
        let e = service.accept(&another).await.unwrap_err();
        assert_eq!(code(&e), ("8.2.5".into(), "3.7".into()));
        named.iccid = Some(iccid.into());
        named.message_id = Some("msg-3".into());
        let e = service.accept(&named).await.unwrap_err();
        assert_eq!(code(&e), ("8.2.1".into(), "3.3".into()));

        // The worker: GetEIS refused, nothing else asked of the SM-SR.
        assert_eq!(service.run_due(10).await.unwrap(), 1);
        assert_eq!(smsr.0.lock().unwrap().len(), 1);
        assert_eq!(service.run_due(10).await.unwrap(), 0);
        let ended = db.store.order(accepted.id).await.unwrap().unwrap();
        assert_eq!(ended.order.stage, Stage::Failed);
        let stored_failure = ended.failure.unwrap();
        assert!(stored_failure.message.contains("GetEIS"));
        assert_eq!(
            (
                stored_failure.subject_code.as_str(),
                stored_failure.reason_code.as_str()
            ),
            ("8.1.1", "3.9")
        );
        assert_eq!(
            db.store.profile(iccid).await.unwrap().unwrap().state,
            ProfileState::Failed
        );
        let results = db.store.claim_results(i64::MAX / 2, 10, 30).await.unwrap();
        assert_eq!(results.len(), 1);
        let r = &results[0].result;
        assert_eq!(
            r.destination,
            Destination::ReplyTo("https://mno1.test/es2".into())
        );
        assert_eq!(r.relates_to.as_deref(), Some("msg-1"));
        assert_eq!(r.iccid, iccid);
        assert!(!r.success);
        assert_eq!(r.failure.as_ref(), Some(&stored_failure));
        db.finish().await;
    }
}

#[tokio::test]
async fn an_unreachable_smsr_postpones_the_order_within_the_retry_window() {
    for db in backends().await {
        let now = rsp_smdp::service::unix_now();
        let profile = |iccid: &str| NewProfile {
            iccid: iccid.into(),
            profile_type: "generic".into(),
            msisdn: None,
            package: rsp_saip::template::generic().encode().unwrap(),
        };
        let smsr = Unreachable::default();
        let patient = SmdpService::new(
            db.store.clone(),
            HashMap::from([("smsr1".to_owned(), smsr.clone())]),
            SmdpConfig {
                retry_window: 3600,
                retry_after: 30,
                ..config()
            },
        );
        db.store
            .import_profile(&profile(rsp_saip::template::values::ICCID), now)
            .await
            .unwrap();
        let mut o = order("smsr1", "generic");
        o.now = now;
        let accepted = patient.accept(&o).await.unwrap();
        let backend = db.backend();
        assert_eq!(patient.run_due(10).await.unwrap(), 0, "{backend:?}");
        assert_eq!(*smsr.0.lock().unwrap(), 1, "one try");
        let stored = db.store.order(accepted.id).await.unwrap().unwrap();
        assert!(!stored.ended(), "{backend:?}");
        assert_eq!(stored.order.stage, Stage::Accepted);
        assert!(stored.failure.is_none());
        assert!(
            (now + 25..=now + 40).contains(&stored.lease_until),
            "due again in about 30 s: {} vs {now}",
            stored.lease_until
        );
        // Not due yet: nothing is claimed, the SM-SR is not called again.
        assert_eq!(patient.run_due(10).await.unwrap(), 0);
        assert_eq!(*smsr.0.lock().unwrap(), 1);
        assert!(
            db.store
                .claim_results(now + 3600, 10, 60)
                .await
                .unwrap()
                .is_empty()
        );
    }
}
