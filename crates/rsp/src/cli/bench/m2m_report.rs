//! The report of `rsp bench m2m`: rates, latencies, the CPU time of each role per
//! download, the ES5 operations behind the downloads, and the ES8 ECC floor.

use std::collections::BTreeMap;

use super::BenchCurve;
use super::common::{openssl_ecdh, openssl_ecdsa, percentile};

/// CPU time (user + system, ms) of each process over a phase.
#[derive(Clone, Copy)]
pub(super) struct Roles {
    pub(super) smdp: f64,
    pub(super) smsr: f64,
    pub(super) smsc: f64,
    /// This process: the virtual eUICCs with their modem simulators, and the Operator.
    pub(super) cards: f64,
}

impl Roles {
    pub(super) fn per(self, n: f64) -> Self {
        Roles {
            smdp: self.smdp / n,
            smsr: self.smsr / n,
            smsc: self.smsc / n,
            cards: self.cards / n,
        }
    }

    /// `self` less `idle` (per second) over `seconds`, never below 0.
    fn less_idle(self, idle: Self, seconds: f64) -> Self {
        let net = |x: f64, i: f64| (x - i * seconds).max(0.0);
        Roles {
            smdp: net(self.smdp, idle.smdp),
            smsr: net(self.smsr, idle.smsr),
            smsc: net(self.smsc, idle.smsc),
            cards: net(self.cards, idle.cards),
        }
    }

    fn json(self) -> serde_json::Value {
        serde_json::json!({
            "smdp": round(self.smdp), "smsr": round(self.smsr),
            "smsc": round(self.smsc), "cards": round(self.cards),
        })
    }
}

fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// `openssl speed` on the curve: ECDSA sign/s and verify/s, ECDH/s.
pub(super) struct Floor {
    ecdsa: Option<(f64, f64)>,
    ecdh: Option<f64>,
}

impl Floor {
    pub(super) fn measure(curve: BenchCurve) -> Self {
        Floor {
            ecdsa: openssl_ecdsa(curve),
            ecdh: openssl_ecdh(curve),
        }
    }

    /// The SM-DP's ECC in one ES8 key establishment (SGP.02 §3.1.2): the ephemeral key
    /// pair (priced as one signature: both are one fixed-base scalar multiplication), the
    /// signature over it, the ECDH of ShS (ms).
    fn smdp_ms(&self) -> Option<f64> {
        let ((sign, _), ecdh) = (self.ecdsa?, self.ecdh?);
        Some(2000.0 / sign + 1000.0 / ecdh)
    }

    /// The eUICC's: CERT.DP.ECDSA and the signature over ePK.DP verified, its ECDH (ms).
    fn card_ms(&self) -> Option<f64> {
        let ((_, verify), ecdh) = (self.ecdsa?, self.ecdh?);
        Some(2000.0 / verify + 1000.0 / ecdh)
    }
}

pub(super) struct Report {
    pub(super) transport: &'static str,
    pub(super) curve: BenchCurve,
    pub(super) downloads: u64,
    pub(super) done: u64,
    pub(super) failed: u64,
    pub(super) concurrency: u64,
    pub(super) send_interval: f64,
    /// From the first ES2 request to the last DownloadProfileResponse.
    pub(super) seconds: f64,
    /// From the last response until the SM-SR's last operation (the confirmation of the
    /// eUICCs' notifications) ended.
    pub(super) settle_seconds: f64,
    pub(super) download_ms: Vec<f64>,
    pub(super) cpu_at_last_response: Roles,
    /// Until the operations settled: the whole work of the downloads.
    pub(super) cpu: Roles,
    /// CPU ms per second of the idle processes, measured before the timed phase.
    pub(super) idle_per_second: Roles,
    pub(super) es5_ops: u64,
    pub(super) es5_attempts: u64,
    pub(super) functions: BTreeMap<String, u64>,
    /// Notices the SM-SR sent to the Operator.
    pub(super) notices: u64,
    /// Peak resident memory of the SM-DP and the SM-SR, MiB.
    pub(super) memory_hwm_mib: [f64; 2],
    pub(super) cards_wrong: usize,
    pub(super) floor: Floor,
    pub(super) clock_ticks: u64,
}

#[allow(clippy::cast_precision_loss)]
impl Report {
    fn each(&self) -> f64 {
        self.done.max(1) as f64
    }

    /// CPU per download less what the processes spend idle over the same time.
    fn net(&self) -> Roles {
        self.cpu
            .less_idle(self.idle_per_second, self.seconds + self.settle_seconds)
            .per(self.each())
    }

    fn per_second(&self) -> f64 {
        self.done as f64 / self.seconds.max(1e-9)
    }

    pub(super) fn json(&self) -> serde_json::Value {
        let cpu = self.cpu.per(self.each());
        serde_json::json!({
            "transport": self.transport,
            "curve": self.curve.dir_name(),
            "downloads": self.done,
            "failures": self.failed,
            "requested": self.downloads,
            "concurrency": self.concurrency,
            "send_interval_seconds": self.send_interval,
            "seconds": round(self.seconds),
            "settle_seconds": round(self.settle_seconds),
            "downloads_per_second": round(self.per_second()),
            "download_p50_ms": round(percentile(&self.download_ms, 0.50)),
            "download_p99_ms": round(percentile(&self.download_ms, 0.99)),
            "cpu_ms_per_download": cpu.json(),
            "net_cpu_ms_per_download": self.net().json(),
            "idle_cpu_ms_per_second": self.idle_per_second.json(),
            "cpu_ms_per_download_at_last_response": self.cpu_at_last_response.per(self.each()).json(),
            "es5_operations": self.es5_ops,
            "es5_operations_per_download": round(self.es5_ops as f64 / self.each()),
            "es5_attempts": self.es5_attempts,
            "es5_functions": self.functions,
            "operator_notices": self.notices,
            "smdp_hwm_mib": round(self.memory_hwm_mib[0]),
            "smsr_hwm_mib": round(self.memory_hwm_mib[1]),
            "cards_without_their_profile": self.cards_wrong,
            "openssl_ecdsa_sign_per_s": self.floor.ecdsa.map(|o| o.0),
            "openssl_ecdsa_verify_per_s": self.floor.ecdsa.map(|o| o.1),
            "openssl_ecdh_per_s": self.floor.ecdh,
            "ecc_floor_ms_smdp": self.floor.smdp_ms().map(round),
            "ecc_floor_ms_card": self.floor.card_ms().map(round),
            "smdp_net_cpu_to_ecc_ratio": self.floor.smdp_ms().map(|f| round(self.net().smdp / f)),
            "clock_ticks_per_second": self.clock_ticks,
        })
    }

    pub(super) fn print(&self) {
        let cpu = self.cpu.per(self.each());
        let transport = match self.transport {
            "https" => "HTTPS (SCP81, push SMS)",
            _ => "SMS (SCP80)",
        };
        println!(
            "M2M download benchmark (SGP.02): ES5 over {transport}, curve {}, concurrency {}, \
             SM-SR send interval {} s",
            self.curve.dir_name(),
            self.concurrency,
            self.send_interval
        );
        println!(
            "  downloads        {:>6} ({} failed) {:>8.2}/s   p50 {:.0} ms  p99 {:.0} ms \
             (ES2 DownloadProfile to its DownloadProfileResponse; {:.1} s in all)",
            self.done,
            self.failed,
            self.per_second(),
            percentile(&self.download_ms, 0.50),
            percentile(&self.download_ms, 0.99),
            self.seconds
        );
        let functions: Vec<String> = self
            .functions
            .iter()
            .map(|(f, n)| format!("{f} {n}"))
            .collect();
        println!(
            "  ES5 operations   {:>6.1} per download, {} attempts for {} ({})",
            self.es5_ops as f64 / self.each(),
            self.es5_attempts,
            self.es5_ops,
            functions.join(", ")
        );
        let (net, idle) = (self.net(), self.idle_per_second);
        println!(
            "  CPU per download (ms, user + system from /proc at {} ticks/s, until the SM-SR's \
             last operation ended {:.1} s after the last response; net: less the idle \
             processes' CPU over that time):",
            self.clock_ticks, self.settle_seconds
        );
        println!("                        all      net   idle ms/s");
        let line = |role: &str, all: f64, net: f64, idle: f64, note: String| {
            let text = format!("    {role:<14} {all:>8.2} {net:>8.2} {idle:>8.2}   {note}");
            println!("{}", text.trim_end());
        };
        line(
            "SM-DP",
            cpu.smdp,
            net.smdp,
            idle.smdp,
            format!("(peak RSS {:.0} MiB)", self.memory_hwm_mib[0]),
        );
        line(
            "SM-SR",
            cpu.smsr,
            net.smsr,
            idle.smsr,
            format!("(peak RSS {:.0} MiB)", self.memory_hwm_mib[1]),
        );
        line("SMSC", cpu.smsc, net.smsc, idle.smsc, String::new());
        line(
            "eUICCs",
            cpu.cards,
            net.cards,
            idle.cards,
            "(the virtual cards and modem simulators, with the Operator's ES2 client, in \
             the bench process)"
                .into(),
        );
        match (self.floor.ecdsa, self.floor.ecdh) {
            (Some((sign, verify)), Some(ecdh)) => println!(
                "  ECC floor        SM-DP {:.3} ms (keygen + sign + ECDH) -> net CPU/ECC ratio {:.1}; \
                 eUICC {:.3} ms (2 verify + ECDH); openssl speed: {sign:.0} sign/s, \
                 {verify:.0} verify/s, {ecdh:.0} ECDH/s",
                self.floor.smdp_ms().unwrap_or(0.0),
                net.smdp / self.floor.smdp_ms().unwrap_or(f64::INFINITY),
                self.floor.card_ms().unwrap_or(0.0),
            ),
            _ => println!("  ECC floor        n/a (openssl not found)"),
        }
        println!(
            "  Operator notices {:>6}; eUICCs without their Profile enabled: {}",
            self.notices, self.cards_wrong
        );
    }
}
