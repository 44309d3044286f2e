//! listProfileInfo result.

use super::*;

/// `SGP32-ProfileInfoListResponse ::= [45] CHOICE`. Tag 'BF2D' (explicit) then A0 / 81
/// (SGP.32 §5.9.1, the result of the `listProfileInfo` PSMO).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice, tag(explicit(context, 45)))]
pub enum Sgp32ProfileInfoListResponse {
    /// Tag 'A0'.
    #[rasn(tag(context, 0))]
    ProfileInfoListOk(SequenceOf<Sgp32ProfileInfo>),
    /// Tag '81'.
    #[rasn(tag(context, 1))]
    ProfileInfoListError(Sgp32ProfileInfoListError),
}

named_integer!(
    /// `SGP32-ProfileInfoListError ::= INTEGER`.
    Sgp32ProfileInfoListError {
        INCORRECT_INPUT_VALUES = 1,
        PROFILE_CHANGE_ONGOING = 11,
        UNDEFINED_ERROR = 127,
    }
);

fn default_false() -> bool {
    false
}

/// `SGP32-ProfileInfo ::= [PRIVATE 3] SEQUENCE`. Tag 'E3': SGP.22's `ProfileInfo` plus
/// `ecallIndication` '9F7B', `fallbackAttribute` '9F26', `fallbackAllowed` '9F67'
/// (SGP.32 §5.9.1 / §5.10).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
#[rasn(tag(private, 3))]
pub struct Sgp32ProfileInfo {
    /// Tag '5A'.
    pub iccid: Option<Iccid>,
    /// Tag '4F'.
    #[rasn(tag(application, 15))]
    pub isdp_aid: Option<OctetTo16>,
    /// Tag '9F70'.
    #[rasn(tag(context, 112))]
    pub profile_state: Option<ProfileState>,
    /// Tag '90'.
    #[rasn(tag(context, 16))]
    pub profile_nickname: Option<Utf8String>,
    /// Tag '91'.
    #[rasn(tag(context, 17))]
    pub service_provider_name: Option<Utf8String>,
    /// Tag '92'.
    #[rasn(tag(context, 18))]
    pub profile_name: Option<Utf8String>,
    /// Tag '93'.
    #[rasn(tag(context, 19))]
    pub icon_type: Option<IconType>,
    /// Tag '94'.
    #[rasn(tag(context, 20))]
    pub icon: Option<OctetString>,
    /// Tag '95'.
    #[rasn(tag(context, 21))]
    pub profile_class: Option<ProfileClass>,
    /// Tag 'B6'.
    #[rasn(tag(context, 22))]
    pub notification_configuration_info: Option<SequenceOf<NotificationConfigurationInformation>>,
    /// Tag 'B7'.
    #[rasn(tag(context, 23))]
    pub profile_owner: Option<OperatorId>,
    /// Tag 'B8'.
    #[rasn(tag(context, 24))]
    pub dp_proprietary_data: Option<DpProprietaryData>,
    /// Tag '99'.
    #[rasn(tag(context, 25))]
    pub profile_policy_rules: Option<PprIds>,
    /// Tag 'BF22'.
    #[rasn(tag(context, 34))]
    pub service_specific_data_stored_in_euicc: Option<VendorSpecificExtension>,
    /// Tag '9F7B'.
    #[rasn(tag(context, 123))]
    pub ecall_indication: Option<bool>,
    /// `DEFAULT FALSE`: omitted from the encoding when false. Tag '9F26'.
    #[rasn(tag(context, 38), default = "default_false")]
    pub fallback_attribute: bool,
    /// Tag '9F67'.
    #[rasn(tag(context, 103))]
    pub fallback_allowed: Option<bool>,
    /// Unknown extension additions.
    pub ext: Extensions,
}
