//! The audit trail (migration 20261206000003) on SQLite and PostgreSQL: appends from two
//! processes make one dense chain; UPDATE and DELETE are refused; with the triggers dropped
//! (an attacker owning the database), one changed byte is found and named, a chain
//! rewritten consistently is caught by a signed checkpoint, and a truncated one too.
#![allow(clippy::unwrap_used)]

mod common;

use common::backends;
use rsp_storage::audit::{AuditCheckpoint, AuditEvent, checkpoint_message, record_hash};
use rsp_storage::{Backend, SqlStore};

fn event(n: usize) -> (String, String) {
    (format!("894900000000000{n:04}"), format!("{{\"n\":{n}}}"))
}

async fn append(store: &SqlStore, from: usize, count: usize) {
    let owned: Vec<(String, String)> = (from..from + count).map(event).collect();
    let events: Vec<AuditEvent<'_>> = owned
        .iter()
        .map(|(subject, details)| AuditEvent {
            actor: "op",
            action: "profile.state",
            subject,
            details,
        })
        .collect();
    store.append_audit(&events).await.unwrap();
}

async fn sql(store: &SqlStore, statement: &str) -> Result<(), sqlx::Error> {
    sqlx::query(sqlx::AssertSqlSafe(statement.to_owned()))
        .execute(store.pool())
        .await
        .map(drop)
}

#[tokio::test]
async fn the_chain_detects_changes_rewrites_and_truncation() {
    for db in backends().await {
        let s = &db.store;
        let other = db.second_store().await;
        // Two processes appending at once: one dense chain.
        let (a, b) = tokio::join!(
            async {
                for i in 0..10 {
                    append(s, i * 3, 3).await;
                }
            },
            async {
                for i in 0..10 {
                    append(&other, 100 + i * 2, 2).await;
                }
            }
        );
        let ((), ()) = (a, b);
        let report = s.verify_audit().await.unwrap();
        assert_eq!(report.records, 50, "{report:?}");
        assert_eq!(report.broken, None);
        let (head_id, head_hash) = s.audit_head().await.unwrap().unwrap();
        assert_eq!(head_id, 50);

        // Append-only: UPDATE and DELETE are refused.
        assert!(
            sql(s, "UPDATE audit_log SET details = 'x' WHERE id = 7")
                .await
                .is_err()
        );
        assert!(sql(s, "DELETE FROM audit_log WHERE id = 50").await.is_err());

        // A signed checkpoint at the head (the signature is the CLI's job; here bytes).
        s.add_audit_checkpoint(&AuditCheckpoint {
            record_id: head_id,
            hash: head_hash.clone(),
            at_ms: 0,
            signature: checkpoint_message(head_id, &head_hash),
            public_key: vec![1],
        })
        .await
        .unwrap();
        assert_eq!(s.verify_audit().await.unwrap().broken, None);

        // The attacker drops the triggers and changes one byte of record 7.
        match db.backend() {
            Backend::Sqlite => {
                sql(s, "DROP TRIGGER audit_log_append_only_update")
                    .await
                    .unwrap();
                sql(s, "DROP TRIGGER audit_log_append_only_delete")
                    .await
                    .unwrap();
            }
            Backend::Postgres => {
                sql(s, "DROP TRIGGER audit_log_append_only ON audit_log")
                    .await
                    .unwrap();
            }
        }
        let page = s.audit_page(6, 1).await.unwrap();
        let original = page[0].details.clone();
        let changed = original.replacen('{', "[", 1);
        sql(
            s,
            &format!("UPDATE audit_log SET details = '{changed}' WHERE id = 7"),
        )
        .await
        .unwrap();
        let broken = s.verify_audit().await.unwrap().broken.unwrap();
        assert_eq!(broken.record_id, 7, "{broken:?}");
        assert!(broken.reason.contains("content"), "{broken:?}");

        // Rewritten consistently from record 7 on (every hash recomputed): the checkpoint
        // signed before catches it at its record.
        let mut prev = s.audit_page(5, 1).await.unwrap()[0].hash.clone();
        for r in s.audit_page(6, 100).await.unwrap() {
            let e = AuditEvent {
                actor: &r.actor,
                action: &r.action,
                subject: &r.subject,
                details: &r.details,
            };
            let h = record_hash(&prev, r.id, r.at_ms, &e);
            sqlx::query("UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE id = $3")
                .bind(prev.clone())
                .bind(h.clone())
                .bind(r.id)
                .execute(s.pool())
                .await
                .unwrap();
            prev = h;
        }
        let broken = s.verify_audit().await.unwrap().broken.unwrap();
        assert_eq!(broken.record_id, 50, "{broken:?}");
        assert!(broken.reason.contains("checkpoint"), "{broken:?}");

        // Truncated below the checkpoint: named too.
        sql(s, "DELETE FROM audit_log WHERE id >= 40")
            .await
            .unwrap();
        let broken = s.verify_audit().await.unwrap().broken.unwrap();
        assert_eq!(broken.record_id, 50, "{broken:?}");
        assert!(broken.reason.contains("gone"), "{broken:?}");
        other.close().await;
        db.finish().await;
    }
}
