//! The TLS server key in a PKCS#11 token, as a rustls [`SigningKey`]: the handshake
//! signature (TLS 1.2 ServerKeyExchange, TLS 1.3 CertificateVerify) is made in the token,
//! ECDSA P-256 with SHA-256 (`ecdsa_secp256r1_sha256`, the scheme of SGP.22 §2.6.6's
//! ECDHE-ECDSA suites). rustls has no brainpool TLS, so a brainpool token key is refused for
//! TLS (DPtls / DStls are NIST P-256 in practice). The ECDHE ephemerals stay in memory.

use std::sync::Arc;

use rsp_crypto::Curve;
use rustls::pki_types::SubjectPublicKeyInfoDer;
use rustls::sign::{Signer, SigningKey};
use rustls::{SignatureAlgorithm, SignatureScheme};

/// A rustls signing key whose private half is in a token (or any [`rsp_crypto::Signer`]).
#[derive(Clone)]
pub struct TokenTlsKey {
    key: Arc<dyn rsp_crypto::Signer>,
    spki: Vec<u8>,
}

impl std::fmt::Debug for TokenTlsKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenTlsKey(ecdsa_secp256r1_sha256)")
    }
}

impl TokenTlsKey {
    /// Wraps `key`; `None` unless it is a NIST P-256 key.
    pub fn new(key: Arc<dyn rsp_crypto::Signer>) -> Option<Self> {
        if key.curve() != Curve::NistP256 {
            return None;
        }
        let spki = key.public_key().to_spki_der();
        Some(Self { key, spki })
    }
}

impl SigningKey for TokenTlsKey {
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<Box<dyn Signer>> {
        offered
            .contains(&SignatureScheme::ECDSA_NISTP256_SHA256)
            .then(|| Box::new(self.clone()) as Box<dyn Signer>)
    }

    fn public_key(&self) -> Option<SubjectPublicKeyInfoDer<'_>> {
        Some(SubjectPublicKeyInfoDer::from(self.spki.as_slice()))
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        SignatureAlgorithm::ECDSA
    }
}

impl Signer for TokenTlsKey {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, rustls::Error> {
        // TLS carries ECDSA signatures as DER ECDSA-Sig-Value (RFC 8446 §4.2.3, RFC 4492 §5.4).
        self.key
            .sign_der(message)
            .map_err(|_| rustls::Error::General("token signature failed".into()))
    }

    fn scheme(&self) -> SignatureScheme {
        SignatureScheme::ECDSA_NISTP256_SHA256
    }
}

/// True when a client identity (`key PEM ‖ certificate PEM`, as [`crate::es2plus_client::ClientTls`]
/// holds it) starts with a `pkcs11:` URI in place of the key.
pub fn identity_is_token(identity: &[u8]) -> bool {
    let t = identity.trim_ascii_start();
    t.get(..7)
        .and_then(|p| std::str::from_utf8(p).ok())
        .is_some_and(rsp_hsm::is_pkcs11_uri)
}

/// A rustls client configuration presenting a certificate whose key is in a token (the
/// first line of `identity` is its `pkcs11:` URI, the rest the certificate chain, PEM),
/// trusting `roots_pem` only (SGP.22 §2.6.6 suites, TLS 1.2 and 1.3).
pub fn token_client_config(
    identity: &[u8],
    roots_pem: &[Vec<u8>],
) -> Result<rustls::ClientConfig, String> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let text = std::str::from_utf8(identity).map_err(|_| "identity is not text".to_owned())?;
    let text = text.trim_start();
    let (uri, chain_pem) = text.split_once('\n').unwrap_or((text, ""));
    let key = rsp_hsm::load_key(std::path::Path::new(uri.trim())).map_err(|e| e.to_string())?;
    let key = TokenTlsKey::new(Arc::new(key))
        .ok_or_else(|| "TLS keys must be NIST P-256 (rustls has no brainpool TLS)".to_owned())?;
    let chain = CertificateDer::pem_slice_iter(chain_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("client certificate: {e}"))?;
    if chain.is_empty() {
        return Err("no client certificate".into());
    }
    if roots_pem.is_empty() {
        return Err("a token client key needs explicit trust anchors (CA files)".into());
    }
    let mut roots = rustls::RootCertStore::empty();
    for pem in roots_pem {
        for c in CertificateDer::pem_slice_iter(pem) {
            let c = c.map_err(|e| format!("trust anchor: {e}"))?;
            roots.add(c).map_err(|e| format!("trust anchor: {e}"))?;
        }
    }
    let certified = rustls::sign::CertifiedKey::new(chain, Arc::new(key));
    certified.keys_match().map_err(|e| e.to_string())?;
    rustls::ClientConfig::builder_with_provider(Arc::new(crate::tls::rsp_provider()))
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| e.to_string())
        .map(|b| {
            b.with_root_certificates(roots)
                .with_client_cert_resolver(Arc::new(rustls::sign::SingleCertAndKey::from(
                    certified,
                )))
        })
}
