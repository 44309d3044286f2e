//! ES9+ end to end against `Es9Plus` over SQLite and PostgreSQL, with a test-side eUICC that
//! checks every SM-DP+ signature and opens the Bound Profile Package itself.
#![allow(clippy::unwrap_used)]

#[path = "../common/mod.rs"]
mod common;
mod fixtures;
mod reference;

use std::time::Duration;

use rsp_codec::asn1::{AuthenticateClientOk, CancelSessionReason};
use rsp_crypto::Curve;
use rsp_pki::{Role, issue, request_for};
use rsp_smdpp::ProfileState;
use rsp_smdpp::es9plus::{Es9Plus, Es9PlusConfig, Es9PlusError, iccid_bcd};
use rsp_smdpp::outbox::PointStatus;
use rsp_smdpp::session::SessionStore;
use rsp_smdpp::store::{InventoryStore, OutboxStore};
use rsp_storage::SqlStore;
use sqlx::Row;

use common::backends;
use fixtures::{SMDP, code, es9, es9_with, foreign_pki, order, package, pki};
use rsp_testkit::euicc_sim::Euicc;

/// InitiateAuthentication + AuthenticateClient with a fresh challenge.
async fn authenticate(
    es9: &Es9Plus<SqlStore>,
    euicc: &mut Euicc,
    matching_id: Option<&str>,
) -> Result<AuthenticateClientOk, Es9PlusError> {
    euicc.new_challenge();
    let init = es9
        .initiate_authentication(&euicc.challenge, &euicc.info1(), SMDP)
        .await
        .unwrap();
    let response = euicc.authenticate_server(&init, matching_id);
    es9.authenticate_client(init.transaction_id.as_bytes(), &response)
        .await
}

async fn state(db: &common::TestDb, n: u64) -> ProfileState {
    db.store
        .find_by_iccid(&common::iccid(n))
        .await
        .unwrap()
        .unwrap()
        .state
}

#[tokio::test]
async fn full_download_on_both_curves() {
    for db in backends().await {
        for (n, curve) in [(1, Curve::NistP256), (2, Curve::BrainpoolP256r1)] {
            let es9 = es9(&db);
            let mut euicc = Euicc::of(pki(curve));
            let matching_id = format!("MATCH-{n}");
            let eid = euicc.eid.clone();
            let iccid = order(&db, n, Some(&eid), Some(&matching_id), None, true).await;

            let auth = authenticate(&es9, &mut euicc, Some(&matching_id))
                .await
                .unwrap();
            let meta = &auth.profile_meta_data;
            assert_eq!(meta.iccid.as_bytes(), &iccid_bcd(&iccid));
            assert_eq!(meta.profile_name, format!("Profile {n}"));
            assert_eq!(meta.service_provider_name, "Test Operator");

            let pdr = euicc.prepare_download(&auth, None);
            let tid = euicc.transaction_id().to_vec();
            let ok = es9.get_bound_profile_package(&tid, &pdr).await.unwrap();
            let (metadata, profile) = euicc.load_bpp(&ok.bound_profile_package);
            assert_eq!(
                profile,
                package(n),
                "{curve:?}: profile bytes after unprotect"
            );
            assert_eq!(&metadata, meta);
            assert_eq!(state(&db, n).await, ProfileState::Downloaded);

            // otSK.DP is stored encrypted, never in clear.
            let session = db.store.get_session(&tid).await.unwrap().unwrap();
            let secret = session.otsk_dp.clone().unwrap();
            let row = sqlx::query("SELECT otsk_dp_enc FROM smdpp_rsp_sessions")
                .fetch_all(db.store.pool())
                .await
                .unwrap();
            for r in row {
                let sealed: Option<Vec<u8>> = r.try_get("otsk_dp_enc").unwrap();
                if let Some(sealed) = sealed {
                    assert!(
                        !sealed
                            .windows(32)
                            .any(|w| secret.expose().windows(32).any(|s| s == w))
                    );
                }
            }

            // The session read with its Profile and package in one snapshot: the same rows
            // as the separate reads; the lease comes back usable (the writes below succeed).
            let read = db
                .store
                .get_session_with_profile(&tid, true)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(read.session.version, session.version);
            assert_eq!(
                read.profile
                    .as_ref()
                    .map(|p| (&p.iccid, p.state, p.version)),
                Some((&iccid, ProfileState::Downloaded, {
                    let p = db.store.find_by_iccid(&iccid).await.unwrap().unwrap();
                    p.version
                }))
            );
            assert_eq!(read.package.unwrap().expose(), package(n).as_slice());
            let without = db
                .store
                .get_session_with_profile(&tid, false)
                .await
                .unwrap()
                .unwrap();
            assert!(without.package.is_none() && without.profile.is_some());
            assert!(
                db.store
                    .get_session_with_profile(&[0xEE; 16], true)
                    .await
                    .unwrap()
                    .is_none()
            );

            // Retry with the same otPK.EUICC: same otPK.DP, a package that opens again.
            let again = es9.get_bound_profile_package(&tid, &pdr).await.unwrap();
            assert_eq!(
                again
                    .bound_profile_package
                    .initialise_secure_channel_request
                    .value()
                    .smdp_otpk,
                ok.bound_profile_package
                    .initialise_secure_channel_request
                    .value()
                    .smdp_otpk
            );
            assert_eq!(euicc.load_bpp(&again.bound_profile_package).1, package(n));
            // A new otPK.EUICC after delivery: refused (SGP.22 §5.6.2).
            let mut other = Euicc::of(pki(curve));
            std::mem::swap(&mut other.otsk, &mut euicc.otsk);
            euicc.otsk = Some(rsp_crypto::SoftwareKey::generate(curve).unwrap());
            let rebind = euicc.prepare_download_again(None, false);
            assert_eq!(
                code(es9.get_bound_profile_package(&tid, &rebind).await),
                "8.2/3.7"
            );

            es9.handle_notification(&euicc.installation_result(iccid_bcd(&iccid), true))
                .await
                .unwrap();
            assert_eq!(state(&db, n).await, ProfileState::Installed);

            // An enable notification is verified and forwarded; a forged one is dropped.
            let enable = euicc.other_notification(iccid_bcd(&iccid), 1);
            es9.handle_notification(&enable).await.unwrap();
            let mut forged = enable.clone();
            let pos = forged.windows(2).position(|w| w == [0x5F, 0x37]).unwrap();
            forged[pos + 10] ^= 0x01;
            es9.handle_notification(&forged).await.unwrap();
        }
        // Eligibility, download, installation for each of the two Profiles.
        let mut due = db
            .store
            .claim_due(i64::MAX, Duration::from_secs(60), 100)
            .await
            .unwrap();
        due.sort_by_key(|e| e.id);
        let points: Vec<u32> = due
            .iter()
            .map(|e| e.message.notification_point_id)
            .collect();
        assert_eq!(points, [1, 3, 4, 5, 1, 3, 4, 5]);
        assert!(due.iter().all(|e| e.message.status == PointStatus::Success));
        assert!(due[2].message.result_data.is_some());
        db.finish().await;
    }
}

/// An Operator outside `progress_recipients` gets no HandleDownloadProgressInfo queued,
/// the one inside gets every notification point.
#[tokio::test]
async fn progress_only_for_recipients() {
    use rsp_smdpp::OperatorId;
    use rsp_smdpp::es9plus::ProgressRecipients;
    for db in backends().await {
        for (n, recipients, expected) in [
            (1, ProgressRecipients::Only(Default::default()), 0),
            (
                2,
                ProgressRecipients::Only([OperatorId::new(fixtures::OPERATOR)].into()),
                3,
            ),
        ] {
            let mut config = Es9PlusConfig::new(SMDP);
            config.progress_recipients = recipients;
            let es9 = es9_with(&db, config);
            let mut euicc = Euicc::of(pki(Curve::NistP256));
            let matching_id = format!("PROGRESS-{n}");
            let eid = euicc.eid.clone();
            let iccid = order(&db, n, Some(&eid), Some(&matching_id), None, true).await;
            let auth = authenticate(&es9, &mut euicc, Some(&matching_id))
                .await
                .unwrap();
            let pdr = euicc.prepare_download(&auth, None);
            let tid = euicc.transaction_id().to_vec();
            let ok = es9.get_bound_profile_package(&tid, &pdr).await.unwrap();
            euicc.load_bpp(&ok.bound_profile_package);
            es9.handle_notification(&euicc.installation_result(iccid_bcd(&iccid), true))
                .await
                .unwrap();
            assert_eq!(state(&db, n).await, ProfileState::Installed);
            let due = db
                .store
                .claim_due(i64::MAX, Duration::from_secs(60), 100)
                .await
                .unwrap();
            assert_eq!(due.len(), expected, "recipients case {n}");
        }
        db.finish().await;
    }
}

#[tokio::test]
async fn initiate_authentication_refusals() {
    for db in backends().await {
        let es9 = es9(&db);
        let euicc = Euicc::of(pki(Curve::NistP256));
        let r = es9
            .initiate_authentication(&euicc.challenge, &euicc.info1(), "other.example.com")
            .await;
        assert_eq!(code(r), "8.8.1/3.8");
        es9.initiate_authentication(&euicc.challenge, &euicc.info1(), SMDP)
            .await
            .unwrap();
        let replay = es9
            .initiate_authentication(&euicc.challenge, &euicc.info1(), SMDP)
            .await;
        assert_eq!(code(replay), "8.1/6.1", "replayed euiccChallenge");
        // Housekeeping forgets expired sessions and old challenges.
        assert_eq!(db.store.purge_sessions(0).await.unwrap(), 0);
        assert_eq!(db.store.purge_sessions(i64::MAX).await.unwrap(), 1);
        es9.initiate_authentication(&euicc.challenge, &euicc.info1(), SMDP)
            .await
            .unwrap();
        let mut unknown_ci = Euicc::of(pki(Curve::NistP256));
        unknown_ci.ci_key_id = vec![0x11; 20];
        let r = es9
            .initiate_authentication(&unknown_ci.challenge, &unknown_ci.info1(), SMDP)
            .await;
        assert_eq!(code(r), "8.8.2/3.1");
        db.finish().await;
    }
}

#[tokio::test]
async fn authenticate_client_refusals() {
    for db in backends().await {
        let es9 = es9(&db);
        let nist = pki(Curve::NistP256);
        let mut euicc = Euicc::of(nist);
        let eid = euicc.eid.clone();
        // Unknown transactionId.
        euicc.new_challenge();
        let init = es9
            .initiate_authentication(&euicc.challenge, &euicc.info1(), SMDP)
            .await
            .unwrap();
        let resp = euicc.authenticate_server(&init, Some("NOPE"));
        assert_eq!(
            code(es9.authenticate_client(&[0u8; 16], &resp).await),
            "8.10.1/3.9"
        );
        // Unknown MatchingID.
        assert_eq!(
            code(authenticate(&es9, &mut euicc, Some("NOPE")).await),
            "8.2.6/3.8"
        );
        // Ordered for another EID.
        order(
            &db,
            10,
            Some(common::eid(5).as_str()),
            Some("OTHER-EID"),
            None,
            true,
        )
        .await;
        assert_eq!(
            code(authenticate(&es9, &mut euicc, Some("OTHER-EID")).await),
            "8.1.1/3.8"
        );
        // Confirmed but not released.
        order(&db, 11, Some(&eid), Some("NOT-RELEASED"), None, false).await;
        assert_eq!(
            code(authenticate(&es9, &mut euicc, Some("NOT-RELEASED")).await),
            "8.2/1.2"
        );
        // Bad euiccSignature1.
        order(&db, 12, Some(&eid), Some("SIG1"), None, true).await;
        euicc.new_challenge();
        let init = es9
            .initiate_authentication(&euicc.challenge, &euicc.info1(), SMDP)
            .await
            .unwrap();
        let mut resp = euicc.authenticate_server(&init, Some("SIG1"));
        euicc.corrupt_signature1(&mut resp);
        let r = es9
            .authenticate_client(init.transaction_id.as_bytes(), &resp)
            .await;
        assert_eq!(code(r), "8.1/6.1");
        // Expired session.
        let short = es9_with(&db, {
            let mut c = Es9PlusConfig::new(SMDP);
            c.session_ttl = Duration::ZERO;
            c
        });
        assert_eq!(
            code(authenticate(&short, &mut euicc, Some("SIG1")).await),
            "8.10.1/3.9"
        );
        // eUICC chained to a CI the SM-DP+ does not trust.
        let foreign = foreign_pki();
        let mut stranger = Euicc::with(
            nist,
            foreign.get(Role::Euicc).unwrap().cert.clone(),
            foreign.get(Role::Eum).unwrap().cert.clone(),
            rsp_crypto::SoftwareKey::from_pkcs8_der(
                &foreign.get(Role::Euicc).unwrap().key.to_pkcs8_der(),
            )
            .unwrap(),
        );
        assert_eq!(
            code(authenticate(&es9, &mut stranger, Some("SIG1")).await),
            "8.11.1/3.9"
        );
        // Expired eUICC certificate.
        let key = rsp_crypto::SoftwareKey::generate(Curve::NistP256).unwrap();
        let opts = rsp_pki::TestPkiOptions::default();
        let mut req = request_for(Role::Euicc, &key, &opts).unwrap();
        let now = time::OffsetDateTime::now_utc();
        req.not_before = now - time::Duration::days(30);
        req.not_after = Some(now - time::Duration::days(1));
        let eum = nist.get(Role::Eum).unwrap();
        let expired_cert = issue(&req, Some(&eum.cert), &eum.key).unwrap();
        let mut expired = Euicc::with(nist, expired_cert, eum.cert.clone(), key);
        assert_eq!(
            code(authenticate(&es9, &mut expired, Some("SIG1")).await),
            "8.1.3/6.3"
        );
        // The genuine eUICC still gets the Profile.
        authenticate(&es9, &mut euicc, Some("SIG1")).await.unwrap();
        db.finish().await;
    }
}

#[tokio::test]
async fn confirmation_code_and_signature2() {
    for db in backends().await {
        let es9 = es9(&db);
        let mut euicc = Euicc::of(pki(Curve::BrainpoolP256r1));
        let eid = euicc.eid.clone();
        order(&db, 20, Some(&eid), Some("CC-OK"), Some("1234"), true).await;
        let auth = authenticate(&es9, &mut euicc, Some("CC-OK")).await.unwrap();
        let tid = euicc.transaction_id().to_vec();
        euicc.prepare_download(&auth, Some("1234"));
        let bad_sig = euicc.prepare_download_again(Some("1234"), true);
        assert_eq!(
            code(es9.get_bound_profile_package(&tid, &bad_sig).await),
            "8.1/6.1"
        );
        let missing = euicc.prepare_download_again(None, false);
        assert_eq!(
            code(es9.get_bound_profile_package(&tid, &missing).await),
            "8.2.7/2.2"
        );
        let wrong = euicc.prepare_download_again(Some("9999"), false);
        assert_eq!(
            code(es9.get_bound_profile_package(&tid, &wrong).await),
            "8.2.7/3.8"
        );
        let right = euicc.prepare_download_again(Some("1234"), false);
        let ok = es9.get_bound_profile_package(&tid, &right).await.unwrap();
        assert_eq!(euicc.load_bpp(&ok.bound_profile_package).1, package(20));
        assert_eq!(
            code(es9.get_bound_profile_package(&[9u8; 16], &right).await),
            "8.10.1/3.9"
        );

        // Three wrong codes (limit 3): the order ends.
        order(&db, 21, Some(&eid), Some("CC-LIMIT"), Some("1234"), true).await;
        let auth = authenticate(&es9, &mut euicc, Some("CC-LIMIT"))
            .await
            .unwrap();
        let tid = euicc.transaction_id().to_vec();
        euicc.prepare_download(&auth, Some("0000"));
        let wrong = euicc.prepare_download_again(Some("0000"), false);
        assert_eq!(
            code(es9.get_bound_profile_package(&tid, &wrong).await),
            "8.2.7/3.8"
        );
        assert_eq!(
            code(es9.get_bound_profile_package(&tid, &wrong).await),
            "8.2.7/3.8"
        );
        assert_eq!(
            code(es9.get_bound_profile_package(&tid, &wrong).await),
            "8.2.7/6.4"
        );
        assert_eq!(state(&db, 21).await, ProfileState::Error);
        let right = euicc.prepare_download_again(Some("1234"), false);
        assert_eq!(
            code(es9.get_bound_profile_package(&tid, &right).await),
            "8.10.1/3.9"
        );
        db.finish().await;
    }
}

#[tokio::test]
async fn default_smdp_flow_cancel_and_failed_installation() {
    for db in backends().await {
        let es9 = es9(&db);
        let mut euicc = Euicc::of(pki(Curve::NistP256));
        let eid = euicc.eid.clone();
        order(&db, 30, Some(&eid), Some(""), None, true).await;
        // CancelSession after AuthenticateClient: the Profile stays Released.
        authenticate(&es9, &mut euicc, None).await.unwrap();
        let tid = euicc.transaction_id().to_vec();
        // Signed for another SM-DP+ (SGP.22 §5.6.5): refused, the session stays open.
        let elsewhere = euicc.cancel_session_naming(CancelSessionReason::POSTPONED, &[2, 999, 11]);
        assert_eq!(code(es9.cancel_session(&tid, &elsewhere).await), "8.8/3.10");
        let cancel = euicc.cancel_session(CancelSessionReason::POSTPONED);
        es9.cancel_session(&tid, &cancel).await.unwrap();
        assert_eq!(state(&db, 30).await, ProfileState::Released);
        assert_eq!(code(es9.cancel_session(&tid, &cancel).await), "8.10.1/3.9");
        // Next attempt downloads; the eUICC reports a failed installation.
        let auth = authenticate(&es9, &mut euicc, Some("")).await.unwrap();
        let pdr = euicc.prepare_download(&auth, None);
        let tid = euicc.transaction_id().to_vec();
        es9.get_bound_profile_package(&tid, &pdr).await.unwrap();
        let iccid = common::iccid(30);
        // A forged result (wrong key) is ignored.
        let mut forged = euicc.installation_result(iccid_bcd(&iccid), true);
        let n = forged.len();
        forged[n - 3] ^= 0x40;
        es9.handle_notification(&forged).await.unwrap();
        assert_eq!(state(&db, 30).await, ProfileState::Downloaded);
        es9.handle_notification(&euicc.installation_result(iccid_bcd(&iccid), false))
            .await
            .unwrap();
        assert_eq!(state(&db, 30).await, ProfileState::Error);
        // The Operator's last HandleDownloadProgressInfo is the BPP installation point (4),
        // Failed, with the eUICC's result attached.
        let due = db
            .store
            .claim_due(i64::MAX, Duration::from_secs(60), 100)
            .await
            .unwrap();
        let last = due.iter().max_by_key(|e| e.id).unwrap();
        assert_eq!(last.message.notification_point_id, 4);
        assert!(
            matches!(last.message.status, PointStatus::Failed(_)),
            "{:?}",
            last.message.status
        );
        assert!(last.message.result_data.is_some());
        // The failed Profile is not offered again.
        assert_eq!(
            code(authenticate(&es9, &mut euicc, None).await),
            "8.2.6/3.8"
        );
        db.finish().await;
    }
}
