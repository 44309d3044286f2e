//! The SQL of [`super::eim`] (`$N` placeholders on both backends; the row-locking claims
//! differ per backend).

macro_rules! euicc_columns {
    () => {
        "eid, tenant, eim_id, counter_value, association_token, curve, euicc_certificate, \
         eum_certificate, state, created_at_ms"
    };
}

macro_rules! op_columns {
    () => {
        "id, eid, tenant, kind, status, transaction_id, counter_value, message, result, \
         deliveries, created_at_ms, updated_at_ms"
    };
}

pub(crate) const UPSERT_TENANT: &str = "INSERT INTO eim_tenants (id, token_sha256, webhook_url) \
     VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET token_sha256 = $2, webhook_url = $3";
pub(crate) const TENANT_BY_TOKEN: &str =
    "SELECT id, token_sha256, webhook_url FROM eim_tenants WHERE token_sha256 = $1";
pub(crate) const TENANT_BY_ID: &str =
    "SELECT id, token_sha256, webhook_url FROM eim_tenants WHERE id = $1";
pub(crate) const INSERT_EUICC: &str = "INSERT INTO eim_euiccs (eid, tenant, eim_id, counter_value, \
     association_token, curve, euicc_certificate, eum_certificate, state, created_at_ms) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
pub(crate) const SELECT_EUICC: &str = concat!(
    "SELECT ",
    euicc_columns!(),
    " FROM eim_euiccs WHERE eid = $1"
);
pub(crate) const LIST_EUICCS: &str = concat!(
    "SELECT ",
    euicc_columns!(),
    " FROM eim_euiccs WHERE tenant = $1 ORDER BY eid LIMIT $2"
);
pub(crate) const SET_CERTS: &str =
    "UPDATE eim_euiccs SET euicc_certificate = $2, eum_certificate = $3 WHERE eid = $1";
/// One statement: two processes never get the same value.
pub(crate) const NEXT_COUNTER: &str = "UPDATE eim_euiccs SET counter_value = counter_value + 1 \
     WHERE eid = $1 RETURNING counter_value";
pub(crate) const INSERT_OP: &str = "INSERT INTO eim_operations (eid, tenant, kind, status, deliveries, \
     created_at_ms, updated_at_ms) VALUES ($1, $2, $3, 'pending', 0, $4, $4) RETURNING id";
/// The oldest unfinished operation of the eUICC, if pending or its lease ran out. On
/// PostgreSQL the row lock makes a concurrent claimer wait and then see the new lease.
macro_rules! claim_op {
    ($lock:literal) => {
        concat!(
            "UPDATE eim_operations SET status = 'delivered', lease_until_ms = $2, \
             deliveries = deliveries + 1, updated_at_ms = $3 WHERE id = (SELECT id FROM \
             eim_operations WHERE eid = $1 AND status IN ('pending', 'delivered') \
             ORDER BY id LIMIT 1",
            $lock,
            ") AND (status = 'pending' OR lease_until_ms <= $3) RETURNING ",
            op_columns!()
        )
    };
}
pub(crate) const CLAIM_OP_SQLITE: &str = claim_op!("");
pub(crate) const CLAIM_OP_POSTGRES: &str = claim_op!(" FOR UPDATE");
pub(crate) const SET_DELIVERED: &str = "UPDATE eim_operations SET counter_value = $2, \
     transaction_id = $3, message = $4 WHERE id = $1";
pub(crate) const DELIVERED_BY_TID: &str = concat!(
    "SELECT ",
    op_columns!(),
    " FROM eim_operations WHERE eid = $1 AND status = 'delivered' AND transaction_id = $2 \
     ORDER BY id LIMIT 1"
);
/// By eimTransactionId alone (the IPA's InitiateAuthenticationRequestEsipa has no EID).
pub(crate) const DELIVERED_BY_TID_ONLY: &str = concat!(
    "SELECT ",
    op_columns!(),
    " FROM eim_operations WHERE status = 'delivered' AND transaction_id = $1 \
     ORDER BY id LIMIT 1"
);
pub(crate) const DELIVERED_BY_COUNTER: &str = concat!(
    "SELECT ",
    op_columns!(),
    " FROM eim_operations WHERE eid = $1 AND status = 'delivered' AND counter_value = $2 \
     ORDER BY id LIMIT 1"
);
pub(crate) const COMPLETE_OP: &str = "UPDATE eim_operations SET status = $2, result = $3, \
     updated_at_ms = $4, lease_until_ms = NULL WHERE id = $1 AND status = 'delivered'";
pub(crate) const CANCEL_OP: &str = "UPDATE eim_operations SET status = 'failed', result = $2, \
     updated_at_ms = $3, lease_until_ms = NULL WHERE id = $1 \
     AND status IN ('pending', 'delivered')";
pub(crate) const SET_STATE: &str = "UPDATE eim_euiccs SET state = $2 \
     WHERE eid = (SELECT eid FROM eim_operations WHERE id = $1)";
pub(crate) const INSERT_RESULT: &str = "INSERT INTO eim_results (eid, operation_id, accepted, reason, \
     der, created_at_ms) VALUES ($1, $2, $3, $4, $5, $6)";
pub(crate) const INSERT_NOTIFICATION: &str = "INSERT INTO eim_notifications (eid, der, forward_to, \
     created_at_ms) VALUES ($1, $2, $3, $4)";
pub(crate) const INSERT_OUTBOX: &str = "INSERT INTO eim_outbox (kind, target, body, attempts, due_at_ms, \
     created_at_ms) VALUES ($1, $2, $3, 0, $4, $4)";
pub(crate) const SELECT_OP: &str = concat!(
    "SELECT ",
    op_columns!(),
    " FROM eim_operations WHERE id = $1"
);
pub(crate) const LIST_OPS: &str = concat!(
    "SELECT ",
    op_columns!(),
    " FROM eim_operations WHERE eid = $1 ORDER BY id DESC LIMIT $2"
);
macro_rules! claim_outbox {
    ($lock:literal) => {
        concat!(
            "UPDATE eim_outbox SET due_at_ms = $1, attempts = attempts + 1 WHERE id IN \
             (SELECT id FROM eim_outbox WHERE due_at_ms <= $2 ORDER BY due_at_ms, id LIMIT $3",
            $lock,
            ") RETURNING id, kind, target, body, attempts"
        )
    };
}
pub(crate) const CLAIM_OUTBOX_SQLITE: &str = claim_outbox!("");
pub(crate) const CLAIM_OUTBOX_POSTGRES: &str = claim_outbox!(" FOR UPDATE SKIP LOCKED");
pub(crate) const OUTBOX_SENT: &str = "DELETE FROM eim_outbox WHERE id = $1";
pub(crate) const OUTBOX_RETRY: &str =
    "UPDATE eim_outbox SET due_at_ms = $2, last_error = $3 WHERE id = $1";
pub(crate) const PENDING_OPS: &str =
    "SELECT COUNT(*) AS n FROM eim_operations WHERE status IN ('pending', 'delivered')";
pub(crate) const TENANT_IDS: &str = "SELECT id FROM eim_tenants ORDER BY id";
pub(crate) const DELETE_TENANT: &str = "DELETE FROM eim_tenants WHERE id = $1";

// Fleet scale (`eim_bulk.rs`).

/// A poll's look (PostgreSQL), one read-only statement: whether the EID is registered
/// (`known`) and the id of its oldest unfinished operation if that one can be claimed now
/// (`claimable`: pending, or its lease ran out at `$2`). An empty poll ends here, in one
/// round trip; a claimable operation is then claimed with [`CLAIM_OP_POSTGRES`], which
/// decides (a concurrent claimer may have taken it in between).
pub(crate) const POLL_POSTGRES: &str = "SELECT (SELECT 1 FROM eim_euiccs WHERE eid = $1) AS known, \
     (SELECT id FROM eim_operations WHERE eid = $1 AND status IN ('pending', 'delivered') \
     AND (status = 'pending' OR lease_until_ms <= $2) ORDER BY id LIMIT 1) AS claimable";
/// Whether an EID is registered (SQLite's poll, before its claim).
pub(crate) const EUICC_KNOWN: &str = "SELECT 1 AS known FROM eim_euiccs WHERE eid = $1";
/// A batch of registrations, `$1` a JSON array of `{eid, eim_id, counter_value,
/// association_token, curve, euicc_certificate, eum_certificate}` (certificates in hex),
/// `$2` the tenant, `$3` the initial state, `$4` the time; the EIDs inserted come back
/// (the others were registered already).
pub(crate) const BULK_INSERT_EUICCS_POSTGRES: &str = "INSERT INTO eim_euiccs (eid, tenant, \
     eim_id, counter_value, association_token, curve, euicc_certificate, eum_certificate, \
     state, created_at_ms) SELECT x.eid, $2, x.eim_id, x.counter_value, x.association_token, \
     x.curve, decode(x.euicc_certificate, 'hex'), decode(x.eum_certificate, 'hex'), $3, $4 \
     FROM json_to_recordset($1::text::json) AS x(eid text, eim_id text, counter_value \
     bigint, association_token bigint, curve text, euicc_certificate text, eum_certificate \
     text) ON CONFLICT (eid) DO NOTHING RETURNING eid";
pub(crate) const BULK_INSERT_EUICCS_SQLITE: &str = "INSERT INTO eim_euiccs (eid, tenant, \
     eim_id, counter_value, association_token, curve, euicc_certificate, eum_certificate, \
     state, created_at_ms) SELECT value ->> '$.eid', $2, value ->> '$.eim_id', \
     value ->> '$.counter_value', value ->> '$.association_token', value ->> '$.curve', \
     unhex(value ->> '$.euicc_certificate'), unhex(value ->> '$.eum_certificate'), $3, $4 \
     FROM json_each($1) WHERE true ON CONFLICT (eid) DO NOTHING RETURNING eid";
/// The same operation (`$2` kind JSON) for every eUICC of tenant `$1`, in EID order.
pub(crate) const BULK_QUEUE_ALL: &str = "INSERT INTO eim_operations (eid, tenant, kind, status, \
     deliveries, created_at_ms, updated_at_ms) SELECT eid, tenant, $2, 'pending', 0, $3, $3 \
     FROM eim_euiccs WHERE tenant = $1 ORDER BY eid";
/// The same operation for the eUICCs of tenant `$1` listed in `$4` (a JSON array of EIDs),
/// in the list's order; the EIDs queued for come back.
pub(crate) const BULK_QUEUE_LIST_POSTGRES: &str = "INSERT INTO eim_operations (eid, tenant, \
     kind, status, deliveries, created_at_ms, updated_at_ms) SELECT e.eid, e.tenant, $2, \
     'pending', 0, $3, $3 FROM json_array_elements_text($4::text::json) WITH ORDINALITY \
     AS l(eid, n) JOIN eim_euiccs e ON e.eid = l.eid AND e.tenant = $1 ORDER BY l.n \
     RETURNING eid";
pub(crate) const BULK_QUEUE_LIST_SQLITE: &str = "INSERT INTO eim_operations (eid, tenant, \
     kind, status, deliveries, created_at_ms, updated_at_ms) SELECT e.eid, e.tenant, $2, \
     'pending', 0, $3, $3 FROM json_each($4) AS l JOIN eim_euiccs e ON e.eid = l.value \
     AND e.tenant = $1 ORDER BY l.key RETURNING eid";
