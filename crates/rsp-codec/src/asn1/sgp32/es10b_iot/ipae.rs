//! IPAe.

use super::*;

named_bits!(
    /// `euiccConfiguration BIT STRING` of `ISDRProprietaryApplicationTemplateIoT`.
    EuiccConfigurationIot {
        IPAE_SUPPORTED = 0,
        ENABLED_PROFILE = 1,
    }
);

/// `ISDRProprietaryApplicationTemplateIoT ::= [PRIVATE 1] SEQUENCE`. Tag 'E1' (automatic
/// tags: 80) (SGP.32 §5.9.x, ISD-R SELECT response).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
#[rasn(tag(private, 1))]
pub struct IsdrProprietaryApplicationTemplateIot {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub euicc_configuration: EuiccConfigurationIot,
    /// Unknown extension additions.
    pub ext: Extensions,
}

named_bits!(
    /// `ipaeOption BIT STRING` of `IpaeActivationRequest`.
    IpaeOption {
        ACTIVATE_IPAE = 0,
    }
);

/// `IpaeActivationRequest ::= [66] SEQUENCE`. Tag 'BF42' (automatic tags: 80).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
#[rasn(tag(context, 66))]
pub struct IpaeActivationRequest {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub ipae_option: IpaeOption,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `IpaeActivationResponse ::= [66] SEQUENCE`. Tag 'BF42' (automatic tags: 80).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 66))]
pub struct IpaeActivationResponse {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub ipae_activation_result: IpaeActivationResult,
    /// Unknown extension additions.
    pub ext: Extensions,
}

named_integer!(
    /// `ipaeActivationResult INTEGER`.
    IpaeActivationResult {
        OK = 0,
        NOT_SUPPORTED = 1,
    }
);
