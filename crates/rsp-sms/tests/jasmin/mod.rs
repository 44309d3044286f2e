//! Jasmin (PyPI `jasmin` 0.11) as a process for `jasmin_gateway.rs`, and its jCli console.
//!
//! Each run is private: a root directory (`ROOT_PATH`: config, jCli store, logs, the
//! daemon's lock file) under the temp dir, loopback listeners on ports picked here, and a
//! RabbitMQ vhost of its own made with `rabbitmqctl` (Jasmin's queue names, such as
//! `deliver_sm_thrower`, are the same in every instance, so two daemons in one vhost would
//! take each other's messages). Where `rabbitmqctl` is not usable the run takes the
//! default vhost `/` and an exclusive lock file instead, so such runs go one at a time.
//! Redis: Jasmin 0.11 selects its `dbid` only when a Redis password is set, so it writes
//! to DB 0; its keys there are per message id (`dlr:<uuid>`, `queue-msgid:<id>`) with an
//! expiry, and do not collide between runs.
//!
//! The daemon runs through `jasmind_child.py` (lock file under the root, exit when its
//! stdin closes); the [`Jasmin`] guard stops it on drop, first gently, then with SIGKILL.

use std::fs::{self, File};
use std::io::{Read, Seek, SeekFrom};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{sleep, timeout};

/// Name prefix of a run's root directory and vhost, followed by `<pid>-<micros>`.
const PREFIX: &str = "rsp-jasmin-";
const CONFIG_TEMPLATE: &str = include_str!("jasmin.cfg.in");
const CHILD_SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/jasmin/jasmind_child.py");
/// jCli's default console account (Jasmin's `[jcli] admin_username` / `admin_password`).
const JCLI_USER: &str = "jcliadmin";
const JCLI_PASSWORD: &str = "jclipwd";

/// A running jasmind with its private root; stopped and cleaned up on drop.
pub struct Jasmin {
    child: Option<Child>,
    root: PathBuf,
    vhost: Option<String>,
    _lock: Option<File>,
    smpp_port: u16,
    jcli_port: u16,
}

impl Jasmin {
    /// Starts `jasmind.py` (its venv's `python` beside it) and waits until jCli listens.
    pub async fn start(jasmind: &Path) -> Jasmin {
        let unique = format!(
            "{}-{}",
            std::process::id(),
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_micros())
                .unwrap_or_default()
        );
        sweep_stale();
        let root = std::env::temp_dir().join(format!("{PREFIX}{unique}"));
        let etc = root.join("etc/jasmin");
        fs::create_dir_all(&etc).expect("private Jasmin root");

        let wanted = format!("{PREFIX}{unique}");
        let (vhost, lock) = if make_vhost(&wanted) {
            (Some(wanted), None)
        } else {
            let path = std::env::temp_dir().join("rsp-sms-jasmin.lock");
            println!("note: no private RabbitMQ vhost (rabbitmqctl); serialising on {path:?}");
            let file = File::create(&path).expect("lock file");
            file.lock().expect("exclusive lock");
            (None, Some(file))
        };

        let [smpp_port, smpps_pb_port, cm_port, router_port, jcli_port] = free_ports();
        let config = CONFIG_TEMPLATE
            .replace("@ROOT@", &root.to_string_lossy())
            .replace("@SMPPS_ID@", "smpps_rsp")
            .replace("@SMPP_PORT@", &smpp_port.to_string())
            .replace("@SMPPS_PB_PORT@", &smpps_pb_port.to_string())
            .replace("@CM_PORT@", &cm_port.to_string())
            .replace("@ROUTER_PORT@", &router_port.to_string())
            .replace("@JCLI_PORT@", &jcli_port.to_string())
            .replace("@VHOST@", vhost.as_deref().unwrap_or("/"));
        let config_path = etc.join("jasmin.cfg");
        fs::write(&config_path, config).expect("write jasmin.cfg");

        let python = jasmind.with_file_name("python");
        let out = File::create(root.join("jasmind.out")).expect("log file");
        let child = Command::new(&python)
            .arg(CHILD_SCRIPT)
            .arg(jasmind)
            .arg("--config")
            .arg(&config_path)
            .args(["--disable-http-api", "--enable-deliver-thrower"])
            .env("ROOT_PATH", &root)
            .current_dir(&root)
            .stdin(Stdio::piped())
            .stdout(out.try_clone().expect("log file"))
            .stderr(out)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {python:?}: {e}"));
        let mut jasmin = Jasmin {
            child: Some(child),
            root,
            vhost,
            _lock: lock,
            smpp_port,
            jcli_port,
        };
        jasmin.wait_for_jcli().await;
        jasmin
    }

    async fn wait_for_jcli(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                panic!("jasmind exited ({status}):\n{}", self.logs());
            }
            if TcpStream::connect(("127.0.0.1", self.jcli_port))
                .await
                .is_ok()
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "jCli did not listen within 30 s:\n{}",
                self.logs()
            );
            sleep(Duration::from_millis(100)).await;
        }
    }

    /// Jasmin's SMPP server (for ESMEs).
    pub fn smpp_addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.smpp_port))
    }

    /// A logged-in jCli session.
    pub async fn jcli(&self) -> JCli {
        let stream = TcpStream::connect(("127.0.0.1", self.jcli_port))
            .await
            .expect("jCli connect");
        let mut cli = JCli {
            stream,
            seen: Vec::new(),
        };
        cli.read_until("Authentication required.").await;
        cli.send(JCLI_USER).await;
        cli.read_until("Password: ").await;
        cli.send(JCLI_PASSWORD).await;
        let welcome = cli.read_until(PROMPT).await;
        assert!(
            welcome.contains("Welcome to Jasmin"),
            "jCli login: {welcome}"
        );
        cli
    }

    /// The end of the daemon's output and of its message log, for failure reports.
    pub fn logs(&self) -> String {
        let mut text = String::new();
        for name in ["jasmind.out", "var/log/jasmin/messages.log"] {
            text += &format!("--- {name} (end) ---\n{}\n", tail(&self.root.join(name)));
        }
        text
    }
}

impl Drop for Jasmin {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // Closing stdin asks jasmind_child.py to stop the daemon (SIGTERM).
            drop(child.stdin.take());
            let deadline = Instant::now() + Duration::from_secs(5);
            while matches!(child.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
            if matches!(child.try_wait(), Ok(None)) {
                let _ = child.kill();
            }
            let _ = child.wait();
        }
        if let Some(vhost) = &self.vhost {
            let _ = rabbitmqctl(&["delete_vhost", vhost]);
        }
        if std::thread::panicking() {
            eprintln!("Jasmin root kept: {:?}\n{}", self.root, self.logs());
        } else {
            let _ = fs::remove_dir_all(&self.root);
        }
    }
}

fn rabbitmqctl(args: &[&str]) -> bool {
    Command::new("rabbitmqctl")
        .arg("-q")
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Removes the root directories and vhosts of runs whose test process is gone (killed
/// before its guard could clean up; the daemon itself stops when its stdin closes).
fn sweep_stale() {
    let dead = |name: &str| {
        name.strip_prefix(PREFIX)
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok())
            .is_some_and(|pid| !Path::new(&format!("/proc/{pid}")).exists())
    };
    if let Ok(entries) = fs::read_dir(std::env::temp_dir()) {
        for entry in entries.flatten() {
            if dead(&entry.file_name().to_string_lossy()) {
                let _ = fs::remove_dir_all(entry.path());
            }
        }
    }
    if let Ok(out) = Command::new("rabbitmqctl")
        .args(["-q", "list_vhosts", "name"])
        .stderr(Stdio::null())
        .output()
    {
        for vhost in String::from_utf8_lossy(&out.stdout).lines() {
            if dead(vhost.trim()) {
                rabbitmqctl(&["delete_vhost", vhost.trim()]);
            }
        }
    }
}

/// A vhost for this run, with the `guest` user (Jasmin's default) allowed everything.
fn make_vhost(name: &str) -> bool {
    rabbitmqctl(&["add_vhost", name])
        && (rabbitmqctl(&["set_permissions", "-p", name, "guest", ".*", ".*", ".*"]) || {
            rabbitmqctl(&["delete_vhost", name]);
            false
        })
}

/// Loopback ports free at this moment (held together so that they differ).
fn free_ports<const N: usize>() -> [u16; N] {
    let listeners: Vec<TcpListener> = (0..N)
        .map(|_| TcpListener::bind("127.0.0.1:0").expect("free port"))
        .collect();
    std::array::from_fn(|i| listeners[i].local_addr().expect("local addr").port())
}

fn tail(path: &Path) -> String {
    let Ok(mut f) = File::open(path) else {
        return "<absent>".into();
    };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let _ = f.seek(SeekFrom::Start(len.saturating_sub(4000)));
    let mut s = String::new();
    let _ = f.read_to_string(&mut s);
    s
}

const PROMPT: &str = "jcli : ";
/// The prompt of an interactive add, alone at the start of a line.
const FIELD_PROMPT: &str = "\n> ";

/// Jasmin's jCli console over telnet (Twisted conch): lines in, text and a prompt out.
/// Telnet option negotiation and terminal escapes are ignored.
pub struct JCli {
    stream: TcpStream,
    seen: Vec<u8>,
}

impl JCli {
    async fn send(&mut self, line: &str) {
        self.stream
            .write_all(format!("{line}\r\n").as_bytes())
            .await
            .expect("jCli write");
    }

    /// Reads until `needle` has appeared; returns (and consumes) the text up to it.
    async fn read_until(&mut self, needle: &str) -> String {
        let read = async {
            loop {
                let text = String::from_utf8_lossy(&self.seen).into_owned();
                if let Some(at) = text.find(needle) {
                    // Only ASCII is kept, so text and bytes have the same offsets.
                    self.seen.drain(..at + needle.len());
                    return text[..at].replace('\r', "");
                }
                let mut buf = [0u8; 4096];
                let n = self.stream.read(&mut buf).await.expect("jCli read");
                assert!(n > 0, "jCli closed the session; so far: {text}");
                self.seen.extend(buf[..n].iter().filter(|b| b.is_ascii()));
            }
        };
        timeout(Duration::from_secs(15), read)
            .await
            .unwrap_or_else(|_| panic!("no {needle:?} from jCli within 15 s"))
    }

    /// Runs one command and returns its output.
    pub async fn run(&mut self, line: &str) -> String {
        self.send(line).await;
        self.read_until(PROMPT).await
    }

    /// An interactive add (`user -a`, `smppccm -a`, `mtrouter -a` …): one `key value` line
    /// per field, then `ok`; panics unless jCli answers "Successfully added".
    pub async fn add(&mut self, command: &str, fields: &[(&str, &str)]) {
        self.send(command).await;
        self.read_until(FIELD_PROMPT).await;
        for (key, value) in fields {
            self.send(&format!("{key} {value}")).await;
            let echo = self.read_until(FIELD_PROMPT).await;
            assert!(
                !echo.contains("Error") && !echo.contains("Unknown"),
                "{command}: {key}: {echo}"
            );
        }
        let out = self.run("ok").await;
        assert!(out.contains("Successfully added"), "{command}: {out}");
    }
}
