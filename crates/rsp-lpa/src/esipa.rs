//! ESipa client of the IPA (SGP.32 v1.2 §5.14, §6 ASN.1 binding over HTTPS): one DER
//! `EsipaMessageFromIpaToEim` POSTed to `https://<eIM>/gsma/rsp2/asn1` with
//! `Content-Type: application/x-gsma-rsp-asn1`, one DER `EsipaMessageFromEimToIpa` back
//! (HTTP 200), or nothing (HTTP 204, HandleNotification).

use rsp_codec::asn1::Octet16;
use rsp_codec::asn1::sgp32::{
    EsipaMessageFromEimToIpa, EsipaMessageFromIpaToEim, GetEimPackageRequest,
    GetEimPackageResponse, HandleNotificationEsipa, ProvideEimPackageResult,
    ProvideEimPackageResultResponse,
};

/// The binding's media type.
pub const ASN1_CONTENT_TYPE: &str = "application/x-gsma-rsp-asn1";

/// Why an ESipa call failed.
#[derive(Debug, thiserror::Error)]
pub enum EsipaError {
    /// The request could not be sent or the answer read.
    #[error("ESipa request to {url} failed: {source}")]
    Http {
        /// The eIM URL.
        url: String,
        /// The cause.
        #[source]
        source: reqwest::Error,
    },
    /// The eIM answered an HTTP status other than 200 / 204.
    #[error("ESipa: the eIM answered HTTP {0}")]
    Status(u16),
    /// The answer is not one `EsipaMessageFromEimToIpa`, or not the one expected.
    #[error("ESipa: unexpected answer: {0}")]
    Unexpected(String),
    /// Our message could not be encoded.
    #[error("ESipa: encoding failed: {0}")]
    Encode(String),
}

/// An ESipa client for one eIM.
#[derive(Debug, Clone)]
pub struct EsipaClient {
    http: reqwest::Client,
    url: String,
}

impl EsipaClient {
    /// A client for the eIM at `address` (host or host:port) over `http` (whose TLS roots
    /// must trust the eIM's TLS certificate).
    pub fn new(http: reqwest::Client, address: &str) -> Self {
        Self {
            http,
            url: format!("https://{address}/gsma/rsp2/asn1"),
        }
    }

    /// A client for the eIM at `address` trusting the CA certificates (PEM) of `files` for
    /// its TLS certificate; with none, the platform's trust roots.
    pub fn from_ca_files<P: AsRef<std::path::Path>>(
        address: &str,
        files: &[P],
    ) -> Result<Self, crate::LpaError> {
        let http = crate::es9plus::https_client(&crate::es9plus::read_ca_files(files)?)?;
        Ok(Self::new(http, address))
    }

    /// Sends one message; the answer, `None` for HTTP 204.
    pub async fn call(
        &self,
        message: &EsipaMessageFromIpaToEim,
    ) -> Result<Option<EsipaMessageFromEimToIpa>, EsipaError> {
        let body =
            rsp_codec::asn1::encode(message).map_err(|e| EsipaError::Encode(e.to_string()))?;
        let http = |source| EsipaError::Http {
            url: self.url.clone(),
            source,
        };
        let response = self
            .http
            .post(&self.url)
            .header("content-type", ASN1_CONTENT_TYPE)
            .header("x-admin-protocol", rsp_codec::json::http::ADMIN_PROTOCOL)
            .body(body)
            .send()
            .await
            .map_err(http)?;
        match response.status().as_u16() {
            204 => Ok(None),
            200 => {
                let bytes = response.bytes().await.map_err(http)?;
                rsp_codec::asn1::decode(&bytes)
                    .map(Some)
                    .map_err(|e| EsipaError::Unexpected(e.to_string()))
            }
            other => Err(EsipaError::Status(other)),
        }
    }

    /// ESipa.GetEimPackage (§5.14.6) for the eUICC `eid`.
    pub async fn get_eim_package(
        &self,
        eid: [u8; 16],
    ) -> Result<GetEimPackageResponse, EsipaError> {
        let request = EsipaMessageFromIpaToEim::GetEimPackageRequest(GetEimPackageRequest {
            eid_value: Octet16::new(eid),
            notify_state_change: None,
            state_change_cause: None,
            r_plmn: None,
            ext: Default::default(),
        });
        match self.call(&request).await? {
            Some(EsipaMessageFromEimToIpa::GetEimPackageResponse(r)) => Ok(r),
            other => Err(EsipaError::Unexpected(format!("{other:?}"))),
        }
    }

    /// ESipa.ProvideEimPackageResult (§5.14.7).
    pub async fn provide_eim_package_result(
        &self,
        result: ProvideEimPackageResult,
    ) -> Result<ProvideEimPackageResultResponse, EsipaError> {
        let request = EsipaMessageFromIpaToEim::ProvideEimPackageResult(result);
        match self.call(&request).await? {
            Some(EsipaMessageFromEimToIpa::ProvideEimPackageResultResponse(r)) => Ok(r),
            other => Err(EsipaError::Unexpected(format!("{other:?}"))),
        }
    }

    /// ESipa.HandleNotification (§5.14.4): no response message.
    pub async fn handle_notification(
        &self,
        notification: HandleNotificationEsipa,
    ) -> Result<(), EsipaError> {
        let request = EsipaMessageFromIpaToEim::HandleNotificationEsipa(notification);
        match self.call(&request).await? {
            None => Ok(()),
            Some(other) => Err(EsipaError::Unexpected(format!("{other:?}"))),
        }
    }
}

/// The IPA's link to the eIM ([`crate::ipa`]) over this client.
impl crate::ipa::EimLink for EsipaClient {
    async fn exchange(
        &self,
        message: &EsipaMessageFromIpaToEim,
    ) -> Result<Option<EsipaMessageFromEimToIpa>, crate::LpaError> {
        Ok(self.call(message).await?)
    }
}
