//! The ISD-R's key material: SCP80 keysets (TS 102 225 §5.1.2/§5.1.3 KIc/KID, key
//! version numbers 1..15) with their replay counters, and the SCP81 pre-shared key (GP
//! Amendment B, TLS-PSK). Keys are zeroized on drop and never shown by `Debug`.

use rsp_ota::{Counter, Kic, Kid, SecurityKeys};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::M2mError;

/// Secret octets: zeroized on drop, serialised as hex (the state file is a secret file),
/// redacted in `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretBytes(Zeroizing<Vec<u8>>);

impl SecretBytes {
    /// Wraps the octets.
    pub fn new(bytes: &[u8]) -> Self {
        SecretBytes(Zeroizing::new(bytes.to_vec()))
    }
    /// The octets.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<{} secret bytes>", self.0.len())
    }
}

impl Serialize for SecretBytes {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&Zeroizing::new(hex::encode_upper(&*self.0)))
    }
}

impl<'de> Deserialize<'de> for SecretBytes {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Zeroizing::new(String::deserialize(d)?);
        let b = Zeroizing::new(hex::decode(&*s).map_err(serde::de::Error::custom)?);
        Ok(SecretBytes::new(&b))
    }
}

/// `Counter` as ten hex digits in the state file.
pub(crate) mod counter_hex {
    use rsp_ota::Counter;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(c: &Counter, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode_upper(c.0))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Counter, D::Error> {
        let s = String::deserialize(d)?;
        let b = hex::decode(&s).map_err(serde::de::Error::custom)?;
        let a = <[u8; 5]>::try_from(b)
            .map_err(|_| serde::de::Error::custom("counter must be 5 octets"))?;
        Ok(Counter(a))
    }
}

/// One SCP80 keyset of the ISD-R.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Scp80Keyset {
    /// Key version number (1..15), the high nibble of KIc and KID.
    pub version: u8,
    /// The KIc octet of this keyset (algorithm in the low nibble, version in the high).
    pub kic: u8,
    /// The KID octet of this keyset.
    pub kid: u8,
    /// Ciphering key.
    pub kic_key: SecretBytes,
    /// Integrity key.
    pub kid_key: SecretBytes,
    /// Highest counter accepted from the SM-SR (TS 102 225 §5.1.1).
    #[serde(with = "counter_hex")]
    pub counter: Counter,
    /// Counter of the MO packets (notifications) this eUICC sends with this keyset.
    #[serde(with = "counter_hex")]
    pub mo_counter: Counter,
}

impl Scp80Keyset {
    /// A keyset with version `version` (1..15); the algorithms are those of `kic` and
    /// `kid` (their key version nibbles are replaced by `version`), the key lengths are
    /// checked against them.
    pub fn new(
        version: u8,
        kic: Kic,
        kic_key: &[u8],
        kid: Kid,
        kid_key: &[u8],
    ) -> Result<Self, M2mError> {
        if !(1..=15).contains(&version) {
            return Err(M2mError::Config("key version number must be 1..15"));
        }
        let kic = Kic((version << 4) | (kic.0 & 0x0F));
        let kid = Kid((version << 4) | (kid.0 & 0x0F));
        // Refuse key lengths the algorithms cannot use (checked by a trial encryption).
        let alg = kic
            .algorithm()
            .map_err(|_| M2mError::Config("KIc algorithm"))?;
        let bl = rsp_ota::crypto::block_len(alg);
        rsp_ota::crypto::encrypt(alg, kic_key, &vec![0u8; bl])
            .map_err(|_| M2mError::Config("KIc key length does not fit its algorithm"))?;
        let mac = kid
            .algorithm(rsp_ota::Integrity::Cc)
            .map_err(|_| M2mError::Config("KID algorithm"))?;
        rsp_ota::crypto::integrity(mac, Some(kid_key), &[0])
            .map_err(|_| M2mError::Config("KID key length does not fit its algorithm"))?;
        Ok(Scp80Keyset {
            version,
            kic: kic.0,
            kid: kid.0,
            kic_key: SecretBytes::new(kic_key),
            kid_key: SecretBytes::new(kid_key),
            counter: Counter::default(),
            mo_counter: Counter::default(),
        })
    }

    /// The keys for rsp_ota.
    pub fn security_keys(&self) -> SecurityKeys {
        SecurityKeys::new(self.kic_key.expose(), self.kid_key.expose())
    }
}

/// The SCP81 pre-shared key (TLS-PSK identity and key), stored for the HTTPS admin agent.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Scp81Psk {
    /// PSK identity.
    pub identity: String,
    /// PSK.
    pub key: SecretBytes,
}

/// An ISD-P's SCP03 keyset, established with the SM-DP through the ECASD (SGP.02 §3.1.2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scp03Keyset {
    /// Key version number.
    pub version: u8,
    /// Identifier of the first key.
    pub key_id: u8,
    /// Static encryption key.
    pub enc: SecretBytes,
    /// Static MAC key.
    pub mac: SecretBytes,
    /// Data encryption key.
    pub dek: SecretBytes,
    /// SCP03 sequence counter of the pseudo-random card challenge (GP Amd D §6.2.2.1):
    /// one more at every INITIALIZE UPDATE.
    #[serde(default)]
    pub sequence_counter: u32,
}

impl Scp03Keyset {
    /// The keyset derived by the key establishment.
    pub fn new(version: u8, key_id: u8, keys: &rsp_crypto::isdp_keys::IsdpKeys) -> Self {
        Scp03Keyset {
            version,
            key_id,
            enc: SecretBytes::new(keys.enc()),
            mac: SecretBytes::new(keys.mac()),
            dek: SecretBytes::new(keys.dek()),
            sequence_counter: 0,
        }
    }
}
