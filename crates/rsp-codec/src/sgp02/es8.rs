//! ES8, SM-DP → ISD-P (SGP.02 §3.1.2 ISD-P key establishment, §3.1.3 profile download,
//! §4.1.3): the C-APDUs an SM-DP hands to the SM-SR in ES3 SendData scripts and the
//! response data the ISD-P answers with. Pure codec; the crypto is `rsp-crypto`'s.
//!
//! A script opens with INSTALL [for personalization] of the ISD-P, sent to the ISD-R, so
//! that the STORE DATA commands after it in the same script reach the ISD-P (GP Card Spec
//! §11.5.2.3). Then:
//!
//! 1. [`KeySetCertificate`]: STORE DATA DGI `3A01` { `7F21` CERT.DP.ECDSA }; the ISD-P
//!    checks it with PK.CI.ECDSA of the ECASD and answers a random challenge `85`.
//! 2. [`KeySetKeyAgreement`]: STORE DATA DGI `3A02` { `A6` CRT } ‖ `7F49` ePK.DP.ECKA ‖
//!    `5F37` signature over `3A02`‖`7F49`‖`85` RC; the ISD-P answers [`KeySetReceipt`]
//!    (`85` DR, `86` receipt) — GP Amd E scenario #3.
//! 3. [`Scp03tCommand`]: STORE DATA carrying one SCP03t TLV (`84` INITIALIZE UPDATE,
//!    `85` EXTERNAL AUTHENTICATE, `86` protected Profile Package segment; SGP.02 §4.1.3.3),
//!    P1 `90` for the last block and `10` before it.
//!
//! docs/m2m-es8.md walks through the exchange.
//!
//! Layouts follow the public Njiwa SM-DP where it shows them and are otherwise our reading
//! (the SGP.02 and GP Amd E texts were not at hand); every constant is in [`super::consts`].

use super::Sgp02Error;
use super::command::{build, split_apdu, split_command, unknown};
use super::consts as c;
use super::tlv;
use super::types::Aid;

/// INSTALL [for personalization] (GP §11.5.2.3): `80 E6 20 00` `00` `00` L‖AID `00 00 00`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstallForPersonalization {
    /// The ISD-P that receives the following STORE DATA commands.
    pub aid: Aid,
}

impl InstallForPersonalization {
    /// The C-APDU.
    pub fn to_apdu(&self) -> Result<Vec<u8>, Sgp02Error> {
        let aid = self.aid.as_bytes();
        let mut data = vec![0x00, 0x00, aid.len() as u8];
        data.extend_from_slice(aid);
        data.extend_from_slice(&[0x00, 0x00, 0x00]);
        build(
            c::INS_INSTALL,
            c::P1_INSTALL_FOR_PERSONALIZATION,
            0x00,
            &data,
        )
    }

    /// Parses the C-APDU.
    pub fn parse(apdu: &[u8]) -> Result<Self, Sgp02Error> {
        let a = split_command(apdu, c::INS_INSTALL, c::P1_INSTALL_FOR_PERSONALIZATION, 0)?;
        match a.data {
            [0x00, 0x00, l, rest @ ..] if rest.len() == usize::from(*l) + 3 => {
                let (aid, tail) = rest.split_at(usize::from(*l));
                if tail != [0x00, 0x00, 0x00] {
                    return Err(Sgp02Error::InvalidValue("INSTALL for personalization"));
                }
                Ok(Self {
                    aid: Aid::new(aid)?,
                })
            }
            _ => Err(Sgp02Error::Malformed("INSTALL for personalization data")),
        }
    }

    /// Whether `apdu` is an INSTALL [for personalization] (before parsing it).
    pub fn matches(apdu: &[u8]) -> bool {
        matches!(
            apdu,
            [
                c::CLA_GP,
                c::INS_INSTALL,
                c::P1_INSTALL_FOR_PERSONALIZATION,
                ..
            ]
        )
    }
}

/// An elliptic-curve public key template `7F49` { `B0` Q (uncompressed) ‖ `F0` key
/// parameter reference }.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EcPublicKey {
    /// The point, `04 ‖ X ‖ Y`.
    pub q: Vec<u8>,
    /// `KEY_PARAMETER_P256` or `KEY_PARAMETER_BRAINPOOL_P256R1`.
    pub parameter_reference: u8,
}

impl EcPublicKey {
    fn value(&self) -> Result<Vec<u8>, Sgp02Error> {
        let mut v = tlv::tlv(c::TAG_PUBLIC_KEY_Q, &self.q)?;
        tlv::push_tlv(
            &mut v,
            c::TAG_KEY_PARAMETER_REFERENCE,
            &[self.parameter_reference],
        )?;
        Ok(v)
    }

    /// The `7F49` TLV.
    pub fn to_tlv(&self) -> Result<Vec<u8>, Sgp02Error> {
        tlv::tlv(c::TAG_PUBLIC_KEY, &self.value()?)
    }

    /// Parses the `7F49` TLV (the form ES7 CreateAdditionalKeySet's `EphemeralPublicKey`
    /// carries, our reading).
    pub fn parse(input: &[u8]) -> Result<Self, Sgp02Error> {
        Self::parse_value(tlv::read_single(input, c::TAG_PUBLIC_KEY, "public key")?)
    }

    fn parse_value(value: &[u8]) -> Result<Self, Sgp02Error> {
        let mut q = None;
        let mut parameter_reference = None;
        for (t, v) in tlv::read_all(value)? {
            match t {
                c::TAG_PUBLIC_KEY_Q => q = Some(v.to_vec()),
                c::TAG_KEY_PARAMETER_REFERENCE => match v {
                    [r] => parameter_reference = Some(*r),
                    _ => return Err(Sgp02Error::InvalidValue("key parameter reference")),
                },
                tag => {
                    return Err(Sgp02Error::UnexpectedTag {
                        tag,
                        context: "public key",
                    });
                }
            }
        }
        Ok(Self {
            q: q.ok_or(Sgp02Error::Malformed("public key without Q"))?,
            parameter_reference: parameter_reference.ok_or(Sgp02Error::Malformed(
                "public key without parameter reference",
            ))?,
        })
    }
}

/// A GlobalPlatform certificate `7F21` (GP Amd E; CERT.DP.ECDSA, CERT.SR.ECDSA in SGP.02),
/// signed by the CI over the concatenation of its fields before `5F37`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GpCertificate {
    /// `93` serial number.
    pub serial: Vec<u8>,
    /// `42` CA identifier (the CI's key identifier).
    pub ca_id: Vec<u8>,
    /// `5F20` subject identifier.
    pub subject_id: Vec<u8>,
    /// `95` key usage.
    pub key_usage: Vec<u8>,
    /// `5F25` effective date, YYYYMMDD as BCD.
    pub effective_date: Option<[u8; 4]>,
    /// `5F24` expiration date, YYYYMMDD as BCD.
    pub expiration_date: [u8; 4],
    /// `73` discretionary data (TLVs: `C8` certificate type, …).
    pub discretionary: Vec<u8>,
    /// `7F49` the subject's public key.
    pub public_key: EcPublicKey,
    /// `5F37` the CI's signature, `r ‖ s`.
    pub signature: Vec<u8>,
}

impl GpCertificate {
    /// The signed part: every field but the signature, as TLVs in order.
    pub fn signed_data(&self) -> Result<Vec<u8>, Sgp02Error> {
        let mut v = tlv::tlv(c::TAG_CERT_SERIAL, &self.serial)?;
        tlv::push_tlv(&mut v, c::TAG_CERT_CA_ID, &self.ca_id)?;
        tlv::push_tlv(&mut v, c::TAG_CERT_SUBJECT_ID, &self.subject_id)?;
        tlv::push_tlv(&mut v, c::TAG_CERT_KEY_USAGE, &self.key_usage)?;
        if let Some(d) = &self.effective_date {
            tlv::push_tlv(&mut v, c::TAG_CERT_EFFECTIVE_DATE, d)?;
        }
        tlv::push_tlv(&mut v, c::TAG_CERT_EXPIRATION_DATE, &self.expiration_date)?;
        tlv::push_tlv(&mut v, c::TAG_CERT_DISCRETIONARY, &self.discretionary)?;
        v.extend_from_slice(&self.public_key.to_tlv()?);
        Ok(v)
    }

    /// The `7F21` TLV.
    pub fn to_tlv(&self) -> Result<Vec<u8>, Sgp02Error> {
        let mut v = self.signed_data()?;
        tlv::push_tlv(&mut v, c::TAG_SIGNATURE, &self.signature)?;
        tlv::tlv(c::TAG_GP_CERTIFICATE, &v)
    }

    /// Parses a `7F21` TLV (nothing after it).
    pub fn parse(input: &[u8]) -> Result<Self, Sgp02Error> {
        let value = tlv::read_single(input, c::TAG_GP_CERTIFICATE, "GP certificate")?;
        let fields = tlv::read_all(value)?;
        let find = |tag: u16| fields.iter().find(|(t, _)| *t == tag).map(|(_, v)| *v);
        let need = |tag: u16, what: &'static str| find(tag).ok_or(Sgp02Error::Malformed(what));
        let date = |v: &[u8]| <[u8; 4]>::try_from(v).map_err(|_| Sgp02Error::InvalidValue("date"));
        let cert = Self {
            serial: need(c::TAG_CERT_SERIAL, "certificate serial")?.to_vec(),
            ca_id: need(c::TAG_CERT_CA_ID, "certificate CA identifier")?.to_vec(),
            subject_id: need(c::TAG_CERT_SUBJECT_ID, "certificate subject")?.to_vec(),
            key_usage: need(c::TAG_CERT_KEY_USAGE, "certificate key usage")?.to_vec(),
            effective_date: find(c::TAG_CERT_EFFECTIVE_DATE).map(date).transpose()?,
            expiration_date: date(need(c::TAG_CERT_EXPIRATION_DATE, "expiration date")?)?,
            discretionary: need(c::TAG_CERT_DISCRETIONARY, "discretionary data")?.to_vec(),
            public_key: EcPublicKey::parse_value(need(c::TAG_PUBLIC_KEY, "public key")?)?,
            signature: need(c::TAG_SIGNATURE, "certificate signature")?.to_vec(),
        };
        // Canonical: re-encoding gives the same bytes (no unknown or repeated fields).
        if cert.to_tlv()? != input {
            return Err(Sgp02Error::Malformed("GP certificate fields out of order"));
        }
        Ok(cert)
    }

    /// The certificate type `C8` of the discretionary data, if present.
    pub fn certificate_type(&self) -> Option<u8> {
        tlv::read_all(&self.discretionary)
            .ok()?
            .into_iter()
            .find(|(t, _)| *t == c::TAG_CERT_TYPE)
            .and_then(|(_, v)| v.first().copied())
    }
}

/// EstablishISDPKeySet, first command: STORE DATA `80 E2 09 00` DGI `3A01` { `7F21` }.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeySetCertificate(pub GpCertificate);

impl KeySetCertificate {
    /// The C-APDU.
    pub fn to_apdu(&self) -> Result<Vec<u8>, Sgp02Error> {
        let data = tlv::dgi(c::DGI_KEYSET_CERTIFICATE, &self.0.to_tlv()?)?;
        build(c::INS_STORE_DATA, c::P1_KEYSET_CERTIFICATE, 0x00, &data)
    }
}

/// The control reference template `A6` of the key agreement (GP Amd E scenario #3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyAgreementCrt {
    /// `90`: scenario `03` and its parameters (`SCENARIO_PARAM_*`).
    pub scenario_parameters: u8,
    /// `95`: key usage qualifier (`KEY_USAGE_SCP03_KEYSET`).
    pub key_usage: u8,
    /// `80`: key type (`88` AES).
    pub key_type: u8,
    /// `81`: key length (`10`).
    pub key_length: u8,
    /// `82`: identifier of the first key.
    pub key_id: u8,
    /// `83`: key version of the new keyset.
    pub key_version: u8,
    /// `91`: initial sequence counter of the new keyset (the ISD-R's SCP80 keyset in the
    /// SM-SR change: five octets; absent for an ISD-P's SCP03 keyset). Encoded after
    /// `83` and before `84`, where Njiwa puts it.
    pub initial_counter: Option<Vec<u8>>,
    /// `84`: host identifier, with the scenario parameter `04`.
    pub host_id: Option<Vec<u8>>,
}

impl KeyAgreementCrt {
    /// The CRT of the ISD-R's new SCP80 keyset in the SM-SR change: scenario #3 with
    /// `scenario_parameters`, key usage [`c::KEY_USAGE_SCP80_KEYSET`], AES, 16 octets, key
    /// identifier `01`, `key_version` (1..15), the initial counter in five octets and the
    /// host identifier. ES7 CreateAdditionalKeySet carries these parameters, not the CRT:
    /// the current SM-SR rebuilds it with this function for the STORE DATA, the new one
    /// for the data it signs, so both must build the same octets. (Njiwa also writes a
    /// key access `96 01 00` and the ISD-R's SDIN `45`; we write neither.)
    pub fn isd_r(
        key_version: u8,
        initial_counter: u64,
        scenario_parameters: u8,
        host_id: Option<Vec<u8>>,
    ) -> Result<Self, Sgp02Error> {
        if !(1..=15).contains(&key_version) {
            return Err(Sgp02Error::InvalidValue("SCP80 key version 1..15"));
        }
        if initial_counter >> (8 * c::SCP80_COUNTER_LEN) != 0 {
            return Err(Sgp02Error::InvalidValue("initial counter of five octets"));
        }
        if (scenario_parameters & c::SCENARIO_PARAM_HOST_ID != 0) != host_id.is_some() {
            return Err(Sgp02Error::InvalidValue(
                "host identifier with the scenario parameter 04",
            ));
        }
        Ok(Self {
            scenario_parameters,
            key_usage: c::KEY_USAGE_SCP80_KEYSET,
            key_type: c::KEY_TYPE_AES,
            key_length: c::KEY_LENGTH_AES128,
            key_id: 0x01,
            key_version,
            initial_counter: Some(
                initial_counter.to_be_bytes()[8 - c::SCP80_COUNTER_LEN..].to_vec(),
            ),
            host_id,
        })
    }

    /// The `A6` TLV.
    pub fn to_tlv(&self) -> Result<Vec<u8>, Sgp02Error> {
        let mut v = tlv::tlv(
            c::TAG_CRT_SCENARIO,
            &[c::SCENARIO_3, self.scenario_parameters],
        )?;
        tlv::push_tlv(&mut v, c::TAG_CRT_KEY_USAGE, &[self.key_usage])?;
        tlv::push_tlv(&mut v, c::TAG_CRT_KEY_TYPE, &[self.key_type])?;
        tlv::push_tlv(&mut v, c::TAG_CRT_KEY_LENGTH, &[self.key_length])?;
        tlv::push_tlv(&mut v, c::TAG_CRT_KEY_ID, &[self.key_id])?;
        tlv::push_tlv(&mut v, c::TAG_CRT_KEY_VERSION, &[self.key_version])?;
        if let Some(n) = &self.initial_counter {
            tlv::push_tlv(&mut v, c::TAG_CRT_INITIAL_COUNTER, n)?;
        }
        if let Some(h) = &self.host_id {
            tlv::push_tlv(&mut v, c::TAG_CRT_HOST_ID, h)?;
        }
        tlv::tlv(c::TAG_CRT, &v)
    }

    fn parse_value(value: &[u8]) -> Result<Self, Sgp02Error> {
        let mut crt = Self {
            scenario_parameters: 0,
            key_usage: 0,
            key_type: 0,
            key_length: 0,
            key_id: 0,
            key_version: 0,
            initial_counter: None,
            host_id: None,
        };
        let mut scenario = false;
        let one = |v: &[u8]| match v {
            [b] => Ok(*b),
            _ => Err(Sgp02Error::InvalidValue("CRT field of one octet")),
        };
        for (t, v) in tlv::read_all(value)? {
            match t {
                c::TAG_CRT_SCENARIO => match v {
                    [c::SCENARIO_3, p] => {
                        crt.scenario_parameters = *p;
                        scenario = true;
                    }
                    _ => return Err(Sgp02Error::InvalidValue("scenario (only #3)")),
                },
                c::TAG_CRT_KEY_USAGE => crt.key_usage = one(v)?,
                c::TAG_CRT_KEY_TYPE => crt.key_type = one(v)?,
                c::TAG_CRT_KEY_LENGTH => crt.key_length = one(v)?,
                c::TAG_CRT_KEY_ID => crt.key_id = one(v)?,
                c::TAG_CRT_KEY_VERSION => crt.key_version = one(v)?,
                c::TAG_CRT_INITIAL_COUNTER => crt.initial_counter = Some(v.to_vec()),
                c::TAG_CRT_HOST_ID => crt.host_id = Some(v.to_vec()),
                tag => {
                    return Err(Sgp02Error::UnexpectedTag {
                        tag,
                        context: "CRT",
                    });
                }
            }
        }
        if !scenario {
            return Err(Sgp02Error::Malformed("CRT without scenario"));
        }
        Ok(crt)
    }
}

/// EstablishISDPKeySet, second command: STORE DATA `80 E2 89 01` DGI `3A02` { `A6` } ‖
/// `7F49` ePK.DP.ECKA ‖ `5F37` signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeySetKeyAgreement {
    /// The control reference template.
    pub crt: KeyAgreementCrt,
    /// The SM-DP's ephemeral public key.
    pub ephemeral_key: EcPublicKey,
    /// ECDSA `r ‖ s` by SK.DP.ECDSA over [`KeySetKeyAgreement::signed_data`].
    pub signature: Vec<u8>,
}

impl KeySetKeyAgreement {
    /// What the SM-DP signs: DGI `3A02` { `A6` } ‖ `7F49` ‖ `85` L RC, with the random
    /// challenge the ISD-P answered to the certificate.
    pub fn signed_data(
        crt: &KeyAgreementCrt,
        ephemeral_key: &EcPublicKey,
        random_challenge: &[u8],
    ) -> Result<Vec<u8>, Sgp02Error> {
        let mut v = tlv::dgi(c::DGI_KEYSET_KEY_AGREEMENT, &crt.to_tlv()?)?;
        v.extend_from_slice(&ephemeral_key.to_tlv()?);
        tlv::push_tlv(&mut v, c::TAG_RANDOM_CHALLENGE, random_challenge)?;
        Ok(v)
    }

    /// The C-APDU.
    pub fn to_apdu(&self) -> Result<Vec<u8>, Sgp02Error> {
        let mut data = tlv::dgi(c::DGI_KEYSET_KEY_AGREEMENT, &self.crt.to_tlv()?)?;
        data.extend_from_slice(&self.ephemeral_key.to_tlv()?);
        tlv::push_tlv(&mut data, c::TAG_SIGNATURE, &self.signature)?;
        build(
            c::INS_STORE_DATA,
            c::P1_KEYSET_KEY_AGREEMENT,
            c::P2_KEYSET_KEY_AGREEMENT,
            &data,
        )
    }

    fn parse_data(data: &[u8]) -> Result<Self, Sgp02Error> {
        let (dgi, crt_tlv, rest) = read_dgi_prefix(data)?;
        if dgi != c::DGI_KEYSET_KEY_AGREEMENT {
            return Err(Sgp02Error::UnknownDgi(dgi));
        }
        let crt = KeyAgreementCrt::parse_value(tlv::read_single(crt_tlv, c::TAG_CRT, "CRT")?)?;
        let mut ephemeral_key = None;
        let mut signature = None;
        for (t, v) in tlv::read_all(rest)? {
            match t {
                c::TAG_PUBLIC_KEY if ephemeral_key.is_none() => {
                    ephemeral_key = Some(EcPublicKey::parse_value(v)?)
                }
                c::TAG_SIGNATURE if signature.is_none() => signature = Some(v.to_vec()),
                tag => {
                    return Err(Sgp02Error::UnexpectedTag {
                        tag,
                        context: "key agreement",
                    });
                }
            }
        }
        Ok(Self {
            crt,
            ephemeral_key: ephemeral_key.ok_or(Sgp02Error::Malformed("no ephemeral key"))?,
            signature: signature.ok_or(Sgp02Error::Malformed("no signature"))?,
        })
    }
}

/// A DGI at the start of `input`: its tag, value and what follows.
fn read_dgi_prefix(input: &[u8]) -> Result<(u16, &[u8], &[u8]), Sgp02Error> {
    let (tag, rest) = input
        .split_first_chunk::<2>()
        .ok_or(Sgp02Error::Malformed("DGI truncated"))?;
    let (len, rest) = match rest {
        [0xFF, hi, lo, rest @ ..] => (usize::from(u16::from_be_bytes([*hi, *lo])), rest),
        [l, rest @ ..] => (usize::from(*l), rest),
        [] => return Err(Sgp02Error::Malformed("DGI length missing")),
    };
    if rest.len() < len {
        return Err(Sgp02Error::Malformed("DGI truncated"));
    }
    let (value, rest) = rest.split_at(len);
    Ok((u16::from_be_bytes(*tag), value, rest))
}

/// The ISD-P's answer to the certificate: `85` L random challenge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RandomChallenge(pub Vec<u8>);

impl RandomChallenge {
    /// Response data.
    pub fn encode(&self) -> Result<Vec<u8>, Sgp02Error> {
        tlv::tlv(c::TAG_RANDOM_CHALLENGE, &self.0)
    }
    /// Parses response data.
    pub fn parse(data: &[u8]) -> Result<Self, Sgp02Error> {
        Ok(Self(
            tlv::read_single(data, c::TAG_RANDOM_CHALLENGE, "random challenge")?.to_vec(),
        ))
    }
}

/// The ISD-P's answer to the key agreement: [`85` L DR] ‖ `86` L receipt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeySetReceipt {
    /// Derivation random, when the scenario parameters ask for one.
    pub derivation_random: Option<Vec<u8>>,
    /// The receipt (AES-CMAC with the derived receipt key).
    pub receipt: Vec<u8>,
}

impl KeySetReceipt {
    /// Response data.
    pub fn encode(&self) -> Result<Vec<u8>, Sgp02Error> {
        let mut v = Vec::new();
        if let Some(dr) = &self.derivation_random {
            tlv::push_tlv(&mut v, c::TAG_DERIVATION_RANDOM, dr)?;
        }
        tlv::push_tlv(&mut v, c::TAG_RECEIPT, &self.receipt)?;
        Ok(v)
    }
    /// Parses response data.
    pub fn parse(data: &[u8]) -> Result<Self, Sgp02Error> {
        let mut derivation_random = None;
        let mut receipt = None;
        for (t, v) in tlv::read_all(data)? {
            match t {
                c::TAG_DERIVATION_RANDOM if derivation_random.is_none() && receipt.is_none() => {
                    derivation_random = Some(v.to_vec())
                }
                c::TAG_RECEIPT if receipt.is_none() => receipt = Some(v.to_vec()),
                tag => {
                    return Err(Sgp02Error::UnexpectedTag {
                        tag,
                        context: "key agreement response",
                    });
                }
            }
        }
        Ok(Self {
            derivation_random,
            receipt: receipt.ok_or(Sgp02Error::Malformed("no receipt"))?,
        })
    }
}

/// One SCP03t TLV in a STORE DATA (our reading of how SGP.02 §4.1.3.3 carries SCP03t
/// inside the ISD-P's personalization): P1 `90` (last block) for `84`, `85` and the last
/// `86` segment of a Profile Package, `10` for the segments before it; P2 the block number
/// (GP §11.11.2.2, modulo 256).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scp03tCommand {
    /// The SCP03t TLV (tag `84`, `85` or `86`, its length and value).
    pub tlv: Vec<u8>,
    /// The last block of the sequence (P1 bit 8).
    pub last: bool,
    /// Block number (P2).
    pub block: u8,
}

impl Scp03tCommand {
    /// A single-block command (`84`, `85`, or a one-segment package).
    pub fn single(tlv: Vec<u8>) -> Self {
        Self {
            tlv,
            last: true,
            block: 0,
        }
    }

    /// The C-APDU.
    pub fn to_apdu(&self) -> Result<Vec<u8>, Sgp02Error> {
        let p1 = if self.last {
            c::P1_SCP03T
        } else {
            c::P1_SCP03T_MORE
        };
        build(c::INS_STORE_DATA, p1, self.block, &self.tlv)
    }

    /// The TLV's tag.
    pub fn tag(&self) -> Option<u8> {
        self.tlv.first().copied()
    }
}

/// A STORE DATA the ISD-R forwards to the ISD-P under personalization.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Es8Command {
    /// The SM-DP's certificate.
    KeySetCertificate(KeySetCertificate),
    /// The key agreement data.
    KeySetKeyAgreement(KeySetKeyAgreement),
    /// An SCP03t command.
    Scp03t(Scp03tCommand),
}

impl Es8Command {
    /// Parses a STORE DATA C-APDU.
    pub fn parse(apdu: &[u8]) -> Result<Self, Sgp02Error> {
        let a = split_apdu(apdu)?;
        if a.cla != c::CLA_GP || a.ins != c::INS_STORE_DATA {
            return Err(unknown(&a));
        }
        match (a.p1, a.p2) {
            (c::P1_KEYSET_CERTIFICATE, 0) => {
                let (dgi, value, rest) = read_dgi_prefix(a.data)?;
                if dgi != c::DGI_KEYSET_CERTIFICATE {
                    return Err(Sgp02Error::UnknownDgi(dgi));
                }
                if !rest.is_empty() {
                    return Err(Sgp02Error::Malformed("data after the certificate"));
                }
                Ok(Self::KeySetCertificate(KeySetCertificate(
                    GpCertificate::parse(value)?,
                )))
            }
            (c::P1_KEYSET_KEY_AGREEMENT, c::P2_KEYSET_KEY_AGREEMENT) => Ok(
                Self::KeySetKeyAgreement(KeySetKeyAgreement::parse_data(a.data)?),
            ),
            (p1 @ (c::P1_SCP03T | c::P1_SCP03T_MORE), block) => {
                let (tag, _, rest) = tlv::read_tlv(a.data)?;
                if !rest.is_empty() {
                    return Err(Sgp02Error::Malformed("more than one SCP03t TLV"));
                }
                if !matches!(
                    u8::try_from(tag),
                    Ok(c::TAG_SCP03T_INITIALIZE_UPDATE
                        | c::TAG_SCP03T_EXTERNAL_AUTHENTICATE
                        | c::TAG_SCP03T_DATA)
                ) {
                    return Err(Sgp02Error::UnexpectedTag {
                        tag,
                        context: "SCP03t",
                    });
                }
                Ok(Self::Scp03t(Scp03tCommand {
                    tlv: a.data.to_vec(),
                    last: p1 == c::P1_SCP03T,
                    block,
                }))
            }
            _ => Err(unknown(&a)),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn cert() -> GpCertificate {
        GpCertificate {
            serial: vec![0x01, 0x02],
            ca_id: vec![0xCA; 20],
            subject_id: vec![0x5B; 20],
            key_usage: c::CERT_KEY_USAGE_KEY_AGREEMENT.to_vec(),
            effective_date: Some([0x20, 0x26, 0x01, 0x01]),
            expiration_date: [0x20, 0x36, 0x12, 0x31],
            discretionary: vec![c::TAG_CERT_TYPE as u8, 0x01, c::CERT_TYPE_SMDP],
            public_key: EcPublicKey {
                q: [&[0x04][..], &[0x11; 64]].concat(),
                parameter_reference: c::KEY_PARAMETER_P256,
            },
            signature: vec![0x33; 64],
        }
    }

    fn crt() -> KeyAgreementCrt {
        KeyAgreementCrt {
            scenario_parameters: c::SCENARIO_PARAM_DR | c::SCENARIO_PARAM_CERTIFICATE,
            key_usage: c::KEY_USAGE_SCP03_KEYSET,
            key_type: c::KEY_TYPE_AES,
            key_length: c::KEY_LENGTH_AES128,
            key_id: 0x01,
            key_version: 0x30,
            initial_counter: None,
            host_id: Some(b"SMDP".to_vec()),
        }
    }

    #[test]
    fn isd_r_crt_with_initial_counter() {
        let crt = KeyAgreementCrt {
            scenario_parameters: c::SCENARIO_PARAM_DR
                | c::SCENARIO_PARAM_CERTIFICATE
                | c::SCENARIO_PARAM_HOST_ID,
            key_usage: c::KEY_USAGE_SCP80_KEYSET,
            key_type: c::KEY_TYPE_AES,
            key_length: c::KEY_LENGTH_AES128,
            key_id: 0x01,
            key_version: 0x02,
            initial_counter: Some(vec![0, 0, 0, 0, 1]),
            host_id: Some(b"SMSR".to_vec()),
        };
        let tlv = crt.to_tlv().unwrap();
        // … 82 01 01 83 01 02 91 05 0000000001 84 04 "SMSR"
        let tail = [
            &[
                0x82, 0x01, 0x01, 0x83, 0x01, 0x02, 0x91, 0x05, 0, 0, 0, 0, 1, 0x84, 0x04,
            ][..],
            b"SMSR",
        ]
        .concat();
        assert!(tlv.ends_with(&tail));
        let ka = KeySetKeyAgreement {
            crt: crt.clone(),
            ephemeral_key: EcPublicKey {
                q: [&[0x04][..], &[0x22; 64]].concat(),
                parameter_reference: c::KEY_PARAMETER_P256,
            },
            signature: vec![0x44; 64],
        };
        match Es8Command::parse(&ka.to_apdu().unwrap()).unwrap() {
            Es8Command::KeySetKeyAgreement(k) => assert_eq!(k.crt, crt),
            other => panic!("{other:?}"),
        }
        let built = KeyAgreementCrt::isd_r(
            0x02,
            1,
            c::SCENARIO_PARAM_DR | c::SCENARIO_PARAM_CERTIFICATE | c::SCENARIO_PARAM_HOST_ID,
            Some(b"SMSR".to_vec()),
        )
        .unwrap();
        assert_eq!(built, crt);
        assert!(KeyAgreementCrt::isd_r(0, 1, 0, None).is_err());
        assert!(KeyAgreementCrt::isd_r(16, 1, 0, None).is_err());
        assert!(KeyAgreementCrt::isd_r(1, 1 << 40, 0, None).is_err());
        assert!(KeyAgreementCrt::isd_r(1, 1, c::SCENARIO_PARAM_HOST_ID, None).is_err());
        let epk = ka.ephemeral_key.clone();
        assert_eq!(EcPublicKey::parse(&epk.to_tlv().unwrap()).unwrap(), epk);
        assert!(EcPublicKey::parse(&[0x7F, 0x49, 0x00]).is_err());
        let mut smsr = cert();
        smsr.discretionary = vec![c::TAG_CERT_TYPE as u8, 0x01, c::CERT_TYPE_SMSR];
        assert_eq!(smsr.certificate_type(), Some(c::CERT_TYPE_SMSR));
    }

    #[test]
    fn install_for_personalization_layout_and_round_trip() {
        let aid = Aid::isd_p(0).unwrap();
        let apdu = InstallForPersonalization { aid: aid.clone() }
            .to_apdu()
            .unwrap();
        let mut want = vec![0x80, 0xE6, 0x20, 0x00, 0x16, 0x00, 0x00, 0x10];
        want.extend_from_slice(aid.as_bytes());
        want.extend_from_slice(&[0, 0, 0]);
        assert_eq!(apdu, want);
        assert!(InstallForPersonalization::matches(&apdu));
        assert_eq!(InstallForPersonalization::parse(&apdu).unwrap().aid, aid);
        let mut bad = apdu.clone();
        *bad.last_mut().unwrap() = 1;
        assert!(InstallForPersonalization::parse(&bad).is_err());
    }

    #[test]
    fn certificate_round_trip_and_signed_part() {
        let cert = cert();
        let tlv = cert.to_tlv().unwrap();
        assert_eq!(&tlv[..2], &[0x7F, 0x21]);
        assert_eq!(GpCertificate::parse(&tlv).unwrap(), cert);
        assert_eq!(cert.certificate_type(), Some(c::CERT_TYPE_SMDP));
        let signed = cert.signed_data().unwrap();
        assert_eq!(&signed[..4], &[0x93, 0x02, 0x01, 0x02]);
        assert!(tlv.windows(signed.len()).any(|w| w == signed.as_slice()));
        // The first command carries it in DGI 3A01 (length FF xxxx past 254 octets).
        let apdu = KeySetCertificate(cert.clone()).to_apdu().unwrap();
        assert_eq!(&apdu[..4], &[0x80, 0xE2, 0x09, 0x00]);
        assert_eq!(&apdu[5..7], &[0x3A, 0x01]);
        match Es8Command::parse(&apdu).unwrap() {
            Es8Command::KeySetCertificate(k) => assert_eq!(k.0, cert),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn certificate_with_a_field_out_of_order_is_refused() {
        let cert = cert();
        let mut body = tlv::tlv(c::TAG_CERT_CA_ID, &cert.ca_id).unwrap();
        body.extend_from_slice(&tlv::tlv(c::TAG_CERT_SERIAL, &cert.serial).unwrap());
        let signed = cert.signed_data().unwrap();
        let skip = 4 + 2 + cert.ca_id.len();
        body.extend_from_slice(&signed[skip..]);
        tlv::push_tlv(&mut body, c::TAG_SIGNATURE, &cert.signature).unwrap();
        let tlv = tlv::tlv(c::TAG_GP_CERTIFICATE, &body).unwrap();
        assert!(GpCertificate::parse(&tlv).is_err());
    }

    #[test]
    fn key_agreement_round_trip_and_signed_data() {
        let ka = KeySetKeyAgreement {
            crt: crt(),
            ephemeral_key: EcPublicKey {
                q: [&[0x04][..], &[0x22; 64]].concat(),
                parameter_reference: c::KEY_PARAMETER_BRAINPOOL_P256R1,
            },
            signature: vec![0x44; 64],
        };
        let apdu = ka.to_apdu().unwrap();
        assert_eq!(&apdu[..4], &[0x80, 0xE2, 0x89, 0x01]);
        let crt_tlv = crt().to_tlv().unwrap();
        assert_eq!(
            &crt_tlv[..8],
            &[0xA6, 0x19, 0x90, 0x02, 0x03, 0x0A, 0x95, 0x01]
        );
        match Es8Command::parse(&apdu).unwrap() {
            Es8Command::KeySetKeyAgreement(k) => assert_eq!(k, ka),
            other => panic!("{other:?}"),
        }
        let signed =
            KeySetKeyAgreement::signed_data(&ka.crt, &ka.ephemeral_key, &[0x55; 16]).unwrap();
        assert_eq!(&signed[..3], &[0x3A, 0x02, crt_tlv.len() as u8]);
        assert_eq!(&signed[signed.len() - 18..signed.len() - 16], &[0x85, 0x10]);
    }

    #[test]
    fn responses_round_trip() {
        let rc = RandomChallenge(vec![1; 16]);
        assert_eq!(RandomChallenge::parse(&rc.encode().unwrap()).unwrap(), rc);
        let r = KeySetReceipt {
            derivation_random: Some(vec![2; 16]),
            receipt: vec![3; 16],
        };
        let enc = r.encode().unwrap();
        assert_eq!(&enc[..2], &[0x85, 0x10]);
        assert_eq!(KeySetReceipt::parse(&enc).unwrap(), r);
        assert!(KeySetReceipt::parse(&enc[..18]).is_err());
    }

    #[test]
    fn scp03t_store_data() {
        let cmd = Scp03tCommand::single(vec![0x86, 0x03, 1, 2, 3]);
        let apdu = cmd.to_apdu().unwrap();
        assert_eq!(apdu, [0x80, 0xE2, 0x90, 0x00, 0x05, 0x86, 0x03, 1, 2, 3]);
        assert_eq!(Es8Command::parse(&apdu).unwrap(), Es8Command::Scp03t(cmd));
        let more = Scp03tCommand {
            tlv: vec![0x86, 0x01, 9],
            last: false,
            block: 7,
        };
        let apdu = more.to_apdu().unwrap();
        assert_eq!(apdu, [0x80, 0xE2, 0x10, 0x07, 0x03, 0x86, 0x01, 9]);
        assert_eq!(Es8Command::parse(&apdu).unwrap(), Es8Command::Scp03t(more));
        assert!(Es8Command::parse(&[0x80, 0xE2, 0x90, 0x00, 0x03, 0x87, 0x01, 0x00]).is_err());
        assert!(
            Es8Command::parse(&[0x80, 0xE2, 0x90, 0x00, 0x04, 0x86, 0x01, 0x00, 0x00]).is_err()
        );
        assert!(Es8Command::parse(&[0x80, 0xE2, 0x88, 0x00, 0x03, 0x86, 0x01, 0x00]).is_err());
    }
}
