//! `rsp bench …`: load benchmarks.
//!
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
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};
use rsp_codec::json::Es9PlusFunction;
use rsp_euicc::{EuiccConfig, Identity, Isdr, StateStore};
use rsp_lpa::{Es9PlusClient, Lpa};

use crate::cli::lab;

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// SM-DP+: concurrent full downloads over HTTPS ES9+ (keep-alive) into virtual eUICCs;
    /// downloads/s, server CPU ms per download, p50/p99 per ES9+ function.
    ///
    /// Without --url, it writes a test PKI, starts `rsp serve smdpp` (SQLite) as a child
    /// process on free loopback ports, imports and orders the profiles (not timed), runs
    /// the downloads, stops the server and removes its working directory (unless --dir).
    /// Exits non-zero after the report when any download failed.
    Smdpp(SmdppBenchArgs),
}

/// eUICC certificate curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BenchCurve {
    /// NIST P-256 only.
    Nist,
    /// brainpoolP256r1 only.
    Brainpool,
}

impl BenchCurve {
    fn dir_name(self) -> &'static str {
        match self {
            BenchCurve::Nist => "nist",
            BenchCurve::Brainpool => "brainpool",
        }
    }
}

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
}

pub fn run(cmd: BenchCommand) -> anyhow::Result<()> {
    match cmd {
        BenchCommand::Smdpp(args) => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .context("starting the async runtime")?;
            runtime.block_on(bench_smdpp(args))
        }
    }
}

/// Progress line on stderr.
fn progress(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{text}");
    let _ = err.flush();
}

/// Marker file: a `--dir` holding it was made by `rsp bench` and may be wiped.
const MARKER: &str = ".rsp-bench";

/// The working directory and whether to remove it at the end.
struct WorkDir {
    path: PathBuf,
    remove: bool,
}

impl WorkDir {
    fn new(dir: Option<&Path>) -> anyhow::Result<Self> {
        match dir {
            Some(dir) => {
                if dir.exists() {
                    let empty = std::fs::read_dir(dir)
                        .with_context(|| dir.display().to_string())?
                        .next()
                        .is_none();
                    if !empty && !dir.join(MARKER).exists() {
                        bail!(
                            "{} exists and was not made by rsp bench: choose another --dir",
                            dir.display()
                        );
                    }
                    std::fs::remove_dir_all(dir)
                        .with_context(|| format!("removing {}", dir.display()))?;
                }
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("creating {}", dir.display()))?;
                std::fs::write(dir.join(MARKER), b"made by rsp bench\n")
                    .with_context(|| format!("writing in {}", dir.display()))?;
                Ok(WorkDir {
                    path: dir.canonicalize().context("working directory")?,
                    remove: false,
                })
            }
            None => {
                let path = std::env::temp_dir().join(format!(
                    "rsp-bench-{}-{}",
                    std::process::id(),
                    random_hex(4)?
                ));
                std::fs::create_dir_all(&path)
                    .with_context(|| format!("creating {}", path.display()))?;
                Ok(WorkDir { path, remove: true })
            }
        }
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        if self.remove {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

fn random_hex(bytes: usize) -> anyhow::Result<String> {
    let mut b = vec![0u8; bytes];
    getrandom::fill(&mut b).map_err(|e| anyhow::anyhow!("random generator: {e}"))?;
    Ok(hex::encode(b))
}

/// A free TCP port on 127.0.0.1 (bound, read, released).
fn free_port() -> anyhow::Result<u16> {
    let l = std::net::TcpListener::bind(("127.0.0.1", 0)).context("finding a free port")?;
    Ok(l.local_addr()?.port())
}

/// The SM-DP+ child process; killed on drop unless stopped.
struct ServerChild {
    child: Option<Child>,
    log: PathBuf,
}

impl ServerChild {
    fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// The end of the server log, for error messages.
    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// Fails when the process has already ended.
    fn check_running(&mut self) -> anyhow::Result<()> {
        if let Some(child) = self.child.as_mut()
            && let Some(status) = child.try_wait().context("SM-DP+ process")?
        {
            bail!("the SM-DP+ exited ({status}):\n{}", self.log_tail());
        }
        Ok(())
    }

    /// SIGTERM, then up to 15 s for a graceful exit, then SIGKILL.
    async fn stop(&mut self) -> anyhow::Result<()> {
        let Some(mut child) = self.child.take() else {
            return Ok(());
        };
        let term = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if term.is_ok_and(|s| s.success()) {
            let deadline = Instant::now() + Duration::from_secs(15);
            while Instant::now() < deadline {
                if let Some(status) = child.try_wait().context("SM-DP+ process")? {
                    if !status.success() {
                        progress(&format!("SM-DP+ exited with {status}"));
                    }
                    return Ok(());
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            progress("SM-DP+ did not stop within 15 s: killing it");
        }
        let _ = child.kill();
        let _ = child.wait();
        Ok(())
    }
}

impl Drop for ServerChild {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Starts `rsp serve smdpp` on free loopback ports; its address, admin URL and process.
fn spawn_server(
    dir: &Path,
    pki_dir: &Path,
    database: Option<&str>,
) -> anyhow::Result<(String, String, ServerChild)> {
    let port = free_port()?;
    let admin_port = free_port()?;
    let exe = std::env::current_exe().context("locating the rsp executable")?;
    let log = dir.join("smdpp.log");
    let log_file =
        std::fs::File::create(&log).with_context(|| format!("creating {}", log.display()))?;
    let mut cmd = Command::new(exe);
    cmd.args(["serve", "smdpp", "--listen"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("--admin-listen")
        .arg(format!("127.0.0.1:{admin_port}"))
        .arg("--address")
        .arg(format!("localhost:{port}"))
        .arg("--database")
        .arg(database.map_or_else(
            || format!("sqlite://{}", dir.join("bench.db").display()),
            str::to_owned,
        ))
        .arg("--pki")
        .arg(pki_dir)
        .arg("--data-key-file")
        .arg(dir.join("smdpp.key"))
        .args(["--log-format", "text"])
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log_file);
    // Only the command line configures the child.
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("RSP_SMDPP_") {
            cmd.env_remove(key);
        }
    }
    let child = cmd.spawn().context("starting rsp serve smdpp")?;
    Ok((
        format!("localhost:{port}"),
        format!("http://127.0.0.1:{admin_port}"),
        ServerChild {
            child: Some(child),
            log,
        },
    ))
}

/// Polls `{admin_url}/health` until it answers 2xx (30 s at most).
async fn wait_healthy(
    http: &reqwest::Client,
    admin_url: &str,
    mut server: Option<&mut ServerChild>,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(s) = server.as_deref_mut() {
            s.check_running()?;
        }
        if let Ok(r) = http.get(format!("{admin_url}/health")).send().await
            && r.status().is_success()
        {
            return Ok(());
        }
        if Instant::now() > deadline {
            let log = server.map(|s| s.log_tail()).unwrap_or_default();
            bail!("the SM-DP+ at {admin_url} is not healthy after 30 s\n{log}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Clock ticks per second of /proc (`getconf CLK_TCK`, 100 when unavailable).
fn clock_ticks() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .filter(|&t: &u64| t > 0)
        .unwrap_or(100)
}

/// CPU time of a process in clock ticks (all its threads), from /proc/PID/stat.
#[derive(Clone, Copy)]
struct CpuTicks {
    user: u64,
    system: u64,
}

impl CpuTicks {
    /// The ticks spent since `before`, in milliseconds (user, system).
    fn ms_since(self, before: Self, ticks_per_second: u64) -> (f64, f64) {
        let ms = |t: u64| t as f64 * 1000.0 / ticks_per_second as f64;
        (
            ms(self.user.saturating_sub(before.user)),
            ms(self.system.saturating_sub(before.system)),
        )
    }
}

/// utime and stime of process `pid` (all its threads), from /proc/PID/stat.
fn cpu_ticks(pid: u32) -> anyhow::Result<CpuTicks> {
    let path = format!("/proc/{pid}/stat");
    let stat = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    // `pid (comm) state ppid …`: comm may hold spaces, so split after the last ')'.
    let rest = stat
        .rsplit_once(')')
        .map(|(_, r)| r)
        .with_context(|| format!("{path}: unexpected format"))?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // Fields 14 (utime) and 15 (stime) of proc(5); `rest` starts at field 3.
    let field = |i: usize| -> anyhow::Result<u64> {
        fields
            .get(i)
            .and_then(|f| f.parse().ok())
            .with_context(|| format!("{path}: field {} missing", i + 3))
    };
    Ok(CpuTicks {
        user: field(11)?,
        system: field(12)?,
    })
}

/// Latencies of one ES9+ function.
#[derive(Default)]
struct Samples {
    ok_ms: Vec<f64>,
    errors: u64,
}

/// Shared results of the timed phase.
#[derive(Default)]
struct Stats {
    functions: Mutex<BTreeMap<&'static str, Samples>>,
    downloads_ms: Mutex<Vec<f64>>,
    done: AtomicU64,
    failed: AtomicU64,
    first_error: Mutex<Option<String>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Stats {
    fn observe(&self, function: Es9PlusFunction, took: Duration, ok: bool) {
        let mut map = lock(&self.functions);
        let s = map.entry(function.name()).or_default();
        if ok {
            s.ok_ms.push(took.as_secs_f64() * 1000.0);
        } else {
            s.errors += 1;
        }
    }

    fn success(&self, took: Duration) {
        lock(&self.downloads_ms).push(took.as_secs_f64() * 1000.0);
        self.done.fetch_add(1, Ordering::Relaxed);
    }

    fn failure(&self, e: &anyhow::Error) {
        self.failed.fetch_add(1, Ordering::Relaxed);
        let mut first = lock(&self.first_error);
        if first.is_none() {
            *first = Some(format!("{e:#}"));
        }
    }
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(f64::total_cmp);
    v
}

/// Where the eUICC identity comes from.
#[derive(Clone)]
struct IdentitySource {
    pki_dir: PathBuf,
    curve: Option<BenchCurve>,
}

impl IdentitySource {
    fn load(&self) -> anyhow::Result<Identity> {
        let identity = match self.curve {
            None => Identity::from_pki_dir(&self.pki_dir),
            Some(curve) => {
                let d = self.pki_dir.join(curve.dir_name());
                Identity::from_files(
                    &[(
                        d.join("euicc.pem"),
                        d.join("euicc.key.pem"),
                        d.join("eum.pem"),
                    )],
                    &[d.join("ci.pem")],
                )
            }
        };
        identity.with_context(|| format!("eUICC identity from {}", self.pki_dir.display()))
    }

    fn card(&self) -> anyhow::Result<Isdr> {
        Ok(Isdr::new(
            self.load()?,
            EuiccConfig::default(),
            StateStore::memory(),
        )?)
    }
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

/// Spaces download starts `interval` apart, across all workers (`--rate`).
struct Pacer {
    interval: Duration,
    next: Mutex<tokio::time::Instant>,
}

impl Pacer {
    fn new(per_second: u32) -> Self {
        Self {
            interval: Duration::from_secs(1) / per_second,
            next: Mutex::new(tokio::time::Instant::now()),
        }
    }

    /// Waits for the next start slot.
    async fn wait(&self) {
        let slot = {
            let mut next = lock(&self.next);
            let slot = (*next).max(tokio::time::Instant::now());
            *next = slot + self.interval;
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
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

async fn bench_smdpp(a: SmdppBenchArgs) -> anyhow::Result<()> {
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
            let (smdp_address, admin_url, server) =
                spawn_server(&work.path, &pki_dir, a.database.as_deref())?;
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
        Arc::new(move |f, took, ok| observer_stats.observe(f, took, ok)),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 0.50), 50.0);
        assert_eq!(percentile(&v, 0.99), 99.0);
        assert_eq!(percentile(&[7.0], 0.99), 7.0);
        assert_eq!(percentile(&[], 0.5), 0.0);
    }

    #[test]
    fn reads_own_cpu_ticks() {
        assert!(cpu_ticks(std::process::id()).is_ok());
    }
}
