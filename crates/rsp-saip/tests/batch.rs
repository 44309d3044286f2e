//! Batches: rows → packages, or a rejected batch with its line number and nothing written.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use rsp_saip::batch::{self, BatchError, DataFormat};
use rsp_saip::{ProfilePackage, template};

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("rsp-saip-batch-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn leftovers(d: &std::path::Path) -> usize {
    std::fs::read_dir(d).unwrap().count()
}

#[test]
fn csv_rows_become_packages_with_progress() {
    let d = dir("ok");
    let tpl = template::generic().encode().unwrap();
    let data = "\"iccid\",imsi,pin1,msisdn\n890010000000000001,001010000000011,\"1111\",+33600000001\n890010000000000002,001010000000012,2222,\n";
    let out = d.join("out");
    let mut seen = Vec::new();
    let r = batch::run(&tpl, data.as_bytes(), DataFormat::Csv, &out, |n| {
        seen.push(n)
    })
    .unwrap();
    assert_eq!(r.profiles, 2);
    assert_eq!(seen, [1, 2]);
    let p = ProfilePackage::decode(&std::fs::read(out.join("8900100000000000010.der")).unwrap())
        .unwrap();
    let s = rsp_saip::inspect::summarise(&p);
    assert_eq!(s.imsi.as_deref(), Some("001010000000011"));
    assert!(rsp_saip::validate(&p).is_empty());
    // An empty cell leaves the template's value.
    let p = ProfilePackage::decode(&std::fs::read(out.join("8900100000000000028.der")).unwrap())
        .unwrap();
    let msisdn = p.file("EF.MSISDN").unwrap().read();
    let t = template::generic();
    assert_eq!(msisdn, t.file("EF.MSISDN").unwrap().read());
}

#[test]
fn bad_rows_reject_the_batch_with_their_line() {
    let d = dir("bad");
    let tpl = template::generic().encode().unwrap();
    let out = d.join("out");
    let cases: [(&str, DataFormat, &str); 5] = [
        (
            "iccid,ki\n890010000000000001,000102030405060708090a0b0c0d0e0f\n8900100000000000024,00\n",
            DataFormat::Csv,
            "line 3: ICCID 8900100000000000024: wrong Luhn check digit, expected 8",
        ),
        (
            "iccid,ki\n890010000000000001,zz0102030405060708090a0b0c0d0e0f\n",
            DataFormat::Csv,
            "line 2: ki: not a hexadecimal string",
        ),
        (
            "iccid,kic\n890010000000000001,0001\n",
            DataFormat::Csv,
            "line 2: kic: 2 bytes",
        ),
        (
            "{\"iccid\":\"890010000000000001\"}\n{\"iccid\":\"8900100000000000010\"}\n",
            DataFormat::JsonLines,
            "line 2: duplicate ICCID 8900100000000000010 (first on line 1)",
        ),
        (
            "{\"iccid\": 890010000000000001}\nnot json\n",
            DataFormat::JsonLines,
            "line 2: not a JSON object",
        ),
    ];
    for (data, format, expected) in cases {
        let err = batch::run(&tpl, data.as_bytes(), format, &out, |_| {}).unwrap_err();
        assert!(
            err.to_string().starts_with(expected),
            "{err} (expected {expected})"
        );
        assert!(!out.exists());
        assert_eq!(leftovers(&d), 0, "temporary directory left behind");
    }
    let err = batch::run(
        &tpl,
        "iccid,colour\n890010000000000001,blue\n".as_bytes(),
        DataFormat::Csv,
        &out,
        |_| {},
    )
    .unwrap_err();
    assert!(matches!(err, BatchError::Row { line: 2, .. }), "{err}");
    let err = batch::run(
        &tpl[..50],
        "iccid\n".as_bytes(),
        DataFormat::Csv,
        &out,
        |_| {},
    )
    .unwrap_err();
    assert!(matches!(err, BatchError::Template(_)), "{err}");
    std::fs::create_dir(&out).unwrap();
    let err = batch::run(&tpl, "iccid\n".as_bytes(), DataFormat::Csv, &out, |_| {}).unwrap_err();
    assert!(matches!(err, BatchError::OutputExists(_)), "{err}");
}
