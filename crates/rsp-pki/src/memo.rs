//! Memo of certificate signatures made by a trusted CI key that verified.
//!
//! A signature check is a fact about bytes and a key: once the CI's own certificate and an
//! EUM (or sub-CA) certificate under it have verified, checking them again for every eUICC
//! of that EUM proves nothing new. Only signatures by CI keys are kept (a few per CI), so
//! the memo stays small; per-device certificates are always verified. Every other rule
//! (validity at the instant, names, key identifiers, profiles, CRLs) is still checked on
//! every validation.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use rsp_crypto::PublicKey;
use sha2::{Digest, Sha256};

/// Entries kept before the memo starts over (far more than CIs × EUMs in practice).
const MAX_ENTRIES: usize = 4096;

/// Shared by the clones of a trust store.
#[derive(Clone, Debug, Default)]
pub(crate) struct SignatureMemo(Arc<Mutex<HashSet<[u8; 32]>>>);

impl SignatureMemo {
    /// `key.verify_der(tbs, signature)`, answered from the memo when it verified before.
    pub(crate) fn verify_der(&self, key: &PublicKey, tbs: &[u8], signature: &[u8]) -> bool {
        let digest: [u8; 32] = Sha256::new()
            .chain_update(key.sec1_uncompressed())
            .chain_update(u32::try_from(tbs.len()).unwrap_or(u32::MAX).to_be_bytes())
            .chain_update(tbs)
            .chain_update(signature)
            .finalize()
            .into();
        if self.0.lock().is_ok_and(|m| m.contains(&digest)) {
            return true;
        }
        if key.verify_der(tbs, signature).is_err() {
            return false;
        }
        if let Ok(mut m) = self.0.lock() {
            if m.len() >= MAX_ENTRIES {
                m.clear();
            }
            m.insert(digest);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsp_crypto::{Curve, Signer, SoftwareKey};

    #[test]
    #[allow(clippy::unwrap_used)]
    fn remembers_only_what_verified() {
        let key = SoftwareKey::generate(Curve::NistP256).unwrap();
        let public = Signer::public_key(&key).clone();
        let signature = key.sign_der(b"tbs").unwrap();
        let memo = SignatureMemo::default();
        assert!(memo.verify_der(&public, b"tbs", &signature));
        assert!(memo.verify_der(&public, b"tbs", &signature));
        assert!(!memo.verify_der(&public, b"tbx", &signature));
        assert!(!memo.verify_der(&public, b"tbx", &signature));
        let other = SoftwareKey::generate(Curve::NistP256).unwrap();
        assert!(!memo.verify_der(Signer::public_key(&other), b"tbs", &signature));
        assert_eq!(memo.0.lock().unwrap().len(), 1);
    }
}
