//! `rsp bench smdpp` measures the SM-DP+ through its real HTTPS ES9+ interface: many
//! concurrent full downloads (SGP.22 §3.1.3: InitiateAuthentication, AuthenticateClient,
//! GetBoundProfilePackage, BPP loaded into a virtual eUICC, HandleNotification of the
//! installation result) over keep-alive connections, reporting downloads per second, the
//! server's CPU time per download and p50/p99 latency per ES9+ function.
//!
//! By default everything is set up here: test PKI, the SM-DP+ as a child process
//! (`rsp serve smdpp`, SQLite), inventory import (admin API) and orders (ES2+), none of it
//! timed. The eUICCs run in this process, so on one machine their crypto shares the CPUs
//! with the server.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;
use rsp_codec::json::Es9PlusFunction;
use rsp_euicc::Isdr;
use rsp_lpa::{Es9PlusClient, Lpa};

use super::BenchCurve;
use super::common::{
    IdentitySource, Pacer, ServerChild, Stats, WorkDir, clock_ticks, cpu_ticks, lock, percentile,
    progress, random_hex, sorted, spawn_role, wait_healthy,
};
use crate::cli::lab;

/// Options of `rsp bench smdpp`.
#[derive(Debug, Args)]
pub struct SmdppBenchArgs {
    /// Downloads to run (each one a fresh order).
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    downloads: u64,
    /// Concurrent downloads (one virtual eUICC each, one shared HTTPS client).
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u64).range(1..=1024))]
    concurrency: u64,
    /// Working directory (PKI, database, server log), kept afterwards [default: a
    /// temporary directory, removed afterwards].
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// Start at most this many downloads per second, evenly spaced (with enough
    /// --concurrency, a steady offered load: latency at a chosen fraction of the maximum
    /// throughput) [default: as fast as the workers go].
    #[arg(long, value_name = "PER_SECOND", value_parser = clap::value_parser!(u32).range(1..=100_000))]
    rate: Option<u32>,
    /// Database of the child SM-DP+ (`postgres://…` for an existing PostgreSQL database,
    /// which it migrates) [default: a SQLite file in the working directory].
    #[arg(long, value_name = "URL", conflicts_with = "url")]
    database: Option<String>,
    /// Profile template (DER ProfileElements, e.g. a TS.48 test profile) personalised
    /// into the benchmark's inventory [default: the generic USIM+ISIM template].
    #[arg(long, value_name = "FILE")]
    template: Option<PathBuf>,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    json: bool,
    /// eUICC certificates of this curve only (the SM-DP+ follows the eUICC's CI)
    /// [default: both, NIST P-256 preferred].
    #[arg(long, value_enum)]
    curve: Option<BenchCurve>,
    /// An SM-DP+ already running (https://host:port) instead of a child process; needs
    /// --admin-url and --pki (its test PKI: ES2+ client certificate, TLS root, eUICC).
    #[arg(long, value_name = "URL", requires_all = ["admin_url", "pki"])]
    url: Option<String>,
    /// Admin API of the --url SM-DP+ (RSP_SMDPP_ADMIN_TOKEN is sent as bearer token when
    /// set).
    #[arg(long, value_name = "URL", requires = "url")]
    admin_url: Option<String>,
    /// Test PKI directory of the --url SM-DP+ (`rsp pki init` output).
    #[arg(long, value_name = "DIR", requires = "url")]
    pki: Option<PathBuf>,
    /// Process id of the --url SM-DP+ on this machine, to measure its CPU time.
    #[arg(long, value_name = "PID", requires = "url")]
    server_pid: Option<u32>,
    /// Every long-term key of the child SM-DP+ (DPauth, DPpb, DPtls, the data key's
    /// wrapping key) in a SoftHSM2 token made in the working directory (docs/hsm.md), to
    /// compare the token's cost with software keys.
    #[arg(long, conflicts_with = "url")]
    pkcs11: bool,
}

/// Starts `rsp serve smdpp` on free loopback ports; its address, admin URL and process.
pub(super) fn spawn_server(
    dir: &Path,
    pki_dir: &Path,
    database: Option<&str>,
    softhsm_conf: Option<&Path>,
) -> anyhow::Result<(String, String, ServerChild)> {
    let (port, admin_port, child) = spawn_role(dir, "smdpp", "RSP_SMDPP_", |cmd, port| {
        if let Some(conf) = softhsm_conf {
            cmd.env("SOFTHSM2_CONF", conf);
        }
        cmd.arg("--address")
            .arg(format!("localhost:{port}"))
            .arg("--database")
            .arg(database.map_or_else(
                || format!("sqlite://{}", dir.join("bench.db").display()),
                str::to_owned,
            ))
            .arg("--pki")
            .arg(pki_dir)
            .arg("--data-key-file")
            .arg(dir.join("smdpp.key"));
    })?;
    Ok((
        format!("localhost:{port}"),
        format!("http://127.0.0.1:{admin_port}"),
        child,
    ))
}

/// One full download; the card is emptied afterwards (profile deleted, notifications
/// removed, not sent) so it never fills up.
async fn one_download(lpa: &mut Lpa<Isdr>, activation_code: &str) -> anyhow::Result<()> {
    let result = lpa.download(activation_code, None, None).await?;
    if !result.is_success() {
        bail!("installation failed: {:?}", result.installation);
    }
    if !result
        .notifications
        .iter()
        .any(|n| n.delivered && n.notification.operation == "install")
    {
        bail!(
            "the installation notification was not delivered: {:?}",
            result.notifications
        );
    }
    let iccid = rsp_lpa::profiles::iccid_from_text(&result.iccid)?;
    rsp_lpa::profiles::delete_profile(lpa.channel_mut(), &iccid)?;
    for n in lpa.list_notifications()? {
        lpa.remove_notification(n.seq_number)?;
    }
    Ok(())
}

/// Takes Activation Codes from `queue` until it is empty.
async fn worker(
    identity: IdentitySource,
    es9: Es9PlusClient,
    queue: Arc<Mutex<Vec<String>>>,
    stats: Arc<Stats>,
    pacer: Option<Arc<Pacer>>,
) -> anyhow::Result<()> {
    let new_lpa = || -> anyhow::Result<Lpa<Isdr>> {
        Ok(Lpa::new(identity.card()?, es9.clone()).with_progress(|_| {}))
    };
    let mut lpa = new_lpa()?;
    loop {
        if let Some(p) = &pacer {
            p.wait().await;
        }
        let Some(ac) = lock(&queue).pop() else {
            return Ok(());
        };
        let start = Instant::now();
        match one_download(&mut lpa, &ac).await {
            Ok(()) => stats.success(start.elapsed()),
            Err(e) => {
                stats.failure(&e);
                // Whatever the failure left on the card, start over with an empty one.
                lpa = new_lpa()?;
            }
        }
    }
}

/// The SM-DP+ under test.
struct Target {
    smdp_address: String,
    admin_url: String,
    pki_dir: PathBuf,
    server: Option<ServerChild>,
    pid: Option<u32>,
}

pub(super) async fn bench_smdpp(a: SmdppBenchArgs) -> anyhow::Result<()> {
    let work = WorkDir::new(a.dir.as_deref())?;
    let mut target = match &a.url {
        Some(url) => {
            let smdp_address = url
                .strip_prefix("https://")
                .with_context(|| format!("--url {url}: expected https://host:port"))?
                .trim_end_matches('/')
                .to_owned();
            Target {
                smdp_address,
                admin_url: a
                    .admin_url
                    .clone()
                    .context("--admin-url is required with --url")?
                    .trim_end_matches('/')
                    .to_owned(),
                pki_dir: a.pki.clone().context("--pki is required with --url")?,
                server: None,
                pid: a.server_pid,
            }
        }
        None => {
            let pki_dir = work.path.join("pki");
            progress(&format!(
                "setup: test PKI (NIST P-256, brainpoolP256r1) in {}",
                pki_dir.display()
            ));
            lab::write_test_pki(&pki_dir)?;
            lab::write_data_key(&work.path.join("smdpp.key"))?;
            let softhsm = if a.pkcs11 {
                progress("setup: DPauth, DPpb, DPtls and the data key moved into SoftHSM2");
                Some(super::hsm::move_keys_to_softhsm(
                    &work.path,
                    &pki_dir,
                    &work.path.join("smdpp.key"),
                )?)
            } else {
                None
            };
            let (smdp_address, admin_url, server) = spawn_server(
                &work.path,
                &pki_dir,
                a.database.as_deref(),
                softhsm.as_deref(),
            )?;
            progress(&format!(
                "setup: SM-DP+ child process {} at https://{smdp_address}, admin {admin_url}",
                server.pid().unwrap_or(0)
            ));
            Target {
                smdp_address,
                admin_url,
                pki_dir,
                pid: server.pid(),
                server: Some(server),
            }
        }
    };
    let result = run_bench(&a, &mut target).await;
    if let Some(server) = target.server.as_mut() {
        progress("stopping the SM-DP+");
        server.stop().await?;
    }
    drop(work);
    result
}

async fn run_bench(a: &SmdppBenchArgs, t: &mut Target) -> anyhow::Result<()> {
    let mut headers = reqwest::header::HeaderMap::new();
    if t.server.is_none()
        && let Ok(token) = std::env::var("RSP_SMDPP_ADMIN_TOKEN")
        && !token.is_empty()
    {
        let value = reqwest::header::HeaderValue::from_str(&format!("Bearer {token}"))
            .context("RSP_SMDPP_ADMIN_TOKEN")?;
        headers.insert(reqwest::header::AUTHORIZATION, value);
    }
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(600))
        .default_headers(headers)
        .build()?;
    wait_healthy(&http, &t.admin_url, t.server.as_mut()).await?;

    // Inventory: a Profile Type and ICCID series of this run only.
    let n = a.downloads;
    let run_id = random_hex(4)?;
    let profile_type = format!("rsp-bench-{run_id}");
    let series = u32::from_str_radix(&run_id, 16).unwrap_or(0) % 10_000;
    progress(&format!("setup: importing {n} profiles ({profile_type})"));
    let template = a
        .template
        .as_deref()
        .map(|path| std::fs::read(path).with_context(|| format!("reading {}", path.display())))
        .transpose()?;
    let template_bytes = match &template {
        Some(der) => der.len(),
        None => rsp_saip::template::generic().encode()?.len(),
    };
    let mut csv = String::from("iccid,imsi\n");
    for i in 0..n {
        let iccid = lab::iccid_with_check(&format!("89001{series:04}{i:09}"));
        csv.push_str(&format!("{iccid},00101{i:010}\n"));
    }
    lab::import_batch(
        &http,
        &t.admin_url,
        lab::Batch {
            profile_type: &profile_type,
            service_provider_name: "RSP Bench",
            profile_name: "Benchmark profile",
            csv,
            template: template.as_deref(),
        },
    )
    .await?;

    let codes = place_orders(a, t, &profile_type).await?;
    if let Some(s) = t.server.as_mut() {
        s.check_running()?;
    }

    // The timed phase.
    let stats = Arc::new(Stats::default());
    let observer_stats = stats.clone();
    let es9 = Es9PlusClient::from_ca_files(&[t.pki_dir.join("nist/ci.pem")])?.with_observer(
        Arc::new(move |f, took, ok| observer_stats.observe(f.name(), took, ok)),
    );
    let identity = IdentitySource {
        pki_dir: t.pki_dir.clone(),
        curve: a.curve,
    };
    identity.load()?;
    let ticks = clock_ticks();
    let queue = Arc::new(Mutex::new(codes));
    progress(&format!(
        "run: {n} downloads, concurrency {}, eUICC curve {}{}",
        a.concurrency,
        a.curve.map_or("nist+brainpool", BenchCurve::dir_name),
        a.rate
            .map_or_else(String::new, |r| format!(", at most {r} starts/s"))
    ));
    let pacer = a.rate.map(|r| Arc::new(Pacer::new(r)));
    let cpu_before = t.pid.map(cpu_ticks).transpose()?;
    let start = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..a.concurrency.min(n) {
        workers.spawn(worker(
            identity.clone(),
            es9.clone(),
            queue.clone(),
            stats.clone(),
            pacer.clone(),
        ));
    }
    let ticker_stats = stats.clone();
    let ticker = tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(1));
        every.tick().await;
        loop {
            every.tick().await;
            let done = ticker_stats.done.load(Ordering::Relaxed);
            let failed = ticker_stats.failed.load(Ordering::Relaxed);
            let secs = start.elapsed().as_secs_f64();
            progress(&format!(
                "run: {done}/{n} done, {failed} failed, {:.1} s, {:.1} downloads/s",
                secs,
                done as f64 / secs
            ));
        }
    });
    let mut worker_error = None;
    while let Some(joined) = workers.join_next().await {
        let outcome = joined
            .context("download worker")
            .and_then(std::convert::identity);
        if let Err(e) = outcome
            && worker_error.is_none()
        {
            worker_error = Some(e);
        }
    }
    let elapsed = start.elapsed();
    let cpu_after = t.pid.map(cpu_ticks).transpose()?;
    ticker.abort();
    if let Some(e) = worker_error {
        return Err(e.context("a download worker stopped"));
    }

    let done = stats.done.load(Ordering::Relaxed);
    let failed = stats.failed.load(Ordering::Relaxed);
    let server_cpu_ms = match (cpu_before, cpu_after) {
        (Some(b), Some(a)) => Some(a.ms_since(b, ticks)),
        _ => None,
    };
    let report = Report {
        downloads: done,
        failures: failed,
        concurrency: a.concurrency,
        rate: a.rate,
        curve: a.curve.map_or("nist+brainpool", BenchCurve::dir_name),
        template_bytes,
        seconds: elapsed.as_secs_f64(),
        server_cpu_ms,
        clock_ticks: ticks,
        downloads_ms: sorted(std::mem::take(&mut *lock(&stats.downloads_ms))),
        functions: std::mem::take(&mut *lock(&stats.functions))
            .into_iter()
            .map(|(name, s)| (name, (sorted(s.ok_ms), s.errors)))
            .collect(),
    };
    if a.json {
        println!("{}", serde_json::to_string_pretty(&report.json())?);
    } else {
        report.print();
    }
    if failed > 0 {
        let first = lock(&stats.first_error).clone().unwrap_or_default();
        bail!("{failed} of {n} downloads failed; first error: {first}");
    }
    Ok(())
}

/// N orders over ES2+ (DownloadOrder + ConfirmOrder), a few at a time; their Activation
/// Codes.
async fn place_orders(
    a: &SmdppBenchArgs,
    t: &Target,
    profile_type: &str,
) -> anyhow::Result<Vec<String>> {
    let n = a.downloads;
    progress(&format!("setup: placing {n} orders over ES2+"));
    let es2 = Arc::new(lab::es2_client(&t.pki_dir, &t.smdp_address, "rsp-bench")?);
    let remaining = Arc::new(AtomicU64::new(n));
    let codes = Arc::new(Mutex::new(Vec::with_capacity(
        usize::try_from(n).unwrap_or(0),
    )));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..a.concurrency.clamp(1, 8) {
        let (es2, remaining, codes) = (es2.clone(), remaining.clone(), codes.clone());
        let (address, profile_type) = (t.smdp_address.clone(), profile_type.to_owned());
        tasks.spawn(async move {
            while remaining
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |r| r.checked_sub(1))
                .is_ok()
            {
                let ac = lab::order(&es2, &address, &profile_type).await?;
                let mut codes = lock(&codes);
                codes.push(ac);
                if codes.len() % 500 == 0 {
                    progress(&format!("setup: {} orders placed", codes.len()));
                }
            }
            anyhow::Ok(())
        });
    }
    while let Some(joined) = tasks.join_next().await {
        joined.context("order task")??;
    }
    let codes = std::mem::take(&mut *lock(&codes));
    Ok(codes)
}

/// The measured figures.
struct Report {
    downloads: u64,
    failures: u64,
    concurrency: u64,
    /// `--rate`, if given.
    rate: Option<u32>,
    curve: &'static str,
    /// Size of the template the inventory was personalised from.
    template_bytes: usize,
    seconds: f64,
    /// Server CPU over the timed phase: user and system milliseconds.
    server_cpu_ms: Option<(f64, f64)>,
    clock_ticks: u64,
    /// Successful downloads, sorted.
    downloads_ms: Vec<f64>,
    /// Per function: successful latencies (sorted) and errors.
    functions: BTreeMap<&'static str, (Vec<f64>, u64)>,
}

/// The four functions of a download, in call order.
const TIMED: [Es9PlusFunction; 4] = [
    Es9PlusFunction::InitiateAuthentication,
    Es9PlusFunction::AuthenticateClient,
    Es9PlusFunction::GetBoundProfilePackage,
    Es9PlusFunction::HandleNotification,
];

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

impl Report {
    fn per_second(&self) -> f64 {
        if self.seconds > 0.0 {
            self.downloads as f64 / self.seconds
        } else {
            0.0
        }
    }

    fn cpu_total(&self) -> Option<f64> {
        self.server_cpu_ms.map(|(user, system)| user + system)
    }

    /// Total, user and system server CPU per download, in milliseconds.
    fn cpu_per_download(&self) -> Option<(f64, f64, f64)> {
        let n = self.downloads as f64;
        self.server_cpu_ms
            .filter(|_| self.downloads > 0)
            .map(|(user, system)| ((user + system) / n, user / n, system / n))
    }

    /// Functions in call order, then any other (CancelSession after failures).
    fn ordered_functions(&self) -> Vec<(&'static str, &(Vec<f64>, u64))> {
        let mut out: Vec<_> = TIMED
            .iter()
            .filter_map(|f| self.functions.get_key_value(f.name()))
            .map(|(k, v)| (*k, v))
            .collect();
        for (k, v) in &self.functions {
            if !TIMED.iter().any(|f| f.name() == *k) {
                out.push((k, v));
            }
        }
        out
    }

    fn json(&self) -> serde_json::Value {
        let functions: serde_json::Map<String, serde_json::Value> = self
            .ordered_functions()
            .into_iter()
            .map(|(name, (ms, errors))| {
                (
                    name.to_owned(),
                    serde_json::json!({
                        "count": ms.len(),
                        "errors": errors,
                        "p50_ms": round2(percentile(ms, 0.50)),
                        "p99_ms": round2(percentile(ms, 0.99)),
                    }),
                )
            })
            .collect();
        serde_json::json!({
            "downloads": self.downloads,
            "failures": self.failures,
            "concurrency": self.concurrency,
            "rate_per_second": self.rate,
            "curve": self.curve,
            "template_bytes": self.template_bytes,
            "seconds": round2(self.seconds),
            "downloads_per_second": round2(self.per_second()),
            "server_cpu_ms": self.cpu_total().map(round2),
            "server_cpu_ms_per_download": self.cpu_per_download().map(|c| round2(c.0)),
            "server_user_cpu_ms_per_download": self.cpu_per_download().map(|c| round2(c.1)),
            "server_system_cpu_ms_per_download": self.cpu_per_download().map(|c| round2(c.2)),
            "clock_ticks_per_second": self.clock_ticks,
            "download_p50_ms": round2(percentile(&self.downloads_ms, 0.50)),
            "download_p99_ms": round2(percentile(&self.downloads_ms, 0.99)),
            "functions": functions,
        })
    }

    fn print(&self) {
        println!(
            "SM-DP+ benchmark: {} downloads ({} failed), concurrency {}{}, eUICC curve {}",
            self.downloads,
            self.failures,
            self.concurrency,
            self.rate
                .map_or_else(String::new, |r| format!(", at most {r} starts/s")),
            self.curve
        );
        println!("  profile template   {:>10} bytes", self.template_bytes);
        println!("  wall time          {:>10.2} s", self.seconds);
        println!("  downloads/s        {:>10.2}", self.per_second());
        match (self.cpu_per_download(), self.cpu_total()) {
            (Some((ms, user, system)), _) => println!(
                "  server CPU         {ms:>10.2} ms per download \
                 ({user:.2} user, {system:.2} system; /proc, {} ticks/s)",
                self.clock_ticks
            ),
            (None, Some(total)) => println!("  server CPU         {total:>10.2} ms in total"),
            (None, None) => println!("  server CPU                n/a (no server process id)"),
        }
        println!();
        println!(
            "  {:<24} {:>7} {:>7} {:>9} {:>9}",
            "ES9+ function", "count", "errors", "p50 ms", "p99 ms"
        );
        for (name, (ms, errors)) in self.ordered_functions() {
            println!(
                "  {name:<24} {:>7} {errors:>7} {:>9.2} {:>9.2}",
                ms.len(),
                percentile(ms, 0.50),
                percentile(ms, 0.99)
            );
        }
        println!(
            "  {:<24} {:>7} {:>7} {:>9.2} {:>9.2}",
            "(whole download)",
            self.downloads_ms.len(),
            self.failures,
            percentile(&self.downloads_ms, 0.50),
            percentile(&self.downloads_ms, 0.99)
        );
    }
}
