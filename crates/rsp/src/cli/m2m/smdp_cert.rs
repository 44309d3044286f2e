//! `rsp m2m smdp-cert`: CERT.DP.ECDSA (SGP.02 §2.3.2), the GlobalPlatform-format
//! certificate (tag `7F21`) the CI issues over the M2M SM-DP's ECDSA key, made from the
//! SM-DP's X.509 certificate and the CI's key; `rsp serve smdp --dp-gp-cert` reads it.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

/// Options of `rsp m2m smdp-cert`.
#[derive(Debug, Args)]
pub struct SmdpCertArgs {
    /// The SM-DP's X.509 certificate (PEM or DER), issued by the CI (its authority and
    /// subject key identifiers, serial, validity and public key go into CERT.DP.ECDSA).
    #[arg(long, value_name = "FILE")]
    dp_cert: PathBuf,
    /// The CI's private key (PEM, or a pkcs11: URI).
    #[arg(long, value_name = "FILE")]
    ci_key: PathBuf,
    /// Where to write CERT.DP.ECDSA (DER).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

/// Issues CERT.DP.ECDSA.
pub fn run(a: SmdpCertArgs) -> anyhow::Result<()> {
    let der =
        std::fs::read(&a.dp_cert).with_context(|| format!("reading {}", a.dp_cert.display()))?;
    let cert = rsp_pki::Cert::from_bytes(&der).context("--dp-cert")?;
    let ci_key = rsp_hsm::load_key(&a.ci_key).context("--ci-key")?;
    let gp = rsp_smdp::certificate::issue(&cert, &ci_key)
        .map_err(|e| anyhow::anyhow!("CERT.DP.ECDSA: {e}"))?;
    let tlv = gp
        .to_tlv()
        .map_err(|e| anyhow::anyhow!("CERT.DP.ECDSA: {e}"))?;
    std::fs::write(&a.out, tlv).with_context(|| format!("writing {}", a.out.display()))?;
    Ok(())
}
