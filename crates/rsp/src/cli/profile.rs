//! `rsp profile …`: TCA eUICC Profile Package (SAIP) tools. Thin wrapper over `rsp_saip`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use rsp_saip::batch::{self, DataFormat};
use rsp_saip::patch::personalise_der;
use rsp_saip::{Personalisation, ProfilePackage, inspect, template, validate};

#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Show the elements of a profile package: order, sizes, ICCID, IMSI, services, files.
    Inspect {
        /// Profile package file (DER).
        file: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Check a package against the SAIP rules; exits non-zero when an error is found.
    Validate {
        /// Profile package file (DER).
        file: PathBuf,
        /// Print the findings as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Set ICCID, IMSI, keys, PINs… in a template; with no value, OUT equals TEMPLATE.
    Personalise(Box<PersonaliseArgs>),
    /// One package per row of a CSV (header row of field names) or JSON-lines file.
    Batch {
        /// Template package (DER).
        template: PathBuf,
        /// Personalisation data: .csv, or .jsonl/.ndjson for JSON lines.
        data: PathBuf,
        /// Output directory (must not exist; created only if every row succeeds).
        #[arg(long)]
        out: PathBuf,
        /// Data format, if the extension does not tell.
        #[arg(long, value_parser = ["csv", "jsonl"])]
        format: Option<String>,
    },
    /// Write the project's generic USIM+ISIM test template.
    Template {
        /// Output file.
        #[arg(short, long)]
        out: PathBuf,
    },
}

/// Arguments of `personalise`.
#[derive(Debug, Args)]
pub struct PersonaliseArgs {
    /// Template package (DER).
    template: PathBuf,
    #[command(flatten)]
    values: PersoArgs,
    /// Output file.
    #[arg(short, long)]
    out: PathBuf,
}

/// Values for `personalise` (field names as in CSV/JSON batches).
#[derive(Debug, Args)]
pub struct PersoArgs {
    /// ICCID: 18 digits (check digit appended) or 19–20 digits (check digit verified).
    #[arg(long)]
    iccid: Option<String>,
    /// IMSI, 6 to 15 digits.
    #[arg(long)]
    imsi: Option<String>,
    /// K (Ki), hex.
    #[arg(long, env = "RSP_PROFILE_KI", hide_env_values = true)]
    ki: Option<String>,
    /// OPc (TOPc for TUAK), hex.
    #[arg(long, env = "RSP_PROFILE_OPC", hide_env_values = true)]
    opc: Option<String>,
    /// OP, hex (OPc derived with K; Milenage only).
    #[arg(long, env = "RSP_PROFILE_OP", hide_env_values = true)]
    op: Option<String>,
    /// PIN1, 4–8 digits.
    #[arg(long)]
    pin1: Option<String>,
    /// PIN2, 4–8 digits.
    #[arg(long)]
    pin2: Option<String>,
    /// ADM1: 8 digits or 16 hex digits.
    #[arg(long, env = "RSP_PROFILE_ADM1", hide_env_values = true)]
    adm1: Option<String>,
    /// ADM2: 8 digits or 16 hex digits.
    #[arg(long)]
    adm2: Option<String>,
    /// PUK1, 8 digits.
    #[arg(long)]
    puk1: Option<String>,
    /// PUK2, 8 digits.
    #[arg(long)]
    puk2: Option<String>,
    /// Key version of the OTA keys (hex, e.g. 01); default: every SCP80 key set.
    #[arg(long)]
    kvn: Option<String>,
    /// OTA KIc (key identifier 1), hex.
    #[arg(long, env = "RSP_PROFILE_KIC", hide_env_values = true)]
    kic: Option<String>,
    /// OTA KID (key identifier 2), hex.
    #[arg(long, env = "RSP_PROFILE_KID", hide_env_values = true)]
    kid: Option<String>,
    /// OTA KIK (key identifier 3), hex.
    #[arg(long, env = "RSP_PROFILE_KIK", hide_env_values = true)]
    kik: Option<String>,
    /// MSISDN for EF.MSISDN, e.g. +33612345678.
    #[arg(long)]
    msisdn: Option<String>,
    /// SMS service centre for EF.SMSP, e.g. +33609001390.
    #[arg(long)]
    smsc: Option<String>,
}

impl PersoArgs {
    fn to_personalisation(&self) -> anyhow::Result<Personalisation> {
        let mut p = Personalisation::default();
        let fields = [
            ("iccid", &self.iccid),
            ("imsi", &self.imsi),
            ("ki", &self.ki),
            ("opc", &self.opc),
            ("op", &self.op),
            ("pin1", &self.pin1),
            ("pin2", &self.pin2),
            ("adm1", &self.adm1),
            ("adm2", &self.adm2),
            ("puk1", &self.puk1),
            ("puk2", &self.puk2),
            ("kvn", &self.kvn),
            ("kic", &self.kic),
            ("kid", &self.kid),
            ("kik", &self.kik),
            ("msisdn", &self.msisdn),
            ("smsc", &self.smsc),
        ];
        for (name, value) in fields {
            if let Some(v) = value {
                p.set(name, v)?;
            }
        }
        Ok(p)
    }
}

fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("reading {}", path.display()))
}

fn decode(path: &Path) -> anyhow::Result<ProfilePackage> {
    let bytes = read(path)?;
    ProfilePackage::decode(&bytes).with_context(|| format!("decoding {}", path.display()))
}

pub fn run(cmd: ProfileCommand) -> anyhow::Result<()> {
    match cmd {
        ProfileCommand::Inspect { file, json } => {
            let summary = inspect::summarise(&decode(&file)?);
            if json {
                emit(&format!("{}\n", summary.to_json()))
            } else {
                emit(&summary.to_string())
            }
        }
        ProfileCommand::Validate { file, json } => {
            let findings = validate(&decode(&file)?);
            if json {
                emit(&format!(
                    "{}\n",
                    rsp_saip::validate::findings_json(&findings)
                ))?;
            } else {
                emit(
                    &findings
                        .iter()
                        .map(|f| format!("{f}\n"))
                        .collect::<String>(),
                )?;
            }
            let errors = findings
                .iter()
                .filter(|f| f.severity == rsp_saip::Severity::Error)
                .count();
            if errors > 0 {
                bail!(
                    "{}: {errors} error(s), {} warning(s)",
                    file.display(),
                    findings.len() - errors
                );
            }
            if json {
                return Ok(());
            }
            emit(&format!(
                "{}: valid ({} warning(s))\n",
                file.display(),
                findings.len()
            ))
        }
        ProfileCommand::Personalise(args) => {
            let PersonaliseArgs {
                template,
                values,
                out,
            } = *args;
            let p = values.to_personalisation()?;
            let bytes = read(&template)?;
            ProfilePackage::decode(&bytes)
                .with_context(|| format!("decoding {}", template.display()))?;
            let encoded = if p.is_empty() {
                bytes
            } else {
                personalise_der(&bytes, &p)?
            };
            write_new(&out, &encoded)
        }
        ProfileCommand::Batch {
            template,
            data,
            out,
            format,
        } => {
            let format = match format.as_deref() {
                Some("jsonl") => DataFormat::JsonLines,
                Some(_) => DataFormat::Csv,
                None => DataFormat::from_path(&data),
            };
            let total = count_rows(&data, format)?;
            let tpl = read(&template)?;
            let input = std::fs::File::open(&data)
                .with_context(|| format!("reading {}", data.display()))?;
            let mut stderr = std::io::stderr();
            let report = batch::run(&tpl, input, format, &out, |n| {
                if n % 100 == 0 || n == total {
                    let _ = write!(stderr, "\r{}", progress_bar(n, total));
                    let _ = stderr.flush();
                }
            });
            let _ = writeln!(std::io::stderr());
            let report = report?;
            emit(&format!(
                "{} profiles written to {}\n",
                report.profiles,
                report.out_dir.display()
            ))
        }
        ProfileCommand::Template { out } => write_new(&out, &template::generic().encode()?),
    }
}

/// Prints to stdout; a closed pipe (e.g. `| head`) is not an error.
fn emit(text: &str) -> anyhow::Result<()> {
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// Writes through a temporary file and a rename, so that OUT is never half-written.
fn write_new(out: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let tmp = out.with_extension("partial");
    std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, out).with_context(|| format!("writing {}", out.display()))
}

/// Data rows (lines less the CSV header, or non-empty JSON lines), for the progress bar.
fn count_rows(data: &Path, format: DataFormat) -> anyhow::Result<u64> {
    use std::io::BufRead;
    let f = std::fs::File::open(data).with_context(|| format!("reading {}", data.display()))?;
    let lines = std::io::BufReader::new(f)
        .lines()
        .map_while(Result::ok)
        .filter(|l| !l.trim().is_empty())
        .count() as u64;
    Ok(match format {
        DataFormat::Csv => lines.saturating_sub(1),
        DataFormat::JsonLines => lines,
    })
}

fn progress_bar(done: u64, total: u64) -> String {
    const WIDTH: u64 = 40;
    let filled = (done * WIDTH)
        .checked_div(total)
        .unwrap_or(WIDTH)
        .min(WIDTH) as usize;
    format!(
        "[{}{}] {done}/{total}",
        "#".repeat(filled),
        " ".repeat(WIDTH as usize - filled)
    )
}
