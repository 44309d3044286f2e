//! `rsp serve smsr`'s ES3 web service (SOAP 1.2 + WS-Addressing over mutual TLS) for an
//! SM-DP, against the lab device over SMS: CreateISDP, then SendData scripts (compact and
//! expanded) to that ISD-P with the eUICC's response script returned synchronously and to
//! ReplyTo, an unknown `sd-aid` and a malformed script refused, ES8 through SendData (the
//! ISD-P key establishment and the Profile download in SCP03t, over SMS, with rsp-smdp's
//! SM-DP domain and rsp-saip's generic Profile), UpdateConnectivityParameters
//! changing the MSISDN the EIS and the eUICC hold, undecodable parameters refused.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::m2m::{ICCID, SoapLab};
use rsp_codec::sgp02::{Aid, SmsAddress};
use rsp_codec::ws::envelope::{self, WsHeader};
use rsp_codec::ws::es3::{Es3Message, Es3Request};
use rsp_codec::ws::{ExecutionStatus, Message, ProfileRequest};
use rsp_ota::{CommandScript, RemoteFormat, ResponseScript};
use rsp_smdp::download::{Download, Installation};
use rsp_smdp::es8::KeyEstablishment;
use rsp_smdp::{SmdpCredential, certificate};

const OPERATOR: &str = "Test Operator";
/// The SM-DP: the subject CN of the test PKI's `dp-tls.pem` (a clientAuth certificate).
const SMDP: &str = "localhost";
/// The ICCID of the Profile downloaded into the new ISD-P (rsp-saip's generic template).
const NEW_ICCID: &str = rsp_saip::template::values::ICCID;
const NEW_MSISDN: &str = "447700900099";

fn request(message_id: &str, reply_to: Option<&str>, body: Es3Request) -> String {
    let msg: Es3Message = Message::Request(rsp_codec::ws::Request {
        function_call_identifier: format!("fc-{message_id}"),
        validity_period: Some(60),
        body,
    });
    envelope::build(&msg.envelope(WsHeader {
        to: Some("https://localhost/gsma/sgp02/es3".into()),
        from: Some(SMDP.into()),
        reply_to: reply_to.map(str::to_owned),
        message_id: message_id.into(),
        action: String::new(),
        relates_to: None,
    }))
}

fn answer(text: &str) -> (WsHeader, rsp_codec::ws::Response) {
    let env = envelope::parse(text).unwrap_or_else(|e| panic!("{e}: {text}"));
    match Es3Message::from_envelope(&env).unwrap() {
        Message::Response(r) => (env.header, r),
        other => panic!("not a response: {other:?}"),
    }
}

fn codes(r: &rsp_codec::ws::Response) -> (String, String) {
    let d = r.status.status_code_data.clone().unwrap();
    (d.subject_code, d.reason_code)
}

/// The eUICC's response script of a SendData response: decodable, one R-APDU per executed
/// command, each with its status word.
fn response_script(r: &rsp_codec::ws::Response) -> ResponseScript {
    let data = r.euicc_response_data.as_deref().expect("EuiccResponseData");
    let script = ResponseScript::decode(data, RemoteFormat::Expanded).unwrap();
    assert!(!script.responses.is_empty(), "{script:?}");
    assert_eq!(usize::from(script.executed), script.responses.len());
    assert!(script.responses.iter().all(|r| r.len() >= 2));
    script
}

#[test]
fn es3_send_data_and_connectivity_over_soap() {
    let lab = SoapLab::start(OPERATOR, Some(SMDP));
    let (rt, received, endpoint, device) = (&lab.rt, &lab.received, lab.endpoint, &lab.device);
    let eid = lab.eid.clone();
    let client = lab.client("dp-tls");
    let call = |body: String| lab.soap(&client, "/gsma/sgp02/es3", body);
    let get_eis = || {
        let (code, text) = call(request(
            "m-eis",
            None,
            Es3Request::Profile(ProfileRequest::GetEis { eid: eid.clone() }),
        ));
        assert_eq!(code, 200, "{text}");
        answer(&text).1.eis.unwrap()
    };

    // CreateISDP: synchronous, once the eUICC's PoR came back.
    let (code, text) = call(request(
        "m-1",
        None,
        Es3Request::CreateIsdp {
            eid: eid.clone(),
            iccid: NEW_ICCID.into(),
            mno_id: OPERATOR.into(),
            required_memory: 2048,
            more_to_do: Some(true),
        },
    ));
    assert_eq!(code, 200, "{text}");
    let (_, r) = answer(&text);
    assert_eq!(r.status.status, ExecutionStatus::Success, "{text}");
    let isd_p_aid = get_eis()
        .profiles
        .into_iter()
        .find(|p| p.iccid == NEW_ICCID)
        .expect("the new ISD-P in the EIS")
        .isdp_aid;

    // SendData, compact script (GET STATUS ‖ GET DATA), synchronous: the response script.
    let compact = hex::decode("80F24002024F0080CA00FE00").unwrap();
    let (code, text) = call(request(
        "m-2",
        None,
        Es3Request::SendData {
            eid: eid.clone(),
            sd_aid: isd_p_aid.clone(),
            data: compact,
            more_to_do: Some(false),
        },
    ));
    assert_eq!(code, 200, "{text}");
    let (header, r) = answer(&text);
    assert_eq!(header.relates_to.as_deref(), Some("m-2"));
    assert_eq!(r.status.status, ExecutionStatus::Success, "{text}");
    let script = response_script(&r);
    assert!(script.responses.len() <= 2, "{script:?}");

    // SendData, expanded script, with a ReplyTo: 202 now, SendDataResponse with the data
    // to ReplyTo later.
    let expanded = CommandScript {
        format: RemoteFormat::Expanded,
        apdus: vec![hex::decode("80CA00FE00").unwrap()],
    }
    .encode()
    .unwrap();
    let reply_to = format!("http://{endpoint}/es4");
    let (code, text) = call(request(
        "m-3",
        Some(&reply_to),
        Es3Request::SendData {
            eid: eid.clone(),
            sd_aid: isd_p_aid.to_lowercase(),
            data: expanded,
            more_to_do: None,
        },
    ));
    assert_eq!(code, 202, "{text}");
    let start = Instant::now();
    let async_answer = loop {
        let got = rt.block_on(async { received.lock().await.clone() });
        if let Some(t) = got.iter().find(|t| t.contains("m-3")) {
            break t.clone();
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no asynchronous response"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(async_answer.contains("SendDataResponse"), "{async_answer}");
    let (header, r) = answer(&async_answer);
    assert_eq!(header.relates_to.as_deref(), Some("m-3"));
    assert_eq!(r.status.status, ExecutionStatus::Success, "{async_answer}");
    assert_eq!(response_script(&r).responses.len(), 1);

    // An AID no ISD-P has: refused at once with the unknown-Profile codes.
    let (_, text) = call(request(
        "m-4",
        None,
        Es3Request::SendData {
            eid: eid.clone(),
            sd_aid: Aid::isd_p(0x42).unwrap().to_hex(),
            data: hex::decode("80CA00FE00").unwrap(),
            more_to_do: None,
        },
    ));
    let (_, r) = answer(&text);
    assert_eq!(r.status.status, ExecutionStatus::Failed, "{text}");
    assert_eq!(codes(&r), ("8.2.1".into(), "3.9".into()), "{text}");
    assert!(r.euicc_response_data.is_none());
    // A script that is no TS 102 226 script: an invalid parameter.
    let (_, text) = call(request(
        "m-5",
        None,
        Es3Request::SendData {
            eid: eid.clone(),
            sd_aid: isd_p_aid.clone(),
            data: vec![0x80, 0xCA, 0x00],
            more_to_do: None,
        },
    ));
    let (_, r) = answer(&text);
    assert_eq!(r.status.status, ExecutionStatus::Failed, "{text}");
    assert_eq!(codes(&r), ("1.3.1".into(), "2.1".into()), "{text}");

    // ES8 through SendData to the new ISD-P (SGP.02 §3.1.2, §3.1.3): CERT.DP.ECDSA, the
    // key agreement, then the Profile Package in SCP03t — all over SMS.
    let send = |id: &str, apdus: Vec<Vec<u8>>| -> Vec<Vec<u8>> {
        let data = CommandScript {
            format: RemoteFormat::Expanded,
            apdus,
        }
        .encode()
        .unwrap();
        let (code, text) = call(request(
            id,
            None,
            Es3Request::SendData {
                eid: eid.clone(),
                sd_aid: isd_p_aid.clone(),
                data,
                more_to_do: Some(true),
            },
        ));
        assert_eq!(code, 200, "{text}");
        let (_, r) = answer(&text);
        assert_eq!(r.status.status, ExecutionStatus::Success, "{text}");
        response_script(&r).responses
    };
    let pki = rsp_testkit::m2m::lab_pki(&eid);
    let dp = pki.get(rsp_pki::Role::DpAuth).unwrap();
    let ci = pki.get(rsp_pki::Role::Ci).unwrap();
    let credential = SmdpCredential::new(
        certificate::issue(&dp.cert, &ci.key).unwrap(),
        std::sync::Arc::new(
            rsp_crypto::SoftwareKey::from_pkcs8_der(&dp.key.to_pkcs8_der()).unwrap(),
        ),
    )
    .unwrap();
    let ecasd_key = pki
        .get(rsp_pki::Role::Euicc)
        .unwrap()
        .cert
        .public_key()
        .clone();
    let ke = KeyEstablishment::new(ecasd_key, 0x30, b"SMDP-LAB").unwrap();
    let r = send("k-1", ke.certificate_script(&credential).unwrap());
    let (second, waiting) = ke.on_challenge(&r, &credential).unwrap();
    let r = send("k-2", second);
    let keys = waiting.on_receipt(&r).unwrap();
    let (download, first) = Download::new(&keys, 0x30).unwrap();
    let r = send("d-1", first);
    let package = rsp_saip::template::generic().encode().unwrap();
    let (segments, waiting) = download.on_initialize_update(&r, &package).unwrap();
    let r = send("d-2", segments);
    assert_eq!(waiting.on_result(&r).unwrap(), Installation::Installed);
    let new_aid = Aid::from_hex(&isd_p_aid).unwrap();
    {
        let card = device.card.lock().unwrap();
        let installed = card.state().isdp(&new_aid).unwrap();
        assert_eq!(installed.iccid.as_deref(), Some(NEW_ICCID));
        assert_eq!(installed.life_cycle, rsp_codec::sgp02::consts::LC_DISABLED);
    }

    // UpdateConnectivityParameters we cannot read: refused, nothing sent.
    let (_, text) = call(request(
        "m-6",
        None,
        Es3Request::UpdateConnectivityParameters {
            eid: eid.clone(),
            iccid: ICCID.into(),
            connectivity_parameters: vec![0xA0, 0x02, 0x81, 0x00],
        },
    ));
    let (_, r) = answer(&text);
    assert_eq!(r.status.status, ExecutionStatus::Failed, "{text}");
    assert_eq!(codes(&r), ("1.3.1".into(), "2.1".into()), "{text}");

    // UpdateConnectivityParameters (`80` MSISDN) of the enabled Profile: the eUICC's ISD-P
    // and the EIS hold the new MSISDN. Last, since the SM-SR now sends to that number.
    let address = SmsAddress::international(NEW_MSISDN).encode().unwrap();
    let mut params = vec![0x80, u8::try_from(address.len()).unwrap()];
    params.extend(address);
    let (code, text) = call(request(
        "m-7",
        None,
        Es3Request::UpdateConnectivityParameters {
            eid: eid.clone(),
            iccid: ICCID.into(),
            connectivity_parameters: params,
        },
    ));
    assert_eq!(code, 200, "{text}");
    let (_, r) = answer(&text);
    assert_eq!(r.status.status, ExecutionStatus::Success, "{text}");
    let enabled = get_eis()
        .profiles
        .into_iter()
        .find(|p| p.iccid == ICCID)
        .unwrap();
    assert_eq!(
        enabled
            .subscription_address
            .and_then(|a| a.msisdn)
            .as_deref(),
        Some(NEW_MSISDN)
    );
    let on_card = device
        .card
        .lock()
        .unwrap()
        .state()
        .isdp(&Aid::isd_p(0).unwrap())
        .and_then(|p| p.msisdn.clone());
    assert_eq!(on_card, Some(SmsAddress::international(NEW_MSISDN)));

    lab.finish();
}
