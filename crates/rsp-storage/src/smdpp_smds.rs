//! [`SmdsEventStore`] over SQL (migration `20261206000002_smdpp_smds_events`): the rows of
//! `smdpp_smds_events` reconciled against the orders in `smdpp_profiles`.

use std::time::Duration;

use rsp_codec::json::{Eid, Iccid};
use rsp_smdpp::smds_events::{SmdsEventStore, SmdsEventTask};
use rsp_smdpp::store::StoreError;

use crate::backend::SqlStore;
use crate::db::RowRead;
use crate::inventory::now_ms;
use crate::sql::Dialect;

/// Whether the order of `e`'s Profile `p` still wants the event `e` describes.
macro_rules! wanted {
    () => {
        "(p.state = 'Released' AND p.smds_address = e.smds_address \
         AND p.matching_id = e.event_id AND p.eid = e.eid)"
    };
}
pub(crate) use wanted;

/// New orders wanting an event get their row (a Profile whose earlier event is still being
/// deleted waits for that row to go).
const ADD_WANTED: &str = "INSERT INTO smdpp_smds_events (iccid, smds_address, event_id, eid, \
     registered, attempts, due_at_ms) SELECT p.iccid, p.smds_address, p.matching_id, p.eid, \
     0, 0, $1 FROM smdpp_profiles p WHERE p.smds_address IS NOT NULL \
     AND p.state = 'Released' AND p.matching_id IS NOT NULL AND p.eid IS NOT NULL \
     AND NOT EXISTS (SELECT 1 FROM smdpp_smds_events e WHERE e.iccid = p.iccid) \
     ON CONFLICT (iccid) DO NOTHING";

/// Rows never registered whose order no longer wants them.
const DROP_UNSENT: &str = concat!(
    "DELETE FROM smdpp_smds_events WHERE registered = 0 AND NOT EXISTS \
     (SELECT 1 FROM smdpp_profiles p, smdpp_smds_events e WHERE p.iccid = e.iccid \
     AND e.iccid = smdpp_smds_events.iccid AND ",
    wanted!(),
    ")"
);

const LEASE: &str =
    "UPDATE smdpp_smds_events SET due_at_ms = $1, attempts = attempts + 1 WHERE iccid = $2";

const SYNCED: &str = "UPDATE smdpp_smds_events SET registered = $2, attempts = 0, \
     last_error = NULL, due_at_ms = $3 WHERE iccid = $1";

const RETRY: &str = "UPDATE smdpp_smds_events SET due_at_ms = $2, last_error = $3 WHERE iccid = $1";

const PENDING: &str = concat!(
    "SELECT COUNT(*) AS n FROM smdpp_smds_events e LEFT JOIN smdpp_profiles p \
     ON p.iccid = e.iccid WHERE e.registered <> (CASE WHEN ",
    wanted!(),
    " THEN 1 ELSE 0 END)"
);

fn task(row: &dyn RowRead) -> Result<SmdsEventTask, StoreError> {
    Ok(SmdsEventTask {
        iccid: Iccid::parse(&row.text("iccid")?).map_err(|_| StoreError::Corrupt("ICCID"))?,
        smds_address: row.text("smds_address")?,
        event_id: row.text("event_id")?,
        eid: Eid::parse(&row.text("eid")?).map_err(|_| StoreError::Corrupt("EID"))?,
        wanted: row.int("wanted")? != 0,
        attempts: u32::try_from(row.int("attempts")?).unwrap_or(u32::MAX),
    })
}

impl SmdsEventStore for SqlStore {
    async fn claim_smds_events(
        &self,
        now_ms: i64,
        lease: Duration,
        limit: u32,
    ) -> Result<Vec<SmdsEventTask>, StoreError> {
        let lease_ms = i64::try_from(lease.as_millis()).unwrap_or(i64::MAX);
        let until = now_ms.saturating_add(lease_ms);
        let mut tx = self.begin_write().await?;
        tx.conn().execute(ADD_WANTED, &[now_ms.into()]).await?;
        tx.conn().execute(DROP_UNSENT, &[]).await?;
        let mut due = tx
            .conn()
            .fetch_all(
                Dialect::of(self.backend).claim_smds_events,
                &[now_ms.into(), i64::from(limit).into()],
                task,
            )
            .await?;
        for t in &mut due {
            tx.conn()
                .execute(LEASE, &[until.into(), t.iccid.digits().into()])
                .await?;
            t.attempts = t.attempts.saturating_add(1);
        }
        tx.commit().await?;
        Ok(due)
    }

    async fn smds_event_synced(&self, iccid: &Iccid, registered: bool) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        tx.conn()
            .execute(
                SYNCED,
                &[
                    iccid.digits().into(),
                    i64::from(registered).into(),
                    now_ms().into(),
                ],
            )
            .await?;
        tx.conn().execute(DROP_UNSENT, &[]).await?;
        tx.commit().await
    }

    async fn smds_event_retry(
        &self,
        iccid: &Iccid,
        due_at_ms: i64,
        error: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        tx.conn()
            .execute(
                RETRY,
                &[iccid.digits().into(), due_at_ms.into(), error.into()],
            )
            .await?;
        tx.commit().await
    }

    async fn pending_smds_events(&self) -> Result<u64, StoreError> {
        let mut r = self.read().await?;
        let read = r
            .conn()?
            .fetch_optional(PENDING, &[], |row| row.int("n"))
            .await;
        let n = r.settle(read).await?.unwrap_or(0);
        u64::try_from(n).map_err(|_| StoreError::Corrupt("count"))
    }
}
