//! `rsp bench smdpp --pkcs11`: every long-term key of the child SM-DP+ (DPauth and DPpb on
//! both curves, DPtls, the data key's wrapping key) moved into a SoftHSM2 token made in the
//! working directory, so the per-download cost of the token can be set against software
//! keys (docs/benchmarks.md). Uses `softhsm2-util` and `rsp hsm` in child processes, with
//! `SOFTHSM2_CONF` pointing at the working directory (no global token store touched).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

const LABEL: &str = "rsp-bench";
const PIN: &str = "bench-pin-1234";

fn run(cmd: &mut Command, what: &str) -> anyhow::Result<()> {
    let out = cmd.output().with_context(|| format!("running {what}"))?;
    if !out.status.success() {
        bail!("{what}: {}", String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(())
}

/// Sets up the token under `dir`, imports the PKI's SM-DP+ keys (their PEM files replaced
/// by the URIs) and wraps `data_key_file` by a token key; returns the `SOFTHSM2_CONF` path.
pub(super) fn move_keys_to_softhsm(
    dir: &Path,
    pki_dir: &Path,
    data_key_file: &Path,
) -> anyhow::Result<PathBuf> {
    let hsm = dir.join("softhsm");
    std::fs::create_dir_all(hsm.join("tokens"))?;
    let conf = hsm.join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            hsm.join("tokens").display()
        ),
    )?;
    run(
        Command::new("softhsm2-util")
            .env("SOFTHSM2_CONF", &conf)
            .args(["--init-token", "--free", "--label", LABEL, "--pin", PIN])
            .args(["--so-pin", "bench-so-5678"]),
        "softhsm2-util --init-token (apt-get install softhsm2)",
    )?;
    let pin_file = hsm.join("pin");
    rsp_pki::write_secret(&pin_file, PIN.as_bytes())?;
    let uri = |object: &str, kind: &str| {
        format!(
            "pkcs11:token={LABEL};object={object};type={kind}?pin-source=file:{}",
            pin_file.display()
        )
    };
    let exe = std::env::current_exe().context("locating the rsp executable")?;
    let mut keys = vec![("nist", "dp-tls")];
    for curve in ["nist", "brainpool"] {
        keys.extend([(curve, "dp-auth"), (curve, "dp-pb")]);
    }
    for (curve, role) in keys {
        let file = pki_dir.join(curve).join(format!("{role}.key.pem"));
        let key = uri(&format!("{curve}-{role}"), "private");
        run(
            Command::new(&exe)
                .env("SOFTHSM2_CONF", &conf)
                .args(["hsm", "import", "--key", &key, "--from"])
                .arg(&file),
            "rsp hsm import",
        )?;
        std::fs::write(&file, format!("{key}\n"))?;
    }
    run(
        Command::new(&exe)
            .env("SOFTHSM2_CONF", &conf)
            .args([
                "hsm",
                "data-key",
                "--force",
                "--kek",
                &uri("data-kek", "secret-key"),
            ])
            .arg("--import")
            .arg(data_key_file)
            .arg("--out")
            .arg(data_key_file),
        "rsp hsm data-key",
    )?;
    Ok(conf)
}
