//! Configuration of a virtual eUICC: capacity limits, fixed addresses, Rules
//! Authorisation Table.

use rsp_codec::asn1::RulesAuthorisationTable;

/// Limits and fixed values of one virtual eUICC.
#[derive(Clone, Debug)]
pub struct EuiccConfig {
    /// Most profiles installed at once; one more fails with
    /// `installFailedDueToInsufficientMemoryForProfile` (SGP.22 §5.7.6).
    pub max_profiles: usize,
    /// Non-volatile memory for profiles, in bytes. An installed profile takes its package
    /// bytes plus [`EuiccConfig::isdp_overhead_bytes`]; EUICCInfo2 reports what is left
    /// (`extCardResource` tag `82`, SGP.22 §4.3), and an installation that does not fit
    /// fails with `installFailedDueToInsufficientMemoryForProfile` (SGP.22 §5.7.6).
    pub max_profile_bytes: usize,
    /// Memory an installed profile takes beyond its package bytes: the ISD-P and the file
    /// system and applet structures built from the profile elements. Card-specific, so an
    /// SM-DP+ comparing the free memory with the package size (SGP.22 §3.1.3.1
    /// eligibility check) cannot know it: a profile may pass that check and still not fit.
    pub isdp_overhead_bytes: usize,
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
            isdp_overhead_bytes: 4 * 1024,
            root_ds_address: "lpa.ds.gsma.com".into(),
            default_dp_address: None,
            max_command_bytes: 4 * 1024 * 1024,
            rat: Vec::new(),
        }
    }
}

impl EuiccConfig {
    /// Free non-volatile memory with the profiles of `state` installed.
    pub fn free_memory(&self, state: &crate::EuiccState) -> usize {
        self.max_profile_bytes
            .saturating_sub(state.used_memory(self.isdp_overhead_bytes))
    }
}
