//! [`RelayStore`] over SQL: the RSP sessions the eIM relays for indirect Profile download
//! (migration `20261208000001_eim_relay`).

use rsp_codec::json::Eid;
use rsp_eim::model::Operation;
use rsp_eim::relay::{RelaySession, RelayStore};
use rsp_eim::store::StoreError;
use rsp_smdpp::store::StoreError as DbError;

use crate::backend::SqlStore;
use crate::db::RowRead;
use crate::eim::{eid_of, operation};
use crate::eim_sql::DELIVERED_BY_TID_ONLY;

const PUT_SESSION: &str = "INSERT INTO eim_relay_sessions \
     (transaction_id, smdp_address, operation_id, eid, created_at_ms) \
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (transaction_id) DO UPDATE SET \
     smdp_address = $2, operation_id = $3, eid = $4, created_at_ms = $5";

const GET_SESSION: &str = "SELECT transaction_id, smdp_address, operation_id, eid, \
     created_at_ms FROM eim_relay_sessions WHERE transaction_id = $1";

const EXPIRE_SESSIONS: &str = "DELETE FROM eim_relay_sessions WHERE created_at_ms < $1";

fn session(row: &dyn RowRead) -> Result<RelaySession, DbError> {
    Ok(RelaySession {
        transaction_id: row.blob("transaction_id")?,
        smdp_address: row.text("smdp_address")?,
        operation_id: row.opt_int("operation_id")?,
        eid: row.opt_text("eid")?.map(eid_of).transpose()?,
        created_at_ms: row.int("created_at_ms")?,
    })
}

impl RelayStore for SqlStore {
    async fn put_relay_session(&self, s: &RelaySession) -> Result<(), StoreError> {
        self.eim_exec(
            PUT_SESSION,
            &[
                s.transaction_id.as_slice().into(),
                s.smdp_address.as_str().into(),
                s.operation_id.into(),
                s.eid.as_ref().map(Eid::as_str).into(),
                s.created_at_ms.into(),
            ],
        )
        .await
        .map(drop)
    }

    async fn relay_session(
        &self,
        transaction_id: &[u8],
    ) -> Result<Option<RelaySession>, StoreError> {
        let rows = self
            .eim_read(GET_SESSION, &[transaction_id.into()], session)
            .await?;
        Ok(rows.into_iter().next())
    }

    async fn expire_relay_sessions(&self, before_ms: i64) -> Result<u64, StoreError> {
        self.eim_exec(EXPIRE_SESSIONS, &[before_ms.into()]).await
    }

    async fn delivered_by_transaction_id(
        &self,
        transaction_id: &[u8],
    ) -> Result<Option<Operation>, StoreError> {
        let rows = self
            .eim_read(DELIVERED_BY_TID_ONLY, &[transaction_id.into()], operation)
            .await?;
        Ok(rows.into_iter().next())
    }
}
