//! `rsp euicc`: the virtual eUICC behind lpac's stdio protocol (driven here as lpac
//! drives it) and behind vsmartcard's vpcd reader (driven with pcscd + `opensc-tool`,
//! skipped with a printed line when those are not installed and CI is not set); with the
//! `pcsc` feature, `rsp lpa --pcsc-reader` reads the same card through pcscd.
//! EIDs and CI key identifiers are checked against `openssl x509` where available.

#![allow(clippy::unwrap_used)]

use rsp_testkit::process::{Reaper, wait_for};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Output, Stdio};
use std::time::{Duration, Instant};

use rsp_codec::asn1::*;
use rsp_crypto::{Signer, SoftwareKey};
use rsp_euicc::state::HexBytes;
use rsp_pki::Cert;
use serde_json::{Value, json};

const ISDR_AID: &str = "a0000005591010ffffffff8900000100";

fn rsp() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rsp"))
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

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("rsp-euicc-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A fresh `rsp pki init` directory below `dir`.
fn pki(dir: &Path) -> PathBuf {
    let out = dir.join("pki");
    ok(&rsp()
        .args(["pki", "init", "--out", s(&out)])
        .output()
        .unwrap());
    out
}

/// `openssl x509` field of a PEM certificate, or None without openssl.
fn openssl_x509(cert: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("openssl")
        .args(["x509", "-noout", "-in", s(cert)])
        .args(args)
        .output()
        .ok()?;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The EID of a PEM eUICC certificate, read by openssl (subject serialNumber).
fn openssl_eid(cert: &Path) -> Option<String> {
    let subject = openssl_x509(cert, &["-subject", "-nameopt", "RFC2253"])?;
    let eid = subject.split("serialNumber=").nth(1)?.split(',').next()?;
    Some(eid.trim().to_owned())
}

/// The subject key identifier of a PEM certificate, read by openssl, as upper hex.
fn openssl_ski(cert: &Path) -> Option<String> {
    let text = openssl_x509(cert, &["-ext", "subjectKeyIdentifier"])?;
    Some(text.lines().nth(1)?.trim().replace(':', "").to_uppercase())
}

fn info_json(pki: &Path, state: &Path) -> Value {
    let out = ok(&rsp()
        .args([
            "euicc",
            "info",
            "--json",
            "--pki",
            s(pki),
            "--state",
            s(state),
        ])
        .output()
        .unwrap());
    serde_json::from_str(&out).unwrap()
}

/// lpac's side of the stdio protocol, talking to `rsp euicc serve --stdio`.
struct Lpa {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

impl Lpa {
    fn start(pki: &Path, state: &Path) -> Self {
        let mut child = rsp()
            .args([
                "euicc",
                "serve",
                "--stdio",
                "--pki",
                s(pki),
                "--state",
                s(state),
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Lpa {
            child,
            stdin,
            stdout,
        }
    }

    fn line(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(line.as_bytes()).unwrap();
        stdin.write_all(b"\n").unwrap();
        stdin.flush().unwrap();
    }

    /// One `apdu` request; returns (ecode, data).
    fn request(&mut self, func: &str, param: Value) -> (i64, Vec<u8>) {
        let req = json!({"type": "apdu", "payload": {"func": func, "param": param}});
        self.line(&req.to_string());
        let mut answer = String::new();
        self.stdout.read_line(&mut answer).unwrap();
        let v: Value = serde_json::from_str(&answer).unwrap_or_else(|e| panic!("{e}: {answer:?}"));
        assert_eq!(v["type"], "apdu", "{answer}");
        (
            v["payload"]["ecode"].as_i64().unwrap(),
            hex::decode(v["payload"]["data"].as_str().unwrap()).unwrap(),
        )
    }

    fn transmit(&mut self, capdu: &[u8]) -> Vec<u8> {
        let (ecode, r) = self.request("transmit", Value::String(hex::encode(capdu)));
        assert_eq!(ecode, 0);
        assert!(r.len() >= 2, "{r:02X?}");
        r
    }

    /// One ES10 command as lpac sends it: STORE DATA blocks of 120 bytes, then GET
    /// RESPONSE while SW1 is `61`. Returns (data, SW, number of GET RESPONSEs).
    fn es10(&mut self, cla: u8, command: &[u8]) -> (Vec<u8>, u16, usize) {
        let blocks: Vec<&[u8]> = command.chunks(120).collect();
        let mut r = Vec::new();
        for (i, block) in blocks.iter().enumerate() {
            let p1 = if i + 1 == blocks.len() { 0x91 } else { 0x11 };
            let mut apdu = vec![cla, 0xE2, p1, i as u8, block.len() as u8];
            apdu.extend_from_slice(block);
            r = self.transmit(&apdu);
            if i + 1 < blocks.len() {
                assert_eq!(r, [0x90, 0x00]);
            }
        }
        let mut data = Vec::new();
        let mut gets = 0;
        loop {
            let (body, sw) = r.split_at(r.len() - 2);
            data.extend_from_slice(body);
            if sw[0] != 0x61 {
                return (data, u16::from_be_bytes([sw[0], sw[1]]), gets);
            }
            gets += 1;
            r = self.transmit(&[cla, 0xC0, 0x00, 0x00, sw[1]]);
        }
    }

    /// Closes stdin and waits for a clean exit; returns stderr.
    fn finish(mut self) -> String {
        drop(self.stdin.take());
        let mut rest = String::new();
        self.stdout.read_to_string(&mut rest).unwrap();
        assert!(rest.is_empty(), "unanswered output: {rest}");
        let deadline = Instant::now() + Duration::from_secs(10);
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "serve --stdio did not exit on EOF"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        let mut err = String::new();
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        assert!(status.success(), "{status}: {err}");
        err
    }
}

/// An AuthenticateServerRequest signed with the test PKI's DPauth (SGP.22 §5.6.1),
/// as an LPA relays it from ES9+.InitiateAuthentication.
fn authenticate_server(pki: &Path, challenge: [u8; 16], ci_key_id: &[u8]) -> Vec<u8> {
    let key =
        SoftwareKey::from_pem(&std::fs::read_to_string(pki.join("nist/dp-auth.key.pem")).unwrap())
            .unwrap();
    let cert = Cert::from_bytes(&std::fs::read(pki.join("nist/dp-auth.pem")).unwrap()).unwrap();
    let signed1 = Raw::new(ServerSigned1 {
        transaction_id: TransactionId(vec![0x01, 0x02, 0x03, 0x04].into()),
        euicc_challenge: Octet16::new(challenge),
        server_address: "localhost".into(),
        server_challenge: Octet16::new([0x5C; 16]),
        ext: Extensions::default(),
    })
    .unwrap();
    let sig = key.sign_raw(signed1.raw()).unwrap();
    encode(&AuthenticateServerRequest {
        server_signed1: signed1,
        server_signature1: sig.to_vec().into(),
        euicc_ci_pk_id_to_be_used: ci_key_id.to_vec().into(),
        server_certificate: Certificate::from_der(cert.der()).unwrap(),
        ctx_params1: OpenChoice::Known(CtxParams1::CtxParamsForCommonAuthentication(
            CtxParamsForCommonAuthentication {
                matching_id: Some("TEST-1".into()),
                device_info: DeviceInfo {
                    tac: Octet4::new([0x35, 0x29, 0x06, 0x11]),
                    device_capabilities: DeviceCapabilities::default(),
                    imei: None,
                    ext: Extensions::default(),
                },
                ext: Extensions::default(),
            },
        )),
        ext: Extensions::default(),
    })
    .unwrap()
}

#[test]
fn stdio_session_as_lpac_drives_it() {
    let dir = temp("stdio");
    let pki = pki(&dir);
    let state = dir.join("state.json");
    let info = info_json(&pki, &state);
    let eid = info["eid"].as_str().unwrap().to_owned();
    if let Some(openssl) = openssl_eid(&pki.join("nist/euicc.pem")) {
        assert_eq!(eid, openssl);
    }

    let mut lpa = Lpa::start(&pki, &state);
    assert_eq!(lpa.request("connect", Value::Null).0, 0);
    // An application the eUICC does not have: no channel (and none left open).
    let (ecode, _) = lpa.request("logic_channel_open", Value::String("a0000000871002".into()));
    assert_eq!(ecode, -1);
    let (channel, _) = lpa.request("logic_channel_open", Value::String(ISDR_AID.into()));
    assert!((1..=3).contains(&channel), "{channel}");
    let cla = 0x80 | channel as u8;

    // A progress line gets no answer: the next answer belongs to the next request.
    lpa.line(r#"{"type":"progress","payload":{"func":"es10c_get_eid","data":null}}"#);

    // ES10c.GetEID (SGP.22 §5.7.20): BF3E { 5A EID }.
    let (data, sw, _) = lpa.es10(cla, &hex::decode("BF3E035C015A").unwrap());
    assert_eq!(sw, 0x9000);
    assert_eq!(hex::encode_upper(&data), format!("BF3E125A10{eid}"));

    // ES10b.GetEUICCInfo2 (SGP.22 §5.7.8): the CI key ids the eUICC announces are
    // those of the PKI's CIs as openssl reads them.
    let (data, sw, _) = lpa.es10(cla, &[0xBF, 0x22, 0x00]);
    assert_eq!(sw, 0x9000);
    assert_eq!(&data[..2], &[0xBF, 0x22]);
    let info2 = hex::encode_upper(&data);
    for curve in ["nist", "brainpool"] {
        if let Some(ski) = openssl_ski(&pki.join(curve).join("ci.pem")) {
            assert!(
                info2.contains(&format!("0414{ski}")),
                "{curve} CI {ski} in {info2}"
            );
        }
    }

    // ES10b.GetEUICCChallenge then AuthenticateServer: a response longer than 256 bytes
    // comes back through 61xx + GET RESPONSE, and its euiccSignature1 verifies.
    let (data, sw, _) = lpa.es10(cla, &[0xBF, 0x2E, 0x00]);
    assert_eq!(sw, 0x9000);
    assert_eq!(&data[..5], &[0xBF, 0x2E, 0x12, 0x80, 0x10]);
    let challenge: [u8; 16] = data[5..21].try_into().unwrap();
    let ci_id = hex::decode(info["euiccCiPKIdListForSigning"][0].as_str().unwrap()).unwrap();
    let request = authenticate_server(&pki, challenge, &ci_id);
    assert!(request.len() > 120, "must be segmented");
    let (data, sw, gets) = lpa.es10(cla, &request);
    assert_eq!(sw, 0x9000);
    assert!(gets >= 1 && data.len() > 256, "{gets} {}", data.len());
    let AuthenticateServerResponse::AuthenticateResponseOk(ok) =
        decode::<AuthenticateServerResponse>(&data).unwrap()
    else {
        panic!("AuthenticateServer failed: {}", hex::encode_upper(&data));
    };
    let euicc = Cert::from_bytes(&std::fs::read(pki.join("nist/euicc.pem")).unwrap()).unwrap();
    assert_eq!(ok.euicc_certificate.as_der(), euicc.der());
    let sig: [u8; 64] = ok.euicc_signature1.as_ref().try_into().unwrap();
    euicc
        .public_key()
        .verify_raw(ok.euicc_signed1.raw(), &sig)
        .unwrap();
    assert_eq!(
        ok.euicc_signed1.value().server_challenge.as_bytes(),
        &[0x5C; 16]
    );

    // Garbage in between is logged, not fatal; an APDU request it could parse that is
    // wrong is answered with ecode -1.
    lpa.line("not json");
    assert_eq!(lpa.request("transmit", Value::String("zz".into())).0, -1);
    assert_eq!(lpa.request("frobnicate", Value::Null).0, -1);

    let (ecode, _) = lpa.request(
        "logic_channel_close",
        Value::String(format!("{channel:02x}")),
    );
    assert_eq!(ecode, 0);
    // The channel is gone: ISO/IEC 7816-4 "logical channel not supported".
    assert_eq!(
        lpa.transmit(&[cla, 0xE2, 0x91, 0x00, 0x03, 0xBF, 0x22, 0x00]),
        [0x68, 0x81]
    );
    lpa.line(r#"{"type":"lpa","payload":{"code":0,"message":"success","data":null}}"#);
    assert_eq!(lpa.request("disconnect", Value::Null).0, 0);
    let stderr = lpa.finish();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("malformed JSON"), "{stderr}");
}

#[test]
fn state_persists_across_invocations() {
    let dir = temp("state");
    let pki = pki(&dir);
    let state = dir.join("state.json");
    // ES10a.SetDefaultDpAddress (SGP.22 §5.7.4) through `rsp euicc apdu`.
    let address = "smdp.example.com";
    let mut set = vec![
        0xBF,
        0x3F,
        (address.len() + 2) as u8,
        0x80,
        address.len() as u8,
    ];
    set.extend_from_slice(address.as_bytes());
    let out = ok(&rsp()
        .args(["euicc", "apdu", "--pki", s(&pki), "--state", s(&state)])
        .args([
            "0070000001",
            "01 A4 04 00 10 A0000005591010FFFFFFFF8900000100",
            &format!("81E29100{:02X}{}", set.len(), hex::encode(&set)),
        ])
        .output()
        .unwrap());
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert_eq!(lines[0], "019000");
    assert!(
        lines[1].starts_with("6F") && lines[1].ends_with("9000"),
        "{out}"
    );
    assert_eq!(lines[2], "BF3F038001009000");
    assert!(state.exists());
    let info = info_json(&pki, &state);
    assert_eq!(info["defaultDpAddress"], address);
    assert_eq!(info["profiles"], json!([]));
    let text = ok(&rsp()
        .args(["euicc", "info", "--pki", s(&pki), "--state", s(&state)])
        .output()
        .unwrap());
    assert!(
        text.contains(address) && text.contains("profiles:"),
        "{text}"
    );
}

#[test]
fn help_and_usage_errors() {
    for args in [
        &["euicc", "--help"][..],
        &["euicc", "info", "--help"],
        &["euicc", "serve", "--help"],
        &["euicc", "apdu", "--help"],
    ] {
        let out = ok(&rsp().args(args).output().unwrap());
        assert!(out.contains("Usage: rsp euicc"), "{out}");
    }
    let dir = temp("usage");
    let state = dir.join("state.json");
    // No identity, no transport, bad hex, bad vpcd address: clear one-line errors.
    let out = rsp()
        .args(["euicc", "info", "--state", s(&state)])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--pki DIR"));
    let out = rsp()
        .args(["euicc", "serve", "--pki", "x"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let pki = pki(&dir);
    let out = rsp()
        .args([
            "euicc",
            "apdu",
            "--pki",
            s(&pki),
            "--state",
            s(&state),
            "00ZZ",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not hex"));
    let out = rsp()
        .args(["euicc", "serve", "--vpcd", "nohost", "--pki", s(&pki)])
        .args(["--state", s(&state)])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("HOST:PORT"));
}

/// The SGP.26 test eUICC (both curves) from RSP_REFERENCE_DIR: its EID as openssl reads it.
#[test]
fn sgp26_identity_from_files() {
    let Some(reference) = std::env::var_os("RSP_REFERENCE_DIR") else {
        println!("skipped: RSP_REFERENCE_DIR is not set");
        return;
    };
    let full = Path::new(&reference).join("sgp26/full");
    let dir = temp("sgp26");
    let f = |p: &str| full.join(p).to_str().unwrap().to_owned();
    let out = ok(&rsp()
        .args([
            "euicc",
            "info",
            "--json",
            "--state",
            s(&dir.join("state.json")),
        ])
        .args(["--cert", &f("eUICC/CERT_EUICC_ECDSA_NIST.der")])
        .args(["--key", &f("eUICC/SK_EUICC_ECDSA_NIST.pem")])
        .args(["--eum", &f("EUM/CERT_EUM_ECDSA_NIST.der")])
        .args(["--ci", &f("CertificateIssuer/CERT_CI_ECDSA_NIST.der")])
        .args(["--cert", &f("eUICC/CERT_EUICC_ECDSA_BRP.der")])
        .args(["--key", &f("eUICC/SK_EUICC_ECDSA_BRP.pem")])
        .args(["--eum", &f("EUM/CERT_EUM_ECDSA_BRP.der")])
        .args(["--ci", &f("CertificateIssuer/CERT_CI_ECDSA_BRP.der")])
        .output()
        .unwrap());
    let info: Value = serde_json::from_str(&out).unwrap();
    let Ok(x509) = Command::new("openssl")
        .args([
            "x509", "-inform", "der", "-noout", "-subject", "-nameopt", "RFC2253",
        ])
        .args(["-in", &f("eUICC/CERT_EUICC_ECDSA_NIST.der")])
        .output()
    else {
        println!("openssl missing: EID not cross-checked");
        return;
    };
    let subject = String::from_utf8_lossy(&x509.stdout);
    let eid = subject
        .split("serialNumber=")
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap();
    assert_eq!(info["eid"], eid.trim());
    assert_eq!(
        info["euiccCiPKIdListForSigning"].as_array().unwrap().len(),
        2
    );
}

/// The Profile Package a UICC test serves: the first TS.48 test profile of the reference
/// set when RSP_REFERENCE_DIR is set, else the project's generic template.
fn uicc_package() -> Vec<u8> {
    if let Some(dir) = std::env::var_os("RSP_REFERENCE_DIR") {
        let mut files: Vec<_> = std::fs::read_dir(Path::new(&dir).join("ts48"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "der"))
            .collect();
        files.sort();
        if let Some(f) = files.first() {
            return std::fs::read(f).unwrap();
        }
    }
    rsp_saip::template::generic().encode().unwrap()
}

/// Writes a state file holding `package` as the one, enabled, Profile (as an ES8+
/// installation and ES10c enable would leave it); returns its EF.ICCID and IMSI.
fn state_with_enabled_profile(state: &Path, package: Vec<u8>) -> (Vec<u8>, String) {
    let pkg = rsp_saip::ProfilePackage::decode(&package).unwrap();
    let ef_iccid = pkg.file("EF.ICCID").unwrap().read()[..10].to_vec();
    let imsi =
        rsp_saip::bcd::Imsi::from_ef_imsi(&pkg.file("usim/EF.IMSI").unwrap().read()).unwrap();
    let iccid = Iccid::new(ef_iccid.clone().try_into().unwrap());
    let metadata = StoreMetadataRequest {
        iccid,
        service_provider_name: "Test Operator".into(),
        profile_name: "UICC test".into(),
        icon_type: None,
        icon: None,
        profile_class: ProfileClass::OPERATIONAL,
        notification_configuration_info: None,
        profile_owner: None,
        profile_policy_rules: None,
        service_specific_data_stored_in_euicc: None,
        service_specific_data_not_stored_in_euicc: None,
        ext: Extensions::default(),
    };
    let profile = rsp_euicc::Profile {
        isdp_aid: HexBytes(hex::decode("A0000005591010FFFFFFFF8900001000").unwrap()),
        iccid: HexBytes(ef_iccid.clone()),
        enabled: true,
        nickname: None,
        metadata: HexBytes(encode(&metadata).unwrap()),
        configure_isdp: HexBytes::default(),
        smdp_oid: "2.999.10".into(),
        ci_key_id: HexBytes::default(),
        package: HexBytes(package),
        uicc: None,
    };
    let st = rsp_euicc::EuiccState {
        profiles: vec![profile],
        ..rsp_euicc::EuiccState::default()
    };
    rsp_euicc::StateStore::file(state).save(&st).unwrap();
    (ef_iccid, imsi)
}

/// The enabled Profile as a UICC over the lpac stdio transport (issue 22 point 5): on the
/// basic channel, SELECT MF and EF.ICCID, READ BINARY, VERIFY PIN1 and its retry counter,
/// while the ISD-R answers ES10c.GetEID on a logical channel at the same time.
#[test]
fn stdio_serves_the_enabled_profile_as_uicc_beside_the_isdr() {
    let dir = temp("stdio-uicc");
    let pki = pki(&dir);
    let state = dir.join("state.json");
    let (ef_iccid, _) = state_with_enabled_profile(&state, uicc_package());
    let mut lpa = Lpa::start(&pki, &state);
    assert_eq!(lpa.request("connect", Value::Null).0, 0);
    let sw = |r: &[u8]| u16::from_be_bytes([r[r.len() - 2], r[r.len() - 1]]);
    assert_eq!(
        sw(&lpa.transmit(&hex::decode("00A4000C023F00").unwrap())),
        0x9000
    );
    assert_eq!(
        sw(&lpa.transmit(&hex::decode("00A4000C022FE2").unwrap())),
        0x9000
    );
    let r = lpa.transmit(&hex::decode("00B000000A").unwrap());
    assert_eq!(&r[..10], ef_iccid.as_slice());
    assert_eq!(sw(&r), 0x9000);
    // PIN1 retries left (the template's PIN1 is disabled: 9000 or 63Cx both say it works).
    let r = lpa.transmit(&hex::decode("0020000100").unwrap());
    assert!(sw(&r) == 0x9000 || sw(&r) & 0xFFF0 == 0x63C0, "{r:02X?}");
    let (channel, _) = lpa.request("logic_channel_open", Value::String(ISDR_AID.into()));
    let cla = 0x80 | channel as u8;
    let (data, sw_isdr, _) = lpa.es10(cla, &hex::decode("BF3E035C015A").unwrap());
    assert_eq!(sw_isdr, 0x9000);
    assert_eq!(&data[..2], &[0xBF, 0x3E]);
    // The basic channel kept its current file (EF.ICCID).
    let r = lpa.transmit(&hex::decode("00B0000002").unwrap());
    assert_eq!(&r[..2], &ef_iccid[..2]);
}

/// `rsp euicc info` lists the ICCID and IMSI the enabled Profile serves; `rsp euicc apdu`
/// reads EF.ICCID and EF.IMSI through SELECT / READ BINARY.
#[test]
fn info_and_apdu_show_the_enabled_profile_as_uicc() {
    let dir = temp("uicc");
    let pki = pki(&dir);
    let state = dir.join("state.json");
    let (ef_iccid, imsi) = state_with_enabled_profile(&state, uicc_package());
    let info = info_json(&pki, &state);
    let iccid_text = rsp_saip::bcd::decode_swapped(&ef_iccid);
    assert_eq!(
        info["enabledProfile"]["iccid"],
        iccid_text.as_str(),
        "{info}"
    );
    assert_eq!(info["enabledProfile"]["imsi"], imsi.as_str(), "{info}");
    let text = ok(&rsp()
        .args(["euicc", "info", "--pki", s(&pki), "--state", s(&state)])
        .output()
        .unwrap());
    assert!(
        text.contains(&format!("ICCID {iccid_text}  IMSI {imsi}")),
        "{text}"
    );
    let out = ok(&rsp()
        .args(["euicc", "apdu", "--pki", s(&pki), "--state", s(&state)])
        .args(["00A4000C023F00", "00A4000C022FE2", "00B000000A"])
        .args(["00A4040C07A0000000871002", "00A4000C026F07", "00B0000009"])
        .args(["00A40004023F00", "00A4000402 3F99"])
        .output()
        .unwrap());
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(&lines[..2], &["9000", "9000"], "{out}");
    assert_eq!(
        lines[2],
        format!("{}9000", hex::encode_upper(&ef_iccid)),
        "{out}"
    );
    assert!(lines[5].ends_with("9000") && lines[5].len() == 22, "{out}");
    assert!(lines[6].starts_with("61"), "{out}");
    assert_eq!(lines[7], "6A82", "{out}");
}

/// Where `program` is: on PATH, or in /usr/sbin (pcscd, for users without it on PATH).
fn find_program(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin")])
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

fn opensc(args: &[&str]) -> String {
    let out = Command::new("opensc-tool").args(args).output().unwrap();
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `opensc-tool --list-readers` rows: (index, card present, name).
fn readers() -> Vec<(String, bool, String)> {
    opensc(&["--list-readers"])
        .lines()
        .filter_map(|l| {
            let mut cols = l.split_whitespace();
            let nr = cols.next()?;
            nr.parse::<u32>().ok()?;
            let card = cols.next()? == "Yes";
            let name = l
                .split_once("Virtual PCD")
                .map(|(_, n)| format!("Virtual PCD{n}"))?;
            Some((nr.to_owned(), card, name.trim().to_owned()))
        })
        .collect()
}

/// The vpcd port (35963) serves one virtual card at a time: tests that use it take
/// this lock.
static VPCD: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// pcscd, started here (foreground, as root without systemd) unless already running.
fn start_pcscd(pcscd: &Path) -> Reaper {
    if !readers().is_empty() {
        return Reaper(None);
    }
    let child = Command::new(pcscd)
        .arg("--foreground")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let reaper = Reaper(Some(child));
    wait_for("pcscd with the vpcd reader", 20, || {
        (!readers().is_empty()).then_some(())
    });
    reaper
}

/// The card in vsmartcard's "Virtual PCD 00 00" through pcscd, read by opensc-tool.
#[test]
fn vpcd_reader_through_pcscd() {
    let driver = Path::new("/usr/lib/pcsc/drivers/serial/libifdvpcd.so");
    let (Some(pcscd), Some(_), true) = (
        find_program("pcscd"),
        find_program("opensc-tool"),
        driver.exists(),
    ) else {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true");
        assert!(
            !ci,
            "CI: pcscd, vsmartcard-vpcd and opensc must be installed (apt-get install pcscd vsmartcard-vpcd opensc)"
        );
        println!("skipped: pcscd, vsmartcard-vpcd or opensc-tool not installed");
        return;
    };
    let _vpcd = VPCD.lock().unwrap_or_else(|e| e.into_inner());
    let _pcscd = start_pcscd(&pcscd);

    let dir = temp("vpcd");
    let pki = pki(&dir);
    let state = dir.join("state.json");
    let log = std::fs::File::create(dir.join("serve.log")).unwrap();
    let serve = rsp()
        .args(["euicc", "serve", "--vpcd", "127.0.0.1:35963"])
        .args(["--pki", s(&pki), "--state", s(&state)])
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    let mut serve = Reaper(Some(serve));
    let index = wait_for("the card in Virtual PCD 00 00", 20, || {
        readers()
            .into_iter()
            .find(|(_, card, name)| *card && name.contains("Virtual PCD 00 00"))
            .map(|(nr, _, _)| nr)
    });

    let atr = opensc(&["-r", &index, "--atr"]);
    assert!(atr.contains("3b:9f:96:80:1f:c7"), "{atr}");
    let select = opensc(&[
        "-r",
        &index,
        "-s",
        "00A4040010A0000005591010FFFFFFFF8900000100",
    ]);
    assert!(select.contains("SW1=0x90, SW2=0x00"), "{select}");
    assert!(
        select.contains("6F 18 84 10 A0 00 00 05 59 10 10 FF"),
        "{select}"
    );
    // GetEID on a logical channel, in one card session.
    let eid = opensc(&[
        "-r",
        &index,
        "-s",
        "0070000001",
        "-s",
        "01A4040010A0000005591010FFFFFFFF8900000100",
        "-s",
        "81E2910006BF3E035C015A",
    ]);
    assert!(eid.contains("BF 3E 12 5A 10 89 04 90 32"), "{eid}");

    // With the `pcsc` feature: `rsp lpa --pcsc-reader` reads the same card through pcscd.
    #[cfg(feature = "pcsc")]
    {
        let out = ok(&rsp()
            .args(["lpa", "--pcsc-reader", "Virtual PCD 00 00", "--json"])
            .args(["chip", "info"])
            .output()
            .unwrap());
        let info: Value = serde_json::from_str(&out).unwrap();
        assert!(
            info["eid"]
                .as_str()
                .is_some_and(|e| e.starts_with("89049032")),
            "{info}"
        );
        assert_eq!(info["svn"], "2.5.0", "{info}");
        let out = ok(&rsp()
            .args(["lpa", "--pcsc-reader", "PCD 00 00", "--json"])
            .args(["profile", "list"])
            .output()
            .unwrap());
        assert_eq!(serde_json::from_str::<Value>(&out).unwrap(), json!([]));
        let out = rsp()
            .args(["lpa", "--pcsc-reader", "No Such Reader", "chip", "info"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && err.contains("Virtual PCD 00 00"),
            "{err}"
        );
    }

    // Ctrl-C stops it cleanly.
    let mut child = serve.0.take().unwrap();
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let status = wait_for("serve --vpcd to stop on SIGINT", 10, || {
        child.try_wait().unwrap()
    });
    assert!(status.success(), "{status}");
    let log = std::fs::read_to_string(dir.join("serve.log")).unwrap();
    assert!(
        log.contains("connected to 127.0.0.1:35963") && log.contains("stopped"),
        "{log}"
    );

    // pcscd notices the card is gone (else the next wait could see the old card).
    wait_for("the card to leave Virtual PCD 00 00", 20, || {
        readers()
            .iter()
            .all(|(_, card, name)| !(*card && name.contains("Virtual PCD 00 00")))
            .then_some(())
    });

    // With an enabled Profile (the TS.48 test profile when the reference set is there),
    // opensc-tool reads its EF.ICCID as a UICC, the ISD-R still on its logical channel.
    let uicc_state = dir.join("uicc-state.json");
    let (ef_iccid, _) = state_with_enabled_profile(&uicc_state, uicc_package());
    let log = std::fs::File::create(dir.join("serve-uicc.log")).unwrap();
    let serve = rsp()
        .args(["euicc", "serve", "--vpcd", "127.0.0.1:35963"])
        .args(["--pki", s(&pki), "--state", s(&uicc_state)])
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    let _serve = Reaper(Some(serve));
    let index = wait_for("the UICC card in Virtual PCD 00 00", 20, || {
        readers()
            .into_iter()
            .find(|(_, card, name)| *card && name.contains("Virtual PCD 00 00"))
            .map(|(nr, _, _)| nr)
    });
    let read = opensc(&[
        "-r",
        &index,
        "-s",
        "00A4000C023F00",
        "-s",
        "00A40004022FE2",
        "-s",
        "00B000000A",
        "-s",
        "0070000001",
        "-s",
        "01A4040010A0000005591010FFFFFFFF8900000100",
        "-s",
        "81E2910006BF3E035C015A",
        "-s",
        "00B0000001",
    ]);
    let iccid_hex: Vec<String> = ef_iccid.iter().map(|b| format!("{b:02X}")).collect();
    assert!(read.contains(&iccid_hex.join(" ")), "{read}");
    assert!(read.contains("BF 3E 12 5A 10 89 04 90 32"), "{read}");
}

/// The generic template's Profile enabled in `rsp euicc serve --vpcd`, through pcscd,
/// for the pySim tests; with a RAND/AUTN for its K/OPc (TS 35.207 test set 1: SQN 0x20,
/// AMF 8000, MILENAGE of 3GPP TS 35.206) and the RES the card must answer.
struct UiccOverVpcd {
    dir: PathBuf,
    /// Reader index (opensc-tool / pyscard order).
    index: String,
    iccid: String,
    imsi: String,
    rand: [u8; 16],
    autn: Vec<u8>,
    res: [u8; 8],
    // Dropped in this order: the card, pcscd, then the vpcd lock.
    _serve: Reaper,
    _pcscd: Reaper,
    _vpcd: std::sync::MutexGuard<'static, ()>,
}

impl UiccOverVpcd {
    fn start(name: &str) -> Self {
        let driver = Path::new("/usr/lib/pcsc/drivers/serial/libifdvpcd.so");
        let (Some(pcscd), Some(_), true) = (
            find_program("pcscd"),
            find_program("opensc-tool"),
            driver.exists(),
        ) else {
            panic!("pcscd, vsmartcard-vpcd and opensc are needed beside pySim / pyscard");
        };
        let vpcd = VPCD.lock().unwrap_or_else(|e| e.into_inner());
        let pcscd = start_pcscd(&pcscd);
        let dir = temp(name);
        let pki = pki(&dir);
        let state = dir.join("state.json");
        let package = rsp_saip::template::generic().encode().unwrap();
        let (ef_iccid, imsi) = state_with_enabled_profile(&state, package);
        let log = std::fs::File::create(dir.join("serve.log")).unwrap();
        let serve = rsp()
            .args(["euicc", "serve", "--vpcd", "127.0.0.1:35963"])
            .args(["--pki", s(&pki), "--state", s(&state)])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        let serve = Reaper(Some(serve));
        let index = wait_for("the UICC card in Virtual PCD 00 00", 20, || {
            readers()
                .into_iter()
                .find(|(_, card, name)| *card && name.contains("Virtual PCD 00 00"))
                .map(|(nr, _, _)| nr)
        });
        let key = |h: &str| -> [u8; 16] { hex::decode(h).unwrap().try_into().unwrap() };
        let m = rsp_euicc::uicc::milenage::Milenage::new(
            key(rsp_saip::template::values::K),
            key(rsp_saip::template::values::OPC),
        );
        let rand = [0x23u8; 16];
        let sqn = [0, 0, 0, 0, 0, 0x20];
        let (mac, _) = m.f1(&rand, &sqn, &[0x80, 0x00]);
        let v = m.f2345(&rand);
        let mut autn: Vec<u8> = sqn.iter().zip(v.ak).map(|(s, a)| s ^ a).collect();
        autn.extend_from_slice(&[0x80, 0x00]);
        autn.extend_from_slice(&mac);
        UiccOverVpcd {
            dir,
            index,
            iccid: rsp_saip::bcd::decode_swapped(&ef_iccid),
            imsi,
            rand,
            autn,
            res: v.res,
            _serve: serve,
            _pcscd: pcscd,
            _vpcd: vpcd,
        }
    }

    /// Runs `cmd` (stdin closed) to its end, at most 180 s; returns (status, stdout,
    /// stderr).
    fn run(&self, cmd: &mut Command) -> (std::process::ExitStatus, String, String) {
        let out_path = self.dir.join("tool.out");
        let err_path = self.dir.join("tool.err");
        let child = cmd
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&out_path).unwrap())
            .stderr(std::fs::File::create(&err_path).unwrap())
            .spawn()
            .unwrap();
        let mut child = Reaper(Some(child));
        let status = wait_for("the tool to finish", 180, || {
            child.0.as_mut().and_then(|c| c.try_wait().unwrap())
        });
        child.0 = None;
        (
            status,
            std::fs::read_to_string(&out_path).unwrap(),
            std::fs::read_to_string(&err_path).unwrap(),
        )
    }
}

/// osmocom's pySim-shell, the third-party SIM tool of issue 22, over PC/SC (pcscd +
/// vpcd) against `rsp euicc serve --vpcd` with the generic template enabled: start-up,
/// `select MF`, EF.ICCID and ADF.USIM/EF.IMSI with `read_binary_decoded`, `verify_chv`
/// with PIN1 and `authenticate` with the RAND/AUTN of [`UiccOverVpcd`]. pySim is not on
/// PyPI (the PyPI `pysim` is another project) and CI has no other source for it, so CI
/// does not install it: the test runs when RSP_PYSIM_SHELL names a pySim-shell
/// (`pySim-shell.py` of an osmocom pySim checkout, executable, in an environment with its
/// requirements; see docs/uicc.md) and prints a skip line otherwise.
#[test]
fn pysim_shell_over_vpcd() {
    let Some(shell) = std::env::var_os("RSP_PYSIM_SHELL")
        .map(PathBuf::from)
        .filter(|p| p.is_file())
    else {
        println!("skipped: RSP_PYSIM_SHELL (path to osmocom pySim-shell.py) not set");
        return;
    };
    let card = UiccOverVpcd::start("pysim");
    let script = card.dir.join("session.script");
    std::fs::write(
        &script,
        format!(
            "select MF\nselect EF.ICCID\nread_binary_decoded\nselect ADF.USIM\n\
             select EF.IMSI\nread_binary_decoded\nverify_chv 0000\n\
             authenticate {} {}\n",
            hex::encode(card.rand),
            hex::encode(&card.autn)
        ),
    )
    .unwrap();
    let (status, out, err) = card.run(Command::new(&shell).args([
        "-p",
        &card.index,
        "--noprompt",
        "--script",
        s(&script),
    ]));
    assert!(status.success(), "{status}\n{out}\n{err}");
    let iccid = format!("\"iccid\": \"{}\"", card.iccid);
    assert!(out.contains(&iccid), "{out}\n{err}");
    let imsi = format!("\"imsi\": \"{}\"", card.imsi);
    assert!(out.contains(&imsi), "{out}\n{err}");
    assert!(out.contains(&hex::encode(card.res)), "{out}\n{err}");
}

/// pySim's session through pyscard, pySim's own PC/SC layer (T=0, as pySim connects),
/// with pySim's APDU forms and response chaining (`tests/pcsc/pysim_session.py`; not
/// pySim itself): the EID, EF.DIR's USIM, ICCID, IMSI, STATUS, VERIFY PIN1 and the RES
/// of AUTHENTICATE. Runs when RSP_PYSCARD_PYTHON names a Python with pyscard (`.ci/run`
/// makes one), else prints a skip line.
#[test]
fn pyscard_pysim_session_over_vpcd() {
    let Some(python) = std::env::var_os("RSP_PYSCARD_PYTHON")
        .map(PathBuf::from)
        .filter(|p| p.is_file())
    else {
        println!("skipped: RSP_PYSCARD_PYTHON (a Python with pyscard) not set");
        return;
    };
    let card = UiccOverVpcd::start("pyscard");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pcsc/pysim_session.py");
    let (status, out, err) = card.run(Command::new(&python).arg(&script).args([
        "Virtual PCD 00 00",
        &hex::encode(card.rand),
        &hex::encode(&card.autn),
    ]));
    assert!(status.success(), "{status}\n{out}\n{err}");
    println!("{}", out.trim());
    let v: Value = serde_json::from_str(out.trim()).unwrap();
    assert!(v["atr"].as_str().unwrap().starts_with("3b9f9680"), "{v}");
    assert!(v["eid"].as_str().unwrap().starts_with("89049032"), "{v}");
    assert!(
        v["aids"][0].as_str().unwrap().starts_with("a0000000871002"),
        "{v}"
    );
    assert_eq!(v["sim_class"], "6e00", "{v}");
    let iccid = rsp_saip::bcd::decode_swapped(&hex::decode(v["iccid"].as_str().unwrap()).unwrap());
    assert_eq!(iccid, card.iccid, "{v}");
    let imsi =
        rsp_saip::bcd::Imsi::from_ef_imsi(&hex::decode(v["imsi"].as_str().unwrap()).unwrap())
            .unwrap();
    assert_eq!(imsi, card.imsi, "{v}");
    assert!(v["status"].as_str().unwrap().starts_with("62"), "{v}");
    assert_eq!(v["verify"], "9000", "{v}");
    let auth = format!("db08{}10", hex::encode(card.res));
    assert!(v["auth"].as_str().unwrap().starts_with(&auth), "{v}");
}
