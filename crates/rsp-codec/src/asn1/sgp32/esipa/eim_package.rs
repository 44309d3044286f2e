//! eIM packages (SGP.32 §2.11.2).

use super::*;

/// `SequenceNumber ::= [0] INTEGER`. Tag '80'.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(delegate, tag(context, 0))]
pub struct SequenceNumber(pub Integer);

/// `EimAcknowledgements ::= [83] SEQUENCE OF SequenceNumber`. Tag 'BF53' (SGP.32 §2.11.2.4).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
#[rasn(delegate, tag(context, 83))]
pub struct EimAcknowledgements(pub SequenceOf<SequenceNumber>);

/// `ProfileDownloadTriggerRequest ::= [84] SEQUENCE`. Tag 'BF54' (A0, 82)
/// (SGP.32 §2.11.2.3).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
#[rasn(tag(context, 84))]
pub struct ProfileDownloadTriggerRequest {
    /// `[0]` explicit over the untagged CHOICE. Tag 'A0'.
    #[rasn(tag(explicit(context, 0)))]
    pub profile_download_data: Option<ProfileDownloadData>,
    /// Tag '82'.
    #[rasn(tag(context, 2))]
    pub eim_transaction_id: Option<TransactionId>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `ProfileDownloadData ::= CHOICE` (80 / 81 / A2).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
pub enum ProfileDownloadData {
    /// Activation Code (0..255 chars). Tag '80'.
    #[rasn(tag(context, 0))]
    ActivationCode(Utf8String),
    /// Tag '81'.
    #[rasn(tag(context, 1))]
    ContactDefaultSmdp(()),
    /// Tag 'A2'.
    #[rasn(tag(context, 2))]
    ContactSmds(ContactSmds),
}

/// `contactSmds [2] SEQUENCE { smdsAddress UTF8String OPTIONAL }` (automatic tags: 80).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
pub struct ContactSmds {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub smds_address: Option<Utf8String>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `ProfileDownloadTriggerResult ::= [84] SEQUENCE`. Tag 'BF54' (82, BF37 | 30)
/// (SGP.32 §2.11.2.3).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 84))]
pub struct ProfileDownloadTriggerResult {
    /// Tag '82'.
    #[rasn(tag(context, 2))]
    pub eim_transaction_id: Option<TransactionId>,
    /// BF37 / 30.
    pub profile_download_trigger_result_data: ProfileDownloadTriggerResultData,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `profileDownloadTriggerResultData CHOICE` (BF37 / 30).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
pub enum ProfileDownloadTriggerResultData {
    /// `[55] SGP32-ProfileInstallationResult` (same shape as SGP.22's). Tag 'BF37'.
    #[rasn(tag(context, 55))]
    ProfileInstallationResult(Box<ProfileInstallationResult>),
    /// Tag '30'.
    ProfileDownloadError(ProfileDownloadError),
}

/// `profileDownloadError SEQUENCE` (80, 04).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct ProfileDownloadError {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub profile_download_error_reason: ProfileDownloadErrorReason,
    /// Tag '04'.
    pub error_response: Option<OctetString>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

named_integer!(
    /// `profileDownloadErrorReason [0] INTEGER`.
    ProfileDownloadErrorReason {
        ECALL_ACTIVE = 104,
        UNDEFINED_ERROR = 127,
    }
);
