//! GetEimPackage §5.14.6.

use super::*;

named_integer!(
    /// `StateChangeCause ::= INTEGER` (SGP.32 §5.14.6).
    StateChangeCause {
        OTHER_EIM = 0,
        FALLBACK = 1,
        EMERGENCY_PROFILE = 2,
        LOCAL = 3,
        RESET = 4,
        IMMEDIATE_ENABLE_PROFILE = 5,
        DEVICE_CHANGE = 6,
        UNDEFINED = 127,
    }
);

/// `GetEimPackageRequest ::= [79] SEQUENCE`. Tag 'BF4F' (5A, 80, 81, 82) (SGP.32 §5.14.6).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 79))]
pub struct GetEimPackageRequest {
    /// EID. Tag '5A'.
    #[rasn(tag(application, 26))]
    pub eid_value: Octet16,
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub notify_state_change: Option<()>,
    /// Tag '81'.
    #[rasn(tag(context, 1))]
    pub state_change_cause: Option<StateChangeCause>,
    /// MCC/MNC of the last registered PLMN (TS 24.008). Tag '82'.
    #[rasn(tag(context, 2))]
    pub r_plmn: Option<Octet3>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `GetEimPackageResponse ::= [79] CHOICE`. Tag 'BF4F' (explicit) then BF51 / BF52 / BF54
/// / 02 (SGP.32 §5.14.6).
#[allow(clippy::large_enum_variant)]
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice, tag(explicit(context, 79)))]
pub enum GetEimPackageResponse {
    /// Tag 'BF51'.
    #[rasn(tag(context, 81))]
    EuiccPackageRequest(EuiccPackageRequest),
    /// Tag 'BF52'.
    #[rasn(tag(context, 82))]
    IpaEuiccDataRequest(IpaEuiccDataRequest),
    /// Tag 'BF54'.
    #[rasn(tag(context, 84))]
    ProfileDownloadTriggerRequest(ProfileDownloadTriggerRequest),
    /// Tag '02'.
    EimPackageError(EimPackageError),
}

named_integer!(
    /// `eimPackageError INTEGER` of `GetEimPackageResponse`.
    EimPackageError {
        NO_EIM_PACKAGE_AVAILABLE = 1,
        EID_NOT_FOUND = 2,
        INVALID_EID = 3,
        MISSING_EID = 4,
        UNDEFINED_ERROR = 127,
    }
);
