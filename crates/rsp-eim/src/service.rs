//! The eIM service over a store: its keys and trust anchors, and the northbound operations
//! of a tenant (register eUICCs with their certificate chain, queue operations, read them).
//! The ESipa functions are in [`crate::esipa`].

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use rsp_codec::asn1::Octet16;
use rsp_codec::json::Eid;
use rsp_crypto::Signer;
use rsp_pki::{Cert, Role, TrustStore};
use serde::Deserialize;

use crate::error::EimError;
use crate::model::{EimCurve, EuiccRecord, EuiccState, Operation, OperationKind};
use crate::package;
use crate::store::EimStore;

/// The eIM's identity: its `eimId` (the default of new associations) and its signing key
/// per curve (through [`Signer`], so an HSM key fits).
#[derive(Clone)]
pub struct EimKeys {
    /// Default `eimId`.
    pub eim_id: String,
    signers: Vec<(EimCurve, Arc<dyn Signer>)>,
}

impl EimKeys {
    /// No key yet.
    pub fn new(eim_id: impl Into<String>) -> Self {
        Self {
            eim_id: eim_id.into(),
            signers: Vec::new(),
        }
    }

    /// Adds the key of `curve`.
    pub fn with(mut self, curve: EimCurve, signer: Arc<dyn Signer>) -> Self {
        self.signers.push((curve, signer));
        self
    }

    pub(crate) fn signer(&self, curve: EimCurve) -> Result<&dyn Signer, EimError> {
        self.signers
            .iter()
            .find(|(c, _)| *c == curve)
            .map(|(_, s)| s.as_ref())
            .ok_or(EimError::NoKey(curve.as_str()))
    }
}

/// The API's registration of one eUICC.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RegisterEuicc {
    /// EID (32 digits).
    pub eid: String,
    /// The eIM's `eimId` on this eUICC [default: the eIM's].
    #[serde(default)]
    pub eim_id: Option<String>,
    /// The counter value last used with the eUICC (the association's initial one) [0].
    #[serde(default)]
    pub counter_value: Option<i64>,
    /// The association token, if any.
    #[serde(default)]
    pub association_token: Option<i64>,
    /// Curve of the eIM key in the association [nist].
    #[serde(default)]
    pub curve: Option<EimCurve>,
    /// eUICC certificate: PEM or base64 DER.
    #[serde(default)]
    pub euicc_certificate: Option<String>,
    /// EUM certificate: PEM or base64 DER.
    #[serde(default)]
    pub eum_certificate: Option<String>,
}

/// The eIM service.
pub struct Eim<S> {
    pub(crate) store: S,
    pub(crate) keys: EimKeys,
    pub(crate) trust: TrustStore,
    pub(crate) lease: Duration,
}

fn parse_cert(field: &'static str, text: &str) -> Result<Cert, EimError> {
    let bytes = if text.contains("-----BEGIN") {
        text.as_bytes().to_vec()
    } else {
        base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|_| EimError::invalid(field))?
    };
    Cert::from_bytes(&bytes).map_err(|_| EimError::invalid(field))
}

/// Checks an operation before it is queued, and keeps only the SHA-256 of a download's
/// Confirmation Code.
fn check_kind(kind: &mut OperationKind) -> Result<(), EimError> {
    if let OperationKind::Download {
        confirmation_code,
        confirmation_code_sha256,
        ..
    } = kind
    {
        if let Some(code) = confirmation_code.take() {
            if code.is_empty() || confirmation_code_sha256.is_some() {
                return Err(EimError::invalid(
                    "confirmationCode (not empty, not with confirmationCodeSha256)",
                ));
            }
            *confirmation_code_sha256 = Some(hex::encode(crate::token_hash(&code)));
        }
        if let Some(h) = confirmation_code_sha256
            && !matches!(hex::decode(&*h), Ok(b) if b.len() == 32)
        {
            return Err(EimError::invalid("confirmationCodeSha256 (64 hex digits)"));
        }
    }
    match &*kind {
        OperationKind::Psmo { psmos } => package::check_psmos(psmos)?,
        OperationKind::Eco { ecos } => package::check_ecos(ecos)?,
        OperationKind::IpaEuiccData { tag_list } => {
            package::ipa_euicc_data_request(tag_list.as_deref(), &[0])?;
        }
        OperationKind::Download {
            activation_code,
            smdp_address,
            matching_id,
            smds_address,
            ..
        } => {
            package::download_data(
                activation_code.as_deref(),
                smdp_address.as_deref(),
                matching_id.as_deref(),
                smds_address.as_deref(),
            )?;
        }
    }
    Ok(())
}

pub(crate) fn random_transaction_id() -> Result<Vec<u8>, EimError> {
    let mut tid = vec![0u8; 16];
    getrandom::fill(&mut tid).map_err(|e| EimError::Sign(format!("random generator: {e}")))?;
    Ok(tid)
}

pub(crate) fn eid_of(octets: &Octet16) -> Option<Eid> {
    Eid::parse(&hex::encode_upper(octets.as_bytes())).ok()
}

impl<S: EimStore> Eim<S> {
    /// The eIM over `store`, signing with `keys`, trusting the CIs of `trust` for eUICC
    /// chains; an undelivered answer is handed out again after 60 s.
    pub fn new(store: S, keys: EimKeys, trust: TrustStore) -> Self {
        Self {
            store,
            keys,
            trust,
            lease: Duration::from_secs(60),
        }
    }

    /// Sets how long a delivered operation waits for its result before it is handed out
    /// again.
    pub fn with_lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Validates an eUICC chain (CI → EUM → eUICC, GSMA rules) for `eid`.
    pub(crate) fn check_chain(&self, eid: &Eid, euicc: &Cert, eum: &Cert) -> Result<(), EimError> {
        check_chain(&self.trust, eid, euicc, eum)
    }

    /// Registers an eUICC for `tenant`.
    pub async fn register(&self, tenant: &str, r: &RegisterEuicc) -> Result<EuiccRecord, EimError> {
        let eid = Eid::parse(&r.eid).map_err(|_| EimError::invalid("eid"))?;
        let eim_id = r.eim_id.clone().unwrap_or_else(|| self.keys.eim_id.clone());
        if eim_id.is_empty() || eim_id.len() > 128 {
            return Err(EimError::invalid("eimId"));
        }
        let certs = match (&r.euicc_certificate, &r.eum_certificate) {
            (Some(e), Some(m)) => {
                let (euicc, eum) = (
                    parse_cert("euiccCertificate", e)?,
                    parse_cert("eumCertificate", m)?,
                );
                self.check_chain(&eid, &euicc, &eum)?;
                Some((euicc.der().to_vec(), eum.der().to_vec()))
            }
            (None, None) => None,
            _ => {
                return Err(EimError::invalid(
                    "euiccCertificate and eumCertificate go together",
                ));
            }
        };
        let counter_value = r.counter_value.unwrap_or(0);
        if counter_value < 0 {
            return Err(EimError::invalid("counterValue"));
        }
        let record = EuiccRecord {
            eid,
            tenant: tenant.to_owned(),
            eim_id,
            counter_value,
            association_token: r.association_token,
            curve: r.curve.unwrap_or_default(),
            euicc_certificate: certs.as_ref().map(|c| c.0.clone()),
            eum_certificate: certs.map(|c| c.1),
            state: EuiccState::default(),
            created_at_ms: crate::now_ms(),
        };
        self.keys.signer(record.curve)?;
        self.store.register_euicc(&record).await?;
        Ok(record)
    }

    /// The eUICC `eid` of `tenant` ([`EimError::NotFound`] for another tenant's).
    pub async fn euicc(&self, tenant: &str, eid: &str) -> Result<EuiccRecord, EimError> {
        let eid = Eid::parse(eid).map_err(|_| EimError::NotFound)?;
        match self.store.euicc(&eid).await? {
            Some(e) if e.tenant == tenant => Ok(e),
            _ => Err(EimError::NotFound),
        }
    }

    /// Queues `kind` for the eUICC `eid` of `tenant`.
    pub async fn queue(
        &self,
        tenant: &str,
        eid: &str,
        mut kind: OperationKind,
    ) -> Result<Operation, EimError> {
        let euicc = self.euicc(tenant, eid).await?;
        check_kind(&mut kind)?;
        let id = self
            .store
            .queue_operation(&euicc.eid, tenant, &kind)
            .await?;
        self.store.operation(id).await?.ok_or(EimError::NotFound)
    }

    /// The operation `id` of `tenant`.
    pub async fn operation(&self, tenant: &str, id: i64) -> Result<Operation, EimError> {
        match self.store.operation(id).await? {
            Some(op) if op.tenant == tenant => Ok(op),
            _ => Err(EimError::NotFound),
        }
    }

    /// Cancels the pending or delivered operation `id` of `tenant` (a delivered one may
    /// still run on the eUICC: its late result is then refused). [`EimError::Invalid`]
    /// when it was finished.
    pub async fn cancel(&self, tenant: &str, id: i64) -> Result<Operation, EimError> {
        self.operation(tenant, id).await?;
        let result = serde_json::json!({"type": "cancelled"});
        if !self.store.cancel_operation(id, &result).await? {
            return Err(EimError::invalid("operation (already finished)"));
        }
        self.operation(tenant, id).await
    }

    /// The operations of the eUICC `eid` of `tenant`, newest first.
    pub async fn operations(
        &self,
        tenant: &str,
        eid: &str,
        limit: u32,
    ) -> Result<Vec<Operation>, EimError> {
        let euicc = self.euicc(tenant, eid).await?;
        Ok(self.store.list_operations(&euicc.eid, limit).await?)
    }
}

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

fn check_chain(trust: &TrustStore, eid: &Eid, euicc: &Cert, eum: &Cert) -> Result<(), EimError> {
    let chain = trust
        .validate(
            euicc,
            std::slice::from_ref(eum),
            Role::Euicc,
            time::OffsetDateTime::now_utc(),
        )
        .map_err(|e| EimError::invalid(format!("eUICC certificate chain: {e}")))?;
    chain
        .expect_eid(eid.as_str())
        .map_err(|_| EimError::invalid("eUICC certificate (another EID)"))
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
