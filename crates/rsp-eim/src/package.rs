//! The messages the eIM hands to the IPA in ESipa.GetEimPackage (SGP.32 v1.2 §5.14.6):
//! the eIM-signed `EuiccPackageRequest` (§2.9.1, signature per §2.11.1.1 over
//! [`eim_signed_data`]), the `IpaEuiccDataRequest` (§2.11.2.2) and the
//! `ProfileDownloadTriggerRequest` (§2.11.2.3).

use base64::Engine as _;
use rasn::prelude::*;
use rsp_codec::asn1::sgp32::{
    ConfigureImmediateEnable, ContactSmds, DeleteEim, Eco, EimConfigurationData, EimPublicKeyData,
    EmptySequence, EuiccPackage, EuiccPackageRequest, EuiccPackageSigned, IpaEuiccDataRequest,
    ProfileDownloadData, ProfileDownloadTriggerRequest, Psmo, PsmoEnable, PsmoIccid,
    SubjectPublicKeyInfo, eim_signed_data,
};
use rsp_codec::asn1::{Iccid, Octet16, OpenChoice, ProfileInfoListRequest, Raw, TransactionId};
use rsp_codec::json::Eid;
use rsp_crypto::Signer;

use crate::error::EimError;
use crate::model::{EcoSpec, EimConfig, PsmoSpec};

/// The default `tagList` of an IpaEuiccDataRequest: every data object of `IpaEuiccData`
/// (SGP.32 §2.11.2.2): notificationsList A0, defaultSmdpAddress 81, euiccPackageResultList
/// A2, EUICCInfo1 BF20, EUICCInfo2 BF22, rootSmdsAddress 83, associationToken 84,
/// eumCertificate A5, euiccCertificate A6.
pub const ALL_IPA_EUICC_DATA_TAGS: &[u8] = &[
    0xA0, 0x81, 0xA2, 0xBF, 0x20, 0xBF, 0x22, 0x83, 0x84, 0xA5, 0xA6,
];

/// The EID's 16 octets (`eidValue`, 5A): the 32 digits as BCD, not swapped.
pub fn eid_octets(eid: &Eid) -> Result<Octet16, EimError> {
    let bytes = hex::decode(eid.as_str()).map_err(|_| EimError::invalid("EID"))?;
    Octet16::try_from(bytes.as_slice()).map_err(|_| EimError::invalid("EID"))
}

/// The ICCID's 10 octets: digits in swapped nibbles, padded with F (ETSI TS 102 221 §13.2).
pub fn iccid_octets(iccid: &str) -> Result<Iccid, EimError> {
    let parsed = rsp_codec::json::Iccid::parse(iccid).map_err(|_| EimError::invalid("ICCID"))?;
    let mut nibbles = parsed.digits().bytes().map(|b| b - b'0');
    let mut out = [0u8; 10];
    for byte in &mut out {
        let low = nibbles.next().unwrap_or(0x0F);
        let high = nibbles.next().unwrap_or(0x0F);
        *byte = (high << 4) | low;
    }
    Ok(Iccid::new(out))
}

/// The ICCID digits of swapped-nibble octets (padding dropped).
pub fn iccid_text(octets: &[u8]) -> String {
    let mut s = String::with_capacity(20);
    for &b in octets {
        for n in [b & 0x0F, b >> 4] {
            if n <= 9 {
                s.push(char::from(b'0' + n));
            }
        }
    }
    s
}

fn psmo(spec: &PsmoSpec) -> Result<Psmo, EimError> {
    Ok(match spec {
        PsmoSpec::Enable { iccid, rollback } => Psmo::Enable(PsmoEnable {
            iccid: iccid_octets(iccid)?,
            rollback_flag: rollback.then_some(()),
            ext: Default::default(),
        }),
        PsmoSpec::Disable { iccid } => Psmo::Disable(PsmoIccid {
            iccid: iccid_octets(iccid)?,
            ext: Default::default(),
        }),
        PsmoSpec::Delete { iccid } => Psmo::Delete(PsmoIccid {
            iccid: iccid_octets(iccid)?,
            ext: Default::default(),
        }),
        PsmoSpec::ListProfileInfo => Psmo::ListProfileInfo(ProfileInfoListRequest::default()),
        PsmoSpec::GetRat => Psmo::GetRat(EmptySequence::default()),
        PsmoSpec::SetFallbackAttribute { iccid } => Psmo::SetFallbackAttribute(PsmoIccid {
            iccid: iccid_octets(iccid)?,
            ext: Default::default(),
        }),
        PsmoSpec::UnsetFallbackAttribute => Psmo::UnsetFallbackAttribute(EmptySequence::default()),
        PsmoSpec::ConfigureImmediateEnable {
            immediate_enable,
            default_smdp_address,
        } => Psmo::ConfigureImmediateEnable(ConfigureImmediateEnable {
            immediate_enable_flag: immediate_enable.then_some(()),
            default_smdp_oid: None,
            default_smdp_address: default_smdp_address.clone(),
            ext: Default::default(),
        }),
    })
}

fn b64(field: &'static str, text: &str) -> Result<Vec<u8>, EimError> {
    base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map_err(|_| EimError::invalid(field))
}

fn eim_configuration(c: &EimConfig) -> Result<EimConfigurationData, EimError> {
    if c.eim_id.is_empty() || c.eim_id.len() > 128 {
        return Err(EimError::invalid("eimId"));
    }
    let key = match (&c.eim_certificate, &c.eim_public_key) {
        (Some(cert), None) => Some(EimPublicKeyData::EimCertificate(
            rasn::der::decode(&b64("eimCertificate", cert)?)
                .map_err(|_| EimError::invalid("eimCertificate"))?,
        )),
        (None, Some(key)) => Some(EimPublicKeyData::EimPublicKey(
            rasn::der::decode::<SubjectPublicKeyInfo>(&b64("eimPublicKey", key)?)
                .map_err(|_| EimError::invalid("eimPublicKey"))?,
        )),
        (None, None) => None,
        (Some(_), Some(_)) => return Err(EimError::invalid("eimCertificate and eimPublicKey")),
    };
    Ok(EimConfigurationData {
        eim_id: c.eim_id.clone(),
        eim_fqdn: c.eim_fqdn.clone(),
        counter_value: c.counter_value.map(Integer::from),
        // Asking for a token: any value; the eUICC answers the one it made (§2.11.1).
        association_token: c.association_token.then(|| Integer::from(-1)),
        eim_public_key_data: key,
        ..Default::default()
    })
}

fn eco(spec: &EcoSpec) -> Result<Eco, EimError> {
    Ok(match spec {
        EcoSpec::AddEim(c) => Eco::AddEim(Box::new(eim_configuration(c)?)),
        EcoSpec::UpdateEim(c) => Eco::UpdateEim(Box::new(eim_configuration(c)?)),
        EcoSpec::DeleteEim { eim_id } => Eco::DeleteEim(DeleteEim {
            eim_id: eim_id.clone(),
            ext: Default::default(),
        }),
        EcoSpec::ListEim => Eco::ListEim(EmptySequence::default()),
    })
}

/// Checks an operation's content (the API refuses a bad one with 400 before queuing).
pub fn check_psmos(psmos: &[PsmoSpec]) -> Result<(), EimError> {
    if psmos.is_empty() {
        return Err(EimError::invalid("psmos (empty)"));
    }
    psmos.iter().try_for_each(|p| psmo(p).map(drop))
}

/// Checks eCOs as [`check_psmos`] does PSMOs.
pub fn check_ecos(ecos: &[EcoSpec]) -> Result<(), EimError> {
    if ecos.is_empty() {
        return Err(EimError::invalid("ecos (empty)"));
    }
    ecos.iter().try_for_each(|e| eco(e).map(drop))
}

/// The PSMOs or eCOs of a package.
pub enum PackageContent<'a> {
    /// PSMOs (A0).
    Psmos(&'a [PsmoSpec]),
    /// eCOs (A1).
    Ecos(&'a [EcoSpec]),
}

/// What a signed package is about.
pub struct PackageParams<'a> {
    /// The eIM's id in the eUICC's association.
    pub eim_id: &'a str,
    /// The eUICC.
    pub eid: &'a Eid,
    /// The counter value allocated for it.
    pub counter_value: i64,
    /// The association token, if the association has one.
    pub association_token: Option<i64>,
    /// `eimTransactionId`.
    pub transaction_id: &'a [u8],
}

/// Builds and signs an `EuiccPackageRequest` (BF51): `eimSignature` = the eIM key over
/// `euiccPackageSigned` ‖ associationToken (§2.11.1.1); DER.
pub fn signed_package(
    p: &PackageParams<'_>,
    content: PackageContent<'_>,
    signer: &dyn Signer,
) -> Result<Vec<u8>, EimError> {
    let euicc_package = match content {
        PackageContent::Psmos(list) => EuiccPackage::PsmoList(
            list.iter()
                .map(|s| psmo(s).map(OpenChoice::from))
                .collect::<Result<_, _>>()?,
        ),
        PackageContent::Ecos(list) => EuiccPackage::EcoList(
            list.iter()
                .map(|s| eco(s).map(OpenChoice::from))
                .collect::<Result<_, _>>()?,
        ),
    };
    let signed = Raw::new(EuiccPackageSigned {
        eim_id: p.eim_id.to_owned(),
        eid_value: eid_octets(p.eid)?,
        counter_value: Integer::from(p.counter_value),
        eim_transaction_id: Some(TransactionId(OctetString::from(p.transaction_id.to_vec()))),
        euicc_package,
        ext: Default::default(),
    })
    .map_err(|e| EimError::Encode(e.to_string()))?;
    let token = p.association_token.map(Integer::from);
    let message = eim_signed_data(signed.raw(), token.as_ref());
    let signature = signer
        .sign_raw(&message)
        .map_err(|e| EimError::Sign(e.to_string()))?;
    let request = EuiccPackageRequest {
        euicc_package_signed: signed,
        eim_signature: OctetString::from(signature.to_vec()),
        ext: Default::default(),
    };
    rasn::der::encode(&request).map_err(|e| EimError::Encode(e.to_string()))
}

/// An `IpaEuiccDataRequest` (BF52), DER.
pub fn ipa_euicc_data_request(
    tag_list: Option<&str>,
    transaction_id: &[u8],
) -> Result<Vec<u8>, EimError> {
    let tags = match tag_list {
        Some(hex_tags) => hex::decode(hex_tags).map_err(|_| EimError::invalid("tagList"))?,
        None => ALL_IPA_EUICC_DATA_TAGS.to_vec(),
    };
    let request = IpaEuiccDataRequest {
        tag_list: OctetString::from(tags),
        eim_transaction_id: Some(TransactionId(OctetString::from(transaction_id.to_vec()))),
        ..Default::default()
    };
    rasn::der::encode(&request).map_err(|e| EimError::Encode(e.to_string()))
}

/// The Activation Code of a download operation: given, or `1$address$matchingId`
/// (SGP.22 §4.1).
pub fn activation_code(
    activation_code: Option<&str>,
    smdp_address: Option<&str>,
    matching_id: Option<&str>,
) -> Result<String, EimError> {
    match (activation_code, smdp_address) {
        (Some(ac), None) if ac.starts_with("1$") && ac.len() <= 255 => Ok(ac.to_owned()),
        (None, Some(address)) if !address.is_empty() && !address.contains('$') => {
            let mid = matching_id.unwrap_or("");
            if mid.contains('$') {
                return Err(EimError::invalid("matchingId"));
            }
            Ok(format!("1${address}${mid}"))
        }
        _ => Err(EimError::invalid(
            "activationCode (1$…) or smdpAddress (+ matchingId)",
        )),
    }
}

/// What a download operation asks the IPA (SGP.32 §2.11.2.3 `profileDownloadData`): an
/// Activation Code (given, or from the SM-DP+ address and MatchingID), or to contact an
/// SM-DS (`smdsAddress`; empty: the eUICC's root SM-DS).
pub fn download_data(
    activation_code: Option<&str>,
    smdp_address: Option<&str>,
    matching_id: Option<&str>,
    smds_address: Option<&str>,
) -> Result<ProfileDownloadData, EimError> {
    match smds_address {
        None => self::activation_code(activation_code, smdp_address, matching_id)
            .map(ProfileDownloadData::ActivationCode),
        Some(a) if activation_code.is_none() && smdp_address.is_none() && !a.contains('$') => {
            Ok(ProfileDownloadData::ContactSmds(ContactSmds {
                smds_address: (!a.is_empty()).then(|| a.to_owned()),
                ..Default::default()
            }))
        }
        Some(_) => Err(EimError::invalid(
            "smdsAddress (alone, without activationCode or smdpAddress)",
        )),
    }
}

/// A `ProfileDownloadTriggerRequest` (BF54), DER.
pub fn download_trigger_for(
    data: ProfileDownloadData,
    transaction_id: &[u8],
) -> Result<Vec<u8>, EimError> {
    let request = ProfileDownloadTriggerRequest {
        profile_download_data: Some(data),
        eim_transaction_id: Some(TransactionId(OctetString::from(transaction_id.to_vec()))),
        ext: Default::default(),
    };
    rasn::der::encode(&request).map_err(|e| EimError::Encode(e.to_string()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn iccids_round_trip() {
        let o = iccid_octets("8901234567890123456").unwrap();
        assert_eq!(o.as_bytes()[0], 0x98);
        assert_eq!(o.as_bytes()[9], 0xF6);
        assert_eq!(iccid_text(o.as_bytes()), "8901234567890123456");
    }

    #[test]
    fn activation_codes() {
        assert_eq!(
            activation_code(None, Some("smdp.example"), Some("ABC")).unwrap(),
            "1$smdp.example$ABC"
        );
        assert!(activation_code(Some("LPA:1$x$y"), None, None).is_err());
        assert!(activation_code(None, None, None).is_err());
    }
}
