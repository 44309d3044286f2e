//! CancelSession §5.14.5.

use super::*;

/// `CancelSessionRequestEsipa ::= [65] SEQUENCE`. Tag 'BF41' (automatic tags: 80, A1)
/// (SGP.32 §5.14.5).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 65))]
pub struct CancelSessionRequestEsipa {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub transaction_id: TransactionId,
    /// `[1] IMPLICIT` over the `[65]`-tagged CHOICE: A1 { A0 | 81 | A2 }.
    #[rasn(tag(context, 1))]
    pub cancel_session_response: Sgp32CancelSessionResponse,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `CancelSessionResponseEsipa ::= [65] CHOICE`. Tag 'BF41' (explicit) then A0 / 81
/// (SGP.32 §5.14.5).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice, tag(explicit(context, 65)))]
pub enum CancelSessionResponseEsipa {
    /// Tag 'A0'.
    #[rasn(tag(context, 0))]
    CancelSessionOk(Sgp32CancelSessionOk),
    /// Tag '81'.
    #[rasn(tag(context, 1))]
    CancelSessionError(CancelSessionErrorEsipa),
}

/// `SGP32-CancelSessionOk ::= SEQUENCE {}`.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
pub struct Sgp32CancelSessionOk {
    /// Unknown extension additions.
    pub ext: Extensions,
}

named_integer!(
    /// `cancelSessionError INTEGER` of `CancelSessionResponseEsipa`.
    CancelSessionErrorEsipa {
        INVALID_TRANSACTION_ID = 1,
        EUICC_SIGNATURE_INVALID = 2,
        UNDEFINED_ERROR = 127,
    }
);
