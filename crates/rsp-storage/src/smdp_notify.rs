//! [`NotificationStore`] over SQL: the SM-SRs' notifications as the M2M SM-DP received
//! them, each row also the outbox entry of the ES2 notification for its Operator
//! (migration `20261212000002_smdp_notifications`).

use rsp_smdp::notification::{
    NotificationState, NotificationStore, ProfileEvent, QueuedNotification, ReceivedNotification,
    Recorded, StoredNotification,
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
/// A repeated (SM-SR, MessageID) inserts nothing.
const INSERT: &str = "INSERT INTO smdp_notifications (smsr_id, message_id, kind, eid, iccid, \
     completed_at, operator_id, state, attempts, due_at, received_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $9) \
     ON CONFLICT (smsr_id, message_id) DO NOTHING";
macro_rules! columns {
    () => {
        "id, smsr_id, message_id, kind, eid, iccid, completed_at, operator_id, state, \
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
    "id, smsr_id, message_id, kind, eid, iccid, completed_at, operator_id, state, attempts, received_at"
);

fn received(r: &dyn RowRead) -> Result<ReceivedNotification, DbError> {
    Ok(ReceivedNotification {
        smsr_id: r.text("smsr_id")?,
        message_id: r.text("message_id")?,
        event: ProfileEvent::parse(&r.text("kind")?)
            .ok_or(DbError::Corrupt("notification kind"))?,
        eid: r.text("eid")?,
        iccid: r.text("iccid")?,
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
            let operator = tx
                .conn()
                .fetch_optional(
                    OWNER,
                    &[n.iccid.as_str().into(), n.eid.as_str().into()],
                    |r| r.text("operator_id"),
                )
                .await?;
            let state = if operator.is_some() {
                "pending"
            } else {
                "unrouted"
            };
            let inserted = tx
                .conn()
                .execute(
                    INSERT,
                    &[
                        n.smsr_id.as_str().into(),
                        n.message_id.as_str().into(),
                        n.event.as_str().into(),
                        n.eid.as_str().into(),
                        n.iccid.as_str().into(),
                        n.completion_timestamp.as_str().into(),
                        operator.as_deref().into(),
                        state.into(),
                        now.into(),
                    ],
                )
                .await?;
            if inserted > 0 {
                let details = format!(
                    "{{\"event\":\"{}\",\"eid\":{},\"operator\":{}}}",
                    n.event.as_str(),
                    json_string(&n.eid),
                    operator
                        .as_deref()
                        .map_or_else(|| "null".to_owned(), json_string)
                );
                record_in(
                    &mut tx.conn(),
                    &[AuditEvent {
                        actor: &n.smsr_id,
                        action: "smdp.notification",
                        subject: &n.iccid,
                        details: &details,
                    }],
                )
                .await?;
            }
            tx.commit().await?;
            Ok(match (inserted, operator) {
                (0, _) => Recorded::Duplicate,
                (_, Some(op)) => Recorded::Forwarded(op),
                (_, None) => Recorded::Unrouted,
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
