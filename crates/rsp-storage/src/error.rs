//! sqlx errors as domain [`StoreError`]s.

use rsp_smdpp::store::{StoreError, UniqueKey};

/// Maps a database error; unique violations become [`StoreError::Duplicate`].
pub(crate) fn db(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(d) = &e
        && d.is_unique_violation()
    {
        // PostgreSQL names the constraint; SQLite names the column in the message.
        let names = |column: &str| {
            d.constraint().is_some_and(|c| c.contains(column)) || d.message().contains(column)
        };
        return StoreError::Duplicate(if names("matching_id") {
            UniqueKey::MatchingId
        } else if names("euicc_challenge") {
            UniqueKey::EuiccChallenge
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
