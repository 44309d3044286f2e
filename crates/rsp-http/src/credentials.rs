//! Loading the SM-DP+ ES9+ credentials (and the SM-DS's ES11 ones, [`load_smds`]) (SGP.22 §4.5.2.1: CERT.DPauth.ECDSA, CERT.DPpb.ECDSA
//! and their keys, per CI), either from directories laid out as `rsp pki init` writes them
//! (`<dir>/ci.pem`, `dp-auth.pem`, `dp-auth.key.pem`, `dp-pb.pem`, `dp-pb.key.pem`, one
//! directory per CI) or file by file ([`CredentialFiles`]: GSMA-issued certificates, the
//! SGP.26 test set); certificates PEM or DER. CRLs join the trust store. Every key may
//! instead live in a PKCS#11 token: a `pkcs11:` URI in place of the key path, or a key file
//! holding only such a URI ([`rsp_hsm::load_key`], docs/hsm.md).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rsp_auth::ServerCredentials;
use rsp_pki::{Cert, Crl, TrustStore};
use rsp_smdpp::es9plus::{Credentials, DpCredentials, SigningCredential};

/// Why the credentials could not be loaded (never includes key material).
#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    /// A file is missing or unreadable.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A file does not hold a usable certificate or key.
    #[error("{path}: {reason}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// No directory was given.
    #[error("no credential directory")]
    Empty,
}

fn invalid(path: &Path, reason: impl ToString) -> CredentialsError {
    CredentialsError::Invalid {
        path: path.to_owned(),
        reason: reason.to_string(),
    }
}

fn cert(path: &Path) -> Result<Cert, CredentialsError> {
    let bytes = std::fs::read(path).map_err(|source| CredentialsError::Io {
        path: path.to_owned(),
        source,
    })?;
    // PEM or DER (the GSMA SGP.26 set ships DER certificates).
    Cert::from_bytes(&bytes).map_err(|e| invalid(path, e))
}

/// A long-term signing key: PEM file or PKCS#11 token (never logs key bytes or the PIN).
pub fn key(path: &Path) -> Result<Arc<dyn rsp_crypto::Signer>, CredentialsError> {
    match rsp_hsm::load_key(path) {
        Ok(k) => Ok(Arc::new(k)),
        Err(rsp_hsm::LoadError::Io { path, source }) => Err(CredentialsError::Io { path, source }),
        Err(e) => Err(invalid(path, e)),
    }
}

/// The files of one credential set: a CI certificate and the DPauth and DPpb certificates
/// (PEM or DER) with their private keys (PEM, PKCS#8 or SEC1), e.g. GSMA-issued ones or
/// the SGP.26 test set.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct CredentialFiles {
    /// CERT.CI.ECDSA.
    pub ci: PathBuf,
    /// CERT.DPauth.ECDSA.
    pub dp_auth: PathBuf,
    /// SK.DPauth.ECDSA.
    pub dp_auth_key: PathBuf,
    /// CERT.DPpb.ECDSA.
    pub dp_pb: PathBuf,
    /// SK.DPpb.ECDSA.
    pub dp_pb_key: PathBuf,
}

impl CredentialFiles {
    /// The layout `rsp pki init` writes into `dir`.
    pub fn in_pki_dir(dir: &Path) -> Self {
        Self {
            ci: dir.join("ci.pem"),
            dp_auth: dir.join("dp-auth.pem"),
            dp_auth_key: dir.join("dp-auth.key.pem"),
            dp_pb: dir.join("dp-pb.pem"),
            dp_pb_key: dir.join("dp-pb.key.pem"),
        }
    }
}

/// Credentials for every directory of `dirs` (each one CI with its DPauth and DPpb).
pub fn load(dirs: &[PathBuf]) -> Result<Credentials, CredentialsError> {
    load_with_crls(dirs, &[])
}

/// As [`load`], with CRLs (PEM or DER files, e.g. the CI's and EUMs' CRLs, SGP.22 §4.5.2.2)
/// checked on every eUICC / EUM chain: a revoked certificate is refused at
/// AuthenticateClient. A CRL is used only when its issuer's signature verifies.
pub fn load_with_crls(dirs: &[PathBuf], crls: &[PathBuf]) -> Result<Credentials, CredentialsError> {
    let sets: Vec<_> = dirs
        .iter()
        .map(|d| CredentialFiles::in_pki_dir(d))
        .collect();
    load_files(&sets, crls)
}

/// Credentials from explicit files, one [`CredentialFiles`] per CI, and CRLs.
pub fn load_files(
    files: &[CredentialFiles],
    crls: &[PathBuf],
) -> Result<Credentials, CredentialsError> {
    load_files_with(files, crls, &|_, signer| signer)
}

/// As [`load_files`], each signer passed through `wrap` with its name (`dp-auth <CI CN>`,
/// `dp-pb <CI CN>`), e.g. to count its uses for the audit trail.
pub fn load_files_with(
    files: &[CredentialFiles],
    crls: &[PathBuf],
    wrap: &dyn Fn(String, Arc<dyn rsp_crypto::Signer>) -> Arc<dyn rsp_crypto::Signer>,
) -> Result<Credentials, CredentialsError> {
    if files.is_empty() {
        return Err(CredentialsError::Empty);
    }
    let mut sets = Vec::new();
    for f in files {
        let ci = cert(&f.ci)?;
        let ci_name = ci.subject_string();
        let dp = DpCredentials {
            dp_auth: SigningCredential {
                cert: cert(&f.dp_auth)?,
                signer: wrap(format!("dp-auth {ci_name}"), key(&f.dp_auth_key)?),
            },
            dp_pb: SigningCredential {
                cert: cert(&f.dp_pb)?,
                signer: wrap(format!("dp-pb {ci_name}"), key(&f.dp_pb_key)?),
            },
            sub_cas: Vec::new(),
        };
        sets.push((f.ci.clone(), ci, dp));
    }
    assemble(sets, crls)
}

/// SM-DS credentials (CERT.DSauth.ECDSA and its key, per CI) from directories laid out as
/// `rsp pki init` writes them (`<dir>/ci.pem`, `ds-auth.pem`, `ds-auth.key.pem`), with
/// CRLs for the eUICC / EUM chains.
pub fn load_smds(
    dirs: &[PathBuf],
    crls: &[PathBuf],
) -> Result<rsp_smds::Credentials, CredentialsError> {
    load_smds_with(dirs, crls, &|_, signer| signer)
}

/// As [`load_smds`], each signer passed through `wrap` with its name (`ds-auth <CI CN>`),
/// e.g. to count its uses for the audit trail.
pub fn load_smds_with(
    dirs: &[PathBuf],
    crls: &[PathBuf],
    wrap: &dyn Fn(String, Arc<dyn rsp_crypto::Signer>) -> Arc<dyn rsp_crypto::Signer>,
) -> Result<rsp_smds::Credentials, CredentialsError> {
    if dirs.is_empty() {
        return Err(CredentialsError::Empty);
    }
    let mut sets = Vec::new();
    for d in dirs {
        let ci_path = d.join("ci.pem");
        let ci = cert(&ci_path)?;
        let ds = SigningCredential {
            cert: cert(&d.join("ds-auth.pem"))?,
            signer: wrap(
                format!("ds-auth {}", ci.subject_string()),
                key(&d.join("ds-auth.key.pem"))?,
            ),
        };
        sets.push((ci_path.clone(), ci, ds));
    }
    assemble(sets, crls)
}

/// The trust store of the sets' CIs with `crls`, and each set filed under its CI.
fn assemble<T>(
    sets: Vec<(PathBuf, Cert, T)>,
    crls: &[PathBuf],
) -> Result<ServerCredentials<T>, CredentialsError> {
    let mut trust = TrustStore::with_cis(sets.iter().map(|(_, ci, _)| ci.clone()));
    for path in crls {
        let bytes = std::fs::read(path).map_err(|source| CredentialsError::Io {
            path: path.clone(),
            source,
        })?;
        trust.add_crl(Crl::from_bytes(&bytes).map_err(|e| invalid(path, e))?);
    }
    let mut credentials = ServerCredentials::new(trust);
    for (path, ci, dp) in sets {
        credentials.add(&ci, dp).map_err(|e| invalid(&path, e))?;
    }
    Ok(credentials)
}
