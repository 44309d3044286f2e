//! [`SmsrChangeStore`] over SQL: the SM-SR change records (migration
//! `20261212000031_smsr_change`), the new SM-SR's ISD-R keyset and the old SM-SR's
//! forgetting of the eUICC.

use rsp_smsr::es7::{Side, SmsrChange};
use rsp_smsr::keys::EuiccKeys;
use rsp_smsr::notice::Addressed;
use rsp_smsr::operation::NewOperation;
use rsp_smsr::store::{SmsrChangeStore, StoreError};

use crate::backend::SqlStore;
use crate::db::Param;
use crate::row::json;
use crate::smsr::{err, i64_of, ops_json, to_json, write_notices, write_operations};
use crate::smsr_audit::{self, side_name as side};

/// A finished change of the same eUICC and side is replaced; an unfinished one is kept
/// (no row changed: `Duplicate`).
const OPEN: &str = "INSERT INTO smsr_changes (eid, side, stage, record, expires_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (eid, side) DO UPDATE SET \
     stage = excluded.stage, record = excluded.record, expires_at = excluded.expires_at, \
     updated_at = excluded.updated_at WHERE smsr_changes.stage IN ('completed', 'failed')";
const SELECT: &str = "SELECT record FROM smsr_changes WHERE eid = $1 AND side = $2";
/// Compare-and-set on the stage: one replica takes each step.
const MOVE: &str = "UPDATE smsr_changes SET stage = $3, record = $4, expires_at = $5, \
     updated_at = $6 WHERE eid = $1 AND side = $2 AND stage = $7";
const TO_DRIVE: &str = "SELECT record FROM smsr_changes WHERE \
     (side = 'current' AND stage IN ('requested', 'handedOver', 'releasing')) \
     OR (side = 'new' AND stage IN ('prepared', 'handedOver', 'keysetEstablished')) \
     ORDER BY updated_at, eid LIMIT $1";
/// The counter never goes down: the next packet carries a higher one than the keyset's
/// initial counter and than any the SM-SR used before.
const INSTALL_KEYS: &str = "UPDATE smsr_euiccs SET keys_sealed = $2, key_id = $3, \
     psk_identity = NULL, counter = CASE WHEN counter < $4 THEN $4 ELSE counter END \
     WHERE eid = $1";
const DELETE_EUICC: &str = "DELETE FROM smsr_euiccs WHERE eid = $1";
const DELETE_MSISDNS: &str = "DELETE FROM smsr_msisdns WHERE eid = $1";
const DELETE_NOTIFICATIONS: &str = "DELETE FROM smsr_notifications WHERE eid = $1";

/// The columns `$1`–`$6` of [`OPEN`] and [`MOVE`]: eid, side, stage, record, expiry, time.
fn row<'a>(change: &'a SmsrChange, record: &'a str, now: i64) -> [Param<'a>; 6] {
    [
        change.eid.as_str().into(),
        side(change.side).into(),
        change.stage.name().into(),
        record.into(),
        change.expires_at.into(),
        now.into(),
    ]
}

impl SmsrChangeStore for SqlStore {
    async fn open_change(&self, change: &SmsrChange, now: i64) -> Result<(), StoreError> {
        let record = to_json(change, "SM-SR change")?;
        let run = async {
            let mut tx = self.begin_write().await?;
            let n = tx.conn().execute(OPEN, &row(change, &record, now)).await?;
            if n == 1 {
                smsr_audit::change_moved(&mut tx, change, None).await?;
            }
            tx.commit().await?;
            Ok(n == 1)
        };
        if run.await.map_err(err)? {
            smsr_audit::count_change(change);
            Ok(())
        } else {
            Err(StoreError::Duplicate)
        }
    }

    async fn change(&self, eid: &str, s: Side) -> Result<Option<SmsrChange>, StoreError> {
        let found = self
            .read_rows(SELECT, &[eid.into(), side(s).into()], |r| {
                json(&r.text("record")?, "SM-SR change")
            })
            .await
            .map_err(err)?;
        Ok(found.into_iter().next())
    }

    async fn move_change(
        &self,
        change: &SmsrChange,
        from: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        self.move_change_queueing(change, from, &[], &[], now).await
    }

    async fn move_change_queueing(
        &self,
        change: &SmsrChange,
        from: &str,
        operations: &[NewOperation],
        notices: &[Addressed],
        now: i64,
    ) -> Result<bool, StoreError> {
        let record = to_json(change, "SM-SR change")?;
        let ops = ops_json(operations)?;
        let run = async {
            let mut tx = self.begin_write().await?;
            let n = tx
                .conn()
                .execute(
                    MOVE,
                    &[row(change, &record, now).as_slice(), &[from.into()]].concat(),
                )
                .await?;
            if n != 1 {
                // Moved meanwhile: nothing of this step is written.
                tx.commit().await?;
                return Ok(false);
            }
            write_operations(&mut tx, &ops).await?;
            write_notices(&mut tx, notices, now).await?;
            smsr_audit::change_moved(&mut tx, change, Some(from)).await?;
            tx.commit().await?;
            Ok(true)
        };
        let moved = run.await.map_err(err)?;
        if moved {
            smsr_audit::count_change(change);
        }
        Ok(moved)
    }

    async fn install_keys(
        &self,
        eid: &str,
        keys: &EuiccKeys,
        counter: u64,
    ) -> Result<(), StoreError> {
        let sealed = self
            .key
            .seal_smsr_keys(eid, &keys.to_sealable())
            .map_err(err)?;
        let key_id = self.key.id().to_owned();
        let n = self
            .write_exec(
                INSTALL_KEYS,
                &[
                    eid.into(),
                    sealed.as_slice().into(),
                    key_id.as_str().into(),
                    i64_of(counter)?.into(),
                ],
            )
            .await
            .map_err(err)?;
        if n == 1 {
            Ok(())
        } else {
            Err(StoreError::Corrupt("no eUICC for the keys"))
        }
    }

    async fn remove_euicc(
        &self,
        eid: &str,
        notices: &[Addressed],
        now: i64,
    ) -> Result<(), StoreError> {
        let run = async {
            let mut tx = self.begin_write().await?;
            for sql in [DELETE_MSISDNS, DELETE_NOTIFICATIONS, DELETE_EUICC] {
                tx.conn().execute(sql, &[eid.into()]).await?;
            }
            write_notices(&mut tx, notices, now).await?;
            smsr_audit::eis_removed(&mut tx, eid, notices.len()).await?;
            tx.commit().await
        };
        run.await.map_err(err)
    }

    async fn changes_to_drive(&self, limit: i64) -> Result<Vec<SmsrChange>, StoreError> {
        self.read_rows(TO_DRIVE, &[limit.into()], |r| {
            json(&r.text("record")?, "SM-SR change")
        })
        .await
        .map_err(err)
    }
}
