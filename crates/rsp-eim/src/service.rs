//! The eIM service over a store: its keys and trust anchors, and the northbound operations
//! of a tenant (register eUICCs with their certificate chain, queue operations, read them).
//! The ESipa functions are in [`crate::esipa`], the bulk (fleet) ones in [`crate::bulk`].

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

pub use crate::bulk::{BULK_BATCH, BULK_ERRORS_SHOWN, BulkReport, CsvRegistration, RowError};

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

pub(crate) fn parse_cert(field: &'static str, text: &str) -> Result<Cert, EimError> {
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
pub(crate) fn check_kind(kind: &mut OperationKind) -> Result<(), EimError> {
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

pub(crate) fn check_chain(
    trust: &TrustStore,
    eid: &Eid,
    euicc: &Cert,
    eum: &Cert,
) -> Result<(), EimError> {
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
