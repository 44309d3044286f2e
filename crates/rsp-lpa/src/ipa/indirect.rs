//! Indirect Profile download (SGP.32 v1.2 §3.2.x, ESipa §5.14.1–§5.14.5): the IPA does not
//! reach the SM-DP+ itself; the eIM relays each ES9+ function. [`EimRelay`] is the
//! download's [`Es9Link`] over the IPA's ESipa link: the ES9+ requests become
//! InitiateAuthenticationRequestEsipa, AuthenticateClientRequestEsipa,
//! GetBoundProfilePackageRequestEsipa and CancelSessionRequestEsipa, with the eUICC's
//! outputs carried as the bytes it produced (its signatures cover them), and the eIM's
//! answers become the ES9+ responses the download code checks as it does for a direct one.
//! The eUICC verifies the SM-DP+'s signatures itself, so a relay that changes a signed
//! object is refused by the eUICC (or by the SM-DP+ for the eUICC's).

use std::sync::Mutex;

use rsp_codec::asn1::sgp32::ProfileDownloadData;
use rsp_codec::asn1::sgp32::{
    AuthenticateClientRequestEsipa, AuthenticateClientResponseEsipa, CancelSessionRequestEsipa,
    CancelSessionResponseEsipa, EsipaMessageFromEimToIpa, EsipaMessageFromIpaToEim,
    GetBoundProfilePackageRequestEsipa, GetBoundProfilePackageResponseEsipa,
    InitiateAuthenticationRequestEsipa, InitiateAuthenticationResponseEsipa,
};
use rsp_codec::asn1::{self, AuthenticateServerResponse, Extensions, Octet16, TransactionId};
use rsp_codec::json::es9plus::{
    AuthenticateClientRequest, AuthenticateClientResponse, CancelSessionRequest,
    GetBoundProfilePackageRequest, GetBoundProfilePackageResponse, InitiateAuthenticationRequest,
    InitiateAuthenticationResponse,
};
use rsp_codec::json::{Base64Bytes, ResponseHeader, TransactionIdHex};

use super::EimLink;
use crate::download::{authenticate_server_request, ctx_params1};
use crate::error::LpaError;
use crate::es9link::Es9Link;
use crate::es10::Es10Channel;
use crate::es10b;

/// The eIM as the download's way to the SM-DP+.
pub struct EimRelay<'a, L: EimLink> {
    eim: &'a L,
    eim_transaction_id: Option<Vec<u8>>,
    hash_cc: Mutex<Option<[u8; 32]>>,
    compact: bool,
}

impl<'a, L: EimLink> EimRelay<'a, L> {
    /// A relay through `eim` for the download the eIM triggered with `eim_transaction_id`
    /// (sent in InitiateAuthenticationRequestEsipa so the eIM finds its order).
    pub fn new(eim: &'a L, eim_transaction_id: Option<Vec<u8>>) -> Self {
        Self {
            eim,
            eim_transaction_id,
            hash_cc: Mutex::new(None),
            compact: false,
        }
    }

    /// Sends the compact forms of the eUICC's answers ([`super::compact`]).
    pub fn with_compact(mut self, compact: bool) -> Self {
        self.compact = compact;
        self
    }

    async fn exchange(
        &self,
        message: EsipaMessageFromIpaToEim,
    ) -> Result<EsipaMessageFromEimToIpa, LpaError> {
        self.eim.exchange(&message).await?.ok_or_else(|| {
            LpaError::Protocol("the eIM answered an ESipa relay call without a message".into())
        })
    }
}

impl<L: EimLink> EimRelay<'_, L> {
    /// Profile discovery at the SM-DS `smds_address` through the eIM (ES11 relayed, SGP.32
    /// §5.14.1–2): the common mutual authentication with the SM-DS, then the
    /// `authenticateClientOkDSEsipa` the eIM builds from the SM-DS's events. The Activation
    /// Code of the event found, `None` when the SM-DS holds none for this eUICC.
    pub async fn discover<E: Es10Channel + ?Sized>(
        &self,
        channel: &mut E,
        smds_address: &str,
    ) -> Result<Option<String>, LpaError> {
        let ctx = ctx_params1("", None)?;
        let (info1, _) = es10b::get_euicc_info1(channel)?;
        let challenge = es10b::get_euicc_challenge(channel)?;
        let init = Es9Link::initiate_authentication(
            self,
            smds_address,
            &InitiateAuthenticationRequest {
                euicc_challenge: Base64Bytes::new(challenge.to_vec()),
                euicc_info1: Base64Bytes::new(info1),
                smdp_address: smds_address.to_owned(),
            },
        )
        .await?;
        let request = authenticate_server_request(&init, &ctx)?;
        let (auth_der, auth) = es10b::authenticate_server(channel, &request)?;
        let message = EsipaMessageFromIpaToEim::AuthenticateClientRequestEsipa(
            AuthenticateClientRequestEsipa {
                transaction_id: tid(&init.transaction_id),
                authenticate_server_response: decode("authenticateServerResponse", &auth_der)?,
                ext: Extensions::default(),
            },
        );
        // An eUICC refusal still goes to the SM-DS (through the eIM), as SGP.22 §5.8.2 says.
        let answer = self.exchange(message).await;
        if let AuthenticateServerResponse::AuthenticateResponseError(e) = auth {
            return Err(LpaError::EuiccRefused {
                function: "AuthenticateServer",
                code: e.authenticate_error_code.0,
                reason: "authentication of the SM-DS refused",
            });
        }
        match answer? {
            EsipaMessageFromEimToIpa::AuthenticateClientResponseEsipa(
                AuthenticateClientResponseEsipa::AuthenticateClientOkDsEsipa(ok),
            ) => Ok(ok
                .profile_download_trigger
                .and_then(|t| match t.profile_download_data {
                    Some(ProfileDownloadData::ActivationCode(code)) => Some(code),
                    _ => None,
                })),
            EsipaMessageFromEimToIpa::AuthenticateClientResponseEsipa(
                AuthenticateClientResponseEsipa::AuthenticateClientErrorEsipa(e),
            ) => Err(refused("AuthenticateClient", e.0)),
            other => Err(unexpected("AuthenticateClient (SM-DS)", &other)),
        }
    }
}

fn refused(function: &'static str, code: i64) -> LpaError {
    LpaError::EimRefused { function, code }
}

fn unexpected(function: &str, answer: &EsipaMessageFromEimToIpa) -> LpaError {
    LpaError::Protocol(format!("the eIM answered {function} with {answer:?}"))
}

fn decode<T: rasn::Decode>(what: &'static str, der: &[u8]) -> Result<T, LpaError> {
    asn1::decode(der).map_err(|e| LpaError::Protocol(format!("{what}: {e}")))
}

fn encode<T: rasn::Encode>(what: &'static str, value: &T) -> Result<Vec<u8>, LpaError> {
    asn1::encode(value).map_err(LpaError::encode(what))
}

fn tid(t: &TransactionIdHex) -> TransactionId {
    TransactionId(t.as_bytes().to_vec().into())
}

/// The SM-DP+'s transactionId of a relayed answer (optional in the ESipa forms, SGP.32
/// §5.14.1–3: absent means the request's).
fn answered_tid(
    answered: Option<&TransactionId>,
    asked: Option<&TransactionIdHex>,
) -> Result<TransactionIdHex, LpaError> {
    match (answered, asked) {
        (Some(t), _) => TransactionIdHex::from_bytes(t.0.to_vec())
            .map_err(|e| LpaError::Protocol(format!("transactionId: {e}"))),
        (None, Some(t)) => Ok(t.clone()),
        (None, None) => Err(LpaError::Protocol(
            "InitiateAuthenticationOkEsipa without transactionId".into(),
        )),
    }
}

impl<L: EimLink> Es9Link for EimRelay<'_, L> {
    async fn initiate_authentication(
        &self,
        address: &str,
        request: &InitiateAuthenticationRequest,
    ) -> Result<InitiateAuthenticationResponse, LpaError> {
        let challenge = <[u8; 16]>::try_from(request.euicc_challenge.as_bytes())
            .map_err(|_| LpaError::Protocol("euiccChallenge is not 16 bytes".into()))?;
        let message = EsipaMessageFromIpaToEim::InitiateAuthenticationRequestEsipa(
            InitiateAuthenticationRequestEsipa {
                euicc_challenge: Octet16::from(challenge),
                smdp_address: Some(address.to_owned()),
                euicc_info1: Some(decode("euiccInfo1", request.euicc_info1.as_bytes())?),
                eim_transaction_id: self
                    .eim_transaction_id
                    .clone()
                    .map(|t| TransactionId(t.into())),
                ext: Extensions::default(),
            },
        );
        let ok = match self.exchange(message).await? {
            EsipaMessageFromEimToIpa::InitiateAuthenticationResponseEsipa(
                InitiateAuthenticationResponseEsipa::InitiateAuthenticationOkEsipa(ok),
            ) => ok,
            EsipaMessageFromEimToIpa::InitiateAuthenticationResponseEsipa(
                InitiateAuthenticationResponseEsipa::InitiateAuthenticationErrorEsipa(e),
            ) => return Err(refused("InitiateAuthentication", e.0)),
            other => return Err(unexpected("InitiateAuthentication", &other)),
        };
        Ok(InitiateAuthenticationResponse {
            header: ResponseHeader::success(),
            transaction_id: answered_tid(ok.transaction_id.as_ref(), None)?,
            server_signed1: Base64Bytes::new(ok.server_signed1.raw().to_vec()),
            server_signature1: Base64Bytes::new(ok.server_signature1.to_vec()),
            euicc_ci_pk_id_to_be_used: Base64Bytes::new(
                ok.euicc_ci_pk_identifier_to_be_used.to_vec(),
            ),
            server_certificate: Base64Bytes::new(ok.server_certificate.as_der().to_vec()),
        })
    }

    async fn authenticate_client(
        &self,
        _address: &str,
        request: &AuthenticateClientRequest,
    ) -> Result<AuthenticateClientResponse, LpaError> {
        let mut response = decode(
            "authenticateServerResponse",
            request.authenticate_server_response.as_bytes(),
        )?;
        if self.compact {
            response = super::compact::authenticate(response);
        }
        let message = EsipaMessageFromIpaToEim::AuthenticateClientRequestEsipa(
            AuthenticateClientRequestEsipa {
                transaction_id: tid(&request.transaction_id),
                authenticate_server_response: response,
                ext: Extensions::default(),
            },
        );
        let ok = match self.exchange(message).await? {
            EsipaMessageFromEimToIpa::AuthenticateClientResponseEsipa(
                AuthenticateClientResponseEsipa::AuthenticateClientOkDpEsipa(ok),
            ) => ok,
            EsipaMessageFromEimToIpa::AuthenticateClientResponseEsipa(
                AuthenticateClientResponseEsipa::AuthenticateClientErrorEsipa(e),
            ) => return Err(refused("AuthenticateClient", e.0)),
            other => return Err(unexpected("AuthenticateClient", &other)),
        };
        let metadata = ok.profile_meta_data.as_ref().ok_or_else(|| {
            LpaError::Protocol("AuthenticateClientOkDPEsipa without profileMetaData".into())
        })?;
        if let Ok(mut slot) = self.hash_cc.lock() {
            *slot = ok.hash_cc.as_ref().map(|h| *h.as_bytes());
        }
        Ok(AuthenticateClientResponse {
            header: ResponseHeader::success(),
            transaction_id: answered_tid(
                ok.transaction_id.as_ref(),
                Some(&request.transaction_id),
            )?,
            profile_metadata: Base64Bytes::new(encode("profileMetaData", metadata)?),
            smdp_signed2: Base64Bytes::new(ok.smdp_signed2.raw().to_vec()),
            smdp_signature2: Base64Bytes::new(ok.smdp_signature2.to_vec()),
            smdp_certificate: Base64Bytes::new(ok.smdp_certificate.as_der().to_vec()),
        })
    }

    async fn get_bound_profile_package(
        &self,
        _address: &str,
        request: &GetBoundProfilePackageRequest,
    ) -> Result<GetBoundProfilePackageResponse, LpaError> {
        let mut response = decode(
            "prepareDownloadResponse",
            request.prepare_download_response.as_bytes(),
        )?;
        if self.compact {
            response =
                super::compact::prepare_download(response, self.supplied_hash_cc().is_some())?;
        }
        let message = EsipaMessageFromIpaToEim::GetBoundProfilePackageRequestEsipa(
            GetBoundProfilePackageRequestEsipa {
                transaction_id: tid(&request.transaction_id),
                prepare_download_response: response,
                ext: Extensions::default(),
            },
        );
        let ok = match self.exchange(message).await? {
            EsipaMessageFromEimToIpa::GetBoundProfilePackageResponseEsipa(
                GetBoundProfilePackageResponseEsipa::GetBoundProfilePackageOkEsipa(ok),
            ) => ok,
            EsipaMessageFromEimToIpa::GetBoundProfilePackageResponseEsipa(
                GetBoundProfilePackageResponseEsipa::GetBoundProfilePackageErrorEsipa(e),
            ) => return Err(refused("GetBoundProfilePackage", e.0)),
            other => return Err(unexpected("GetBoundProfilePackage", &other)),
        };
        Ok(GetBoundProfilePackageResponse {
            header: ResponseHeader::success(),
            transaction_id: answered_tid(
                ok.transaction_id.as_ref(),
                Some(&request.transaction_id),
            )?,
            bound_profile_package: Base64Bytes::new(encode(
                "boundProfilePackage",
                &ok.bound_profile_package,
            )?),
        })
    }

    async fn cancel_session(
        &self,
        _address: &str,
        request: &CancelSessionRequest,
    ) -> Result<(), LpaError> {
        let message =
            EsipaMessageFromIpaToEim::CancelSessionRequestEsipa(CancelSessionRequestEsipa {
                transaction_id: tid(&request.transaction_id),
                cancel_session_response: decode(
                    "cancelSessionResponse",
                    request.cancel_session_response.as_bytes(),
                )?,
                ext: Extensions::default(),
            });
        match self.exchange(message).await? {
            EsipaMessageFromEimToIpa::CancelSessionResponseEsipa(
                CancelSessionResponseEsipa::CancelSessionOk(_),
            ) => Ok(()),
            EsipaMessageFromEimToIpa::CancelSessionResponseEsipa(
                CancelSessionResponseEsipa::CancelSessionError(e),
            ) => Err(refused("CancelSession", e.0)),
            other => Err(unexpected("CancelSession", &other)),
        }
    }

    fn supplied_hash_cc(&self) -> Option<[u8; 32]> {
        self.hash_cc.lock().ok().and_then(|h| *h)
    }
}
