//! Schema migrations, embedded at build time: one folder per backend with the same schema
//! intent (`migrations/sqlite`, `migrations/postgres`), the same versions and descriptions.

use std::borrow::Cow;

use sqlx::SqlStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};

use crate::backend::Backend;

/// (version, description, SQLite SQL, PostgreSQL SQL).
const MIGRATIONS: &[(i64, &str, &str, &str)] = &[
    (
        20261128000001,
        "smdpp inventory",
        include_str!("../migrations/sqlite/20261128000001_smdpp_inventory.sql"),
        include_str!("../migrations/postgres/20261128000001_smdpp_inventory.sql"),
    ),
    (
        20261128000002,
        "smdpp es9plus",
        include_str!("../migrations/sqlite/20261128000002_smdpp_es9plus.sql"),
        include_str!("../migrations/postgres/20261128000002_smdpp_es9plus.sql"),
    ),
];

/// The migrator of `backend`.
pub(crate) fn migrator(backend: Backend) -> Migrator {
    let migrations = MIGRATIONS
        .iter()
        .map(|&(version, description, sqlite, postgres)| {
            let sql = match backend {
                Backend::Sqlite => sqlite,
                Backend::Postgres => postgres,
            };
            Migration::new(
                version,
                Cow::Borrowed(description),
                MigrationType::Simple,
                SqlStr::from_static(sql),
                false,
            )
        })
        .collect();
    Migrator::with_migrations(migrations)
}
