//! The lazy typed path (`ProfilePackage::decode_lazy`) against the full one: same bytes
//! out for every TS.48 profile (when RSP_REFERENCE_DIR is set) and the generic template,
//! with and without personalisation; same findings and summary; malformed input refused.

#![allow(clippy::unwrap_used)]

use rsp_saip::model::FileItem;
use rsp_saip::{CodecError, ElementValue, PersoError, Personalisation, ProfilePackage};
use rsp_saip::{inspect, personalise, template, validate};

mod common;
use common::{ALL_VALUES, ts48_files};

fn profiles() -> Vec<(String, Vec<u8>)> {
    let mut out = vec![("generic".to_string(), template::generic().encode().unwrap())];
    let Some(files) = ts48_files() else {
        return out;
    };
    assert_eq!(files.len(), 18, "expected the 18 TS.48 profiles");
    for f in files {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        out.push((name, std::fs::read(&f).unwrap()));
    }
    out
}

fn values(fields: &[(&str, &str)]) -> Personalisation {
    let mut p = Personalisation::default();
    for (k, v) in fields {
        p.set(k, v).unwrap_or_else(|e| panic!("{k}: {e}"));
    }
    p
}

/// The bench's values, everything, and each field alone.
fn value_sets() -> Vec<Personalisation> {
    let all = ALL_VALUES;
    let mut sets = vec![Personalisation::default(), values(&all[..6]), values(&all)];
    sets.extend(
        all.iter()
            .filter(|(k, _)| *k != "kvn")
            .map(|f| values(&[*f])),
    );
    sets
}

#[test]
fn lazy_round_trip_is_byte_exact_and_touches_nothing() {
    for (name, bytes) in profiles() {
        let lazy = ProfilePackage::decode_lazy(&bytes).unwrap();
        assert!(!lazy.is_fully_decoded(), "{name}");
        assert!(lazy.pes().next().is_none(), "{name}: nothing decoded yet");
        assert_eq!(lazy.encode().unwrap(), bytes, "{name}");
        let full = ProfilePackage::decode(&bytes).unwrap();
        let names = |p: &ProfilePackage| p.elements.iter().map(|e| e.name()).collect::<Vec<_>>();
        assert_eq!(names(&lazy), names(&full), "{name}");
        let mut all = lazy.clone();
        all.decode_all().unwrap();
        assert!(all.is_fully_decoded());
        assert_eq!(all, full, "{name}: decode_all gives what decode gives");
    }
}

#[test]
fn lazy_and_full_personalisation_give_the_same_bytes() {
    for (name, bytes) in profiles() {
        for p in value_sets() {
            let mut full = ProfilePackage::decode(&bytes).unwrap();
            let full_result = personalise(&mut full, &p);
            let mut lazy = ProfilePackage::decode_lazy(&bytes).unwrap();
            let lazy_result = personalise(&mut lazy, &p);
            assert_eq!(lazy_result, full_result, "{name}");
            if full_result.is_ok() {
                let out = lazy.encode().unwrap();
                assert_eq!(out, full.encode().unwrap(), "{name}");
                let back = ProfilePackage::decode(&out).unwrap();
                assert!(
                    back.pes().eq(full.pes()),
                    "{name}: re-decodes to the values set"
                );
            }
        }
    }
}

#[test]
fn lazy_personalisation_decodes_only_what_it_touches() {
    let bytes = template::generic().encode().unwrap();
    let mut pkg = ProfilePackage::decode_lazy(&bytes).unwrap();
    personalise(&mut pkg, &values(&[("pin1", "4321")])).unwrap();
    for e in &pkg.elements {
        let decoded = matches!(e.value, ElementValue::Pe(_));
        assert_eq!(decoded, e.name() == "pinCodes", "{}", e.name());
    }
}

#[test]
fn validate_and_summarise_see_a_lazy_package_whole() {
    for (name, bytes) in profiles() {
        let full = ProfilePackage::decode(&bytes).unwrap();
        let lazy = ProfilePackage::decode_lazy(&bytes).unwrap();
        assert_eq!(validate(&lazy), validate(&full), "{name}");
        assert_eq!(
            inspect::summarise(&lazy).to_json(),
            inspect::summarise(&full).to_json(),
            "{name}"
        );
    }
}

/// The generic template with EF.SMSP (in the USIM PE) given a trailing `fillFileOffset`
/// coded `82 02 00 05`: structurally fine DER, but a non-minimal INTEGER (X.690 §8.3.2).
fn non_canonical_usim() -> (Vec<u8>, usize) {
    let mut pkg = template::generic();
    let (_, _, f) = pkg.file_mut("EF.SMSP").unwrap();
    f.0.push(FileItem::FillFileOffset(0x0180));
    let mut b = pkg.encode().unwrap();
    let at = b
        .windows(4)
        .position(|w| w == [0x82, 0x02, 0x01, 0x80])
        .unwrap()
        + 2;
    b[at] = 0x00;
    b[at + 1] = 0x05;
    let usim = pkg
        .elements
        .iter()
        .position(|e| e.name() == "usim")
        .unwrap();
    (b, usim)
}

#[test]
fn a_faulty_element_is_refused_when_touched() {
    let (b, usim) = non_canonical_usim();
    assert!(matches!(
        ProfilePackage::decode(&b),
        Err(CodecError::NotDer { index, .. }) if index == usim
    ));
    // Untouched: framed, and passed through as received.
    let lazy = ProfilePackage::decode_lazy(&b).unwrap();
    assert_eq!(lazy.encode().unwrap(), b);
    let mut pins = lazy.clone();
    personalise(&mut pins, &values(&[("pin1", "4321")])).unwrap();
    // Touched (EF.IMSI is in the USIM PE): the error of the full decode.
    let mut imsi = lazy.clone();
    let err = personalise(&mut imsi, &values(&[("imsi", "001019876543210")])).unwrap_err();
    assert!(
        matches!(err, PersoError::Codec(CodecError::NotDer { index, .. }) if index == usim),
        "{err}"
    );
    // Validation decodes everything: an error finding.
    let findings = validate(&lazy);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0].rule, "decode.element");
    assert!(rsp_saip::validate::has_errors(&findings));
    // The summary still lists every element.
    assert_eq!(
        inspect::summarise(&lazy).elements.len(),
        lazy.elements.len()
    );
}

#[test]
fn lazy_decode_refuses_malformed_structure() {
    let b = template::generic().encode().unwrap();
    assert_eq!(ProfilePackage::decode_lazy(&[]), Err(CodecError::Empty));
    // Truncations anywhere: an error, never a panic; every prefix that frames is whole.
    for n in 1..b.len() {
        if let Ok(p) = ProfilePackage::decode_lazy(&b[..n]) {
            assert_eq!(p.encode().unwrap(), &b[..n]);
        }
    }
    // A primitive outer tag, and a universal one.
    assert!(matches!(
        ProfilePackage::decode_lazy(&[0x80, 0x00]),
        Err(CodecError::WrongTag { .. })
    ));
    assert!(matches!(
        ProfilePackage::decode_lazy(&[0x30, 0x00]),
        Err(CodecError::WrongTag { .. })
    ));
    // A long-form length inside an element (the header's first TLV): not DER.
    let h = rsp_saip::tlv::read_header(&b).unwrap();
    let inner = rsp_saip::tlv::read_header(&b[h.header_len..]).unwrap();
    assert!(inner.content_len < 0x80);
    let mut long = b[..h.header_len].to_vec();
    long.push(b[h.header_len]);
    long.extend([0x81, inner.content_len as u8]);
    long.extend(&b[h.header_len + inner.header_len..]);
    long[1] += 1; // the header's own length, one byte longer (short form assumed)
    assert!(h.header_len == 2, "short-form header length");
    assert!(matches!(
        ProfilePackage::decode_lazy(&long),
        Err(CodecError::Element { index: 0, .. })
    ));
    // Bytes flipped anywhere: lazy decode, personalise and encode never panic, and when
    // the full decode accepts the input, the lazy path gives its bytes.
    let p = values(&[
        ("iccid", "8949449999999990015"),
        ("ki", "000102030405060708090a0b0c0d0e0f"),
    ]);
    for i in (0..b.len()).step_by(7) {
        let mut m = b.clone();
        m[i] ^= 0x5A;
        let Ok(mut lazy) = ProfilePackage::decode_lazy(&m) else {
            continue;
        };
        let _ = validate(&lazy);
        let lazy_result = personalise(&mut lazy, &p).map(|()| lazy.encode());
        if let Ok(mut full) = ProfilePackage::decode(&m) {
            let full_result = personalise(&mut full, &p).map(|()| full.encode());
            assert_eq!(lazy_result, full_result, "flip at {i}");
        }
    }
}
