//! Fleet scale: bulk registration of eUICCs from CSV ([`CsvRegistration`], written in
//! batches of [`BULK_BATCH`] rows) and one operation queued for many eUICCs at once
//! ([`Eim::queue_bulk`]).

use rsp_codec::json::Eid;
use rsp_pki::TrustStore;

use crate::error::EimError;
use crate::model::{EimCurve, EuiccRecord, EuiccState, OperationKind};
use crate::service::{Eim, RegisterEuicc, check_chain, check_kind, parse_cert};
use crate::store::EimStore;

/// Rows of a bulk registration written per store call (one transaction, one statement).
pub const BULK_BATCH: usize = 10_000;

/// Row errors a bulk registration reports in detail (the rest are counted).
pub const BULK_ERRORS_SHOWN: usize = 1000;

/// The columns of a bulk registration CSV (header line; `eid` required).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CsvColumn {
    Eid,
    EimId,
    Curve,
    CounterValue,
    AssociationToken,
    EuiccCertificate,
    EumCertificate,
}

impl CsvColumn {
    const ALL: [(&'static str, Self); 7] = [
        ("eid", Self::Eid),
        ("eimId", Self::EimId),
        ("curve", Self::Curve),
        ("counterValue", Self::CounterValue),
        ("associationToken", Self::AssociationToken),
        ("euiccCertificate", Self::EuiccCertificate),
        ("eumCertificate", Self::EumCertificate),
    ];
}

/// A CSV row that was not registered.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowError {
    /// Line number in the file (the header is line 1).
    pub line: u64,
    /// The row's EID, as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eid: Option<String>,
    /// Why.
    pub error: String,
}

/// What a bulk registration did so far.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkReport {
    /// Data rows read (blank lines not counted).
    pub rows: u64,
    /// eUICCs registered.
    pub registered: u64,
    /// Rows whose EID was registered already, or came earlier in the file.
    pub duplicates: u64,
    /// Rows refused (a field not valid).
    pub invalid: u64,
    /// Every row up to this line was written or refused (batches are written whole).
    pub committed_through_line: u64,
    /// The first [`BULK_ERRORS_SHOWN`] refused and duplicate rows, by line.
    pub errors: Vec<RowError>,
    /// More rows were refused than `errors` shows.
    pub errors_truncated: bool,
}

/// A bulk registration from CSV (`eid,eimId,curve,counterValue[,associationToken,
/// euiccCertificate,eumCertificate]`, header first, any column order, only `eid`
/// required; certificates as base64 DER; fields without commas or quotes inside), fed line
/// by line and written in batches of [`BULK_BATCH`] rows, each batch in one transaction.
/// EIDs are checked with their check digits; a duplicate (registered already, or earlier in
/// the file) and a refused row are reported with their line number and do not stop the
/// others.
pub struct CsvRegistration<'a> {
    tenant: String,
    default_eim_id: String,
    trust: Option<&'a TrustStore>,
    curves: Option<Vec<EimCurve>>,
    columns: Vec<CsvColumn>,
    line: u64,
    seen: std::collections::HashMap<u128, u64>,
    batch: Vec<(u64, EuiccRecord)>,
    report: BulkReport,
}

impl<'a> CsvRegistration<'a> {
    /// A registration for `tenant` of eUICCs whose `eimId` defaults to `default_eim_id`;
    /// certificates are accepted when `trust` validates their chains (refused without it);
    /// `curves`, when given, are the curves the eIM has a key for.
    pub fn new(
        tenant: &str,
        default_eim_id: &str,
        trust: Option<&'a TrustStore>,
        curves: Option<Vec<EimCurve>>,
    ) -> Self {
        Self {
            tenant: tenant.to_owned(),
            default_eim_id: default_eim_id.to_owned(),
            trust,
            curves,
            columns: Vec::new(),
            line: 0,
            seen: std::collections::HashMap::new(),
            batch: Vec::new(),
            report: BulkReport::default(),
        }
    }

    /// The report so far.
    pub fn report(&self) -> &BulkReport {
        &self.report
    }

    /// Whether a batch is ready for [`CsvRegistration::flush`].
    pub fn batch_full(&self) -> bool {
        self.batch.len() >= BULK_BATCH
    }

    fn refuse(&mut self, line: u64, eid: Option<&str>, error: String) {
        if self.report.errors.len() < BULK_ERRORS_SHOWN {
            self.report.errors.push(RowError {
                line,
                eid: eid.map(str::to_owned),
                error,
            });
        } else {
            self.report.errors_truncated = true;
        }
    }

    /// Takes the next line of the file (without its line end). [`EimError::Invalid`] for a
    /// header that is not one (the whole file is refused then).
    pub fn line(&mut self, text: &str) -> Result<(), EimError> {
        self.line += 1;
        let text = text.strip_suffix('\r').unwrap_or(text);
        if self.columns.is_empty() {
            return self.header(text);
        }
        if text.trim().is_empty() {
            return Ok(());
        }
        self.report.rows += 1;
        let line = self.line;
        let fields: Vec<&str> = text.split(',').map(field).collect();
        let eid_text = self
            .columns
            .iter()
            .position(|c| *c == CsvColumn::Eid)
            .and_then(|i| fields.get(i).copied());
        match self.row(&fields) {
            Ok(record) => {
                let key = record.eid.as_str().parse::<u128>().unwrap_or(u128::MAX);
                if let Some(first) = self.seen.get(&key) {
                    let error = format!("duplicate of line {first}");
                    self.report.duplicates += 1;
                    self.refuse(line, eid_text, error);
                } else {
                    self.seen.insert(key, line);
                    self.batch.push((line, record));
                }
            }
            Err(e) => {
                self.report.invalid += 1;
                self.refuse(line, eid_text, e.to_string());
            }
        }
        if self.batch.is_empty() {
            self.report.committed_through_line = line;
        }
        Ok(())
    }

    fn header(&mut self, text: &str) -> Result<(), EimError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        for name in text.split(',').map(field) {
            let column = CsvColumn::ALL
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, c)| *c)
                .ok_or_else(|| {
                    EimError::invalid(format!(
                        "CSV header: unknown column {name:?} (expected eid, eimId, curve, \
                         counterValue, associationToken, euiccCertificate, eumCertificate)"
                    ))
                })?;
            if self.columns.contains(&column) {
                return Err(EimError::invalid(format!("CSV header: {name} twice")));
            }
            self.columns.push(column);
        }
        if !self.columns.contains(&CsvColumn::Eid) {
            return Err(EimError::invalid("CSV header: no eid column"));
        }
        self.report.committed_through_line = 1;
        Ok(())
    }

    fn row(&self, fields: &[&str]) -> Result<EuiccRecord, EimError> {
        if fields.len() != self.columns.len() {
            return Err(EimError::invalid(format!(
                "row: {} fields, the header has {}",
                fields.len(),
                self.columns.len()
            )));
        }
        let mut r = RegisterEuicc {
            eid: String::new(),
            eim_id: None,
            counter_value: None,
            association_token: None,
            curve: None,
            euicc_certificate: None,
            eum_certificate: None,
        };
        let int = |what: &str, v: &str| {
            v.parse::<i64>()
                .map_err(|_| EimError::invalid(format!("{what} (an integer)")))
        };
        for (column, value) in self.columns.iter().zip(fields) {
            let value = *value;
            if value.is_empty() {
                continue;
            }
            match column {
                CsvColumn::Eid => value.clone_into(&mut r.eid),
                CsvColumn::EimId => r.eim_id = Some(value.to_owned()),
                CsvColumn::Curve => {
                    r.curve = Some(
                        EimCurve::parse(value)
                            .ok_or_else(|| EimError::invalid("curve (nist or brainpool)"))?,
                    );
                }
                CsvColumn::CounterValue => r.counter_value = Some(int("counterValue", value)?),
                CsvColumn::AssociationToken => {
                    r.association_token = Some(int("associationToken", value)?);
                }
                CsvColumn::EuiccCertificate => r.euicc_certificate = Some(value.to_owned()),
                CsvColumn::EumCertificate => r.eum_certificate = Some(value.to_owned()),
            }
        }
        rsp_pki::validate_eid(&r.eid).map_err(|e| EimError::invalid(format!("eid: {e}")))?;
        let eid = Eid::parse(&r.eid).map_err(|_| EimError::invalid("eid"))?;
        let eim_id = r.eim_id.unwrap_or_else(|| self.default_eim_id.clone());
        if eim_id.is_empty() || eim_id.len() > 128 {
            return Err(EimError::invalid("eimId"));
        }
        let curve = r.curve.unwrap_or_default();
        if let Some(curves) = &self.curves
            && !curves.contains(&curve)
        {
            return Err(EimError::NoKey(curve.as_str()));
        }
        let counter_value = r.counter_value.unwrap_or(0);
        if counter_value < 0 {
            return Err(EimError::invalid("counterValue"));
        }
        let certs = match (&r.euicc_certificate, &r.eum_certificate) {
            (None, None) => None,
            (Some(e), Some(m)) => {
                let trust = self.trust.ok_or_else(|| {
                    EimError::invalid("certificates (no CI to validate them against)")
                })?;
                let (euicc, eum) = (
                    parse_cert("euiccCertificate", e)?,
                    parse_cert("eumCertificate", m)?,
                );
                check_chain(trust, &eid, &euicc, &eum)?;
                Some((euicc.der().to_vec(), eum.der().to_vec()))
            }
            _ => {
                return Err(EimError::invalid(
                    "euiccCertificate and eumCertificate go together",
                ));
            }
        };
        Ok(EuiccRecord {
            eid,
            tenant: self.tenant.clone(),
            eim_id,
            counter_value,
            association_token: r.association_token,
            curve,
            euicc_certificate: certs.as_ref().map(|c| c.0.clone()),
            eum_certificate: certs.map(|c| c.1),
            state: EuiccState::default(),
            created_at_ms: crate::now_ms(),
        })
    }

    /// Writes the rows read so far (one transaction); the EIDs registered already are
    /// reported as duplicates. On a storage error nothing of the batch is written and the
    /// report's `committedThroughLine` tells where to resume.
    pub async fn flush<S: EimStore>(&mut self, store: &S) -> Result<(), EimError> {
        if self.batch.is_empty() {
            self.report.committed_through_line = self.line.max(1);
            return Ok(());
        }
        let records: Vec<EuiccRecord> = self.batch.iter().map(|(_, r)| r.clone()).collect();
        let duplicates = store.register_euiccs(&records).await?;
        let duplicates: std::collections::HashSet<&str> =
            duplicates.iter().map(Eid::as_str).collect();
        let batch = std::mem::take(&mut self.batch);
        for (line, record) in &batch {
            if duplicates.contains(record.eid.as_str()) {
                self.report.duplicates += 1;
                self.refuse(
                    *line,
                    Some(record.eid.as_str()),
                    "already registered".into(),
                );
            } else {
                self.report.registered += 1;
            }
        }
        self.report.errors.sort_by_key(|e| e.line);
        self.report.committed_through_line = self.line.max(1);
        Ok(())
    }

    /// Ends the file: writes the last batch; the report. [`EimError::Invalid`] for a file
    /// without a header.
    pub async fn finish<S: EimStore>(mut self, store: &S) -> Result<BulkReport, EimError> {
        if self.columns.is_empty() {
            return Err(EimError::invalid("CSV: no header line"));
        }
        self.flush(store).await?;
        Ok(self.report)
    }
}

/// A CSV field: trimmed, surrounding double quotes removed.
fn field(f: &str) -> &str {
    let f = f.trim();
    f.strip_prefix('"')
        .and_then(|f| f.strip_suffix('"'))
        .unwrap_or(f)
}
impl<S: EimStore> Eim<S> {
    /// A bulk registration from CSV for `tenant` ([`CsvRegistration`]), with this eIM's
    /// default `eimId`, CIs and keys.
    pub fn csv_registration(&self, tenant: &str) -> CsvRegistration<'_> {
        let curves = [EimCurve::Nist, EimCurve::Brainpool]
            .into_iter()
            .filter(|c| self.keys.signer(*c).is_ok())
            .collect();
        CsvRegistration::new(tenant, &self.keys.eim_id, Some(&self.trust), Some(curves))
    }

    /// Queues the same operation for many eUICCs of `tenant` in one statement: those of
    /// `eids` (EIDs not the tenant's are skipped and returned) or, with `None`, all of
    /// them; the number queued and the EIDs skipped.
    pub async fn queue_bulk(
        &self,
        tenant: &str,
        eids: Option<&[String]>,
        mut kind: OperationKind,
    ) -> Result<(u64, Vec<String>), EimError> {
        check_kind(&mut kind)?;
        let Some(texts) = eids else {
            let (n, _) = self
                .store
                .queue_operations(tenant, crate::store::BulkTarget::All, &kind)
                .await?;
            return Ok((n, Vec::new()));
        };
        let mut list = Vec::with_capacity(texts.len());
        let mut skipped = Vec::new();
        for t in texts {
            match Eid::parse(t) {
                Ok(e) => list.push(e),
                Err(_) => skipped.push(t.clone()),
            }
        }
        let (n, queued) = self
            .store
            .queue_operations(tenant, crate::store::BulkTarget::Eids(&list), &kind)
            .await?;
        let queued: std::collections::HashSet<&str> = queued.iter().map(Eid::as_str).collect();
        skipped.extend(
            list.iter()
                .filter(|e| !queued.contains(e.as_str()))
                .map(|e| e.as_str().to_owned()),
        );
        Ok((n, skipped))
    }
}
