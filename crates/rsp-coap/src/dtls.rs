//! DTLS 1.2 set-up (webrtc-dtls): the server's certificate and key, the client's roots and
//! name, and the per-peer virtual connection that feeds one association from the server's
//! shared UDP socket.

use std::net::SocketAddr;
use std::sync::Arc;

use async_trait::async_trait;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use tokio::net::UdpSocket;
use tokio::sync::{Mutex, mpsc};
use webrtc_dtls::cipher_suite::CipherSuiteId;
use webrtc_dtls::config::{Config, ExtendedMasterSecretType};
use webrtc_dtls::crypto::{Certificate, CryptoPrivateKey};

use crate::{CoapError, CoapParams};

/// The only cipher suite offered and accepted: ECDHE-ECDSA with AES-128-GCM over P-256
/// (RFC 7252 §9.1.3.3 names the CCM_8 variant for constrained devices; SGP.32 devices
/// that speak ESipa over HTTPS already have GCM).
const SUITES: [CipherSuiteId; 1] = [CipherSuiteId::Tls_Ecdhe_Ecdsa_With_Aes_128_Gcm_Sha256];

/// The eIM's DTLS identity: its certificate chain and its P-256 private key.
#[derive(Clone)]
pub struct ServerDtls {
    certificate: Certificate,
}

impl std::fmt::Debug for ServerDtls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerDtls")
            .field("chain_len", &self.certificate.certificate.len())
            .finish_non_exhaustive()
    }
}

/// webrtc-dtls builds its certificate verifiers with rustls's process-level crypto provider
/// (`WebPkiServerVerifier::builder`), which rustls cannot choose by itself when a program
/// links both of its providers (ring here, aws-lc-rs through other crates): ring is
/// installed as that default unless the program installed one already. The rest of the
/// workspace names its provider explicitly, so this only settles webrtc-dtls's choice.
fn ensure_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Err only when another thread installed one in between: theirs stays.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

impl ServerDtls {
    /// From a PEM certificate chain (end entity first) and a PEM PKCS#8 EC P-256 private key.
    pub fn from_pem(cert_chain_pem: &str, key_pem: &str) -> Result<Self, CoapError> {
        ensure_crypto_provider();
        let chain = parse_certs(cert_chain_pem)?;
        let key_pair = rcgen::KeyPair::from_pem(key_pem)
            .map_err(|e| CoapError::Config(format!("private key: {e}")))?;
        if !key_pair.is_compatible(&rcgen::PKCS_ECDSA_P256_SHA256) {
            return Err(CoapError::Config(
                "private key is not an EC P-256 key".into(),
            ));
        }
        let private_key = CryptoPrivateKey::from_key_pair(&key_pair)
            .map_err(|e| CoapError::Config(format!("private key: {e}")))?;
        Ok(Self {
            certificate: Certificate {
                certificate: chain,
                private_key,
            },
        })
    }

    pub(crate) fn config(&self, params: &CoapParams) -> Config {
        Config {
            certificates: vec![self.certificate.clone()],
            cipher_suites: SUITES.to_vec(),
            extended_master_secret: ExtendedMasterSecretType::Request,
            flight_interval: params.dtls_flight_interval,
            ..Config::default()
        }
    }
}

/// What the IPA trusts: the CA roots (PEM, one or more certificates) and the name the
/// eIM's certificate must carry.
#[derive(Debug, Clone)]
pub struct ClientDtls {
    /// PEM CA certificates the server's chain must lead to.
    pub ca_pem: String,
    /// The DNS name (or IP address) expected in the server's certificate.
    pub server_name: String,
}

impl ClientDtls {
    pub(crate) fn config(&self, params: &CoapParams) -> Result<Config, CoapError> {
        ensure_crypto_provider();
        let mut roots = rustls::RootCertStore::empty();
        for cert in parse_certs(&self.ca_pem)? {
            roots
                .add(cert)
                .map_err(|e| CoapError::Config(format!("CA certificate: {e}")))?;
        }
        Ok(Config {
            roots_cas: roots,
            server_name: self.server_name.clone(),
            cipher_suites: SUITES.to_vec(),
            extended_master_secret: ExtendedMasterSecretType::Request,
            flight_interval: params.dtls_flight_interval,
            ..Config::default()
        })
    }
}

fn parse_certs(pem: &str) -> Result<Vec<CertificateDer<'static>>, CoapError> {
    let certs = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| CoapError::Config(format!("PEM certificates: {e}")))?;
    if certs.is_empty() {
        return Err(CoapError::Config("no PEM certificate found".into()));
    }
    Ok(certs)
}

/// Maps a webrtc-dtls error of the handshake to ours.
pub(crate) fn handshake_error(e: webrtc_dtls::Error) -> CoapError {
    CoapError::Handshake(e.to_string())
}

/// One peer's view of the server's shared UDP socket: datagrams from that peer arrive on a
/// channel fed by the server loop, datagrams to it are sent with `send_to`.
pub(crate) struct PeerConn {
    socket: Arc<UdpSocket>,
    peer: SocketAddr,
    rx: Mutex<mpsc::Receiver<Vec<u8>>>,
}

impl PeerConn {
    pub fn new(socket: Arc<UdpSocket>, peer: SocketAddr, rx: mpsc::Receiver<Vec<u8>>) -> Self {
        Self {
            socket,
            peer,
            rx: Mutex::new(rx),
        }
    }
}

type UtilResult<T> = Result<T, webrtc_util::Error>;

#[async_trait]
impl webrtc_util::Conn for PeerConn {
    async fn connect(&self, _addr: SocketAddr) -> UtilResult<()> {
        Err(webrtc_util::Error::Other(
            "connect on a server association".into(),
        ))
    }

    async fn recv(&self, buf: &mut [u8]) -> UtilResult<usize> {
        let mut rx = self.rx.lock().await;
        match rx.recv().await {
            Some(d) => {
                let n = d.len().min(buf.len());
                buf[..n].copy_from_slice(&d[..n]);
                Ok(n)
            }
            // The server loop forgot this peer. webrtc-dtls's reader retries on errors in a
            // loop, so wait instead: the association ends when its task drops it.
            None => std::future::pending().await,
        }
    }

    async fn recv_from(&self, buf: &mut [u8]) -> UtilResult<(usize, SocketAddr)> {
        let n = self.recv(buf).await?;
        Ok((n, self.peer))
    }

    async fn send(&self, buf: &[u8]) -> UtilResult<usize> {
        Ok(self.socket.send_to(buf, self.peer).await?)
    }

    async fn send_to(&self, buf: &[u8], _target: SocketAddr) -> UtilResult<usize> {
        Ok(self.socket.send_to(buf, self.peer).await?)
    }

    fn local_addr(&self) -> UtilResult<SocketAddr> {
        Ok(self.socket.local_addr()?)
    }

    fn remote_addr(&self) -> Option<SocketAddr> {
        Some(self.peer)
    }

    async fn close(&self) -> UtilResult<()> {
        Ok(())
    }

    fn as_any(&self) -> &(dyn std::any::Any + Send + Sync) {
        self
    }
}
