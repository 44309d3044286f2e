//! Persistence of the RSP suite: SQLite (embedded default, one file, WAL) and PostgreSQL
//! (several server processes sharing one database) behind the domain traits of
//! `rsp_smdpp::store` (SM-DP+) and `rsp_smds::store` (SM-DS) and `rsp_eim::store` (eIM).
//!
//! One code path serves both databases (`db.rs`): each store method is written once over a
//! connection that is rusqlite on SQLite (called in place, no worker-thread hand-off) and
//! sqlx's `Any` driver on PostgreSQL, with the same SQL text and `$N` placeholders; the few
//! dialect differences (row locking) are statement pairs in `sql.rs`. The schema is
//! in `migrations/{sqlite,postgres}` (same versions, same intent), embedded at build time and
//! applied by [`SqlStore::migrate`]. Profile Packages, and the one-time ECKA private key of
//! an ES9+ session (`SessionStore`, table `smdpp_rsp_sessions`), are encrypted at rest with
//! a [`DataKey`] (AES-256-GCM, AAD binding the row).
//!
//! Tests (`tests/`) run every case on SQLite (a temporary file) and on PostgreSQL (a fresh
//! `rsp_test_<random>` database created through `RSP_TEST_POSTGRES_URL`, default
//! `postgres://postgres@127.0.0.1:5432/postgres`, dropped afterwards). When PostgreSQL is
//! unreachable its half is skipped with a printed line, or fails when `CI` is set.

pub mod audit;
mod backend;
mod checkpoint;
mod cipher;
mod db;
mod eim;
mod eim_bulk;
mod eim_relay;
mod eim_sql;
mod error;
mod group_commit;
mod inventory;
mod migrate;
mod outbox;
mod row;
mod session;
mod smdp;
mod smdp_notify;
mod smdpp_smds;
mod smds;
mod smsr;
mod smsr_audit;
mod smsr_change;
mod sql;
mod sqlite;

pub use backend::{Backend, PoolConfig, SqlStore};
pub use cipher::DataKey;
pub use sqlite::Synchronous;
