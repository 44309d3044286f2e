//! ES10c (LPA → eUICC ISD-R, SGP.22 v2.5 §5.7.15–§5.7.21): profile list, enable,
//! disable, delete, nickname, EID; and the chip information of ES10a/ES10b.

use rsp_codec::asn1::{
    self, DeleteProfileRequest, DeleteProfileResponse, DeleteResult, DisableProfileRequest,
    DisableProfileResponse, DisableResult, EnableProfileRequest, EnableProfileResponse,
    EnableResult, EuiccConfiguredAddressesRequest, EuiccConfiguredAddressesResponse, Extensions,
    GetEuiccDataRequest, GetEuiccDataResponse, Iccid, Octet1, ProfileClass, ProfileIdentifier,
    ProfileInfo, ProfileInfoListError, ProfileInfoListRequest, ProfileInfoListResponse,
    ProfileState, SetNicknameRequest, SetNicknameResponse, SetNicknameResult,
};
use serde::Serialize;

use crate::error::LpaError;
use crate::es10::Es10Channel;
use crate::es10b::{call, get_euicc_info2};

/// An ICCID from its printed digits (19 or 20, optionally a trailing `F`), as the
/// 10-byte BCD of EF.ICCID with swapped nibbles and `F` padding (SGP.22 §5.7.15).
pub fn iccid_from_text(text: &str) -> Result<Iccid, LpaError> {
    let digits: Vec<u8> = text
        .trim()
        .chars()
        .map(|c| c.to_digit(16).map(|d| d as u8))
        .collect::<Option<_>>()
        .ok_or_else(|| LpaError::InvalidInput(format!("ICCID {text:?} is not digits")))?;
    let (body, pad) = match digits.split_last() {
        Some((0xF, body)) => (body, true),
        _ => (digits.as_slice(), false),
    };
    if !(18..=20).contains(&body.len()) || body.iter().any(|d| *d > 9) || (pad && body.len() == 20)
    {
        return Err(LpaError::InvalidInput(format!(
            "ICCID {text:?} must have 18 to 20 decimal digits"
        )));
    }
    let mut nibbles = body.to_vec();
    nibbles.resize(20, 0xF);
    let mut bytes = [0u8; 10];
    for (b, pair) in bytes.iter_mut().zip(nibbles.chunks(2)) {
        *b = pair[0] | (pair.get(1).copied().unwrap_or(0xF) << 4);
    }
    Ok(Iccid::new(bytes))
}

/// The printed digits of an ICCID (swapped nibbles, `F` padding dropped).
pub fn iccid_to_text(iccid: &Iccid) -> String {
    let mut out = String::with_capacity(20);
    for b in iccid.as_bytes() {
        for nibble in [b & 0x0F, b >> 4] {
            if nibble != 0x0F {
                out.push(char::from_digit(u32::from(nibble), 16).unwrap_or('?'));
            }
        }
    }
    out
}

/// One installed profile as the LPA shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileSummary {
    /// ICCID digits.
    pub iccid: String,
    /// ISD-P AID, hex.
    pub isdp_aid: Option<String>,
    /// `enabled` or `disabled`.
    pub state: Option<&'static str>,
    /// End-user nickname.
    pub nickname: Option<String>,
    /// Service provider name.
    pub service_provider_name: Option<String>,
    /// Profile name.
    pub profile_name: Option<String>,
    /// `test`, `provisioning` or `operational`.
    pub profile_class: Option<&'static str>,
}

impl From<&ProfileInfo> for ProfileSummary {
    fn from(p: &ProfileInfo) -> Self {
        ProfileSummary {
            iccid: p.iccid.as_ref().map(iccid_to_text).unwrap_or_default(),
            isdp_aid: p.isdp_aid.as_ref().map(|a| hex::encode_upper(&a.0)),
            state: p.profile_state.map(|s| match s {
                ProfileState::ENABLED => "enabled",
                _ => "disabled",
            }),
            nickname: p.profile_nickname.clone(),
            service_provider_name: p.service_provider_name.clone(),
            profile_name: p.profile_name.clone(),
            profile_class: p.profile_class.map(|c| match c {
                ProfileClass::TEST => "test",
                ProfileClass::PROVISIONING => "provisioning",
                _ => "operational",
            }),
        }
    }
}

/// ES10c.GetProfilesInfo (§5.7.15), every profile, every field.
pub fn get_profiles_info<E: Es10Channel + ?Sized>(
    channel: &mut E,
) -> Result<Vec<ProfileInfo>, LpaError> {
    let (_, r) = call(
        channel,
        "GetProfilesInfo",
        &ProfileInfoListRequest::default(),
    )?;
    match r {
        ProfileInfoListResponse::ProfileInfoListOk(list) => Ok(list),
        ProfileInfoListResponse::ProfileInfoListError(e) => Err(LpaError::EuiccRefused {
            function: "GetProfilesInfo",
            code: e.0,
            reason: match e {
                ProfileInfoListError::INCORRECT_INPUT_VALUES => "incorrectInputValues",
                _ => "undefinedError",
            },
        }),
    }
}

fn refused(function: &'static str, code: i64, reason: &'static str) -> LpaError {
    LpaError::EuiccRefused {
        function,
        code,
        reason,
    }
}

/// ES10c.EnableProfile (§5.7.16), without REFRESH.
pub fn enable_profile<E: Es10Channel + ?Sized>(
    channel: &mut E,
    iccid: &Iccid,
) -> Result<(), LpaError> {
    let request = EnableProfileRequest {
        profile_identifier: ProfileIdentifier::Iccid(*iccid),
        refresh_flag: false,
        ext: Extensions::default(),
    };
    let (_, r): (_, EnableProfileResponse) = call(channel, "EnableProfile", &request)?;
    let reason = match r.enable_result {
        EnableResult::OK => return Ok(()),
        EnableResult::ICCID_OR_AID_NOT_FOUND => "iccidOrAidNotFound",
        EnableResult::PROFILE_NOT_IN_DISABLED_STATE => "profileNotInDisabledState",
        EnableResult::DISALLOWED_BY_POLICY => "disallowedByPolicy",
        EnableResult::WRONG_PROFILE_REENABLING => "wrongProfileReenabling",
        EnableResult::CAT_BUSY => "catBusy",
        _ => "undefinedError",
    };
    Err(refused("EnableProfile", r.enable_result.0, reason))
}

/// ES10c.DisableProfile (§5.7.17), without REFRESH.
pub fn disable_profile<E: Es10Channel + ?Sized>(
    channel: &mut E,
    iccid: &Iccid,
) -> Result<(), LpaError> {
    let request = DisableProfileRequest {
        profile_identifier: ProfileIdentifier::Iccid(*iccid),
        refresh_flag: false,
        ext: Extensions::default(),
    };
    let (_, r): (_, DisableProfileResponse) = call(channel, "DisableProfile", &request)?;
    let reason = match r.disable_result {
        DisableResult::OK => return Ok(()),
        DisableResult::ICCID_OR_AID_NOT_FOUND => "iccidOrAidNotFound",
        DisableResult::PROFILE_NOT_IN_ENABLED_STATE => "profileNotInEnabledState",
        DisableResult::DISALLOWED_BY_POLICY => "disallowedByPolicy",
        DisableResult::CAT_BUSY => "catBusy",
        _ => "undefinedError",
    };
    Err(refused("DisableProfile", r.disable_result.0, reason))
}

/// ES10c.DeleteProfile (§5.7.18).
pub fn delete_profile<E: Es10Channel + ?Sized>(
    channel: &mut E,
    iccid: &Iccid,
) -> Result<(), LpaError> {
    let (_, r): (_, DeleteProfileResponse) = call(
        channel,
        "DeleteProfile",
        &DeleteProfileRequest::Iccid(*iccid),
    )?;
    let reason = match r.delete_result {
        DeleteResult::OK => return Ok(()),
        DeleteResult::ICCID_OR_AID_NOT_FOUND => "iccidOrAidNotFound",
        DeleteResult::PROFILE_NOT_IN_DISABLED_STATE => "profileNotInDisabledState",
        DeleteResult::DISALLOWED_BY_POLICY => "disallowedByPolicy",
        _ => "undefinedError",
    };
    Err(refused("DeleteProfile", r.delete_result.0, reason))
}

/// ES10c.SetNickname (§5.7.21); at most 64 bytes of UTF-8.
pub fn set_nickname<E: Es10Channel + ?Sized>(
    channel: &mut E,
    iccid: &Iccid,
    nickname: &str,
) -> Result<(), LpaError> {
    if nickname.len() > 64 {
        return Err(LpaError::InvalidInput(
            "a nickname has at most 64 bytes".into(),
        ));
    }
    let request = SetNicknameRequest {
        iccid: *iccid,
        profile_nickname: nickname.to_owned(),
        ext: Extensions::default(),
    };
    let (_, r): (_, SetNicknameResponse) = call(channel, "SetNickname", &request)?;
    let reason = match r.set_nickname_result {
        SetNicknameResult::OK => return Ok(()),
        SetNicknameResult::ICCID_NOT_FOUND => "iccidNotFound",
        _ => "undefinedError",
    };
    Err(refused("SetNickname", r.set_nickname_result.0, reason))
}

/// ES10c.GetEID (§5.7.20): the EID as 32 decimal digits.
pub fn get_eid<E: Es10Channel + ?Sized>(channel: &mut E) -> Result<String, LpaError> {
    let request = GetEuiccDataRequest {
        tag_list: Octet1::new([0x5A]),
        ext: Extensions::default(),
    };
    let (_, r): (_, GetEuiccDataResponse) = call(channel, "GetEID", &request)?;
    Ok(hex::encode_upper(r.eid_value.as_bytes()))
}

/// What `chip info` shows: EID, configured addresses (ES10a §5.7.3) and EUICCInfo2
/// (ES10b §5.7.8).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChipInfo {
    /// EID.
    pub eid: String,
    /// Default SM-DP+ address, if set.
    pub default_dp_address: Option<String>,
    /// Root SM-DS address.
    pub root_ds_address: Option<String>,
    /// SGP.22 version supported (`x.y.z`).
    pub svn: String,
    /// eUICC Profile Package version.
    pub profile_version: String,
    /// Firmware version.
    pub firmware_version: String,
    /// Free non-volatile memory announced in extCardResource, bytes.
    pub free_nvm: Option<u64>,
    /// CI key identifiers for verification, hex.
    pub ci_pk_ids_for_verification: Vec<String>,
    /// CI key identifiers for signing, hex.
    pub ci_pk_ids_for_signing: Vec<String>,
    /// SAS accreditation number.
    pub sas_accreditation_number: String,
}

fn version(v: &asn1::VersionType) -> String {
    let [a, b, c] = *v.as_bytes();
    format!("{a}.{b}.{c}")
}

/// Tag `82` (free non-volatile memory) of extCardResource (ETSI TS 102 226 §8.2.1.3.2.1.4).
fn free_nvm(resource: &[u8]) -> Option<u64> {
    let mut rest = resource;
    while !rest.is_empty() {
        let (h, tlv, next) = rsp_codec::tlv::split_first(rest)?;
        if h.tag == 0x82 && (1..=8).contains(&h.value_len) {
            let value = tlv.get(h.header_len..)?;
            return Some(value.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)));
        }
        rest = next;
    }
    None
}

/// ES10a.GetEuiccConfiguredAddresses (SGP.22 §5.7.3): the default SM-DP+ address, if
/// set, and the root SM-DS address.
pub fn configured_addresses<E: Es10Channel + ?Sized>(
    channel: &mut E,
) -> Result<EuiccConfiguredAddressesResponse, LpaError> {
    call(
        channel,
        "GetEuiccConfiguredAddresses",
        &EuiccConfiguredAddressesRequest::default(),
    )
    .map(|(_, r)| r)
}

/// Gathers [`ChipInfo`]; the configured addresses are optional (some eUICCs answer `6A88`).
pub fn chip_info<E: Es10Channel + ?Sized>(channel: &mut E) -> Result<ChipInfo, LpaError> {
    let eid = get_eid(channel)?;
    let addresses = configured_addresses(channel).ok();
    let info2 = get_euicc_info2(channel)?;
    Ok(ChipInfo {
        eid,
        default_dp_address: addresses
            .as_ref()
            .and_then(|a| a.default_dp_address.clone()),
        root_ds_address: addresses.map(|a| a.root_ds_address),
        svn: version(&info2.svn),
        profile_version: version(&info2.profile_version),
        firmware_version: version(&info2.euicc_firmware_ver),
        free_nvm: free_nvm(&info2.ext_card_resource),
        ci_pk_ids_for_verification: info2
            .euicc_ci_pk_id_list_for_verification
            .iter()
            .map(hex::encode_upper)
            .collect(),
        ci_pk_ids_for_signing: info2
            .euicc_ci_pk_id_list_for_signing
            .iter()
            .map(hex::encode_upper)
            .collect(),
        sas_accreditation_number: info2.sas_acreditation_number.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iccid_round_trip() {
        let iccid = iccid_from_text("8944000000000000001").expect("19 digits");
        assert_eq!(
            iccid.as_bytes(),
            &[0x98, 0x44, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xF1]
        );
        assert_eq!(iccid_to_text(&iccid), "8944000000000000001");
        assert_eq!(
            iccid_from_text("8944000000000000001F").expect("F padded"),
            iccid
        );
        let twenty = iccid_from_text("89440000000000000012").expect("20 digits");
        assert_eq!(iccid_to_text(&twenty), "89440000000000000012");
        assert!(iccid_from_text("12").is_err());
        assert!(iccid_from_text("89A4000000000000001").is_err());
        assert!(iccid_from_text("8944x00000000000001").is_err());
    }

    #[test]
    fn free_memory_tag() {
        assert_eq!(
            free_nvm(&[0x81, 0x01, 0x02, 0x82, 0x02, 0x10, 0x00]),
            Some(4096)
        );
        assert_eq!(free_nvm(&[0x81, 0x01]), None);
    }
}
