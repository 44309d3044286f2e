//! The fleet side of `rsp bench eim` ([`super::eim`]).
//!
//! Fleet scale (`--euiccs N --pending M`): N eUICCs registered through `POST
//! /eim/v1/euiccs:bulk` (one CSV body), M operations queued through `POST
//! /eim/v1/operations:bulk` for the first M of them, both timed; the empty polls then go to
//! the other N − M EIDs, spread pseudo-randomly, and `--deliveries K` polls K of the M
//! (each hands out an eIM-signed package). The server's memory (VmRSS, VmHWM) is read from
//! /proc after each phase, and on PostgreSQL the CPU of the database's processes too.
//!
//! Here: the benchmark's own PostgreSQL database (`--database`), the fleet's registration
//! and bulk queueing, the pollers (empty and delivering) and the delivery phase.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use rsp_codec::asn1::sgp32::{EimPackageError, GetEimPackageResponse};
use rsp_lpa::EsipaClient;
use serde_json::{Value, json};

use super::common::{cpu_ticks, lock, memory_mib, progress};
use super::eim::{EIM_ID, Rest};

/// Latencies and failures of one phase.
#[derive(Default)]
pub(super) struct Phase {
    pub(super) ms: std::sync::Mutex<Vec<f64>>,
    pub(super) failed: AtomicU64,
    pub(super) first_error: std::sync::Mutex<Option<String>>,
}

impl Phase {
    pub(super) fn record(&self, start: Instant, result: anyhow::Result<()>) {
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

impl Rest {
    /// A CSV body (bulk registration: no client timeout short of 10 minutes).
    pub(super) async fn post_csv(&self, path: &str, csv: String) -> anyhow::Result<Value> {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .header(reqwest::header::CONTENT_TYPE, "text/csv")
            .timeout(Duration::from_secs(600))
            .body(csv)
            .send()
            .await?;
        super::eim::answer(path, response).await
    }
}

/// The benchmark's own PostgreSQL database, dropped at the end.
pub(super) struct BenchDatabase {
    admin: rsp_storage::SqlStore,
    pub(super) name: String,
    pub(super) url: String,
}

impl BenchDatabase {
    pub(super) async fn create(admin_url: &str) -> anyhow::Result<Self> {
        if rsp_storage::Backend::of_url(admin_url) != Some(rsp_storage::Backend::Postgres) {
            bail!("--database takes a postgres:// URL");
        }
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).map_err(|e| anyhow::anyhow!("random generator: {e}"))?;
        let key = rsp_storage::DataKey::new("bench", &key)
            .map_err(|e| anyhow::anyhow!("data key: {e}"))?;
        let admin = rsp_storage::SqlStore::connect(admin_url, key)
            .await
            .map_err(|e| anyhow::anyhow!("PostgreSQL at {admin_url}: {e}"))?;
        let name = format!("rsp_bench_eim_{}", std::process::id());
        admin
            .create_database(&name)
            .await
            .map_err(|e| anyhow::anyhow!("creating database {name}: {e}"))?;
        let (base, query) = match admin_url.split_once('?') {
            Some((b, q)) => (b, format!("?{q}")),
            None => (admin_url, String::new()),
        };
        let server = base
            .strip_prefix("postgres://")
            .or_else(|| base.strip_prefix("postgresql://"))
            .and_then(|rest| rest.split_once('/').map(|(host, _)| host).or(Some(rest)))
            .context("database URL")?;
        let url = format!("postgres://{server}/{name}{query}");
        progress(&format!("setup: PostgreSQL database {name} created"));
        Ok(Self { admin, name, url })
    }

    pub(super) async fn drop_now(self) {
        match self.admin.drop_database(&self.name).await {
            Ok(()) => progress(&format!("PostgreSQL database {} dropped", self.name)),
            Err(e) => progress(&format!("could not drop database {}: {e}", self.name)),
        }
        self.admin.close().await;
    }
}

/// The registered fleet: its EIDs (the first `pending` with an operation queued), those
/// without one (the empty polls' targets), the timings and the server's memory after the
/// registration.
pub(super) struct Fleet {
    pub(super) eids: Vec<[u8; 16]>,
    pub(super) idle: Arc<Vec<[u8; 16]>>,
    pub(super) register_seconds: f64,
    pub(super) memory_registered: (f64, f64),
    pub(super) queue_seconds: f64,
}

/// Registers `euiccs` eUICCs in one CSV body, then queues an operation for the first
/// `pending` of them; `pid` is the eIM's process (its memory is read after registration).
pub(super) async fn register_fleet(
    rest: &Rest,
    euiccs: u64,
    pending: u64,
    pid: u32,
) -> anyhow::Result<Fleet> {
    // Registration of the fleet: one CSV body (no certificates needed for polls).
    progress(&format!(
        "fleet: registering {euiccs} eUICCs (POST /eim/v1/euiccs:bulk, text/csv)…"
    ));
    let mut csv = String::with_capacity(usize::try_from(euiccs).unwrap_or(0) * 50 + 64);
    csv.push_str("eid,eimId,curve,counterValue\n");
    let mut eids = Vec::with_capacity(usize::try_from(euiccs).unwrap_or(0));
    for n in 1..=euiccs {
        let text = eid(n)?;
        csv.push_str(&text);
        csv.push(',');
        csv.push_str(EIM_ID);
        csv.push_str(",nist,0\n");
        eids.push(eid_bytes(&text)?);
    }
    let start = Instant::now();
    let report = rest.post_csv("/euiccs:bulk", csv).await?;
    let register_seconds = start.elapsed().as_secs_f64();
    if report["registered"].as_u64() != Some(euiccs) {
        bail!("bulk registration: {report}");
    }
    let memory_registered = memory_mib(pid);

    // A pending operation for each of the first `pending` eUICCs, in lists of 50 000.
    let start = Instant::now();
    if pending > 0 {
        progress(&format!(
            "fleet: queueing {pending} operations (POST /eim/v1/operations:bulk)…"
        ));
    }
    let pending_count = usize::try_from(pending).unwrap_or(usize::MAX);
    for chunk in eids[..pending_count].chunks(50_000) {
        let list: Vec<String> = chunk.iter().map(hex::encode).collect();
        let answer = rest
            .post(
                "/operations:bulk",
                json!({"operation": {"type": "psmo", "psmos": [{"op": "listProfileInfo"}]},
                       "eids": list}),
            )
            .await?;
        if answer["queued"].as_u64() != Some(u64::try_from(chunk.len())?) {
            bail!("bulk queue: {answer}");
        }
    }
    let queue_seconds = start.elapsed().as_secs_f64();
    let idle = Arc::new(eids[pending_count..].to_vec());
    Ok(Fleet {
        eids,
        idle,
        register_seconds,
        memory_registered,
        queue_seconds,
    })
}

/// Deliveries: `total` polls of eUICCs with a pending operation (first delivery: counter
/// value, eIM signature, the message kept), from `concurrency` pollers; the phase, its
/// duration in seconds and the server's CPU over it (user, system ms).
pub(super) async fn delivery_phase(
    esipa: &EsipaClient,
    eids: &[[u8; 16]],
    total: u64,
    concurrency: u64,
    pid: u32,
    ticks: u64,
) -> anyhow::Result<(Arc<Phase>, f64, (f64, f64))> {
    let deliveries = Arc::new(Phase::default());
    let before = cpu_ticks(pid)?;
    let start = Instant::now();
    if total > 0 {
        progress(&format!(
            "ESipa: {total} polls delivering a package, concurrency {concurrency}…"
        ));
        let targets = Arc::new(eids[..usize::try_from(total)?].to_vec());
        poll_phase(esipa, &targets, total, concurrency, true, &deliveries).await?;
    }
    let delivery_seconds = start.elapsed().as_secs_f64();
    let delivery_cpu = cpu_ticks(pid)?.ms_since(before, ticks);
    Ok((deliveries, delivery_seconds, delivery_cpu))
}

/// `total` polls from `concurrency` pollers: spread pseudo-randomly over `eids` for empty
/// polls, or each EID once in order when every poll should deliver a package.
pub(super) async fn poll_phase(
    esipa: &EsipaClient,
    eids: &Arc<Vec<[u8; 16]>>,
    total: u64,
    concurrency: u64,
    deliver: bool,
    phase: &Arc<Phase>,
) -> anyhow::Result<()> {
    let next = Arc::new(AtomicU64::new(0));
    let span = u64::try_from(eids.len()).unwrap_or(u64::MAX).max(1);
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (esipa, next, phase, eids) = (esipa.clone(), next.clone(), phase.clone(), eids.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                if k >= total {
                    break;
                }
                let index = if deliver {
                    k % span
                } else {
                    // A multiplicative hash: neighbouring polls hit unrelated EIDs.
                    (k.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 17) % span
                };
                let eid = eids[usize::try_from(index).unwrap_or(0)];
                let t = Instant::now();
                let result = match esipa.get_eim_package(eid).await {
                    Ok(GetEimPackageResponse::EimPackageError(
                        EimPackageError::NO_EIM_PACKAGE_AVAILABLE,
                    )) if !deliver => Ok(()),
                    Ok(GetEimPackageResponse::EuiccPackageRequest(_)) if deliver => Ok(()),
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
    Ok(())
}
