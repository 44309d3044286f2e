//! [`SmdpStore`] over SQL: the M2M SM-DP's Profile inventory with sealed packages,
//! DownloadProfile orders leased to one worker at a time, and the outbox of their
//! responses (migrations `20261211000001_smdp`, `20261212000005_smdp_order_lease`: claims
//! by token, DownloadProfile de-duplicated by the Operator's `MessageID`).

use rsp_smdp::order::{DownloadOrder, Stage};
use rsp_smdp::store::{
    Created, DownloadResult, Failure, NewOrder, NewProfile, Profile, ProfileState, QueuedResult,
    SmdpStore, StoreError, StoredOrder,
};
use rsp_smdpp::store::StoreError as DbError;

use crate::audit::{AuditEvent, json_string, record_in};
use crate::backend::{Backend, SqlStore};
use crate::db::RowRead;
use crate::row::{attempts, json};
use crate::sql::{RoleOutbox, role_outbox};

macro_rules! order_columns {
    () => {
        "id, operator_id, message_id, reply_to, eid, smsr_id, iccid, profile_type, mno_id, \
         msisdn, enable, isdp_aid, stage, error_subject, error_reason, error, lease_until, created_at, updated_at"
    };
}

const INSERT_PROFILE: &str = "INSERT INTO smdp_profiles (iccid, profile_type, msisdn, \
     package_sealed, key_id, state, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, 'available', $6, $6)";
const PROFILE: &str = "SELECT iccid, profile_type, msisdn, state, created_at FROM smdp_profiles \
     WHERE iccid = $1";
const PROFILES: &str = "SELECT iccid, profile_type, msisdn, state, created_at FROM smdp_profiles \
     ORDER BY iccid LIMIT $1";
const PACKAGE: &str = "SELECT package_sealed FROM smdp_profiles WHERE iccid = $1";
/// The Profile asked for, if it is available and of the type: $1 ICCID, $2 type, $3 now.
const TAKE_ICCID: &str = "UPDATE smdp_profiles SET state = 'allocated', updated_at = $3 \
     WHERE iccid = $1 AND profile_type = $2 AND state = 'available' RETURNING iccid, msisdn";
/// The first available Profile of the type: $1 type, $2 now. The outer condition on the
/// state makes a concurrent winner leave this one with no row.
macro_rules! take_any {
    ($lock:literal) => {
        concat!(
            "UPDATE smdp_profiles SET state = 'allocated', updated_at = $2 WHERE iccid = \
             (SELECT iccid FROM smdp_profiles WHERE profile_type = $1 AND state = 'available' \
             ORDER BY iccid LIMIT 1",
            $lock,
            ") AND state = 'available' RETURNING iccid, msisdn"
        )
    };
}
const TAKE_ANY_SQLITE: &str = take_any!("");
const TAKE_ANY_POSTGRES: &str = take_any!(" FOR UPDATE SKIP LOCKED");
const ANY_OF_TYPE: &str = "SELECT iccid FROM smdp_profiles WHERE profile_type = $1 LIMIT 1";
const PROFILE_TYPE_OF: &str = "SELECT profile_type FROM smdp_profiles WHERE iccid = $1";
const INSERT_ORDER: &str = concat!(
    "INSERT INTO smdp_orders (operator_id, message_id, reply_to, eid, smsr_id, iccid, \
     profile_type, mno_id, msisdn, enable, stage, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $1, $8, $9, 'accepted', $10, $10) RETURNING ",
    order_columns!()
);
macro_rules! claim_orders {
    ($lock:literal) => {
        concat!(
            "UPDATE smdp_orders SET lease_until = $2, lease_token = $4 \
             WHERE ended = 0 AND lease_until <= $1 \
             AND id IN (SELECT id FROM smdp_orders WHERE ended = 0 AND lease_until <= $1 \
             ORDER BY id LIMIT $3",
            $lock,
            ") RETURNING ",
            order_columns!()
        )
    };
}
const CLAIM_ORDERS_SQLITE: &str = claim_orders!("");
const CLAIM_ORDERS_POSTGRES: &str = claim_orders!(" FOR UPDATE SKIP LOCKED");
/// $1 id, $2 stage, $3 ISD-P AID, $4 claim token, $5 new lease, $6 now.
const CHECKPOINT: &str = "UPDATE smdp_orders SET stage = $2, isdp_aid = $3, lease_until = $5, \
     updated_at = $6 WHERE id = $1 AND lease_token = $4 AND ended = 0";
/// $1 id, $2 stage, $3 ISD-P AID, $4 claim token, $5 due, $6 now: the claim given up.
const POSTPONE: &str = "UPDATE smdp_orders SET stage = $2, isdp_aid = $3, lease_until = $5, \
     lease_token = 0, updated_at = $6 WHERE id = $1 AND lease_token = $4 AND ended = 0";
/// $1 id, $2 claim token, $3 new lease.
const RENEW: &str = "UPDATE smdp_orders SET lease_until = $3 \
     WHERE id = $1 AND lease_token = $2 AND ended = 0";
/// $1 id, $2 stage, $3 ISD-P AID, $4 error, $5 claim token, $6 now.
const FINISH: &str = "UPDATE smdp_orders SET stage = $2, isdp_aid = $3, error = $4, ended = 1, \
     lease_until = 0, updated_at = $6, error_subject = $7, error_reason = $8 \
     WHERE id = $1 AND lease_token = $5 AND ended = 0";
/// PostgreSQL: requests with one Operator and MessageID one at a time (released at
/// COMMIT), so a repeat sent while the first is not committed waits for it and finds its
/// order instead of racing it for a Profile. SQLite serialises writers already.
const PG_MESSAGE_LOCK: &str = "SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2)) AS locked";
/// The order of an Operator's `MessageID`: $1 Operator, $2 MessageID.
const ORDER_OF_MESSAGE: &str = concat!(
    "SELECT ",
    order_columns!(),
    " FROM smdp_orders WHERE operator_id = $1 AND message_id = $2"
);
const PROFILE_ENDED: &str = "UPDATE smdp_profiles SET state = $2, updated_at = $3 \
     WHERE iccid = $1 AND state = 'allocated'";
const ORDER: &str = concat!(
    "SELECT ",
    order_columns!(),
    " FROM smdp_orders WHERE id = $1"
);
const ORDERS: &str = concat!(
    "SELECT ",
    order_columns!(),
    " FROM smdp_orders ORDER BY id DESC LIMIT $1"
);
const INSERT_RESULT: &str = "INSERT INTO smdp_outbox (notice, state, attempts, due_at, \
     created_at, order_id) VALUES ($1, 'pending', 0, $2, $3, $4)";
/// The order $1's results still waiting, done (answered in the HTTP response).
const RESULT_ANSWERED: &str =
    "UPDATE smdp_outbox SET state = 'done' WHERE order_id = $1 AND state = 'pending'";
const RESULTS: RoleOutbox = role_outbox!("smdp_outbox", "id, notice, attempts");

pub(crate) fn err(e: DbError) -> StoreError {
    match e {
        DbError::Duplicate(_) => StoreError::Duplicate,
        DbError::Corrupt(c) => StoreError::Corrupt(c),
        DbError::Crypto => StoreError::Corrupt("a sealed package does not open"),
        other => StoreError::Backend(Box::new(other)),
    }
}

fn profile(r: &dyn RowRead) -> Result<Profile, DbError> {
    Ok(Profile {
        iccid: r.text("iccid")?,
        profile_type: r.text("profile_type")?,
        msisdn: r.opt_text("msisdn")?,
        state: ProfileState::parse(&r.text("state")?).ok_or(DbError::Corrupt("profile state"))?,
        created_at: r.int("created_at")?,
    })
}

fn order(r: &dyn RowRead) -> Result<StoredOrder, DbError> {
    Ok(StoredOrder {
        id: r.int("id")?,
        operator: r.text("operator_id")?,
        message_id: r.opt_text("message_id")?,
        reply_to: r.opt_text("reply_to")?,
        smsr_id: r.text("smsr_id")?,
        order: DownloadOrder {
            eid: r.text("eid")?,
            iccid: r.text("iccid")?,
            profile_type: r.text("profile_type")?,
            mno_id: r.text("mno_id")?,
            msisdn: r.opt_text("msisdn")?,
            enable: r.int("enable")? != 0,
            isdp_aid: r.opt_text("isdp_aid")?,
            stage: Stage::parse(&r.text("stage")?).ok_or(DbError::Corrupt("order stage"))?,
        },
        failure: match (
            r.opt_text("error_subject")?,
            r.opt_text("error_reason")?,
            r.opt_text("error")?,
        ) {
            (Some(subject_code), Some(reason_code), Some(message)) => Some(Failure {
                subject_code,
                reason_code,
                message,
            }),
            (None, None, None) => None,
            _ => return Err(DbError::Corrupt("order failure")),
        },
        created_at: r.int("created_at")?,
        updated_at: r.int("updated_at")?,
        lease_until: r.int("lease_until")?,
    })
}

/// `smdp.order.accept` (the Operator took this Profile for this eUICC) in the order's
/// transaction.
async fn audit_order_accepted(tx: &mut crate::backend::Tx, o: &StoredOrder) -> Result<(), DbError> {
    let details = format!(
        "{{\"order\":{},\"eid\":{},\"smsrId\":{},\"profileType\":{},\"enable\":{}}}",
        o.id,
        json_string(&o.order.eid),
        json_string(&o.smsr_id),
        json_string(&o.order.profile_type),
        o.order.enable
    );
    record_in(
        &mut tx.conn(),
        &[AuditEvent {
            actor: &o.operator,
            action: "smdp.order.accept",
            subject: &o.order.iccid,
            details: &details,
        }],
    )
    .await
}

/// `smdp.order.end` (the stage reached, the Profile's new state, the failure's codes) in
/// the transaction that ends the order.
async fn audit_order_ended(
    tx: &mut crate::backend::Tx,
    id: i64,
    o: &DownloadOrder,
    failure: Option<&Failure>,
    profile: ProfileState,
) -> Result<(), DbError> {
    let code = failure.map_or_else(
        || "null".to_owned(),
        |f| json_string(&format!("{}/{}", f.subject_code, f.reason_code)),
    );
    let details = format!(
        "{{\"order\":{id},\"stage\":\"{}\",\"profileState\":\"{}\",\"code\":{code}}}",
        o.stage.as_str(),
        profile.as_str()
    );
    record_in(
        &mut tx.conn(),
        &[AuditEvent {
            actor: "system",
            action: "smdp.order.end",
            subject: &o.iccid,
            details: &details,
        }],
    )
    .await
}

impl SmdpStore for SqlStore {
    async fn import_profile(&self, p: &NewProfile, now: i64) -> Result<(), StoreError> {
        let sealed = self
            .key
            .seal_smdp_package(&p.iccid, &p.package)
            .map_err(err)?;
        let key_id = self.key.id().to_owned();
        self.write_exec(
            INSERT_PROFILE,
            &[
                p.iccid.as_str().into(),
                p.profile_type.as_str().into(),
                p.msisdn.as_deref().into(),
                sealed.as_slice().into(),
                key_id.as_str().into(),
                now.into(),
            ],
        )
        .await
        .map(drop)
        .map_err(err)
    }

    async fn profile(&self, iccid: &str) -> Result<Option<Profile>, StoreError> {
        let found = self.read_rows(PROFILE, &[iccid.into()], profile).await;
        Ok(found.map_err(err)?.pop())
    }

    async fn profiles(&self, limit: i64) -> Result<Vec<Profile>, StoreError> {
        self.read_rows(PROFILES, &[limit.into()], profile)
            .await
            .map_err(err)
    }

    async fn package(&self, iccid: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let Some(sealed) = self
            .read_rows(PACKAGE, &[iccid.into()], |r| r.blob("package_sealed"))
            .await
            .map_err(err)?
            .pop()
        else {
            return Ok(None);
        };
        let plain = self.key.open_smdp_package(iccid, &sealed).map_err(err)?;
        Ok(Some(plain.to_vec()))
    }

    async fn create_order(&self, o: &NewOrder) -> Result<Created, StoreError> {
        let take_any = self.pick(TAKE_ANY_SQLITE, TAKE_ANY_POSTGRES);
        let run = async {
            let mut tx = self.begin_write().await?;
            if let Some(message_id) = &o.message_id {
                if self.backend() == Backend::Postgres {
                    tx.conn()
                        .fetch_optional(
                            PG_MESSAGE_LOCK,
                            &[o.operator.as_str().into(), message_id.as_str().into()],
                            |_| Ok(()),
                        )
                        .await?;
                }
                let earlier = tx
                    .conn()
                    .fetch_optional(
                        ORDER_OF_MESSAGE,
                        &[o.operator.as_str().into(), message_id.as_str().into()],
                        order,
                    )
                    .await?;
                if let Some(earlier) = earlier {
                    tx.commit().await?;
                    return Ok(Created::Repeated(Box::new(earlier)));
                }
            }
            let taken = match &o.iccid {
                Some(iccid) => {
                    tx.conn()
                        .fetch_optional(
                            TAKE_ICCID,
                            &[
                                iccid.as_str().into(),
                                o.profile_type.as_str().into(),
                                o.now.into(),
                            ],
                            |r| Ok((r.text("iccid")?, r.opt_text("msisdn")?)),
                        )
                        .await?
                }
                None => {
                    tx.conn()
                        .fetch_optional(
                            take_any,
                            &[o.profile_type.as_str().into(), o.now.into()],
                            |r| Ok((r.text("iccid")?, r.opt_text("msisdn")?)),
                        )
                        .await?
                }
            };
            let Some((iccid, msisdn)) = taken else {
                let why = match &o.iccid {
                    Some(iccid) => {
                        let of_type = tx
                            .conn()
                            .fetch_optional(PROFILE_TYPE_OF, &[iccid.as_str().into()], |r| {
                                r.text("profile_type")
                            })
                            .await?;
                        match of_type {
                            Some(t) if t == o.profile_type => Created::IccidTaken,
                            _ => Created::UnknownIccid,
                        }
                    }
                    None => {
                        let any = tx
                            .conn()
                            .fetch_optional(ANY_OF_TYPE, &[o.profile_type.as_str().into()], |r| {
                                r.text("iccid")
                            })
                            .await?;
                        if any.is_some() {
                            Created::NoneAvailable
                        } else {
                            Created::UnknownProfileType
                        }
                    }
                };
                tx.commit().await?;
                return Ok(why);
            };
            let stored = tx
                .conn()
                .fetch_optional(
                    INSERT_ORDER,
                    &[
                        o.operator.as_str().into(),
                        o.message_id.as_deref().into(),
                        o.reply_to.as_deref().into(),
                        o.eid.as_str().into(),
                        o.smsr_id.as_str().into(),
                        iccid.as_str().into(),
                        o.profile_type.as_str().into(),
                        msisdn.as_deref().into(),
                        i64::from(o.enable).into(),
                        o.now.into(),
                    ],
                    order,
                )
                .await?
                .ok_or(DbError::Corrupt("insert returned no row"))?;
            audit_order_accepted(&mut tx, &stored).await?;
            tx.commit().await?;
            Ok(Created::Order(Box::new(stored)))
        };
        match (run.await, &o.message_id) {
            // The same request committed meanwhile (the unique key on the Operator and
            // MessageID): this transaction took nothing; the order is the other's.
            (Err(DbError::Duplicate(_)), Some(message_id)) => self
                .read_rows(
                    ORDER_OF_MESSAGE,
                    &[o.operator.as_str().into(), message_id.as_str().into()],
                    order,
                )
                .await
                .map_err(err)?
                .pop()
                .map(|o| Created::Repeated(Box::new(o)))
                .ok_or(StoreError::Duplicate),
            (r, _) => r.map_err(err),
        }
    }

    async fn claim_orders(
        &self,
        now: i64,
        lease_until: i64,
        limit: i64,
        token: i64,
    ) -> Result<Vec<StoredOrder>, StoreError> {
        let sql = self.pick(CLAIM_ORDERS_SQLITE, CLAIM_ORDERS_POSTGRES);
        let mut claimed = self
            .write_rows(
                sql,
                &[now.into(), lease_until.into(), limit.into(), token.into()],
                order,
            )
            .await
            .map_err(err)?;
        claimed.sort_by_key(|o| o.id);
        Ok(claimed)
    }

    async fn checkpoint(
        &self,
        id: i64,
        o: &DownloadOrder,
        token: i64,
        new_lease: i64,
        now: i64,
    ) -> Result<bool, StoreError> {
        let n = self
            .write_exec(
                CHECKPOINT,
                &[
                    id.into(),
                    o.stage.as_str().into(),
                    o.isdp_aid.as_deref().into(),
                    token.into(),
                    new_lease.into(),
                    now.into(),
                ],
            )
            .await
            .map_err(err)?;
        Ok(n == 1)
    }

    async fn postpone(
        &self,
        id: i64,
        o: &DownloadOrder,
        token: i64,
        due: i64,
        now: i64,
    ) -> Result<bool, StoreError> {
        let n = self
            .write_exec(
                POSTPONE,
                &[
                    id.into(),
                    o.stage.as_str().into(),
                    o.isdp_aid.as_deref().into(),
                    token.into(),
                    due.into(),
                    now.into(),
                ],
            )
            .await
            .map_err(err)?;
        Ok(n == 1)
    }

    async fn renew_lease(&self, id: i64, token: i64, new_lease: i64) -> Result<bool, StoreError> {
        let n = self
            .write_exec(RENEW, &[id.into(), token.into(), new_lease.into()])
            .await
            .map_err(err)?;
        Ok(n == 1)
    }

    async fn finish_order(
        &self,
        id: i64,
        o: &DownloadOrder,
        failure: Option<&Failure>,
        token: i64,
        result: Option<&DownloadResult>,
        now: i64,
    ) -> Result<bool, StoreError> {
        let notice = result
            .map(serde_json::to_string)
            .transpose()
            .map_err(|_| StoreError::Corrupt("result"))?;
        // On the eUICC once installed, even if a later step (enabling) failed.
        let profile_state = match o.stage {
            Stage::Installed | Stage::Completed | Stage::Enabled => ProfileState::Installed,
            Stage::Accepted | Stage::IsdpCreated | Stage::Failed => ProfileState::Failed,
        };
        let run = async {
            let mut tx = self.begin_write().await?;
            let n = tx
                .conn()
                .execute(
                    FINISH,
                    &[
                        id.into(),
                        o.stage.as_str().into(),
                        o.isdp_aid.as_deref().into(),
                        failure.map(|f| f.message.as_str()).into(),
                        token.into(),
                        now.into(),
                        failure.map(|f| f.subject_code.as_str()).into(),
                        failure.map(|f| f.reason_code.as_str()).into(),
                    ],
                )
                .await?;
            if n != 1 {
                tx.commit().await?;
                return Ok(false);
            }
            tx.conn()
                .execute(
                    PROFILE_ENDED,
                    &[
                        o.iccid.as_str().into(),
                        profile_state.as_str().into(),
                        now.into(),
                    ],
                )
                .await?;
            if let (Some(notice), Some(r)) = (notice.as_deref(), result) {
                let due = r.not_before.unwrap_or(now);
                tx.conn()
                    .execute(
                        INSERT_RESULT,
                        &[notice.into(), due.into(), now.into(), r.order_id.into()],
                    )
                    .await?;
            }
            audit_order_ended(&mut tx, id, o, failure, profile_state).await?;
            tx.commit().await?;
            Ok(true)
        };
        let ended = run.await.map_err(err)?;
        if ended {
            let code = failure.map_or_else(String::new, |f| {
                format!("{}/{}", f.subject_code, f.reason_code)
            });
            metrics::counter!("rsp_smdp_orders_ended_total",
                "stage" => o.stage.as_str(), "code" => code)
            .increment(1);
        }
        Ok(ended)
    }

    async fn order(&self, id: i64) -> Result<Option<StoredOrder>, StoreError> {
        let found = self.read_rows(ORDER, &[id.into()], order).await;
        Ok(found.map_err(err)?.pop())
    }

    async fn orders(&self, limit: i64) -> Result<Vec<StoredOrder>, StoreError> {
        self.read_rows(ORDERS, &[limit.into()], order)
            .await
            .map_err(err)
    }

    async fn claim_results(
        &self,
        now: i64,
        limit: i64,
        lease: i64,
    ) -> Result<Vec<QueuedResult>, StoreError> {
        self.claim_role_outbox(&RESULTS, now, limit, lease, |r| {
            Ok(QueuedResult {
                id: r.int("id")?,
                result: json(&r.text("notice")?, "result")?,
                attempts: attempts(r)?,
            })
        })
        .await
        .map_err(err)
    }

    async fn result_ended(&self, id: i64, delivered: bool) -> Result<(), StoreError> {
        self.role_outbox_ended(&RESULTS, id, delivered)
            .await
            .map_err(err)
    }

    async fn result_answered(&self, order_id: i64) -> Result<bool, StoreError> {
        let run = async {
            let mut tx = self.begin_write().await?;
            let n = tx
                .conn()
                .execute(RESULT_ANSWERED, &[order_id.into()])
                .await?;
            tx.commit().await?;
            Ok(n > 0)
        };
        run.await.map_err(err)
    }

    async fn result_retry(&self, id: i64, at: i64) -> Result<(), StoreError> {
        self.role_outbox_retry(&RESULTS, id, at).await.map_err(err)
    }
}
