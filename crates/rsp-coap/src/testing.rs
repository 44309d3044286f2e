//! Test support (also for other crates' tests): short CoAP timers and a lossy UDP relay
//! that drops and duplicates datagrams deterministically, to run ESipa over CoAP/DTLS
//! through a bad link.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::net::UdpSocket;

use crate::CoapParams;

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

/// Counts of what the relay did, both directions together.
#[derive(Debug, Default)]
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
) -> std::io::Result<(SocketAddr, Arc<RelayStats>)> {
    let front = UdpSocket::bind("127.0.0.1:0").await?;
    let back = UdpSocket::bind("127.0.0.1:0").await?;
    back.connect(server).await?;
    let addr = front.local_addr()?;
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
    Ok((addr, stats))
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
