//! SGP32-StoreMetadataRequest.

use super::*;

fn default_profile_class() -> ProfileClass {
    ProfileClass::OPERATIONAL
}

/// `SGP32-StoreMetadataRequest ::= [37] SEQUENCE`. Tag 'BF25': SGP.22's plus
/// `ecallIndication` '9F7B' and `fallbackAllowed` '9F67' (SGP.32 §5.14.2 profileMetaData).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 37))]
pub struct Sgp32StoreMetadataRequest {
    /// Tag '5A'.
    pub iccid: Iccid,
    /// Tag '91'.
    #[rasn(tag(context, 17))]
    pub service_provider_name: Utf8String,
    /// Tag '92'.
    #[rasn(tag(context, 18))]
    pub profile_name: Utf8String,
    /// Tag '93'.
    #[rasn(tag(context, 19))]
    pub icon_type: Option<IconType>,
    /// Tag '94'.
    #[rasn(tag(context, 20))]
    pub icon: Option<OctetString>,
    /// Tag '95', `DEFAULT operational`.
    #[rasn(tag(context, 21), default = "default_profile_class")]
    pub profile_class: ProfileClass,
    /// Tag 'B6'.
    #[rasn(tag(context, 22))]
    pub notification_configuration_info: Option<SequenceOf<NotificationConfigurationInformation>>,
    /// Tag 'B7'.
    #[rasn(tag(context, 23))]
    pub profile_owner: Option<OperatorId>,
    /// Tag '99'.
    #[rasn(tag(context, 25))]
    pub profile_policy_rules: Option<PprIds>,
    /// Tag 'BF22'.
    #[rasn(tag(context, 34))]
    pub service_specific_data_stored_in_euicc: Option<VendorSpecificExtension>,
    /// Tag 'BF23'.
    #[rasn(tag(context, 35))]
    pub service_specific_data_not_stored_in_euicc: Option<VendorSpecificExtension>,
    /// Tag '9F7B'.
    #[rasn(tag(context, 123))]
    pub ecall_indication: Option<bool>,
    /// Tag '9F67'.
    #[rasn(tag(context, 103))]
    pub fallback_allowed: Option<bool>,
    /// Unknown extension additions.
    pub ext: Extensions,
}
