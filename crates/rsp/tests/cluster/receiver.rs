//! The Operator's ES2+ server for HandleDownloadProgressInfo (SGP.22 v2.5 §5.3.5, §6.5.2.5):
//! HTTPS with the test PKI's DPtls certificate (CN localhost; the replicas trust the CI),
//! answers 204 and records (ICCID, notificationPointId, status) of every call, or 503 while
//! it is "down".

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;

/// One received message: ICCID, notification point, status (`Executed-Success`, …).
pub type Point = (String, u64, String);

#[derive(Clone, Default)]
pub struct Received {
    points: Arc<Mutex<Vec<Point>>>,
    /// While set, every call is answered 503 (an Operator outage).
    down: Arc<AtomicBool>,
    refused: Arc<AtomicUsize>,
}

impl Received {
    pub fn all(&self) -> Vec<Point> {
        self.points.lock().unwrap().clone()
    }

    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    /// Calls answered 503 during outages.
    pub fn refused(&self) -> usize {
        self.refused.load(Ordering::SeqCst)
    }
}

async fn handle(State(rx): State<Received>, body: String) -> StatusCode {
    if rx.down.load(Ordering::SeqCst) {
        rx.refused.fetch_add(1, Ordering::SeqCst);
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    let Ok(v) = serde_json::from_str::<serde_json::Value>(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    let point = (
        v["iccid"].as_str().unwrap_or_default().to_owned(),
        v["notificationPointId"].as_u64().unwrap_or_default(),
        v["notificationPointStatus"]["status"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    );
    rx.points.lock().unwrap().push(point);
    StatusCode::NO_CONTENT
}

/// Listens on 127.0.0.1:`port` until the runtime ends.
pub async fn start(pki_nist: &std::path::Path, port: u16) -> Received {
    let received = Received::default();
    let app = Router::new()
        .route(
            "/gsma/rsp2/es2plus/handleDownloadProgressInfo",
            post(handle),
        )
        .with_state(received.clone());
    let tls = rsp_http::tls::server_config(&rsp_http::tls::TlsFiles {
        cert_chain: pki_nist.join("dp-tls.pem"),
        key: pki_nist.join("dp-tls.key.pem"),
        client_ca: vec![pki_nist.join("ci.pem")],
    })
    .unwrap();
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    tokio::spawn(rsp_http::server::serve_tls(
        listener,
        tls,
        app,
        std::future::pending(),
    ));
    received
}
