//! TCA eUICC Profile Package: Interoperable Format (SAIP), PE definitions v3.x.
//!
//! A profile package is a concatenation of DER `ProfileElement` values, `ProfileHeader`
//! first and `PE-End` last (TCA SAIP v3.3.1 §8.1). This crate
//! - decodes and re-encodes packages byte-exactly with a typed model ([`model`], [`package`]),
//! - finds files by name, "EF.IMSI" or "usim/EF.ARR" ([`fs`]),
//! - personalises ICCID, IMSI, K/OPc, PINs/PUKs, OTA keys, MSISDN, SMSC ([`personalise()`];
//!   [`patch::personalise_der`] is the fast path used for batches and the SM-DP+),
//! - validates element order, mandatory elements, header consistency, sizes, key lengths
//!   and duplicate identifiers ([`validate()`]),
//! - summarises a package ([`inspect`]), runs batches from CSV / JSON lines ([`batch`]),
//! - ships a generic USIM+ISIM test template ([`template`]).
//!
//! ```
//! use rsp_saip::{Personalisation, ProfilePackage, personalise, template, validate};
//!
//! let der = template::generic().encode()?;
//! let mut pkg = ProfilePackage::decode(&der)?;
//! let mut p = Personalisation::default();
//! p.set("iccid", "894944999999999016")?; // check digit appended: …0163
//! p.set("imsi", "208150123456789")?;
//! personalise(&mut pkg, &p)?;
//! assert!(validate(&pkg).is_empty());
//! assert_eq!(rsp_saip::inspect::summarise(&pkg).iccid.as_deref(), Some("8949449999999990163"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod batch;
pub mod bcd;
pub mod error;
pub mod fs;
pub mod inspect;
pub mod install;
pub mod luhn;
pub mod milenage;
pub mod model;
pub mod package;
pub mod patch;
pub mod personalise;
pub mod secret;
pub mod template;
pub mod tlv;
pub mod validate;

pub use error::CodecError;
pub use package::{Element, ElementValue, ProfilePackage};
pub use personalise::{PersoError, Personalisation, personalise};
pub use validate::{Finding, Severity, validate};
