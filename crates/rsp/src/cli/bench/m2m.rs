//! `rsp bench m2m` measures M2M Profile downloads (SGP.02) through the real servers: the
//! Operator's ES2 DownloadProfile (with enable) at `rsp serve smdp`, which carries each
//! order out over ES3 at `rsp serve smsr` (GetEIS, CreateISDP, the ES8 key establishment
//! and the SCP03t download as SendData, UpdateConnectivityParameters, EnableProfile), which
//! reaches each virtual M2M eUICC over ES5: SCP80 secured SMS through the lab SMSC (`rsp
//! m2m smsc`), or with `--transport https` SCP81 admin sessions opened by a push SMS. It
//! reports downloads per second (wall clock), the latency of each download from the ES2
//! request to its DownloadProfileResponse (p50/p99), and the CPU time per download of each
//! process: the SM-DP, the SM-SR, the SMSC, and the virtual eUICCs behind their modem
//! simulators (this process, which also runs the Operator's side), with the ES8 ECC floor
//! from `openssl speed`.
//!
//! Everything is set up here, none of it timed: a test PKI, the three servers as child
//! processes (SQLite) on free loopback ports, N eUICCs (each with its EID, ECASD certificate
//! issued under the test EUM, keys and MSISDN) registered at the SM-SR through its admin API
//! as an EUM would over ES1, and N Profiles imported into the SM-DP.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use rsp_m2m_euicc::M2mEuicc;
use rsp_m2m_euicc::modem::{Modem, ModemConfig, ModemError};
use serde_json::Value;

use super::BenchCurve;
use super::common::{
    CpuTicks, ServerChild, Stats, WorkDir, clock_ticks, cpu_ticks, free_port, lock, progress,
    random_hex, sorted, spawn_role, spawn_rsp, wait_healthy,
};
use super::m2m_lab::{Euicc, Fleet, Operator, SMDP_ID, SMSR_ID, SMSR_MSISDN, admin_post};
use super::m2m_report::{Report, Roles};
use crate::cli::lab;

/// ES5 transport of the SM-SR's operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum M2mTransport {
    /// SCP80 secured SMS through the SMSC (SGP.02 §2.4.3).
    Sms,
    /// SCP81: HTTPS admin sessions over TLS-PSK opened by a push SMS (SGP.02 §2.4.4).
    Https,
}

/// Options of `rsp bench m2m`.
#[derive(Debug, Args)]
pub struct M2mBenchArgs {
    /// Profile downloads (one virtual M2M eUICC and one Profile each).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    downloads: u64,
    /// ES2 DownloadProfile orders outstanding at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=1024))]
    concurrency: u64,
    /// ES5 transport of the SM-SR's operations (https: see docs/benchmarks.md for what
    /// the SM-SR supports over SCP81).
    #[arg(long, value_enum, default_value = "sms")]
    transport: M2mTransport,
    /// eUICC (ECASD) and CERT.DP.ECDSA curve [default: NIST P-256].
    #[arg(long, value_enum)]
    curve: Option<BenchCurve>,
    /// The SM-SR's `--send-interval`: seconds between its ES5 sender steps (the poll of
    /// its operation queue). Each ES5 operation waits up to this long before it is sent.
    #[arg(long, default_value_t = 0.02, value_name = "SECONDS")]
    send_interval: f64,
    /// One more argument of `rsp serve smdp` (repeatable), e.g.
    /// `--smdp-arg=--order-lease=900`.
    #[arg(long, value_name = "ARG", allow_hyphen_values = true)]
    smdp_arg: Vec<String>,
    /// One more argument of `rsp serve smsr` (repeatable).
    #[arg(long, value_name = "ARG", allow_hyphen_values = true)]
    smsr_arg: Vec<String>,
    /// Working directory (PKI, databases, server logs), kept afterwards [default: a
    /// temporary directory, removed afterwards].
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    json: bool,
}

/// The child processes.
struct Servers {
    smsc: ServerChild,
    smsr: ServerChild,
    smdp: ServerChild,
    smsc_addr: String,
    device_password: String,
    scp81_addr: String,
    smsr_admin: String,
    smdp_admin: String,
}

impl Servers {
    async fn stop(&mut self) -> anyhow::Result<()> {
        self.smdp.stop().await?;
        self.smsr.stop().await?;
        self.smsc.stop().await
    }
}

/// Waits until `port` on 127.0.0.1 accepts connections (30 s at most).
async fn wait_listening(port: u16, server: &mut ServerChild) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        server.check_running()?;
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!(
                "nothing listens on port {port} after 30 s\n{}",
                server.log_tail()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Starts the SMSC, the SM-SR (ES5 to the SMSC, its web services with the test PKI's
/// localhost certificate, the Operator's notices to `notice_url`) and the SM-DP (ES3 to
/// the SM-SR, CERT.DP.ECDSA issued at start by the test CI of `curve_dir`).
async fn start_servers(
    a: &M2mBenchArgs,
    dir: &Path,
    pki_dir: &Path,
    curve_dir: &Path,
    notice_url: &str,
) -> anyhow::Result<(Servers, u16)> {
    let nist = pki_dir.join("nist");
    // SMPP passwords: 8 characters at most (SMPP 3.4 §5.2.6).
    let smsr_password = random_hex(4)?;
    let device_password = random_hex(4)?;
    std::fs::write(dir.join("smpp.pw"), format!("{smsr_password}\n"))?;
    let smsc_port = free_port()?;
    let mut smsc = spawn_rsp(dir, "smsc", "RSP_SMSC_", |cmd| {
        cmd.args(["m2m", "smsc", "--listen"])
            .arg(format!("127.0.0.1:{smsc_port}"))
            .arg("--account")
            .arg(format!("smsr:{smsr_password}"))
            .arg("--account")
            .arg(format!("device:{device_password}"));
    })?;
    wait_listening(smsc_port, &mut smsc).await?;
    let scp81_port = free_port()?;
    let tls = |cmd: &mut std::process::Command| {
        cmd.arg("--tls-cert")
            .arg(nist.join("dp-tls.pem"))
            .arg("--tls-key")
            .arg(nist.join("dp-tls.key.pem"))
            .arg("--client-ca")
            .arg(nist.join("ci.pem"));
    };
    let (ws_port, smsr_admin, smsr) = spawn_role(dir, "smsr", "RSP_SMSR_", |cmd, _| {
        tls(cmd);
        cmd.arg("--scp81-listen")
            .arg(format!("127.0.0.1:{scp81_port}"))
            .arg("--database")
            .arg(format!("sqlite://{}", dir.join("smsr.db").display()))
            .arg("--data-key-file")
            .arg(dir.join("smsr-data.key"))
            .arg("--smsc")
            .arg(format!("127.0.0.1:{smsc_port}"))
            .args(["--smpp-system-id", "smsr", "--msisdn", SMSR_MSISDN])
            .arg("--smpp-password-file")
            .arg(dir.join("smpp.pw"))
            .arg("--send-interval")
            .arg(a.send_interval.to_string())
            .arg("--operator")
            .arg(format!("{}={notice_url}", lab::OPERATOR))
            .args(&a.smsr_arg);
    })?;
    let (es2_port, smdp_admin, smdp) = spawn_role(dir, "smdp", "RSP_SMDP_", |cmd, _| {
        tls(cmd);
        cmd.arg("--database")
            .arg(format!("sqlite://{}", dir.join("smdp.db").display()))
            .arg("--data-key-file")
            .arg(dir.join("smdp-data.key"))
            .args(["--smdp-id", SMDP_ID, "--host-id", "SMDP-BENCH"])
            .arg("--dp-cert")
            .arg(curve_dir.join("dp-auth.pem"))
            .arg("--dp-key")
            .arg(curve_dir.join("dp-auth.key.pem"))
            .arg("--ci-key")
            .arg(curve_dir.join("ci.key.pem"))
            .arg("--smsr")
            .arg(format!(
                "{SMSR_ID}=https://localhost:{ws_port}/gsma/sgp02/es3"
            ))
            .arg("--es3-client-cert")
            .arg(nist.join("dp-tls.pem"))
            .arg("--es3-client-key")
            .arg(nist.join("dp-tls.key.pem"))
            .arg("--es3-ca")
            .arg(nist.join("ci.pem"))
            .args(&a.smdp_arg);
    })?;
    let mut servers = Servers {
        smsc,
        smsr,
        smdp,
        smsc_addr: format!("127.0.0.1:{smsc_port}"),
        device_password,
        scp81_addr: format!("127.0.0.1:{scp81_port}"),
        smsr_admin: format!("http://127.0.0.1:{smsr_admin}"),
        smdp_admin: format!("http://127.0.0.1:{smdp_admin}"),
    };
    let http = reqwest::Client::new();
    wait_healthy(&http, &servers.smsr_admin, Some(&mut servers.smsr)).await?;
    wait_healthy(&http, &servers.smdp_admin, Some(&mut servers.smdp)).await?;
    Ok((servers, es2_port))
}

pub(super) async fn bench_m2m(a: M2mBenchArgs) -> anyhow::Result<()> {
    if !(a.send_interval.is_finite() && a.send_interval >= 0.01) {
        bail!("--send-interval: at least 0.01 s");
    }
    let work = WorkDir::new(a.dir.as_deref())?;
    let pki_dir = work.path.join("pki");
    progress(&format!("setup: test PKI in {}", pki_dir.display()));
    lab::write_test_pki(&pki_dir)?;
    let curve = a.curve.unwrap_or(BenchCurve::Nist);
    let curve_dir = pki_dir.join(curve.dir_name());
    let connections = usize::try_from(a.concurrency).unwrap_or(4);
    let mut operator = Operator::start(&pki_dir, connections).await?;
    let (mut servers, es2_port) =
        start_servers(&a, &work.path, &pki_dir, &curve_dir, &operator.notice_url()).await?;
    operator.set_smdp(es2_port);
    let operator = Arc::new(operator);
    progress(&format!(
        "setup: SMSC {} at {}, SM-SR {} (admin {}), SM-DP {} (admin {}, ES2 on port {es2_port})",
        servers.smsc.pid().unwrap_or(0),
        servers.smsc_addr,
        servers.smsr.pid().unwrap_or(0),
        servers.smsr_admin,
        servers.smdp.pid().unwrap_or(0),
        servers.smdp_admin,
    ));
    let result = run(&a, curve, &curve_dir, &mut servers, &operator).await;
    progress("stopping the SM-DP, the SM-SR and the SMSC");
    servers.stop().await?;
    drop(operator);
    drop(work);
    result
}

/// The operation log of `eid` at the SM-SR, newest first.
async fn operations(http: &reqwest::Client, smsr_admin: &str, eid: &str) -> Vec<Value> {
    let url = format!("{smsr_admin}/smsr/v1/euiccs/{eid}/operations?limit=1000");
    match http.get(&url).send().await {
        Ok(r) => r
            .json::<Value>()
            .await
            .ok()
            .and_then(|v| v.as_array().cloned())
            .unwrap_or_default(),
        Err(_) => Vec::new(),
    }
}

fn is_final(op: &Value) -> bool {
    matches!(op["status"].as_str(), Some("done" | "failed"))
}

/// Waits (up to `limit`) until every eUICC's operations are final and, for those marked
/// in `notified`, more than `baseline` of them with a ConfirmNotification the newest (the
/// SM-SR's answer to the eUICC's notification, its last step after a power-on or a
/// Profile change); the logs, and whether they settled.
async fn settle(
    http: &reqwest::Client,
    smsr_admin: &str,
    eids: &[String],
    baseline: &[usize],
    notified: &[bool],
    limit: Duration,
) -> (Vec<Vec<Value>>, bool) {
    let deadline = Instant::now() + limit;
    loop {
        let mut logs = Vec::with_capacity(eids.len());
        for eid in eids {
            logs.push(operations(http, smsr_admin, eid).await);
        }
        let settled =
            logs.iter()
                .zip(baseline.iter().zip(notified))
                .all(|(log, (&before, &notified))| {
                    log.iter().all(is_final)
                        && (!notified
                            || log.len() > before
                                && log.first().is_some_and(|op| {
                                    op["function"]["function"].as_str()
                                        == Some("confirmNotification")
                                }))
                });
        if settled || Instant::now() > deadline {
            return (logs, settled);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// How long the idle processes are measured before the timed phase.
const IDLE_WINDOW: Duration = Duration::from_secs(3);

type ModemTask = tokio::task::JoinHandle<Result<M2mEuicc, ModemError>>;

/// Registers the eUICCs at the SM-SR, imports their Profiles into the SM-DP and powers
/// them on behind their modems.
async fn set_up(
    servers: &Servers,
    fleet: Vec<Euicc>,
    https: bool,
    stop: &tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<Vec<ModemTask>> {
    let http = reqwest::Client::new();
    let mut modems = Vec::with_capacity(fleet.len());
    for e in fleet {
        admin_post(
            &http,
            &format!("{}/smsr/v1/euiccs", servers.smsr_admin),
            &e.registration,
        )
        .await
        .with_context(|| format!("registering {}", e.eid))?;
        admin_post(
            &http,
            &format!("{}/smdp/v1/profiles", servers.smdp_admin),
            &e.import,
        )
        .await
        .with_context(|| format!("importing {}", e.iccid))?;
        let mut config = ModemConfig::new(
            &servers.smsc_addr,
            "device",
            &servers.device_password,
            SMSR_MSISDN,
        );
        if https {
            config.smsr_admin = Some(servers.scp81_addr.clone());
        }
        let mut stop = stop.clone();
        modems.push(tokio::spawn(Modem::run(e.card, config, async move {
            let _ = stop.wait_for(|s| *s).await;
        })));
    }
    Ok(modems)
}

/// CPU ticks of the SM-DP, the SM-SR, the SMSC and this process.
fn role_ticks(pids: [u32; 4]) -> anyhow::Result<[CpuTicks; 4]> {
    Ok([
        cpu_ticks(pids[0])?,
        cpu_ticks(pids[1])?,
        cpu_ticks(pids[2])?,
        cpu_ticks(pids[3])?,
    ])
}

fn roles_ms(after: [CpuTicks; 4], before: [CpuTicks; 4], ticks: u64) -> Roles {
    let ms = |i: usize| {
        let (user, system) = after[i].ms_since(before[i], ticks);
        user + system
    };
    Roles {
        smdp: ms(0),
        smsr: ms(1),
        smsc: ms(2),
        cards: ms(3),
    }
}

async fn run(
    a: &M2mBenchArgs,
    curve: BenchCurve,
    curve_dir: &Path,
    servers: &mut Servers,
    operator: &Arc<Operator>,
) -> anyhow::Result<()> {
    let https = a.transport == M2mTransport::Https;
    let n = a.downloads;
    progress(&format!(
        "setup: {n} virtual M2M eUICCs ({} ECASD), registered at the SM-SR; {n} Profiles imported",
        curve.dir_name()
    ));
    let issuer = Fleet::new(curve_dir, https)?;
    let fleet = (0..n)
        .map(|i| issuer.euicc(i))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let eids: Vec<String> = fleet.iter().map(|e| e.eid.clone()).collect();
    let iccids: Vec<String> = fleet.iter().map(|e| e.iccid.clone()).collect();
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let modems = set_up(servers, fleet, https, &stop_rx).await?;
    // Each card's first power-on declares it to the SM-SR, which confirms: wait for that.
    let http = reqwest::Client::new();
    let none = vec![0; eids.len()];
    let (logs, settled) = settle(
        &http,
        &servers.smsr_admin,
        &eids,
        &none,
        &vec![true; eids.len()],
        Duration::from_secs(120),
    )
    .await;
    if !settled {
        progress("setup: not every eUICC's power-on notification was confirmed in 120 s");
    }
    let baseline: Vec<usize> = logs.iter().map(Vec::len).collect();

    progress(&format!(
        "ES2: {n} DownloadProfile orders (enable), concurrency {}, ES5 over {}…",
        a.concurrency,
        if https {
            "HTTPS (SCP81)"
        } else {
            "SMS (SCP80)"
        }
    ));
    let pids = [
        servers.smdp.pid().context("SM-DP process id")?,
        servers.smsr.pid().context("SM-SR process id")?,
        servers.smsc.pid().context("SMSC process id")?,
        std::process::id(),
    ];
    let ticks = clock_ticks();
    // What the processes spend doing nothing (the SM-SR's sender polls its queue every
    // --send-interval, the SM-DP's workers every second), to tell it apart.
    let idle_start = role_ticks(pids)?;
    tokio::time::sleep(IDLE_WINDOW).await;
    let idle = roles_ms(role_ticks(pids)?, idle_start, ticks).per(IDLE_WINDOW.as_secs_f64());
    let stats = Arc::new(Stats::default());
    let next = Arc::new(AtomicUsize::new(0));
    let targets = Arc::new(eids.iter().cloned().zip(iccids.clone()).collect::<Vec<_>>());
    let succeeded = Arc::new(std::sync::Mutex::new(Vec::new()));
    let before = role_ticks(pids)?;
    let start = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..a.concurrency {
        let (stats, next, targets) = (stats.clone(), next.clone(), targets.clone());
        let succeeded = succeeded.clone();
        let operator = operator.clone();
        workers.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((eid, iccid)) = targets.get(i) else {
                    return;
                };
                let t = Instant::now();
                match operator.download(eid, iccid).await {
                    Ok(got) if got == *iccid => {
                        stats.success(t.elapsed());
                        lock(&succeeded).push(i);
                    }
                    Ok(got) => stats.failure(&anyhow::anyhow!(
                        "{eid}: the response names ICCID {got}, not {iccid}"
                    )),
                    Err(e) => stats.failure(&e.context(eid.clone())),
                }
            }
        }));
    }
    for w in workers {
        w.await.context("ES2 worker")?;
    }
    let seconds = start.elapsed().as_secs_f64();
    let at_last_response = role_ticks(pids)?;
    let mut notified = vec![false; eids.len()];
    for &i in lock(&succeeded).iter() {
        if let Some(n) = notified.get_mut(i) {
            *n = true;
        }
    }
    let (logs, settled) = settle(
        &http,
        &servers.smsr_admin,
        &eids,
        &baseline,
        &notified,
        Duration::from_secs(60),
    )
    .await;
    let settle_seconds = start.elapsed().as_secs_f64() - seconds;
    let after = role_ticks(pids)?;
    if !settled {
        progress("the SM-SR's operations did not settle within 60 s of the last response");
    }
    let memory = [
        super::common::memory_mib(pids[0]).1,
        super::common::memory_mib(pids[1]).1,
    ];

    // The cards: stop their modems and check each holds its Profile, enabled.
    let _ = stop_tx.send(true);
    let mut wrong = Vec::new();
    for (task, (eid, iccid)) in modems.into_iter().zip(targets.iter()) {
        let card = task.await.context("modem task")?;
        let enabled = card
            .as_ref()
            .ok()
            .and_then(|c| c.state().enabled())
            .and_then(|p| p.iccid.clone());
        if enabled.as_deref() != Some(iccid.as_str()) {
            wrong.push(format!("{eid}: enabled {enabled:?}, expected {iccid}"));
        }
    }

    let mut functions = std::collections::BTreeMap::<String, u64>::new();
    let (mut es5_ops, mut attempts) = (0u64, 0u64);
    for (log, &before) in logs.iter().zip(&baseline) {
        // Newest first: the operations of the timed phase are the first len - before.
        for op in log.iter().take(log.len().saturating_sub(before)) {
            es5_ops += 1;
            attempts += op["attempts"].as_u64().unwrap_or(0);
            let f = op["function"]["function"]
                .as_str()
                .unwrap_or("?")
                .to_owned();
            *functions.entry(f).or_default() += 1;
        }
    }
    let report = Report {
        transport: if https { "https" } else { "sms" },
        curve,
        downloads: n,
        done: stats.done.load(Ordering::Relaxed),
        failed: stats.failed.load(Ordering::Relaxed),
        concurrency: a.concurrency,
        send_interval: a.send_interval,
        seconds,
        settle_seconds,
        download_ms: sorted(lock(&stats.downloads_ms).clone()),
        cpu_at_last_response: roles_ms(at_last_response, before, ticks),
        cpu: roles_ms(after, before, ticks),
        idle_per_second: idle,
        es5_ops,
        es5_attempts: attempts,
        functions,
        notices: operator.notices.load(Ordering::Relaxed),
        memory_hwm_mib: memory,
        cards_wrong: wrong.len(),
        floor: super::m2m_report::Floor::measure(curve),
        clock_ticks: ticks,
    };
    if a.json {
        println!("{}", report.json());
    } else {
        report.print();
    }
    if let Some(e) = lock(&stats.first_error).clone() {
        bail!(
            "{} downloads failed; first: {e}",
            stats.failed.load(Ordering::Relaxed)
        );
    }
    if let Some(w) = wrong.first() {
        bail!(
            "{} eUICCs do not hold their Profile enabled; first: {w}",
            wrong.len()
        );
    }
    Ok(())
}
