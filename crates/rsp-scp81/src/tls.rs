//! TLS 1.2 with pre-shared keys (RFC 4279) through OpenSSL, for both ends of the
//! SCP81 channel (SGP.02 §2.4.4: TLS 1.2, `TLS_PSK_WITH_AES_128_GCM_SHA256` and
//! `TLS_PSK_WITH_AES_128_CBC_SHA256`, PSKs of at least 128 bits, no session resumption).
//! rustls has no PSK cipher suites, hence OpenSSL.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, RwLock};

use openssl::ssl::{
    SslContext, SslContextBuilder, SslMethod, SslOptions, SslSessionCacheMode, SslVersion,
};
use zeroize::Zeroizing;

/// The OpenSSL names of the two SGP.02 cipher suites, GCM preferred.
pub const CIPHER_LIST: &str = "PSK-AES128-GCM-SHA256:PSK-AES128-CBC-SHA256";

/// Shortest PSK accepted: 128 bits (SGP.02 §2.4.4).
pub const MIN_PSK_LEN: usize = 16;

/// Longest PSK identity the OpenSSL callbacks can carry (without the NUL).
pub const MAX_IDENTITY_LEN: usize = 255;

/// Errors setting up TLS-PSK.
#[derive(Debug, thiserror::Error)]
pub enum TlsSetupError {
    /// The PSK is shorter than 128 bits.
    #[error("PSK shorter than {MIN_PSK_LEN} octets")]
    ShortPsk,
    /// The identity is empty, too long, or contains a NUL octet.
    #[error("invalid PSK identity")]
    BadIdentity,
    /// OpenSSL refused the configuration.
    #[error("OpenSSL: {0}")]
    OpenSsl(#[from] openssl::error::ErrorStack),
}

/// A pre-shared key; zeroised on drop, never printed.
#[derive(Clone)]
pub struct Psk(Zeroizing<Vec<u8>>);

impl Psk {
    /// Wraps key octets; refuses keys shorter than 128 bits.
    pub fn new(key: impl Into<Vec<u8>>) -> Result<Self, TlsSetupError> {
        let key = Zeroizing::new(key.into());
        if key.len() < MIN_PSK_LEN {
            return Err(TlsSetupError::ShortPsk);
        }
        Ok(Self(key))
    }

    /// The key octets.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Psk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Psk(<{} octets redacted>)", self.0.len())
    }
}

/// Looks up the PSK for an identity. Called from OpenSSL's synchronous handshake
/// callback, so it must not block on I/O: keep an in-memory snapshot.
pub trait PskStore: Send + Sync + 'static {
    /// The key for `identity`, or `None` to refuse the handshake.
    fn psk(&self, identity: &[u8]) -> Option<Psk>;
}

/// An in-memory [`PskStore`] that can be updated while the server runs.
#[derive(Default)]
pub struct MemoryPskStore {
    keys: RwLock<HashMap<Vec<u8>, Psk>>,
}

impl MemoryPskStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces a key.
    pub fn insert(&self, identity: impl Into<Vec<u8>>, psk: Psk) {
        if let Ok(mut m) = self.keys.write() {
            m.insert(identity.into(), psk);
        }
    }

    /// Removes a key.
    pub fn remove(&self, identity: &[u8]) {
        if let Ok(mut m) = self.keys.write() {
            m.remove(identity);
        }
    }
}

impl fmt::Debug for MemoryPskStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.keys.read().map(|m| m.len()).unwrap_or(0);
        write!(f, "MemoryPskStore({n} identities)")
    }
}

impl PskStore for MemoryPskStore {
    fn psk(&self, identity: &[u8]) -> Option<Psk> {
        self.keys.read().ok()?.get(identity).cloned()
    }
}

impl<T: PskStore> PskStore for Arc<T> {
    fn psk(&self, identity: &[u8]) -> Option<Psk> {
        (**self).psk(identity)
    }
}

/// Settings both ends share: TLS 1.2 only, the two PSK suites, no resumption, no
/// renegotiation.
fn base() -> Result<SslContextBuilder, TlsSetupError> {
    let mut b = SslContextBuilder::new(SslMethod::tls())?;
    b.set_min_proto_version(Some(SslVersion::TLS1_2))?;
    b.set_max_proto_version(Some(SslVersion::TLS1_2))?;
    b.set_cipher_list(CIPHER_LIST)?;
    b.set_options(
        SslOptions::NO_TICKET | SslOptions::NO_RENEGOTIATION | SslOptions::CIPHER_SERVER_PREFERENCE,
    );
    b.set_session_cache_mode(SslSessionCacheMode::OFF);
    Ok(b)
}

/// Called by the server context when a handshake names an identity the store does
/// not know (for statistics).
pub(crate) type UnknownIdentityHook = Arc<dyn Fn() + Send + Sync>;

/// The server context: keys come from `store` by the identity the client sends.
pub(crate) fn server_context(
    store: Arc<dyn PskStore>,
    on_unknown: UnknownIdentityHook,
) -> Result<SslContext, TlsSetupError> {
    let mut b = base()?;
    b.set_psk_server_callback(move |_ssl, identity, out| {
        let key = identity.and_then(|id| store.psk(id));
        match key {
            Some(k) if k.expose().len() <= out.len() => {
                out[..k.expose().len()].copy_from_slice(k.expose());
                Ok(k.expose().len())
            }
            _ => {
                on_unknown();
                // 0 makes OpenSSL abort with an unknown_psk_identity alert.
                Ok(0)
            }
        }
    });
    Ok(b.build())
}

/// The client (agent) context for one identity and key.
pub(crate) fn client_context(identity: &[u8], psk: &Psk) -> Result<SslContext, TlsSetupError> {
    if identity.is_empty() || identity.len() > MAX_IDENTITY_LEN || identity.contains(&0) {
        return Err(TlsSetupError::BadIdentity);
    }
    let identity = identity.to_vec();
    let psk = psk.clone();
    let mut b = base()?;
    b.set_psk_client_callback(move |_ssl, _hint, id_out, psk_out| {
        // The identity is written as a NUL-terminated C string.
        if id_out.len() <= identity.len() || psk_out.len() < psk.expose().len() {
            return Ok(0);
        }
        id_out[..identity.len()].copy_from_slice(&identity);
        id_out[identity.len()] = 0;
        psk_out[..psk.expose().len()].copy_from_slice(psk.expose());
        Ok(psk.expose().len())
    });
    Ok(b.build())
}
