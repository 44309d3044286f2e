//! The way a download reaches the SM-DP+: directly over ES9+ ([`Es9PlusClient`], SGP.22
//! §5.6), or relayed by the eIM over ESipa (SGP.32 v1.2 indirect Profile download,
//! [`crate::ipa::EimRelay`]). The download code ([`crate::download`]) speaks to either
//! through this trait, with the ES9+ JSON request and response values (the eUICC's and the
//! SM-DP+'s signed data objects travel inside them as the DER bytes produced).

use std::future::Future;

use rsp_codec::json::es9plus::{
    AuthenticateClientRequest, AuthenticateClientResponse, CancelSessionRequest,
    GetBoundProfilePackageRequest, GetBoundProfilePackageResponse, InitiateAuthenticationRequest,
    InitiateAuthenticationResponse,
};

use crate::error::LpaError;
use crate::es9plus::Es9PlusClient;

/// The four ES9+ functions of a download session, at the SM-DP+ `address`.
pub trait Es9Link: Send + Sync {
    /// ES9+.InitiateAuthentication (SGP.22 §5.6.1).
    fn initiate_authentication(
        &self,
        address: &str,
        request: &InitiateAuthenticationRequest,
    ) -> impl Future<Output = Result<InitiateAuthenticationResponse, LpaError>> + Send;

    /// ES9+.AuthenticateClient (§5.6.3).
    fn authenticate_client(
        &self,
        address: &str,
        request: &AuthenticateClientRequest,
    ) -> impl Future<Output = Result<AuthenticateClientResponse, LpaError>> + Send;

    /// ES9+.GetBoundProfilePackage (§5.6.2).
    fn get_bound_profile_package(
        &self,
        address: &str,
        request: &GetBoundProfilePackageRequest,
    ) -> impl Future<Output = Result<GetBoundProfilePackageResponse, LpaError>> + Send;

    /// ES9+.CancelSession (§5.6.5).
    fn cancel_session(
        &self,
        address: &str,
        request: &CancelSessionRequest,
    ) -> impl Future<Output = Result<(), LpaError>> + Send;

    /// The hash of the Confirmation Code the path supplied itself, when it did (the eIM's
    /// `hashCc` in AuthenticateClientOkDPEsipa, SGP.32 §5.14.2): the download then hands it
    /// to ES10b.PrepareDownload instead of hashing a code of its own.
    fn supplied_hash_cc(&self) -> Option<[u8; 32]> {
        None
    }
}

impl Es9Link for Es9PlusClient {
    async fn initiate_authentication(
        &self,
        address: &str,
        request: &InitiateAuthenticationRequest,
    ) -> Result<InitiateAuthenticationResponse, LpaError> {
        Es9PlusClient::initiate_authentication(self, address, request).await
    }

    async fn authenticate_client(
        &self,
        address: &str,
        request: &AuthenticateClientRequest,
    ) -> Result<AuthenticateClientResponse, LpaError> {
        Es9PlusClient::authenticate_client(self, address, request).await
    }

    async fn get_bound_profile_package(
        &self,
        address: &str,
        request: &GetBoundProfilePackageRequest,
    ) -> Result<GetBoundProfilePackageResponse, LpaError> {
        Es9PlusClient::get_bound_profile_package(self, address, request).await
    }

    async fn cancel_session(
        &self,
        address: &str,
        request: &CancelSessionRequest,
    ) -> Result<(), LpaError> {
        Es9PlusClient::cancel_session(self, address, request).await
    }
}
