//! The OpenAPI 3.1 documents of the admin APIs (issue 24 point 7): `rsp serve smdpp` and
//! `rsp serve smds` serve theirs at `/openapi.json` (and `rsp serve eim` its REST API's, on its
//! HTTPS listener); `openapi-spec-validator` (PyPI; `.ci/run`
//! installs it in a venv named by RSP_OPENAPI_SPEC_VALIDATOR) validates it (skipped with a
//! printed line when absent, required with CI=true); and every operation of the document is
//! called on the running server with a valid request, which must answer the documented
//! success status (and 401 without the bearer token where the document says it is needed).
//! A documented operation without a request here, or a request for an undocumented one,
//! fails the test.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64::Engine;
use common::{Running, free_port, rsp, temp_dir, test_pki, wait_healthy};
use serde_json::{Value, json};

const TOKEN: &str = "openapi-test-token";

/// The validator from RSP_OPENAPI_SPEC_VALIDATOR or PATH; `None` (printed) when absent,
/// a failure when CI=true.
fn validator() -> Option<PathBuf> {
    let found = std::env::var_os("RSP_OPENAPI_SPEC_VALIDATOR")
        .map(PathBuf::from)
        .filter(|p| p.is_file())
        .or_else(|| {
            let path = std::env::var_os("PATH").unwrap_or_default();
            std::env::split_paths(&path)
                .map(|d| d.join("openapi-spec-validator"))
                .find(|p| p.is_file())
        });
    if found.is_none() {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true");
        assert!(
            !ci,
            "CI: openapi-spec-validator must be installed (pip install openapi-spec-validator)"
        );
        println!("skipped: openapi-spec-validator not installed");
    }
    found
}

/// Starts `rsp serve <role>` with the admin token set; the admin port.
fn start(role: &str, dir: &Path, pki: &Path) -> (Running, u16) {
    let (port, admin) = (free_port(), free_port());
    let env = format!("RSP_{}_ADMIN_TOKEN", role.to_uppercase());
    let child = rsp()
        .args(["serve", role, "--listen", &format!("127.0.0.1:{port}")])
        .args(["--admin-listen", &format!("127.0.0.1:{admin}")])
        .args(["--address", &format!("localhost:{port}")])
        .arg("--pki")
        .arg(pki)
        .arg("--database")
        .arg(format!(
            "sqlite://{}",
            dir.join(format!("{role}.db")).display()
        ))
        .args(if role == "smdpp" {
            vec![
                "--data-key-file".to_owned(),
                dir.join("data.key").display().to_string(),
            ]
        } else {
            vec![]
        })
        .env(env, TOKEN)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut running = Running(child);
    wait_healthy(admin, &mut running.0);
    (running, admin)
}

/// One request of the walk: method, path template, the concrete path, JSON body.
struct Call {
    method: &'static str,
    template: &'static str,
    path: String,
    body: Option<Value>,
    /// A `text/csv` body instead of JSON.
    csv: Option<String>,
}

fn call(method: &'static str, template: &'static str, path: &str, body: Option<Value>) -> Call {
    Call {
        method,
        template,
        path: path.to_owned(),
        body,
        csv: None,
    }
}

/// Fetches the document, validates it, then makes every call in order.
async fn walk(admin: u16, dir: &Path, calls: Vec<Call>) -> Value {
    walk_at(
        reqwest::Client::new(),
        format!("http://127.0.0.1:{admin}"),
        dir,
        calls,
    )
    .await
}

/// [`walk`] with a client and base URL (the eIM's REST API is on its HTTPS listener).
async fn walk_at(http: reqwest::Client, base: String, dir: &Path, calls: Vec<Call>) -> Value {
    let resp = http
        .get(format!("{base}/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let doc: Value = resp.json().await.unwrap();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1."),
        "{}",
        doc["openapi"]
    );
    let file = dir.join("openapi.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    if let Some(validator) = validator() {
        let out = Command::new(validator).arg(&file).output().unwrap();
        assert!(
            out.status.success(),
            "openapi-spec-validator: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["get", "put", "post", "delete", "patch", "head", "options"] {
            if item.get(method).is_some() {
                documented.insert((method.to_owned(), path.clone()));
            }
        }
    }
    let mut exercised = BTreeSet::new();
    for c in &calls {
        let key = (c.method.to_owned(), c.template.to_owned());
        assert!(
            documented.contains(&key),
            "{} {} is called but not documented",
            c.method,
            c.template
        );
        let op = &doc["paths"][c.template][c.method];
        let successes: Vec<(&String, &Value)> = op["responses"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(status, _)| status.starts_with('2'))
            .collect();
        assert_eq!(successes.len(), 1, "{} {}", c.method, c.template);
        let (status, response) = successes[0];
        let method = reqwest::Method::from_bytes(c.method.to_uppercase().as_bytes()).unwrap();
        let request = |token: bool| {
            let mut r = http.request(method.clone(), format!("{base}{}", c.path));
            if token {
                r = r.bearer_auth(TOKEN);
            }
            if let Some(body) = &c.body {
                r = r.json(body);
            }
            if let Some(csv) = &c.csv {
                r = r.header("content-type", "text/csv").body(csv.clone());
            }
            r
        };
        let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
        if secured {
            let refused = request(false).send().await.unwrap();
            assert_eq!(
                refused.status(),
                401,
                "{} {} without token",
                c.method,
                c.path
            );
        }
        let resp = request(secured).send().await.unwrap();
        let got = resp.status().as_u16().to_string();
        let content_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let text = resp.text().await.unwrap();
        assert_eq!(&got, status, "{} {}: {text}", c.method, c.path);
        // The answer has one of the documented media types; JSON ones parse.
        if let Some(content) = response["content"].as_object() {
            let media = content_type.split(';').next().unwrap_or("").trim();
            assert!(
                content.contains_key(media),
                "{} {}: {media} not among {:?}",
                c.method,
                c.path,
                content.keys().collect::<Vec<_>>()
            );
            if media == "application/json" {
                serde_json::from_str::<Value>(&text).unwrap();
            }
        }
        exercised.insert(key);
    }
    let missed: Vec<_> = documented.difference(&exercised).collect();
    assert!(
        missed.is_empty(),
        "documented but not exercised: {missed:?}"
    );
    doc
}

fn package(iccid: &str) -> String {
    let template = rsp_saip::template::generic().encode().unwrap();
    let mut p = rsp_saip::Personalisation::default();
    p.set("iccid", iccid).unwrap();
    base64::engine::general_purpose::STANDARD
        .encode(rsp_saip::patch::personalise_der(&template, &p).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smdpp_admin_document_is_valid_and_every_operation_answers() {
    let dir = temp_dir();
    let pki = test_pki(&dir);
    let (_server, admin) = start("smdpp", &dir, &pki);
    const ICCID: &str = "8949000000000000018";
    let order = format!("/admin/v1/orders/{ICCID}");
    let calls = vec![
        call("get", "/health", "/health", None),
        call(
            "post",
            "/admin/v1/profiles",
            "/admin/v1/profiles",
            Some(json!({"iccid": ICCID, "operator": "op", "profileType": "t",
                "profilePackage": package(ICCID), "profileName": "OpenAPI"})),
        ),
        call(
            "get",
            "/admin/v1/profiles",
            "/admin/v1/profiles?state=Available&limit=10",
            None,
        ),
        call(
            "get",
            "/admin/v1/profiles/{iccid}",
            &format!("/admin/v1/profiles/{ICCID}"),
            None,
        ),
        call(
            "post",
            "/admin/v1/batches",
            "/admin/v1/batches",
            Some(json!({"operator": "op", "profileType": "t",
                "data": "iccid\n8949000000000000026\n8949000000000000034\n"})),
        ),
        call(
            "post",
            "/admin/v1/orders/{iccid}/import",
            &format!("{order}/import"),
            Some(json!({"matchingId": "OPENAPI-0001", "released": true})),
        ),
        call(
            "get",
            "/admin/v1/orders/{iccid}/controls",
            &format!("{order}/controls"),
            None,
        ),
        call(
            "put",
            "/admin/v1/orders/{iccid}/controls",
            &format!("{order}/controls"),
            Some(json!({"maxDownloadAttempts": 3, "expiresAt": null})),
        ),
        call(
            "get",
            "/admin/v1/orders/{iccid}/activation-code",
            &format!("{order}/activation-code?format=svg"),
            None,
        ),
        call(
            "get",
            "/admin/v1/smds-events/pending",
            "/admin/v1/smds-events/pending",
            None,
        ),
        call("get", "/metrics", "/metrics", None),
        call("get", "/openapi.json", "/openapi.json", None),
    ];
    let doc = walk(admin, &dir, calls).await;
    assert_eq!(doc["info"]["title"], "SM-DP+ admin API");
    assert!(doc["components"]["securitySchemes"]["adminToken"].is_object());
    assert!(doc["components"]["schemas"]["ControlsView"].is_object());
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smds_admin_document_is_valid_and_every_operation_answers() {
    let dir = temp_dir();
    let pki = test_pki(&dir);
    let (_server, admin) = start("smds", &dir, &pki);
    let calls = vec![
        call("get", "/health", "/health", None),
        call(
            "get",
            "/admin/v1/events",
            "/admin/v1/events?eid=89049032000000000000000000000163&limit=10",
            None,
        ),
        call(
            "get",
            "/admin/v1/events/counts",
            "/admin/v1/events/counts",
            None,
        ),
        call("get", "/metrics", "/metrics", None),
        call("get", "/openapi.json", "/openapi.json", None),
    ];
    let doc = walk(admin, &dir, calls).await;
    assert_eq!(doc["info"]["title"], "SM-DS admin API");
    assert!(doc["components"]["schemas"]["EventView"].is_object());
    let _ = std::fs::remove_dir_all(&dir);
}

/// The eIM's REST API document, served on its HTTPS listener beside the API (the tenants'
/// bearer token, `tenantToken`), and every operation called there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eim_rest_api_document_is_valid_and_every_operation_answers() {
    use sha2::Digest as _;
    let dir = temp_dir();
    let pki = test_pki(&dir);
    let (port, admin) = (free_port(), free_port());
    let hash = hex::encode(sha2::Sha256::digest(TOKEN.as_bytes()));
    let child = rsp()
        .args(["serve", "eim", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--admin-listen", &format!("127.0.0.1:{admin}")])
        .arg("--pki")
        .arg(&pki)
        .args(["--tenant", &format!("acme={hash}")])
        .arg("--database")
        .arg(format!("sqlite://{}", dir.join("eim.db").display()))
        .env_remove("RSP_EIM_ADMIN_TOKEN")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut running = Running(child);
    wait_healthy(admin, &mut running.0);
    let ca = std::fs::read(pki.join("nist/ci.pem")).unwrap();
    let http = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&ca).unwrap())
        .build()
        .unwrap();
    const EID: &str = "89049032123451234512345678901235";
    let euicc = format!("/eim/v1/euiccs/{EID}");
    let ops = format!("{euicc}/operations");
    let calls = vec![
        call("get", "/openapi.json", "/openapi.json", None),
        call(
            "post",
            "/eim/v1/euiccs",
            "/eim/v1/euiccs",
            Some(json!({"eid": EID})),
        ),
        Call {
            csv: Some("eid,curve\n89049032000000000000000000000163,nist\n".into()),
            ..call("post", "/eim/v1/euiccs:bulk", "/eim/v1/euiccs:bulk", None)
        },
        call(
            "post",
            "/eim/v1/operations:bulk",
            "/eim/v1/operations:bulk",
            Some(json!({"operation": {"type": "ipaEuiccData"}, "eids": [EID]})),
        ),
        call("get", "/eim/v1/euiccs", "/eim/v1/euiccs?limit=10", None),
        call("get", "/eim/v1/euiccs/{eid}", &euicc, None),
        call(
            "post",
            "/eim/v1/euiccs/{eid}/operations",
            &ops,
            Some(json!({"type": "download",
                "activationCode": "1$smdp.example.com$MATCHING-ID"})),
        ),
        call(
            "get",
            "/eim/v1/euiccs/{eid}/operations",
            &format!("{ops}?limit=10"),
            None,
        ),
        call(
            "get",
            "/eim/v1/operations/{id}",
            "/eim/v1/operations/1",
            None,
        ),
        call(
            "delete",
            "/eim/v1/operations/{id}",
            "/eim/v1/operations/1",
            None,
        ),
    ];
    let doc = walk_at(http, format!("https://localhost:{port}"), &dir, calls).await;
    assert!(doc["components"]["securitySchemes"]["tenantToken"].is_object());
}
