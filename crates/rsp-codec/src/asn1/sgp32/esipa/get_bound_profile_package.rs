//! GetBoundProfilePackage §5.14.3.

use super::*;

/// `GetBoundProfilePackageRequestEsipa ::= [58] SEQUENCE`. Tag 'BF3A' (80, BF21)
/// (SGP.32 §5.14.3).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 58))]
pub struct GetBoundProfilePackageRequestEsipa {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub transaction_id: TransactionId,
    /// `[33]` implicit over the `[33]`-tagged CHOICE. Tag 'BF21'.
    pub prepare_download_response: Sgp32PrepareDownloadResponse,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `GetBoundProfilePackageResponseEsipa ::= [58] CHOICE`. Tag 'BF3A' (explicit) then
/// A0 / 81 (SGP.32 §5.14.3).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice, tag(explicit(context, 58)))]
pub enum GetBoundProfilePackageResponseEsipa {
    /// Tag 'A0'.
    #[rasn(tag(context, 0))]
    GetBoundProfilePackageOkEsipa(Box<GetBoundProfilePackageOkEsipa>),
    /// Tag '81'.
    #[rasn(tag(context, 1))]
    GetBoundProfilePackageErrorEsipa(GetBoundProfilePackageErrorEsipa),
}

named_integer!(
    /// `getBoundProfilePackageErrorEsipa INTEGER`.
    GetBoundProfilePackageErrorEsipa {
        EUICC_SIGNATURE_INVALID = 1,
        CONFIRMATION_CODE_MISSING = 2,
        CONFIRMATION_CODE_REFUSED = 3,
        CONFIRMATION_CODE_RETRIES_EXCEEDED = 4,
        BPP_REBINDING_REFUSED = 5,
        DOWNLOAD_ORDER_EXPIRED = 6,
        METADATA_MISMATCH = 50,
        INVALID_TRANSACTION_ID = 95,
        UNDEFINED_ERROR = 127,
    }
);

/// `GetBoundProfilePackageOkEsipa ::= SEQUENCE` (80, BF36).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct GetBoundProfilePackageOkEsipa {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub transaction_id: Option<TransactionId>,
    /// `[54] BoundProfilePackage`. Tag 'BF36'.
    pub bound_profile_package: BoundProfilePackage,
    /// Unknown extension additions.
    pub ext: Extensions,
}
