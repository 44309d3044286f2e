//! Shared by the integration tests: the TS.48 reference profiles and one full set of
//! personalisation values.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::PathBuf;

/// The TS.48 profile packages (`*.der`) in `$RSP_REFERENCE_DIR/ts48`, sorted; `None` (after
/// a printed line) when RSP_REFERENCE_DIR is not set.
pub fn ts48_files() -> Option<Vec<PathBuf>> {
    let Ok(dir) = std::env::var("RSP_REFERENCE_DIR") else {
        println!("skipped: RSP_REFERENCE_DIR is not set");
        return None;
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(PathBuf::from(dir).join("ts48"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "der"))
        .collect();
    files.sort();
    Some(files)
}

/// Every personalisable field with a test value.
pub const ALL_VALUES: [(&str, &str); 15] = [
    ("iccid", "8900199999999990002"),
    ("imsi", "001019876543210"),
    ("ki", "000102030405060708090a0b0c0d0e0f"),
    ("opc", "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"),
    ("pin1", "4321"),
    ("pin2", "8765"),
    ("adm1", "3132333435363738"),
    ("puk1", "99999999"),
    ("puk2", "88888888"),
    ("kvn", "01"),
    ("kic", "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"),
    ("kid", "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"),
    ("kik", "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3"),
    ("msisdn", "+4915112345678"),
    ("smsc", "+491710760000"),
];
