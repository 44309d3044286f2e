//! Indirect Profile download end to end over HTTPS (SGP.32 v1.2 §3.2, ESipa §5.14.1–§5.14.3):
//! an SM-DP+, an eIM relaying ES9+ on its ASN.1 binding, the IPA and an IoT virtual eUICC
//! whose eIM association announces `indirectProfileDownload`. On NIST and brainpool
//! associations (SQLite) and on PostgreSQL: a download without and one with a Confirmation
//! Code (the eIM hands the IPA the session's hashCc), the installation notifications
//! reaching the SM-DP+ through the eIM, the orders `done` at the eIM. A relay that changes
//! a signed message is refused: the SM-DP+'s serverSigned1 by the eUICC, the eUICC's
//! euiccSigned1 by the SM-DP+.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::eim::*;
use common::*;
use rsp_codec::asn1::sgp32::{
    EsipaMessageFromEimToIpa, EsipaMessageFromIpaToEim, InitiateAuthenticationResponseEsipa,
    Sgp32AuthenticateServerResponse,
};
use rsp_crypto::Curve;
use rsp_lpa::ipa::{EimLink, Ipa};
use rsp_lpa::{ApduChannel, Es9PlusClient, EsipaClient, LpaError};
use rsp_storage::SqlStore;
use rsp_testkit::pg::PgDb;
use serde_json::{Value, json};

async fn scenario(eim_store: SqlStore, curve: Curve, compact: bool) {
    let dir = TempDir::new();
    let tls = write_pki(&dir.0, "tls", Curve::NistP256);
    let pki = write_pki(&dir.0, dir_name(curve), curve);
    let smdp = Server::start(&dir.0, &tls, &pki).await;
    let (iccid1, iccid2) = ("8900000000000000813", "8900000000000000821");
    let ac1 = smdp.order(iccid1, None).await;
    let ac2 = smdp.order(iccid2, Some("8765")).await;
    let eim = EimServer::start(eim_store, &tls, &pki, curve).await;
    let (card, eid) = iot_euicc(&pki, &eim.address, true);
    eim.rest.register(&eid, &pki, eim_curve(curve)).await;
    // The IPA has an ES9+ client but the association asks for indirect download.
    let es9 = Es9PlusClient::from_ca_files(&[tls.join("ci.pem")]).unwrap();
    let esipa = SpyLink {
        inner: EsipaClient::new(eim.http.clone(), &eim.address),
        compact_sent: Default::default(),
    };
    let mut ipa = Ipa::new(ApduChannel::open(card).unwrap(), esipa, es9)
        .unwrap()
        .with_compact_esipa(compact);

    for (ac, cc) in [(&ac1, None), (&ac2, Some("8765"))] {
        let mut op = json!({"type": "download", "activationCode": ac.trim_start_matches("LPA:")});
        if let Some(cc) = cc {
            op["confirmationCode"] = json!(cc);
        }
        let id = eim.rest.queue(&eid, op).await;
        let report = ipa.poll().await.unwrap();
        let outcome = download_outcome(&report);
        assert!(outcome.indirect, "{outcome:?}");
        let iccid = outcome
            .iccid
            .clone()
            .unwrap_or_else(|| panic!("{outcome:?}"));
        assert!(
            report.notifications.iter().all(|n| n.delivered),
            "{report:?}"
        );
        let order: Value = eim.rest.operation(id).await;
        assert_eq!(order["status"], "done", "{order}");
        // The code itself is never kept or shown (in any text of the record: its numbers,
        // e.g. a millisecond timestamp, may contain the digits by chance).
        assert!(!texts(&order).iter().any(|t| t.contains("8765")), "{order}");
        wait_state(&smdp, &iccid, "Installed").await;
    }
    // Both compact forms went over ESipa for both downloads when asked for, none otherwise.
    let (auth, prepare) = *ipa.link().compact_sent.lock().unwrap();
    let want = if compact { 2 } else { 0 };
    assert_eq!((auth, prepare), (want, want));
    eim.stop().await;
    smdp.stop().await;
}

/// Every string (and object key) in `v`.
fn texts(v: &Value) -> Vec<&str> {
    match v {
        Value::String(s) => vec![s.as_str()],
        Value::Array(a) => a.iter().flat_map(texts).collect(),
        Value::Object(o) => o
            .iter()
            .flat_map(|(k, v)| std::iter::once(k.as_str()).chain(texts(v)))
            .collect(),
        _ => Vec::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn indirect_download_nist_sqlite() {
    let dir = TempDir::new();
    scenario(eim_sqlite(&dir.0).await, Curve::NistP256, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn indirect_download_brainpool_sqlite() {
    let dir = TempDir::new();
    scenario(eim_sqlite(&dir.0).await, Curve::BrainpoolP256r1, false).await;
}

/// The compact ESipa forms (`minimizeEsipaBytes`): the eIM makes them whole for the SM-DP+.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn indirect_download_compact_nist_and_brainpool() {
    for curve in Curve::ALL {
        let dir = TempDir::new();
        scenario(eim_sqlite(&dir.0).await, curve, true).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn indirect_download_nist_postgres() {
    let Some(pg) = PgDb::create().await else {
        return;
    };
    scenario(pg.store(key()).await, Curve::NistP256, false).await;
}

/// An ESipa link noting the compact forms it carried.
struct SpyLink {
    inner: EsipaClient,
    compact_sent: std::sync::Mutex<(u32, u32)>,
}

impl EimLink for SpyLink {
    async fn exchange(
        &self,
        message: &EsipaMessageFromIpaToEim,
    ) -> Result<Option<EsipaMessageFromEimToIpa>, LpaError> {
        use rsp_codec::asn1::sgp32::Sgp32PrepareDownloadResponse;
        {
            let mut seen = self.compact_sent.lock().unwrap();
            match message {
                EsipaMessageFromIpaToEim::AuthenticateClientRequestEsipa(r)
                    if matches!(
                        r.authenticate_server_response,
                        Sgp32AuthenticateServerResponse::CompactAuthenticateResponseOk(_)
                    ) =>
                {
                    seen.0 += 1
                }
                EsipaMessageFromIpaToEim::GetBoundProfilePackageRequestEsipa(r)
                    if matches!(
                        r.prepare_download_response,
                        Sgp32PrepareDownloadResponse::CompactDownloadResponseOk(_)
                    ) =>
                {
                    seen.1 += 1
                }
                _ => {}
            }
        }
        self.inner.exchange(message).await
    }
}

/// What a tampering relay changes.
#[derive(Clone, Copy)]
enum Tamper {
    /// The last byte of the SM-DP+'s serverSigned1 in InitiateAuthentication's answer.
    ServerSigned1,
    /// The last byte of the eUICC's euiccSigned1 in AuthenticateClient's request.
    EuiccSigned1,
}

/// An ESipa link that changes one signed object on its way (as a rogue eIM would).
struct TamperingLink {
    inner: EsipaClient,
    tamper: Tamper,
}

/// `message` with the last byte of its sub-encoding `signed` flipped.
fn flipped<T: rasn::Encode + rasn::Decode>(message: &T, signed: &[u8]) -> T {
    let mut der = rsp_codec::asn1::encode(message).unwrap();
    let at = der
        .windows(signed.len())
        .position(|w| w == signed)
        .expect("signed object inside the message");
    der[at + signed.len() - 1] ^= 0x01;
    rsp_codec::asn1::decode(&der).unwrap()
}

impl EimLink for TamperingLink {
    async fn exchange(
        &self,
        message: &EsipaMessageFromIpaToEim,
    ) -> Result<Option<EsipaMessageFromEimToIpa>, LpaError> {
        let mut message = message.clone();
        if let (Tamper::EuiccSigned1, EsipaMessageFromIpaToEim::AuthenticateClientRequestEsipa(r)) =
            (self.tamper, &message)
            && let Sgp32AuthenticateServerResponse::AuthenticateResponseOk(ok) =
                &r.authenticate_server_response
        {
            let signed = ok.euicc_signed1.raw().to_vec();
            message = flipped(&message, &signed);
        }
        let answer = self.inner.exchange(&message).await?;
        if let (
            Tamper::ServerSigned1,
            Some(EsipaMessageFromEimToIpa::InitiateAuthenticationResponseEsipa(
                InitiateAuthenticationResponseEsipa::InitiateAuthenticationOkEsipa(ok),
            )),
        ) = (self.tamper, &answer)
        {
            let signed = ok.server_signed1.raw().to_vec();
            return Ok(answer.as_ref().map(|a| flipped(a, &signed)));
        }
        Ok(answer)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampered_relay_is_refused() {
    let dir = TempDir::new();
    let tls = write_pki(&dir.0, "tls", Curve::NistP256);
    let pki = write_pki(&dir.0, "nist", Curve::NistP256);
    let smdp = Server::start(&dir.0, &tls, &pki).await;
    let eim = EimServer::start(eim_sqlite(&dir.0).await, &tls, &pki, Curve::NistP256).await;
    let (card, eid) = iot_euicc(&pki, &eim.address, true);
    eim.rest
        .register(&eid, &pki, eim_curve(Curve::NistP256))
        .await;
    let mut channel = Some(ApduChannel::open(card).unwrap());
    for (iccid, tamper) in [
        ("8900000000000000839", Tamper::ServerSigned1),
        ("8900000000000000847", Tamper::EuiccSigned1),
    ] {
        let ac = smdp.order(iccid, None).await;
        let id = eim
            .rest
            .queue(
                &eid,
                json!({"type": "download", "activationCode": ac.trim_start_matches("LPA:")}),
            )
            .await;
        let link = TamperingLink {
            inner: EsipaClient::new(eim.http.clone(), &eim.address),
            tamper,
        };
        let es9 = Es9PlusClient::from_ca_files(&[tls.join("ci.pem")]).unwrap();
        let mut ipa = Ipa::new(channel.take().unwrap(), link, es9).unwrap();
        let report = ipa.poll().await.unwrap();
        let outcome = download_outcome(&report);
        let error = outcome.error.clone().unwrap_or_default();
        assert!(outcome.iccid.is_none(), "{outcome:?}");
        match tamper {
            // ES10b.AuthenticateServer: invalidSignature (SGP.22 §5.7.13).
            Tamper::ServerSigned1 => assert!(error.contains("invalidSignature"), "{error}"),
            // ES9+.AuthenticateClient relayed: euiccSignatureInvalid(5) (§5.14.2).
            Tamper::EuiccSigned1 => assert!(
                error.contains("AuthenticateClient") && error.contains('5'),
                "{error}"
            ),
        }
        // The eIM learnt the failure from the IPA's ProfileDownloadTriggerResult; the
        // Profile was not downloaded.
        let order = eim.rest.operation(id).await;
        assert_eq!(order["status"], "failed", "{order}");
        assert_eq!(smdp.state(iccid).await, "Released");
        channel = Some(ipa.into_channel());
    }
    eim.stop().await;
    smdp.stop().await;
}

/// Profile discovery through the eIM (SGP.32 §5.14.1–2 with ES11): an order naming an SM-DS
/// (`smdsAddress`); the IPA authenticates the SM-DS through the eIM, the eIM turns the
/// SM-DS's event into a ProfileDownloadTriggerRequest (`authenticateClientOkDSEsipa`), the
/// IPA downloads it, relayed too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_at_an_smds_through_the_eim() {
    use common::smds::{Smds, client, store_in};
    use rsp_http::smds_client::Caller;
    let dir = TempDir::new();
    let nist = write_pki(&dir.0, "nist", Curve::NistP256);
    let smdp = Server::start(&dir.0, &nist, &nist).await;
    let smds = Smds::start(store_in(&dir.0, "smds").await, &nist, &nist, None).await;
    let eim = EimServer::start(eim_sqlite(&dir.0).await, &nist, &nist, Curve::NistP256).await;
    let (card, eid) = iot_euicc(&nist, &eim.address, true);
    eim.rest
        .register(&eid, &nist, eim_curve(Curve::NistP256))
        .await;

    // The SM-DP+ holds a released order; its event (EventID = MatchingID) is at the SM-DS.
    let iccid = "8900000000000000813";
    let ac = smdp.order(iccid, None).await;
    let matching_id = ac.rsplit('$').next().unwrap().to_owned();
    client(&nist, "dp-tls", Caller::Smdp, &smdp.address)
        .register_event(
            &smds.address,
            &rsp_codec::json::Eid::parse(&eid).unwrap(),
            &matching_id,
            false,
        )
        .await
        .unwrap();

    let es9 = Es9PlusClient::from_ca_files(&[nist.join("ci.pem")]).unwrap();
    let esipa = EsipaClient::new(eim.http.clone(), &eim.address);
    let mut ipa = Ipa::new(ApduChannel::open(card).unwrap(), esipa, es9).unwrap();
    let id = eim
        .rest
        .queue(
            &eid,
            json!({"type": "download", "smdsAddress": smds.address}),
        )
        .await;
    let report = ipa.poll().await.unwrap();
    let outcome = download_outcome(&report);
    assert!(outcome.indirect, "{outcome:?}");
    assert_eq!(outcome.iccid.as_deref(), Some(iccid), "{outcome:?}");
    assert_eq!(
        outcome.activation_code,
        format!("1${}${matching_id}", smdp.address)
    );
    assert_eq!(eim.rest.operation(id).await["status"], "done");
    wait_state(&smdp, iccid, "Installed").await;
    eim.stop().await;
    smds.stop().await;
    smdp.stop().await;
}
