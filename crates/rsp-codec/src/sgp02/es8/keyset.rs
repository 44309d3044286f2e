//! The two EstablishISDPKeySet commands (certificate, key agreement with its `A6` CRT) and
//! the ISD-P's answers (random challenge, receipt).

use super::super::Sgp02Error;
use super::super::command::build;
use super::super::consts as c;
use super::super::tlv;
use super::*;

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

    pub(super) fn parse_value(value: &[u8]) -> Result<Self, Sgp02Error> {
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

    pub(super) fn parse_data(data: &[u8]) -> Result<Self, Sgp02Error> {
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
pub(super) fn read_dgi_prefix(input: &[u8]) -> Result<(u16, &[u8], &[u8]), Sgp02Error> {
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
