//! Whole SCP81 sessions over real TLS-PSK on loopback: our agent against our server,
//! and hand-written HTTP against our server.

mod common;

use std::time::{Duration, Instant};

use common::*;
use rsp_ota::ram::{RemoteFormat, ResponseScript};
use rsp_scp81::agent::{AdminAgent, AgentConfig, AgentError};
use rsp_scp81::headers::ScriptStatus;
use rsp_scp81::server::HandlerReply;
use rsp_scp81::tls::Psk;
use tokio::io::AsyncReadExt;

fn agent_config(addr: std::net::SocketAddr, chunked: bool) -> AgentConfig {
    let mut c = AgentConfig::new(
        IDENTITY,
        psk(),
        from(),
        &format!("127.0.0.1:{}", addr.port()),
        "/gp/ram",
    );
    c.chunked = chunked;
    c
}

fn two_scripts() -> Vec<HandlerReply> {
    vec![
        HandlerReply::Script {
            script: script(&["80E2910003BF3100", "80CA005A00"]),
            target: None,
        },
        HandlerReply::Script {
            script: script(&["80E29100020000"]),
            target: Some(aid(ISD_P)),
        },
    ]
}

async fn two_script_session(chunked: bool) {
    let (handler, log) = Scripted::new(two_scripts());
    let srv = start(handler, fast_config()).await;
    let mut card = Card {
        known: vec![
            hex::decode(ISD_R).expect("hex"),
            hex::decode(ISD_P).expect("hex"),
        ],
        ..Card::default()
    };
    let summary = AdminAgent::new(agent_config(srv.addr, chunked))
        .run(srv.addr, &mut card)
        .await
        .expect("session");

    // Agent side: two scripts, the second on the ISD-P, then the 204 ended it.
    assert_eq!(summary.posts, 3);
    assert!(!summary.ended_on_script);
    assert_eq!(summary.scripts.len(), 2);
    assert_eq!(
        summary.scripts[0].target_aid,
        hex::decode(ISD_R).expect("hex")
    );
    assert_eq!(
        summary.scripts[1].target_aid,
        hex::decode(ISD_P).expect("hex")
    );
    assert_eq!(card.seen[0].1.len(), 2);

    // Server side: three handler calls on one TLS session, each with the previous
    // response script and its status.
    let log = log.lock().expect("log").clone();
    assert_eq!(log.len(), 3);
    for (i, (info, req)) in log.iter().enumerate() {
        assert_eq!(info.identity, IDENTITY);
        assert_eq!(info.session_id, log[0].0.session_id, "one connection");
        assert_eq!(req.step as usize, i);
        assert_eq!(req.post.from, from());
    }
    assert_eq!(log[0].1.uri, "/gp/ram");
    assert!(log[0].1.response_script.is_empty() && log[0].1.post.script_status.is_none());
    assert_eq!(
        log[1].1.uri,
        format!("/gp/ram?session={}&step=1", log[0].0.session_id)
    );
    let r1 = ResponseScript::decode(&log[1].1.response_script, RemoteFormat::Expanded)
        .expect("response 1");
    assert_eq!(r1.executed, 2);
    assert_eq!(
        r1.responses,
        vec![
            hex::decode("E29000").expect("hex"),
            hex::decode("CA9000").expect("hex")
        ]
    );
    assert_eq!(log[1].1.post.script_status, Some(ScriptStatus::Ok));
    let r2 = ResponseScript::decode(&log[2].1.response_script, RemoteFormat::Expanded)
        .expect("response 2");
    assert_eq!(r2.executed, 1);
    assert_eq!(summary.scripts[1].response, log[2].1.response_script);
    assert!(eventually(|| count(&srv.stats.sessions_ended) == 1).await);
    assert_eq!(count(&srv.stats.handshakes), 1);
    assert_eq!(count(&srv.stats.refused_requests), 0);
}

#[tokio::test]
async fn session_with_two_scripts_content_length() {
    two_script_session(false).await;
}

#[tokio::test]
async fn session_with_two_scripts_chunked_bodies() {
    two_script_session(true).await;
}

#[tokio::test]
async fn status_without_response_script_reaches_the_handler() {
    let (handler, log) = Scripted::new(two_scripts());
    let srv = start(handler, fast_config()).await;
    // The card knows only the ISD-R: the ISD-P script is answered unknown-application.
    let mut card = Card {
        known: vec![hex::decode(ISD_R).expect("hex")],
        ..Card::default()
    };
    let summary = AdminAgent::new(agent_config(srv.addr, false))
        .run(srv.addr, &mut card)
        .await
        .expect("session");
    assert_eq!(summary.scripts[1].status, ScriptStatus::UnknownApplication);
    let log = log.lock().expect("log").clone();
    assert_eq!(
        log[2].1.post.script_status,
        Some(ScriptStatus::UnknownApplication)
    );
    assert!(log[2].1.response_script.is_empty());
}

#[tokio::test]
async fn wrong_psk_fails_on_both_sides_without_handler_call() {
    let (handler, log) = Scripted::new(two_scripts());
    let srv = start(handler, fast_config()).await;
    let mut cfg = agent_config(srv.addr, false);
    cfg.psk = Psk::new(vec![0x55; 16]).expect("psk");
    let err = AdminAgent::new(cfg)
        .run(srv.addr, &mut Card::default())
        .await
        .expect_err("must fail");
    assert!(matches!(err, AgentError::Handshake(_)), "{err}");
    assert!(eventually(|| count(&srv.stats.handshake_failures) == 1).await);
    assert_eq!(count(&srv.stats.unknown_identities), 0);
    assert_eq!(count(&srv.stats.handshakes), 0);
    assert_eq!(count(&srv.stats.handler_calls), 0);
    assert!(log.lock().expect("log").is_empty());
    // The key never shows in Debug output.
    assert!(!format!("{:?}", psk()).contains("0001"));
}

#[tokio::test]
async fn unknown_identity_is_refused() {
    let (handler, log) = Scripted::new(two_scripts());
    let srv = start(handler, fast_config()).await;
    let mut cfg = agent_config(srv.addr, false);
    cfg.identity = b"someone-else".to_vec();
    let err = AdminAgent::new(cfg)
        .run(srv.addr, &mut Card::default())
        .await
        .expect_err("must fail");
    assert!(matches!(err, AgentError::Handshake(_)), "{err}");
    assert!(eventually(|| count(&srv.stats.unknown_identities) == 1).await);
    assert!(eventually(|| count(&srv.stats.handshake_failures) == 1).await);
    assert!(log.lock().expect("log").is_empty());
    // A key removed from the store is refused from then on.
    srv.store.remove(IDENTITY);
    let err = AdminAgent::new(agent_config(srv.addr, false))
        .run(srv.addr, &mut Card::default())
        .await;
    assert!(matches!(err, Err(AgentError::Handshake(_))));
}

#[tokio::test]
async fn malformed_requests_are_refused_before_the_handler() {
    let (handler, log) = Scripted::new(two_scripts());
    let srv = start(handler, fast_config()).await;
    let key = hex::decode(KEY_HEX).expect("hex");
    let cases: Vec<(Vec<u8>, u16)> = vec![
        (b"GET /gp/ram HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(), 405),
        (first_post("/other"), 404),
        (
            b"POST /gp/ram HTTP/1.1\r\nHost: x\r\nX-Admin-Protocol: globalplatform-remote-admin/1.0\r\nContent-Length: 0\r\n\r\n"
                .to_vec(),
            400,
        ),
        (
            format!(
                "POST /gp/ram HTTP/1.1\r\nHost: x\r\nX-Admin-Protocol: globalplatform-remote-admin/1.0\r\n\
                 X-Admin-From: //se-id/eid/{EID}\r\nX-Admin-Script-Status: maybe\r\nContent-Length: 0\r\n\r\n"
            )
            .into_bytes(),
            400,
        ),
        (
            [
                format!(
                    "POST /gp/ram HTTP/1.1\r\nHost: x\r\nX-Admin-Protocol: globalplatform-remote-admin/1.0\r\n\
                     X-Admin-From: //se-id/eid/{EID}\r\nX-Admin-Script-Status: ok\r\n\
                     Content-Type: application/vnd.globalplatform.card-content-mgt-response;version=1.0\r\n\
                     Content-Length: 5000\r\n\r\n"
                )
                .into_bytes(),
                vec![0xAB; 5000],
            ]
            .concat(),
            413,
        ),
    ];
    for (req, want) in cases {
        let mut s = raw_tls(srv.addr, IDENTITY, &key).await.expect("tls");
        send(&mut s, &req).await;
        let (status, headers, _) = read_response(&mut s).await;
        assert_eq!(status, want, "{}", String::from_utf8_lossy(&req[..40]));
        assert_eq!(header(&headers, "connection"), Some("close"));
    }
    assert!(log.lock().expect("log").is_empty());
    assert_eq!(count(&srv.stats.handler_calls), 0);
    assert_eq!(count(&srv.stats.refused_requests), 5);
}

#[tokio::test]
async fn hand_written_chunked_post_and_next_uri_enforcement() {
    let (handler, log) = Scripted::new(two_scripts());
    let srv = start(handler, fast_config()).await;
    let mut s = raw_tls(srv.addr, IDENTITY, &hex::decode(KEY_HEX).expect("hex"))
        .await
        .expect("tls");
    send(&mut s, &first_post("/gp/ram?x=1")).await;
    let (status, headers, body) = read_response(&mut s).await;
    assert_eq!(status, 200);
    assert_eq!(body, script(&["80E2910003BF3100", "80CA005A00"]));
    assert_eq!(
        header(&headers, "content-type"),
        Some("application/vnd.globalplatform.card-content-mgt;version=1.0")
    );
    assert_eq!(
        header(&headers, "x-admin-protocol"),
        Some("globalplatform-remote-admin/1.0")
    );
    assert!(header(&headers, "x-admin-targeted-application").is_none());
    let next = header(&headers, "x-admin-next-uri")
        .expect("next uri")
        .to_owned();

    // The response script in two chunks, to the Next URI, on the same connection.
    let resp = hex::decode("ab0a800102230390009000").expect("hex");
    let (a, b) = resp.split_at(4);
    let req = [
        format!(
            "POST {next} HTTP/1.1\r\nHost: x\r\nX-Admin-Protocol: globalplatform-remote-admin/1.0\r\n\
             X-Admin-From: //se-id/eid/{EID};//aa-id/aid/A000000559/1010FFFFFFFF8900000100\r\n\
             X-Admin-Script-Status: ok\r\n\
             Content-Type: application/vnd.globalplatform.card-content-mgt-response;version=1.0\r\n\
             Transfer-Encoding: chunked\r\n\r\n{:x}\r\n",
            a.len()
        )
        .into_bytes(),
        a.to_vec(),
        format!("\r\n{:x}\r\n", b.len()).into_bytes(),
        b.to_vec(),
        b"\r\n0\r\n\r\n".to_vec(),
    ]
    .concat();
    send(&mut s, &req).await;
    let (status, headers, _) = read_response(&mut s).await;
    assert_eq!(status, 200);
    assert_eq!(
        header(&headers, "x-admin-targeted-application"),
        Some("//aid/A000000559/1010FFFFFFFF8900001100")
    );
    assert_eq!(log.lock().expect("log")[1].1.response_script, resp);

    // Posting to the first URI again instead of the new Next URI is refused.
    send(&mut s, &first_post("/gp/ram")).await;
    let (status, _, _) = read_response(&mut s).await;
    assert_eq!(status, 404);
    assert_eq!(log.lock().expect("log").len(), 2);
}

#[tokio::test]
async fn idle_and_handshake_timeouts_close_the_connection() {
    let (handler, _log) = Scripted::new(vec![]);
    let mut cfg = fast_config();
    cfg.idle_timeout = Duration::from_millis(500);
    cfg.handshake_timeout = Duration::from_millis(500);
    let srv = start(handler, cfg).await;

    // Idle after the handshake: the server closes.
    let mut s = raw_tls(srv.addr, IDENTITY, &hex::decode(KEY_HEX).expect("hex"))
        .await
        .expect("tls");
    let t0 = Instant::now();
    let mut buf = [0u8; 64];
    let r = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf))
        .await
        .expect("closed in time");
    assert!(matches!(r, Ok(0) | Err(_)), "{r:?}");
    assert!(t0.elapsed() < Duration::from_secs(3));

    // Silent TCP without a ClientHello: the server gives up the handshake.
    let mut tcp = tokio::net::TcpStream::connect(srv.addr).await.expect("tcp");
    let r = tokio::time::timeout(Duration::from_secs(5), tcp.read(&mut buf))
        .await
        .expect("closed in time");
    assert!(matches!(r, Ok(0) | Err(_)), "{r:?}");
    assert!(eventually(|| count(&srv.stats.handshake_failures) == 1).await);
}

#[tokio::test]
async fn trigger_parameters_configure_the_agent() {
    use rsp_scp81::trigger::{
        HttpPostParameters, SecurityParameters, SessionParameters, TriggerParameters,
    };
    let (handler, log) = Scripted::new(vec![]);
    let mut cfg = fast_config();
    cfg.admin_path = "/smsr/ram".into();
    let srv = start(handler, cfg).await;
    let sms = TriggerParameters {
        session: SessionParameters {
            security: Some(SecurityParameters {
                psk_identity: IDENTITY.to_vec(),
                kvn: 0x40,
                kid: 1,
                hash: None,
            }),
            http_post: Some(HttpPostParameters {
                admin_host: Some("smsr.example".into()),
                agent_id: Some(from().to_string()),
                admin_uri: Some("/smsr/ram".into()),
            }),
            ..Default::default()
        },
        dns_resolution: None,
    }
    .encode()
    .expect("encodes");
    let decoded = TriggerParameters::decode(&sms).expect("decodes");
    let mut c = AgentConfig::new(b"placeholder".to_vec(), psk(), from(), "placeholder", "/");
    c.apply_trigger(&decoded.session).expect("applies");
    let summary = AdminAgent::new(c)
        .run(srv.addr, &mut Card::default())
        .await
        .expect("session");
    assert_eq!((summary.posts, summary.scripts.len()), (1, 0));
    assert_eq!(log.lock().expect("log")[0].1.uri, "/smsr/ram");
}

#[tokio::test]
async fn tls_policy_only_tls12_with_the_sgp02_psk_suites() {
    use openssl::ssl::SslVersion;
    let (handler, log) = Scripted::new(vec![]);
    let srv = start(handler, fast_config()).await;
    let key = hex::decode(KEY_HEX).expect("hex");
    // Both SGP.02 suites are accepted.
    for suite in ["PSK-AES128-GCM-SHA256", "PSK-AES128-CBC-SHA256"] {
        let s = raw_tls_with(srv.addr, IDENTITY, &key, suite, SslVersion::TLS1_2)
            .await
            .expect(suite);
        assert_eq!(s.ssl().current_cipher().map(|c| c.name()), Some(suite));
    }
    // Other PSK suites and TLS 1.3 are refused.
    for (suite, version) in [
        ("PSK-AES256-GCM-SHA384", SslVersion::TLS1_2),
        ("PSK-CHACHA20-POLY1305", SslVersion::TLS1_2),
        ("PSK-AES128-GCM-SHA256", SslVersion::TLS1_3),
    ] {
        assert!(
            raw_tls_with(srv.addr, IDENTITY, &key, suite, version)
                .await
                .is_err(),
            "{suite} {version:?}"
        );
    }
    assert!(eventually(|| count(&srv.stats.handshake_failures) == 3).await);
    assert!(log.lock().expect("log").is_empty());
}

/// Ends every session, but stalls the first session's second POST so the agent's
/// response timeout breaks it off.
struct Stalling {
    log: Log,
}

impl rsp_scp81::server::AdminHandler for Stalling {
    async fn handle(
        &self,
        session: &rsp_scp81::server::SessionInfo,
        request: rsp_scp81::server::AgentRequest,
    ) -> Result<HandlerReply, rsp_scp81::server::HandlerError> {
        let first_session = session.session_id == 1;
        let step = request.step;
        self.log
            .lock()
            .expect("log")
            .push((session.clone(), request));
        match (first_session, step) {
            (true, 0) => Ok(HandlerReply::Script {
                script: script(&["80CA005A00"]),
                target: None,
            }),
            (true, _) => {
                tokio::time::sleep(Duration::from_secs(5)).await;
                Ok(HandlerReply::End)
            }
            _ => Ok(HandlerReply::End),
        }
    }
}

#[tokio::test]
async fn retry_policy_resumes_at_the_last_uri() {
    use rsp_scp81::trigger::{RetryPolicy, TimerValue};
    let log: Log = Default::default();
    let srv = start(Stalling { log: log.clone() }, fast_config()).await;
    let mut cfg = agent_config(srv.addr, false);
    cfg.response_timeout = Duration::from_secs(1);
    let policy = RetryPolicy {
        counter: 1,
        waiting_delay: TimerValue {
            hours: 0,
            minutes: 0,
            seconds: 0,
        },
        report_failure: None,
    };
    let mut card = Card {
        known: vec![hex::decode(ISD_R).expect("hex")],
        ..Card::default()
    };
    let agent = AdminAgent::new(cfg);
    let summary = agent
        .run_with_retry(srv.addr, &mut card, &policy)
        .await
        .expect("second attempt ends the session");
    assert_eq!(summary.scripts.len(), 1);
    assert_eq!(summary.posts, 3);
    let log = log.lock().expect("log").clone();
    assert_eq!(log.len(), 3);
    // The resumed POST: new connection, last navigated URI, X-Admin-Resume: true.
    let (info, req) = &log[2];
    assert_eq!(info.session_id, 2);
    assert!(req.post.resume);
    assert_eq!(req.uri, "/gp/ram?session=1&step=1");
    assert!(!log[0].1.post.resume && !log[1].1.post.resume);

    // Against a closed port every attempt fails and the last error comes back.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("probe")
        .local_addr()
        .expect("addr");
    let err = agent
        .run_with_retry(closed, &mut Card::default(), &policy)
        .await
        .expect_err("nobody listens");
    assert!(matches!(err, AgentError::Connect(_)), "{err}");
}

#[tokio::test]
async fn bad_admin_path_is_refused_at_bind() {
    let store = std::sync::Arc::new(rsp_scp81::tls::MemoryPskStore::new());
    for path in ["gp/ram", "/gp/ram?x=1", "/gp ram", ""] {
        let mut cfg = fast_config();
        cfg.admin_path = path.into();
        let r = rsp_scp81::server::AdminServer::bind(
            "127.0.0.1:0".parse().expect("addr"),
            cfg,
            store.clone(),
            Scripted::new(vec![]).0,
        )
        .await;
        assert!(
            matches!(r, Err(rsp_scp81::server::ServerError::AdminPath(_))),
            "{path:?}"
        );
    }
}
