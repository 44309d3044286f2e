//! Who the eUICC is: its EID, its eUICC certificate(s) with private key(s) and EUM
//! certificate(s), and the CI certificates it trusts (SGP.22 §2.4.2 ECASD, §4.5.2).
//!
//! An eUICC may hold one credential per CI (e.g. NIST P-256 and brainpoolP256r1), all
//! for the same EID. `euiccCiPKIdListForSigning` lists the CIs of those credentials;
//! `euiccCiPKIdListForVerification` lists every trusted CI (SGP.22 §5.7.8).

use std::fmt;
use std::path::{Path, PathBuf};

use rsp_crypto::{Signer, SoftwareKey};
use rsp_pki::{Cert, Crl, Role, TrustStore};
use time::OffsetDateTime;

use crate::error::EuiccError;

/// One eUICC certificate with its EUM certificate and private key (SK.EUICC.ECDSA).
pub struct EuiccCredential {
    cert: Cert,
    eum: Cert,
    key: SoftwareKey,
    ci_key_id: Vec<u8>,
}

impl EuiccCredential {
    /// CERT.EUICC.ECDSA.
    pub fn cert(&self) -> &Cert {
        &self.cert
    }

    /// CERT.EUM.ECDSA.
    pub fn eum(&self) -> &Cert {
        &self.eum
    }

    /// Subject key identifier of the CI this credential chains to.
    pub fn ci_key_id(&self) -> &[u8] {
        &self.ci_key_id
    }

    /// The signing key (SK.EUICC.ECDSA).
    pub(crate) fn signer(&self) -> &SoftwareKey {
        &self.key
    }

    /// ECDSA over `msg`, TR-03111 plain `r‖s`.
    pub(crate) fn sign(&self, msg: &[u8]) -> Result<[u8; 64], rsp_crypto::CryptoError> {
        self.key.sign_raw(msg)
    }
}

impl fmt::Debug for EuiccCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EuiccCredential")
            .field("cert", &self.cert.subject_string())
            .field("ci_key_id", &hex::encode_upper(&self.ci_key_id))
            .finish_non_exhaustive()
    }
}

/// The identity of one eUICC.
#[derive(Debug)]
pub struct Identity {
    eid: [u8; 16],
    eid_text: String,
    credentials: Vec<EuiccCredential>,
    cis: Vec<Cert>,
}

impl Identity {
    /// Builds an identity from `(CERT.EUICC, CERT.EUM, SK.EUICC)` triples and the trusted
    /// CIs. Each eUICC chain is validated now (SGP.22 §4.5.2), each key must match its
    /// certificate and every certificate must carry the same EID.
    pub fn new(
        credentials: Vec<(Cert, Cert, SoftwareKey)>,
        cis: Vec<Cert>,
    ) -> Result<Self, EuiccError> {
        if credentials.is_empty() {
            return Err(EuiccError::Identity("no eUICC certificate".into()));
        }
        let store = TrustStore::with_cis(cis.iter().cloned());
        let mut eid_text: Option<String> = None;
        let mut out = Vec::new();
        for (cert, eum, key) in credentials {
            if key.public_key() != cert.public_key() {
                return Err(EuiccError::Identity(format!(
                    "the private key does not match [{}]",
                    cert.subject_string()
                )));
            }
            let chain = store.validate(
                &cert,
                std::slice::from_ref(&eum),
                Role::Euicc,
                OffsetDateTime::now_utc(),
            )?;
            let eid = chain
                .eid
                .clone()
                .ok_or_else(|| EuiccError::Identity("eUICC certificate has no EID".into()))?;
            match &eid_text {
                Some(known) if *known != eid => {
                    return Err(EuiccError::Identity(format!(
                        "EIDs differ between certificates: {known} and {eid}"
                    )));
                }
                _ => eid_text = Some(eid),
            }
            out.push(EuiccCredential {
                ci_key_id: chain.ci_key_id().to_vec(),
                cert,
                eum,
                key,
            });
        }
        let eid_text = eid_text.unwrap_or_default();
        let eid = hex::decode(&eid_text)
            .ok()
            .and_then(|b| <[u8; 16]>::try_from(b).ok())
            .ok_or_else(|| EuiccError::Identity(format!("EID {eid_text} is not 32 digits")))?;
        Ok(Identity {
            eid,
            eid_text,
            credentials: out,
            cis,
        })
    }

    /// Loads the output of `rsp pki init`: `DIR/<curve>/{euicc.pem, euicc.key.pem,
    /// eum.pem, ci.pem}` for each of `nist` and `brainpool` present.
    pub fn from_pki_dir(dir: &Path) -> Result<Self, EuiccError> {
        let mut creds = Vec::new();
        let mut cis = Vec::new();
        for curve in ["nist", "brainpool"] {
            let sub = dir.join(curve);
            if !sub.join("euicc.pem").exists() {
                continue;
            }
            creds.push(read_credential(
                &sub.join("euicc.pem"),
                &sub.join("euicc.key.pem"),
                &sub.join("eum.pem"),
            )?);
            cis.push(read_cert(&sub.join("ci.pem"))?);
        }
        if creds.is_empty() {
            return Err(EuiccError::Identity(format!(
                "{} has neither nist/euicc.pem nor brainpool/euicc.pem",
                dir.display()
            )));
        }
        Self::new(creds, cis)
    }

    /// Loads explicit files (PEM or DER certificates; PEM keys, a leading `EC PARAMETERS`
    /// block allowed), e.g. the SGP.26 test eUICC.
    pub fn from_files(
        credentials: &[(PathBuf, PathBuf, PathBuf)],
        cis: &[PathBuf],
    ) -> Result<Self, EuiccError> {
        let creds = credentials
            .iter()
            .map(|(cert, key, eum)| read_credential(cert, key, eum))
            .collect::<Result<Vec<_>, _>>()?;
        let cis = cis
            .iter()
            .map(|p| read_cert(p))
            .collect::<Result<Vec<_>, _>>()?;
        Self::new(creds, cis)
    }

    /// The EID (16 bytes).
    pub fn eid(&self) -> &[u8; 16] {
        &self.eid
    }

    /// The EID as 32 decimal digits.
    pub fn eid_text(&self) -> &str {
        &self.eid_text
    }

    /// The eUICC credentials.
    pub fn credentials(&self) -> &[EuiccCredential] {
        &self.credentials
    }

    /// The trusted CI certificates.
    pub fn cis(&self) -> &[Cert] {
        &self.cis
    }

    /// `euiccCiPKIdListForVerification`: every trusted CI key identifier.
    pub fn ci_pk_ids_for_verification(&self) -> Vec<Vec<u8>> {
        let mut out: Vec<Vec<u8>> = Vec::new();
        for id in self.cis.iter().filter_map(Cert::subject_key_id) {
            if !out.iter().any(|o| o == id) {
                out.push(id.to_vec());
            }
        }
        out
    }

    /// `euiccCiPKIdListForSigning`: the CIs our eUICC certificates chain to.
    pub fn ci_pk_ids_for_signing(&self) -> Vec<Vec<u8>> {
        let mut out: Vec<Vec<u8>> = Vec::new();
        for c in &self.credentials {
            if !out.contains(&c.ci_key_id) {
                out.push(c.ci_key_id.clone());
            }
        }
        out
    }

    /// The credential chaining to the CI `ci_key_id`.
    pub fn credential_for_ci(&self, ci_key_id: &[u8]) -> Option<(usize, &EuiccCredential)> {
        self.credentials
            .iter()
            .enumerate()
            .find(|(_, c)| c.ci_key_id == ci_key_id)
    }

    /// The credential at `index`, or the first one (`new` refuses an empty list, so this
    /// is `None` only for an `Identity` that cannot exist).
    pub(crate) fn credential(&self, index: usize) -> Option<&EuiccCredential> {
        self.credentials
            .get(index)
            .or_else(|| self.credentials.first())
    }

    /// The credential whose CI has this key identifier, or the first one.
    pub(crate) fn credential_or_first(&self, ci_key_id: &[u8]) -> Option<&EuiccCredential> {
        self.credential_for_ci(ci_key_id)
            .map(|(_, c)| c)
            .or_else(|| self.credentials.first())
    }

    /// A trust store of our CIs plus the loaded CRLs (unparseable CRLs are skipped: they
    /// were verified when loaded).
    pub(crate) fn trust_store(&self, crls: &[Vec<u8>]) -> TrustStore {
        let mut store = TrustStore::with_cis(self.cis.iter().cloned());
        for crl in crls.iter().filter_map(|der| Crl::from_der(der).ok()) {
            store.add_crl(crl);
        }
        store
    }
}

fn read(path: &Path) -> Result<Vec<u8>, EuiccError> {
    std::fs::read(path).map_err(|source| EuiccError::Io {
        path: path.display().to_string(),
        source,
    })
}

fn read_cert(path: &Path) -> Result<Cert, EuiccError> {
    Ok(Cert::from_bytes(&read(path)?)?)
}

fn read_credential(
    cert: &Path,
    key: &Path,
    eum: &Path,
) -> Result<(Cert, Cert, SoftwareKey), EuiccError> {
    let pem = String::from_utf8(read(key)?)
        .map_err(|_| EuiccError::Identity(format!("{} is not PEM text", key.display())))?;
    Ok((
        read_cert(cert)?,
        read_cert(eum)?,
        SoftwareKey::from_pem(&pem)?,
    ))
}
