//! TLS server configuration for the SM-DP+ (SGP.22 v2.5 §2.6.6).
//!
//! TLS 1.2 with `TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256` (mandatory) plus the AES-256-GCM
//! and ChaCha20-Poly1305 ECDHE-ECDSA variants, and TLS 1.3. Client certificates are requested
//! and, when sent, verified against the configured trust anchors; they are optional at the
//! TLS layer so ES9+ (LPAs without client certificates) can share the port. ES2+ requires one
//! at the HTTP layer ([`crate::identity`]).
//!
//! A client certificate is accepted when it chains to a configured anchor (WebPKI), or when it
//! *is* one of the anchors, byte for byte: an Operator's self-signed certificate configured
//! directly as `client-ca` (pinned), as B2B mutual TLS often does (see [`PinningClientVerifier`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use der::Decode;
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::aws_lc_rs as provider;
use rustls::crypto::{
    CryptoProvider, WebPkiSupportedAlgorithms, verify_tls12_signature, verify_tls13_signature,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, CertificateRevocationListDer, PrivateKeyDer, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{
    CertificateError, DigitallySignedStruct, DistinguishedName, RootCertStore, ServerConfig,
    SignatureScheme,
};
use x509_cert::ext::pkix::BasicConstraints;

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

/// The TLS server key: a PEM file, or a P-256 key in a PKCS#11 token (a `pkcs11:` URI in
/// place of the path, or a file holding only such a URI; docs/hsm.md).
pub enum TlsKey {
    /// In memory.
    Pem(PrivateKeyDer<'static>),
    /// In a token (signatures made there).
    Token(crate::tls_key::TokenTlsKey),
}

/// Loads the TLS key at `path` ([`TlsKey`]).
pub fn load_tls_key(path: &Path) -> Result<TlsKey, TlsError> {
    let is_uri = rsp_hsm::is_pkcs11_uri(&path.to_string_lossy())
        || std::fs::read(path).is_ok_and(|b| {
            rsp_hsm::is_pkcs11_uri(
                b.trim_ascii_start()
                    .get(..7)
                    .and_then(|p| std::str::from_utf8(p).ok())
                    .unwrap_or(""),
            )
        });
    if !is_uri {
        return load_key(path).map(TlsKey::Pem);
    }
    let key = rsp_hsm::load_key(path).map_err(|e| pem_err("private key", path, e))?;
    crate::tls_key::TokenTlsKey::new(Arc::new(key))
        .map(TlsKey::Token)
        .ok_or_else(|| {
            pem_err(
                "private key",
                path,
                "TLS keys must be NIST P-256 (rustls has no brainpool TLS)",
            )
        })
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

/// The ES2+ client trust anchors of `files`: every certificate is accepted as itself
/// (pinned: an Operator's self-signed certificate, whether or not it says cA, as `openssl req
/// -x509` does by default); only CA certificates (basicConstraints cA) also anchor chains, so
/// the key of a pinned end-entity certificate cannot vouch for other names.
fn load_anchors(
    files: &[PathBuf],
) -> Result<(RootCertStore, Vec<CertificateDer<'static>>), TlsError> {
    let mut roots = RootCertStore::empty();
    let mut pinned = Vec::new();
    for path in files {
        for cert in load_certs(path)? {
            if is_ca(&cert).map_err(|e| pem_err("trust anchor", path, e))? {
                roots
                    .add(cert.clone())
                    .map_err(|e| pem_err("trust anchor", path, e))?;
            }
            pinned.push(cert);
        }
    }
    Ok((roots, pinned))
}

/// Whether a DER certificate is a CA (basicConstraints cA = TRUE, RFC 5280 §4.2.1.9).
fn is_ca(cert: &CertificateDer<'_>) -> Result<bool, der::Error> {
    let cert = x509_cert::Certificate::from_der(cert.as_ref())?;
    Ok(cert
        .tbs_certificate()
        .get_extension::<BasicConstraints>()?
        .is_some_and(|(_, bc)| bc.ca))
}

/// ES2+ client certificate verifier: WebPKI chain validation to the configured CAs, plus
/// exact match on a configured certificate (SGP.22 §2.6.6 leaves the Operator's
/// certificate to the parties).
///
/// rustls' WebPKI verifier refuses a self-signed certificate that says cA (as `openssl req
/// -x509` makes them) presented as the client's own ("certificate unknown": a CA used as an
/// end entity). Such a certificate is accepted here when the client
/// presents exactly the configured bytes and it is within its validity period; the TLS
/// handshake signature, checked as for any client certificate, proves the client holds its
/// private key.
#[derive(Debug)]
pub struct PinningClientVerifier {
    /// `None` when no CA is configured (only pinned certificates).
    webpki: Option<Arc<dyn ClientCertVerifier>>,
    pinned: Vec<CertificateDer<'static>>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl PinningClientVerifier {
    /// A verifier over `roots` (chains) and `pinned` (exact matches), client certificates
    /// optional (ES9+ shares the port). At least one of the two must be non-empty. `crls`
    /// revoke chained certificates (RFC 5280 §6.3; a certificate whose issuer has no CRL
    /// here is accepted); pinned certificates are taken or removed by configuration.
    pub fn new(
        roots: RootCertStore,
        pinned: Vec<CertificateDer<'static>>,
        crls: Vec<CertificateRevocationListDer<'static>>,
        provider: Arc<CryptoProvider>,
    ) -> Result<Self, TlsError> {
        let algorithms = provider.signature_verification_algorithms;
        let webpki = if roots.is_empty() {
            if pinned.is_empty() {
                return Err(TlsError::Verifier("no client trust anchor".into()));
            }
            None
        } else {
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .allow_unauthenticated()
                .with_crls(crls)
                .allow_unknown_revocation_status()
                .build()
                .map_err(|e| TlsError::Verifier(e.to_string()))?;
            Some(verifier)
        };
        Ok(Self {
            webpki,
            pinned,
            algorithms,
        })
    }

    fn is_pinned(&self, cert: &CertificateDer<'_>) -> bool {
        self.pinned.iter().any(|p| p.as_ref() == cert.as_ref())
    }
}

/// Checks notBefore ≤ now ≤ notAfter (RFC 5280 §4.1.2.5) of a DER certificate.
fn check_validity(cert: &CertificateDer<'_>, now: UnixTime) -> Result<(), rustls::Error> {
    let cert = x509_cert::Certificate::from_der(cert.as_ref())
        .map_err(|_| rustls::Error::InvalidCertificate(CertificateError::BadEncoding))?;
    let validity = cert.tbs_certificate().validity();
    let now_secs = now.as_secs();
    if now_secs < validity.not_before.to_unix_duration().as_secs() {
        return Err(rustls::Error::InvalidCertificate(
            CertificateError::NotValidYet,
        ));
    }
    if now_secs > validity.not_after.to_unix_duration().as_secs() {
        return Err(rustls::Error::InvalidCertificate(CertificateError::Expired));
    }
    Ok(())
}

impl ClientCertVerifier for PinningClientVerifier {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        false
    }

    /// The configured CAs' names; none when only pinned certificates are configured (the
    /// client then offers whatever certificate it has).
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.webpki.as_ref().map_or(&[], |v| v.root_hint_subjects())
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        if self.is_pinned(end_entity) {
            check_validity(end_entity, now)?;
            return Ok(ClientCertVerified::assertion());
        }
        match &self.webpki {
            Some(v) => v.verify_client_cert(end_entity, intermediates, now),
            None => Err(rustls::Error::InvalidCertificate(
                CertificateError::UnknownIssuer,
            )),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// The server configuration: HTTP/1.1 (ALPN), TLS 1.2 and 1.3, optional client certificates
/// verified against `files.client_ca` ([`PinningClientVerifier`]).
pub fn server_config(files: &TlsFiles) -> Result<Arc<ServerConfig>, TlsError> {
    server_config_with_crls(files, &[])
}

/// Every CRL (PEM, or one DER CRL) of `files`.
pub fn load_crls(
    files: &[PathBuf],
) -> Result<Vec<CertificateRevocationListDer<'static>>, TlsError> {
    let mut crls = Vec::new();
    for path in files {
        let bytes = std::fs::read(path).map_err(|e| pem_err("CRL", path, e))?;
        if bytes.starts_with(b"-----") || bytes.first().is_some_and(u8::is_ascii_whitespace) {
            for crl in CertificateRevocationListDer::pem_slice_iter(&bytes) {
                crls.push(crl.map_err(|e| pem_err("CRL", path, e))?);
            }
        } else {
            crls.push(CertificateRevocationListDer::from(bytes));
        }
    }
    Ok(crls)
}

/// [`server_config`] whose client certificate verifier also checks the CRLs of `crls`
/// (PEM or DER files), re-read at every call (reload: [`crate::reload`]).
pub fn server_config_with_crls(
    files: &TlsFiles,
    crls: &[PathBuf],
) -> Result<Arc<ServerConfig>, TlsError> {
    let provider = Arc::new(rsp_provider());
    let chain = load_certs(&files.cert_chain)?;
    let key = load_tls_key(&files.key)?;
    let (roots, pinned) = load_anchors(&files.client_ca)?;
    let verifier = PinningClientVerifier::new(roots, pinned, load_crls(crls)?, provider.clone())?;
    let builder = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
        .with_client_cert_verifier(Arc::new(verifier));
    let mut config = match key {
        TlsKey::Pem(key) => builder.with_single_cert(chain, key)?,
        TlsKey::Token(key) => {
            let certified = rustls::sign::CertifiedKey::new(chain, Arc::new(key));
            certified.keys_match()?;
            builder.with_cert_resolver(Arc::new(rustls::sign::SingleCertAndKey::from(certified)))
        }
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
