//! ProvideEimPackageResult §5.14.7.

use super::*;

/// `ProvideEimPackageResult ::= [80] SEQUENCE`. Tag 'BF50' (5A, EimPackageResult)
/// (SGP.32 §5.14.7).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 80))]
pub struct ProvideEimPackageResult {
    /// EID. Tag '5A'.
    #[rasn(tag(application, 26))]
    pub eid_value: Option<Octet16>,
    /// BF51 / 30 / BF52 / BF54 / A0.
    pub eim_package_result: EimPackageResult,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `EimPackageResult ::= CHOICE` (SGP.32 §5.14.7).
#[allow(clippy::large_enum_variant)]
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
pub enum EimPackageResult {
    /// `[81]` implicit over the `[81]`-tagged CHOICE. Tag 'BF51'.
    #[rasn(tag(context, 81))]
    EuiccPackageResult(EuiccPackageResult),
    /// Tag '30'.
    EprAndNotifications(EprAndNotifications),
    /// Tag 'BF52'.
    #[rasn(tag(context, 82))]
    IpaEuiccDataResponse(IpaEuiccDataResponse),
    /// Tag 'BF54'.
    #[rasn(tag(context, 84))]
    ProfileDownloadTriggerResult(ProfileDownloadTriggerResult),
    /// Tag 'A0'.
    #[rasn(tag(context, 0))]
    EimPackageResultResponseError(EimPackageResultResponseError),
}

/// `ePRAndNotifications SEQUENCE` (BF51, A0) of `EimPackageResult` /
/// `TransferEimPackageResponse`.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct EprAndNotifications {
    /// Tag 'BF51'.
    pub euicc_package_result: EuiccPackageResult,
    /// `[0] PendingNotificationList`. Tag 'A0'.
    #[rasn(tag(context, 0))]
    pub notification_list: SequenceOf<Sgp32PendingNotification>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `EimPackageResultResponseError ::= SEQUENCE` (80, 02).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct EimPackageResultResponseError {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub eim_transaction_id: Option<TransactionId>,
    /// Tag '02'.
    pub eim_package_result_error_code: EimPackageResultErrorCode,
    /// Unknown extension additions.
    pub ext: Extensions,
}

named_integer!(
    /// `EimPackageResultErrorCode ::= INTEGER`.
    EimPackageResultErrorCode {
        INVALID_PACKAGE_FORMAT = 1,
        UNKNOWN_PACKAGE = 2,
        UNDEFINED_ERROR = 127,
    }
);

/// `ProvideEimPackageResultResponse ::= [80] CHOICE`. Tag 'BF50' (explicit) then BF53 /
/// 30 / 02 (SGP.32 §5.14.7).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice, tag(explicit(context, 80)))]
pub enum ProvideEimPackageResultResponse {
    /// Tag 'BF53'.
    #[rasn(tag(context, 83))]
    EimAcknowledgements(EimAcknowledgements),
    /// `SEQUENCE {}`. Tag '30'.
    EmptyResponse(Sgp32CancelSessionOk),
    /// Tag '02'.
    ProvideEimPackageResultError(ProvideEimPackageResultError),
}

named_integer!(
    /// `provideEimPackageResultError INTEGER`.
    ProvideEimPackageResultError {
        EID_NOT_FOUND = 2,
        INVALID_EID = 3,
        MISSING_EID = 4,
        UNDEFINED_ERROR = 127,
    }
);
