//! The SM-SR's functions over a store: ES1 RegisterEIS, the ES4/ES3 requests that become
//! operations, the ES5 sender step (seal, send, retry, expire) and what comes back from
//! eUICCs by SMS (PoRs and default notifications). Transport-free: SMS go out through an
//! [`Es5Sms`] the caller provides (SMPP in `rsp`), and come in through
//! [`SmsrService::receive_sms`].

use std::future::Future;

mod inbound;

use crate::error::SmsrError;
use crate::es4;
use crate::es5;
use crate::keys::EuiccKeys;
use crate::model::Eis;
use crate::notice::{self, Addressed};
use crate::operation::{
    Function, LocalFunction, NewOperation, Operation, Outcome, Requester, RetryPolicy, Transport,
};
use crate::store::{ReceivedNotification, SmsrStore, StoreError};

/// How many of an eUICC's latest operations are scanned for CreateISDPs still queued.
const PENDING_SCAN: i64 = 500;

/// The next script of an eUICC's HTTPS admin session ([`SmsrService::admin_step`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminScript {
    /// The operation it carries.
    pub operation: i64,
    /// The expanded command script.
    pub script: Vec<u8>,
    /// The security domain to run it when not the ISD-R (`X-Admin-Targeted-Application`).
    pub target: Option<Vec<u8>>,
}

/// Sends ES5 command packets by SMS.
pub trait Es5Sms: Send + Sync {
    /// Sends `packet` (a command packet from CPL on) to `msisdn`, split into concatenated
    /// SMS when it does not fit one.
    fn send(&self, msisdn: &str, packet: &[u8]) -> impl Future<Output = Result<(), String>> + Send;

    /// Whether SMS can go out now (an SMPP session is bound). While not, the sender step
    /// leaves SMS-carried attempts alone instead of spending them.
    fn ready(&self) -> bool {
        true
    }
}

/// Builds the administration session triggering parameters (GP Amendment B, tag `81`) a
/// push SMS carries for an eUICC with this SCP81 PSK identity (the transport layer knows
/// the admin server's address and the TLV codec).
pub type PushTrigger = std::sync::Arc<dyn Fn(&str) -> Vec<u8> + Send + Sync>;

/// This SM-SR's SMS address as the eUICCs it manages need it: what it sends them with
/// UpdateSMSRAddressingParameters when an SM-SR change brings one here
/// ([`SmsrService::change_notified`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsrAddress {
    /// The SM-SR's MSISDN (international digits): where the eUICCs' MO packets go.
    msisdn: String,
    /// The SMS centre address (international digits) to give them, if any.
    smsc: Option<String>,
}

/// International digits (a leading `+` dropped), 1 to 20 of them (TS 23.040 §9.1.2.5).
fn e164(digits: &str) -> Option<String> {
    let d = digits.strip_prefix('+').unwrap_or(digits);
    (!d.is_empty() && d.len() <= 20 && d.bytes().all(|b| b.is_ascii_digit())).then(|| d.to_owned())
}

impl SmsrAddress {
    /// The address of an SM-SR at `msisdn`, giving eUICCs `smsc` as their SMS centre when
    /// set; both international digits.
    pub fn new(msisdn: &str, smsc: Option<&str>) -> Result<Self, SmsrError> {
        Ok(Self {
            msisdn: e164(msisdn).ok_or(SmsrError::Invalid("SM-SR MSISDN (digits)"))?,
            smsc: smsc
                .map(|s| e164(s).ok_or(SmsrError::Invalid("SMS centre address (digits)")))
                .transpose()?,
        })
    }

    /// The MSISDN.
    pub fn msisdn(&self) -> &str {
        &self.msisdn
    }

    /// The ES5 function that points an eUICC at this SM-SR. The TAR is the one the eUICC
    /// seals its MO notifications with; our reading: the ISD-R's (`000001`, what the card
    /// uses until told otherwise), given explicitly so that an eUICC an earlier SM-SR set
    /// another TAR on comes back to it (this SM-SR does not route MO packets by TAR).
    pub fn update(&self) -> Function {
        Function::UpdateSmsrAddressingParameters {
            msisdn: self.msisdn.clone(),
            smsc: self.smsc.clone(),
            tar: Some(hex::encode_upper(rsp_codec::sgp02::consts::ISD_R_TAR)),
        }
    }
}

/// Settings of the SM-SR.
#[derive(Clone)]
pub struct SmsrConfig {
    /// This SM-SR's identifier (written into registered EISs).
    pub smsr_id: String,
    /// ES5 retries.
    pub retry: RetryPolicy,
    /// Validity period of a request without one, seconds.
    pub default_validity: i64,
    /// How many EIS write races one change retries before giving up.
    pub write_retries: u32,
    /// The push for SCP81 sessions; without it, HTTPS operations fail.
    pub push: Option<PushTrigger>,
    /// This SM-SR's SMS address, sent to eUICCs an SM-SR change brings here; without it,
    /// they keep the addressing their previous SM-SR gave them.
    pub address: Option<SmsrAddress>,
}

impl std::fmt::Debug for SmsrConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsrConfig")
            .field("smsr_id", &self.smsr_id)
            .field("retry", &self.retry)
            .field("default_validity", &self.default_validity)
            .field("push", &self.push.is_some())
            .field("address", &self.address)
            .finish()
    }
}

impl Default for SmsrConfig {
    fn default() -> Self {
        Self {
            smsr_id: "smsr".into(),
            retry: RetryPolicy::default(),
            default_validity: 3600,
            write_retries: 8,
            push: None,
            address: None,
        }
    }
}

/// A request for an ES5 function (ES4 from an Operator, ES3 from an SM-DP).
#[derive(Debug, Clone)]
pub struct Request {
    /// Who asks.
    pub requester: Requester,
    /// The eUICC.
    pub eid: String,
    /// What.
    pub function: Function,
    /// SMS or HTTPS; `None` picks HTTPS when the eUICC supports it and has a PSK, else SMS.
    pub transport: Option<Transport>,
    /// Caller's message identifier.
    pub message_id: Option<String>,
    /// Where the result goes.
    pub reply_to: Option<String>,
    /// Validity period, seconds.
    pub validity: Option<i64>,
}

impl Request {
    /// A request of `function` on `eid` by `requester`: transport chosen by the SM-SR, no
    /// `ReplyTo`, the default validity period.
    pub fn new(requester: Requester, eid: impl Into<String>, function: Function) -> Self {
        Self {
            requester,
            eid: eid.into(),
            function,
            transport: None,
            message_id: None,
            reply_to: None,
            validity: None,
        }
    }
}

/// What one sender step did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SendReport {
    /// Packets sent.
    pub sent: usize,
    /// Operations ended without an answer (expired, out of attempts, no MSISDN, keys).
    pub failed: usize,
    /// Operations another replica sent first.
    pub skipped: usize,
}

/// What an incoming SMS was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming {
    /// A PoR that ended this operation.
    Por(Box<Operation>),
    /// A PoR for an operation that had ended already (a late retry's answer).
    LatePor,
    /// The PoR of a push SMS: the eUICC will open its SCP81 session.
    PushAcknowledged(i64),
    /// A default notification, new (`true`) or repeated (`false`); a confirmation is queued.
    Notification {
        /// The eUICC.
        eid: String,
        /// Whether it was new.
        new: bool,
    },
}

/// The SM-SR.
#[derive(Debug, Clone)]
pub struct SmsrService<S> {
    store: S,
    config: SmsrConfig,
    /// Held from a CreateISDP's choice of ISD-P AID to its queueing, so two of one process
    /// never choose the same AID (shared by clones).
    isdp_allocation: std::sync::Arc<tokio::sync::Mutex<()>>,
}

fn db(e: StoreError) -> SmsrError {
    SmsrError::Store(e.to_string())
}

/// RFC 3339 UTC text of Unix seconds (`2026-12-06T05:00:00Z`).
pub fn rfc3339(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Unix seconds now (the clock of every SM-SR step and transport).
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The result notice of `op` ending with `outcome`, when its request named a `ReplyTo`.
fn ended(op: &Operation, outcome: &Outcome) -> Option<Addressed> {
    let mut done = op.clone();
    done.status = if outcome.success {
        crate::operation::OperationStatus::Done
    } else {
        crate::operation::OperationStatus::Failed
    };
    done.outcome = Some(outcome.clone());
    notice::operation_result(&done)
}

impl<S: SmsrStore> SmsrService<S> {
    /// The service over `store`.
    pub fn new(store: S, config: SmsrConfig) -> Self {
        Self {
            store,
            config,
            isdp_allocation: std::sync::Arc::new(tokio::sync::Mutex::new(())),
        }
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The settings.
    pub fn config(&self) -> &SmsrConfig {
        &self.config
    }

    /// ES1 RegisterEIS (SGP.02 §5.3.1): the EUM registers an eUICC with its keys.
    pub async fn register_eis(
        &self,
        mut eis: Eis,
        keys: &EuiccKeys,
        now: i64,
    ) -> Result<(), SmsrError> {
        eis.check().map_err(SmsrError::Invalid)?;
        if keys.scp80.is_empty() {
            return Err(SmsrError::Missing("SCP80 keyset"));
        }
        keys.check().map_err(|_| SmsrError::Invalid("ISD-R keys"))?;
        if eis.capabilities.https && keys.scp81.is_none() {
            return Err(SmsrError::Missing(
                "SCP81 PSK of an eUICC with HTTPS capability",
            ));
        }
        eis.smsr_id.clone_from(&self.config.smsr_id);
        match self.store.register(&eis, keys, now).await {
            Ok(()) => Ok(()),
            Err(StoreError::Duplicate) => Err(SmsrError::EidInUse),
            Err(e) => Err(db(e)),
        }
    }

    /// ES4/ES3 GetEIS: the EIS as `requester` may see it.
    pub async fn get_eis(&self, requester: &Requester, eid: &str) -> Result<Eis, SmsrError> {
        self.check_usable(eid).await?;
        let stored = self.store.eis(eid).await.map_err(db)?;
        let stored = stored.ok_or(SmsrError::UnknownEid)?;
        Ok(es4::visible_to(&stored.eis, requester))
    }

    /// Checks and queues an ES5 function.
    pub async fn request(&self, req: Request, now: i64) -> Result<Operation, SmsrError> {
        self.check_usable(&req.eid).await?;
        let _allocating = match req.function {
            Function::CreateIsdp { .. } => Some(self.isdp_allocation.lock().await),
            _ => None,
        };
        let stored = self.store.eis(&req.eid).await.map_err(db)?;
        let stored = stored.ok_or(SmsrError::UnknownEid)?;
        es4::check(&stored.eis, &req.requester, &req.function)?;
        let mut req = req;
        if let Function::CreateIsdp { isd_p_aid, .. } = &mut req.function {
            // The AID is chosen now, so the script and the EIS change agree on it; not one
            // a CreateISDP still queued for this eUICC holds (two SM-DPs ordering for one
            // eUICC at once). Within a process the choice and the queueing are serialised;
            // two replicas racing could still pick one AID: the eUICC refuses the second
            // (6A80), which fails cleanly.
            let pending: Vec<String> = self
                .store
                .operations(&req.eid, PENDING_SCAN)
                .await
                .map_err(db)?
                .into_iter()
                .filter(|o| !o.status.is_final())
                .filter_map(|o| match o.function {
                    Function::CreateIsdp { isd_p_aid, .. } => isd_p_aid,
                    _ => None,
                })
                .collect();
            let index =
                es4::free_isd_p_index_besides(&stored.eis, &pending).ok_or(SmsrError::Memory)?;
            *isd_p_aid = rsp_codec::sgp02::Aid::isd_p(index).map(|a| a.to_hex());
        }
        let transport = match req.transport {
            Some(Transport::Https) if !stored.eis.capabilities.https => {
                return Err(SmsrError::Invalid(
                    "transport: the eUICC has no HTTPS admin agent",
                ));
            }
            Some(t) => t,
            None if stored.eis.capabilities.https => Transport::Https,
            None => Transport::Sms,
        };
        let validity = req.validity.unwrap_or(self.config.default_validity);
        if validity <= 0 {
            return Err(SmsrError::Invalid("validity period"));
        }
        self.store
            .queue(&NewOperation {
                eid: req.eid,
                function: req.function,
                requester: req.requester,
                transport,
                message_id: req.message_id,
                reply_to: req.reply_to,
                now,
                validity,
            })
            .await
            .map_err(db)
    }

    /// ES4 UpdatePolicyRules / UpdateSubscriptionAddress: SM-SR records only.
    pub async fn update_local(
        &self,
        requester: &Requester,
        eid: &str,
        function: &LocalFunction,
    ) -> Result<Eis, SmsrError> {
        self.check_usable(eid).await?;
        for _ in 0..self.config.write_retries {
            let stored = self.store.eis(eid).await.map_err(db)?;
            let stored = stored.ok_or(SmsrError::UnknownEid)?;
            let mut eis = stored.eis;
            es4::apply_local(&mut eis, requester, function)?;
            if self
                .store
                .update_eis(&eis, stored.version, &[], unix_now())
                .await
                .map_err(db)?
            {
                return Ok(es4::visible_to(&eis, requester));
            }
        }
        Err(SmsrError::Busy)
    }

    /// One operation.
    pub async fn operation(&self, id: i64) -> Result<Option<Operation>, SmsrError> {
        self.store.operation(id).await.map_err(db)
    }

    async fn fail(&self, op: &Operation, error: &SmsrError, now: i64) -> Result<(), SmsrError> {
        let outcome = Outcome {
            success: false,
            status_code_data: Some(error.status_code_data()),
            response: None,
        };
        let notices = ended(op, &outcome).into_iter().collect::<Vec<_>>();
        self.store
            .complete(op.id, &outcome, None, &notices, now)
            .await
            .map(drop)
            .map_err(db)
    }

    /// The sender step: every due SMS operation is expired, failed after its last attempt,
    /// or sealed with a fresh counter and sent (at most `limit` operations).
    pub async fn send_due(
        &self,
        sms: &impl Es5Sms,
        now: i64,
        limit: i64,
    ) -> Result<SendReport, SmsrError> {
        let mut report = SendReport::default();
        for op in self.store.due(now, limit).await.map_err(db)? {
            let end = if now >= op.expires_at {
                Some(SmsrError::Expired)
            } else if op.attempts >= self.config.retry.max_attempts {
                Some(SmsrError::Unreachable)
            } else {
                None
            };
            if let Some(e) = end {
                self.fail(&op, &e, now).await?;
                report.failed += 1;
                continue;
            }
            if !sms.ready() {
                report.skipped += 1;
                continue;
            }
            match self.send_one(sms, &op, now).await {
                Ok(true) => report.sent += 1,
                Ok(false) => report.skipped += 1,
                Err(e) => {
                    self.fail(&op, &e, now).await?;
                    report.failed += 1;
                }
            }
        }
        Ok(report)
    }

    /// Seals and sends one attempt; `Ok(false)` when another replica took it.
    async fn send_one(
        &self,
        sms: &impl Es5Sms,
        op: &Operation,
        now: i64,
    ) -> Result<bool, SmsrError> {
        let stored = self.store.eis(&op.eid).await.map_err(db)?;
        let eis = stored.ok_or(SmsrError::UnknownEid)?.eis;
        let keys = self.store.keys(&op.eid).await.map_err(db)?;
        let keys = keys.ok_or(SmsrError::UnknownEid)?;
        let keyset = keys
            .sending_keyset()
            .map_err(|e| SmsrError::Security(e.to_string()))?;
        let msisdn = eis
            .msisdn()
            .ok_or(SmsrError::Missing("MSISDN of the enabled Profile"))?
            .to_owned();
        let script = match op.transport {
            Transport::Sms => es5::script(&eis, &op.function)?,
            Transport::Https => {
                let push = self.config.push.as_ref().ok_or(SmsrError::Invalid(
                    "transport: no SCP81 admin server configured",
                ))?;
                let identity = keys
                    .scp81
                    .as_ref()
                    .ok_or(SmsrError::Missing("SCP81 PSK of the eUICC"))?
                    .identity
                    .clone();
                es5::push_script(&push(&identity))?
            }
        };
        let counter = self.store.next_counter(&op.eid).await.map_err(db)?;
        let packet = es5::seal(keyset, counter, &script)?;
        let attempt = op.attempts + 1;
        let next = now.saturating_add(self.config.retry.wait_after(attempt));
        if !self
            .store
            .mark_sent(op.id, attempt, counter, next)
            .await
            .map_err(db)?
        {
            return Ok(false);
        }
        // A send failure is a lost SMS like any other: the retry schedule covers it.
        if let Err(e) = sms.send(&msisdn, &packet).await {
            tracing::warn!(eid = %op.eid, operation = op.id, attempt, error = %e, "ES5 SMS not sent; retried on schedule");
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsp_codec::sgp02::{Es5Command, SmsAddress, UpdateSmsrAddressingParameters};

    #[test]
    fn the_address_update_is_store_data_3a08_to_the_isd_r() {
        let eis: Eis = serde_json::from_value(serde_json::json!({
            "eid": "89049032123451234512345678901235", "eumId": "EUM", "smsrId": "SMSR-2"
        }))
        .unwrap_or_else(|e| panic!("EIS: {e}"));
        let address = SmsrAddress::new("+447700900002", Some("447700900100"))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(address.msisdn(), "447700900002");
        let script = es5::script(&eis, &address.update()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(script.tar, rsp_codec::sgp02::consts::ISD_R_TAR);
        let [apdu] = script.apdus.as_slice() else {
            panic!("{script:?}");
        };
        assert_eq!(
            Es5Command::parse(apdu).ok(),
            Some(Es5Command::UpdateSmsrAddressingParameters(
                UpdateSmsrAddressingParameters {
                    smsc: Some(SmsAddress::international("447700900100")),
                    msisdn: Some(SmsAddress::international("447700900002")),
                    tar: Some(rsp_codec::sgp02::consts::ISD_R_TAR),
                }
            ))
        );
        // Without an SMS centre, only the MSISDN and TAR are sent.
        let bare = SmsrAddress::new("447700900002", None).unwrap_or_else(|e| panic!("{e}"));
        let Function::UpdateSmsrAddressingParameters { smsc, .. } = bare.update() else {
            panic!("not an address update");
        };
        assert_eq!(smsc, None);
        for bad in ["", "+", "44 77", "smsr", &"1".repeat(21)] {
            assert!(SmsrAddress::new(bad, None).is_err(), "{bad:?}");
            assert!(
                SmsrAddress::new("447700900002", Some(bad)).is_err(),
                "{bad:?}"
            );
        }
        // Only the SM-SR itself may queue it.
        let operator = Requester::Operator("MNO".into());
        assert!(es4::check(&eis, &operator, &bare.update()).is_err());
        assert!(es4::check(&eis, &Requester::SmSr, &bare.update()).is_ok());
    }
}
