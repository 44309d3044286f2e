//! Profile Policy Rules (SGP.22 v2.5 §2.9.1, `PprIds` §2.4a / §5.4.1): what a Profile's
//! owner forbids the end user to do with it once installed, and what the SM-DP+ checks
//! before sending such a Profile (§3.1.3.1 eligibility check).
//!
//! The SM-DP+ sees neither the Rules Authorisation Table (RAT, §2.9.2: read by the LPA with
//! ES10b.GetRAT, enforced by the LPA and the eUICC together with End User consent) nor the
//! Profiles already installed. What it can check from `euiccInfo2` and its own record:
//! - a PPR the eUICC lists in `forbiddenProfilePolicyRules` (tag 99) is not sent to it;
//!   the eUICC sets ppr1 there once it holds an Operational Profile, since PPR1 may only be
//!   set on the first one (§2.9.1; recalled, see the module test names);
//! - a Test Profile carries no PPR (§2.9.1; refused at import, and again here).

use rsp_codec::asn1::{EUICCInfo2, PprIds};
use rsp_codec::status::RspError;

use crate::profile::{ProfileClass, ProfileMetadata};

/// The `PprIds` of a Profile: bit `n` set = `PprIds` bit `n` (0 pprUpdateControl, 1 ppr1,
/// 2 ppr2); stored as that number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct ProfilePolicyRules(u8);

/// A PPR name or stored value this SM-DP+ does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown Profile Policy Rule {0:?} (expected pprUpdateControl, ppr1 or ppr2)")]
pub struct UnknownPpr(pub String);

impl ProfilePolicyRules {
    /// `pprUpdateControl(0)`: the PPRs may be updated (ES6.UpdateMetadata) only by the owner.
    pub const PPR_UPDATE_CONTROL: Self = Self(1 << PprIds::PPR_UPDATE_CONTROL);
    /// `ppr1(1)`: disabling of this Profile is not allowed.
    pub const PPR1: Self = Self(1 << PprIds::PPR1);
    /// `ppr2(2)`: deletion of this Profile is not allowed.
    pub const PPR2: Self = Self(1 << PprIds::PPR2);
    /// No rule.
    pub const NONE: Self = Self(0);
    /// The names, by bit.
    const NAMES: [&'static str; 3] = ["pprUpdateControl", "ppr1", "ppr2"];

    /// From the stored number.
    pub fn from_value(value: i64) -> Option<Self> {
        u8::try_from(value).ok().filter(|v| *v < 8).map(Self)
    }

    /// The stored number.
    pub const fn value(self) -> i64 {
        self.0 as i64
    }

    /// No rule set.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Both sets.
    #[must_use]
    pub const fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// Whether every rule of `other` is set here.
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// From the names (`pprUpdateControl`, `ppr1`, `ppr2`), as the admin API takes them.
    pub fn from_names<S: AsRef<str>>(names: &[S]) -> Result<Self, UnknownPpr> {
        names.iter().try_fold(Self::NONE, |acc, name| {
            let name = name.as_ref();
            let bit = Self::NAMES
                .iter()
                .position(|n| *n == name)
                .ok_or_else(|| UnknownPpr(name.to_owned()))?;
            Ok(Self(acc.0 | (1 << bit)))
        })
    }

    /// The names of the rules set, by bit.
    pub fn names(self) -> Vec<&'static str> {
        (0..Self::NAMES.len())
            .filter(|bit| self.0 & (1 << bit) != 0)
            .map(|bit| Self::NAMES[bit])
            .collect()
    }

    /// The ASN.1 value for `profilePolicyRules` of StoreMetadata (SGP.22 §5.5.3); `None`
    /// when no rule is set (the field is absent then).
    pub fn to_asn1(self) -> Option<PprIds> {
        (!self.is_empty()).then(|| {
            let bits: Vec<usize> = (0..Self::NAMES.len())
                .filter(|bit| self.0 & (1 << bit) != 0)
                .collect();
            PprIds::from_bits(&bits)
        })
    }

    /// From a received `PprIds` (bits beyond ppr2 are not rules this SM-DP+ knows and are
    /// ignored).
    pub fn from_asn1(ids: &PprIds) -> Self {
        let bits = (0..Self::NAMES.len()).filter(|bit| ids.is_set(*bit));
        Self(bits.fold(0, |acc, bit| acc | (1 << bit)))
    }
}

/// Refuses Profile Policy Rules on a Test Profile (SGP.22 §2.9.1): for the import paths.
pub fn validate(metadata: &ProfileMetadata) -> Result<(), &'static str> {
    if metadata.profile_class == ProfileClass::Test && !metadata.profile_policy_rules.is_empty() {
        return Err("a Test Profile cannot carry Profile Policy Rules");
    }
    Ok(())
}

/// The PPR part of the eligibility check (SGP.22 §3.1.3.1, §2.9): 8.2.5/4.3 when the
/// Profile carries a rule the eUICC forbids (`forbiddenProfilePolicyRules`), or is a Test
/// Profile with rules. The pprUpdateControl bit alone is not a rule the eUICC enforces on
/// the end user, but it is compared all the same: the eUICC named it.
pub fn check_eligible(info2: &EUICCInfo2, metadata: &ProfileMetadata) -> Result<(), RspError> {
    let rules = metadata.profile_policy_rules;
    if rules.is_empty() {
        return Ok(());
    }
    if validate(metadata).is_err() {
        return Err(RspError::NoEligibleProfile);
    }
    let forbidden = info2
        .forbidden_profile_policy_rules
        .as_ref()
        .map_or(ProfilePolicyRules::NONE, ProfilePolicyRules::from_asn1);
    if forbidden.0 & rules.0 != 0 {
        return Err(RspError::NoEligibleProfile);
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn names_bits_and_asn1_round_trip() {
        let r = ProfilePolicyRules::from_names(&["ppr2", "ppr1"]).unwrap();
        assert_eq!(r, ProfilePolicyRules::PPR1.union(ProfilePolicyRules::PPR2));
        assert_eq!(r.names(), ["ppr1", "ppr2"]);
        assert_eq!(r.value(), 6);
        assert_eq!(ProfilePolicyRules::from_value(6), Some(r));
        assert_eq!(ProfilePolicyRules::from_value(8), None);
        assert_eq!(ProfilePolicyRules::from_value(-1), None);
        let asn1 = r.to_asn1().unwrap();
        assert!(asn1.is_set(PprIds::PPR1) && asn1.is_set(PprIds::PPR2));
        assert!(!asn1.is_set(PprIds::PPR_UPDATE_CONTROL));
        assert_eq!(ProfilePolicyRules::from_asn1(&asn1), r);
        assert_eq!(ProfilePolicyRules::NONE.to_asn1(), None);
        assert_eq!(
            ProfilePolicyRules::from_names(&["ppr3"]),
            Err(UnknownPpr("ppr3".into()))
        );
    }

    fn euicc_info2() -> EUICCInfo2 {
        use rsp_codec::asn1::{Extensions, RspCapability, UICCCapability, VersionType};
        let v = VersionType::from_parts;
        EUICCInfo2 {
            profile_version: v(2, 3, 1),
            svn: v(2, 5, 0),
            euicc_firmware_ver: v(1, 0, 0),
            ext_card_resource: vec![].into(),
            uicc_capability: UICCCapability::default(),
            ts102241_version: None,
            globalplatform_version: None,
            rsp_capability: RspCapability::default(),
            euicc_ci_pk_id_list_for_verification: vec![],
            euicc_ci_pk_id_list_for_signing: vec![],
            euicc_category: None,
            forbidden_profile_policy_rules: None,
            pp_version: v(0, 0, 1),
            sas_acreditation_number: "SAS".into(),
            certification_data_object: None,
            tre_properties: None,
            tre_product_reference: None,
            additional_euicc_profile_package_versions: None,
            ext: Extensions::default(),
        }
    }

    fn metadata(class: ProfileClass, rules: ProfilePolicyRules) -> ProfileMetadata {
        ProfileMetadata {
            profile_class: class,
            profile_policy_rules: rules,
            ..ProfileMetadata::default()
        }
    }

    #[test]
    fn test_profiles_carry_no_rules() {
        let ppr1 = ProfilePolicyRules::PPR1;
        assert!(validate(&metadata(ProfileClass::Test, ppr1)).is_err());
        assert!(validate(&metadata(ProfileClass::Test, ProfilePolicyRules::NONE)).is_ok());
        assert!(validate(&metadata(ProfileClass::Operational, ppr1)).is_ok());
        assert!(validate(&metadata(ProfileClass::Provisioning, ppr1)).is_ok());
    }

    /// Memory, SGP.22 v2.5 §2.9.1 / §4.3 EUICCInfo2: an eUICC forbids ppr1 (tag 99) once it
    /// holds an Operational Profile; the SM-DP+ then offers no Profile with PPR1.
    #[test]
    fn a_forbidden_rule_makes_the_profile_ineligible() {
        let forbid = |bits: &[usize]| {
            let mut info2 = euicc_info2();
            info2.forbidden_profile_policy_rules = Some(PprIds::from_bits(bits));
            info2
        };
        let ppr1 = metadata(ProfileClass::Operational, ProfilePolicyRules::PPR1);
        let ppr2 = metadata(ProfileClass::Operational, ProfilePolicyRules::PPR2);
        let none = metadata(ProfileClass::Operational, ProfilePolicyRules::NONE);
        let forbids_ppr1 = forbid(&[PprIds::PPR1]);
        assert_eq!(
            check_eligible(&forbids_ppr1, &ppr1),
            Err(RspError::NoEligibleProfile)
        );
        assert_eq!(check_eligible(&forbids_ppr1, &ppr2), Ok(()));
        assert_eq!(check_eligible(&forbids_ppr1, &none), Ok(()));
        assert_eq!(check_eligible(&forbid(&[]), &ppr1), Ok(()));
        let mut absent = forbids_ppr1.clone();
        absent.forbidden_profile_policy_rules = None;
        assert_eq!(check_eligible(&absent, &ppr1), Ok(()));
        let test_with_rules = metadata(ProfileClass::Test, ProfilePolicyRules::PPR2);
        assert_eq!(
            check_eligible(&absent, &test_with_rules),
            Err(RspError::NoEligibleProfile)
        );
    }
}
