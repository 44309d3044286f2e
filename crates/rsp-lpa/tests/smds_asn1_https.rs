//! ES11 over the ASN.1 binding (SGP.22 v2.5 §6.6) on real HTTPS: the virtual eUICC's
//! EUICCInfo1 and AuthenticateServerResponse travel unchanged inside hand-built
//! `RemoteProfileProvisioningRequest` envelopes to the SM-DS's `/gsma/rsp2/asn1`, and the
//! eUICC's AuthenticateServer request is cut from the DER answer as received. Nominal
//! discovery of an event registered over ES12 (the same answer as over the JSON binding),
//! on both curves; the refusals with their error INTEGERs (wrong SM-DS address 1, unknown
//! EventID 6, replayed AuthenticateClient 7); and the binding's HTTP 400 for what is not an
//! ES11 request.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use common::smds::*;
use common::*;
use rsp_codec::asn1::{
    self, AuthenticateClientErrorEs11, AuthenticateClientResponseEs11, AuthenticateServerResponse,
    CtxParams1, CtxParamsForCommonAuthentication, EventEntries, Extensions,
    InitiateAuthenticationError, InitiateAuthenticationResponse, RemoteProfileProvisioningRequest,
    RemoteProfileProvisioningResponse,
};
use rsp_crypto::Curve;
use rsp_crypto::scp03t::{encode_tlv, parse_tlv, split_tlvs};
use rsp_euicc::Card;
use rsp_http::smds_client::Caller;
use rsp_lpa::ApduChannel;

const ASN1: &str = "application/x-gsma-rsp-asn1";
const SMDP: &str = "smdp.example.com";

// ------------------------------------------------------------ request envelopes (§6.6)

/// `A2 { BF39 { 81 euiccChallenge, 83 serverAddress, BF20 as produced by the eUICC } }`.
fn initiate_authentication(challenge: &[u8; 16], address: &str, info1: &[u8]) -> Vec<u8> {
    let fields = [
        encode_tlv(&[0x81], challenge),
        encode_tlv(&[0x83], address.as_bytes()),
        info1.to_vec(),
    ]
    .concat();
    encode_tlv(&[0xA2], &encode_tlv(&[0xBF, 0x39], &fields))
}

/// `A2 { BF3B { 80 transactionId, BF38 as produced by the eUICC } }`.
fn authenticate_client(tid: &[u8], authenticate_server_response: &[u8]) -> Vec<u8> {
    let fields = [
        encode_tlv(&[0x80], tid),
        authenticate_server_response.to_vec(),
    ]
    .concat();
    encode_tlv(&[0xA2], &encode_tlv(&[0xBF, 0x3B], &fields))
}

// ----------------------------------------------------------------------- transport

/// An HTTPS client trusting the NIST test CI (DStls).
fn https(nist: &Path) -> reqwest::Client {
    let ca = reqwest::Certificate::from_pem(&std::fs::read(nist.join("ci.pem")).unwrap()).unwrap();
    reqwest::Client::builder()
        .tls_certs_only([ca])
        .build()
        .unwrap()
}

/// POSTs `body` to the SM-DS's ASN.1 path; the HTTP status and body.
async fn post(
    http: &reqwest::Client,
    smds: &Smds,
    content_type: &str,
    body: Vec<u8>,
) -> (u16, Option<String>, Vec<u8>) {
    let resp = http
        .post(format!("https://{}/gsma/rsp2/asn1", smds.address))
        .header("Content-Type", content_type)
        .header("X-Admin-Protocol", "gsma/rsp/v2.2.0")
        .header("User-Agent", "gsma-rsp-lpad")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let ct = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, ct, resp.bytes().await.unwrap().to_vec())
}

/// One well-formed request: HTTP 200 with one DER `RemoteProfileProvisioningResponse`,
/// returned decoded and as received.
async fn call(
    http: &reqwest::Client,
    smds: &Smds,
    request: Vec<u8>,
) -> (RemoteProfileProvisioningResponse, Vec<u8>) {
    asn1::decode::<RemoteProfileProvisioningRequest>(&request).expect("request decodes");
    let (status, ct, body) = post(http, smds, ASN1, request).await;
    assert_eq!(status, 200, "{body:02x?}");
    assert_eq!(ct.as_deref(), Some(ASN1));
    let decoded = asn1::decode(&body).expect("one DER RemoteProfileProvisioningResponse");
    (decoded, body)
}

// --------------------------------------------------------------------- the LPA side

/// What one ES11 exchange over the ASN.1 binding ended with.
#[derive(Debug)]
enum Outcome {
    /// `initiateAuthenticationError`.
    InitiateRefused(InitiateAuthenticationError),
    /// `authenticateClientOk`, with the AuthenticateClient request sent (for a replay).
    Events {
        entries: Vec<EventEntries>,
        request: Vec<u8>,
    },
    /// `authenticateClientError`.
    ClientRefused(AuthenticateClientErrorEs11),
}

/// The eUICC's ES10b.AuthenticateServer request (BF38, §5.7.13) cut from the DER
/// InitiateAuthenticationResponse as received: `A2 { BF39 { A0 { 80 tid, 30 serverSigned1,
/// 5F37 serverSignature1, 04 euiccCiPKIdToBeUsed, 30 serverCertificate } } }`; with the
/// transactionId.
fn authenticate_server_request(der: &[u8], ctx_params1: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let (a2, rest) = parse_tlv(der).unwrap();
    assert!(rest.is_empty());
    let (bf39, _) = parse_tlv(a2.value).unwrap();
    assert_eq!(bf39.tag, [0xBF, 0x39]);
    let (ok, _) = parse_tlv(bf39.value).unwrap();
    assert_eq!(ok.tag, [0xA0]);
    let fields = split_tlvs(ok.value).unwrap();
    let tags: Vec<&[u8]> = fields.iter().map(|f| f.tag).collect();
    assert_eq!(
        tags,
        [&[0x80][..], &[0x30], &[0x5F, 0x37], &[0x04], &[0x30]],
        "InitiateAuthenticationOkEs9 fields"
    );
    let mut body: Vec<u8> = fields[1..].iter().flat_map(|f| f.raw.to_vec()).collect();
    body.extend_from_slice(ctx_params1);
    (fields[0].value.to_vec(), encode_tlv(&[0xBF, 0x38], &body))
}

/// ES11 at `smds` over the ASN.1 binding (§3.6.3, §5.8): InitiateAuthentication naming
/// `address`, ES10b.AuthenticateServer on the card, AuthenticateClient.
async fn retrieve(
    card: &mut ApduChannel<Card>,
    http: &reqwest::Client,
    smds: &Smds,
    address: &str,
    event_id: Option<&str>,
) -> Outcome {
    let (info1, _) = rsp_lpa::es10b::get_euicc_info1(card).unwrap();
    let challenge = rsp_lpa::es10b::get_euicc_challenge(card).unwrap();
    let (init, init_der) = call(
        http,
        smds,
        initiate_authentication(&challenge, address, &info1),
    )
    .await;
    match init {
        RemoteProfileProvisioningResponse::InitiateAuthenticationResponse(
            InitiateAuthenticationResponse::InitiateAuthenticationOk(_),
        ) => {}
        RemoteProfileProvisioningResponse::InitiateAuthenticationResponse(
            InitiateAuthenticationResponse::InitiateAuthenticationError(e),
        ) => return Outcome::InitiateRefused(e),
        other => panic!("not an InitiateAuthenticationResponse: {other:?}"),
    }
    let ctx = asn1::encode(&CtxParams1::CtxParamsForCommonAuthentication(
        CtxParamsForCommonAuthentication {
            matching_id: event_id.map(str::to_owned),
            device_info: rsp_lpa::device::device_info(None).unwrap(),
            ext: Extensions::default(),
        },
    ))
    .unwrap();
    let (tid, request) = authenticate_server_request(&init_der, &ctx);
    let (asr_der, asr) = rsp_lpa::es10b::authenticate_server(card, &request).unwrap();
    assert!(
        matches!(asr, AuthenticateServerResponse::AuthenticateResponseOk(_)),
        "the eUICC accepts the SM-DS (CERT.DSauth, serverSignature1): {asr:?}"
    );
    let request = authenticate_client(&tid, &asr_der);
    match call(http, smds, request.clone()).await.0 {
        RemoteProfileProvisioningResponse::AuthenticateClientResponseEs11(
            AuthenticateClientResponseEs11::AuthenticateClientOk(ok),
        ) => {
            assert_eq!(ok.transaction_id.as_bytes(), tid.as_slice());
            Outcome::Events {
                entries: ok.event_entries,
                request,
            }
        }
        RemoteProfileProvisioningResponse::AuthenticateClientResponseEs11(
            AuthenticateClientResponseEs11::AuthenticateClientError(e),
        ) => Outcome::ClientRefused(e),
        other => panic!("not an AuthenticateClientResponseEs11: {other:?}"),
    }
}

fn events(outcome: Outcome) -> (Vec<(String, String)>, Vec<u8>) {
    match outcome {
        Outcome::Events { entries, request } => (
            entries
                .into_iter()
                .map(|e| (e.event_id, e.rsp_server_address))
                .collect(),
            request,
        ),
        other => panic!("expected events, got {other:?}"),
    }
}

// -------------------------------------------------------------------------- tests

/// An event registered over ES12 is discovered over the ASN.1 binding, with the same
/// answer as over the JSON binding; a MatchingID selects it; a replayed AuthenticateClient
/// finds its session spent.
async fn nominal(curve: Curve) {
    let dir = TempDir::new();
    let nist = write_pki(&dir.0, "nist", Curve::NistP256);
    let pki = if curve == Curve::NistP256 {
        nist.clone()
    } else {
        write_pki(&dir.0, dir_name(curve), curve)
    };
    let smds = Smds::start(store_in(&dir.0, "smds").await, &nist, &pki, None).await;
    let eid = eid_of(&pki);
    let es12 = client(&nist, "dp-tls", Caller::Smdp, SMDP);
    es12.register_event(&smds.address, &eid, "EVENT-ASN1-1", false)
        .await
        .unwrap();

    let http = https(&nist);
    let mut card = ApduChannel::open(euicc(&pki)).unwrap();
    let (found, request) = events(retrieve(&mut card, &http, &smds, &smds.address, None).await);
    assert_eq!(found, [("EVENT-ASN1-1".to_owned(), SMDP.to_owned())]);

    // The JSON binding answers the same Event Records.
    let json = rsp_lpa::Es9PlusClient::from_ca_files(&[nist.join("ci.pem")]).unwrap();
    let over_json = rsp_lpa::discover::retrieve_events(&mut card, &json, &smds.address, None, None)
        .await
        .unwrap();
    let over_json: Vec<_> = over_json
        .into_iter()
        .map(|e| (e.event_id, e.rsp_server_address))
        .collect();
    assert_eq!(over_json, found);

    // With the EventID as MatchingID.
    let (selected, _) =
        events(retrieve(&mut card, &http, &smds, &smds.address, Some("EVENT-ASN1-1")).await);
    assert_eq!(selected, found);

    // The first AuthenticateClient again: its session is spent, invalidTransactionId(7).
    let (replayed, _) = call(&http, &smds, request).await;
    assert_eq!(
        replayed,
        RemoteProfileProvisioningResponse::AuthenticateClientResponseEs11(
            AuthenticateClientResponseEs11::AuthenticateClientError(
                AuthenticateClientErrorEs11::INVALID_TRANSACTION_ID
            )
        )
    );
    smds.stop().await;
}

#[tokio::test]
async fn discovery_over_asn1_nist() {
    nominal(Curve::NistP256).await;
}

#[tokio::test]
async fn discovery_over_asn1_brainpool() {
    nominal(Curve::BrainpoolP256r1).await;
}

/// The error INTEGERs: another SM-DS address invalidDpAddress(1), a MatchingID naming no
/// event eventIdUnknown(6); and HTTP 400 for a request ES11 does not have, a body that is
/// not one DER request, and another content type.
#[tokio::test]
async fn refusals_over_asn1() {
    let dir = TempDir::new();
    let nist = write_pki(&dir.0, "nist", Curve::NistP256);
    let smds = Smds::start(store_in(&dir.0, "smds").await, &nist, &nist, None).await;
    let http = https(&nist);
    let mut card = ApduChannel::open(euicc(&nist)).unwrap();

    match retrieve(&mut card, &http, &smds, "other-smds.example.com", None).await {
        Outcome::InitiateRefused(e) => {
            assert_eq!(e, InitiateAuthenticationError::INVALID_DP_ADDRESS);
            assert_eq!(e.0, 1);
        }
        other => panic!("expected invalidDpAddress, got {other:?}"),
    }
    match retrieve(
        &mut card,
        &http,
        &smds,
        &smds.address,
        Some("NO-SUCH-EVENT"),
    )
    .await
    {
        Outcome::ClientRefused(e) => {
            assert_eq!(e, AuthenticateClientErrorEs11::EVENT_ID_UNKNOWN);
            assert_eq!(e.0, 6);
        }
        other => panic!("expected eventIdUnknown, got {other:?}"),
    }
    // No event and no MatchingID: an empty list, not an error.
    let (none, _) = events(retrieve(&mut card, &http, &smds, &smds.address, None).await);
    assert!(none.is_empty());

    // CancelSessionRequestEs9 (ES9+ only): A2 { BF41 { 80 01 07, A1 { 81 01 05 } } }.
    let cancel = vec![
        0xA2, 0x0B, 0xBF, 0x41, 0x08, 0x80, 0x01, 0x07, 0xA1, 0x03, 0x81, 0x01, 0x05,
    ];
    asn1::decode::<RemoteProfileProvisioningRequest>(&cancel).unwrap();
    let (status, _, body) = post(&http, &smds, ASN1, cancel).await;
    assert_eq!((status, body.as_slice()), (400, &[][..]));
    // Trailing bytes after the envelope.
    let (info1, _) = rsp_lpa::es10b::get_euicc_info1(&mut card).unwrap();
    let mut trailing = initiate_authentication(&[9; 16], &smds.address, &info1);
    trailing.push(0x00);
    assert_eq!(post(&http, &smds, ASN1, trailing).await.0, 400);
    // The JSON content type on the ASN.1 path.
    let good = initiate_authentication(&[9; 16], &smds.address, &info1);
    assert_eq!(
        post(&http, &smds, "application/json;charset=UTF-8", good)
            .await
            .0,
        400
    );
    smds.stop().await;
}
