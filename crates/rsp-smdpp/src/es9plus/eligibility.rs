//! The eligibility check of ES9+.AuthenticateClient (SGP.22 §3.1.3.1 "eligibility check",
//! §5.6.3): can this eUICC / Device take this Profile?

use rsp_codec::asn1::EUICCInfo2;
use rsp_codec::status::RspError;
use rsp_crypto::scp03t::split_tlvs;

use crate::profile::{PackageVersion, ProfileRecord};

/// `extCardResource` tag of the free non-volatile memory (SGP.22 §4.3, ETSI TS 102 226
/// §8.2.1.3.2.1.4 "available memory": tag 82).
const TAG_FREE_NVM: u8 = 0x82;
/// The version taken for a package whose ProfileHeader was not readable (SAIP v2.0, the
/// oldest this SM-DP+ serves).
const DEFAULT_PACKAGE_VERSION: PackageVersion = PackageVersion { major: 2, minor: 0 };

/// Refuses `profile` when its package follows a newer SAIP version than the highest the
/// eUICC supports (`EUICCInfo2.profileVersion`, SGP.22 §4.3: "the highest version number
/// of the Profile Package description supported"; 8.2.5/4.3) or when the eUICC announces
/// less free memory than the package (8.1/4.8). Unparseable `extCardResource` is not held
/// against the eUICC.
pub(crate) fn check(info2: &EUICCInfo2, profile: &ProfileRecord) -> Result<(), RspError> {
    let [major, minor, _] = *info2.profile_version.as_bytes();
    let supported = PackageVersion { major, minor };
    if profile.package_version.unwrap_or(DEFAULT_PACKAGE_VERSION) > supported {
        return Err(RspError::NoEligibleProfile);
    }
    if let Some(free) = free_nvm(&info2.ext_card_resource)
        && free < u64::try_from(profile.package_size).unwrap_or(u64::MAX)
    {
        return Err(RspError::EuiccInsufficientMemory);
    }
    Ok(())
}

/// The Profile Policy Rules part of the check (SGP.22 §2.9, §3.1.3.1): 8.2.5/4.3 for a rule
/// the eUICC forbids; see [`crate::ppr::check_eligible`].
pub(crate) fn check_policy_rules(
    info2: &EUICCInfo2,
    metadata: &crate::ProfileMetadata,
) -> Result<(), RspError> {
    crate::ppr::check_eligible(info2, metadata)
}

/// The free non-volatile memory announced in `extCardResource`, if present and parseable.
fn free_nvm(ext_card_resource: &[u8]) -> Option<u64> {
    let tlvs = split_tlvs(ext_card_resource).ok()?;
    let value = tlvs.iter().find(|t| t.tag == [TAG_FREE_NVM])?.value;
    if value.is_empty() || value.len() > 8 {
        return None;
    }
    Some(value.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_memory_is_read_from_tag_82() {
        assert_eq!(
            free_nvm(&[0x81, 0x01, 0x02, 0x82, 0x02, 0x10, 0x00]),
            Some(4096)
        );
        assert_eq!(free_nvm(&[0x81, 0x01, 0x02]), None);
        assert_eq!(free_nvm(&[0x82, 0x05]), None);
    }
}
