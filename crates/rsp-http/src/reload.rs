//! Configuration reload without dropping connections (issue 24 point 8): a holder of the
//! current value (the rustls [`ServerConfig`], the ES9+/ES11 credentials and CRLs) that a
//! reload replaces as a whole. Readers take an `Arc` of the value at the start of their
//! work (a TLS handshake, an RSP function call) and keep it to the end, so a connection or a
//! session in progress is never affected; only new handshakes and calls see the new value.
//! A reload that fails to build its new value leaves the old one in place.

use std::sync::{Arc, RwLock};

use rustls::ServerConfig;

/// The current value of a reloadable piece of configuration.
#[derive(Debug)]
pub struct Reloadable<T> {
    current: RwLock<Arc<T>>,
}

impl<T> Reloadable<T> {
    /// A holder starting with `value`.
    pub fn new(value: Arc<T>) -> Self {
        Self {
            current: RwLock::new(value),
        }
    }

    /// The value in force now.
    pub fn current(&self) -> Arc<T> {
        // A writer cannot panic while holding the lock (it only swaps an Arc), so a
        // poisoned lock still holds a whole value.
        self.current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Puts `value` in force for every later [`Self::current`].
    pub fn replace(&self, value: Arc<T>) {
        *self
            .current
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = value;
    }
}

/// The TLS server configuration of a listener: new handshakes use the current one.
pub type TlsHolder = Reloadable<ServerConfig>;
