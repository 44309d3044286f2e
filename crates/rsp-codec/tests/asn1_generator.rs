//! The committed fixture file is exactly what gen_fixtures.py produces from the GSMA
//! modules. Needs RSP_REFERENCE_DIR, python3 and the `asn1tools` package; skips otherwise.
#![allow(clippy::unwrap_used)] // tests may unwrap (ground rules)

use std::path::Path;
use std::process::Command;

#[test]
fn committed_fixtures_match_the_generator() {
    let Ok(reference) = std::env::var("RSP_REFERENCE_DIR") else {
        println!("skipped: RSP_REFERENCE_DIR is not set");
        return;
    };
    let has_asn1tools = Command::new("python3")
        .args(["-c", "import asn1tools"])
        .status()
        .is_ok_and(|s| s.success());
    if !has_asn1tools {
        println!("skipped: python3 with asn1tools is not available (pip install asn1tools)");
        return;
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/asn1");
    let out = std::env::temp_dir().join(format!("rsp_fixtures_{}.json", std::process::id()));
    let status = Command::new("python3")
        .arg(dir.join("gen_fixtures.py"))
        .env("RSP_REFERENCE_DIR", reference)
        .env("RSP_FIXTURE_OUT", &out)
        .status()
        .unwrap();
    assert!(status.success(), "gen_fixtures.py failed");
    let fresh = std::fs::read_to_string(&out).unwrap();
    std::fs::remove_file(&out).ok();
    let committed = std::fs::read_to_string(dir.join("rsp_fixtures.json")).unwrap();
    assert!(
        fresh == committed,
        "rsp_fixtures.json is stale: re-run gen_fixtures.py"
    );
}
