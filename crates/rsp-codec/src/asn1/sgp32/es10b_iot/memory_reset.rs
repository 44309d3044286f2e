//! eUICC memory reset.

use super::*;

named_bits!(
    /// `resetOptions [2] BIT STRING` of `SGP32-EuiccMemoryResetRequest`.
    Sgp32ResetOptions {
        DELETE_OPERATIONAL_PROFILES = 0,
        DELETE_FIELD_LOADED_TEST_PROFILES = 1,
        RESET_DEFAULT_SMDP_ADDRESS = 2,
        DELETE_PRE_LOADED_TEST_PROFILES = 3,
        DELETE_PROVISIONING_PROFILES = 4,
        RESET_EIM_CONFIG_DATA = 5,
        RESET_IMMEDIATE_ENABLE_CONFIG = 6,
    }
);

/// `SGP32-EuiccMemoryResetRequest ::= [100] SEQUENCE`. Tag 'BF64' (82) (SGP.32 §5.9.x).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
#[rasn(tag(context, 100))]
pub struct Sgp32EuiccMemoryResetRequest {
    /// Tag '82'.
    #[rasn(tag(context, 2))]
    pub reset_options: Sgp32ResetOptions,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `SGP32-EuiccMemoryResetResponse ::= [100] SEQUENCE`. Tag 'BF64' (automatic tags:
/// 80, 81, 82).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 100))]
pub struct Sgp32EuiccMemoryResetResponse {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub reset_result: ResetResult,
    /// Tag '81'.
    #[rasn(tag(context, 1))]
    pub reset_eim_result: Option<ResetEimResult>,
    /// Tag '82'.
    #[rasn(tag(context, 2))]
    pub reset_immediate_enable_config_result: Option<ResetImmediateEnableConfigResult>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

named_integer!(
    /// `resetResult INTEGER`.
    ResetResult {
        OK = 0,
        NOTHING_TO_DELETE = 1,
        CAT_BUSY = 5,
        ECALL_ACTIVE = 104,
        UNDEFINED_ERROR = 127,
    }
);

named_integer!(
    /// `resetEimResult INTEGER`.
    ResetEimResult {
        OK = 0,
        NOTHING_TO_DELETE = 1,
        EIM_RESET_NOT_SUPPORTED = 2,
        UNDEFINED_ERROR = 127,
    }
);

named_integer!(
    /// `resetImmediateEnableConfigResult INTEGER`.
    ResetImmediateEnableConfigResult {
        OK = 0,
        RESET_IEC_NOT_SUPPORTED = 1,
        UNDEFINED_ERROR = 127,
    }
);
