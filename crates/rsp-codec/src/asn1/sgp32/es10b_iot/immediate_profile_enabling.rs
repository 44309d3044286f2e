//! ConfigureImmediateProfileEnabling §5.9.x.

use super::*;

/// `ConfigureImmediateProfileEnablingRequest ::= [89] SEQUENCE`. Tag 'BF59' (80, 81, 82).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
#[rasn(tag(context, 89))]
pub struct ConfigureImmediateProfileEnablingRequest {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub immediate_enable_flag: Option<()>,
    /// Tag '81'.
    #[rasn(tag(context, 1))]
    pub default_smdp_oid: Option<ObjectIdentifier>,
    /// Tag '82'.
    #[rasn(tag(context, 2))]
    pub default_smdp_address: Option<Utf8String>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `ConfigureImmediateProfileEnablingResponse ::= [89] SEQUENCE`. Tag 'BF59' (80).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 89))]
pub struct ConfigureImmediateProfileEnablingResponse {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub config_immediate_enable_result: ConfigImmediateEnableResult,
    /// Unknown extension additions.
    pub ext: Extensions,
}

named_integer!(
    /// `configImmediateEnableResult [0] INTEGER`.
    ConfigImmediateEnableResult {
        OK = 0,
        INSUFFICIENT_MEMORY = 1,
        ASSOCIATED_EIM_ALREADY_EXISTS = 2,
        UNDEFINED_ERROR = 127,
    }
);
