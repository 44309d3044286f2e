//! Download order settings of `rsp serve smdpp` (`rsp_smdpp::order_controls`): the lifetime
//! of an order, the state an expired order leaves its Profile in, the download attempt limit.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use rsp_codec::json::es2plus::FinalProfileStatusIndicator;
use rsp_smdpp::order_controls::OrderPolicy;
use serde::Deserialize;

/// Lifetime of a download order: `<n>d`, `<n>h`, `<n>m`, `<n>s` (or plain seconds); `0`
/// or `never`: orders do not expire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct OrderTtl(pub Option<Duration>);

/// A lifetime that does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadTtl(String);

impl fmt::Display for BadTtl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid order lifetime {:?}: expected <n>d, <n>h, <n>m, <n>s, 0 or never",
            self.0
        )
    }
}

impl std::error::Error for BadTtl {}

impl FromStr for OrderTtl {
    type Err = BadTtl;

    fn from_str(s: &str) -> Result<Self, BadTtl> {
        let bad = || BadTtl(s.to_owned());
        let text = s.trim();
        if text == "never" {
            return Ok(Self(None));
        }
        let (digits, unit) = match text.char_indices().last() {
            Some((i, c)) if c.is_ascii_alphabetic() => (&text[..i], c),
            _ => (text, 's'),
        };
        let n: u64 = digits.parse().map_err(|_| bad())?;
        let factor = match unit {
            'd' => 86_400,
            'h' => 3_600,
            'm' => 60,
            's' => 1,
            _ => return Err(bad()),
        };
        let secs = n.checked_mul(factor).ok_or_else(bad)?;
        Ok(Self((secs > 0).then(|| Duration::from_secs(secs))))
    }
}

impl TryFrom<String> for OrderTtl {
    type Error = BadTtl;

    fn try_from(s: String) -> Result<Self, BadTtl> {
        s.parse()
    }
}

/// The state an expired order leaves its Profile in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ExpiryStatus {
    /// Back to stock (unless its Bound Profile Package was ever delivered).
    Available,
    /// Withdrawn.
    Unavailable,
}

impl From<ExpiryStatus> for FinalProfileStatusIndicator {
    fn from(s: ExpiryStatus) -> Self {
        match s {
            ExpiryStatus::Available => Self::Available,
            ExpiryStatus::Unavailable => Self::Unavailable,
        }
    }
}

/// The policy from the settings given, the defaults of [`OrderPolicy::default`] otherwise
/// (30 days, back to Available, 5 download attempts).
pub fn policy(
    ttl: Option<OrderTtl>,
    on_expiry: Option<ExpiryStatus>,
    max_download_attempts: Option<u32>,
) -> OrderPolicy {
    let default = OrderPolicy::default();
    OrderPolicy {
        ttl: ttl.map_or(default.ttl, |t| t.0),
        on_expiry: on_expiry.map_or(default.on_expiry, Into::into),
        max_download_attempts: max_download_attempts.unwrap_or(default.max_download_attempts),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_parse() {
        let secs = |s: &str| s.parse::<OrderTtl>().unwrap().0.map(|d| d.as_secs());
        assert_eq!(secs("30d"), Some(30 * 86_400));
        assert_eq!(secs("12h"), Some(43_200));
        assert_eq!(secs("90m"), Some(5_400));
        assert_eq!(secs("45s"), Some(45));
        assert_eq!(secs("45"), Some(45));
        assert_eq!(secs("0"), None);
        assert_eq!(secs("never"), None);
        for bad in ["", "d", "3w", "-1d", "1.5h", "99999999999999999999d"] {
            assert!(bad.parse::<OrderTtl>().is_err(), "{bad}");
        }
        let p = policy(None, Some(ExpiryStatus::Unavailable), Some(0));
        assert_eq!(p.ttl, OrderPolicy::default().ttl);
        assert_eq!(p.on_expiry, FinalProfileStatusIndicator::Unavailable);
        assert_eq!(p.max_download_attempts, 0);
    }
}
