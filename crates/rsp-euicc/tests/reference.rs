//! Downloads with the GSMA SGP.26 test identities (eUICC, DPauth, DPpb, CI) and a TS.48
//! test profile as the package. Skipped unless RSP_REFERENCE_DIR is set.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use common::smdp::TestSmdp;
use common::*;
use rsp_codec::asn1::*;
use rsp_crypto::SoftwareKey;
use rsp_euicc::{EuiccConfig, Identity, StateStore};
use rsp_pki::Cert;

fn reference() -> Option<PathBuf> {
    match std::env::var_os("RSP_REFERENCE_DIR") {
        Some(dir) => Some(PathBuf::from(dir)),
        None => {
            println!("RSP_REFERENCE_DIR not set: skipping the SGP.26 reference test");
            None
        }
    }
}

fn cert(path: &Path) -> Cert {
    Cert::from_bytes(&std::fs::read(path).unwrap()).unwrap()
}

fn key(path: &Path) -> SoftwareKey {
    SoftwareKey::from_pem(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn sgp26_smdp(full: &Path, curve: &str) -> TestSmdp {
    TestSmdp {
        ci: cert(&full.join(format!("CertificateIssuer/CERT_CI_ECDSA_{curve}.der"))),
        ci_key: key(&full.join(format!("CertificateIssuer/SK_CI_ECDSA_{curve}.pem"))),
        dpauth: cert(&full.join(format!("DPauth/CERT_S_SM_DPauth_ECDSA_{curve}.der"))),
        dpauth_key: key(&full.join(format!("DPauth/SK_S_SM_DPauth_ECDSA_{curve}.pem"))),
        dppb: cert(&full.join(format!("DPpb/CERT_S_SM_DPpb_ECDSA_{curve}.der"))),
        dppb_key: key(&full.join(format!("DPpb/SK_S_SM_DPpb_ECDSA_{curve}.pem"))),
        euicc: None,
    }
}

#[test]
fn sgp26_identity_downloads_a_ts48_profile_on_both_curves() {
    let Some(root) = reference() else { return };
    let full = root.join("sgp26/full");
    let creds: Vec<(PathBuf, PathBuf, PathBuf)> = ["NIST", "BRP"]
        .iter()
        .map(|c| {
            (
                full.join(format!("eUICC/CERT_EUICC_ECDSA_{c}.der")),
                full.join(format!("eUICC/SK_EUICC_ECDSA_{c}.pem")),
                full.join(format!("EUM/CERT_EUM_ECDSA_{c}.der")),
            )
        })
        .collect();
    let cis = [
        full.join("CertificateIssuer/CERT_CI_ECDSA_NIST.der"),
        full.join("CertificateIssuer/CERT_CI_ECDSA_BRP.der"),
    ];
    let identity = Identity::from_files(&creds, &cis).unwrap();
    assert_eq!(identity.eid_text(), "89049032123451234512345678901235");
    assert_eq!(identity.ci_pk_ids_for_signing().len(), 2);
    let (mut card, cla) = card_with(identity, EuiccConfig::default(), StateStore::memory());
    let eid: GetEuiccDataResponse = decode(&es10(
        &mut card,
        cla,
        &encode(&GetEuiccDataRequest {
            tag_list: Octet1::new([0x5A]),
            ext: Extensions::default(),
        })
        .unwrap(),
    ))
    .unwrap();
    assert_eq!(
        hex::encode(eid.eid_value.as_bytes()),
        "89049032123451234512345678901235"
    );

    let profile = std::fs::read(root.join("ts48/TS48V2-SAIP2-1-BERTLV-UNIQUE.der")).unwrap();
    for (n, curve) in ["NIST", "BRP"].iter().enumerate() {
        let smdp = sgp26_smdp(&full, curve);
        // The TS.48 profile with the metadata ICCID (header and EF.ICCID must match it).
        let mut d = Download::new(0x40 + n as u8, 10);
        let mut p = rsp_saip::Personalisation::default();
        let iccid = rsp_saip::bcd::decode_swapped(d.metadata.iccid.as_bytes());
        p.set("iccid", &iccid).unwrap();
        let profile = rsp_saip::patch::personalise_der(&profile, &p).unwrap();
        d.package = profile.clone();
        d.replace_keys = n == 1;
        d.confirmation_code = Some("0000");
        let pir = download(&mut card, cla, &smdp, &d);
        let data = pir.profile_installation_result_data.value();
        assert!(
            matches!(data.final_result, FinalResult::SuccessResult(_)),
            "{curve}: {:?}",
            data.final_result
        );
        let stored = card.isdr().state().profiles.last().unwrap();
        assert_eq!(stored.package.0, profile, "{curve}: package stored as sent");
        println!(
            "SGP.26 {curve}: installed {} bytes, SM-DP+ OID {}",
            profile.len(),
            stored.smdp_oid
        );
    }
}

/// Decodes our responses with an independent ASN.1 compiler (Python asn1tools over the
/// GSMA modules) and verifies the eUICC signatures with Python `cryptography`.
#[test]
fn independent_decoder_accepts_our_responses() {
    let Some(root) = reference() else { return };
    let probe = std::process::Command::new("python3")
        .args(["-c", "import asn1tools, cryptography"])
        .status();
    if !probe.is_ok_and(|s| s.success()) {
        println!("python3 with asn1tools and cryptography not available: skipping");
        return;
    }
    for curve in [
        rsp_crypto::Curve::NistP256,
        rsp_crypto::Curve::BrainpoolP256r1,
    ] {
        let (smdp, identity) = new_smdp(curve);
        let (mut card, cla) = card_with(identity, EuiccConfig::default(), StateStore::memory());
        let mut dumps: Vec<(&str, Vec<u8>)> = Vec::new();
        let (_, captured) = download_capture(&mut card, cla, &smdp, &Download::new(0x50, 3000));
        dumps.extend(captured);
        let iccid = Iccid::new(test_iccid(0x50));
        let enable = EnableProfileRequest {
            profile_identifier: ProfileIdentifier::Iccid(iccid),
            refresh_flag: false,
            ext: Extensions::default(),
        };
        es10(&mut card, cla, &encode(&enable).unwrap());
        for (name, req) in [
            (
                "EUICCInfo1",
                encode(&GetEuiccInfo1Request::default()).unwrap(),
            ),
            (
                "EUICCInfo2",
                encode(&GetEuiccInfo2Request::default()).unwrap(),
            ),
            (
                "ProfileInfoListResponse",
                encode(&ProfileInfoListRequest::default()).unwrap(),
            ),
            (
                "RetrieveNotificationsListResponse",
                encode(&RetrieveNotificationsListRequest::default()).unwrap(),
            ),
            (
                "GetEuiccDataResponse",
                encode(&GetEuiccDataRequest {
                    tag_list: Octet1::new([0x5A]),
                    ext: Extensions::default(),
                })
                .unwrap(),
            ),
        ] {
            dumps.push((name, es10(&mut card, cla, &req)));
        }
        let dir = std::env::temp_dir().join(format!(
            "rsp-euicc-asn1-{}-{}",
            std::process::id(),
            curve.name()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for (i, (name, der)) in dumps.iter().enumerate() {
            std::fs::write(dir.join(format!("{i:02}-{name}.der")), der).unwrap();
        }
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/check_es10.py");
        let out = std::process::Command::new("python3")
            .arg(script)
            .arg(root.join("asn1"))
            .arg(&dir)
            .output()
            .unwrap();
        println!("{}", String::from_utf8_lossy(&out.stdout));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
