//! PKCS#11 modules, tokens and a pool of logged-in sessions safe for concurrent use.
//!
//! A module is loaded and `C_Initialize`d once per process (PKCS#11 v2.40 §5.4: a second
//! `C_Initialize` fails); a token is opened once per (module, token) and shared. PKCS#11
//! sessions are not `Sync`: the pool hands each caller its own session and takes it back, so
//! any number of threads sign at once (SoftHSM2 and real HSMs serialise per session only).
//! The login is per application and token (§5.6), done once on the first session.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use zeroize::Zeroizing;

use crate::HsmError;
use crate::uri::Pkcs11Uri;

/// Debian's SoftHSM2 module, the default when neither the URI nor `RSP_PKCS11_MODULE` names one.
pub const DEFAULT_MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
/// Environment variable naming the PKCS#11 module.
pub const MODULE_ENV: &str = "RSP_PKCS11_MODULE";
/// Environment variable holding the user PIN (when the URI has no `pin-source`).
pub const PIN_ENV: &str = "RSP_PKCS11_PIN";
/// Sessions kept open per token beyond those in use.
const IDLE_SESSIONS: usize = 16;

/// The user PIN: zeroized on drop, never shown.
pub struct Pin(Zeroizing<String>);

impl Pin {
    /// From the URI: `pin-value`, else the `pin-source` file (first line), else `RSP_PKCS11_PIN`.
    pub fn resolve(uri: &Pkcs11Uri) -> Result<Self, HsmError> {
        if let Some(v) = &uri.pin_value {
            return Ok(Self(v.clone()));
        }
        if let Some(path) = &uri.pin_source {
            let raw =
                Zeroizing::new(
                    std::fs::read_to_string(path).map_err(|e| HsmError::PinSource {
                        path: path.clone(),
                        reason: e.kind().to_string(),
                    })?,
                );
            let line = raw.lines().next().unwrap_or("").trim_end_matches('\r');
            return Ok(Self(Zeroizing::new(line.to_owned())));
        }
        std::env::var(PIN_ENV)
            .map(|p| Self(Zeroizing::new(p)))
            .map_err(|_| HsmError::NoPin)
    }

    fn auth(&self) -> AuthPin {
        AuthPin::from(self.0.as_str())
    }
}

impl std::fmt::Debug for Pin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pin(<redacted>)")
    }
}

/// The module file for `uri`: `module-path`, `module-name` (beside the default module),
/// `RSP_PKCS11_MODULE`, or [`DEFAULT_MODULE`].
pub fn module_path(uri: &Pkcs11Uri) -> PathBuf {
    if let Some(p) = &uri.module_path {
        return p.clone();
    }
    if let Some(n) = &uri.module_name {
        return Path::new(DEFAULT_MODULE).with_file_name(format!("lib{n}.so"));
    }
    std::env::var_os(MODULE_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_MODULE))
}

fn modules() -> &'static Mutex<HashMap<PathBuf, Pkcs11>> {
    static M: OnceLock<Mutex<HashMap<PathBuf, Pkcs11>>> = OnceLock::new();
    M.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Open tokens by (module, `slot#label`).
type Registry = Mutex<HashMap<(PathBuf, String), Arc<Token>>>;

fn tokens() -> &'static Registry {
    static T: OnceLock<Registry> = OnceLock::new();
    T.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The initialised module at `path`, loaded on first use.
pub(crate) fn module(path: &Path) -> Result<Pkcs11, HsmError> {
    let mut m = modules().lock().map_err(|_| HsmError::Poisoned)?;
    if let Some(p) = m.get(path) {
        return Ok(p.clone());
    }
    if !path.exists() {
        return Err(HsmError::ModuleMissing(path.to_owned()));
    }
    let p = Pkcs11::new(path).map_err(|e| HsmError::Module {
        path: path.to_owned(),
        reason: e.to_string(),
    })?;
    match p.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(e) => {
            return Err(HsmError::Module {
                path: path.to_owned(),
                reason: e.to_string(),
            });
        }
    }
    m.insert(path.to_owned(), p.clone());
    Ok(p)
}

/// One token of one module, with its session pool.
pub struct Token {
    ctx: Pkcs11,
    slot: Slot,
    label: String,
    pin: Pin,
    idle: Mutex<Vec<Session>>,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token").field("label", &self.label).finish()
    }
}

fn find_slot(ctx: &Pkcs11, uri: &Pkcs11Uri) -> Result<(Slot, String), HsmError> {
    for slot in ctx.get_slots_with_initialized_token()? {
        if uri.slot_id.is_some_and(|id| id != slot.id()) {
            continue;
        }
        let info = ctx.get_token_info(slot)?;
        let label = info.label().trim_end().to_owned();
        if uri.token.as_deref().is_some_and(|t| t != label)
            || uri
                .serial
                .as_deref()
                .is_some_and(|s| s != info.serial_number().trim_end())
            || uri
                .manufacturer
                .as_deref()
                .is_some_and(|s| s != info.manufacturer_id().trim_end())
            || uri
                .model
                .as_deref()
                .is_some_and(|s| s != info.model().trim_end())
        {
            continue;
        }
        return Ok((slot, label));
    }
    Err(HsmError::NoToken(uri.describe()))
}

impl Token {
    /// The token `uri` names, opened and logged in once per process.
    pub fn open(uri: &Pkcs11Uri) -> Result<Arc<Token>, HsmError> {
        let path = module_path(uri);
        let ctx = module(&path)?;
        let (slot, label) = find_slot(&ctx, uri)?;
        let key = (path, format!("{}#{}", slot.id(), label));
        let mut reg = tokens().lock().map_err(|_| HsmError::Poisoned)?;
        if let Some(t) = reg.get(&key) {
            return Ok(t.clone());
        }
        let token = Arc::new(Token {
            ctx,
            slot,
            label,
            pin: Pin::resolve(uri)?,
            idle: Mutex::new(Vec::new()),
        });
        // Log in now, so a wrong PIN fails at start-up rather than on the first download.
        let s = token.session()?;
        drop(s);
        reg.insert(key, token.clone());
        Ok(token)
    }

    /// The token label.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// A logged-in read/write session from the pool (returned to it on drop).
    pub fn session(&self) -> Result<PooledSession<'_>, HsmError> {
        let idle = self.idle.lock().map_err(|_| HsmError::Poisoned)?.pop();
        let session = match idle {
            Some(s) => s,
            None => {
                let s = self.ctx.open_rw_session(self.slot)?;
                match s.login(UserType::User, Some(&self.pin.auth())) {
                    Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {}
                    Err(CkError::Pkcs11(RvError::PinIncorrect, _)) => {
                        return Err(HsmError::PinIncorrect);
                    }
                    Err(e) => return Err(e.into()),
                }
                s
            }
        };
        Ok(PooledSession {
            token: self,
            session: Some(session),
        })
    }
}

/// A session borrowed from a [`Token`]'s pool.
pub struct PooledSession<'a> {
    token: &'a Token,
    session: Option<Session>,
}

impl std::ops::Deref for PooledSession<'_> {
    type Target = Session;
    fn deref(&self) -> &Session {
        // Always Some until drop.
        self.session.as_ref().unwrap_or_else(|| unreachable!())
    }
}

impl Drop for PooledSession<'_> {
    fn drop(&mut self) {
        if let (Some(s), Ok(mut idle)) = (self.session.take(), self.token.idle.lock())
            && idle.len() < IDLE_SESSIONS
        {
            idle.push(s);
        }
    }
}
