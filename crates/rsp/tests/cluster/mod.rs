//! Several `rsp serve smdpp` replicas on one PostgreSQL database behind real nginx (the
//! shipped template deploy/nginx/rsp-smdpp.conf.template, TLS passthrough), for the nginx
//! test and the fault campaign: the test PKI, the replicas (started, `kill -9`ed,
//! restarted), nginx in the foreground, ES2+ orders through nginx, Prometheus counters.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod load;
pub mod pgcluster;
pub mod receiver;

use std::fs::File;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rsp_crypto::Curve;
use rsp_http::es2plus_client::ClientTls;
use rsp_http::es2plus_operator::Es2PlusOperatorClient;
use rsp_pki::{TestPki, TestPkiOptions};

/// The Operator of the test PKI's ES2+ client certificate (CN of `mno.pem`).
pub const OPERATOR: &str = "Test Operator";

pub fn rsp() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rsp"))
}

pub use rsp_testkit::net::free_port;

/// Skips (returns `None`) when a tool is missing, unless `CI` is set: then fails.
pub fn required<T>(what: &str, found: Option<T>) -> Option<T> {
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{what} is missing and CI is set (.ci/run installs it)"
        );
        println!("SKIP: {what} not found; set CI to make this fatal");
    }
    found
}

/// nginx and how to load its stream module: `RSP_NGINX` or /usr/sbin/nginx or PATH, and
/// `RSP_NGINX_STREAM_MODULE` or Debian's dynamic module (`None` inside when built in).
pub fn find_nginx() -> Option<(PathBuf, Option<PathBuf>)> {
    let bin = std::env::var_os("RSP_NGINX")
        .map(PathBuf::from)
        .or_else(|| {
            let mut dirs: Vec<PathBuf> = vec!["/usr/sbin".into(), "/usr/local/sbin".into()];
            if let Some(path) = std::env::var_os("PATH") {
                dirs.extend(std::env::split_paths(&path));
            }
            dirs.into_iter()
                .map(|d| d.join("nginx"))
                .find(|p| p.is_file())
        })?;
    let v = Command::new(&bin).arg("-V").output().ok()?;
    let text = String::from_utf8_lossy(&v.stderr).into_owned();
    if text.split_whitespace().any(|w| w == "--with-stream") {
        return Some((bin, None));
    }
    let module = std::env::var_os("RSP_NGINX_STREAM_MODULE")
        .map(PathBuf::from)
        .unwrap_or_else(|| "/usr/lib/nginx/modules/ngx_stream_module.so".into());
    module.is_file().then_some((bin, Some(module)))
}

fn http(port: u16, path: &str) -> Option<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    Some(out)
}

/// True when the replica's admin `/health` answers 200 (its database reachable).
pub fn healthy(admin: u16) -> bool {
    http(admin, "/health").is_some_and(|r| r.starts_with("HTTP/1.1 200"))
}

/// Sum of every sample of `metric` on the replica's `/metrics` (0 when unreachable).
pub fn counter(admin: u16, metric: &str) -> f64 {
    let Some(text) = http(admin, "/metrics") else {
        return 0.0;
    };
    text.lines()
        .filter(|l| l.starts_with(metric) && l[metric.len()..].starts_with(['{', ' ']))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// What every replica shares: test PKI, data key, config (Operator table with the
/// notification URL, unlimited download attempts), database, public address.
pub struct Setup {
    pub dir: PathBuf,
    pub pki: TestPki,
    pub opts: TestPkiOptions,
    pub database: String,
    /// nginx's public port: the SM-DP+ address is `localhost:<public>`.
    pub public: u16,
}

impl Setup {
    pub fn new(dir: &Path, database: &str, receiver_port: u16) -> Setup {
        let opts = TestPkiOptions {
            smdp_host: "localhost".into(),
            ..TestPkiOptions::default()
        };
        let pki = TestPki::generate(Curve::NistP256, &opts).unwrap();
        pki.write_to(&dir.join("pki/nist"), false).unwrap();
        std::fs::write(dir.join("data.key"), "5a".repeat(32)).unwrap();
        std::fs::write(
            dir.join("smdpp.toml"),
            format!(
                "max-download-attempts = 0\n\n[[operators]]\nid = \"{OPERATOR}\"\n\
                 notification-url = \"https://localhost:{receiver_port}\"\n"
            ),
        )
        .unwrap();
        Setup {
            dir: dir.to_owned(),
            pki,
            opts,
            database: database.to_owned(),
            public: free_port(),
        }
    }

    pub fn address(&self) -> String {
        format!("localhost:{}", self.public)
    }

    pub fn ci_pem(&self) -> PathBuf {
        self.dir.join("pki/nist/ci.pem")
    }

    /// An ES2+ client with the Operator's certificate, through nginx.
    pub fn es2(&self) -> Es2PlusOperatorClient {
        let nist = self.dir.join("pki/nist");
        let mut identity = std::fs::read(nist.join("mno.key.pem")).unwrap();
        identity.extend(std::fs::read(nist.join("mno.pem")).unwrap());
        let tls = ClientTls {
            roots_pem: vec![std::fs::read(nist.join("ci.pem")).unwrap()],
            identity_pem: Some(identity),
        };
        Es2PlusOperatorClient::new(format!("https://{}", self.address()), &tls, "nginx-test")
            .unwrap()
    }
}

/// One `rsp serve smdpp` process; its ports stay the same across restarts.
pub struct Replica {
    pub name: String,
    pub port: u16,
    pub admin: u16,
    child: Option<Child>,
    log: PathBuf,
}

impl Replica {
    /// A replica not started yet (its port is an nginx upstream already).
    pub fn new(setup: &Setup, name: &str) -> Replica {
        Replica {
            name: name.to_owned(),
            port: free_port(),
            admin: free_port(),
            child: None,
            log: setup.dir.join(format!("{name}.log")),
        }
    }

    pub fn upstream(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// Starts the process and waits for its `/health` (at most 30 s).
    pub fn start(&mut self, setup: &Setup) {
        let log = File::options()
            .create(true)
            .append(true)
            .open(&self.log)
            .unwrap();
        let child = rsp()
            .args(["serve", "smdpp", "--log-format", "text", "--config"])
            .arg(setup.dir.join("smdpp.toml"))
            .args(["--listen", &self.upstream()])
            .args(["--admin-listen", &format!("127.0.0.1:{}", self.admin)])
            .args(["--address", &setup.address(), "--database", &setup.database])
            .arg("--pki")
            .arg(setup.dir.join("pki"))
            .arg("--data-key-file")
            .arg(setup.dir.join("data.key"))
            .env("RUST_LOG", "warn")
            .env_remove("RSP_SMDPP_ADMIN_TOKEN")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        while !healthy(self.admin) {
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                let log = std::fs::read_to_string(&self.log).unwrap_or_default();
                panic!("{} exited: {status}\n{log}", self.name);
            }
            assert!(Instant::now() < deadline, "{} not healthy", self.name);
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `kill -9`: no shutdown of any kind.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGTERM (graceful: requests drain, the outbox sender stops), waits for the exit.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &c.id().to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(35);
            while matches!(c.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// nginx in the foreground on the shipped template; pid, logs and temp files in `run`.
pub struct Nginx {
    child: Child,
    pub run: PathBuf,
}

impl Nginx {
    pub fn start(
        nginx: &(PathBuf, Option<PathBuf>),
        setup: &Setup,
        upstreams: &[&Replica],
    ) -> Nginx {
        let run = setup.dir.join("nginx");
        std::fs::create_dir_all(&run).unwrap();
        let template = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../deploy/nginx/rsp-smdpp.conf.template");
        let template = std::fs::read_to_string(template).unwrap();
        let module_line = match &nginx.1 {
            Some(m) => format!("load_module {};", m.display()),
            None => "# stream module built in".to_owned(),
        };
        let servers: String = upstreams
            .iter()
            .map(|r| {
                format!(
                    "        server {} max_fails=2 fail_timeout=5s;\n",
                    r.upstream()
                )
            })
            .collect();
        let conf = template
            .replace("load_module ${RSP_NGINX_STREAM_MODULE};", &module_line)
            .replace("${RSP_NGINX_RUN}", &run.display().to_string())
            .replace(
                "${RSP_SMDPP_PUBLIC}",
                &format!("127.0.0.1:{}", setup.public),
            )
            .replace("${RSP_SMDPP_UPSTREAMS}\n", &servers);
        assert!(
            !conf
                .lines()
                .any(|l| !l.trim_start().starts_with('#') && l.contains("${")),
            "unfilled variable:\n{conf}"
        );
        let conf_path = run.join("nginx.conf");
        std::fs::write(&conf_path, conf).unwrap();
        let child = Command::new(&nginx.0)
            .arg("-p")
            .arg(&run)
            .arg("-e")
            .arg(run.join("error.log"))
            .arg("-c")
            .arg(&conf_path)
            .args(["-g", "daemon off;"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut n = Nginx { child, run };
        let deadline = Instant::now() + Duration::from_secs(15);
        while TcpStream::connect(("127.0.0.1", setup.public)).is_err() {
            if let Ok(Some(status)) = n.child.try_wait() {
                let mut err = String::new();
                if let Some(mut e) = n.child.stderr.take() {
                    let _ = e.read_to_string(&mut err);
                }
                panic!("nginx exited: {status}\n{err}\n{}", n.error_log());
            }
            assert!(Instant::now() < deadline, "nginx not listening");
            std::thread::sleep(Duration::from_millis(50));
        }
        n
    }

    pub fn error_log(&self) -> String {
        std::fs::read_to_string(self.run.join("error.log")).unwrap_or_default()
    }

    /// Connections per upstream address, from the access log.
    pub fn connections_per_upstream(&self) -> std::collections::HashMap<String, usize> {
        let log = std::fs::read_to_string(self.run.join("smdpp-access.log")).unwrap_or_default();
        let mut out = std::collections::HashMap::new();
        for line in log.lines() {
            if let Some((_, rest)) = line.split_once("upstream=") {
                let u = rest.split(" sent=").next().unwrap_or(rest);
                // After a retry nginx lists every upstream tried: "a, b".
                let last = u.rsplit(", ").next().unwrap_or(u).to_owned();
                *out.entry(last).or_insert(0) += 1;
            }
        }
        out
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // SIGQUIT: graceful stop of the master and its workers.
        let _ = Command::new("kill")
            .args(["-QUIT", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Imports `n` Profiles of `profile_type` through a replica's admin API, then orders and
/// confirms each through nginx (ES2+ over mutual TLS, passed through): the Activation
/// Codes, with their ICCIDs.
pub async fn stock_and_orders(
    setup: &Setup,
    admin: u16,
    profile_type: &str,
    first: usize,
    n: usize,
) -> Vec<(String, String)> {
    let mut csv = String::from("iccid\n");
    for i in first..first + n {
        let body = format!("89490000000001{i:04}");
        csv.push_str(&format!(
            "{body}{}\n",
            rsp_saip::luhn::check_digit(&body).unwrap()
        ));
    }
    let r = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{admin}/admin/v1/batches"))
        .json(&serde_json::json!({"operator": OPERATOR, "profileType": profile_type, "data": csv}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let es2 = std::sync::Arc::new(setup.es2());
    let address = setup.address();
    // 16 orders in flight at most.
    let slots = std::sync::Arc::new(tokio::sync::Semaphore::new(16));
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let (es2, address, profile_type) =
                (es2.clone(), address.clone(), profile_type.to_owned());
            let slots = slots.clone();
            tokio::spawn(async move {
                let _slot = slots.acquire().await.unwrap();
                let iccid = es2
                    .download_order(None, None, Some(profile_type))
                    .await
                    .unwrap();
                let confirmed = es2
                    .confirm_order(iccid.clone(), None, None, None, true)
                    .await
                    .unwrap();
                (
                    iccid.digits().to_owned(),
                    format!("LPA:1${address}${}", confirmed.matching_id),
                )
            })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}
