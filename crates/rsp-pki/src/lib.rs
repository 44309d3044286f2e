//! GSMA RSP certificate layer: parsing, path validation with the GSMA rules
//! (SGP.22 v2.5 §4.5.2, SGP.26 profiles), CRLs, EIDs, CI selection and issuance
//! of GSMA-profile test certificates.
//!
//! ```no_run
//! # fn demo(ci_pem: &str, eum_pem: &str, euicc_pem: &str) -> Result<(), rsp_pki::PkiError> {
//! use rsp_pki::{Cert, Role, TrustStore};
//! let store = TrustStore::with_cis([Cert::from_pem(ci_pem)?]);
//! let chain = store.validate(
//!     &Cert::from_pem(euicc_pem)?,
//!     &[Cert::from_pem(eum_pem)?],
//!     Role::Euicc,
//!     time::OffsetDateTime::now_utc(),
//! )?;
//! println!("EID {:?}", chain.eid);
//! # Ok(()) }
//! ```

mod crl;
mod csr;
mod eid;
mod error;
mod euicc;
mod ext;
mod instant;
mod issue;
mod memo;
mod name;
mod parse;
mod parse_memo;
mod profile;
mod role;
mod san;
mod select;
mod testpki;
mod validate;

pub use crl::{Crl, issue_crl};
pub use csr::{Csr, csr};
pub use eid::{
    EID_LEN, EidError, eid_check_digits, eid_in_range, eid_with_check_digits, validate_eid,
};
pub use error::{CertId, FailureKind, PkiError};
pub use ext::CertExtensions;
pub use issue::{CertRequest, escape_dn_value, issue, key_identifier, parse_name};
pub use parse::{Cert, ECDSA_WITH_SHA256};
pub use profile::{ID_KP_CLIENT_AUTH, ID_KP_SERVER_AUTH};
pub use role::{ID_RSP_ROLE, Role, UnknownRole, is_rsp_role_oid};
pub use san::SanEntry;
pub use select::CredentialSet;
pub use testpki::{
    DEFAULT_EID, EID_PREFIX_LEN, Issued, TEST_PKI_ROLES, TestPki, TestPkiOptions, euicc_subject,
    file_names, request_for, write_secret,
};
pub use validate::{TrustStore, ValidatedChain};
