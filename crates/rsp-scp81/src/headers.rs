//! The typed HTTP header values of the Amendment B administration protocol
//! (GlobalPlatform Card Specification Amendment B §3.6 "HTTP headers"; SGP.02 §2.4.4
//! for the eUICC's values). Each type parses strictly and prints canonically.
//!
//! Reading notes:
//! - AIDs in `X-Admin-From` (`//aa-id/aid/…`) and `X-Admin-Targeted-Application`
//!   (`//aid/…`) are printed as `<RID>/<PIX>` in upper-case hex (RID = first five
//!   octets), as quoted from Amendment B in public implementations; we also accept the
//!   unsplit `//aid/<AID>` form and lower-case hex on input. Our reading.
//! - `X-Admin-From` for the eUICC is `//se-id/eid/<EID>;//aa-id/aid/<ISD-R AID>`
//!   (SGP.02 §2.4.4); the EID must be 32 decimal digits. `CUD` and `ICCID` secure
//!   element identifiers (from the device admin agent amendment) are accepted as hex.
//! - The script status values are the four of Amendment B plus the three
//!   (`unavailable-se`, `temporarily-unavailable-application`, `script-format-error`)
//!   that the later device-agent revision adds.

use std::fmt;

/// `X-Admin-Protocol` header name.
pub const X_ADMIN_PROTOCOL: &str = "x-admin-protocol";
/// `X-Admin-From` header name.
pub const X_ADMIN_FROM: &str = "x-admin-from";
/// `X-Admin-Script-Status` header name.
pub const X_ADMIN_SCRIPT_STATUS: &str = "x-admin-script-status";
/// `X-Admin-Resume` header name.
pub const X_ADMIN_RESUME: &str = "x-admin-resume";
/// `X-Admin-Next-URI` header name.
pub const X_ADMIN_NEXT_URI: &str = "x-admin-next-uri";
/// `X-Admin-Targeted-Application` header name.
pub const X_ADMIN_TARGETED_APPLICATION: &str = "x-admin-targeted-application";

/// The protocol this crate speaks (Amendment B §3.6.1).
pub const PROTOCOL: &str = "globalplatform-remote-admin/1.0";
/// Media type of a command script (server → agent).
pub const MEDIA_COMMAND: &str = "application/vnd.globalplatform.card-content-mgt";
/// Media type of a response script (agent → server).
pub const MEDIA_RESPONSE: &str = "application/vnd.globalplatform.card-content-mgt-response";
/// `Content-Type` of a command script, version 1.0.
pub const CONTENT_TYPE_COMMAND: &str =
    "application/vnd.globalplatform.card-content-mgt;version=1.0";
/// `Content-Type` of a response script, version 1.0.
pub const CONTENT_TYPE_RESPONSE: &str =
    "application/vnd.globalplatform.card-content-mgt-response;version=1.0";

/// A malformed or missing header.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    /// A mandatory header is absent.
    #[error("missing header {0}")]
    Missing(&'static str),
    /// A header whose value does not parse.
    #[error("malformed header {0}")]
    Malformed(&'static str),
    /// A header that must not be present in this message.
    #[error("header {0} not allowed here")]
    NotAllowed(&'static str),
    /// A protocol version this crate does not speak.
    #[error("unsupported X-Admin-Protocol {0:?}")]
    UnsupportedProtocol(String),
    /// A `Content-Type` other than the one expected.
    #[error("unexpected Content-Type {0:?}")]
    UnexpectedContentType(String),
}

/// `X-Admin-Protocol`: `globalplatform-remote-admin/<version>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminProtocol {
    /// The version digits, e.g. `1.0`.
    pub version: String,
}

impl AdminProtocol {
    /// Parses the header value; the version is dot-separated digits.
    pub fn parse(v: &str) -> Result<Self, HeaderError> {
        let version = v
            .trim()
            .strip_prefix("globalplatform-remote-admin/")
            .ok_or_else(|| HeaderError::UnsupportedProtocol(v.to_owned()))?;
        let ok = !version.is_empty()
            && version
                .split('.')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
        if !ok {
            return Err(HeaderError::Malformed("X-Admin-Protocol"));
        }
        Ok(Self {
            version: version.to_owned(),
        })
    }

    /// Whether this is a 1.x version (the only major version this crate speaks).
    pub fn is_supported(&self) -> bool {
        self.version.split('.').next() == Some("1")
    }
}

impl fmt::Display for AdminProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "globalplatform-remote-admin/{}", self.version)
    }
}

/// An application identifier, 5 to 16 octets (ISO/IEC 7816-4 §8.2.1.2).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Aid(Vec<u8>);

impl Aid {
    /// Wraps AID bytes; refuses lengths outside 5..=16.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Result<Self, HeaderError> {
        let bytes = bytes.into();
        if !(5..=16).contains(&bytes.len()) {
            return Err(HeaderError::Malformed("AID length"));
        }
        Ok(Self(bytes))
    }

    /// The AID octets.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// `<RID>/<PIX>` in upper-case hex (just `<RID>` for a five-octet AID).
    pub fn to_path(&self) -> String {
        let (rid, pix) = self.0.split_at(5);
        if pix.is_empty() {
            hex::encode_upper(rid)
        } else {
            format!("{}/{}", hex::encode_upper(rid), hex::encode_upper(pix))
        }
    }

    /// Parses `<RID>/<PIX>` (RID exactly five octets) or an unsplit `<AID>`.
    pub fn parse_path(s: &str, header: &'static str) -> Result<Self, HeaderError> {
        let bad = || HeaderError::Malformed(header);
        let bytes = match s.split_once('/') {
            Some((rid, pix)) => {
                let rid = strict_hex(rid).ok_or_else(bad)?;
                let pix = strict_hex(pix).ok_or_else(bad)?;
                if rid.len() != 5 || pix.is_empty() {
                    return Err(bad());
                }
                [rid, pix].concat()
            }
            None => strict_hex(s).ok_or_else(bad)?,
        };
        Self::new(bytes).map_err(|_| bad())
    }

    /// `X-Admin-Targeted-Application` value: `//aid/<RID>/<PIX>`.
    pub fn to_targeted_application(&self) -> String {
        format!("//aid/{}", self.to_path())
    }

    /// Parses an `X-Admin-Targeted-Application` value.
    pub fn parse_targeted_application(v: &str) -> Result<Self, HeaderError> {
        const H: &str = "X-Admin-Targeted-Application";
        let rest = v
            .trim()
            .strip_prefix("//aid/")
            .ok_or(HeaderError::Malformed(H))?;
        Self::parse_path(rest, H)
    }
}

impl fmt::Debug for Aid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Aid({})", hex::encode_upper(&self.0))
    }
}

/// Hex digits only (either case), even count, non-empty.
fn strict_hex(s: &str) -> Option<Vec<u8>> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    hex::decode(s).ok()
}

/// The secure element identifier type in `//se-id/<type>/<value>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeIdType {
    /// `eid`: the eUICC's EID, 32 decimal digits (SGP.02 §2.4.4).
    Eid,
    /// `CUD`: Card Unique Data, hex.
    Cud,
    /// `ICCID`: the ICCID in BCD as hex.
    Iccid,
}

/// A secure element identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeId {
    /// The identifier type.
    pub kind: SeIdType,
    /// The value as printed (EID digits, or upper-case hex).
    pub value: String,
}

impl SeId {
    /// An EID-based identifier; refuses anything but 32 decimal digits.
    pub fn eid(eid: &str) -> Result<Self, HeaderError> {
        if eid.len() != 32 || !eid.bytes().all(|b| b.is_ascii_digit()) {
            return Err(HeaderError::Malformed("EID"));
        }
        Ok(Self {
            kind: SeIdType::Eid,
            value: eid.to_owned(),
        })
    }

    fn parse(s: &str) -> Result<Self, HeaderError> {
        let bad = || HeaderError::Malformed("X-Admin-From se-id");
        let (kind, value) = s.split_once('/').ok_or_else(bad)?;
        match kind {
            "eid" => Self::eid(value),
            "CUD" | "ICCID" => {
                strict_hex(value).ok_or_else(bad)?;
                let kind = if kind == "CUD" {
                    SeIdType::Cud
                } else {
                    SeIdType::Iccid
                };
                Ok(Self {
                    kind,
                    value: value.to_ascii_uppercase(),
                })
            }
            _ => Err(bad()),
        }
    }
}

impl fmt::Display for SeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            SeIdType::Eid => "eid",
            SeIdType::Cud => "CUD",
            SeIdType::Iccid => "ICCID",
        };
        write!(f, "//se-id/{kind}/{}", self.value)
    }
}

/// `X-Admin-From`: who is posting (Amendment B §3.6.2; SGP.02 §2.4.4:
/// `//se-id/eid/<EID>;//aa-id/aid/<AID of the ISD-R>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminFrom {
    /// The secure element.
    pub se: SeId,
    /// The admin agent's (security domain's) AID, if given.
    pub agent: Option<Aid>,
}

impl AdminFrom {
    /// The SGP.02 form for an eUICC: EID and the ISD-R's AID.
    pub fn euicc(eid: &str, isd_r: Aid) -> Result<Self, HeaderError> {
        Ok(Self {
            se: SeId::eid(eid)?,
            agent: Some(isd_r),
        })
    }

    /// Parses the header value: an se-id, optionally followed by `;` and an aa-id.
    pub fn parse(v: &str) -> Result<Self, HeaderError> {
        const H: &str = "X-Admin-From";
        let v = v.trim();
        let (se, agent) = match v.split_once(';') {
            Some((se, aa)) => (se, Some(aa)),
            None => (v, None),
        };
        let se = se
            .strip_prefix("//se-id/")
            .ok_or(HeaderError::Malformed(H))?;
        let se = SeId::parse(se)?;
        let agent = match agent {
            Some(aa) => {
                let aa = aa
                    .strip_prefix("//aa-id/aid/")
                    .ok_or(HeaderError::Malformed(H))?;
                Some(Aid::parse_path(aa, H)?)
            }
            None => None,
        };
        Ok(Self { se, agent })
    }
}

impl fmt::Display for AdminFrom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.se)?;
        if let Some(a) = &self.agent {
            write!(f, ";//aa-id/aid/{}", a.to_path())?;
        }
        Ok(())
    }
}

/// `X-Admin-Script-Status`: the outcome of the previous script (Amendment B §3.6.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScriptStatus {
    /// `ok`: the script was executed (its response follows in the body).
    Ok,
    /// `unknown-application`: the targeted application does not exist.
    UnknownApplication,
    /// `not-a-security-domain`: the targeted application is not a security domain.
    NotASecurityDomain,
    /// `security-error`: the targeted security domain refused the script.
    SecurityError,
    /// `unavailable-se` (device admin agent revision).
    UnavailableSe,
    /// `temporarily-unavailable-application` (device admin agent revision).
    TemporarilyUnavailableApplication,
    /// `script-format-error` (device admin agent revision).
    ScriptFormatError,
}

impl ScriptStatus {
    const ALL: [(ScriptStatus, &'static str); 7] = [
        (ScriptStatus::Ok, "ok"),
        (ScriptStatus::UnknownApplication, "unknown-application"),
        (ScriptStatus::NotASecurityDomain, "not-a-security-domain"),
        (ScriptStatus::SecurityError, "security-error"),
        (ScriptStatus::UnavailableSe, "unavailable-se"),
        (
            ScriptStatus::TemporarilyUnavailableApplication,
            "temporarily-unavailable-application",
        ),
        (ScriptStatus::ScriptFormatError, "script-format-error"),
    ];

    /// The header token.
    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(s, _)| *s == self)
            .map_or("ok", |(_, t)| t)
    }

    /// Parses the header token (exact, lower case).
    pub fn parse(v: &str) -> Result<Self, HeaderError> {
        let v = v.trim();
        Self::ALL
            .iter()
            .find(|(_, t)| *t == v)
            .map(|(s, _)| *s)
            .ok_or(HeaderError::Malformed("X-Admin-Script-Status"))
    }
}

/// `X-Admin-Resume`: `true` when the agent resumes an interrupted session.
pub fn parse_resume(v: &str) -> Result<bool, HeaderError> {
    match v.trim() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(HeaderError::Malformed("X-Admin-Resume")),
    }
}

/// Which of the two Amendment B media types a `Content-Type` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScriptMedia {
    /// `application/vnd.globalplatform.card-content-mgt`: a command script.
    Command,
    /// `application/vnd.globalplatform.card-content-mgt-response`: a response script.
    Response,
}

/// Parses a `Content-Type`: media type (case-insensitive) and a mandatory
/// `version` parameter whose major version must be 1 (IANA registration: `version`
/// is required). Other parameters are refused.
pub fn parse_content_type(v: &str) -> Result<ScriptMedia, HeaderError> {
    let unexpected = || HeaderError::UnexpectedContentType(v.to_owned());
    let mut parts = v.split(';').map(str::trim);
    let media = parts.next().unwrap_or_default().to_ascii_lowercase();
    let kind = match media.as_str() {
        MEDIA_COMMAND => ScriptMedia::Command,
        MEDIA_RESPONSE => ScriptMedia::Response,
        _ => return Err(unexpected()),
    };
    let mut version = None;
    for p in parts {
        let (k, val) = p
            .split_once('=')
            .ok_or(HeaderError::Malformed("Content-Type"))?;
        if !k.trim().eq_ignore_ascii_case("version") || version.is_some() {
            return Err(HeaderError::Malformed("Content-Type"));
        }
        version = Some(val.trim().trim_matches('"').to_owned());
    }
    let version = version.ok_or(HeaderError::Malformed("Content-Type"))?;
    let ok = version
        .split('.')
        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        && version.split('.').next() == Some("1");
    if !ok {
        return Err(unexpected());
    }
    Ok(kind)
}
