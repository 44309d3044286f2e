//! `rsp bench eim` measures the eIM (SGP.32 v1.2) through its real HTTPS interfaces:
//! concurrent empty polls (ESipa GetEimPackage with nothing pending, answered
//! `noEimPackageAvailable`: the common case of a fleet of IoT devices) over keep-alive TLS,
//! then package round trips: a PSMO (listProfileInfo) queued through the northbound REST
//! API, then the IPA's poll (GetEimPackage → the eUICC runs the eIM-signed package →
//! ProvideEimPackageResult → the closing empty GetEimPackage) with an IoT virtual eUICC.
//! It reports polls and round trips per second, the server's CPU time per poll and per
//! package, and the ECC a package needs on the server (1 ECDSA signature of the package, 1
//! verification of the eUICC's signed result) priced with `openssl speed` on this machine.
//!
//! Everything is set up here: test PKI, the eIM as a child process (`rsp serve eim`,
//! SQLite), registrations, none of it timed. The IPA and eUICC run in this process and share
//! the CPUs with the server.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;
use rsp_codec::asn1::sgp32::{EimPackageError, GetEimPackageResponse};
use rsp_euicc::Card;
use rsp_lpa::ipa::{Handled, Ipa};
use rsp_lpa::{ApduChannel, Es9PlusClient, EsipaClient};
use serde_json::{Value, json};

use super::BenchCurve;
use super::common::{
    IdentitySource, ServerChild, WorkDir, clock_ticks, cpu_ticks, lock, openssl_ecdsa, percentile,
    progress, random_hex, sorted, spawn_role, wait_healthy,
};
use crate::cli::euicc_iot::IotArgs;
use crate::cli::lab;

const EIM_ID: &str = "eim.bench";
const TENANT: &str = "bench";

/// Options of `rsp bench eim`.
#[derive(Debug, Args)]
pub struct EimBenchArgs {
    /// Empty polls to run (ESipa GetEimPackage answered noEimPackageAvailable).
    #[arg(long, default_value_t = 5000, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    polls: u64,
    /// Concurrent pollers (one registered EID each, one shared keep-alive HTTPS pool).
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u64).range(1..=1024))]
    concurrency: u64,
    /// Package round trips to run, one after the other, with one IoT virtual eUICC (0:
    /// polls only).
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(0..=1_000_000))]
    packages: u64,
    /// eUICC certificates and eIM association of this curve [default: NIST P-256].
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
}

/// An EID of the benchmark's own range (check digits included), as text.
fn eid(n: u64) -> anyhow::Result<String> {
    // Away from the test PKI's eUICC (…0001).
    let first30 = format!("890490320000000000{:012}", 1_000_000 + n);
    rsp_pki::eid_with_check_digits(&first30).map_err(|e| anyhow::anyhow!("{e}"))
}

fn eid_bytes(text: &str) -> anyhow::Result<[u8; 16]> {
    hex::decode(text)
        .ok()
        .and_then(|b| <[u8; 16]>::try_from(b).ok())
        .with_context(|| format!("EID {text}"))
}

/// The tenant's REST API.
struct Rest {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Rest {
    async fn post(&self, path: &str, body: Value) -> anyhow::Result<Value> {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await?;
        let status = response.status();
        let value: Value = response.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            bail!("eIM POST {path}: HTTP {status}: {value}");
        }
        Ok(value)
    }
}

pub(super) async fn bench_eim(a: EimBenchArgs) -> anyhow::Result<()> {
    let work = WorkDir::new(None)?;
    let pki_dir = work.path.join("pki");
    progress(&format!("setup: test PKI in {}", pki_dir.display()));
    lab::write_test_pki(&pki_dir)?;
    let token = random_hex(24)?;
    let (port, admin, mut server) = spawn_role(&work.path, "eim", "RSP_EIM_", |cmd, _| {
        cmd.arg("--database")
            .arg(format!("sqlite://{}", work.path.join("eim.db").display()))
            .arg("--pki")
            .arg(&pki_dir)
            .arg("--eim-id")
            .arg(EIM_ID)
            .arg("--tenant")
            .arg(format!(
                "{TENANT}={}",
                hex::encode(rsp_eim::token_hash(&token))
            ));
    })?;
    let address = format!("localhost:{port}");
    let admin_url = format!("http://127.0.0.1:{admin}");
    progress(&format!(
        "setup: eIM child process {} at https://{address}, admin {admin_url}",
        server.pid().unwrap_or(0)
    ));
    let result = run(&a, &pki_dir, &address, &admin_url, &token, &mut server).await;
    progress("stopping the eIM");
    server.stop().await?;
    drop(work);
    result
}

async fn run(
    a: &EimBenchArgs,
    pki_dir: &Path,
    address: &str,
    admin_url: &str,
    token: &str,
    server: &mut ServerChild,
) -> anyhow::Result<()> {
    wait_healthy(&reqwest::Client::new(), admin_url, Some(server)).await?;
    let pid = server.pid().context("eIM process id")?;
    let ticks = clock_ticks();
    let curve = a.curve.unwrap_or(BenchCurve::Nist);
    let nist = pki_dir.join("nist");
    let cdir = pki_dir.join(curve.dir_name());
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .tls_certs_only([reqwest::Certificate::from_pem(&std::fs::read(
            nist.join("ci.pem"),
        )?)?])
        .pool_max_idle_per_host(usize::try_from(a.concurrency).unwrap_or(16))
        .build()?;
    let rest = Rest {
        http: http.clone(),
        base: format!("https://{address}/eim/v1"),
        token: token.to_owned(),
    };

    // Setup: one registered EID (no certificate needed) per poller.
    progress(&format!(
        "setup: registering {} EIDs for the pollers",
        a.concurrency
    ));
    let mut eids = Vec::new();
    for n in 1..=a.concurrency {
        let text = eid(n)?;
        rest.post("/euiccs", json!({"eid": text, "eimId": EIM_ID}))
            .await?;
        eids.push(eid_bytes(&text)?);
    }

    // Empty polls.
    progress(&format!(
        "ESipa: {} empty polls, concurrency {}…",
        a.polls, a.concurrency
    ));
    let esipa = EsipaClient::new(http.clone(), address);
    let polls = Arc::new(Phase::default());
    let next = Arc::new(AtomicU64::new(0));
    let before = cpu_ticks(pid)?;
    let start = Instant::now();
    let mut tasks = Vec::new();
    for eid in eids {
        let (esipa, next, phase) = (esipa.clone(), next.clone(), polls.clone());
        let total = a.polls;
        tasks.push(tokio::spawn(async move {
            while next.fetch_add(1, Ordering::Relaxed) < total {
                let t = Instant::now();
                let result = match esipa.get_eim_package(eid).await {
                    Ok(GetEimPackageResponse::EimPackageError(
                        EimPackageError::NO_EIM_PACKAGE_AVAILABLE,
                    )) => Ok(()),
                    Ok(other) => Err(anyhow::anyhow!("GetEimPackage answered {other:?}")),
                    Err(e) => Err(e.into()),
                };
                phase.record(t, result);
            }
        }));
    }
    for t in tasks {
        t.await.context("poller")?;
    }
    let poll_seconds = start.elapsed().as_secs_f64();
    let poll_cpu = cpu_ticks(pid)?.ms_since(before, ticks);

    // Package round trips with one IoT virtual eUICC associated with the eIM.
    let packages = Phase::default();
    let mut package_seconds = 0.0;
    let mut package_cpu = (0.0, 0.0);
    if a.packages > 0 {
        let identity = IdentitySource {
            pki_dir: pki_dir.to_path_buf(),
            curve: Some(curve),
        };
        let mut isdr = identity.card()?;
        IotArgs {
            iot: true,
            initial_eim_id: Some(EIM_ID.into()),
            initial_eim_cert: Some(cdir.join("eim.pem")),
            initial_eim_fqdn: Some(address.into()),
            initial_eim_token: false,
            initial_eim_indirect: false,
        }
        .apply(&mut isdr)?;
        let own_eid = isdr.identity().eid_text().to_owned();
        let read_pem = |name: &str| -> anyhow::Result<String> {
            std::fs::read_to_string(cdir.join(name)).with_context(|| format!("reading {name}"))
        };
        rest.post(
            "/euiccs",
            json!({
                "eid": own_eid, "eimId": EIM_ID, "counterValue": 0, "curve": curve.dir_name(),
                "euiccCertificate": read_pem("euicc.pem")?, "eumCertificate": read_pem("eum.pem")?,
            }),
        )
        .await?;
        let channel = ApduChannel::open(Card::new(isdr))?;
        let es9 = Es9PlusClient::from_ca_files(&[nist.join("ci.pem")])?;
        let mut ipa = Ipa::new(channel, EsipaClient::new(http.clone(), address), es9)?;
        progress(&format!(
            "ESipa: {} package round trips (REST PSMO → poll → result)…",
            a.packages
        ));
        let path = format!("/euiccs/{own_eid}/operations");
        let psmo = json!({"type": "psmo", "psmos": [{"op": "listProfileInfo"}]});
        let before = cpu_ticks(pid)?;
        let start = Instant::now();
        for _ in 0..a.packages {
            let t = Instant::now();
            let result = async {
                rest.post(&path, psmo.clone()).await?;
                let report = ipa.poll().await?;
                match report.handled.as_slice() {
                    [Handled::EuiccPackage(p)] if p.seq_number.is_some() => Ok(()),
                    other => bail!("the poll ran no signed package: {other:?}"),
                }
            }
            .await;
            packages.record(t, result);
        }
        package_seconds = start.elapsed().as_secs_f64();
        package_cpu = cpu_ticks(pid)?.ms_since(before, ticks);
    }

    // Each guard in its own statement: a temporary guard lives to the end of its statement.
    let poll_ms = sorted(std::mem::take(&mut *lock(&polls.ms)));
    let package_ms = sorted(std::mem::take(&mut *lock(&packages.ms)));
    let report = Report {
        curve: curve.dir_name(),
        concurrency: a.concurrency,
        polls: poll_ms.len(),
        polls_failed: polls.failed.load(Ordering::Relaxed),
        poll_seconds,
        poll_cpu,
        poll_ms,
        packages: package_ms.len(),
        packages_failed: packages.failed.load(Ordering::Relaxed),
        package_seconds,
        package_cpu,
        package_ms,
        openssl: openssl_ecdsa(curve),
        clock_ticks: ticks,
    };
    if a.json {
        println!("{}", report.json());
    } else {
        report.print();
    }
    for phase in [&*polls, &packages] {
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
    polls: usize,
    polls_failed: u64,
    poll_seconds: f64,
    /// Server CPU over the poll phase (user, system).
    poll_cpu: (f64, f64),
    poll_ms: Vec<f64>,
    packages: usize,
    packages_failed: u64,
    package_seconds: f64,
    /// Server CPU over the package phase (user, system).
    package_cpu: (f64, f64),
    package_ms: Vec<f64>,
    /// `openssl speed` ECDSA on the curve (sign/s, verify/s).
    openssl: Option<(f64, f64)>,
    clock_ticks: u64,
}

#[allow(clippy::cast_precision_loss)]
impl Report {
    fn per_poll_ms(&self) -> f64 {
        (self.poll_cpu.0 + self.poll_cpu.1) / (self.polls.max(1) as f64)
    }

    fn per_package_ms(&self) -> f64 {
        (self.package_cpu.0 + self.package_cpu.1) / (self.packages.max(1) as f64)
    }

    fn rate(n: usize, seconds: f64) -> f64 {
        if seconds > 0.0 {
            n as f64 / seconds
        } else {
            0.0
        }
    }

    /// The ECC a package needs on the server: 1 signature, 1 verification (ms). An empty
    /// poll needs none (keep-alive TLS, no signature).
    fn ecc_floor_ms(&self) -> Option<f64> {
        self.openssl
            .map(|(sign, verify)| 1000.0 / sign + 1000.0 / verify)
    }

    fn json(&self) -> Value {
        let round = |x: f64| (x * 1000.0).round() / 1000.0;
        json!({
            "curve": self.curve,
            "concurrency": self.concurrency,
            "polls": self.polls,
            "polls_failed": self.polls_failed,
            "polls_per_second": round(Self::rate(self.polls, self.poll_seconds)),
            "poll_p50_ms": round(percentile(&self.poll_ms, 0.50)),
            "poll_p99_ms": round(percentile(&self.poll_ms, 0.99)),
            "server_cpu_ms_per_poll": round(self.per_poll_ms()),
            "packages": self.packages,
            "packages_failed": self.packages_failed,
            "packages_per_second": round(Self::rate(self.packages, self.package_seconds)),
            "package_p50_ms": round(percentile(&self.package_ms, 0.50)),
            "package_p99_ms": round(percentile(&self.package_ms, 0.99)),
            "server_cpu_ms_per_package": round(self.per_package_ms()),
            "openssl_ecdsa_sign_per_s": self.openssl.map(|o| o.0),
            "openssl_ecdsa_verify_per_s": self.openssl.map(|o| o.1),
            "ecc_floor_ms_per_package": self.ecc_floor_ms().map(round),
            "clock_ticks_per_second": self.clock_ticks,
        })
    }

    fn print(&self) {
        println!(
            "eIM benchmark: curve {}, concurrency {} (polls), packages one at a time",
            self.curve, self.concurrency
        );
        println!(
            "  empty polls        {:>8} ({} failed) {:>9.1}/s   p50 {:.2} ms  p99 {:.2} ms",
            self.polls,
            self.polls_failed,
            Self::rate(self.polls, self.poll_seconds),
            percentile(&self.poll_ms, 0.50),
            percentile(&self.poll_ms, 0.99)
        );
        println!(
            "  server CPU         {:>8.3} ms per empty poll ({:.0} user, {:.0} system ms; /proc, {} ticks/s)",
            self.per_poll_ms(),
            self.poll_cpu.0,
            self.poll_cpu.1,
            self.clock_ticks
        );
        println!(
            "  package round trips{:>8} ({} failed) {:>9.1}/s   p50 {:.2} ms  p99 {:.2} ms",
            self.packages,
            self.packages_failed,
            Self::rate(self.packages, self.package_seconds),
            percentile(&self.package_ms, 0.50),
            percentile(&self.package_ms, 0.99)
        );
        println!(
            "  server CPU         {:>8.3} ms per package ({:.0} user, {:.0} system ms)",
            self.per_package_ms(),
            self.package_cpu.0,
            self.package_cpu.1
        );
        match (self.openssl, self.ecc_floor_ms()) {
            (Some((sign, verify)), Some(floor)) => println!(
                "  ECC floor          {floor:>8.3} ms per package (1 sign + 1 verify; openssl speed: \
                 {sign:.0} sign/s, {verify:.0} verify/s) -> CPU/ECC ratio {:.2}",
                self.per_package_ms() / floor
            ),
            _ => println!("  ECC floor               n/a (openssl not found)"),
        }
    }
}
