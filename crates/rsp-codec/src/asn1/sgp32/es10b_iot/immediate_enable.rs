//! immediate enable / rollback.

use super::*;

/// `ImmediateEnableRequest ::= [90] SEQUENCE`. Tag 'BF5A' (SGP.32 §5.9.x).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
#[rasn(tag(context, 90))]
pub struct ImmediateEnableRequest {
    /// Automatic tags. Tag '80'.
    #[rasn(tag(context, 0))]
    pub refresh_flag: bool,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `ImmediateEnableResponse ::= [90] SEQUENCE`. Tag 'BF5A'.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 90))]
pub struct ImmediateEnableResponse {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub immediate_enable_result: ImmediateEnableResult,
    /// Unknown extension additions.
    pub ext: Extensions,
}

named_integer!(
    /// `immediateEnableResult [0] INTEGER`.
    ImmediateEnableResult {
        OK = 0,
        IMMEDIATE_ENABLE_NOT_AVAILABLE = 1,
        NO_SESSION_CONTEXT = 4,
        CAT_BUSY = 5,
        UNDEFINED_ERROR = 127,
    }
);

/// `ProfileRollbackRequest ::= [88] SEQUENCE`. Tag 'BF58' (SGP.32 §5.9.x).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
#[rasn(tag(context, 88))]
pub struct ProfileRollbackRequest {
    /// Automatic tags. Tag '80'.
    #[rasn(tag(context, 0))]
    pub refresh_flag: bool,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `ProfileRollbackResponse ::= [88] SEQUENCE`. Tag 'BF58' (02, BF51): the SEQUENCE has
/// a tagged component, so `cmdResult` stays a universal INTEGER.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 88))]
pub struct ProfileRollbackResponse {
    /// Tag '02'.
    pub cmd_result: ProfileRollbackResult,
    /// `[81]` implicit over the `[81]`-tagged CHOICE. Tag 'BF51'.
    pub euicc_package_result: Option<EuiccPackageResult>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

named_integer!(
    /// `cmdResult INTEGER` of `ProfileRollbackResponse`.
    ProfileRollbackResult {
        OK = 0,
        ROLLBACK_NOT_ALLOWED = 1,
        CAT_BUSY = 5,
        COMMAND_ERROR = 7,
        UNDEFINED_ERROR = 127,
    }
);
