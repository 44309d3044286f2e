//! The SGP.02 web-service binding (SOAP 1.2 + WS-Addressing 1.0) of the M2M off-card
//! interfaces ES1 (EUM → SM-SR), ES2 (Operator → SM-DP), ES3 (SM-DP → SM-SR), ES4
//! (Operator → SM-SR) and ES7 (SM-SR → SM-SR, the SM-SR change): a pure codec, no HTTP.
//!
//! - [`envelope`]: the SOAP envelope, its WS-Addressing header ([`WsHeader`]) and faults.
//! - [`common`]: identifier checks, `FunctionExecutionStatus`, POL2, subscription address.
//! - [`message`]: the generic request / response / notification and its action.
//! - [`profile`]: the profile-management requests ES2, ES3 and ES4 share.
//! - [`eis`]: the eUICC Information Set, with the ISD-R keys our SM-SR needs.
//! - [`es1`], [`es2`], [`es3`], [`es4`]: each interface's functions (ES4's SM-SR change
//!   functions PrepareSMSRChange and SMSRChange as [`es4::Es4SmsrChangeMessage`]).
//! - [`es7`]: HandoverEUICC, AuthenticateSMSR, CreateAdditionalKeySet and the SM-SR change
//!   notification, as [`es7::Es7Message`] (its own message type: ES7 is no [`Interface`]
//!   variant, its responses carry [`es7::Es7Response`]'s outputs).
//! - [`names`]: every XML name and action URI in one place (most are our reading of
//!   SGP.02 Annex B, which was not available; see there).
//!
//! Flow: `envelope::parse(text)` → [`Envelope`] → `es4::Es4Message::from_envelope(&env)`
//! (`es7::Es7Message::from_envelope(&env)`); the other way `msg.envelope(header)` →
//! `envelope::build(&env)`.

pub mod common;
pub mod eis;
pub mod envelope;
pub mod es1;
pub mod es2;
pub mod es3;
pub mod es4;
pub mod es7;
pub mod message;
pub mod names;
pub mod profile;
pub mod xml;

pub use common::{
    ExecutionStatus, FunctionExecutionStatus, Pol2, Pol2Rule, PolicyAction, Qualification,
    StatusCodeData, SubscriptionAddress,
};
pub use eis::{Ecasd, Eis, IsdR, ProfileInfo, ProfileState, Scp80Algorithm, Scp80Keyset, Scp81Psk};
pub use envelope::{Envelope, Fault, FaultCode, WsHeader};
pub use message::{Message, Notification, Request, RequestBody, Response, SmsrChangeNotification};
pub use names::{Function, NotificationKind};
pub use profile::ProfileRequest;
pub use xml::Element;

/// The interface a message travels on (it selects element names and action URIs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Interface {
    /// EUM → SM-SR (SGP.02 §5.3).
    Es1,
    /// Operator → SM-DP (SGP.02 §5.3; the section numbers here were not checked).
    Es2,
    /// SM-DP → SM-SR (SGP.02 §5.5).
    Es3,
    /// Operator → SM-SR (SGP.02 §5.4).
    Es4,
}

/// Why a message was refused: the sender's fault (SOAP `Sender`, or `MustUnderstand`),
/// see [`WsError::fault`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WsError {
    /// Not well-formed XML, or a construct we refuse.
    #[error("malformed XML: {0}")]
    Xml(String),
    /// A DOCTYPE (DTD, entity declarations) — refused against XXE and entity expansion.
    #[error("DOCTYPE declarations are not accepted")]
    Doctype,
    /// Over [`xml::MAX_SIZE`].
    #[error("message of {0} bytes exceeds the limit")]
    TooLarge(usize),
    /// Over [`xml::MAX_DEPTH`] or [`xml::MAX_ELEMENTS`].
    #[error("message nests too deep or has too many elements")]
    TooDeep,
    /// The root is not a SOAP 1.2 envelope, or its Header/Body is missing or misplaced.
    #[error("not a SOAP 1.2 envelope: {0}")]
    NotEnvelope(&'static str),
    /// A required element is missing.
    #[error("missing element {0}")]
    Missing(&'static str),
    /// An element has an invalid value.
    #[error("invalid {0}: {1}")]
    Invalid(&'static str, String),
    /// The body element is not a message of this interface.
    #[error("unknown message {0}")]
    UnknownMessage(String),
    /// A header block marked `mustUnderstand` that we do not process.
    #[error("header {0} marked mustUnderstand is not understood")]
    NotUnderstood(String),
    /// `wsa:Action` does not match the body.
    #[error("action {0} does not match the body")]
    ActionMismatch(String),
}

impl WsError {
    /// The SOAP fault answering a request refused with this error.
    pub fn fault(&self) -> Fault {
        let code = match self {
            Self::NotUnderstood(_) => FaultCode::MustUnderstand,
            _ => FaultCode::Sender,
        };
        Fault {
            code,
            reason: self.to_string(),
        }
    }
}
