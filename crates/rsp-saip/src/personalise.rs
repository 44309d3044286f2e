//! Personalisation of a template (TCA SAIP v3.3.1 §8; SGP.22 §2.5 profile data):
//! ICCID, IMSI, K/OPc, PINs/PUKs, OTA keys, MSISDN and SMSC. Everything else stays
//! byte-identical: values are patched in place in the decoded structure.

use thiserror::Error;

use crate::bcd::{DiallingNumber, Iccid, IdError, Imsi};
use crate::fs::ContentError;
use crate::milenage;
use crate::model::aka::algorithm;
use crate::model::pin::key_ref;
use crate::model::{AlgoConfiguration, PinCodes, ProfileElement};
use crate::package::ProfilePackage;
use crate::secret::SecretBytes;

/// A personalisation value is invalid or the template cannot take it.
/// Messages name the field, never its secret value.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum PersoError {
    #[error("unknown field '{0}'")]
    UnknownField(String),
    #[error("{field}: not a hexadecimal string")]
    NotHex { field: &'static str },
    #[error("{field}: {len} bytes, expected {expected}")]
    KeyLength {
        field: &'static str,
        len: usize,
        expected: &'static str,
    },
    #[error("{field}: {reason}")]
    Value { field: &'static str, reason: String },
    #[error(transparent)]
    Id(#[from] IdError),
    #[error("the template has no {0}")]
    Missing(String),
    #[error("{file}: {source}")]
    Content {
        file: &'static str,
        source: ContentError,
    },
    #[error(transparent)]
    Codec(#[from] crate::error::CodecError),
}

/// A PIN, PUK or ADM value coded as `pinValue`/`pukValue` (8 bytes, ETSI TS 102 221 §9.5.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinValue(SecretBytes);

impl PinValue {
    /// PIN1/PIN2: 4–8 digits, ASCII, 'FF'-padded.
    pub fn pin(field: &'static str, s: &str) -> Result<Self, PersoError> {
        digits(field, s, 4, 8).map(Self)
    }

    /// PUK: exactly 8 digits, ASCII.
    pub fn puk(field: &'static str, s: &str) -> Result<Self, PersoError> {
        digits(field, s, 8, 8).map(Self)
    }

    /// ADM: 8 digits (ASCII) or 16 hex digits (raw 8 bytes).
    pub fn adm(field: &'static str, s: &str) -> Result<Self, PersoError> {
        let s = s.trim();
        if s.len() == 16 {
            let b = SecretBytes::from_hex(s).ok_or(PersoError::NotHex { field })?;
            return Ok(Self(b));
        }
        digits(field, s, 4, 8).map(Self)
    }

    /// The 8 coded bytes.
    pub fn expose(&self) -> &[u8] {
        self.0.expose()
    }
}

fn digits(field: &'static str, s: &str, min: usize, max: usize) -> Result<SecretBytes, PersoError> {
    let s = s.trim();
    if !s.bytes().all(|c| c.is_ascii_digit()) || !(min..=max).contains(&s.len()) {
        return Err(PersoError::Value {
            field,
            reason: format!("must be {min} to {max} decimal digits"),
        });
    }
    let mut v = s.as_bytes().to_vec();
    v.resize(8, 0xFF);
    Ok(SecretBytes::new(v))
}

/// SCP80 OTA keys of the MNO security domain (ETSI TS 102 225; GP Amd B key IDs 1, 2, 3).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OtaKeys {
    /// Key version to set; `None` sets every SCP80 key set (KVN 01..0F) present.
    pub kvn: Option<u8>,
    pub kic: Option<SecretBytes>,
    pub kid: Option<SecretBytes>,
    pub kik: Option<SecretBytes>,
}

impl OtaKeys {
    fn is_empty(&self) -> bool {
        self.kic.is_none() && self.kid.is_none() && self.kik.is_none()
    }
}

/// The values to set; `None` leaves the template's value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Personalisation {
    pub iccid: Option<Iccid>,
    pub imsi: Option<Imsi>,
    /// K (Ki).
    pub ki: Option<SecretBytes>,
    /// OPc (TOPc for TUAK).
    pub opc: Option<SecretBytes>,
    /// OP, from which OPc is derived with K (Milenage only).
    pub op: Option<SecretBytes>,
    pub pin1: Option<PinValue>,
    pub pin2: Option<PinValue>,
    pub adm1: Option<PinValue>,
    pub adm2: Option<PinValue>,
    pub puk1: Option<PinValue>,
    pub puk2: Option<PinValue>,
    pub ota: OtaKeys,
    pub msisdn: Option<DiallingNumber>,
    /// SMS service centre address for EF.SMSP record 1.
    pub smsc: Option<DiallingNumber>,
}

/// Field names accepted by [`Personalisation::set`] (CLI options, CSV columns, JSON keys).
pub const FIELDS: &[&str] = &[
    "iccid", "imsi", "ki", "opc", "op", "pin1", "pin2", "adm1", "adm2", "puk1", "puk2", "kvn",
    "kic", "kid", "kik", "msisdn", "smsc",
];

fn hex_field(field: &'static str, v: &str) -> Result<SecretBytes, PersoError> {
    SecretBytes::from_hex(v).ok_or(PersoError::NotHex { field })
}

fn ota_key(field: &'static str, v: &str) -> Result<SecretBytes, PersoError> {
    let k = hex_field(field, v)?;
    if ![16, 24, 32].contains(&k.len()) {
        return Err(PersoError::KeyLength {
            field,
            len: k.len(),
            expected: "16, 24 or 32",
        });
    }
    Ok(k)
}

impl Personalisation {
    /// Whether nothing is to be set.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Sets one field from its text form (names in [`FIELDS`], case-insensitive; "k" = "ki").
    /// An empty value leaves the field unset.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), PersoError> {
        let value = value.trim();
        if value.is_empty() {
            return Ok(());
        }
        match name.trim().to_ascii_lowercase().as_str() {
            "iccid" => self.iccid = Some(Iccid::parse(value)?),
            "imsi" => self.imsi = Some(Imsi::parse(value)?),
            "ki" | "k" => {
                let k = hex_field("ki", value)?;
                if k.len() != 16 && k.len() != 32 {
                    return Err(PersoError::KeyLength {
                        field: "ki",
                        len: k.len(),
                        expected: "16 or 32",
                    });
                }
                self.ki = Some(k);
            }
            "opc" | "topc" => {
                let k = hex_field("opc", value)?;
                if k.len() != 16 && k.len() != 32 {
                    return Err(PersoError::KeyLength {
                        field: "opc",
                        len: k.len(),
                        expected: "16 or 32",
                    });
                }
                self.opc = Some(k);
            }
            "op" => {
                let k = hex_field("op", value)?;
                if k.len() != 16 {
                    return Err(PersoError::KeyLength {
                        field: "op",
                        len: k.len(),
                        expected: "16",
                    });
                }
                self.op = Some(k);
            }
            "pin1" => self.pin1 = Some(PinValue::pin("pin1", value)?),
            "pin2" => self.pin2 = Some(PinValue::pin("pin2", value)?),
            "adm1" => self.adm1 = Some(PinValue::adm("adm1", value)?),
            "adm2" => self.adm2 = Some(PinValue::adm("adm2", value)?),
            "puk1" => self.puk1 = Some(PinValue::puk("puk1", value)?),
            "puk2" => self.puk2 = Some(PinValue::puk("puk2", value)?),
            "kvn" => {
                let b =
                    hex::decode(value)
                        .ok()
                        .filter(|b| b.len() == 1)
                        .ok_or(PersoError::Value {
                            field: "kvn",
                            reason: "must be one byte in hex (01..0F for SCP80)".into(),
                        })?;
                self.ota.kvn = b.first().copied();
            }
            "kic" => self.ota.kic = Some(ota_key("kic", value)?),
            "kid" => self.ota.kid = Some(ota_key("kid", value)?),
            "kik" => self.ota.kik = Some(ota_key("kik", value)?),
            "msisdn" => self.msisdn = Some(DiallingNumber::parse(value)?),
            "smsc" => self.smsc = Some(DiallingNumber::parse(value)?),
            other => return Err(PersoError::UnknownField(other.to_string())),
        }
        Ok(())
    }
}

/// Applies `p` to `pkg`. On error the package may be partly changed: work on a copy
/// (or re-decode) if the original must survive. Of a lazily decoded package
/// ([`ProfilePackage::decode_lazy`]) only the elements that can hold the values set are
/// decoded ([`touched_tags`]); the others are left as received.
pub fn personalise(pkg: &mut ProfilePackage, p: &Personalisation) -> Result<(), PersoError> {
    if !pkg.is_fully_decoded() {
        let touched = touched_tags(p);
        pkg.decode_tags(|tag| tag < 64 && touched & (1u64 << tag) != 0)?;
    }
    if let Some(iccid) = &p.iccid {
        set_iccid(pkg, iccid)?;
    }
    if let Some(imsi) = &p.imsi {
        write(pkg, "usim/ef-imsi", "EF.IMSI", 0, &imsi.ef_imsi())?;
    }
    if p.ki.is_some() || p.opc.is_some() || p.op.is_some() {
        set_aka(pkg, p)?;
    }
    let pins = [
        (&p.pin1, key_ref::PIN_APPL1, "PIN1"),
        (&p.pin2, key_ref::SECOND_PIN_APPL1, "PIN2"),
        (&p.adm1, key_ref::ADM1, "ADM1"),
        (&p.adm2, key_ref::ADM2, "ADM2"),
    ];
    for (value, reference, what) in pins {
        if let Some(v) = value {
            set_pin(pkg, reference, v, what)?;
        }
    }
    for (value, reference, what) in [
        (&p.puk1, key_ref::PUK_APPL1, "PUK1"),
        (&p.puk2, key_ref::SECOND_PUK_APPL1, "PUK2"),
    ] {
        if let Some(v) = value {
            set_puk(pkg, reference, v, what)?;
        }
    }
    if !p.ota.is_empty() {
        set_ota(pkg, &p.ota)?;
    }
    if let Some(n) = &p.msisdn {
        set_msisdn(pkg, n)?;
    }
    if let Some(n) = &p.smsc {
        set_smsc(pkg, n)?;
    }
    Ok(())
}

/// The `ProfileElement` alternatives (as a bit set of their context tags, SAIP §8.1)
/// that [`personalise`] reads or writes for the values set in `p`.
pub fn touched_tags(p: &Personalisation) -> u64 {
    const HEADER: u32 = 0;
    const PIN_CODES: u32 = 2;
    const PUK_CODES: u32 = 3;
    const AKA_PARAMETER: u32 = 4;
    const SECURITY_DOMAIN: u32 = 6;
    const MF: u32 = 16;
    const USIM: u32 = 19;
    const OPT_USIM: u32 = 20;
    let pins = [&p.pin1, &p.pin2, &p.adm1, &p.adm2];
    let puks = [&p.puk1, &p.puk2];
    [
        (p.iccid.is_some(), HEADER),
        (p.iccid.is_some(), MF),
        (p.imsi.is_some() || p.smsc.is_some(), USIM),
        (
            p.ki.is_some() || p.opc.is_some() || p.op.is_some(),
            AKA_PARAMETER,
        ),
        (pins.iter().any(|v| v.is_some()), PIN_CODES),
        (puks.iter().any(|v| v.is_some()), PUK_CODES),
        (!p.ota.is_empty(), SECURITY_DOMAIN),
        (p.msisdn.is_some(), OPT_USIM),
    ]
    .into_iter()
    .filter(|(on, _)| *on)
    .fold(0, |set, (_, tag)| set | (1u64 << tag))
}

fn write(
    pkg: &mut ProfilePackage,
    path: &str,
    file: &'static str,
    offset: usize,
    data: &[u8],
) -> Result<(), PersoError> {
    match pkg.write_file(path, offset, data) {
        Ok(true) => Ok(()),
        Ok(false) => Err(PersoError::Missing(file.to_string())),
        Err(source) => Err(PersoError::Content { file, source }),
    }
}

/// ICCID in the ProfileHeader (plain BCD) and EF.ICCID (swapped BCD, TS 102 221 §13.2).
fn set_iccid(pkg: &mut ProfilePackage, iccid: &Iccid) -> Result<(), PersoError> {
    let old_ef = pkg
        .file("mf/ef-iccid")
        .map(|f| f.read())
        .unwrap_or_default();
    let header = pkg
        .header_mut()
        .ok_or_else(|| PersoError::Missing("ProfileHeader".into()))?;
    header.iccid = iccid
        .header_bytes_like(&header.iccid, old_ef.get(..10).unwrap_or_default())
        .into();
    write(pkg, "mf/ef-iccid", "EF.ICCID", 0, &iccid.ef_iccid())
}

/// K and OPc in every `PE-AKAParameter` carrying an `algoParameter` (SAIP §8.5.1).
fn set_aka(pkg: &mut ProfilePackage, p: &Personalisation) -> Result<(), PersoError> {
    let mut found = false;
    for pe in pkg.pes_mut() {
        let ProfileElement::AkaParameter(aka) = pe else {
            continue;
        };
        let AlgoConfiguration::AlgoParameter(algo) = &mut aka.algo_configuration else {
            continue;
        };
        found = true;
        let tuak = algo.algorithm_id == algorithm::TUAK;
        if let Some(k) = &p.ki {
            if !tuak && k.len() != 16 {
                return Err(PersoError::KeyLength {
                    field: "ki",
                    len: k.len(),
                    expected: "16 (Milenage / test algorithm)",
                });
            }
            algo.key = k.expose().to_vec().into();
        }
        let opc = match (&p.opc, &p.op) {
            (Some(opc), _) => Some(opc.clone()),
            (None, Some(op)) if algo.algorithm_id == algorithm::MILENAGE => Some(
                milenage::opc_from_op(&algo.key, op.expose()).ok_or(PersoError::KeyLength {
                    field: "ki",
                    len: algo.key.len(),
                    expected: "16 to derive OPc from OP",
                })?,
            ),
            (None, Some(_)) => {
                return Err(PersoError::Value {
                    field: "op",
                    reason: "OP → OPc is defined for Milenage only; give the (T)OPc".into(),
                });
            }
            (None, None) => None,
        };
        if let Some(opc) = opc {
            let expected = if tuak { 32 } else { 16 };
            if opc.len() != expected {
                let expected = if tuak { "32 (TOPc)" } else { "16" };
                return Err(PersoError::KeyLength {
                    field: "opc",
                    len: opc.len(),
                    expected,
                });
            }
            algo.opc = opc.expose().to_vec().into();
        }
    }
    if found {
        Ok(())
    } else {
        Err(PersoError::Missing(
            "PE-AKAParameter with algoParameter".into(),
        ))
    }
}

fn set_pin(
    pkg: &mut ProfilePackage,
    reference: u8,
    v: &PinValue,
    what: &str,
) -> Result<(), PersoError> {
    let mut found = false;
    for pe in pkg.pes_mut() {
        let ProfileElement::PinCodes(pins) = pe else {
            continue;
        };
        let PinCodes::Pinconfig(list) = &mut pins.pin_codes else {
            continue;
        };
        for c in list.iter_mut().filter(|c| c.key_reference == reference) {
            c.pin_value = v.expose().to_vec().into();
            found = true;
        }
    }
    if found {
        Ok(())
    } else {
        Err(PersoError::Missing(format!(
            "{what} (key reference {reference})"
        )))
    }
}

fn set_puk(
    pkg: &mut ProfilePackage,
    reference: u8,
    v: &PinValue,
    what: &str,
) -> Result<(), PersoError> {
    let mut found = false;
    for pe in pkg.pes_mut() {
        let ProfileElement::PukCodes(puks) = pe else {
            continue;
        };
        for c in puks
            .puk_codes
            .iter_mut()
            .filter(|c| c.key_reference == reference)
        {
            c.puk_value = v.expose().to_vec().into();
            found = true;
        }
    }
    if found {
        Ok(())
    } else {
        Err(PersoError::Missing(format!(
            "{what} (key reference {reference})"
        )))
    }
}

/// KIc/KID/KIK (key identifiers 1/2/3) of the first security domain PE.
fn set_ota(pkg: &mut ProfilePackage, ota: &OtaKeys) -> Result<(), PersoError> {
    let sd = pkg
        .pes_mut()
        .find_map(|pe| match pe {
            ProfileElement::SecurityDomain(sd) => Some(sd),
            _ => None,
        })
        .ok_or_else(|| PersoError::Missing("PE-SecurityDomain".into()))?;
    let keys = sd
        .key_list
        .as_mut()
        .ok_or_else(|| PersoError::Missing("key list in the security domain".into()))?;
    for (id, value, field) in [
        (1u8, &ota.kic, "kic"),
        (2, &ota.kid, "kid"),
        (3, &ota.kik, "kik"),
    ] {
        let Some(value) = value else { continue };
        let mut found = false;
        for key in keys.iter_mut() {
            let kvn = key.key_version_number.first().copied().unwrap_or(0);
            let kvn_ok = ota.kvn.map_or((0x01..=0x0F).contains(&kvn), |v| v == kvn);
            if key.key_identifier.as_ref() != [id] || !kvn_ok {
                continue;
            }
            for comp in &mut key.key_components {
                let ok = match comp.key_type.as_ref() {
                    [0x80] => [16, 24].contains(&value.len()),
                    [0x88] => [16, 24, 32].contains(&value.len()),
                    _ => value.len() == comp.key_data.len(),
                };
                if !ok {
                    return Err(PersoError::KeyLength {
                        field,
                        len: value.len(),
                        expected: "the key type's length (DES 16/24, AES 16/24/32)",
                    });
                }
                comp.key_data = value.expose().to_vec().into();
            }
            found = true;
        }
        if !found {
            return Err(PersoError::Missing(format!(
                "{field} key (identifier {id}) of the requested key version"
            )));
        }
    }
    Ok(())
}

/// Record length from the file's FCP (file descriptor, TS 102 221 §11.1.1.4.3).
fn record_length(
    pkg: &ProfilePackage,
    path: &str,
    file: &'static str,
) -> Result<(usize, Vec<u8>), PersoError> {
    let f = pkg
        .file(path)
        .ok_or_else(|| PersoError::Missing(file.to_string()))?;
    let len = f
        .file
        .fcp()
        .and_then(|fcp| fcp.record_length())
        .map(usize::from)
        .ok_or_else(|| {
            PersoError::Missing(format!("record length of {file} (no FCP in the template)"))
        })?;
    let record = f
        .read()
        .get(..len)
        .map(<[u8]>::to_vec)
        .unwrap_or_else(|| vec![0xFF; len]);
    Ok((len, record))
}

/// EF.MSISDN record 1: alpha identifier 'FF…', number, CCP2 and EXT5 'FF' (TS 31.102 §4.2.26).
fn set_msisdn(pkg: &mut ProfilePackage, n: &DiallingNumber) -> Result<(), PersoError> {
    let (len, _) = record_length(pkg, "opt-usim/ef-msisdn", "EF.MSISDN")?;
    let alpha = len.checked_sub(14).ok_or(PersoError::Value {
        field: "msisdn",
        reason: "EF.MSISDN record shorter than 14 bytes".into(),
    })?;
    let mut record = vec![0xFF; len];
    if let Some(dst) = record.get_mut(alpha..alpha + 12) {
        dst.copy_from_slice(&n.address12());
    }
    write(pkg, "opt-usim/ef-msisdn", "EF.MSISDN", 0, &record)
}

/// EF.SMSP record 1: TS-Service Centre Address and its parameter indicator (TS 31.102 §4.2.27).
fn set_smsc(pkg: &mut ProfilePackage, n: &DiallingNumber) -> Result<(), PersoError> {
    let (len, mut record) = record_length(pkg, "usim/ef-smsp", "EF.SMSP")?;
    let y = len.checked_sub(28).ok_or(PersoError::Value {
        field: "smsc",
        reason: "EF.SMSP record shorter than 28 bytes".into(),
    })?;
    if let Some(ind) = record.get_mut(y) {
        *ind &= !0x02; // b2 = 0: TS-Service Centre Address present
    }
    if let Some(dst) = record.get_mut(y + 13..y + 25) {
        dst.copy_from_slice(&n.address12());
    }
    write(pkg, "usim/ef-smsp", "EF.SMSP", 0, &record)
}
