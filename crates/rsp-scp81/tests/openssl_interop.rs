//! Third-party interoperability with the `openssl` command-line tool (OpenSSL's own
//! TLS-PSK implementation): `openssl s_client` drives a whole session against our
//! server with hand-written HTTP, and our agent runs a session against
//! `openssl s_server` whose answers the test types in. Skipped, with a note, when no
//! `openssl` binary is on the PATH.

mod common;

use std::process::Stdio;
use std::time::Duration;

use common::*;
use rsp_scp81::agent::{AdminAgent, AgentConfig};
use rsp_scp81::server::HandlerReply;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::process::Command;

fn openssl_available() -> bool {
    let ok = std::process::Command::new("openssl")
        .arg("version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!("NOTE: no `openssl` binary on PATH; third-party interop test skipped");
    }
    ok
}

/// Reads from `r` into `acc` until `done(acc)` holds (bounded in time).
async fn read_until<R: AsyncRead + Unpin>(
    r: &mut R,
    acc: &mut Vec<u8>,
    done: impl Fn(&[u8]) -> bool,
) {
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !done(acc) {
        let n = tokio::time::timeout_at(deadline, r.read(&mut buf))
            .await
            .unwrap_or_else(|_| panic!("timeout; got so far: {:?}", String::from_utf8_lossy(acc)))
            .expect("read");
        assert!(n > 0, "EOF; got so far: {:?}", String::from_utf8_lossy(acc));
        acc.extend_from_slice(&buf[..n]);
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Whether `acc` holds, from `start` on, a complete HTTP message with a
/// Content-Length body (or none).
fn complete_message(acc: &[u8], start: &[u8]) -> bool {
    let Some(s) = find(acc, start) else {
        return false;
    };
    let msg = &acc[s..];
    let Some(end) = find(msg, b"\r\n\r\n") else {
        return false;
    };
    let head = String::from_utf8_lossy(&msg[..end]).to_ascii_lowercase();
    let len = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map_or(0, |v| v.trim().parse::<usize>().unwrap_or(0));
    msg.len() >= end + 4 + len
}

/// Splits the message starting at `start` into (head text, body).
fn message(acc: &[u8], start: &[u8]) -> (String, Vec<u8>) {
    let s = find(acc, start).expect("message");
    let msg = &acc[s..];
    let end = find(msg, b"\r\n\r\n").expect("head");
    (
        String::from_utf8_lossy(&msg[..end]).into_owned(),
        msg[end + 4..].to_vec(),
    )
}

#[tokio::test]
async fn openssl_s_client_runs_a_session_against_our_server() {
    if !openssl_available() {
        return;
    }
    let (handler, log) = Scripted::new(vec![HandlerReply::Script {
        script: script(&["80CAFF2100"]),
        target: None,
    }]);
    let srv = start(handler, fast_config()).await;
    let mut child = Command::new("openssl")
        .args([
            "s_client",
            "-connect",
            &srv.addr.to_string(),
            "-tls1_2",
            "-cipher",
            "PSK-AES128-GCM-SHA256",
        ])
        .args([
            "-psk",
            KEY_HEX,
            "-psk_identity",
            std::str::from_utf8(IDENTITY).expect("ascii"),
        ])
        .args(["-quiet", "-nocommands"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn openssl s_client");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = child.stdout.take().expect("stdout");

    // First POST: our server answers 200 with the command script.
    stdin
        .write_all(&first_post("/gp/ram"))
        .await
        .expect("write");
    stdin.flush().await.expect("flush");
    let mut acc = Vec::new();
    read_until(&mut stdout, &mut acc, |a| complete_message(a, b"HTTP/1.1 ")).await;
    let (head, body) = message(&acc, b"HTTP/1.1 ");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(
        head.contains("content-type: application/vnd.globalplatform.card-content-mgt;version=1.0"),
        "{head}"
    );
    assert_eq!(body, script(&["80CAFF2100"]));
    let next = head
        .lines()
        .find_map(|l| l.strip_prefix("x-admin-next-uri: "))
        .expect("next uri")
        .to_owned();

    // Second POST with the response script: 204 ends the session and the server
    // closes the connection, so s_client exits.
    let resp = hex::decode("ab0b80010123060102039000").expect("hex");
    let post = [
        format!(
            "POST {next} HTTP/1.1\r\nHost: smsr.example\r\nX-Admin-Protocol: globalplatform-remote-admin/1.0\r\n\
             X-Admin-From: //se-id/eid/{EID};//aa-id/aid/A000000559/1010FFFFFFFF8900000100\r\n\
             X-Admin-Script-Status: ok\r\n\
             Content-Type: application/vnd.globalplatform.card-content-mgt-response;version=1.0\r\n\
             Content-Length: {}\r\n\r\n",
            resp.len()
        )
        .into_bytes(),
        resp.clone(),
    ]
    .concat();
    stdin.write_all(&post).await.expect("write");
    stdin.flush().await.expect("flush");
    let mut acc = Vec::new();
    read_until(&mut stdout, &mut acc, |a| complete_message(a, b"HTTP/1.1 ")).await;
    let (head, body) = message(&acc, b"HTTP/1.1 ");
    assert!(head.starts_with("HTTP/1.1 204"), "{head}");
    assert!(
        !head.to_ascii_lowercase().contains("x-admin-next-uri"),
        "{head}"
    );
    assert!(body.is_empty());
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("s_client exits");
    assert!(status.is_ok());

    let log = log.lock().expect("log").clone();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].0.identity, IDENTITY);
    assert_eq!(log[1].1.response_script, resp);
}

#[tokio::test]
async fn our_agent_runs_a_session_against_openssl_s_server() {
    if !openssl_available() {
        return;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("probe")
        .local_addr()
        .expect("addr")
        .port();
    let mut child = Command::new("openssl")
        .args([
            "s_server",
            "-accept",
            &format!("127.0.0.1:{port}"),
            "-nocert",
            "-tls1_2",
        ])
        .args([
            "-psk",
            KEY_HEX,
            "-psk_identity",
            std::str::from_utf8(IDENTITY).expect("ascii"),
        ])
        .args(["-cipher", "PSK-AES128-GCM-SHA256:PSK-AES128-CBC-SHA256"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn openssl s_server");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut acc = Vec::new();
    read_until(&mut stdout, &mut acc, |a| find(a, b"ACCEPT").is_some()).await;

    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
    let mut cfg = AgentConfig::new(IDENTITY, psk(), from(), "smsr.example", "/gp/ram");
    cfg.chunked = true;
    let agent = tokio::spawn(async move {
        let mut card = Card {
            known: vec![hex::decode(ISD_R).expect("hex")],
            ..Card::default()
        };
        let summary = AdminAgent::new(cfg).run(addr, &mut card).await;
        (summary, card)
    });

    // The agent's first POST, as OpenSSL decrypted it.
    read_until(&mut stdout, &mut acc, |a| complete_message(a, b"POST ")).await;
    let (head, body) = message(&acc, b"POST ");
    assert!(
        find(&acc, b"CIPHER is PSK-AES128-GCM-SHA256").is_some(),
        "{}",
        String::from_utf8_lossy(&acc)
    );
    let lower = head.to_ascii_lowercase();
    assert!(head.starts_with("POST /gp/ram HTTP/1.1\r\n"), "{head}");
    assert!(lower.contains("\r\nhost: smsr.example"), "{head}");
    assert!(
        lower.contains("\r\nx-admin-protocol: globalplatform-remote-admin/1.0"),
        "{head}"
    );
    assert!(
        head.contains(&format!(
            "//se-id/eid/{EID};//aa-id/aid/A000000559/1010FFFFFFFF8900000100"
        )),
        "{head}"
    );
    assert!(
        !lower.contains("x-admin-script-status") && !lower.contains("content-type"),
        "{head}"
    );
    assert!(body.is_empty());

    // Answer with one command script, typed into s_server.
    let cmd = script(&["80E2910003BF3100"]);
    let answer = [
        format!(
            "HTTP/1.1 200 OK\r\nX-Admin-Protocol: globalplatform-remote-admin/1.0\r\n\
             Content-Type: application/vnd.globalplatform.card-content-mgt;version=1.0\r\n\
             X-Admin-Next-URI: /gp/ram?step=1\r\nContent-Length: {}\r\n\r\n",
            cmd.len()
        )
        .into_bytes(),
        cmd.clone(),
    ]
    .concat();
    stdin.write_all(&answer).await.expect("write");
    stdin.flush().await.expect("flush");

    // The response script comes back chunked to the Next URI.
    let mut acc = Vec::new();
    read_until(&mut stdout, &mut acc, |a| {
        find(a, b"POST ").is_some() && a.ends_with(b"0\r\n\r\n")
    })
    .await;
    let (head, body) = message(&acc, b"POST ");
    let lower = head.to_ascii_lowercase();
    assert!(
        head.starts_with("POST /gp/ram?step=1 HTTP/1.1\r\n"),
        "{head}"
    );
    assert!(lower.contains("\r\nx-admin-script-status: ok"), "{head}");
    assert!(lower.contains("\r\ntransfer-encoding: chunked"), "{head}");
    assert!(
        lower.contains(
            "\r\ncontent-type: application/vnd.globalplatform.card-content-mgt-response;version=1.0"
        ),
        "{head}"
    );
    let expected = rsp_ota::ram::ResponseScript {
        executed: 1,
        responses: vec![hex::decode("E29000").expect("hex")],
        bad_format: None,
    }
    .encode(rsp_ota::ram::RemoteFormat::Expanded)
    .expect("encodes");
    let chunk = [
        format!("{:X}\r\n", expected.len()).into_bytes(),
        expected.clone(),
        b"\r\n0\r\n\r\n".to_vec(),
    ]
    .concat();
    assert_eq!(body, chunk);

    stdin
        .write_all(b"HTTP/1.1 204 No Content\r\n\r\n")
        .await
        .expect("write");
    stdin.flush().await.expect("flush");
    let (summary, card) = tokio::time::timeout(Duration::from_secs(10), agent)
        .await
        .expect("agent ends")
        .expect("join");
    let summary = summary.expect("session");
    assert_eq!((summary.posts, summary.scripts.len()), (2, 1));
    assert_eq!(
        card.seen[0].1,
        vec![hex::decode("80E2910003BF3100").expect("hex")]
    );
    let _ = child.kill().await;
}
