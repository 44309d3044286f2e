//! The two messages of an Amendment B dialog, as HTTP/1.1 header sets and bodies
//! (Amendment B §3.5–3.6): the agent's POST ([`AgentPost`]) and the server's answer
//! ([`ServerReply`]). Pure codec: no I/O.
//!
//! Rules applied (Amendment B §3.5 as quoted in public implementations; SGP.02 §2.4.4):
//! - Every POST carries `X-Admin-Protocol` and `X-Admin-From`. A POST with a body
//!   (a response script) carries `Content-Type: …card-content-mgt-response;version=1.0`
//!   and `X-Admin-Script-Status`; a status may also come without a body (e.g.
//!   `unknown-application`). `X-Admin-Resume: true` marks a resumed session.
//! - A `200 OK` answer carries a command script with
//!   `Content-Type: …card-content-mgt;version=1.0`, usually `X-Admin-Next-URI` and
//!   optionally `X-Admin-Targeted-Application`; a `204 No Content` answer has no body
//!   and no target; without `X-Admin-Next-URI` it ends the administration session.
//! - A `200 OK` without `X-Admin-Next-URI` is the last script of the session: the
//!   agent executes it and reports nothing.

use bytes::Bytes;
use hyper::http::{HeaderMap, HeaderValue, Response, StatusCode, Uri};

use crate::headers::{
    self, AdminFrom, AdminProtocol, Aid, CONTENT_TYPE_COMMAND, CONTENT_TYPE_RESPONSE, HeaderError,
    PROTOCOL, ScriptMedia, ScriptStatus, X_ADMIN_FROM, X_ADMIN_NEXT_URI, X_ADMIN_PROTOCOL,
    X_ADMIN_RESUME, X_ADMIN_SCRIPT_STATUS, X_ADMIN_TARGETED_APPLICATION,
};

/// Errors of the message layer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    /// A header problem.
    #[error(transparent)]
    Header(#[from] HeaderError),
    /// An HTTP status the protocol does not use.
    #[error("unexpected HTTP status {0}")]
    Status(u16),
    /// A `200 OK` without a script or a `204` with a body.
    #[error("{0}")]
    Body(&'static str),
}

/// `X-Admin-Next-URI`: an absolute path (with optional query) or an absolute
/// `http(s)` URI (Amendment B §3.6.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextUri(String);

impl NextUri {
    /// Validates a Next URI.
    pub fn new(s: impl Into<String>) -> Result<Self, HeaderError> {
        let s = s.into();
        let bad = HeaderError::Malformed("X-Admin-Next-URI");
        if s.is_empty() || !s.bytes().all(|b| (0x21..=0x7E).contains(&b)) {
            return Err(bad);
        }
        let uri: Uri = s.parse().map_err(|_| bad.clone())?;
        let ok = match uri.scheme_str() {
            None => s.starts_with('/') && uri.authority().is_none(),
            Some("http" | "https") => uri.authority().is_some(),
            Some(_) => false,
        };
        if !ok {
            return Err(bad);
        }
        Ok(Self(s))
    }

    /// The URI as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The parsed URI.
    pub fn uri(&self) -> Uri {
        // Validated in `new`.
        self.0.parse().unwrap_or_default()
    }
}

/// The agent's POST headers (the body is the response script, possibly empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentPost {
    /// `X-Admin-Protocol`.
    pub protocol: AdminProtocol,
    /// `X-Admin-From`.
    pub from: AdminFrom,
    /// `X-Admin-Script-Status` of the previous script, absent on the first POST.
    pub script_status: Option<ScriptStatus>,
    /// `X-Admin-Resume: true`.
    pub resume: bool,
}

impl AgentPost {
    /// The first POST of a session (or of a resumed one).
    pub fn initial(from: AdminFrom, resume: bool) -> Self {
        Self {
            protocol: AdminProtocol {
                version: "1.0".into(),
            },
            from,
            script_status: None,
            resume,
        }
    }

    /// Writes the headers; `has_body` adds the response-script `Content-Type`.
    pub fn write_headers(&self, h: &mut HeaderMap, has_body: bool) -> Result<(), HeaderError> {
        let val = |s: String, n: &'static str| {
            HeaderValue::try_from(s).map_err(|_| HeaderError::Malformed(n))
        };
        h.insert(
            X_ADMIN_PROTOCOL,
            val(self.protocol.to_string(), "X-Admin-Protocol")?,
        );
        h.insert(X_ADMIN_FROM, val(self.from.to_string(), "X-Admin-From")?);
        if let Some(s) = self.script_status {
            h.insert(X_ADMIN_SCRIPT_STATUS, HeaderValue::from_static(s.as_str()));
        }
        if self.resume {
            h.insert(X_ADMIN_RESUME, HeaderValue::from_static("true"));
        }
        if has_body {
            h.insert(
                hyper::http::header::CONTENT_TYPE,
                HeaderValue::from_static(CONTENT_TYPE_RESPONSE),
            );
        }
        Ok(())
    }

    /// Parses and checks the headers of a POST whose body has `body_len` octets.
    pub fn parse(h: &HeaderMap, body_len: usize) -> Result<Self, HeaderError> {
        let protocol = AdminProtocol::parse(
            one(h, X_ADMIN_PROTOCOL, "X-Admin-Protocol")?
                .ok_or(HeaderError::Missing("X-Admin-Protocol"))?,
        )?;
        if !protocol.is_supported() {
            return Err(HeaderError::UnsupportedProtocol(protocol.to_string()));
        }
        let from = AdminFrom::parse(
            one(h, X_ADMIN_FROM, "X-Admin-From")?.ok_or(HeaderError::Missing("X-Admin-From"))?,
        )?;
        let script_status = one(h, X_ADMIN_SCRIPT_STATUS, "X-Admin-Script-Status")?
            .map(ScriptStatus::parse)
            .transpose()?;
        let resume = one(h, X_ADMIN_RESUME, "X-Admin-Resume")?
            .map(headers::parse_resume)
            .transpose()?;
        if one(
            h,
            X_ADMIN_TARGETED_APPLICATION,
            "X-Admin-Targeted-Application",
        )?
        .is_some()
        {
            // Our reading: only the device admin agent revision puts it in requests.
            return Err(HeaderError::NotAllowed("X-Admin-Targeted-Application"));
        }
        let ct = one(h, "content-type", "Content-Type")?;
        if body_len > 0 {
            let ct = ct.ok_or(HeaderError::Missing("Content-Type"))?;
            if headers::parse_content_type(ct)? != ScriptMedia::Response {
                return Err(HeaderError::UnexpectedContentType(ct.to_owned()));
            }
            if script_status.is_none() {
                return Err(HeaderError::Missing("X-Admin-Script-Status"));
            }
        }
        Ok(Self {
            protocol,
            from,
            script_status,
            resume: resume.unwrap_or(false),
        })
    }
}

/// The server's answer to a POST.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerReply {
    /// `200 OK` with a command script (ETSI TS 102 226 §5.2 expanded format).
    Script {
        /// The command script.
        script: Vec<u8>,
        /// `X-Admin-Targeted-Application`: the security domain to run it on, when it
        /// is not the one holding the TLS-PSK.
        target: Option<Aid>,
        /// Where to post the response; `None` makes this the last script.
        next_uri: Option<NextUri>,
    },
    /// `204 No Content`: no script; without a Next URI the session ends.
    NoContent {
        /// Where to post next, if the session goes on.
        next_uri: Option<NextUri>,
    },
}

impl ServerReply {
    /// The end of the administration session: `204` without a Next URI.
    pub fn end() -> Self {
        Self::NoContent { next_uri: None }
    }

    /// Builds the HTTP response.
    pub fn to_response(&self) -> Result<Response<Bytes>, HeaderError> {
        let (status, body, target, next) = match self {
            Self::Script {
                script,
                target,
                next_uri,
            } => {
                if script.is_empty() {
                    return Err(HeaderError::Malformed("empty command script"));
                }
                (
                    StatusCode::OK,
                    Bytes::from(script.clone()),
                    target.as_ref(),
                    next_uri.as_ref(),
                )
            }
            Self::NoContent { next_uri } => (
                StatusCode::NO_CONTENT,
                Bytes::new(),
                None,
                next_uri.as_ref(),
            ),
        };
        let mut resp = Response::new(body);
        *resp.status_mut() = status;
        let h = resp.headers_mut();
        h.insert(X_ADMIN_PROTOCOL, HeaderValue::from_static(PROTOCOL));
        if let Some(n) = next {
            let v = HeaderValue::try_from(n.as_str())
                .map_err(|_| HeaderError::Malformed("X-Admin-Next-URI"))?;
            h.insert(X_ADMIN_NEXT_URI, v);
        }
        if let Some(t) = target {
            let v = HeaderValue::try_from(t.to_targeted_application())
                .map_err(|_| HeaderError::Malformed("X-Admin-Targeted-Application"))?;
            h.insert(X_ADMIN_TARGETED_APPLICATION, v);
        }
        if status == StatusCode::OK {
            h.insert(
                hyper::http::header::CONTENT_TYPE,
                HeaderValue::from_static(CONTENT_TYPE_COMMAND),
            );
        }
        Ok(resp)
    }

    /// Parses a received HTTP response.
    pub fn parse(status: StatusCode, h: &HeaderMap, body: Vec<u8>) -> Result<Self, MessageError> {
        if let Some(p) = one(h, X_ADMIN_PROTOCOL, "X-Admin-Protocol")? {
            // Our reading: optional in answers, but if present it must be 1.x.
            let p = AdminProtocol::parse(p)?;
            if !p.is_supported() {
                return Err(HeaderError::UnsupportedProtocol(p.to_string()).into());
            }
        }
        let next_uri = one(h, X_ADMIN_NEXT_URI, "X-Admin-Next-URI")?
            .map(NextUri::new)
            .transpose()?;
        let target = one(
            h,
            X_ADMIN_TARGETED_APPLICATION,
            "X-Admin-Targeted-Application",
        )?
        .map(Aid::parse_targeted_application)
        .transpose()?;
        match status {
            StatusCode::OK => {
                let ct = one(h, "content-type", "Content-Type")?
                    .ok_or(HeaderError::Missing("Content-Type"))?;
                if headers::parse_content_type(ct)? != ScriptMedia::Command {
                    return Err(HeaderError::UnexpectedContentType(ct.to_owned()).into());
                }
                if body.is_empty() {
                    return Err(MessageError::Body("200 OK without a command script"));
                }
                Ok(Self::Script {
                    script: body,
                    target,
                    next_uri,
                })
            }
            StatusCode::NO_CONTENT => {
                if !body.is_empty() {
                    return Err(MessageError::Body("204 No Content with a body"));
                }
                if target.is_some() {
                    return Err(HeaderError::NotAllowed("X-Admin-Targeted-Application").into());
                }
                Ok(Self::NoContent { next_uri })
            }
            other => Err(MessageError::Status(other.as_u16())),
        }
    }
}

/// At most one occurrence of a header, as visible ASCII text.
fn one<'a>(
    h: &'a HeaderMap,
    name: &str,
    label: &'static str,
) -> Result<Option<&'a str>, HeaderError> {
    let mut it = h.get_all(name).iter();
    let Some(first) = it.next() else {
        return Ok(None);
    };
    if it.next().is_some() {
        return Err(HeaderError::Malformed(label));
    }
    first
        .to_str()
        .map(Some)
        .map_err(|_| HeaderError::Malformed(label))
}
