//! Why an SM-SR function fails, each with the subject and reason code its
//! `FunctionExecutionStatus` carries (SGP.02 §5.1.6.4; SGP.02 shares the code table that
//! SGP.22 §5.2.6 later took over; the per-function choices are our reading).

use rsp_codec::json::StatusCodeData;
use rsp_codec::status::{ReasonCode, StatusCode, SubjectCode};

/// A function of ES1/ES3/ES4 refused or failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmsrError {
    /// No EIS for this EID.
    #[error("unknown EID")]
    UnknownEid,
    /// The EID is registered already (ES1 RegisterEIS).
    #[error("EID already registered")]
    EidInUse,
    /// A Profile with this ICCID is on the eUICC already (CreateISDP).
    #[error("ICCID already in use on the eUICC")]
    ProfileInUse,
    /// No room for another ISD-P (no free AID, or the eUICC's memory).
    #[error("insufficient memory")]
    Memory,
    /// No Profile with this ICCID on the eUICC.
    #[error("unknown ICCID")]
    UnknownProfile,
    /// The caller does not own the Profile (ES4: the Operator in `mnoId`).
    #[error("the Profile belongs to another Operator")]
    NotOwner,
    /// The Profile is not in a state the function starts from.
    #[error("the Profile is {0}; the function needs it {1}")]
    InvalidTransition(&'static str, &'static str),
    /// POL2 of a Profile forbids the function.
    #[error("POL2 forbids this: {0}")]
    Pol2(&'static str),
    /// The function would leave the eUICC without a fallback Profile or disable it.
    #[error("{0}")]
    Fallback(&'static str),
    /// An input value is malformed.
    #[error("invalid {0}")]
    Invalid(&'static str),
    /// A mandatory input is missing.
    #[error("missing {0}")]
    Missing(&'static str),
    /// The eUICC answered with an error status word.
    #[error("eUICC refused: status word {0:04X}")]
    Euicc(u16),
    /// The eUICC reported a security error in its PoR, or the PoR did not verify.
    #[error("secured packet refused: {0}")]
    Security(String),
    /// The eUICC did not answer within the retries and the validity period.
    #[error("the eUICC did not answer")]
    Unreachable,
    /// The validity period ran out before the function completed.
    #[error("validity period expired")]
    Expired,
    /// The SM-SR's database failed (the caller may try again).
    #[error("SM-SR storage failure: {0}")]
    Store(String),
    /// Another operation for this eUICC is running.
    #[error("another operation on this eUICC is in progress")]
    Busy,
    /// The caller may not call this function now (an ES7 call outside an SM-SR change
    /// that names the calling SM-SR and the eUICC, an SMSRChange from a non-owner).
    #[error("not allowed: {0}")]
    NotAllowed(&'static str),
}

impl SmsrError {
    /// The subject/reason pair.
    pub fn status_code(&self) -> StatusCode {
        let (subject, reason) = match self {
            Self::UnknownEid => ("8.1.1", "3.9"),
            Self::EidInUse => ("8.1.1", "3.3"),
            Self::UnknownProfile => ("8.2.1", "3.9"),
            Self::ProfileInUse => ("8.2.1", "3.3"),
            Self::Memory => ("8.1", "4.8"),
            Self::NotOwner => ("8.2.1", "1.2"),
            Self::InvalidTransition(..) => ("8.2.1", "3.5"),
            Self::Pol2(_) | Self::Fallback(_) => ("8.2.1", "3.8"),
            Self::Invalid(_) => ("1.3.1", "2.1"),
            Self::Missing(_) => ("1.3.1", "2.2"),
            Self::Euicc(_) => ("8.1", "4.2"),
            Self::Security(_) => ("8.1", "6.1"),
            Self::Unreachable => ("8.1", "5.1"),
            Self::Expired => ("1.6", "4.10"),
            Self::Busy => ("8.1", "3.7"),
            // Function requester, not allowed (authorisation).
            Self::NotAllowed(_) => ("1.1", "1.2"),
            // Function provider (the SM-SR itself), execution error.
            Self::Store(_) => ("1.2", "4.2"),
        };
        StatusCode {
            subject: SubjectCode::from_static(subject),
            reason: ReasonCode::from_static(reason),
        }
    }

    /// `statusCodeData` with this error's message.
    pub fn status_code_data(&self) -> StatusCodeData {
        let code = self.status_code();
        StatusCodeData {
            subject_code: code.subject,
            reason_code: code.reason,
            subject_identifier: None,
            message: Some(self.to_string()),
        }
    }
}
