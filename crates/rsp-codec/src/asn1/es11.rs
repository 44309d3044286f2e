//! ES11 (LPA ↔ SM-DS): event retrieval (SGP.22 §5.8). InitiateAuthentication and the
//! AuthenticateClient request are the ES9+ types.

use rasn::prelude::*;

use super::common::TransactionId;
use super::ext::Extensions;
use super::macros::named_integer;

/// `AuthenticateClientResponseEs11 ::= [64] CHOICE`. Tag 'BF40' (explicit) then A0 / 81.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice, tag(explicit(context, 64)))]
pub enum AuthenticateClientResponseEs11 {
    /// Tag 'A0'.
    #[rasn(tag(context, 0))]
    AuthenticateClientOk(AuthenticateClientOkEs11),
    /// Tag '81'.
    #[rasn(tag(context, 1))]
    AuthenticateClientError(AuthenticateClientErrorEs11),
}

named_integer!(
    /// `authenticateClientError INTEGER` of `AuthenticateClientResponseEs11`.
    AuthenticateClientErrorEs11 {
        EUM_CERTIFICATE_INVALID = 1,
        EUM_CERTIFICATE_EXPIRED = 2,
        EUICC_CERTIFICATE_INVALID = 3,
        EUICC_CERTIFICATE_EXPIRED = 4,
        EUICC_SIGNATURE_INVALID = 5,
        EVENT_ID_UNKNOWN = 6,
        INVALID_TRANSACTION_ID = 7,
        UNDEFINED_ERROR = 127,
    }
);

/// `AuthenticateClientOkEs11 ::= SEQUENCE` (automatic tags: 80, A1).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct AuthenticateClientOkEs11 {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub transaction_id: TransactionId,
    /// Tag 'A1'.
    #[rasn(tag(context, 1))]
    pub event_entries: SequenceOf<EventEntries>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `EventEntries ::= SEQUENCE` (automatic tags: 80, 81).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct EventEntries {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub event_id: Utf8String,
    /// Tag '81'.
    #[rasn(tag(context, 1))]
    pub rsp_server_address: Utf8String,
    /// Unknown extension additions.
    pub ext: Extensions,
}
