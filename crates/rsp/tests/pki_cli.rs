//! `rsp pki`: init, verify, issue, crl, checked with our validator and independently
//! with `openssl verify` (skipped with a printed line when openssl is not on PATH).

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const CURVES: [&str; 2] = ["nist", "brainpool"];
/// Leaves signed directly by the CI, with the role policy OID openssl must show.
const CI_LEAVES: [(&str, Option<&str>); 7] = [
    ("dp-auth", Some("2.23.146.1.2.1.4")),
    ("dp-pb", Some("2.23.146.1.2.1.5")),
    ("dp-tls", Some("2.23.146.1.2.1.3")),
    ("ds-auth", Some("2.23.146.1.2.1.7")),
    ("ds-tls", Some("2.23.146.1.2.1.6")),
    ("eim", None),
    ("mno", None),
];

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

/// The failure message: non-zero exit, exactly one line on stderr.
fn fails(out: &Output) -> String {
    assert!(
        !out.status.success(),
        "unexpected success: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let err = String::from_utf8_lossy(&out.stderr).trim_end().to_owned();
    assert_eq!(err.lines().count(), 1, "not one line: {err}");
    err
}

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("rsp-pki-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn openssl() -> bool {
    let found = Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        println!("skipped openssl checks: openssl is not on PATH");
    }
    found
}

fn openssl_run(args: &[&str]) -> Output {
    Command::new("openssl").args(args).output().unwrap()
}

fn init(name: &str) -> PathBuf {
    let dir = temp(name);
    let out = ok(&rsp(&[
        "pki",
        "init",
        "--out",
        s(&dir),
        "--smdp-host",
        "smdp.rsp.test",
    ]));
    assert_eq!(out.lines().count(), 2, "{out}");
    dir
}

#[test]
fn every_command_has_help() {
    for args in [
        vec!["pki", "--help"],
        vec!["pki", "init", "--help"],
        vec!["pki", "verify", "--help"],
        vec!["pki", "issue", "--help"],
        vec!["pki", "crl", "--help"],
        vec!["pki", "csr", "--help"],
    ] {
        let out = ok(&rsp(&args));
        assert!(out.contains("Usage:"), "{args:?}: {out}");
    }
    assert!(ok(&rsp(&["pki", "init", "--help"])).contains("--smdp-host"));
    assert!(ok(&rsp(&["pki", "verify", "--help"])).contains("--intermediate"));
}

#[test]
fn init_writes_a_pki_that_we_and_openssl_accept() {
    let dir = init("init");
    let with_openssl = openssl();
    for curve in CURVES {
        let d = dir.join(curve);
        let ci = d.join("ci.pem");
        let eum = d.join("eum.pem");
        for name in [
            "ci", "eum", "euicc", "dp-auth", "dp-pb", "dp-tls", "ds-auth", "ds-tls", "eim", "mno",
        ] {
            assert!(
                d.join(format!("{name}.pem")).is_file(),
                "{curve}/{name}.pem"
            );
            let key = d.join(format!("{name}.key.pem"));
            let text = std::fs::read_to_string(&key).unwrap();
            assert!(
                text.starts_with("-----BEGIN PRIVATE KEY-----"),
                "{curve}/{name}: PKCS#8"
            );
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                assert_eq!(
                    std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
                    0o600
                );
            }
        }
        // Our validator, role taken from the certificate policy or given.
        for (leaf, _) in CI_LEAVES {
            let role_args: Vec<&str> = match leaf {
                "eim" | "mno" => vec!["--role", leaf],
                _ => vec![],
            };
            let leaf_path = d.join(format!("{leaf}.pem"));
            let mut args = vec!["pki", "verify", "--ca", s(&ci)];
            args.extend(role_args);
            args.push(s(&leaf_path));
            assert!(ok(&rsp(&args)).starts_with("OK: "), "{curve}/{leaf}");
        }
        let euicc = d.join("euicc.pem");
        let out = ok(&rsp(&[
            "pki",
            "verify",
            "--ca",
            s(&ci),
            "--intermediate",
            s(&eum),
            "--eid",
            "89049032000000000000000000000163",
            s(&euicc),
        ]));
        assert!(
            out.contains("EID 89049032000000000000000000000163"),
            "{out}"
        );
        ok(&rsp(&["pki", "verify", "--ca", s(&ci), s(&eum)]));

        if !with_openssl {
            continue;
        }
        for (leaf, policy) in CI_LEAVES {
            let leaf_path = d.join(format!("{leaf}.pem"));
            let mut args = vec!["verify", "-x509_strict", "-CAfile", s(&ci)];
            if let Some(oid) = policy {
                args.extend(["-policy_check", "-explicit_policy", "-policy", oid]);
            }
            match leaf {
                "dp-tls" | "ds-tls" => args.extend(["-purpose", "sslserver"]),
                "mno" => args.extend(["-purpose", "sslclient"]),
                _ => {}
            }
            args.push(s(&leaf_path));
            let out = openssl_run(&args);
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success() && text.contains(": OK"),
                "openssl {curve}/{leaf}: {text}{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let dump = openssl_run(&["x509", "-noout", "-text", "-in", s(&leaf_path)]);
            let dump = String::from_utf8_lossy(&dump.stdout);
            match policy {
                Some(oid) => assert!(
                    dump.contains(&format!("Policy: {oid}")),
                    "{curve}/{leaf}: {dump}"
                ),
                None => assert!(!dump.contains("Policy: 2.23.146"), "{curve}/{leaf}"),
            }
        }
        let out = openssl_run(&["verify", "-x509_strict", "-CAfile", s(&ci), s(&eum)]);
        assert!(out.status.success(), "openssl {curve}/eum");
        let dump = String::from_utf8_lossy(
            &openssl_run(&["x509", "-noout", "-text", "-in", s(&eum)]).stdout,
        )
        .into_owned();
        assert!(
            dump.contains("Policy: 2.23.146.1.2.1.2") && dump.contains("serialNumber = 89049032"),
            "{dump}"
        );
        // Known exception: OpenSSL applies X.509 subtree matching to the GSMA EID-prefix
        // name constraint and rejects the eUICC; our validator accepts it (above).
        let out = openssl_run(&[
            "verify",
            "-x509_strict",
            "-CAfile",
            s(&ci),
            "-untrusted",
            s(&eum),
            s(&euicc),
        ]);
        assert!(!out.status.success());
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(all.contains("permitted subtree violation"), "{all}");
        let dump = String::from_utf8_lossy(
            &openssl_run(&["x509", "-noout", "-text", "-in", s(&euicc)]).stdout,
        )
        .into_owned();
        assert!(dump.contains("Policy: 2.23.146.1.2.1.1"), "{dump}");
    }
    // No silent overwrite.
    let err = fails(&rsp(&["pki", "init", "--out", s(&dir)]));
    assert!(err.contains("--force"), "{err}");
    ok(&rsp(&["pki", "init", "--out", s(&dir), "--force"]));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn verify_explains_failures_in_one_line() {
    let dir = init("fail");
    let d = dir.join("nist");
    let p = |n: &str| d.join(n);
    let ci = p("ci.pem");
    let eum = p("eum.pem");
    // Wrong role.
    let err = fails(&rsp(&[
        "pki",
        "verify",
        "--ca",
        s(&ci),
        "--role",
        "dp-pb",
        s(&p("dp-auth.pem")),
    ]));
    assert!(
        err.contains("DPpb certificate") && err.contains("2.23.146.1.2.1.5"),
        "{err}"
    );
    // Outside validity.
    let err = fails(&rsp(&[
        "pki",
        "verify",
        "--ca",
        s(&ci),
        "--at",
        "2100-01-01T00:00:00Z",
        s(&p("dp-auth.pem")),
    ]));
    assert!(err.contains("expired at"), "{err}");
    // Another curve's CI.
    let other_ci = dir.join("brainpool/ci.pem");
    let err = fails(&rsp(&[
        "pki",
        "verify",
        "--ca",
        s(&other_ci),
        s(&p("dp-auth.pem")),
    ]));
    assert!(err.contains("no trusted CI"), "{err}");
    // A tampered certificate (one byte of the signature, written back as DER).
    let der = rsp_der(&p("dp-auth.pem"));
    let mut bad = der.clone();
    let last = bad.len() - 1;
    bad[last] ^= 0x01;
    let bad_path = dir.join("bad.der");
    std::fs::write(&bad_path, &bad).unwrap();
    let err = fails(&rsp(&["pki", "verify", "--ca", s(&ci), s(&bad_path)]));
    assert!(
        err.contains("DPauth certificate") && err.contains("signature does not verify"),
        "{err}"
    );
    // Wrong expected EID.
    let err = fails(&rsp(&[
        "pki",
        "verify",
        "--ca",
        s(&ci),
        "--intermediate",
        s(&eum),
        "--eid",
        "89049032123451234512345678901235",
        s(&p("euicc.pem")),
    ]));
    assert!(err.contains("is not the expected EID"), "{err}");
    // Missing EUM.
    let err = fails(&rsp(&["pki", "verify", "--ca", s(&ci), s(&p("euicc.pem"))]));
    assert!(err.contains("eUICC certificate"), "{err}");
    // A CRL of the CI revoking the EUM.
    let crl = dir.join("crl.pem");
    ok(&rsp(&[
        "pki",
        "crl",
        "--ca-cert",
        s(&ci),
        "--ca-key",
        s(&p("ci.key.pem")),
        "--revoke",
        s(&eum),
        "--out",
        s(&crl),
    ]));
    let err = fails(&rsp(&[
        "pki",
        "verify",
        "--ca",
        s(&ci),
        "--intermediate",
        s(&eum),
        "--crl",
        s(&crl),
        s(&p("euicc.pem")),
    ]));
    assert!(
        err.contains("EUM certificate") && err.contains("revoked"),
        "{err}"
    );
    ok(&rsp(&[
        "pki",
        "verify",
        "--ca",
        s(&ci),
        "--crl",
        s(&crl),
        s(&p("dp-auth.pem")),
    ]));
    if openssl() {
        let out = openssl_run(&["crl", "-noout", "-text", "-in", s(&crl)]);
        assert!(out.status.success(), "openssl crl");
        let out = openssl_run(&[
            "verify",
            "-crl_check",
            "-CAfile",
            s(&ci),
            "-CRLfile",
            s(&crl),
            s(&eum),
        ]);
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(all.contains("certificate revoked"), "{all}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// DER of a PEM certificate file (base64 between the armour lines).
fn rsp_der(pem: &Path) -> Vec<u8> {
    let text = std::fs::read_to_string(pem).unwrap();
    rsp_pki::Cert::from_pem(&text).unwrap().der().to_vec()
}

#[test]
fn issue_under_an_existing_ci() {
    let dir = init("issue");
    let d = dir.join("brainpool");
    let ci = d.join("ci.pem");
    let out_name = dir.join("fresh-tls");
    ok(&rsp(&[
        "pki",
        "issue",
        "--ca-cert",
        s(&ci),
        "--ca-key",
        s(&d.join("ci.key.pem")),
        "--role",
        "dp-tls",
        "--out",
        s(&out_name),
        "--host",
        "fresh.rsp.test",
    ]));
    let cert = dir.join("fresh-tls.pem");
    assert!(ok(&rsp(&["pki", "verify", "--ca", s(&ci), s(&cert)])).contains("DPtls"));
    // An eUICC under the EUM, with another EID in range.
    let eum = d.join("eum.pem");
    let eid = "89049032000000000000000000001036";
    assert!(rsp_pki::validate_eid(eid).is_ok());
    ok(&rsp(&[
        "pki",
        "issue",
        "--ca-cert",
        s(&eum),
        "--ca-key",
        s(&d.join("eum.key.pem")),
        "--role",
        "euicc",
        "--eid",
        eid,
        "--out",
        s(&dir.join("euicc2")),
    ]));
    let out = ok(&rsp(&[
        "pki",
        "verify",
        "--ca",
        s(&ci),
        "--intermediate",
        s(&eum),
        s(&dir.join("euicc2.pem")),
    ]));
    assert!(out.contains(eid), "{out}");
    // Refuses to overwrite, refuses a wrong key.
    let err = fails(&rsp(&[
        "pki",
        "issue",
        "--ca-cert",
        s(&ci),
        "--ca-key",
        s(&d.join("ci.key.pem")),
        "--role",
        "dp-tls",
        "--out",
        s(&out_name),
    ]));
    assert!(err.contains("exists"), "{err}");
    let err = fails(&rsp(&[
        "pki",
        "issue",
        "--ca-cert",
        s(&ci),
        "--ca-key",
        s(&d.join("eum.key.pem")),
        "--role",
        "dp-auth",
        "--out",
        s(&dir.join("x")),
    ]));
    assert!(err.contains("signing key"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn sgp26_chain_with_openssl_and_ours() {
    let Some(reference) = std::env::var_os("RSP_REFERENCE_DIR") else {
        println!("skipped: RSP_REFERENCE_DIR is not set");
        return;
    };
    let full = Path::new(&reference).join("sgp26/full");
    let dir = temp("sgp26");
    let at = "2026-09-01T00:00:00Z";
    for c in ["NIST", "BRP"] {
        let ci = full.join(format!("CertificateIssuer/CERT_CI_ECDSA_{c}.pem"));
        let eum = full.join(format!("EUM/CERT_EUM_ECDSA_{c}.der"));
        let euicc = full.join(format!("eUICC/CERT_EUICC_ECDSA_{c}.der"));
        let out = ok(&rsp(&[
            "pki",
            "verify",
            "--at",
            at,
            "--ca",
            s(&ci),
            "--intermediate",
            s(&eum),
            s(&euicc),
        ]));
        assert!(
            out.contains("EID 89049032123451234512345678901235"),
            "{out}"
        );
        let dp = full.join(format!("DPtls/CERT_S_SM_DP_VARO_TLS_{c}.der"));
        ok(&rsp(&["pki", "verify", "--at", at, "--ca", s(&ci), s(&dp)]));
        // A fresh DPtls under the SGP.26 CI.
        let fresh = dir.join(format!("tls-{c}"));
        ok(&rsp(&[
            "pki",
            "issue",
            "--ca-cert",
            s(&ci),
            "--ca-key",
            s(&full.join(format!("CertificateIssuer/SK_CI_ECDSA_{c}.pem"))),
            "--role",
            "dp-tls",
            "--host",
            "smdp.example.org",
            "--out",
            s(&fresh),
        ]));
        let fresh_pem = dir.join(format!("tls-{c}.pem"));
        ok(&rsp(&["pki", "verify", "--ca", s(&ci), s(&fresh_pem)]));

        if !openssl() {
            continue;
        }
        let to_pem = |der: &Path, name: &str| {
            let out = dir.join(name);
            let r = openssl_run(&["x509", "-inform", "DER", "-in", s(der), "-out", s(&out)]);
            assert!(r.status.success());
            out
        };
        let eum_pem = to_pem(&eum, &format!("eum-{c}.pem"));
        let euicc_pem = to_pem(&euicc, &format!("euicc-{c}.pem"));
        // 2026-09-01T00:00:00Z.
        let attime = "1788220800";
        let r = openssl_run(&[
            "verify",
            "-x509_strict",
            "-attime",
            attime,
            "-CAfile",
            s(&ci),
            "-untrusted",
            s(&eum_pem),
            s(&euicc_pem),
        ]);
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&r.stdout),
            String::from_utf8_lossy(&r.stderr)
        );
        assert!(
            !r.status.success() && all.contains("permitted subtree violation"),
            "{all}"
        );
        let r = openssl_run(&[
            "verify",
            "-x509_strict",
            "-purpose",
            "sslserver",
            "-CAfile",
            s(&ci),
            s(&fresh_pem),
        ]);
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stdout));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `rsp pki csr` (issue 24): a DPtls request that OpenSSL verifies and reads (key usage,
/// EKU, the GSMA role policy, dNSName), signed by OpenSSL as the CA with the requested
/// extensions; `rsp pki verify --key` accepts the certificate with its key and refuses
/// another key. A DPauth request needs the SM-DP+ OID; an existing key can be used.
#[test]
fn csr_is_accepted_by_openssl_and_the_certificate_checked_against_the_key() {
    let dir = init("csr");
    let nist = dir.join("nist");
    let out = dir.join("dptls");
    let msg = ok(&rsp(&[
        "pki",
        "csr",
        "--role",
        "dp-tls",
        "--subject",
        "CN=smdp.example.com,O=Example Operator,C=FR",
        "--out",
        s(&out),
    ]));
    assert!(msg.contains("new key in"), "{msg}");
    let csr = dir.join("dptls.csr");
    let key = dir.join("dptls.key.pem");
    assert!(
        std::fs::read_to_string(&csr)
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE REQUEST")
    );
    // Refuses to overwrite; a DPauth needs its OID; with an existing key and the OID it works.
    fails(&rsp(&[
        "pki",
        "csr",
        "--role",
        "dp-tls",
        "--subject",
        "CN=x",
        "--out",
        s(&out),
    ]));
    let e = fails(&rsp(&[
        "pki",
        "csr",
        "--role",
        "dp-auth",
        "--subject",
        "CN=auth",
        "--out",
        s(&dir.join("a")),
    ]));
    assert!(e.contains("--registered-id"), "{e}");
    let e = fails(&rsp(&[
        "pki",
        "csr",
        "--role",
        "mno",
        "--subject",
        "CN=A+B",
        "--out",
        s(&dir.join("m")),
    ]));
    assert!(e.contains("RFC 4514"), "{e}");
    ok(&rsp(&[
        "pki",
        "csr",
        "--role",
        "dp-auth",
        "--subject",
        r"CN=TEST SM-DP\+,O=Example Operator",
        "--registered-id",
        "2.999.10",
        "--key",
        s(&key),
        "--out",
        s(&dir.join("dpauth")),
    ]));
    assert!(!dir.join("dpauth.key.pem").exists());
    // Issued from the request by our own CA command, validated with the key.
    let ours = dir.join("dptls-ours");
    let issued = ok(&rsp(&[
        "pki",
        "issue",
        "--ca-cert",
        s(&nist.join("ci.pem")),
        "--ca-key",
        s(&nist.join("ci.key.pem")),
        "--role",
        "dp-tls",
        "--csr",
        s(&csr),
        "--out",
        s(&ours),
    ]));
    assert!(issued.contains("for the key of"), "{issued}");
    assert!(!dir.join("dptls-ours.key.pem").exists());
    let verified = ok(&rsp(&[
        "pki",
        "verify",
        "--ca",
        s(&nist.join("ci.pem")),
        "--key",
        s(&key),
        s(&dir.join("dptls-ours.pem")),
    ]));
    assert!(verified.contains("certifies the key"), "{verified}");
    let auth = ok(&rsp(&[
        "pki",
        "issue",
        "--ca-cert",
        s(&nist.join("ci.pem")),
        "--ca-key",
        s(&nist.join("ci.key.pem")),
        "--role",
        "dp-auth",
        "--csr",
        s(&dir.join("dpauth.csr")),
        "--out",
        s(&dir.join("dpauth")),
    ]));
    assert!(auth.contains("DPauth"), "{auth}");
    ok(&rsp(&[
        "pki",
        "verify",
        "--ca",
        s(&nist.join("ci.pem")),
        "--key",
        s(&key),
        s(&dir.join("dpauth.pem")),
    ]));
    if !openssl() {
        return;
    }
    let text = openssl_run(&["req", "-in", s(&csr), "-verify", "-noout", "-text"]);
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&text.stdout),
        String::from_utf8_lossy(&text.stderr)
    );
    assert!(all.contains("verify OK"), "{all}");
    for needle in [
        "DNS:smdp.example.com",
        "2.23.146.1.2.1.3",
        "TLS Web Server Authentication",
    ] {
        assert!(all.contains(needle), "{needle} missing: {all}");
    }
    let auth = openssl_run(&["req", "-in", s(&dir.join("dpauth.csr")), "-noout", "-text"]);
    assert!(
        String::from_utf8_lossy(&auth.stdout).contains("Registered ID:2.999.10"),
        "{}",
        String::from_utf8_lossy(&auth.stdout)
    );
    let cert = dir.join("dptls.pem");
    let signed = openssl_run(&[
        "x509",
        "-req",
        "-in",
        s(&csr),
        "-CA",
        s(&nist.join("ci.pem")),
        "-CAkey",
        s(&nist.join("ci.key.pem")),
        "-copy_extensions",
        "copyall",
        "-days",
        "30",
        "-out",
        s(&cert),
    ]);
    assert!(
        signed.status.success(),
        "{}",
        String::from_utf8_lossy(&signed.stderr)
    );
    let verified = ok(&rsp(&[
        "pki",
        "verify",
        "--ca",
        s(&nist.join("ci.pem")),
        "--key",
        s(&key),
        s(&cert),
    ]));
    assert!(verified.contains("certifies the key"), "{verified}");
    assert!(verified.contains("DPtls certificate"), "{verified}");
    let e = fails(&rsp(&[
        "pki",
        "verify",
        "--ca",
        s(&nist.join("ci.pem")),
        "--key",
        s(&nist.join("mno.key.pem")),
        s(&cert),
    ]));
    assert!(e.contains("does not certify"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}
