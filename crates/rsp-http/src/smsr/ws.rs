//! The SM-SR's SGP.02 web services (SOAP 1.2 + WS-Addressing over mutually authenticated
//! HTTPS; `rsp_codec::ws` is the codec): `POST /gsma/sgp02/es1` (EUMs: RegisterEIS),
//! `/gsma/sgp02/es3` (SM-DPs) and `/gsma/sgp02/es4` (Operators). The caller is the subject
//! CN of its TLS client certificate (an Operator or SM-DP identifier).
//!
//! Functions that need the eUICC become operations. With a `wsa:ReplyTo` the request is
//! acknowledged at once (HTTP 202, SGP.02's asynchronous pattern) and the response goes to
//! ReplyTo later with `wsa:RelatesTo` = the request's MessageID (the notice sender). Without
//! one, the response waits for the operation, at most the validity period (bounded), and
//! says `Expired` when it ran out. Malformed requests get a SOAP fault.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Extension, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use rsp_codec::ws::envelope::{self, Fault, FaultCode, WsHeader};
use rsp_codec::ws::es1::{Es1Message, Es1Request};
use rsp_codec::ws::es3::{Es3Message, Es3Request};
use rsp_codec::ws::es4::{Es4Message, Es4Request};
use rsp_codec::ws::names::WSA_ANONYMOUS;
use rsp_codec::ws::{self, FunctionExecutionStatus, Message, ProfileRequest, RequestBody};
use rsp_smsr::service::{Request, SmsrService};
use rsp_smsr::store::SmsrStore;
use rsp_smsr::{Function, LocalFunction, Requester, SmsrError, es5};

use super::ws_map::{eis_in, eis_out, failed, pol2_in, response_data, status_of};
use crate::server::PeerCertificate;

/// Longest wait of a synchronous response for an operation.
const SYNC_WAIT: Duration = Duration::from_secs(120);

/// Content type of SOAP 1.2.
pub const SOAP_CONTENT_TYPE: &str = "application/soap+xml; charset=utf-8";

/// A fresh `wsa:MessageID` (`urn:uuid:` form, random).
pub fn message_id() -> String {
    let mut b = [0u8; 16];
    let _ = getrandom::fill(&mut b);
    urn_uuid(b, 4)
}

/// A `wsa:MessageID` (`urn:uuid:` form) derived from `parts`: the same for every delivery
/// of one queued message, so that its receiver can recognise a repeat.
pub fn stable_message_id(parts: &[&[u8]]) -> String {
    use sha2::Digest as _;
    let mut h = sha2::Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_be_bytes());
        h.update(p);
    }
    let d = h.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    // RFC 9562 version 8 (custom).
    urn_uuid(b, 8)
}

/// `b` as an RFC 9562 UUID of `version` (variant 10) in `urn:uuid:` form.
fn urn_uuid(mut b: [u8; 16], version: u8) -> String {
    b[6] = (b[6] & 0x0f) | (version << 4);
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

pub(crate) fn soap(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, SOAP_CONTENT_TYPE)], body).into_response()
}

pub(crate) fn fault(
    status: StatusCode,
    relates_to: Option<&str>,
    code: FaultCode,
    reason: &str,
) -> Response {
    let body = envelope::build_fault(
        &message_id(),
        relates_to,
        &Fault {
            code,
            reason: reason.to_owned(),
        },
    );
    soap(status, body)
}

/// The caller's identifier: its client certificate's subject CN.
pub(crate) fn caller(cert: Option<Extension<PeerCertificate>>) -> Option<String> {
    let Extension(PeerCertificate(der)) = cert?;
    crate::identity::common_name(der.as_ref()).filter(|cn| !cn.is_empty())
}

/// The response envelope answering `request` (RelatesTo its MessageID).
pub(crate) fn respond<B: RequestBody>(
    request: &WsHeader,
    smsr_id: &str,
    msg: &Message<B>,
) -> Response {
    let header = WsHeader {
        to: request.from.clone(),
        from: Some(smsr_id.to_owned()),
        reply_to: None,
        message_id: message_id(),
        action: String::new(),
        relates_to: Some(request.message_id.clone()),
    };
    soap(StatusCode::OK, envelope::build(&msg.envelope(header)))
}

fn response<B: RequestBody>(
    function: ws::Function,
    status: FunctionExecutionStatus,
    eis: Option<ws::Eis>,
    euicc_response_data: Option<Vec<u8>>,
) -> Message<B> {
    Message::Response(ws::Response {
        function,
        status,
        eis: eis.map(Box::new),
        iccid: None,
        euicc_response_data,
    })
}

/// What a profile request becomes.
enum Plan {
    /// Answered from the EIS.
    GetEis(String),
    /// A change of the SM-SR's records only.
    Local(String, LocalFunction),
    /// An operation on the eUICC.
    Operation(String, Function),
}

fn iccid(s: &str) -> Result<rsp_codec::json::Iccid, SmsrError> {
    rsp_codec::json::Iccid::parse(s).map_err(|_| SmsrError::Invalid("ICCID"))
}

fn plan(req: &ProfileRequest) -> Result<Plan, SmsrError> {
    Ok(match req {
        ProfileRequest::EnableProfile { eid, iccid: i } => {
            Plan::Operation(eid.clone(), Function::EnableProfile { iccid: iccid(i)? })
        }
        ProfileRequest::DisableProfile { eid, iccid: i } => {
            Plan::Operation(eid.clone(), Function::DisableProfile { iccid: iccid(i)? })
        }
        ProfileRequest::DeleteProfile { eid, iccid: i } => {
            Plan::Operation(eid.clone(), Function::DeleteProfile { iccid: iccid(i)? })
        }
        ProfileRequest::SetFallbackAttribute { eid, iccid: i } => Plan::Operation(
            eid.clone(),
            Function::SetFallbackAttribute { iccid: iccid(i)? },
        ),
        ProfileRequest::AuditEis { eid, .. } => Plan::Operation(eid.clone(), Function::AuditEis),
        ProfileRequest::GetEis { eid } => Plan::GetEis(eid.clone()),
        ProfileRequest::UpdatePolicyRules {
            eid,
            iccid: i,
            pol2,
        } => Plan::Local(
            eid.clone(),
            LocalFunction::UpdatePolicyRules {
                iccid: iccid(i)?,
                pol2: pol2_in(pol2),
            },
        ),
        ProfileRequest::UpdateSubscriptionAddress {
            eid,
            iccid: i,
            new_subscription_address: a,
        } => Plan::Local(
            eid.clone(),
            LocalFunction::UpdateSubscriptionAddress {
                iccid: iccid(i)?,
                msisdn: a.msisdn.clone(),
                imsi: a.imsi.clone(),
            },
        ),
    })
}

/// ES3 SendData (SGP.02 §5.5): the Profile whose ISD-P has `sd_aid` gets the script's
/// C-APDUs (`rsp_smsr::es5::send_data_apdus`); an AID no ISD-P of the EIS has is refused
/// with the unknown-Profile codes. `MoreToDo` is not needed: each call is one operation.
async fn send_data<S: SmsrStore + 'static>(
    smsr: &SmsrService<S>,
    eid: &str,
    sd_aid: &str,
    data: &[u8],
) -> Result<Plan, FunctionExecutionStatus> {
    // The whole EIS: ownership is the domain's check, with its own codes.
    let eis = smsr
        .get_eis(&Requester::SmSr, eid)
        .await
        .map_err(|e| failed(&e))?;
    let profile = eis
        .profiles
        .iter()
        .find(|p| p.isd_p_aid.eq_ignore_ascii_case(sd_aid))
        .ok_or_else(|| {
            let code = SmsrError::UnknownProfile.status_code();
            FunctionExecutionStatus::failed(
                code.subject.as_str(),
                code.reason.as_str(),
                Some("no ISD-P with this sd-aid on the eUICC"),
            )
        })?;
    let apdus = es5::send_data_apdus(data).map_err(|e| failed(&e))?;
    Ok(Plan::Operation(
        eid.to_owned(),
        Function::SendData {
            iccid: profile.iccid.clone(),
            apdus,
        },
    ))
}

/// The shared state of the web services.
pub struct WsState<S> {
    /// The SM-SR.
    pub smsr: Arc<SmsrService<S>>,
}

async fn run_plan<S: SmsrStore + 'static, B: RequestBody>(
    smsr: &SmsrService<S>,
    header: &WsHeader,
    requester: Requester,
    function: ws::Function,
    validity: Option<u64>,
    plan: Result<Plan, FunctionExecutionStatus>,
) -> Response {
    let smsr_id = smsr.config().smsr_id.clone();
    let answer_with = |status, eis, data| {
        respond::<B>(
            header,
            &smsr_id,
            &response::<B>(function, status, eis, data),
        )
    };
    let answer = |status, eis| answer_with(status, eis, None);
    let plan = match plan {
        Ok(p) => p,
        Err(status) => return answer(status, None),
    };
    match plan {
        Plan::GetEis(eid) => match smsr.get_eis(&requester, &eid).await {
            Ok(e) => answer(FunctionExecutionStatus::success(), Some(eis_out(&e))),
            Err(e) => answer(failed(&e), None),
        },
        Plan::Local(eid, f) => match smsr.update_local(&requester, &eid, &f).await {
            Ok(_) => answer(FunctionExecutionStatus::success(), None),
            Err(e) => answer(failed(&e), None),
        },
        Plan::Operation(eid, f) => {
            let reply_to = header
                .reply_to
                .clone()
                .filter(|r| r != WSA_ANONYMOUS && !r.is_empty());
            let validity = validity.and_then(|v| i64::try_from(v).ok());
            let request = Request {
                requester: requester.clone(),
                eid: eid.clone(),
                function: f.clone(),
                transport: None,
                message_id: Some(header.message_id.clone()),
                reply_to: reply_to.clone(),
                validity,
            };
            let op = match smsr.request(request, rsp_smsr::service::unix_now()).await {
                Ok(op) => op,
                Err(e) => return answer(failed(&e), None),
            };
            if reply_to.is_some() {
                // Asynchronous: the response goes to ReplyTo when the operation ends.
                return StatusCode::ACCEPTED.into_response();
            }
            let wait =
                Duration::from_secs(u64::try_from(op.expires_at - op.created_at).unwrap_or(0))
                    .min(SYNC_WAIT);
            let start = Instant::now();
            loop {
                match smsr.operation(op.id).await {
                    Ok(Some(done)) if done.status.is_final() => {
                        let status = done
                            .outcome
                            .as_ref()
                            .map_or_else(FunctionExecutionStatus::success, status_of);
                        let eis = if matches!(f, Function::AuditEis)
                            && status.status_code_data.is_none()
                        {
                            smsr.get_eis(&requester, &eid)
                                .await
                                .ok()
                                .map(|e| eis_out(&e))
                        } else {
                            None
                        };
                        return answer_with(status, eis, response_data(&done));
                    }
                    Ok(_) if start.elapsed() < wait => {
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                    Ok(_) => {
                        let mut status = failed(&SmsrError::Expired);
                        status.status = ws::ExecutionStatus::Expired;
                        return answer(status, None);
                    }
                    Err(e) => return answer(failed(&e), None),
                }
            }
        }
    }
}

pub(crate) fn parse<B: RequestBody>(
    body: &[u8],
) -> Result<(WsHeader, ws::Request<B>), Box<Response>> {
    let env = envelope::parse_bytes(body).map_err(|e| {
        Box::new(fault(
            StatusCode::BAD_REQUEST,
            None,
            FaultCode::Sender,
            &e.to_string(),
        ))
    })?;
    match Message::<B>::from_envelope(&env) {
        Ok(Message::Request(r)) => Ok((env.header, r)),
        Ok(_) => Err(Box::new(fault(
            StatusCode::BAD_REQUEST,
            Some(&env.header.message_id),
            FaultCode::Sender,
            "not a request of this interface",
        ))),
        Err(e) => Err(Box::new(fault(
            StatusCode::BAD_REQUEST,
            Some(&env.header.message_id),
            FaultCode::Sender,
            &e.to_string(),
        ))),
    }
}

pub(crate) fn unauthenticated() -> Response {
    fault(
        StatusCode::FORBIDDEN,
        None,
        FaultCode::Sender,
        "a TLS client certificate with a subject CN is required",
    )
}

async fn es4<S: SmsrStore + 'static>(
    State(state): State<Arc<WsState<S>>>,
    cert: Option<Extension<PeerCertificate>>,
    body: Bytes,
) -> Response {
    let Some(operator) = caller(cert) else {
        return unauthenticated();
    };
    // PrepareSMSRChange / SMSRChange: their own body type (rsp_codec::ws::es4).
    if let Some(r) = super::es7::es4_smsr_change(&state.smsr, &operator, &body).await {
        return r;
    }
    let (header, request) = match parse::<Es4Request>(&body) {
        Ok(r) => r,
        Err(f) => return *f,
    };
    let function = request.body.function();
    let p = plan(&request.body.0).map_err(|e| failed(&e));
    run_plan::<S, Es4Request>(
        &state.smsr,
        &header,
        Requester::Operator(operator),
        function,
        request.validity_period,
        p,
    )
    .await
}

async fn es3<S: SmsrStore + 'static>(
    State(state): State<Arc<WsState<S>>>,
    cert: Option<Extension<PeerCertificate>>,
    body: Bytes,
) -> Response {
    let Some(smdp) = caller(cert) else {
        return unauthenticated();
    };
    let (header, request) = match parse::<Es3Request>(&body) {
        Ok(r) => r,
        Err(f) => return *f,
    };
    let function = request.body.function();
    let fail = |e: SmsrError| failed(&e);
    let p = match &request.body {
        Es3Request::Profile(p) => plan(p).map_err(fail),
        Es3Request::CreateIsdp {
            eid,
            iccid: i,
            mno_id,
            required_memory,
            ..
        } => iccid(i)
            .map(|iccid| {
                Plan::Operation(
                    eid.clone(),
                    Function::CreateIsdp {
                        iccid,
                        mno_id: mno_id.clone(),
                        required_memory: u16::try_from(*required_memory).unwrap_or(u16::MAX),
                        isd_p_aid: None,
                    },
                )
            })
            .map_err(fail),
        Es3Request::ProfileDownloadCompleted {
            eid,
            iccid: i,
            profile_type,
            subscription_address,
            pol2,
        } => iccid(i)
            .map(|iccid| {
                Plan::Local(
                    eid.clone(),
                    LocalFunction::ProfileDownloadCompleted {
                        iccid,
                        profile_type: profile_type.clone(),
                        subscription_address: rsp_smsr::SubscriptionAddress {
                            msisdn: subscription_address.as_ref().and_then(|a| a.msisdn.clone()),
                            imsi: subscription_address.as_ref().and_then(|a| a.imsi.clone()),
                        },
                        pol2: pol2.as_ref().map(pol2_in).unwrap_or_default(),
                    },
                )
            })
            .map_err(fail),
        Es3Request::SendData {
            eid, sd_aid, data, ..
        } => send_data(&state.smsr, eid, sd_aid, data).await,
        Es3Request::UpdateConnectivityParameters {
            eid,
            iccid: i,
            connectivity_parameters,
        } => iccid(i)
            .and_then(|iccid| {
                Ok(Plan::Operation(
                    eid.clone(),
                    Function::UpdateConnectivityParameters {
                        iccid,
                        msisdn: es5::connectivity_msisdn(connectivity_parameters)?,
                    },
                ))
            })
            .map_err(fail),
    };
    run_plan::<S, Es3Request>(
        &state.smsr,
        &header,
        Requester::SmDp(smdp),
        function,
        request.validity_period,
        p,
    )
    .await
}

async fn es1<S: SmsrStore + 'static>(
    State(state): State<Arc<WsState<S>>>,
    cert: Option<Extension<PeerCertificate>>,
    body: Bytes,
) -> Response {
    let Some(eum) = caller(cert) else {
        return unauthenticated();
    };
    let (header, request) = match parse::<Es1Request>(&body) {
        Ok(r) => r,
        Err(f) => return *f,
    };
    let Es1Request::RegisterEis(e) = &request.body;
    let status = match eis_in(e) {
        Ok((mut eis, keys)) => {
            if eis.eum_id.is_empty() {
                eis.eum_id = eum;
            }
            match state
                .smsr
                .register_eis(eis, &keys, rsp_smsr::service::unix_now())
                .await
            {
                Ok(()) => FunctionExecutionStatus::success(),
                Err(e) => failed(&e),
            }
        }
        Err(e) => failed(&e),
    };
    let smsr_id = state.smsr.config().smsr_id.clone();
    let msg: Es1Message = response(ws::Function::RegisterEis, status, None, None);
    respond(&header, &smsr_id, &msg)
}

/// The web-service routes over `smsr`.
pub fn router<S: SmsrStore + 'static>(smsr: Arc<SmsrService<S>>) -> Router {
    let state = Arc::new(WsState { smsr });
    Router::new()
        .route("/gsma/sgp02/es1", post(es1::<S>))
        .route("/gsma/sgp02/es3", post(es3::<S>))
        .route("/gsma/sgp02/es4", post(es4::<S>))
        .with_state(state)
}

/// An ES4 message type alias kept for callers building requests (tests, clients).
pub type Es4 = Es4Message;
/// An ES3 message type alias.
pub type Es3 = Es3Message;
