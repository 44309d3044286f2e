//! Confirmation Code handling (SGP.22 §3.1.3, §5.6.2): the SM-DP+ keeps only
//! SHA-256(Confirmation Code); the eUICC sends `hashCc` = SHA-256(SHA-256(CC) ‖ transactionId).

use std::fmt;

use rsp_codec::json::ConfirmationCode;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// SHA-256 of a Confirmation Code. Confirmation Codes are short, so the hash is guessable
/// offline: it is treated as a secret (redacted `Debug`).
#[derive(Clone, PartialEq, Eq)]
pub struct CcHash([u8; 32]);

impl CcHash {
    /// Hashes the code as given in ES2+.ConfirmOrder (its UTF-8 bytes).
    pub fn of(code: &ConfirmationCode) -> Self {
        Self(sha256(&[code.expose().as_bytes()]))
    }

    /// Restores a stored hash.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The hash bytes, for storage.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The `hashCc` an eUICC computes for this code in session `transaction_id`.
    pub fn for_transaction(&self, transaction_id: &[u8]) -> [u8; 32] {
        sha256(&[&self.0, transaction_id])
    }

    /// Constant-time check of a `hashCc` received in PrepareDownloadResponse.
    pub fn verify(&self, hash_cc: &[u8], transaction_id: &[u8]) -> bool {
        self.for_transaction(transaction_id)
            .as_slice()
            .ct_eq(hash_cc)
            .into()
    }
}

impl fmt::Debug for CcHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CcHash(<redacted>)")
    }
}

fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(&h.finalize());
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_sha256_of_the_code() {
        // SHA-256("12345678"), computed with `printf 12345678 | sha256sum`.
        let h = CcHash::of(&ConfirmationCode::new("12345678"));
        assert_eq!(
            h.as_bytes(),
            &hex32("ef797c8118f02dfb649607dd5d3f8c7623048c9c063d532cc95c5ed7a898a64f")
        );
    }

    #[test]
    fn transaction_binding_and_verification() {
        let h = CcHash::of(&ConfirmationCode::new("12345678"));
        let tid = [0x01, 0x02, 0x03, 0x04];
        let hash_cc = h.for_transaction(&tid);
        // Python: sha256(sha256(b"12345678").digest() + bytes([1, 2, 3, 4])).
        assert_eq!(
            hash_cc,
            hex32("cb65a69663d0c949a87addaf32006fef7a0d7ec4e1948eaf7886db7710014389")
        );
        assert!(h.verify(&hash_cc, &tid));
        assert!(!h.verify(&hash_cc, &[0x01, 0x02, 0x03, 0x05]));
        assert!(!h.verify(&hash_cc[..31], &tid));
        assert_eq!(format!("{h:?}"), "CcHash(<redacted>)");
    }

    fn hex32(s: &str) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (i, b) in out.iter_mut().enumerate() {
            *b = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap();
        }
        out
    }
}
