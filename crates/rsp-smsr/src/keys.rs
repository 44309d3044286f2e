//! The ISD-R keys the SM-SR holds for one eUICC (SGP.02 §2.4: SCP80 keysets for SMS, the
//! SCP81 PSK for HTTPS), registered with the EIS over ES1 and never shown by any API.
//! `Debug` redacts every key; the store keeps them sealed (AES-256-GCM under the data key)
//! in [`EuiccKeys::to_sealable`] form.

use std::fmt;

use rsp_ota::{CipherAlgorithm, IntegrityAlgorithm, Kic, Kid, SecurityKeys};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// A key-material error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// A key version outside 1..=15 (TS 102 225 §5.1.2: KIc/KID b8..b5).
    #[error("key version {0} is outside 1..=15")]
    Version(u8),
    /// A key of the wrong length for its algorithm.
    #[error("{what} key has {len} bytes; {algorithm} needs {expected}")]
    Length {
        /// Which key.
        what: &'static str,
        /// Its length.
        len: usize,
        /// The algorithm.
        algorithm: &'static str,
        /// What the algorithm needs.
        expected: &'static str,
    },
    /// The sealed form does not parse.
    #[error("stored key material does not parse")]
    Corrupt,
    /// No SCP80 keyset is registered.
    #[error("no SCP80 keyset")]
    NoKeyset,
    /// Two keysets share a key version.
    #[error("two SCP80 keysets with key version {0}")]
    Duplicate(u8),
    /// The PSK identity is empty or longer than 128 characters.
    #[error("the SCP81 PSK identity must have 1 to 128 characters")]
    Identity,
}

/// The algorithm family of an SCP80 keyset: 3DES (2-key, CBC + CBC-MAC) or AES (CBC +
/// CMAC), the two TS 102 225 offers that SGP.02 §2.4.3 allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scp80Algorithm {
    /// Triple DES, 16-byte keys.
    Tdes,
    /// AES, 16-, 24- or 32-byte keys.
    Aes,
}

/// One SCP80 keyset of the ISD-R (KIc and KID of one key version).
#[derive(Clone, Serialize, Deserialize)]
pub struct Scp80Keyset {
    /// Key version number (1..=15), the high nibble of KIc/KID.
    pub version: u8,
    /// Algorithm family.
    pub algorithm: Scp80Algorithm,
    #[serde(with = "hex_secret")]
    kic: Zeroizing<Vec<u8>>,
    #[serde(with = "hex_secret")]
    kid: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for Scp80Keyset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scp80Keyset")
            .field("version", &self.version)
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

impl Scp80Keyset {
    /// A keyset after checking the version and the key lengths.
    pub fn new(
        version: u8,
        algorithm: Scp80Algorithm,
        kic: &[u8],
        kid: &[u8],
    ) -> Result<Self, KeyError> {
        if !(1..=15).contains(&version) {
            return Err(KeyError::Version(version));
        }
        for (what, key) in [("KIc", kic), ("KID", kid)] {
            let ok = match algorithm {
                Scp80Algorithm::Tdes => key.len() == 16,
                Scp80Algorithm::Aes => matches!(key.len(), 16 | 24 | 32),
            };
            if !ok {
                let (name, expected) = match algorithm {
                    Scp80Algorithm::Tdes => ("3DES", "16"),
                    Scp80Algorithm::Aes => ("AES", "16, 24 or 32"),
                };
                return Err(KeyError::Length {
                    what,
                    len: key.len(),
                    algorithm: name,
                    expected,
                });
            }
        }
        Ok(Self {
            version,
            algorithm,
            kic: Zeroizing::new(kic.to_vec()),
            kid: Zeroizing::new(kid.to_vec()),
        })
    }

    /// The KIc byte (algorithm and version).
    pub fn kic(&self) -> Kic {
        match self.algorithm {
            Scp80Algorithm::Tdes => Kic::new(CipherAlgorithm::TdesCbc2Key, self.version),
            Scp80Algorithm::Aes => Kic::new(CipherAlgorithm::AesCbc, self.version),
        }
    }

    /// The KID byte (algorithm and version).
    pub fn kid(&self) -> Kid {
        match self.algorithm {
            Scp80Algorithm::Tdes => Kid::new(IntegrityAlgorithm::TdesCbcMac2Key, self.version),
            Scp80Algorithm::Aes => Kid::new(IntegrityAlgorithm::AesCmac, self.version),
        }
    }

    /// The keys in the form `rsp_ota` seals with.
    pub fn security_keys(&self) -> SecurityKeys {
        SecurityKeys::new(&self.kic, &self.kid)
    }
}

/// The SCP81 pre-shared key of the ISD-R's admin agent (GP Amendment B, TLS-PSK).
#[derive(Clone, Serialize, Deserialize)]
pub struct Scp81Psk {
    /// PSK identity the agent presents (not secret).
    pub identity: String,
    #[serde(with = "hex_secret")]
    key: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for Scp81Psk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scp81Psk")
            .field("identity", &self.identity)
            .finish_non_exhaustive()
    }
}

impl Scp81Psk {
    /// A PSK (16 or 32 bytes).
    pub fn new(identity: impl Into<String>, key: &[u8]) -> Result<Self, KeyError> {
        if !matches!(key.len(), 16 | 32) {
            return Err(KeyError::Length {
                what: "SCP81 PSK",
                len: key.len(),
                algorithm: "TLS-PSK",
                expected: "16 or 32",
            });
        }
        Ok(Self {
            identity: identity.into(),
            key: Zeroizing::new(key.to_vec()),
        })
    }

    /// The key (for the TLS stack only).
    pub fn expose(&self) -> &[u8] {
        &self.key
    }
}

/// Every ISD-R key the SM-SR holds for one eUICC.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct EuiccKeys {
    /// SCP80 keysets (the highest version is used to send).
    #[serde(default)]
    pub scp80: Vec<Scp80Keyset>,
    /// The SCP81 PSK, if the eUICC has an admin agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scp81: Option<Scp81Psk>,
}

impl fmt::Debug for EuiccKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EuiccKeys")
            .field("scp80", &self.scp80)
            .field("scp81", &self.scp81)
            .finish()
    }
}

impl EuiccKeys {
    /// The keyset used to send: the highest key version.
    pub fn sending_keyset(&self) -> Result<&Scp80Keyset, KeyError> {
        self.scp80
            .iter()
            .max_by_key(|k| k.version)
            .ok_or(KeyError::NoKeyset)
    }

    /// The keyset of this key version (a PoR or an MO packet names it in KIc/KID).
    pub fn keyset(&self, version: u8) -> Option<&Scp80Keyset> {
        self.scp80.iter().find(|k| k.version == version)
    }

    /// Checks every key as the constructors do (for keys that arrived deserialised).
    pub fn check(&self) -> Result<(), KeyError> {
        for (i, k) in self.scp80.iter().enumerate() {
            Scp80Keyset::new(k.version, k.algorithm, &k.kic, &k.kid)?;
            if self.scp80[i + 1..].iter().any(|o| o.version == k.version) {
                return Err(KeyError::Duplicate(k.version));
            }
        }
        if let Some(p) = &self.scp81 {
            Scp81Psk::new(p.identity.clone(), &p.key)?;
            if p.identity.is_empty() || p.identity.len() > 128 {
                return Err(KeyError::Identity);
            }
        }
        Ok(())
    }

    /// The plaintext the store seals (JSON with hex keys, wiped on drop).
    pub fn to_sealable(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(serde_json::to_vec(self).unwrap_or_default())
    }

    /// Back from [`EuiccKeys::to_sealable`] form.
    pub fn from_sealable(bytes: &[u8]) -> Result<Self, KeyError> {
        serde_json::from_slice(bytes).map_err(|_| KeyError::Corrupt)
    }
}

/// Hex (de)serialisation of a secret without leaving copies in unwiped buffers.
mod hex_secret {
    use serde::{Deserialize, Deserializer, Serializer};
    use zeroize::Zeroizing;

    pub fn serialize<S: Serializer>(key: &Zeroizing<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        let text = Zeroizing::new(hex::encode(key.as_slice()));
        s.serialize_str(&text)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Zeroizing<Vec<u8>>, D::Error> {
        let text = Zeroizing::new(String::deserialize(d)?);
        hex::decode(text.as_str())
            .map(Zeroizing::new)
            .map_err(serde::de::Error::custom)
    }
}
