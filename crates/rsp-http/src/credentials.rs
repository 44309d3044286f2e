//! Loading the SM-DP+ ES9+ credentials (SGP.22 §4.5.2.1: CERT.DPauth.ECDSA, CERT.DPpb.ECDSA
//! and their keys, per CI) from PEM files laid out as `rsp pki init` writes them:
//! `<dir>/ci.pem`, `<dir>/dp-auth.pem`, `<dir>/dp-auth.key.pem`, `<dir>/dp-pb.pem`,
//! `<dir>/dp-pb.key.pem`, one directory per CI (e.g. `pki/nist`, `pki/brainpool`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rsp_crypto::SoftwareKey;
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

fn read(path: &Path) -> Result<String, CredentialsError> {
    std::fs::read_to_string(path).map_err(|source| CredentialsError::Io {
        path: path.to_owned(),
        source,
    })
}

fn invalid(path: &Path, reason: impl ToString) -> CredentialsError {
    CredentialsError::Invalid {
        path: path.to_owned(),
        reason: reason.to_string(),
    }
}

fn cert(path: &Path) -> Result<Cert, CredentialsError> {
    Cert::from_pem(&read(path)?).map_err(|e| invalid(path, e))
}

fn signing(dir: &Path, name: &str) -> Result<SigningCredential, CredentialsError> {
    let key_path = dir.join(format!("{name}.key.pem"));
    let key = SoftwareKey::from_pem(&read(&key_path)?)
        .map_err(|_| invalid(&key_path, "not a usable EC private key"))?;
    Ok(SigningCredential {
        cert: cert(&dir.join(format!("{name}.pem")))?,
        signer: Arc::new(key),
    })
}

/// Credentials for every directory of `dirs` (each one CI with its DPauth and DPpb).
pub fn load(dirs: &[PathBuf]) -> Result<Credentials, CredentialsError> {
    load_with_crls(dirs, &[])
}

/// As [`load`], with CRLs (PEM or DER files, e.g. the CI's and EUMs' CRLs, SGP.22 §4.5.2.2)
/// checked on every eUICC / EUM chain: a revoked certificate is refused at
/// AuthenticateClient. A CRL is used only when its issuer's signature verifies.
pub fn load_with_crls(dirs: &[PathBuf], crls: &[PathBuf]) -> Result<Credentials, CredentialsError> {
    if dirs.is_empty() {
        return Err(CredentialsError::Empty);
    }
    let mut sets = Vec::new();
    for dir in dirs {
        let ci = cert(&dir.join("ci.pem"))?;
        let dp = DpCredentials {
            dp_auth: signing(dir, "dp-auth")?,
            dp_pb: signing(dir, "dp-pb")?,
            sub_cas: Vec::new(),
        };
        sets.push((ci, dp));
    }
    let mut trust = TrustStore::with_cis(sets.iter().map(|(ci, _)| ci.clone()));
    for path in crls {
        let bytes = std::fs::read(path).map_err(|source| CredentialsError::Io {
            path: path.clone(),
            source,
        })?;
        trust.add_crl(Crl::from_bytes(&bytes).map_err(|e| invalid(path, e))?);
    }
    let mut credentials = Credentials::new(trust);
    for (ci, dp) in sets {
        credentials
            .add(&ci, dp)
            .map_err(|e| invalid(Path::new("ci.pem"), e))?;
    }
    Ok(credentials)
}
