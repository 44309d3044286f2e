//! AuthenticateServer §5.7.13.

use super::*;

/// `AuthenticateServerRequest ::= [56] SEQUENCE`. Tag 'BF38'.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 56))]
pub struct AuthenticateServerRequest {
    /// Signed by the server (serverSignature1 covers these bytes). Tag '30'.
    pub server_signed1: Raw<ServerSigned1>,
    /// Tag '5F37'.
    #[rasn(tag(application, 55))]
    pub server_signature1: OctetString,
    /// CI key to be used. Tag '04'.
    pub euicc_ci_pk_id_to_be_used: SubjectKeyIdentifier,
    /// CERT.XXauth.ECDSA. Tag '30'.
    pub server_certificate: Certificate,
    /// Tag 'A0'.
    pub ctx_params1: OpenChoice<CtxParams1>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `ServerSigned1 ::= SEQUENCE` (80, 81, 83, 84).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct ServerSigned1 {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub transaction_id: TransactionId,
    /// Tag '81'.
    #[rasn(tag(context, 1))]
    pub euicc_challenge: Octet16,
    /// Tag '83'.
    #[rasn(tag(context, 3))]
    pub server_address: Utf8String,
    /// Tag '84'.
    #[rasn(tag(context, 4))]
    pub server_challenge: Octet16,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `CtxParams1 ::= CHOICE` (automatic tags: A0). Carried as [`OpenChoice`] so a v3
/// device's new contexts do not break decoding.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
pub enum CtxParams1 {
    /// Tag 'A0'.
    #[rasn(tag(context, 0))]
    CtxParamsForCommonAuthentication(CtxParamsForCommonAuthentication),
}

/// `CtxParamsForCommonAuthentication ::= SEQUENCE` (automatic tags: 80, A1).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct CtxParamsForCommonAuthentication {
    /// Activation code token, EventID or empty. Tag '80'.
    #[rasn(tag(context, 0))]
    pub matching_id: Option<Utf8String>,
    /// Tag 'A1'.
    #[rasn(tag(context, 1))]
    pub device_info: DeviceInfo,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `AuthenticateServerResponse ::= [56] CHOICE`. Tag 'BF38' (explicit) then A0 / A1.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice, tag(explicit(context, 56)))]
pub enum AuthenticateServerResponse {
    /// Tag 'A0'.
    #[rasn(tag(context, 0))]
    AuthenticateResponseOk(Box<AuthenticateResponseOk>),
    /// Tag 'A1'.
    #[rasn(tag(context, 1))]
    AuthenticateResponseError(AuthenticateResponseError),
}

/// `AuthenticateResponseOk ::= SEQUENCE` (30, 5F37, 30, 30).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct AuthenticateResponseOk {
    /// Signed by the eUICC (euiccSignature1 covers these bytes). Tag '30'.
    pub euicc_signed1: Raw<EuiccSigned1>,
    /// Tag '5F37'.
    #[rasn(tag(application, 55))]
    pub euicc_signature1: OctetString,
    /// CERT.EUICC.ECDSA. Tag '30'.
    pub euicc_certificate: Certificate,
    /// CERT.EUM.ECDSA. Tag '30'.
    pub eum_certificate: Certificate,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `EuiccSigned1 ::= SEQUENCE` (80, 83, 84, BF22, A0).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct EuiccSigned1 {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub transaction_id: TransactionId,
    /// Tag '83'.
    #[rasn(tag(context, 3))]
    pub server_address: Utf8String,
    /// Tag '84'.
    #[rasn(tag(context, 4))]
    pub server_challenge: Octet16,
    /// Tag 'BF22'.
    #[rasn(tag(context, 34))]
    pub euicc_info2: EUICCInfo2,
    /// Tag 'A0'.
    pub ctx_params1: OpenChoice<CtxParams1>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `AuthenticateResponseError ::= SEQUENCE` (80, 02).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct AuthenticateResponseError {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub transaction_id: TransactionId,
    /// Tag '02'.
    pub authenticate_error_code: AuthenticateErrorCode,
    /// Unknown extension additions.
    pub ext: Extensions,
}

named_integer!(
    /// `AuthenticateErrorCode ::= INTEGER` (SGP.22 §5.7.13).
    AuthenticateErrorCode {
        INVALID_CERTIFICATE = 1,
        INVALID_SIGNATURE = 2,
        UNSUPPORTED_CURVE = 3,
        NO_SESSION_CONTEXT = 4,
        INVALID_OID = 5,
        EUICC_CHALLENGE_MISMATCH = 6,
        CI_PK_UNKNOWN = 7,
        UNDEFINED_ERROR = 127,
    }
);
