//! The ESME against peers that misbehave: a bind left unanswered, a bind answered with
//! generic_nack, a connection refused, a garbage command_length after the bind.

use std::time::{Duration, Instant};

use rsp_sms::esme::{Esme, EsmeConfig, EsmeError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

fn cfg() -> EsmeConfig {
    let mut c = EsmeConfig::new("smsr", "pw");
    c.response_timeout = Duration::from_millis(500);
    c
}

/// Accepts one connection, reads the bind, then runs `answer` with its sequence number.
async fn peer(answer: fn(u32) -> Vec<u8>) -> std::net::SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").await.expect("listen");
    let addr = l.local_addr().expect("addr");
    tokio::spawn(async move {
        let (mut s, _) = l.accept().await.expect("accept");
        let mut head = [0u8; 16];
        s.read_exact(&mut head).await.expect("bind header");
        let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let mut body = vec![0; len - 16];
        s.read_exact(&mut body).await.expect("bind body");
        let seq = u32::from_be_bytes([head[12], head[13], head[14], head[15]]);
        s.write_all(&answer(seq)).await.expect("write");
        tokio::time::sleep(Duration::from_secs(3)).await;
    });
    addr
}

fn pdu(command_id: u32, status: u32, seq: u32, body: &[u8]) -> Vec<u8> {
    let mut v = ((16 + body.len()) as u32).to_be_bytes().to_vec();
    v.extend_from_slice(&command_id.to_be_bytes());
    v.extend_from_slice(&status.to_be_bytes());
    v.extend_from_slice(&seq.to_be_bytes());
    v.extend_from_slice(body);
    v
}

#[tokio::test]
async fn unanswered_bind_times_out() {
    let addr = peer(|_| Vec::new()).await;
    let t = Instant::now();
    let err = Esme::bind_transceiver(addr, cfg())
        .await
        .err()
        .expect("no bind");
    assert!(matches!(err, EsmeError::Timeout), "{err}");
    assert!(t.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn generic_nack_refuses_the_bind() {
    let addr = peer(|seq| pdu(0x8000_0000, 0x0d, seq, &[])).await;
    let err = Esme::bind_transceiver(addr, cfg())
        .await
        .err()
        .expect("no bind");
    assert!(
        matches!(err, EsmeError::BindRefused { status: 0x0d }),
        "{err}"
    );
}

#[tokio::test]
async fn connection_refused_is_io() {
    let l = TcpListener::bind("127.0.0.1:0").await.expect("listen");
    let addr = l.local_addr().expect("addr");
    drop(l);
    let err = Esme::bind_transceiver(addr, cfg())
        .await
        .err()
        .expect("no bind");
    assert!(matches!(err, EsmeError::Io(_)), "{err}");
}

#[tokio::test]
async fn garbage_after_bind_closes_the_session() {
    let addr = peer(|seq| {
        let mut v = pdu(0x8000_0009, 0, seq, b"smsc\0");
        v.extend_from_slice(&[0, 0, 0, 3, 0, 0, 0, 0]); // command_length 3
        v
    })
    .await;
    let (esme, mut rx) = Esme::bind_transceiver(addr, cfg()).await.expect("bound");
    let end = tokio::time::timeout(Duration::from_secs(2), rx.recv())
        .await
        .expect("closed in time");
    assert!(end.is_none());
    for _ in 0..50 {
        if !esme.is_bound() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("session task still running");
}
