//! Settings of one SM-DS (SGP.22 §2.1: a Root SM-DS, or an Alternative SM-DS that cascades
//! its registrations to a Root SM-DS, §3.6.1).

use std::time::Duration;

/// The role of this SM-DS in the discovery tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SmdsRole {
    /// The Root SM-DS (the address configured in every eUICC, ES10a).
    Root,
    /// An Alternative SM-DS; registrations with `forwardingIndicator` are cascaded to the Root
    /// SM-DS at `root_address` (ES15).
    Alternative {
        /// The Root SM-DS address (FQDN, optionally `:port`).
        root_address: String,
    },
}

/// Settings of the ES11 and ES12 services.
#[derive(Debug, Clone)]
pub struct SmdsConfig {
    /// This SM-DS's address, compared with `smdsAddress` and signed in serverSigned1
    /// (§5.8.1), and the `rspServerAddress` of the cascade events it registers at the root.
    pub smds_address: String,
    /// Root or alternative.
    pub role: SmdsRole,
    /// How long an ES11 session stays usable after InitiateAuthentication.
    pub session_ttl: Duration,
}

impl SmdsConfig {
    /// A Root SM-DS at `smds_address`; ES11 sessions live 5 minutes (an LPA answers at once:
    /// AuthenticateClient follows InitiateAuthentication after one ES10b exchange).
    pub fn new(smds_address: impl Into<String>) -> Self {
        Self {
            smds_address: smds_address.into(),
            role: SmdsRole::Root,
            session_ttl: Duration::from_secs(5 * 60),
        }
    }

    /// The Root SM-DS address when this one is an alternative.
    pub fn root_address(&self) -> Option<&str> {
        match &self.role {
            SmdsRole::Root => None,
            SmdsRole::Alternative { root_address } => Some(root_address),
        }
    }
}
