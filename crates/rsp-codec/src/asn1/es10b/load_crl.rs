//! LoadCRL §5.7.12.

use super::*;

/// `LoadCRLRequest ::= [53] SEQUENCE`. Tag 'BF35'; the CRL is implicitly tagged 'A0'.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 53))]
pub struct LoadCRLRequest {
    /// Tag 'A0' (IMPLICIT, automatic tagging).
    #[rasn(tag(context, 0))]
    pub crl: CertificateList,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `LoadCRLResponse ::= [53] CHOICE`. Tag 'BF35' (explicit) then A0 / 81.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice, tag(explicit(context, 53)))]
pub enum LoadCRLResponse {
    /// Tag 'A0'.
    #[rasn(tag(context, 0))]
    LoadCRLResponseOk(LoadCRLResponseOk),
    /// Tag '81'.
    #[rasn(tag(context, 1))]
    LoadCRLResponseError(LoadCRLResponseError),
}

/// `LoadCRLResponseOk ::= SEQUENCE { missingParts [0] SEQUENCE OF INTEGER OPTIONAL }`.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
pub struct LoadCRLResponseOk {
    /// Tag 'A0'.
    #[rasn(tag(context, 0))]
    pub missing_parts: Option<SequenceOf<Integer>>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

named_integer!(
    /// `LoadCRLResponseError ::= INTEGER` (SGP.22 §5.7.12).
    LoadCRLResponseError {
        INVALID_SIGNATURE = 1,
        INVALID_CRL_FORMAT = 2,
        NOT_ENOUGH_MEMORY_SPACE = 3,
        VERIFICATION_KEY_NOT_FOUND = 4,
        FRESHER_CRL_ALREADY_LOADED = 5,
        BASE_CRL_MISSING = 6,
        UNDEFINED_ERROR = 127,
    }
);
