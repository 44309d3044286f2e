//! The project's own template: the builder reproduces the committed DER file, which
//! decodes, round-trips and validates cleanly.
//!
//! Regenerate the file with: `RSP_SAIP_WRITE_TEMPLATE=1 cargo test -p rsp-saip --test template`

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use rsp_saip::{ProfilePackage, template, validate};

fn committed() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(template::GENERIC_PATH)
}

#[test]
fn builder_reproduces_committed_file() {
    let built = template::generic().encode().unwrap();
    if std::env::var_os("RSP_SAIP_WRITE_TEMPLATE").is_some() {
        std::fs::write(committed(), &built).unwrap();
    }
    let file = std::fs::read(committed()).unwrap();
    assert_eq!(
        built,
        file,
        "template::generic() differs from {}",
        template::GENERIC_PATH
    );
}

#[test]
fn committed_template_round_trips_and_validates() {
    let bytes = std::fs::read(committed()).unwrap();
    let pkg = ProfilePackage::decode(&bytes).unwrap();
    assert_eq!(pkg.encode().unwrap(), bytes);
    let findings = validate(&pkg);
    assert!(findings.is_empty(), "{findings:#?}");
    let s = rsp_saip::inspect::summarise(&pkg);
    assert_eq!(s.iccid.as_deref(), Some(template::values::ICCID));
    assert_eq!(s.ef_iccid.as_deref(), Some(template::values::ICCID));
    assert_eq!(s.imsi.as_deref(), Some(template::values::IMSI));
    assert_eq!(s.services, ["usim", "isim", "milenage"]);
    let names: Vec<&str> = s.elements.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "header",
            "mf",
            "pukCodes",
            "pinCodes",
            "usim",
            "opt-usim",
            "pinCodes",
            "akaParameter",
            "isim",
            "pinCodes",
            "akaParameter",
            "securityDomain",
            "end"
        ]
    );
}

#[test]
fn template_values_are_valid() {
    assert!(rsp_saip::bcd::Iccid::parse(template::values::ICCID).is_ok());
    assert!(rsp_saip::bcd::Imsi::parse(template::values::IMSI).is_ok());
    assert!(rsp_saip::bcd::DiallingNumber::parse(template::values::MSISDN).is_ok());
}
