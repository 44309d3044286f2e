//! ESipa over CoAP/DTLS end to end: real UDP on loopback, real DTLS 1.2.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use rsp_coap::{ClientDtls, CoapError, CoapEsipaClient, CoapParams};
use tokio::net::UdpSocket;

async fn connect(server: std::net::SocketAddr, pki: &Pki, params: CoapParams) -> CoapEsipaClient {
    CoapEsipaClient::connect_with_params(server, pki.client(), params)
        .await
        .expect("connect")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn round_trips_small_blockwise_and_empty() {
    let t = Instant::now();
    let pki = pki("rt");
    let server = TestServer::start(
        &pki,
        CoapParams {
            max_body_size: 64 * 1024,
            ..fast_params()
        },
    )
    .await;
    let client = connect(server.addr, &pki, fast_params()).await;

    // Small payload, piggybacked answer.
    let small = [&[ECHO][..], b"hello eim"].concat();
    assert_eq!(client.exchange(&small).await.unwrap(), Some(small.clone()));

    // 40 KB request: Block1 up, the same 40 KB back as Block2.
    let mut big = pattern(40_000, 3);
    big[0] = ECHO;
    assert_eq!(client.exchange(&big).await.unwrap(), Some(big.clone()));

    // Small request, 100 KB answer: Block2.
    let answer = client.exchange(&[BIG_ANSWER]).await.unwrap().unwrap();
    assert_eq!(answer, pattern(BIG_ANSWER_LEN, 7));

    // 2.04 with an empty payload: no answer.
    assert_eq!(client.exchange(&[NO_ANSWER, 1, 2, 3]).await.unwrap(), None);

    // A refused payload: 4.00.
    match client.exchange(&[REFUSE]).await {
        Err(CoapError::Response { code, .. }) => assert_eq!(code, "4.00"),
        other => panic!("expected 4.00, got {other:?}"),
    }

    // Larger than the server's limit: 4.13 on the first block (Size1).
    let mut huge = pattern(100_000, 1);
    huge[0] = ECHO;
    match client.exchange(&huge).await {
        Err(CoapError::Response { code, .. }) => assert_eq!(code, "4.13"),
        other => panic!("expected 4.13, got {other:?}"),
    }

    // A slow handler: empty ACK, then a separate CON response (RFC 7252 §5.2.2).
    let slow = [&[SLOW_ECHO][..], &pattern(3000, 9)].concat();
    assert_eq!(client.exchange(&slow).await.unwrap(), Some(slow.clone()));

    assert_eq!(
        server.calls(),
        6,
        "one handler call per logical request (4.13 never reaches it)"
    );
    client.close().await.unwrap();
    server.stop().await;
    eprintln!("round trips: {:?}", t.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lossy_link_drops_and_duplicates_still_complete_once() {
    let t = Instant::now();
    let pki = pki("lossy");
    let server = TestServer::start(&pki, fast_params()).await;
    let (relay, stats) = lossy_relay(server.addr, 5, 7).await.unwrap();
    let client = connect(
        relay,
        &pki,
        CoapParams {
            block_size: 256,
            ..fast_params()
        },
    )
    .await;

    let mut requests = 0;
    for i in 0..12u8 {
        let req = [&[ECHO, i][..], &pattern(50 + usize::from(i) * 20, i)].concat();
        assert_eq!(
            client.exchange(&req).await.unwrap(),
            Some(req.clone()),
            "exchange {i}"
        );
        requests += 1;
    }
    // Block-wise both ways through the lossy link (256-byte blocks: 40 blocks each way).
    let mut big = pattern(10_000, 5);
    big[0] = ECHO;
    assert_eq!(client.exchange(&big).await.unwrap(), Some(big.clone()));
    requests += 1;
    assert_eq!(client.exchange(&[NO_ANSWER]).await.unwrap(), None);
    requests += 1;
    let slow = [&[SLOW_ECHO][..], b"late"].concat();
    assert_eq!(client.exchange(&slow).await.unwrap(), Some(slow.clone()));
    requests += 1;

    assert_eq!(
        server.calls(),
        requests,
        "the handler ran exactly once per logical request"
    );
    let dropped = stats.dropped.load(std::sync::atomic::Ordering::Relaxed);
    let duplicated = stats.duplicated.load(std::sync::atomic::Ordering::Relaxed);
    assert!(
        dropped >= 10 && duplicated >= 5,
        "dropped {dropped}, duplicated {duplicated}"
    );
    drop(client);
    server.stop().await;
    eprintln!(
        "lossy: {:?} ({dropped} dropped, {duplicated} duplicated)",
        t.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn untrusted_ca_wrong_name_and_garbage() {
    let pki_ok = pki("good");
    let other = pki("other");
    let server = TestServer::start(&pki_ok, fast_params()).await;

    // Garbage from a stranger: random bytes, a truncated "ClientHello", a CoAP message.
    let stranger = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    for d in [
        &pattern(300, 1)[..],
        &[22, 254, 253, 0, 0, 0, 0, 0, 0, 0, 0, 0, 40, 1, 0, 0][..],
        &[0x40, 0x02, 0, 1],
    ] {
        stranger.send_to(d, server.addr).await.unwrap();
    }
    let mut fake_hello = vec![22u8, 254, 253];
    fake_hello.extend(pattern(200, 4));
    fake_hello[13] = 1;
    stranger.send_to(&fake_hello, server.addr).await.unwrap();

    // A client trusting another CA.
    let params = CoapParams {
        handshake_timeout: Duration::from_secs(5),
        ..fast_params()
    };
    match CoapEsipaClient::connect_with_params(server.addr, other.client(), params.clone()).await {
        Err(CoapError::Handshake(reason)) => eprintln!("untrusted CA refused: {reason}"),
        Err(e) => panic!("expected a handshake error, got {e}"),
        Ok(_) => panic!("handshake with an untrusted CA succeeded"),
    }
    // The right CA but another name.
    let wrong_name = ClientDtls {
        ca_pem: pki_ok.ca_pem.clone(),
        server_name: "other.example.test".into(),
    };
    match CoapEsipaClient::connect_with_params(server.addr, wrong_name, params.clone()).await {
        Err(CoapError::Handshake(reason)) => eprintln!("wrong name refused: {reason}"),
        Err(e) => panic!("expected a handshake error, got {e}"),
        Ok(_) => panic!("handshake with a wrong name succeeded"),
    }
    // No server at all: a handshake time-out, typed.
    let silent = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let quick = CoapParams {
        handshake_timeout: Duration::from_millis(500),
        ..fast_params()
    };
    let r =
        CoapEsipaClient::connect_with_params(silent.local_addr().unwrap(), pki_ok.client(), quick)
            .await;
    assert!(
        matches!(r, Err(CoapError::HandshakeTimeout)),
        "{:?}",
        r.err()
    );

    // The server is still there and serves a good client.
    assert!(server.is_running());
    let client = connect(server.addr, &pki_ok, fast_params()).await;
    let req = [ECHO, 42];
    assert_eq!(client.exchange(&req).await.unwrap(), Some(req.to_vec()));
    assert_eq!(server.calls(), 1);
    client.close().await.unwrap();
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_concurrent_clients() {
    let t = Instant::now();
    let pki = pki("many");
    let server = TestServer::start(&pki, fast_params()).await;
    let mut tasks = Vec::new();
    for c in 0..20u8 {
        let dtls = pki.client();
        let addr = server.addr;
        tasks.push(tokio::spawn(async move {
            let client = CoapEsipaClient::connect_with_params(addr, dtls, fast_params())
                .await
                .expect("connect");
            for i in 0..3u8 {
                let len = if i == 2 { 3000 } else { 100 };
                let req = [&[ECHO, c, i][..], &pattern(len, c)].concat();
                assert_eq!(
                    client.exchange(&req).await.expect("exchange"),
                    Some(req.clone())
                );
            }
            assert_eq!(client.exchange(&[NO_ANSWER]).await.expect("exchange"), None);
            client.close().await.expect("close");
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(server.calls(), 20 * 4);
    server.stop().await;
    eprintln!("20 clients: {:?}", t.elapsed());
}

/// A hand-made CoAP client over real DTLS, to send what `CoapEsipaClient` never sends.
mod raw {
    use std::sync::Arc;
    use std::time::Duration;

    use coap_lite::{CoapOption, MessageClass, MessageType, Packet, RequestType};
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    use tokio::net::UdpSocket;
    use webrtc_dtls::conn::DTLSConn;

    use super::common::{Pki, SERVER_NAME};

    pub async fn connect(addr: std::net::SocketAddr, pki: &Pki) -> DTLSConn {
        let mut roots = rustls::RootCertStore::empty();
        for c in CertificateDer::pem_slice_iter(pki.ca_pem.as_bytes()) {
            roots.add(c.unwrap()).unwrap();
        }
        let config = webrtc_dtls::config::Config {
            roots_cas: roots,
            server_name: SERVER_NAME.into(),
            ..Default::default()
        };
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        socket.connect(addr).await.unwrap();
        DTLSConn::new(Arc::new(socket), config, true, None)
            .await
            .unwrap()
    }

    pub fn post(mid: u16, path: &[&str], payload: &[u8]) -> Packet {
        let mut p = Packet::new();
        p.header.set_type(MessageType::Confirmable);
        p.header.code = MessageClass::Request(RequestType::Post);
        p.header.message_id = mid;
        p.set_token(vec![1, 2, 3, mid as u8]);
        for s in path {
            p.add_option(CoapOption::UriPath, s.as_bytes().to_vec());
        }
        p.payload = payload.to_vec();
        p
    }

    pub async fn send_raw(conn: &DTLSConn, bytes: &[u8]) -> Vec<u8> {
        conn.write(bytes, None).await.unwrap();
        let mut buf = vec![0u8; 4096];
        let n = conn
            .read(&mut buf, Some(Duration::from_secs(3)))
            .await
            .unwrap();
        buf.truncate(n);
        buf
    }

    pub async fn send(conn: &DTLSConn, p: &Packet) -> Packet {
        Packet::from_bytes(&send_raw(conn, &p.to_bytes().unwrap()).await).unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_rules_dedup_and_block_checks() {
    use coap_lite::{CoapOption, MessageClass, MessageType, RequestType, ResponseType};
    let pki = pki("raw");
    let server = TestServer::start(&pki, fast_params()).await;
    let conn = raw::connect(server.addr, &pki).await;
    let path = ["gsma", "rsp2", "asn1"];
    let code = |p: &coap_lite::Packet| p.header.code;
    let resp = |t| MessageClass::Response(t);

    // The same CON twice (same message ID): the same bytes back, one handler call (§4.5).
    let req = raw::post(100, &path, &[ECHO, 9, 9]).to_bytes().unwrap();
    let first = raw::send_raw(&conn, &req).await;
    let again = raw::send_raw(&conn, &req).await;
    assert_eq!(first, again);
    assert_eq!(server.calls(), 1);

    // Resource, method, option and format checks.
    assert_eq!(
        code(&raw::send(&conn, &raw::post(101, &["gsma", "x"], b"")).await),
        resp(ResponseType::NotFound)
    );
    let mut get = raw::post(102, &path, b"");
    get.header.code = MessageClass::Request(RequestType::Get);
    assert_eq!(
        code(&raw::send(&conn, &get).await),
        resp(ResponseType::MethodNotAllowed)
    );
    let mut odd = raw::post(103, &path, &[ECHO]);
    odd.add_option(CoapOption::Unknown(2049), vec![1]);
    assert_eq!(
        code(&raw::send(&conn, &odd).await),
        resp(ResponseType::BadOption)
    );
    let mut json = raw::post(104, &path, &[ECHO]);
    json.add_option(CoapOption::ContentFormat, vec![50]);
    assert_eq!(
        code(&raw::send(&conn, &json).await),
        resp(ResponseType::UnsupportedContentFormat)
    );

    // A CoAP ping and a malformed CON are answered with a Reset (§4.2, §4.3).
    let ping = raw::send_raw(&conn, &[0x40, 0x00, 0x12, 0x34]).await;
    assert_eq!(ping, [0x70, 0x00, 0x12, 0x34]);
    let bad = raw::send_raw(&conn, &[0x48, 0x02, 0x43, 0x21]).await;
    let bad = coap_lite::Packet::from_bytes(&bad).unwrap();
    assert_eq!(
        (bad.header.get_type(), bad.header.message_id),
        (MessageType::Reset, 0x4321)
    );

    // Block1: block 0 of 16 bytes, then block 2 (block 1 missing): 4.08 (RFC 7959 §2.9.2).
    let block = |num: u8, more: bool| vec![(num << 4) | (u8::from(more) << 3)];
    let mut b0 = raw::post(110, &path, &[ECHO; 16]);
    b0.add_option(CoapOption::Block1, block(0, true));
    assert_eq!(
        code(&raw::send(&conn, &b0).await),
        resp(ResponseType::Continue)
    );
    let mut b2 = raw::post(111, &path, &[ECHO; 16]);
    b2.add_option(CoapOption::Block1, block(2, true));
    assert_eq!(
        code(&raw::send(&conn, &b2).await),
        resp(ResponseType::RequestEntityIncomplete)
    );
    // A block with M set but a short payload: 4.00.
    let mut short = raw::post(112, &path, &[ECHO; 5]);
    short.add_option(CoapOption::Block1, block(0, true));
    assert_eq!(
        code(&raw::send(&conn, &short).await),
        resp(ResponseType::BadRequest)
    );
    // Block2 NUM 1 with no answer kept: 4.08.
    let mut b2get = raw::post(113, &path, b"");
    b2get.add_option(CoapOption::Block2, block(1, false));
    assert_eq!(
        code(&raw::send(&conn, &b2get).await),
        resp(ResponseType::RequestEntityIncomplete)
    );

    assert_eq!(server.calls(), 1, "no refused message reached the handler");
    conn.close().await.unwrap();
    server.stop().await;
}
