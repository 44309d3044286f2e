//! The RSP session of one download (SGP.22 §3.1.3, ES9+ §5.6): created by
//! InitiateAuthentication, identified by its `transactionId`, kept in the store so any
//! server replica can serve the next call.

use std::fmt;
use std::future::Future;

use rsp_codec::json::{Eid, Iccid};
use zeroize::Zeroizing;

use crate::operator::OperatorId;
use crate::outbox::DownloadProgress;
use crate::profile::{ProfilePackage, ProfileRecord};
use crate::store::StoreError;

/// Where a session is in the ES9+ sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionPhase {
    /// InitiateAuthentication answered (SGP.22 §5.6.1).
    Initiated,
    /// AuthenticateClient answered: the eUICC and the Profile are known (§5.6.3).
    Authenticated,
    /// A Bound Profile Package was delivered (§5.6.2); retries with the same otPK.EUICC
    /// get the same binding.
    BppDelivered,
    /// Ended by CancelSession or the installation result (§5.6.4, §5.6.5).
    Closed,
}

impl SessionPhase {
    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Initiated => "Initiated",
            Self::Authenticated => "Authenticated",
            Self::BppDelivered => "BppDelivered",
            Self::Closed => "Closed",
        }
    }

    /// Parses a stored name.
    pub fn parse(name: &str) -> Option<Self> {
        [
            Self::Initiated,
            Self::Authenticated,
            Self::BppDelivered,
            Self::Closed,
        ]
        .into_iter()
        .find(|p| p.as_str() == name)
    }
}

/// A secret byte string (e.g. the PKCS#8 of otSK.DP.ECKA): wiped on drop, redacted in
/// `Debug`. Stores keep it encrypted.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretBytes(Zeroizing<Vec<u8>>);

impl SecretBytes {
    /// Wraps the bytes.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// The bytes (handle with care).
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretBytes(<redacted>)")
    }
}

/// One RSP session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// `transactionId` (16 random bytes).
    pub transaction_id: Vec<u8>,
    /// Progress.
    pub phase: SessionPhase,
    /// Subject key identifier of the CI whose DPauth/DPpb credentials serve this session.
    pub ci_key_id: Vec<u8>,
    /// `euiccChallenge` of InitiateAuthentication (unique per SM-DP+).
    pub euicc_challenge: Vec<u8>,
    /// `serverChallenge`.
    pub server_challenge: Vec<u8>,
    /// The Profile being downloaded (after AuthenticateClient).
    pub profile: Option<(OperatorId, Iccid)>,
    /// The eUICC (from its certificate).
    pub eid: Option<Eid>,
    /// SubjectPublicKeyInfo (DER) of the validated CERT.EUICC.ECDSA: it verifies
    /// euiccSignature2, the cancel-session signature and the installation result.
    pub euicc_public_key: Option<Vec<u8>>,
    /// `smdpSignature2` (r‖s), covered by euiccSignature2.
    pub smdp_signature2: Option<Vec<u8>>,
    /// `ccRequiredFlag` sent in smdpSigned2.
    pub cc_required: bool,
    /// otPK.EUICC.ECKA of the delivered binding.
    pub euicc_otpk: Option<Vec<u8>>,
    /// otSK.DP.ECKA (PKCS#8) of the delivered binding, for retries. Encrypted at rest.
    pub otsk_dp: Option<SecretBytes>,
    /// Creation (Unix milliseconds).
    pub created_at_ms: i64,
    /// After this instant the session is unknown to ES9+ (8.10.1/3.9).
    pub expires_at_ms: i64,
    /// Optimistic-concurrency version.
    pub version: i64,
}

/// A session read with its Profile ([`SessionStore::get_session_with_profile`]).
#[derive(Debug)]
pub struct SessionRead {
    /// The session.
    pub session: Session,
    /// Its Profile: `None` before AuthenticateClient chose one, or if the row is gone.
    pub profile: Option<ProfileRecord>,
    /// The Profile's package, when asked for and stored.
    pub package: Option<ProfilePackage>,
}

/// Persistence of RSP sessions.
pub trait SessionStore: Send + Sync {
    /// Stores a new session and marks its `euicc_challenge` used, atomically:
    /// [`StoreError::Duplicate`] with [`crate::store::UniqueKey::EuiccChallenge`] when the
    /// challenge was seen before (replay).
    fn create_session(
        &self,
        session: &Session,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The session `transaction_id`, expired or not (the caller checks `expires_at_ms`).
    fn get_session(
        &self,
        transaction_id: &[u8],
    ) -> impl Future<Output = Result<Option<Session>, StoreError>> + Send;

    /// The session `transaction_id` (expired or not) with its Profile and, when
    /// `with_package`, the Profile's package, read together (one snapshot, one round of
    /// locking): what GetBoundProfilePackage and HandleNotification read before they write.
    fn get_session_with_profile(
        &self,
        transaction_id: &[u8],
        with_package: bool,
    ) -> impl Future<Output = Result<Option<SessionRead>, StoreError>> + Send;

    /// Writes `session` if its row is still at `session.version` and, in the same
    /// transaction, `profile` (compare-and-swap on its version as
    /// [`crate::store::InventoryStore::update`]) and the `outbox` messages. Returns the
    /// session with its new version.
    fn update_session(
        &self,
        session: &Session,
        profile: Option<&ProfileRecord>,
        outbox: &[DownloadProgress],
    ) -> impl Future<Output = Result<Session, StoreError>> + Send;

    /// Housekeeping: deletes the sessions that expired before `before_ms` and the used
    /// challenges recorded before it; returns the number of sessions deleted. Pick
    /// `before_ms` well after the session lifetime: a delivered session is still needed to
    /// verify a late Profile Installation Result (SGP.22 §5.6.4).
    fn purge_sessions(
        &self,
        before_ms: i64,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_round_trip_and_secrets_are_redacted() {
        for p in [
            SessionPhase::Initiated,
            SessionPhase::Authenticated,
            SessionPhase::BppDelivered,
            SessionPhase::Closed,
        ] {
            assert_eq!(SessionPhase::parse(p.as_str()), Some(p));
        }
        assert_eq!(SessionPhase::parse("closed"), None);
        let s = SecretBytes::new(vec![0xAB; 8]);
        assert_eq!(format!("{s:?}"), "SecretBytes(<redacted>)");
        assert!(!format!("{s:?}").contains("171"));
    }
}
