//! Helpers shared by the integration tests.
#![allow(clippy::unwrap_used)]
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::PathBuf;

/// Parses a `key=hex` fixture file (lines starting with `#` are comments).
pub fn fixture(name: &str) -> HashMap<String, Vec<u8>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (k, v) = l.split_once('=').unwrap();
            (k.trim().to_owned(), hex::decode(v.trim()).unwrap())
        })
        .collect()
}

/// `RSP_REFERENCE_DIR`, or `None` (the caller prints a skip line and returns).
pub fn reference_dir() -> Option<PathBuf> {
    match std::env::var_os("RSP_REFERENCE_DIR") {
        Some(d) => Some(PathBuf::from(d)),
        None => {
            eprintln!("RSP_REFERENCE_DIR unset: skipping reference-material test");
            None
        }
    }
}

pub fn h(s: &str) -> Vec<u8> {
    hex::decode(s.replace([' ', '\n'], "")).unwrap()
}
