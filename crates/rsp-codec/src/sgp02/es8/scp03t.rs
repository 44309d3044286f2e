//! SCP03t TLVs in STORE DATA, and the dispatch of an ES8 STORE DATA.

use super::super::Sgp02Error;
use super::super::command::{build, split_apdu, unknown};
use super::super::consts as c;
use super::super::tlv;
use super::*;

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
