//! [`Timestamp`]: the W3C date-time `YYYY-MM-DDThh:mm:ssTZD` of ES2+.HandleDownloadProgressInfo
//! (SGP.22 §6.5.2.5), read and written as RFC 3339 (which that W3C profile is a subset of).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::error::FieldError;

/// A date-time with its UTC offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Timestamp(OffsetDateTime);

impl Timestamp {
    /// Wraps a date-time (sub-second precision is written out when present).
    pub fn new(at: OffsetDateTime) -> Self {
        Self(at)
    }

    /// Parses RFC 3339, e.g. `2017-03-22T10:00:00Z` or `2017-03-22T12:00:00+02:00`.
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        OffsetDateTime::parse(text, &Rfc3339)
            .map(Self)
            .map_err(|_| FieldError::Format {
                what: "timestamp",
                rule: "W3C date-time YYYY-MM-DDThh:mm:ssTZD",
            })
    }

    /// The date-time.
    pub fn get(&self) -> OffsetDateTime {
        self.0
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.0.format(&Rfc3339).map_err(|_| fmt::Error)?;
        f.write_str(&text)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let text = self.0.format(&Rfc3339).map_err(serde::ser::Error::custom)?;
        s.serialize_str(&text)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}
