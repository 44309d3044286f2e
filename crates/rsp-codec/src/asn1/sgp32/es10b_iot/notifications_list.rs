//! RetrieveNotificationsList.

use super::*;

/// `SGP32-RetrieveNotificationsListRequest ::= [43] SEQUENCE`. Tag 'BF2B' (A0 { 80 | 81 |
/// 82 }) (SGP.32 §5.9.x).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
#[rasn(tag(context, 43))]
pub struct Sgp32RetrieveNotificationsListRequest {
    /// `[0]` (automatic) explicit over the untagged CHOICE. Tag 'A0'.
    #[rasn(tag(explicit(context, 0)))]
    pub search_criteria: Option<Sgp32NotificationSearchCriteria>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `searchCriteria CHOICE` of `SGP32-RetrieveNotificationsListRequest` (80 / 81 / 82).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
pub enum Sgp32NotificationSearchCriteria {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    SeqNumber(Integer),
    /// Tag '81'.
    #[rasn(tag(context, 1))]
    ProfileManagementOperation(NotificationEvent),
    /// Tag '82'.
    #[rasn(tag(context, 2))]
    EuiccPackageResults(()),
}

/// `SGP32-RetrieveNotificationsListResponse ::= [43] CHOICE`. Tag 'BF2B' (explicit) then
/// A0 / 81 / A2.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice, tag(explicit(context, 43)))]
pub enum Sgp32RetrieveNotificationsListResponse {
    /// `PendingNotificationList`. Tag 'A0'.
    #[rasn(tag(context, 0))]
    NotificationList(SequenceOf<Sgp32PendingNotification>),
    /// Tag '81'.
    #[rasn(tag(context, 1))]
    NotificationsListResultError(crate::asn1::es10b::UndefinedError),
    /// `EuiccPackageResultList`. Tag 'A2'.
    #[rasn(tag(context, 2))]
    EuiccPackageResultList(SequenceOf<EuiccPackageResult>),
}
