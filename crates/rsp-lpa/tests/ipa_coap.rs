//! ESipa over CoAP/DTLS end to end (SGP.32 v1.2; `rsp-coap`): the eIM serving ESipa on a
//! DTLS socket beside its HTTPS listener, the IPA polling over CoAP with an IoT virtual
//! eUICC. On NIST and brainpool associations: a PSMO round trip and two indirect Profile
//! downloads, without and with a Confirmation Code (the Bound Profile Package, many
//! datagrams, comes block-wise), the
//! notifications delivered through the eIM over CoAP. Then the same download through a
//! relay that drops every 5th and duplicates every 7th datagram in both directions, with
//! 256-byte blocks: it completes, and the eIM ran each ESipa call once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::eim::*;
use common::*;
use rsp_coap::CoapParams;
use rsp_crypto::Curve;
use rsp_lpa::esipa_coap::CoapEimLink;
use rsp_lpa::ipa::Ipa;
use rsp_lpa::{ApduChannel, Es9PlusClient};
use serde_json::json;

/// PSMO round trip and indirect download over CoAP; `lossy`: through the bad relay.
async fn scenario(curve: Curve, lossy: bool) {
    let dir = TempDir::new();
    let tls = write_pki(&dir.0, "tls", Curve::NistP256);
    let pki = write_pki(&dir.0, dir_name(curve), curve);
    let smdp = Server::start(&dir.0, &tls, &pki).await;
    let orders = [
        ("8900000000000000813", None),
        ("8900000000000000821", Some("8765")),
    ];
    let mut codes = Vec::new();
    for (iccid, cc) in orders {
        codes.push(smdp.order(iccid, cc).await);
    }
    let eim = EimServer::start_with(eim_sqlite(&dir.0).await, &tls, &pki, curve, true).await;
    let coap = eim.coap.unwrap();
    let (card, eid) = iot_euicc(&pki, &eim.address, true);
    eim.rest.register(&eid, &pki, eim_curve(curve)).await;

    let (target, params, relay) = if lossy {
        let (relay, stats) = rsp_coap::testing::lossy_relay(coap, 5, 7).await.unwrap();
        let params = CoapParams {
            block_size: 256,
            ..rsp_coap::testing::fast_params()
        };
        (relay, params, Some(stats))
    } else {
        (coap, CoapParams::default(), None)
    };
    let ca = std::fs::read_to_string(tls.join("ci.pem")).unwrap();
    let link = CoapEimLink::connect_with(&format!("localhost:{}", target.port()), ca, params)
        .await
        .unwrap();
    let es9 = Es9PlusClient::from_ca_files(&[tls.join("ci.pem")]).unwrap();
    let mut ipa = Ipa::new(ApduChannel::open(card).unwrap(), link, es9).unwrap();

    // A PSMO (eIM-signed package, eUICC-signed result) over CoAP.
    let id = eim
        .rest
        .queue(
            &eid,
            json!({"type": "psmo", "psmos": [{"op": "listProfileInfo"}]}),
        )
        .await;
    let report = ipa.poll().await.unwrap();
    assert!(report.drained, "{report:?}");
    assert_eq!(eim.rest.operation(id).await["status"], "done");

    // Indirect downloads, without and with a Confirmation Code: every ES9+ step relayed
    // by the eIM, the BPP block-wise.
    for ((iccid, cc), ac) in orders.into_iter().zip(&codes) {
        let mut op = json!({"type": "download", "activationCode": ac.trim_start_matches("LPA:")});
        if let Some(cc) = cc {
            op["confirmationCode"] = json!(cc);
        }
        let id = eim.rest.queue(&eid, op).await;
        let report = ipa.poll().await.unwrap();
        let d = download_outcome(&report);
        assert!(d.indirect, "{d:?}");
        assert_eq!(d.iccid.as_deref(), Some(iccid), "{d:?}");
        assert!(
            !report.notifications.is_empty() && report.notifications.iter().all(|n| n.delivered),
            "{report:?}"
        );
        assert_eq!(eim.rest.operation(id).await["status"], "done");
        wait_state(&smdp, iccid, "Installed").await;
    }
    if let Some(stats) = relay {
        use std::sync::atomic::Ordering::Relaxed;
        let (dropped, duplicated) = (stats.dropped.load(Relaxed), stats.duplicated.load(Relaxed));
        assert!(
            dropped >= 5 && duplicated >= 3,
            "dropped {dropped}, duplicated {duplicated}"
        );
    }
    drop(ipa);
    eim.stop().await;
    smdp.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn esipa_over_coap_nist() {
    scenario(Curve::NistP256, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn esipa_over_coap_brainpool() {
    scenario(Curve::BrainpoolP256r1, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn esipa_over_coap_through_a_lossy_link() {
    scenario(Curve::NistP256, true).await;
}
