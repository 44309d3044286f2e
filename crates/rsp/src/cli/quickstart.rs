//! `rsp quickstart`: the whole consumer RSP flow on one machine, with nothing but the build.
//!
//! Test PKI (both curves) → SM-DP+ on localhost HTTPS with SQLite → inventory from the
//! project's own template → ES2+ DownloadOrder + ConfirmOrder over mutual TLS → Activation
//! Code and QR → LPA download into a virtual eUICC (SGP.22 §3.1.3) → enable → notifications
//! → the SM-DP+'s view of the profile → an SM-DS; a second order for the eUICC's EID with
//! the SM-DS address and no Activation Code, registered by the SM-DP+ (ES12), discovered by
//! the LPA (ES11) and downloaded, its event deleted afterwards. With `--serve`, the SM-DP+
//! and the SM-DS keep running with two more orders ready and `quickstart.json` describes how
//! to reach them.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;
use rsp_euicc::{Card, EuiccConfig, EuiccState, Identity, Isdr, StateStore};
use rsp_http::es2plus_operator::Es2PlusOperatorClient;
use rsp_lpa::{ApduChannel, Es9PlusClient, Lpa};

use crate::cli::lab::{self, OPERATOR};
use crate::cli::serve::{RunningServer, RunningSmdpp, start_smdpp, start_smds};
use crate::config::smdpp::{LogFormat, SmdppFile, SmdppSettings};
use crate::config::smds::{SmdsFile, SmdsSettings};

/// Marker file: a directory holding it was made by `rsp quickstart` and may be wiped.
const MARKER: &str = ".rsp-quickstart";
/// Profile Type of the quickstart inventory.
pub(super) const PROFILE_TYPE: &str = "quickstart-usim-isim";
/// Profiles imported: one downloaded now, two ordered for `--serve`, the rest in stock.
const STOCK: u64 = 6;

/// Options of `rsp quickstart`.
#[derive(Debug, Args)]
pub struct QuickstartArgs {
    /// Working directory (PKI, database, eUICC state); recreated on each run.
    #[arg(long, value_name = "DIR", default_value = "rsp-quickstart")]
    pub(super) dir: PathBuf,
    /// Keep the SM-DP+ running afterwards, with two more orders ready, until Ctrl-C;
    /// writes quickstart.json in the current directory.
    #[arg(long)]
    pub(super) serve: bool,
    /// HTTPS port of the SM-DP+ (ES2+ and ES9+) [default: 8443 with --serve if free,
    /// otherwise any free port].
    #[arg(long)]
    pub(super) port: Option<u16>,
    /// Port of the admin API on 127.0.0.1 [default: 8081 with --serve if free, otherwise
    /// any free port].
    #[arg(long)]
    pub(super) admin_port: Option<u16>,
    /// HTTPS port of the SM-DS (ES11, ES12) [default: 8444 with --serve if free, otherwise
    /// any free port].
    #[arg(long)]
    pub(super) smds_port: Option<u16>,
    /// The IoT flow instead (SGP.32): an eIM beside the SM-DP+, an IoT virtual eUICC with
    /// the eIM added initially, a download triggered from the eIM's REST API and run by the
    /// IPA, the profile enabled by a PSMO, the results shown.
    #[arg(long)]
    pub(super) iot: bool,
    /// HTTPS port of the eIM (ESipa and its REST API) with --iot [default: 8445 with
    /// --serve if free, otherwise any free port].
    #[arg(long, requires = "iot")]
    pub(super) eim_port: Option<u16>,
    /// With --iot: indirect Profile download, the eIM relaying ES9+ for the IPA (the eIM
    /// association announces indirectProfileDownload, SGP.32 §3.2).
    #[arg(long, requires = "iot")]
    pub(super) indirect: bool,
    /// The M2M flow instead (SGP.02): the lab SMSC, the SM-SR, a virtual M2M eUICC behind
    /// the modem simulator; a Profile enabled and disabled over SMS (SCP80) and over HTTPS
    /// (push SMS, SCP81), the SM-SR's EIS and operation log shown.
    #[arg(long, conflicts_with_all = ["iot", "serve"])]
    pub(super) m2m: bool,
}

pub fn run(args: QuickstartArgs) -> anyhow::Result<()> {
    init_logging();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    if args.iot {
        return runtime.block_on(super::quickstart_iot::quickstart_iot(args));
    }
    if args.m2m {
        return runtime.block_on(super::quickstart_m2m::quickstart_m2m(args));
    }
    runtime.block_on(quickstart(args))
}

/// Server logs go to stderr at warning level, so the steps stay readable.
pub(super) fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Prints one numbered step.
pub(super) struct Steps {
    n: u32,
    start: Instant,
}

impl Steps {
    pub(super) fn new() -> Self {
        Self {
            n: 0,
            start: Instant::now(),
        }
    }

    pub(super) fn elapsed_ms(&self) -> u128 {
        self.start.elapsed().as_millis()
    }

    pub(super) fn step(&mut self, what: &str) {
        self.n += 1;
        let ms = self.start.elapsed().as_millis();
        println!("[{:>2}] {what} (+{ms} ms)", self.n);
        let _ = std::io::stdout().flush();
    }
}

/// Creates `dir`, wiping an earlier quickstart's directory; refuses any other
/// non-empty directory.
pub(super) fn fresh_dir(dir: &Path) -> anyhow::Result<PathBuf> {
    if dir.exists() {
        let empty = std::fs::read_dir(dir)
            .with_context(|| dir.display().to_string())?
            .next()
            .is_none();
        if !empty && !dir.join(MARKER).exists() {
            bail!(
                "{} exists and was not made by rsp quickstart: choose another --dir",
                dir.display()
            );
        }
        std::fs::remove_dir_all(dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    std::fs::write(dir.join(MARKER), b"made by rsp quickstart\n")?;
    dir.canonicalize().context("working directory")
}

/// Binds 127.0.0.1:`preferred` when given or free, else an ephemeral port.
pub(super) async fn bind(
    preferred: Option<u16>,
    fallback: u16,
) -> anyhow::Result<tokio::net::TcpListener> {
    match preferred {
        Some(p) => tokio::net::TcpListener::bind(("127.0.0.1", p))
            .await
            .with_context(|| format!("binding 127.0.0.1:{p}")),
        None => match tokio::net::TcpListener::bind(("127.0.0.1", fallback)).await {
            Ok(l) => Ok(l),
            Err(_) => Ok(tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?),
        },
    }
}

/// ICCID `89 001 …` (test issuer) number `n` with its Luhn check digit.
fn test_iccid(n: u64) -> String {
    lab::iccid_with_check(&format!("8900100000000001{n:02}"))
}

async fn quickstart(a: QuickstartArgs) -> anyhow::Result<()> {
    let mut s = Steps {
        n: 0,
        start: Instant::now(),
    };
    let dir = fresh_dir(&a.dir)?;
    let pki_dir = dir.join("pki");

    s.step("Writing a test PKI for NIST P-256 and brainpoolP256r1");
    lab::write_test_pki(&pki_dir)?;

    s.step("Starting the SM-DP+ (HTTPS, SQLite)");
    let (smdp, smdp_address) = start_local_smdpp(&a, &dir, &pki_dir).await?;
    let admin_url = format!("http://{}", smdp.admin);
    let es2plus_url = format!("https://{smdp_address}");
    println!(
        "     ES9+ and ES2+ at {es2plus_url} (listening on {}), admin API at {admin_url}",
        smdp.https
    );

    s.step("Starting the SM-DS (root; ES11 for LPAs, ES12 for the SM-DP+; HTTPS, SQLite)");
    let smds_listener = bind(a.smds_port, if a.serve { 8444 } else { 0 }).await?;
    let smds_admin_listener = bind(None, 0).await?;
    let smds_address = format!("localhost:{}", smds_listener.local_addr()?.port());
    let smds_settings = SmdsSettings::resolve(SmdsFile {
        listen: Some(smds_listener.local_addr()?),
        admin_listen: Some(smds_admin_listener.local_addr()?),
        address: Some(smds_address.clone()),
        database: Some(format!("sqlite://{}", dir.join("smds.db").display())),
        pki: Some(pki_dir.clone()),
        log_format: Some(LogFormat::Text),
        ..SmdsFile::default()
    })?;
    let smds = match start_smds(smds_settings, smds_listener, smds_admin_listener).await {
        Ok(smds) => smds,
        Err(e) => {
            let _ = smdp.shutdown().await;
            return Err(e);
        }
    };
    println!(
        "     ES11 and ES12 at https://{smds_address}, admin API at http://{}",
        smds.admin
    );

    let servers = Servers {
        smdp: &smdp,
        smdp_address: &smdp_address,
        smds: &smds,
        smds_address: &smds_address,
    };
    let result = flow(&mut s, &a, &dir, &pki_dir, servers).await;
    let unused = match result {
        Ok(unused) => unused,
        Err(e) => {
            let _ = smds.shutdown().await;
            let _ = smdp.shutdown().await;
            return Err(e);
        }
    };
    if !a.serve {
        smds.shutdown().await?;
        smdp.shutdown().await?;
        println!("Done in {} ms.", s.start.elapsed().as_millis());
        return Ok(());
    }
    let state = dir.join("euicc-fresh-state.json");
    new_state(&state, &pki_dir)?;
    let info = serde_json::json!({
        "smdp_address": smdp_address,
        "smds_address": smds_address,
        "smds_admin_url": format!("http://{}", smds.admin),
        "activation_codes": unused,
        "euicc_state": state,
        "euicc_state_used": dir.join("euicc-state.json"),
        "pki_dir": pki_dir,
        "admin_url": admin_url,
        "es2plus_url": es2plus_url,
        "es2plus_client_cert": pki_dir.join("nist/mno.pem"),
        "es2plus_client_key": pki_dir.join("nist/mno.key.pem"),
        "tls_ca": pki_dir.join("nist/ci.pem"),
        "operator": OPERATOR,
        "profile_type": PROFILE_TYPE,
    });
    std::fs::write(
        "quickstart.json",
        serde_json::to_string_pretty(&info)? + "\n",
    )
    .context("writing quickstart.json")?;
    println!("Wrote quickstart.json. The SM-DP+ and the SM-DS keep running; Ctrl-C stops them.");
    println!(
        "Try: rsp lpa --state {} download --tls-ca {} --activation-code '{}'",
        state.display(),
        pki_dir.join("nist/ci.pem").display(),
        unused.first().map(String::as_str).unwrap_or_default()
    );
    let (stop, stop_smds) = (smdp.stopper(), smds.stopper());
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        let _ = stop.send(true);
        let _ = stop_smds.send(true);
    });
    smds.wait().await?;
    smdp.wait().await
}

/// The quickstart's SM-DP+ on localhost (SQLite in `dir`, the test PKI of `pki_dir`, a
/// fresh data key); its address.
pub(super) async fn start_local_smdpp(
    a: &QuickstartArgs,
    dir: &Path,
    pki_dir: &Path,
) -> anyhow::Result<(RunningSmdpp, String)> {
    // The data key encrypting Profile Packages at rest (a fresh one per run).
    lab::write_data_key(&dir.join("smdpp.key"))?;
    let (https_default, admin_default) = if a.serve { (8443, 8081) } else { (0, 0) };
    let listener = bind(a.port, https_default).await?;
    let admin_listener = bind(a.admin_port, admin_default).await?;
    let port = listener.local_addr()?.port();
    let smdp_address = format!("localhost:{port}");
    let settings = SmdppSettings::resolve(SmdppFile {
        listen: Some(listener.local_addr()?),
        admin_listen: Some(admin_listener.local_addr()?),
        address: Some(smdp_address.clone()),
        database: Some(format!("sqlite://{}", dir.join("smdpp.db").display())),
        pki: Some(pki_dir.to_path_buf()),
        data_key_file: Some(dir.join("smdpp.key")),
        log_format: Some(LogFormat::Text),
        ..SmdppFile::default()
    });
    let smdp = start_smdpp(settings, listener, admin_listener).await?;
    Ok((smdp, smdp_address))
}

/// Imports the quickstart stock: [`STOCK`] profiles personalised from the template.
pub(super) async fn import_stock(http: &reqwest::Client, admin_url: &str) -> anyhow::Result<()> {
    let mut csv = String::from("iccid,imsi\n");
    for n in 1..=STOCK {
        csv.push_str(&format!("{},0010100000001{n:02}\n", test_iccid(n)));
    }
    lab::import_batch(
        http,
        admin_url,
        lab::Batch {
            profile_type: PROFILE_TYPE,
            service_provider_name: "RSP Quickstart",
            profile_name: "Quickstart test profile",
            csv,
            template: None,
        },
    )
    .await?;
    println!("     {STOCK} profiles of type {PROFILE_TYPE} in stock");
    Ok(())
}

/// The running servers and their addresses.
#[derive(Clone, Copy)]
struct Servers<'a> {
    smdp: &'a RunningSmdpp,
    smdp_address: &'a str,
    smds: &'a RunningServer,
    smds_address: &'a str,
}

/// Steps 4 on; returns the unused Activation Codes (`--serve`).
async fn flow(
    s: &mut Steps,
    a: &QuickstartArgs,
    dir: &Path,
    pki_dir: &Path,
    servers: Servers<'_>,
) -> anyhow::Result<Vec<String>> {
    let Servers {
        smdp,
        smdp_address,
        smds,
        smds_address,
    } = servers;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()?;
    let admin_url = format!("http://{}", smdp.admin);

    s.step("Importing profiles personalised from the project's USIM+ISIM template");
    import_stock(&http, &admin_url).await?;

    s.step("Ordering a profile over ES2+ (mutual TLS, Operator certificate mno.pem)");
    let nist = pki_dir.join("nist");
    let es2 = lab::es2_client(pki_dir, smdp_address, "rsp-quickstart")?;
    let ac = order(&es2, smdp_address).await?;
    println!("     Activation Code: {ac}");
    print_qr(&ac);

    s.step("Downloading it into a virtual eUICC through the LPA (ES9+ over HTTPS, ES10b)");
    // The virtual eUICC (identity for both curves from the test PKI; the SM-DP+ picks the
    // CI), driven at APDU level: logical channel, SELECT ISD-R, STORE DATA.
    let isdr = Isdr::new(
        Identity::from_pki_dir(pki_dir).context("eUICC identity")?,
        EuiccConfig::default(),
        new_state(&dir.join("euicc-state.json"), pki_dir)?,
    )?;
    let eid = rsp_codec::json::Eid::parse(isdr.identity().eid_text())
        .map_err(|e| anyhow::anyhow!("eUICC EID: {e:?}"))?;
    let channel = ApduChannel::open(Card::new(isdr))?;
    let es9 = Es9PlusClient::from_ca_files(&[nist.join("ci.pem")])?;
    let mut lpa = Lpa::new(channel, es9);
    let result = lpa.download(&ac, None, None).await?;
    if !result.is_success() {
        bail!("installation failed: {:?}", result.installation);
    }
    let iccid = result.iccid.clone();
    println!(
        "     installed ICCID {iccid} ({}, {}); {} notification(s) delivered",
        result.profile_name,
        result.service_provider_name,
        result.notifications.len()
    );

    s.step("Enabling it and sending the notifications to the SM-DP+");
    let sent = lpa.enable(&iccid).await?;
    println!("     enabled; {} notification(s) delivered", sent.len());

    s.step("The SM-DP+'s view of the profile");
    let view: serde_json::Value = http
        .get(format!("{admin_url}/admin/v1/profiles/{iccid}"))
        .send()
        .await?
        .json()
        .await?;
    println!("     {}", serde_json::to_string(&view)?);
    if view["state"] != "Installed" {
        bail!(
            "the SM-DP+ shows state {} instead of Installed",
            view["state"]
        );
    }

    s.step(
        "Ordering a second profile for this eUICC's EID with the SM-DS address, no Activation Code",
    );
    let second = es2
        .download_order(Some(eid.clone()), None, Some(PROFILE_TYPE.into()))
        .await?;
    let confirmed = es2
        .confirm_order_at_smds(second.clone(), eid.clone(), smds_address.to_owned())
        .await?;
    println!(
        "     ICCID {second}: the SM-DP+ registers event {} at {smds_address} (ES12)",
        confirmed.matching_id
    );
    let smds_admin = format!("http://{}", smds.admin);
    wait_for_events(&http, &smds_admin, |n| n >= 1).await?;

    s.step("Discovering it through the SM-DS (ES11) and downloading it");
    let events = lpa.discover(smds_address, None).await?;
    for e in &events {
        println!(
            "     event {} at {} -> SM-DP+ {}",
            e.event_id, e.smds_address, e.smdp_address
        );
    }
    let Some(event) = events.first() else {
        bail!("the SM-DS answered no event for EID {}", eid.as_str());
    };
    let result = lpa.download(&event.activation_code(), None, None).await?;
    if !result.is_success() {
        bail!("installation failed: {:?}", result.installation);
    }
    println!(
        "     installed ICCID {}; the SM-DP+ deletes its event (ES12)",
        result.iccid
    );
    wait_for_events(&http, &smds_admin, |n| n == 0).await?;
    let euicc = lpa.into_channel().close()?;
    drop(euicc);

    let mut unused = Vec::new();
    if a.serve {
        s.step("Ordering two more profiles for other LPAs");
        for _ in 0..2 {
            let ac = order(&es2, smdp_address).await?;
            println!("     {ac}");
            unused.push(ac);
        }
    }
    Ok(unused)
}

/// Polls the SM-DS's event count (admin API) until `done` holds, 15 s at most (the SM-DP+
/// sends its ES12 calls every 0.5 s).
async fn wait_for_events(
    http: &reqwest::Client,
    smds_admin: &str,
    done: impl Fn(u64) -> bool,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let counts: serde_json::Value = http
            .get(format!("{smds_admin}/admin/v1/events/counts"))
            .send()
            .await?
            .json()
            .await?;
        if counts["events"].as_u64().is_some_and(&done) {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("the SM-DS's events did not reach the expected count: {counts}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// An empty virtual eUICC state that remembers its identity directory (`rsp euicc` and
/// `rsp lpa` then need only `--state`).
pub(super) fn new_state(path: &Path, pki_dir: &Path) -> anyhow::Result<StateStore> {
    let store = StateStore::file(path);
    let state = EuiccState {
        identity_dir: Some(pki_dir.display().to_string()),
        ..EuiccState::default()
    };
    store
        .save(&state)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(store)
}

/// An order of the quickstart Profile Type; its Activation Code.
pub(super) async fn order(
    es2: &Es2PlusOperatorClient,
    smdp_address: &str,
) -> anyhow::Result<String> {
    lab::order(es2, smdp_address, PROFILE_TYPE).await
}

/// The QR code in the terminal (two rows per character).
fn print_qr(text: &str) {
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(code) => {
            let art = code
                .render::<qrcode::render::unicode::Dense1x2>()
                .dark_color(qrcode::render::unicode::Dense1x2::Light)
                .light_color(qrcode::render::unicode::Dense1x2::Dark)
                .build();
            println!("{art}");
        }
        Err(e) => println!("     (no QR code: {e})"),
    }
}
