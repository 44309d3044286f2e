//! SoftHSM2 tokens for tests: each in its own directory through `SOFTHSM2_CONF`, so no
//! global state (`/var/lib/softhsm`) is touched. Tests skip when SoftHSM2 is absent, and
//! fail under `CI=true` (`.ci/run` installs Debian's `softhsm2`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::token::{DEFAULT_MODULE, MODULE_ENV};

/// The PIN of test tokens (never a production value).
pub const TEST_PIN: &str = "1234-test";

/// A SoftHSM2 token initialised in a directory of its own.
#[derive(Debug)]
pub struct TestToken {
    /// The directory (holding `softhsm2.conf` and `tokens/`).
    pub dir: PathBuf,
    /// Token label.
    pub label: String,
    /// The module.
    pub module: PathBuf,
}

/// The SoftHSM2 module, or `None` (after printing why) when it is absent outside CI.
/// Panics under `CI=true` when it is absent.
pub fn softhsm_module() -> Option<PathBuf> {
    let module = std::env::var_os(MODULE_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_MODULE));
    let util = Command::new("softhsm2-util").arg("--version").output();
    if module.exists() && util.is_ok_and(|o| o.status.success()) {
        return Some(module);
    }
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    assert!(
        !ci,
        "CI: SoftHSM2 must be installed (apt-get install softhsm2)"
    );
    eprintln!("skipped: SoftHSM2 ({}) not installed", module.display());
    None
}

impl TestToken {
    /// A fresh token labelled `label` in `dir` (created), or `None` without SoftHSM2.
    pub fn create(dir: &Path, label: &str) -> Option<TestToken> {
        let module = softhsm_module()?;
        let tokens = dir.join("tokens");
        std::fs::create_dir_all(&tokens).ok()?;
        let conf = dir.join("softhsm2.conf");
        std::fs::write(
            &conf,
            format!(
                "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
                tokens.display()
            ),
        )
        .ok()?;
        let out = Command::new("softhsm2-util")
            .env("SOFTHSM2_CONF", &conf)
            .args(["--init-token", "--free", "--label", label])
            .args(["--pin", TEST_PIN, "--so-pin", "5678-test-so"])
            .output()
            .ok()?;
        assert!(
            out.status.success(),
            "softhsm2-util --init-token: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Some(TestToken {
            dir: dir.to_owned(),
            label: label.to_owned(),
            module,
        })
    }

    /// The process-wide test token of this test binary, or `None` without SoftHSM2.
    /// SoftHSM2 reads `SOFTHSM2_CONF` once, at `C_Initialize`, so every in-process test of
    /// a binary shares one token (distinct object labels keep them apart).
    pub fn shared() -> Option<&'static TestToken> {
        static SHARED: OnceLock<Option<TestToken>> = OnceLock::new();
        SHARED
            .get_or_init(|| {
                let dir = std::env::temp_dir().join(format!(
                    "rsp-softhsm-{}-{}",
                    std::process::id(),
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map(|d| d.as_nanos())
                        .unwrap_or(0)
                ));
                let t = TestToken::create(&dir, "rsp-test")?;
                // SAFETY (reason for `unsafe`): SoftHSM2 only takes its configuration from
                // the environment. This runs once, inside the OnceLock, before this process
                // loads the module; test threads do not write the environment concurrently.
                #[allow(unsafe_code)]
                unsafe {
                    std::env::set_var("SOFTHSM2_CONF", t.conf());
                }
                Some(t)
            })
            .as_ref()
    }

    /// `SOFTHSM2_CONF` for child processes.
    pub fn conf(&self) -> PathBuf {
        self.dir.join("softhsm2.conf")
    }

    /// A URI for object `label` in this token, with the PIN and module inline.
    pub fn uri(&self, object: &str) -> String {
        format!(
            "pkcs11:token={};object={object};type=private?pin-value={TEST_PIN}&module-path={}",
            self.label,
            self.module.display()
        )
    }

    /// As [`TestToken::uri`] for a secret (wrapping) key.
    pub fn secret_uri(&self, object: &str) -> String {
        self.uri(object).replace("type=private", "type=secret-key")
    }
}
