//! ES10b (LPA ↔ eUICC ISD-R): eUICC information, download session, notifications, CRL,
//! RAT (SGP.22 §5.7.5–§5.7.14, §5.7.22).

use rasn::prelude::*;

use super::certificate::{Certificate, CertificateList};
use super::choice::OpenChoice;
use super::common::{
    NotificationEvent, NotificationMetadata, Octet4, Octet8, Octet16, Octet32, OperatorId, PprIds,
    SubjectKeyIdentifier, TransactionId, VersionType,
};
use super::es8plus::ProfileInstallationResult;
use super::ext::Extensions;
use super::macros::{named_bits, named_integer};
use super::raw::Raw;

// ---------------------------------------------------------------- GetEUICCInfo §5.7.8

/// `GetEuiccInfo1Request ::= [32] SEQUENCE {}`. Tag 'BF20'.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
#[rasn(tag(context, 32))]
pub struct GetEuiccInfo1Request {
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `EUICCInfo1 ::= [32] SEQUENCE`. Tag 'BF20' (SGP.22 §5.7.8; also in ES9+/ES11
/// InitiateAuthentication).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 32))]
pub struct EUICCInfo1 {
    /// SGP.22 version supported. Tag '82'.
    #[rasn(tag(context, 2))]
    pub svn: VersionType,
    /// CI key identifiers for signature verification. Tag 'A9'.
    #[rasn(tag(context, 9))]
    pub euicc_ci_pk_id_list_for_verification: SequenceOf<SubjectKeyIdentifier>,
    /// CI key identifiers for signature creation. Tag 'AA'.
    #[rasn(tag(context, 10))]
    pub euicc_ci_pk_id_list_for_signing: SequenceOf<SubjectKeyIdentifier>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `GetEuiccInfo2Request ::= [34] SEQUENCE {}`. Tag 'BF22'.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
#[rasn(tag(context, 34))]
pub struct GetEuiccInfo2Request {
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `EUICCInfo2 ::= [34] SEQUENCE`. Tag 'BF22' (SGP.22 §5.7.8).
///
/// A v3 eUICC appends fields (`ipaMode`, `highestSvn`...): they land in `ext` and are
/// re-encoded unchanged, which keeps `euiccSigned1` verifiable.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 34))]
pub struct EUICCInfo2 {
    /// Base eUICC Profile package version supported. Tag '81'.
    #[rasn(tag(context, 1))]
    pub profile_version: VersionType,
    /// SGP.22 version supported. Tag '82'.
    #[rasn(tag(context, 2))]
    pub svn: VersionType,
    /// eUICC firmware version. Tag '83'.
    #[rasn(tag(context, 3))]
    pub euicc_firmware_ver: VersionType,
    /// Extended Card Resource Information (ETSI TS 102 226). Tag '84'.
    #[rasn(tag(context, 4))]
    pub ext_card_resource: OctetString,
    /// Tag '85'.
    #[rasn(tag(context, 5))]
    pub uicc_capability: UICCCapability,
    /// Tag '86'.
    #[rasn(tag(context, 6))]
    pub ts102241_version: Option<VersionType>,
    /// Tag '87'.
    #[rasn(tag(context, 7))]
    pub globalplatform_version: Option<VersionType>,
    /// Tag '88'.
    #[rasn(tag(context, 8))]
    pub rsp_capability: RspCapability,
    /// Tag 'A9'.
    #[rasn(tag(context, 9))]
    pub euicc_ci_pk_id_list_for_verification: SequenceOf<SubjectKeyIdentifier>,
    /// Tag 'AA'.
    #[rasn(tag(context, 10))]
    pub euicc_ci_pk_id_list_for_signing: SequenceOf<SubjectKeyIdentifier>,
    /// Tag '8B'.
    #[rasn(tag(context, 11))]
    pub euicc_category: Option<EuiccCategory>,
    /// Tag '99'.
    #[rasn(tag(context, 25))]
    pub forbidden_profile_policy_rules: Option<PprIds>,
    /// Protection Profile version. Tag '04'.
    pub pp_version: VersionType,
    /// SAS accreditation number (0..64 chars). Tag '0C'.
    pub sas_acreditation_number: Utf8String,
    /// Tag 'AC'.
    #[rasn(tag(context, 12))]
    pub certification_data_object: Option<CertificationDataObject>,
    /// Tag '8D'.
    #[rasn(tag(context, 13))]
    pub tre_properties: Option<TreProperties>,
    /// GlobalPlatform DLOA Platform_Label. Tag '8E'.
    #[rasn(tag(context, 14))]
    pub tre_product_reference: Option<Utf8String>,
    /// Tag 'AF'.
    #[rasn(tag(context, 15))]
    pub additional_euicc_profile_package_versions: Option<SequenceOf<VersionType>>,
    /// Unknown extension additions (e.g. SGP.22 v3 / SGP.32 fields).
    pub ext: Extensions,
}

named_integer!(
    /// `euiccCategory [11] INTEGER` of `EUICCInfo2`.
    EuiccCategory {
        OTHER = 0,
        BASIC_EUICC = 1,
        MEDIUM_EUICC = 2,
        CONTACTLESS_EUICC = 3,
    }
);

named_bits!(
    /// `treProperties [13] BIT STRING` of `EUICCInfo2`.
    TreProperties {
        IS_DISCRETE = 0,
        IS_INTEGRATED = 1,
        USES_REMOTE_MEMORY = 2,
    }
);

named_bits!(
    /// `RspCapability ::= BIT STRING` (SGP.22 §5.7.8).
    RspCapability {
        ADDITIONAL_PROFILE = 0,
        CRL_SUPPORT = 1,
        RPM_SUPPORT = 2,
        TEST_PROFILE_SUPPORT = 3,
        DEVICE_INFO_EXTENSIBILITY_SUPPORT = 4,
        SERVICE_SPECIFIC_DATA_SUPPORT = 5,
    }
);

named_bits!(
    /// `UICCCapability ::= BIT STRING` imported from the TCA `PEDefinitions` (v3.3.1).
    UICCCapability {
        CONTACTLESS_SUPPORT = 0,
        USIM_SUPPORT = 1,
        ISIM_SUPPORT = 2,
        CSIM_SUPPORT = 3,
        AKA_MILENAGE = 4,
        AKA_CAVE = 5,
        AKA_TUAK128 = 6,
        AKA_TUAK256 = 7,
        USIM_TEST_ALGORITHM = 8,
        RFU2 = 9,
        GBA_AUTHEN_USIM = 10,
        GBA_AUTHEN_ISIM = 11,
        MBMS_AUTHEN_USIM = 12,
        EAP_CLIENT = 13,
        JAVACARD = 14,
        MULTOS = 15,
        MULTIPLE_USIM_SUPPORT = 16,
        MULTIPLE_ISIM_SUPPORT = 17,
        MULTIPLE_CSIM_SUPPORT = 18,
        BER_TLV_FILE_SUPPORT = 19,
        DF_LINK_SUPPORT = 20,
        CAT_TP = 21,
        GET_IDENTITY = 22,
        PROFILE_A_X25519 = 23,
        PROFILE_B_P256 = 24,
        SUCI_CALCULATOR_API = 25,
        DNS_RESOLUTION = 26,
        SCP11AC = 27,
        SCP11C_AUTHORIZATION_MECHANISM = 28,
        S16MODE = 29,
        EAKA = 30,
        IOTMINIMAL = 31,
    }
);

named_bits!(
    /// `CertificateInfo ::= BIT STRING` (SGP.22 §5.7.8).
    CertificateInfo {
        RESERVED = 0,
        CERT_SIGNING_X509 = 1,
        RFU2 = 2,
        RFU3 = 3,
        RESERVED2 = 4,
        CERT_VERIFICATION_X509 = 5,
    }
);

/// `CertificationDataObject ::= SEQUENCE` (automatic tags: 80, 81).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct CertificationDataObject {
    /// GlobalPlatform DLOA Platform_Label. Tag '80'.
    #[rasn(tag(context, 0))]
    pub platform_label: Utf8String,
    /// Discovery Base URL of the DLOA Registrar. Tag '81'.
    #[rasn(tag(context, 1))]
    pub discovery_base_url: Utf8String,
    /// Unknown extension additions.
    pub ext: Extensions,
}

// ------------------------------------------------------------------- DeviceInfo §4.2

/// `DeviceInfo ::= SEQUENCE` (automatic tags: 80, A1, 82).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    /// Type Allocation Code. Tag '80'.
    #[rasn(tag(context, 0))]
    pub tac: Octet4,
    /// Tag 'A1'.
    #[rasn(tag(context, 1))]
    pub device_capabilities: DeviceCapabilities,
    /// Tag '82'.
    #[rasn(tag(context, 2))]
    pub imei: Option<Octet8>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `DeviceCapabilities ::= SEQUENCE` (automatic tags 80..8E, AE).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
pub struct DeviceCapabilities {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub gsm_supported_release: Option<VersionType>,
    /// Tag '81'.
    #[rasn(tag(context, 1))]
    pub utran_supported_release: Option<VersionType>,
    /// Tag '82'.
    #[rasn(tag(context, 2))]
    pub cdma2000onex_supported_release: Option<VersionType>,
    /// Tag '83'.
    #[rasn(tag(context, 3))]
    pub cdma2000hrpd_supported_release: Option<VersionType>,
    /// Tag '84'.
    #[rasn(tag(context, 4))]
    pub cdma2000ehrpd_supported_release: Option<VersionType>,
    /// Tag '85'.
    #[rasn(tag(context, 5))]
    pub eutran_epc_supported_release: Option<VersionType>,
    /// Tag '86'.
    #[rasn(tag(context, 6))]
    pub contactless_supported_release: Option<VersionType>,
    /// Tag '87'.
    #[rasn(tag(context, 7))]
    pub rsp_crl_supported_version: Option<VersionType>,
    /// Tag '88'.
    #[rasn(tag(context, 8))]
    pub nr_epc_supported_release: Option<VersionType>,
    /// Tag '89'.
    #[rasn(tag(context, 9))]
    pub nr5gc_supported_release: Option<VersionType>,
    /// Tag '8A'.
    #[rasn(tag(context, 10))]
    pub eutran5gc_supported_release: Option<VersionType>,
    /// Tag '8B'.
    #[rasn(tag(context, 11))]
    pub lpa_svn: Option<VersionType>,
    /// Tag '8C'.
    #[rasn(tag(context, 12))]
    pub cat_supported_classes: Option<CatSupportedClasses>,
    /// Tag '8D'.
    #[rasn(tag(context, 13))]
    pub euicc_form_factor_type: Option<EuiccFormFactorType>,
    /// Tag 'AE'.
    #[rasn(tag(context, 14))]
    pub device_additional_feature_support: Option<DeviceAdditionalFeatureSupport>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `CatSupportedClasses ::= BIT STRING` (no named bits in SGP.22 v2.5).
pub type CatSupportedClasses = BitString;

/// `EuiccFormFactorType ::= INTEGER` (no named numbers in SGP.22 v2.5).
pub type EuiccFormFactorType = Integer;

/// `DeviceAdditionalFeatureSupport ::= SEQUENCE { naiSupport VersionType OPTIONAL }`.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
pub struct DeviceAdditionalFeatureSupport {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub nai_support: Option<VersionType>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

// ---------------------------------------------------------- AuthenticateServer §5.7.13

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

// -------------------------------------------------------------- PrepareDownload §5.7.5

/// `PrepareDownloadRequest ::= [33] SEQUENCE`. Tag 'BF21'.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 33))]
pub struct PrepareDownloadRequest {
    /// Signed by the SM-DP+ (with euiccSignature1). Tag '30'.
    pub smdp_signed2: Raw<SmdpSigned2>,
    /// Tag '5F37'.
    #[rasn(tag(application, 55))]
    pub smdp_signature2: OctetString,
    /// SHA-256 over the confirmation code and transaction id. Tag '04'.
    pub hash_cc: Option<Octet32>,
    /// CERT.DPpb.ECDSA. Tag '30'.
    pub smdp_certificate: Certificate,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `SmdpSigned2 ::= SEQUENCE` (80, 01, 5F49).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct SmdpSigned2 {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub transaction_id: TransactionId,
    /// Confirmation code required. Tag '01'.
    pub cc_required_flag: bool,
    /// otPK.EUICC.ECKA already used to bind the BPP (retry case). Tag '5F49'.
    #[rasn(tag(application, 73))]
    pub bpp_euicc_otpk: Option<OctetString>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `PrepareDownloadResponse ::= [33] CHOICE`. Tag 'BF21' (explicit) then A0 / A1.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice, tag(explicit(context, 33)))]
pub enum PrepareDownloadResponse {
    /// Tag 'A0'.
    #[rasn(tag(context, 0))]
    DownloadResponseOk(PrepareDownloadResponseOk),
    /// Tag 'A1'.
    #[rasn(tag(context, 1))]
    DownloadResponseError(PrepareDownloadResponseError),
}

/// `PrepareDownloadResponseOk ::= SEQUENCE` (30, 5F37).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct PrepareDownloadResponseOk {
    /// Signed by the eUICC (with smdpSignature2). Tag '30'.
    pub euicc_signed2: Raw<EUICCSigned2>,
    /// Tag '5F37'.
    #[rasn(tag(application, 55))]
    pub euicc_signature2: OctetString,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `EUICCSigned2 ::= SEQUENCE` (80, 5F49, 04).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct EUICCSigned2 {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub transaction_id: TransactionId,
    /// otPK.EUICC.ECKA. Tag '5F49'.
    #[rasn(tag(application, 73))]
    pub euicc_otpk: OctetString,
    /// Tag '04'.
    pub hash_cc: Option<Octet32>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `PrepareDownloadResponseError ::= SEQUENCE` (80, 02).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct PrepareDownloadResponseError {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub transaction_id: TransactionId,
    /// Tag '02'.
    pub download_error_code: DownloadErrorCode,
    /// Unknown extension additions.
    pub ext: Extensions,
}

named_integer!(
    /// `DownloadErrorCode ::= INTEGER` (SGP.22 §5.7.5).
    DownloadErrorCode {
        INVALID_CERTIFICATE = 1,
        INVALID_SIGNATURE = 2,
        UNSUPPORTED_CURVE = 3,
        NO_SESSION_CONTEXT = 4,
        INVALID_TRANSACTION_ID = 5,
        UNDEFINED_ERROR = 127,
    }
);

// ---------------------------------------------------------------- CancelSession §5.7.14

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

// ------------------------------------------------------------ GetEUICCChallenge §5.7.7

/// `GetEuiccChallengeRequest ::= [46] SEQUENCE {}`. Tag 'BF2E'.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
#[rasn(tag(context, 46))]
pub struct GetEuiccChallengeRequest {
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `GetEuiccChallengeResponse ::= [46] SEQUENCE`. Tag 'BF2E'.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 46))]
pub struct GetEuiccChallengeResponse {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub euicc_challenge: Octet16,
    /// Unknown extension additions.
    pub ext: Extensions,
}

// ------------------------------------------------------------- Notifications §5.7.9-11

/// `ListNotificationRequest ::= [40] SEQUENCE`. Tag 'BF28'.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
#[rasn(tag(context, 40))]
pub struct ListNotificationRequest {
    /// Tag '81'.
    #[rasn(tag(context, 1))]
    pub profile_management_operation: Option<NotificationEvent>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `ListNotificationResponse ::= [40] CHOICE`. Tag 'BF28' (explicit) then A0 / 81.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice, tag(explicit(context, 40)))]
pub enum ListNotificationResponse {
    /// Tag 'A0'.
    #[rasn(tag(context, 0))]
    NotificationMetadataList(SequenceOf<NotificationMetadata>),
    /// Tag '81'.
    #[rasn(tag(context, 1))]
    ListNotificationsResultError(UndefinedError),
}

named_integer!(
    /// `INTEGER {undefinedError(127)}` used by several ES10b error alternatives.
    UndefinedError {
        UNDEFINED_ERROR = 127,
    }
);

/// `RetrieveNotificationsListRequest ::= [43] SEQUENCE`. Tag 'BF2B'.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
#[rasn(tag(context, 43))]
pub struct RetrieveNotificationsListRequest {
    /// `searchCriteria CHOICE OPTIONAL`, automatically tagged `[0]` (explicit). Tag 'A0'.
    #[rasn(tag(explicit(context, 0)))]
    pub search_criteria: Option<RetrieveNotificationsSearchCriteria>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `searchCriteria` of `RetrieveNotificationsListRequest` (80 / 81).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
pub enum RetrieveNotificationsSearchCriteria {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    SeqNumber(Integer),
    /// Tag '81'.
    #[rasn(tag(context, 1))]
    ProfileManagementOperation(NotificationEvent),
}

/// `RetrieveNotificationsListResponse ::= [43] CHOICE`. Tag 'BF2B' (explicit) then A0 / 81.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice, tag(explicit(context, 43)))]
pub enum RetrieveNotificationsListResponse {
    /// Tag 'A0'.
    #[rasn(tag(context, 0))]
    NotificationList(SequenceOf<OpenChoice<PendingNotification>>),
    /// Tag '81'.
    #[rasn(tag(context, 1))]
    NotificationsListResultError(UndefinedError),
}

/// `PendingNotification ::= CHOICE` (BF37 / 30; SGP.22 §5.7.10). Carried as
/// [`OpenChoice`]: SGP.32 adds compact alternatives.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
pub enum PendingNotification {
    /// Tag 'BF37'.
    #[rasn(tag(context, 55))]
    ProfileInstallationResult(ProfileInstallationResult),
    /// Tag '30'.
    OtherSignedNotification(OtherSignedNotification),
}

/// `OtherSignedNotification ::= SEQUENCE` (BF2F, 5F37, 30, 30).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct OtherSignedNotification {
    /// Signed by the eUICC. Tag 'BF2F'.
    pub tbs_other_notification: Raw<NotificationMetadata>,
    /// Tag '5F37'.
    #[rasn(tag(application, 55))]
    pub euicc_notification_signature: OctetString,
    /// CERT.EUICC.ECDSA. Tag '30'.
    pub euicc_certificate: Certificate,
    /// CERT.EUM.ECDSA. Tag '30'.
    pub eum_certificate: Certificate,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `NotificationSentRequest ::= [48] SEQUENCE`. Tag 'BF30' (RemoveNotificationFromList).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 48))]
pub struct NotificationSentRequest {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub seq_number: Integer,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `NotificationSentResponse ::= [48] SEQUENCE`. Tag 'BF30'.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 48))]
pub struct NotificationSentResponse {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub delete_notification_status: DeleteNotificationStatus,
    /// Unknown extension additions.
    pub ext: Extensions,
}

named_integer!(
    /// `deleteNotificationStatus INTEGER` of `NotificationSentResponse`.
    DeleteNotificationStatus {
        OK = 0,
        NOTHING_TO_DELETE = 1,
        UNDEFINED_ERROR = 127,
    }
);

// --------------------------------------------------------------------- LoadCRL §5.7.12

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

// ---------------------------------------------------------------------- GetRAT §5.7.22

/// `GetRatRequest ::= [67] SEQUENCE {}`. Tag 'BF43'.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
#[rasn(tag(context, 67))]
pub struct GetRatRequest {
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `GetRatResponse ::= [67] SEQUENCE`. Tag 'BF43'.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
#[rasn(tag(context, 67))]
pub struct GetRatResponse {
    /// Tag 'A0'.
    #[rasn(tag(context, 0))]
    pub rat: RulesAuthorisationTable,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `RulesAuthorisationTable ::= SEQUENCE OF ProfilePolicyAuthorisationRule`.
pub type RulesAuthorisationTable = SequenceOf<ProfilePolicyAuthorisationRule>;

/// `ProfilePolicyAuthorisationRule ::= SEQUENCE` (automatic tags: 80, A1, 82).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct ProfilePolicyAuthorisationRule {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub ppr_ids: PprIds,
    /// Tag 'A1'.
    #[rasn(tag(context, 1))]
    pub allowed_operators: SequenceOf<OperatorId>,
    /// Tag '82'.
    #[rasn(tag(context, 2))]
    pub ppr_flags: PprFlags,
    /// Unknown extension additions.
    pub ext: Extensions,
}

named_bits!(
    /// `pprFlags BIT STRING {consentRequired(0)}`.
    PprFlags {
        CONSENT_REQUIRED = 0,
    }
);
