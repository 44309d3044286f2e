//! Personalisation: the result re-decodes to exactly the values set and differs from the
//! template only in those values (compared on decoded structures).

#![allow(clippy::unwrap_used)]

use rsp_saip::bcd::{self, Imsi};
use rsp_saip::model::{AlgoConfiguration, PinCodes, ProfileElement};
use rsp_saip::{PersoError, Personalisation, ProfilePackage, personalise, template, validate};

fn fields() -> Personalisation {
    let mut p = Personalisation::default();
    for (k, v) in [
        ("iccid", "894944999999999016"), // check digit computed: 3
        ("imsi", "208150123456789"),
        ("ki", "000102030405060708090a0b0c0d0e0f"),
        ("opc", "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"),
        ("pin1", "1234"),
        ("pin2", "5678"),
        ("adm1", "12345678"),
        ("puk1", "87654321"),
        ("puk2", "11223344"),
        ("kic", "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"),
        ("kid", "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"),
        ("kik", "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3"),
        ("msisdn", "+33612345678"),
        ("smsc", "+33609001390"),
    ] {
        p.set(k, v).unwrap();
    }
    p
}

fn pin_value(pkg: &ProfilePackage, reference: u8) -> Vec<Vec<u8>> {
    pkg.pes()
        .filter_map(|pe| match pe {
            ProfileElement::PinCodes(p) => match &p.pin_codes {
                PinCodes::Pinconfig(l) => Some(
                    l.iter()
                        .filter(|c| c.key_reference == reference)
                        .map(|c| c.pin_value.to_vec())
                        .collect::<Vec<_>>(),
                ),
                PinCodes::FilePath(_) => None,
            },
            _ => None,
        })
        .flatten()
        .collect()
}

#[test]
fn personalised_template_has_exactly_the_values_set() {
    let original = template::generic();
    let mut pkg = original.clone();
    personalise(&mut pkg, &fields()).unwrap();
    let bytes = pkg.encode().unwrap();
    let back = ProfilePackage::decode(&bytes).unwrap();
    assert!(validate(&back).is_empty(), "{:#?}", validate(&back));

    // Values as set, read back from the re-decoded package.
    assert_eq!(
        bcd::decode_plain(&back.header().unwrap().iccid),
        "8949449999999990163"
    );
    assert_eq!(
        bcd::decode_swapped(&back.file("EF.ICCID").unwrap().read()),
        "8949449999999990163"
    );
    assert_eq!(
        Imsi::from_ef_imsi(&back.file("EF.IMSI").unwrap().read()).unwrap(),
        "208150123456789"
    );
    assert_eq!(
        hex::encode(back.file("EF.IMSI").unwrap().read()),
        "082980511032547698"
    );
    for pe in back.pes() {
        if let ProfileElement::AkaParameter(a) = pe
            && let AlgoConfiguration::AlgoParameter(p) = &a.algo_configuration
        {
            assert_eq!(hex::encode(&p.key), "000102030405060708090a0b0c0d0e0f");
            assert_eq!(hex::encode(&p.opc), "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
        }
    }
    assert_eq!(pin_value(&back, 1), [b"1234\xff\xff\xff\xff".to_vec()]);
    assert_eq!(
        pin_value(&back, 129),
        [
            b"5678\xff\xff\xff\xff".to_vec(),
            b"5678\xff\xff\xff\xff".to_vec()
        ]
    );
    assert_eq!(pin_value(&back, 10), [b"12345678".to_vec()]);
    let msisdn = back.file("EF.MSISDN").unwrap().read();
    assert_eq!(hex::encode(&msisdn[14..28]), "07913316325476f8ffffffffffff");
    let smsp = back.file("EF.SMSP").unwrap().read();
    assert_eq!(smsp[12], 0xFD, "parameter indicator: SC address present");
    assert_eq!(hex::encode(&smsp[25..37]), "07913306091093f0ffffffff");

    // Differences limited to those values: put the template's values back and compare.
    let mut undo = back.clone();
    let mut restore = Personalisation::default();
    restore.set("iccid", template::values::ICCID).unwrap();
    restore.set("imsi", template::values::IMSI).unwrap();
    restore.set("ki", template::values::K).unwrap();
    restore.set("opc", template::values::OPC).unwrap();
    restore.set("pin1", "0000").unwrap();
    restore.set("pin2", "0000").unwrap();
    restore.set("adm1", "88888888").unwrap();
    restore.set("puk1", "11111111").unwrap();
    restore.set("puk2", "22222222").unwrap();
    restore.set("kic", &"11".repeat(16)).unwrap();
    restore.set("kid", &"22".repeat(16)).unwrap();
    restore.set("kik", &"33".repeat(16)).unwrap();
    restore.set("msisdn", template::values::MSISDN).unwrap();
    personalise(&mut undo, &restore).unwrap();
    // SMSP: the template's record is all 'FF'.
    undo.write_file("EF.SMSP", 0, &[0xFF; 40]).unwrap();
    for e in &mut undo.elements {
        e.offset = 0;
    }
    assert_eq!(undo, original);
    assert_eq!(undo.encode().unwrap(), original.encode().unwrap());
}

#[test]
fn empty_personalisation_is_identity() {
    let bytes = template::generic().encode().unwrap();
    let mut pkg = ProfilePackage::decode(&bytes).unwrap();
    personalise(&mut pkg, &Personalisation::default()).unwrap();
    assert_eq!(pkg.encode().unwrap(), bytes);
}

#[test]
fn op_gives_opc_for_milenage() {
    let mut pkg = template::generic();
    let mut p = Personalisation::default();
    // 3GPP TS 35.207 test set 1.
    p.set("ki", "465b5ce8b199b49faa5f0a2ee238a6bc").unwrap();
    p.set("op", "cdc202d5123e20f62b6d676ac72cb318").unwrap();
    personalise(&mut pkg, &p).unwrap();
    let opc = pkg.pes().find_map(|pe| match pe {
        ProfileElement::AkaParameter(a) => match &a.algo_configuration {
            AlgoConfiguration::AlgoParameter(p) => Some(hex::encode(&p.opc)),
            AlgoConfiguration::MappingParameter(_) => None,
        },
        _ => None,
    });
    assert_eq!(opc.as_deref(), Some("cd63cb71954a9f4e48a5994e37a02baf"));
}

#[test]
fn bad_values_are_refused_without_echoing_secrets() {
    let mut p = Personalisation::default();
    assert!(matches!(
        p.set("iccid", "8949449999999990164"),
        Err(PersoError::Id(_))
    ));
    assert!(matches!(
        p.set("ki", "00112233"),
        Err(PersoError::KeyLength {
            field: "ki",
            len: 4,
            ..
        })
    ));
    let e = p
        .set("opc", "zz112233445566778899aabbccddeeff")
        .unwrap_err();
    assert!(!e.to_string().contains("112233"), "{e}");
    assert!(matches!(p.set("pin1", "12"), Err(PersoError::Value { .. })));
    assert!(matches!(
        p.set("puk1", "1234567"),
        Err(PersoError::Value { .. })
    ));
    assert!(matches!(
        p.set("colour", "blue"),
        Err(PersoError::UnknownField(_))
    ));
    p.set("kic", &"00".repeat(16)).unwrap();
    assert!(
        !format!("{p:?}").contains("0000000000"),
        "Debug must redact keys"
    );
    // A key version the template does not have.
    p.set("kvn", "07").unwrap();
    let mut pkg = template::generic();
    assert!(matches!(
        personalise(&mut pkg, &p),
        Err(PersoError::Missing(_))
    ));
}

#[test]
fn fast_path_equals_typed_path_on_the_template() {
    use rsp_saip::patch::{PathTaken, personalise_der_with_path};
    let bytes = template::generic().encode().unwrap();
    let p = fields();
    let (fast, path) = personalise_der_with_path(&bytes, &p).unwrap();
    assert_eq!(path, PathTaken::Patched);
    let mut pkg = ProfilePackage::decode(&bytes).unwrap();
    personalise(&mut pkg, &p).unwrap();
    assert_eq!(fast, pkg.encode().unwrap());
    // OP needs the typed path (OPc derivation); same result either way.
    let mut q = Personalisation::default();
    q.set("op", "cdc202d5123e20f62b6d676ac72cb318").unwrap();
    let (out, path) = personalise_der_with_path(&bytes, &q).unwrap();
    assert_eq!(path, PathTaken::Typed);
    let mut pkg = ProfilePackage::decode(&bytes).unwrap();
    personalise(&mut pkg, &q).unwrap();
    assert_eq!(out, pkg.encode().unwrap());
    // Errors are the typed path's.
    let mut r = Personalisation::default();
    r.set("kvn", "07").unwrap();
    r.set("kic", &"00".repeat(16)).unwrap();
    assert!(matches!(
        personalise_der_with_path(&bytes, &r),
        Err(PersoError::Missing(_))
    ));
    assert!(rsp_saip::patch::personalise_der(&bytes[..100], &p).is_err());
}
