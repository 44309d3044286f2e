//! Indirect Profile download (SGP.32 v1.2 §3.2, ESipa §5.14.1–§5.14.3, §5.14.5): the eIM
//! is the ES9+ client of the SM-DP+ for an IPA that does not reach it. Each ESipa request
//! becomes the ES9+ request of the ASN.1 binding (SGP.22 §6.6, `RemoteProfileProvisioning-
//! Request`) and the SM-DP+'s answer the ESipa response. The ESipa and ES9+ forms of these
//! messages share their tags, so the eUICC's outputs are carried over as their DER bytes
//! (its signatures cover them) and the SM-DP+ sees the same flow as from an LPA.
//!
//! The session (SM-DP+ transactionId → SM-DP+ address, and the eIM's download order when
//! the eIM triggered it) is kept in the store, so any replica relays any step. When the
//! order carries a Confirmation Code, AuthenticateClientOkDPEsipa gives the IPA the
//! session's `hashCc` (§5.14.2).
//!
//! Profile discovery through an SM-DS works the same way (ES11 shares InitiateAuthentication
//! and AuthenticateClient's request with ES9+): the SM-DS's event list comes back as
//! `authenticateClientOkDSEsipa` with a ProfileDownloadTriggerRequest for the first event.
//!
//! The compact forms an IPA may send are made whole before relaying ([`compact`]).
//!
//! Not done here (yet): `compactEuiccSigned1` (the eIM would rebuild EUICCInfo2), compact
//! notifications, refused as `undefinedError` / stored only; cascaded SM-DS events (an event
//! pointing at another SM-DS) are handed to the IPA as they are.

mod compact;

use std::future::Future;

use rasn::{Decode, Encode};
use rsp_codec::asn1::es9plus::{
    AuthenticateClientRequest, AuthenticateClientResponseEs9, CancelSessionRequestEs9,
    CancelSessionResponseEs9, GetBoundProfilePackageRequest, GetBoundProfilePackageResponse,
    InitiateAuthenticationRequest, InitiateAuthenticationResponse,
    RemoteProfileProvisioningRequest, RemoteProfileProvisioningResponse,
};
use rsp_codec::asn1::es11::AuthenticateClientResponseEs11;
use rsp_codec::asn1::sgp32::{
    AuthenticateClientErrorEsipa, AuthenticateClientOkDpEsipa, AuthenticateClientOkDsEsipa,
    AuthenticateClientRequestEsipa, AuthenticateClientResponseEsipa, CancelSessionErrorEsipa,
    CancelSessionRequestEsipa, CancelSessionResponseEsipa, GetBoundProfilePackageErrorEsipa,
    GetBoundProfilePackageOkEsipa, GetBoundProfilePackageRequestEsipa,
    GetBoundProfilePackageResponseEsipa, InitiateAuthenticationErrorEsipa,
    InitiateAuthenticationOkEsipa, InitiateAuthenticationRequestEsipa,
    InitiateAuthenticationResponseEsipa, ProfileDownloadData, ProfileDownloadTriggerRequest,
    Sgp32CancelSessionOk,
};
use rsp_codec::asn1::{Octet32, TransactionId};
use rsp_codec::json::Eid;
use sha2::{Digest, Sha256};

use crate::EimError;
use crate::model::{Operation, OperationKind};
use crate::service::Eim;
use crate::store::{EimStore, StoreError};

/// One RSP session the eIM relays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelaySession {
    /// The SM-DP+'s transactionId.
    pub transaction_id: Vec<u8>,
    /// The SM-DP+ (host[:port]).
    pub smdp_address: String,
    /// The eIM's download order, when the eIM triggered the download.
    pub operation_id: Option<i64>,
    /// Its eUICC.
    pub eid: Option<Eid>,
    /// Creation (Unix milliseconds).
    pub created_at_ms: i64,
}

/// What the relay needs from persistence.
pub trait RelayStore: Send + Sync {
    /// Records a relayed session (replacing one with the same transactionId).
    fn put_relay_session(
        &self,
        session: &RelaySession,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The relayed session of an SM-DP+ transactionId.
    fn relay_session(
        &self,
        transaction_id: &[u8],
    ) -> impl Future<Output = Result<Option<RelaySession>, StoreError>> + Send;

    /// Forgets the sessions created before `before_ms` (Unix milliseconds); how many.
    fn expire_relay_sessions(
        &self,
        before_ms: i64,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// The delivered, unfinished operation whose eimTransactionId is `transaction_id`.
    fn delivered_by_transaction_id(
        &self,
        transaction_id: &[u8],
    ) -> impl Future<Output = Result<Option<Operation>, StoreError>> + Send;
}

/// How long a relayed session is kept: far longer than any RSP session (an SM-DP+ ends
/// its sessions in minutes); then the eIM forgets it.
pub const RELAY_SESSION_TTL_MS: i64 = 24 * 3600 * 1000;

/// The eIM's ES9+ client on the ASN.1 binding (transport: `rsp-http`).
pub trait Es9Asn1Client: Send + Sync {
    /// One ES9+ request to the SM-DP+ at `address`; its answer.
    fn call(
        &self,
        address: &str,
        request: &RemoteProfileProvisioningRequest,
    ) -> impl Future<Output = Result<RemoteProfileProvisioningResponse, EimError>> + Send;
}

/// Re-reads a value as the other binding's type with the same tags (DER in, DER out).
fn convert<A: Encode, B: Decode>(what: &str, a: &A) -> Result<B, EimError> {
    let der = rasn::der::encode(a).map_err(|e| EimError::Encode(format!("{what}: {e}")))?;
    rasn::der::decode(&der).map_err(|e| EimError::Encode(format!("{what}: {e}")))
}

fn unexpected(function: &str, r: &RemoteProfileProvisioningResponse) -> EimError {
    EimError::Refused(format!("the SM-DP+ answered {function} with {r:?}"))
}

/// The SM-DP+ address of an Activation Code `1$address$…` (SGP.22 §4.1).
fn smdp_of(activation_code: &str) -> Option<&str> {
    activation_code.split('$').nth(1).filter(|a| !a.is_empty())
}

impl<S: EimStore + RelayStore> Eim<S> {
    /// ESipa.InitiateAuthentication (§5.14.1) relayed to ES9+.InitiateAuthentication.
    pub async fn relay_initiate_authentication<C: Es9Asn1Client>(
        &self,
        request: &InitiateAuthenticationRequestEsipa,
        es9: &C,
    ) -> Result<InitiateAuthenticationResponseEsipa, EimError> {
        use InitiateAuthenticationErrorEsipa as E;
        let error =
            |e| Ok(InitiateAuthenticationResponseEsipa::InitiateAuthenticationErrorEsipa(e));
        // The eIM's order, when the IPA names it: its SM-DP+ is the one to use.
        let order = match &request.eim_transaction_id {
            Some(t) => match self.store.delivered_by_transaction_id(&t.0).await? {
                Some(op) => Some(op),
                None => return error(E::INVALID_EIM_TRANSACTION_ID),
            },
            None => None,
        };
        // An order by Activation Code fixes the SM-DP+; one by SM-DS (discovery) leaves the
        // IPA to name the SM-DS, then the SM-DP+ of the event it found.
        let ordered = order.as_ref().and_then(|op| match &op.kind {
            OperationKind::Download {
                smds_address: Some(_),
                ..
            } => None,
            OperationKind::Download {
                activation_code,
                smdp_address,
                matching_id,
                ..
            } => crate::package::activation_code(
                activation_code.as_deref(),
                smdp_address.as_deref(),
                matching_id.as_deref(),
            )
            .ok()
            .and_then(|ac| smdp_of(&ac).map(str::to_owned)),
            _ => None,
        });
        let address = match (ordered, &request.smdp_address) {
            (Some(o), Some(asked)) if !o.eq_ignore_ascii_case(asked) => {
                return error(E::SMDP_ADDRESS_MISMATCH);
            }
            (Some(o), _) => o,
            (None, Some(asked)) if !asked.is_empty() => asked.clone(),
            _ => return error(E::INVALID_DP_ADDRESS),
        };
        let Some(info1) = &request.euicc_info1 else {
            // The eIM keeps no EUICCInfo1 of its own to fill in.
            return error(E::UNDEFINED_ERROR);
        };
        let es9_request = RemoteProfileProvisioningRequest::InitiateAuthenticationRequest(
            InitiateAuthenticationRequest {
                euicc_challenge: request.euicc_challenge,
                smdp_address: address.clone(),
                euicc_info1: info1.clone(),
                ext: Default::default(),
            },
        );
        let answer = es9.call(&address, &es9_request).await?;
        let ok = match answer {
            RemoteProfileProvisioningResponse::InitiateAuthenticationResponse(
                InitiateAuthenticationResponse::InitiateAuthenticationOk(ok),
            ) => ok,
            RemoteProfileProvisioningResponse::InitiateAuthenticationResponse(
                InitiateAuthenticationResponse::InitiateAuthenticationError(e),
            ) => return error(E(e.0)),
            other => return Err(unexpected("InitiateAuthentication", &other)),
        };
        let ok: InitiateAuthenticationOkEsipa = convert("initiateAuthenticationOk", &*ok)?;
        let transaction_id = ok.transaction_id.as_ref().ok_or_else(|| {
            EimError::Refused("InitiateAuthenticationOk without transactionId".into())
        })?;
        self.store
            .put_relay_session(&RelaySession {
                transaction_id: transaction_id.0.to_vec(),
                smdp_address: address,
                operation_id: order.as_ref().map(|op| op.id),
                eid: order.map(|op| op.eid),
                created_at_ms: crate::now_ms(),
            })
            .await?;
        Ok(InitiateAuthenticationResponseEsipa::InitiateAuthenticationOkEsipa(Box::new(ok)))
    }

    /// ESipa.AuthenticateClient (§5.14.2) relayed to ES9+.AuthenticateClient.
    pub async fn relay_authenticate_client<C: Es9Asn1Client>(
        &self,
        request: &AuthenticateClientRequestEsipa,
        es9: &C,
    ) -> Result<AuthenticateClientResponseEsipa, EimError> {
        use AuthenticateClientErrorEsipa as E;
        let error = |e| Ok(AuthenticateClientResponseEsipa::AuthenticateClientErrorEsipa(e));
        let Some(session) = self.store.relay_session(&request.transaction_id.0).await? else {
            return error(E::INVALID_TRANSACTION_ID);
        };
        // A compact answer is made whole first (what cannot be is undefinedError).
        let Some(whole) = self.expanded_authenticate(&session, request).await? else {
            return error(E::UNDEFINED_ERROR);
        };
        let Ok(es9_request) =
            convert::<_, AuthenticateClientRequest>("authenticateClient", &*whole)
        else {
            return error(E::UNDEFINED_ERROR);
        };
        let answer = es9
            .call(
                &session.smdp_address,
                &RemoteProfileProvisioningRequest::AuthenticateClientRequest(es9_request),
            )
            .await?;
        let ok = match answer {
            RemoteProfileProvisioningResponse::AuthenticateClientResponseEs9(
                AuthenticateClientResponseEs9::AuthenticateClientOk(ok),
            ) => ok,
            RemoteProfileProvisioningResponse::AuthenticateClientResponseEs9(
                AuthenticateClientResponseEs9::AuthenticateClientError(e),
            ) => return error(E(e.0)),
            // The session was with an SM-DS (ES11, Profile discovery by the eIM).
            RemoteProfileProvisioningResponse::AuthenticateClientResponseEs11(r) => {
                return self.discovered(&session, &request.transaction_id, r).await;
            }
            other => return Err(unexpected("AuthenticateClient", &other)),
        };
        let mut ok: AuthenticateClientOkDpEsipa = convert("authenticateClientOk", &*ok)?;
        ok.hash_cc = self
            .confirmation_hash(&session, &request.transaction_id)
            .await?;
        Ok(AuthenticateClientResponseEsipa::AuthenticateClientOkDpEsipa(Box::new(ok)))
    }

    /// An SM-DS's ES11.AuthenticateClient answer as `authenticateClientOkDSEsipa`
    /// (§5.14.2): the first event becomes the ProfileDownloadTriggerRequest the IPA goes on
    /// with (Activation Code `1$<rspServerAddress>$<eventId>`, SGP.22 §3.6.3; the order's
    /// eimTransactionId), none when the SM-DS holds none. ES11's own error INTEGERs become
    /// the ESipa ones (eventIdUnknown 6 → 56, invalidTransactionId 7 → 10).
    async fn discovered(
        &self,
        session: &RelaySession,
        transaction_id: &TransactionId,
        answer: AuthenticateClientResponseEs11,
    ) -> Result<AuthenticateClientResponseEsipa, EimError> {
        use AuthenticateClientErrorEsipa as E;
        let ok = match answer {
            AuthenticateClientResponseEs11::AuthenticateClientOk(ok) => ok,
            AuthenticateClientResponseEs11::AuthenticateClientError(e) => {
                let code = match e.0 {
                    6 => E::EVENT_ID_UNKNOWN,
                    7 => E::INVALID_TRANSACTION_ID,
                    c @ 1..=5 => E(c),
                    _ => E::UNDEFINED_ERROR,
                };
                return Ok(AuthenticateClientResponseEsipa::AuthenticateClientErrorEsipa(code));
            }
        };
        let order_tid = match session.operation_id {
            Some(id) => self
                .store
                .operation(id)
                .await?
                .and_then(|op| op.transaction_id),
            None => None,
        };
        let trigger = ok
            .event_entries
            .first()
            .map(|e| ProfileDownloadTriggerRequest {
                profile_download_data: Some(ProfileDownloadData::ActivationCode(format!(
                    "1${}${}",
                    e.rsp_server_address, e.event_id
                ))),
                eim_transaction_id: order_tid.map(|t| TransactionId(t.into())),
                ext: Default::default(),
            });
        Ok(
            AuthenticateClientResponseEsipa::AuthenticateClientOkDsEsipa(
                AuthenticateClientOkDsEsipa {
                    transaction_id: transaction_id.clone(),
                    profile_download_trigger: trigger,
                    ext: Default::default(),
                },
            ),
        )
    }

    /// `hashCc` of the session when its order has a Confirmation Code (SGP.22 §3.1.3.4:
    /// SHA-256(SHA-256(code) ‖ transactionId)).
    async fn confirmation_hash(
        &self,
        session: &RelaySession,
        transaction_id: &TransactionId,
    ) -> Result<Option<Octet32>, EimError> {
        let Some(id) = session.operation_id else {
            return Ok(None);
        };
        let Some(op) = self.store.operation(id).await? else {
            return Ok(None);
        };
        let OperationKind::Download {
            confirmation_code_sha256: Some(h),
            ..
        } = &op.kind
        else {
            return Ok(None);
        };
        let inner =
            hex::decode(h).map_err(|_| EimError::Encode("confirmation code hash".into()))?;
        let mut outer = Sha256::new();
        outer.update(&inner);
        outer.update(&transaction_id.0);
        Ok(Some(Octet32::new(outer.finalize().into())))
    }

    /// ESipa.GetBoundProfilePackage (§5.14.3) relayed to ES9+.GetBoundProfilePackage.
    pub async fn relay_get_bound_profile_package<C: Es9Asn1Client>(
        &self,
        request: &GetBoundProfilePackageRequestEsipa,
        es9: &C,
    ) -> Result<GetBoundProfilePackageResponseEsipa, EimError> {
        use GetBoundProfilePackageErrorEsipa as E;
        let error =
            |e| Ok(GetBoundProfilePackageResponseEsipa::GetBoundProfilePackageErrorEsipa(e));
        let Some(session) = self.store.relay_session(&request.transaction_id.0).await? else {
            return error(E::INVALID_TRANSACTION_ID);
        };
        let Some(whole) = self.expanded_prepare_download(&session, request).await? else {
            return error(E::UNDEFINED_ERROR);
        };
        let Ok(es9_request) =
            convert::<_, GetBoundProfilePackageRequest>("getBoundProfilePackage", &*whole)
        else {
            return error(E::UNDEFINED_ERROR);
        };
        let answer = es9
            .call(
                &session.smdp_address,
                &RemoteProfileProvisioningRequest::GetBoundProfilePackageRequest(es9_request),
            )
            .await?;
        match answer {
            RemoteProfileProvisioningResponse::GetBoundProfilePackageResponse(
                GetBoundProfilePackageResponse::GetBoundProfilePackageOk(ok),
            ) => {
                let ok: GetBoundProfilePackageOkEsipa = convert("getBoundProfilePackageOk", &*ok)?;
                Ok(
                    GetBoundProfilePackageResponseEsipa::GetBoundProfilePackageOkEsipa(Box::new(
                        ok,
                    )),
                )
            }
            RemoteProfileProvisioningResponse::GetBoundProfilePackageResponse(
                GetBoundProfilePackageResponse::GetBoundProfilePackageError(e),
            ) => error(E(e.0)),
            other => Err(unexpected("GetBoundProfilePackage", &other)),
        }
    }

    /// ESipa.CancelSession (§5.14.5) relayed to ES9+.CancelSession.
    pub async fn relay_cancel_session<C: Es9Asn1Client>(
        &self,
        request: &CancelSessionRequestEsipa,
        es9: &C,
    ) -> Result<CancelSessionResponseEsipa, EimError> {
        use CancelSessionErrorEsipa as E;
        let error = |e| Ok(CancelSessionResponseEsipa::CancelSessionError(e));
        let Some(session) = self.store.relay_session(&request.transaction_id.0).await? else {
            return error(E::INVALID_TRANSACTION_ID);
        };
        let Ok(es9_request) = convert::<_, CancelSessionRequestEs9>("cancelSession", request)
        else {
            return error(E::UNDEFINED_ERROR);
        };
        let answer = es9
            .call(
                &session.smdp_address,
                &RemoteProfileProvisioningRequest::CancelSessionRequestEs9(es9_request),
            )
            .await?;
        match answer {
            RemoteProfileProvisioningResponse::CancelSessionResponseEs9(
                CancelSessionResponseEs9::CancelSessionOk(_),
            ) => Ok(CancelSessionResponseEsipa::CancelSessionOk(
                Sgp32CancelSessionOk::default(),
            )),
            RemoteProfileProvisioningResponse::CancelSessionResponseEs9(
                CancelSessionResponseEs9::CancelSessionError(e),
            ) => error(E(e.0)),
            other => Err(unexpected("CancelSession", &other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activation_code_addresses() {
        assert_eq!(
            smdp_of("1$smdp.example:8443$ABC"),
            Some("smdp.example:8443")
        );
        assert_eq!(smdp_of("1$$ABC"), None);
        assert_eq!(smdp_of("nonsense"), None);
    }
}
