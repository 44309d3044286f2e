//! Admin API: import, search, Activation Code (SGP.22 v2.5 §4.1) as text, PNG and SVG,
//! bearer token, health, and the Prometheus metrics fed by ES2+ calls over HTTPS.
#![allow(clippy::unwrap_used)]

mod common;

use std::net::SocketAddr;
use std::sync::Arc;

use base64::Engine;
use common::*;
use rsp_http::admin::{AdminConfig, activation_code};
use rsp_storage::{Backend, SqlStore};
use serde_json::json;

const EID: &str = "89049032000000000000000000000163";

async fn start_admin(store: SqlStore, token: Option<&str>) -> SocketAddr {
    let app = rsp_http::admin::router(
        store,
        AdminConfig {
            smdp_address: "smdp.example.com".into(),
            bearer_token: token.map(str::to_owned),
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

#[test]
fn activation_code_format() {
    // SGP.22 §4.1 examples: "1$SMDP.GSMA.COM$04386-AGYFT-A74Y8-3F815" and, with the
    // Confirmation Code Required Flag and no SM-DP+ OID, "...$$1".
    assert_eq!(
        activation_code("SMDP.GSMA.COM", "04386-AGYFT-A74Y8-3F815", false),
        "1$SMDP.GSMA.COM$04386-AGYFT-A74Y8-3F815"
    );
    assert_eq!(
        activation_code("SMDP.GSMA.COM", "04386-AGYFT-A74Y8-3F815", true),
        "1$SMDP.GSMA.COM$04386-AGYFT-A74Y8-3F815$$1"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_list_order_activation_code_qr_and_metrics_sqlite() {
    let pki = Pki::generate();
    let store = sqlite_store(&pki.dir.0).await;
    admin_flow(&pki, store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_list_order_activation_code_qr_and_metrics_postgres() {
    let Some((store, _guard)) = postgres_store().await else {
        return;
    };
    let pki = Pki::generate();
    admin_flow(&pki, store).await;
}

async fn admin_flow(pki: &Pki, store: SqlStore) {
    let backend = store.backend();
    let admin = start_admin(store.clone(), None).await;
    let http = reqwest::Client::new();
    let base = format!("http://{admin}");

    // Import: a TCA package (the generic template) personalised with the ICCID.
    let package_for = |iccid: &str| {
        let template = rsp_saip::template::generic().encode().unwrap();
        let mut p = rsp_saip::Personalisation::default();
        p.set("iccid", iccid).unwrap();
        base64::engine::general_purpose::STANDARD
            .encode(rsp_saip::patch::personalise_der(&template, &p).unwrap())
    };
    let package = package_for("8949000000000000018");
    for (iccid, op) in [
        ("8949000000000000018", OPERATOR),
        ("8949000000000000026", OPERATOR),
        ("8949000000000000034", OTHER_OPERATOR),
    ] {
        let r = http
            .post(format!("{base}/admin/v1/profiles"))
            .json(&json!({"iccid": iccid, "operator": op, "profileType": "T1",
                "profilePackage": package_for(iccid), "serviceProviderName": "SP",
                "profileName": "P"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 201);
    }
    // Duplicate → 409, bad base64 → 400, bad ICCID → 400.
    let dup = http
        .post(format!("{base}/admin/v1/profiles"))
        .json(
            &json!({"iccid": "8949000000000000018", "operator": OPERATOR, "profileType": "T1",
            "profilePackage": package}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(dup.status().as_u16(), 409);
    let bad = http
        .post(format!("{base}/admin/v1/profiles"))
        .json(
            &json!({"iccid": "8949000000000000042", "operator": OPERATOR, "profileType": "T1",
            "profilePackage": "@@@"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16(), 400);
    let bad = http
        .post(format!("{base}/admin/v1/profiles"))
        .json(
            &json!({"iccid": "12", "operator": OPERATOR, "profileType": "T1",
            "profilePackage": package}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16(), 400);
    // Not a profile package, or a package for another ICCID → 400, nothing imported.
    for not_it in [
        base64::engine::general_purpose::STANDARD.encode([0xA0, 0x03, 0x80, 0x01, 0x02]),
        package_for("8949000000000000018"),
    ] {
        let bad = http
            .post(format!("{base}/admin/v1/profiles"))
            .json(
                &json!({"iccid": "8949000000000000042", "operator": OPERATOR,
                "profileType": "T1", "profilePackage": not_it}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status().as_u16(), 400);
    }

    // Order one over ES2+ (HTTPS, mTLS) with a Confirmation Code.
    let server = Server::start(pki, store.clone()).await;
    let mno = pki.client(Some("mno"));
    let (_, body) = es2(
        &mno,
        &server,
        "downloadOrder",
        json!({"header": header(), "iccid": "8949000000000000018", "eid": EID}),
    )
    .await;
    assert_eq!(outcome(&body).0, "Executed-Success");
    let (_, body) = es2(
        &mno,
        &server,
        "confirmOrder",
        json!({"header": header(),
        "iccid": "8949000000000000018", "eid": EID, "matchingId": "ABC-123",
        "confirmationCode": "1234", "releaseFlag": true}),
    )
    .await;
    assert_eq!(outcome(&body).0, "Executed-Success");
    let (_, body) = es2(
        &mno,
        &server,
        "releaseProfile",
        json!({"header": header(), "iccid": "8949000000000000099"}),
    )
    .await;
    assert_eq!(outcome(&body).0, "Failed");

    // List and search; no secret fields.
    let all: serde_json::Value = http
        .get(format!("{base}/admin/v1/profiles"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(all["profiles"].as_array().unwrap().len(), 3);
    let text = all.to_string();
    assert!(!text.contains("package") && !text.contains("cc_hash") && !text.contains("ccHash"));
    let released: serde_json::Value = http
        .get(format!(
            "{base}/admin/v1/profiles?state=Released&operator={}",
            "Test%20Operator"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let list = released["profiles"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["iccid"], "8949000000000000018");
    assert_eq!(list[0]["eid"], EID);
    let other: serde_json::Value = http
        .get(format!(
            "{base}/admin/v1/profiles?operator=Other%20Operator&profileType=T1"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(other["profiles"].as_array().unwrap().len(), 1);
    let bad_state = http
        .get(format!("{base}/admin/v1/profiles?state=Bogus"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_state.status().as_u16(), 400);

    // One Profile.
    let one: serde_json::Value = http
        .get(format!("{base}/admin/v1/profiles/8949000000000000018"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(one["state"], "Released");
    assert_eq!(one["matchingId"], "ABC-123");
    assert_eq!(one["confirmationCodeRequired"], true);
    let missing = http
        .get(format!("{base}/admin/v1/profiles/8949000000000000999"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status().as_u16(), 404);

    // Activation Code.
    let ac_url = format!("{base}/admin/v1/orders/8949000000000000018/activation-code");
    let ac: serde_json::Value = http
        .get(&ac_url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ac["activationCode"], "1$smdp.example.com$ABC-123$$1");
    assert_eq!(ac["qrCodeText"], "LPA:1$smdp.example.com$ABC-123$$1");
    let png = http
        .get(format!("{ac_url}?format=png"))
        .send()
        .await
        .unwrap();
    assert_eq!(png.headers()["content-type"], "image/png");
    let png = png.bytes().await.unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let img = image::load_from_memory(&png).unwrap();
    assert!(img.width() >= 256 && img.width() == img.height());
    let svg = http
        .get(format!("{ac_url}?format=svg"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(svg.contains("<svg") && svg.contains("</svg>"));
    let none = http
        .get(format!(
            "{base}/admin/v1/orders/8949000000000000026/activation-code"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(none.status().as_u16(), 409);

    // No order of this test names an SM-DS: nothing pending towards SM-DSes.
    let pending: serde_json::Value = http
        .get(format!("{base}/admin/v1/smds-events/pending"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(pending["pendingSmdsEvents"], 0, "{pending}");

    // Health and metrics.
    let health = http.get(format!("{base}/health")).send().await.unwrap();
    assert_eq!(health.status().as_u16(), 200);
    let metrics = http
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("rsp_es2plus_calls_total"), "{metrics}");
    assert!(
        metrics.contains(r#"function="confirmOrder",status="Executed-Success""#),
        "{metrics}"
    );
    assert!(metrics.contains(r#"code="8.2.1/3.9""#), "{metrics}");
    assert!(metrics.contains("rsp_http_requests_total"), "{metrics}");
    assert!(
        metrics.contains(r#"route="/gsma/rsp2/es2plus/downloadOrder",status="200""#),
        "{metrics}"
    );
    assert!(
        metrics.contains("rsp_http_request_duration_seconds"),
        "{metrics}"
    );
    if backend == Backend::Sqlite {
        // Set by the checkpoint thread at its next round (every 100 ms).
        let mut tries = 0;
        loop {
            let metrics = http.get(format!("{base}/metrics")).send().await.unwrap();
            let metrics = metrics.text().await.unwrap();
            if metrics.contains("rsp_sqlite_wal_frames") {
                break;
            }
            tries += 1;
            assert!(tries < 50, "no WAL gauge: {metrics}");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bearer_token_guards_admin_routes() {
    let pki = Pki::generate();
    let store = sqlite_store(&pki.dir.0).await;
    let admin = start_admin(store, Some("s3cret-token")).await;
    let http = reqwest::Client::new();
    let url = format!("http://{admin}/admin/v1/profiles");
    assert_eq!(http.get(&url).send().await.unwrap().status().as_u16(), 401);
    assert_eq!(
        http.get(&url)
            .bearer_auth("wrong")
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        401
    );
    assert_eq!(
        http.get(&url)
            .bearer_auth("s3cret-token")
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    // Health stays open for probes.
    let health = http
        .get(format!("http://{admin}/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status().as_u16(), 200);
    let _ = Arc::new(());
}

/// `POST /admin/v1/batches`: the generic template personalised per CSV row, imported in
/// one transaction; a bad row (line named) or a duplicate ICCID imports nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_import_is_all_or_nothing() {
    let pki = Pki::generate();
    let store = sqlite_store(&pki.dir.0).await;
    let admin = start_admin(store.clone(), None).await;
    let http = reqwest::Client::new();
    let url = format!("http://{admin}/admin/v1/batches");
    let post = |body: serde_json::Value| http.post(&url).json(&body).send();

    let good = "iccid,imsi,ki,opc\n\
        8949000000000000117,001010000000110,000102030405060708090A0B0C0D0E0F,0F0E0D0C0B0A09080706050403020100\n\
        8949000000000000125,001010000000128,101112131415161718191A1B1C1D1E1F,1F1E1D1C1B1A19181716151413121110\n";
    let r = post(
        json!({"operator": OPERATOR, "profileType": "BATCH", "data": good,
        "serviceProviderName": "SP", "profileName": "Batch"}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 201);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["imported"], 2);
    assert_eq!(body["lastIccid"], "8949000000000000125");

    // The stored package is the template with the row's values (read back decrypted).
    let iccid = rsp_codec::json::Iccid::parse("8949000000000000125").unwrap();
    let record = rsp_smdpp::store::InventoryStore::get(
        &store,
        &rsp_smdpp::OperatorId::new(OPERATOR),
        &iccid,
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(record.profile_type, "BATCH");
    assert_eq!(record.state.as_str(), "Available");

    // A bad Ki on line 3: 422 naming the line, and the good line 2 was not imported.
    let bad = "iccid,ki\n8949000000000000133,000102030405060708090A0B0C0D0E0F\n\
        8949000000000000141,00XX\n";
    let r = post(json!({"operator": OPERATOR, "profileType": "BATCH", "data": bad}))
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let msg = r.text().await.unwrap();
    assert!(msg.contains("line 3"), "{msg}");
    let r = http
        .get(format!(
            "http://{admin}/admin/v1/profiles/8949000000000000133"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    // An ICCID already in the inventory: 409, nothing from this batch imported.
    let dup = "iccid\n8949000000000000158\n8949000000000000117\n";
    let r = post(json!({"operator": OPERATOR, "profileType": "BATCH", "data": dup}))
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let r = http
        .get(format!(
            "http://{admin}/admin/v1/profiles/8949000000000000158"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    // No ICCID column, unknown format: refused.
    let r =
        post(json!({"operator": OPERATOR, "profileType": "B", "data": "imsi\n001010000000999\n"}))
            .await
            .unwrap();
    assert_eq!(r.status(), 422);
    let r = post(json!({"operator": OPERATOR, "profileType": "B", "data": "", "format": "xml"}))
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_import_takes_foreign_matching_ids_sqlite() {
    let pki = Pki::generate();
    let store = sqlite_store(&pki.dir.0).await;
    order_import(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_import_takes_foreign_matching_ids_postgres() {
    let Some((store, _guard)) = postgres_store().await else {
        return;
    };
    order_import(store).await;
}

/// `POST /admin/v1/orders/{iccid}/import` (docs/smdpp-admin.md): an order with another
/// system's MatchingID, outside the §4.1 characters, becomes downloadable as it is.
async fn order_import(store: SqlStore) {
    use rsp_smdpp::store::InventoryStore;
    let ids = [
        "8949000000000000018",
        "8949000000000000026",
        "8949000000000000034",
    ];
    let profiles: Vec<_> = ids.iter().map(|i| new_profile(i, OPERATOR, "T1")).collect();
    store.import(&profiles).await.unwrap();
    let admin = start_admin(store.clone(), None).await;
    let http = reqwest::Client::new();
    let post = |iccid: &str, body: serde_json::Value| {
        http.post(format!("http://{admin}/admin/v1/orders/{iccid}/import"))
            .json(&body)
            .send()
    };
    let foreign = "legacy/order#42 ü";
    let r = post(
        ids[0],
        json!({"matchingId": foreign, "eid": EID, "confirmationCode": "1234"}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 201);
    let record = store
        .find_by_iccid(&ids[0].parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.state.as_str(), "Released");
    assert_eq!(record.matching_id.unwrap().as_str(), foreign);
    assert_eq!(record.eid.unwrap().as_str(), EID);
    assert!(record.cc_hash.is_some());
    // No Activation Code can carry it.
    let r = http
        .get(format!(
            "http://{admin}/admin/v1/orders/{}/activation-code",
            ids[0]
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    // Not Available any more; the MatchingID is taken; bad requests.
    let again = post(ids[0], json!({"matchingId": "X"})).await.unwrap();
    assert_eq!(again.status(), 409);
    let taken = post(ids[1], json!({"matchingId": foreign})).await.unwrap();
    assert_eq!(taken.status(), 409);
    for bad in [
        json!({"matchingId": ""}),
        json!({"matchingId": "A", "eid": "12"}),
        json!({"eid": EID}),
    ] {
        assert_eq!(post(ids[1], bad).await.unwrap().status(), 400);
    }
    // An imported ID within §4.1, not released: Confirmed, with an Activation Code.
    let r = post(
        ids[2],
        json!({"matchingId": "LEGACY-42", "released": false}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 201);
    let view: serde_json::Value = r.json().await.unwrap();
    assert_eq!(view["state"], "Confirmed");
    let r = http
        .get(format!(
            "http://{admin}/admin/v1/orders/{}/activation-code",
            ids[2]
        ))
        .send()
        .await
        .unwrap();
    let ac: serde_json::Value = r.json().await.unwrap();
    assert_eq!(ac["activationCode"], "1$smdp.example.com$LEGACY-42");
}
