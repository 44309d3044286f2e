//! Database errors as domain [`StoreError`]s.

use rsp_smdpp::store::{StoreError, UniqueKey};

/// Maps a sqlx error; unique violations become [`StoreError::Duplicate`].
pub(crate) fn db(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(d) = &e
        && d.is_unique_violation()
    {
        // PostgreSQL names the constraint; SQLite names the column in the message.
        return StoreError::Duplicate(unique_key(|column| {
            d.constraint().is_some_and(|c| c.contains(column)) || d.message().contains(column)
        }));
    }
    StoreError::Backend(Box::new(e))
}

/// Which unique key a violation is about, from a test of the column names it mentions.
pub(crate) fn unique_key(names: impl Fn(&str) -> bool) -> UniqueKey {
    if names("matching_id") {
        UniqueKey::MatchingId
    } else if names("euicc_challenge") {
        UniqueKey::EuiccChallenge
    } else {
        UniqueKey::Iccid
    }
}

/// Maps a migration error.
pub(crate) fn migrate(e: sqlx::migrate::MigrateError) -> StoreError {
    StoreError::Backend(Box::new(e))
}
