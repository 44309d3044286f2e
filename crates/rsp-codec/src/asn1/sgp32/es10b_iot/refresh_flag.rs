//! REFRESH-flag functions (§5.9.x) by one macro.

use super::*;

/// `X ::= [n] SEQUENCE { refreshFlag BOOLEAN }` (automatic tags: 80) and its response
/// `[n] SEQUENCE { result [0] INTEGER {...} }` (80).
macro_rules! refresh_command {
    (
        $(#[$rmeta:meta])* $request:ident,
        $(#[$smeta:meta])* $response:ident { $field:ident: $result:ident },
        tag $tag:literal
    ) => {
        $(#[$rmeta])*
        #[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
        #[rasn(tag(context, $tag))]
        pub struct $request {
            /// Whether the eUICC issues a REFRESH. Tag '80'.
            #[rasn(tag(context, 0))]
            pub refresh_flag: bool,
            /// Unknown extension additions.
            pub ext: Extensions,
        }

        $(#[$smeta])*
        #[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
        #[rasn(tag(context, $tag))]
        pub struct $response {
            /// Tag '80'.
            #[rasn(tag(context, 0))]
            pub $field: $result,
            /// Unknown extension additions.
            pub ext: Extensions,
        }
    };
}

refresh_command!(
    /// `ExecuteFallbackMechanismRequest ::= [93] SEQUENCE`. Tag 'BF5D' (SGP.32 §5.9.x).
    ExecuteFallbackMechanismRequest,
    /// `ExecuteFallbackMechanismResponse ::= [93] SEQUENCE`. Tag 'BF5D'.
    ExecuteFallbackMechanismResponse { execute_fallback_mechanism_result: ExecuteFallbackMechanismResult },
    tag 93
);

named_integer!(
    /// `executeFallbackMechanismResult [0] INTEGER`.
    ExecuteFallbackMechanismResult {
        OK = 0,
        PROFILE_NOT_IN_DISABLED_STATE = 2,
        CAT_BUSY = 5,
        FALLBACK_NOT_AVAILABLE = 6,
        COMMAND_ERROR = 7,
        ECALL_ACTIVE = 104,
        UNDEFINED_ERROR = 127,
    }
);

refresh_command!(
    /// `ReturnFromFallbackRequest ::= [94] SEQUENCE`. Tag 'BF5E' (SGP.32 §5.9.x).
    ReturnFromFallbackRequest,
    /// `ReturnFromFallbackResponse ::= [94] SEQUENCE`. Tag 'BF5E'.
    ReturnFromFallbackResponse { return_from_fallback_result: ReturnFromFallbackResult },
    tag 94
);

named_integer!(
    /// `returnFromFallbackResult [0] INTEGER`.
    ReturnFromFallbackResult {
        OK = 0,
        CAT_BUSY = 5,
        FALLBACK_NOT_AVAILABLE = 6,
        COMMAND_ERROR = 7,
        UNDEFINED_ERROR = 127,
    }
);

refresh_command!(
    /// `EnableEmergencyProfileRequest ::= [91] SEQUENCE`. Tag 'BF5B' (SGP.32 §5.9.x).
    EnableEmergencyProfileRequest,
    /// `EnableEmergencyProfileResponse ::= [91] SEQUENCE`. Tag 'BF5B'.
    EnableEmergencyProfileResponse { enable_emergency_profile_result: EnableEmergencyProfileResult },
    tag 91
);

named_integer!(
    /// `enableEmergencyProfileResult [0] INTEGER`.
    EnableEmergencyProfileResult {
        OK = 0,
        PROFILE_NOT_IN_DISABLED_STATE = 2,
        CAT_BUSY = 5,
        ECALL_NOT_AVAILABLE = 8,
        UNDEFINED_ERROR = 127,
    }
);

refresh_command!(
    /// `DisableEmergencyProfileRequest ::= [92] SEQUENCE`. Tag 'BF5C' (SGP.32 §5.9.x).
    DisableEmergencyProfileRequest,
    /// `DisableEmergencyProfileResponse ::= [92] SEQUENCE`. Tag 'BF5C'.
    DisableEmergencyProfileResponse { disable_emergency_profile_result: DisableEmergencyProfileResult },
    tag 92
);

named_integer!(
    /// `disableEmergencyProfileResult [0] INTEGER`.
    DisableEmergencyProfileResult {
        OK = 0,
        PROFILE_NOT_IN_ENABLED_STATE = 2,
        CAT_BUSY = 5,
        UNDEFINED_ERROR = 127,
    }
);
