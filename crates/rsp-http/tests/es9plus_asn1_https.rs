//! ES9+ over the ASN.1 binding (SGP.22 v2.5 §6.6) on real HTTPS: InitiateAuthentication
//! with serverSignature1 checked over serverSigned1 as received, the functions' ASN.1 error
//! INTEGERs, the binding's refusals, and a whole download driven by a test eUICC whose
//! signed bytes travel unchanged inside hand-built request envelopes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::es9_asn1::*;
use common::*;
use rsp_codec::asn1::{
    self, AuthenticateClientErrorEs9, AuthenticateClientOk, AuthenticateErrorCode,
    AuthenticateResponseError, AuthenticateServerResponse, CancelSessionErrorEs9,
    CancelSessionReason, DownloadErrorCode, Extensions, GetBoundProfilePackageError,
    InitiateAuthenticationError, PrepareDownloadResponse, PrepareDownloadResponseError,
    TransactionId,
};
use rsp_codec::json::Iccid;
use rsp_pki::Cert;
use rsp_smdpp::ProfileState;
use rsp_smdpp::es9plus::iccid_bcd;
use rsp_testkit::euicc_sim::Euicc;

const ICCID_1: &str = "8949000000000000011";
const ICCID_2: &str = "8949000000000000029";

fn pem_cert(pki: &Pki, name: &str) -> Cert {
    Cert::from_pem(&std::fs::read_to_string(pki.path(name)).unwrap()).unwrap()
}

// -------------------------------------------------------------------------- tests

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn initiate_authentication_and_refusals_over_asn1() {
    let pki = Pki::generate();
    let store = sqlite_store(&pki.dir.0).await;
    let server = Server::start(&pki, store).await;
    let lpa = pki.client(None);
    let ski = pem_cert(&pki, "ci.pem").subject_key_id().unwrap().to_vec();
    let dp_auth = pem_cert(&pki, "dp-auth.pem");
    let challenge = [0x5Au8; 16];

    let ok = initiate_ok(
        call(
            &lpa,
            &server,
            initiate_authentication(&challenge, SMDP_ADDRESS, &euicc_info1(&ski)),
        )
        .await,
    );
    // serverSignature1 (64-byte r‖s) over serverSigned1 exactly as received.
    assert_eq!(ok.server_signed1.raw()[0], 0x30);
    assert_eq!(ok.server_signature1.len(), 64);
    dp_auth
        .public_key()
        .verify_raw(ok.server_signed1.raw(), &ok.server_signature1)
        .expect("serverSignature1 verifies with CERT.DPauth");
    let signed1 = ok.server_signed1.value();
    assert_eq!(signed1.euicc_challenge.as_bytes(), &challenge);
    assert_eq!(signed1.transaction_id, ok.transaction_id);
    assert_eq!(signed1.server_address, SMDP_ADDRESS);
    assert!(!ok.transaction_id.as_bytes().is_empty() && ok.transaction_id.as_bytes().len() <= 16);
    assert_eq!(ok.euicc_ci_pk_id_to_be_used.as_ref(), ski.as_slice());
    assert_eq!(ok.server_certificate.as_der(), dp_auth.der());

    // Wrong SM-DP+ address: invalidDpAddress(1).
    let e = initiate_error(
        call(
            &lpa,
            &server,
            initiate_authentication(&[0x11; 16], "other.example.com", &euicc_info1(&ski)),
        )
        .await,
    );
    assert_eq!(e, InitiateAuthenticationError::INVALID_DP_ADDRESS);
    // A CI the SM-DP+ does not know: ciPKNotSupported(3).
    let e = initiate_error(
        call(
            &lpa,
            &server,
            initiate_authentication(&[0x22; 16], SMDP_ADDRESS, &euicc_info1(&[0xEE; 20])),
        )
        .await,
    );
    assert_eq!(e, InitiateAuthenticationError::CI_PK_NOT_SUPPORTED);

    // AuthenticateClient on an unknown transaction: invalidTransactionId(10).
    let unknown_tid = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08];
    let asr = asn1::encode(&AuthenticateServerResponse::AuthenticateResponseError(
        AuthenticateResponseError {
            transaction_id: TransactionId(unknown_tid.to_vec().into()),
            authenticate_error_code: AuthenticateErrorCode::CI_PK_UNKNOWN,
            ext: Extensions::default(),
        },
    ))
    .unwrap();
    let e = authenticate_result(call(&lpa, &server, authenticate_client(&unknown_tid, &asr)).await)
        .unwrap_err();
    assert_eq!(e, AuthenticateClientErrorEs9::INVALID_TRANSACTION_ID);
    // GetBoundProfilePackage and CancelSession on it: 95 and 1.
    let pdr = asn1::encode(&PrepareDownloadResponse::DownloadResponseError(
        PrepareDownloadResponseError {
            transaction_id: TransactionId(unknown_tid.to_vec().into()),
            download_error_code: DownloadErrorCode::INVALID_TRANSACTION_ID,
            ext: Extensions::default(),
        },
    ))
    .unwrap();
    let e = bpp_result(call(&lpa, &server, get_bound_profile_package(&unknown_tid, &pdr)).await)
        .unwrap_err();
    assert_eq!(e, GetBoundProfilePackageError::INVALID_TRANSACTION_ID);
    let csr = [0xBF, 0x41, 0x03, 0x81, 0x01, 0x05]; // cancelSessionResponseError(5)
    let e =
        cancel_result(call(&lpa, &server, cancel_session(&unknown_tid, &csr)).await).unwrap_err();
    assert_eq!(e, CancelSessionErrorEs9::INVALID_TRANSACTION_ID);
    // An undecodable notification is dropped (§5.6.4 has no error): 204.
    let a = post(
        &lpa,
        &server,
        ASN1,
        Some("gsma/rsp/v2.5.0"),
        handle_notification(&[0x04, 0x01, 0xAA]),
    )
    .await;
    assert_eq!((a.status, a.body.len()), (204, 0));

    // Binding refusals: HTTP 400 without body.
    let good = initiate_authentication(&[0x33; 16], SMDP_ADDRESS, &euicc_info1(&ski));
    let refusals: [(&str, Option<&str>, Vec<u8>); 6] = [
        ("application/json", Some("gsma/rsp/v2.5.0"), good.clone()),
        (
            "application/octet-stream",
            Some("gsma/rsp/v2.5.0"),
            good.clone(),
        ),
        (ASN1, None, good.clone()),
        (ASN1, Some("gsma/rsp/v1.0.0"), good.clone()),
        (ASN1, Some("gsma/rsp/v2.5.0"), b"{\"not\":\"DER\"}".to_vec()),
        // Truncated DER, and trailing bytes after the envelope.
        (
            ASN1,
            Some("gsma/rsp/v2.5.0"),
            good[..good.len() - 1].to_vec(),
        ),
    ];
    for (content_type, version, body) in refusals {
        let a = post(&lpa, &server, content_type, version, body).await;
        assert_eq!(a.status, 400, "{content_type} {version:?}");
        assert!(a.body.is_empty());
    }
    let mut trailing = good.clone();
    trailing.push(0x00);
    let a = post(&lpa, &server, ASN1, Some("gsma/rsp/v2.5.0"), trailing).await;
    assert_eq!(a.status, 400);

    // Calls are counted with the JSON binding's ES9+ calls.
    if let Some(handle) = rsp_http::metrics::handle() {
        let text = handle.render();
        assert!(text.contains("rsp_es9plus_calls_total"), "{text}");
        assert!(text.contains("/gsma/rsp2/asn1"), "{text}");
    }
    server.stop().await;
}

/// InitiateAuthentication + AuthenticateClient over the binding with a fresh challenge.
async fn authenticate(
    lpa: &reqwest::Client,
    server: &Server,
    euicc: &mut Euicc,
    matching_id: &str,
) -> Result<AuthenticateClientOk, AuthenticateClientErrorEs9> {
    euicc.new_challenge();
    let init = initiate_ok(
        call(
            lpa,
            server,
            initiate_authentication(&euicc.challenge, SMDP_ADDRESS, &euicc.info1()),
        )
        .await,
    );
    let asr = euicc.authenticate_server(&init, Some(matching_id));
    authenticate_result(
        call(
            lpa,
            server,
            authenticate_client(init.transaction_id.as_bytes(), &asr),
        )
        .await,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_download_over_asn1() {
    let pki = Pki::generate();
    let store = sqlite_store(&pki.dir.0).await;
    let server = Server::start(&pki, store).await;
    let lpa = pki.client(None);
    let mut euicc = Euicc::from_dir(&pki.dir.0);
    let eid = euicc.eid.clone();
    order(&server, ICCID_1, &eid, "MATCH-ASN1-1", None).await;

    // A MatchingID nobody ordered: matchingIdRefused(6).
    assert_eq!(
        authenticate(&lpa, &server, &mut euicc, "MATCH-UNKNOWN")
            .await
            .unwrap_err(),
        AuthenticateClientErrorEs9::MATCHING_ID_REFUSED
    );

    let auth = authenticate(&lpa, &server, &mut euicc, "MATCH-ASN1-1")
        .await
        .unwrap();
    let iccid: Iccid = ICCID_1.parse().unwrap();
    assert_eq!(auth.profile_meta_data.iccid.as_bytes(), &iccid_bcd(&iccid));
    let tid = euicc.transaction_id().to_vec();
    assert_eq!(auth.transaction_id.as_bytes(), tid.as_slice());

    // A PrepareDownloadResponse with a broken euiccSignature2: euiccSignatureInvalid(1).
    let pdr = euicc.prepare_download(&auth, None);
    let bad = euicc.prepare_download_again(None, true);
    let e =
        bpp_result(call(&lpa, &server, get_bound_profile_package(&tid, &bad)).await).unwrap_err();
    assert_eq!(e, GetBoundProfilePackageError::EUICC_SIGNATURE_INVALID);

    let ok = bpp_result(call(&lpa, &server, get_bound_profile_package(&tid, &pdr)).await).unwrap();
    assert_eq!(ok.transaction_id.as_bytes(), tid.as_slice());
    let (metadata, package) = euicc.load_bpp(&ok.bound_profile_package);
    assert_eq!(
        package,
        [0xA0, 0x03, 0x80, 0x01, 0x02],
        "profile after unprotect"
    );
    assert_eq!(metadata, auth.profile_meta_data);
    assert_eq!(state(&server, ICCID_1).await, ProfileState::Downloaded);

    // ProfileInstallationResult: 204 without body, Profile installed.
    let a = post(
        &lpa,
        &server,
        ASN1,
        Some("gsma/rsp/v2.5.0"),
        handle_notification(&euicc.installation_result(iccid_bcd(&iccid), true)),
    )
    .await;
    assert_eq!((a.status, a.body.len()), (204, 0));
    assert_eq!(state(&server, ICCID_1).await, ProfileState::Installed);

    // Second order with a Confirmation Code: wrong code refused(3), then the eUICC cancels.
    order(&server, ICCID_2, &eid, "MATCH-ASN1-2", Some("1234")).await;
    let auth = authenticate(&lpa, &server, &mut euicc, "MATCH-ASN1-2")
        .await
        .unwrap();
    let tid = euicc.transaction_id().to_vec();
    // Checks smdpSignature2 (ccRequiredFlag set) and makes the one-time key.
    euicc.prepare_download(&auth, Some("1234"));
    let wrong = euicc.prepare_download_again(Some("9999"), false);
    let e =
        bpp_result(call(&lpa, &server, get_bound_profile_package(&tid, &wrong)).await).unwrap_err();
    assert_eq!(e, GetBoundProfilePackageError::CONFIRMATION_CODE_REFUSED);
    let no_code = euicc.prepare_download_again(None, false);
    let e = bpp_result(call(&lpa, &server, get_bound_profile_package(&tid, &no_code)).await)
        .unwrap_err();
    assert_eq!(e, GetBoundProfilePackageError::CONFIRMATION_CODE_MISSING);

    let csr = euicc.cancel_session(CancelSessionReason::END_USER_REJECTION);
    cancel_result(call(&lpa, &server, cancel_session(&tid, &csr)).await).unwrap();
    assert_eq!(state(&server, ICCID_2).await, ProfileState::Released);
    // The session is closed: invalidTransactionId(1).
    let e = cancel_result(call(&lpa, &server, cancel_session(&tid, &csr)).await).unwrap_err();
    assert_eq!(e, CancelSessionErrorEs9::INVALID_TRANSACTION_ID);
    server.stop().await;
}
