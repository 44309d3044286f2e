//! Non-canonical DER (found by the `saip_package` fuzz target): a `fillFileOffset` INTEGER
//! with a leading zero byte (ITU-T X.690 §8.3.2) used to decode, then re-encode one byte
//! shorter, so the typed personalisation shifted every later byte while the in-place one
//! kept the input's bytes. The decoder now refuses it, naming the byte.

#![allow(clippy::unwrap_used)]

use rsp_saip::model::FileItem;
use rsp_saip::patch::{self, PathTaken};
use rsp_saip::{CodecError, PersoError, Personalisation, ProfilePackage, personalise, template};

/// The generic template with a trailing `fillFileOffset` in EF.SMSP (in the USIM PE):
/// canonical `82 02 01 80` (384), then the bytes and the offset of its first value byte.
fn with_offset_384() -> (Vec<u8>, usize) {
    let mut pkg = template::generic();
    let (_, _, f) = pkg.file_mut("EF.SMSP").unwrap();
    f.0.push(FileItem::FillFileOffset(0x0180));
    let b = pkg.encode().unwrap();
    let hits: Vec<usize> = b
        .windows(4)
        .enumerate()
        .filter(|(_, w)| *w == [0x82, 0x02, 0x01, 0x80])
        .map(|(i, _)| i)
        .collect();
    assert_eq!(hits.len(), 1, "{hits:?}");
    (b, hits[0] + 2)
}

/// Same length, value 5 with a leading zero byte: `82 02 00 05` (DER: `82 01 05`).
fn non_canonical() -> (Vec<u8>, usize) {
    let (mut b, at) = with_offset_384();
    b[at] = 0x00;
    b[at + 1] = 0x05;
    (b, at)
}

/// The values the fuzz target sets.
fn fuzz_values() -> Personalisation {
    let mut p = Personalisation::default();
    p.set("iccid", "8949449999999990015").unwrap();
    p.set("ki", "000102030405060708090a0b0c0d0e0f").unwrap();
    p
}

#[test]
fn non_minimal_integer_is_refused_at_its_byte() {
    let (b, at) = non_canonical();
    let canonical = ProfilePackage::decode(&with_offset_384().0).unwrap();
    let index = canonical
        .elements
        .iter()
        .position(|e| e.name() == "usim")
        .unwrap();
    let err = ProfilePackage::decode(&b).unwrap_err();
    assert_eq!(
        err,
        CodecError::NotDer {
            index,
            offset: canonical.elements[index].offset,
            name: "usim",
            at,
        }
    );
    assert!(
        err.to_string().contains(&format!(
            "not canonical DER (X.690 §10) at byte offset {at}"
        )),
        "{err}"
    );
}

#[test]
fn fast_path_keeps_the_bytes_and_typed_path_refuses() {
    let (b, at) = non_canonical();
    let p = fuzz_values();
    // In place: only the values change; the non-canonical bytes stay where they were.
    let (fast, path) = patch::personalise_der_with_path(&b, &p).unwrap();
    assert_eq!(path, PathTaken::Patched);
    assert_eq!(fast.len(), b.len());
    assert_eq!(fast[at - 2..at + 2], [0x82, 0x02, 0x00, 0x05]);
    // Typed: refused, so the two can no longer give different bytes.
    assert!(matches!(
        ProfilePackage::decode(&b),
        Err(CodecError::NotDer { .. })
    ));
    // A value the fast path cannot patch (OP → OPc) falls back to the typed path: refused too.
    let mut op = p.clone();
    op.set("op", "00112233445566778899aabbccddeeff").unwrap();
    assert!(matches!(
        patch::personalise_der(&b, &op),
        Err(PersoError::Codec(CodecError::NotDer { name: "usim", .. }))
    ));
}

#[test]
fn canonical_form_of_the_same_package_agrees_on_both_paths() {
    let (_, at) = with_offset_384();
    // The canonical `82 01 05`, one byte shorter: rebuilt through the typed model.
    let mut pkg = template::generic();
    let (_, _, f) = pkg.file_mut("EF.SMSP").unwrap();
    f.0.push(FileItem::FillFileOffset(5));
    let b = pkg.encode().unwrap();
    assert_eq!(b[at - 2..at + 1], [0x82, 0x01, 0x05]);
    let p = fuzz_values();
    let (fast, path) = patch::personalise_der_with_path(&b, &p).unwrap();
    assert_eq!(path, PathTaken::Patched);
    let mut typed = ProfilePackage::decode(&b).unwrap();
    personalise(&mut typed, &p).unwrap();
    assert_eq!(fast, typed.encode().unwrap());
    assert_eq!(
        rsp_saip::bcd::decode_plain(&typed.header().unwrap().iccid),
        "8949449999999990015"
    );
}
