//! Validation of a decoded package (TCA SAIP v3.3.1 §8): element order, mandatory
//! elements, header consistency, file sizes, key lengths and duplicate identifiers.
//! Every finding names the element and the rule.

use serde::Serialize;

mod duplicates;
mod files;
mod header;
mod keys;
mod order;

use crate::model::ProfileElement;
use crate::package::ProfilePackage;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Likely harmless (e.g. a declared service that no element uses).
    Warning,
    /// The package breaks a rule; an eUICC may refuse it.
    Error,
}

/// One rule violation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    /// Rule identifier, e.g. "order.header-first" (see [`RULES`]).
    pub rule: &'static str,
    /// Index of the element in the package, if the finding is about one.
    pub element_index: Option<usize>,
    /// Element name ("usim", "pinCodes", …) or "package".
    pub element: String,
    /// Byte offset of the element in the input (0 for built packages).
    pub offset: Option<usize>,
    pub message: String,
}

impl core::fmt::Display for Finding {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let sev = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        match (self.element_index, self.offset) {
            (Some(i), Some(o)) => write!(
                f,
                "{sev} [{}] element #{i} {} (offset {o}): {}",
                self.rule, self.element, self.message
            ),
            _ => write!(
                f,
                "{sev} [{}] {}: {}",
                self.rule, self.element, self.message
            ),
        }
    }
}

/// The rules checked, with the spec they come from.
pub const RULES: &[(&str, &str)] = &[
    (
        "decode.element",
        "SAIP §8.1, X.690 §10: every PE decodes as its ASN.1 definition, in canonical DER",
    ),
    (
        "order.header-first",
        "SAIP §8.1: the ProfileHeader is the first PE, and the only one",
    ),
    (
        "order.end-last",
        "SAIP §8.1: PE-End is the last PE, and the only one",
    ),
    (
        "order.mf-first",
        "SAIP §8.3: PE-MF precedes every other file-system PE",
    ),
    (
        "order.parent-first",
        "SAIP §8.3: OPT-x, DF-5GS, DF-SAIP, GSM-ACCESS follow the PE that creates their ADF",
    ),
    (
        "order.puk-before-pin",
        "SAIP §8.4: PE-PUKCodes precedes the PE-PINCodes that reference it",
    ),
    (
        "order.aka-after-naa",
        "SAIP §8.5: PE-AKAParameter follows a USIM or ISIM PE; PE-CDMAParameter follows CSIM",
    ),
    (
        "mandatory.element",
        "SAIP §8.1: ProfileHeader, PE-MF and PE-End are mandatory; a USIM/ISIM needs an AKA parameter",
    ),
    ("header.version", "SAIP §8.2: major-version is 1, 2 or 3"),
    (
        "header.iccid",
        "SAIP §8.2, TS 102 221 §13.2: header ICCID equals EF.ICCID; E.118 Luhn digit",
    ),
    (
        "header.services",
        "SAIP §8.2.1: services used by the elements are declared in eUICC-Mandatory-services",
    ),
    (
        "header.gfste",
        "SAIP §8.2: every templateID used is in eUICC-Mandatory-GFSTEList",
    ),
    (
        "file.size",
        "SAIP §8.3.2: content fits in efFileSize; record files hold whole records",
    ),
    (
        "file.size-encoding",
        "SAIP §8.3.2: efFileSize on the minimum number of octets",
    ),
    ("file.imsi", "TS 31.102 §4.2.2: EF.IMSI length byte 1..8"),
    (
        "key.length",
        "SAIP §8.4–8.6: PIN/PUK 8 bytes; K/OPc per algorithm; SD keys per key type",
    ),
    (
        "duplicate.identification",
        "SAIP §8.1: PEHeader identification numbers are unique",
    ),
    (
        "duplicate.key-reference",
        "SAIP §8.4: one entry per PIN/PUK key reference in a PE",
    ),
    (
        "duplicate.aid",
        "SAIP §8.6–8.7: instance AIDs and ADF names are unique",
    ),
    (
        "duplicate.key",
        "GP CS §11.1.8: one key per (identifier, version) in a security domain",
    ),
    (
        "reference.puk",
        "SAIP §8.4.1: an unblockingPINReference exists in PE-PUKCodes",
    ),
];

pub(crate) struct Ctx<'a> {
    pub(crate) pkg: &'a ProfilePackage,
    pub(crate) out: Vec<Finding>,
}

impl Ctx<'_> {
    pub(crate) fn at(&mut self, sev: Severity, rule: &'static str, index: usize, message: String) {
        let e = self.pkg.elements.get(index);
        self.out.push(Finding {
            severity: sev,
            rule,
            element_index: Some(index),
            element: e.map_or("package", |e| e.name()).to_string(),
            offset: e.map(|e| e.offset),
            message,
        });
    }

    pub(crate) fn pkg(&mut self, sev: Severity, rule: &'static str, message: String) {
        self.out.push(Finding {
            severity: sev,
            rule,
            element_index: None,
            element: "package".into(),
            offset: None,
            message,
        });
    }
}

/// Checks `pkg` and returns every finding, errors and warnings, in rule order. A lazily
/// decoded package ([`ProfilePackage::decode_lazy`]) is checked on a fully decoded copy;
/// an element that does not decode is an error finding ("decode.element").
pub fn validate(pkg: &ProfilePackage) -> Vec<Finding> {
    if !pkg.is_fully_decoded() {
        let mut full = pkg.clone();
        return match full.decode_all() {
            Ok(()) => validate(&full),
            Err(e) => {
                let mut c = Ctx {
                    pkg,
                    out: Vec::new(),
                };
                c.pkg(Severity::Error, "decode.element", e.to_string());
                c.out
            }
        };
    }
    let mut c = Ctx {
        pkg,
        out: Vec::new(),
    };
    order::order(&mut c);
    header::header(&mut c);
    files::files(&mut c);
    keys::keys(&mut c);
    keys::pin_context(&mut c);
    duplicates::duplicates(&mut c);
    c.out
}

/// Whether any finding is an error.
pub fn has_errors(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Error)
}

pub(crate) fn indexed(pkg: &ProfilePackage) -> impl Iterator<Item = (usize, &ProfileElement)> {
    pkg.elements
        .iter()
        .enumerate()
        .filter_map(|(i, e)| e.pe().map(|pe| (i, pe)))
}

/// Findings as pretty JSON (an array of objects with severity, rule, element, offset, message).
pub fn findings_json(findings: &[Finding]) -> String {
    serde_json::to_string_pretty(findings).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}
