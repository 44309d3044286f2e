//! `rsp euicc … --iot`: an IoT virtual eUICC created with its initial eIM from the CLI,
//! then served over lpac's stdio protocol and driven by the IPA-side ES10b IoT client
//! (`rsp_lpa::es10_iot`): an eUICC Package signed by the eIM, the result verified with
//! the eUICC's key (SGP.32 v1.2 §5.9.1).
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use rsp_codec::asn1::sgp32::*;
use rsp_codec::asn1::{
    Extensions, Octet16, OpenChoice, ProfileInfoListRequest, Raw, TransactionId, decode, encode,
};
use rsp_crypto::{Curve, Signer, SoftwareKey};
use rsp_lpa::{ApduChannel, StdioProcess, es10_iot};

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

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("rsp-euicc-iot-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn iot_euicc_created_with_its_eim_and_served_over_stdio() {
    let dir = temp("stdio");
    let pki = dir.join("pki");
    ok(&rsp()
        .args(["pki", "init", "--out", s(&pki)])
        .output()
        .unwrap());
    let state = dir.join("state.json");
    // The eIM certificate and key `pki init` made (brainpoolP256r1).
    let key_file = pki.join("brainpool/eim.pem");
    let eim =
        SoftwareKey::from_pem(&std::fs::read_to_string(pki.join("brainpool/eim.key.pem")).unwrap())
            .unwrap();
    assert_eq!(eim.curve(), Curve::BrainpoolP256r1);

    // Created in IoT mode with its initial eIM (and an association token).
    let info = ok(&rsp()
        .args([
            "euicc",
            "info",
            "--json",
            "--pki",
            s(&pki),
            "--state",
            s(&state),
        ])
        .args([
            "--iot",
            "--initial-eim-id",
            "eim-cli",
            "--initial-eim-token",
        ])
        .args([
            "--initial-eim-cert",
            s(&key_file),
            "--initial-eim-fqdn",
            "eim.test:8443",
        ])
        .output()
        .unwrap());
    let info: serde_json::Value = serde_json::from_str(&info).unwrap();
    assert_eq!(info["iot"]["eims"][0]["eimId"], "eim-cli");
    let token = info["iot"]["eims"][0]["associationToken"].as_i64().unwrap();
    let eid: [u8; 16] = hex::decode(info["eid"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();

    // Served over stdio from the state file alone.
    let process = StdioProcess::spawn(
        env!("CARGO_BIN_EXE_rsp"),
        &["euicc", "serve", "--stdio", "--state", s(&state)].map(String::from),
    )
    .unwrap();
    let mut ch = ApduChannel::open(process).unwrap();
    let config = es10_iot::get_eim_configuration_data(&mut ch, None).unwrap();
    assert_eq!(config[0].eim_fqdn.as_deref(), Some("eim.test:8443"));

    let signed = Raw::new(EuiccPackageSigned {
        eim_id: "eim-cli".into(),
        eid_value: Octet16::new(eid),
        counter_value: 1.into(),
        eim_transaction_id: Some(TransactionId(vec![7].into())),
        euicc_package: EuiccPackage::PsmoList(vec![OpenChoice::Known(Psmo::ListProfileInfo(
            ProfileInfoListRequest::default(),
        ))]),
        ext: Extensions::default(),
    })
    .unwrap();
    let sig = eim
        .sign_raw(&eim_signed_data(signed.raw(), Some(&token.into())))
        .unwrap();
    let request = encode(&EuiccPackageRequest {
        euicc_package_signed: signed,
        eim_signature: sig.to_vec().into(),
        ext: Extensions::default(),
    })
    .unwrap();
    let (der, result) = es10_iot::load_euicc_package(&mut ch, &request).unwrap();
    assert_eq!(decode::<EuiccPackageResult>(&der).unwrap(), result);
    let EuiccPackageResult::EuiccPackageResultSigned(r) = result else {
        panic!("{result:?}")
    };
    let certs = es10_iot::get_certs(&mut ch, None).unwrap();
    let euicc = rsp_pki::Cert::from_der(certs.euicc_certificate.as_der()).unwrap();
    euicc
        .public_key()
        .verify_raw(
            &euicc_signed_data(r.euicc_package_result_data_signed.raw(), &sig),
            &r.euicc_sign_epr,
        )
        .unwrap();
    ch.close().unwrap();

    // The counter persisted.
    let info = ok(&rsp()
        .args(["euicc", "info", "--json", "--state", s(&state)])
        .output()
        .unwrap());
    let info: serde_json::Value = serde_json::from_str(&info).unwrap();
    assert_eq!(info["iot"]["eims"][0]["counterValue"], 1);
    let _ = std::fs::remove_dir_all(&dir);
}
