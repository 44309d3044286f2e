//! Test fixtures: a throw-away PKI (rcgen), a server with a scripted handler, and a lossy
//! UDP relay.
#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose, PKCS_ECDSA_P256_SHA256,
};
use rsp_coap::{ClientDtls, CoapError, CoapParams, HandlerError, PeerInfo, ServerDtls};
use tokio::net::UdpSocket;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub const SERVER_NAME: &str = "eim.example.test";

/// A CA and a server certificate (P-256) it issued, all PEM.
pub struct Pki {
    pub ca_pem: String,
    pub chain_pem: String,
    pub key_pem: String,
}

pub fn pki(name: &str) -> Pki {
    let ca_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, format!("{name} test CA"));
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let mut ee = CertificateParams::new(vec![SERVER_NAME.to_string()]).unwrap();
    ee.distinguished_name.push(DnType::CommonName, SERVER_NAME);
    ee.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    ee.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    let cert = ee.signed_by(&key, &ca_cert, &ca_key).unwrap();
    Pki {
        ca_pem: ca_cert.pem(),
        chain_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    }
}

impl Pki {
    pub fn client(&self) -> ClientDtls {
        ClientDtls {
            ca_pem: self.ca_pem.clone(),
            server_name: SERVER_NAME.to_string(),
        }
    }
}

/// The scripted handler: the first request byte chooses the behaviour.
pub const ECHO: u8 = 0;
pub const NO_ANSWER: u8 = 1;
pub const BIG_ANSWER: u8 = 2;
pub const REFUSE: u8 = 3;
pub const SLOW_ECHO: u8 = 4;
pub const BIG_ANSWER_LEN: usize = 100_000;

pub fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

pub struct TestServer {
    pub addr: SocketAddr,
    pub calls: Arc<AtomicUsize>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), CoapError>>,
}

impl TestServer {
    pub async fn start(pki: &Pki, params: CoapParams) -> Self {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = socket.local_addr().unwrap();
        let dtls = ServerDtls::from_pem(&pki.chain_pem, &pki.key_pem).unwrap();
        let calls = Arc::new(AtomicUsize::new(0));
        let counter = calls.clone();
        let handler = move |req: Vec<u8>, _peer: PeerInfo| {
            counter.fetch_add(1, Ordering::SeqCst);
            async move {
                match req.first().copied() {
                    Some(NO_ANSWER) => Ok(None),
                    Some(BIG_ANSWER) => Ok(Some(pattern(BIG_ANSWER_LEN, 7))),
                    Some(REFUSE) => Err(HandlerError::BadRequest("refused".into())),
                    Some(SLOW_ECHO) => {
                        tokio::time::sleep(Duration::from_millis(300)).await;
                        Ok(Some(req))
                    }
                    _ => Ok(Some(req)),
                }
            }
        };
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(rsp_coap::serve_with_params(
            socket,
            dtls,
            params,
            handler,
            async move {
                let _ = stopped.await;
            },
        ));
        Self {
            addr,
            calls,
            stop: Some(stop),
            task,
        }
    }

    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    pub fn is_running(&self) -> bool {
        !self.task.is_finished()
    }

    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let r = tokio::time::timeout(Duration::from_secs(5), self.task).await;
        assert!(
            matches!(r, Ok(Ok(Ok(())))),
            "server did not stop cleanly: {r:?}"
        );
    }
}

pub use rsp_coap::testing::{fast_params, lossy_relay};
