//! TransferEimPackage §5.14.8.

use super::*;

/// `TransferEimPackageRequest ::= [78] CHOICE`. Tag 'BF4E' (explicit) then BF51 / BF52 /
/// BF53 / BF54 (SGP.32 §5.14.8, eIM → IPA push).
#[allow(clippy::large_enum_variant)]
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice, tag(explicit(context, 78)))]
pub enum TransferEimPackageRequest {
    /// Tag 'BF51'.
    #[rasn(tag(context, 81))]
    EuiccPackageRequest(EuiccPackageRequest),
    /// Tag 'BF52'.
    #[rasn(tag(context, 82))]
    IpaEuiccDataRequest(IpaEuiccDataRequest),
    /// Tag 'BF53'.
    #[rasn(tag(context, 83))]
    EimAcknowledgements(EimAcknowledgements),
    /// Tag 'BF54'.
    #[rasn(tag(context, 84))]
    ProfileDownloadTriggerRequest(ProfileDownloadTriggerRequest),
}

/// `TransferEimPackageResponse ::= [78] CHOICE`. Tag 'BF4E' (explicit) then BF51 / 30 /
/// BF52 / 05 / 02 (SGP.32 §5.14.8).
#[allow(clippy::large_enum_variant)]
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice, tag(explicit(context, 78)))]
pub enum TransferEimPackageResponse {
    /// Tag 'BF51'.
    #[rasn(tag(context, 81))]
    EuiccPackageResult(EuiccPackageResult),
    /// Tag '30'.
    EprAndNotifications(EprAndNotifications),
    /// Tag 'BF52'.
    #[rasn(tag(context, 82))]
    IpaEuiccDataResponse(IpaEuiccDataResponse),
    /// Tag '05'.
    EimPackageReceived(()),
    /// Tag '02'.
    EimPackageError(EimPackageResultErrorCode),
}
