//! Administration session triggering parameters (GlobalPlatform Amendment B §3.7,
//! Table 3-3 and §3.8): the TLV the SM-SR's push SMS carries to make the admin agent
//! open an HTTPS session (SGP.02 §2.4.3 "HTTPS session triggering").
//!
//! ```text
//! 81 triggering parameters
//!    83 administration session parameters
//!       84 connection parameters (TS 102 223 OPEN CHANNEL COMPREHENSION-TLVs, kept raw)
//!       85 security parameters   (LV PSK identity ‖ LV { KVN KID } [‖ hash])
//!       A5 extended security parameters (kept raw)
//!       86 retry policy          (retry counter ‖ retry waiting delay ‖ [report failure])
//!       89 HTTP POST parameters
//!          8A administration host   8B agent ID   8C administration URI
//!    B3 DNS resolution parameters (Amendment B v1.2+, kept raw)
//! ```
//!
//! Reading notes (the Amendment B text itself was not available to us):
//! - Security parameters: KVN precedes KID inside the two-octet LV, and one optional
//!   octet may follow (pySim `SecurityParams` calls it `sha_type`); this follows
//!   osmocom pySim's `pySim/global_platform/http.py` and another public decoder that
//!   reads "Key Version" before "Key Identifier". Our reading.
//! - Retry policy: two-octet counter, then the waiting delay as a TS 102 223 §8.38
//!   Timer value TLV (`25 03 HH MM SS`, semi-octet swapped BCD), then optional
//!   report-failure octets (kept raw). pySim sizes the delay as 5 octets, which matches
//!   a whole Timer value TLV. Our reading.
//! - The three HTTP POST parameters are text; we require printable ASCII (our reading:
//!   they end up in HTTP header lines and the request line).
//! - Unknown or repeated tags inside `81`, `83` and `89` are refused.

use crate::tlv::{self, TlvError};

const TAG_TRIGGER: u8 = 0x81;
const TAG_SESSION: u8 = 0x83;
const TAG_CONNECTION: u8 = 0x84;
const TAG_SECURITY: u8 = 0x85;
const TAG_EXTENDED_SECURITY: u8 = 0xA5;
const TAG_RETRY: u8 = 0x86;
const TAG_HTTP_POST: u8 = 0x89;
const TAG_HOST: u8 = 0x8A;
const TAG_AGENT_ID: u8 = 0x8B;
const TAG_URI: u8 = 0x8C;
const TAG_DNS: u8 = 0xB3;
/// Timer value tag of TS 102 223 §8.38 (without / with the comprehension-required bit).
const TAG_TIMER: u8 = 0x25;
const TAG_TIMER_CR: u8 = 0xA5;

/// Errors of the triggering parameter codec.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TriggerError {
    /// A BER-TLV coding error.
    #[error(transparent)]
    Tlv(#[from] TlvError),
    /// A tag not allowed at this place.
    #[error("unexpected tag {tag:#04x} in {context}")]
    UnexpectedTag {
        /// The tag found.
        tag: u8,
        /// Where.
        context: &'static str,
    },
    /// A tag that occurs twice.
    #[error("repeated tag {0:#04x}")]
    Repeated(u8),
    /// A mandatory element is missing.
    #[error("missing {0}")]
    Missing(&'static str),
    /// A value whose inner structure is wrong.
    #[error("malformed {0}")]
    Malformed(&'static str),
    /// Bytes after the outer TLV.
    #[error("trailing data after the triggering parameters")]
    TrailingData,
}

/// The whole `81` TLV.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TriggerParameters {
    /// `83` administration session parameters.
    pub session: SessionParameters,
    /// `B3` DNS resolution parameters, raw value (not interpreted).
    pub dns_resolution: Option<Vec<u8>>,
}

/// `83` administration session parameters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SessionParameters {
    /// `84` connection parameters: raw OPEN CHANNEL COMPREHENSION-TLVs (Amd B §3.8.1).
    pub connection: Option<Vec<u8>>,
    /// `85` security parameters (Amd B §3.8.2).
    pub security: Option<SecurityParameters>,
    /// `A5` extended security parameters, raw.
    pub extended_security: Option<Vec<u8>>,
    /// `86` retry policy (Amd B §3.8.3).
    pub retry: Option<RetryPolicy>,
    /// `89` HTTP POST parameters.
    pub http_post: Option<HttpPostParameters>,
}

/// `85` security parameters: which PSK the agent uses (Amd B §3.8.2, RFC 4279).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityParameters {
    /// The PSK identity to present in the TLS handshake.
    pub psk_identity: Vec<u8>,
    /// Key version number of the PSK key set.
    pub kvn: u8,
    /// Key identifier of the PSK within the key set.
    pub kid: u8,
    /// Optional octet after the key identifier (pySim: `sha_type`). Our reading.
    pub hash: Option<u8>,
}

/// `86` retry policy (Amd B §3.8.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// How many times the agent retries a failed session.
    pub counter: u16,
    /// Delay between retries.
    pub waiting_delay: TimerValue,
    /// Optional report-failure octets, raw.
    pub report_failure: Option<Vec<u8>>,
}

/// TS 102 223 §8.38 Timer value: hours, minutes, seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimerValue {
    /// Hours, 0–99.
    pub hours: u8,
    /// Minutes, 0–59.
    pub minutes: u8,
    /// Seconds, 0–59.
    pub seconds: u8,
}

impl TimerValue {
    /// The delay as a [`std::time::Duration`].
    pub fn as_duration(&self) -> std::time::Duration {
        std::time::Duration::from_secs(
            u64::from(self.hours) * 3600 + u64::from(self.minutes) * 60 + u64::from(self.seconds),
        )
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), TriggerError> {
        let mut v = Vec::with_capacity(3);
        for (n, max) in [(self.hours, 99), (self.minutes, 59), (self.seconds, 59)] {
            if n > max {
                return Err(TriggerError::Malformed("timer value"));
            }
            // Semi-octet swapped BCD (TS 23.040 §9.2.3.11, referenced by TS 102 223 §8.38).
            v.push(((n % 10) << 4) | (n / 10));
        }
        tlv::write(out, TAG_TIMER, &v)?;
        Ok(())
    }

    fn decode(value: &[u8]) -> Result<Self, TriggerError> {
        let bad = TriggerError::Malformed("timer value");
        let [a, b, c] = <[u8; 3]>::try_from(value).map_err(|_| bad.clone())?;
        let digit = |o: u8| -> Result<u8, TriggerError> {
            let (lo, hi) = (o & 0x0F, o >> 4);
            if lo > 9 || hi > 9 {
                return Err(TriggerError::Malformed("timer value"));
            }
            Ok(lo * 10 + hi)
        };
        let t = TimerValue {
            hours: digit(a)?,
            minutes: digit(b)?,
            seconds: digit(c)?,
        };
        if t.minutes > 59 || t.seconds > 59 {
            return Err(bad);
        }
        Ok(t)
    }
}

/// `89` HTTP POST parameters (Amd B Table 3-3).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HttpPostParameters {
    /// `8A` administration host: the `Host` header value.
    pub admin_host: Option<String>,
    /// `8B` agent ID: the `X-Admin-From` value to use.
    pub agent_id: Option<String>,
    /// `8C` administration URI: the request URI of the first POST.
    pub admin_uri: Option<String>,
}

impl TriggerParameters {
    /// Encodes the `81` TLV.
    pub fn encode(&self) -> Result<Vec<u8>, TriggerError> {
        let mut inner = Vec::new();
        tlv::write(&mut inner, TAG_SESSION, &self.session.encode()?)?;
        if let Some(dns) = &self.dns_resolution {
            tlv::write(&mut inner, TAG_DNS, dns)?;
        }
        let mut out = Vec::new();
        tlv::write(&mut out, TAG_TRIGGER, &inner)?;
        Ok(out)
    }

    /// Decodes the `81` TLV; the input must hold exactly one.
    pub fn decode(data: &[u8]) -> Result<Self, TriggerError> {
        let (outer, rest) = tlv::read(data)?;
        if outer.tag != TAG_TRIGGER {
            return Err(TriggerError::UnexpectedTag {
                tag: outer.tag,
                context: "triggering parameters",
            });
        }
        if !rest.is_empty() {
            return Err(TriggerError::TrailingData);
        }
        let mut session = None;
        let mut dns_resolution = None;
        for t in tlv::read_all(outer.value)? {
            match t.tag {
                TAG_SESSION => set_once(&mut session, t.tag, SessionParameters::decode(t.value)?)?,
                TAG_DNS => set_once(&mut dns_resolution, t.tag, t.value.to_vec())?,
                tag => return Err(TriggerError::UnexpectedTag { tag, context: "81" }),
            }
        }
        Ok(Self {
            session: session.ok_or(TriggerError::Missing(
                "administration session parameters (83)",
            ))?,
            dns_resolution,
        })
    }
}

impl SessionParameters {
    /// Encodes the value of the `83` TLV.
    pub fn encode(&self) -> Result<Vec<u8>, TriggerError> {
        let mut out = Vec::new();
        if let Some(c) = &self.connection {
            tlv::write(&mut out, TAG_CONNECTION, c)?;
        }
        if let Some(s) = &self.security {
            tlv::write(&mut out, TAG_SECURITY, &s.encode()?)?;
        }
        if let Some(x) = &self.extended_security {
            tlv::write(&mut out, TAG_EXTENDED_SECURITY, x)?;
        }
        if let Some(r) = &self.retry {
            tlv::write(&mut out, TAG_RETRY, &r.encode()?)?;
        }
        if let Some(h) = &self.http_post {
            tlv::write(&mut out, TAG_HTTP_POST, &h.encode()?)?;
        }
        Ok(out)
    }

    /// Decodes the value of the `83` TLV.
    pub fn decode(value: &[u8]) -> Result<Self, TriggerError> {
        let mut p = Self::default();
        for t in tlv::read_all(value)? {
            match t.tag {
                TAG_CONNECTION => set_once(&mut p.connection, t.tag, t.value.to_vec())?,
                TAG_SECURITY => {
                    set_once(&mut p.security, t.tag, SecurityParameters::decode(t.value)?)?
                }
                TAG_EXTENDED_SECURITY => {
                    set_once(&mut p.extended_security, t.tag, t.value.to_vec())?
                }
                TAG_RETRY => set_once(&mut p.retry, t.tag, RetryPolicy::decode(t.value)?)?,
                TAG_HTTP_POST => set_once(
                    &mut p.http_post,
                    t.tag,
                    HttpPostParameters::decode(t.value)?,
                )?,
                tag => return Err(TriggerError::UnexpectedTag { tag, context: "83" }),
            }
        }
        Ok(p)
    }
}

impl SecurityParameters {
    /// Encodes the value of the `85` TLV.
    pub fn encode(&self) -> Result<Vec<u8>, TriggerError> {
        let len = u8::try_from(self.psk_identity.len())
            .map_err(|_| TriggerError::Malformed("PSK identity"))?;
        let mut out = vec![len];
        out.extend_from_slice(&self.psk_identity);
        out.extend_from_slice(&[2, self.kvn, self.kid]);
        out.extend(self.hash);
        Ok(out)
    }

    /// Decodes the value of the `85` TLV.
    pub fn decode(value: &[u8]) -> Result<Self, TriggerError> {
        let bad = || TriggerError::Malformed("security parameters (85)");
        let (&id_len, rest) = value.split_first().ok_or_else(bad)?;
        let psk_identity = rest.get(..usize::from(id_len)).ok_or_else(bad)?.to_vec();
        match &rest[usize::from(id_len)..] {
            [2, kvn, kid] => Ok(Self {
                psk_identity,
                kvn: *kvn,
                kid: *kid,
                hash: None,
            }),
            [2, kvn, kid, hash] => Ok(Self {
                psk_identity,
                kvn: *kvn,
                kid: *kid,
                hash: Some(*hash),
            }),
            _ => Err(bad()),
        }
    }
}

impl RetryPolicy {
    /// Encodes the value of the `86` TLV.
    pub fn encode(&self) -> Result<Vec<u8>, TriggerError> {
        let mut out = self.counter.to_be_bytes().to_vec();
        self.waiting_delay.encode(&mut out)?;
        if let Some(r) = &self.report_failure {
            out.extend_from_slice(r);
        }
        Ok(out)
    }

    /// Decodes the value of the `86` TLV.
    pub fn decode(value: &[u8]) -> Result<Self, TriggerError> {
        let bad = || TriggerError::Malformed("retry policy (86)");
        let counter = value.get(..2).ok_or_else(bad)?;
        let counter = u16::from_be_bytes([counter[0], counter[1]]);
        let (timer, rest) = tlv::read(&value[2..]).map_err(|_| bad())?;
        if timer.tag != TAG_TIMER && timer.tag != TAG_TIMER_CR {
            return Err(bad());
        }
        Ok(Self {
            counter,
            waiting_delay: TimerValue::decode(timer.value)?,
            report_failure: (!rest.is_empty()).then(|| rest.to_vec()),
        })
    }
}

impl HttpPostParameters {
    /// Encodes the value of the `89` TLV.
    pub fn encode(&self) -> Result<Vec<u8>, TriggerError> {
        let mut out = Vec::new();
        for (tag, v) in [
            (TAG_HOST, &self.admin_host),
            (TAG_AGENT_ID, &self.agent_id),
            (TAG_URI, &self.admin_uri),
        ] {
            if let Some(s) = v {
                check_text(s.as_bytes())?;
                tlv::write(&mut out, tag, s.as_bytes())?;
            }
        }
        Ok(out)
    }

    /// Decodes the value of the `89` TLV.
    pub fn decode(value: &[u8]) -> Result<Self, TriggerError> {
        let mut p = Self::default();
        for t in tlv::read_all(value)? {
            let text = check_text(t.value)?;
            match t.tag {
                TAG_HOST => set_once(&mut p.admin_host, t.tag, text)?,
                TAG_AGENT_ID => set_once(&mut p.agent_id, t.tag, text)?,
                TAG_URI => set_once(&mut p.admin_uri, t.tag, text)?,
                tag => return Err(TriggerError::UnexpectedTag { tag, context: "89" }),
            }
        }
        Ok(p)
    }
}

/// Printable ASCII (0x21–0x7E), non-empty: the value goes into HTTP header lines.
fn check_text(v: &[u8]) -> Result<String, TriggerError> {
    if v.is_empty() || !v.iter().all(|b| (0x21..=0x7E).contains(b)) {
        return Err(TriggerError::Malformed("HTTP POST parameter text"));
    }
    String::from_utf8(v.to_vec()).map_err(|_| TriggerError::Malformed("HTTP POST parameter text"))
}

fn set_once<T>(slot: &mut Option<T>, tag: u8, v: T) -> Result<(), TriggerError> {
    if slot.is_some() {
        return Err(TriggerError::Repeated(tag));
    }
    *slot = Some(v);
    Ok(())
}
