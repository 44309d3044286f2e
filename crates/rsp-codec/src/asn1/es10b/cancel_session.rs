//! CancelSession §5.7.14.

use super::*;

/// `CancelSessionRequest ::= [65] SEQUENCE`. Tag 'BF41' (automatic tags: 80, 81).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 65))]
pub struct CancelSessionRequest {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub transaction_id: TransactionId,
    /// Tag '81'.
    #[rasn(tag(context, 1))]
    pub reason: CancelSessionReason,
    /// Unknown extension additions.
    pub ext: Extensions,
}

named_integer!(
    /// `CancelSessionReason ::= INTEGER` (SGP.22 §5.7.14).
    CancelSessionReason {
        END_USER_REJECTION = 0,
        POSTPONED = 1,
        TIMEOUT = 2,
        PPR_NOT_ALLOWED = 3,
        METADATA_MISMATCH = 4,
        LOAD_BPP_EXECUTION_ERROR = 5,
        UNDEFINED_REASON = 127,
    }
);

/// `CancelSessionResponse ::= [65] CHOICE`. Tag 'BF41' (explicit) then A0 / 81.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice, tag(explicit(context, 65)))]
pub enum CancelSessionResponse {
    /// Tag 'A0'.
    #[rasn(tag(context, 0))]
    CancelSessionResponseOk(CancelSessionResponseOk),
    /// Tag '81'.
    #[rasn(tag(context, 1))]
    CancelSessionResponseError(CancelSessionResponseError),
}

named_integer!(
    /// `cancelSessionResponseError INTEGER` of `CancelSessionResponse`.
    CancelSessionResponseError {
        INVALID_TRANSACTION_ID = 5,
        UNDEFINED_ERROR = 127,
    }
);

/// `CancelSessionResponseOk ::= SEQUENCE` (30, 5F37).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct CancelSessionResponseOk {
    /// Signed by the eUICC. Tag '30'.
    pub euicc_cancel_session_signed: Raw<EuiccCancelSessionSigned>,
    /// Tag '5F37'.
    #[rasn(tag(application, 55))]
    pub euicc_cancel_session_signature: OctetString,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `EuiccCancelSessionSigned ::= SEQUENCE` (automatic tags: 80, 81, 82).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct EuiccCancelSessionSigned {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub transaction_id: TransactionId,
    /// SM-DP+ OID from CERT.DPauth.ECDSA. Tag '81'.
    #[rasn(tag(context, 1))]
    pub smdp_oid: ObjectIdentifier,
    /// Tag '82'.
    #[rasn(tag(context, 2))]
    pub reason: CancelSessionReason,
    /// Unknown extension additions.
    pub ext: Extensions,
}
