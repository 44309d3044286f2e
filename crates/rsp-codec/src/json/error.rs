//! Errors of the JSON value types (base64, hex, identifiers).

/// A JSON field value that does not have the form SGP.22 §6.5 requires.
///
/// Messages name the rule, never echo the (possibly secret) value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    /// Not standard base64 (RFC 4648 §4).
    #[error("invalid base64: {0}")]
    Base64(String),
    /// Not an even number of hexadecimal digits.
    #[error("invalid hexadecimal string")]
    Hex,
    /// A byte string outside its allowed length.
    #[error("{what} must be {min}..={max} bytes, got {got}")]
    Length {
        /// The field kind.
        what: &'static str,
        /// Lower bound.
        min: usize,
        /// Upper bound.
        max: usize,
        /// Actual length.
        got: usize,
    },
    /// An identifier that breaks its format rule.
    #[error("invalid {what}: {rule}")]
    Format {
        /// The field kind.
        what: &'static str,
        /// The rule broken.
        rule: &'static str,
    },
}
