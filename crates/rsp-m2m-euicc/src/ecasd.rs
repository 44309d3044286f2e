//! The ECASD (SGP.02 §2.2.1.2): the eUICC certificate (the EID in its subject
//! serialNumber) and its private key, as `rsp pki init` / `rsp_pki::TestPki` issue them
//! (`euicc.pem`, `euicc.key.pem`), and PK.CI.ECDSA (`ci.pem`) that verifies the SM-DP's
//! certificate in the ES8 key establishment (SGP.02 §3.1.2).

use std::path::Path;

use rsp_crypto::{PublicKey, Signer, SoftwareKey};
use rsp_pki::Cert;
use serde::{Deserialize, Serialize};

use crate::error::M2mError;
use crate::keys::SecretBytes;

/// The ECASD's credential.
#[derive(Clone, Serialize, Deserialize)]
pub struct Ecasd {
    /// CERT.EUICC.ECDSA as DER, hex in the state file.
    #[serde(with = "hex_bytes")]
    certificate: Vec<u8>,
    /// SK.EUICC.ECDSA as PKCS#8 DER.
    private_key: SecretBytes,
    /// PK.CI.ECDSA as SubjectPublicKeyInfo DER (absent in state files from before ES8).
    #[serde(default, with = "hex_opt", skip_serializing_if = "Option::is_none")]
    ci_public_key: Option<Vec<u8>>,
}

mod hex_opt {
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(b: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match b {
            Some(b) => s.serialize_str(&hex::encode_upper(b)),
            None => s.serialize_none(),
        }
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|s| hex::decode(s).map_err(serde::de::Error::custom))
            .transpose()
    }
}

mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode_upper(b))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        hex::decode(String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

impl std::fmt::Debug for Ecasd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ecasd")
            .field("certificate_len", &self.certificate.len())
            .finish_non_exhaustive()
    }
}

impl Ecasd {
    /// From an eUICC certificate and its key; the key must match the certificate and the
    /// subject must carry a 32-digit EID.
    pub fn new(cert: &Cert, key: &SoftwareKey) -> Result<Self, M2mError> {
        if key.public_key() != cert.public_key() {
            return Err(M2mError::Identity(
                "the private key does not match the eUICC certificate".into(),
            ));
        }
        let ecasd = Ecasd {
            certificate: cert.der().to_vec(),
            private_key: SecretBytes::new(&key.to_pkcs8_der()),
            ci_public_key: None,
        };
        ecasd.eid()?;
        Ok(ecasd)
    }

    /// From `euicc.pem` and `euicc.key.pem` in `dir` (the layout of `rsp pki init`).
    pub fn from_pki_dir(dir: &Path) -> Result<Self, M2mError> {
        let cert = Cert::from_pem(&std::fs::read_to_string(dir.join("euicc.pem"))?)
            .map_err(|e| M2mError::Identity(e.to_string()))?;
        let pem = zeroize::Zeroizing::new(std::fs::read_to_string(dir.join("euicc.key.pem"))?);
        let key = SoftwareKey::from_pem(&pem).map_err(|e| M2mError::Identity(e.to_string()))?;
        let ecasd = Self::new(&cert, &key)?;
        match std::fs::read_to_string(dir.join("ci.pem")) {
            Ok(pem) => {
                ecasd.with_ci(&Cert::from_pem(&pem).map_err(|e| M2mError::Identity(e.to_string()))?)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ecasd),
            Err(e) => Err(e.into()),
        }
    }

    /// With PK.CI.ECDSA from the CI certificate.
    pub fn with_ci(mut self, ci: &Cert) -> Result<Self, M2mError> {
        self.ci_public_key = Some(ci.public_key().to_spki_der());
        Ok(self)
    }

    /// PK.CI.ECDSA.
    pub fn ci_public_key(&self) -> Result<PublicKey, M2mError> {
        let der = self
            .ci_public_key
            .as_deref()
            .ok_or(M2mError::Config("the ECASD holds no CI public key"))?;
        PublicKey::from_spki_der(der).map_err(|e| M2mError::Identity(e.to_string()))
    }

    /// The certificate (DER).
    pub fn certificate_der(&self) -> &[u8] {
        &self.certificate
    }

    /// The certificate, parsed.
    pub fn certificate(&self) -> Result<Cert, M2mError> {
        Cert::from_der(&self.certificate).map_err(|e| M2mError::Identity(e.to_string()))
    }

    /// The private key.
    pub fn private_key(&self) -> Result<SoftwareKey, M2mError> {
        SoftwareKey::from_pkcs8_der(self.private_key.expose())
            .map_err(|e| M2mError::Identity(e.to_string()))
    }

    /// The EID (16 octets) from the certificate's subject serialNumber.
    pub fn eid(&self) -> Result<[u8; 16], M2mError> {
        let text = self
            .certificate()?
            .subject_serial_number()
            .ok_or_else(|| M2mError::Identity("eUICC certificate without EID".into()))?;
        hex::decode(&text)
            .ok()
            .and_then(|b| <[u8; 16]>::try_from(b).ok())
            .ok_or_else(|| M2mError::Identity(format!("EID {text} is not 32 digits")))
    }
}
