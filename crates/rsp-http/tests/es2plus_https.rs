//! ES2+ over real HTTPS with mutual TLS (SGP.22 v2.5 §5.3, §6.5): every function's success
//! and failures with their exact status codes, the caller identity from the client
//! certificate, and the binding's header and body checks.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use rsp_smdpp::store::InventoryStore;
use serde_json::json;

const EID: &str = "89049032000000000000000000000163";
const ICCID_1: &str = "8949000000000000011";
const ICCID_2: &str = "8949000000000000029";
const ICCID_OTHER: &str = "8949000000000000037";

async fn setup() -> (Pki, Server) {
    let pki = Pki::generate();
    let store = sqlite_store(&pki.dir.0).await;
    let server = setup_on(&pki, store).await;
    (pki, server)
}

async fn setup_on(pki: &Pki, store: rsp_storage::SqlStore) -> Server {
    store
        .import(&[
            new_profile(ICCID_1, OPERATOR, "T1"),
            new_profile(ICCID_2, OPERATOR, "T1"),
            new_profile(ICCID_OTHER, OTHER_OPERATOR, "T9"),
        ])
        .await
        .unwrap();
    Server::start(pki, store).await
}

fn ok() -> (String, String, String) {
    ("Executed-Success".into(), String::new(), String::new())
}

fn failed(subject: &str, reason: &str) -> (String, String, String) {
    ("Failed".into(), subject.into(), reason.into())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_order_lifecycle_and_failures_sqlite() {
    let (pki, server) = setup().await;
    lifecycle(&pki, server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_order_lifecycle_and_failures_postgres() {
    let Some((store, _guard)) = postgres_store().await else {
        return;
    };
    let pki = Pki::generate();
    let server = setup_on(&pki, store).await;
    lifecycle(&pki, server).await;
}

async fn lifecycle(pki: &Pki, server: Server) {
    let mno = pki.client(Some("mno"));

    // DownloadOrder by Profile Type, linked to an EID.
    let (http, body) = es2(
        &mno,
        &server,
        "downloadOrder",
        json!({"header": header(), "eid": EID, "profileType": "T1"}),
    )
    .await;
    assert_eq!(http, 200);
    assert_eq!(outcome(&body), ok());
    let iccid = body["iccid"].as_str().unwrap().to_owned();
    assert!(iccid == ICCID_1 || iccid == ICCID_2, "{iccid}");

    // ConfirmOrder with a Confirmation Code, not released yet.
    let (http, body) = es2(
        &mno,
        &server,
        "confirmOrder",
        json!({"header": header(),
        "iccid": iccid, "eid": EID, "confirmationCode": "1234", "releaseFlag": false}),
    )
    .await;
    assert_eq!(http, 200);
    assert_eq!(outcome(&body), ok());
    let matching_id = body["matchingId"].as_str().unwrap().to_owned();
    assert!(!matching_id.is_empty());
    assert_eq!(body["smdpAddress"], SMDP_ADDRESS);
    assert_eq!(body["eid"], EID);

    // ReleaseProfile: Confirmed → Released; again → 8.2.1/3.5 (invalid transition).
    let release = json!({"header": header(), "iccid": iccid});
    let (_, body) = es2(&mno, &server, "releaseProfile", release.clone()).await;
    assert_eq!(outcome(&body), ok());
    let (http, body) = es2(&mno, &server, "releaseProfile", release).await;
    assert_eq!(http, 200, "function failures travel with HTTP 200");
    assert_eq!(outcome(&body), failed("8.2.1", "3.5"));

    // CancelOrder with the wrong MatchingID → 8.2.6/3.10; with the right one → success (the
    // order carries an EID: CancelOrder names it, §5.3.3).
    let (_, body) = es2(
        &mno,
        &server,
        "cancelOrder",
        json!({"header": header(), "iccid": iccid, "eid": EID,
        "matchingId": "WRONG-ID", "finalProfileStatusIndicator": "Available"}),
    )
    .await;
    assert_eq!(outcome(&body), failed("8.2.6", "3.10"));
    let (_, body) = es2(
        &mno,
        &server,
        "cancelOrder",
        json!({"header": header(), "iccid": iccid, "eid": EID,
        "matchingId": matching_id, "finalProfileStatusIndicator": "Available"}),
    )
    .await;
    assert_eq!(outcome(&body), ok());
    let record = server
        .store
        .get(
            &rsp_smdpp::OperatorId::new(OPERATOR),
            &iccid.parse().unwrap(),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.state.as_str(), "Available");

    // DownloadOrder failures.
    let cases = [
        (
            json!({"header": header(), "iccid": "8949000000000000999"}),
            failed("8.2.1", "3.9"),
        ),
        (json!({"header": header()}), failed("1.3.1", "2.3")),
        (
            json!({"header": header(), "profileType": "NOPE"}),
            failed("8.2.5", "3.9"),
        ),
        (
            json!({"header": header(), "iccid": ICCID_1, "profileType": "T2"}),
            failed("8.2.5", "3.8"),
        ),
        // The other Operator's Profile is unknown to this one.
        (
            json!({"header": header(), "iccid": ICCID_OTHER}),
            failed("8.2.1", "3.9"),
        ),
    ];
    for (req, want) in cases {
        let (http, body) = es2(&mno, &server, "downloadOrder", req.clone()).await;
        assert_eq!((http, outcome(&body)), (200, want), "{req}");
    }

    // ConfirmOrder on an Available Profile → 8.2.1/3.5.
    let (_, body) = es2(
        &mno,
        &server,
        "confirmOrder",
        json!({"header": header(), "iccid": ICCID_2, "releaseFlag": true}),
    )
    .await;
    assert_eq!(outcome(&body), failed("8.2.1", "3.5"));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_identity_comes_from_the_client_certificate() {
    let (pki, server) = setup().await;
    let other = pki.client(Some("other-mno"));
    // The other Operator sees its own Profile …
    let (_, body) = es2(
        &other,
        &server,
        "downloadOrder",
        json!({"header": header(), "iccid": ICCID_OTHER}),
    )
    .await;
    assert_eq!(outcome(&body), ok());
    // … and not the first Operator's (same code as an unknown ICCID).
    let (_, body) = es2(
        &other,
        &server,
        "downloadOrder",
        json!({"header": header(), "iccid": ICCID_1}),
    )
    .await;
    assert_eq!(outcome(&body), failed("8.2.1", "3.9"));
    let (_, body) = es2(
        &other,
        &server,
        "downloadOrder",
        json!({"header": header(), "profileType": "T1"}),
    )
    .await;
    assert_eq!(outcome(&body), failed("8.2.5", "3.9"));

    // Without a client certificate the TLS session is accepted (ES9+ shares the port) but
    // ES2+ answers HTTP 403, Failed 1.1/1.1.
    let anonymous = pki.client(None);
    let (http, body) = es2(
        &anonymous,
        &server,
        "downloadOrder",
        json!({"header": header(), "iccid": ICCID_1}),
    )
    .await;
    assert_eq!(http, 403);
    assert_eq!(outcome(&body), failed("1.1", "1.1"));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binding_checks() {
    let (pki, server) = setup().await;
    let mno = pki.client(Some("mno"));
    let url = format!("{}/gsma/rsp2/es2plus/downloadOrder", server.base());
    let send = |ct: &'static str, proto: Option<&'static str>, body: &'static str| {
        let mut r = mno.post(&url).header("Content-Type", ct).body(body);
        if let Some(p) = proto {
            r = r.header("X-Admin-Protocol", p);
        }
        async move {
            let resp = r.send().await.unwrap();
            let status = resp.status().as_u16();
            let body: serde_json::Value = resp.json().await.unwrap();
            (status, outcome(&body))
        }
    };
    let v = Some("gsma/rsp/v2.5.0");
    // Malformed JSON → Failed 1.3.1/2.1, HTTP 200.
    assert_eq!(
        send("application/json", v, "{not json").await,
        (200, failed("1.3.1", "2.1"))
    );
    // Missing mandatory `header` → 1.3.1/2.2.
    assert_eq!(
        send("application/json", v, "{\"iccid\":\"8949000000000000011\"}").await,
        (200, failed("1.3.1", "2.2"))
    );
    // Malformed field value → 1.3.1/2.1.
    assert_eq!(send("application/json", v,
        "{\"header\":{\"functionRequesterIdentifier\":\"a\",\"functionCallIdentifier\":\"b\"},\"iccid\":\"12\"}").await,
        (200, failed("1.3.1", "2.1")));
    // Wrong Content-Type → HTTP 400, Failed 1.3.1/2.1.
    assert_eq!(
        send("text/plain", v, "{}").await,
        (400, failed("1.3.1", "2.1"))
    );
    // Missing or unsupported X-Admin-Protocol → 1.3.2/3.1.
    assert_eq!(
        send("application/json", None, "{}").await,
        (200, failed("1.3.2", "3.1"))
    );
    assert_eq!(
        send("application/json", Some("gsma/rsp/v3.0.0"), "{}").await,
        (200, failed("1.3.2", "3.1"))
    );
    // A bare `application/json` (as lpac sends) is accepted.
    let ok_body = r#"{"header":{"functionRequesterIdentifier":"a","functionCallIdentifier":"b"},"iccid":"8949000000000000011"}"#;
    assert_eq!(send("application/json", v, ok_body).await, (200, ok()));
    // Response headers of the binding.
    let resp = mno
        .post(&url)
        .header("Content-Type", "application/json")
        .header("X-Admin-Protocol", "gsma/rsp/v2.5.0")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.headers()["content-type"],
        "application/json;charset=UTF-8"
    );
    assert_eq!(resp.headers()["x-admin-protocol"], "gsma/rsp/v2.5.0");
    server.stop().await;
}

/// `openssl s_client` negotiates TLS 1.2 ECDHE-ECDSA-AES128-GCM-SHA256 (SGP.22 §2.6.6).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls12_ecdhe_ecdsa_aes128_gcm_with_openssl() {
    if std::process::Command::new("openssl")
        .arg("version")
        .output()
        .is_err()
    {
        println!("SKIP: openssl not on PATH");
        return;
    }
    let (pki, server) = setup().await;
    let port = server.addr.port();
    let ca = pki.path("ci.pem");
    let out = tokio::task::spawn_blocking(move || {
        let mut child = std::process::Command::new("openssl")
            .args([
                "s_client",
                "-connect",
                &format!("127.0.0.1:{port}"),
                "-servername",
                "localhost",
                "-tls1_2",
                "-cipher",
                "ECDHE-ECDSA-AES128-GCM-SHA256",
                "-CAfile",
            ])
            .arg(&ca)
            .args(["-verify_return_error", "-brief"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdin.take());
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("TLSv1.2"), "{text}");
    assert!(text.contains("ECDHE-ECDSA-AES128-GCM-SHA256"), "{text}");
    assert!(text.contains("Verification: OK"), "{text}");
    server.stop().await;
}
