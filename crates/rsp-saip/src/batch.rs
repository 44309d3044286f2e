//! Batches: one template and a personalisation file (CSV with a header row naming the
//! fields of [`crate::personalise::FIELDS`], or JSON lines) give one package per row.
//!
//! Rows are streamed (constant memory apart from the 16-byte ICCID/IMSI keys kept to
//! detect duplicates). Packages are written into a temporary directory beside the
//! target, renamed to the target only when every row succeeded: a bad row rejects the
//! whole batch, with its line number, and leaves nothing behind.

use std::collections::HashMap;
use std::fs;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::error::CodecError;
use crate::package::ProfilePackage;
use crate::patch::personalise_der;
use crate::personalise::{PersoError, Personalisation};

/// Format of the personalisation data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataFormat {
    /// CSV, first row = field names.
    Csv,
    /// One JSON object per line, keys = field names, values strings or numbers.
    JsonLines,
}

impl DataFormat {
    /// From a file extension: `.jsonl`/`.ndjson`/`.json` → JSON lines, else CSV.
    pub fn from_path(p: &Path) -> Self {
        match p
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("jsonl" | "ndjson" | "json") => Self::JsonLines,
            _ => Self::Csv,
        }
    }
}

/// A batch failed; nothing was written.
#[derive(Debug, Error)]
pub enum BatchError {
    #[error("template: {0}")]
    Template(#[from] CodecError),
    #[error("line {line}: {source}")]
    Row { line: u64, source: PersoError },
    #[error("line {line}: duplicate {what} {value} (first on line {first})")]
    Duplicate {
        line: u64,
        what: &'static str,
        value: String,
        first: u64,
    },
    #[error("line {line}: {reason}")]
    Syntax { line: u64, reason: String },
    #[error("line {line}: {reason}")]
    Rejected { line: u64, reason: String },
    #[error("output {0} already exists")]
    OutputExists(PathBuf),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
}

/// What a successful batch produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchReport {
    pub profiles: u64,
    pub out_dir: PathBuf,
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> BatchError + '_ {
    move |source| BatchError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// One data row: its line number and (field, value) pairs.
type Row = (u64, Vec<(String, String)>);

fn csv_rows(reader: impl Read) -> impl Iterator<Item = Result<Row, BatchError>> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(reader);
    let headers = rdr
        .headers()
        .map(|h| h.iter().map(str::to_string).collect::<Vec<_>>());
    let mut records = rdr.into_records();
    let mut failed = false;
    let mut headers = Some(headers);
    let mut names: Vec<String> = Vec::new();
    std::iter::from_fn(move || {
        if failed {
            return None;
        }
        if let Some(h) = headers.take() {
            match h {
                Ok(h) => names = h,
                Err(e) => {
                    failed = true;
                    return Some(Err(BatchError::Syntax {
                        line: 1,
                        reason: e.to_string(),
                    }));
                }
            }
        }
        let rec = records.next()?;
        Some(match rec {
            Ok(r) => {
                let line = r.position().map_or(0, csv::Position::line);
                Ok((
                    line,
                    names
                        .iter()
                        .cloned()
                        .zip(r.iter().map(str::to_string))
                        .collect(),
                ))
            }
            Err(e) => {
                failed = true;
                let line = e.position().map_or(0, csv::Position::line);
                Err(BatchError::Syntax {
                    line,
                    reason: e.to_string(),
                })
            }
        })
    })
}

fn json_rows(reader: impl Read) -> impl Iterator<Item = Result<Row, BatchError>> {
    BufReader::new(reader)
        .lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let line = i as u64 + 1;
            let l = match l {
                Ok(l) => l,
                Err(e) => {
                    return Some(Err(BatchError::Syntax {
                        line,
                        reason: e.to_string(),
                    }));
                }
            };
            if l.trim().is_empty() {
                return None;
            }
            Some(
                match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&l) {
                    Ok(m) => m
                        .into_iter()
                        .map(|(k, v)| match v {
                            serde_json::Value::String(s) => Ok((k, s)),
                            serde_json::Value::Number(n) => Ok((k, n.to_string())),
                            serde_json::Value::Null => Ok((k, String::new())),
                            _ => Err(BatchError::Syntax {
                                line,
                                reason: format!("field '{k}' is not a string or number"),
                            }),
                        })
                        .collect::<Result<Vec<_>, _>>()
                        .map(|f| (line, f)),
                    Err(e) => Err(BatchError::Syntax {
                        line,
                        reason: format!("not a JSON object: {e}"),
                    }),
                },
            )
        })
}

/// ICCID/IMSI digits as a number (≤ 20 digits fit in a u128) for the duplicate sets.
fn key(s: &str) -> u128 {
    s.bytes().fold(0u128, |a, b| {
        a.wrapping_mul(10)
            .wrapping_add(u128::from(b.wrapping_sub(b'0')))
    }) | (s.len() as u128) << 120
}

/// Runs a batch: `template` DER, `data` rows, packages written to `out_dir/<ICCID>.der`
/// (or `row-<line>.der` without an ICCID). `progress(rows_done)` is called after each row.
pub fn run(
    template: &[u8],
    data: impl Read,
    format: DataFormat,
    out_dir: &Path,
    mut progress: impl FnMut(u64),
) -> Result<BatchReport, BatchError> {
    // Decoded once with the typed model, so a bad template fails before any row.
    ProfilePackage::decode(template)?;
    if out_dir.exists() {
        return Err(BatchError::OutputExists(out_dir.to_path_buf()));
    }
    let parent = out_dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = out_dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "batch".into());
    let tmp = parent.join(format!(".{name}.partial-{}", std::process::id()));
    fs::create_dir_all(&tmp).map_err(io_err(&tmp))?;
    let result = write_all(template, data, format, &tmp, &mut progress);
    match result {
        Ok(n) => {
            fs::rename(&tmp, out_dir).map_err(|e| {
                let _ = fs::remove_dir_all(&tmp);
                BatchError::Io {
                    path: out_dir.to_path_buf(),
                    source: e,
                }
            })?;
            Ok(BatchReport {
                profiles: n,
                out_dir: out_dir.to_path_buf(),
            })
        }
        Err(e) => {
            let _ = fs::remove_dir_all(&tmp);
            Err(e)
        }
    }
}

fn write_all(
    template: &[u8],
    data: impl Read,
    format: DataFormat,
    dir: &Path,
    progress: &mut impl FnMut(u64),
) -> Result<u64, BatchError> {
    for_each_profile(template, data, format, |row| {
        let file = dir.join(match row.iccid {
            Some(i) => format!("{i}.der"),
            None => format!("row-{}.der", row.line),
        });
        fs::write(&file, &row.package).map_err(io_err(&file))?;
        progress(row.index);
        Ok(())
    })
}

/// One personalised profile of a batch, handed to the sink of [`for_each_profile`].
#[derive(Debug)]
pub struct BatchProfile<'a> {
    /// Line of the data file the row came from.
    pub line: u64,
    /// 1-based count of profiles produced so far, this one included.
    pub index: u64,
    /// The row's ICCID (digits as given), when the row sets one.
    pub iccid: Option<&'a str>,
    /// The personalised package (DER ProfileElements).
    pub package: Vec<u8>,
}

/// Streams a batch: every row of `data` is checked (syntax, field values, duplicate ICCID
/// or IMSI), applied to `template` with the in-place fast path, and handed to `sink`.
/// Stops at the first bad row or sink error; returns the number of profiles produced.
/// Callers that must not keep a partial batch (files, database) make `sink` write into
/// something they discard on error.
pub fn for_each_profile(
    template: &[u8],
    data: impl Read,
    format: DataFormat,
    mut sink: impl FnMut(BatchProfile<'_>) -> Result<(), BatchError>,
) -> Result<u64, BatchError> {
    // Decoded once with the typed model, so a bad template fails before any row.
    ProfilePackage::decode(template)?;
    let rows: Box<dyn Iterator<Item = Result<Row, BatchError>>> = match format {
        DataFormat::Csv => Box::new(csv_rows(data)),
        DataFormat::JsonLines => Box::new(json_rows(data)),
    };
    // ICCID and IMSI keys (IMSI ones marked by the top bit) → first line seen.
    let mut seen: HashMap<u128, u64> = HashMap::new();
    let mut n = 0u64;
    for row in rows {
        let (line, fields) = row?;
        let mut p = Personalisation::default();
        for (k, v) in &fields {
            p.set(k, v)
                .map_err(|source| BatchError::Row { line, source })?;
        }
        for (what, value) in [
            ("ICCID", p.iccid.as_ref().map(|i| i.as_str().to_string())),
            ("IMSI", p.imsi.as_ref().map(|i| i.as_str().to_string())),
        ] {
            if let Some(v) = value {
                let k = key(&v) | u128::from(what == "IMSI") << 127;
                if let Some(first) = seen.insert(k, line) {
                    return Err(BatchError::Duplicate {
                        line,
                        what,
                        value: v,
                        first,
                    });
                }
            }
        }
        let package =
            personalise_der(template, &p).map_err(|source| BatchError::Row { line, source })?;
        n += 1;
        sink(BatchProfile {
            line,
            index: n,
            iccid: p.iccid.as_ref().map(|i| i.as_str()),
            package,
        })?;
    }
    Ok(n)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn format_from_extension() {
        assert_eq!(
            DataFormat::from_path(Path::new("a.jsonl")),
            DataFormat::JsonLines
        );
        assert_eq!(DataFormat::from_path(Path::new("a.csv")), DataFormat::Csv);
    }

    #[test]
    fn keys_distinguish_leading_zeros() {
        assert_ne!(key("001"), key("01"));
    }
}
