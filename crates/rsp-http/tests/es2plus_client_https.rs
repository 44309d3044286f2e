//! The HandleDownloadProgressInfo sender (SGP.22 v2.5 §5.3.5, §6.5.2.5) against a test
//! Operator endpoint over HTTPS with our client certificate: a 500 is retried with backoff,
//! a 204 marks the message delivered; state survives a new sender (restart).
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Extension, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use common::*;
use rsp_http::es2plus_client::{ClientTls, ProgressSender, SenderConfig, build_client};
use rsp_http::server::PeerCertificate;
use rsp_smdpp::OperatorId;
use rsp_smdpp::outbox::{DownloadProgress, PointStatus, RetryPolicy};
use rsp_smdpp::store::{InventoryStore, OutboxStore};

const ICCID: &str = "8949000000000000011";
const EID: &str = "89049032000000000000000000000163";

/// One call: client certificate CN, X-Admin-Protocol, JSON body.
type Call = (Option<String>, String, serde_json::Value);

#[derive(Clone, Default)]
struct Received {
    calls: Arc<Mutex<Vec<Call>>>,
}

async fn operator_endpoint(
    State(rx): State<Received>,
    cert: Option<Extension<PeerCertificate>>,
    headers: HeaderMap,
    body: String,
) -> StatusCode {
    let cn = cert.and_then(|Extension(c)| rsp_http::identity::common_name(c.0.as_ref()));
    let proto = headers
        .get("x-admin-protocol")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let mut calls = rx.calls.lock().unwrap();
    calls.push((cn, proto, serde_json::from_str(&body).unwrap()));
    if calls.len() == 1 {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::NO_CONTENT
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivers_with_retry_after_500() {
    let pki = Pki::generate();
    let store = sqlite_store(&pki.dir.0).await;
    store
        .import(&[new_profile(ICCID, OPERATOR, "T1")])
        .await
        .unwrap();
    let operator = OperatorId::new(OPERATOR);
    let record = store
        .get(&operator, &ICCID.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    let progress = DownloadProgress {
        operator: operator.clone(),
        iccid: ICCID.parse().unwrap(),
        eid: Some(rsp_codec::json::Eid::parse(EID).unwrap()),
        profile_type: "T1".into(),
        timestamp_ms: 1_700_000_000_123,
        notification_point_id: 3,
        status: PointStatus::Failed(rsp_codec::status::StatusCode::from_static("8.2.7", "6.4")),
        result_data: Some(vec![0xBF, 0x37, 0x00]),
    };
    store.update(&record, &[progress]).await.unwrap();
    assert_eq!(store.pending_count().await.unwrap(), 1);

    // The Operator's ES2+ server: HTTPS with the DPtls test certificate, records our calls.
    let received = Received::default();
    let app = Router::new()
        .route(
            "/gsma/rsp2/es2plus/handleDownloadProgressInfo",
            post(operator_endpoint),
        )
        .with_state(received.clone());
    let tls = rsp_http::tls::server_config(&pki.tls_files()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(rsp_http::server::serve_tls(listener, tls, app, async {
        let _ = stopped.await;
    }));

    let endpoints = HashMap::from([(operator.clone(), format!("https://localhost:{port}/"))]);
    let mut config = SenderConfig::new("localhost", endpoints);
    config.retry = RetryPolicy {
        base: Duration::from_millis(200),
        max: Duration::from_secs(1),
        max_attempts: 5,
    };
    let tls = ClientTls {
        roots_pem: vec![std::fs::read(pki.path("ci.pem")).unwrap()],
        // The SM-DP+ presents a client certificate too (here the test PKI's DPtls).
        identity_pem: Some(pki.identity_pem("dp-tls")),
    };
    let client = build_client(&tls, Duration::from_secs(5)).unwrap();
    let sender = ProgressSender::new(store.clone(), client.clone(), config.clone());

    let first = sender.run_once().await.unwrap();
    assert_eq!((first.delivered, first.rescheduled), (0, 1));
    // Not due yet: the backoff holds it back.
    let early = sender.run_once().await.unwrap();
    assert_eq!(early.delivered + early.rescheduled, 0);
    tokio::time::sleep(Duration::from_millis(300)).await;
    // A new sender over the same database (a restart) picks it up.
    let restarted = ProgressSender::new(store.clone(), client, config);
    let second = restarted.run_once().await.unwrap();
    assert_eq!((second.delivered, second.rescheduled), (1, 0));
    assert_eq!(store.pending_count().await.unwrap(), 0);

    let calls = received.calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 2);
    let (cn, proto, body) = &calls[1];
    assert_eq!(
        cn.as_deref(),
        Some("localhost"),
        "client certificate presented"
    );
    assert_eq!(proto, "gsma/rsp/v2.5.0");
    assert_eq!(body["iccid"], ICCID);
    assert_eq!(body["eid"], EID);
    assert_eq!(body["profileType"], "T1");
    assert_eq!(body["notificationPointId"], 3);
    assert_eq!(body["notificationPointStatus"]["status"], "Failed");
    assert_eq!(
        body["notificationPointStatus"]["statusCodeData"]["subjectCode"],
        "8.2.7"
    );
    assert_eq!(
        body["notificationPointStatus"]["statusCodeData"]["reasonCode"],
        "6.4"
    );
    assert_eq!(body["resultData"], "vzcA");
    assert_eq!(body["timestamp"], "2023-11-14T22:13:20Z");
    assert_eq!(body["header"]["functionRequesterIdentifier"], "localhost");
    let _ = stop.send(());
    task.await.unwrap().unwrap();
}
