//! `rsp quickstart --iot`: the IoT RSP flow (SGP.32 v1.2) on one machine.
//!
//! Test PKI (with eIM certificates) → SM-DP+ and eIM on localhost HTTPS with SQLite → an
//! IoT virtual eUICC with the eIM added initially (ES10b.AddInitialEim, as at manufacture)
//! → the eUICC registered at the eIM through its REST API → an ES2+ order at the SM-DP+ →
//! a download triggered from the eIM's REST API → the IPA polls the eIM (ESipa), downloads
//! from the SM-DP+ (ES9+) and returns the result → the profile enabled by a PSMO signed by
//! the eIM, the eUICC's signed result → the eIM's view of the eUICC. With `--serve`, the
//! servers keep running and `quickstart.json` says how to reach them.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use rsp_euicc::{Card, EuiccConfig, Identity, Isdr};
use rsp_lpa::ipa::{Handled, Ipa, PollReport};
use rsp_lpa::{ApduChannel, Es9PlusClient, EsipaClient};
use serde_json::{Value, json};

use super::euicc_iot::IotArgs;
use super::lab;
use super::quickstart::{
    PROFILE_TYPE, QuickstartArgs, Steps, bind, fresh_dir, import_stock, new_state, order,
    start_local_smdpp,
};
use crate::cli::serve::start_eim;
use crate::config::eim::{EimFile, EimSettings, TenantConfig};
use crate::config::smdpp::LogFormat;

/// The eIM's identifier in the quickstart.
const EIM_ID: &str = "eim.quickstart";
/// The quickstart tenant.
const TENANT: &str = "quickstart";

pub(super) async fn quickstart_iot(a: QuickstartArgs) -> anyhow::Result<()> {
    let mut s = Steps::new();
    let dir = fresh_dir(&a.dir)?;
    let pki_dir = dir.join("pki");

    s.step("Writing a test PKI for NIST P-256 and brainpoolP256r1 (with eIM certificates)");
    lab::write_test_pki(&pki_dir)?;

    s.step("Starting the SM-DP+ (HTTPS, SQLite)");
    let (smdp, smdp_address) = start_local_smdpp(&a, &dir, &pki_dir).await?;
    let smdp_admin = format!("http://{}", smdp.admin);
    println!("     ES9+ and ES2+ at https://{smdp_address}, admin API at {smdp_admin}");

    s.step("Starting the eIM (ESipa and its REST API on HTTPS, SQLite)");
    let token = hex::encode(random16()?);
    let eim_listener = bind(a.eim_port, if a.serve { 8445 } else { 0 }).await?;
    let eim_admin = bind(None, 0).await?;
    let eim_address = format!("localhost:{}", eim_listener.local_addr()?.port());
    let settings = EimSettings::resolve(EimFile {
        listen: Some(eim_listener.local_addr()?),
        admin_listen: Some(eim_admin.local_addr()?),
        database: Some(format!("sqlite://{}", dir.join("eim.db").display())),
        pki: Some(pki_dir.clone()),
        eim_id: Some(EIM_ID.into()),
        log_format: Some(LogFormat::Text),
        tenants: Some(vec![TenantConfig {
            id: TENANT.into(),
            token_sha256: hex::encode(rsp_eim::token_hash(&token)),
            webhook_url: None,
        }]),
        ..EimFile::default()
    })?;
    let eim = match start_eim(settings, eim_listener, eim_admin).await {
        Ok(eim) => eim,
        Err(e) => {
            let _ = smdp.shutdown().await;
            return Err(e);
        }
    };
    println!("     ESipa and /eim/v1 at https://{eim_address}, tenant {TENANT:?}");

    let servers = (
        &smdp_admin,
        smdp_address.as_str(),
        eim_address.as_str(),
        &token,
    );
    let result = flow(&mut s, &dir, &pki_dir, servers, a.indirect).await;
    if let Err(e) = result {
        let _ = eim.shutdown().await;
        let _ = smdp.shutdown().await;
        return Err(e);
    }
    if !a.serve {
        eim.shutdown().await?;
        smdp.shutdown().await?;
        println!("Done in {} ms.", s.elapsed_ms());
        return Ok(());
    }
    serve(
        &dir,
        &pki_dir,
        &smdp_address,
        &smdp_admin,
        &eim_address,
        &token,
    )?;
    let (stop, stop_eim) = (smdp.stopper(), eim.stopper());
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        let _ = stop.send(true);
        let _ = stop_eim.send(true);
    });
    eim.wait().await?;
    smdp.wait().await
}

/// Steps 4 on.
async fn flow(
    s: &mut Steps,
    dir: &Path,
    pki_dir: &Path,
    (smdp_admin, smdp_address, eim_address, token): (&String, &str, &str, &String),
    indirect: bool,
) -> anyhow::Result<()> {
    let nist = pki_dir.join("nist");
    let ca = std::fs::read(nist.join("ci.pem")).context("reading the test CI")?;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .tls_certs_only([reqwest::Certificate::from_pem(&ca)?])
        .build()?;
    let rest = Rest {
        http: &http,
        base: format!("https://{eim_address}/eim/v1"),
        token,
    };

    s.step("Importing profiles and ordering one over ES2+ (mutual TLS)");
    import_stock(&http, smdp_admin).await?;
    let es2 = lab::es2_client(pki_dir, smdp_address, "rsp-quickstart")?;
    let ac = order(&es2, smdp_address).await?;
    println!("     Activation Code: {ac}");

    s.step("Creating an IoT virtual eUICC with the eIM added initially (ES10b.AddInitialEim)");
    let mut isdr = Isdr::new(
        Identity::from_pki_dir(pki_dir).context("eUICC identity")?,
        EuiccConfig::default(),
        new_state(&dir.join("euicc-state.json"), pki_dir)?,
    )?;
    IotArgs {
        iot: true,
        initial_eim_id: Some(EIM_ID.into()),
        initial_eim_cert: Some(nist.join("eim.pem")),
        initial_eim_fqdn: Some(eim_address.into()),
        initial_eim_token: false,
        initial_eim_indirect: indirect,
    }
    .apply(&mut isdr)?;
    let eid = isdr.identity().eid_text().to_owned();
    println!("     EID {eid}, eIM {EIM_ID} at {eim_address}");

    s.step("Registering the eUICC at the eIM (POST /eim/v1/euiccs)");
    let read_pem = |name: &str| -> anyhow::Result<String> {
        std::fs::read_to_string(nist.join(name)).with_context(|| format!("reading {name}"))
    };
    rest.call(
        reqwest::Method::POST,
        "/euiccs",
        Some(json!({
            "eid": eid, "eimId": EIM_ID, "counterValue": 0, "curve": "nist",
            "euiccCertificate": read_pem("euicc.pem")?, "eumCertificate": read_pem("eum.pem")?,
        })),
    )
    .await?;

    let channel = ApduChannel::open(Card::new(isdr))?;
    let esipa = EsipaClient::from_ca_files(eim_address, &[nist.join("ci.pem")])?;
    let es9 = Es9PlusClient::from_ca_files(&[nist.join("ci.pem")])?;
    let mut ipa = Ipa::new(channel, esipa, es9)?;

    s.step("Triggering the download from the eIM's REST API; the IPA polls and downloads");
    let op = rest
        .call(
            reqwest::Method::POST,
            &format!("/euiccs/{eid}/operations"),
            Some(json!({"type": "download", "activationCode": ac.trim_start_matches("LPA:")})),
        )
        .await?;
    let report = ipa.poll().await?;
    show(&report);
    let Some(iccid) = report.handled.iter().find_map(|h| match h {
        Handled::ProfileDownload(d) => d.iccid.clone(),
        _ => None,
    }) else {
        bail!("the IPA installed no profile: {report:?}");
    };
    wait_done(&rest, &op).await?;

    s.step("Enabling it with a PSMO signed by the eIM; the eUICC signs its result");
    let op = rest
        .call(
            reqwest::Method::POST,
            &format!("/euiccs/{eid}/operations"),
            Some(json!({"type": "psmo", "psmos": [
                {"op": "enable", "iccid": iccid, "rollback": false},
                {"op": "listProfileInfo"}
            ]})),
        )
        .await?;
    show(&ipa.poll().await?);
    let done = wait_done(&rest, &op).await?;
    println!("     result at the eIM: {}", done["result"]);

    s.step("The eIM's view of the eUICC, and the SM-DP+'s view of the profile");
    let view = rest
        .call(reqwest::Method::GET, &format!("/euiccs/{eid}"), None)
        .await?;
    println!("     eIM: {}", view["state"]);
    if view["state"]["enabledIccid"] != json!(iccid) {
        bail!("the eIM does not show {iccid} enabled: {view}");
    }
    let state = wait_installed(&http, smdp_admin, &iccid).await?;
    println!("     SM-DP+: profile {iccid} is {state}");
    drop(ipa.into_channel().close()?);
    Ok(())
}

/// The eIM's REST API for the quickstart tenant.
struct Rest<'a> {
    http: &'a reqwest::Client,
    base: String,
    token: &'a str,
}

impl Rest<'_> {
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await?;
        let status = response.status();
        let value: Value = response.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            bail!("eIM {path}: HTTP {status}: {value}");
        }
        Ok(value)
    }
}

/// Waits (10 s at most) until the eIM has the operation's result.
async fn wait_done(rest: &Rest<'_>, op: &Value) -> anyhow::Result<Value> {
    let id = op["id"]
        .as_i64()
        .context("the eIM answered no operation id")?;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let now = rest
            .call(reqwest::Method::GET, &format!("/operations/{id}"), None)
            .await?;
        match now["status"].as_str() {
            Some("done") => return Ok(now),
            Some("pending" | "delivered") if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            _ => bail!("operation {id} did not complete: {now}"),
        }
    }
}

/// The SM-DP+ learns of the installation from the notification the eIM forwards (its
/// outbox): waits for Installed, 15 s at most.
async fn wait_installed(
    http: &reqwest::Client,
    smdp_admin: &str,
    iccid: &str,
) -> anyhow::Result<String> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let view: Value = http
            .get(format!("{smdp_admin}/admin/v1/profiles/{iccid}"))
            .send()
            .await?
            .json()
            .await?;
        let state = view["state"].as_str().unwrap_or_default().to_owned();
        if state == "Installed" || Instant::now() > deadline {
            return Ok(state);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn show(report: &PollReport) {
    for h in &report.handled {
        match h {
            Handled::EuiccPackage(p) => {
                println!("     eUICC package, signed result {:?}:", p.seq_number);
                for r in &p.results {
                    println!("       {r}");
                }
            }
            Handled::IpaEuiccData => println!("     eUICC data sent"),
            Handled::ProfileDownload(d) => match (&d.iccid, &d.error) {
                (Some(iccid), _) => println!(
                    "     downloaded and installed ICCID {iccid} ({})",
                    if d.indirect {
                        "indirect: the eIM relayed ES9+"
                    } else {
                        "direct from the SM-DP+"
                    }
                ),
                (_, e) => println!("     download failed: {e:?}"),
            },
        }
    }
    for n in &report.notifications {
        println!(
            "     notification {} to the eIM: {}",
            n.seq_number,
            if n.delivered {
                "delivered"
            } else {
                "not delivered"
            }
        );
    }
}

/// `quickstart.json` for `--serve`.
fn serve(
    dir: &Path,
    pki_dir: &Path,
    smdp_address: &str,
    smdp_admin: &str,
    eim_address: &str,
    token: &str,
) -> anyhow::Result<()> {
    let info = json!({
        "smdp_address": smdp_address,
        "smdp_admin_url": smdp_admin,
        "eim_address": eim_address,
        "eim_esipa_url": format!("https://{eim_address}/gsma/rsp2/asn1"),
        "eim_api_url": format!("https://{eim_address}/eim/v1"),
        "eim_tenant": TENANT,
        "eim_token": token,
        "euicc_state": dir.join("euicc-state.json"),
        "pki_dir": pki_dir,
        "tls_ca": pki_dir.join("nist/ci.pem"),
        "profile_type": PROFILE_TYPE,
    });
    std::fs::write(
        "quickstart.json",
        serde_json::to_string_pretty(&info)? + "\n",
    )
    .context("writing quickstart.json")?;
    println!("Wrote quickstart.json. The SM-DP+ and the eIM keep running; Ctrl-C stops them.");
    println!(
        "Try: rsp ipa --state {} --tls-ca {} poll",
        dir.join("euicc-state.json").display(),
        pki_dir.join("nist/ci.pem").display()
    );
    Ok(())
}

fn random16() -> anyhow::Result<[u8; 16]> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|e| anyhow::anyhow!("random token: {e}"))?;
    Ok(b)
}
