//! Fixtures of the eIM tests: the test eUICC's signed results, an installation result and
//! a notification, a webhook receiver, an SM-DP+ stand-in for forwarded notifications, and
//! a REST helper.
// The test files re-use these imports through `use common::eim::*`; the other test binaries
// that include `common` do not.
#![allow(clippy::unwrap_used, unused_imports)]

use super::{Pki, serve};
pub use base64::Engine as _;
pub use rasn::types::{Integer, OctetString};
pub use rsp_codec::asn1::sgp32::{
    EimPackageError, EimPackageResult, EnableProfileResult, EuiccPackageRequest,
    EuiccPackageResult, EuiccPackageResultDataSigned, EuiccPackageResultSigned, EuiccResultData,
    GetEimPackageResponse, ProvideEimPackageResult, ProvideEimPackageResultError,
    ProvideEimPackageResultResponse, eim_signed_data, euicc_signed_data,
};
pub use rsp_codec::asn1::sgp32::{
    HandleNotificationEsipa, IpaEuiccData, IpaEuiccDataResponse, ProfileDownloadData,
    ProfileDownloadTriggerResult, ProfileDownloadTriggerResultData, Sgp32PendingNotification,
};
pub use rsp_codec::asn1::{
    EuiccSignPIR, FinalResult, ProfileInstallationResult, ProfileInstallationResultData,
    SuccessResult,
};
pub use rsp_codec::asn1::{
    NotificationEvent, NotificationMetadata, Octet16, OpenChoice, OtherSignedNotification, Raw,
};
pub use rsp_crypto::{Signer, SoftwareKey};
pub use rsp_eim::{Eim, EimCurve, EimKeys, EimStore, Tenant, token_hash};
pub use rsp_http::eim_outbox::{EimSender, run_eim_outbox};
pub use rsp_lpa::esipa::EsipaClient;
pub use rsp_pki::{Cert, DEFAULT_EID, TrustStore};
pub use rsp_storage::SqlStore;
pub use serde_json::{Value, json};
pub use tokio::sync::mpsc;

pub const ICCID: &str = "8944000000000000012";

pub fn eid_bytes() -> [u8; 16] {
    hex::decode(DEFAULT_EID).unwrap().try_into().unwrap()
}

/// A plain-HTTP webhook receiver on 127.0.0.1:0; every body lands in the channel.
pub async fn webhook_listener() -> (String, mpsc::UnboundedReceiver<Value>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |body: axum::body::Bytes| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null));
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/hook"), rx)
}

pub fn read(pki: &Pki, name: &str) -> String {
    std::fs::read_to_string(pki.path(name)).unwrap()
}

/// The eUICC's signed result for `request` (SGP.32 §2.11.2.1), signed by `key`.
pub fn signed_result(
    request: &EuiccPackageRequest,
    seq: i64,
    results: Vec<EuiccResultData>,
    key: &dyn Signer,
) -> ProvideEimPackageResult {
    let signed = request.euicc_package_signed.value();
    let data = Raw::new(EuiccPackageResultDataSigned {
        eim_id: signed.eim_id.clone(),
        counter_value: signed.counter_value.clone(),
        eim_transaction_id: signed.eim_transaction_id.clone(),
        seq_number: Integer::from(seq),
        euicc_result: results.into_iter().map(OpenChoice::from).collect(),
        ext: Default::default(),
    })
    .unwrap();
    let sig = key
        .sign_raw(&euicc_signed_data(data.raw(), &request.eim_signature))
        .unwrap();
    ProvideEimPackageResult {
        eid_value: Some(Octet16::new(eid_bytes())),
        eim_package_result: EimPackageResult::EuiccPackageResult(
            EuiccPackageResult::EuiccPackageResultSigned(EuiccPackageResultSigned {
                euicc_package_result_data_signed: data,
                euicc_sign_epr: OctetString::from(sig.to_vec()),
                ext: Default::default(),
            }),
        ),
        ext: Default::default(),
    }
}

/// An SM-DP+ stand-in over HTTPS (DPtls, `localhost`) taking ES9+.HandleNotification.
pub async fn fake_smdp(pki: &Pki) -> (std::net::SocketAddr, mpsc::UnboundedReceiver<Value>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let app = axum::Router::new().route(
        "/gsma/rsp2/es9plus/handleNotification",
        axum::routing::post(move |body: axum::body::Bytes| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null));
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let tls = rsp_http::tls::server_config(&pki.tls_files()).unwrap();
    let (addr, stop, _task) = serve(tls, app).await;
    std::mem::forget(stop);
    (addr, rx)
}

/// An `OtherSignedNotification` (enable) of the test eUICC naming `address`.
pub fn other_signed_notification(pki: &Pki, address: &str) -> Sgp32PendingNotification {
    let cert = |name: &str| {
        let der = Cert::from_pem(&read(pki, name)).unwrap().der().to_vec();
        rasn::der::decode::<rsp_codec::asn1::Certificate>(&der).unwrap()
    };
    let tbs = Raw::new(NotificationMetadata {
        seq_number: Integer::from(3),
        profile_management_operation: NotificationEvent::from_bits(&[
            NotificationEvent::NOTIFICATION_ENABLE,
        ]),
        notification_address: address.into(),
        iccid: None,
        ext: Default::default(),
    })
    .unwrap();
    let key = SoftwareKey::from_pem(&read(pki, "euicc.key.pem")).unwrap();
    let sig = key.sign_raw(tbs.raw()).unwrap();
    Sgp32PendingNotification::OtherSignedNotification(Box::new(OtherSignedNotification {
        tbs_other_notification: tbs,
        euicc_notification_signature: OctetString::from(sig.to_vec()),
        euicc_certificate: cert("euicc.pem"),
        eum_certificate: cert("eum.pem"),
        ext: Default::default(),
    }))
}

pub const INSTALLED: &str = "8944000000000000020";

/// A successful `ProfileInstallationResult` for [`INSTALLED`], signed by `key`.
pub fn installation_result(key: &dyn Signer) -> ProfileInstallationResult {
    let data = Raw::new(ProfileInstallationResultData {
        transaction_id: rsp_codec::asn1::TransactionId(OctetString::from(vec![1; 16])),
        notification_metadata: NotificationMetadata {
            seq_number: Integer::from(9),
            profile_management_operation: NotificationEvent::from_bits(&[
                NotificationEvent::NOTIFICATION_INSTALL,
            ]),
            notification_address: "smdp.example.com".into(),
            iccid: Some(rsp_eim::package::iccid_octets(INSTALLED).unwrap()),
            ext: Default::default(),
        },
        smdp_oid: rsp_codec::asn1::oid_from_text("2.999.10").unwrap(),
        final_result: FinalResult::SuccessResult(SuccessResult {
            aid: OctetString::from(vec![0xA0, 0, 0, 5, 0x59, 0x10, 0x10, 1]),
            sima_response: OctetString::from(vec![0x30, 0x00]),
            ext: Default::default(),
        }),
        ext: Default::default(),
    })
    .unwrap();
    let sig = key.sign_raw(data.raw()).unwrap();
    ProfileInstallationResult {
        profile_installation_result_data: data,
        euicc_sign_pir: EuiccSignPIR(OctetString::from(sig.to_vec())),
        ext: Default::default(),
    }
}

pub async fn rest(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = http.request(method, url).bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}
