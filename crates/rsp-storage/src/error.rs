//! sqlx errors as domain [`StoreError`]s.

use rsp_smdpp::store::{StoreError, UniqueKey};

/// Maps a database error; unique violations become [`StoreError::Duplicate`].
pub(crate) fn db(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(d) = &e
        && d.is_unique_violation()
    {
        // PostgreSQL names the constraint; SQLite names the column in the message.
        let names_matching_id = d.constraint().is_some_and(|c| c.contains("matching_id"))
            || d.message().contains("matching_id");
        return StoreError::Duplicate(if names_matching_id {
            UniqueKey::MatchingId
        } else {
            UniqueKey::Iccid
        });
    }
    StoreError::Backend(Box::new(e))
}

/// Maps a migration error.
pub(crate) fn migrate(e: sqlx::migrate::MigrateError) -> StoreError {
    StoreError::Backend(Box::new(e))
}
