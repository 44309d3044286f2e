//! TLS server configuration for the SM-DP+ (SGP.22 v2.5 §2.6.6).
//!
//! TLS 1.2 with `TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256` (mandatory) plus the AES-256-GCM
//! and ChaCha20-Poly1305 ECDHE-ECDSA variants, and TLS 1.3. Client certificates are requested
//! and, when sent, verified against the configured trust anchors; they are optional at the
//! TLS layer so ES9+ (LPAs without client certificates) can share the port. ES2+ requires one
//! at the HTTP layer ([`crate::identity`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls::crypto::aws_lc_rs as provider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};

/// Why the TLS configuration could not be built.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A PEM file is missing, unreadable or holds nothing usable.
    #[error("cannot read {what} from {path}: {reason}")]
    Pem {
        /// What was expected.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// Why (never key material).
        reason: String,
    },
    /// rustls refused the configuration (e.g. key and certificate do not match).
    #[error("TLS configuration: {0}")]
    Rustls(#[from] rustls::Error),
    /// The client certificate verifier could not be built (e.g. no trust anchor).
    #[error("client certificate verifier: {0}")]
    Verifier(String),
}

/// Where the server credentials and client trust anchors are.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// DPtls certificate chain (leaf first), PEM.
    pub cert_chain: PathBuf,
    /// DPtls private key (PKCS#8 or SEC1), PEM.
    pub key: PathBuf,
    /// Trust anchors for ES2+ client certificates (e.g. the CI issuing the Operator
    /// certificates), PEM; every certificate of every file is a trust anchor.
    pub client_ca: Vec<PathBuf>,
}

/// The crypto provider with the SGP.22 §2.6.6 cipher suites only.
pub fn rsp_provider() -> CryptoProvider {
    let suites = vec![
        provider::cipher_suite::TLS13_AES_128_GCM_SHA256,
        provider::cipher_suite::TLS13_AES_256_GCM_SHA384,
        provider::cipher_suite::TLS13_CHACHA20_POLY1305_SHA256,
        provider::cipher_suite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        provider::cipher_suite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        provider::cipher_suite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    ];
    CryptoProvider {
        cipher_suites: suites,
        ..provider::default_provider()
    }
}

fn pem_err(what: &'static str, path: &Path, reason: impl ToString) -> TlsError {
    TlsError::Pem {
        what,
        path: path.to_owned(),
        reason: reason.to_string(),
    }
}

/// Every certificate in a PEM file (at least one).
pub fn load_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| pem_err("certificates", path, e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| pem_err("certificates", path, e))?;
    if certs.is_empty() {
        return Err(pem_err("certificates", path, "no CERTIFICATE block"));
    }
    Ok(certs)
}

/// The private key of a PEM file. Errors never include key bytes.
pub fn load_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    PrivateKeyDer::from_pem_file(path).map_err(|e| pem_err("private key", path, e))
}

/// A root store of every certificate in `files`.
pub fn load_roots(files: &[PathBuf]) -> Result<RootCertStore, TlsError> {
    let mut roots = RootCertStore::empty();
    for path in files {
        for cert in load_certs(path)? {
            roots
                .add(cert)
                .map_err(|e| pem_err("trust anchor", path, e))?;
        }
    }
    Ok(roots)
}

/// The server configuration: HTTP/1.1 (ALPN), TLS 1.2 and 1.3, optional client certificates
/// verified against `files.client_ca`.
pub fn server_config(files: &TlsFiles) -> Result<Arc<ServerConfig>, TlsError> {
    let provider = Arc::new(rsp_provider());
    let chain = load_certs(&files.cert_chain)?;
    let key = load_key(&files.key)?;
    let roots = load_roots(&files.client_ca)?;
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .allow_unauthenticated()
        .build()
        .map_err(|e| TlsError::Verifier(e.to_string()))?;
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
