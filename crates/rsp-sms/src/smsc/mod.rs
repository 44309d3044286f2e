//! An SMPP 3.4 SMSC for tests and labs, on `smpp34`'s server: binds are checked against
//! configured accounts; each bound ESME serves an address (configured for its
//! system_id, else its bind's address_range, else its system_id); a submit_sm is
//! delivered as deliver_sm to the ESME serving destination_addr, or queued (bounded)
//! until it binds (dropped, EXPIRED, at the end of its validity); a refused delivery is
//! retried, and dropped (UNDELIV) after the last attempt; delivery receipts (SMPP 3.4
//! Appendix B) when registered_delivery asks for them. No disk store: a restart loses
//! the queue.

mod delivery;
mod listener;
mod store;

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use smpp34::SmppServer;
use zeroize::Zeroizing;

pub use store::SmscStats;
use store::Store;

/// An account an ESME binds with.
#[derive(Clone)]
pub struct Account {
    /// system_id.
    pub system_id: String,
    /// password (compared in constant time; never logged).
    pub password: Zeroizing<String>,
    /// The address this account's ESME serves; `None` takes the bind's address_range.
    pub address: Option<String>,
}

impl Account {
    /// An account without a fixed address.
    pub fn new(system_id: &str, password: &str) -> Self {
        Self {
            system_id: system_id.to_owned(),
            password: Zeroizing::new(password.to_owned()),
            address: None,
        }
    }

    /// Fixes the address this account serves.
    pub fn with_address(mut self, address: &str) -> Self {
        self.address = Some(address.to_owned());
        self
    }
}

/// `system_id:password[:address]`, as a command line or configuration file gives it.
impl std::str::FromStr for Account {
    type Err = SmscError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut parts = s.splitn(3, ':');
        match (parts.next(), parts.next(), parts.next()) {
            (Some(id), Some(pw), address) if !id.is_empty() => {
                let a = Account::new(id, pw);
                Ok(match address {
                    Some(addr) if !addr.is_empty() => a.with_address(addr),
                    _ => a,
                })
            }
            _ => Err(SmscError::Config(
                "account must be system_id:password[:address]",
            )),
        }
    }
}

impl fmt::Debug for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Account")
            .field("system_id", &self.system_id)
            .field("password", &"<redacted>")
            .field("address", &self.address)
            .finish()
    }
}

/// SMSC configuration.
#[derive(Debug, Clone)]
pub struct SmscConfig {
    /// Listen address; port 0 picks a free port (see [`Smsc::local_addr`]).
    pub listen: SocketAddr,
    /// Accounts allowed to bind.
    pub accounts: Vec<Account>,
    /// The system_id the SMSC answers binds with.
    pub system_id: String,
    /// At most this many messages wait for their destination, all addresses together.
    pub queue_limit: usize,
    /// enquire_link period of the SMSC's sessions.
    pub enquire_link_interval: Duration,
    /// How long the SMSC waits for a response (deliver_sm_resp, unbind_resp).
    pub response_timeout: Duration,
    /// Validity period: a message still queued after it is dropped (EXPIRED receipt).
    pub validity: Duration,
    /// Pause before a failed delivery is tried again.
    pub retry_interval: Duration,
    /// Delivery attempts before a message is dropped (UNDELIV receipt).
    pub max_attempts: u32,
}

impl SmscConfig {
    /// Defaults: system_id `rsp-smsc`, 10 000 queued messages, enquire_link every 30 s,
    /// 10 s response timeout, 24 h validity, retries every 5 s, 10 attempts.
    pub fn new(listen: SocketAddr, accounts: Vec<Account>) -> Self {
        Self {
            listen,
            accounts,
            system_id: "rsp-smsc".to_owned(),
            queue_limit: 10_000,
            enquire_link_interval: Duration::from_secs(30),
            response_timeout: Duration::from_secs(10),
            validity: Duration::from_secs(24 * 3600),
            retry_interval: Duration::from_secs(5),
            max_attempts: 10,
        }
    }
}

/// Errors of the SMSC.
#[derive(Debug, thiserror::Error)]
pub enum SmscError {
    /// The listening socket could not be opened.
    #[error("cannot listen on {0}: {1}")]
    Listen(SocketAddr, String),
    /// The configuration is unusable.
    #[error("invalid configuration: {0}")]
    Config(&'static str),
}

pub(crate) struct Shared {
    pub accounts: HashMap<String, Account>,
    pub system_id: String,
    pub store: Mutex<Store>,
    pub listen_error: Mutex<Option<String>>,
    pub validity: Duration,
    pub retry_interval: Duration,
    pub max_attempts: u32,
}

impl Drop for Smsc {
    fn drop(&mut self) {
        self.sweeper.abort();
    }
}

/// A running SMSC.
pub struct Smsc {
    server: SmppServer,
    sweeper: tokio::task::JoinHandle<()>,
    shared: Arc<Shared>,
    local_addr: SocketAddr,
    response_timeout: Duration,
}

impl Smsc {
    /// Starts listening.
    pub async fn start(config: SmscConfig) -> Result<Smsc, SmscError> {
        let mut accounts = HashMap::new();
        for a in config.accounts {
            if a.system_id.is_empty() || a.system_id.len() > 15 || a.password.len() > 8 {
                return Err(SmscError::Config(
                    "system_id must be 1–15 characters, password at most 8",
                ));
            }
            accounts.insert(a.system_id.clone(), a);
        }
        if config.system_id.len() > 15 {
            return Err(SmscError::Config(
                "SMSC system_id longer than 15 characters",
            ));
        }
        let mut listen = config.listen;
        if listen.port() == 0 {
            // smpp34 binds by port; pick a free one first (a race another process could
            // win, acceptable for tests and labs).
            let probe = std::net::TcpListener::bind(listen)
                .map_err(|e| SmscError::Listen(listen, e.to_string()))?;
            listen = probe
                .local_addr()
                .map_err(|e| SmscError::Listen(listen, e.to_string()))?;
        }
        let shared = Arc::new(Shared {
            accounts,
            system_id: config.system_id,
            store: Mutex::new(Store::new(config.queue_limit)),
            listen_error: Mutex::new(None),
            validity: config.validity,
            retry_interval: config.retry_interval,
            max_attempts: config.max_attempts.max(1),
        });
        let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        let mut server = SmppServer::new_with_default_timers(
            listen.ip(),
            listen.port(),
            Arc::new(listener::Listener(shared.clone())),
            ms(config.response_timeout),
            ms(config.enquire_link_interval),
            ms(config.enquire_link_interval) * 3,
            ms(config.response_timeout),
            4096,
        );
        server.start().await;
        if !server.is_alive() {
            let why = shared
                .listen_error
                .lock()
                .ok()
                .and_then(|e| e.clone())
                .unwrap_or_default();
            return Err(SmscError::Listen(listen, why));
        }
        tracing::info!(%listen, "SMSC listening");
        let sweeper = tokio::spawn(delivery::sweep(shared.clone()));
        Ok(Smsc {
            server,
            sweeper,
            shared,
            local_addr: listen,
            response_timeout: config.response_timeout,
        })
    }

    /// The address the SMSC listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The counters now.
    pub fn stats(&self) -> SmscStats {
        self.shared
            .store
            .lock()
            .map(|s| s.stats)
            .unwrap_or_default()
    }

    /// Stops accepting, unbinds every bound ESME (SMPP 3.4 §4.2) and returns. Messages
    /// still queued are dropped (this SMSC keeps no disk store).
    pub async fn shutdown(mut self) {
        self.sweeper.abort();
        self.server.stop().await;
        let sessions = self
            .shared
            .store
            .lock()
            .map(|s| s.sessions())
            .unwrap_or_default();
        let unbinds = sessions.iter().map(|esme| async move {
            let _ = tokio::time::timeout(self.response_timeout, esme.send_unbind()).await;
        });
        for u in unbinds {
            u.await;
        }
        tracing::info!(addr = %self.local_addr, "SMSC stopped");
    }
}
