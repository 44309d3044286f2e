//! Byte-exact decode → encode of the TS.48 test profiles (needs RSP_REFERENCE_DIR).

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use rsp_saip::ProfilePackage;

mod common;
use common::{ALL_VALUES, ts48_files};

#[test]
fn every_ts48_profile_round_trips_byte_exactly() {
    let Some(files) = ts48_files() else { return };
    assert_eq!(files.len(), 18, "expected the 18 TS.48 profiles");
    for f in files {
        let bytes = std::fs::read(&f).unwrap();
        let pkg = ProfilePackage::decode(&bytes).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        assert!(
            pkg.elements.iter().all(|e| e.pe().is_some()),
            "{}: unknown PE",
            f.display()
        );
        let out = pkg.encode().unwrap();
        if out != bytes {
            let pos = out
                .iter()
                .zip(&bytes)
                .position(|(a, b)| a != b)
                .unwrap_or(out.len().min(bytes.len()));
            panic!(
                "{}: re-encoding differs at byte {pos} (len {} vs {})",
                f.display(),
                out.len(),
                bytes.len()
            );
        }
    }
}

fn load_all() -> Vec<(String, Vec<u8>, ProfilePackage)> {
    ts48_files()
        .unwrap_or_default()
        .into_iter()
        .map(|f| {
            let b = std::fs::read(&f).unwrap();
            let p = ProfilePackage::decode(&b).unwrap();
            (f.file_name().unwrap().to_string_lossy().into_owned(), b, p)
        })
        .collect()
}

#[test]
fn inspect_header_iccid_equals_ef_iccid() {
    for (name, _, pkg) in load_all() {
        let s = rsp_saip::inspect::summarise(&pkg);
        let iccid = s.iccid.clone().unwrap();
        assert_eq!(Some(iccid.clone()), s.ef_iccid, "{name}");
        assert_eq!(iccid.len(), 19, "{name}");
        assert!(rsp_saip::luhn::is_valid(&iccid), "{name}: {iccid}");
        assert!(s.imsi.is_some(), "{name}");
        let gfm_files: usize = s
            .elements
            .iter()
            .filter(|e| e.name == "genericFileManagement")
            .map(|e| e.files.len())
            .sum();
        assert!(
            gfm_files > 10,
            "{name}: files created by genericFileManagement are listed"
        );
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["iccid"], iccid.as_str());
        assert_eq!(
            json["elements"].as_array().unwrap().len(),
            pkg.elements.len()
        );
        assert_eq!(
            s.total_size,
            std::fs::metadata(ts48_dir().join(&name)).unwrap().len() as usize
        );
    }
}

fn ts48_dir() -> PathBuf {
    PathBuf::from(std::env::var("RSP_REFERENCE_DIR").unwrap()).join("ts48")
}

#[test]
fn ts48_profiles_validate_without_errors() {
    for (name, _, pkg) in load_all() {
        let findings = rsp_saip::validate(&pkg);
        assert!(findings.is_empty(), "{name}: {findings:#?}");
    }
}

#[test]
fn ber_tlv_files_require_the_service() {
    for (name, _, mut pkg) in load_all() {
        let declared = pkg
            .header()
            .unwrap()
            .euicc_mandatory_services
            .ber_tlv
            .is_some();
        assert_eq!(declared, name.contains("-BERTLV"), "{name}");
        pkg.header_mut().unwrap().euicc_mandatory_services.ber_tlv = None;
        let flagged = rsp_saip::validate(&pkg)
            .iter()
            .any(|f| f.rule == "header.services" && f.message.contains("ber-tlv"));
        assert_eq!(
            flagged, declared,
            "{name}: BER-TLV files detected iff the profile is a BERTLV one"
        );
    }
}

/// Blanks every value personalisation may set, so that two packages can be compared
/// on everything else.
fn mask(mut pkg: ProfilePackage) -> ProfilePackage {
    use rsp_saip::model::{AlgoConfiguration, PinCodes, ProfileElement};
    pkg.header_mut().unwrap().iccid = Vec::new().into();
    for name in ["mf/EF.ICCID", "usim/EF.IMSI"] {
        let size = pkg.file(name).unwrap().read().len();
        pkg.write_file(name, 0, &vec![0; size]).unwrap();
    }
    for (name, len) in [("EF.MSISDN", 1), ("EF.SMSP", 1)] {
        let rec = pkg
            .file(name)
            .unwrap()
            .file
            .fcp()
            .unwrap()
            .record_length()
            .unwrap() as usize;
        pkg.write_file(name, 0, &vec![0; rec * len]).unwrap();
    }
    for pe in pkg.pes_mut() {
        match pe {
            ProfileElement::AkaParameter(a) => {
                if let AlgoConfiguration::AlgoParameter(p) = &mut a.algo_configuration {
                    p.key = Vec::new().into();
                    p.opc = Vec::new().into();
                }
            }
            ProfileElement::PinCodes(p) => {
                if let PinCodes::Pinconfig(l) = &mut p.pin_codes {
                    for c in l
                        .iter_mut()
                        .filter(|c| [1, 10, 129].contains(&c.key_reference))
                    {
                        c.pin_value = Vec::new().into();
                    }
                }
            }
            ProfileElement::PukCodes(p) => {
                for c in p
                    .puk_codes
                    .iter_mut()
                    .filter(|c| [1, 129].contains(&c.key_reference))
                {
                    c.puk_value = Vec::new().into();
                }
            }
            ProfileElement::SecurityDomain(sd) => {
                for k in sd.key_list.iter_mut().flatten() {
                    if [[1], [2], [3]]
                        .iter()
                        .any(|id| k.key_identifier.as_ref() == id)
                        && k.key_version_number.as_ref() == [1]
                    {
                        for c in &mut k.key_components {
                            c.key_data = Vec::new().into();
                        }
                    }
                }
            }
            _ => {}
        }
    }
    for e in &mut pkg.elements {
        e.offset = 0;
    }
    pkg
}

#[test]
fn ts48_personalisation_changes_only_the_values_set() {
    use rsp_saip::bcd;
    for (name, bytes, pkg) in load_all() {
        let mut p = rsp_saip::Personalisation::default();
        for (k, v) in ALL_VALUES {
            p.set(k, v).unwrap_or_else(|e| panic!("{k}: {e}"));
        }
        // With nothing to set, the output is byte-identical.
        let mut same = pkg.clone();
        rsp_saip::personalise(&mut same, &rsp_saip::Personalisation::default()).unwrap();
        assert_eq!(same.encode().unwrap(), bytes, "{name}");

        let mut out = pkg.clone();
        rsp_saip::personalise(&mut out, &p).unwrap_or_else(|e| panic!("{name}: {e}"));
        let encoded = out.encode().unwrap();
        let back = ProfilePackage::decode(&encoded).unwrap();
        assert!(
            rsp_saip::validate(&back).is_empty(),
            "{name}: {:#?}",
            rsp_saip::validate(&back)
        );
        let s = rsp_saip::inspect::summarise(&back);
        assert_eq!(s.iccid.as_deref(), Some("8900199999999990002"), "{name}");
        assert_eq!(s.ef_iccid.as_deref(), Some("8900199999999990002"), "{name}");
        assert_eq!(s.imsi.as_deref(), Some("001019876543210"), "{name}");
        let msisdn = back.file("EF.MSISDN").unwrap().read();
        let rec = back
            .file("EF.MSISDN")
            .unwrap()
            .file
            .fcp()
            .unwrap()
            .record_length()
            .unwrap() as usize;
        assert_eq!(
            bcd::decode_swapped(&msisdn[rec - 12..rec - 2]),
            "4915112345678",
            "{name}"
        );
        assert_eq!(
            mask(back),
            mask(pkg),
            "{name}: personalisation changed something else"
        );
    }
}

#[test]
fn ts48_fast_path_equals_typed_path() {
    use rsp_saip::patch::{PathTaken, personalise_der_with_path};
    for (name, bytes, pkg) in load_all() {
        for (fields, expect_patch) in [
            (
                vec![
                    ("iccid", "8900199999999990002"),
                    ("imsi", "001019876543210"),
                    ("ki", "000102030405060708090a0b0c0d0e0f"),
                    ("opc", "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"),
                    ("pin1", "4321"),
                    ("pin2", "8765"),
                    ("adm1", "12345678"),
                    ("puk1", "99999999"),
                    ("puk2", "88888888"),
                    ("kic", "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"),
                    ("kid", "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"),
                    ("kik", "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3"),
                    ("smsc", "+491710760000"),
                ],
                None,
            ),
            (
                vec![
                    ("iccid", "8900199999999990002"),
                    ("imsi", "001019876543210"),
                    ("ki", "000102030405060708090a0b0c0d0e0f"),
                    ("opc", "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"),
                    ("pin1", "4321"),
                    ("adm1", "12345678"),
                ],
                Some(PathTaken::Patched),
            ),
            (vec![("msisdn", "+4915112345678")], None),
        ] {
            let mut p = rsp_saip::Personalisation::default();
            for (k, v) in fields {
                p.set(k, v).unwrap();
            }
            let (fast, path) =
                personalise_der_with_path(&bytes, &p).unwrap_or_else(|e| panic!("{name}: {e}"));
            if let Some(expected) = expect_patch {
                assert_eq!(path, expected, "{name}");
            }
            let mut typed = pkg.clone();
            rsp_saip::personalise(&mut typed, &p).unwrap();
            assert_eq!(
                fast,
                typed.encode().unwrap(),
                "{name}: {path:?} path differs from the typed one"
            );
        }
    }
}

#[test]
fn fid_table_agrees_with_ts48_fcps() {
    if ts48_files().is_none() {
        return;
    }
    let mut checked = 0;
    for (name, _, pkg) in load_all() {
        for f in pkg.files() {
            let Some(from_fcp) = f.file.fcp().and_then(|x| x.file_id.as_ref()) else {
                continue;
            };
            let Some(table) = rsp_saip::fs::names::fid(f.pe_label, f.component) else {
                continue;
            };
            // ADF file IDs are temporary (SAIP §8.3.2), the table has none for them.
            assert_eq!(
                from_fcp.as_ref(),
                table,
                "{name}: {} {}",
                f.pe_label,
                f.component
            );
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} FIDs checked");
}
