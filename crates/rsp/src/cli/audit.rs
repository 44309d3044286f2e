//! `rsp audit …`: the audit trail (SAS-SM) of a server's database: `verify` proves the
//! hash chain intact and every checkpoint's signature valid, or names the first broken
//! record; `export` writes the records as JSON lines for a log pipeline (ELK).

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use rsp_crypto::PublicKey;
use rsp_storage::audit::checkpoint_message;
use rsp_storage::{DataKey, SqlStore};

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the chain of every record and the signature of every checkpoint; exits 1 and
    /// names the first broken record when the trail was changed.
    Verify(VerifyArgs),
    /// Write the records as JSON lines (id, at, actor, action, subject, details, hash).
    Export(ExportArgs),
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Database URL of the server (sqlite://FILE or postgres://…).
    #[arg(long, env = "RSP_AUDIT_DATABASE", value_name = "URL")]
    database: String,
    /// The audit key's certificate or public key (PEM): every checkpoint must be signed
    /// by it [default: each checkpoint's own key, as stored].
    #[arg(long, value_name = "FILE")]
    trusted_key: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Database URL of the server (sqlite://FILE or postgres://…).
    #[arg(long, env = "RSP_AUDIT_DATABASE", value_name = "URL")]
    database: String,
    /// Only records after this id (resume a pipeline).
    #[arg(long, default_value_t = 0)]
    after: i64,
}

pub fn run(cmd: AuditCommand) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        match cmd {
            AuditCommand::Verify(a) => verify(a).await,
            AuditCommand::Export(a) => export(a).await,
        }
    })
}

async fn open(url: &str) -> anyhow::Result<SqlStore> {
    // The audit tables hold no encrypted column: any data key opens them.
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).map_err(|e| anyhow::anyhow!("random generator: {e}"))?;
    let key = DataKey::new("audit-reader", &key).map_err(|e| anyhow::anyhow!("{e}"))?;
    SqlStore::connect(url, key)
        .await
        .map_err(|e| anyhow::anyhow!("database {url}: {e}"))
}

/// A public key from a PEM certificate, public key or private key file.
fn trusted(path: &PathBuf) -> anyhow::Result<PublicKey> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    if let Ok(cert) = rsp_pki::Cert::from_bytes(&bytes) {
        return Ok(cert.public_key().clone());
    }
    let text = String::from_utf8_lossy(&bytes);
    if let Ok(key) = rsp_crypto::SoftwareKey::from_pem(&text) {
        return Ok(rsp_crypto::Signer::public_key(&key).clone());
    }
    PublicKey::from_spki_pem(&text).map_err(|_| {
        anyhow::anyhow!(
            "{}: not a PEM certificate, public key or private key",
            path.display()
        )
    })
}

async fn verify(a: VerifyArgs) -> anyhow::Result<()> {
    let store = open(&a.database).await?;
    let trusted_key = a.trusted_key.as_ref().map(trusted).transpose()?;
    let report = store.verify_audit().await?;
    store.close().await;
    if let Some(b) = &report.broken {
        bail!("audit trail BROKEN at record {}: {}", b.record_id, b.reason);
    }
    for c in &report.checkpoints {
        let key = PublicKey::from_spki_der(&c.public_key)
            .map_err(|_| anyhow::anyhow!("checkpoint at record {}: unreadable key", c.record_id))?;
        if trusted_key.as_ref().is_some_and(|t| *t != key) {
            bail!(
                "audit trail BROKEN at record {}: its checkpoint is signed by another key than --trusted-key",
                c.record_id
            );
        }
        key.verify_der(&checkpoint_message(c.record_id, &c.hash), &c.signature)
            .map_err(|_| {
                anyhow::anyhow!(
                    "audit trail BROKEN at record {}: its checkpoint's signature does not verify",
                    c.record_id
                )
            })?;
    }
    let last = report
        .checkpoints
        .iter()
        .map(|c| c.record_id)
        .max()
        .map_or_else(
            || "none".to_owned(),
            |id| format!("the last covers record {id}"),
        );
    println!(
        "OK: {} records chained, {} signed checkpoints ({last})",
        report.records,
        report.checkpoints.len()
    );
    Ok(())
}

async fn export(a: ExportArgs) -> anyhow::Result<()> {
    let store = open(&a.database).await?;
    let mut out = std::io::stdout().lock();
    let mut after = a.after;
    loop {
        let page = store.audit_page(after, 1000).await?;
        let Some(last) = page.last() else {
            break;
        };
        after = last.id;
        for r in &page {
            let details: serde_json::Value = serde_json::from_str(&r.details)
                .unwrap_or_else(|_| serde_json::Value::String(r.details.clone()));
            let line = serde_json::json!({
                "id": r.id,
                "at": time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(r.at_ms) * 1_000_000)
                    .ok()
                    .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok()),
                "actor": r.actor,
                "action": r.action,
                "subject": r.subject,
                "details": details,
                "hash": hex::encode(&r.hash),
            });
            writeln!(out, "{line}")?;
        }
    }
    store.close().await;
    Ok(())
}
