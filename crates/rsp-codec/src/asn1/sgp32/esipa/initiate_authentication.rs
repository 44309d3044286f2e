//! InitiateAuthentication §5.14.1.

use super::*;

/// `InitiateAuthenticationRequestEsipa ::= [57] SEQUENCE`. Tag 'BF39' (81, 83, BF20, 82)
/// (SGP.32 §5.14.1).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 57))]
pub struct InitiateAuthenticationRequestEsipa {
    /// Tag '81'.
    #[rasn(tag(context, 1))]
    pub euicc_challenge: Octet16,
    /// Tag '83'.
    #[rasn(tag(context, 3))]
    pub smdp_address: Option<Utf8String>,
    /// Tag 'BF20'.
    pub euicc_info1: Option<EUICCInfo1>,
    /// Tag '82'.
    #[rasn(tag(context, 2))]
    pub eim_transaction_id: Option<TransactionId>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `InitiateAuthenticationResponseEsipa ::= [57] CHOICE`. Tag 'BF39' (explicit) then
/// A0 / 81 (SGP.32 §5.14.1).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice, tag(explicit(context, 57)))]
pub enum InitiateAuthenticationResponseEsipa {
    /// Tag 'A0'.
    #[rasn(tag(context, 0))]
    InitiateAuthenticationOkEsipa(Box<InitiateAuthenticationOkEsipa>),
    /// Tag '81'.
    #[rasn(tag(context, 1))]
    InitiateAuthenticationErrorEsipa(InitiateAuthenticationErrorEsipa),
}

named_integer!(
    /// `initiateAuthenticationErrorEsipa INTEGER`.
    InitiateAuthenticationErrorEsipa {
        INVALID_DP_ADDRESS = 1,
        EUICC_VERSION_NOT_SUPPORTED_BY_DP = 2,
        CI_PK_ID_NOT_SUPPORTED = 3,
        SMDP_ADDRESS_MISMATCH = 50,
        SMDP_OID_MISMATCH = 51,
        INVALID_EIM_TRANSACTION_ID = 52,
        UNDEFINED_ERROR = 127,
    }
);

/// `InitiateAuthenticationOkEsipa ::= SEQUENCE` (80, 30, 5F37, 04, 30, 0C, A2).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct InitiateAuthenticationOkEsipa {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub transaction_id: Option<TransactionId>,
    /// Tag '30', kept as produced for serverSignature1.
    pub server_signed1: Raw<ServerSigned1>,
    /// Tag '5F37'.
    #[rasn(tag(application, 55))]
    pub server_signature1: OctetString,
    /// Possibly truncated CI key id. Tag '04'.
    pub euicc_ci_pk_identifier_to_be_used: OctetString,
    /// CERT.DPauth.ECDSA (or DSauth). Tag '30'.
    pub server_certificate: Certificate,
    /// Tag '0C'.
    pub matching_id: Option<Utf8String>,
    /// `[2] CtxParams1` (explicit, over an untagged CHOICE). Tag 'A2'.
    #[rasn(tag(explicit(context, 2)))]
    pub ctx_params1: Option<OpenChoice<CtxParams1>>,
    /// Unknown extension additions.
    pub ext: Extensions,
}
