//! [`NotificationStore`] over SQL: the SM-SRs' notifications as the M2M SM-DP received
//! them, each row also the outbox entry of the ES2 notification for one Operator
//! (migrations `20261212000002_smdp_notifications`,
//! `20261212000041_smdp_smsr_change_notifications`).

use rsp_smdp::notification::{
    NotificationEvent, NotificationState, NotificationStore, QueuedNotification,
    ReceivedNotification, Recorded, StoredNotification, Subject,
};
use rsp_smdp::store::StoreError;
use rsp_smdpp::store::StoreError as DbError;

use crate::audit::{AuditEvent, json_string, record_in};
use crate::backend::SqlStore;
use crate::db::RowRead;
use crate::row::attempts;
use crate::smdp::err;
use crate::sql::{RoleOutbox, role_outbox};

/// The Operator of the order that put the Profile $1 on the eUICC $2 (the latest one).
const OWNER: &str = "SELECT operator_id FROM smdp_orders WHERE iccid = $1 AND eid = $2 \
     ORDER BY id DESC LIMIT 1";
/// The Operators with an order that installed a Profile on the eUICC $1.
const OPERATORS_OF_EID: &str = "SELECT DISTINCT operator_id FROM smdp_orders WHERE eid = $1 \
     AND stage IN ('completed', 'enabled') ORDER BY operator_id";
/// Whether (SM-SR $1, MessageID $2) was recorded.
const KNOWN: &str = "SELECT id FROM smdp_notifications WHERE smsr_id = $1 AND message_id = $2 \
     LIMIT 1";
/// A repeated (SM-SR, MessageID, Operator) inserts nothing (unique index).
const INSERT: &str = "INSERT INTO smdp_notifications (smsr_id, message_id, kind, eid, iccid, \
     eis, completed_at, operator_id, state, attempts, due_at, received_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, $10, $10) ON CONFLICT DO NOTHING";
macro_rules! columns {
    () => {
        "id, smsr_id, message_id, kind, eid, iccid, eis, completed_at, operator_id, state, \
         attempts, received_at"
    };
}
const LIST: &str = concat!(
    "SELECT ",
    columns!(),
    " FROM smdp_notifications ORDER BY id DESC LIMIT $1"
);
const OUTBOX: RoleOutbox = role_outbox!(
    "smdp_notifications",
    "id, smsr_id, message_id, kind, eid, iccid, eis, completed_at, operator_id, state, attempts, received_at"
);

fn received(r: &dyn RowRead) -> Result<ReceivedNotification, DbError> {
    let event =
        NotificationEvent::parse(&r.text("kind")?).ok_or(DbError::Corrupt("notification kind"))?;
    let subject = match event {
        NotificationEvent::SmsrChange => Subject::Eis {
            eis: r
                .opt_text("eis")?
                .ok_or(DbError::Corrupt("SM-SR change without EIS"))?,
        },
        _ => Subject::Profile {
            iccid: r
                .opt_text("iccid")?
                .ok_or(DbError::Corrupt("Profile notification without ICCID"))?,
        },
    };
    Ok(ReceivedNotification {
        smsr_id: r.text("smsr_id")?,
        message_id: r.text("message_id")?,
        event,
        eid: r.text("eid")?,
        subject,
        completion_timestamp: r.text("completed_at")?,
    })
}

fn stored(r: &dyn RowRead) -> Result<StoredNotification, DbError> {
    Ok(StoredNotification {
        id: r.int("id")?,
        notification: received(r)?,
        operator: r.opt_text("operator_id")?,
        state: NotificationState::parse(&r.text("state")?)
            .ok_or(DbError::Corrupt("notification state"))?,
        attempts: attempts(r)?,
        received_at: r.int("received_at")?,
    })
}

impl NotificationStore for SqlStore {
    async fn record_notification(
        &self,
        n: &ReceivedNotification,
        now: i64,
    ) -> Result<Recorded, StoreError> {
        let run = async {
            let mut tx = self.begin_write().await?;
            let smsr_message = [n.smsr_id.as_str().into(), n.message_id.as_str().into()];
            if tx
                .conn()
                .fetch_optional(KNOWN, &smsr_message, |r| r.int("id"))
                .await?
                .is_some()
            {
                return Ok(Recorded::Duplicate);
            }
            let operators: Vec<String> = match &n.subject {
                Subject::Profile { iccid } => tx
                    .conn()
                    .fetch_optional(
                        OWNER,
                        &[iccid.as_str().into(), n.eid.as_str().into()],
                        |r| r.text("operator_id"),
                    )
                    .await?
                    .into_iter()
                    .collect(),
                Subject::Eis { .. } => {
                    tx.conn()
                        .fetch_all(OPERATORS_OF_EID, &[n.eid.as_str().into()], |r| {
                            r.text("operator_id")
                        })
                        .await?
                }
            };
            let mut inserted = 0;
            let routes: Vec<Option<&str>> = if operators.is_empty() {
                vec![None]
            } else {
                operators.iter().map(|o| Some(o.as_str())).collect()
            };
            for operator in &routes {
                let state = if operator.is_some() {
                    "pending"
                } else {
                    "unrouted"
                };
                inserted += tx
                    .conn()
                    .execute(
                        INSERT,
                        &[
                            n.smsr_id.as_str().into(),
                            n.message_id.as_str().into(),
                            n.event.as_str().into(),
                            n.eid.as_str().into(),
                            n.iccid().into(),
                            n.eis().into(),
                            n.completion_timestamp.as_str().into(),
                            (*operator).into(),
                            state.into(),
                            now.into(),
                        ],
                    )
                    .await?;
            }
            if inserted == 0 {
                // Recorded by a concurrent delivery of the same message.
                return Ok(Recorded::Duplicate);
            }
            let details = format!(
                "{{\"event\":\"{}\",\"eid\":{},\"operators\":[{}]}}",
                n.event.as_str(),
                json_string(&n.eid),
                operators
                    .iter()
                    .map(|o| json_string(o))
                    .collect::<Vec<_>>()
                    .join(",")
            );
            record_in(
                &mut tx.conn(),
                &[AuditEvent {
                    actor: &n.smsr_id,
                    action: "smdp.notification",
                    subject: n.iccid().unwrap_or(&n.eid),
                    details: &details,
                }],
            )
            .await?;
            tx.commit().await?;
            Ok(if operators.is_empty() {
                Recorded::Unrouted
            } else {
                Recorded::Forwarded(operators)
            })
        };
        run.await.map_err(err)
    }

    async fn claim_notifications(
        &self,
        now: i64,
        limit: i64,
        lease: i64,
    ) -> Result<Vec<QueuedNotification>, StoreError> {
        self.claim_role_outbox(&OUTBOX, now, limit, lease, |r| {
            Ok(QueuedNotification {
                id: r.int("id")?,
                notification: received(r)?,
                operator: r
                    .opt_text("operator_id")?
                    .ok_or(DbError::Corrupt("pending notification without Operator"))?,
                attempts: attempts(r)?,
            })
        })
        .await
        .map_err(err)
    }

    async fn notification_ended(&self, id: i64, delivered: bool) -> Result<(), StoreError> {
        self.role_outbox_ended(&OUTBOX, id, delivered)
            .await
            .map_err(err)
    }

    async fn notification_retry(&self, id: i64, at: i64) -> Result<(), StoreError> {
        self.role_outbox_retry(&OUTBOX, id, at).await.map_err(err)
    }

    async fn notifications(&self, limit: i64) -> Result<Vec<StoredNotification>, StoreError> {
        self.read_rows(LIST, &[limit.into()], stored)
            .await
            .map_err(err)
    }
}
