//! [`SessionStore`] over SQL: RSP sessions of ES9+ with the used-challenge table; the
//! session's otSK.DP.ECKA is sealed with the [`crate::DataKey`], bound to its transactionId.

use rsp_codec::json::{Eid, Iccid};
use rsp_smdpp::OperatorId;
use rsp_smdpp::ProfileRecord;
use rsp_smdpp::outbox::DownloadProgress;
use rsp_smdpp::session::{Session, SessionPhase, SessionRead, SessionStore};
use rsp_smdpp::store::StoreError;

use crate::backend::SqlStore;
use crate::db::{Conn, RowRead};
use crate::inventory::{insert_outbox, now_ms, profile_by_iccid, update_profile};
use crate::row::eid;

const INSERT_CHALLENGE: &str =
    "INSERT INTO smdpp_euicc_challenges (euicc_challenge, created_at_ms) VALUES ($1, $2)";

const INSERT_SESSION: &str = "INSERT INTO smdpp_rsp_sessions (transaction_id, phase, \
     ci_key_id, euicc_challenge, server_challenge, created_at_ms, expires_at_ms, version) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, 0)";

/// Columns in the order [`SqlStore::session`] reads them.
const SELECT_SESSION: &str = "SELECT transaction_id, phase, operator_id, iccid, otsk_dp_enc, \
     otsk_key_id, eid, ci_key_id, euicc_challenge, server_challenge, euicc_public_key, \
     euicc_certificate, smdp_signature2, cc_required, euicc_otpk, created_at_ms, \
     expires_at_ms, version FROM smdpp_rsp_sessions WHERE transaction_id = $1";

/// Compare-and-swap on `version`. Challenges, CI and expiry never change.
const UPDATE_SESSION: &str = "UPDATE smdpp_rsp_sessions SET phase = $1, operator_id = $2, \
     iccid = $3, eid = $4, euicc_public_key = $5, smdp_signature2 = $6, cc_required = $7, \
     euicc_otpk = $8, otsk_dp_enc = $9, otsk_key_id = $10, version = version + 1 \
     WHERE transaction_id = $11 AND version = $12";

const PURGE_SESSIONS: &str = "DELETE FROM smdpp_rsp_sessions WHERE expires_at_ms < $1";

const PURGE_CHALLENGES: &str = "DELETE FROM smdpp_euicc_challenges WHERE created_at_ms < $1";

fn tid_hex(transaction_id: &[u8]) -> String {
    hex::encode_upper(transaction_id)
}

impl SessionStore for SqlStore {
    async fn create_session(&self, s: &Session) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        tx.conn()
            .execute(
                INSERT_CHALLENGE,
                &[s.euicc_challenge.as_slice().into(), now_ms().into()],
            )
            .await?;
        tx.conn()
            .execute(
                INSERT_SESSION,
                &[
                    tid_hex(&s.transaction_id).as_str().into(),
                    s.phase.as_str().into(),
                    s.ci_key_id.as_slice().into(),
                    s.euicc_challenge.as_slice().into(),
                    s.server_challenge.as_slice().into(),
                    s.created_at_ms.into(),
                    s.expires_at_ms.into(),
                ],
            )
            .await?;
        tx.commit().await
    }

    async fn get_session(&self, transaction_id: &[u8]) -> Result<Option<Session>, StoreError> {
        let mut r = self.read().await?;
        let read = self.session_by_id(&mut r.conn()?, transaction_id).await;
        r.settle(read).await
    }

    async fn get_session_with_profile(
        &self,
        transaction_id: &[u8],
        with_package: bool,
    ) -> Result<Option<SessionRead>, StoreError> {
        let mut r = self.read().await?;
        let mut conn = r.conn()?;
        let snapshot = conn.begin_read()?;
        let read = async {
            let Some(session) = self.session_by_id(&mut conn, transaction_id).await? else {
                return Ok(None);
            };
            let (profile, package) = match &session.profile {
                Some((_, iccid)) => (
                    profile_by_iccid(&mut conn, iccid).await?,
                    if with_package {
                        self.package(&mut conn, iccid).await?
                    } else {
                        None
                    },
                ),
                None => (None, None),
            };
            Ok(Some(SessionRead {
                session,
                profile,
                package,
            }))
        }
        .await;
        // On an error the lease rolls the snapshot back (crate::sqlite::ReadLease).
        let read = read.and_then(|read| conn.end_read(snapshot).map(|()| read));
        r.settle(read).await
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
        let profile_ids = s.profile.as_ref();
        let mut tx = self.begin_write().await?;
        let written = async {
            let done = tx
                .conn()
                .execute(
                    UPDATE_SESSION,
                    &[
                        s.phase.as_str().into(),
                        profile_ids.map(|(o, _)| o.as_str()).into(),
                        profile_ids.map(|(_, i)| i.digits()).into(),
                        s.eid.as_ref().map(|e| e.as_str()).into(),
                        s.euicc_public_key.as_deref().into(),
                        s.smdp_signature2.as_deref().into(),
                        i64::from(s.cc_required).into(),
                        s.euicc_otpk.as_deref().into(),
                        otsk.as_deref().into(),
                        s.otsk_dp.as_ref().map(|_| self.key.id()).into(),
                        hex.as_str().into(),
                        s.version.into(),
                    ],
                )
                .await?;
            if done != 1 {
                return Err(StoreError::Conflict);
            }
            if let Some(p) = profile {
                update_profile(&mut tx.conn(), p).await?;
            }
            for message in outbox {
                insert_outbox(&mut tx.conn(), message).await?;
            }
            Ok(())
        }
        .await;
        tx.finish(written).await?;
        let mut updated = s.clone();
        updated.version += 1;
        Ok(updated)
    }

    async fn purge_sessions(&self, before_ms: i64) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let sessions = tx
            .conn()
            .execute(PURGE_SESSIONS, &[before_ms.into()])
            .await?;
        tx.conn()
            .execute(PURGE_CHALLENGES, &[before_ms.into()])
            .await?;
        tx.commit().await?;
        Ok(sessions)
    }
}

impl SqlStore {
    async fn session_by_id(
        &self,
        conn: &mut Conn<'_>,
        transaction_id: &[u8],
    ) -> Result<Option<Session>, StoreError> {
        conn.fetch_optional(
            SELECT_SESSION,
            &[tid_hex(transaction_id).as_str().into()],
            |row| self.session(row),
        )
        .await
    }

    fn session(&self, row: &dyn RowRead) -> Result<Session, StoreError> {
        let hex = row.text("transaction_id")?;
        let transaction_id =
            hex::decode(&hex).map_err(|_| StoreError::Corrupt("transaction_id"))?;
        let phase = row.text("phase")?;
        let operator = row.opt_text("operator_id")?;
        let iccid = row.opt_text("iccid")?;
        let profile = match (operator, iccid) {
            (Some(o), Some(i)) => Some((
                OperatorId::new(o),
                Iccid::parse(&i).map_err(|_| StoreError::Corrupt("ICCID"))?,
            )),
            _ => None,
        };
        let otsk_enc = row.opt_blob("otsk_dp_enc")?;
        let otsk_key_id = row.opt_text("otsk_key_id")?;
        let otsk_dp = match (otsk_enc, otsk_key_id) {
            (Some(sealed), Some(key_id)) if key_id == self.key.id() => {
                Some(self.key.open_session_key(&hex, &sealed)?)
            }
            (Some(_), _) => return Err(StoreError::Crypto),
            _ => None,
        };
        let eid: Option<Eid> = eid(row.opt_text("eid")?)?;
        Ok(Session {
            transaction_id,
            phase: SessionPhase::parse(&phase).ok_or(StoreError::Corrupt("session phase"))?,
            ci_key_id: row.blob("ci_key_id")?,
            euicc_challenge: row.blob("euicc_challenge")?,
            server_challenge: row.blob("server_challenge")?,
            profile,
            eid,
            euicc_public_key: match row.opt_blob("euicc_public_key")? {
                Some(spki) => Some(spki),
                None => legacy_public_key(row.opt_blob("euicc_certificate")?)?,
            },
            smdp_signature2: row.opt_blob("smdp_signature2")?,
            cc_required: row.int("cc_required")? != 0,
            euicc_otpk: row.opt_blob("euicc_otpk")?,
            otsk_dp,
            created_at_ms: row.int("created_at_ms")?,
            expires_at_ms: row.int("expires_at_ms")?,
            version: row.int("version")?,
        })
    }
}

/// The public key of a session stored before migration 20261203000002, which kept the whole
/// eUICC certificate (validated when it was stored).
fn legacy_public_key(certificate: Option<Vec<u8>>) -> Result<Option<Vec<u8>>, StoreError> {
    certificate
        .map(|der| {
            rsp_pki::Cert::from_der(&der)
                .map(|c| c.public_key().to_spki_der())
                .map_err(|_| StoreError::Corrupt("euicc_certificate"))
        })
        .transpose()
}
