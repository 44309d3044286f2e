//! The secured-data layout shared by command and response packets (TS 102 225 §5.1,
//! §5.2; TS 31.115 §4.2, §4.4): `LEN(2) ‖ clear header ‖ [E](CNTR ‖ PCNTR ‖ extra ‖
//! RC/CC ‖ data ‖ padding)`.

use crate::OtaError;
use crate::crypto::{self, SecurityKeys};
use crate::spi::{CipherAlgorithm, Integrity, IntegrityAlgorithm, Kic, Kid};

/// The security a packet is protected with.
pub(crate) struct Protection<'a> {
    pub cipher: Option<(CipherAlgorithm, &'a [u8])>,
    pub integrity: Option<(IntegrityAlgorithm, Option<&'a [u8]>)>,
}

impl<'a> Protection<'a> {
    /// Resolves algorithms and keys for `ciphering`/`integrity` from KIc/KID.
    pub fn resolve(
        ciphering: bool,
        integrity: Integrity,
        kic: Kic,
        kid: Kid,
        keys: &'a SecurityKeys,
    ) -> Result<Self, OtaError> {
        let cipher = if ciphering {
            let key = keys.kic.as_ref().ok_or(OtaError::Key("KIc key missing"))?;
            Some((kic.algorithm()?, key.expose()))
        } else {
            None
        };
        let integrity = match integrity {
            Integrity::None => None,
            other => {
                let alg = kid.algorithm(other)?;
                Some((alg, keys.kid.as_ref().map(|k| k.expose())))
            }
        };
        Ok(Protection { cipher, integrity })
    }

    pub fn mac_len(&self) -> usize {
        self.integrity.map_or(0, |(a, _)| a.output_len())
    }
}

/// Seals a packet. `mac_prefix` is prepended to the RC/CC input only (the PoR's UDH, see
/// [`crate::response`]); `clear` is the header octets after the length
/// (CHL..TAR or RHL..TAR); `extra` what follows PCNTR before the RC/CC (the PoR status).
pub(crate) fn seal(
    p: &Protection<'_>,
    mac_prefix: &[u8],
    clear: &[u8],
    cntr: &[u8; 5],
    extra: &[u8],
    data: &[u8],
) -> Result<Vec<u8>, OtaError> {
    let mac_len = p.mac_len();
    let unpadded = 5 + 1 + extra.len() + mac_len + data.len();
    // §5.1.2: padding octets (zero) make the ciphered part a whole number of blocks;
    // PCNTR counts them. No padding without ciphering.
    let pad = match p.cipher {
        Some((alg, _)) => {
            let bl = crypto::block_len(alg);
            (bl - unpadded % bl) % bl
        }
        None => 0,
    };
    let pcntr = u8::try_from(pad).map_err(|_| OtaError::TooLong)?;
    let len = u16::try_from(clear.len() + unpadded + pad).map_err(|_| OtaError::TooLong)?;
    let mut padded_data = data.to_vec();
    padded_data.resize(data.len() + pad, 0);

    // §5.1.4: the RC/CC covers the header from the length field (CPL/RPL) on, CNTR,
    // PCNTR, the status code of a PoR, and the secured data with its padding octets, in
    // clear. SMS-PP (TS 31.115): a command's CC starts at CPL (its UDH `02 70 00` is
    // not covered) while a PoR's CC starts with its UDH `02 71 00` (`mac_prefix`); both
    // checked byte-exact against pySim's published packets (tests/pysim_vectors.rs).
    let mac = match p.integrity {
        Some((alg, key)) => {
            let mut input = mac_prefix.to_vec();
            input.extend_from_slice(&len.to_be_bytes());
            input.extend_from_slice(clear);
            input.extend_from_slice(cntr);
            input.push(pcntr);
            input.extend_from_slice(extra);
            input.extend_from_slice(&padded_data);
            crypto::integrity(alg, key, &input)?
        }
        None => Vec::new(),
    };

    let mut secured = cntr.to_vec();
    secured.push(pcntr);
    secured.extend_from_slice(extra);
    secured.extend_from_slice(&mac);
    secured.extend_from_slice(&padded_data);
    if let Some((alg, key)) = p.cipher {
        secured = crypto::encrypt(alg, key, &secured)?;
    }
    let mut out = len.to_be_bytes().to_vec();
    out.extend_from_slice(clear);
    out.extend_from_slice(&secured);
    Ok(out)
}

/// What [`open`] recovers.
pub(crate) struct Opened {
    pub cntr: [u8; 5],
    pub pcntr: u8,
    pub extra: Vec<u8>,
    pub data: Vec<u8>,
}

/// Opens `secured` (everything after the clear header); `len_and_clear` are the octets
/// from the length field to the end of the clear header, as received.
pub(crate) fn open(
    p: &Protection<'_>,
    mac_prefix: &[u8],
    len_and_clear: &[u8],
    secured: &[u8],
    extra_len: usize,
) -> Result<Opened, OtaError> {
    let plain = match p.cipher {
        Some((alg, key)) => crypto::decrypt(alg, key, secured)?,
        None => secured.to_vec(),
    };
    let mac_len = p.mac_len();
    let fixed = 6 + extra_len + mac_len;
    if plain.len() < fixed {
        return Err(OtaError::Malformed(
            "secured data shorter than its fixed fields",
        ));
    }
    let (head, padded_data) = plain.split_at(fixed);
    let (cntr_pcntr, rest) = head.split_at(6);
    let (extra, mac) = rest.split_at(extra_len);
    let (cntr, pcntr) = cntr_pcntr.split_at(5);
    let pcntr = pcntr.first().copied().unwrap_or(0);
    let data_len = padded_data
        .len()
        .checked_sub(usize::from(pcntr))
        .ok_or(OtaError::Ciphering("PCNTR larger than the secured data"))?;
    if let Some((alg, key)) = p.integrity {
        let mut input = mac_prefix.to_vec();
        input.extend_from_slice(len_and_clear);
        input.extend_from_slice(cntr_pcntr);
        input.extend_from_slice(extra);
        input.extend_from_slice(padded_data);
        crypto::verify_integrity(alg, key, &input, mac)?;
    }
    let mut cntr_arr = [0u8; 5];
    cntr_arr.copy_from_slice(cntr);
    Ok(Opened {
        cntr: cntr_arr,
        pcntr,
        extra: extra.to_vec(),
        data: padded_data.get(..data_len).unwrap_or_default().to_vec(),
    })
}
