//! HandleNotification §5.14.4.

use super::*;

/// `HandleNotificationEsipa ::= [61] CHOICE`. Tag 'BF3D' (explicit) then A0 { … } / BF50
/// (SGP.32 §5.14.4).
#[allow(clippy::large_enum_variant)]
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice, tag(explicit(context, 61)))]
pub enum HandleNotificationEsipa {
    /// `[0]` explicit over the untagged CHOICE. Tag 'A0'.
    #[rasn(tag(explicit(context, 0)))]
    PendingNotification(Sgp32PendingNotification),
    /// Tag 'BF50'.
    #[rasn(tag(context, 80))]
    ProvideEimPackageResult(ProvideEimPackageResult),
}
