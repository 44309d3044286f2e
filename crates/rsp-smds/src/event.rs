//! The Event Record (SGP.22 §3.6, ES12 §5.5.1): an EID, an EventID and the RSP server
//! address the eUICC shall contact, owned by the SM-DP+ (or Alternative SM-DS) that
//! registered it.

use std::fmt;

use rsp_codec::json::Eid;

/// Longest EventID accepted (bytes). The EventID is used as MatchingID towards the SM-DP+
/// (§3.1.3), a `UTF8String` that the SM-DP+ looks up as received up to 255 bytes.
pub const MAX_EVENT_ID_LEN: usize = 255;

/// Longest RSP server address accepted (an FQDN with an optional port, RFC 1035: 253).
pub const MAX_ADDRESS_LEN: usize = 255;

/// An EventID: non-empty, at most [`MAX_EVENT_ID_LEN`] bytes, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EventId(String);

impl EventId {
    /// Checks `text`; `None` when it is not a usable EventID.
    pub fn parse(text: &str) -> Option<Self> {
        let ok = !text.is_empty()
            && text.len() <= MAX_EVENT_ID_LEN
            && !text.chars().any(char::is_control);
        ok.then(|| Self(text.to_owned()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Checks an RSP server address (SM-DP+ or SM-DS): a host name of letters, digits, `-` and
/// `.` with an optional `:port`, as the Activation Code and ES10a carry it (§4.1).
pub fn valid_server_address(address: &str) -> bool {
    let (host, port) = match address.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (address, None),
    };
    let host_ok = !host.is_empty()
        && address.len() <= MAX_ADDRESS_LEN
        && host
            .split('.')
            .all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
    let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok_and(|n| n > 0));
    host_ok && port_ok
}

/// Who registered an event: the SM-DP+ (or Alternative SM-DS) named by its TLS client
/// certificate (ES12/ES15 are mutually authenticated, §2.6.6). Only the owner deletes it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EventOwner(String);

impl EventOwner {
    /// An owner name (the certificate's subject commonName).
    pub fn new(name: impl Into<String>) -> Self {
        Self(name.into())
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EventOwner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One Event Record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRecord {
    /// The eUICC.
    pub eid: Eid,
    /// Unique per owner.
    pub event_id: EventId,
    /// Where the eUICC goes: an SM-DP+, or at the root an Alternative SM-DS.
    pub rsp_server_address: String,
    /// The registering SM-DP+ / SM-DS.
    pub owner: EventOwner,
    /// `forwardingIndicator` as registered (an Alternative SM-DS cascades it to the root).
    pub forwarding: bool,
    /// Registration time (Unix milliseconds).
    pub created_at_ms: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_ids_and_addresses() {
        assert!(EventId::parse("EVT-0001").is_some());
        assert!(EventId::parse("événement 1").is_some());
        assert!(EventId::parse("").is_none());
        assert!(EventId::parse("a\nb").is_none());
        assert!(EventId::parse(&"x".repeat(256)).is_none());
        assert!(EventId::parse(&"x".repeat(255)).is_some());
        for ok in [
            "smdp.example.com",
            "smdp.example.com:8443",
            "localhost",
            "a-b.c1",
        ] {
            assert!(valid_server_address(ok), "{ok}");
        }
        for bad in [
            "",
            "smdp..example",
            "smdp.example.com:0",
            "smdp/x",
            "h:99999",
            ":443",
        ] {
            assert!(!valid_server_address(bad), "{bad}");
        }
    }
}
