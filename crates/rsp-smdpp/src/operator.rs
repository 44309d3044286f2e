//! The Operator (ES2+ function requester) that owns Profiles.

use std::fmt;

/// Identifies an Operator: later the identity of its ES2+ mTLS client certificate. Every
/// ES2+ function sees only the Profiles of the calling Operator (SGP.22 §5.3: "the function
/// caller is not allowed …"; this suite answers as if the ICCID were unknown).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OperatorId(String);

impl OperatorId {
    /// Wraps an identifier (the transport layer derives it from the authenticated caller).
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// The identifier.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OperatorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
