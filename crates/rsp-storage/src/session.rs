//! [`SessionStore`] over SQL: RSP sessions of ES9+ with the used-challenge table; the
//! session's otSK.DP.ECKA is sealed with the [`crate::DataKey`], bound to its transactionId.

use rsp_codec::json::{Eid, Iccid};
use rsp_smdpp::OperatorId;
use rsp_smdpp::ProfileRecord;
use rsp_smdpp::outbox::DownloadProgress;
use rsp_smdpp::session::{Session, SessionPhase, SessionStore};
use rsp_smdpp::store::StoreError;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::backend::SqlStore;
use crate::error::db;
use crate::inventory::{insert_outbox, now_ms, update_profile};
use crate::row::{eid, get};

const INSERT_CHALLENGE: &str =
    "INSERT INTO smdpp_euicc_challenges (euicc_challenge, created_at_ms) VALUES ($1, $2)";

const INSERT_SESSION: &str = "INSERT INTO smdpp_rsp_sessions (transaction_id, phase, \
     ci_key_id, euicc_challenge, server_challenge, created_at_ms, expires_at_ms, version) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, 0)";

const SELECT_SESSION: &str = "SELECT transaction_id, phase, ci_key_id, euicc_challenge, \
     server_challenge, operator_id, iccid, eid, euicc_certificate, smdp_signature2, \
     cc_required, euicc_otpk, otsk_dp_enc, otsk_key_id, created_at_ms, expires_at_ms, version \
     FROM smdpp_rsp_sessions WHERE transaction_id = $1";

/// Compare-and-swap on `version`. Challenges, CI and expiry never change.
const UPDATE_SESSION: &str = "UPDATE smdpp_rsp_sessions SET phase = $1, operator_id = $2, \
     iccid = $3, eid = $4, euicc_certificate = $5, smdp_signature2 = $6, cc_required = $7, \
     euicc_otpk = $8, otsk_dp_enc = $9, otsk_key_id = $10, version = version + 1 \
     WHERE transaction_id = $11 AND version = $12";

const PURGE_SESSIONS: &str = "DELETE FROM smdpp_rsp_sessions WHERE expires_at_ms < $1";

const PURGE_CHALLENGES: &str = "DELETE FROM smdpp_euicc_challenges WHERE created_at_ms < $1";

fn tid_hex(transaction_id: &[u8]) -> String {
    transaction_id.iter().map(|b| format!("{b:02X}")).collect()
}

impl SessionStore for SqlStore {
    async fn create_session(&self, s: &Session) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(INSERT_CHALLENGE)
            .bind(s.euicc_challenge.clone())
            .bind(now_ms())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::query(INSERT_SESSION)
            .bind(tid_hex(&s.transaction_id))
            .bind(s.phase.as_str())
            .bind(s.ci_key_id.clone())
            .bind(s.euicc_challenge.clone())
            .bind(s.server_challenge.clone())
            .bind(s.created_at_ms)
            .bind(s.expires_at_ms)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)
    }

    async fn get_session(&self, transaction_id: &[u8]) -> Result<Option<Session>, StoreError> {
        let row = sqlx::query(SELECT_SESSION)
            .bind(tid_hex(transaction_id))
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.as_ref().map(|r| self.session(r)).transpose()
    }

    async fn update_session(
        &self,
        s: &Session,
        profile: Option<&ProfileRecord>,
        outbox: &[DownloadProgress],
    ) -> Result<Session, StoreError> {
        let hex = tid_hex(&s.transaction_id);
        let otsk = s
            .otsk_dp
            .as_ref()
            .map(|k| self.key.seal_session_key(&hex, k))
            .transpose()?;
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(UPDATE_SESSION)
            .bind(s.phase.as_str())
            .bind(s.profile.as_ref().map(|(o, _)| o.as_str().to_owned()))
            .bind(s.profile.as_ref().map(|(_, i)| i.digits().to_owned()))
            .bind(s.eid.as_ref().map(|e| e.as_str().to_owned()))
            .bind(s.euicc_certificate.clone())
            .bind(s.smdp_signature2.clone())
            .bind(i64::from(s.cc_required))
            .bind(s.euicc_otpk.clone())
            .bind(otsk)
            .bind(s.otsk_dp.as_ref().map(|_| self.key.id().to_owned()))
            .bind(hex)
            .bind(s.version)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict);
        }
        if let Some(p) = profile {
            update_profile(&mut tx, p).await?;
        }
        for message in outbox {
            insert_outbox(&mut tx, message).await?;
        }
        tx.commit().await.map_err(db)?;
        let mut updated = s.clone();
        updated.version += 1;
        Ok(updated)
    }

    async fn purge_sessions(&self, before_ms: i64) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let sessions = sqlx::query(PURGE_SESSIONS)
            .bind(before_ms)
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected();
        sqlx::query(PURGE_CHALLENGES)
            .bind(before_ms)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(sessions)
    }
}

impl SqlStore {
    fn session(&self, row: &AnyRow) -> Result<Session, StoreError> {
        let hex: String = get(row, "transaction_id")?;
        let transaction_id = (0..hex.len())
            .step_by(2)
            .map(|i| {
                hex.get(i..i + 2)
                    .and_then(|b| u8::from_str_radix(b, 16).ok())
                    .ok_or(StoreError::Corrupt("transaction_id"))
            })
            .collect::<Result<Vec<u8>, _>>()?;
        let phase: String = get(row, "phase")?;
        let operator: Option<String> = get(row, "operator_id")?;
        let iccid: Option<String> = get(row, "iccid")?;
        let profile = match (operator, iccid) {
            (Some(o), Some(i)) => Some((
                OperatorId::new(o),
                Iccid::parse(&i).map_err(|_| StoreError::Corrupt("ICCID"))?,
            )),
            _ => None,
        };
        let otsk_enc: Option<Vec<u8>> = get(row, "otsk_dp_enc")?;
        let otsk_key_id: Option<String> = get(row, "otsk_key_id")?;
        let otsk_dp = match (otsk_enc, otsk_key_id) {
            (Some(sealed), Some(key_id)) if key_id == self.key.id() => {
                Some(self.key.open_session_key(&hex, &sealed)?)
            }
            (Some(_), _) => return Err(StoreError::Crypto),
            _ => None,
        };
        let eid: Option<Eid> = eid(get(row, "eid")?)?;
        Ok(Session {
            transaction_id,
            phase: SessionPhase::parse(&phase).ok_or(StoreError::Corrupt("session phase"))?,
            ci_key_id: get(row, "ci_key_id")?,
            euicc_challenge: get(row, "euicc_challenge")?,
            server_challenge: get(row, "server_challenge")?,
            profile,
            eid,
            euicc_certificate: get(row, "euicc_certificate")?,
            smdp_signature2: get(row, "smdp_signature2")?,
            cc_required: get::<i64>(row, "cc_required")? != 0,
            euicc_otpk: get(row, "euicc_otpk")?,
            otsk_dp,
            created_at_ms: get(row, "created_at_ms")?,
            expires_at_ms: get(row, "expires_at_ms")?,
            version: row.try_get("version").map_err(db)?,
        })
    }
}
