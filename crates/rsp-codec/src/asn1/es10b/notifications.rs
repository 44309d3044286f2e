//! Notifications §5.7.9-11.

use super::*;

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
