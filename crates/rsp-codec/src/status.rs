//! SGP.22 status codes: a subject code and a reason code (SGP.22 v2.5 §5.2.6.1 subject codes,
//! §5.2.6.2 reason codes), carried in `statusCodeData` of a JSON response header (§6.5.1.4).
//!
//! [`RspError`] names every subject/reason pair this suite emits or understands, each with
//! its SGP.22 description; a pair received from a peer that is not in the table is kept raw
//! as [`RspError::Unrecognised`]. [`SubjectCode`] and [`ReasonCode`] hold any dotted-decimal
//! code, so nothing a peer sends is lost (note `3.10` ≠ `3.1`: codes are strings, not numbers).
//!
//! Sources of the table (read, not copied): the per-function "specific status codes" of
//! SGP.22 §5.3 (ES2+), §5.5 (ES12), §5.6 (ES9+), §5.8 (ES11) as reproduced by osmo-smdpp
//! (`osmo-smdpp.py`, `pySim/esim/es2plus_commons.py`), lpac (`euicc/es9p_errors.c`), the
//! Quectel eSIM SDK (`esim_error.h`), an Android LPA SDK (`subjectCodeMap`/`reasonCodeMap`,
//! SGP.22 v3 tables), and the error INTEGER lists of the ES9+/ES11 ASN.1 binding
//! (`AuthenticateClientResponseEs9`, `GetBoundProfilePackageResponse`,
//! `CancelSessionResponseEs9`, `AuthenticateClientResponseEs11` in `RSPDefinitions`).
//! lpac writes `3.1`/`4.1` where the others write `3.10`/`4.10` for "Invalid Association" and
//! "Time to Live Expired": a trailing-zero loss; this table uses `3.10`/`4.10`.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::json::{Es2PlusFunction, Es9PlusFunction, Es11Function, Es12Function, Function};

/// Longest code accepted from a peer (characters); real codes are at most 8 (`8.10.2.7`).
const MAX_CODE_LEN: usize = 16;

/// A malformed subject or reason code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("status code {0:?} is not dotted decimal (e.g. \"8.10.1\")")]
pub struct CodeError(String);

/// Checks the dotted-decimal form: digits separated by single dots, 1..=16 characters.
fn validate_code(s: &str) -> Result<(), CodeError> {
    let ok = !s.is_empty()
        && s.len() <= MAX_CODE_LEN
        && s.split('.')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()));
    if ok {
        Ok(())
    } else {
        Err(CodeError(s.chars().take(MAX_CODE_LEN).collect()))
    }
}

macro_rules! code_newtype {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Cow<'static, str>);

        impl $name {
            /// A code known at compile time (must be dotted decimal; checked by tests).
            pub const fn from_static(code: &'static str) -> Self {
                Self(Cow::Borrowed(code))
            }

            /// Parses a code received from a peer.
            pub fn parse(code: &str) -> Result<Self, CodeError> {
                validate_code(code)?;
                Ok(Self(Cow::Owned(code.to_owned())))
            }

            /// The code as written on the wire, e.g. `"8.10.1"`.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = CodeError;
            fn from_str(s: &str) -> Result<Self, CodeError> {
                Self::parse(s)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = Cow::<'de, str>::deserialize(d)?;
                Self::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

code_newtype!(
    /// Subject code: what the status is about (SGP.22 §5.2.6.1), e.g. `8.10.1` TransactionId.
    SubjectCode
);
code_newtype!(
    /// Reason code: why (SGP.22 §5.2.6.2), e.g. `3.9` Unknown.
    ReasonCode
);

impl SubjectCode {
    /// The SGP.22 §5.2.6.1 name of this subject, if this suite knows it.
    pub fn name(&self) -> Option<&'static str> {
        SUBJECT_NAMES
            .iter()
            .find(|(code, _)| *code == self.as_str())
            .map(|(_, name)| *name)
    }
}

impl ReasonCode {
    /// The SGP.22 §5.2.6.2 name of this reason, if this suite knows it.
    pub fn name(&self) -> Option<&'static str> {
        REASON_NAMES
            .iter()
            .find(|(code, _)| *code == self.as_str())
            .map(|(_, name)| *name)
    }
}

/// SGP.22 §5.2.6.1 subject codes used by the v2.5 functions of this suite.
const SUBJECT_NAMES: &[(&str, &str)] = &[
    ("1.1", "Function Requester"),
    ("1.2", "Function Provider"),
    ("1.3.1", "Protocol Format"),
    ("1.3.2", "Protocol Version"),
    ("1.6", "Function"),
    ("8.1", "eUICC"),
    ("8.1.1", "EID"),
    ("8.1.2", "EUM Certificate"),
    ("8.1.3", "eUICC Certificate"),
    ("8.2", "Profile"),
    ("8.2.1", "Profile ICCID"),
    ("8.2.5", "Profile Type"),
    ("8.2.6", "Matching ID"),
    ("8.2.7", "Confirmation Code"),
    ("8.8", "SM-DP+"),
    ("8.8.1", "SM-DP+ Address"),
    ("8.8.2", "Security configuration"),
    ("8.8.3", "Specification Version Number (SVN)"),
    ("8.8.4", "SM-DP+ Certificate"),
    ("8.8.5", "Download order"),
    ("8.9", "SM-DS"),
    ("8.9.1", "SM-DS Address"),
    ("8.9.2", "Security configuration"),
    ("8.9.3", "Specification Version Number (SVN)"),
    ("8.9.4", "SM-DS Certificate"),
    ("8.9.5", "Event Record"),
    ("8.10", "RSP Operation"),
    ("8.10.1", "TransactionId"),
    ("8.11", "eSIM CA"),
    ("8.11.1", "CI Public Key"),
];

/// SGP.22 §5.2.6.2 reason codes.
const REASON_NAMES: &[(&str, &str)] = &[
    ("1.1", "Unknown (Identification or Authentication)"),
    ("1.2", "Not Allowed (Authorisation)"),
    ("2.1", "Invalid"),
    ("2.2", "Mandatory Element Missing"),
    ("2.3", "Conditional Element Missing"),
    ("3.1", "Unsupported"),
    ("3.3", "Already in Use (Uniqueness)"),
    ("3.5", "Invalid Transition"),
    ("3.7", "Unavailable"),
    ("3.8", "Refused"),
    ("3.9", "Unknown"),
    ("3.10", "Invalid Association"),
    ("4.2", "Execution Error"),
    ("4.3", "Stopped on Warning"),
    ("4.8", "Insufficient Memory"),
    ("4.10", "Time to Live Expired"),
    ("5.1", "Inaccessible"),
    ("6.1", "Verification Failed"),
    ("6.3", "Expired"),
    ("6.4", "Maximum number of retries exceeded"),
];

/// A subject/reason code pair.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StatusCode {
    /// What the status is about.
    pub subject: SubjectCode,
    /// Why.
    pub reason: ReasonCode,
}

impl StatusCode {
    /// Builds a pair from compile-time codes.
    pub const fn from_static(subject: &'static str, reason: &'static str) -> Self {
        Self {
            subject: SubjectCode::from_static(subject),
            reason: ReasonCode::from_static(reason),
        }
    }
}

impl fmt::Display for StatusCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.subject, self.reason)
    }
}

/// Declares [`RspError`] from one table: variant, subject, reason, SGP.22 description.
macro_rules! rsp_errors {
    ($( $(#[$doc:meta])* $variant:ident = ($subject:literal, $reason:literal, $message:literal), )*) => {
        /// Every SGP.22 status code pair this suite emits or understands.
        ///
        /// The doc of each variant names the functions (SGP.22 section) whose "specific status
        /// codes" table lists it.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum RspError {
            $( $(#[$doc])* $variant, )*
            /// A pair not in this table, kept as received.
            Unrecognised(StatusCode),
        }

        impl RspError {
            /// Every known variant (for tests and documentation).
            pub const ALL: &'static [RspError] = &[$(RspError::$variant,)*];

            /// The subject code.
            pub fn subject_code(&self) -> SubjectCode {
                match self {
                    $(RspError::$variant => SubjectCode::from_static($subject),)*
                    RspError::Unrecognised(code) => code.subject.clone(),
                }
            }

            /// The reason code.
            pub fn reason_code(&self) -> ReasonCode {
                match self {
                    $(RspError::$variant => ReasonCode::from_static($reason),)*
                    RspError::Unrecognised(code) => code.reason.clone(),
                }
            }

            /// The SGP.22 description, used as the default `message`.
            pub fn message(&self) -> &'static str {
                match self {
                    $(RspError::$variant => $message,)*
                    RspError::Unrecognised(_) => "unrecognised status code",
                }
            }

            /// Maps a received pair to its variant, or keeps it raw.
            pub fn from_status_code(code: StatusCode) -> Self {
                match (code.subject.as_str(), code.reason.as_str()) {
                    $(($subject, $reason) => RspError::$variant,)*
                    _ => RspError::Unrecognised(code),
                }
            }
        }
    };
}

rsp_errors! {
    // --- Generic (SGP.22 §5.2.6; any function) ---
    /// Any function: the function requester is unknown.
    RequesterUnknown = ("1.1", "1.1", "Function requester unknown"),
    /// Any function: the function requester is not allowed to call this function.
    RequesterNotAllowed = ("1.1", "1.2", "Function requester not allowed"),
    /// Any function: internal processing error, when no more accurate code applies.
    ExecutionError = ("1.2", "4.2", "Function provider execution error"),
    /// Any function: the request is not valid JSON or a field has an invalid value.
    ProtocolFormatInvalid = ("1.3.1", "2.1", "Invalid request format"),
    /// Any function: a mandatory field is missing (used by osmo-smdpp).
    MandatoryElementMissing = ("1.3.1", "2.2", "Mandatory element missing"),
    /// Any function: a conditional field is missing.
    ConditionalElementMissing = ("1.3.1", "2.3", "Conditional element missing"),
    /// Any function: the `X-Admin-Protocol` version is not supported (SGP.22 §6.5.1).
    ProtocolVersionUnsupported = ("1.3.2", "3.1", "Protocol version not supported"),

    // --- ES9+ (SGP.22 §5.6) ---
    /// ES9+.InitiateAuthentication (§5.6.1).
    SmdpAddressRefused = ("8.8.1", "3.8", "Invalid SM-DP+ Address"),
    /// ES9+.InitiateAuthentication (§5.6.1).
    SmdpSecurityConfigurationUnsupported = ("8.8.2", "3.1", "None of the proposed Public Key Identifiers is supported by the SM-DP+"),
    /// ES9+.InitiateAuthentication (§5.6.1).
    SmdpSvnUnsupported = ("8.8.3", "3.1", "The Specification Version Number indicated by the eUICC is not supported by the SM-DP+"),
    /// ES9+.InitiateAuthentication (§5.6.1).
    SmdpCertificateUnavailable = ("8.8.4", "3.7", "The SM-DP+ has no CERT.DPauth.ECDSA signed by one of the GSMA CI Public Keys supported by the eUICC"),
    /// ES9+.AuthenticateClient (§5.6.3), ES11.AuthenticateClient (§5.8.2).
    EumCertificateInvalid = ("8.1.2", "6.1", "EUM Certificate is invalid"),
    /// ES9+.AuthenticateClient (§5.6.3), ES11.AuthenticateClient (§5.8.2).
    EumCertificateExpired = ("8.1.2", "6.3", "EUM Certificate has expired"),
    /// ES9+.AuthenticateClient (§5.6.3), ES11.AuthenticateClient (§5.8.2).
    EuiccCertificateInvalid = ("8.1.3", "6.1", "eUICC Certificate is invalid"),
    /// ES9+.AuthenticateClient (§5.6.3), ES11.AuthenticateClient (§5.8.2).
    EuiccCertificateExpired = ("8.1.3", "6.3", "eUICC Certificate has expired"),
    /// ES9+.AuthenticateClient, GetBoundProfilePackage, CancelSession; ES11.AuthenticateClient.
    EuiccVerificationFailed = ("8.1", "6.1", "eUICC signature is invalid or serverChallenge is invalid"),
    /// ES9+.AuthenticateClient (§5.6.3).
    EuiccInsufficientMemory = ("8.1", "4.8", "eUICC does not have sufficient space for this Profile"),
    /// ES9+.AuthenticateClient (§5.6.3).
    EidRefused = ("8.1.1", "3.8", "EID doesn't match the expected value"),
    /// ES9+.AuthenticateClient (§5.6.3).
    MatchingIdRefused = ("8.2.6", "3.8", "MatchingID (AC_Token or EventID) is refused"),
    /// ES9+.AuthenticateClient (§5.6.3).
    NoEligibleProfile = ("8.2.5", "4.3", "No eligible Profile for this eUICC/Device"),
    /// ES9+.AuthenticateClient (§5.6.3), ES11.AuthenticateClient (§5.8.2).
    CiPublicKeyUnknown = ("8.11.1", "3.9", "Unknown CI Public Key. The CI used by the EUM Certificate is not a trusted root"),
    /// ES9+.AuthenticateClient, GetBoundProfilePackage, CancelSession; ES11.AuthenticateClient.
    TransactionIdUnknown = ("8.10.1", "3.9", "TransactionId unknown"),
    /// ES9+.AuthenticateClient (§5.6.3).
    ProfileNotReleased = ("8.2", "1.2", "Profile has not yet been released"),
    /// ES9+.AuthenticateClient, GetBoundProfilePackage (§5.6.3, §5.6.2).
    DownloadOrderExpired = ("8.8.5", "4.10", "The Download order has expired"),
    /// ES9+.AuthenticateClient (§5.6.3).
    DownloadOrderRetriesExceeded = ("8.8.5", "6.4", "The maximum number of retries for the Profile download order has been exceeded"),
    /// ES9+.GetBoundProfilePackage (§5.6.2).
    ConfirmationCodeMissing = ("8.2.7", "2.2", "Confirmation Code is missing"),
    /// ES9+.GetBoundProfilePackage (§5.6.2).
    ConfirmationCodeRefused = ("8.2.7", "3.8", "Confirmation Code is refused"),
    /// ES9+.GetBoundProfilePackage (§5.6.2).
    ConfirmationCodeRetriesExceeded = ("8.2.7", "6.4", "The maximum number of retries for the Confirmation Code has been exceeded"),
    /// ES9+.GetBoundProfilePackage (§5.6.2).
    BppUnavailable = ("8.2", "3.7", "BPP is not available for a new binding"),
    /// ES9+.CancelSession (§5.6.5).
    SmdpOidInvalid = ("8.8", "3.10", "The provided SM-DP+ OID is invalid"),

    // --- ES11 (SGP.22 §5.8) and ES12 (§5.5) ---
    /// ES11.InitiateAuthentication (§5.8.1).
    SmdsAddressRefused = ("8.9.1", "3.8", "Invalid SM-DS Address"),
    /// ES11.InitiateAuthentication (§5.8.1).
    SmdsSecurityConfigurationUnsupported = ("8.9.2", "3.1", "None of the proposed Public Key Identifiers is supported by the SM-DS"),
    /// ES11.InitiateAuthentication (§5.8.1).
    SmdsSvnUnsupported = ("8.9.3", "3.1", "The Specification Version Number indicated by the eUICC is not supported by the SM-DS"),
    /// ES11.InitiateAuthentication (§5.8.1).
    SmdsCertificateUnavailable = ("8.9.4", "3.7", "The SM-DS has no CERT.DSauth.ECDSA signed by one of the GSMA CI Public Keys supported by the eUICC"),
    /// ES11.AuthenticateClient (§5.8.2), ES12.DeleteEvent (§5.5.2).
    EventUnknown = ("8.9.5", "3.9", "No Event identified by the EventID for the EID exists"),
    /// ES12.RegisterEvent (§5.5.1).
    EventIdDuplicated = ("8.9.5", "3.3", "The Event Record already exists in the SM-DS (EventID duplicated)"),
    /// ES2+.ConfirmOrder (§5.3.2), ES12.RegisterEvent cascade: the SM-DS raised an error.
    SmdsExecutionError = ("8.9", "4.2", "The SM-DS registration has failed: the SM-DS has raised an error"),
    /// ES2+.ConfirmOrder (§5.3.2), ES12.RegisterEvent cascade: the SM-DS is unreachable.
    SmdsInaccessible = ("8.9", "5.1", "The SM-DS address is invalid or not reachable"),

    // --- ES2+ (SGP.22 §5.3) ---
    /// ES2+.ConfirmOrder (§5.3.2).
    EidMissing = ("8.1.1", "2.2", "EID is missing in the context of this order"),
    /// ES2+.DownloadOrder (§5.3.1).
    EidUnknown = ("8.1.1", "3.9", "The eUICC identified by this EID is unknown to the SM-DP+"),
    /// ES2+.ConfirmOrder, CancelOrder (§5.3.2, §5.3.3).
    EidAssociationInvalid = ("8.1.1", "3.10", "A different EID is already associated with this ICCID"),
    /// ES2+.DownloadOrder, ConfirmOrder, CancelOrder, ReleaseProfile.
    IccidNotAllowed = ("8.2.1", "1.2", "The function caller is not allowed to perform this function on the target Profile"),
    /// ES2+.CancelOrder (§5.3.3).
    IccidMissing = ("8.2.1", "2.2", "The ICCID or the finalProfileStatusIndicator is missing"),
    /// ES2+.DownloadOrder (§5.3.1).
    IccidUnavailable = ("8.2.1", "3.3", "The Profile identified by the provided ICCID is not available"),
    /// ES2+.ReleaseProfile (§5.3.4).
    ProfileReleaseRefused = ("8.2.1", "3.5", "The target Profile cannot be released"),
    /// ES2+.DownloadOrder, ConfirmOrder, CancelOrder, ReleaseProfile.
    IccidUnknown = ("8.2.1", "3.9", "The Profile identified by this ICCID is unknown to the SM-DP+"),
    /// ES2+.ConfirmOrder, CancelOrder (§5.3.2, §5.3.3).
    IccidAssociationInvalid = ("8.2.1", "3.10", "A different EID is associated with this ICCID"),
    /// ES2+.DownloadOrder (§5.3.1).
    ProfileTypeNotAllowed = ("8.2.5", "1.2", "The function caller is not allowed to perform this function on the Profile Type"),
    /// ES2+.DownloadOrder (§5.3.1).
    ProfileTypeUnavailable = ("8.2.5", "3.7", "No more Profile available for the requested Profile Type"),
    /// ES2+.DownloadOrder (§5.3.1).
    ProfileTypeMismatch = ("8.2.5", "3.8", "The Profile Type is not aligned with the Profile Type of the Profile identified by the ICCID"),
    /// ES2+.DownloadOrder (§5.3.1).
    ProfileTypeUnknown = ("8.2.5", "3.9", "The Profile Type is unknown to the SM-DP+"),
    /// ES2+.ConfirmOrder (§5.3.2).
    MatchingIdInvalid = ("8.2.6", "2.1", "The MatchingID provided by the Operator is not valid"),
    /// ES2+.ConfirmOrder (§5.3.2).
    MatchingIdMissing = ("8.2.6", "2.2", "The MatchingID is missing in the context of this order"),
    /// ES2+.ConfirmOrder (§5.3.2).
    MatchingIdConflict = ("8.2.6", "3.3", "Conflicting MatchingID value"),
    /// ES2+.ConfirmOrder, CancelOrder (§5.3.2, §5.3.3).
    MatchingIdAssociationInvalid = ("8.2.6", "3.10", "A different MatchingID is associated with this ICCID"),
}

impl RspError {
    /// The code pair.
    pub fn status_code(&self) -> StatusCode {
        StatusCode {
            subject: self.subject_code(),
            reason: self.reason_code(),
        }
    }
}

/// Per-function "specific status codes" (SGP.22 §5.3, §5.5, §5.6, §5.8).
///
/// The ES9+ and ES11 lists contain every error of the matching ASN.1 binding enumeration
/// (`AuthenticateClientResponseEs9`, `GetBoundProfilePackageResponse`,
/// `CancelSessionResponseEs9`, `AuthenticateClientResponseEs11`) plus the codes osmo-smdpp and
/// the Quectel SDK attach to those functions. The ES2+ and ES12 lists are reconstructed from
/// code tables that do not always name the function (see the module doc): treat them as the
/// codes a peer may send, not as a closed set.
mod by_function {
    use super::RspError::{self, *};

    pub(super) const ES9_INITIATE_AUTHENTICATION: &[RspError] = &[
        SmdpAddressRefused,
        SmdpSecurityConfigurationUnsupported,
        SmdpSvnUnsupported,
        SmdpCertificateUnavailable,
    ];
    pub(super) const ES9_AUTHENTICATE_CLIENT: &[RspError] = &[
        EumCertificateInvalid,
        EumCertificateExpired,
        EuiccCertificateInvalid,
        EuiccCertificateExpired,
        EuiccVerificationFailed,
        MatchingIdRefused,
        EidRefused,
        NoEligibleProfile,
        CiPublicKeyUnknown,
        TransactionIdUnknown,
        EuiccInsufficientMemory,
        ProfileNotReleased,
        DownloadOrderExpired,
        DownloadOrderRetriesExceeded,
    ];
    pub(super) const ES9_GET_BOUND_PROFILE_PACKAGE: &[RspError] = &[
        EuiccVerificationFailed,
        ConfirmationCodeMissing,
        ConfirmationCodeRefused,
        ConfirmationCodeRetriesExceeded,
        BppUnavailable,
        DownloadOrderExpired,
        TransactionIdUnknown,
    ];
    pub(super) const ES9_CANCEL_SESSION: &[RspError] = &[
        TransactionIdUnknown,
        EuiccVerificationFailed,
        SmdpOidInvalid,
    ];
    pub(super) const ES11_INITIATE_AUTHENTICATION: &[RspError] = &[
        SmdsAddressRefused,
        SmdsSecurityConfigurationUnsupported,
        SmdsSvnUnsupported,
        SmdsCertificateUnavailable,
    ];
    pub(super) const ES11_AUTHENTICATE_CLIENT: &[RspError] = &[
        EumCertificateInvalid,
        EumCertificateExpired,
        EuiccCertificateInvalid,
        EuiccCertificateExpired,
        EuiccVerificationFailed,
        EventUnknown,
        TransactionIdUnknown,
        CiPublicKeyUnknown,
    ];
    pub(super) const ES12_REGISTER_EVENT: &[RspError] =
        &[EventIdDuplicated, SmdsExecutionError, SmdsInaccessible];
    pub(super) const ES12_DELETE_EVENT: &[RspError] = &[EventUnknown];
    pub(super) const ES2_DOWNLOAD_ORDER: &[RspError] = &[
        EidUnknown,
        IccidNotAllowed,
        IccidUnavailable,
        IccidUnknown,
        ProfileTypeNotAllowed,
        ProfileTypeUnavailable,
        ProfileTypeMismatch,
        ProfileTypeUnknown,
    ];
    pub(super) const ES2_CONFIRM_ORDER: &[RspError] = &[
        EidMissing,
        EidAssociationInvalid,
        IccidNotAllowed,
        IccidUnknown,
        IccidAssociationInvalid,
        MatchingIdInvalid,
        MatchingIdMissing,
        MatchingIdConflict,
        MatchingIdAssociationInvalid,
        SmdsExecutionError,
        SmdsInaccessible,
    ];
    pub(super) const ES2_CANCEL_ORDER: &[RspError] = &[
        EidAssociationInvalid,
        IccidNotAllowed,
        IccidMissing,
        IccidUnknown,
        IccidAssociationInvalid,
        MatchingIdAssociationInvalid,
    ];
    pub(super) const ES2_RELEASE_PROFILE: &[RspError] =
        &[IccidNotAllowed, IccidUnknown, ProfileReleaseRefused];
}

impl RspError {
    /// The specific status codes of `function` (empty for HandleNotification and
    /// HandleDownloadProgressInfo, which have none). Generic codes (subjects 1.x) apply to all.
    pub fn specific_to(function: Function) -> &'static [RspError] {
        use by_function::*;
        match function {
            Function::Es9Plus(f) => match f {
                Es9PlusFunction::InitiateAuthentication => ES9_INITIATE_AUTHENTICATION,
                Es9PlusFunction::AuthenticateClient => ES9_AUTHENTICATE_CLIENT,
                Es9PlusFunction::GetBoundProfilePackage => ES9_GET_BOUND_PROFILE_PACKAGE,
                Es9PlusFunction::HandleNotification => &[],
                Es9PlusFunction::CancelSession => ES9_CANCEL_SESSION,
            },
            Function::Es11(f) => match f {
                Es11Function::InitiateAuthentication => ES11_INITIATE_AUTHENTICATION,
                Es11Function::AuthenticateClient => ES11_AUTHENTICATE_CLIENT,
            },
            Function::Es12(f) => match f {
                Es12Function::RegisterEvent => ES12_REGISTER_EVENT,
                Es12Function::DeleteEvent => ES12_DELETE_EVENT,
            },
            Function::Es2Plus(f) => match f {
                Es2PlusFunction::DownloadOrder => ES2_DOWNLOAD_ORDER,
                Es2PlusFunction::ConfirmOrder => ES2_CONFIRM_ORDER,
                Es2PlusFunction::CancelOrder => ES2_CANCEL_ORDER,
                Es2PlusFunction::ReleaseProfile => ES2_RELEASE_PROFILE,
                Es2PlusFunction::HandleDownloadProgressInfo => &[],
            },
        }
    }
}

impl From<StatusCode> for RspError {
    fn from(code: StatusCode) -> Self {
        Self::from_status_code(code)
    }
}

/// `"8.10.1/3.9: TransactionId unknown"`.
impl fmt::Display for RspError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}: {}",
            self.subject_code(),
            self.reason_code(),
            self.message()
        )
    }
}

impl std::error::Error for RspError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_code_is_dotted_decimal_and_named() {
        for e in RspError::ALL {
            assert!(validate_code(e.subject_code().as_str()).is_ok(), "{e}");
            assert!(validate_code(e.reason_code().as_str()).is_ok(), "{e}");
            assert!(e.subject_code().name().is_some(), "subject of {e}");
            assert!(e.reason_code().name().is_some(), "reason of {e}");
        }
    }

    #[test]
    fn table_pairs_are_unique_and_round_trip() {
        for (i, a) in RspError::ALL.iter().enumerate() {
            for b in &RspError::ALL[i + 1..] {
                assert_ne!(a.status_code(), b.status_code(), "{a} duplicates {b}");
            }
            assert_eq!(&RspError::from_status_code(a.status_code()), a);
        }
    }

    #[test]
    fn name_tables_have_valid_codes() {
        for (code, _) in SUBJECT_NAMES.iter().chain(REASON_NAMES) {
            assert!(validate_code(code).is_ok(), "{code}");
        }
    }
}
