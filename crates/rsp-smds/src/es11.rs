//! ES11 (LPA → SM-DS, SGP.22 v2.5 §5.8): the common mutual authentication of §3.0.1 with
//! CERT.DSauth, then the eUICC's Event Records.

use rsp_auth::{AuthenticatedEuicc, InitiateError, Initiated, SessionEcho};
use rsp_codec::asn1::{
    AuthenticateClientOkEs11, CtxParams1, EventEntries, Extensions, InitiateAuthenticationOkEs9,
    TransactionId,
};
use rsp_codec::json::Eid;
use rsp_codec::status::RspError;
use time::OffsetDateTime;

use crate::event::EventRecord;
use crate::store::{SmdsKey, SmdsSession, SmdsStore, StoreError};
use crate::{Credentials, SmdsConfig, SmdsError, now_ms};

/// The ES11 functions of one SM-DS.
#[derive(Debug, Clone)]
pub struct Es11<S> {
    store: S,
    /// Shared by the clones, replaced whole by [`Self::replace_credentials`].
    credentials: std::sync::Arc<std::sync::RwLock<std::sync::Arc<Credentials>>>,
    config: SmdsConfig,
}

impl<S: SmdsStore> Es11<S> {
    /// A service over `store`, signing with `credentials` (CERT.DSauth per CI).
    pub fn new(store: S, credentials: Credentials, config: SmdsConfig) -> Self {
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

    /// ES11.InitiateAuthentication (§5.8.1). Errors: `smds_address` not this SM-DS's
    /// 8.9.1/3.8; an `svn` other than 2.x 8.9.3/3.1; no trusted CI the eUICC can sign with
    /// 8.9.2/3.1; no CERT.DSauth under a CI it can verify 8.9.4/3.7; malformed input
    /// 1.3.1/2.1; a replayed `euiccChallenge` 8.1/6.1.
    pub async fn initiate_authentication(
        &self,
        euicc_challenge: &[u8],
        euicc_info1: &[u8],
        smds_address: &str,
    ) -> Result<InitiateAuthenticationOkEs9, SmdsError> {
        if !smds_address.eq_ignore_ascii_case(&self.config.smds_address) {
            return Err(RspError::SmdsAddressRefused.into());
        }
        let credentials = self.credentials();
        let Initiated {
            ok,
            ci,
            server_challenge,
            ..
        } = rsp_auth::initiate(
            &*credentials,
            |ds| ds,
            euicc_challenge,
            euicc_info1,
            &self.config.smds_address,
        )
        .map_err(|e| match e {
            InitiateError::Format => RspError::ProtocolFormatInvalid.into(),
            InitiateError::Svn => RspError::SmdsSvnUnsupported.into(),
            InitiateError::Select(e) => e.es11().into(),
            InitiateError::Sign(e) => SmdsError::from(e),
            InitiateError::Rng => SmdsError::Rng,
        })?;
        let now = now_ms();
        let ttl = i64::try_from(self.config.session_ttl.as_millis()).unwrap_or(i64::MAX);
        let session = SmdsSession {
            transaction_id: ok.transaction_id.as_bytes().to_vec(),
            ci_key_id: ci.to_vec(),
            euicc_challenge: euicc_challenge.to_vec(),
            server_challenge: server_challenge.to_vec(),
            created_at_ms: now,
            expires_at_ms: now.saturating_add(ttl),
            completed: false,
        };
        match self.store.create_session(&session).await {
            Err(StoreError::Duplicate(SmdsKey::EuiccChallenge)) => {
                tracing::warn!("replayed euiccChallenge refused");
                Err(RspError::EuiccVerificationFailed.into())
            }
            other => other.map(|()| ok).map_err(SmdsError::from),
        }
    }

    /// ES11.AuthenticateClient (§5.8.2): verifies the eUICC and answers its Event Records.
    ///
    /// Errors: unknown, expired or already answered transaction 8.10.1/3.9 (a session
    /// serves one AuthenticateClient: a replay finds it spent); EUM certificate 8.1.2/6.1 or
    /// 6.3; eUICC certificate 8.1.3/6.1 or 6.3; untrusted CI 8.11.1/3.9; bad
    /// euiccSignature1 or session data 8.1/6.1. With a MatchingID in `ctxParams1` only the
    /// events with that EventID are answered (none: 8.9.5/3.9); an Alternative SM-DS also
    /// takes its own cascade EventID for the EID, which stands for all the EID's events.
    /// Without, every event of the EID (possibly none).
    pub async fn authenticate_client(
        &self,
        transaction_id: &[u8],
        authenticate_server_response: &[u8],
    ) -> Result<AuthenticateClientOkEs11, SmdsError> {
        let session = self
            .store
            .get_session(transaction_id)
            .await?
            .filter(|s| !s.completed && s.expires_at_ms > now_ms())
            .ok_or(RspError::TransactionIdUnknown)?;
        let AuthenticatedEuicc { response, eid, .. } =
            rsp_auth::verify_authenticate_server_response(
                authenticate_server_response,
                self.credentials().trust(),
                SessionEcho {
                    transaction_id: &session.transaction_id,
                    server_address: &self.config.smds_address,
                    server_challenge: &session.server_challenge,
                },
                OffsetDateTime::now_utc(),
            )?;
        let matching_id = match response.euicc_signed1.value().ctx_params1.known() {
            Some(CtxParams1::CtxParamsForCommonAuthentication(ctx)) => ctx.matching_id.clone(),
            _ => return Err(RspError::ProtocolFormatInvalid.into()),
        };
        let events = self.events(&eid, matching_id.as_deref()).await?;
        if !self.store.complete_session(transaction_id).await? {
            return Err(RspError::TransactionIdUnknown.into());
        }
        Ok(AuthenticateClientOkEs11 {
            transaction_id: TransactionId(session.transaction_id.into()),
            event_entries: events.into_iter().map(entry).collect(),
            ext: Extensions::default(),
        })
    }

    /// The events answered for `eid` and an optional MatchingID (§5.8.2).
    async fn events(
        &self,
        eid: &Eid,
        matching_id: Option<&str>,
    ) -> Result<Vec<EventRecord>, SmdsError> {
        let all = self.store.events_for_eid(eid).await?;
        let Some(wanted) = matching_id.filter(|m| !m.is_empty()) else {
            return Ok(all);
        };
        let cascade = self.store.cascade_for_eid(eid).await?;
        if cascade.is_some_and(|c| c.event_id.as_str() == wanted) {
            return Ok(all);
        }
        let found: Vec<_> = all
            .into_iter()
            .filter(|e| e.event_id.as_str() == wanted)
            .collect();
        if found.is_empty() {
            return Err(RspError::EventUnknown.into());
        }
        Ok(found)
    }
}

fn entry(e: EventRecord) -> EventEntries {
    EventEntries {
        event_id: e.event_id.as_str().to_owned(),
        rsp_server_address: e.rsp_server_address,
        ext: Extensions::default(),
    }
}
