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

/// Short timers for the tests: retransmissions after 80–120 ms.
pub fn fast_params() -> CoapParams {
    CoapParams {
        ack_timeout: Duration::from_millis(80),
        max_retransmit: 6,
        dtls_flight_interval: Duration::from_millis(100),
        handshake_timeout: Duration::from_secs(10),
        separate_response_after: Duration::from_millis(50),
        ..CoapParams::default()
    }
}

/// Counts of what the relay did, per direction.
#[derive(Default)]
pub struct RelayStats {
    pub forwarded: AtomicUsize,
    pub dropped: AtomicUsize,
    pub duplicated: AtomicUsize,
}

/// A UDP relay for one client: drops every `drop_every`-th datagram and sends every
/// `dup_every`-th twice, counting each direction on its own. Returns its address.
pub async fn lossy_relay(
    server: SocketAddr,
    drop_every: usize,
    dup_every: usize,
) -> (SocketAddr, Arc<RelayStats>) {
    let front = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let back = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    back.connect(server).await.unwrap();
    let addr = front.local_addr().unwrap();
    let stats = Arc::new(RelayStats::default());
    let st = stats.clone();
    tokio::spawn(async move {
        let (mut up, mut down) = (0usize, 0usize);
        let mut client: Option<SocketAddr> = None;
        let mut b1 = vec![0u8; 65536];
        let mut b2 = vec![0u8; 65536];
        loop {
            tokio::select! {
                r = front.recv_from(&mut b1) => {
                    let Ok((n, from)) = r else { return };
                    client = Some(from);
                    up += 1;
                    for _ in 0..fate(up, drop_every, dup_every, &st) {
                        let _ = back.send(&b1[..n]).await;
                    }
                }
                r = back.recv(&mut b2) => {
                    let Ok(n) = r else { continue };
                    let Some(to) = client else { continue };
                    down += 1;
                    for _ in 0..fate(down, drop_every, dup_every, &st) {
                        let _ = front.send_to(&b2[..n], to).await;
                    }
                }
            }
        }
    });
    (addr, stats)
}

/// How many copies of datagram number `n` go through.
fn fate(n: usize, drop_every: usize, dup_every: usize, st: &RelayStats) -> usize {
    if n.is_multiple_of(drop_every) {
        st.dropped.fetch_add(1, Ordering::Relaxed);
        0
    } else if n.is_multiple_of(dup_every) {
        st.duplicated.fetch_add(1, Ordering::Relaxed);
        2
    } else {
        st.forwarded.fetch_add(1, Ordering::Relaxed);
        1
    }
}
