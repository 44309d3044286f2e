//! Identifier types of the JSON bindings: [`TransactionIdHex`] (SGP.22 §6.5.1 "hexadecimal
//! string" of the ASN.1 `TransactionId ::= OCTET STRING (SIZE(1..16))`), [`Eid`] (32 decimal
//! digits, SGP.29), [`Iccid`] (19 or 20 digits, a 20th `F` being padding; SGP.22 §6.5.2.1) and
//! [`ConfirmationCode`] (redacted in `Debug`).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::error::FieldError;

/// Implements `Display`, `FromStr`, `Serialize` and `Deserialize` through `parse`/`as_str`.
macro_rules! string_serde {
    ($name:ident) => {
        impl std::str::FromStr for $name {
            type Err = FieldError;
            fn from_str(s: &str) -> Result<Self, FieldError> {
                Self::parse(s)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.to_string())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = std::borrow::Cow::<'de, str>::deserialize(d)?;
                Self::parse(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}

/// The RSP session identifier, 1 to 16 bytes, as hex: uppercase on output, either case on
/// input (osmo-smdpp emits uppercase; lpac echoes what it received).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct TransactionIdHex(Vec<u8>);

impl TransactionIdHex {
    /// Maximum length in bytes (`TransactionId ::= OCTET STRING (SIZE(1..16))`).
    pub const MAX_LEN: usize = 16;

    /// Wraps raw bytes; fails outside 1..=16 bytes.
    pub fn from_bytes(bytes: impl Into<Vec<u8>>) -> Result<Self, FieldError> {
        let bytes = bytes.into();
        if bytes.is_empty() || bytes.len() > Self::MAX_LEN {
            return Err(FieldError::Length {
                what: "transactionId",
                min: 1,
                max: Self::MAX_LEN,
                got: bytes.len(),
            });
        }
        Ok(Self(bytes))
    }

    /// Parses hex (either case).
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        if text.len() > 2 * Self::MAX_LEN {
            return Err(FieldError::Length {
                what: "transactionId",
                min: 1,
                max: Self::MAX_LEN,
                got: text.len().div_ceil(2),
            });
        }
        let bytes = hex::decode(text).map_err(|_| FieldError::Hex)?;
        Self::from_bytes(bytes)
    }

    /// The raw bytes (as signed inside `ServerSigned1` etc.).
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Display for TransactionIdHex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode_upper(&self.0))
    }
}

impl fmt::Debug for TransactionIdHex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TransactionIdHex({self})")
    }
}

string_serde!(TransactionIdHex);

/// The eUICC identifier: exactly 32 decimal digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Eid(String);

impl Eid {
    /// Parses and checks 32 decimal digits.
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        if text.len() != 32 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(FieldError::Format {
                what: "EID",
                rule: "exactly 32 decimal digits",
            });
        }
        Ok(Self(text.to_owned()))
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Eid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

string_serde!(Eid);

/// A Profile's ICCID as the JSON bindings write it: 19 or 20 decimal digits, where a 20th
/// character `F` (either case on input, `F` on output) is padding of a 19-digit ICCID.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Iccid(String);

impl Iccid {
    /// Parses and normalises (`f` → `F`).
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        const RULE: FieldError = FieldError::Format {
            what: "ICCID",
            rule: "19 or 20 decimal digits, the 20th may be padding F",
        };
        let (digits, pad) = match text.as_bytes() {
            [head @ .., b'F' | b'f'] if text.len() == 20 => (head, true),
            all => (all, false),
        };
        if !(19..=20).contains(&digits.len()) || !digits.iter().all(u8::is_ascii_digit) {
            return Err(RULE);
        }
        let mut norm = String::from_utf8_lossy(digits).into_owned();
        if pad {
            norm.push('F');
        }
        Ok(Self(norm))
    }

    /// As written on the wire (with padding `F` if it had one).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The significant digits (padding removed).
    pub fn digits(&self) -> &str {
        self.0.strip_suffix('F').unwrap_or(&self.0)
    }
}

impl fmt::Display for Iccid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

string_serde!(Iccid);

/// The Confirmation Code given by the Operator in ES2+.ConfirmOrder (SGP.22 §5.3.2): a secret
/// shared with the end user, so `Debug` never shows it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ConfirmationCode(String);

impl ConfirmationCode {
    /// Wraps the code.
    pub fn new(code: impl Into<String>) -> Self {
        Self(code.into())
    }

    /// The code (handle with care).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ConfirmationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ConfirmationCode(<redacted>)")
    }
}
