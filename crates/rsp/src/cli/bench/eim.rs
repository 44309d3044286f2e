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
//! SQLite, or PostgreSQL with `--database`: a database of its own, created and dropped
//! here). The IPA and eUICC run in this process and share the CPUs with the server.
//!
//! Fleet scale (`--euiccs N --pending M`, `--deliveries K`, `--database`): see
//! [`super::eim_fleet`].

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;
use rsp_euicc::Card;
use rsp_lpa::ipa::{Handled, Ipa};
use rsp_lpa::{ApduChannel, Es9PlusClient, EsipaClient};
use serde_json::{Value, json};

use super::BenchCurve;
use super::common::{
    IdentitySource, ServerChild, WorkDir, clock_ticks, cpu_ticks, lock, memory_mib, openssl_ecdsa,
    percentile, postgres_ticks, progress, random_hex, sorted, spawn_role, wait_healthy,
};
use super::eim_fleet::{BenchDatabase, Phase, delivery_phase, poll_phase, register_fleet};
use crate::cli::euicc_iot::IotArgs;
use crate::cli::lab;

pub(super) const EIM_ID: &str = "eim.bench";
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
    /// PostgreSQL server for the child eIM (`postgres://USER@HOST:PORT/DB`, DB being any
    /// database to connect to): the benchmark creates its own database
    /// `rsp_bench_eim_<pid>` there and drops it at the end [default: a SQLite file].
    #[arg(long, value_name = "URL")]
    database: Option<String>,
    /// eUICCs registered before the polls, in one CSV body through `POST
    /// /eim/v1/euiccs:bulk` (timed) [default: --concurrency].
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    euiccs: Option<u64>,
    /// Operations (listProfileInfo) queued for the first N registered eUICCs through `POST
    /// /eim/v1/operations:bulk` (timed); the empty polls go to the other eUICCs.
    #[arg(long, default_value_t = 0)]
    pending: u64,
    /// Polls of eUICCs with a pending operation (each hands out an eIM-signed package),
    /// after the empty polls; at most --pending.
    #[arg(long, default_value_t = 0)]
    deliveries: u64,
}

/// The JSON answer of a REST call; an error naming `path` for a non-2xx status.
pub(super) async fn answer(path: &str, response: reqwest::Response) -> anyhow::Result<Value> {
    let status = response.status();
    let value: Value = response.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        bail!("eIM POST {path}: HTTP {status}: {value}");
    }
    Ok(value)
}

/// An IoT virtual eUICC of the test PKI in `pki_dir` (`curve`) with the eIM [`EIM_ID`] at
/// `eim_address` added initially, and the body registering it at the eIM with its
/// certificates (`POST /eim/v1/euiccs`).
pub(super) fn iot_device(
    pki_dir: &Path,
    curve: BenchCurve,
    eim_address: &str,
) -> anyhow::Result<(rsp_euicc::Isdr, Value)> {
    let cdir = pki_dir.join(curve.dir_name());
    let identity = IdentitySource {
        pki_dir: pki_dir.to_path_buf(),
        curve: Some(curve),
    };
    let mut isdr = identity.card()?;
    IotArgs {
        iot: true,
        initial_eim_id: Some(EIM_ID.into()),
        initial_eim_cert: Some(cdir.join("eim.pem")),
        initial_eim_fqdn: Some(eim_address.into()),
        initial_eim_token: false,
        initial_eim_indirect: false,
    }
    .apply(&mut isdr)?;
    let read_pem = |name: &str| -> anyhow::Result<String> {
        std::fs::read_to_string(cdir.join(name)).with_context(|| format!("reading {name}"))
    };
    let registration = json!({
        "eid": isdr.identity().eid_text(), "eimId": EIM_ID, "counterValue": 0,
        "curve": curve.dir_name(),
        "euiccCertificate": read_pem("euicc.pem")?, "eumCertificate": read_pem("eum.pem")?,
    });
    Ok((isdr, registration))
}

/// The tenant's REST API.
pub(super) struct Rest {
    pub(super) http: reqwest::Client,
    pub(super) base: String,
    pub(super) token: String,
}

impl Rest {
    pub(super) async fn post(&self, path: &str, body: Value) -> anyhow::Result<Value> {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await?;
        answer(path, response).await
    }
}

pub(super) async fn bench_eim(a: EimBenchArgs) -> anyhow::Result<()> {
    let euiccs = a.euiccs.unwrap_or(a.concurrency);
    if a.pending >= euiccs {
        bail!("--pending must be below --euiccs (the empty polls go to the other eUICCs)");
    }
    if a.deliveries > a.pending {
        bail!("--deliveries must be at most --pending");
    }
    let work = WorkDir::new(None)?;
    let pki_dir = work.path.join("pki");
    progress(&format!("setup: test PKI in {}", pki_dir.display()));
    lab::write_test_pki(&pki_dir)?;
    let token = random_hex(24)?;
    let database = match &a.database {
        Some(url) => Some(BenchDatabase::create(url).await?),
        None => None,
    };
    let url = database.as_ref().map_or_else(
        || format!("sqlite://{}", work.path.join("eim.db").display()),
        |d| d.url.clone(),
    );
    let spawned = spawn_role(&work.path, "eim", "RSP_EIM_", |cmd, _| {
        cmd.arg("--database")
            .arg(&url)
            .arg("--pki")
            .arg(&pki_dir)
            .arg("--eim-id")
            .arg(EIM_ID)
            .arg("--tenant")
            .arg(format!(
                "{TENANT}={}",
                hex::encode(rsp_eim::token_hash(&token))
            ));
    });
    let result = match spawned {
        Ok((port, admin, mut server)) => {
            let address = format!("localhost:{port}");
            let admin_url = format!("http://127.0.0.1:{admin}");
            progress(&format!(
                "setup: eIM child process {} at https://{address}, admin {admin_url}, database {}",
                server.pid().unwrap_or(0),
                database.as_ref().map_or("SQLite", |d| d.name.as_str())
            ));
            let on_postgres = database.is_some();
            let result = run(
                &a,
                euiccs,
                on_postgres,
                &pki_dir,
                &address,
                &admin_url,
                &token,
                &mut server,
            )
            .await;
            progress("stopping the eIM");
            let stopped = server.stop().await;
            result.and(stopped)
        }
        Err(e) => Err(e),
    };
    if let Some(d) = database {
        d.drop_now().await;
    }
    drop(work);
    result
}

#[allow(clippy::too_many_arguments)]
async fn run(
    a: &EimBenchArgs,
    euiccs: u64,
    on_postgres: bool,
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

    // Registration of the fleet and its pending operations.
    let fleet = register_fleet(&rest, euiccs, a.pending, pid).await?;
    let idle = fleet.idle.clone();

    // Empty polls, spread over the eUICCs without a pending operation.
    progress(&format!(
        "ESipa: {} empty polls over {} eUICCs, concurrency {}…",
        a.polls,
        idle.len(),
        a.concurrency
    ));
    let esipa = EsipaClient::new(http.clone(), address);
    let polls = Arc::new(Phase::default());
    let before = cpu_ticks(pid)?;
    let pg_before = postgres_ticks();
    let start = Instant::now();
    poll_phase(&esipa, &idle, a.polls, a.concurrency, false, &polls).await?;
    let poll_seconds = start.elapsed().as_secs_f64();
    let poll_cpu = cpu_ticks(pid)?.ms_since(before, ticks);
    let poll_pg_cpu = postgres_ticks().ms_since(pg_before, ticks);
    let memory_polled = memory_mib(pid);

    // Deliveries: polls of eUICCs with a pending operation.
    let (deliveries, delivery_seconds, delivery_cpu) =
        delivery_phase(&esipa, &fleet.eids, a.deliveries, a.concurrency, pid, ticks).await?;

    // Package round trips with one IoT virtual eUICC associated with the eIM.
    let packages = Phase::default();
    let mut package_seconds = 0.0;
    let mut package_cpu = (0.0, 0.0);
    if a.packages > 0 {
        let (isdr, registration) = iot_device(pki_dir, curve, address)?;
        let own_eid = isdr.identity().eid_text().to_owned();
        rest.post("/euiccs", registration).await?;
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
    let delivery_ms = sorted(std::mem::take(&mut *lock(&deliveries.ms)));
    let report = Report {
        curve: curve.dir_name(),
        concurrency: a.concurrency,
        database: if on_postgres { "postgres" } else { "sqlite" },
        euiccs,
        register_seconds: fleet.register_seconds,
        pending: a.pending,
        queue_seconds: fleet.queue_seconds,
        memory_registered: fleet.memory_registered,
        memory_polled,
        memory_end: memory_mib(pid),
        poll_pg_cpu: on_postgres.then_some(poll_pg_cpu),
        deliveries: delivery_ms.len(),
        deliveries_failed: deliveries.failed.load(Ordering::Relaxed),
        delivery_seconds,
        delivery_cpu,
        delivery_ms,
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
    for phase in [&*polls, &*deliveries, &packages] {
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
    database: &'static str,
    euiccs: u64,
    register_seconds: f64,
    pending: u64,
    queue_seconds: f64,
    /// Server memory (VmRSS, VmHWM) in MiB after registration, after the polls, at the end.
    memory_registered: (f64, f64),
    memory_polled: (f64, f64),
    memory_end: (f64, f64),
    /// CPU of the PostgreSQL processes over the poll phase (user, system).
    poll_pg_cpu: Option<(f64, f64)>,
    deliveries: usize,
    deliveries_failed: u64,
    delivery_seconds: f64,
    delivery_cpu: (f64, f64),
    delivery_ms: Vec<f64>,
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

    fn pg_per_poll_ms(&self) -> Option<f64> {
        self.poll_pg_cpu
            .map(|(u, s)| (u + s) / (self.polls.max(1) as f64))
    }

    fn per_delivery_ms(&self) -> f64 {
        (self.delivery_cpu.0 + self.delivery_cpu.1) / (self.deliveries.max(1) as f64)
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
            "database": self.database,
            "euiccs": self.euiccs,
            "register_seconds": round(self.register_seconds),
            "registrations_per_second": round(Self::rate(usize::try_from(self.euiccs).unwrap_or(0), self.register_seconds)),
            "pending": self.pending,
            "queue_seconds": round(self.queue_seconds),
            "server_rss_mib_registered": round(self.memory_registered.0),
            "server_rss_mib_polled": round(self.memory_polled.0),
            "server_rss_mib_end": round(self.memory_end.0),
            "server_hwm_mib": round(self.memory_end.1),
            "postgres_cpu_ms_per_poll": self.pg_per_poll_ms().map(round),
            "deliveries": self.deliveries,
            "deliveries_failed": self.deliveries_failed,
            "deliveries_per_second": round(Self::rate(self.deliveries, self.delivery_seconds)),
            "delivery_p50_ms": round(percentile(&self.delivery_ms, 0.50)),
            "delivery_p99_ms": round(percentile(&self.delivery_ms, 0.99)),
            "server_cpu_ms_per_delivery": round(self.per_delivery_ms()),
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
            "eIM benchmark: curve {}, {}, concurrency {} (polls), packages one at a time",
            self.curve, self.database, self.concurrency
        );
        println!(
            "  fleet              {:>8} eUICCs registered in {:.2} s ({:.0}/s, CSV bulk); {} pending queued in {:.2} s",
            self.euiccs,
            self.register_seconds,
            Self::rate(
                usize::try_from(self.euiccs).unwrap_or(0),
                self.register_seconds
            ),
            self.pending,
            self.queue_seconds
        );
        println!(
            "  server memory      VmRSS {:.0} MiB registered, {:.0} MiB after polls, {:.0} MiB at end; VmHWM {:.0} MiB",
            self.memory_registered.0, self.memory_polled.0, self.memory_end.0, self.memory_end.1
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
        if let Some(pg) = self.pg_per_poll_ms() {
            println!("  PostgreSQL CPU     {pg:>8.3} ms per empty poll (all postgres processes)");
        }
        if self.deliveries > 0 {
            println!(
                "  delivering polls   {:>8} ({} failed) {:>9.1}/s   p50 {:.2} ms  p99 {:.2} ms; server CPU {:.3} ms each",
                self.deliveries,
                self.deliveries_failed,
                Self::rate(self.deliveries, self.delivery_seconds),
                percentile(&self.delivery_ms, 0.50),
                percentile(&self.delivery_ms, 0.99),
                self.per_delivery_ms()
            );
        }
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
