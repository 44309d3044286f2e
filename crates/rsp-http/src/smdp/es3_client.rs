//! ES3 client (SM-DP → SM-SR, SGP.02 §5.5) in the web-service binding: each call one SOAP
//! 1.2 request over mutually authenticated HTTPS with a fresh `wsa:MessageID`, no
//! `ReplyTo` (the SM-SR answers synchronously), the response checked to relate to it.

use std::time::Duration;

use rsp_codec::ws::envelope::{self, WsHeader};
use rsp_codec::ws::es3::{Es3Message, Es3Request};
use rsp_codec::ws::{Interface, Message, Request, RequestBody, Response};
use rsp_smdp::order::{Es3, OrderError};

use crate::smsr::ws::{SOAP_CONTENT_TYPE, message_id};

/// How long one ES3 call may take: the SM-SR holds a synchronous answer up to 120 s
/// while the eUICC is reached over SMS.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(150);

/// The SM-SR's ES3 endpoint as the SM-DP reaches it.
#[derive(Debug, Clone)]
pub struct Es3Client {
    client: reqwest::Client,
    url: String,
    from: String,
    validity_period: u64,
}

impl Es3Client {
    /// Calls go to `url` (`https://…/gsma/sgp02/es3`) with `client` (its trust anchors
    /// and the SM-DP's client certificate); `from` is the SM-DP's identifier, and each
    /// request asks to be done within `validity_period` seconds.
    pub fn new(client: reqwest::Client, url: &str, from: &str, validity_period: u64) -> Self {
        Self {
            client,
            url: url.to_owned(),
            from: from.to_owned(),
            validity_period,
        }
    }

    async fn post(&self, body: String) -> Result<String, OrderError> {
        let response = self
            .client
            .post(&self.url)
            .header("content-type", SOAP_CONTENT_TYPE)
            .timeout(CALL_TIMEOUT)
            .body(body)
            .send()
            .await
            .map_err(|e| OrderError::Transport(format!("POST {}: {e}", self.url)))?;
        let status = response.status();
        let text = response
            .text()
            .await
            .map_err(|e| OrderError::Transport(format!("reading the answer: {e}")))?;
        // A SOAP fault comes with 4xx/5xx and is parsed below; anything else is not ES3.
        if !status.is_success() && !text.contains("Envelope") {
            return Err(OrderError::Transport(format!("HTTP {status}")));
        }
        Ok(text)
    }
}

impl Es3 for Es3Client {
    async fn call(&self, request: Es3Request) -> Result<Response, OrderError> {
        // SGP.02's function name (the body element), as the SM-SR's metrics name it.
        let function = request.function().element(Interface::Es3);
        let started = std::time::Instant::now();
        let answer = self.exchange(request).await;
        // `rsp_smdp_es3_calls_total{function,result}`: the execution status, or
        // `unreachable` when no readable answer came.
        let result = match &answer {
            Ok(r) => r.status.status.as_str(),
            Err(_) => "unreachable",
        };
        metrics::counter!("rsp_smdp_es3_calls_total", "function" => function,
            "result" => result)
        .increment(1);
        metrics::histogram!("rsp_smdp_es3_call_duration_seconds", "function" => function)
            .record(started.elapsed().as_secs_f64());
        answer
    }
}

impl Es3Client {
    async fn exchange(&self, request: Es3Request) -> Result<Response, OrderError> {
        let id = message_id();
        let msg: Es3Message = Message::Request(Request {
            function_call_identifier: id.clone(),
            validity_period: Some(self.validity_period),
            body: request,
        });
        let body = envelope::build(&msg.envelope(WsHeader {
            to: Some(self.url.clone()),
            from: Some(self.from.clone()),
            reply_to: None,
            message_id: id.clone(),
            action: String::new(),
            relates_to: None,
        }));
        let text = self.post(body).await?;
        let env = envelope::parse(&text)
            .map_err(|e| OrderError::Transport(format!("not a SOAP envelope: {e}")))?;
        if let Some(fault) = envelope::Fault::from_element(&env.body) {
            return Err(OrderError::Transport(format!("SOAP fault: {fault:?}")));
        }
        if env.header.relates_to.as_deref() != Some(id.as_str()) {
            return Err(OrderError::Transport(
                "the answer does not relate to the request".into(),
            ));
        }
        match Es3Message::from_envelope(&env) {
            Ok(Message::Response(r)) => Ok(r),
            Ok(_) => Err(OrderError::Transport("the answer is not a response".into())),
            Err(e) => Err(OrderError::Transport(format!("unreadable response: {e}"))),
        }
    }
}
