//! ES9+ (LPA → SM-DP+), SGP.22 v2.5 §5.6, and the Bound Profile Package it delivers (§2.5,
//! ES8+ §5.5). Transport-free: each function takes the decoded request fields (ASN.1 as
//! DER bytes, exactly as received) and returns the ASN.1 response value or an
//! [`Es9PlusError`] carrying the SGP.22 status code. Every step is persisted through
//! [`SessionStore`] and [`InventoryStore`], so any replica can serve the next call.
//!
//! One file per function: [`initiate_authentication`], [`authenticate_client`],
//! [`get_bound_profile_package`], [`handle_notification`], [`cancel_session`].

mod authenticate_client;
mod bpp;
mod cancel_session;
mod credentials;
mod eligibility;
mod error;
mod get_bound_profile_package;
mod handle_notification;
mod ids;
mod initiate_authentication;
mod order_check;

pub use credentials::{Credentials, DpCredentials, SigningCredential};
pub use error::Es9PlusError;
pub use ids::{eid_bytes, iccid_bcd};

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rsp_codec::asn1::NotificationEvent;
use rsp_codec::status::RspError;
use rsp_crypto::PublicKey;

use crate::operator::OperatorId;
use crate::outbox::{DownloadProgress, PointStatus};
use crate::profile::ProfileRecord;
use crate::session::{Session, SessionPhase, SessionRead, SessionStore};
use crate::store::InventoryStore;

/// ES2+.HandleDownloadProgressInfo notification points (SGP.22 §5.3.5).
pub mod notification_point {
    /// Eligibility and retry limit check (AuthenticateClient).
    pub const ELIGIBILITY: u32 = 1;
    /// Confirmation failure (GetBoundProfilePackage, wrong Confirmation Code).
    pub const CONFIRMATION_FAILURE: u32 = 2;
    /// BPP download (GetBoundProfilePackage, or its cancellation).
    pub const BPP_DOWNLOAD: u32 = 3;
    /// BPP installation (Profile Installation Result).
    pub const BPP_INSTALLATION: u32 = 4;
    /// Other eUICC notifications (enable / disable / delete), forwarded as received.
    pub const PROFILE_MANAGEMENT: u32 = 5;
}

/// Settings of the ES9+ service.
#[derive(Debug, Clone)]
pub struct Es9PlusConfig {
    /// This SM-DP+'s address (FQDN, optionally `:port`), compared with `smdpAddress` and
    /// signed in serverSigned1 (§5.6.1).
    pub smdp_address: String,
    /// `hostId` of the key-agreement control reference template (§5.5.1, 1..=16 bytes).
    pub host_id: Vec<u8>,
    /// How long an RSP session stays usable after InitiateAuthentication.
    pub session_ttl: Duration,
    /// `NotificationEvent` bits (1 enable, 2 disable, 3 delete) the eUICC shall report to
    /// this SM-DP+ through `notificationConfigurationInfo` (SGP.22 §5.4.1, §2.4a); the
    /// installation result always comes here (§3.1.3). Empty: none.
    pub notify_events: Vec<usize>,
    /// The Operators that receive ES2+.HandleDownloadProgressInfo; for the others no
    /// message is queued at all.
    pub progress_recipients: ProgressRecipients,
}

/// Which Operators get ES2+.HandleDownloadProgressInfo messages (SGP.22 §5.3.5).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ProgressRecipients {
    /// Every Operator (the default of the library).
    #[default]
    All,
    /// Only these (the server: those with a notification endpoint configured).
    Only(std::collections::HashSet<OperatorId>),
}

impl ProgressRecipients {
    /// Whether `operator` is notified.
    pub fn includes(&self, operator: &OperatorId) -> bool {
        match self {
            ProgressRecipients::All => true,
            ProgressRecipients::Only(set) => set.contains(operator),
        }
    }
}

impl Es9PlusConfig {
    /// Defaults: host id `SMDPP`, sessions live 30 minutes (SGP.22 leaves the value to the
    /// SM-DP+; 30 min covers an end user entering a Confirmation Code).
    pub fn new(smdp_address: impl Into<String>) -> Self {
        Self {
            smdp_address: smdp_address.into(),
            host_id: b"SMDPP".to_vec(),
            session_ttl: Duration::from_secs(30 * 60),
            notify_events: vec![
                NotificationEvent::NOTIFICATION_ENABLE,
                NotificationEvent::NOTIFICATION_DISABLE,
                NotificationEvent::NOTIFICATION_DELETE,
            ],
            progress_recipients: ProgressRecipients::All,
        }
    }
}

/// The ES9+ functions of one SM-DP+.
#[derive(Debug, Clone)]
pub struct Es9Plus<S> {
    store: S,
    /// Shared by the clones, replaced whole by [`Self::replace_credentials`].
    credentials: std::sync::Arc<std::sync::RwLock<std::sync::Arc<Credentials>>>,
    config: Es9PlusConfig,
}

impl<S: InventoryStore + SessionStore> Es9Plus<S> {
    /// A service over `store`.
    pub fn new(store: S, credentials: Credentials, config: Es9PlusConfig) -> Self {
        Self {
            store,
            credentials: std::sync::Arc::new(std::sync::RwLock::new(std::sync::Arc::new(
                credentials,
            ))),
            config,
        }
    }

    /// The credentials in force now (a reload replaces them for later calls; a call in
    /// progress keeps the ones it started with).
    fn credentials(&self) -> std::sync::Arc<Credentials> {
        self.credentials
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Replaces the credentials (certificates, keys, trust anchors and CRLs) for every
    /// later call, e.g. after SIGHUP; every clone of this service sees the new ones.
    pub fn replace_credentials(&self, credentials: Credentials) {
        *self
            .credentials
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = std::sync::Arc::new(credentials);
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The settings.
    pub fn config(&self) -> &Es9PlusConfig {
        &self.config
    }

    /// The live session `transaction_id` in one of `phases`, else 8.10.1/3.9 (unknown,
    /// expired, or at another step).
    async fn live_session(
        &self,
        transaction_id: &[u8],
        phases: &[SessionPhase],
    ) -> Result<Session, Es9PlusError> {
        match self.store.get_session(transaction_id).await? {
            Some(s) if is_live(&s, phases) => Ok(s),
            _ => Err(RspError::TransactionIdUnknown.into()),
        }
    }

    /// [`Self::live_session`] with its Profile (and package), in one read: 8.10.1/3.9 for
    /// an unknown, expired or out-of-phase session. The Profile is checked by
    /// [`session_profile_of`] where the function needs it.
    async fn live_session_with_profile(
        &self,
        transaction_id: &[u8],
        phases: &[SessionPhase],
        with_package: bool,
    ) -> Result<SessionRead, Es9PlusError> {
        match self
            .store
            .get_session_with_profile(transaction_id, with_package)
            .await?
        {
            Some(r) if is_live(&r.session, phases) => Ok(r),
            _ => Err(RspError::TransactionIdUnknown.into()),
        }
    }

    /// The Profile of an authenticated session.
    async fn session_profile(&self, session: &Session) -> Result<ProfileRecord, Es9PlusError> {
        let (_, iccid) = session
            .profile
            .as_ref()
            .ok_or(RspError::TransactionIdUnknown)?;
        self.store
            .find_by_iccid(iccid)
            .await?
            .ok_or(Es9PlusError::Rejected(RspError::ExecutionError))
    }
}

/// Not expired, and in one of `phases`.
fn is_live(session: &Session, phases: &[SessionPhase]) -> bool {
    session.expires_at_ms > now_ms() && phases.contains(&session.phase)
}

/// The Profile read with an authenticated session: 8.10.1/3.9 when the session has none
/// (as [`Es9Plus::session_profile`]), 127 (execution error) when its row is gone.
fn session_profile_of(read: &mut SessionRead) -> Result<ProfileRecord, Es9PlusError> {
    if read.session.profile.is_none() {
        return Err(RspError::TransactionIdUnknown.into());
    }
    read.profile
        .take()
        .ok_or(Es9PlusError::Rejected(RspError::ExecutionError))
}

/// The eUICC public key remembered by an authenticated session.
fn session_euicc_key(session: &Session) -> Result<PublicKey, Es9PlusError> {
    session
        .euicc_public_key
        .as_deref()
        .and_then(|der| PublicKey::from_spki_der(der).ok())
        .ok_or(Es9PlusError::Rejected(RspError::EuiccVerificationFailed))
}

impl<S> Es9Plus<S> {
    /// The HandleDownloadProgressInfo message about `profile` to queue, if its Operator
    /// receives them (none, or one).
    fn progress(
        &self,
        profile: &ProfileRecord,
        point: u32,
        status: PointStatus,
    ) -> Option<DownloadProgress> {
        self.config
            .progress_recipients
            .includes(&profile.operator)
            .then(|| progress(profile, point, status))
    }
}

/// An HandleDownloadProgressInfo message about `profile`.
fn progress(profile: &ProfileRecord, point: u32, status: PointStatus) -> DownloadProgress {
    DownloadProgress {
        operator: profile.operator.clone(),
        iccid: profile.iccid.clone(),
        eid: profile.eid.clone(),
        profile_type: profile.profile_type.clone(),
        timestamp_ms: now_ms(),
        notification_point_id: point,
        status,
        result_data: None,
    }
}

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
