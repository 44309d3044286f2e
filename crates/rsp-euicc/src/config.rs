//! Configuration of a virtual eUICC: capacity limits, fixed addresses, Rules
//! Authorisation Table.

use rsp_codec::asn1::RulesAuthorisationTable;

/// Limits and fixed values of one virtual eUICC.
#[derive(Clone, Debug)]
pub struct EuiccConfig {
    /// Most profiles installed at once; one more fails with
    /// `installFailedDueToInsufficientMemoryForProfile` (SGP.22 §5.7.6).
    pub max_profiles: usize,
    /// Most bytes of profile packages stored in total (the "non-volatile memory").
    pub max_profile_bytes: usize,
    /// Root SM-DS address returned by GetEuiccConfiguredAddresses (SGP.22 §5.7.3).
    pub root_ds_address: String,
    /// Default SM-DP+ address of a fresh eUICC (SGP.22 §5.7.3).
    pub default_dp_address: Option<String>,
    /// Largest ES10 request accepted over STORE DATA chaining, in bytes.
    pub max_command_bytes: usize,
    /// Rules Authorisation Table (SGP.22 §2.9.2): which operators may set which Profile
    /// Policy Rules. Empty by default: a profile carrying a PPR is refused.
    pub rat: RulesAuthorisationTable,
}

impl Default for EuiccConfig {
    fn default() -> Self {
        EuiccConfig {
            max_profiles: 8,
            max_profile_bytes: 2 * 1024 * 1024,
            root_ds_address: "lpa.ds.gsma.com".into(),
            default_dp_address: None,
            max_command_bytes: 4 * 1024 * 1024,
            rat: Vec::new(),
        }
    }
}
