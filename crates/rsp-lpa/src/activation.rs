//! Activation Code (SGP.22 v2.5 §4.1): `1$SM-DP+ address$MatchingID[$SM-DP+ OID[$1]]`,
//! optionally behind the `LPA:` scheme of a QR code.

use std::fmt;
use std::str::FromStr;

/// Why an activation code was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActivationCodeError {
    /// Fewer than three `$`-separated fields.
    #[error(
        "activation code needs at least 3 '$'-separated fields (AC_Format$SM-DP+ address$MatchingID)"
    )]
    TooFewFields,
    /// More than five fields.
    #[error("activation code has more than 5 '$'-separated fields")]
    TooManyFields,
    /// `AC_Format` is not `1`.
    #[error("activation code format {0:?} is not supported (only \"1\")")]
    Format(String),
    /// The SM-DP+ address is empty or not an FQDN (optionally with `:port`).
    #[error("SM-DP+ address {0:?} is not an FQDN")]
    Address(String),
    /// The MatchingID holds characters outside `[0-9A-Za-z-]`.
    #[error("MatchingID {0:?} may only hold 0-9, A-Z, a-z and '-'")]
    MatchingId(String),
    /// The SM-DP+ OID is not dotted decimal.
    #[error("SM-DP+ OID {0:?} is not dotted decimal")]
    Oid(String),
    /// The Confirmation Code Required Flag is present but not `1`.
    #[error("confirmation code required flag {0:?} must be \"1\" when present")]
    CcFlag(String),
}

/// A parsed activation code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivationCode {
    /// SM-DP+ address (FQDN, optionally `:port`).
    pub smdp_address: String,
    /// MatchingID (may be empty: the default SM-DP+ flow).
    pub matching_id: String,
    /// SM-DP+ OID, when given.
    pub smdp_oid: Option<String>,
    /// True when the flag `1` says a confirmation code is required.
    pub confirmation_code_required: bool,
}

/// `[0-9A-Za-z-]` (SGP.22 §4.1: MatchingID characters).
fn is_matching_id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-'
}

/// An FQDN of LDH labels, optionally followed by `:port`.
fn valid_address(address: &str) -> bool {
    let (host, port) = match address.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (address, None),
    };
    let host_ok = !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        });
    host_ok && port.is_none_or(|p| p.parse::<u16>().is_ok_and(|n| n != 0))
}

fn valid_oid(oid: &str) -> bool {
    oid.split('.').count() >= 2
        && oid
            .split('.')
            .all(|arc| !arc.is_empty() && arc.bytes().all(|b| b.is_ascii_digit()))
}

impl ActivationCode {
    /// Parses an activation code, with or without the `LPA:` prefix (case-insensitive).
    pub fn parse(text: &str) -> Result<Self, ActivationCodeError> {
        let text = text.trim();
        let text = match text.get(..4) {
            Some(p) if p.eq_ignore_ascii_case("LPA:") => text.get(4..).unwrap_or_default(),
            _ => text,
        };
        let fields: Vec<&str> = text.split('$').collect();
        let (format, address, matching_id, rest) = match fields.as_slice() {
            [f, a, m, rest @ ..] => (*f, *a, *m, rest),
            _ => return Err(ActivationCodeError::TooFewFields),
        };
        if rest.len() > 2 {
            return Err(ActivationCodeError::TooManyFields);
        }
        if format != "1" {
            return Err(ActivationCodeError::Format(format.to_owned()));
        }
        if !valid_address(address) {
            return Err(ActivationCodeError::Address(address.to_owned()));
        }
        if !matching_id.chars().all(is_matching_id_char) {
            return Err(ActivationCodeError::MatchingId(matching_id.to_owned()));
        }
        let smdp_oid = match rest.first() {
            None | Some(&"") => None,
            Some(oid) if valid_oid(oid) => Some((*oid).to_owned()),
            Some(oid) => return Err(ActivationCodeError::Oid((*oid).to_owned())),
        };
        let confirmation_code_required = match rest.get(1) {
            None => false,
            Some(&"1") => true,
            Some(flag) => return Err(ActivationCodeError::CcFlag((*flag).to_owned())),
        };
        Ok(ActivationCode {
            smdp_address: address.to_owned(),
            matching_id: matching_id.to_owned(),
            smdp_oid,
            confirmation_code_required,
        })
    }
}

impl FromStr for ActivationCode {
    type Err = ActivationCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// The canonical form without the `LPA:` prefix.
impl fmt::Display for ActivationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "1${}${}", self.smdp_address, self.matching_id)?;
        match (&self.smdp_oid, self.confirmation_code_required) {
            (oid, true) => write!(f, "${}$1", oid.as_deref().unwrap_or_default()),
            (Some(oid), false) => write!(f, "${oid}"),
            (None, false) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> ActivationCode {
        match ActivationCode::parse(text) {
            Ok(ac) => ac,
            Err(e) => panic!("{text}: {e}"),
        }
    }

    #[test]
    fn full_code_with_prefix() {
        let ac = ok("LPA:1$smdp.example.com$ABCD-1234$1.3.6.1.4.1.31746$1");
        assert_eq!(ac.smdp_address, "smdp.example.com");
        assert_eq!(ac.matching_id, "ABCD-1234");
        assert_eq!(ac.smdp_oid.as_deref(), Some("1.3.6.1.4.1.31746"));
        assert!(ac.confirmation_code_required);
        assert_eq!(
            ac.to_string(),
            "1$smdp.example.com$ABCD-1234$1.3.6.1.4.1.31746$1"
        );
    }

    #[test]
    fn minimal_forms() {
        let ac = ok("1$localhost:8443$X");
        assert_eq!(ac.smdp_address, "localhost:8443");
        assert!(ac.smdp_oid.is_none() && !ac.confirmation_code_required);
        // Empty MatchingID (default SM-DP+ flow), lower-case scheme, empty OID with flag.
        let ac = ok("lpa:1$rsp.example$");
        assert_eq!(ac.matching_id, "");
        let ac = ok("1$rsp.example$M$$1");
        assert!(ac.smdp_oid.is_none() && ac.confirmation_code_required);
        assert_eq!(ac.to_string(), "1$rsp.example$M$$1");
        assert_eq!("1$a.b$C".parse::<ActivationCode>(), Ok(ok("LPA:1$a.b$C")));
    }

    #[test]
    fn refusals() {
        use ActivationCodeError as E;
        let err = |t: &str| ActivationCode::parse(t).err();
        assert_eq!(err(""), Some(E::TooFewFields));
        assert_eq!(err("LPA:1$host"), Some(E::TooFewFields));
        assert_eq!(err("1$h$m$1.2$1$x"), Some(E::TooManyFields));
        assert_eq!(err("2$h$m"), Some(E::Format("2".into())));
        assert_eq!(err("1$$m"), Some(E::Address(String::new())));
        assert_eq!(err("1$bad host$m"), Some(E::Address("bad host".into())));
        assert_eq!(err("1$h:0$m"), Some(E::Address("h:0".into())));
        assert_eq!(err("1$h:99999$m"), Some(E::Address("h:99999".into())));
        assert_eq!(err("1$-h.com$m"), Some(E::Address("-h.com".into())));
        assert_eq!(err("1$h$a_b"), Some(E::MatchingId("a_b".into())));
        assert_eq!(err("1$h$m$oid"), Some(E::Oid("oid".into())));
        assert_eq!(err("1$h$m$1.2$0"), Some(E::CcFlag("0".into())));
    }
}
