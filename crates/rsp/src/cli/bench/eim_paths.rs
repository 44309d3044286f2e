//! `rsp bench eim-paths` compares the ways an IoT device reaches its servers (SGP.32 v1.2):
//! Profile downloads **direct** (the IPA's own ES9+ client to the SM-DP+) against
//! **indirect** (the eIM relaying ES9+ over ESipa, §3.2), with the server CPU of the eIM and
//! the SM-DP+ together per download; and empty ESipa polls over **HTTPS** against
//! **CoAP/DTLS**, with the eIM's CPU per poll.
//!
//! Set up here, not timed: a test PKI, `rsp serve smdpp` and `rsp serve eim --coap-listen`
//! as child processes (SQLite), an inventory with 2N orders over ES2+, one IoT virtual
//! eUICC registered at the eIM, C more EIDs for the pollers. Each download is queued through
//! the eIM's REST API and run by the IPA in one poll; the Profile is then deleted on the
//! eUICC (the delete notification goes out with the next poll), so the card never fills.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;
use rsp_codec::asn1::sgp32::{
    EimPackageError, EsipaMessageFromEimToIpa, EsipaMessageFromIpaToEim, GetEimPackageRequest,
    GetEimPackageResponse,
};
use rsp_codec::asn1::{Extensions, Octet16};
use rsp_euicc::Card;
use rsp_lpa::esipa_coap::CoapEimLink;
use rsp_lpa::ipa::{DownloadMode, EimLink, Handled, Ipa};
use rsp_lpa::{ApduChannel, Es9PlusClient, EsipaClient};
use serde_json::{Value, json};

use super::BenchCurve;
use super::common::{
    ServerChild, WorkDir, clock_ticks, cpu_ticks, free_port, openssl_ecdsa, progress, random_hex,
    spawn_role, wait_healthy,
};
use crate::cli::lab;

use super::eim::EIM_ID;

/// Options of `rsp bench eim-paths`.
#[derive(Debug, Args)]
pub struct EimPathsArgs {
    /// Downloads in each mode (direct, indirect), one after the other.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    downloads: u64,
    /// Empty polls in each binding (HTTPS, CoAP).
    #[arg(long, default_value_t = 3000, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    polls: u64,
    /// Concurrent pollers (one EID each; one CoAP/DTLS association each).
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=256))]
    concurrency: u64,
    /// eUICC certificates and eIM association of this curve [default: NIST P-256].
    #[arg(long, value_enum)]
    curve: Option<BenchCurve>,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    json: bool,
}

/// Server CPU (ms, both processes) and wall time of one phase.
#[derive(Debug, Default, Clone, Copy)]
struct Phase {
    count: u64,
    seconds: f64,
    eim_cpu_ms: f64,
    smdp_cpu_ms: f64,
}

impl Phase {
    #[allow(clippy::cast_precision_loss)]
    fn per(&self, cpu: f64) -> f64 {
        cpu / self.count.max(1) as f64
    }

    #[allow(clippy::cast_precision_loss)]
    fn rate(&self) -> f64 {
        if self.seconds > 0.0 {
            self.count as f64 / self.seconds
        } else {
            0.0
        }
    }

    fn json(&self) -> Value {
        let r = |x: f64| (x * 1000.0).round() / 1000.0;
        json!({
            "count": self.count,
            "per_second": r(self.rate()),
            "eim_cpu_ms_each": r(self.per(self.eim_cpu_ms)),
            "smdp_cpu_ms_each": r(self.per(self.smdp_cpu_ms)),
            "server_cpu_ms_each": r(self.per(self.eim_cpu_ms + self.smdp_cpu_ms)),
        })
    }
}

/// CPU ms (user + system) of `pid` since `before`.
fn cpu_ms(pid: u32, before: super::common::CpuTicks, ticks: u64) -> anyhow::Result<f64> {
    let (u, s) = cpu_ticks(pid)?.ms_since(before, ticks);
    Ok(u + s)
}

pub(super) async fn bench_eim_paths(a: EimPathsArgs) -> anyhow::Result<()> {
    let work = WorkDir::new(None)?;
    let pki = work.path.join("pki");
    progress(&format!("setup: test PKI in {}", pki.display()));
    lab::write_test_pki(&pki)?;
    let (smdp_address, smdp_admin, mut smdp) =
        super::smdpp::spawn_server(&work.path, &pki, None, None)?;
    let token = random_hex(24)?;
    let coap_port = free_port()?;
    let (eim_port, eim_admin, mut eim) = spawn_role(&work.path, "eim", "RSP_EIM_", |cmd, _| {
        cmd.arg("--database")
            .arg(format!("sqlite://{}", work.path.join("eim.db").display()))
            .arg("--pki")
            .arg(&pki)
            .args(["--eim-id", EIM_ID])
            .arg("--coap-listen")
            .arg(format!("127.0.0.1:{coap_port}"))
            .arg("--tenant")
            .arg(format!(
                "bench={}",
                hex::encode(rsp_eim::token_hash(&token))
            ));
    })?;
    let servers = Servers {
        smdp_address,
        smdp_admin,
        eim_address: format!("localhost:{eim_port}"),
        eim_admin: format!("http://127.0.0.1:{eim_admin}"),
        coap_address: format!("localhost:{coap_port}"),
        token,
    };
    let result = run(&a, &pki, &servers, &mut smdp, &mut eim).await;
    progress("stopping the servers");
    eim.stop().await?;
    smdp.stop().await?;
    drop(work);
    result
}

struct Servers {
    smdp_address: String,
    smdp_admin: String,
    eim_address: String,
    eim_admin: String,
    coap_address: String,
    token: String,
}

async fn run(
    a: &EimPathsArgs,
    pki: &std::path::Path,
    s: &Servers,
    smdp: &mut ServerChild,
    eim: &mut ServerChild,
) -> anyhow::Result<()> {
    let plain = reqwest::Client::new();
    wait_healthy(&plain, &s.smdp_admin, Some(smdp)).await?;
    wait_healthy(&plain, &s.eim_admin, Some(eim)).await?;
    let (smdp_pid, eim_pid) = (
        smdp.pid().context("SM-DP+ pid")?,
        eim.pid().context("eIM pid")?,
    );
    let ticks = clock_ticks();
    let curve = a.curve.unwrap_or(BenchCurve::Nist);
    let nist_ca = pki.join("nist/ci.pem");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .tls_certs_only([reqwest::Certificate::from_pem(&std::fs::read(&nist_ca)?)?])
        .build()?;
    let rest = |path: &str| format!("https://{}/eim/v1{path}", s.eim_address);
    let post = |path: String, body: Value| {
        let http = http.clone();
        let token = s.token.clone();
        async move {
            let r = http
                .post(path)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await?;
            let status = r.status();
            let v: Value = r.json().await.unwrap_or(Value::Null);
            if !status.is_success() {
                bail!("eIM: HTTP {status}: {v}");
            }
            anyhow::Ok(v)
        }
    };

    // Inventory and 2N orders.
    let n = a.downloads;
    let run_id = random_hex(4)?;
    let profile_type = format!("rsp-bench-{run_id}");
    let series = u32::from_str_radix(&run_id, 16).unwrap_or(0) % 10_000;
    progress(&format!(
        "setup: importing {} profiles, ordering them",
        2 * n
    ));
    let mut csv = String::from("iccid,imsi\n");
    for i in 0..2 * n {
        let iccid = lab::iccid_with_check(&format!("89001{series:04}{i:09}"));
        csv.push_str(&format!("{iccid},00101{i:010}\n"));
    }
    let batch = lab::Batch {
        profile_type: &profile_type,
        service_provider_name: "RSP Bench",
        profile_name: "Benchmark profile",
        csv,
        template: None,
    };
    lab::import_batch(&plain, &s.smdp_admin, batch).await?;
    let es2 = lab::es2_client(pki, &s.smdp_address, "rsp-bench")?;
    let mut codes = Vec::new();
    for _ in 0..2 * n {
        codes.push(lab::order(&es2, &s.smdp_address, &profile_type).await?);
    }

    // The device: an IoT eUICC associated with the eIM, registered with its certificates.
    let (isdr, registration) = super::eim::iot_device(pki, curve, &s.eim_address)?;
    let eid = isdr.identity().eid_text().to_owned();
    post(rest("/euiccs"), registration).await?;
    let channel = ApduChannel::open(Card::new(isdr))?;
    let es9 = Es9PlusClient::from_ca_files(&[&nist_ca])?;
    let mut ipa = Ipa::new(channel, EsipaClient::new(http.clone(), &s.eim_address), es9)?;

    // Downloads: direct, then indirect.
    let mut modes = Vec::new();
    for (mode, name) in [
        (DownloadMode::Direct, "direct"),
        (DownloadMode::Indirect, "indirect"),
    ] {
        progress(&format!("run: {n} {name} downloads…"));
        ipa = ipa.with_download_mode(mode);
        let (eim_before, smdp_before) = (cpu_ticks(eim_pid)?, cpu_ticks(smdp_pid)?);
        let start = Instant::now();
        for _ in 0..n {
            let ac = codes.pop().context("orders")?;
            post(
                rest(&format!("/euiccs/{eid}/operations")),
                json!({"type": "download", "activationCode": ac.trim_start_matches("LPA:")}),
            )
            .await?;
            let report = ipa.poll().await?;
            let iccid = report
                .handled
                .iter()
                .find_map(|h| match h {
                    Handled::ProfileDownload(d) if d.indirect == (name == "indirect") => {
                        d.iccid.clone()
                    }
                    _ => None,
                })
                .with_context(|| format!("{name} download failed: {report:?}"))?;
            let iccid = rsp_lpa::profiles::iccid_from_text(&iccid)?;
            rsp_lpa::profiles::delete_profile(ipa.channel_mut(), &iccid)?;
        }
        // The last delete notification, and the eIM's forwarding of the notifications.
        ipa.poll().await?;
        let seconds = start.elapsed().as_secs_f64();
        tokio::time::sleep(Duration::from_millis(1200)).await;
        modes.push((
            name,
            Phase {
                count: n,
                seconds,
                eim_cpu_ms: cpu_ms(eim_pid, eim_before, ticks)?,
                smdp_cpu_ms: cpu_ms(smdp_pid, smdp_before, ticks)?,
            },
        ));
    }

    // Empty polls: HTTPS, then CoAP/DTLS, C pollers with an EID each.
    let mut eids = Vec::new();
    for i in 0..a.concurrency {
        let first30 = format!("890490320000000000{:012}", 2_000_000 + i);
        let e = rsp_pki::eid_with_check_digits(&first30).map_err(|e| anyhow::anyhow!("{e}"))?;
        post(rest("/euiccs"), json!({"eid": e, "eimId": EIM_ID})).await?;
        eids.push(<[u8; 16]>::try_from(hex::decode(&e)?.as_slice())?);
    }
    let ca_pem = std::fs::read_to_string(&nist_ca)?;
    let mut bindings = Vec::new();
    for name in ["https", "coap"] {
        progress(&format!("run: {} empty polls over {name}…", a.polls));
        let mut links = Vec::new();
        for _ in 0..a.concurrency {
            links.push(match name {
                "https" => Link::Https(EsipaClient::new(http.clone(), &s.eim_address)),
                _ => Link::Coap(CoapEimLink::connect(&s.coap_address, ca_pem.clone()).await?),
            });
        }
        let next = Arc::new(AtomicU64::new(0));
        let failed = Arc::new(AtomicU64::new(0));
        let before = cpu_ticks(eim_pid)?;
        let start = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        for (link, eid) in links.into_iter().zip(eids.iter().copied()) {
            let (next, failed, total) = (next.clone(), failed.clone(), a.polls);
            tasks.spawn(async move {
                while next.fetch_add(1, Ordering::Relaxed) < total {
                    if !empty_poll(&link, eid).await {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
        while let Some(t) = tasks.join_next().await {
            t.context("poller")?;
        }
        let seconds = start.elapsed().as_secs_f64();
        if failed.load(Ordering::Relaxed) > 0 {
            bail!(
                "{} of the {name} polls failed",
                failed.load(Ordering::Relaxed)
            );
        }
        bindings.push((
            name,
            Phase {
                count: a.polls,
                seconds,
                eim_cpu_ms: cpu_ms(eim_pid, before, ticks)?,
                smdp_cpu_ms: 0.0,
            },
        ));
    }
    report(a, curve, &modes, &bindings);
    Ok(())
}

/// One poller's link.
enum Link {
    Https(EsipaClient),
    Coap(CoapEimLink),
}

/// An empty GetEimPackage; true when answered `noEimPackageAvailable`.
async fn empty_poll(link: &Link, eid: [u8; 16]) -> bool {
    let request = EsipaMessageFromIpaToEim::GetEimPackageRequest(GetEimPackageRequest {
        eid_value: Octet16::from(eid),
        notify_state_change: None,
        state_change_cause: None,
        r_plmn: None,
        ext: Extensions::default(),
    });
    let answer = match link {
        Link::Https(l) => l.exchange(&request).await,
        Link::Coap(l) => l.exchange(&request).await,
    };
    matches!(
        answer,
        Ok(Some(EsipaMessageFromEimToIpa::GetEimPackageResponse(
            GetEimPackageResponse::EimPackageError(EimPackageError::NO_EIM_PACKAGE_AVAILABLE)
        )))
    )
}

fn report(
    a: &EimPathsArgs,
    curve: BenchCurve,
    modes: &[(&str, Phase)],
    bindings: &[(&str, Phase)],
) {
    let openssl = openssl_ecdsa(curve);
    if a.json {
        let mut v = json!({"curve": curve.dir_name(), "concurrency": a.concurrency});
        for (name, p) in modes.iter().chain(bindings) {
            v[*name] = p.json();
        }
        v["openssl_ecdsa_sign_per_s"] = json!(openssl.map(|o| o.0));
        v["openssl_ecdsa_verify_per_s"] = json!(openssl.map(|o| o.1));
        println!("{v}");
        return;
    }
    println!("eIM paths benchmark: curve {}", curve.dir_name());
    for (name, p) in modes {
        println!(
            "  {name:<9} downloads {:>5} {:>7.1}/s   server CPU {:>6.2} ms each (eIM {:.2}, SM-DP+ {:.2})",
            p.count,
            p.rate(),
            p.per(p.eim_cpu_ms + p.smdp_cpu_ms),
            p.per(p.eim_cpu_ms),
            p.per(p.smdp_cpu_ms)
        );
    }
    for (name, p) in bindings {
        println!(
            "  {name:<9} polls     {:>5} {:>7.1}/s   eIM CPU {:>6.3} ms per empty poll",
            p.count,
            p.rate(),
            p.per(p.eim_cpu_ms)
        );
    }
    if let Some((sign, verify)) = openssl {
        println!("  openssl speed: {sign:.0} ECDSA sign/s, {verify:.0} verify/s on this curve");
    }
}
