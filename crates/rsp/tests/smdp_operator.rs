//! The M2M SM-DP as the Operator sees it, through `rsp serve smdp` and `rsp serve smsr` as
//! processes with the lab SMSC and the lab's virtual M2M eUICC:
//!
//! - a synchronous DownloadProfile (no ReplyTo) answered once the order ended, and only in
//!   its HTTP response;
//! - the SM-SR's Profile notifications for a Profile the SM-DP downloaded reach the SM-DP
//!   over ES3 (mutual TLS, the SM-SR known by its certificate), are recorded once per
//!   MessageID and passed on to the Operator as ES2 notifications; those of a Profile
//!   without SM-DP go to the Operator over ES4 directly; an SM-SR change notification
//!   (ES3 HandleSMSRChangeNotification) is passed on as ES2 HandleSMSRChangeNotification;
//! - the relayed ES2 functions (UpdatePolicyRules, UpdateSubscriptionAddress, AuditEIS,
//!   DisableProfile, EnableProfile, DeleteProfile) answered, each change then notified;
//! - installation failures (the ISD-P's memory smaller than the Profile; the eUICC refusing
//!   a Profile it already holds) roll back (the ISD-P deleted through the SM-SR) and are
//!   reported with SGP.02's codes;
//! - the audit trail and the metrics of all this.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::m2m::{DEVICE_MSISDN, ICCID as LAB_ICCID, tls_client};
use common::smdp_lab::{OPERATOR, SmdpLab, import};
use rsp_codec::sgp02::Aid;
use rsp_codec::ws::envelope::{self, WsHeader};
use rsp_codec::ws::es2::Es2Request;
use rsp_codec::ws::es3::Es3Message;
use rsp_codec::ws::{
    Message, Notification, NotificationKind, Pol2, Pol2Rule, PolicyAction, ProfileRequest,
    Qualification, SubscriptionAddress,
};

fn download(lab: &SmdpLab, iccid: Option<&str>, enable: bool) -> Es2Request {
    Es2Request::DownloadProfile {
        eid: lab.soap.eid.clone(),
        smsr_id: "smsr1".into(),
        profile_type: "generic".into(),
        iccid: iccid.map(str::to_owned),
        enable_profile: enable,
    }
}

fn profile(request: ProfileRequest) -> Es2Request {
    Es2Request::Profile {
        smsr_id: "smsr1".into(),
        request,
    }
}

/// Bodies received so far that are an ES2 notification of `kind` for `iccid`.
fn count(lab: &SmdpLab, kind: NotificationKind, iccid: &str) -> usize {
    lab.received()
        .iter()
        .filter(|b| is_notification(b, "ES2", kind, iccid))
        .count()
}

fn is_notification(body: &str, interface: &str, kind: NotificationKind, iccid: &str) -> bool {
    body.contains(&format!("{interface}-{}", kind.element())) && body.contains(iccid)
}

/// Sends `request` as the Operator; asserts it succeeded; then waits for one more ES2
/// notification of `kind` for `iccid` than there were before.
fn relayed(lab: &SmdpLab, request: ProfileRequest, kind: NotificationKind, iccid: &str) {
    let before = count(lab, kind, iccid);
    let function = request.function();
    let (status, text) = lab.es2(profile(request), None);
    assert_eq!(status, 200, "{function:?}: {text}");
    assert!(text.contains("Executed-Success"), "{function:?}: {text}");
    lab.wait_received(120, &format!("{kind:?} after {function:?}"), |_| {
        count(lab, kind, iccid) > before
    });
}

#[test]
fn the_operator_gets_responses_and_notifications() {
    let lab = SmdpLab::start(None, &[]);
    let eid = lab.soap.eid.clone();
    let iccid = rsp_saip::template::values::ICCID;
    // The Profile keeps the device's MSISDN: the lab device answers that number only.
    let package = rsp_saip::template::generic().encode().unwrap();
    import(lab.admin, iccid, "generic", Some(DEVICE_MSISDN), &package);

    // A synchronous DownloadProfile: the answer comes when the order has ended.
    let (status, text) = lab.es2(download(&lab, None, true), None);
    assert_eq!(status, 200, "{text}");
    assert!(
        text.contains("DownloadProfileResponse") && text.contains("Executed-Success"),
        "{text}"
    );
    assert!(text.contains(iccid), "{text}");
    let order = lab.get("/smdp/v1/orders/1");
    assert_eq!(order["stage"], "enabled", "{order}");

    // Enabling it disabled the lab's Profile: the new one's change comes through the SM-DP
    // (ES2), the lab Profile's (no SM-DP) from the SM-SR directly (ES4).
    let enabled = lab.wait_received(120, "ES2 enabled notification", |b| {
        is_notification(b, "ES2", NotificationKind::ProfileEnabled, iccid)
    });
    assert!(enabled.contains(&eid), "{enabled}");
    lab.wait_received(120, "ES4 disabled notification", |b| {
        is_notification(b, "ES4", NotificationKind::ProfileDisabled, LAB_ICCID)
    });
    assert!(
        !lab.received().iter().any(|b| is_notification(
            b,
            "ES2",
            NotificationKind::ProfileDisabled,
            LAB_ICCID
        )),
        "the lab Profile is not the SM-DP's"
    );
    let notifications = lab.get("/smdp/v1/notifications");
    let first = &notifications["notifications"][0];
    assert_eq!(first["event"], "enabled", "{notifications}");
    assert_eq!(first["iccid"], iccid, "{notifications}");
    assert_eq!(first["smsrId"], "smsr1", "{notifications}");
    assert_eq!(first["operator"], OPERATOR, "{notifications}");

    // One notification delivered twice (same MessageID) is recorded and passed on once;
    // a caller that is not an SM-SR of the SM-DP is refused.
    let stamp = "2031-01-02T03:04:05Z";
    let repeat = {
        let msg: Es3Message = Message::Notification(Notification {
            kind: NotificationKind::ProfileDisabled,
            eid: eid.clone(),
            iccid: iccid.into(),
            completion_timestamp: stamp.into(),
        });
        envelope::build(&msg.envelope(WsHeader {
            to: None,
            from: Some("smsr1".into()),
            reply_to: None,
            message_id: "urn:uuid:00000000-0000-4000-8000-000000000001".into(),
            action: String::new(),
            relates_to: None,
        }))
    };
    let url = format!("https://localhost:{}/gsma/sgp02/es3", lab.es2_port);
    let as_smsr = tls_client(&lab.soap.nist, "dp-tls");
    for _ in 0..2 {
        let (status, text) = common::m2m::soap_post(&lab.soap.rt, &as_smsr, &url, repeat.clone());
        assert_eq!(status, 202, "{text}");
    }
    let (status, _) = common::m2m::soap_post(
        &lab.soap.rt,
        &tls_client(&lab.soap.nist, "mno"),
        &url,
        repeat,
    );
    assert_eq!(status, 403);
    lab.wait_received(60, "the repeated notification", |b| b.contains(stamp));
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        lab.received().iter().filter(|b| b.contains(stamp)).count(),
        1,
        "passed on once"
    );
    let notifications = lab.get("/smdp/v1/notifications");
    let list = notifications["notifications"].as_array().unwrap();
    assert_eq!(
        list.iter()
            .filter(|n| n["completionTimestamp"] == stamp)
            .count(),
        1,
        "{notifications}"
    );

    // The SM-SR's HandleSMSRChangeNotification (the eUICC moved, SGP.02 §3.7) reaches the
    // Operator whose Profile is on the eUICC as ES2 HandleSMSRChangeNotification with the
    // EIS as sent, and never with ISD-R keys even if an SM-SR sent some.
    smsr_change_passed_on(&lab, &as_smsr, &url);

    let metrics = common::http_get(lab.admin, "/metrics").unwrap();
    assert!(
        metrics.contains("rsp_smdp_es3_notifications_total{")
            && metrics.contains("outcome=\"duplicate\"")
            && metrics.contains("rsp_smdp_es2_notifications_total{"),
        "{metrics}"
    );

    // The relayed functions: answered, and the Profile changes then notified.
    let rules = Pol2 {
        rules: vec![Pol2Rule {
            action: PolicyAction::Delete,
            qualification: Qualification::NotAllowed,
        }],
    };
    for request in [
        ProfileRequest::UpdatePolicyRules {
            eid: eid.clone(),
            iccid: iccid.into(),
            pol2: rules,
        },
        ProfileRequest::UpdateSubscriptionAddress {
            eid: eid.clone(),
            iccid: iccid.into(),
            new_subscription_address: SubscriptionAddress {
                msisdn: Some(DEVICE_MSISDN.into()),
                imsi: Some("001010000000077".into()),
            },
        },
    ] {
        let function = request.function();
        let (status, text) = lab.es2(profile(request), None);
        assert_eq!(status, 200, "{function:?}: {text}");
        assert!(text.contains("Executed-Success"), "{function:?}: {text}");
    }
    let (_, text) = lab.es2(
        profile(ProfileRequest::AuditEis {
            eid: eid.clone(),
            iccids: Vec::new(),
        }),
        None,
    );
    assert!(
        text.contains("Executed-Success") && text.contains(iccid),
        "{text}"
    );
    assert!(text.contains("001010000000077"), "the new IMSI: {text}");
    relayed(
        &lab,
        ProfileRequest::DisableProfile {
            eid: eid.clone(),
            iccid: iccid.into(),
        },
        NotificationKind::ProfileDisabled,
        iccid,
    );
    relayed(
        &lab,
        ProfileRequest::EnableProfile {
            eid: eid.clone(),
            iccid: iccid.into(),
        },
        NotificationKind::ProfileEnabled,
        iccid,
    );
    relayed(
        &lab,
        ProfileRequest::DisableProfile {
            eid: eid.clone(),
            iccid: iccid.into(),
        },
        NotificationKind::ProfileDisabled,
        iccid,
    );
    // POL2 (set above) forbids deleting it; cleared, it goes.
    let delete = ProfileRequest::DeleteProfile {
        eid: eid.clone(),
        iccid: iccid.into(),
    };
    let (_, text) = lab.es2(profile(delete.clone()), None);
    assert!(text.contains("Failed"), "POL2: {text}");
    let (_, text) = lab.es2(
        profile(ProfileRequest::UpdatePolicyRules {
            eid: eid.clone(),
            iccid: iccid.into(),
            pol2: Pol2::default(),
        }),
        None,
    );
    assert!(text.contains("Executed-Success"), "{text}");
    relayed(
        &lab,
        ProfileRequest::DeleteProfile {
            eid: eid.clone(),
            iccid: iccid.into(),
        },
        NotificationKind::ProfileDeleted,
        iccid,
    );
    {
        let card = lab.soap.device.card.lock().unwrap();
        assert!(
            card.state()
                .isdps
                .iter()
                .all(|p| p.iccid.as_deref() != Some(iccid)),
            "deleted from the card"
        );
    }
    // The synchronous DownloadProfile was answered in its HTTP response only: the result
    // held back for the Operator's endpoint was not sent as well (well past the hold now).
    assert!(
        !lab.received()
            .iter()
            .any(|b| b.contains("DownloadProfileResponse")),
        "the synchronous result was sent again"
    );
    lab.finish();
}

/// The new ISD-P on the card (not the lab's ISD-P 0), once there is one.
/// ES3 HandleSMSRChangeNotification from the SM-SR `as_smsr` to the SM-DP at `url`, with
/// the eUICC's EIS (from ES2 GetEIS) now naming another SM-SR and carrying an ISD-R keyset;
/// the Operator gets it over ES2 once, without the keyset.
fn smsr_change_passed_on(lab: &SmdpLab, as_smsr: &reqwest::Client, url: &str) {
    let eid = lab.soap.eid.clone();
    let (_, text) = lab.es2(profile(ProfileRequest::GetEis { eid: eid.clone() }), None);
    let env = envelope::parse(&text).unwrap();
    let Ok(Message::Response(r)) = rsp_codec::ws::es2::Es2Message::from_envelope(&env) else {
        panic!("{text}")
    };
    let mut eis = r.eis.expect("the EIS");
    assert!(eis.profiles.iter().any(|p| p.smdp_id.is_some()), "{text}");
    eis.smsr_id = Some("smsr9.example".into());
    let kic = "C0FFEE00C0FFEE00C0FFEE00C0FFEE00";
    eis.isd_r = Some(rsp_codec::ws::IsdR {
        aid: rsp_codec::sgp02::Aid::isd_r().to_hex(),
        scp80_keysets: vec![rsp_codec::ws::Scp80Keyset {
            version: 1,
            algorithm: rsp_codec::ws::Scp80Algorithm::Aes,
            kic: hex::decode(kic).unwrap().into(),
            kid: hex::decode(kic).unwrap().into(),
        }],
        scp81_psk: None,
    });
    let stamp = "2031-02-03T04:05:06Z";
    let msg: Es3Message = Message::SmsrChange(rsp_codec::ws::SmsrChangeNotification {
        eis,
        completion_timestamp: stamp.into(),
    });
    let body = envelope::build(&msg.envelope(WsHeader {
        to: None,
        from: Some("smsr1".into()),
        reply_to: None,
        message_id: "urn:uuid:00000000-0000-4000-8000-0000000000c1".into(),
        action: String::new(),
        relates_to: None,
    }));
    assert!(body.contains(kic));
    for _ in 0..2 {
        let (status, text) = common::m2m::soap_post(&lab.soap.rt, as_smsr, url, body.clone());
        assert_eq!(status, 202, "{text}");
    }
    let passed_on = lab.wait_received(60, "ES2 HandleSMSRChangeNotification", |b| {
        b.contains("ES2-HandleSMSRChangeNotification") && b.contains(stamp)
    });
    assert!(
        passed_on.contains("smsr9.example") && passed_on.contains(&eid),
        "{passed_on}"
    );
    assert!(
        !passed_on.contains(kic),
        "ISD-R keys passed on: {passed_on}"
    );
    let notifications = lab.get("/smdp/v1/notifications");
    let change = &notifications["notifications"][0];
    assert_eq!(change["event"], "smsr_change", "{notifications}");
    assert_eq!(change["operator"], OPERATOR, "{notifications}");
    assert!(!change.to_string().contains(kic), "{notifications}");
    std::thread::sleep(Duration::from_secs(2));
    let times = lab.received().iter().filter(|b| b.contains(stamp)).count();
    assert_eq!(times, 1, "passed on once");
}

fn wait_new_isdp(lab: &SmdpLab, seconds: u64) -> Aid {
    let start = Instant::now();
    let lab_isdp = Aid::isd_p(0).unwrap();
    loop {
        {
            let card = lab.soap.device.card.lock().unwrap();
            if let Some(p) = card
                .state()
                .isdps
                .iter()
                .find(|p| p.aid != lab_isdp && p.iccid.is_none())
            {
                return p.aid.clone();
            }
        }
        assert!(
            start.elapsed() < Duration::from_secs(seconds),
            "no ISD-P created: {}",
            lab.get("/smdp/v1/orders")
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Waits for the DownloadProfileResponse of `iccid`; its body.
fn response_for(lab: &SmdpLab, iccid: &str) -> String {
    lab.wait_received(400, "DownloadProfileResponse", |b| {
        b.contains("DownloadProfileResponse") && b.contains(iccid)
    })
}

#[test]
fn installation_failures_roll_back_and_are_reported_with_sgp02_codes() {
    let mut lab = SmdpLab::start(None, &[]);
    let first = rsp_saip::template::values::ICCID;
    let second = "8900100000000000036";
    let mut pkg = rsp_saip::template::generic();
    import(lab.admin, first, "generic", None, &pkg.encode().unwrap());
    let mut perso = rsp_saip::Personalisation::default();
    perso.set("iccid", second).unwrap();
    rsp_saip::personalise(&mut pkg, &perso).unwrap();
    import(lab.admin, second, "generic", None, &pkg.encode().unwrap());

    // No memory: the ISD-P the SM-SR created gets less memory than the Profile needs (the
    // card's reservation lowered as soon as the ISD-P exists); the eUICC aborts the
    // installation with PEStatus not-enough-memory, the SM-DP deletes the ISD-P.
    let (status, text) = lab.es2(download(&lab, Some(first), false), Some(lab.reply_to()));
    assert_eq!(status, 202, "{text}");
    let aid = wait_new_isdp(&lab, 300);
    {
        let mut card = lab.soap.device.card.lock().unwrap();
        let isdp = card
            .state_mut()
            .isdps
            .iter_mut()
            .find(|p| p.aid == aid)
            .unwrap();
        isdp.nvm_quota = 64;
    }
    let response = response_for(&lab, first);
    assert!(response.contains("Failed"), "{response}");
    assert!(response.contains(">8.1<"), "{response}");
    assert!(
        response.contains(">4.8<"),
        "Insufficient Memory: {response}"
    );
    let order = lab.get("/smdp/v1/orders/1");
    assert_eq!(order["stage"], "failed", "{order}");
    assert_eq!(order["failure"]["subjectCode"], "8.1", "{order}");
    assert_eq!(order["failure"]["reasonCode"], "4.8", "{order}");
    {
        let card = lab.soap.device.card.lock().unwrap();
        assert!(card.state().isdp(&aid).is_none(), "the ISD-P is deleted");
        assert_eq!(card.state().isdps.len(), 1);
    }

    // Refused: the eUICC already holds the second Profile (an ISD-P its EIS does not show);
    // it refuses the package, the SM-DP deletes the new ISD-P.
    let stray = Aid::isd_p(9).unwrap();
    {
        let mut card = lab.soap.device.card.lock().unwrap();
        let mut isdp = rsp_m2m_euicc::IsdP::created(stray.clone(), 0, 0);
        isdp.iccid = Some(second.into());
        isdp.life_cycle = rsp_codec::sgp02::consts::LC_DISABLED;
        card.state_mut().isdps.push(isdp);
    }
    let (status, text) = lab.es2(download(&lab, Some(second), false), Some(lab.reply_to()));
    assert_eq!(status, 202, "{text}");
    let response = response_for(&lab, second);
    assert!(
        response.contains("Failed") && response.contains(">8.1<") && response.contains(">4.2<"),
        "{response}"
    );
    let order = lab.get("/smdp/v1/orders/2");
    assert_eq!(order["stage"], "failed", "{order}");
    assert_eq!(order["failure"]["reasonCode"], "4.2", "{order}");
    {
        let card = lab.soap.device.card.lock().unwrap();
        let left: Vec<_> = card.state().isdps.iter().map(|p| p.aid.clone()).collect();
        assert_eq!(
            left,
            vec![Aid::isd_p(0).unwrap(), stray],
            "no new ISD-P left"
        );
    }
    let profiles = lab.get("/smdp/v1/profiles");
    for p in profiles["profiles"].as_array().unwrap() {
        assert_eq!(p["state"], "failed", "{profiles}");
    }
    // The SM-SR's EIS shows neither Profile.
    let (_, text) = lab.es2(
        profile(ProfileRequest::GetEis {
            eid: lab.soap.eid.clone(),
        }),
        None,
    );
    assert!(text.contains("Executed-Success"), "{text}");
    assert!(!text.contains(first) && !text.contains(second), "{text}");

    // The metrics: orders by outcome, ES3 calls by result with their durations, ES2 calls.
    let metrics = common::http_get(lab.admin, "/metrics").unwrap();
    for m in [
        "rsp_smdp_orders_ended_total{",
        "code=\"8.1/4.8\"",
        "rsp_smdp_es3_calls_total{",
        "function=\"CreateISDP\"",
        "rsp_smdp_es3_call_duration_seconds",
        "rsp_smdp_es2_calls_total{",
        "function=\"DownloadProfile\"",
    ] {
        assert!(metrics.contains(m), "{m} in {metrics}");
    }

    // The audit trail: the configuration, each order accepted (by the Operator) and ended
    // (with its codes), the ES2 calls with the caller; it verifies.
    lab.smdp.take();
    let url = format!("sqlite://{}", lab.soap.dir.join("smdp.db").display());
    let verify = common::rsp()
        .args(["audit", "verify", "--database", &url])
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    let export = common::rsp()
        .args(["audit", "export", "--database", &url])
        .output()
        .unwrap();
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&export.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let of = |action: &str| -> Vec<&serde_json::Value> {
        lines.iter().filter(|l| l["action"] == action).collect()
    };
    assert_eq!(of("config.start").len(), 1, "{lines:?}");
    let accepted = of("smdp.order.accept");
    assert_eq!(accepted.len(), 2, "{lines:?}");
    assert_eq!(accepted[0]["actor"], OPERATOR);
    assert_eq!(accepted[0]["subject"], first);
    let ended = of("smdp.order.end");
    assert_eq!(ended.len(), 2, "{lines:?}");
    assert_eq!(ended[0]["details"]["code"], "8.1/4.8", "{lines:?}");
    assert_eq!(ended[0]["details"]["profileState"], "failed", "{lines:?}");
    let calls = of("es2.DownloadProfile");
    assert_eq!(calls.len(), 2, "{lines:?}");
    assert_eq!(calls[0]["actor"], OPERATOR);
    assert_eq!(calls[0]["details"]["httpStatus"], 202);
    assert_eq!(of("es2.GetEIS").len(), 1, "{lines:?}");
    assert!(!of("admin.POST").is_empty(), "{lines:?}");

    lab.finish();
}
