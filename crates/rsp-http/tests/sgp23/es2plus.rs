//! SGP.23 §4.3 ES2+ test cases of the SM-DP+ (SGP.22 v2.5 §5.3.1 DownloadOrder, §5.3.2
//! ConfirmOrder, §5.3.3 CancelOrder, §5.3.4 ReleaseProfile): nominal and error sequences,
//! each asserting the status, subject and reason codes, over real HTTPS with mutual TLS, on
//! SQLite and PostgreSQL. Plus the Operator's client certificate (SGP.22 §2.6.6): a
//! self-signed certificate configured as `client-ca` is accepted as itself.

use std::sync::Arc;

use rsp_crypto::{Curve, Signer, SoftwareKey};
use rsp_http::identity::OperatorResolver;
use rsp_http::tls::{TlsFiles, server_config};
use rsp_pki::{Cert, CertRequest, Role, issue, parse_name};
use rsp_smdpp::es2plus::{Es2Plus, Es2PlusConfig};
use rsp_smdpp::es9plus::Es9Plus;
use rsp_smdpp::store::InventoryStore;
use rsp_smdpp::{OperatorId, ProfileState};
use rsp_storage::SqlStore;
use rsp_testkit::pg::PgDb;
use serde_json::{Value, json};
use tokio::sync::oneshot;

use crate::common::*;

const EID_1: &str = "89049032000000000000000000000163";
const EID_2: &str = "89049032000000000000000000000271";
/// Profile Type T1: three Profiles.
const ICCID_1: &str = "8949000000000000011";
const ICCID_2: &str = "8949000000000000029";
const ICCID_3: &str = "8949000000000000037";
/// Profile Type T2: one Profile.
const ICCID_4: &str = "8949000000000000045";
/// The other Operator's Profile (type T9).
const ICCID_OTHER: &str = "8949000000000000052";
const ICCID_UNKNOWN: &str = "8949000000000000999";

type Outcome = (String, String, String);

fn ok() -> Outcome {
    ("Executed-Success".into(), String::new(), String::new())
}

fn failed(subject: &str, reason: &str) -> Outcome {
    ("Failed".into(), subject.into(), reason.into())
}

/// Stocks `store` with the Profiles above.
async fn stock(store: &SqlStore) {
    store
        .import(&[
            new_profile(ICCID_1, OPERATOR, "T1"),
            new_profile(ICCID_2, OPERATOR, "T1"),
            new_profile(ICCID_3, OPERATOR, "T1"),
            new_profile(ICCID_4, OPERATOR, "T2"),
            new_profile(ICCID_OTHER, OTHER_OPERATOR, "T9"),
        ])
        .await
        .unwrap();
}

/// The SM-DP+ of [`Server::start`] (client CA: the test CI) with the Operator's client.
struct Fixture {
    server: Server,
    mno: reqwest::Client,
    _pki: Pki,
    _pg: Option<PgDb>,
}

impl Fixture {
    async fn on(pki: Pki, store: SqlStore, pg: Option<PgDb>) -> Self {
        stock(&store).await;
        let server = Server::start(&pki, store).await;
        Self {
            server,
            mno: pki.client(Some("mno")),
            _pki: pki,
            _pg: pg,
        }
    }

    async fn sqlite() -> Self {
        let pki = Pki::generate();
        let store = sqlite_store(&pki.dir.0).await;
        Self::on(pki, store, None).await
    }

    async fn postgres() -> Option<Self> {
        let (store, pg) = postgres_store().await?;
        Some(Self::on(Pki::generate(), store, Some(pg)).await)
    }

    async fn stop(self) {
        self.server.stop().await;
    }

    /// Calls ES2+ `function` with `body` plus a header; the function's outcome always
    /// travels with HTTP 200 (SGP.22 §6.5.1).
    async fn call(&self, function: &str, mut body: Value) -> (Outcome, Value) {
        body["header"] = header();
        let (http, resp) = es2(&self.mno, &self.server, function, body).await;
        assert_eq!(http, 200, "{function}: {resp}");
        (outcome(&resp), resp)
    }

    async fn expect(&self, function: &str, body: Value, want: Outcome) -> Value {
        let (got, resp) = self.call(function, body.clone()).await;
        assert_eq!(got, want, "{function} {body}: {resp}");
        resp
    }

    async fn state(&self, iccid: &str) -> ProfileState {
        self.server
            .store
            .get(&OperatorId::new(OPERATOR), &iccid.parse().unwrap())
            .await
            .unwrap()
            .unwrap()
            .state
    }
}

/// One `sqlite` and one `postgres` test per case: `mod <case> { fn sqlite, fn postgres }`.
macro_rules! on_sqlite_and_postgres {
    ($fixture:ident: $($case:ident),* $(,)?) => {$(
        mod $case {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let f = super::$fixture::sqlite().await;
                super::$case(&f).await;
                f.stop().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(f) = super::$fixture::postgres().await else {
                    return;
                };
                super::$case(&f).await;
                f.stop().await;
            }
        }
    )*};
}

on_sqlite_and_postgres!(Fixture:
    tc_smdpp_es2plus_download_order_nominal_iccid_with_eid,
    tc_smdpp_es2plus_download_order_nominal_profile_type_without_eid,
    tc_smdpp_es2plus_download_order_error_unknown_iccid,
    tc_smdpp_es2plus_download_order_error_iccid_already_in_use,
    tc_smdpp_es2plus_download_order_error_profile_type,
    tc_smdpp_es2plus_confirm_order_nominal_generated_matching_id,
    tc_smdpp_es2plus_confirm_order_nominal_operator_matching_id_released,
    tc_smdpp_es2plus_confirm_order_nominal_default_smdp_with_eid,
    tc_smdpp_es2plus_confirm_order_error_unknown_iccid,
    tc_smdpp_es2plus_confirm_order_error_iccid_already_in_use,
    tc_smdpp_es2plus_confirm_order_error_conflicting_matching_id,
    tc_smdpp_es2plus_confirm_order_error_invalid_matching_id,
    tc_smdpp_es2plus_confirm_order_error_different_eid,
    tc_smdpp_es2plus_confirm_order_error_eid_missing,
    tc_smdpp_es2plus_cancel_order_nominal,
    tc_smdpp_es2plus_cancel_order_error_unknown_iccid,
    tc_smdpp_es2plus_cancel_order_error_different_eid,
    tc_smdpp_es2plus_cancel_order_error_eid_missing,
    tc_smdpp_es2plus_cancel_order_error_different_matching_id,
    tc_smdpp_es2plus_cancel_order_error_invalid_transition,
    tc_smdpp_es2plus_release_profile_nominal,
    tc_smdpp_es2plus_release_profile_error_unknown_iccid,
    tc_smdpp_es2plus_release_profile_error_invalid_transition,
);

// --- §5.3.1 DownloadOrder ---

async fn tc_smdpp_es2plus_download_order_nominal_iccid_with_eid(f: &Fixture) {
    let resp = f
        .expect(
            "downloadOrder",
            json!({"eid": EID_1, "iccid": ICCID_1}),
            ok(),
        )
        .await;
    assert_eq!(resp["iccid"], ICCID_1);
    assert_eq!(f.state(ICCID_1).await, ProfileState::Linked);
    // ICCID and a matching Profile Type.
    let resp = f
        .expect(
            "downloadOrder",
            json!({"iccid": ICCID_2, "profileType": "T1"}),
            ok(),
        )
        .await;
    assert_eq!(resp["iccid"], ICCID_2);
    assert_eq!(f.state(ICCID_2).await, ProfileState::Allocated);
}

async fn tc_smdpp_es2plus_download_order_nominal_profile_type_without_eid(f: &Fixture) {
    let resp = f
        .expect("downloadOrder", json!({"profileType": "T2"}), ok())
        .await;
    assert_eq!(resp["iccid"], ICCID_4);
    assert_eq!(f.state(ICCID_4).await, ProfileState::Allocated);
}

async fn tc_smdpp_es2plus_download_order_error_unknown_iccid(f: &Fixture) {
    f.expect(
        "downloadOrder",
        json!({"iccid": ICCID_UNKNOWN}),
        failed("8.2.1", "3.9"),
    )
    .await;
    // Another Operator's Profile answers exactly like an unknown one.
    f.expect(
        "downloadOrder",
        json!({"eid": EID_1, "iccid": ICCID_OTHER}),
        failed("8.2.1", "3.9"),
    )
    .await;
}

async fn tc_smdpp_es2plus_download_order_error_iccid_already_in_use(f: &Fixture) {
    f.expect("downloadOrder", json!({"iccid": ICCID_1}), ok())
        .await;
    // Already ordered (Allocated), with or without EID.
    f.expect(
        "downloadOrder",
        json!({"iccid": ICCID_1}),
        failed("8.2.1", "3.3"),
    )
    .await;
    f.expect(
        "downloadOrder",
        json!({"eid": EID_1, "iccid": ICCID_1}),
        failed("8.2.1", "3.3"),
    )
    .await;
    // Withdrawn (Unavailable).
    f.expect(
        "cancelOrder",
        json!({"iccid": ICCID_1, "finalProfileStatusIndicator": "Unavailable"}),
        ok(),
    )
    .await;
    f.expect(
        "downloadOrder",
        json!({"iccid": ICCID_1}),
        failed("8.2.1", "3.3"),
    )
    .await;
    // Back in stock after a cancelled order for EID 1: not available to another eUICC.
    f.expect(
        "downloadOrder",
        json!({"eid": EID_1, "iccid": ICCID_2}),
        ok(),
    )
    .await;
    f.expect(
        "cancelOrder",
        json!({"eid": EID_1, "iccid": ICCID_2, "finalProfileStatusIndicator": "Available"}),
        ok(),
    )
    .await;
    f.expect(
        "downloadOrder",
        json!({"eid": EID_2, "iccid": ICCID_2}),
        failed("8.2.1", "3.3"),
    )
    .await;
}

async fn tc_smdpp_es2plus_download_order_error_profile_type(f: &Fixture) {
    f.expect(
        "downloadOrder",
        json!({"profileType": "NOPE"}),
        failed("8.2.5", "3.9"),
    )
    .await;
    // The other Operator's Profile Type is unknown to this one.
    f.expect(
        "downloadOrder",
        json!({"profileType": "T9"}),
        failed("8.2.5", "3.9"),
    )
    .await;
    f.expect(
        "downloadOrder",
        json!({"iccid": ICCID_1, "profileType": "T2"}),
        failed("8.2.5", "3.8"),
    )
    .await;
    f.expect("downloadOrder", json!({"profileType": "T2"}), ok())
        .await;
    f.expect(
        "downloadOrder",
        json!({"profileType": "T2"}),
        failed("8.2.5", "3.7"),
    )
    .await;
    // Neither ICCID nor Profile Type.
    f.expect("downloadOrder", json!({}), failed("1.3.1", "2.3"))
        .await;
}

// --- §5.3.2 ConfirmOrder ---

/// SGP.22 §4.1: the MatchingID of an Activation Code is made of 0-9, A-Z and '-'.
fn assert_activation_code_charset(matching_id: &str) {
    assert!(
        !matching_id.is_empty()
            && matching_id
                .bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase() || b == b'-'),
        "{matching_id:?}"
    );
}

async fn tc_smdpp_es2plus_confirm_order_nominal_generated_matching_id(f: &Fixture) {
    f.expect(
        "downloadOrder",
        json!({"eid": EID_1, "iccid": ICCID_1}),
        ok(),
    )
    .await;
    let resp = f
        .expect(
            "confirmOrder",
            json!({"iccid": ICCID_1, "eid": EID_1, "confirmationCode": "1234",
                "releaseFlag": false}),
            ok(),
        )
        .await;
    assert_activation_code_charset(resp["matchingId"].as_str().unwrap());
    assert_eq!(resp["eid"], EID_1);
    assert_eq!(resp["smdpAddress"], SMDP_ADDRESS);
    assert_eq!(f.state(ICCID_1).await, ProfileState::Confirmed);
    // Without EID anywhere the generated MatchingID alone identifies the order.
    f.expect("downloadOrder", json!({"iccid": ICCID_2}), ok())
        .await;
    let resp = f
        .expect(
            "confirmOrder",
            json!({"iccid": ICCID_2, "releaseFlag": true}),
            ok(),
        )
        .await;
    assert_activation_code_charset(resp["matchingId"].as_str().unwrap());
    assert!(resp.get("eid").is_none_or(Value::is_null), "{resp}");
    assert_eq!(f.state(ICCID_2).await, ProfileState::Released);
}

async fn tc_smdpp_es2plus_confirm_order_nominal_operator_matching_id_released(f: &Fixture) {
    f.expect("downloadOrder", json!({"iccid": ICCID_1}), ok())
        .await;
    // An EID given only now links the Allocated Profile.
    let resp = f
        .expect(
            "confirmOrder",
            json!({"iccid": ICCID_1, "eid": EID_1, "matchingId": "OP-ORDER-0001",
                "releaseFlag": true}),
            ok(),
        )
        .await;
    assert_eq!(resp["matchingId"], "OP-ORDER-0001");
    assert_eq!(resp["eid"], EID_1);
    assert_eq!(f.state(ICCID_1).await, ProfileState::Released);
}

async fn tc_smdpp_es2plus_confirm_order_nominal_default_smdp_with_eid(f: &Fixture) {
    f.expect(
        "downloadOrder",
        json!({"eid": EID_1, "iccid": ICCID_1}),
        ok(),
    )
    .await;
    // Empty MatchingID: the order is served to its EID by the default SM-DP+ flow.
    let resp = f
        .expect(
            "confirmOrder",
            json!({"iccid": ICCID_1, "matchingId": "", "releaseFlag": true}),
            ok(),
        )
        .await;
    assert_eq!(resp["matchingId"], "");
    assert_eq!(resp["eid"], EID_1);
}

async fn tc_smdpp_es2plus_confirm_order_error_unknown_iccid(f: &Fixture) {
    for iccid in [ICCID_UNKNOWN, ICCID_OTHER] {
        f.expect(
            "confirmOrder",
            json!({"iccid": iccid, "releaseFlag": true}),
            failed("8.2.1", "3.9"),
        )
        .await;
    }
}

async fn tc_smdpp_es2plus_confirm_order_error_iccid_already_in_use(f: &Fixture) {
    f.expect(
        "downloadOrder",
        json!({"eid": EID_1, "iccid": ICCID_1}),
        ok(),
    )
    .await;
    f.expect(
        "confirmOrder",
        json!({"iccid": ICCID_1, "releaseFlag": false}),
        ok(),
    )
    .await;
    // Confirmed already, then Released: the Profile is in use by its order.
    f.expect(
        "confirmOrder",
        json!({"iccid": ICCID_1, "releaseFlag": true}),
        failed("8.2.1", "3.3"),
    )
    .await;
    f.expect("releaseProfile", json!({"iccid": ICCID_1}), ok())
        .await;
    f.expect(
        "confirmOrder",
        json!({"iccid": ICCID_1, "eid": EID_1, "releaseFlag": true}),
        failed("8.2.1", "3.3"),
    )
    .await;
    // Never ordered (Available): nothing to confirm, invalid transition.
    f.expect(
        "confirmOrder",
        json!({"iccid": ICCID_2, "releaseFlag": true}),
        failed("8.2.1", "3.5"),
    )
    .await;
}

async fn tc_smdpp_es2plus_confirm_order_error_conflicting_matching_id(f: &Fixture) {
    f.expect("downloadOrder", json!({"iccid": ICCID_1}), ok())
        .await;
    f.expect("downloadOrder", json!({"iccid": ICCID_2}), ok())
        .await;
    f.expect("downloadOrder", json!({"iccid": ICCID_3}), ok())
        .await;
    f.expect(
        "confirmOrder",
        json!({"iccid": ICCID_1, "matchingId": "SAME-ID-1", "releaseFlag": true}),
        ok(),
    )
    .await;
    f.expect(
        "confirmOrder",
        json!({"iccid": ICCID_2, "matchingId": "SAME-ID-1", "releaseFlag": true}),
        failed("8.2.6", "3.3"),
    )
    .await;
    assert_eq!(f.state(ICCID_2).await, ProfileState::Allocated);
    // A generated MatchingID is taken as well.
    let resp = f
        .expect(
            "confirmOrder",
            json!({"iccid": ICCID_3, "releaseFlag": true}),
            ok(),
        )
        .await;
    let generated = resp["matchingId"].as_str().unwrap().to_owned();
    f.expect(
        "confirmOrder",
        json!({"iccid": ICCID_2, "matchingId": generated, "releaseFlag": true}),
        failed("8.2.6", "3.3"),
    )
    .await;
}

async fn tc_smdpp_es2plus_confirm_order_error_invalid_matching_id(f: &Fixture) {
    f.expect("downloadOrder", json!({"iccid": ICCID_1}), ok())
        .await;
    // Outside the §4.1 Activation Code character set: refused, nothing stored.
    for bad in ["lower-case", "WITH SPACE", "A$B", "ÄÖÜ"] {
        f.expect(
            "confirmOrder",
            json!({"iccid": ICCID_1, "matchingId": bad, "releaseFlag": true}),
            failed("8.2.6", "2.1"),
        )
        .await;
    }
    assert_eq!(f.state(ICCID_1).await, ProfileState::Allocated);
}

async fn tc_smdpp_es2plus_confirm_order_error_different_eid(f: &Fixture) {
    f.expect(
        "downloadOrder",
        json!({"eid": EID_1, "iccid": ICCID_1}),
        ok(),
    )
    .await;
    f.expect(
        "confirmOrder",
        json!({"iccid": ICCID_1, "eid": EID_2, "releaseFlag": true}),
        failed("8.1.1", "3.10"),
    )
    .await;
    assert_eq!(f.state(ICCID_1).await, ProfileState::Linked);
}

async fn tc_smdpp_es2plus_confirm_order_error_eid_missing(f: &Fixture) {
    f.expect("downloadOrder", json!({"iccid": ICCID_1}), ok())
        .await;
    // No EID in DownloadOrder nor here: the MatchingID cannot be empty (§5.3.2) …
    f.expect(
        "confirmOrder",
        json!({"iccid": ICCID_1, "matchingId": "", "releaseFlag": true}),
        failed("8.1.1", "2.2"),
    )
    .await;
    // … and an SM-DS event needs the EID too.
    f.expect(
        "confirmOrder",
        json!({"iccid": ICCID_1, "matchingId": "EVT-1", "smdsAddress": "smds.example.com",
            "releaseFlag": true}),
        failed("8.1.1", "2.2"),
    )
    .await;
    assert_eq!(f.state(ICCID_1).await, ProfileState::Allocated);
}

// --- §5.3.3 CancelOrder ---

async fn tc_smdpp_es2plus_cancel_order_nominal(f: &Fixture) {
    // After DownloadOrder without EID.
    f.expect("downloadOrder", json!({"iccid": ICCID_1}), ok())
        .await;
    f.expect(
        "cancelOrder",
        json!({"iccid": ICCID_1, "finalProfileStatusIndicator": "Available"}),
        ok(),
    )
    .await;
    assert_eq!(f.state(ICCID_1).await, ProfileState::Available);
    // After ConfirmOrder with EID: EID and MatchingID named.
    f.expect(
        "downloadOrder",
        json!({"eid": EID_1, "iccid": ICCID_2}),
        ok(),
    )
    .await;
    let resp = f
        .expect(
            "confirmOrder",
            json!({"iccid": ICCID_2, "releaseFlag": true}),
            ok(),
        )
        .await;
    let matching_id = resp["matchingId"].as_str().unwrap().to_owned();
    f.expect(
        "cancelOrder",
        json!({"iccid": ICCID_2, "eid": EID_1, "matchingId": matching_id,
            "finalProfileStatusIndicator": "Unavailable"}),
        ok(),
    )
    .await;
    assert_eq!(f.state(ICCID_2).await, ProfileState::Unavailable);
}

async fn tc_smdpp_es2plus_cancel_order_error_unknown_iccid(f: &Fixture) {
    for iccid in [ICCID_UNKNOWN, ICCID_OTHER] {
        f.expect(
            "cancelOrder",
            json!({"iccid": iccid, "finalProfileStatusIndicator": "Available"}),
            failed("8.2.1", "3.9"),
        )
        .await;
    }
}

async fn tc_smdpp_es2plus_cancel_order_error_different_eid(f: &Fixture) {
    f.expect(
        "downloadOrder",
        json!({"eid": EID_1, "iccid": ICCID_1}),
        ok(),
    )
    .await;
    f.expect(
        "cancelOrder",
        json!({"iccid": ICCID_1, "eid": EID_2, "finalProfileStatusIndicator": "Available"}),
        failed("8.1.1", "3.10"),
    )
    .await;
    // An EID for an order without one is no association either.
    f.expect("downloadOrder", json!({"iccid": ICCID_2}), ok())
        .await;
    f.expect(
        "cancelOrder",
        json!({"iccid": ICCID_2, "eid": EID_1, "finalProfileStatusIndicator": "Available"}),
        failed("8.1.1", "3.10"),
    )
    .await;
    assert_eq!(f.state(ICCID_1).await, ProfileState::Linked);
    assert_eq!(f.state(ICCID_2).await, ProfileState::Allocated);
}

async fn tc_smdpp_es2plus_cancel_order_error_eid_missing(f: &Fixture) {
    // Linked by DownloadOrder …
    f.expect(
        "downloadOrder",
        json!({"eid": EID_1, "iccid": ICCID_1}),
        ok(),
    )
    .await;
    f.expect(
        "cancelOrder",
        json!({"iccid": ICCID_1, "finalProfileStatusIndicator": "Available"}),
        failed("8.1.1", "2.2"),
    )
    .await;
    // … or by ConfirmOrder.
    f.expect("downloadOrder", json!({"iccid": ICCID_2}), ok())
        .await;
    let resp = f
        .expect(
            "confirmOrder",
            json!({"iccid": ICCID_2, "eid": EID_2, "releaseFlag": true}),
            ok(),
        )
        .await;
    f.expect(
        "cancelOrder",
        json!({"iccid": ICCID_2, "matchingId": resp["matchingId"],
            "finalProfileStatusIndicator": "Available"}),
        failed("8.1.1", "2.2"),
    )
    .await;
    assert_eq!(f.state(ICCID_1).await, ProfileState::Linked);
    assert_eq!(f.state(ICCID_2).await, ProfileState::Released);
}

async fn tc_smdpp_es2plus_cancel_order_error_different_matching_id(f: &Fixture) {
    f.expect("downloadOrder", json!({"iccid": ICCID_1}), ok())
        .await;
    f.expect(
        "confirmOrder",
        json!({"iccid": ICCID_1, "matchingId": "THE-ORDER", "releaseFlag": true}),
        ok(),
    )
    .await;
    f.expect(
        "cancelOrder",
        json!({"iccid": ICCID_1, "matchingId": "NOT-THE-ORDER",
            "finalProfileStatusIndicator": "Available"}),
        failed("8.2.6", "3.10"),
    )
    .await;
    assert_eq!(f.state(ICCID_1).await, ProfileState::Released);
}

async fn tc_smdpp_es2plus_cancel_order_error_invalid_transition(f: &Fixture) {
    // Nothing ordered.
    f.expect(
        "cancelOrder",
        json!({"iccid": ICCID_1, "finalProfileStatusIndicator": "Available"}),
        failed("8.2.1", "3.5"),
    )
    .await;
}

// --- §5.3.4 ReleaseProfile ---

async fn tc_smdpp_es2plus_release_profile_nominal(f: &Fixture) {
    f.expect(
        "downloadOrder",
        json!({"eid": EID_1, "iccid": ICCID_1}),
        ok(),
    )
    .await;
    f.expect(
        "confirmOrder",
        json!({"iccid": ICCID_1, "releaseFlag": false}),
        ok(),
    )
    .await;
    f.expect("releaseProfile", json!({"iccid": ICCID_1}), ok())
        .await;
    assert_eq!(f.state(ICCID_1).await, ProfileState::Released);
}

async fn tc_smdpp_es2plus_release_profile_error_unknown_iccid(f: &Fixture) {
    for iccid in [ICCID_UNKNOWN, ICCID_OTHER] {
        f.expect(
            "releaseProfile",
            json!({"iccid": iccid}),
            failed("8.2.1", "3.9"),
        )
        .await;
    }
}

async fn tc_smdpp_es2plus_release_profile_error_invalid_transition(f: &Fixture) {
    // Available, Allocated, and Released already.
    f.expect(
        "releaseProfile",
        json!({"iccid": ICCID_1}),
        failed("8.2.1", "3.5"),
    )
    .await;
    f.expect("downloadOrder", json!({"iccid": ICCID_1}), ok())
        .await;
    f.expect(
        "releaseProfile",
        json!({"iccid": ICCID_1}),
        failed("8.2.1", "3.5"),
    )
    .await;
    f.expect(
        "confirmOrder",
        json!({"iccid": ICCID_1, "releaseFlag": true}),
        ok(),
    )
    .await;
    f.expect(
        "releaseProfile",
        json!({"iccid": ICCID_1}),
        failed("8.2.1", "3.5"),
    )
    .await;
}

// --- ES2+ mutual TLS (SGP.22 §2.6.6): the Operator's self-signed certificate ---

/// `openssl req -x509` as an Operator runs it: a self-signed P-256 certificate with
/// openssl's default extensions (basicConstraints cA, no key usage), `<name>.pem` and
/// `<name>.key.pem`.
fn openssl_self_signed(pki: &Pki, name: &str, cn: &str) {
    let out = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
        ])
        .args([
            "-nodes",
            "-days",
            "2",
            "-subj",
            &format!("/CN={cn}/O=MNO"),
            "-keyout",
        ])
        .arg(pki.path(&format!("{name}.key.pem")))
        .arg("-out")
        .arg(pki.path(&format!("{name}.pem")))
        .output()
        .expect("openssl on PATH");
    assert!(out.status.success(), "{out:?}");
}

/// Writes `<name>.pem` and `<name>.key.pem` (as [`Pki::client`] reads them): a self-signed
/// Operator certificate with the extensions of `role` valid from `from` to `until`, or, with
/// `issuer`, one issued by that certificate's key.
fn write_operator_cert(
    pki: &Pki,
    role: Role,
    name: &str,
    cn: &str,
    from: time::OffsetDateTime,
    until: time::OffsetDateTime,
    issuer: Option<(&Cert, &SoftwareKey)>,
) -> (Cert, SoftwareKey) {
    let key = SoftwareKey::generate(Curve::NistP256).unwrap();
    let mut req = CertRequest::new(
        role,
        parse_name(&format!("CN={cn},O=MNO")).unwrap(),
        key.public_key().clone(),
        from,
    );
    req.not_after = Some(until);
    let cert = match issuer {
        Some((ca, ca_key)) => issue(&req, Some(ca), ca_key as &dyn Signer).unwrap(),
        None => issue(&req, None, &key as &dyn Signer).unwrap(),
    };
    std::fs::write(pki.path(&format!("{name}.pem")), cert.to_pem()).unwrap();
    std::fs::write(
        pki.path(&format!("{name}.key.pem")),
        key.to_pkcs8_pem().as_bytes(),
    )
    .unwrap();
    (cert, key)
}

/// An ES2+-only SM-DP+ whose `client-ca` holds the test CI plus three self-signed Operator
/// certificates (`pinned-mno`, valid; `pinned-ca-mno`, made by openssl, says cA;
/// `expired-mno`, expired), as `rsp serve smdpp --client-ca` loads them. Also written, not configured: `stranger-mno` (self-signed) and
/// `minted-mno` (issued by the pinned certificate's key).
struct MtlsFixture {
    pki: Pki,
    base: String,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    _pg: Option<PgDb>,
}

impl MtlsFixture {
    async fn on(pki: Pki, store: SqlStore, pg: Option<PgDb>) -> Self {
        stock(&store).await;
        let now = time::OffsetDateTime::now_utc();
        let day = time::Duration::days(1);
        let mno = Role::Mno;
        let (pinned, pinned_key) = write_operator_cert(
            &pki,
            mno,
            "pinned-mno",
            OPERATOR,
            now - day,
            now + day,
            None,
        );
        write_operator_cert(
            &pki,
            mno,
            "expired-mno",
            OPERATOR,
            now - 3 * day,
            now - day,
            None,
        );
        write_operator_cert(
            &pki,
            mno,
            "stranger-mno",
            OPERATOR,
            now - day,
            now + day,
            None,
        );
        openssl_self_signed(&pki, "pinned-ca-mno", OPERATOR);
        write_operator_cert(
            &pki,
            mno,
            "minted-mno",
            OTHER_OPERATOR,
            now - day,
            now + day,
            Some((&pinned, &pinned_key)),
        );
        let tls = server_config(&TlsFiles {
            client_ca: vec![
                pki.path("ci.pem"),
                pki.path("pinned-mno.pem"),
                pki.path("expired-mno.pem"),
                pki.path("pinned-ca-mno.pem"),
            ],
            ..pki.tls_files()
        })
        .unwrap();
        let es2 = Arc::new(Es2Plus::new(store, Es2PlusConfig::new(SMDP_ADDRESS)));
        let app = rsp_http::app::smdpp_router(
            es2,
            Arc::new(OperatorResolver::by_common_name()),
            None::<Arc<Es9Plus<SqlStore>>>,
        );
        let (addr, tx, task) = serve(tls, app).await;
        let base = format!("https://localhost:{}", addr.port());
        Self {
            pki,
            base,
            stop: Some(tx),
            task: Some(task),
            _pg: pg,
        }
    }

    async fn sqlite() -> Self {
        let pki = Pki::generate();
        let store = sqlite_store(&pki.dir.0).await;
        Self::on(pki, store, None).await
    }

    async fn postgres() -> Option<Self> {
        let (store, pg) = postgres_store().await?;
        Some(Self::on(Pki::generate(), store, Some(pg)).await)
    }

    async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap();
        }
    }

    /// DownloadOrder of `iccid` presenting the certificate `identity`; `Err` when the TLS
    /// handshake (or the connection) fails.
    async fn download_order(&self, identity: &str, iccid: &str) -> Result<Outcome, String> {
        let resp = self
            .pki
            .client(Some(identity))
            .post(format!("{}/gsma/rsp2/es2plus/downloadOrder", self.base))
            .header("Content-Type", "application/json;charset=UTF-8")
            .header("X-Admin-Protocol", "gsma/rsp/v2.5.0")
            .body(json!({"header": header(), "iccid": iccid}).to_string())
            .send()
            .await
            .map_err(|e| format!("{e:?}"))?;
        assert_eq!(resp.status().as_u16(), 200);
        let body: Value = resp.json().await.map_err(|e| format!("{e:?}"))?;
        Ok(outcome(&body))
    }
}

on_sqlite_and_postgres!(MtlsFixture:
    tc_smdpp_es2plus_mutual_tls_pinned_self_signed_operator_certificate,
    tc_smdpp_es2plus_mutual_tls_unconfigured_certificate_refused,
    tc_smdpp_es2plus_mutual_tls_expired_pinned_certificate_refused,
);

async fn tc_smdpp_es2plus_mutual_tls_pinned_self_signed_operator_certificate(f: &MtlsFixture) {
    // The self-signed certificate configured as client-ca names the Operator by its CN.
    assert_eq!(f.download_order("pinned-mno", ICCID_1).await, Ok(ok()));
    // So is one made by `openssl req -x509`, which says cA (rustls' WebPKI verifier alone
    // refuses it: a CA used as an end entity).
    assert_eq!(f.download_order("pinned-ca-mno", ICCID_3).await, Ok(ok()));
    // Certificates chaining to the configured CI still work beside it.
    assert_eq!(f.download_order("mno", ICCID_2).await, Ok(ok()));
    assert_eq!(f.download_order("other-mno", ICCID_OTHER).await, Ok(ok()));
}

async fn tc_smdpp_es2plus_mutual_tls_unconfigured_certificate_refused(f: &MtlsFixture) {
    // A self-signed certificate that is not configured is refused at the handshake …
    let refused = f.download_order("stranger-mno", ICCID_1).await;
    assert!(refused.is_err(), "{refused:?}");
    // … and so is one issued by a pinned end-entity key: the pinned certificate is accepted
    // as itself only, it vouches for no other name.
    let refused = f.download_order("minted-mno", ICCID_OTHER).await;
    assert!(refused.is_err(), "{refused:?}");
    // The server is unaffected.
    assert_eq!(f.download_order("pinned-mno", ICCID_1).await, Ok(ok()));
}

async fn tc_smdpp_es2plus_mutual_tls_expired_pinned_certificate_refused(f: &MtlsFixture) {
    let refused = f.download_order("expired-mno", ICCID_1).await;
    assert!(refused.is_err(), "{refused:?}");
    assert_eq!(f.download_order("pinned-mno", ICCID_1).await, Ok(ok()));
}
