//! GetEUICCChallenge §5.7.7.

use super::*;

/// `GetEuiccChallengeRequest ::= [46] SEQUENCE {}`. Tag 'BF2E'.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
#[rasn(tag(context, 46))]
pub struct GetEuiccChallengeRequest {
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `GetEuiccChallengeResponse ::= [46] SEQUENCE`. Tag 'BF2E'.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 46))]
pub struct GetEuiccChallengeResponse {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub euicc_challenge: Octet16,
    /// Unknown extension additions.
    pub ext: Extensions,
}
