//! ES9+ (LPA ↔ SM-DP+) messages and the ASN.1 binding's request/response envelopes
//! (SGP.22 §5.6, §6.6). The same InitiateAuthentication / AuthenticateClient structures
//! serve ES11 (SM-DS), see [`super::es11`].

use rasn::prelude::*;

use super::certificate::Certificate;
use super::choice::OpenChoice;
use super::common::{Octet16, SubjectKeyIdentifier, TransactionId};
use super::es8plus::{BoundProfilePackage, StoreMetadataRequest};
use super::es10b::{
    AuthenticateServerResponse, CancelSessionResponse, EUICCInfo1, PendingNotification,
    PrepareDownloadResponse, ServerSigned1, SmdpSigned2,
};
use super::es11::AuthenticateClientResponseEs11;
use super::ext::Extensions;
use super::macros::named_integer;
use super::raw::Raw;

// ------------------------------------------------------- InitiateAuthentication §5.6.1

/// `InitiateAuthenticationRequest ::= [57] SEQUENCE`. Tag 'BF39'.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 57))]
pub struct InitiateAuthenticationRequest {
    /// Tag '81'.
    #[rasn(tag(context, 1))]
    pub euicc_challenge: Octet16,
    /// Tag '83'.
    #[rasn(tag(context, 3))]
    pub smdp_address: Utf8String,
    /// Tag 'BF20'.
    pub euicc_info1: EUICCInfo1,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `InitiateAuthenticationResponse ::= [57] CHOICE`. Tag 'BF39' (explicit) then A0 / 81.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice, tag(explicit(context, 57)))]
pub enum InitiateAuthenticationResponse {
    /// Tag 'A0'.
    #[rasn(tag(context, 0))]
    InitiateAuthenticationOk(Box<InitiateAuthenticationOkEs9>),
    /// Tag '81'.
    #[rasn(tag(context, 1))]
    InitiateAuthenticationError(InitiateAuthenticationError),
}

named_integer!(
    /// `initiateAuthenticationError INTEGER` of `InitiateAuthenticationResponse`.
    InitiateAuthenticationError {
        INVALID_DP_ADDRESS = 1,
        EUICC_VERSION_NOT_SUPPORTED_BY_DP = 2,
        CI_PK_NOT_SUPPORTED = 3,
    }
);

/// `InitiateAuthenticationOkEs9 ::= SEQUENCE` (80, 30, 5F37, 04, 30).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct InitiateAuthenticationOkEs9 {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub transaction_id: TransactionId,
    /// Tag '30', kept as produced for serverSignature1.
    pub server_signed1: Raw<ServerSigned1>,
    /// Tag '5F37'.
    #[rasn(tag(application, 55))]
    pub server_signature1: OctetString,
    /// Tag '04'.
    pub euicc_ci_pk_id_to_be_used: SubjectKeyIdentifier,
    /// CERT.DPauth.ECDSA (or DSauth). Tag '30'.
    pub server_certificate: Certificate,
    /// Unknown extension additions.
    pub ext: Extensions,
}

// ------------------------------------------------------------ AuthenticateClient §5.6.3

/// `AuthenticateClientRequest ::= [59] SEQUENCE`. Tag 'BF3B'.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 59))]
pub struct AuthenticateClientRequest {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub transaction_id: TransactionId,
    /// `[56] AuthenticateServerResponse`: the implicit `[56]` replaces the type's own `[56]`,
    /// so the field is written untagged. Tag 'BF38'.
    pub authenticate_server_response: AuthenticateServerResponse,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `AuthenticateClientResponseEs9 ::= [59] CHOICE`. Tag 'BF3B' (explicit) then A0 / 81.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice, tag(explicit(context, 59)))]
pub enum AuthenticateClientResponseEs9 {
    /// Tag 'A0'.
    #[rasn(tag(context, 0))]
    AuthenticateClientOk(Box<AuthenticateClientOk>),
    /// Tag '81'.
    #[rasn(tag(context, 1))]
    AuthenticateClientError(AuthenticateClientErrorEs9),
}

named_integer!(
    /// `authenticateClientError INTEGER` of `AuthenticateClientResponseEs9`.
    AuthenticateClientErrorEs9 {
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
        UNDEFINED_ERROR = 127,
    }
);

/// `AuthenticateClientOk ::= SEQUENCE` (80, BF25, 30, 5F37, 30).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct AuthenticateClientOk {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub transaction_id: TransactionId,
    /// `[37] StoreMetadataRequest`. Tag 'BF25'.
    pub profile_meta_data: StoreMetadataRequest,
    /// Tag '30', kept as produced for smdpSignature2.
    pub smdp_signed2: Raw<SmdpSigned2>,
    /// Tag '5F37'.
    #[rasn(tag(application, 55))]
    pub smdp_signature2: OctetString,
    /// CERT.DPpb.ECDSA. Tag '30'.
    pub smdp_certificate: Certificate,
    /// Unknown extension additions.
    pub ext: Extensions,
}

// -------------------------------------------------------- GetBoundProfilePackage §5.6.2

/// `GetBoundProfilePackageRequest ::= [58] SEQUENCE`. Tag 'BF3A'.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 58))]
pub struct GetBoundProfilePackageRequest {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub transaction_id: TransactionId,
    /// `[33] PrepareDownloadResponse`. Tag 'BF21'.
    pub prepare_download_response: PrepareDownloadResponse,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `GetBoundProfilePackageResponse ::= [58] CHOICE`. Tag 'BF3A' (explicit) then A0 / 81.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice, tag(explicit(context, 58)))]
pub enum GetBoundProfilePackageResponse {
    /// Tag 'A0'.
    #[rasn(tag(context, 0))]
    GetBoundProfilePackageOk(Box<GetBoundProfilePackageOk>),
    /// Tag '81'.
    #[rasn(tag(context, 1))]
    GetBoundProfilePackageError(GetBoundProfilePackageError),
}

named_integer!(
    /// `getBoundProfilePackageError INTEGER` of `GetBoundProfilePackageResponse`.
    GetBoundProfilePackageError {
        EUICC_SIGNATURE_INVALID = 1,
        CONFIRMATION_CODE_MISSING = 2,
        CONFIRMATION_CODE_REFUSED = 3,
        CONFIRMATION_CODE_RETRIES_EXCEEDED = 4,
        BPP_REBINDING_REFUSED = 5,
        DOWNLOAD_ORDER_EXPIRED = 6,
        INVALID_TRANSACTION_ID = 95,
        UNDEFINED_ERROR = 127,
    }
);

/// `GetBoundProfilePackageOk ::= SEQUENCE` (80, BF36).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct GetBoundProfilePackageOk {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub transaction_id: TransactionId,
    /// `[54] BoundProfilePackage`. Tag 'BF36'.
    pub bound_profile_package: BoundProfilePackage,
    /// Unknown extension additions.
    pub ext: Extensions,
}

// ------------------------------------------------------------ HandleNotification §5.6.4

/// `HandleNotification ::= [61] SEQUENCE`. Tag 'BF3D'. Automatic tagging wraps the
/// CHOICE in an explicit `[0]`: `BF3D { A0 { BF37 | 30 } }`.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 61))]
pub struct HandleNotification {
    /// Tag 'A0'.
    #[rasn(tag(explicit(context, 0)))]
    pub pending_notification: OpenChoice<PendingNotification>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

// ----------------------------------------------------------------- CancelSession §5.6.5

/// `CancelSessionRequestEs9 ::= [65] SEQUENCE`. Tag 'BF41' (automatic tags: 80, A1).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 65))]
pub struct CancelSessionRequestEs9 {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub transaction_id: TransactionId,
    /// `[1] IMPLICIT` over the `[65]`-tagged CHOICE: A1 { A0 | 81 }.
    #[rasn(tag(context, 1))]
    pub cancel_session_response: CancelSessionResponse,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `CancelSessionResponseEs9 ::= [65] CHOICE`. Tag 'BF41' (explicit) then A0 / 81.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice, tag(explicit(context, 65)))]
pub enum CancelSessionResponseEs9 {
    /// Tag 'A0'.
    #[rasn(tag(context, 0))]
    CancelSessionOk(CancelSessionOk),
    /// Tag '81'.
    #[rasn(tag(context, 1))]
    CancelSessionError(CancelSessionErrorEs9),
}

/// `CancelSessionOk ::= SEQUENCE {}`.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
pub struct CancelSessionOk {
    /// Unknown extension additions.
    pub ext: Extensions,
}

named_integer!(
    /// `cancelSessionError INTEGER` of `CancelSessionResponseEs9`.
    CancelSessionErrorEs9 {
        INVALID_TRANSACTION_ID = 1,
        EUICC_SIGNATURE_INVALID = 2,
        UNDEFINED_ERROR = 127,
    }
);

// ------------------------------------------------------- ASN.1 binding envelopes §6.6

/// `RemoteProfileProvisioningRequest ::= [2] CHOICE`. Tag 'A2' (explicit).
///
/// One value per HTTP exchange, so variant sizes do not matter.
#[allow(clippy::large_enum_variant)]
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice, tag(explicit(context, 2)))]
pub enum RemoteProfileProvisioningRequest {
    /// Tag 'BF39'.
    #[rasn(tag(context, 57))]
    InitiateAuthenticationRequest(InitiateAuthenticationRequest),
    /// Tag 'BF3B'.
    #[rasn(tag(context, 59))]
    AuthenticateClientRequest(AuthenticateClientRequest),
    /// Tag 'BF3A'.
    #[rasn(tag(context, 58))]
    GetBoundProfilePackageRequest(GetBoundProfilePackageRequest),
    /// Tag 'BF41'.
    #[rasn(tag(context, 65))]
    CancelSessionRequestEs9(CancelSessionRequestEs9),
    /// Tag 'BF3D'.
    #[rasn(tag(context, 61))]
    HandleNotification(HandleNotification),
}

/// `RemoteProfileProvisioningResponse ::= [2] CHOICE`. Tag 'A2' (explicit).
///
/// One value per HTTP exchange, so variant sizes do not matter.
#[allow(clippy::large_enum_variant)]
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice, tag(explicit(context, 2)))]
pub enum RemoteProfileProvisioningResponse {
    /// Tag 'BF39'.
    #[rasn(tag(context, 57))]
    InitiateAuthenticationResponse(InitiateAuthenticationResponse),
    /// Tag 'BF3B'.
    #[rasn(tag(context, 59))]
    AuthenticateClientResponseEs9(AuthenticateClientResponseEs9),
    /// Tag 'BF3A'.
    #[rasn(tag(context, 58))]
    GetBoundProfilePackageResponse(GetBoundProfilePackageResponse),
    /// Tag 'BF41'.
    #[rasn(tag(context, 65))]
    CancelSessionResponseEs9(CancelSessionResponseEs9),
    /// Tag 'BF40'.
    #[rasn(tag(context, 64))]
    AuthenticateClientResponseEs11(AuthenticateClientResponseEs11),
}
