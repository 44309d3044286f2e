//! Typed errors of the LPA. No variant carries key material or a confirmation code.

use rsp_codec::asn1::CodecError;
use rsp_codec::json::StatusCodeData;

use crate::activation::ActivationCodeError;

/// Why an LPA operation failed.
#[derive(Debug, thiserror::Error)]
pub enum LpaError {
    /// The activation code is malformed (SGP.22 §4.1).
    #[error(transparent)]
    ActivationCode(#[from] ActivationCodeError),
    /// The link to the card failed (process gone, protocol error...).
    #[error("card transport: {0}")]
    Transport(String),
    /// The card answered an APDU with an error status word (ISO/IEC 7816-4 §5.6).
    #[error("card answered SW {sw:04X} to {command}")]
    StatusWord {
        /// The command (`STORE DATA`, `SELECT ISD-R`...).
        command: &'static str,
        /// SW1 SW2.
        sw: u16,
    },
    /// The eUICC's ES10 response is not the expected ASN.1 value.
    #[error("malformed ES10 response to {function}: {source}")]
    Es10Response {
        /// The ES10 function.
        function: &'static str,
        /// The decoding error.
        source: CodecError,
    },
    /// The eUICC refused an ES10 function with an error code of its response (SGP.22 §5.7).
    #[error("eUICC refused {function}: {reason} ({code})")]
    EuiccRefused {
        /// The ES10 function.
        function: &'static str,
        /// The numeric error code of the response.
        code: i64,
        /// Its SGP.22 name.
        reason: &'static str,
    },
    /// An ES9+ function returned `Failed` or `Expired` (SGP.22 §6.5.1.4).
    #[error("{}", es9_failure(function, status, data.as_deref()))]
    Es9Failed {
        /// The ES9+ function name, e.g. `authenticateClient`.
        function: &'static str,
        /// `Failed` or `Expired`.
        status: String,
        /// subjectCode / reasonCode / message as sent by the SM-DP+.
        data: Option<Box<StatusCodeData>>,
    },
    /// HTTPS to the SM-DP+ failed (connection, TLS, unexpected HTTP status or body).
    #[error("ES9+ {function} to {url}: {reason}")]
    Http {
        /// The ES9+ function name.
        function: &'static str,
        /// The URL called.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// A TLS trust anchor file could not be used.
    #[error("trust anchor {path}: {reason}")]
    TrustAnchor {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// The SM-DP+ sent something inconsistent (e.g. another transactionId).
    #[error("SM-DP+ protocol error: {0}")]
    Protocol(String),
    /// The Profile needs a confirmation code and none was given (SGP.22 §3.1.3.4).
    #[error("the SM-DP+ requires a confirmation code for this profile (give --confirmation-code)")]
    ConfirmationCodeRequired,
    /// ESipa to the eIM failed (transport, HTTP status, undecodable answer).
    #[error(transparent)]
    Esipa(#[from] crate::esipa::EsipaError),
    /// The eIM answered an ESipa function with an error code (SGP.32 §5.14).
    #[error("eIM refused {function}: error {code}")]
    EimRefused {
        /// The ESipa function.
        function: &'static str,
        /// The numeric error code of the response.
        code: i64,
    },
    /// A value given by the caller is not usable (ICCID, IMEI, nickname...).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// Building one of our own ES10/ES9+ messages failed.
    #[error("cannot encode {what}: {reason}")]
    Encode {
        /// The message.
        what: &'static str,
        /// Why.
        reason: String,
    },
}

impl LpaError {
    /// The SGP.22 status code `subject/reason` of an ES9+ failure, if this is one.
    pub fn status_code(&self) -> Option<(String, String)> {
        match self {
            LpaError::Es9Failed {
                data: Some(data), ..
            } => Some((
                data.subject_code.as_str().to_owned(),
                data.reason_code.as_str().to_owned(),
            )),
            _ => None,
        }
    }

    pub(crate) fn es10(function: &'static str) -> impl FnOnce(CodecError) -> Self {
        move |source| LpaError::Es10Response { function, source }
    }

    pub(crate) fn encode(what: &'static str) -> impl FnOnce(CodecError) -> Self {
        move |e| LpaError::Encode {
            what,
            reason: e.to_string(),
        }
    }
}

/// One line naming the function, the status and the SGP.22 codes with their names.
fn es9_failure(function: &str, status: &str, data: Option<&StatusCodeData>) -> String {
    let Some(d) = data else {
        return format!("ES9+ {function}: {status} without status code data");
    };
    let names = match (d.subject_code.name(), d.reason_code.name()) {
        (Some(s), Some(r)) => format!(" ({s}: {r})"),
        _ => String::new(),
    };
    let message = d
        .message
        .as_deref()
        .map(|m| format!(": {m}"))
        .unwrap_or_default();
    format!(
        "ES9+ {function}: {status} subjectCode {} reasonCode {}{names}{message}",
        d.subject_code, d.reason_code
    )
}
