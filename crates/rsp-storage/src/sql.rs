//! The SQL text. Placeholders are `$N` on both backends (sqlx's SQLite driver binds `$N` by
//! number). The statements that differ by dialect come in pairs chosen by [`Dialect::of`].

use crate::backend::Backend;

/// The statements of a role's outbox table (M2M SM-DP, SM-SR): rows with `id`, `state`
/// (`pending`, `done`, `failed`), `attempts` and `due_at`. The claim counts an attempt and
/// leases the due rows by moving `due_at` on ($1 now, $2 lease end, $3 limit); it is a pair
/// by dialect (row locks on PostgreSQL).
pub(crate) struct RoleOutbox {
    pub(crate) claim_sqlite: &'static str,
    pub(crate) claim_postgres: &'static str,
    /// $1 id, $2 state.
    pub(crate) ended: &'static str,
    /// $1 id, $2 due at.
    pub(crate) retry: &'static str,
}

/// The [`RoleOutbox`] of `$table`, whose claim returns `$returning`.
macro_rules! role_outbox {
    ($table:literal, $returning:literal) => {
        crate::sql::RoleOutbox {
            claim_sqlite: $crate::sql::role_outbox!(@claim $table, $returning, ""),
            claim_postgres: $crate::sql::role_outbox!(@claim $table, $returning, " FOR UPDATE SKIP LOCKED"),
            ended: concat!("UPDATE ", $table, " SET state = $2 WHERE id = $1"),
            retry: concat!(
                "UPDATE ",
                $table,
                " SET due_at = $2 WHERE id = $1 AND state = 'pending'"
            ),
        }
    };
    (@claim $table:literal, $returning:literal, $lock:literal) => {
        concat!(
            "UPDATE ",
            $table,
            " SET attempts = attempts + 1, due_at = $2 WHERE id IN (SELECT id FROM ",
            $table,
            " WHERE state = 'pending' AND due_at <= $1 ORDER BY id LIMIT $3",
            $lock,
            ") RETURNING ",
            $returning
        )
    };
}
pub(crate) use role_outbox;

/// Columns of a profile record, in the order [`crate::row`] reads them.
macro_rules! profile_columns {
    () => {
        "iccid, operator_id, profile_type, state, eid, eid_ever_bound, matching_id, cc_hash, \
         cc_attempts, cc_max_attempts, smds_address, downloaded_ever, version, \
         service_provider_name, profile_name, profile_class, package_size, \
         order_expires_at_ms, order_on_expiry, download_attempts, max_download_attempts, \
         profile_policy_rules, package_version, bpp_transaction_id"
    };
}

/// Columns of an outbox entry.
macro_rules! outbox_columns {
    () => {
        "id, operator_id, iccid, eid, profile_type, notification_point_id, point_status, \
         subject_code, reason_code, result_data, event_time_ms, attempts"
    };
}

pub(crate) const INSERT_PROFILE: &str = "INSERT INTO smdpp_profiles (iccid, operator_id, \
     profile_type, state, package_size, created_at_ms, updated_at_ms, \
     service_provider_name, profile_name, profile_class, profile_policy_rules, \
     package_version) VALUES ($1, $2, $3, 'Available', $4, $5, $5, $6, $7, $8, $9, $10)";

/// The package of a Profile: written once at import, never updated.
pub(crate) const INSERT_PACKAGE: &str = "INSERT INTO smdpp_profile_packages (iccid, \
     package_enc, package_key_id) VALUES ($1, $2, $3)";

pub(crate) const SELECT_PROFILE_ANY_OPERATOR: &str = concat!(
    "SELECT ",
    profile_columns!(),
    " FROM smdpp_profiles WHERE iccid = $1"
);

pub(crate) const SELECT_PROFILE: &str = concat!(
    "SELECT ",
    profile_columns!(),
    " FROM smdpp_profiles WHERE iccid = $1 AND operator_id = $2"
);

pub(crate) const SELECT_BY_MATCHING_ID: &str = concat!(
    "SELECT ",
    profile_columns!(),
    " FROM smdpp_profiles WHERE matching_id = $1"
);

/// `COALESCE(matching_id, '') = ''` is `matching_id IS NULL` (a MatchingID is never empty)
/// written so that no index serves it: SQLite would otherwise walk the unique MatchingID
/// index over every Profile without one (the whole stock) instead of the EID index.
pub(crate) const SELECT_RELEASED_FOR_EID: &str = concat!(
    "SELECT ",
    profile_columns!(),
    " FROM smdpp_profiles WHERE eid = $1 AND state = 'Released' \
     AND COALESCE(matching_id, '') = '' ORDER BY updated_at_ms, iccid"
);

pub(crate) const HAS_PROFILE_TYPE: &str = "SELECT COUNT(*) AS n FROM (SELECT 1 FROM smdpp_profiles \
     WHERE operator_id = $1 AND profile_type = $2 LIMIT 1) AS t";

pub(crate) const SELECT_PACKAGE: &str =
    "SELECT package_enc, package_key_id FROM smdpp_profile_packages WHERE iccid = $1";

/// A Profile UPDATE: compare-and-swap on `version`. `eid_ever_bound` is write-once
/// (COALESCE), and the table's CHECK (eid IS NULL OR eid = eid_ever_bound) refuses any other
/// EID at the database level. `$2` (eid) and `$4` (matching_id) are SET only by the variants
/// that name them: SQLite rewrites the entry of every index whose column is SET, even to the
/// value it has, and both are indexed.
macro_rules! update_profile {
    ($keys:literal) => {
        concat!(
            "UPDATE smdpp_profiles SET state = $1, ",
            $keys,
            "eid_ever_bound = COALESCE(eid_ever_bound, $3), cc_hash = $5, \
             cc_attempts = $6, cc_max_attempts = $7, smds_address = $8, downloaded_ever = $9, \
             version = version + 1, updated_at_ms = $10, \
             order_expires_at_ms = $14, order_on_expiry = $15, download_attempts = $16, \
             max_download_attempts = $17, bpp_transaction_id = $18 \
             WHERE iccid = $11 AND operator_id = $12 AND version = $13"
        )
    };
}

/// The Profile UPDATE for a change of the EID, of the MatchingID, of both or of neither.
pub(crate) const UPDATE_PROFILE: [[&str; 2]; 2] = [
    [update_profile!(""), update_profile!("matching_id = $4, ")],
    [
        update_profile!("eid = $2, "),
        update_profile!("eid = $2, matching_id = $4, "),
    ],
];

/// The indexed columns a [`UPDATE_PROFILE`] variant may leave alone.
pub(crate) const SELECT_PROFILE_KEYS: &str =
    "SELECT eid, matching_id FROM smdpp_profiles WHERE iccid = $1";

pub(crate) const INSERT_OUTBOX: &str = "INSERT INTO smdpp_es2plus_outbox (operator_id, iccid, \
     eid, profile_type, notification_point_id, point_status, subject_code, reason_code, \
     result_data, event_time_ms, due_at_ms) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)";

pub(crate) const OUTBOX_DELIVERED: &str = "UPDATE smdpp_es2plus_outbox SET state = 'delivered', \
     finished_at_ms = $1 WHERE id = $2 AND state = 'pending'";

pub(crate) const OUTBOX_RESCHEDULE: &str = "UPDATE smdpp_es2plus_outbox SET due_at_ms = $1, \
     last_error = $2 WHERE id = $3 AND state = 'pending'";

pub(crate) const OUTBOX_ABANDON: &str = "UPDATE smdpp_es2plus_outbox SET state = 'abandoned', \
     finished_at_ms = $1, last_error = $2 WHERE id = $3 AND state = 'pending'";

pub(crate) const OUTBOX_PENDING: &str =
    "SELECT COUNT(*) AS n FROM smdpp_es2plus_outbox WHERE state = 'pending'";

/// Statements whose text depends on the backend.
pub(crate) struct Dialect {
    /// Takes one Available Profile: $1 new state, $2 EID or NULL, $3 now, $4 operator,
    /// $5 Profile Type, $6..$8 the order's expiry, state on expiry and download attempt
    /// limit. A Profile once bound is only taken for its own EID.
    pub claim_profile: &'static str,
    /// Leases due outbox messages: $1 lease end, $2 now, $3 limit.
    pub claim_outbox: &'static str,
    /// Leases due SM-DS cascades (wanted state not yet acknowledged by the root): $1 lease
    /// end, $2 now, $3 limit.
    pub claim_cascades: &'static str,
    /// The SM-DP+'s SM-DS event rows whose SM-DS state differs from their order's: $1 now,
    /// $2 limit.
    pub claim_smds_events: &'static str,
}

macro_rules! claim_smds_events {
    ($lock:literal) => {
        concat!(
            "SELECT e.iccid, e.smds_address, e.event_id, e.eid, e.attempts, CASE WHEN ",
            crate::smdpp_smds::wanted!(),
            " THEN 1 ELSE 0 END AS wanted FROM smdpp_smds_events e LEFT JOIN smdpp_profiles p \
             ON p.iccid = e.iccid WHERE e.due_at_ms <= $1 AND e.registered <> (CASE WHEN ",
            crate::smdpp_smds::wanted!(),
            " THEN 1 ELSE 0 END) ORDER BY e.due_at_ms, e.iccid LIMIT $2",
            $lock
        )
    };
}

macro_rules! claim_cascades {
    ($lock:literal) => {
        concat!(
            "UPDATE smds_cascades SET due_at_ms = $1, attempts = attempts + 1 \
             WHERE eid IN (SELECT eid FROM smds_cascades WHERE wanted <> registered \
             AND due_at_ms <= $2 ORDER BY due_at_ms, eid LIMIT $3",
            $lock,
            ") RETURNING eid, event_id, root_address, wanted, registered, attempts, last_error"
        )
    };
}

macro_rules! claim_profile {
    ($lock:literal) => {
        concat!(
            "UPDATE smdpp_profiles SET state = $1, eid = $2, \
             eid_ever_bound = COALESCE(eid_ever_bound, $2), version = version + 1, \
             updated_at_ms = $3, order_expires_at_ms = $6, order_on_expiry = $7, \
             download_attempts = 0, max_download_attempts = $8, bpp_transaction_id = NULL \
             WHERE iccid = (SELECT iccid FROM smdpp_profiles \
             WHERE operator_id = $4 AND profile_type = $5 AND state = 'Available' \
             AND (eid_ever_bound IS NULL OR eid_ever_bound = $2) ORDER BY iccid LIMIT 1",
            $lock,
            ") AND state = 'Available' RETURNING ",
            profile_columns!()
        )
    };
}

macro_rules! claim_outbox {
    ($lock:literal) => {
        concat!(
            "UPDATE smdpp_es2plus_outbox SET due_at_ms = $1, attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM smdpp_es2plus_outbox WHERE state = 'pending' \
             AND due_at_ms <= $2 ORDER BY due_at_ms, id LIMIT $3",
            $lock,
            ") RETURNING ",
            outbox_columns!()
        )
    };
}

/// SQLite: the write transaction (BEGIN IMMEDIATE) already serialises writers.
const SQLITE: Dialect = Dialect {
    claim_profile: claim_profile!(""),
    claim_outbox: claim_outbox!(""),
    claim_cascades: claim_cascades!(""),
    claim_smds_events: claim_smds_events!(""),
};

/// PostgreSQL: concurrent claimers skip rows another transaction has locked, so each gets a
/// different Profile without waiting (and never a false "none left").
const POSTGRES: Dialect = Dialect {
    claim_profile: claim_profile!(" FOR UPDATE SKIP LOCKED"),
    claim_outbox: claim_outbox!(" FOR UPDATE SKIP LOCKED"),
    claim_cascades: claim_cascades!(" FOR UPDATE SKIP LOCKED"),
    claim_smds_events: claim_smds_events!(" FOR UPDATE OF e SKIP LOCKED"),
};

impl Dialect {
    /// The statements of `backend`.
    pub(crate) fn of(backend: Backend) -> &'static Dialect {
        match backend {
            Backend::Sqlite => &SQLITE,
            Backend::Postgres => &POSTGRES,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use sqlx::Row;

    use super::*;
    use crate::{DataKey, SqlStore};

    /// The SQLite plan of the lookups a download or an order makes names the index meant for
    /// it (a wrong pick walks the whole stock: see [`SELECT_RELEASED_FOR_EID`]).
    #[tokio::test]
    async fn lookups_use_their_indexes() {
        let dir = rsp_testkit::fs::TempDir::new();
        let key = DataKey::new("k", &[7; 32]).unwrap();
        let store = SqlStore::open_sqlite(&dir.path().join("plan.db"), key)
            .await
            .unwrap();
        store.migrate().await.unwrap();
        let claim_subquery = "SELECT iccid FROM smdpp_profiles WHERE operator_id = $4 \
             AND profile_type = $5 AND state = 'Available' \
             AND (eid_ever_bound IS NULL OR eid_ever_bound = $2) ORDER BY iccid LIMIT 1";
        assert!(SQLITE.claim_profile.contains(claim_subquery));
        for (sql, index) in [
            (SELECT_RELEASED_FOR_EID, "INDEX smdpp_profiles_eid (eid=?)"),
            (claim_subquery, "INDEX smdpp_profiles_available"),
            (HAS_PROFILE_TYPE, "INDEX smdpp_profiles_type"),
            (
                SELECT_BY_MATCHING_ID,
                "sqlite_autoindex_smdpp_profiles_2 (matching_id=?)",
            ),
        ] {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}")));
            for _ in 0..5 {
                q = q.bind("x");
            }
            let plan: Vec<String> = q
                .fetch_all(store.pool())
                .await
                .unwrap()
                .iter()
                .map(|r| r.get::<String, _>("detail"))
                .collect();
            assert!(
                plan.iter().any(|d| d.contains(index)),
                "{sql}\nplan: {plan:?}\nexpected: {index}"
            );
        }
        store.close().await;
    }
}
