//! HTTP binding constants (SGP.22 §6.5.1): every function is an HTTPS `POST` to
//! `/gsma/rsp2/<interface>/<function>` with a JSON body, `Content-Type:
//! application/json;charset=UTF-8` and `X-Admin-Protocol: gsma/rsp/v2.<y>.<z>`.
//! No HTTP crate here: the transport layer maps these to its own types.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// Every path starts with this.
pub const PATH_PREFIX: &str = "/gsma/rsp2/";
/// `Content-Type` sent with every request and response body.
pub const CONTENT_TYPE: &str = "application/json;charset=UTF-8";
/// Name of the protocol version header.
pub const ADMIN_PROTOCOL_HEADER: &str = "X-Admin-Protocol";
/// This suite's protocol version value (SGP.22 v2.5.0).
pub const ADMIN_PROTOCOL: &str = "gsma/rsp/v2.5.0";
/// `User-Agent` an LPA sends on ES9+/ES11 (SGP.22 §6.5.1; lpac and others send it).
pub const LPA_USER_AGENT: &str = "gsma-rsp-lpad";

/// True if `value` is `application/json`, optionally with a UTF-8 charset parameter
/// (case-insensitive; lpac sends bare `application/json`).
pub fn is_json_content_type(value: &str) -> bool {
    let mut parts = value.split(';').map(str::trim);
    let media_ok = parts
        .next()
        .is_some_and(|m| m.eq_ignore_ascii_case("application/json"));
    media_ok
        && parts.all(|p| match p.split_once('=') {
            Some((k, v)) if k.trim().eq_ignore_ascii_case("charset") => {
                v.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
            }
            _ => true,
        })
}

/// Parses `gsma/rsp/v<major>.<minor>.<revision>` (SGP.22 §6.5.1); `None` if malformed.
pub fn parse_admin_protocol(value: &str) -> Option<(u8, u8, u8)> {
    let version = value.trim().strip_prefix("gsma/rsp/v")?;
    let mut it = version.split('.').map(|n| n.parse::<u8>().ok());
    let out = (it.next()??, it.next()??, it.next()??);
    it.next().is_none().then_some(out)
}

/// The interfaces with a JSON binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Interface {
    /// Operator ↔ SM-DP+ (SGP.22 §5.3).
    Es2Plus,
    /// LPA ↔ SM-DP+ (§5.6).
    Es9Plus,
    /// LPA ↔ SM-DS (§5.8).
    Es11,
    /// SM-DP+ ↔ SM-DS (§5.5).
    Es12,
}

impl Interface {
    /// The path segment, e.g. `es9plus`.
    pub const fn segment(self) -> &'static str {
        match self {
            Interface::Es2Plus => "es2plus",
            Interface::Es9Plus => "es9plus",
            Interface::Es11 => "es11",
            Interface::Es12 => "es12",
        }
    }
}

/// Declares one interface's function enum from `Variant => "name", "path", body` rows.
macro_rules! interface_functions {
    ($(#[$doc:meta])* $enum:ident, $iface:expr,
     [$($(#[$vdoc:meta])* $variant:ident => $name:literal, $path:literal, $body:literal;)*]) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $enum {
            $($(#[$vdoc])* $variant,)*
        }

        impl $enum {
            /// Every function of the interface.
            pub const ALL: &'static [$enum] = &[$($enum::$variant,)*];

            /// The interface.
            pub const fn interface(self) -> Interface {
                $iface
            }

            /// The lowerCamelCase function name, as in the path.
            pub const fn name(self) -> &'static str {
                match self {
                    $($enum::$variant => $name,)*
                }
            }

            /// The request path, e.g. `/gsma/rsp2/es9plus/initiateAuthentication`.
            pub const fn path(self) -> &'static str {
                match self {
                    $($enum::$variant => $path,)*
                }
            }

            /// False when success is HTTP 204 with an empty body.
            pub const fn has_response_body(self) -> bool {
                match self {
                    $($enum::$variant => $body,)*
                }
            }
        }
    };
}

interface_functions!(
    /// ES2+ functions (SGP.22 §5.3, JSON binding §6.5.2.1–§6.5.2.5).
    Es2PlusFunction, Interface::Es2Plus, [
        /// §5.3.1.
        DownloadOrder => "downloadOrder", "/gsma/rsp2/es2plus/downloadOrder", true;
        /// §5.3.2.
        ConfirmOrder => "confirmOrder", "/gsma/rsp2/es2plus/confirmOrder", true;
        /// §5.3.3.
        CancelOrder => "cancelOrder", "/gsma/rsp2/es2plus/cancelOrder", true;
        /// §5.3.4.
        ReleaseProfile => "releaseProfile", "/gsma/rsp2/es2plus/releaseProfile", true;
        /// §5.3.5: SM-DP+ → Operator; success is HTTP 204.
        HandleDownloadProgressInfo => "handleDownloadProgressInfo",
            "/gsma/rsp2/es2plus/handleDownloadProgressInfo", false;
    ]
);

interface_functions!(
    /// ES9+ functions (SGP.22 §5.6, JSON binding §6.5.2.6–§6.5.2.10).
    Es9PlusFunction, Interface::Es9Plus, [
        /// §5.6.1.
        InitiateAuthentication => "initiateAuthentication",
            "/gsma/rsp2/es9plus/initiateAuthentication", true;
        /// §5.6.2.
        GetBoundProfilePackage => "getBoundProfilePackage",
            "/gsma/rsp2/es9plus/getBoundProfilePackage", true;
        /// §5.6.3.
        AuthenticateClient => "authenticateClient", "/gsma/rsp2/es9plus/authenticateClient", true;
        /// §5.6.4: success is HTTP 204.
        HandleNotification => "handleNotification", "/gsma/rsp2/es9plus/handleNotification", false;
        /// §5.6.5.
        CancelSession => "cancelSession", "/gsma/rsp2/es9plus/cancelSession", true;
    ]
);

interface_functions!(
    /// ES11 functions (SGP.22 §5.8, JSON binding §6.5.2.11–§6.5.2.12).
    ///
    /// Interop: lpac and other LPAs call the SM-DS on the ES9+ paths
    /// ([`Es11Function::es9plus_alias_path`]); an SM-DS should serve both.
    Es11Function, Interface::Es11, [
        /// §5.8.1.
        InitiateAuthentication => "initiateAuthentication",
            "/gsma/rsp2/es11/initiateAuthentication", true;
        /// §5.8.2.
        AuthenticateClient => "authenticateClient", "/gsma/rsp2/es11/authenticateClient", true;
    ]
);

interface_functions!(
    /// ES12 functions (SGP.22 §5.5, JSON binding §6.5.2.13–§6.5.2.14).
    Es12Function, Interface::Es12, [
        /// §5.5.1.
        RegisterEvent => "registerEvent", "/gsma/rsp2/es12/registerEvent", true;
        /// §5.5.2.
        DeleteEvent => "deleteEvent", "/gsma/rsp2/es12/deleteEvent", true;
    ]
);

impl Es11Function {
    /// The ES9+ path some LPAs (lpac) use for this ES11 function.
    pub const fn es9plus_alias_path(self) -> &'static str {
        match self {
            Es11Function::InitiateAuthentication => Es9PlusFunction::InitiateAuthentication.path(),
            Es11Function::AuthenticateClient => Es9PlusFunction::AuthenticateClient.path(),
        }
    }
}

/// Any function of any interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Function {
    /// An ES2+ function.
    Es2Plus(Es2PlusFunction),
    /// An ES9+ function.
    Es9Plus(Es9PlusFunction),
    /// An ES11 function.
    Es11(Es11Function),
    /// An ES12 function.
    Es12(Es12Function),
}

impl Function {
    /// The interface.
    pub const fn interface(self) -> Interface {
        match self {
            Function::Es2Plus(f) => f.interface(),
            Function::Es9Plus(f) => f.interface(),
            Function::Es11(f) => f.interface(),
            Function::Es12(f) => f.interface(),
        }
    }

    /// The function name.
    pub const fn name(self) -> &'static str {
        match self {
            Function::Es2Plus(f) => f.name(),
            Function::Es9Plus(f) => f.name(),
            Function::Es11(f) => f.name(),
            Function::Es12(f) => f.name(),
        }
    }

    /// The canonical request path.
    pub const fn path(self) -> &'static str {
        match self {
            Function::Es2Plus(f) => f.path(),
            Function::Es9Plus(f) => f.path(),
            Function::Es11(f) => f.path(),
            Function::Es12(f) => f.path(),
        }
    }

    /// False when success is HTTP 204 with an empty body.
    pub const fn has_response_body(self) -> bool {
        match self {
            Function::Es2Plus(f) => f.has_response_body(),
            Function::Es9Plus(f) => f.has_response_body(),
            Function::Es11(f) => f.has_response_body(),
            Function::Es12(f) => f.has_response_body(),
        }
    }

    /// Every function.
    pub fn all() -> impl Iterator<Item = Function> {
        let es2 = Es2PlusFunction::ALL.iter().map(|f| Function::Es2Plus(*f));
        let es9 = Es9PlusFunction::ALL.iter().map(|f| Function::Es9Plus(*f));
        let es11 = Es11Function::ALL.iter().map(|f| Function::Es11(*f));
        let es12 = Es12Function::ALL.iter().map(|f| Function::Es12(*f));
        es2.chain(es9).chain(es11).chain(es12)
    }

    /// The function served at a canonical `path` (exact match; ES9+ wins over the ES11
    /// aliases, see [`Es11Function::es9plus_alias_path`]).
    pub fn from_path(path: &str) -> Option<Function> {
        Self::all().find(|f| f.path() == path)
    }
}

/// A function and its message types: implemented by the marker types of the interface
/// modules, e.g. [`super::es9plus::InitiateAuthentication`].
pub trait RspFunction {
    /// Which function.
    const FUNCTION: Function;
    /// The request body.
    type Request: Serialize + DeserializeOwned;
    /// The success response body ([`super::NoContent`] for HTTP 204 functions).
    type Response: Serialize + DeserializeOwned;
}
