//! `rsp bench smds` measures the SM-DS through its real HTTPS interfaces: ES12
//! RegisterEvent over mutual TLS as an SM-DP+ would call it, then concurrent ES11 event
//! retrievals (SGP.22 §3.6.3: InitiateAuthentication, ES10b.AuthenticateServer in a virtual
//! eUICC, AuthenticateClient) over keep-alive connections. It reports registrations and
//! discoveries per second, the server's CPU time per discovery and its ratio to the ECC
//! work a discovery needs on the server (1 ECDSA signature, 3 verifications: CERT.EUM,
//! CERT.EUICC, euiccSignature1), priced with `openssl speed` on this machine.
//!
//! Everything is set up here: test PKI, the SM-DS as a child process (`rsp serve smds`),
//! none of it timed. The eUICCs run in this process and share the CPUs with the server.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::{Context, bail};
use clap::Args;
use rsp_codec::json::Eid;
use rsp_euicc::Isdr;
use rsp_http::smds_client::{Caller, SmdsClient};
use rsp_lpa::Es9PlusClient;

use super::BenchCurve;
use super::common::{
    IdentitySource, ServerChild, WorkDir, clock_ticks, cpu_ticks, lock, openssl_ecdsa, percentile,
    progress, sorted, spawn_role, wait_healthy,
};
use crate::cli::lab;

/// Options of `rsp bench smds`.
#[derive(Debug, Args)]
pub struct SmdsBenchArgs {
    /// ES12 registrations (events for distinct EIDs, plus one for the benchmark's eUICC).
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    registrations: u64,
    /// ES11 discoveries to run.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    discoveries: u64,
    /// Concurrent callers (one virtual eUICC each for ES11).
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u64).range(1..=1024))]
    concurrency: u64,
    /// Working directory (PKI, database, server log), kept afterwards [default: a
    /// temporary directory, removed afterwards].
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// Database of the child SM-DS (`postgres://…`) [default: a SQLite file in the working
    /// directory].
    #[arg(long, value_name = "URL")]
    database: Option<String>,
    /// eUICC certificates of this curve only [default: NIST P-256].
    #[arg(long, value_enum)]
    curve: Option<BenchCurve>,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    json: bool,
}

/// Latencies and failures of one phase.
#[derive(Default)]
struct Phase {
    ms: std::sync::Mutex<Vec<f64>>,
    failed: AtomicU64,
    first_error: std::sync::Mutex<Option<String>>,
}

impl Phase {
    fn record(&self, start: Instant, result: anyhow::Result<()>) {
        match result {
            Ok(()) => lock(&self.ms).push(start.elapsed().as_secs_f64() * 1000.0),
            Err(e) => {
                self.failed.fetch_add(1, Ordering::Relaxed);
                lock(&self.first_error).get_or_insert_with(|| format!("{e:#}"));
            }
        }
    }

    fn done(&self) -> usize {
        lock(&self.ms).len()
    }
}

fn spawn_server(
    dir: &Path,
    pki_dir: &Path,
    database: Option<&str>,
) -> anyhow::Result<(String, String, ServerChild)> {
    let (port, admin, child) = spawn_role(dir, "smds", "RSP_SMDS_", |cmd, port| {
        cmd.arg("--address")
            .arg(format!("localhost:{port}"))
            .arg("--database")
            .arg(database.map_or_else(
                || format!("sqlite://{}", dir.join("smds.db").display()),
                str::to_owned,
            ))
            .arg("--pki")
            .arg(pki_dir);
    })?;
    Ok((
        format!("localhost:{port}"),
        format!("http://127.0.0.1:{admin}"),
        child,
    ))
}

/// An EID of the benchmark's own range (check digits included).
fn eid(n: u64) -> anyhow::Result<Eid> {
    let first30 = format!("890490320000000000{n:012}");
    let text = rsp_pki::eid_with_check_digits(&first30).map_err(|e| anyhow::anyhow!("{e}"))?;
    Eid::parse(&text).map_err(|e| anyhow::anyhow!("EID {text}: {e:?}"))
}

pub(super) async fn bench_smds(a: SmdsBenchArgs) -> anyhow::Result<()> {
    let work = WorkDir::new(a.dir.as_deref())?;
    let pki_dir = work.path.join("pki");
    progress(&format!("setup: test PKI in {}", pki_dir.display()));
    lab::write_test_pki(&pki_dir)?;
    let (address, admin_url, mut server) =
        spawn_server(&work.path, &pki_dir, a.database.as_deref())?;
    progress(&format!(
        "setup: SM-DS child process {} at https://{address}, admin {admin_url}",
        server.pid().unwrap_or(0)
    ));
    let result = run(&a, &pki_dir, &address, &admin_url, &mut server).await;
    progress("stopping the SM-DS");
    server.stop().await?;
    drop(work);
    result
}

async fn run(
    a: &SmdsBenchArgs,
    pki_dir: &Path,
    address: &str,
    admin_url: &str,
    server: &mut ServerChild,
) -> anyhow::Result<()> {
    wait_healthy(&reqwest::Client::new(), admin_url, Some(server)).await?;
    let pid = server.pid().context("SM-DS process id")?;
    let curve = a.curve.unwrap_or(BenchCurve::Nist);
    let nist = pki_dir.join("nist");
    let mut identity_pem = std::fs::read(nist.join("dp-tls.key.pem"))?;
    identity_pem.extend(std::fs::read(nist.join("dp-tls.pem"))?);
    let http = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&std::fs::read(
            nist.join("ci.pem"),
        )?)?])
        .identity(reqwest::Identity::from_pem(&identity_pem)?)
        .pool_max_idle_per_host(usize::try_from(a.concurrency).unwrap_or(16))
        .build()?;
    let es12 = SmdsClient::new(http, Caller::Smdp, "bench-smdp", "smdp.bench.example");
    let identity = IdentitySource {
        pki_dir: pki_dir.to_path_buf(),
        curve: Some(curve),
    };
    let own_eid = Eid::parse(identity.card()?.identity().eid_text())
        .map_err(|e| anyhow::anyhow!("eUICC EID: {e:?}"))?;
    let ticks = clock_ticks();

    // ES12: one event for our eUICC, then the rest for distinct EIDs.
    es12.register_event(address, &own_eid, "BENCH-0", false)
        .await
        .map_err(|e| anyhow::anyhow!("ES12 RegisterEvent: {e}"))?;
    progress(&format!("ES12: {} registrations…", a.registrations));
    let registrations = Arc::new(Phase::default());
    let next = Arc::new(AtomicU64::new(1));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..a.concurrency {
        let (es12, next, phase, address) = (
            es12.clone(),
            next.clone(),
            registrations.clone(),
            address.to_owned(),
        );
        let total = a.registrations;
        tasks.push(tokio::spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n > total {
                    return;
                }
                let t = Instant::now();
                let result = async {
                    let eid = eid(n)?;
                    es12.register_event(&address, &eid, &format!("BENCH-{n}"), false)
                        .await
                        .map_err(|e| anyhow::anyhow!("ES12 RegisterEvent: {e}"))
                }
                .await;
                phase.record(t, result);
            }
        }));
    }
    for t in tasks {
        t.await.context("ES12 worker")?;
    }
    let es12_seconds = start.elapsed().as_secs_f64();

    // ES11: concurrent discoveries by virtual eUICCs of one identity.
    progress(&format!(
        "ES11: {} discoveries, concurrency {}…",
        a.discoveries, a.concurrency
    ));
    let es11 = Es9PlusClient::from_ca_files(&[nist.join("ci.pem")])?;
    let discoveries = Arc::new(Phase::default());
    let next = Arc::new(AtomicU64::new(0));
    let before = cpu_ticks(pid)?;
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..a.concurrency {
        let mut card: Isdr = identity.card()?;
        let (es11, next, phase, address) = (
            es11.clone(),
            next.clone(),
            discoveries.clone(),
            address.to_owned(),
        );
        let total = a.discoveries;
        tasks.push(tokio::spawn(async move {
            while next.fetch_add(1, Ordering::Relaxed) < total {
                let t = Instant::now();
                let result =
                    rsp_lpa::discover::retrieve_events(&mut card, &es11, &address, None, None)
                        .await
                        .map_err(anyhow::Error::from)
                        .and_then(|events| {
                            if events.iter().any(|e| e.event_id == "BENCH-0") {
                                Ok(())
                            } else {
                                bail!("the registered event was not answered: {events:?}")
                            }
                        });
                phase.record(t, result);
            }
        }));
    }
    for t in tasks {
        t.await.context("ES11 worker")?;
    }
    let es11_seconds = start.elapsed().as_secs_f64();
    let (user_ms, system_ms) = cpu_ticks(pid)?.ms_since(before, ticks);

    let report = Report {
        curve: curve.dir_name(),
        concurrency: a.concurrency,
        registrations: registrations.done(),
        registrations_failed: registrations.failed.load(Ordering::Relaxed),
        es12_seconds,
        discoveries: discoveries.done(),
        discoveries_failed: discoveries.failed.load(Ordering::Relaxed),
        es11_seconds,
        cpu_ms: (user_ms, system_ms),
        es12_ms: sorted(lock(&registrations.ms).clone()),
        es11_ms: sorted(lock(&discoveries.ms).clone()),
        openssl: openssl_ecdsa(curve),
        clock_ticks: ticks,
    };
    if a.json {
        println!("{}", report.json());
    } else {
        report.print();
    }
    for phase in [&registrations, &discoveries] {
        if let Some(e) = lock(&phase.first_error).clone() {
            bail!(
                "{} calls failed; first: {e}",
                phase.failed.load(Ordering::Relaxed)
            );
        }
    }
    Ok(())
}

struct Report {
    curve: &'static str,
    concurrency: u64,
    registrations: usize,
    registrations_failed: u64,
    es12_seconds: f64,
    discoveries: usize,
    discoveries_failed: u64,
    es11_seconds: f64,
    /// Server CPU over the ES11 phase (user, system).
    cpu_ms: (f64, f64),
    es12_ms: Vec<f64>,
    es11_ms: Vec<f64>,
    /// `openssl speed` ECDSA on the eUICC's curve (sign/s, verify/s).
    openssl: Option<(f64, f64)>,
    clock_ticks: u64,
}

#[allow(clippy::cast_precision_loss)]
impl Report {
    fn per_discovery_ms(&self) -> f64 {
        (self.cpu_ms.0 + self.cpu_ms.1) / (self.discoveries.max(1) as f64)
    }

    /// The ECC a discovery needs on the server: 1 signature and 3 verifications (ms).
    fn ecc_floor_ms(&self) -> Option<f64> {
        self.openssl
            .map(|(sign, verify)| 1000.0 / sign + 3.0 * 1000.0 / verify)
    }

    fn json(&self) -> serde_json::Value {
        let round = |x: f64| (x * 100.0).round() / 100.0;
        serde_json::json!({
            "curve": self.curve,
            "concurrency": self.concurrency,
            "registrations": self.registrations,
            "registrations_failed": self.registrations_failed,
            "registrations_per_second": round(self.registrations as f64 / self.es12_seconds),
            "es12_p50_ms": round(percentile(&self.es12_ms, 0.50)),
            "es12_p99_ms": round(percentile(&self.es12_ms, 0.99)),
            "discoveries": self.discoveries,
            "discoveries_failed": self.discoveries_failed,
            "discoveries_per_second": round(self.discoveries as f64 / self.es11_seconds),
            "discovery_p50_ms": round(percentile(&self.es11_ms, 0.50)),
            "discovery_p99_ms": round(percentile(&self.es11_ms, 0.99)),
            "server_cpu_ms_per_discovery": round(self.per_discovery_ms()),
            "server_user_cpu_ms": round(self.cpu_ms.0),
            "server_system_cpu_ms": round(self.cpu_ms.1),
            "openssl_ecdsa_sign_per_s": self.openssl.map(|o| o.0),
            "openssl_ecdsa_verify_per_s": self.openssl.map(|o| o.1),
            "ecc_floor_ms_per_discovery": self.ecc_floor_ms().map(round),
            "cpu_to_ecc_ratio": self.ecc_floor_ms().map(|f| round(self.per_discovery_ms() / f)),
            "clock_ticks_per_second": self.clock_ticks,
        })
    }

    fn print(&self) {
        println!(
            "SM-DS benchmark: eUICC curve {}, concurrency {}",
            self.curve, self.concurrency
        );
        println!(
            "  ES12 registrations {:>8} ({} failed) {:>9.1}/s   p50 {:.2} ms  p99 {:.2} ms",
            self.registrations,
            self.registrations_failed,
            self.registrations as f64 / self.es12_seconds,
            percentile(&self.es12_ms, 0.50),
            percentile(&self.es12_ms, 0.99)
        );
        println!(
            "  ES11 discoveries   {:>8} ({} failed) {:>9.1}/s   p50 {:.2} ms  p99 {:.2} ms",
            self.discoveries,
            self.discoveries_failed,
            self.discoveries as f64 / self.es11_seconds,
            percentile(&self.es11_ms, 0.50),
            percentile(&self.es11_ms, 0.99)
        );
        println!(
            "  server CPU         {:>8.2} ms per discovery ({:.2} user, {:.2} system ms in total; /proc, {} ticks/s)",
            self.per_discovery_ms(),
            self.cpu_ms.0,
            self.cpu_ms.1,
            self.clock_ticks
        );
        match (self.openssl, self.ecc_floor_ms()) {
            (Some((sign, verify)), Some(floor)) => println!(
                "  ECC floor          {floor:>8.2} ms per discovery (1 sign + 3 verify; openssl speed: \
                 {sign:.0} sign/s, {verify:.0} verify/s) -> CPU/ECC ratio {:.2}",
                self.per_discovery_ms() / floor
            ),
            _ => println!("  ECC floor               n/a (openssl not found)"),
        }
    }
}
