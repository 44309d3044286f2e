//! The Operator side of ES2+ (SGP.22 v2.5 §5.3, JSON binding §6.5.2.1–§6.5.2.4): an HTTPS
//! client with the Operator's client certificate, calling an SM-DP+'s DownloadOrder,
//! ConfirmOrder, CancelOrder and ReleaseProfile. Used by `rsp quickstart` and by tests; an
//! operator's tooling can embed it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rsp_codec::json::es2plus::{
    CancelOrderRequest, ConfirmOrderRequest, ConfirmOrderResponse, DownloadOrderRequest,
    DownloadOrderResponse, FinalProfileStatusIndicator, ReleaseProfileRequest,
};
use rsp_codec::json::http::{ADMIN_PROTOCOL, ADMIN_PROTOCOL_HEADER, CONTENT_TYPE};
use rsp_codec::json::{
    ConfirmationCode, Eid, Es2PlusFunction, FunctionExecutionStatus, HeaderOnlyResponse, Iccid,
    Outcome, RequestHeader, decode_response,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use thiserror::Error;

use crate::es2plus_client::{ClientTls, SenderError, build_client};

/// An ES2+ call did not execute.
#[derive(Debug, Error)]
pub enum Es2PlusCallError {
    /// TLS, connection or HTTP failure, or a body that is not the JSON binding.
    #[error("ES2+ {function}: {reason}")]
    Transport {
        function: &'static str,
        reason: String,
    },
    /// The SM-DP+ answered `Failed` / `Expired` with its status code data.
    #[error("ES2+ {function}: {summary}")]
    Refused {
        function: &'static str,
        status: Box<FunctionExecutionStatus>,
        summary: String,
    },
}

/// `Failed 8.1.1/3.8 (message)`: the status as one line.
fn summary(s: &FunctionExecutionStatus) -> String {
    let mut out = format!("{:?}", s.status);
    if let Some(d) = &s.status_code_data {
        out.push_str(&format!(
            " {}/{}",
            d.subject_code.as_str(),
            d.reason_code.as_str()
        ));
        if let Some(m) = &d.message {
            out.push_str(&format!(" ({m})"));
        }
    }
    out
}

/// An Operator's ES2+ client of one SM-DP+.
#[derive(Debug)]
pub struct Es2PlusOperatorClient {
    http: reqwest::Client,
    base_url: String,
    requester: String,
    calls: AtomicU64,
}

impl Es2PlusOperatorClient {
    /// `base_url`: `https://host[:port]` of the SM-DP+; `tls`: its trust anchors and our
    /// client certificate + key; `requester`: our `functionRequesterIdentifier`.
    pub fn new(
        base_url: impl Into<String>,
        tls: &ClientTls,
        requester: impl Into<String>,
    ) -> Result<Self, SenderError> {
        Ok(Self {
            http: build_client(tls, Duration::from_secs(30))?,
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            requester: requester.into(),
            calls: AtomicU64::new(0),
        })
    }

    fn header(&self) -> RequestHeader {
        let n = self.calls.fetch_add(1, Ordering::Relaxed);
        RequestHeader {
            function_requester_identifier: self.requester.clone(),
            function_call_identifier: format!("{}-{n}", std::process::id()),
        }
    }

    async fn call<Q: Serialize, R: DeserializeOwned>(
        &self,
        function: Es2PlusFunction,
        body: &Q,
    ) -> Result<R, Es2PlusCallError> {
        let transport = |reason: String| Es2PlusCallError::Transport {
            function: function.name(),
            reason,
        };
        let json = serde_json::to_vec(body).map_err(|e| transport(e.to_string()))?;
        let response = self
            .http
            .post(format!("{}{}", self.base_url, function.path()))
            .header(reqwest::header::CONTENT_TYPE, CONTENT_TYPE)
            .header(ADMIN_PROTOCOL_HEADER, ADMIN_PROTOCOL)
            .body(json)
            .send()
            .await
            .map_err(|e| transport(error_chain(&e)))?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| transport(e.to_string()))?;
        match decode_response::<R>(&bytes) {
            Ok(Outcome::Executed(r)) => Ok(r),
            Ok(Outcome::NotExecuted(status)) => Err(Es2PlusCallError::Refused {
                function: function.name(),
                summary: summary(&status),
                status: Box::new(status),
            }),
            Err(_) => Err(transport(format!(
                "HTTP {status}: {}",
                String::from_utf8_lossy(bytes.get(..200).unwrap_or(&bytes))
            ))),
        }
    }

    /// ES2+.DownloadOrder (§5.3.1): reserve a Profile by ICCID or by Profile Type.
    pub async fn download_order(
        &self,
        eid: Option<Eid>,
        iccid: Option<Iccid>,
        profile_type: Option<String>,
    ) -> Result<Iccid, Es2PlusCallError> {
        let req = DownloadOrderRequest {
            header: self.header(),
            eid,
            iccid,
            profile_type,
        };
        let r: DownloadOrderResponse = self.call(Es2PlusFunction::DownloadOrder, &req).await?;
        Ok(r.iccid)
    }

    /// ES2+.ConfirmOrder (§5.3.2); returns the MatchingID and SM-DP+ address.
    pub async fn confirm_order(
        &self,
        iccid: Iccid,
        eid: Option<Eid>,
        matching_id: Option<String>,
        confirmation_code: Option<ConfirmationCode>,
        release: bool,
    ) -> Result<ConfirmOrderResponse, Es2PlusCallError> {
        let req = ConfirmOrderRequest {
            header: self.header(),
            iccid,
            eid,
            matching_id,
            confirmation_code,
            smds_address: None,
            release_flag: release,
        };
        self.call(Es2PlusFunction::ConfirmOrder, &req).await
    }

    /// ES2+.ConfirmOrder (§5.3.2) of an order for `eid` whose event the SM-DP+ registers at
    /// the SM-DS `smds_address` (no Activation Code needed: the eUICC finds the event),
    /// released, with a MatchingID (the EventID) generated by the SM-DP+.
    pub async fn confirm_order_at_smds(
        &self,
        iccid: Iccid,
        eid: Eid,
        smds_address: String,
    ) -> Result<ConfirmOrderResponse, Es2PlusCallError> {
        let req = ConfirmOrderRequest {
            header: self.header(),
            iccid,
            eid: Some(eid),
            matching_id: None,
            confirmation_code: None,
            smds_address: Some(smds_address),
            release_flag: true,
        };
        self.call(Es2PlusFunction::ConfirmOrder, &req).await
    }

    /// ES2+.CancelOrder (§5.3.3).
    pub async fn cancel_order(
        &self,
        iccid: Iccid,
        eid: Option<Eid>,
        matching_id: Option<String>,
        final_status: FinalProfileStatusIndicator,
    ) -> Result<(), Es2PlusCallError> {
        let req = CancelOrderRequest {
            header: self.header(),
            iccid,
            eid,
            matching_id,
            final_profile_status_indicator: final_status,
        };
        let _: HeaderOnlyResponse = self.call(Es2PlusFunction::CancelOrder, &req).await?;
        Ok(())
    }

    /// ES2+.ReleaseProfile (§5.3.4).
    pub async fn release_profile(&self, iccid: Iccid) -> Result<(), Es2PlusCallError> {
        let req = ReleaseProfileRequest {
            header: self.header(),
            iccid,
        };
        let _: HeaderOnlyResponse = self.call(Es2PlusFunction::ReleaseProfile, &req).await?;
        Ok(())
    }
}

/// The error with its sources (reqwest hides the TLS reason in the chain).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}
