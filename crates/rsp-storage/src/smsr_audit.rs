//! The SM-SR's changes in the audit trail (`crate::audit`, docs/audit.md), each recorded in
//! the transaction of the change, and the metrics of what ended, counted once that
//! transaction committed (so two replicas never count one end twice):
//!
//! - `smsr.eis.register` / `smsr.eis.remove`: an eUICC registered (ES1, admin API, or
//!   received in an SM-SR change) or forgotten (handed over, or a failed change's copy).
//! - `smsr.operation.queue` / `smsr.operation.end`: an ES5 operation queued (actor: who
//!   asked) and ended (its status, SGP.02 codes, attempts, seconds since queued);
//!   `rsp_smsr_operations_ended_total{function,transport,status}` and
//!   `rsp_smsr_operation_duration_seconds{function,transport}`.
//! - `smsr.change.<stage>`: an SM-SR change opened or moved (SGP.02 §3.7), with its side and
//!   peer; `rsp_smsr_changes_total{side,stage}`.
//!
//! Nothing secret goes in: function names and ICCIDs, never keys, PSKs, KIc/KID or the
//! C-APDUs of a SendData or key establishment.

use rsp_smdpp::store::StoreError as DbError;
use rsp_smsr::es7::{Side, SmsrChange, Stage};
use rsp_smsr::keys::EuiccKeys;
use rsp_smsr::model::Eis;
use rsp_smsr::operation::{Operation, Requester};
use serde_json::{Value, json};

use crate::audit::{AuditEvent, record_in};
use crate::backend::Tx;

/// The actor of a requester: the Operator's or SM-DP's identifier, `system` for the SM-SR.
fn actor(r: &Requester) -> &str {
    match r {
        Requester::Operator(id) | Requester::SmDp(id) => id,
        Requester::SmSr => "system",
    }
}

fn requester_kind(r: &Requester) -> &'static str {
    match r {
        Requester::Operator(_) => "operator",
        Requester::SmDp(_) => "smdp",
        Requester::SmSr => "smsr",
    }
}

/// The side's stored name.
pub(crate) fn side_name(s: Side) -> &'static str {
    match s {
        Side::New => "new",
        Side::Current => "current",
    }
}

async fn record(
    tx: &mut Tx,
    actor: &str,
    action: &str,
    subject: &str,
    details: &Value,
) -> Result<(), DbError> {
    let details = details.to_string();
    record_in(
        &mut tx.conn(),
        &[AuditEvent {
            actor,
            action,
            subject,
            details: &details,
        }],
    )
    .await
}

/// `smsr.eis.register` (subject: the EID). Of the keys only how many keysets came.
pub(crate) async fn eis_registered(
    tx: &mut Tx,
    eis: &Eis,
    keys: &EuiccKeys,
) -> Result<(), DbError> {
    let details = json!({
        "eumId": eis.eum_id,
        "profiles": eis.profiles.len(),
        "scp80Keysets": keys.scp80.len(),
        "scp81": keys.scp81.is_some(),
    });
    record(
        tx,
        "system",
        "smsr.eis.register",
        eis.eid.as_str(),
        &details,
    )
    .await
}

/// `smsr.eis.remove` (subject: the EID).
pub(crate) async fn eis_removed(tx: &mut Tx, eid: &str, notices: usize) -> Result<(), DbError> {
    let details = json!({ "notices": notices });
    record(tx, "system", "smsr.eis.remove", eid, &details).await
}

/// `smsr.operation.queue` (actor: who asked; subject: the EID).
pub(crate) async fn operation_queued(tx: &mut Tx, op: &Operation) -> Result<(), DbError> {
    let details = json!({
        "operation": op.id,
        "function": op.function.name(),
        "iccid": op.function.iccid().map(|i| i.as_str()),
        "transport": op.transport.as_str(),
        "requester": requester_kind(&op.requester),
        "expiresAt": op.expires_at,
    });
    record(
        tx,
        actor(&op.requester),
        "smsr.operation.queue",
        &op.eid,
        &details,
    )
    .await
}

/// The SGP.02 codes of an ended operation (`8.1.1/3.8`), if it failed with some.
fn code(op: &Operation) -> Option<String> {
    let c = op.outcome.as_ref()?.status_code_data.as_ref()?;
    Some(format!(
        "{}/{}",
        c.subject_code.as_str(),
        c.reason_code.as_str()
    ))
}

/// `smsr.operation.end` (subject: the EID) of `op` as its end left it.
pub(crate) async fn operation_ended(tx: &mut Tx, op: &Operation, now: i64) -> Result<(), DbError> {
    let details = json!({
        "operation": op.id,
        "function": op.function.name(),
        "iccid": op.function.iccid().map(|i| i.as_str()),
        "transport": op.transport.as_str(),
        "status": op.status.as_str(),
        "code": code(op),
        "attempts": op.attempts,
        "seconds": now.saturating_sub(op.created_at),
    });
    record(tx, "system", "smsr.operation.end", &op.eid, &details).await
}

/// The metrics of `op`'s end, once committed.
pub(crate) fn count_ended(op: &Operation, now: i64) {
    let function = op.function.name();
    let transport = op.transport.as_str();
    metrics::counter!("rsp_smsr_operations_ended_total", "function" => function,
        "transport" => transport, "status" => op.status.as_str())
    .increment(1);
    // Whole seconds: the store's clock.
    let seconds = now.saturating_sub(op.created_at).max(0) as f64;
    metrics::histogram!("rsp_smsr_operation_duration_seconds", "function" => function,
        "transport" => transport)
    .record(seconds);
}

/// `smsr.change.<stage>` (actor: the Operator that asked; subject: the EID) of `change`
/// as written, moved from stage `from` (`None`: opened).
pub(crate) async fn change_moved(
    tx: &mut Tx,
    change: &SmsrChange,
    from: Option<&str>,
) -> Result<(), DbError> {
    let reason = match &change.stage {
        Stage::Failed { reason } => Some(reason.as_str()),
        _ => None,
    };
    let details = json!({
        "side": side_name(change.side),
        "peer": change.peer,
        "from": from,
        "reason": reason,
        "expiresAt": change.expires_at,
    });
    let action = format!("smsr.change.{}", change.stage.name());
    record(tx, &change.operator, &action, &change.eid, &details).await
}

/// The metric of `change`'s move, once committed.
pub(crate) fn count_change(change: &SmsrChange) {
    metrics::counter!("rsp_smsr_changes_total", "side" => side_name(change.side),
        "stage" => change.stage.name())
    .increment(1);
}
