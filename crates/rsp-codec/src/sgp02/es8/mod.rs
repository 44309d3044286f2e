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
use super::command::{build, split_command};
use super::consts as c;
use super::types::Aid;

mod certificate;
mod keyset;
mod scp03t;
#[cfg(test)]
mod tests;

pub use certificate::*;
pub use keyset::*;
pub use scp03t::*;

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
