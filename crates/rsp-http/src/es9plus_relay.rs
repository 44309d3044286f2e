//! The eIM's ES9+ client for indirect Profile download (SGP.32 v1.2 §3.2): the ASN.1
//! binding of ES9+ (SGP.22 v2.5 §6.6), one DER `RemoteProfileProvisioningRequest` POSTed to
//! `https://<SM-DP+>/gsma/rsp2/asn1`, one DER `RemoteProfileProvisioningResponse` back.
//! The binding carries the eUICC's and the SM-DP+'s objects in the same ASN.1 as ESipa, so
//! nothing is converted through JSON on the way.

use rsp_codec::asn1::es9plus::{
    RemoteProfileProvisioningRequest, RemoteProfileProvisioningResponse,
};
use rsp_codec::json::http::{ADMIN_PROTOCOL, ADMIN_PROTOCOL_HEADER};
use rsp_eim::{EimError, Es9Asn1Client};

use crate::asn1_binding::{ASN1_CONTENT_TYPE, ASN1_PATH};

/// The ES9+ ASN.1 client (its `reqwest::Client` trusts the SM-DP+s' TLS roots).
#[derive(Debug, Clone)]
pub struct Es9Relay {
    http: reqwest::Client,
}

impl Es9Relay {
    /// A client over `http`.
    pub fn new(http: reqwest::Client) -> Self {
        Self { http }
    }
}

impl Es9Asn1Client for Es9Relay {
    async fn call(
        &self,
        address: &str,
        request: &RemoteProfileProvisioningRequest,
    ) -> Result<RemoteProfileProvisioningResponse, EimError> {
        let url = format!("https://{address}{ASN1_PATH}");
        let body = rsp_codec::asn1::encode(request)
            .map_err(|e| EimError::Encode(format!("ES9+ request: {e}")))?;
        let unreachable = |e: reqwest::Error| EimError::Relay(format!("{url}: {e}"));
        let response = self
            .http
            .post(&url)
            .header("content-type", ASN1_CONTENT_TYPE)
            .header(ADMIN_PROTOCOL_HEADER, ADMIN_PROTOCOL)
            .body(body)
            .send()
            .await
            .map_err(unreachable)?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(unreachable)?;
        if status != reqwest::StatusCode::OK {
            return Err(EimError::Relay(format!("{url}: HTTP {status}")));
        }
        rsp_codec::asn1::decode(&bytes)
            .map_err(|e| EimError::Relay(format!("{url}: answer not one ES9+ response: {e}")))
    }
}
