//! AuthenticateClient §5.14.2.

use super::*;

/// `AuthenticateClientRequestEsipa ::= [59] SEQUENCE`. Tag 'BF3B' (80, BF38)
/// (SGP.32 §5.14.2).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 59))]
pub struct AuthenticateClientRequestEsipa {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub transaction_id: TransactionId,
    /// `[56]` implicit over the `[56]`-tagged CHOICE: written untagged. Tag 'BF38'.
    pub authenticate_server_response: Sgp32AuthenticateServerResponse,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `SGP32-AuthenticateClientRequest ::= [59] SEQUENCE` (ES9+ / ES11 request in SGP.32
/// §6.x): the same components and tags (80, BF38) as [`AuthenticateClientRequestEsipa`].
pub type Sgp32AuthenticateClientRequest = AuthenticateClientRequestEsipa;

/// `AuthenticateClientResponseEsipa ::= [59] CHOICE`. Tag 'BF3B' (explicit) then
/// A0 / A1 / 82 (SGP.32 §5.14.2).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice, tag(explicit(context, 59)))]
pub enum AuthenticateClientResponseEsipa {
    /// Tag 'A0'.
    #[rasn(tag(context, 0))]
    AuthenticateClientOkDpEsipa(Box<AuthenticateClientOkDpEsipa>),
    /// Tag 'A1'.
    #[rasn(tag(context, 1))]
    AuthenticateClientOkDsEsipa(AuthenticateClientOkDsEsipa),
    /// Tag '82'.
    #[rasn(tag(context, 2))]
    AuthenticateClientErrorEsipa(AuthenticateClientErrorEsipa),
}

named_integer!(
    /// `authenticateClientErrorEsipa INTEGER`.
    AuthenticateClientErrorEsipa {
        EUM_CERTIFICATE_INVALID = 1,
        EUM_CERTIFICATE_EXPIRED = 2,
        EUICC_CERTIFICATE_INVALID = 3,
        EUICC_CERTIFICATE_EXPIRED = 4,
        EUICC_SIGNATURE_INVALID = 5,
        MATCHING_ID_REFUSED = 6,
        EID_MISMATCH = 7,
        NO_ELIGIBLE_PROFILE = 8,
        CI_PK_UNKNOWN = 9,
        INVALID_TRANSACTION_ID = 10,
        INSUFFICIENT_MEMORY = 11,
        PPR_NOT_ALLOWED = 50,
        EVENT_ID_UNKNOWN = 56,
        UNDEFINED_ERROR = 127,
    }
);

/// `AuthenticateClientOkDPEsipa ::= SEQUENCE` (80, BF25, 30, 5F37, 30, 04).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct AuthenticateClientOkDpEsipa {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub transaction_id: Option<TransactionId>,
    /// `[37] SGP32-StoreMetadataRequest`. Tag 'BF25'.
    pub profile_meta_data: Option<Sgp32StoreMetadataRequest>,
    /// Tag '30', kept as produced for smdpSignature2.
    pub smdp_signed2: Raw<SmdpSigned2>,
    /// Tag '5F37'.
    #[rasn(tag(application, 55))]
    pub smdp_signature2: OctetString,
    /// CERT.DPpb.ECDSA. Tag '30'.
    pub smdp_certificate: Certificate,
    /// Hash of the confirmation code. Tag '04'.
    pub hash_cc: Option<Octet32>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `AuthenticateClientOkDSEsipa ::= SEQUENCE` (80, BF54).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct AuthenticateClientOkDsEsipa {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub transaction_id: TransactionId,
    /// Tag 'BF54'.
    pub profile_download_trigger: Option<ProfileDownloadTriggerRequest>,
    /// Unknown extension additions.
    pub ext: Extensions,
}
