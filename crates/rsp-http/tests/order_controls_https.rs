//! Order controls over real HTTPS (ES9+ JSON binding, SGP.22 v2.5 §6.5.2.6/§6.5.2.8) and
//! the admin API, on SQLite and PostgreSQL: an expired order answers 8.8.5/4.10 and leaves
//! its Profile in the state chosen (configuration or admin API); download attempts beyond
//! the limit answer 8.8.5/6.4 until the order is made again; a Profile with Profile Policy
//! Rules is refused (8.2.5/4.3) to an eUICC forbidding one of them (`EUICCInfo2` tag 99)
//! and sent, its rules in `profileMetadata`, to one that does not.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use base64::Engine;
use common::*;
use rsp_codec::asn1::{
    self, Certificate, InitiateAuthenticationOkEs9, PprIds, Raw, StoreMetadataRequest,
    TransactionId,
};
use rsp_codec::json::Eid;
use rsp_codec::json::es2plus::FinalProfileStatusIndicator;
use rsp_http::admin::AdminConfig;
use rsp_smdpp::es2plus::{CancelOrder, Es2Plus, Es2PlusConfig};
use rsp_smdpp::order_controls::OrderPolicy;
use rsp_smdpp::outbox::PointStatus;
use rsp_smdpp::store::{InventoryStore, OutboxStore};
use rsp_smdpp::{OperatorId, ProfileRecord, ProfileState};
use rsp_storage::SqlStore;
use rsp_testkit::euicc_sim::Euicc;
use serde_json::{Value, json};

const ICCID_TTL: &str = "8949000000000000011";
const ICCID_ADMIN: &str = "8949000000000000029";
const ICCID_TRIES: &str = "8949000000000000037";
const ICCID_PPR: &str = "8949000000000000042";

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn unb64(v: &Value) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(v.as_str().unwrap())
        .unwrap()
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

/// An ES9+ call that must answer HTTP 200: its body.
async fn es9_ok(client: &reqwest::Client, server: &Server, name: &str, body: Value) -> Value {
    let (status, body) = es9(client, server, name, body).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// InitiateAuthentication + AuthenticateClient over the JSON binding with a fresh
/// challenge; the AuthenticateClient response body.
async fn authenticate(
    lpa: &reqwest::Client,
    server: &Server,
    euicc: &mut Euicc,
    matching_id: &str,
) -> Value {
    euicc.new_challenge();
    let init = es9_ok(
        lpa,
        server,
        "initiateAuthentication",
        json!({
            "euiccChallenge": b64(&euicc.challenge),
            "euiccInfo1": b64(&euicc.info1()),
            "smdpAddress": SMDP_ADDRESS,
        }),
    )
    .await;
    assert_eq!(outcome(&init).0, "Executed-Success", "{init}");
    let tid = unhex(init["transactionId"].as_str().unwrap());
    let ok = InitiateAuthenticationOkEs9 {
        transaction_id: TransactionId(tid.clone().into()),
        server_signed1: Raw::from_der(&unb64(&init["serverSigned1"])).unwrap(),
        // The JSON binding carries the whole 5F37 TLV (§6.5.2.6).
        server_signature1: unb64(&init["serverSignature1"])[3..].to_vec().into(),
        euicc_ci_pk_id_to_be_used: asn1::decode(&unb64(&init["euiccCiPKIdToBeUsed"])).unwrap(),
        server_certificate: Certificate::from_der(&unb64(&init["serverCertificate"])).unwrap(),
        ext: Default::default(),
    };
    let asr = euicc.authenticate_server(&ok, Some(matching_id));
    es9_ok(
        lpa,
        server,
        "authenticateClient",
        json!({
            "transactionId": tid.iter().map(|b| format!("{b:02X}")).collect::<String>(),
            "authenticateServerResponse": b64(&asr),
        }),
    )
    .await
}

fn code(body: &Value) -> (String, String) {
    let (status, subject, reason) = outcome(body);
    if subject.is_empty() {
        assert_eq!(status, "Executed-Success", "{body}");
    }
    (subject, reason)
}

fn ok() -> (String, String) {
    (String::new(), String::new())
}

fn failed(subject: &str, reason: &str) -> (String, String) {
    (subject.to_owned(), reason.to_owned())
}

/// DownloadOrder + ConfirmOrder (released) of `iccid` for `eid`, with `policy`.
async fn order(store: &SqlStore, policy: OrderPolicy, iccid: &str, eid: &str, matching_id: &str) {
    let mut config = Es2PlusConfig::new(SMDP_ADDRESS);
    config.orders = policy;
    let es2 = Es2Plus::new(store.clone(), config);
    download_and_confirm(&es2, iccid, eid, matching_id, None).await;
}

async fn record(store: &SqlStore, iccid: &str) -> ProfileRecord {
    store
        .find_by_iccid(&iccid.parse().unwrap())
        .await
        .unwrap()
        .unwrap()
}

async fn start_admin(store: SqlStore) -> SocketAddr {
    let app = rsp_http::admin::router(
        store,
        AdminConfig {
            smdp_address: SMDP_ADDRESS.into(),
            bearer_token: None,
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

async fn put_controls(admin: SocketAddr, iccid: &str, body: Value) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .put(format!("http://{admin}/admin/v1/orders/{iccid}/controls"))
        .json(&body)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

/// A TCA Profile Package (the generic template) personalised with `iccid`, base64.
fn tca_package(iccid: &str) -> String {
    let template = rsp_saip::template::generic().encode().unwrap();
    let mut p = rsp_saip::Personalisation::default();
    p.set("iccid", iccid).unwrap();
    b64(&rsp_saip::patch::personalise_der(&template, &p).unwrap())
}

async fn order_controls_flow(pki: &Pki, store: SqlStore) {
    let server = Server::start(pki, store.clone()).await;
    let admin = start_admin(store.clone()).await;
    let lpa = pki.client(None);
    let mut euicc = Euicc::from_dir(&pki.dir.0);
    let eid = euicc.eid.clone();
    store
        .import(&[
            new_profile(ICCID_TTL, OPERATOR, "T1"),
            new_profile(ICCID_ADMIN, OPERATOR, "T1"),
            new_profile(ICCID_TRIES, OPERATOR, "T1"),
        ])
        .await
        .unwrap();

    // (a) Expiry from the configuration (a 1 ms lifetime), back to Available by default.
    let short = OrderPolicy {
        ttl: Some(Duration::from_millis(1)),
        ..OrderPolicy::default()
    };
    order(&store, short, ICCID_TTL, &eid, "EXPIRES-1").await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    let body = authenticate(&lpa, &server, &mut euicc, "EXPIRES-1").await;
    assert_eq!(code(&body), failed("8.8.5", "4.10"), "{body}");
    let r = record(&store, ICCID_TTL).await;
    assert_eq!(r.state, ProfileState::Available);
    assert_eq!((r.eid.as_ref(), r.matching_id.as_ref()), (None, None));
    assert_eq!(
        r.eid_ever_bound.as_ref().map(Eid::as_str),
        Some(eid.as_str())
    );
    // The order is gone: its MatchingID is unknown now.
    let body = authenticate(&lpa, &server, &mut euicc, "EXPIRES-1").await;
    assert_eq!(code(&body), failed("8.2.6", "3.8"), "{body}");
    // The Operator hears of it (HandleDownloadProgressInfo, point 1, Expired).
    let due = store
        .claim_due(i64::MAX, Duration::from_secs(60), 10)
        .await
        .unwrap();
    let expired: Vec<_> = due
        .iter()
        .filter(|m| m.message.iccid.digits() == ICCID_TTL)
        .collect();
    assert_eq!(expired.len(), 1, "{due:?}");
    assert_eq!(expired[0].message.status, PointStatus::Expired);
    assert_eq!(expired[0].message.notification_point_id, 1);

    // (a) Expiry set per order through the admin API, to Unavailable.
    order(
        &store,
        OrderPolicy::default(),
        ICCID_ADMIN,
        &eid,
        "EXPIRES-2",
    )
    .await;
    let default_expiry = record(&store, ICCID_ADMIN)
        .await
        .order
        .expires_at_ms
        .unwrap();
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let in_30_days = now_ms + 30 * 86_400_000;
    assert!(
        (default_expiry - in_30_days).abs() < 60_000,
        "30 days by default"
    );
    let (status, view) = put_controls(
        admin,
        ICCID_ADMIN,
        json!({"expiresAt": "2020-01-01T00:00:00Z", "onExpiry": "Unavailable"}),
    )
    .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["expiresAt"], "2020-01-01T00:00:00Z");
    assert_eq!(view["onExpiry"], "Unavailable");
    let (status, _) = put_controls(admin, ICCID_ADMIN, json!({"expiresAt": "soon"})).await;
    assert_eq!(status, 400);
    let body = authenticate(&lpa, &server, &mut euicc, "EXPIRES-2").await;
    assert_eq!(code(&body), failed("8.8.5", "4.10"), "{body}");
    let r = record(&store, ICCID_ADMIN).await;
    assert_eq!(r.state, ProfileState::Unavailable);
    assert_eq!(
        r.eid_ever_bound.as_ref().map(Eid::as_str),
        Some(eid.as_str())
    );
    // No pending order any more: the admin API refuses to change its controls.
    let (status, _) = put_controls(admin, ICCID_ADMIN, json!({"expiresAt": null})).await;
    assert_eq!(status, 409);

    // (b) Two download attempts allowed: the third AuthenticateClient is refused.
    let two = OrderPolicy {
        max_download_attempts: 2,
        ..OrderPolicy::default()
    };
    order(&store, two, ICCID_TRIES, &eid, "TRIES-1").await;
    for attempt in 1..=2 {
        let body = authenticate(&lpa, &server, &mut euicc, "TRIES-1").await;
        assert_eq!(code(&body), ok(), "attempt {attempt}: {body}");
    }
    let body = authenticate(&lpa, &server, &mut euicc, "TRIES-1").await;
    assert_eq!(code(&body), failed("8.8.5", "6.4"), "{body}");
    let r = record(&store, ICCID_TRIES).await;
    assert_eq!(
        (r.state, r.order.download_attempts),
        (ProfileState::Released, 2)
    );
    // The admin API raises the limit of this order: one more attempt.
    let (status, view) = put_controls(admin, ICCID_TRIES, json!({"maxDownloadAttempts": 3})).await;
    assert_eq!(
        (status, &view["downloadAttempts"]),
        (200, &json!(2)),
        "{view}"
    );
    let body = authenticate(&lpa, &server, &mut euicc, "TRIES-1").await;
    assert_eq!(code(&body), ok(), "{body}");
    let body = authenticate(&lpa, &server, &mut euicc, "TRIES-1").await;
    assert_eq!(code(&body), failed("8.8.5", "6.4"), "{body}");
    // CancelOrder and a new order start the count again.
    let es2 = Es2Plus::new(store.clone(), Es2PlusConfig::new(SMDP_ADDRESS));
    es2.cancel_order(
        &OperatorId::new(OPERATOR),
        &CancelOrder {
            iccid: ICCID_TRIES.parse().unwrap(),
            eid: Some(Eid::parse(&eid).unwrap()),
            matching_id: None,
            final_status: FinalProfileStatusIndicator::Available,
        },
    )
    .await
    .unwrap();
    assert_eq!(record(&store, ICCID_TRIES).await.order.download_attempts, 0);
    order(&store, two, ICCID_TRIES, &eid, "TRIES-2").await;
    let body = authenticate(&lpa, &server, &mut euicc, "TRIES-2").await;
    assert_eq!(code(&body), ok(), "{body}");
    assert_eq!(record(&store, ICCID_TRIES).await.order.download_attempts, 1);

    // (c) Profile Policy Rules, imported through the admin API.
    let import = |iccid: &str, class: &str, rules: Value| {
        json!({
            "iccid": iccid,
            "operator": OPERATOR,
            "profileType": "T1",
            "profilePackage": tca_package(iccid),
            "profileClass": class,
            "profilePolicyRules": rules,
        })
    };
    let http = reqwest::Client::new();
    let imported = http
        .post(format!("http://{admin}/admin/v1/profiles"))
        .json(&import(ICCID_PPR, "test", json!(["ppr1"])))
        .send()
        .await
        .unwrap();
    assert_eq!(imported.status().as_u16(), 400, "a Test Profile has no PPR");
    let imported = http
        .post(format!("http://{admin}/admin/v1/profiles"))
        .json(&import(ICCID_PPR, "operational", json!(["ppr9"])))
        .send()
        .await
        .unwrap();
    assert_eq!(imported.status().as_u16(), 400, "unknown rule");
    let imported = http
        .post(format!("http://{admin}/admin/v1/profiles"))
        .json(&import(ICCID_PPR, "operational", json!(["ppr1"])))
        .send()
        .await
        .unwrap();
    assert_eq!(imported.status().as_u16(), 201);
    order(&store, OrderPolicy::default(), ICCID_PPR, &eid, "PPR-1").await;
    let view: Value = http
        .get(format!(
            "http://{admin}/admin/v1/orders/{ICCID_PPR}/controls"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(view["profilePolicyRules"], json!(["ppr1"]));

    // An eUICC that forbids PPR1 (e.g. it holds an Operational Profile): 8.2.5/4.3.
    euicc.forbidden_ppr = Some(PprIds::from_bits(&[PprIds::PPR1]));
    let body = authenticate(&lpa, &server, &mut euicc, "PPR-1").await;
    assert_eq!(code(&body), failed("8.2.5", "4.3"), "{body}");
    // One forbidding only PPR2 gets it, PPR1 in profileMetadata.
    euicc.forbidden_ppr = Some(PprIds::from_bits(&[PprIds::PPR2]));
    let body = authenticate(&lpa, &server, &mut euicc, "PPR-1").await;
    assert_eq!(code(&body), ok(), "{body}");
    let metadata: StoreMetadataRequest = asn1::decode(&unb64(&body["profileMetadata"])).unwrap();
    let rules = metadata
        .profile_policy_rules
        .expect("profilePolicyRules sent");
    assert!(rules.is_set(PprIds::PPR1) && !rules.is_set(PprIds::PPR2));
    // A Profile without rules carries none.
    order(&store, OrderPolicy::default(), ICCID_TTL, &eid, "NO-PPR").await;
    let body = authenticate(&lpa, &server, &mut euicc, "NO-PPR").await;
    assert_eq!(code(&body), ok(), "{body}");
    let metadata: StoreMetadataRequest = asn1::decode(&unb64(&body["profileMetadata"])).unwrap();
    assert_eq!(metadata.profile_policy_rules, None);

    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_expiry_attempts_and_policy_rules_sqlite() {
    let pki = Pki::generate();
    let store = sqlite_store(&pki.dir.0).await;
    order_controls_flow(&pki, store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_expiry_attempts_and_policy_rules_postgres() {
    let Some((store, _guard)) = postgres_store().await else {
        return;
    };
    let pki = Pki::generate();
    order_controls_flow(&pki, store).await;
}
