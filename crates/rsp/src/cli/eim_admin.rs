//! `rsp eim …`: administration of an eIM's database, beside `rsp serve eim`. `import`
//! registers a fleet of eUICCs from a CSV file straight into the database (the same rows
//! and checks as `POST /eim/v1/euiccs:bulk`, written in batches of 10 000 per
//! transaction), with progress on stderr and the report (JSON) on stdout.

use std::io::BufRead;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use rsp_eim::EimStore;
use rsp_eim::service::CsvRegistration;
use rsp_pki::{Cert, TrustStore};

#[derive(Debug, Subcommand)]
pub enum EimCommand {
    /// Register eUICCs from a CSV file (`eid,eimId,curve,counterValue`, optional
    /// `associationToken,euiccCertificate,eumCertificate`; docs/eim.md) for a tenant.
    Import(ImportArgs),
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Database URL of the eIM (sqlite://FILE or postgres://…).
    #[arg(long, env = "RSP_EIM_DATABASE", value_name = "URL")]
    database: String,
    /// The tenant the eUICCs belong to (configured in `rsp serve eim`).
    #[arg(long, value_name = "ID")]
    tenant: String,
    /// The eimId of rows without one [default: eim.localhost, as `rsp serve eim`].
    #[arg(long, env = "RSP_EIM_EIM_ID")]
    eim_id: Option<String>,
    /// CI certificate(s) (PEM) validating rows with certificates; repeatable [default:
    /// rows with certificates are refused].
    #[arg(long, value_name = "FILE", value_delimiter = ',')]
    ci: Vec<PathBuf>,
    /// The CSV file (`-`: standard input).
    file: PathBuf,
}

pub fn run(cmd: EimCommand) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        match cmd {
            EimCommand::Import(a) => import(a).await,
        }
    })
}

async fn import(a: ImportArgs) -> anyhow::Result<()> {
    let mut trust = TrustStore::new();
    for p in &a.ci {
        let pem = std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
        for cert in Cert::all_from_pem(&pem).with_context(|| format!("parsing {}", p.display()))? {
            trust.add_ci(cert);
        }
    }
    let input: Box<dyn BufRead> = if a.file.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(std::io::BufReader::with_capacity(
            1 << 20,
            std::fs::File::open(&a.file)
                .with_context(|| format!("opening {}", a.file.display()))?,
        ))
    };
    // The eIM tables hold no encrypted column: any data key opens them.
    let key = super::serve::unused_data_key("eim-import")?;
    let store = super::serve::open_store(&a.database, key).await?;
    if store
        .tenant(&a.tenant)
        .await
        .map_err(|e| anyhow::anyhow!("database: {e}"))?
        .is_none()
    {
        bail!(
            "no tenant {:?} in this database (start rsp serve eim with it once)",
            a.tenant
        );
    }
    let eim_id = a.eim_id.as_deref().unwrap_or("eim.localhost");
    let trust = (!a.ci.is_empty()).then_some(&trust);
    let mut registration = CsvRegistration::new(&a.tenant, eim_id, trust, None);
    let start = Instant::now();
    let mut last = Instant::now();
    for line in input.lines() {
        let line = line.context("reading the CSV (UTF-8 lines)")?;
        registration.line(&line)?;
        if registration.batch_full() {
            registration.flush(&store).await.map_err(|e| {
                anyhow::anyhow!(
                    "{e}; rows up to line {} are written",
                    registration.report().committed_through_line
                )
            })?;
            if last.elapsed().as_secs() >= 1 {
                last = Instant::now();
                let r = registration.report();
                eprintln!(
                    "eim import: line {}, {} registered, {} duplicates, {} refused ({:.0} rows/s)",
                    r.committed_through_line,
                    r.registered,
                    r.duplicates,
                    r.invalid,
                    r.rows as f64 / start.elapsed().as_secs_f64().max(1e-3)
                );
            }
        }
    }
    let report = registration.finish(&store).await?;
    eprintln!(
        "eim import: {} rows in {:.1} s: {} registered, {} duplicates, {} refused",
        report.rows,
        start.elapsed().as_secs_f64(),
        report.registered,
        report.duplicates,
        report.invalid
    );
    println!("{}", serde_json::to_string_pretty(&report)?);
    store.close().await;
    Ok(())
}
