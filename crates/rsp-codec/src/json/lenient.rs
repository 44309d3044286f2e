//! Tolerant readers for scalars that some peers send as strings (written canonically):
//! `notificationPointId` arrives as `"3"` from some SM-DP+ vendors and pySim; `releaseFlag`
//! as `"true"` from ostelco's ES2+ client.

use serde::{Deserialize, Deserializer};

#[derive(Deserialize)]
#[serde(untagged)]
enum NumOrText<'a> {
    Num(u32),
    #[serde(borrow)]
    Text(std::borrow::Cow<'a, str>),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum BoolOrText<'a> {
    Bool(bool),
    #[serde(borrow)]
    Text(std::borrow::Cow<'a, str>),
}

/// A `u32` from a JSON number or a decimal string.
pub(crate) fn u32_or_string<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    match NumOrText::deserialize(d)? {
        NumOrText::Num(n) => Ok(n),
        NumOrText::Text(t) if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) => t
            .parse()
            .map_err(|_| serde::de::Error::custom("integer out of range")),
        NumOrText::Text(_) => Err(serde::de::Error::custom("expected an integer")),
    }
}

/// A `bool` from a JSON boolean or the strings `"true"`/`"false"`.
pub(crate) fn bool_or_string<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    match BoolOrText::deserialize(d)? {
        BoolOrText::Bool(b) => Ok(b),
        BoolOrText::Text(t) if t == "true" => Ok(true),
        BoolOrText::Text(t) if t == "false" => Ok(false),
        BoolOrText::Text(_) => Err(serde::de::Error::custom("expected a boolean")),
    }
}
