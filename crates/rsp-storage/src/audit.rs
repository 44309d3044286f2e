//! The audit trail (SAS-SM): an append-only, hash-chained log in `audit_log` (migration
//! `20261206000003_audit`) with signed checkpoints in `audit_checkpoints`.
//!
//! Record `n`'s hash is SHA-256 over, in order: the previous record's hash (32 zero bytes
//! before the first), `n` (8 bytes, big-endian), `at_ms` (8 bytes, big-endian, two's
//! complement), then `actor`, `action`, `subject` and `details`, each as its UTF-8 length
//! (4 bytes, big-endian) and bytes. Appenders are serialised (the SQLite writer; an
//! advisory transaction lock on PostgreSQL), so ids are dense and the chain is linear.
//! Changes record their events inside their own transaction ([`record_in`]): chained at
//! once on SQLite (one writer at a time anyway), through `audit_inbox` on PostgreSQL,
//! where [`SqlStore::chain_audit`] chains them in batches, so the chain's lock is taken
//! once per batch rather than by every writer.
//! Triggers refuse UPDATE and DELETE; an attacker with the database's owner rights can
//! drop them, which is what the chain and the signed checkpoints detect.

use rsp_smdpp::store::StoreError;

use crate::backend::SqlStore;
use crate::db::{Conn, RowRead};
use crate::inventory::now_ms;

/// One event to record. Never put a secret in any field.
#[derive(Debug, Clone, Copy)]
pub struct AuditEvent<'a> {
    /// Who: an Operator, `admin`, `system`, a process.
    pub actor: &'a str,
    /// What, dotted: `es2plus.confirmOrder`, `profile.state`, `admin.POST`, `key.use`, …
    pub action: &'a str,
    /// On what: an ICCID, a path, a key name.
    pub subject: &'a str,
    /// Details as JSON text (outcome, new state, counts).
    pub details: &'a str,
}

/// A stored record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// Position in the chain, from 1.
    pub id: i64,
    /// When (Unix milliseconds).
    pub at_ms: i64,
    /// See [`AuditEvent`].
    pub actor: String,
    /// See [`AuditEvent`].
    pub action: String,
    /// See [`AuditEvent`].
    pub subject: String,
    /// See [`AuditEvent`].
    pub details: String,
    /// The previous record's hash.
    pub prev_hash: Vec<u8>,
    /// This record's hash.
    pub hash: Vec<u8>,
}

/// A signed checkpoint of the chain's head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditCheckpoint {
    /// The last record covered.
    pub record_id: i64,
    /// Its hash.
    pub hash: Vec<u8>,
    /// When it was made.
    pub at_ms: i64,
    /// ECDSA (DER) over [`checkpoint_message`].
    pub signature: Vec<u8>,
    /// SubjectPublicKeyInfo (DER) of the audit key.
    pub public_key: Vec<u8>,
}

/// What a checkpoint signs: `record_id` (8 bytes, big-endian) ‖ `hash`.
pub fn checkpoint_message(record_id: i64, hash: &[u8]) -> Vec<u8> {
    let mut m = record_id.to_be_bytes().to_vec();
    m.extend_from_slice(hash);
    m
}

/// The hash of a record whose predecessor's hash is `prev`.
pub fn record_hash(prev: &[u8], id: i64, at_ms: i64, e: &AuditEvent<'_>) -> Vec<u8> {
    let mut ctx = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
    ctx.update(prev);
    ctx.update(&id.to_be_bytes());
    ctx.update(&at_ms.to_be_bytes());
    for field in [e.actor, e.action, e.subject, e.details] {
        let len = u32::try_from(field.len()).unwrap_or(u32::MAX);
        ctx.update(&len.to_be_bytes());
        ctx.update(field.as_bytes());
    }
    ctx.finish().as_ref().to_vec()
}

const GENESIS: [u8; 32] = [0; 32];

/// `text` as a JSON string literal (quotes, backslashes and control characters escaped).
pub fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

const HEAD: &str = "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1";

const INSERT: &str = "INSERT INTO audit_log (id, at_ms, actor, action, subject, details, \
     prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

const PAGE: &str = "SELECT id, at_ms, actor, action, subject, details, prev_hash, hash \
     FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2";

const INSERT_CHECKPOINT: &str = "INSERT INTO audit_checkpoints (record_id, hash, at_ms, \
     signature, public_key) VALUES ($1, $2, $3, $4, $5)";

const CHECKPOINTS: &str = "SELECT record_id, hash, at_ms, signature, public_key \
     FROM audit_checkpoints ORDER BY id";

/// PostgreSQL: one appender at a time across processes (released at COMMIT).
const PG_LOCK: &str = "SELECT pg_advisory_xact_lock(727365686169) AS locked";

fn record(row: &dyn RowRead) -> Result<AuditRecord, StoreError> {
    Ok(AuditRecord {
        id: row.int("id")?,
        at_ms: row.int("at_ms")?,
        actor: row.text("actor")?,
        action: row.text("action")?,
        subject: row.text("subject")?,
        details: row.text("details")?,
        prev_hash: row.blob("prev_hash")?,
        hash: row.blob("hash")?,
    })
}

const INBOX_INSERT: &str = "INSERT INTO audit_inbox (at_ms, actor, action, subject, details) \
     VALUES ($1, $2, $3, $4, $5)";

const INBOX_BATCH: &str = "SELECT id, at_ms, actor, action, subject, details FROM audit_inbox \
     ORDER BY id LIMIT $1";

const INBOX_DELETE: &str = "DELETE FROM audit_inbox WHERE id = $1";

const INBOX_COUNT: &str = "SELECT COUNT(*) AS n FROM audit_inbox";

/// Records `events` on `conn`, inside the caller's write transaction: they commit or roll
/// back with its change. On SQLite, whose writers are serialised anyway, they are chained
/// at once; on PostgreSQL they go to the inbox, which [`SqlStore::chain_audit`] chains
/// later (so concurrent writers do not queue on the chain's lock).
pub(crate) async fn record_in(
    conn: &mut Conn<'_>,
    events: &[AuditEvent<'_>],
) -> Result<(), StoreError> {
    let at = now_ms();
    if matches!(conn, Conn::Sqlite(_)) {
        let timed: Vec<_> = events.iter().map(|e| (at, *e)).collect();
        return append_chained(conn, &timed).await;
    }
    for e in events {
        conn.execute(
            INBOX_INSERT,
            &[
                at.into(),
                e.actor.into(),
                e.action.into(),
                e.subject.into(),
                e.details.into(),
            ],
        )
        .await?;
    }
    Ok(())
}

/// Appends `events` (with their times) to the chain on `conn`, inside a write transaction.
async fn append_chained(
    conn: &mut Conn<'_>,
    events: &[(i64, AuditEvent<'_>)],
) -> Result<(), StoreError> {
    if events.is_empty() {
        return Ok(());
    }
    if matches!(conn, Conn::Postgres(_)) {
        conn.fetch_optional(PG_LOCK, &[], |_| Ok(())).await?;
    }
    let head = conn
        .fetch_optional(HEAD, &[], |r| Ok((r.int("id")?, r.blob("hash")?)))
        .await?;
    let (mut id, mut prev) = head.unwrap_or((0, GENESIS.to_vec()));
    for (at, e) in events {
        id += 1;
        let hash = record_hash(&prev, id, *at, e);
        conn.execute(
            INSERT,
            &[
                id.into(),
                (*at).into(),
                e.actor.into(),
                e.action.into(),
                e.subject.into(),
                e.details.into(),
                prev.as_slice().into(),
                hash.as_slice().into(),
            ],
        )
        .await?;
        prev = hash;
    }
    Ok(())
}

/// Where a verification found the chain broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    /// The first record (or checkpoint's record) that does not check.
    pub record_id: i64,
    /// Why.
    pub reason: String,
}

/// The outcome of [`SqlStore::verify_audit`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditReport {
    /// Records read.
    pub records: u64,
    /// Checkpoints whose hash matched the chain (their signatures are the caller's to
    /// check, see [`AuditReport::checkpoints`]).
    pub checkpoints: Vec<AuditCheckpoint>,
    /// The first break, if any.
    pub broken: Option<Broken>,
}

impl SqlStore {
    /// Appends `events` to the chain at once, in their own transaction.
    pub async fn append_audit(&self, events: &[AuditEvent<'_>]) -> Result<(), StoreError> {
        let at = now_ms();
        let timed: Vec<_> = events.iter().map(|e| (at, *e)).collect();
        let mut tx = self.begin_write().await?;
        append_chained(&mut tx.conn(), &timed).await?;
        tx.commit().await
    }

    /// Records `events` in the inbox in their own transaction (chained later by
    /// [`SqlStore::chain_audit`]).
    pub async fn record_audit(&self, events: &[AuditEvent<'_>]) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        record_in(&mut tx.conn(), events).await?;
        tx.commit().await
    }

    /// Moves up to `limit` recorded events from the inbox into the chain, oldest first, in
    /// one transaction; returns how many.
    pub async fn chain_audit(&self, limit: u32) -> Result<usize, StoreError> {
        let mut tx = self.begin_write().await?;
        let batch = tx
            .conn()
            .fetch_all(INBOX_BATCH, &[i64::from(limit).into()], |r| {
                Ok((
                    r.int("id")?,
                    r.int("at_ms")?,
                    [
                        r.text("actor")?,
                        r.text("action")?,
                        r.text("subject")?,
                        r.text("details")?,
                    ],
                ))
            })
            .await?;
        let events: Vec<(i64, AuditEvent<'_>)> = batch
            .iter()
            .map(|(_, at, [actor, action, subject, details])| {
                (
                    *at,
                    AuditEvent {
                        actor,
                        action,
                        subject,
                        details,
                    },
                )
            })
            .collect();
        append_chained(&mut tx.conn(), &events).await?;
        for (id, _, _) in &batch {
            tx.conn().execute(INBOX_DELETE, &[(*id).into()]).await?;
        }
        tx.commit().await?;
        Ok(batch.len())
    }

    /// Events recorded but not yet chained.
    pub async fn audit_inbox_len(&self) -> Result<u64, StoreError> {
        let mut r = self.read().await?;
        let read = r
            .conn()?
            .fetch_optional(INBOX_COUNT, &[], |row| row.int("n"))
            .await;
        let n = r.settle(read).await?.unwrap_or(0);
        u64::try_from(n).map_err(|_| StoreError::Corrupt("count"))
    }

    /// The chain's head: the last record's id and hash (`None` while empty).
    pub async fn audit_head(&self) -> Result<Option<(i64, Vec<u8>)>, StoreError> {
        let mut r = self.read().await?;
        let read = r
            .conn()?
            .fetch_optional(HEAD, &[], |r| Ok((r.int("id")?, r.blob("hash")?)))
            .await;
        r.settle(read).await
    }

    /// Stores a checkpoint (signed by the caller over [`checkpoint_message`]).
    pub async fn add_audit_checkpoint(&self, c: &AuditCheckpoint) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        tx.conn()
            .execute(
                INSERT_CHECKPOINT,
                &[
                    c.record_id.into(),
                    c.hash.as_slice().into(),
                    c.at_ms.into(),
                    c.signature.as_slice().into(),
                    c.public_key.as_slice().into(),
                ],
            )
            .await?;
        tx.commit().await
    }

    /// Records after `after_id`, at most `limit`, in order.
    pub async fn audit_page(
        &self,
        after_id: i64,
        limit: u32,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        let mut r = self.read().await?;
        let read = r
            .conn()?
            .fetch_all(PAGE, &[after_id.into(), i64::from(limit).into()], record)
            .await;
        r.settle(read).await
    }

    /// Walks the whole chain: each record's `prev_hash` must be its predecessor's hash,
    /// its id the next one, and its hash recomputable from its fields; each checkpoint's
    /// hash must be the hash of its record. Stops at the first break.
    pub async fn verify_audit(&self) -> Result<AuditReport, StoreError> {
        let mut r = self.read().await?;
        let read = r
            .conn()?
            .fetch_all(CHECKPOINTS, &[], |row| {
                Ok(AuditCheckpoint {
                    record_id: row.int("record_id")?,
                    hash: row.blob("hash")?,
                    at_ms: row.int("at_ms")?,
                    signature: row.blob("signature")?,
                    public_key: row.blob("public_key")?,
                })
            })
            .await;
        let checkpoints = r.settle(read).await?;
        let mut signed: std::collections::HashMap<i64, Vec<&[u8]>> =
            std::collections::HashMap::new();
        for c in &checkpoints {
            signed.entry(c.record_id).or_default().push(&c.hash);
        }
        let mut prev = GENESIS.to_vec();
        let mut expected_id = 1;
        let mut records = 0u64;
        let mut broken = None;
        'pages: loop {
            let page = self.audit_page(expected_id - 1, 1000).await?;
            if page.is_empty() {
                break;
            }
            for r in page {
                records += 1;
                let event = AuditEvent {
                    actor: &r.actor,
                    action: &r.action,
                    subject: &r.subject,
                    details: &r.details,
                };
                let reason = if r.id != expected_id {
                    Some(format!("record {expected_id} is missing (found {})", r.id))
                } else if r.prev_hash != prev {
                    Some("its previous-hash does not match the record before it".to_owned())
                } else if record_hash(&prev, r.id, r.at_ms, &event) != r.hash {
                    Some("its content does not match its hash".to_owned())
                } else if signed
                    .get(&r.id)
                    .is_some_and(|hs| hs.iter().any(|h| *h != r.hash.as_slice()))
                {
                    Some(
                        "a signed checkpoint names another hash for it (the chain was \
                         rewritten up to here)"
                            .to_owned(),
                    )
                } else {
                    None
                };
                if let Some(reason) = reason {
                    broken = Some(Broken {
                        record_id: expected_id.min(r.id),
                        reason,
                    });
                    break 'pages;
                }
                prev = r.hash;
                expected_id += 1;
            }
        }
        if broken.is_none()
            && let Some(c) = checkpoints.iter().find(|c| c.record_id >= expected_id)
        {
            broken = Some(Broken {
                record_id: c.record_id,
                reason: "a signed checkpoint covers it but the record is gone (the chain was \
                         truncated)"
                    .into(),
            });
        }
        Ok(AuditReport {
            records,
            checkpoints,
            broken,
        })
    }
}
