//! ES10c (LPA ↔ eUICC ISD-R): local profile management (SGP.22 §5.7.15–§5.7.21) and the
//! LPAe items of the ISD-R.

use rasn::prelude::*;

use super::common::{Iccid, Octet1, Octet16, OctetTo16, ProfileClass, ProfileInfo, VersionType};
use super::ext::Extensions;
use super::macros::{named_bits, named_integer};

// -------------------------------------------------------------- GetProfilesInfo §5.7.15

/// `ProfileInfoListRequest ::= [45] SEQUENCE`. Tag 'BF2D'.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
#[rasn(tag(context, 45))]
pub struct ProfileInfoListRequest {
    /// `[0] CHOICE` (explicit). Tag 'A0'.
    #[rasn(tag(explicit(context, 0)))]
    pub search_criteria: Option<ProfileSearchCriteria>,
    /// Tags of the wanted `ProfileInfo` fields. Tag '5C'.
    #[rasn(tag(application, 28))]
    pub tag_list: Option<OctetString>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `searchCriteria` of `ProfileInfoListRequest` (4F / 5A / 95).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
pub enum ProfileSearchCriteria {
    /// Tag '4F'.
    #[rasn(tag(application, 15))]
    IsdpAid(OctetTo16),
    /// Tag '5A'.
    Iccid(Iccid),
    /// Tag '95'.
    #[rasn(tag(context, 21))]
    ProfileClass(ProfileClass),
}

/// `ProfileInfoListResponse ::= [45] CHOICE`. Tag 'BF2D' (explicit) then A0 / 81.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice, tag(explicit(context, 45)))]
pub enum ProfileInfoListResponse {
    /// Tag 'A0'.
    #[rasn(tag(context, 0))]
    ProfileInfoListOk(SequenceOf<ProfileInfo>),
    /// Tag '81'.
    #[rasn(tag(context, 1))]
    ProfileInfoListError(ProfileInfoListError),
}

named_integer!(
    /// `ProfileInfoListError ::= INTEGER {incorrectInputValues(1), undefinedError(127)}`.
    ProfileInfoListError {
        INCORRECT_INPUT_VALUES = 1,
        UNDEFINED_ERROR = 127,
    }
);

// ------------------------------------------------------ Enable/Disable §5.7.16, §5.7.17

/// `profileIdentifier CHOICE { isdpAid, iccid }` (4F / 5A), also `DeleteProfileRequest`'s
/// alternatives.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
pub enum ProfileIdentifier {
    /// Tag '4F'.
    #[rasn(tag(application, 15))]
    IsdpAid(OctetTo16),
    /// Tag '5A'.
    Iccid(Iccid),
}

/// `EnableProfileRequest ::= [49] SEQUENCE`. Tag 'BF31' (automatic tags: A0, 81).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 49))]
pub struct EnableProfileRequest {
    /// Tag 'A0' (explicit).
    #[rasn(tag(explicit(context, 0)))]
    pub profile_identifier: ProfileIdentifier,
    /// REFRESH required. Tag '81'.
    #[rasn(tag(context, 1))]
    pub refresh_flag: bool,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `EnableProfileResponse ::= [49] SEQUENCE`. Tag 'BF31'.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 49))]
pub struct EnableProfileResponse {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub enable_result: EnableResult,
    /// Unknown extension additions.
    pub ext: Extensions,
}

named_integer!(
    /// `enableResult INTEGER` of `EnableProfileResponse`.
    EnableResult {
        OK = 0,
        ICCID_OR_AID_NOT_FOUND = 1,
        PROFILE_NOT_IN_DISABLED_STATE = 2,
        DISALLOWED_BY_POLICY = 3,
        WRONG_PROFILE_REENABLING = 4,
        CAT_BUSY = 5,
        UNDEFINED_ERROR = 127,
    }
);

/// `DisableProfileRequest ::= [50] SEQUENCE`. Tag 'BF32' (automatic tags: A0, 81).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 50))]
pub struct DisableProfileRequest {
    /// Tag 'A0' (explicit).
    #[rasn(tag(explicit(context, 0)))]
    pub profile_identifier: ProfileIdentifier,
    /// REFRESH required. Tag '81'.
    #[rasn(tag(context, 1))]
    pub refresh_flag: bool,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `DisableProfileResponse ::= [50] SEQUENCE`. Tag 'BF32'.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 50))]
pub struct DisableProfileResponse {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub disable_result: DisableResult,
    /// Unknown extension additions.
    pub ext: Extensions,
}

named_integer!(
    /// `disableResult INTEGER` of `DisableProfileResponse`.
    DisableResult {
        OK = 0,
        ICCID_OR_AID_NOT_FOUND = 1,
        PROFILE_NOT_IN_ENABLED_STATE = 2,
        DISALLOWED_BY_POLICY = 3,
        CAT_BUSY = 5,
        UNDEFINED_ERROR = 127,
    }
);

// --------------------------------------------------------------- DeleteProfile §5.7.18

/// `DeleteProfileRequest ::= [51] CHOICE`. Tag 'BF33' (explicit) then 4F / 5A.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice, tag(explicit(context, 51)))]
pub enum DeleteProfileRequest {
    /// Tag '4F'.
    #[rasn(tag(application, 15))]
    IsdpAid(OctetTo16),
    /// Tag '5A'.
    Iccid(Iccid),
}

/// `DeleteProfileResponse ::= [51] SEQUENCE`. Tag 'BF33'.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 51))]
pub struct DeleteProfileResponse {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub delete_result: DeleteResult,
    /// Unknown extension additions.
    pub ext: Extensions,
}

named_integer!(
    /// `deleteResult INTEGER` of `DeleteProfileResponse`.
    DeleteResult {
        OK = 0,
        ICCID_OR_AID_NOT_FOUND = 1,
        PROFILE_NOT_IN_DISABLED_STATE = 2,
        DISALLOWED_BY_POLICY = 3,
        UNDEFINED_ERROR = 127,
    }
);

// ------------------------------------------------------------ eUICCMemoryReset §5.7.19

/// `EuiccMemoryResetRequest ::= [52] SEQUENCE`. Tag 'BF34'.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 52))]
pub struct EuiccMemoryResetRequest {
    /// Tag '82'.
    #[rasn(tag(context, 2))]
    pub reset_options: ResetOptions,
    /// Unknown extension additions.
    pub ext: Extensions,
}

named_bits!(
    /// `resetOptions [2] BIT STRING` of `EuiccMemoryResetRequest`.
    ResetOptions {
        DELETE_OPERATIONAL_PROFILES = 0,
        DELETE_FIELD_LOADED_TEST_PROFILES = 1,
        RESET_DEFAULT_SMDP_ADDRESS = 2,
    }
);

/// `EuiccMemoryResetResponse ::= [52] SEQUENCE`. Tag 'BF34'.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 52))]
pub struct EuiccMemoryResetResponse {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub reset_result: ResetResult,
    /// Unknown extension additions.
    pub ext: Extensions,
}

named_integer!(
    /// `resetResult INTEGER` of `EuiccMemoryResetResponse`.
    ResetResult {
        OK = 0,
        NOTHING_TO_DELETE = 1,
        CAT_BUSY = 5,
        UNDEFINED_ERROR = 127,
    }
);

// ---------------------------------------------------------------------- GetEID §5.7.20

/// `GetEuiccDataRequest ::= [62] SEQUENCE`. Tag 'BF3E'.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 62))]
pub struct GetEuiccDataRequest {
    /// Tag '5C', value '5A'.
    #[rasn(tag(application, 28))]
    pub tag_list: Octet1,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `GetEuiccDataResponse ::= [62] SEQUENCE`. Tag 'BF3E'.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 62))]
pub struct GetEuiccDataResponse {
    /// The EID. Tag '5A'.
    #[rasn(tag(application, 26))]
    pub eid_value: Octet16,
    /// Unknown extension additions.
    pub ext: Extensions,
}

// ----------------------------------------------------------------- SetNickname §5.7.21

/// `SetNicknameRequest ::= [41] SEQUENCE`. Tag 'BF29'.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 41))]
pub struct SetNicknameRequest {
    /// Tag '5A'.
    pub iccid: Iccid,
    /// Tag '90'.
    #[rasn(tag(context, 16))]
    pub profile_nickname: Utf8String,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `SetNicknameResponse ::= [41] SEQUENCE`. Tag 'BF29'.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 41))]
pub struct SetNicknameResponse {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub set_nickname_result: SetNicknameResult,
    /// Unknown extension additions.
    pub ext: Extensions,
}

named_integer!(
    /// `setNicknameResult INTEGER` of `SetNicknameResponse`.
    SetNicknameResult {
        OK = 0,
        ICCID_NOT_FOUND = 1,
        UNDEFINED_ERROR = 127,
    }
);

// ------------------------------------------------------------------------------ LPAe

/// `ISDRProprietaryApplicationTemplate ::= [PRIVATE 0] SEQUENCE`. Tag 'E0' (in the
/// SELECT response of the ISD-R).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(private, 0))]
pub struct ISDRProprietaryApplicationTemplate {
    /// Tag '82'.
    #[rasn(tag(context, 2))]
    pub svn: VersionType,
    /// Tag '03'.
    pub lpae_support: Option<LpaeSupport>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

named_bits!(
    /// `lpaeSupport BIT STRING` of `ISDRProprietaryApplicationTemplate`.
    LpaeSupport {
        LPAE_USING_CAT = 0,
        LPAE_USING_SCWS = 1,
    }
);

/// `LpaeActivationRequest ::= [66] SEQUENCE`. Tag 'BF42'.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 66))]
pub struct LpaeActivationRequest {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub lpae_option: LpaeOption,
    /// Unknown extension additions.
    pub ext: Extensions,
}

named_bits!(
    /// `lpaeOption BIT STRING` of `LpaeActivationRequest`.
    LpaeOption {
        ACTIVATE_CAT_BASED_LPAE = 0,
        ACTIVATE_SCWS_BASED_LPAE = 1,
    }
);

/// `LpaeActivationResponse ::= [66] SEQUENCE`. Tag 'BF42'.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 66))]
pub struct LpaeActivationResponse {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub lpae_activation_result: LpaeActivationResult,
    /// Unknown extension additions.
    pub ext: Extensions,
}

named_integer!(
    /// `lpaeActivationResult INTEGER {ok(0), notSupported(1)}`.
    LpaeActivationResult {
        OK = 0,
        NOT_SUPPORTED = 1,
    }
);
