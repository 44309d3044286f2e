//! The IoT flow end to end over HTTPS (SGP.32 v1.2): an SM-DP+, an eIM (ESipa ASN.1
//! binding and its REST API), the IPA (`rsp_lpa::ipa`) and a virtual eUICC in IoT mode with
//! the eIM added initially; on NIST and brainpool associations, the eIM on SQLite and
//! PostgreSQL. Two direct downloads triggered from the eIM, enable / list / disable /
//! delete by PSMO, a second eIM added, listed and removed by eCO, the refusals of a PSMO on
//! an absent Profile and of an eCO removing the last eIM, every result signed by the eUICC
//! and verified by the eIM (its operation `done`), the installation notifications reaching
//! the SM-DP+ through the eIM.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use common::*;
use rsp_codec::asn1::Certificate;
use rsp_codec::asn1::sgp32::{EimConfigurationData, EimIdType, EimPublicKeyData};
use rsp_crypto::{Curve, SoftwareKey};
use rsp_eim::{Eim, EimCurve, EimKeys, EimStore, Tenant, token_hash};
use rsp_euicc::{Card, EuiccConfig, Identity, Isdr, StateStore};
use rsp_http::eim_outbox::{EimSender, run_eim_outbox};
use rsp_http::tls::{TlsFiles, server_config};
use rsp_lpa::ipa::{Handled, Ipa, PollReport};
use rsp_lpa::{ApduChannel, Es9PlusClient, EsipaClient};
use rsp_pki::{Cert, TrustStore};
use rsp_storage::SqlStore;
use rsp_testkit::pg::PgDb;
use serde_json::{Value, json};

const EIM_ID: &str = "eim.test";
const TOKEN: &str = "tenant-token";

/// An IoT virtual eUICC of `pki` with the eIM at `eim_address` added initially.
fn iot_euicc(pki: &Path, eim_address: &str) -> (Card, String) {
    let identity = Identity::from_files(
        &[(
            pki.join("euicc.pem"),
            pki.join("euicc.key.pem"),
            pki.join("eum.pem"),
        )],
        &[pki.join("ci.pem")],
    )
    .unwrap();
    let mut isdr = Isdr::new(identity, EuiccConfig::default(), StateStore::memory()).unwrap();
    isdr.enable_iot_mode().unwrap();
    let cert = Cert::from_pem(&std::fs::read_to_string(pki.join("eim.pem")).unwrap()).unwrap();
    let config = EimConfigurationData {
        eim_id: EIM_ID.into(),
        eim_fqdn: Some(eim_address.into()),
        eim_id_type: Some(EimIdType::EIM_ID_TYPE_PROPRIETARY),
        counter_value: Some(0.into()),
        eim_public_key_data: Some(EimPublicKeyData::EimCertificate(
            Certificate::from_der(cert.der()).unwrap(),
        )),
        ..Default::default()
    };
    rsp_lpa::es10_iot::add_initial_eim(&mut isdr, vec![config]).unwrap();
    let eid = isdr.identity().eid_text().to_owned();
    (Card::new(isdr), eid)
}

struct Rest {
    http: reqwest::Client,
    base: String,
}

impl Rest {
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(TOKEN);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// Queues an operation for `eid`; its id.
    async fn queue(&self, eid: &str, op: Value) -> i64 {
        let (s, v) = self
            .call(
                reqwest::Method::POST,
                &format!("/euiccs/{eid}/operations"),
                Some(op),
            )
            .await;
        assert_eq!(s, 202, "{v}");
        v["id"].as_i64().unwrap()
    }

    async fn operation(&self, id: i64) -> Value {
        self.call(reqwest::Method::GET, &format!("/operations/{id}"), None)
            .await
            .1
    }
}

/// The single package result lines of a poll.
fn package_results(report: &PollReport) -> Vec<String> {
    let results: Vec<_> = report
        .handled
        .iter()
        .filter_map(|h| match h {
            Handled::EuiccPackage(p) => Some(p.results.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(results.len(), 1, "{report:?}");
    results.into_iter().next().unwrap()
}

fn downloaded(report: &PollReport) -> String {
    report
        .handled
        .iter()
        .find_map(|h| match h {
            Handled::ProfileDownload(d) => d.iccid.clone(),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no download in {report:?}"))
}

async fn wait_state(server: &Server, iccid: &str, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let state = server.state(iccid).await;
        if state == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{iccid} stays {state}, not {want}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn scenario(eim_store: SqlStore, curve: Curve) {
    let dir = TempDir::new();
    let tls = write_pki(&dir.0, "tls", Curve::NistP256);
    let pki = write_pki(&dir.0, dir_name(curve), curve);
    let smdp = Server::start(&dir.0, &tls, &pki).await;
    let (iccid1, iccid2) = ("8900000000000000813", "8900000000000000821");
    let ac1 = smdp.order(iccid1, None).await;
    let ac2 = smdp.order(iccid2, None).await;

    // The eIM: one tenant, the eIM key of the association's curve, the CI for eUICC chains.
    eim_store
        .upsert_tenant(&Tenant {
            id: "acme".into(),
            token_sha256: token_hash(TOKEN),
            webhook_url: None,
        })
        .await
        .unwrap();
    let eim_curve = match curve {
        Curve::NistP256 => EimCurve::Nist,
        Curve::BrainpoolP256r1 => EimCurve::Brainpool,
    };
    let key =
        SoftwareKey::from_pem(&std::fs::read_to_string(pki.join("eim.key.pem")).unwrap()).unwrap();
    let trust = TrustStore::with_cis([Cert::from_pem(
        &std::fs::read_to_string(pki.join("ci.pem")).unwrap(),
    )
    .unwrap()]);
    let eim = Arc::new(Eim::new(
        eim_store.clone(),
        EimKeys::new(EIM_ID).with(eim_curve, Arc::new(key)),
        trust,
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let eim_address = format!("localhost:{}", listener.local_addr().unwrap().port());
    let tls_config = server_config(&TlsFiles {
        cert_chain: tls.join("dp-tls.pem"),
        key: tls.join("dp-tls.key.pem"),
        client_ca: vec![tls.join("ci.pem")],
    })
    .unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let router = rsp_http::app::eim_router(eim);
    let server = tokio::spawn(async move {
        rsp_http::server::serve_tls(listener, tls_config, router, async {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    });
    let ca = reqwest::Certificate::from_pem(&std::fs::read(tls.join("ci.pem")).unwrap()).unwrap();
    let http = reqwest::Client::builder()
        .tls_certs_only([ca])
        .build()
        .unwrap();
    let (stop_outbox, outbox_stopped) = tokio::sync::oneshot::channel::<()>();
    let outbox = tokio::spawn(run_eim_outbox(
        eim_store.clone(),
        EimSender {
            webhook: reqwest::Client::new(),
            es9: http.clone(),
        },
        Duration::from_millis(50),
        async {
            let _ = outbox_stopped.await;
        },
    ));
    let rest = Rest {
        http: http.clone(),
        base: format!("https://{eim_address}/eim/v1"),
    };

    // The device: an IoT eUICC associated with the eIM, registered by its tenant.
    let (card, eid) = iot_euicc(&pki, &eim_address);
    let pem = |n: &str| std::fs::read_to_string(pki.join(n)).unwrap();
    let (s, v) = rest
        .call(
            reqwest::Method::POST,
            "/euiccs",
            Some(json!({"eid": eid, "eimId": EIM_ID, "curve": eim_curve,
                "euiccCertificate": pem("euicc.pem"), "eumCertificate": pem("eum.pem")})),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let es9 = Es9PlusClient::from_ca_files(&[tls.join("ci.pem")]).unwrap();
    let esipa = EsipaClient::new(http.clone(), &eim_address);
    let mut ipa = Ipa::new(ApduChannel::open(card).unwrap(), esipa, es9).unwrap();
    let done = |v: &Value| assert_eq!(v["status"], "done", "{v}");

    // Nothing pending.
    let report = ipa.poll().await.unwrap();
    assert!(report.drained && report.handled.is_empty(), "{report:?}");

    // Two direct downloads triggered from the eIM; the notifications reach the SM-DP+.
    for ac in [&ac1, &ac2] {
        let id = rest
            .queue(
                &eid,
                json!({"type": "download", "activationCode": ac.trim_start_matches("LPA:")}),
            )
            .await;
        let report = ipa.poll().await.unwrap();
        let iccid = downloaded(&report);
        assert!(
            report.notifications.iter().all(|n| n.delivered),
            "{report:?}"
        );
        done(&rest.operation(id).await);
        wait_state(&smdp, &iccid, "Installed").await;
    }

    // Enable and list by PSMO; the eIM's view follows the eUICC's signed result.
    let id = rest
        .queue(
            &eid,
            json!({"type": "psmo", "psmos": [
            {"op": "enable", "iccid": iccid1}, {"op": "listProfileInfo"}]}),
        )
        .await;
    let results = package_results(&ipa.poll().await.unwrap());
    assert_eq!(
        results,
        ["enableResult 0", "listProfileInfoResult: 2 profile(s)"]
    );
    done(&rest.operation(id).await);
    let (_, view) = rest
        .call(reqwest::Method::GET, &format!("/euiccs/{eid}"), None)
        .await;
    assert_eq!(view["state"]["enabledIccid"], iccid1, "{view}");

    // A PSMO on a Profile that does not exist: iccidOrAidNotFound(1), nothing changes.
    let id = rest
        .queue(
            &eid,
            json!({"type": "psmo", "psmos": [{"op": "enable", "iccid": "8900000000000000995"}]}),
        )
        .await;
    assert_eq!(
        package_results(&ipa.poll().await.unwrap()),
        ["enableResult 1"]
    );
    done(&rest.operation(id).await);

    // Disable the first, delete the second.
    let id = rest
        .queue(
            &eid,
            json!({"type": "psmo", "psmos": [
            {"op": "disable", "iccid": iccid1}, {"op": "delete", "iccid": iccid2}]}),
        )
        .await;
    let report = ipa.poll().await.unwrap();
    assert_eq!(
        package_results(&report),
        ["disableResult 0", "deleteResult 0"]
    );
    // The disable and delete notifications (the Profile's notificationConfigurationInfo
    // asks for them) go to the eIM, which forwards them to the SM-DP+.
    assert_eq!(report.notifications.len(), 2, "{report:?}");
    assert!(
        report.notifications.iter().all(|n| n.delivered),
        "{report:?}"
    );
    done(&rest.operation(id).await);
    let (_, view) = rest
        .call(reqwest::Method::GET, &format!("/euiccs/{eid}"), None)
        .await;
    assert!(view["state"]["enabledIccid"].is_null(), "{view}");

    // A second eIM added, listed and removed by eCO; the last eIM cannot be removed.
    let second = Cert::from_pem(&pem("eim.pem")).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(second.der());
    let id = rest
        .queue(
            &eid,
            json!({"type": "eco", "ecos": [{"op": "addEim", "eimId": "eim2.test",
            "eimFqdn": "eim2.test", "counterValue": 0, "eimCertificate": b64}]}),
        )
        .await;
    let results = package_results(&ipa.poll().await.unwrap());
    assert!(results[0].starts_with("addEimResult"), "{results:?}");
    assert!(
        results[0].ends_with(" 0") || results[0].contains("ok"),
        "{results:?}"
    );
    done(&rest.operation(id).await);
    let id = rest
        .queue(&eid, json!({"type": "eco", "ecos": [{"op": "listEim"}]}))
        .await;
    assert_eq!(
        package_results(&ipa.poll().await.unwrap()),
        ["listEimResult: 2 eIM(s)"]
    );
    done(&rest.operation(id).await);
    let id = rest
        .queue(
            &eid,
            json!({"type": "eco", "ecos": [{"op": "deleteEim", "eimId": "eim2.test"}]}),
        )
        .await;
    assert_eq!(
        package_results(&ipa.poll().await.unwrap()),
        ["deleteEimResult 0"]
    );
    done(&rest.operation(id).await);
    let id = rest
        .queue(
            &eid,
            json!({"type": "eco", "ecos": [{"op": "deleteEim", "eimId": EIM_ID}]}),
        )
        .await;
    let results = package_results(&ipa.poll().await.unwrap());
    assert_eq!(results.len(), 1);
    assert_ne!(results[0], "deleteEimResult 0", "the last eIM was removed");
    done(&rest.operation(id).await);
    let id = rest
        .queue(&eid, json!({"type": "eco", "ecos": [{"op": "listEim"}]}))
        .await;
    assert_eq!(
        package_results(&ipa.poll().await.unwrap()),
        ["listEimResult: 1 eIM(s)"]
    );
    done(&rest.operation(id).await);

    let _ = stop_outbox.send(());
    outbox.await.unwrap();
    let _ = stop.send(());
    server.await.unwrap();
    smdp.stop().await;
}

async fn eim_sqlite(dir: &Path) -> SqlStore {
    let store = SqlStore::open_sqlite(&dir.join("eim.sqlite"), key())
        .await
        .unwrap();
    store.migrate().await.unwrap();
    store
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn iot_flow_nist_sqlite() {
    let dir = TempDir::new();
    scenario(eim_sqlite(&dir.0).await, Curve::NistP256).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn iot_flow_brainpool_sqlite() {
    let dir = TempDir::new();
    scenario(eim_sqlite(&dir.0).await, Curve::BrainpoolP256r1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn iot_flow_nist_postgres() {
    let Some(pg) = PgDb::create().await else {
        return;
    };
    scenario(pg.store(key()).await, Curve::NistP256).await;
}
