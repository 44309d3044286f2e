//! The eUICC Information Set as ES1 registers it and GetEIS/AuditEIS return it (SGP.02
//! §5.1.1.2; element names and nesting from Njiwa, see [`super::names`]), plus the ISD-R
//! keys our SM-SR needs (SGP.02 passes ISD-R keysets in the EIS; the key elements are our
//! own). Keys never appear in `Debug` output and are zeroised on drop. The EUM signature
//! over `EumSignedInfo` is not carried (not checked here).

use std::fmt;

use zeroize::Zeroizing;

use super::WsError;
use super::common::{
    Pol2, SubscriptionAddress, aid, boolean, check_eid, check_iccid, hex_value, number, opt_number,
    opt_text, text,
};
use super::names::*;
use super::xml::Element;
use base64::Engine as _;

/// A Profile's state in the EIS (SGP.02 §5.1.1.2.3; values our reading).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileState {
    /// ISD-P created, no Profile yet.
    Created,
    /// Installed, disabled.
    Disabled,
    /// Enabled.
    Enabled,
}

const STATES: [(ProfileState, &str); 3] = [
    (ProfileState::Created, "Created"),
    (ProfileState::Disabled, "Disabled"),
    (ProfileState::Enabled, "Enabled"),
];

/// One Profile (ISD-P) in the EIS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileInfo {
    /// ICCID.
    pub iccid: String,
    /// ISD-P AID, hex.
    pub isdp_aid: String,
    /// The owning Operator.
    pub mno_id: String,
    /// Whether it is the fallback Profile.
    pub fallback_attribute: bool,
    /// Where SMS go while it is enabled.
    pub subscription_address: Option<SubscriptionAddress>,
    /// State.
    pub state: ProfileState,
    /// The SM-DP that prepared it.
    pub smdp_id: Option<String>,
    /// Profile type (free text).
    pub profile_type: Option<String>,
    /// Memory allocated to the ISD-P, bytes.
    pub allocated_memory: Option<u64>,
    /// The Operator's POL2.
    pub pol2: Option<Pol2>,
}

/// The ECASD: its AID and certificate (DER, base64 on the wire).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ecasd {
    /// AID, hex.
    pub aid: String,
    /// CERT.ECASD.ECKA, DER.
    pub certificate: Vec<u8>,
}

/// SCP80 algorithm family (ETSI TS 102 225; wire text `3DES` / `AES`, our reading).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scp80Algorithm {
    /// Two-key triple DES.
    Tdes,
    /// AES.
    Aes,
}

const ALGORITHMS: [(Scp80Algorithm, &str); 2] =
    [(Scp80Algorithm::Tdes, "3DES"), (Scp80Algorithm::Aes, "AES")];

/// One SCP80 keyset of the ISD-R (hex on the wire).
#[derive(Clone, PartialEq, Eq)]
pub struct Scp80Keyset {
    /// Key version number.
    pub version: u8,
    /// Algorithm.
    pub algorithm: Scp80Algorithm,
    /// KIc (ciphering key).
    pub kic: Zeroizing<Vec<u8>>,
    /// KID (integrity key).
    pub kid: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for Scp80Keyset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scp80Keyset")
            .field("version", &self.version)
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

/// The SCP81 TLS-PSK of the ISD-R's admin agent.
#[derive(Clone, PartialEq, Eq)]
pub struct Scp81Psk {
    /// PSK identity (not secret).
    pub identity: String,
    /// The key (hex on the wire).
    pub key: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for Scp81Psk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scp81Psk")
            .field("identity", &self.identity)
            .finish_non_exhaustive()
    }
}

/// The ISD-R: its AID and the keys the SM-SR uses on ES5.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IsdR {
    /// AID, hex.
    pub aid: String,
    /// SCP80 keysets.
    pub scp80_keysets: Vec<Scp80Keyset>,
    /// SCP81 PSK, if the eUICC supports HTTPS.
    pub scp81_psk: Option<Scp81Psk>,
}

/// The eUICC Information Set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Eis {
    /// EID.
    pub eid: String,
    /// The EUM.
    pub eum_id: String,
    /// Production date (`xs:dateTime` text).
    pub production_date: String,
    /// Platform type.
    pub platform_type: String,
    /// Platform version.
    pub platform_version: String,
    /// The ECASD (EUM-signed part).
    pub ecasd: Option<Ecasd>,
    /// Free memory, bytes.
    pub remaining_memory: Option<u64>,
    /// Memory available for Profiles, bytes.
    pub available_memory_for_profiles: Option<u64>,
    /// The managing SM-SR.
    pub smsr_id: Option<String>,
    /// Profiles.
    pub profiles: Vec<ProfileInfo>,
    /// The ISD-R and its keys (only between EUM and SM-SR, never to Operators).
    pub isd_r: Option<IsdR>,
}

fn leaf_opt(name: &str, v: Option<&String>) -> Option<Element> {
    v.map(|v| Element::leaf(name, v))
}

fn lookup<T: Copy>(
    table: &[(T, &'static str)],
    name: &'static str,
    t: String,
) -> Result<T, WsError> {
    table
        .iter()
        .find(|(_, s)| *s == t)
        .map(|(v, _)| *v)
        .ok_or(WsError::Invalid(name, t))
}

fn name_of<T: Copy + PartialEq>(table: &[(T, &'static str)], v: T) -> &'static str {
    table
        .iter()
        .find(|(x, _)| *x == v)
        .map(|(_, s)| *s)
        .unwrap_or_default()
}

fn secret_hex(el: &Element, name: &'static str) -> Result<Zeroizing<Vec<u8>>, WsError> {
    let t = Zeroizing::new(text(el, name)?);
    hex_value(name, &t).map(Zeroizing::new)
}

impl ProfileInfo {
    fn to_element(&self) -> Element {
        Element::gsma(PROFILE_INFO)
            .with(Element::leaf(ICCID, &self.iccid))
            .with(Element::leaf(ISDP_AID, &self.isdp_aid))
            .with(Element::leaf(MNO_ID, &self.mno_id))
            .with(Element::leaf(
                FALLBACK_ATTRIBUTE,
                self.fallback_attribute.to_string(),
            ))
            .with_opt(
                self.subscription_address
                    .as_ref()
                    .map(|a| a.to_element(SUBSCRIPTION_ADDRESS)),
            )
            .with(Element::leaf(STATE, name_of(&STATES, self.state)))
            .with_opt(leaf_opt(SMDP_ID, self.smdp_id.as_ref()))
            .with_opt(leaf_opt(PROFILE_TYPE, self.profile_type.as_ref()))
            .with_opt(
                self.allocated_memory
                    .map(|m| Element::leaf(ALLOCATED_MEMORY, m.to_string())),
            )
            .with_opt(self.pol2.as_ref().map(Pol2::to_element))
    }

    fn from_element(el: &Element) -> Result<Self, WsError> {
        let iccid = text(el, ICCID)?;
        check_iccid(&iccid)?;
        Ok(Self {
            iccid,
            isdp_aid: aid(el, ISDP_AID)?,
            mno_id: text(el, MNO_ID)?,
            fallback_attribute: opt_text(el, FALLBACK_ATTRIBUTE)
                .map(|t| boolean(FALLBACK_ATTRIBUTE, &t))
                .transpose()?
                .unwrap_or(false),
            subscription_address: el
                .child(NS_GSMA, SUBSCRIPTION_ADDRESS)
                .map(SubscriptionAddress::from_element)
                .transpose()?,
            state: lookup(&STATES, STATE, text(el, STATE)?)?,
            smdp_id: opt_text(el, SMDP_ID),
            profile_type: opt_text(el, PROFILE_TYPE),
            allocated_memory: opt_number(el, ALLOCATED_MEMORY)?,
            pol2: el
                .child(NS_GSMA, POL2)
                .map(Pol2::from_element)
                .transpose()?,
        })
    }
}

impl IsdR {
    fn to_element(&self) -> Element {
        let mut el = Element::gsma(ISD_R).with(Element::leaf(AID, &self.aid));
        for k in &self.scp80_keysets {
            el = el.with(
                Element::gsma(SCP80_KEYSET)
                    .with(Element::leaf(VERSION, k.version.to_string()))
                    .with(Element::leaf(ALGORITHM, name_of(&ALGORITHMS, k.algorithm)))
                    .with(Element::leaf(KIC, hex::encode_upper(k.kic.as_slice())))
                    .with(Element::leaf(KID, hex::encode_upper(k.kid.as_slice()))),
            );
        }
        el.with_opt(self.scp81_psk.as_ref().map(|p| {
            Element::gsma(SCP81_PSK)
                .with(Element::leaf(IDENTITY, &p.identity))
                .with(Element::leaf(KEY, hex::encode_upper(p.key.as_slice())))
        }))
    }

    fn from_element(el: &Element) -> Result<Self, WsError> {
        let scp80_keysets = el
            .children_named(NS_GSMA, SCP80_KEYSET)
            .map(|k| {
                let version = number(k, VERSION)?;
                Ok(Scp80Keyset {
                    version: u8::try_from(version)
                        .map_err(|_| WsError::Invalid(VERSION, version.to_string()))?,
                    algorithm: lookup(&ALGORITHMS, ALGORITHM, text(k, ALGORITHM)?)?,
                    kic: secret_hex(k, KIC)?,
                    kid: secret_hex(k, KID)?,
                })
            })
            .collect::<Result<_, WsError>>()?;
        let scp81_psk = el
            .child(NS_GSMA, SCP81_PSK)
            .map(|p| {
                Ok::<_, WsError>(Scp81Psk {
                    identity: text(p, IDENTITY)?,
                    key: secret_hex(p, KEY)?,
                })
            })
            .transpose()?;
        Ok(Self {
            aid: aid(el, AID)?,
            scp80_keysets,
            scp81_psk,
        })
    }
}

impl Eis {
    /// The `Eis` element.
    pub fn to_element(&self) -> Element {
        let signed = Element::gsma(EUM_SIGNED_INFO)
            .with(Element::leaf(EID, &self.eid))
            .with(Element::leaf(EUM_ID, &self.eum_id))
            .with(Element::leaf(PRODUCTION_DATE, &self.production_date))
            .with(Element::leaf(PLATFORM_TYPE, &self.platform_type))
            .with(Element::leaf(PLATFORM_VERSION, &self.platform_version))
            .with_opt(self.ecasd.as_ref().map(|e| {
                Element::gsma(ECASD)
                    .with(Element::leaf(AID, &e.aid))
                    .with(Element::leaf(
                        CERTIFICATE,
                        base64::engine::general_purpose::STANDARD.encode(&e.certificate),
                    ))
            }));
        let mut el = Element::gsma(EIS)
            .with(signed)
            .with_opt(
                self.remaining_memory
                    .map(|m| Element::leaf(REMAINING_MEMORY, m.to_string())),
            )
            .with_opt(
                self.available_memory_for_profiles
                    .map(|m| Element::leaf(AVAILABLE_MEMORY, m.to_string())),
            )
            .with_opt(leaf_opt(SMSR_ID, self.smsr_id.as_ref()));
        el.children
            .extend(self.profiles.iter().map(ProfileInfo::to_element));
        el.with_opt(self.isd_r.as_ref().map(IsdR::to_element))
    }

    /// Reads an `Eis` element.
    pub fn from_element(el: &Element) -> Result<Self, WsError> {
        let signed = el
            .child(NS_GSMA, EUM_SIGNED_INFO)
            .ok_or(WsError::Missing(EUM_SIGNED_INFO))?;
        let eid = text(signed, EID)?;
        check_eid(&eid)?;
        let ecasd = signed
            .child(NS_GSMA, ECASD)
            .map(|e| {
                let cert = text(e, CERTIFICATE)?;
                let certificate = base64::engine::general_purpose::STANDARD
                    .decode(cert.replace(['\n', '\r', ' ', '\t'], ""))
                    .map_err(|_| WsError::Invalid(CERTIFICATE, "not base64".into()))?;
                Ok::<_, WsError>(Ecasd {
                    aid: aid(e, AID)?,
                    certificate,
                })
            })
            .transpose()?;
        Ok(Self {
            eid,
            eum_id: text(signed, EUM_ID)?,
            production_date: text(signed, PRODUCTION_DATE)?,
            platform_type: text(signed, PLATFORM_TYPE)?,
            platform_version: text(signed, PLATFORM_VERSION)?,
            ecasd,
            remaining_memory: opt_number(el, REMAINING_MEMORY)?,
            available_memory_for_profiles: opt_number(el, AVAILABLE_MEMORY)?,
            smsr_id: opt_text(el, SMSR_ID),
            profiles: el
                .children_named(NS_GSMA, PROFILE_INFO)
                .map(ProfileInfo::from_element)
                .collect::<Result<_, _>>()?,
            isd_r: el
                .child(NS_GSMA, ISD_R)
                .map(IsdR::from_element)
                .transpose()?,
        })
    }
}
