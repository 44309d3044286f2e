//! Typed validation failures: each names the certificate and the rule it broke.

use crate::role::Role;
use std::fmt;

/// Identifies one certificate in an error message: its role in the chain being
/// checked, its subject and its serial number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertId {
    /// What the certificate was expected to be (`DPauth`, `EUM`, `CI`, ...).
    pub role: &'static str,
    /// Subject distinguished name (RFC 4514).
    pub subject: String,
    /// Serial number in hex.
    pub serial: String,
}

impl fmt::Display for CertId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} certificate [{}] (serial {})",
            self.role, self.subject, self.serial
        )
    }
}

/// The coarse class of a failure; later mapped to SGP.22 status codes
/// (e.g. 8.1.3/6.1 chain verification failed, 8.1.3/6.3 expired, 8.11.1/3.9 unknown CI).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailureKind {
    /// Malformed input (certificate, CRL, EID).
    Malformed,
    /// The certificate or chain breaks a rule (signature, extension, policy, name).
    Invalid,
    /// Outside its validity period at the instant of the check.
    Expired,
    /// No trusted CI with the required key identifier.
    UnknownCi,
    /// Listed in a CRL.
    Revoked,
}

/// A failed certificate, chain or CRL check.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PkiError {
    /// DER or PEM could not be decoded.
    #[error("{what}: cannot be decoded: {reason}")]
    Decode { what: String, reason: String },
    /// Structural rule: version, algorithm, key type.
    #[error("{cert}: {reason}")]
    Malformed { cert: Box<CertId>, reason: String },
    /// The issuer's signature over the tbsCertificate bytes does not verify.
    #[error("{cert}: signature does not verify with the public key of {issuer}")]
    BadSignature {
        cert: Box<CertId>,
        issuer: Box<CertId>,
    },
    /// Not yet valid at the instant of the check.
    #[error("{cert}: not valid before {not_before}, checked at {at}")]
    NotYetValid {
        cert: Box<CertId>,
        not_before: String,
        at: String,
    },
    /// Expired at the instant of the check.
    #[error("{cert}: expired at {not_after}, checked at {at}")]
    Expired {
        cert: Box<CertId>,
        not_after: String,
        at: String,
    },
    /// Issuer name differs from the issuer certificate's subject (RFC 5280 §6.1.3).
    #[error("{cert}: issuer name [{issuer_name}] is not the subject of {issuer}")]
    IssuerNameMismatch {
        cert: Box<CertId>,
        issuer_name: String,
        issuer: Box<CertId>,
    },
    /// Authority key identifier missing or different from the issuer's subject key identifier.
    #[error(
        "{cert}: authority key identifier {aki} differs from subject key identifier {ski} of {issuer}"
    )]
    AkiMismatch {
        cert: Box<CertId>,
        aki: String,
        ski: String,
        issuer: Box<CertId>,
    },
    /// A mandatory extension is missing (SGP.22 §4.5.2.1 certificate profiles).
    #[error("{cert}: missing {extension} extension")]
    MissingExtension {
        cert: Box<CertId>,
        extension: &'static str,
    },
    /// An extension is present but cannot be decoded or appears twice.
    #[error("{cert}: invalid {extension} extension: {reason}")]
    BadExtension {
        cert: Box<CertId>,
        extension: &'static str,
        reason: String,
    },
    /// A critical extension this validator does not know (RFC 5280 §4.2).
    #[error("{cert}: unknown critical extension {oid}")]
    UnknownCriticalExtension { cert: Box<CertId>, oid: String },
    /// keyUsage does not allow what the role needs.
    #[error("{cert}: key usage {reason}")]
    KeyUsage { cert: Box<CertId>, reason: String },
    /// extendedKeyUsage does not allow what the role needs.
    #[error("{cert}: extended key usage {reason}")]
    ExtKeyUsage { cert: Box<CertId>, reason: String },
    /// basicConstraints wrong for the certificate's place in the chain.
    #[error("{cert}: basic constraints {reason}")]
    BasicConstraints { cert: Box<CertId>, reason: String },
    /// The certificatePolicies role OID is not the one required.
    #[error("{cert}: certificate policies {found} do not include the {expected} role policy {oid}")]
    WrongRole {
        cert: Box<CertId>,
        expected: Role,
        oid: String,
        found: String,
    },
    /// A role-less certificate (eIM, operator) carries another role's GSMA policy.
    #[error("{cert}: carries the GSMA role policy of {found}, not usable as {expected}")]
    ForeignRole {
        cert: Box<CertId>,
        expected: Role,
        found: Role,
    },
    /// The eUICC certificate's EID is missing or malformed.
    #[error("{cert}: EID {reason}")]
    BadEid { cert: Box<CertId>, reason: String },
    /// The EID lies outside the EUM's permitted range (GSMA nameConstraints rule).
    #[error("{cert}: EID {eid} is outside the range permitted by {eum}: {reason}")]
    EidOutsideRange {
        cert: Box<CertId>,
        eid: String,
        eum: Box<CertId>,
        reason: String,
    },
    /// The EID differs from the one expected by the caller.
    #[error("{cert}: EID {found} is not the expected EID {expected}")]
    EidMismatch {
        cert: Box<CertId>,
        found: String,
        expected: String,
    },
    /// The chain does not have the shape the role requires.
    #[error("{cert}: chain shape: {reason}")]
    ChainShape { cert: Box<CertId>, reason: String },
    /// No trusted CI (nor given intermediate) has the issuer's key identifier.
    #[error("{cert}: no trusted CI or given intermediate has subject key identifier {aki}")]
    UnknownIssuer { cert: Box<CertId>, aki: String },
    /// None of the requested CI key identifiers is configured.
    #[error("none of the requested CI key identifiers [{requested}] is configured")]
    NoMatchingCi { requested: String },
    /// The certificate's serial is listed in a valid CRL of its issuer.
    #[error("{cert}: revoked on {date} by the CRL of {issuer}")]
    Revoked {
        cert: Box<CertId>,
        date: String,
        issuer: Box<CertId>,
    },
    /// A CRL failed its own checks (signature, dates, issuer).
    #[error("CRL issued by [{issuer}]: {reason}")]
    BadCrl { issuer: String, reason: String },
    /// Issuance failed (encoding or signing).
    #[error("issuing {what}: {reason}")]
    Issue { what: String, reason: String },
}

impl PkiError {
    /// The coarse class of this failure.
    pub fn kind(&self) -> FailureKind {
        match self {
            PkiError::Decode { .. } | PkiError::Malformed { .. } | PkiError::BadCrl { .. } => {
                FailureKind::Malformed
            }
            PkiError::Expired { .. } => FailureKind::Expired,
            PkiError::UnknownIssuer { .. } | PkiError::NoMatchingCi { .. } => {
                FailureKind::UnknownCi
            }
            PkiError::Revoked { .. } => FailureKind::Revoked,
            PkiError::BadEid { .. } => FailureKind::Malformed,
            _ => FailureKind::Invalid,
        }
    }
}
