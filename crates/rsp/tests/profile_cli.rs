//! `rsp profile`: template, inspect, validate, personalise, batch, run as a user would.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn rsp(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rsp"))
        .args(args)
        .output()
        .unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn fails(out: &Output) -> String {
    assert!(
        !out.status.success(),
        "unexpected success: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn workdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("rsp-profile-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn template(dir: &Path) -> PathBuf {
    let t = dir.join("generic.der");
    ok(&rsp(&["profile", "template", "-o", s(&t)]));
    t
}

fn json_field(json: &str, key: &str) -> String {
    // Minimal extraction of a top-level string field, to avoid a JSON dependency here.
    let pat = format!("\n  \"{key}\": \"");
    let start = json.find(&pat).unwrap() + pat.len();
    json[start..].split('"').next().unwrap().to_string()
}

#[test]
fn template_inspect_validate() {
    let dir = workdir("inspect");
    let t = template(&dir);
    let committed =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../rsp-saip/templates/generic-usim-isim.der");
    assert_eq!(
        std::fs::read(&t).unwrap(),
        std::fs::read(committed).unwrap()
    );
    let text = ok(&rsp(&["profile", "inspect", s(&t)]));
    assert!(
        text.contains("ICCID        8900100000000000002 (EF.ICCID 8900100000000000002)"),
        "{text}"
    );
    assert!(text.contains("EF.IMSI"), "{text}");
    let json = ok(&rsp(&["profile", "inspect", s(&t), "--json"]));
    assert_eq!(json_field(&json, "iccid"), "8900100000000000002");
    assert_eq!(json_field(&json, "imsi"), "001010000000001");
    assert!(json.contains("\"elements\": ["));
    assert!(ok(&rsp(&["profile", "validate", s(&t)])).contains("valid"));
}

#[test]
fn personalise_without_values_is_identity_and_with_values_sets_them() {
    let dir = workdir("perso");
    let t = template(&dir);
    let same = dir.join("same.der");
    ok(&rsp(&["profile", "personalise", s(&t), "-o", s(&same)]));
    assert_eq!(std::fs::read(&same).unwrap(), std::fs::read(&t).unwrap());

    let out = dir.join("out.der");
    ok(&rsp(&[
        "profile",
        "personalise",
        s(&t),
        "--iccid",
        "894944999999999016",
        "--imsi",
        "208150123456789",
        "--ki",
        "000102030405060708090a0b0c0d0e0f",
        "--opc",
        "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
        "--pin1",
        "1234",
        "--adm1",
        "12345678",
        "--msisdn",
        "+33612345678",
        "-o",
        s(&out),
    ]));
    let json = ok(&rsp(&["profile", "inspect", s(&out), "--json"]));
    assert_eq!(json_field(&json, "iccid"), "8949449999999990163");
    assert_eq!(json_field(&json, "ef_iccid"), "8949449999999990163");
    assert_eq!(json_field(&json, "imsi"), "208150123456789");
    ok(&rsp(&["profile", "validate", s(&out)]));

    let err = fails(&rsp(&[
        "profile",
        "personalise",
        s(&t),
        "--iccid",
        "8949449999999990164",
        "-o",
        s(&out),
    ]));
    assert!(err.contains("check digit, expected 3"), "{err}");
    let err = fails(&rsp(&[
        "profile",
        "personalise",
        s(&t),
        "--ki",
        "00112233",
        "-o",
        s(&out),
    ]));
    assert!(err.contains("ki: 4 bytes"), "{err}");
}

#[test]
fn malformed_files_fail_with_precise_errors() {
    let dir = workdir("malformed");
    let t = template(&dir);
    let bytes = std::fs::read(&t).unwrap();
    let cut = dir.join("cut.der");
    std::fs::write(&cut, &bytes[..500]).unwrap();
    let err = fails(&rsp(&["profile", "inspect", s(&cut)]));
    assert!(
        err.contains("byte offset") && err.contains("truncated"),
        "{err}"
    );
    let tag = dir.join("tag.der");
    let mut b = bytes.clone();
    b[0] = 0x30;
    std::fs::write(&tag, &b).unwrap();
    let err = fails(&rsp(&["profile", "validate", s(&tag)]));
    assert!(err.contains("is not a ProfileElement"), "{err}");
}

#[test]
fn batch_csv_and_jsonl() {
    let dir = workdir("batch");
    let t = template(&dir);
    let csv = dir.join("data.csv");
    std::fs::write(
        &csv,
        "iccid,imsi,ki,opc\n\
         8900100000000000010,001010000000010,000102030405060708090a0b0c0d0e0f,f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff\n\
         890010000000000002,001010000000020,100102030405060708090a0b0c0d0e0f,f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff\n",
    )
    .unwrap();
    let out = dir.join("out");
    ok(&rsp(&[
        "profile",
        "batch",
        s(&t),
        s(&csv),
        "--out",
        s(&out),
    ]));
    let mut files: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    assert_eq!(
        files,
        ["8900100000000000010.der", "8900100000000000028.der"]
    );
    let json = ok(&rsp(&[
        "profile",
        "inspect",
        s(&out.join("8900100000000000028.der")),
        "--json",
    ]));
    assert_eq!(json_field(&json, "imsi"), "001010000000020");

    // A duplicate IMSI on line 3 rejects the batch; nothing is written.
    let bad = dir.join("bad.jsonl");
    std::fs::write(
        &bad,
        "{\"iccid\":\"8900100000000000010\",\"imsi\":\"001010000000010\"}\n\n{\"iccid\":\"890010000000000002\",\"imsi\":\"001010000000010\"}\n",
    )
    .unwrap();
    let out2 = dir.join("out2");
    let err = fails(&rsp(&[
        "profile",
        "batch",
        s(&t),
        s(&bad),
        "--out",
        s(&out2),
    ]));
    assert!(
        err.contains("line 3: duplicate IMSI 001010000000010 (first on line 1)"),
        "{err}"
    );
    assert!(!out2.exists());
    assert_eq!(
        std::fs::read_dir(&dir)
            .unwrap()
            .filter(|e| e
                .as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .contains("partial"))
            .count(),
        0
    );

    // A bad key length on CSV line 2.
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "iccid,ki\n8900100000000000010,0011\n").unwrap();
    let err = fails(&rsp(&[
        "profile",
        "batch",
        s(&t),
        s(&bad),
        "--out",
        s(&out2),
    ]));
    assert!(err.contains("line 2: ki: 2 bytes"), "{err}");
    assert!(!out2.exists());
}

#[test]
fn ts48_inspect_iccid_matches_ef_iccid() {
    let Ok(dir) = std::env::var("RSP_REFERENCE_DIR") else {
        println!("skipped: RSP_REFERENCE_DIR is not set");
        return;
    };
    let mut n = 0;
    for e in std::fs::read_dir(Path::new(&dir).join("ts48")).unwrap() {
        let p = e.unwrap().path();
        let json = ok(&rsp(&["profile", "inspect", s(&p), "--json"]));
        assert_eq!(
            json_field(&json, "iccid"),
            json_field(&json, "ef_iccid"),
            "{}",
            p.display()
        );
        ok(&rsp(&["profile", "validate", s(&p)]));
        n += 1;
    }
    assert_eq!(n, 18);
}
