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

use base64::Engine as _;
use common::eim::*;
use common::*;
use rsp_crypto::Curve;
use rsp_lpa::ipa::{Handled, Ipa, PollReport};
use rsp_lpa::{ApduChannel, Es9PlusClient, EsipaClient};
use rsp_pki::Cert;
use rsp_storage::SqlStore;
use rsp_testkit::pg::PgDb;
use serde_json::{Value, json};

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

async fn scenario(eim_store: SqlStore, curve: Curve) {
    let dir = TempDir::new();
    let tls = write_pki(&dir.0, "tls", Curve::NistP256);
    let pki = write_pki(&dir.0, dir_name(curve), curve);
    let smdp = Server::start(&dir.0, &tls, &pki).await;
    let (iccid1, iccid2) = ("8900000000000000813", "8900000000000000821");
    let ac1 = smdp.order(iccid1, None).await;
    let ac2 = smdp.order(iccid2, None).await;

    // The eIM: one tenant, the eIM key of the association's curve, the CI for eUICC chains.
    let eim = EimServer::start(eim_store, &tls, &pki, curve).await;
    let (rest, http, eim_address) = (&eim.rest, eim.http.clone(), eim.address.clone());

    // The device: an IoT eUICC associated with the eIM, registered by its tenant.
    let (card, eid) = iot_euicc(&pki, &eim_address, false);
    let pem = |n: &str| std::fs::read_to_string(pki.join(n)).unwrap();
    rest.register(&eid, &pki, eim_curve(curve)).await;
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

    eim.stop().await;
    smdp.stop().await;
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
