//! Choosing the credentials that match the CI key identifiers a peer announces
//! (`euiccCiPKIdListForVerification` / `euiccCiPKIdListForSigning`, SGP.22 §4.3 and
//! §5.6.1: the SM-DP+ picks a CI the eUICC supports and uses the chain under it).

use crate::error::PkiError;
use crate::parse::Cert;

/// Credentials (for example a DPauth certificate, key and chain) filed under the
/// subject key identifier of the CI they chain to.
#[derive(Clone, Debug)]
pub struct CredentialSet<T> {
    entries: Vec<(Vec<u8>, T)>,
}

impl<T> Default for CredentialSet<T> {
    fn default() -> Self {
        CredentialSet {
            entries: Vec::new(),
        }
    }
}

impl<T> CredentialSet<T> {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// File `item` under the CI whose subject key identifier is `ci_key_id`.
    pub fn insert(&mut self, ci_key_id: impl Into<Vec<u8>>, item: T) {
        self.entries.push((ci_key_id.into(), item));
    }

    /// File `item` under the subject key identifier of `ci`.
    pub fn insert_for_ci(&mut self, ci: &Cert, item: T) -> Result<(), PkiError> {
        let ski = ci
            .subject_key_id()
            .ok_or_else(|| PkiError::MissingExtension {
                cert: ci.id("CI"),
                extension: "subjectKeyIdentifier",
            })?;
        self.insert(ski.to_vec(), item);
        Ok(())
    }

    /// The configured CI key identifiers, in insertion order.
    pub fn ci_key_ids(&self) -> impl Iterator<Item = &[u8]> {
        self.entries.iter().map(|(k, _)| k.as_slice())
    }

    /// The first identifier of the peer's list (in the peer's order of preference)
    /// that we hold credentials for, with those credentials.
    pub fn select<I, K>(&self, peer_list: I) -> Result<(&[u8], &T), PkiError>
    where
        I: IntoIterator<Item = K>,
        K: AsRef<[u8]>,
    {
        let mut requested = Vec::new();
        for wanted in peer_list {
            let wanted = wanted.as_ref();
            if let Some((k, item)) = self.entries.iter().find(|(k, _)| k.as_slice() == wanted) {
                return Ok((k.as_slice(), item));
            }
            requested.push(hex::encode_upper(wanted));
        }
        Err(PkiError::NoMatchingCi {
            requested: requested.join(", "),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn peer_order_wins_and_unknown_fails() {
        let mut set = CredentialSet::new();
        set.insert(vec![1u8; 20], "nist");
        set.insert(vec![2u8; 20], "brainpool");
        let (_, got) = set
            .select([vec![9u8; 20], vec![2u8; 20], vec![1u8; 20]])
            .unwrap();
        assert_eq!(*got, "brainpool");
        let err = set.select([vec![9u8; 20]]).unwrap_err();
        assert!(err.to_string().contains("0909"), "{err}");
        assert!(set.select(Vec::<Vec<u8>>::new()).is_err());
    }
}
