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
