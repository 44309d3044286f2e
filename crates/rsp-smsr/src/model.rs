//! The eUICC Information Set (EIS) the SM-SR keeps per eUICC (SGP.02 §5.1.1.2 "EIS", our
//! reading of its data model: the SGP.02 text is not available here), as the JSON document
//! ES4 GetEIS answers and the store keeps. Keys (SCP80 keysets, the SCP81 PSK) are not
//! part of it: they live in [`crate::keys`], sealed at rest, and never leave the SM-SR.

use rsp_codec::json::{Eid, Iccid};
use serde::{Deserialize, Serialize};

/// Life-cycle state of an ISD-P and its Profile as the SM-SR knows it (SGP.02 §2.2.1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ProfileState {
    /// ISD-P created, no Profile installed yet.
    Created,
    /// Installed, not enabled.
    Disabled,
    /// The Profile the device attaches with.
    Enabled,
}

impl ProfileState {
    /// The GlobalPlatform life-cycle byte the eUICC reports in an audit (SGP.02 §2.2.1.3,
    /// our reading): `07` SELECTABLE (created), `0F` PERSONALIZED, `1F` DISABLED, `3F`
    /// ENABLED. `None` for bytes that are no ISD-P state the SM-SR tracks.
    pub fn from_life_cycle(byte: u8) -> Option<Self> {
        match byte {
            0x03 | 0x07 => Some(Self::Created),
            0x0F | 0x1F => Some(Self::Disabled),
            0x3F => Some(Self::Enabled),
            _ => None,
        }
    }
}

/// POL2: the Operator's policy rules for one Profile, enforced by the SM-SR (SGP.02 §2.3.3,
/// §5.4.10 UpdatePolicyRules; our reading: one rule per action, each "not allowed" or, for
/// disabling, "delete once disabled").
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Pol2 {
    /// The Profile must not be disabled.
    pub disable_not_allowed: bool,
    /// The Profile must not be deleted.
    pub delete_not_allowed: bool,
    /// Once disabled, the Profile is deleted (auto-delete).
    pub auto_delete_on_disable: bool,
}

/// The subscription address of a Profile (SGP.02 EIS `subscriptionAddress`): where the
/// SM-SR sends SMS while this Profile is enabled.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionAddress {
    /// MSISDN, international digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msisdn: Option<String>,
    /// IMSI digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imsi: Option<String>,
}

/// One ISD-P and its Profile (SGP.02 EIS `ProfileInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileInfo {
    /// ICCID of the Profile.
    pub iccid: Iccid,
    /// AID of its ISD-P, hex.
    pub isd_p_aid: String,
    /// The Operator that owns the Profile (the only one allowed to manage it over ES4).
    pub mno_id: String,
    /// The SM-DP that prepared it, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smdp_id: Option<String>,
    /// State.
    pub state: ProfileState,
    /// Whether this is the fallback Profile (exactly one installed Profile carries it).
    #[serde(default)]
    pub fallback_attribute: bool,
    /// Where SMS go while it is enabled.
    #[serde(default)]
    pub subscription_address: SubscriptionAddress,
    /// The Operator's POL2.
    #[serde(default)]
    pub pol2: Pol2,
    /// Profile type (free text from the SM-DP).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_type: Option<String>,
    /// Memory allocated to the ISD-P, bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allocated_memory: Option<u32>,
}

/// What the eUICC supports on ES5 (SGP.02 EIS `eUICC-Capabilities`, our subset).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EuiccCapabilities {
    /// SCP80 over SMS.
    #[serde(default = "yes")]
    pub sms: bool,
    /// SCP81 over HTTPS (an admin agent with a PSK keyset).
    #[serde(default)]
    pub https: bool,
}

fn yes() -> bool {
    true
}

impl Default for EuiccCapabilities {
    fn default() -> Self {
        Self {
            sms: true,
            https: false,
        }
    }
}

/// The eUICC Information Set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Eis {
    /// The eUICC.
    pub eid: Eid,
    /// The EUM that registered it (ES1).
    pub eum_id: String,
    /// Production date (free text, as the EUM gave it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub production_date: Option<String>,
    /// Platform type and version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform_type: Option<String>,
    /// Platform version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform_version: Option<String>,
    /// Free memory, bytes (from the last audit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining_memory: Option<u32>,
    /// The SM-SR managing the eUICC.
    pub smsr_id: String,
    /// ECASD certificate (CERT.ECASD.ECKA), base64 DER.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecasd_certificate: Option<String>,
    /// ES5 capabilities.
    #[serde(default)]
    pub capabilities: EuiccCapabilities,
    /// The ISD-Ps and Profiles.
    #[serde(default)]
    pub profiles: Vec<ProfileInfo>,
    /// When the eUICC was last audited (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_audit_date: Option<String>,
}

impl Eis {
    /// The Profile with this ICCID.
    pub fn profile(&self, iccid: &Iccid) -> Option<&ProfileInfo> {
        self.profiles.iter().find(|p| &p.iccid == iccid)
    }

    /// The Profile with this ICCID, mutable.
    pub fn profile_mut(&mut self, iccid: &Iccid) -> Option<&mut ProfileInfo> {
        self.profiles.iter_mut().find(|p| &p.iccid == iccid)
    }

    /// The enabled Profile, if any.
    pub fn enabled(&self) -> Option<&ProfileInfo> {
        self.profiles
            .iter()
            .find(|p| p.state == ProfileState::Enabled)
    }

    /// The Profile with the fallback attribute, if any.
    pub fn fallback(&self) -> Option<&ProfileInfo> {
        self.profiles.iter().find(|p| p.fallback_attribute)
    }

    /// The MSISDN to reach the eUICC by SMS: the enabled Profile's.
    pub fn msisdn(&self) -> Option<&str> {
        self.enabled()?.subscription_address.msisdn.as_deref()
    }

    /// Checks the invariants every stored EIS keeps: at most one enabled Profile, at most
    /// one fallback Profile, ICCIDs and ISD-P AIDs unique.
    pub fn check(&self) -> Result<(), &'static str> {
        let count =
            |f: &dyn Fn(&ProfileInfo) -> bool| self.profiles.iter().filter(|p| f(p)).count();
        if count(&|p| p.state == ProfileState::Enabled) > 1 {
            return Err("more than one enabled Profile");
        }
        if count(&|p| p.fallback_attribute) > 1 {
            return Err("more than one Profile with the fallback attribute");
        }
        for (i, p) in self.profiles.iter().enumerate() {
            for q in &self.profiles[i + 1..] {
                if p.iccid == q.iccid {
                    return Err("duplicate ICCID");
                }
                if p.isd_p_aid.eq_ignore_ascii_case(&q.isd_p_aid) {
                    return Err("duplicate ISD-P AID");
                }
            }
            if hex::decode(&p.isd_p_aid).map_or(true, |a| !(5..=16).contains(&a.len())) {
                return Err("ISD-P AID is not 5 to 16 bytes of hex");
            }
        }
        Ok(())
    }
}
