//! The eIM over real HTTPS (SGP.32 v1.2 ESipa ASN.1 binding and the northbound REST API),
//! on SQLite and PostgreSQL, NIST and brainpool associations: an eUICC registered by REST,
//! an enable PSMO queued, GetEimPackage answering a package whose eimSignature verifies with
//! the eIM certificate's key and whose counter increments, a result signed by the test eUICC
//! key accepted (state changed, webhook delivered to a local listener), a result with a
//! wrong signature refused, nothing pending answered noEimPackageAvailable, another tenant
//! kept out, a cancelled operation, an IPA data request, a download trigger and its signed
//! installation result, a notification forwarded to the SM-DP+ it names, bounded
//! deliveries.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::eim::*;
use common::{Pki, postgres_store, serve, sqlite_store};

/// `curve`: the eIM key, the eUICC and the CI (TLS stays on a NIST PKI: rustls has no
/// brainpool).
async fn scenario(store: SqlStore, curve: EimCurve) {
    let tls_pki = Pki::generate();
    // The brainpool association also has an association token, signed with each package.
    let token = (curve == EimCurve::Brainpool).then_some(5i64);
    let pki = match curve {
        EimCurve::Nist => Pki::generate(),
        EimCurve::Brainpool => Pki::generate_on(rsp_crypto::Curve::BrainpoolP256r1),
    };
    let (hook_url, mut hooks) = webhook_listener().await;
    for (id, token, hook) in [
        ("acme", "token-a", Some(hook_url)),
        ("other", "token-b", None),
    ] {
        store
            .upsert_tenant(&Tenant {
                id: id.into(),
                token_sha256: token_hash(token),
                webhook_url: hook,
            })
            .await
            .unwrap();
    }
    let eim_key = SoftwareKey::from_pem(&read(&pki, "eim.key.pem")).unwrap();
    let keys = EimKeys::new("eim.test").with(curve, Arc::new(eim_key));
    let trust = TrustStore::with_cis([Cert::from_pem(&read(&pki, "ci.pem")).unwrap()]);
    let eim = Arc::new(Eim::new(store.clone(), keys, trust).with_lease(Duration::from_secs(2)));
    let tls = rsp_http::tls::server_config(&tls_pki.tls_files()).unwrap();
    let http = tls_pki.client(None);
    let (addr, stop, task) = serve(tls, rsp_http::app::eim_router(eim, http.clone())).await;
    let (stop_outbox, outbox_stopped) = tokio::sync::oneshot::channel::<()>();
    let outbox = tokio::spawn(run_eim_outbox(
        store.clone(),
        EimSender {
            webhook: reqwest::Client::new(),
            es9: http.clone(),
        },
        Duration::from_millis(50),
        async {
            let _ = outbox_stopped.await;
        },
    ));
    let base = format!("https://localhost:{}", addr.port());
    let esipa = EsipaClient::new(http.clone(), &format!("localhost:{}", addr.port()));

    // Unknown eUICC, then registered with its certificate chain.
    assert_eq!(
        esipa.get_eim_package(eid_bytes()).await.unwrap(),
        GetEimPackageResponse::EimPackageError(EimPackageError::EID_NOT_FOUND)
    );
    let registration = json!({
        "eid": DEFAULT_EID,
        "euiccCertificate": read(&pki, "euicc.pem"),
        "eumCertificate": read(&pki, "eum.pem"),
        "curve": curve,
        "associationToken": token,
    });
    let post = reqwest::Method::POST;
    let get = reqwest::Method::GET;
    let (s, _) = rest(
        &http,
        post.clone(),
        format!("{base}/eim/v1/euiccs"),
        "token-a",
        Some(registration.clone()),
    )
    .await;
    assert_eq!(s, 201);
    let (s, _) = rest(
        &http,
        post.clone(),
        format!("{base}/eim/v1/euiccs"),
        "token-a",
        Some(registration),
    )
    .await;
    assert_eq!(s, 409);
    let (s, _) = rest(
        &http,
        get.clone(),
        format!("{base}/eim/v1/euiccs"),
        "nope",
        None,
    )
    .await;
    assert_eq!(s, 401);
    assert_eq!(
        esipa.get_eim_package(eid_bytes()).await.unwrap(),
        GetEimPackageResponse::EimPackageError(EimPackageError::NO_EIM_PACKAGE_AVAILABLE)
    );

    // Tenancy: the other tenant sees nothing and queues nothing.
    let eid_url = format!("{base}/eim/v1/euiccs/{DEFAULT_EID}");
    let (s, _) = rest(&http, get.clone(), eid_url.clone(), "token-b", None).await;
    assert_eq!(s, 404);
    let enable = json!({"type": "psmo", "psmos": [{"op": "enable", "iccid": ICCID}]});
    let (s, _) = rest(
        &http,
        post.clone(),
        format!("{eid_url}/operations"),
        "token-b",
        Some(enable.clone()),
    )
    .await;
    assert_eq!(s, 404);
    let (s, body) = rest(
        &http,
        get.clone(),
        format!("{base}/eim/v1/euiccs"),
        "token-b",
        None,
    )
    .await;
    assert_eq!((s, body["euiccs"].as_array().unwrap().len()), (200, 0));

    // An enable PSMO: a package signed by the eIM key, counter 1.
    let (s, op) = rest(
        &http,
        post.clone(),
        format!("{eid_url}/operations"),
        "token-a",
        Some(enable),
    )
    .await;
    assert_eq!(s, 202, "{op}");
    let op_id = op["id"].as_i64().unwrap();
    let GetEimPackageResponse::EuiccPackageRequest(request) =
        esipa.get_eim_package(eid_bytes()).await.unwrap()
    else {
        panic!("expected an eUICC package");
    };
    let eim_cert = Cert::from_pem(&read(&pki, "eim.pem")).unwrap();
    eim_cert
        .public_key()
        .verify_raw(
            &eim_signed_data(
                request.euicc_package_signed.raw(),
                token.map(Integer::from).as_ref(),
            ),
            &request.eim_signature,
        )
        .expect("eimSignature verifies with the eIM certificate");
    let signed = request.euicc_package_signed.value();
    assert_eq!(signed.counter_value, Integer::from(1));
    assert_eq!(signed.eim_id, "eim.test");
    assert_eq!(signed.eid_value.as_bytes(), &eid_bytes());
    // Leased: not handed out twice.
    assert_eq!(
        esipa.get_eim_package(eid_bytes()).await.unwrap(),
        GetEimPackageResponse::EimPackageError(EimPackageError::NO_EIM_PACKAGE_AVAILABLE)
    );

    // A result signed by another key is refused and changes nothing.
    let ok = vec![EuiccResultData::EnableResult(EnableProfileResult::OK)];
    let impostor = SoftwareKey::generate(curve.curve()).unwrap();
    let refused = esipa
        .provide_eim_package_result(signed_result(&request, 1, ok.clone(), &impostor))
        .await
        .unwrap();
    assert_eq!(
        refused,
        ProvideEimPackageResultResponse::ProvideEimPackageResultError(
            ProvideEimPackageResultError::UNDEFINED_ERROR
        )
    );
    let (_, view) = rest(&http, get.clone(), eid_url.clone(), "token-a", None).await;
    assert!(view["state"]["enabledIccid"].is_null(), "{view}");

    // The eUICC's own signature: accepted and acknowledged, state changed.
    let euicc_key = SoftwareKey::from_pem(&read(&pki, "euicc.key.pem")).unwrap();
    let ack = esipa
        .provide_eim_package_result(signed_result(&request, 7, ok.clone(), &euicc_key))
        .await
        .unwrap();
    let ProvideEimPackageResultResponse::EimAcknowledgements(acks) = ack else {
        panic!("expected acknowledgements, got {ack:?}");
    };
    assert_eq!(acks.0.len(), 1);
    assert_eq!(acks.0[0].0, Integer::from(7));
    let (_, view) = rest(&http, get.clone(), eid_url.clone(), "token-a", None).await;
    assert_eq!(view["state"]["enabledIccid"], ICCID, "{view}");
    let (_, op) = rest(
        &http,
        get.clone(),
        format!("{base}/eim/v1/operations/{op_id}"),
        "token-a",
        None,
    )
    .await;
    assert_eq!(op["status"], "done");
    assert_eq!(op["result"]["results"][0]["enableResult"], 0);
    let (s, _) = rest(
        &http,
        get.clone(),
        format!("{base}/eim/v1/operations/{op_id}"),
        "token-b",
        None,
    )
    .await;
    assert_eq!(s, 404);
    // The same result again finds nothing delivered.
    let again = esipa
        .provide_eim_package_result(signed_result(&request, 7, ok, &euicc_key))
        .await
        .unwrap();
    assert!(matches!(
        again,
        ProvideEimPackageResultResponse::ProvideEimPackageResultError(_)
    ));

    // The webhook got the result.
    let hook = tokio::time::timeout(Duration::from_secs(10), hooks.recv())
        .await
        .expect("webhook delivered")
        .unwrap();
    assert_eq!(hook["operationId"], op_id);
    assert_eq!(hook["eid"], DEFAULT_EID);
    assert_eq!(hook["status"], "done");

    // The next package takes the next counter; a download trigger follows it.
    let disable = json!({"type": "psmo", "psmos": [{"op": "disable", "iccid": ICCID}]});
    rest(
        &http,
        post.clone(),
        format!("{eid_url}/operations"),
        "token-a",
        Some(disable),
    )
    .await;
    let GetEimPackageResponse::EuiccPackageRequest(second) =
        esipa.get_eim_package(eid_bytes()).await.unwrap()
    else {
        panic!("expected an eUICC package");
    };
    assert_eq!(
        second.euicc_package_signed.value().counter_value,
        Integer::from(2)
    );
    // After the lease the same bytes come again (same counter).
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let GetEimPackageResponse::EuiccPackageRequest(redelivered) =
        esipa.get_eim_package(eid_bytes()).await.unwrap()
    else {
        panic!("expected the package again");
    };
    assert_eq!(redelivered, second);
    // The tenant cancels it: the queue moves on; its late result is refused.
    let ops_url = format!("{eid_url}/operations");
    let (_, list) = rest(&http, get.clone(), ops_url, "token-a", None).await;
    let second_id = list["operations"][0]["id"].as_i64().unwrap();
    let op_url = format!("{base}/eim/v1/operations/{second_id}");
    let delete = reqwest::Method::DELETE;
    let (s, _) = rest(&http, delete.clone(), op_url.clone(), "token-b", None).await;
    assert_eq!(s, 404);
    let (s, cancelled) = rest(&http, delete.clone(), op_url.clone(), "token-a", None).await;
    assert_eq!(
        (s, &cancelled["status"]),
        (200, &json!("failed")),
        "{cancelled}"
    );
    let (s, _) = rest(&http, delete, op_url, "token-a", None).await;
    assert_eq!(s, 409);
    assert_eq!(
        esipa.get_eim_package(eid_bytes()).await.unwrap(),
        GetEimPackageResponse::EimPackageError(EimPackageError::NO_EIM_PACKAGE_AVAILABLE)
    );
    let late = vec![EuiccResultData::DisableResult(
        rsp_codec::asn1::sgp32::DisableProfileResult::OK,
    )];
    assert!(matches!(
        esipa
            .provide_eim_package_result(signed_result(&second, 8, late, &euicc_key))
            .await
            .unwrap(),
        ProvideEimPackageResultResponse::ProvideEimPackageResultError(_)
    ));
    // An IPA data request, answered with the eUICC's data (certificates included).
    let ask = json!({"type": "ipaEuiccData"});
    let (s, op) = rest(
        &http,
        post.clone(),
        format!("{eid_url}/operations"),
        "token-a",
        Some(ask),
    )
    .await;
    assert_eq!(s, 202);
    let GetEimPackageResponse::IpaEuiccDataRequest(data_req) =
        esipa.get_eim_package(eid_bytes()).await.unwrap()
    else {
        panic!("expected an IPA data request");
    };
    let cert = |name: &str| {
        let der = Cert::from_pem(&read(&pki, name)).unwrap().der().to_vec();
        rasn::der::decode::<rsp_codec::asn1::Certificate>(&der).unwrap()
    };
    let data = IpaEuiccData {
        default_smdp_address: Some("smdp.example.com".into()),
        euicc_certificate: Some(cert("euicc.pem")),
        eum_certificate: Some(cert("eum.pem")),
        eim_transaction_id: data_req.eim_transaction_id.clone(),
        ..Default::default()
    };
    let answer = esipa
        .provide_eim_package_result(ProvideEimPackageResult {
            eid_value: Some(Octet16::new(eid_bytes())),
            eim_package_result: EimPackageResult::IpaEuiccDataResponse(
                IpaEuiccDataResponse::IpaEuiccData(Box::new(data)),
            ),
            ext: Default::default(),
        })
        .await
        .unwrap();
    assert!(matches!(
        answer,
        ProvideEimPackageResultResponse::EmptyResponse(_)
    ));
    let data_op = format!("{base}/eim/v1/operations/{}", op["id"]);
    let (_, op) = rest(&http, get.clone(), data_op, "token-a", None).await;
    assert_eq!(op["status"], "done", "{op}");
    assert_eq!(op["result"]["defaultSmdpAddress"], "smdp.example.com");

    // A download trigger; the installation result signed by the eUICC adds the Profile.
    let dl = json!({"type": "download", "smdpAddress": "smdp.example.com", "matchingId": "MID-1"});
    let (s, op) = rest(
        &http,
        post.clone(),
        format!("{eid_url}/operations"),
        "token-a",
        Some(dl),
    )
    .await;
    assert_eq!(s, 202);
    let GetEimPackageResponse::ProfileDownloadTriggerRequest(trigger) =
        esipa.get_eim_package(eid_bytes()).await.unwrap()
    else {
        panic!("expected a download trigger");
    };
    assert_eq!(
        trigger.profile_download_data,
        Some(ProfileDownloadData::ActivationCode(
            "1$smdp.example.com$MID-1".into()
        ))
    );
    let answer = esipa
        .provide_eim_package_result(ProvideEimPackageResult {
            eid_value: Some(Octet16::new(eid_bytes())),
            eim_package_result: EimPackageResult::ProfileDownloadTriggerResult(
                ProfileDownloadTriggerResult {
                    eim_transaction_id: trigger.eim_transaction_id.clone(),
                    profile_download_trigger_result_data:
                        ProfileDownloadTriggerResultData::ProfileInstallationResult(Box::new(
                            installation_result(&euicc_key),
                        )),
                    ext: Default::default(),
                },
            ),
            ext: Default::default(),
        })
        .await
        .unwrap();
    assert!(matches!(
        answer,
        ProvideEimPackageResultResponse::EmptyResponse(_)
    ));
    let (_, op) = rest(
        &http,
        get.clone(),
        format!("{base}/eim/v1/operations/{}", op["id"]),
        "token-a",
        None,
    )
    .await;
    assert_eq!(op["status"], "done", "{op}");
    assert_eq!(op["result"]["signatureVerified"], true, "{op}");
    let (_, view) = rest(&http, get.clone(), eid_url.clone(), "token-a", None).await;
    let profiles = view["state"]["profiles"].as_array().unwrap();
    assert!(profiles.iter().any(|p| p["iccid"] == INSTALLED), "{view}");

    let bad = json!({"type": "download", "activationCode": "LPA:1$x$y"});
    let (s, _) = rest(
        &http,
        post,
        format!("{eid_url}/operations"),
        "token-a",
        Some(bad),
    )
    .await;
    assert_eq!(s, 400);

    // A notification naming an SM-DP+ is forwarded to it with ES9+.HandleNotification.
    let (smdp, mut forwarded) = fake_smdp(&tls_pki).await;
    let notification = other_signed_notification(&pki, &format!("localhost:{}", smdp.port()));
    let sent_der = rasn::der::encode(&notification).unwrap();
    esipa
        .handle_notification(HandleNotificationEsipa::PendingNotification(notification))
        .await
        .unwrap();
    let got = tokio::time::timeout(Duration::from_secs(10), forwarded.recv())
        .await
        .expect("notification forwarded")
        .unwrap();
    let pending = base64::engine::general_purpose::STANDARD
        .decode(got["pendingNotification"].as_str().unwrap())
        .unwrap();
    assert_eq!(pending, sent_der);

    let _ = stop_outbox.send(());
    outbox.await.unwrap();
    let _ = stop.send(());
    task.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eim_over_https_sqlite() {
    let dir = common::TempDir::new();
    scenario(sqlite_store(&dir.0).await, EimCurve::Nist).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eim_over_https_brainpool_sqlite() {
    let dir = common::TempDir::new();
    scenario(sqlite_store(&dir.0).await, EimCurve::Brainpool).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eim_over_https_postgres() {
    let Some((store, _guard)) = postgres_store().await else {
        return;
    };
    scenario(store, EimCurve::Nist).await;
}

/// An operation handed out ten times without a result fails (`undelivered`), and the
/// queue moves on (the domain directly, no HTTPS needed).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_are_bounded_sqlite() {
    let dir = common::TempDir::new();
    let store = sqlite_store(&dir.0).await;
    let pki = Pki::generate();
    let key = SoftwareKey::from_pem(&read(&pki, "eim.key.pem")).unwrap();
    let eim = Eim::new(
        store.clone(),
        EimKeys::new("eim.test").with(EimCurve::Nist, Arc::new(key)),
        TrustStore::new(),
    )
    .with_lease(Duration::ZERO);
    let tenant = "acme";
    let reg: rsp_eim::RegisterEuicc = serde_json::from_value(json!({"eid": DEFAULT_EID})).unwrap();
    eim.register(tenant, &reg).await.unwrap();
    let kind =
        serde_json::from_value(json!({"type": "psmo", "psmos": [{"op": "getRat"}]})).unwrap();
    let op = eim.queue(tenant, DEFAULT_EID, kind).await.unwrap();
    let req = rsp_codec::asn1::sgp32::GetEimPackageRequest {
        eid_value: Octet16::new(eid_bytes()),
        notify_state_change: None,
        state_change_cause: None,
        r_plmn: None,
        ext: Default::default(),
    };
    for _ in 0..rsp_eim::esipa::MAX_DELIVERIES {
        assert!(matches!(
            eim.get_eim_package(&req).await.unwrap(),
            GetEimPackageResponse::EuiccPackageRequest(_)
        ));
    }
    assert_eq!(
        eim.get_eim_package(&req).await.unwrap(),
        GetEimPackageResponse::EimPackageError(EimPackageError::NO_EIM_PACKAGE_AVAILABLE)
    );
    let op = eim.operation(tenant, op.id).await.unwrap();
    assert_eq!(op.status, rsp_eim::OperationStatus::Failed);
    assert_eq!(op.result.unwrap()["type"], "undelivered");
}
