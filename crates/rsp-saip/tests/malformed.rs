//! Malformed packages give precise errors or findings, never a panic.

#![allow(clippy::unwrap_used)]

use rsp_saip::model::{FileItem, ProfileElement};
use rsp_saip::{CodecError, ElementValue, ProfilePackage, template, validate};

fn bytes() -> Vec<u8> {
    template::generic().encode().unwrap()
}

fn rules(pkg: &ProfilePackage) -> Vec<(&'static str, String)> {
    validate(pkg)
        .into_iter()
        .map(|f| (f.rule, f.element))
        .collect()
}

#[test]
fn every_truncation_is_an_error_or_a_finding() {
    let b = bytes();
    for len in 0..b.len() {
        match ProfilePackage::decode(&b[..len]) {
            Err(e) => assert!(!e.to_string().is_empty()),
            // Cut at an element boundary: decodes, but the package misses its PE-End.
            Ok(pkg) => assert!(
                rules(&pkg).iter().any(|(r, _)| *r == "mandatory.element"),
                "len {len}"
            ),
        }
    }
}

#[test]
fn truncation_error_names_element_and_offset() {
    let b = bytes();
    let pkg = ProfilePackage::decode(&b).unwrap();
    let usim = pkg
        .elements
        .iter()
        .position(|e| e.name() == "usim")
        .unwrap();
    let off = pkg.elements[usim].offset;
    let err = ProfilePackage::decode(&b[..off + 20]).unwrap_err();
    assert!(
        matches!(err, CodecError::Tlv { index, offset, .. } if index == usim && offset == off),
        "{err}"
    );
}

#[test]
fn every_single_byte_corruption_is_handled() {
    let b = bytes();
    let mut p = rsp_saip::Personalisation::default();
    for (k, v) in [
        ("iccid", "894944999999999016"),
        ("imsi", "001010000000099"),
        ("pin1", "1234"),
        ("kic", "000102030405060708090a0b0c0d0e0f"),
        ("msisdn", "+123"),
        ("smsc", "+456"),
    ] {
        p.set(k, v).unwrap();
    }
    for i in 0..b.len() {
        for x in [0x00u8, 0xFF, 0x80, 0x1F] {
            let mut c = b.clone();
            c[i] ^= x;
            let fast = rsp_saip::patch::personalise_der(&c, &p);
            if let Ok(mut pkg) = ProfilePackage::decode(&c) {
                let _ = validate(&pkg);
                let _ = rsp_saip::inspect::summarise(&pkg);
                // Only canonical DER decodes, so it re-encodes byte-exactly …
                assert_eq!(pkg.encode().unwrap(), c, "byte {i} ^ {x:02X}");
                // … and the in-place and typed personalisations agree.
                if rsp_saip::personalise(&mut pkg, &p).is_ok()
                    && let Ok(fast) = fast
                {
                    assert_eq!(fast, pkg.encode().unwrap(), "byte {i} ^ {x:02X}");
                }
            }
        }
    }
}

#[test]
fn wrong_outer_tag() {
    let mut b = bytes();
    b[0] = 0x30; // universal SEQUENCE instead of [0] header
    let err = ProfilePackage::decode(&b).unwrap_err();
    assert!(
        matches!(
            err,
            CodecError::WrongTag {
                index: 0,
                offset: 0,
                ..
            }
        ),
        "{err}"
    );
    let mut b = bytes();
    b[0] = 0x80; // primitive
    assert!(matches!(
        ProfilePackage::decode(&b),
        Err(CodecError::WrongTag { .. })
    ));
    assert_eq!(ProfilePackage::decode(&[]), Err(CodecError::Empty));
}

#[test]
fn wrong_inner_content_names_the_element() {
    let b = bytes();
    let pkg = ProfilePackage::decode(&b).unwrap();
    let (i, e) = pkg
        .elements
        .iter()
        .enumerate()
        .find(|(_, e)| e.name() == "pukCodes")
        .unwrap();
    let mut c = b.clone();
    c[e.offset + 2] = 0x30; // the PEHeader [0] becomes a SEQUENCE
    let err = ProfilePackage::decode(&c).unwrap_err();
    assert!(
        matches!(&err, CodecError::Element { index, name: "pukCodes", .. } if *index == i),
        "{err}"
    );
}

#[test]
fn unknown_element_is_kept_verbatim() {
    let mut b = bytes();
    let end = ProfilePackage::decode(&b)
        .unwrap()
        .elements
        .last()
        .unwrap()
        .offset;
    let unknown = [0xBF, 0x28, 0x03, 0x80, 0x01, 0x07]; // [40] from a later version
    b.splice(end..end, unknown);
    let pkg = ProfilePackage::decode(&b).unwrap();
    assert!(matches!(
        &pkg.elements[pkg.elements.len() - 2].value,
        ElementValue::Unknown { tag: 40, .. }
    ));
    assert_eq!(pkg.encode().unwrap(), b);
}

#[test]
fn missing_elements_are_findings() {
    let mut pkg = template::generic();
    pkg.elements
        .retain(|e| !matches!(e.name(), "mf" | "end" | "akaParameter"));
    let r = rules(&pkg);
    assert!(
        r.contains(&("mandatory.element", "package".into())),
        "{r:?}"
    );
    let msgs: Vec<String> = validate(&pkg).iter().map(|f| f.message.clone()).collect();
    for m in ["no PE-MF", "no PE-End", "a usim PE but no PE-AKAParameter"] {
        assert!(msgs.iter().any(|x| x == m), "{m}: {msgs:?}");
    }
}

#[test]
fn order_rules() {
    let mut pkg = template::generic();
    let header = pkg.elements.remove(0);
    pkg.elements.insert(2, header);
    let opt = pkg
        .elements
        .iter()
        .position(|e| e.name() == "opt-usim")
        .unwrap();
    let o = pkg.elements.remove(opt);
    pkg.elements.insert(3, o);
    let r = rules(&pkg);
    assert!(
        r.contains(&("order.header-first", "header".into())),
        "{r:?}"
    );
    assert!(
        r.contains(&("order.parent-first", "opt-usim".into())),
        "{r:?}"
    );
}

#[test]
fn inconsistent_sizes_and_header() {
    let mut pkg = template::generic();
    // EF.SMSP: efFileSize 40 → 16, smaller than its 40-byte content, not a multiple of 40.
    let (_, _, f) = pkg.file_mut("EF.SMSP").unwrap();
    if let Some(FileItem::FileDescriptor(fcp)) = f.0.first_mut() {
        fcp.ef_file_size = Some(vec![0x10].into());
    }
    // Header ICCID differs from EF.ICCID.
    pkg.header_mut().unwrap().iccid = rsp_saip::bcd::Iccid::parse("894944999999999016")
        .unwrap()
        .header_bytes()
        .into();
    // Duplicate PE identification.
    if let Some(ProfileElement::End(end)) = pkg.elements.last_mut().and_then(|e| e.pe_mut()) {
        end.end_header.identification = 1;
    }
    let findings = validate(&pkg);
    let r: Vec<&str> = findings.iter().map(|f| f.rule).collect();
    assert_eq!(
        r.iter().filter(|x| **x == "file.size").count(),
        2,
        "{findings:#?}"
    );
    assert!(r.contains(&"header.iccid"));
    assert!(r.contains(&"duplicate.identification"));
    let iccid = findings.iter().find(|f| f.rule == "header.iccid").unwrap();
    assert!(
        iccid.message.contains("8949449999999990163")
            && iccid.message.contains("8900100000000000002")
    );
}

#[test]
fn services_and_gfste_consistency() {
    let mut pkg = template::generic();
    let h = pkg.header_mut().unwrap();
    h.euicc_mandatory_services.set("milenage", false);
    h.euicc_mandatory_gfste_list.pop();
    let findings = validate(&pkg);
    assert!(
        findings
            .iter()
            .any(|f| f.rule == "header.services" && f.message.contains("'milenage' is used")),
        "{findings:#?}"
    );
    assert!(
        findings
            .iter()
            .any(|f| f.rule == "header.gfste" && f.element == "isim"),
        "{findings:#?}"
    );
}

#[test]
fn pin_references_must_match_their_directory() {
    use rsp_saip::model::PinCodes;
    let mut pkg = template::generic();
    for pe in pkg.pes_mut() {
        if let ProfileElement::PinCodes(p) = pe
            && let PinCodes::Pinconfig(list) = &mut p.pin_codes
            && list[0].key_reference == 129
        {
            list[0].key_reference = 1; // a global PIN in the USIM context
            list[0].unblocking_pin_reference = None;
            break;
        }
    }
    let f = validate(&pkg);
    assert!(
        f.iter().any(|f| f.rule == "pin.context"
            && f.element == "pinCodes"
            && f.message.contains("after the opt-usim PE")),
        "{f:#?}"
    );
}

#[test]
fn swapped_header_iccid_is_a_warning() {
    let mut pkg = template::generic();
    let iccid = rsp_saip::bcd::Iccid::parse(template::values::ICCID).unwrap();
    pkg.header_mut().unwrap().iccid = iccid.ef_iccid().into();
    let f = validate(&pkg);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(
        (f[0].severity, f[0].rule),
        (rsp_saip::Severity::Warning, "header.iccid")
    );
}
