//! ES9+ over HTTPS without a client certificate (SGP.22 v2.5 §5.6.1, §6.5.2.6): a real
//! InitiateAuthentication whose serverSignature1 is verified with the DPauth public key
//! over the serverSigned1 bytes as received, and refusals with their status codes.
#![allow(clippy::unwrap_used)]

mod common;

use base64::Engine;
use common::*;
use rsp_pki::Cert;
use serde_json::json;

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn unb64(v: &serde_json::Value) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(v.as_str().unwrap())
        .unwrap()
}

/// EUICCInfo1 (`BF20`) written by hand: svn 2.2.0, one CI key id for verification and
/// signing (SGP.22 §5.7.8 / ASN.1 `EUICCInfo1`).
fn euicc_info1(ski: &[u8]) -> Vec<u8> {
    let mut list = vec![0x04, ski.len() as u8];
    list.extend_from_slice(ski);
    let mut body = vec![0x82, 0x03, 0x02, 0x02, 0x00];
    for tag in [0xA9, 0xAA] {
        body.push(tag);
        body.push(list.len() as u8);
        body.extend_from_slice(&list);
    }
    let mut out = vec![0xBF, 0x20, body.len() as u8];
    out.extend(body);
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn initiate_authentication_over_https() {
    let pki = Pki::generate();
    let store = sqlite_store(&pki.dir.0).await;
    let server = Server::start(&pki, store).await;
    let lpa = pki.client(None);
    let ci = Cert::from_pem(&std::fs::read_to_string(pki.path("ci.pem")).unwrap()).unwrap();
    let ski = ci.subject_key_id().unwrap().to_vec();
    let dp_auth =
        Cert::from_pem(&std::fs::read_to_string(pki.path("dp-auth.pem")).unwrap()).unwrap();
    let challenge = [0x5Au8; 16];

    let (http, body) = es9(
        &lpa,
        &server,
        "initiateAuthentication",
        json!({
            "euiccChallenge": b64(&challenge),
            "euiccInfo1": b64(&euicc_info1(&ski)),
            "smdpAddress": SMDP_ADDRESS,
        }),
    )
    .await;
    assert_eq!(http, 200);
    assert_eq!(outcome(&body).0, "Executed-Success", "{body}");
    let tid = body["transactionId"].as_str().unwrap();
    assert!(!tid.is_empty() && tid.chars().all(|c| c.is_ascii_hexdigit()));
    let signed1 = unb64(&body["serverSigned1"]);
    assert_eq!(signed1[0], 0x30);
    assert!(
        signed1.windows(16).any(|w| w == challenge),
        "euiccChallenge in serverSigned1"
    );
    let sig = unb64(&body["serverSignature1"]);
    assert_eq!(&sig[..3], &[0x5F, 0x37, 0x40], "TLV 5F37 with 64-byte r||s");
    dp_auth
        .public_key()
        .verify_raw(&signed1, &sig[3..])
        .unwrap();
    let mut want_ci = vec![0x04, ski.len() as u8];
    want_ci.extend_from_slice(&ski);
    assert_eq!(unb64(&body["euiccCiPKIdToBeUsed"]), want_ci);
    assert_eq!(unb64(&body["serverCertificate"]), dp_auth.der());

    // Refusals: wrong SM-DP+ address 8.8.1/3.8; replayed challenge 8.1/6.1; unknown
    // transactionId 8.10.1/3.9; malformed base64 1.3.1/2.1.
    let (_, body) = es9(
        &lpa,
        &server,
        "initiateAuthentication",
        json!({
            "euiccChallenge": b64(&[0x11; 16]),
            "euiccInfo1": b64(&euicc_info1(&ski)),
            "smdpAddress": "other.example.com",
        }),
    )
    .await;
    assert_eq!(
        outcome(&body),
        ("Failed".into(), "8.8.1".into(), "3.8".into())
    );
    let (_, body) = es9(
        &lpa,
        &server,
        "initiateAuthentication",
        json!({
            "euiccChallenge": b64(&challenge),
            "euiccInfo1": b64(&euicc_info1(&ski)),
            "smdpAddress": SMDP_ADDRESS,
        }),
    )
    .await;
    assert_eq!(
        outcome(&body),
        ("Failed".into(), "8.1".into(), "6.1".into())
    );
    let (_, body) = es9(
        &lpa,
        &server,
        "cancelSession",
        json!({
            "transactionId": "0102030405060708",
            "cancelSessionResponse": b64(&[0xBF, 0x41, 0x00]),
        }),
    )
    .await;
    assert_eq!(outcome(&body).0, "Failed");
    let (_, body) = es9(
        &lpa,
        &server,
        "initiateAuthentication",
        json!({
            "euiccChallenge": "%%%", "euiccInfo1": "", "smdpAddress": SMDP_ADDRESS,
        }),
    )
    .await;
    assert_eq!(
        outcome(&body),
        ("Failed".into(), "1.3.1".into(), "2.1".into())
    );
    server.stop().await;
}
