//! What the benchmarks share: progress output, the working directory, the server child
//! process and its CPU time and memory from /proc (PostgreSQL's CPU too), latency statistics, eUICC identities, pacing.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use rsp_euicc::{EuiccConfig, Identity, Isdr, StateStore};

use super::BenchCurve;

/// Progress line on stderr.
pub(super) fn progress(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{text}");
    let _ = err.flush();
}

/// Marker file: a `--dir` holding it was made by `rsp bench` and may be wiped.
pub(super) const MARKER: &str = ".rsp-bench";

/// The working directory and whether to remove it at the end.
pub(super) struct WorkDir {
    pub(super) path: PathBuf,
    pub(super) remove: bool,
}

impl WorkDir {
    pub(super) fn new(dir: Option<&Path>) -> anyhow::Result<Self> {
        match dir {
            Some(dir) => {
                if dir.exists() {
                    let empty = std::fs::read_dir(dir)
                        .with_context(|| dir.display().to_string())?
                        .next()
                        .is_none();
                    if !empty && !dir.join(MARKER).exists() {
                        bail!(
                            "{} exists and was not made by rsp bench: choose another --dir",
                            dir.display()
                        );
                    }
                    std::fs::remove_dir_all(dir)
                        .with_context(|| format!("removing {}", dir.display()))?;
                }
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("creating {}", dir.display()))?;
                std::fs::write(dir.join(MARKER), b"made by rsp bench\n")
                    .with_context(|| format!("writing in {}", dir.display()))?;
                Ok(WorkDir {
                    path: dir.canonicalize().context("working directory")?,
                    remove: false,
                })
            }
            None => {
                let path = std::env::temp_dir().join(format!(
                    "rsp-bench-{}-{}",
                    std::process::id(),
                    random_hex(4)?
                ));
                std::fs::create_dir_all(&path)
                    .with_context(|| format!("creating {}", path.display()))?;
                Ok(WorkDir { path, remove: true })
            }
        }
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        if self.remove {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

pub(super) fn random_hex(bytes: usize) -> anyhow::Result<String> {
    let mut b = vec![0u8; bytes];
    getrandom::fill(&mut b).map_err(|e| anyhow::anyhow!("random generator: {e}"))?;
    Ok(hex::encode(b))
}

/// A free TCP port on 127.0.0.1 (bound, read, released).
pub(super) fn free_port() -> anyhow::Result<u16> {
    let l = std::net::TcpListener::bind(("127.0.0.1", 0)).context("finding a free port")?;
    Ok(l.local_addr()?.port())
}

/// The server child process; killed on drop unless stopped.
pub(super) struct ServerChild {
    pub(super) child: Option<Child>,
    pub(super) log: PathBuf,
}

impl ServerChild {
    pub(super) fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// The end of the server log, for error messages.
    pub(super) fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// Fails when the process has already ended.
    pub(super) fn check_running(&mut self) -> anyhow::Result<()> {
        if let Some(child) = self.child.as_mut()
            && let Some(status) = child.try_wait().context("server process")?
        {
            bail!("the server exited ({status}):\n{}", self.log_tail());
        }
        Ok(())
    }

    /// SIGTERM, then up to 15 s for a graceful exit, then SIGKILL.
    pub(super) async fn stop(&mut self) -> anyhow::Result<()> {
        let Some(mut child) = self.child.take() else {
            return Ok(());
        };
        let term = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if term.is_ok_and(|s| s.success()) {
            let deadline = Instant::now() + Duration::from_secs(15);
            while Instant::now() < deadline {
                if let Some(status) = child.try_wait().context("server process")? {
                    if !status.success() {
                        progress(&format!("server exited with {status}"));
                    }
                    return Ok(());
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            progress("server did not stop within 15 s: killing it");
        }
        let _ = child.kill();
        let _ = child.wait();
        Ok(())
    }
}

impl Drop for ServerChild {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Starts `rsp …` with the arguments `args` adds (logs at warn into `<dir>/<name>.log`, no
/// `<env_prefix>*` variable inherited); the process.
pub(super) fn spawn_rsp(
    dir: &Path,
    name: &str,
    env_prefix: &str,
    args: impl FnOnce(&mut Command),
) -> anyhow::Result<ServerChild> {
    let exe = std::env::current_exe().context("locating the rsp executable")?;
    let log = dir.join(format!("{name}.log"));
    let log_file =
        std::fs::File::create(&log).with_context(|| format!("creating {}", log.display()))?;
    let mut cmd = Command::new(exe);
    cmd.env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log_file);
    args(&mut cmd);
    // Only the command line configures the child.
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with(env_prefix) {
            cmd.env_remove(key);
        }
    }
    let child = cmd
        .spawn()
        .with_context(|| format!("starting rsp ({name})"))?;
    Ok(ServerChild {
        child: Some(child),
        log,
    })
}

/// Starts `rsp serve <role>` on free loopback ports (`--listen`, `--admin-listen`, text
/// logs at warn into `<dir>/<role>.log`, no `<env_prefix>*` variable inherited), with the
/// role's own options added by `args` (given the HTTPS port); the ports and the process.
pub(super) fn spawn_role(
    dir: &Path,
    role: &str,
    env_prefix: &str,
    args: impl FnOnce(&mut Command, u16),
) -> anyhow::Result<(u16, u16, ServerChild)> {
    let port = free_port()?;
    let admin_port = free_port()?;
    let child = spawn_rsp(dir, role, env_prefix, |cmd| {
        cmd.args(["serve", role, "--listen"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("--admin-listen")
            .arg(format!("127.0.0.1:{admin_port}"))
            .args(["--log-format", "text"]);
        args(cmd, port);
    })?;
    Ok((port, admin_port, child))
}

/// ECDSA signatures and verifications per second on `curve` on this machine from `openssl
/// speed` (one core, 1 s each), or `None` when openssl is not there: the floor the
/// benchmarks compare the server's CPU per operation with.
pub(super) fn openssl_ecdsa(curve: BenchCurve) -> Option<(f64, f64)> {
    let (algorithm, label) = match curve {
        BenchCurve::Nist => ("ecdsap256", "(nistp256)"),
        BenchCurve::Brainpool => ("ecdsabrp256r1", "(brainpoolP256r1)"),
    };
    let out = Command::new("openssl")
        .args(["speed", "-seconds", "1", algorithm])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find(|l| l.contains(label))?;
    let numbers: Vec<f64> = line
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    match numbers.as_slice() {
        [.., sign, verify] if *sign > 0.0 && *verify > 0.0 => Some((*sign, *verify)),
        _ => None,
    }
}

/// ECDH key agreements per second on `curve` from `openssl speed` (one core, 1 s), or
/// `None` when openssl is not there.
pub(super) fn openssl_ecdh(curve: BenchCurve) -> Option<f64> {
    let (algorithm, label) = match curve {
        BenchCurve::Nist => ("ecdhp256", "(nistp256)"),
        BenchCurve::Brainpool => ("ecdhbrp256r1", "(brainpoolP256r1)"),
    };
    let out = Command::new("openssl")
        .args(["speed", "-seconds", "1", algorithm])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    // `256-bits ECDH (nistp256)   0.0000s  22000.0`: the last figure is op/s.
    let line = text
        .lines()
        .find(|l| l.contains(label) && l.to_ascii_lowercase().contains("ecdh"))?;
    line.split_whitespace()
        .filter_map(|w| w.parse::<f64>().ok())
        .next_back()
        .filter(|ops| *ops > 0.0)
}

/// Polls `{admin_url}/health` until it answers 2xx (30 s at most).
pub(super) async fn wait_healthy(
    http: &reqwest::Client,
    admin_url: &str,
    mut server: Option<&mut ServerChild>,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(s) = server.as_deref_mut() {
            s.check_running()?;
        }
        if let Ok(r) = http.get(format!("{admin_url}/health")).send().await
            && r.status().is_success()
        {
            return Ok(());
        }
        if Instant::now() > deadline {
            let log = server.map(|s| s.log_tail()).unwrap_or_default();
            bail!("the server at {admin_url} is not healthy after 30 s\n{log}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Clock ticks per second of /proc (`getconf CLK_TCK`, 100 when unavailable).
pub(super) fn clock_ticks() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .filter(|&t: &u64| t > 0)
        .unwrap_or(100)
}

/// CPU time of a process in clock ticks (all its threads), from /proc/PID/stat.
#[derive(Clone, Copy)]
pub(super) struct CpuTicks {
    pub(super) user: u64,
    pub(super) system: u64,
}

impl CpuTicks {
    /// The ticks spent since `before`, in milliseconds (user, system).
    pub(super) fn ms_since(self, before: Self, ticks_per_second: u64) -> (f64, f64) {
        let ms = |t: u64| t as f64 * 1000.0 / ticks_per_second as f64;
        (
            ms(self.user.saturating_sub(before.user)),
            ms(self.system.saturating_sub(before.system)),
        )
    }
}

/// utime and stime of process `pid` (all its threads), from /proc/PID/stat.
pub(super) fn cpu_ticks(pid: u32) -> anyhow::Result<CpuTicks> {
    let path = format!("/proc/{pid}/stat");
    let stat = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    // `pid (comm) state ppid …`: comm may hold spaces, so split after the last ')'.
    let rest = stat
        .rsplit_once(')')
        .map(|(_, r)| r)
        .with_context(|| format!("{path}: unexpected format"))?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // Fields 14 (utime) and 15 (stime) of proc(5); `rest` starts at field 3.
    let field = |i: usize| -> anyhow::Result<u64> {
        fields
            .get(i)
            .and_then(|f| f.parse().ok())
            .with_context(|| format!("{path}: field {} missing", i + 3))
    };
    Ok(CpuTicks {
        user: field(11)?,
        system: field(12)?,
    })
}

/// Resident memory of a process (VmRSS, VmHWM: its peak) in MiB, from /proc/PID/status.
pub(super) fn memory_mib(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kib = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (kib("VmRSS:") / 1024.0, kib("VmHWM:") / 1024.0)
}

/// CPU ticks of every `postgres` process of this machine (the database server's share).
pub(super) fn postgres_ticks() -> CpuTicks {
    let mut total = CpuTicks { user: 0, system: 0 };
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return total;
    };
    for entry in dir.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        if comm.trim() == "postgres"
            && let Ok(t) = cpu_ticks(pid)
        {
            total.user += t.user;
            total.system += t.system;
        }
    }
    total
}

/// Latencies of one ES9+ function.
#[derive(Default)]
pub(super) struct Samples {
    pub(super) ok_ms: Vec<f64>,
    pub(super) errors: u64,
}

/// Shared results of the timed phase.
#[derive(Default)]
pub(super) struct Stats {
    pub(super) functions: Mutex<BTreeMap<&'static str, Samples>>,
    pub(super) downloads_ms: Mutex<Vec<f64>>,
    pub(super) done: AtomicU64,
    pub(super) failed: AtomicU64,
    pub(super) first_error: Mutex<Option<String>>,
}

pub(super) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Stats {
    pub(super) fn observe(&self, function: &'static str, took: Duration, ok: bool) {
        let mut map = lock(&self.functions);
        let s = map.entry(function).or_default();
        if ok {
            s.ok_ms.push(took.as_secs_f64() * 1000.0);
        } else {
            s.errors += 1;
        }
    }

    pub(super) fn success(&self, took: Duration) {
        lock(&self.downloads_ms).push(took.as_secs_f64() * 1000.0);
        self.done.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn failure(&self, e: &anyhow::Error) {
        self.failed.fetch_add(1, Ordering::Relaxed);
        let mut first = lock(&self.first_error);
        if first.is_none() {
            *first = Some(format!("{e:#}"));
        }
    }
}

/// Nearest-rank percentile of sorted values.
pub(super) fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

pub(super) fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(f64::total_cmp);
    v
}

/// Where the eUICC identity comes from.
#[derive(Clone)]
pub(super) struct IdentitySource {
    pub(super) pki_dir: PathBuf,
    pub(super) curve: Option<BenchCurve>,
}

impl IdentitySource {
    pub(super) fn load(&self) -> anyhow::Result<Identity> {
        let identity = match self.curve {
            None => Identity::from_pki_dir(&self.pki_dir),
            Some(curve) => {
                let d = self.pki_dir.join(curve.dir_name());
                Identity::from_files(
                    &[(
                        d.join("euicc.pem"),
                        d.join("euicc.key.pem"),
                        d.join("eum.pem"),
                    )],
                    &[d.join("ci.pem")],
                )
            }
        };
        identity.with_context(|| format!("eUICC identity from {}", self.pki_dir.display()))
    }

    pub(super) fn card(&self) -> anyhow::Result<Isdr> {
        Ok(Isdr::new(
            self.load()?,
            EuiccConfig::default(),
            StateStore::memory(),
        )?)
    }
}

/// Spaces download starts `interval` apart, across all workers (`--rate`).
pub(super) struct Pacer {
    pub(super) interval: Duration,
    pub(super) next: Mutex<tokio::time::Instant>,
}

impl Pacer {
    pub(super) fn new(per_second: u32) -> Self {
        Self {
            interval: Duration::from_secs(1) / per_second,
            next: Mutex::new(tokio::time::Instant::now()),
        }
    }

    /// Waits for the next start slot.
    pub(super) async fn wait(&self) {
        let slot = {
            let mut next = lock(&self.next);
            let slot = (*next).max(tokio::time::Instant::now());
            *next = slot + self.interval;
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 0.50), 50.0);
        assert_eq!(percentile(&v, 0.99), 99.0);
        assert_eq!(percentile(&[7.0], 0.99), 7.0);
        assert_eq!(percentile(&[], 0.5), 0.0);
    }

    #[test]
    fn reads_own_cpu_ticks() {
        assert!(cpu_ticks(std::process::id()).is_ok());
    }
}
