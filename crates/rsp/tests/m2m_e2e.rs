//! The M2M acceptance flow on loopback: `rsp serve smsr` (process) with its web services,
//! the lab SMSC, and two virtual M2M eUICCs behind the modem simulator — one reached by SMS
//! only (SCP80), one with an SCP81 PSK (push SMS, then HTTPS). For each: RegisterEIS over
//! ES1; over ES4 enable a second Profile, enable a third whose attach fails (the eUICC
//! falls back and the Operator is notified), disable, delete, audit; the EIS follows every
//! step.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::m2m::{Server, get_json, lab_smsc, operator_endpoint, sample, web_service_args};
use common::{free_port, temp_dir, test_pki};
use rsp_codec::sgp02::Aid;
use rsp_codec::ws::envelope::{self, WsHeader};
use rsp_codec::ws::es1::{Es1Message, Es1Request};
use rsp_codec::ws::es4::{Es4Message, Es4Request};
use rsp_codec::ws::{ExecutionStatus, Message, ProfileRequest};
use rsp_m2m_euicc::modem::{Modem, ModemConfig};
use rsp_ota::{CipherAlgorithm, IntegrityAlgorithm, Kic, Kid};
use rsp_testkit::m2m::{self, LabProfile};

const OPERATOR: &str = "Test Operator";
const SMSR_MSISDN: &str = "447700900000";
const KIC: [u8; 16] = [0x13; 16];
const KID: [u8; 16] = [0x31; 16];
const PSK: [u8; 16] = [0x77; 16];

struct Euicc {
    eid: &'static str,
    system_id: &'static str,
    profiles: [LabProfile<'static>; 3],
    psk: Option<&'static str>,
}

const EUICCS: [Euicc; 2] = [
    Euicc {
        eid: "89049032000000000000000000000260",
        system_id: "dev-sms",
        profiles: [
            LabProfile {
                index: 0,
                iccid: "8944000000000000101",
                msisdn: "447700900101",
                enabled: true,
                fallback: true,
            },
            LabProfile {
                index: 1,
                iccid: "8944000000000000102",
                msisdn: "447700900102",
                enabled: false,
                fallback: false,
            },
            LabProfile {
                index: 2,
                iccid: "8944000000000000103",
                msisdn: "447700900103",
                enabled: false,
                fallback: false,
            },
        ],
        psk: None,
    },
    Euicc {
        eid: "89049032000000000000000000000357",
        system_id: "dev-https",
        profiles: [
            LabProfile {
                index: 0,
                iccid: "8944000000000000201",
                msisdn: "447700900201",
                enabled: true,
                fallback: true,
            },
            LabProfile {
                index: 1,
                iccid: "8944000000000000202",
                msisdn: "447700900202",
                enabled: false,
                fallback: false,
            },
            LabProfile {
                index: 2,
                iccid: "8944000000000000203",
                msisdn: "447700900203",
                enabled: false,
                fallback: false,
            },
        ],
        psk: Some("psk-dev-https"),
    },
];

fn keyset() -> rsp_m2m_euicc::Scp80Keyset {
    rsp_m2m_euicc::Scp80Keyset::new(
        1,
        Kic::new(CipherAlgorithm::AesCbc, 1),
        &KIC,
        Kid::new(IntegrityAlgorithm::AesCmac, 1),
        &KID,
    )
    .unwrap()
}

/// The ES1 RegisterEIS envelope for `eid`, with the ISD-R keys.
fn register(eid: &str, e: &Euicc) -> String {
    use rsp_codec::ws::{IsdR, Scp80Algorithm, Scp80Keyset, Scp81Psk};
    let eis = m2m::eis(eid, OPERATOR, &e.profiles);
    let mut ws_eis = rsp_http::smsr::ws_map::eis_out(&eis);
    ws_eis.smsr_id = None;
    ws_eis.isd_r = Some(IsdR {
        aid: Aid::isd_r().to_hex(),
        scp80_keysets: vec![Scp80Keyset {
            version: 1,
            algorithm: Scp80Algorithm::Aes,
            kic: zeroize::Zeroizing::new(KIC.to_vec()),
            kid: zeroize::Zeroizing::new(KID.to_vec()),
        }],
        scp81_psk: e.psk.map(|identity| Scp81Psk {
            identity: identity.into(),
            key: zeroize::Zeroizing::new(PSK.to_vec()),
        }),
    });
    let msg: Es1Message = Message::Request(rsp_codec::ws::Request {
        function_call_identifier: format!("reg-{eid}"),
        validity_period: None,
        body: Es1Request::RegisterEis(Box::new(ws_eis)),
    });
    envelope::build(&msg.envelope(WsHeader {
        message_id: format!("urn:reg:{eid}"),
        ..WsHeader::default()
    }))
}

fn es4(n: usize, body: ProfileRequest) -> String {
    let msg: Es4Message = Message::Request(rsp_codec::ws::Request {
        function_call_identifier: format!("fc-{n}"),
        validity_period: Some(90),
        body: Es4Request(body),
    });
    envelope::build(&msg.envelope(WsHeader {
        message_id: format!("urn:es4:{n}"),
        ..WsHeader::default()
    }))
}

fn status_of(text: &str) -> (ExecutionStatus, Option<rsp_codec::ws::Eis>) {
    let env = envelope::parse(text).unwrap_or_else(|e| panic!("{e}: {text}"));
    let r = match Message::<Es4Request>::from_envelope(&env)
        .or_else(|_| Message::<Es4Request>::from_element(&env.body))
    {
        Ok(Message::Response(r)) => r,
        other => panic!("not a response: {other:?} {text}"),
    };
    (r.status.status, r.eis.map(|e| *e))
}

fn client(pki: &std::path::Path, who: &str) -> reqwest::Client {
    let nist = pki.join("nist");
    let ca = reqwest::Certificate::from_pem(&std::fs::read(nist.join("ci.pem")).unwrap()).unwrap();
    let mut identity = std::fs::read(nist.join(format!("{who}.key.pem"))).unwrap();
    identity.extend(std::fs::read(nist.join(format!("{who}.pem"))).unwrap());
    reqwest::Client::builder()
        .tls_certs_only([ca])
        .identity(reqwest::Identity::from_pem(&identity).unwrap())
        .timeout(Duration::from_secs(150))
        .build()
        .unwrap()
}

async fn soap(client: &reqwest::Client, url: &str, body: String) -> String {
    let r = client
        .post(url)
        .header("content-type", "application/soap+xml; charset=utf-8")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    r.text().await.unwrap()
}

fn state(eis: &rsp_codec::ws::Eis, iccid: &str) -> Option<rsp_codec::ws::ProfileState> {
    eis.profiles
        .iter()
        .find(|p| p.iccid == iccid)
        .map(|p| p.state)
}

#[test]
fn enable_fallback_disable_delete_audit_over_sms_and_https() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = temp_dir();
    let pki = test_pki(&dir);
    let nist = pki.join("nist");
    let smsc = lab_smsc(&rt, &dir, &[("dev-sms", "pw"), ("dev-https", "pw")]);
    let (endpoint, received) = operator_endpoint(&rt);

    let ws_port = free_port();
    let scp81_port = free_port();
    let server = Server {
        dir: dir.clone(),
        smsc: smsc.local_addr(),
        admin: free_port(),
        extra: [
            web_service_args(&nist, ws_port, OPERATOR, endpoint),
            vec!["--scp81-listen".into(), format!("127.0.0.1:{scp81_port}")],
        ]
        .concat(),
    };
    let _running = server.start();
    // The EUM's own certificate carries a critical name constraint (the EID prefix) that
    // rustls refuses in a TLS client identity; the test PKI's other client certificate
    // stands in for the EUM's TLS identity on ES1.
    let eum = client(&pki, "mno");
    let mno = client(&pki, "mno");
    let es1_url = format!("https://localhost:{ws_port}/gsma/sgp02/es1");
    let es4_url = format!("https://localhost:{ws_port}/gsma/sgp02/es4");

    let (stop, _) = tokio::sync::watch::channel(false);
    let mut n = 0;
    for e in &EUICCS {
        let mut card = m2m::card_with_eid(e.eid, vec![keyset()], &e.profiles);
        if let Some(identity) = e.psk {
            card.set_scp81_psk(identity, &PSK).unwrap();
        }
        let eid = card.eid().to_owned();
        let text = rt.block_on(soap(&eum, &es1_url, register(&eid, e)));
        assert!(text.contains("Executed-Success"), "RegisterEIS: {text}");

        let mut config = ModemConfig::new(
            &smsc.local_addr().to_string(),
            e.system_id,
            "pw",
            SMSR_MSISDN,
        );
        config.smsr_admin = Some(format!("127.0.0.1:{scp81_port}"));
        config.fail_attach.insert(e.profiles[2].iccid.into());
        let mut rx = stop.subscribe();
        rt.spawn(Modem::run(card, config, async move {
            let _ = rx.wait_for(|s| *s).await;
        }));

        let [p1, p2, p3] = e.profiles.map(|p| p.iccid.to_owned());
        let mut call = |body: ProfileRequest| {
            n += 1;
            let text = rt.block_on(soap(&mno, &es4_url, es4(n, body)));
            status_of(&text)
        };
        let eid_ = eid.clone();
        let get = |call: &mut dyn FnMut(
            ProfileRequest,
        )
            -> (ExecutionStatus, Option<rsp_codec::ws::Eis>)| {
            call(ProfileRequest::GetEis { eid: eid_.clone() })
                .1
                .unwrap()
        };
        use rsp_codec::ws::ProfileState::{Disabled, Enabled};

        // Enable the second Profile.
        let (s, _) = call(ProfileRequest::EnableProfile {
            eid: eid.clone(),
            iccid: p2.clone(),
        });
        assert_eq!(s, ExecutionStatus::Success, "{}: enable p2", e.system_id);
        let eis = get(&mut call);
        assert_eq!(
            (state(&eis, &p1), state(&eis, &p2)),
            (Some(Disabled), Some(Enabled))
        );

        // Enable the third: its attach fails, the eUICC falls back to the first and says
        // so; the EIS follows and the Operator is notified.
        let (s, _) = call(ProfileRequest::EnableProfile {
            eid: eid.clone(),
            iccid: p3.clone(),
        });
        assert_eq!(s, ExecutionStatus::Success, "{}: enable p3", e.system_id);
        let start = Instant::now();
        loop {
            let eis = get(&mut call);
            if state(&eis, &p1) == Some(Enabled) && state(&eis, &p3) == Some(Disabled) {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "{}: no fallback: {eis:?}",
                e.system_id
            );
            std::thread::sleep(Duration::from_millis(200));
        }

        // Enable the second again, then disable it: the fallback Profile is enabled.
        let (s, _) = call(ProfileRequest::EnableProfile {
            eid: eid.clone(),
            iccid: p2.clone(),
        });
        assert_eq!(s, ExecutionStatus::Success);
        let (s, _) = call(ProfileRequest::DisableProfile {
            eid: eid.clone(),
            iccid: p2.clone(),
        });
        assert_eq!(s, ExecutionStatus::Success, "{}: disable p2", e.system_id);
        let eis = get(&mut call);
        assert_eq!(
            (state(&eis, &p1), state(&eis, &p2)),
            (Some(Enabled), Some(Disabled))
        );

        // The fallback Profile cannot be disabled; the third can be deleted.
        let (s, _) = call(ProfileRequest::DisableProfile {
            eid: eid.clone(),
            iccid: p1.clone(),
        });
        assert_eq!(s, ExecutionStatus::Failed);
        let (s, _) = call(ProfileRequest::DeleteProfile {
            eid: eid.clone(),
            iccid: p3.clone(),
        });
        assert_eq!(s, ExecutionStatus::Success, "{}: delete p3", e.system_id);
        let eis = get(&mut call);
        assert_eq!(state(&eis, &p3), None);

        // Audit: the eUICC's own view.
        let (s, eis) = call(ProfileRequest::AuditEis {
            eid: eid.clone(),
            iccids: vec![],
        });
        assert_eq!(s, ExecutionStatus::Success, "{}: audit", e.system_id);
        let eis = eis.unwrap();
        assert_eq!(
            (state(&eis, &p1), state(&eis, &p2)),
            (Some(Enabled), Some(Disabled))
        );
        assert!(eis.remaining_memory.is_some());
    }

    // Each eUICC's operations went over its transport: SCP80 only, or push + SCP81.
    for (e, transport) in EUICCS.iter().zip(["sms", "https"]) {
        let log = get_json(
            server.admin,
            &format!("/smsr/v1/euiccs/{}/operations", e.eid),
        );
        let ops = log.as_array().unwrap();
        let profile_ops = ops
            .iter()
            .filter(|o| o["function"]["function"] != "confirmNotification");
        for op in profile_ops {
            assert_eq!(op["transport"], transport, "{op}");
        }
        assert!(ops.iter().all(|o| o["status"] == "done"), "{log}");
    }

    // The fallbacks reached the Operator as notifications (both eUICCs).
    let start = Instant::now();
    loop {
        let got = rt.block_on(async { received.lock().await.clone() });
        let enabled = got
            .iter()
            .filter(|t| t.contains("HandleProfileEnabledNotification"))
            .count();
        let disabled = got
            .iter()
            .filter(|t| t.contains("HandleProfileDisabledNotification"))
            .count();
        if enabled >= 2 && disabled >= 2 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "notifications: {got:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    // The metrics: both eUICCs registered over ES1, ES5 messages both ways on each
    // transport, operations ended over HTTPS.
    let metrics = common::http_get(server.admin, "/metrics").unwrap();
    let registered = [
        "interface=\"es1\"",
        "function=\"RegisterEIS\"",
        "status=\"Executed-Success\"",
    ];
    assert_eq!(
        sample(&metrics, "rsp_smsr_ws_calls_total", &registered),
        Some(2.0),
        "{metrics}"
    );
    for transport in ["sms", "https"] {
        for direction in ["in", "out"] {
            let labels = [
                format!("transport=\"{transport}\""),
                format!("direction=\"{direction}\""),
            ];
            let labels = [labels[0].as_str(), labels[1].as_str()];
            let n = sample(&metrics, "rsp_smsr_es5_messages_total", &labels);
            assert!(n.is_some_and(|n| n >= 1.0), "{labels:?}: {metrics}");
        }
    }
    let https_done = ["transport=\"https\"", "status=\"done\""];
    assert!(
        sample(&metrics, "rsp_smsr_operations_ended_total", &https_done).is_some(),
        "{metrics}"
    );
    let _ = stop.send(true);
    rt.block_on(smsc.shutdown());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn quickstart_m2m() {
    let dir = temp_dir();
    let out = common::rsp()
        .args(["quickstart", "--m2m", "--dir"])
        .arg(dir.join("qs"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for step in [
        "Enabling Profile 8944000000000000022 over SMS",
        "Disabling Profile 8944000000000000022 over SMS",
        "Enabling Profile 8944000000000000022 over HTTPS",
        "Disabling Profile 8944000000000000022 over HTTPS",
        // The SM-DP's download over ES2 → ES3 → ES5 (HTTPS: SendData to the new ISD-P
        // named in X-Admin-Targeted-Application).
        "order stage: installed",
        "DownloadProfileResponse: Executed-Success, ICCID 8900100000000000002",
        "ES2-HandleProfileEnabledNotification",
        "\"8944000000000000011\" \"DISABLED\" fallback=true",
        "\"8900100000000000002\" \"ENABLED\" fallback=false",
        "\"enableProfile\" \"https\" \"done\"",
        "\"disableProfile\" \"sms\" \"done\"",
        "\"createIsdp\" \"https\" \"done\"",
        "\"sendData\" \"https\" \"done\"",
        // The SM-SR change (ES4, ES7): the Operator is told by the new SM-SR and through the
        // SM-DP; the new SM-SR points the eUICC at itself and enables a Profile over SMS with
        // the keyset it established, the eUICC's notification reaching it; the old one
        // refuses (unknown EID).
        "the Operator got HandleSMSRChangeNotification",
        "from smsr2.localhost (ES4) and from the SM-DP of the downloaded Profile (ES3, passed on over ES2)",
        "smsr2.localhost pointed the eUICC at itself: UpdateSMSRAddressingParameters (MSISDN 447700900009) done",
        "Enabling Profile 8944000000000000022 through smsr2.localhost over SMS",
        "the eUICC's notification after the attach reached smsr2.localhost at 447700900009, which confirmed it",
        "smsr1.localhost refuses it now: HTTP 404",
        "\"reasonCode\":\"3.9\",\"subjectCode\":\"8.1.1\"",
    ] {
        assert!(text.contains(step), "{step:?} in:\n{text}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
