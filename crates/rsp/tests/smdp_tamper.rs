//! A Profile segment altered on its way from the SM-DP to the SM-SR, through `rsp serve smdp`
//! and `rsp serve smsr` as processes with the lab SMSC and the lab's virtual M2M eUICC: a
//! TLS-terminating proxy on ES3 (`common::es3_tamper`) flips one ciphertext byte of an SCP03t
//! segment in a SendData script. The eUICC's ISD-P refuses the segment (its C-MAC does not
//! verify: 6982) and drops the SCP03t session; the SM-SR returns the response script; the
//! SM-DP ends the order as failed with SGP.02's codes, deletes the ISD-P it had created
//! (DeleteISDP) and the card's other Profiles stay as they were.
#![allow(clippy::unwrap_used)]

mod common;

use common::es3_tamper::Es3Tamper;
use common::m2m::ICCID as LAB_ICCID;
use common::smdp_lab::{SmdpLab, import};
use rsp_codec::sgp02::StatusWord;
use rsp_codec::ws::envelope;
use rsp_codec::ws::es2::{Es2Message, Es2Request};
use rsp_codec::ws::es3::Es3Message;
use rsp_codec::ws::{ExecutionStatus, Message, ProfileRequest, Response};
use rsp_ota::{RemoteFormat, ResponseScript};

fn download(lab: &SmdpLab, iccid: &str) -> Es2Request {
    Es2Request::DownloadProfile {
        eid: lab.soap.eid.clone(),
        smsr_id: "smsr1".into(),
        profile_type: "generic".into(),
        iccid: Some(iccid.into()),
        enable_profile: false,
    }
}

/// Orders `iccid` (ReplyTo the Operator's endpoint); its DownloadProfileResponse.
fn order(lab: &SmdpLab, iccid: &str) -> Response {
    let (status, text) = lab.es2(download(lab, iccid), Some(lab.reply_to()));
    assert_eq!(status, 202, "{text}");
    let body = lab.wait_received(400, "DownloadProfileResponse", |b| {
        b.contains("DownloadProfileResponse") && b.contains(iccid)
    });
    match Es2Message::from_envelope(&envelope::parse(&body).unwrap()).unwrap() {
        Message::Response(r) => r,
        _ => panic!("not a response: {body}"),
    }
}

#[test]
fn a_segment_tampered_between_smdp_and_smsr_fails_the_order_and_rolls_back() {
    let mut proxy = None;
    let lab = SmdpLab::start_with(None, &[], |soap| {
        let p = Es3Tamper::start(&soap.rt, &soap.nist, soap.url("/gsma/sgp02/es3"));
        let url = p.url.clone();
        proxy = Some(p);
        Some(url)
    });
    let proxy = proxy.unwrap();
    let first = rsp_saip::template::values::ICCID;
    let second = "8900100000000000036";
    let mut pkg = rsp_saip::template::generic();
    import(lab.admin, first, "generic", None, &pkg.encode().unwrap());
    let mut perso = rsp_saip::Personalisation::default();
    perso.set("iccid", second).unwrap();
    rsp_saip::personalise(&mut pkg, &perso).unwrap();
    import(lab.admin, second, "generic", None, &pkg.encode().unwrap());

    // A Profile downloaded untouched through the proxy: the card then holds the lab's
    // Profile and this one (disabled, with its ISD-P's SCP03 keyset).
    proxy.arm(false);
    let r = order(&lab, first);
    assert_eq!(r.status.status, ExecutionStatus::Success, "{r:?}");
    assert!(proxy.tampered().is_none());
    let before = lab.soap.device.card.lock().unwrap().state().isdps.clone();
    assert_eq!(before.len(), 2, "{before:?}");

    // The second, with one byte of a segment altered on ES3.
    proxy.arm(true);
    let calls_before = proxy.functions().len();
    let r = order(&lab, second);
    assert_eq!(r.status.status, ExecutionStatus::Failed, "{r:?}");
    let code = r.status.status_code_data.clone().unwrap();
    assert_eq!(
        (code.subject_code.as_str(), code.reason_code.as_str()),
        ("8.1", "4.2"),
        "eUICC, Execution error: {r:?}"
    );
    assert!(
        code.message.as_deref().unwrap_or_default().contains("6982"),
        "{code:?}"
    );

    // The SM-SR ran the script and answered with the eUICC's response script: the commands
    // before the segment accepted, the segment refused (security status not satisfied),
    // nothing after it run.
    let tampered = proxy.tampered().expect("a segment was altered");
    let answer =
        match Es3Message::from_envelope(&envelope::parse(&tampered.answer).unwrap()).unwrap() {
            Message::Response(r) => r,
            _ => panic!("{}", tampered.answer),
        };
    assert_eq!(answer.status.status, ExecutionStatus::Success, "{answer:?}");
    let script = ResponseScript::decode(
        &answer.euicc_response_data.clone().unwrap(),
        RemoteFormat::Expanded,
    )
    .unwrap();
    assert!(tampered.command > 0, "EXTERNAL AUTHENTICATE comes first");
    assert_eq!(script.responses.len(), tampered.command + 1, "{script:?}");
    let sws: Vec<StatusWord> = script
        .responses
        .iter()
        .map(|r| StatusWord::split_response(r).unwrap().1)
        .collect();
    assert!(
        sws[..tampered.command].iter().all(|sw| sw.is_success()),
        "{sws:?}"
    );
    assert_eq!(sws[tampered.command], StatusWord::SECURITY_STATUS);

    // The SM-DP stopped at the refusal and rolled back: no further SendData, no
    // ProfileDownloadCompleted; GetEIS, then DeleteISDP of the empty ISD-P.
    let functions = proxy.functions();
    assert!(tampered.call >= calls_before, "{functions:?}");
    assert_eq!(
        functions[tampered.call + 1..],
        ["GetEIS", "DeleteISDP"],
        "{functions:?}"
    );

    // The admin view: the order failed with the codes and the eUICC's answer; its ISD-P
    // named; the Profile not offered again.
    let order = lab.get("/smdp/v1/orders/2");
    assert_eq!(order["stage"], "failed", "{order}");
    assert_eq!(order["failure"]["subjectCode"], "8.1", "{order}");
    assert_eq!(order["failure"]["reasonCode"], "4.2", "{order}");
    assert!(
        order["failure"]["message"]
            .as_str()
            .unwrap()
            .contains("6982"),
        "{order}"
    );
    let isdp = order["isdpAid"].as_str().expect("the ISD-P it created");
    let profiles = lab.get("/smdp/v1/profiles");
    let state = |iccid: &str| {
        profiles["profiles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["iccid"] == iccid)
            .map(|p| p["state"].clone())
            .unwrap()
    };
    assert_eq!(state(first), "installed", "{profiles}");
    assert_eq!(state(second), "failed", "{profiles}");

    // The card: the new ISD-P gone, the lab Profile and the first download as they were.
    {
        let card = lab.soap.device.card.lock().unwrap();
        let after = &card.state().isdps;
        assert!(
            after
                .iter()
                .all(|p| !p.aid.to_hex().eq_ignore_ascii_case(isdp)),
            "ISD-P {isdp} deleted: {after:?}"
        );
        assert_eq!(after, &before);
    }
    // The SM-SR's EIS agrees: in full (its admin API), and as the SM-DP sees it (its own
    // Profiles only, relayed GetEIS).
    let eis = common::m2m::get_json(
        lab.soap.server.admin,
        &format!("/smsr/v1/euiccs/{}", lab.soap.eid),
    );
    let held: Vec<(&str, &str)> = eis["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["iccid"].as_str().unwrap(), p["state"].as_str().unwrap()))
        .collect();
    assert_eq!(held, [(LAB_ICCID, "ENABLED"), (first, "DISABLED")], "{eis}");
    let (_, text) = lab.es2(
        Es2Request::Profile {
            smsr_id: "smsr1".into(),
            request: ProfileRequest::GetEis {
                eid: lab.soap.eid.clone(),
            },
        },
        None,
    );
    assert!(text.contains("Executed-Success"), "{text}");
    assert!(text.contains(first) && !text.contains(second), "{text}");

    let metrics = common::http_get(lab.admin, "/metrics").unwrap();
    assert!(metrics.contains("code=\"8.1/4.2\""), "{metrics}");
    lab.finish();
}
