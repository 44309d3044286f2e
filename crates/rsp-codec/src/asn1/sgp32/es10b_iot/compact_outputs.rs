//! ES10b outputs with compact forms.

use super::*;

/// `SGP32-AuthenticateServerResponse ::= [56] CHOICE`. Tag 'BF38' (explicit) then
/// A0 / A1 / A2 (SGP.32 §5.9.x AuthenticateServer, compact form for minimizeEsipaBytes).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice, tag(explicit(context, 56)))]
pub enum Sgp32AuthenticateServerResponse {
    /// Tag 'A0'.
    #[rasn(tag(context, 0))]
    AuthenticateResponseOk(Box<Sgp32AuthenticateResponseOk>),
    /// Tag 'A1'.
    #[rasn(tag(context, 1))]
    AuthenticateResponseError(AuthenticateResponseError),
    /// Tag 'A2'.
    #[rasn(tag(context, 2))]
    CompactAuthenticateResponseOk(Box<CompactAuthenticateResponseOk>),
}

/// `SGP32-AuthenticateResponseOk ::= SEQUENCE` (30, 5F37, 30, 30): SGP.22's with
/// `SGP32-EuiccSigned1`.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct Sgp32AuthenticateResponseOk {
    /// Tag '30', kept as received: `euiccSignature1` covers these bytes.
    pub euicc_signed1: Raw<Sgp32EuiccSigned1>,
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

/// `SGP32-EuiccSigned1 ::= SEQUENCE` (80, 83, 84, BF22, A0): SGP.22's with
/// `SGP32-EUICCInfo2`.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct Sgp32EuiccSigned1 {
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
    pub euicc_info2: Sgp32EuiccInfo2,
    /// Tag 'A0'.
    pub ctx_params1: OpenChoice<CtxParams1>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `CompactAuthenticateResponseOk ::= SEQUENCE` (30 | A0, 5F37, A1, A2).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct CompactAuthenticateResponseOk {
    /// 30 (full) or A0 (compact); the signature covers the bytes as received.
    pub signed_data: CompactSignedData,
    /// Tag '5F37'.
    #[rasn(tag(application, 55))]
    pub euicc_signature1: OctetString,
    /// Tag 'A1'.
    #[rasn(tag(context, 1))]
    pub euicc_certificate: Option<Certificate>,
    /// Tag 'A2'.
    #[rasn(tag(context, 2))]
    pub eum_certificate: Option<Certificate>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `signedData CHOICE { euiccSigned1, compactEuiccSigned1 [0] }` (30 / A0).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
pub enum CompactSignedData {
    /// Tag '30'.
    EuiccSigned1(Box<Raw<Sgp32EuiccSigned1>>),
    /// Tag 'A0'.
    CompactEuiccSigned1(Box<Raw<CompactEuiccSigned1>>),
}

/// `CompactEuiccSigned1 ::= SEQUENCE` (84, A2), here with the `[0]` it always carries
/// inside `signedData` (tag 'A0') so [`Raw`] keeps it.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 0))]
pub struct CompactEuiccSigned1 {
    /// Tag '84'.
    #[rasn(tag(context, 4))]
    pub ext_card_resource: OctetString,
    /// `[2]` explicit over the untagged CHOICE. Tag 'A2'.
    #[rasn(tag(explicit(context, 2)))]
    pub ctx_params1: Option<OpenChoice<CtxParams1>>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `SGP32-PrepareDownloadResponse ::= [33] CHOICE`. Tag 'BF21' (explicit) then
/// A0 / A1 / A2 (SGP.32 §5.9.x PrepareDownload).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice, tag(explicit(context, 33)))]
pub enum Sgp32PrepareDownloadResponse {
    /// Tag 'A0'.
    #[rasn(tag(context, 0))]
    DownloadResponseOk(PrepareDownloadResponseOk),
    /// Tag 'A1'.
    #[rasn(tag(context, 1))]
    DownloadResponseError(PrepareDownloadResponseError),
    /// Tag 'A2'.
    #[rasn(tag(context, 2))]
    CompactDownloadResponseOk(CompactPrepareDownloadResponseOk),
}

/// `CompactPrepareDownloadResponseOk ::= SEQUENCE` (30, 5F37).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct CompactPrepareDownloadResponseOk {
    /// Tag '30', kept as received for euiccSignature2.
    pub compact_euicc_signed2: Raw<CompactEuiccSigned2>,
    /// Tag '5F37'.
    #[rasn(tag(application, 55))]
    pub euicc_signature2: OctetString,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `CompactEuiccSigned2 ::= SEQUENCE` (5F49, 04).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
pub struct CompactEuiccSigned2 {
    /// otPK.EUICC.ECKA. Tag '5F49'.
    #[rasn(tag(application, 73))]
    pub euicc_otpk: Option<OctetString>,
    /// Tag '04'.
    pub hash_cc: Option<Octet32>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `SGP32-CancelSessionResponse ::= [65] CHOICE`. Tag 'BF41' (explicit) then A0 / 81 / A2.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice, tag(explicit(context, 65)))]
pub enum Sgp32CancelSessionResponse {
    /// Tag 'A0'.
    #[rasn(tag(context, 0))]
    CancelSessionResponseOk(CancelSessionResponseOk),
    /// Tag '81'.
    #[rasn(tag(context, 1))]
    CancelSessionResponseError(Sgp32CancelSessionResponseError),
    /// Tag 'A2'.
    #[rasn(tag(context, 2))]
    CompactCancelSessionResponseOk(CompactCancelSessionResponseOk),
}

named_integer!(
    /// `cancelSessionResponseError INTEGER`.
    Sgp32CancelSessionResponseError {
        INVALID_TRANSACTION_ID = 5,
        UNDEFINED_ERROR = 127,
    }
);

/// `CompactCancelSessionResponseOk ::= SEQUENCE` (30, 5F37).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct CompactCancelSessionResponseOk {
    /// Tag '30', kept as received.
    pub compact_euicc_cancel_session_signed: Raw<CompactEuiccCancelSessionSigned>,
    /// Tag '5F37'.
    #[rasn(tag(application, 55))]
    pub euicc_cancel_session_signature: OctetString,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `CompactEuiccCancelSessionSigned ::= SEQUENCE` (automatic tags: 80).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
pub struct CompactEuiccCancelSessionSigned {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub reason: Option<CancelSessionReason>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `SGP32-PendingNotification ::= CHOICE` (BF37 / 30 / A0 / A1) (SGP.32 §5.9.x
/// RetrieveNotificationsList).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
pub enum Sgp32PendingNotification {
    /// `SGP32-ProfileInstallationResult` (SGP.22's shape). Tag 'BF37'.
    #[rasn(tag(context, 55))]
    ProfileInstallationResult(Box<ProfileInstallationResult>),
    /// Tag '30'.
    OtherSignedNotification(Box<OtherSignedNotification>),
    /// Tag 'A0'.
    #[rasn(tag(context, 0))]
    CompactProfileInstallationResult(CompactProfileInstallationResult),
    /// Tag 'A1'.
    #[rasn(tag(context, 1))]
    CompactOtherSignedNotification(CompactOtherSignedNotification),
}

/// `CompactProfileInstallationResult ::= SEQUENCE` (A0, 5F37).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct CompactProfileInstallationResult {
    /// Tag 'A0', kept as received: `euiccSignPIR` covers it.
    pub compact_profile_installation_result_data: Raw<CompactProfileInstallationResultData>,
    /// Tag '5F37'.
    pub euicc_sign_pir: EuiccSignPIR,
    /// Unknown extension additions.
    pub ext: Extensions,
}

fn default_true() -> bool {
    true
}

/// `CompactProfileInstallationResultData ::= SEQUENCE` (80, 02, 01, A2), here with the
/// `[0]` it always carries (tag 'A0') so [`Raw`] keeps it.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 0))]
pub struct CompactProfileInstallationResultData {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub transaction_id: TransactionId,
    /// Tag '02'.
    pub seq_number: Integer,
    /// `DEFAULT TRUE`. Tag '01'.
    #[rasn(default = "default_true")]
    pub iccid_present: bool,
    /// `[2]` explicit over the untagged CHOICE. Tag 'A2'.
    #[rasn(tag(explicit(context, 2)))]
    pub compact_final_result: CompactFinalResult,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `compactFinalResult [2] CHOICE` (automatic tags: A0 / A1).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
pub enum CompactFinalResult {
    /// Tag 'A0'.
    #[rasn(tag(context, 0))]
    CompactSuccessResult(CompactSuccessResult),
    /// Tag 'A1'.
    #[rasn(tag(context, 1))]
    ErrorResult(ErrorResult),
}

/// `CompactSuccessResult ::= SEQUENCE` (4F, 04).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct CompactSuccessResult {
    /// Bytes 14 and 15 of the ISD-P AID. Tag '4F'.
    #[rasn(tag(application, 15))]
    pub compact_aid: Octet2,
    /// Tag '04'.
    pub sima_response: Option<OctetString>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `CompactOtherSignedNotification ::= SEQUENCE` (5A, BF2F, 5F37).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct CompactOtherSignedNotification {
    /// Tag '5A'.
    #[rasn(tag(application, 26))]
    pub eid_value: Option<Octet16>,
    /// Tag 'BF2F', kept as received.
    pub tbs_other_notification: Raw<NotificationMetadata>,
    /// Tag '5F37'.
    #[rasn(tag(application, 55))]
    pub euicc_notification_signature: OctetString,
    /// Unknown extension additions.
    pub ext: Extensions,
}
