//! ES11 refusals over HTTPS (SGP.22 §5.8.2, the checks of §3.0.1 with CERT.DSauth): a
//! revoked EUM certificate (a CI CRL given to the SM-DS) 8.1.2/6.1, an expired eUICC
//! certificate 8.1.3/6.3, a bad euiccSignature1 8.1/6.1, and a replayed AuthenticateClient
//! 8.10.1/3.9 (a session answers once); the same flow untampered succeeds.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use common::smds::*;
use common::*;
use rsp_codec::asn1::{
    self, AuthenticateServerResponse, CtxParams1, CtxParamsForCommonAuthentication, Extensions,
};
use rsp_codec::json::Base64Bytes;
use rsp_codec::json::es9plus::{AuthenticateClientRequest, InitiateAuthenticationResponse};
use rsp_codec::tlv::{ensure_tlv, wrap};
use rsp_crypto::{Curve, SoftwareKey};
use rsp_lpa::{Es9PlusClient, LpaError, es10b};
use rsp_pki::{Cert, Role, TestPkiOptions};

fn code(e: LpaError) -> (String, String) {
    match e {
        LpaError::Es9Failed {
            data: Some(data), ..
        } => (
            data.subject_code.as_str().to_owned(),
            data.reason_code.as_str().to_owned(),
        ),
        other => panic!("expected a status code, got {other:?}"),
    }
}

fn read_cert(path: &Path) -> Cert {
    Cert::from_pem(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn read_key(path: &Path) -> SoftwareKey {
    SoftwareKey::from_pem(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// InitiateAuthentication, then ES10b.AuthenticateServer in the eUICC: the answer and the
/// eUICC's AuthenticateServerResponse DER.
async fn authenticated(
    isdr: &mut rsp_euicc::Isdr,
    es11: &Es9PlusClient,
    smds: &str,
) -> (InitiateAuthenticationResponse, Vec<u8>) {
    let (info1, _) = es10b::get_euicc_info1(isdr).unwrap();
    let challenge = es10b::get_euicc_challenge(isdr).unwrap();
    let init = es11
        .es11_initiate_authentication(
            smds,
            &rsp_codec::json::es11::InitiateAuthenticationRequest {
                euicc_challenge: Base64Bytes::new(challenge.to_vec()),
                euicc_info1: Base64Bytes::new(info1),
                smds_address: smds.to_owned(),
            },
        )
        .await
        .unwrap();
    let ctx = CtxParams1::CtxParamsForCommonAuthentication(CtxParamsForCommonAuthentication {
        matching_id: None,
        device_info: rsp_lpa::device::device_info(None).unwrap(),
        ext: Extensions::default(),
    });
    let request = wrap(
        &[0xBF, 0x38],
        &[
            init.server_signed1.as_bytes(),
            &ensure_tlv(&[0x5F, 0x37], init.server_signature1.as_bytes()),
            &ensure_tlv(&[0x04], init.euicc_ci_pk_id_to_be_used.as_bytes()),
            init.server_certificate.as_bytes(),
            &asn1::encode(&ctx).unwrap(),
        ]
        .concat(),
    );
    let (der, _) = es10b::authenticate_server(isdr, &request).unwrap();
    (init, der)
}

fn edit_ok(der: &[u8], edit: impl FnOnce(&mut asn1::AuthenticateResponseOk)) -> Vec<u8> {
    let AuthenticateServerResponse::AuthenticateResponseOk(mut ok) =
        asn1::decode::<AuthenticateServerResponse>(der).unwrap()
    else {
        panic!("the eUICC refused the SM-DS");
    };
    edit(&mut ok);
    asn1::encode(&AuthenticateServerResponse::AuthenticateResponseOk(ok)).unwrap()
}

async fn client_call(
    es11: &Es9PlusClient,
    smds: &str,
    init: &InitiateAuthenticationResponse,
    der: Vec<u8>,
) -> Result<rsp_codec::json::es11::AuthenticateClientResponse, LpaError> {
    es11.es11_authenticate_client(
        smds,
        &AuthenticateClientRequest {
            transaction_id: init.transaction_id.clone(),
            authenticate_server_response: Base64Bytes::new(der),
        },
    )
    .await
}

#[tokio::test]
async fn es11_refuses_bad_signatures_expired_and_revoked_certificates_and_replays() {
    let dir = TempDir::new();
    let pki = write_pki(&dir.0, "nist", Curve::NistP256);
    let smds = Smds::start(store_in(&dir.0, "smds").await, &pki, &pki, None).await;
    let es11 = Es9PlusClient::from_ca_files(&[pki.join("ci.pem")]).unwrap();
    let mut isdr = euicc(&pki).into_isdr();

    // Untampered: the events (none); the same AuthenticateClient again: 8.10.1/3.9.
    let (init, der) = authenticated(&mut isdr, &es11, &smds.address).await;
    let ok = client_call(&es11, &smds.address, &init, der.clone())
        .await
        .unwrap();
    assert!(ok.event_entries.is_empty());
    let replay = client_call(&es11, &smds.address, &init, der).await;
    assert_eq!(code(replay.unwrap_err()), ("8.10.1".into(), "3.9".into()));

    // euiccSignature1 altered: 8.1/6.1.
    let (init, der) = authenticated(&mut isdr, &es11, &smds.address).await;
    let bad = edit_ok(&der, |ok| {
        let mut sig = ok.euicc_signature1.to_vec();
        sig[10] ^= 0x01;
        ok.euicc_signature1 = sig.into();
    });
    let r = client_call(&es11, &smds.address, &init, bad).await;
    assert_eq!(code(r.unwrap_err()), ("8.1".into(), "6.1".into()));

    // An eUICC certificate (same key, same EID) that expired yesterday, swapped in outside
    // euiccSigned1: 8.1.3/6.3.
    let now = time::OffsetDateTime::now_utc();
    let opts = TestPkiOptions {
        not_before: now - time::Duration::days(2),
        ..TestPkiOptions::default()
    };
    let mut request =
        rsp_pki::request_for(Role::Euicc, &read_key(&pki.join("euicc.key.pem")), &opts).unwrap();
    request.not_after = Some(now - time::Duration::days(1));
    let expired = rsp_pki::issue(
        &request,
        Some(&read_cert(&pki.join("eum.pem"))),
        &read_key(&pki.join("eum.key.pem")),
    )
    .unwrap();
    let (init, der) = authenticated(&mut isdr, &es11, &smds.address).await;
    let swapped = edit_ok(&der, |ok| {
        ok.euicc_certificate = asn1::Certificate::from_der(expired.der()).unwrap();
    });
    let r = client_call(&es11, &smds.address, &init, swapped).await;
    assert_eq!(code(r.unwrap_err()), ("8.1.3".into(), "6.3".into()));
    smds.stop().await;

    // The EUM certificate revoked by the CI's CRL given to the SM-DS: 8.1.2/6.1.
    let crl = rsp_pki::issue_crl(
        &read_cert(&pki.join("ci.pem")),
        &read_key(&pki.join("ci.key.pem")),
        1,
        &[&read_cert(&pki.join("eum.pem"))],
        now - time::Duration::hours(1),
        now + time::Duration::days(1),
    )
    .unwrap();
    let crl_file = dir.0.join("ci.crl.pem");
    std::fs::write(&crl_file, crl.to_pem()).unwrap();
    let store = store_in(&dir.0, "smds2").await;
    let smds = Smds::start_with_crls(store, &pki, &pki, None, 0, &[crl_file]).await;
    let r = rsp_lpa::discover::retrieve_events(&mut isdr, &es11, &smds.address, None, None).await;
    assert_eq!(code(r.unwrap_err()), ("8.1.2".into(), "6.1".into()));
    smds.stop().await;
}
