//! EUICCInfo1 and EUICCInfo2 of this eUICC (SGP.22 §5.7.8).

use rasn::types::OctetString;
use rsp_codec::asn1::{
    EUICCInfo1, EUICCInfo2, EuiccCategory, Extensions, PprIds, RspCapability, UICCCapability,
    VersionType,
};

use crate::config::EuiccConfig;
use crate::identity::Identity;
use crate::state::EuiccState;

/// SGP.22 version implemented: 2.5.0.
pub const SVN: [u8; 3] = [2, 5, 0];
/// Base eUICC Profile Package version supported (TCA Interoperable Profile 2.3.1).
pub const PROFILE_VERSION: [u8; 3] = [2, 3, 1];
/// Firmware version of this virtual eUICC.
pub const FIRMWARE_VERSION: [u8; 3] = [0, 1, 0];

fn ids(list: Vec<Vec<u8>>) -> Vec<OctetString> {
    list.into_iter().map(OctetString::from).collect()
}

/// `EUICCInfo1` (GetEUICCInfo1).
pub(crate) fn euicc_info1(identity: &Identity) -> EUICCInfo1 {
    EUICCInfo1 {
        svn: VersionType::new(SVN),
        euicc_ci_pk_id_list_for_verification: ids(identity.ci_pk_ids_for_verification()),
        euicc_ci_pk_id_list_for_signing: ids(identity.ci_pk_ids_for_signing()),
        ext: Extensions::default(),
    }
}

/// Minimal big-endian bytes of `n` (at least one byte).
fn be_bytes(n: usize) -> Vec<u8> {
    let bytes = (n as u64).to_be_bytes();
    let skip = bytes.iter().take(7).take_while(|b| **b == 0).count();
    bytes.get(skip..).unwrap_or_default().to_vec()
}

/// Extended Card Resource Information (ETSI TS 102 226 §8.2.1.7.2): `81` installed
/// applications, `82` free non-volatile memory, `83` free volatile memory.
fn ext_card_resource(config: &EuiccConfig, state: &EuiccState) -> Vec<u8> {
    let free = config.free_memory(state);
    let mut out = Vec::new();
    for (tag, value) in [
        (0x81u8, be_bytes(state.profiles.len())),
        (0x82, be_bytes(free)),
        (0x83, be_bytes(64 * 1024)),
    ] {
        out.push(tag);
        out.push(value.len() as u8); // at most 8
        out.extend_from_slice(&value);
    }
    out
}

/// `EUICCInfo2` (GetEUICCInfo2 and `euiccSigned1`).
pub(crate) fn euicc_info2(
    identity: &Identity,
    config: &EuiccConfig,
    state: &EuiccState,
) -> EUICCInfo2 {
    EUICCInfo2 {
        profile_version: VersionType::new(PROFILE_VERSION),
        svn: VersionType::new(SVN),
        euicc_firmware_ver: VersionType::new(FIRMWARE_VERSION),
        ext_card_resource: ext_card_resource(config, state).into(),
        uicc_capability: UICCCapability::from_bits(&[
            UICCCapability::USIM_SUPPORT,
            UICCCapability::ISIM_SUPPORT,
            UICCCapability::AKA_MILENAGE,
            UICCCapability::AKA_TUAK128,
            UICCCapability::GBA_AUTHEN_USIM,
            UICCCapability::JAVACARD,
            UICCCapability::BER_TLV_FILE_SUPPORT,
            UICCCapability::DF_LINK_SUPPORT,
            UICCCapability::GET_IDENTITY,
            UICCCapability::PROFILE_A_X25519,
            UICCCapability::PROFILE_B_P256,
        ]),
        ts102241_version: Some(VersionType::new([9, 2, 0])),
        globalplatform_version: Some(VersionType::new([2, 3, 0])),
        rsp_capability: RspCapability::from_bits(&[
            RspCapability::ADDITIONAL_PROFILE,
            RspCapability::CRL_SUPPORT,
            RspCapability::TEST_PROFILE_SUPPORT,
        ]),
        euicc_ci_pk_id_list_for_verification: ids(identity.ci_pk_ids_for_verification()),
        euicc_ci_pk_id_list_for_signing: ids(identity.ci_pk_ids_for_signing()),
        euicc_category: Some(EuiccCategory::OTHER),
        forbidden_profile_policy_rules: Some(PprIds::from_bits(&[])),
        pp_version: VersionType::new([0, 0, 1]),
        sas_acreditation_number: "RSP-VIRTUAL-EUICC".into(),
        certification_data_object: None,
        tre_properties: None,
        tre_product_reference: None,
        additional_euicc_profile_package_versions: None,
        ext: Extensions::default(),
    }
}
