//! ES9+ client (LPA → SM-DP+, SGP.22 v2.5 §5.6, JSON binding §6.5.2.6–§6.5.2.10), and the
//! ES11 client (LPA → SM-DS, §5.8, §6.5.2.11–§6.5.2.12) on the same connections: HTTPS
//! `POST https://{address}/gsma/rsp2/{es9plus,es11}/{function}` with `Content-Type:
//! application/json;charset=UTF-8` and `X-Admin-Protocol: gsma/rsp/v2.5.0` (§6.5.1).
//! The server certificate is always verified: against the given trust anchors (e.g. the
//! CI that issued CERT.DPtls), or against the platform's roots when none are given.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{CONTENT_TYPE, HeaderValue, USER_AGENT};
use rsp_codec::json::es9plus::{
    AuthenticateClientRequest, AuthenticateClientResponse, CancelSessionRequest,
    GetBoundProfilePackageRequest, GetBoundProfilePackageResponse, HandleNotificationRequest,
    InitiateAuthenticationRequest, InitiateAuthenticationResponse,
};
use rsp_codec::json::http::{
    ADMIN_PROTOCOL, ADMIN_PROTOCOL_HEADER, CONTENT_TYPE as JSON_UTF8, LPA_USER_AGENT,
};
use rsp_codec::json::{
    Es9PlusFunction, Es11Function, ExecutionStatus, Function, HeaderOnlyResponse, Outcome,
    decode_response,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::LpaError;

/// Longest wait for one ES9+ exchange.
const TIMEOUT: Duration = Duration::from_secs(120);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// Told of every ES9+ exchange: the function, how long it took (request sent to response
/// decoded) and whether it succeeded.
pub type Es9Observer = Arc<dyn Fn(Es9PlusFunction, Duration, bool) + Send + Sync>;

/// An ES9+ client with its TLS trust anchors.
#[derive(Clone)]
pub struct Es9PlusClient {
    http: reqwest::Client,
    observer: Option<Es9Observer>,
}

impl std::fmt::Debug for Es9PlusClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Es9PlusClient")
            .field("http", &self.http)
            .field("observer", &self.observer.is_some())
            .finish()
    }
}

/// An HTTPS-only client (timeouts of ES9+) trusting the certificates of `pem_bundles` and
/// nothing else; with no bundle, the platform's trust roots. Shared by the ES9+/ES11 and
/// ESipa clients.
pub(crate) fn https_client(pem_bundles: &[(String, Vec<u8>)]) -> Result<reqwest::Client, LpaError> {
    let mut builder = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .connect_timeout(CONNECT_TIMEOUT)
        .https_only(true);
    if !pem_bundles.is_empty() {
        let mut certs = Vec::new();
        for (name, pem) in pem_bundles {
            let bundle =
                reqwest::Certificate::from_pem_bundle(pem).map_err(|e| LpaError::TrustAnchor {
                    path: name.clone(),
                    reason: e.to_string(),
                })?;
            if bundle.is_empty() {
                return Err(LpaError::TrustAnchor {
                    path: name.clone(),
                    reason: "no PEM certificate in the file".into(),
                });
            }
            certs.extend(bundle);
        }
        builder = builder.tls_certs_only(certs);
    }
    builder.build().map_err(|e| LpaError::TrustAnchor {
        path: "(TLS configuration)".into(),
        reason: e.to_string(),
    })
}

/// The PEM texts of `files`, named by their paths.
pub(crate) fn read_ca_files<P: AsRef<Path>>(
    files: &[P],
) -> Result<Vec<(String, Vec<u8>)>, LpaError> {
    files
        .iter()
        .map(|p| {
            let p = p.as_ref();
            std::fs::read(p)
                .map(|pem| (p.display().to_string(), pem))
                .map_err(|e| LpaError::TrustAnchor {
                    path: p.display().to_string(),
                    reason: e.to_string(),
                })
        })
        .collect()
}

fn status_text(status: ExecutionStatus) -> &'static str {
    match status {
        ExecutionStatus::ExecutedSuccess => "Executed-Success",
        ExecutionStatus::ExecutedWithWarning => "Executed-WithWarning",
        ExecutionStatus::Failed => "Failed",
        ExecutionStatus::Expired => "Expired",
    }
}

impl Es9PlusClient {
    /// A client trusting the certificates of `pem_bundles` (each PEM text may hold several
    /// certificates) and nothing else; with no bundle, the platform's trust roots.
    pub fn new(pem_bundles: &[(String, Vec<u8>)]) -> Result<Self, LpaError> {
        Ok(Es9PlusClient {
            http: https_client(pem_bundles)?,
            observer: None,
        })
    }

    /// Calls `observer` after each ES9+ exchange (e.g. for latency measurements); clones
    /// of this client share it and the connection pool.
    pub fn with_observer(mut self, observer: Es9Observer) -> Self {
        self.observer = Some(observer);
        self
    }

    /// Reports one exchange to the observer, if any.
    fn observe<T>(&self, function: Function, start: Instant, result: &Result<T, LpaError>) {
        if let (Some(observer), Function::Es9Plus(f)) = (&self.observer, function) {
            observer(f, start.elapsed(), result.is_ok());
        }
    }

    /// [`Self::new`] from PEM files.
    pub fn from_ca_files<P: AsRef<Path>>(files: &[P]) -> Result<Self, LpaError> {
        Self::new(&read_ca_files(files)?)
    }

    /// POSTs `body` to `function` at `address`; the raw response (HTTP status, body).
    async fn post<B: Serialize>(
        &self,
        address: &str,
        function: Function,
        body: &B,
    ) -> Result<(u16, Vec<u8>), LpaError> {
        let url = format!("https://{address}{}", function.path());
        let http_error = |reason: String| LpaError::Http {
            function: function.name(),
            url: url.clone(),
            reason,
        };
        let json = serde_json::to_vec(body).map_err(|e| http_error(e.to_string()))?;
        tracing::debug!(function = function.name(), %url, "ES9+ request");
        let response = self
            .http
            .post(&url)
            .header(CONTENT_TYPE, HeaderValue::from_static(JSON_UTF8))
            .header(
                ADMIN_PROTOCOL_HEADER,
                HeaderValue::from_static(ADMIN_PROTOCOL),
            )
            .header(USER_AGENT, HeaderValue::from_static(LPA_USER_AGENT))
            .body(json)
            .send()
            .await
            .map_err(|e| http_error(error_chain(&e)))?;
        let status = response.status().as_u16();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| http_error(error_chain(&e)))?;
        Ok((status, bytes.to_vec()))
    }

    /// Calls a function with a response body; `Failed`/`Expired` become
    /// [`LpaError::Es9Failed`] (whatever the HTTP status, §6.5.1.4).
    async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        address: &str,
        function: Function,
        body: &B,
    ) -> Result<T, LpaError> {
        let start = Instant::now();
        let result = self.call_unobserved(address, function, body).await;
        self.observe(function, start, &result);
        result
    }

    async fn call_unobserved<B: Serialize, T: DeserializeOwned>(
        &self,
        address: &str,
        function: Function,
        body: &B,
    ) -> Result<T, LpaError> {
        let (status, bytes) = self.post(address, function, body).await?;
        match decode_response::<T>(&bytes) {
            Ok(Outcome::Executed(value)) if status == 200 => Ok(value),
            Ok(Outcome::NotExecuted(fes)) => Err(LpaError::Es9Failed {
                function: function.name(),
                status: status_text(fes.status).to_owned(),
                data: fes.status_code_data.map(Box::new),
            }),
            Ok(Outcome::Executed(_)) => Err(unexpected(address, function, status, "")),
            Err(e) => Err(unexpected(address, function, status, &e.to_string())),
        }
    }

    /// ES9+.InitiateAuthentication (§5.6.1).
    pub async fn initiate_authentication(
        &self,
        address: &str,
        request: &InitiateAuthenticationRequest,
    ) -> Result<InitiateAuthenticationResponse, LpaError> {
        self.call(
            address,
            Function::Es9Plus(Es9PlusFunction::InitiateAuthentication),
            request,
        )
        .await
    }

    /// ES11.InitiateAuthentication (§5.8.1) at the SM-DS `address`.
    pub async fn es11_initiate_authentication(
        &self,
        address: &str,
        request: &rsp_codec::json::es11::InitiateAuthenticationRequest,
    ) -> Result<InitiateAuthenticationResponse, LpaError> {
        let f = Function::Es11(Es11Function::InitiateAuthentication);
        self.call(address, f, request).await
    }

    /// ES11.AuthenticateClient (§5.8.2) at the SM-DS `address`: the eUICC's events.
    pub async fn es11_authenticate_client(
        &self,
        address: &str,
        request: &AuthenticateClientRequest,
    ) -> Result<rsp_codec::json::es11::AuthenticateClientResponse, LpaError> {
        let f = Function::Es11(Es11Function::AuthenticateClient);
        self.call(address, f, request).await
    }

    /// ES9+.AuthenticateClient (§5.6.3).
    pub async fn authenticate_client(
        &self,
        address: &str,
        request: &AuthenticateClientRequest,
    ) -> Result<AuthenticateClientResponse, LpaError> {
        self.call(
            address,
            Function::Es9Plus(Es9PlusFunction::AuthenticateClient),
            request,
        )
        .await
    }

    /// ES9+.GetBoundProfilePackage (§5.6.2).
    pub async fn get_bound_profile_package(
        &self,
        address: &str,
        request: &GetBoundProfilePackageRequest,
    ) -> Result<GetBoundProfilePackageResponse, LpaError> {
        self.call(
            address,
            Function::Es9Plus(Es9PlusFunction::GetBoundProfilePackage),
            request,
        )
        .await
    }

    /// ES9+.CancelSession (§5.6.5).
    pub async fn cancel_session(
        &self,
        address: &str,
        request: &CancelSessionRequest,
    ) -> Result<(), LpaError> {
        self.call::<_, HeaderOnlyResponse>(
            address,
            Function::Es9Plus(Es9PlusFunction::CancelSession),
            request,
        )
        .await
        .map(drop)
    }

    /// ES9+.HandleNotification (§5.6.4): success is HTTP 204 without body (a `200` with an
    /// `Executed-Success` header is accepted too).
    pub async fn handle_notification(
        &self,
        address: &str,
        request: &HandleNotificationRequest,
    ) -> Result<(), LpaError> {
        let start = Instant::now();
        let result = self.handle_notification_unobserved(address, request).await;
        self.observe(
            Function::Es9Plus(Es9PlusFunction::HandleNotification),
            start,
            &result,
        );
        result
    }

    async fn handle_notification_unobserved(
        &self,
        address: &str,
        request: &HandleNotificationRequest,
    ) -> Result<(), LpaError> {
        const F: Function = Function::Es9Plus(Es9PlusFunction::HandleNotification);
        let (status, bytes) = self.post(address, F, request).await?;
        if status == 204 || (status == 200 && bytes.is_empty()) {
            return Ok(());
        }
        match decode_response::<HeaderOnlyResponse>(&bytes) {
            Ok(Outcome::Executed(_)) if status == 200 => Ok(()),
            Ok(Outcome::NotExecuted(fes)) => Err(LpaError::Es9Failed {
                function: F.name(),
                status: status_text(fes.status).to_owned(),
                data: fes.status_code_data.map(Box::new),
            }),
            _ => Err(unexpected(address, F, status, "")),
        }
    }
}

fn unexpected(address: &str, function: Function, status: u16, detail: &str) -> LpaError {
    let detail = if detail.is_empty() {
        String::new()
    } else {
        format!(": {detail}")
    };
    LpaError::Http {
        function: function.name(),
        url: format!("https://{address}{}", function.path()),
        reason: format!("unexpected response (HTTP {status}){detail}"),
    }
}

/// The error with its causes (reqwest hides the TLS reason in its sources).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
