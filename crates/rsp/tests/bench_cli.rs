//! `rsp bench smdpp` end to end: it sets up its own SM-DP+ child process, runs the
//! downloads and reports them. A functional test of the command: no speed thresholds.
#![allow(clippy::unwrap_used)]

use std::process::Command;

/// Runs `rsp bench smdpp ARGS`, which must succeed; its stdout and stderr.
fn bench(args: &[&str]) -> (String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rsp"))
        .args(["bench", "smdpp"])
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stdout}\n{stderr}");
    (stdout, stderr)
}

#[test]
fn bench_smdpp_reports_downloads_cpu_and_latencies() {
    let (stdout, stderr) = bench(&["--downloads", "20", "--concurrency", "4", "--json"]);
    assert!(
        stderr.contains("setup:"),
        "no progress on stderr:\n{stderr}"
    );

    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["downloads"], 20, "{report}");
    assert_eq!(report["failures"], 0, "{report}");
    assert_eq!(report["concurrency"], 4, "{report}");
    assert!(report["seconds"].as_f64().unwrap() > 0.0, "{report}");
    assert!(
        report["downloads_per_second"].as_f64().unwrap() > 0.0,
        "{report}"
    );
    assert!(
        report["server_cpu_ms_per_download"].as_f64().unwrap() > 0.0,
        "{report}"
    );
    for function in [
        "initiateAuthentication",
        "authenticateClient",
        "getBoundProfilePackage",
        "handleNotification",
    ] {
        let f = &report["functions"][function];
        assert_eq!(f["count"], 20, "{function}: {report}");
        assert_eq!(f["errors"], 0, "{function}: {report}");
        let p50 = f["p50_ms"].as_f64().unwrap();
        let p99 = f["p99_ms"].as_f64().unwrap();
        assert!(p50 > 0.0 && p99 >= p50, "{function}: {report}");
    }
}

#[test]
fn bench_smdpp_keeps_a_given_dir_and_refuses_a_foreign_one() {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).unwrap();
    let base = std::env::temp_dir().join(format!("rsp_bench_test_{}", hex::encode(b)));
    std::fs::create_dir_all(base.join("foreign")).unwrap();
    std::fs::write(base.join("foreign/keep.txt"), "mine").unwrap();
    let refused = Command::new(env!("CARGO_BIN_EXE_rsp"))
        .args(["bench", "smdpp", "--downloads", "1", "--dir"])
        .arg(base.join("foreign"))
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(base.join("foreign/keep.txt").exists());

    let dir = base.join("bench");
    let (stdout, _) = bench(&[
        "--downloads",
        "2",
        "--concurrency",
        "2",
        "--dir",
        dir.to_str().unwrap(),
    ]);
    assert!(stdout.contains("downloads/s"), "{stdout}");
    assert!(stdout.contains("getBoundProfilePackage"), "{stdout}");
    assert!(dir.join("bench.db").exists());
    assert!(dir.join("pki/nist/ci.pem").exists());
    std::fs::remove_dir_all(&base).unwrap();
}

/// `--rate` spaces the download starts: 10 starts at 20/s take at least 9 intervals of 50 ms,
/// however many workers are free.
#[test]
fn bench_smdpp_rate_spaces_the_starts() {
    let (stdout, _) = bench(&[
        "--downloads",
        "10",
        "--concurrency",
        "8",
        "--rate",
        "20",
        "--json",
    ]);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["downloads"], 10, "{report}");
    assert_eq!(report["rate_per_second"], 20, "{report}");
    assert!(report["seconds"].as_f64().unwrap() >= 0.45, "{report}");
}

/// `--template` personalises the inventory from the given package (a TS.48 test profile when
/// the reference set is available): the eUICCs install it; a file that is not a TCA package
/// is refused by the import (422), and the bench fails with the server's reason.
#[test]
fn bench_smdpp_template_is_used_and_checked() {
    if let Some(dir) = std::env::var_os("RSP_REFERENCE_DIR") {
        let ts48 = std::path::Path::new(&dir).join("ts48/TS48V5-SAIP2-3-BERTLV-SUCI-UNIQUE.der");
        let size = std::fs::metadata(&ts48).unwrap().len();
        let (stdout, _) = bench(&[
            "--downloads",
            "3",
            "--concurrency",
            "2",
            "--template",
            ts48.to_str().unwrap(),
            "--json",
        ]);
        let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(report["downloads"], 3, "{report}");
        assert_eq!(report["failures"], 0, "{report}");
        assert_eq!(report["template_bytes"], size, "{report}");
    } else {
        println!("SKIP TS.48 half: RSP_REFERENCE_DIR unset");
    }

    let mut b = [0u8; 8];
    getrandom::fill(&mut b).unwrap();
    let bogus = std::env::temp_dir().join(format!("rsp_bench_template_{}.der", hex::encode(b)));
    std::fs::write(&bogus, b"not a profile package").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_rsp"))
        .args(["bench", "smdpp", "--downloads", "1", "--template"])
        .arg(&bogus)
        .output()
        .unwrap();
    std::fs::remove_file(&bogus).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("inventory import: HTTP 422") && stderr.contains("template"),
        "{stderr}"
    );
}

/// `--database` runs the child SM-DP+ on PostgreSQL: the downloads succeed and the installed
/// Profiles are rows of that database.
#[test]
fn bench_smdpp_on_postgres() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(pg) = rt.block_on(rsp_testkit::pg::PgDb::create()) else {
        return;
    };
    let (stdout, _) = bench(&[
        "--downloads",
        "4",
        "--concurrency",
        "2",
        "--database",
        &pg.url,
        "--json",
    ]);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["downloads"], 4, "{report}");
    assert_eq!(report["failures"], 0, "{report}");
    let out = Command::new("psql")
        .args([&pg.url, "-tA", "-c"])
        .arg("SELECT count(*) FROM smdpp_profiles WHERE state = 'Installed'")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "4");
    drop(rt);
}

/// `rsp bench smds`: its own SM-DS child process, ES12 registrations then ES11 discoveries
/// by virtual eUICCs (each finding the registered event), reported as JSON.
#[test]
fn bench_smds_reports_registrations_discoveries_and_cpu() {
    let out = Command::new(env!("CARGO_BIN_EXE_rsp"))
        .args([
            "bench",
            "smds",
            "--registrations",
            "20",
            "--discoveries",
            "30",
        ])
        .args(["--concurrency", "3", "--json"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stderr.contains("ES11:"), "no progress on stderr:\n{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["registrations"], 20, "{report}");
    assert_eq!(report["registrations_failed"], 0, "{report}");
    assert_eq!(report["discoveries"], 30, "{report}");
    assert_eq!(report["discoveries_failed"], 0, "{report}");
    assert!(
        report["discoveries_per_second"].as_f64().unwrap() > 0.0,
        "{report}"
    );
    let p50 = report["discovery_p50_ms"].as_f64().unwrap();
    assert!(
        p50 > 0.0 && report["discovery_p99_ms"].as_f64().unwrap() >= p50,
        "{report}"
    );
    assert!(
        report["server_cpu_ms_per_discovery"].is_number(),
        "{report}"
    );
}

/// `rsp bench eim`: its own eIM child process, concurrent empty ESipa polls answered
/// noEimPackageAvailable and PSMO round trips, reported as JSON with the server's CPU.
#[test]
fn bench_eim_reports_empty_polls_and_cpu() {
    let out = Command::new(env!("CARGO_BIN_EXE_rsp"))
        .args(["bench", "eim", "--polls", "40", "--concurrency", "3"])
        .args(["--packages", "3", "--json"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("ESipa:"),
        "no progress on stderr:\n{stderr}"
    );
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["polls"], 40, "{report}");
    assert_eq!(report["polls_failed"], 0, "{report}");
    assert!(
        report["polls_per_second"].as_f64().unwrap() > 0.0,
        "{report}"
    );
    assert!(report["server_cpu_ms_per_poll"].is_number(), "{report}");
    assert!(report["poll_p99_ms"].is_number(), "{report}");
    // Three PSMOs queued over REST, run by the IoT virtual eUICC through the IPA, results
    // verified by the eIM.
    assert_eq!(report["packages"], 3, "{report}");
    assert_eq!(report["packages_failed"], 0, "{report}");
    assert!(report["server_cpu_ms_per_package"].is_number(), "{report}");
}

/// `rsp bench eim-paths`: its own SM-DP+ and eIM (with CoAP) child processes, direct and
/// indirect downloads through the IPA, then empty polls over HTTPS and CoAP/DTLS, reported
/// as JSON with the servers' CPU.
#[test]
fn bench_eim_paths_reports_downloads_and_polls_per_path() {
    let out = Command::new(env!("CARGO_BIN_EXE_rsp"))
        .args(["bench", "eim-paths", "--downloads", "2", "--polls", "60"])
        .args(["--concurrency", "2", "--json"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    for phase in ["direct", "indirect"] {
        assert_eq!(report[phase]["count"], 2, "{report}");
        assert!(report[phase]["server_cpu_ms_each"].is_number(), "{report}");
    }
    for phase in ["https", "coap"] {
        assert_eq!(report[phase]["count"], 60, "{report}");
        assert!(
            report[phase]["per_second"].as_f64().unwrap() > 0.0,
            "{report}"
        );
    }
}

/// `rsp bench eim --database postgres://…`: a fleet registered from CSV and operations
/// queued in bulk on a database of the benchmark's own (created on the server of the URL,
/// dropped at the end), empty polls over the idle eUICCs, deliveries of the pending ones,
/// the server's memory and PostgreSQL's CPU in the report.
#[test]
fn bench_eim_fleet_on_postgres() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(pg) = rt.block_on(rsp_testkit::pg::PgDb::create()) else {
        return;
    };
    let out = Command::new(env!("CARGO_BIN_EXE_rsp"))
        .args(["bench", "eim", "--polls", "60", "--concurrency", "3"])
        .args(["--packages", "0", "--euiccs", "500", "--pending", "100"])
        .args(["--deliveries", "10", "--database", &pg.url, "--json"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["database"], "postgres", "{report}");
    assert_eq!(report["euiccs"], 500, "{report}");
    assert_eq!(report["pending"], 100, "{report}");
    assert_eq!(report["polls"], 60, "{report}");
    assert_eq!(report["polls_failed"], 0, "{report}");
    assert_eq!(report["deliveries"], 10, "{report}");
    assert_eq!(report["deliveries_failed"], 0, "{report}");
    assert!(
        report["register_seconds"].as_f64().unwrap() > 0.0,
        "{report}"
    );
    assert!(report["server_hwm_mib"].as_f64().unwrap() > 1.0, "{report}");
    assert!(report["postgres_cpu_ms_per_poll"].is_number(), "{report}");
    // Its own database is gone; the one of the URL is left alone.
    let name = stderr
        .split_whitespace()
        .find(|w| w.starts_with("rsp_bench_eim_"))
        .expect("database name on stderr")
        .trim_end_matches(',');
    let out = Command::new("psql")
        .args([&pg.url, "-tA", "-c"])
        .arg(format!(
            "SELECT count(*) FROM pg_database WHERE datname = '{name}'"
        ))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "0");
}

/// `rsp bench m2m`: its own SMSC, SM-SR and SM-DP child processes; two ES2 DownloadProfile
/// orders at once carried out over ES3 and ES5 (SMS) into two virtual M2M eUICCs, each of
/// which ends with its Profile enabled; the report gives every role's CPU per download and
/// the ES5 operations behind the downloads.
#[test]
fn bench_m2m_reports_downloads_through_the_servers() {
    let report = bench_m2m(&["--downloads", "2", "--concurrency", "2"]);
    assert_eq!(report["transport"], "sms", "{report}");
    assert_eq!(report["downloads"], 2, "{report}");
    assert_eq!(report["failures"], 0, "{report}");
    assert_eq!(report["concurrency"], 2, "{report}");
    assert_eq!(report["cards_without_their_profile"], 0, "{report}");
    assert!(
        report["downloads_per_second"].as_f64().unwrap() > 0.0,
        "{report}"
    );
    let p50 = report["download_p50_ms"].as_f64().unwrap();
    assert!(
        p50 > 0.0 && report["download_p99_ms"].as_f64().unwrap() >= p50,
        "{report}"
    );
    for role in ["smdp", "smsr", "smsc", "cards"] {
        assert!(
            report["cpu_ms_per_download"][role].is_number(),
            "{role}: {report}"
        );
    }
    // Each download is a CreateISDP, the ES8 SendData scripts, the connectivity update
    // and the enable, each one ES5 operation at least.
    let functions = &report["es5_functions"];
    assert_eq!(functions["createIsdp"], 2, "{report}");
    assert_eq!(functions["enableProfile"], 2, "{report}");
    assert!(functions["sendData"].as_u64().unwrap() >= 4, "{report}");
}

/// `rsp bench m2m` with `args`; its JSON report.
fn bench_m2m(args: &[&str]) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_rsp"))
        .args(["bench", "m2m"])
        .args(args)
        .arg("--json")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stderr.contains("ES2:"), "no progress on stderr:\n{stderr}");
    serde_json::from_str(&stdout).unwrap()
}

/// The M2M download through `rsp serve smdp` and `rsp serve smsr` on brainpoolP256r1 (the
/// eUICC's ECASD, CERT.DP.ECDSA and the key establishment on that curve, SGP.02 §2.3): the
/// order ends with the Profile enabled on the card.
#[test]
fn bench_m2m_downloads_on_brainpool() {
    let report = bench_m2m(&["--downloads", "1", "--curve", "brainpool"]);
    assert_eq!(report["curve"], "brainpool", "{report}");
    assert_eq!(report["failures"], 0, "{report}");
    assert_eq!(report["cards_without_their_profile"], 0, "{report}");
    assert_eq!(report["es5_functions"]["enableProfile"], 1, "{report}");
}
