//! GetRAT §5.7.22.

use super::*;

/// `GetRatRequest ::= [67] SEQUENCE {}`. Tag 'BF43'.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
#[rasn(tag(context, 67))]
pub struct GetRatRequest {
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `GetRatResponse ::= [67] SEQUENCE`. Tag 'BF43'.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
#[rasn(tag(context, 67))]
pub struct GetRatResponse {
    /// Tag 'A0'.
    #[rasn(tag(context, 0))]
    pub rat: RulesAuthorisationTable,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `RulesAuthorisationTable ::= SEQUENCE OF ProfilePolicyAuthorisationRule`.
pub type RulesAuthorisationTable = SequenceOf<ProfilePolicyAuthorisationRule>;

/// `ProfilePolicyAuthorisationRule ::= SEQUENCE` (automatic tags: 80, A1, 82).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct ProfilePolicyAuthorisationRule {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub ppr_ids: PprIds,
    /// Tag 'A1'.
    #[rasn(tag(context, 1))]
    pub allowed_operators: SequenceOf<OperatorId>,
    /// Tag '82'.
    #[rasn(tag(context, 2))]
    pub ppr_flags: PprFlags,
    /// Unknown extension additions.
    pub ext: Extensions,
}

named_bits!(
    /// `pprFlags BIT STRING {consentRequired(0)}`.
    PprFlags {
        CONSENT_REQUIRED = 0,
    }
);
