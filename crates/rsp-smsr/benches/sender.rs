//! Operations per second through the SM-SR's ES5 sender on SQLite: N eUICCs registered
//! (one queued EnableProfile each, since the sender runs one operation per eUICC at a
//! time), then `send_due` steps of 100 until all N are sealed and handed to an in-memory
//! `Es5Sms`. Each operation costs: the due query, the EIS and keys read (keys decrypted),
//! the script, a store-allocated SCP80 counter, the seal and the `mark_sent` update.
//! Prints wall-clock operations/s and process CPU per operation (/proc/self/stat), for a
//! 3DES and an AES keyset. `RSP_BENCH_OPS` sets N (default 1000).
//!
//! `cargo bench -p rsp-smsr --bench sender`
#![allow(clippy::unwrap_used)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use rsp_codec::json::Iccid;
use rsp_smsr::service::{Es5Sms, Request, SmsrConfig, SmsrService};
use rsp_smsr::{EuiccKeys, Function, Requester, Scp80Algorithm, Scp80Keyset};
use rsp_storage::{DataKey, SqlStore};
use rsp_testkit::fs::TempDir;
use rsp_testkit::m2m::{self, LabProfile};

/// Counts what would go to the SMSC.
#[derive(Default)]
struct CountingSms {
    packets: AtomicUsize,
    octets: AtomicUsize,
}

impl Es5Sms for CountingSms {
    async fn send(&self, _msisdn: &str, packet: &[u8]) -> Result<(), String> {
        self.packets.fetch_add(1, Ordering::Relaxed);
        self.octets.fetch_add(packet.len(), Ordering::Relaxed);
        Ok(())
    }
}

/// utime + stime of this process, seconds (Linux `/proc/self/stat`, 100 ticks/s).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses): state is field 3.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime is field 14, stime 15; `rest` starts at field 3.
    (ticks(11) + ticks(12)) / 100.0
}

fn keys(aes: bool) -> EuiccKeys {
    let ks = if aes {
        Scp80Keyset::new(2, Scp80Algorithm::Aes, &[0x2b; 16], &[0x7e; 16]).unwrap()
    } else {
        Scp80Keyset::new(1, Scp80Algorithm::Tdes, &[0x31; 16], &[0x32; 16]).unwrap()
    };
    EuiccKeys {
        scp80: vec![ks],
        scp81: None,
    }
}

async fn run(name: &str, aes: bool, n: usize) {
    let dir = TempDir::new();
    let store = SqlStore::open_sqlite(
        &dir.0.join("smsr.sqlite"),
        DataKey::new("k1", &[7; 32]).unwrap(),
    )
    .await
    .unwrap();
    store.migrate().await.unwrap();
    let smsr = SmsrService::new(store, SmsrConfig::default());
    let now = 1_000;
    let keys = keys(aes);

    let t = Instant::now();
    let mut eids = Vec::with_capacity(n);
    for i in 0..n {
        let eid = rsp_pki::eid_with_check_digits(&format!("890490320000000000{:012}", i)).unwrap();
        let (iccid1, iccid2) = (
            format!("89440000{:011}", 2 * i),
            format!("89440000{:011}", 2 * i + 1),
        );
        let (msisdn1, msisdn2) = (format!("4477{:08}", 2 * i), format!("4477{:08}", 2 * i + 1));
        let profiles = [
            LabProfile {
                index: 0,
                iccid: &iccid1,
                msisdn: &msisdn1,
                enabled: true,
                fallback: true,
            },
            LabProfile {
                index: 1,
                iccid: &iccid2,
                msisdn: &msisdn2,
                enabled: false,
                fallback: false,
            },
        ];
        smsr.register_eis(m2m::eis(&eid, "mno1", &profiles), &keys, now)
            .await
            .unwrap();
        eids.push((eid, iccid2));
    }
    let registered = t.elapsed();

    let (t, cpu) = (Instant::now(), cpu_seconds());
    for (eid, iccid) in &eids {
        let f = Function::EnableProfile {
            iccid: Iccid::parse(iccid).unwrap(),
        };
        smsr.request(
            Request::new(Requester::Operator("mno1".into()), eid.clone(), f),
            now,
        )
        .await
        .unwrap();
    }
    let (queued, queue_cpu) = (t.elapsed(), cpu_seconds() - cpu);

    let sms = CountingSms::default();
    let (t, cpu) = (Instant::now(), cpu_seconds());
    let mut sent = 0;
    while sent < n {
        let r = smsr.send_due(&sms, now, 100).await.unwrap();
        assert_eq!(r.failed, 0);
        assert!(r.sent > 0, "nothing due");
        sent += r.sent;
    }
    let (sending, send_cpu) = (t.elapsed(), cpu_seconds() - cpu);
    assert_eq!(sms.packets.load(Ordering::Relaxed), n);
    let octets = sms.octets.load(Ordering::Relaxed) / n;

    let per_s = |d: std::time::Duration| n as f64 / d.as_secs_f64();
    println!(
        "sender/{name}: {n} eUICCs registered in {:.2} s; requests queued: {:.0}/s ({:.3} ms CPU each); \
         operations sent: {:.0}/s ({:.3} ms CPU each, {octets}-octet packets)",
        registered.as_secs_f64(),
        per_s(queued),
        queue_cpu * 1000.0 / n as f64,
        per_s(sending),
        send_cpu * 1000.0 / n as f64,
    );
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument is accepted and ignored.
    let n = std::env::var("RSP_BENCH_OPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        run("3des", false, n).await;
        run("aes128", true, n).await;
    });
}
