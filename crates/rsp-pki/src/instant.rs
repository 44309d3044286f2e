//! Conversions between `time::OffsetDateTime` (the API's instants) and X.509 `Time`.

use std::time::Duration;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use x509_cert::time::Time;

/// Seconds since the Unix epoch of `at`, clamped at 0.
pub(crate) fn unix(at: OffsetDateTime) -> u64 {
    u64::try_from(at.unix_timestamp()).unwrap_or(0)
}

/// `at` as RFC 3339 text for messages.
pub(crate) fn show(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_else(|_| at.to_string())
}

/// An X.509 time as RFC 3339 text for messages.
pub(crate) fn show_x509(t: &Time) -> String {
    t.to_string()
}

/// `at` as an X.509 `Time`: UTCTime up to 2049, GeneralizedTime after (RFC 5280 §4.1.2.5).
pub(crate) fn to_x509(at: OffsetDateTime) -> der::Result<Time> {
    let dt = der::DateTime::from_unix_duration(Duration::from_secs(unix(at)))?;
    Ok(Time::from(dt))
}

/// 9999-12-31T23:59:59Z: "no well-defined expiration date" (RFC 5280 §4.1.2.5).
pub(crate) fn no_expiry() -> der::Result<Time> {
    Ok(Time::from(der::DateTime::new(9999, 12, 31, 23, 59, 59)?))
}
