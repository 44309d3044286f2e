//! `rsp quickstart --m2m`: the M2M flow (SGP.02) on one machine.
//!
//! Test PKI → the lab SMSC (SMPP 3.4) → the SM-SR on localhost (SQLite, ES5 over SMS and
//! HTTPS) → a virtual M2M eUICC with two Profiles behind the modem simulator → the eUICC
//! registered (its ISD-R keys included) → the second Profile enabled and disabled over SMS
//! (SCP80), then over HTTPS (push SMS, SCP81 TLS-PSK), each with the eUICC's notification
//! after the network attach → the M2M SM-DP (ES2 for the Operator, ES3 to the SM-SR over
//! mutual TLS) downloads the generic Profile into a new ISD-P (CreateISDP, ES8 key
//! establishment with the ECASD, SCP03t) and enables it on the Operator's ES2
//! DownloadProfile → the SM-SR's EIS and operation log → a second SM-SR; the Operator moves
//! the eUICC to it over ES4 (ES7 between the SM-SRs: EIS handover, a new ISD-R keyset
//! established through the first SM-SR, the first one forgetting the eUICC, the new one
//! pointing the eUICC's SM-SR addressing at itself) → the new SM-SR enables a Profile over
//! SMS and receives the eUICC's notification, while the old one refuses.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use base64::Engine as _;
use rsp_codec::sgp02::{Aid, SmsAddress};
use rsp_codec::ws::es4::Es4SmsrChangeRequest;
use rsp_m2m_euicc::modem::{Modem, ModemConfig};
use rsp_m2m_euicc::{Ecasd, EuiccState, IsdP, M2mEuicc, Scp80Keyset};
use rsp_ota::{CipherAlgorithm, IntegrityAlgorithm, Kic, Kid};
use serde_json::{Value, json};

use super::lab;
use super::quickstart::{QuickstartArgs, Steps, bind, fresh_dir};
use super::quickstart_m2m_change as change;
use super::quickstart_m2m_smdp as smdp;
use crate::cli::serve::{SmsrSettings, start_smsr};

const SMSR_MSISDN: &str = "447700900000";
const SMSR_ID: &str = change::SMSR1_ID;
/// The second SM-SR's MSISDN (its SMPP account `smsr2`).
const SMSR2_MSISDN: &str = "447700900009";
/// The MSISDN of the Profile the SM-DP downloads.
const DOWNLOADED_MSISDN: &str = "447700900003";
const PROFILES: [(&str, &str); 2] = [
    ("8944000000000000011", "447700900001"),
    ("8944000000000000022", "447700900002"),
];

fn random(n: usize) -> anyhow::Result<Vec<u8>> {
    let mut b = vec![0u8; n];
    getrandom::fill(&mut b).map_err(|e| anyhow::anyhow!("random generator: {e}"))?;
    Ok(b)
}

/// The lab card: ECASD from the test PKI, an AES keyset, the SCP81 PSK, two Profiles.
fn card(dir: &std::path::Path, kic: &[u8], kid: &[u8], psk: &[u8]) -> anyhow::Result<M2mEuicc> {
    let ecasd = Ecasd::from_pki_dir(&dir.join("pki/nist")).context("ECASD")?;
    let keyset = Scp80Keyset::new(
        1,
        Kic::new(CipherAlgorithm::AesCbc, 1),
        kic,
        Kid::new(IntegrityAlgorithm::AesCmac, 1),
        kid,
    )?;
    let mut state = EuiccState::new(ecasd, vec![keyset])?;
    for (i, (iccid, msisdn)) in PROFILES.iter().enumerate() {
        let index = u8::try_from(i).unwrap_or(0);
        state.isdps.push(
            IsdP::preinstalled(
                Aid::isd_p(index).context("ISD-P AID")?,
                iccid,
                SmsAddress::international(msisdn),
                i == 0,
            )
            .with_fallback(i == 0),
        );
    }
    let mut card = M2mEuicc::create(&dir.join("m2m-euicc.json"), state)?;
    card.set_scp81_psk("quickstart-psk", psk)?;
    Ok(card)
}

async fn admin(
    client: &reqwest::Client,
    base: &str,
    path: &str,
    body: Option<Value>,
) -> anyhow::Result<Value> {
    let url = format!("{base}{path}");
    let r = match body {
        Some(b) => client.post(&url).json(&b).send().await,
        None => client.get(&url).send().await,
    }
    .with_context(|| url.clone())?;
    let status = r.status();
    let v: Value = r.json().await.with_context(|| url.clone())?;
    if !status.is_success() {
        bail!("{url}: HTTP {status}: {v}");
    }
    Ok(v)
}

/// Requests `function` over `transport` and waits until the operation ends; then until
/// the eUICC's state reaches `enabled` (its notification after the attach).
async fn run(
    client: &reqwest::Client,
    base: &str,
    eid: &str,
    function: &str,
    iccid: &str,
    transport: &str,
    enabled: &str,
) -> anyhow::Result<Value> {
    let op = admin(
        client,
        base,
        &format!("/smsr/v1/euiccs/{eid}/operations"),
        Some(
            json!({"function": function, "iccid": iccid, "transport": transport,
            "requester": {"kind": "operator", "id": "quickstart-mno"}}),
        ),
    )
    .await?;
    let id = op["id"].as_i64().context("operation id")?;
    let start = Instant::now();
    let done = loop {
        let op = admin(client, base, &format!("/smsr/v1/operations/{id}"), None).await?;
        if op["status"] == "done" || op["status"] == "failed" {
            break op;
        }
        if start.elapsed() > Duration::from_secs(60) {
            bail!("operation {id} did not end: {op}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    if done["status"] != "done" {
        bail!("{function} failed: {done}");
    }
    loop {
        let eis = admin(client, base, &format!("/smsr/v1/euiccs/{eid}"), None).await?;
        let on = eis["profiles"]
            .as_array()
            .and_then(|p| p.iter().find(|p| p["state"] == "ENABLED"))
            .map(|p| p["iccid"].clone());
        if on.as_ref().and_then(Value::as_str) == Some(enabled) {
            break;
        }
        if start.elapsed() > Duration::from_secs(60) {
            bail!("the eUICC did not report {enabled} enabled: {eis}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(done)
}

pub(super) async fn quickstart_m2m(a: QuickstartArgs) -> anyhow::Result<()> {
    let mut s = Steps::new();
    let dir = fresh_dir(&a.dir)?;
    let pki_dir = dir.join("pki");
    s.step("Writing a test PKI (the eUICC's ECASD certificate and key among it)");
    lab::write_test_pki(&pki_dir)?;

    s.step("Starting the lab SMSC (SMPP 3.4 on localhost)");
    let smpp_pw = hex::encode(random(4)?);
    let device_pw = hex::encode(random(4)?);
    let smpp2_pw = hex::encode(random(4)?);
    let smsc = rsp_sms::Smsc::start(rsp_sms::SmscConfig::new(
        "127.0.0.1:0".parse()?,
        vec![
            rsp_sms::Account::new("smsr", &smpp_pw),
            rsp_sms::Account::new("device", &device_pw),
            rsp_sms::Account::new("smsr2", &smpp2_pw),
        ],
    ))
    .await
    .context("SMSC")?;
    println!("     SMPP at {}", smsc.local_addr());

    s.step("Starting the SM-SR (ES5 over SMS and HTTPS, ES3/ES4 web services, SQLite)");
    let scp81 = bind(None, 0).await?;
    let admin_listener = bind(None, 0).await?;
    let scp81_addr = scp81.local_addr()?;
    let nist = pki_dir.join("nist");
    let inbox = smdp::OperatorInbox::start().await?;
    // A free port for the web services (start_smsr binds it); the SM-DP's ES2/ES3
    // listener now, so the SM-SR knows where its notifications for the SM-DP go.
    let ws_addr = bind(None, 0).await?.local_addr()?;
    let ws2_addr = bind(None, 0).await?.local_addr()?;
    let dp_listener = bind(None, 0).await?;
    let dp_port = dp_listener.local_addr()?.port();
    let tls_identity = change::tls_identity(&nist, SMSR_ID)?;
    let settings = SmsrSettings {
        data_key_file: dir.join("smsr-data.key"),
        database: format!("sqlite://{}", dir.join("smsr.db").display()),
        smsr_id: SMSR_ID.into(),
        smsc: Some(smsc.local_addr().to_string()),
        smpp_system_id: "smsr".into(),
        smpp_password: zeroize::Zeroizing::new(smpp_pw),
        msisdn: SMSR_MSISDN.into(),
        smsc_address: None,
        scp81_public: Some(scp81_addr.to_string()),
        send_interval: Duration::from_secs(1),
        retry: rsp_smsr::RetryPolicy {
            first: 5,
            max: 60,
            max_attempts: 5,
        },
        endpoints: rsp_http::smsr::notify::Endpoints {
            operators: [(
                lab::OPERATOR.to_owned(),
                format!("http://{}/es4", inbox.addr),
            )]
            .into(),
            smdps: [(
                smdp::SMDP_ID.to_owned(),
                format!("https://localhost:{dp_port}/gsma/sgp02/es3"),
            )]
            .into(),
        },
        notice_ca: vec![std::fs::read(nist.join("ci.pem")).context("ci.pem")?],
        web_services: Some((
            ws_addr,
            rsp_http::tls::TlsFiles {
                cert_chain: nist.join("dp-tls.pem"),
                key: nist.join("dp-tls.key.pem"),
                client_ca: vec![nist.join("ci.pem")],
            },
        )),
        es7: crate::cli::serve::Es7Settings {
            peers: [(change::SMSR2_ID.to_owned(), change::es7_url(ws2_addr))].into(),
            own_url: change::es7_url(ws_addr),
            client_identity_pem: Some(tls_identity),
            ..Default::default()
        },
        audit_key: None,
    };
    let smsr2_settings = SmsrSettings {
        data_key_file: dir.join("smsr2-data.key"),
        database: format!("sqlite://{}", dir.join("smsr2.db").display()),
        smsr_id: change::SMSR2_ID.into(),
        smpp_system_id: "smsr2".into(),
        smpp_password: zeroize::Zeroizing::new(smpp2_pw),
        msisdn: SMSR2_MSISDN.into(),
        scp81_public: None,
        endpoints: settings.endpoints.clone(),
        web_services: settings
            .web_services
            .clone()
            .map(|(_, files)| (ws2_addr, files)),
        es7: crate::cli::serve::Es7Settings {
            peers: [(SMSR_ID.to_owned(), change::es7_url(ws_addr))].into(),
            own_url: change::es7_url(ws2_addr),
            client_identity_pem: Some(change::tls_identity(&nist, change::SMSR2_ID)?),
            credential: Some(change::sr_credential(&nist)?),
            key_version: 2,
            host_id: b"QUICKSTART-SR2".to_vec(),
        },
        ..settings.clone()
    };
    let smsr = start_smsr(settings, scp81, admin_listener).await?;
    let base = format!("http://{}", smsr.admin);
    println!(
        "     SCP81 admin server at {scp81_addr}, admin API at {base}, ES3/ES4 at https://localhost:{}",
        ws_addr.port()
    );

    s.step("Creating a virtual M2M eUICC with two Profiles, powered by the modem simulator");
    let (kic, kid, psk) = (random(16)?, random(16)?, random(16)?);
    let card = card(&dir, &kic, &kid, &psk)?;
    let eid = card.eid().to_owned();
    println!(
        "     EID {eid}, Profile {} enabled (fallback), {} disabled",
        PROFILES[0].0, PROFILES[1].0
    );
    let mut modem = ModemConfig::new(
        &smsc.local_addr().to_string(),
        "device",
        &device_pw,
        SMSR_MSISDN,
    );
    modem.smsr_admin = Some(scp81_addr.to_string());
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    let device = tokio::spawn(Modem::run(card, modem, async move {
        let _ = stopped.wait_for(|s| *s).await;
    }));

    s.step("Registering the eUICC at the SM-SR (EIS and ISD-R keys, as an EUM would over ES1)");
    let client = reqwest::Client::new();
    let profiles: Vec<Value> = PROFILES
        .iter()
        .enumerate()
        .map(|(i, (iccid, msisdn))| {
            json!({"iccid": iccid, "isdPAid": Aid::isd_p(u8::try_from(i).unwrap_or(0)).map(|a| a.to_hex()),
                "mnoId": "quickstart-mno", "state": if i == 0 { "ENABLED" } else { "DISABLED" },
                "fallbackAttribute": i == 0, "subscriptionAddress": {"msisdn": msisdn}})
        })
        .collect();
    admin(
        &client,
        &base,
        "/smsr/v1/euiccs",
        Some(json!({
            "eis": {"eid": eid, "eumId": "quickstart-eum", "smsrId": "",
                "capabilities": {"sms": true, "https": true}, "profiles": profiles,
                "ecasdCertificate": base64::engine::general_purpose::STANDARD.encode(
                    rsp_pki::Cert::from_pem(&std::fs::read_to_string(nist.join("euicc.pem"))?)?
                        .der())},
            "keys": {"scp80": [{"version": 1, "algorithm": "aes", "kic": hex::encode(&kic),
                "kid": hex::encode(&kid)}],
                "scp81": {"identity": "quickstart-psk", "key": hex::encode(&psk)}}
        })),
    )
    .await?;

    let (p1, p2) = (PROFILES[0].0, PROFILES[1].0);
    for (transport, how) in [
        ("sms", "SMS (SCP80)"),
        ("https", "HTTPS (push SMS, SCP81 TLS-PSK)"),
    ] {
        s.step(&format!("Enabling Profile {p2} over {how}"));
        let op = run(&client, &base, &eid, "enableProfile", p2, transport, p2).await?;
        println!(
            "     operation {} done in {} attempt(s); the eUICC attached and notified",
            op["id"], op["attempts"]
        );
        s.step(&format!(
            "Disabling Profile {p2} over {how} (the fallback Profile {p1} takes over)"
        ));
        let op = run(&client, &base, &eid, "disableProfile", p2, transport, p1).await?;
        println!(
            "     operation {} done in {} attempt(s)",
            op["id"], op["attempts"]
        );
    }

    s.step("Starting the M2M SM-DP (ES2 for the Operator, ES3 to the SM-SR, SQLite)");
    let es3_url =
        |ws: std::net::SocketAddr| format!("https://localhost:{}/gsma/sgp02/es3", ws.port());
    // Both SM-SRs: the second notifies the SM-DP of the SM-SR change.
    let smsrs = [
        (SMSR_ID, es3_url(ws_addr)),
        (change::SMSR2_ID, es3_url(ws2_addr)),
    ];
    let smsrs: Vec<(&str, &str)> = smsrs.iter().map(|(id, u)| (*id, u.as_str())).collect();
    let dp = smdp::start(&dir, &nist, &smsrs, dp_listener, &inbox).await?;
    let dp_admin = format!("http://{}", dp.admin);
    println!(
        "     ES2 at https://localhost:{}/gsma/sgp02/es2, admin API at {dp_admin}",
        dp.https.port()
    );
    let iccid = smdp::import_generic(&client, &dp_admin, DOWNLOADED_MSISDN).await?;
    println!("     generic Profile {iccid} imported (profile type `generic`)");

    s.step(&format!(
        "The Operator orders Profile type `generic` for {eid} over ES2 (DownloadProfile, enable)"
    ));
    let response = smdp::download(
        &nist,
        &client,
        dp.https.port(),
        &dp_admin,
        &inbox,
        &eid,
        SMSR_ID,
    )
    .await?;
    if !response.contains("Executed-Success") || !response.contains(&iccid) {
        bail!("DownloadProfile failed: {response}");
    }
    println!("     DownloadProfileResponse: Executed-Success, ICCID {iccid}");
    let waiting = Instant::now();
    let enabled_by_dp = loop {
        let eis = admin(&client, &base, &format!("/smsr/v1/euiccs/{eid}"), None).await?;
        let on = eis["profiles"]
            .as_array()
            .and_then(|p| p.iter().find(|p| p["state"] == "ENABLED"))
            .and_then(|p| p["iccid"].as_str().map(str::to_owned));
        if on.as_deref() == Some(iccid.as_str()) {
            break on;
        }
        if waiting.elapsed() > Duration::from_secs(60) {
            bail!("the eUICC did not report {iccid} enabled: {eis}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // The SM-SR's notification reaches the Operator through the SM-DP (ES3, then ES2),
    // each hop a queued delivery: wait for it rather than race it.
    change::wait_inbox(&inbox, "ES2-HandleProfileEnabledNotification").await?;
    println!(
        "     Profile {} enabled on the eUICC; the Operator received: {}",
        enabled_by_dp.unwrap_or_default(),
        inbox.actions().join(", ")
    );

    s.step("The SM-SR's view: EIS and operation log");
    let eis = admin(&client, &base, &format!("/smsr/v1/euiccs/{eid}"), None).await?;
    for p in eis["profiles"].as_array().into_iter().flatten() {
        println!(
            "     {} {} fallback={}",
            p["iccid"], p["state"], p["fallbackAttribute"]
        );
    }
    let log = admin(
        &client,
        &base,
        &format!("/smsr/v1/euiccs/{eid}/operations"),
        None,
    )
    .await?;
    for op in log.as_array().into_iter().flatten().rev() {
        println!(
            "     #{} {} {} {} ({} attempt(s))",
            op["id"], op["function"]["function"], op["transport"], op["status"], op["attempts"]
        );
    }

    s.step(&format!(
        "Starting a second SM-SR ({}, SQLite) for the SM-SR change",
        change::SMSR2_ID
    ));
    lab::write_data_key(&smsr2_settings.data_key_file)?;
    let smsr2 = start_smsr(smsr2_settings, bind(None, 0).await?, bind(None, 0).await?).await?;
    let base2 = format!("http://{}", smsr2.admin);
    println!(
        "     admin API at {base2}, ES4/ES7 at https://localhost:{}",
        ws2_addr.port()
    );

    s.step(&format!(
        "The Operator moves {eid} to {} over ES4 (PrepareSMSRChange there, SMSRChange at {SMSR_ID})",
        change::SMSR2_ID
    ));
    change::es4(
        &nist,
        ws2_addr,
        Es4SmsrChangeRequest::PrepareSmsrChange {
            eid: eid.clone(),
            current_smsr_id: SMSR_ID.into(),
        },
    )
    .await?;
    change::es4(
        &nist,
        ws_addr,
        Es4SmsrChangeRequest::SmsrChange {
            eid: eid.clone(),
            target_smsr_id: change::SMSR2_ID.into(),
        },
    )
    .await?;
    println!("     both accepted; ES7 HandoverEUICC, AuthenticateSMSR and CreateAdditionalKeySet");
    println!("     (relayed to the ISD-R over SMS by {SMSR_ID}) run between the SM-SRs");
    change::wait_eis(&client, &base2, &eid, 200).await?;
    change::wait_eis(&client, &base, &eid, 404).await?;
    change::wait_inbox(&inbox, "ES4-HandleSMSRChangeNotification").await?;
    change::wait_inbox(&inbox, "ES2-HandleSMSRChangeNotification").await?;
    println!(
        "     done: {} holds the eUICC with its own ISD-R keyset; {SMSR_ID} forgot it and",
        change::SMSR2_ID
    );
    println!(
        "     deleted its keyset and SCP81 PSK on the card; the Operator got HandleSMSRChangeNotification"
    );
    println!(
        "     from {} (ES4) and from the SM-DP of the downloaded Profile (ES3, passed on over ES2)",
        change::SMSR2_ID
    );
    let update =
        change::wait_function(&client, &base2, &eid, "updateSmsrAddressingParameters").await?;
    println!(
        "     {} pointed the eUICC at itself: UpdateSMSRAddressingParameters (MSISDN {}) done in {} attempt(s)",
        change::SMSR2_ID,
        update["function"]["msisdn"].as_str().unwrap_or_default(),
        update["attempts"]
    );

    let p2 = PROFILES[1].0;
    s.step(&format!(
        "Enabling Profile {p2} through {} over SMS (its new keyset)",
        change::SMSR2_ID
    ));
    let op = run(&client, &base2, &eid, "enableProfile", p2, "sms", p2).await?;
    println!(
        "     operation {} done in {} attempt(s)",
        op["id"], op["attempts"]
    );
    change::wait_function(&client, &base2, &eid, "confirmNotification").await?;
    println!(
        "     the eUICC's notification after the attach reached {} at {SMSR2_MSISDN}, which confirmed it",
        change::SMSR2_ID
    );
    let refused = client
        .post(format!("{base}/smsr/v1/euiccs/{eid}/operations"))
        .json(
            &json!({"function": "enableProfile", "iccid": p2, "transport": "sms",
            "requester": {"kind": "operator", "id": "quickstart-mno"}}),
        )
        .send()
        .await?;
    let status = refused.status();
    if status.is_success() {
        bail!("{SMSR_ID} still accepted an operation for {eid}");
    }
    println!(
        "     {SMSR_ID} refuses it now: HTTP {status} {}",
        refused.text().await.unwrap_or_default()
    );

    let _ = stop.send(true);
    let _ = device.await;
    dp.shutdown().await?;
    smsr2.shutdown().await?;
    smsr.shutdown().await?;
    smsc.shutdown().await;
    println!("Done. Working files in {}", dir.display());
    Ok(())
}
