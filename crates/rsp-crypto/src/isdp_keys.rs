//! ISD-P key establishment of the M2M architecture (SGP.02 §3.1.2; GlobalPlatform Amd E
//! scenario #3 with the shared info of GP Amd A): ShS = ECKA(SK.ECASD.ECKA,
//! ePK.DP.ECKA) on the card, ECKA(eSK.DP.ECKA, PK.ECASD.ECKA) off card; then the X9.63
//! KDF with SHA-256 (BSI TR-03111 §4.3.3) gives the receipt key ‖ the new keyset
//! (S-ENC ‖ S-MAC ‖ DEK); the card proves it derived the same keys with a receipt,
//! AES-CMAC(receipt key, `A6` CRT ‖ [`85` L DR]).
//!
//! Our reading (the GP Amd A/E texts were not at hand; the public Njiwa SM-DP agrees):
//! SharedInfo = key usage qualifier ‖ key type ‖ key length ‖ [DR] ‖ [L ‖ host ID];
//! the receipt is the full 16-octet CMAC.

use aes::Aes128;
use aes::cipher::KeyInit;
use cmac::{Cmac, Mac};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::kdf::x963_kdf_sha256;
use crate::scp03::StaticKeys;
use crate::{CryptoError, SharedSecret};

const KEY_LEN: usize = 16;

/// What takes part in the derivation besides ShS.
#[derive(Clone, Copy, Debug)]
pub struct DerivationParameters<'a> {
    /// Key usage qualifier of the CRT (`10`: an SCP03 keyset of three keys).
    pub key_usage: u8,
    /// Key type (`88` AES).
    pub key_type: u8,
    /// Key length (`10`).
    pub key_length: u8,
    /// Derivation random DR chosen by the card, when the scenario asks for one.
    pub derivation_random: Option<&'a [u8]>,
    /// Host identifier, when the scenario asks for one.
    pub host_id: Option<&'a [u8]>,
}

impl DerivationParameters<'_> {
    /// SharedInfo of the KDF.
    pub fn shared_info(&self) -> Result<Vec<u8>, CryptoError> {
        if self.key_type != crate::kdf::KEY_TYPE_AES
            || self.key_length != crate::kdf::KEY_LENGTH_AES128
        {
            return Err(CryptoError::Kdf("only AES-128 keysets are derived"));
        }
        let mut info = vec![self.key_usage, self.key_type, self.key_length];
        if let Some(dr) = self.derivation_random {
            info.extend_from_slice(dr);
        }
        if let Some(h) = self.host_id {
            let l = u8::try_from(h.len())
                .ok()
                .filter(|l| *l < 0x80)
                .ok_or(CryptoError::Kdf("host identifier too long"))?;
            info.push(l);
            info.extend_from_slice(h);
        }
        Ok(info)
    }
}

/// The receipt key and the new ISD-P keyset, zeroized on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct IsdpKeys {
    receipt_key: [u8; KEY_LEN],
    #[zeroize(skip)] // StaticKeys zeroizes itself on drop.
    keyset: StaticKeys,
}

impl std::fmt::Debug for IsdpKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IsdpKeys(<redacted>)")
    }
}

impl IsdpKeys {
    /// Derives the keys from ShS (GP Amd E scenario #3, three keys).
    pub fn derive(
        shs: &SharedSecret,
        params: &DerivationParameters<'_>,
    ) -> Result<Self, CryptoError> {
        Self::derive_from_bytes(shs.as_bytes(), params)
    }

    /// As [`IsdpKeys::derive`] from raw ShS bytes (test vectors).
    pub fn derive_from_bytes(
        shs: &[u8],
        params: &DerivationParameters<'_>,
    ) -> Result<Self, CryptoError> {
        let mut out = Zeroizing::new([0u8; 4 * KEY_LEN]);
        x963_kdf_sha256(shs, &params.shared_info()?, out.as_mut_slice())?;
        let key = |i: usize| {
            let mut k = [0u8; KEY_LEN];
            k.copy_from_slice(&out[i * KEY_LEN..(i + 1) * KEY_LEN]);
            k
        };
        Ok(Self {
            receipt_key: key(0),
            keyset: StaticKeys::from_bytes(key(1), key(2), key(3)),
        })
    }

    /// The receipt over the CRT TLV and DR.
    pub fn receipt(&self, crt_tlv: &[u8], derivation_random: Option<&[u8]>) -> [u8; 16] {
        let mut mac = <Cmac<Aes128> as KeyInit>::new((&self.receipt_key).into());
        mac.update(crt_tlv);
        if let Some(dr) = derivation_random {
            // `85` L DR; DR is at most 16 octets, so one length octet.
            mac.update(&[0x85, dr.len() as u8]);
            mac.update(dr);
        }
        mac.finalize().into_bytes().into()
    }

    /// Checks a receipt in constant time.
    pub fn verify_receipt(
        &self,
        crt_tlv: &[u8],
        derivation_random: Option<&[u8]>,
        receipt: &[u8],
    ) -> Result<(), CryptoError> {
        let expected = self.receipt(crt_tlv, derivation_random);
        if receipt.len() == expected.len() && bool::from(expected.ct_eq(receipt)) {
            Ok(())
        } else {
            Err(CryptoError::Mac)
        }
    }

    /// The SCP03 keyset (Key-ENC, Key-MAC, Key-DEK) of the ISD-P.
    pub fn keyset(&self) -> &StaticKeys {
        &self.keyset
    }

    /// Static key for encryption (Key-ENC of the SCP03 keyset).
    pub fn enc(&self) -> &[u8; 16] {
        self.keyset.enc()
    }
    /// Static key for MACs (Key-MAC).
    pub fn mac(&self) -> &[u8; 16] {
        self.keyset.mac()
    }
    /// Data encryption key (Key-DEK).
    pub fn dek(&self) -> &[u8; 16] {
        self.keyset.dek()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn params<'a>(dr: Option<&'a [u8]>, host: Option<&'a [u8]>) -> DerivationParameters<'a> {
        DerivationParameters {
            key_usage: 0x10,
            key_type: 0x88,
            key_length: 0x10,
            derivation_random: dr,
            host_id: host,
        }
    }

    #[test]
    fn shared_info_layout() {
        let p = params(Some(&[0xAA, 0xBB]), Some(&[1, 2, 3]));
        assert_eq!(
            p.shared_info().unwrap(),
            [0x10, 0x88, 0x10, 0xAA, 0xBB, 0x03, 1, 2, 3]
        );
        assert!(
            DerivationParameters {
                key_type: 0x80,
                ..params(None, None)
            }
            .shared_info()
            .is_err()
        );
    }

    #[test]
    fn keys_are_the_kdf_output_in_order() {
        let shs = [7u8; 32];
        let p = params(Some(&[9; 16]), None);
        let keys = IsdpKeys::derive_from_bytes(&shs, &p).unwrap();
        let mut out = [0u8; 64];
        x963_kdf_sha256(&shs, &p.shared_info().unwrap(), &mut out).unwrap();
        assert_eq!(keys.enc(), &out[16..32]);
        assert_eq!(keys.mac(), &out[32..48]);
        assert_eq!(keys.dek(), &out[48..64]);
        let crt = [0xA6, 0x03, 0x90, 0x01, 0x03];
        let r = keys.receipt(&crt, Some(&[9; 16]));
        keys.verify_receipt(&crt, Some(&[9; 16]), &r).unwrap();
        assert!(keys.verify_receipt(&crt, None, &r).is_err());
        let mut bad = r;
        bad[0] ^= 1;
        assert!(keys.verify_receipt(&crt, Some(&[9; 16]), &bad).is_err());
    }
}
