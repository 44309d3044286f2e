//! The generic SGP.02 web-service message (SGP.02 §5.1, Annex B): a request with
//! `FunctionCallIdentifier` and `ValidityPeriod`, its response with
//! `FunctionExecutionStatus` (synchronous, or asynchronous to ReplyTo with RelatesTo = the
//! request's MessageID), or a notification (the SM-SR's, or the SM-DP's to the Operator);
//! and its `wsa:Action`.

use super::common::{
    FunctionExecutionStatus, check_iccid, eid, hex_value, iccid, opt_number, opt_text, text,
};
use super::eis::Eis;
use super::envelope::{Envelope, WsHeader};
use super::names::*;
use super::xml::Element;
use super::{Interface, WsError};

/// The request bodies of one interface.
pub trait RequestBody: Sized {
    /// The interface.
    const INTERFACE: Interface;
    /// Which function this is.
    fn function(&self) -> Function;
    /// The body's fields after `FunctionCallIdentifier` and `ValidityPeriod`.
    fn fields(&self) -> Vec<Element>;
    /// Reads the fields of a `function` body.
    fn read(function: Function, el: &Element) -> Result<Self, WsError>;
    /// The functions whose requests and responses this body type reads: the interface's
    /// ([`Function::of`]) unless it carries other functions of the same interface (ES4's
    /// SM-SR change, [`super::es4::Es4SmsrChangeRequest`]).
    fn functions() -> &'static [Function] {
        Function::of(Self::INTERFACE)
    }
}

/// A request: the common fields and the function's own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request<B> {
    /// `FunctionCallIdentifier`: the caller's id of this call.
    pub function_call_identifier: String,
    /// `ValidityPeriod`, seconds (optional, our reading).
    pub validity_period: Option<u64>,
    /// The function and its input.
    pub body: B,
}

/// A response (synchronous, or asynchronous to ReplyTo with RelatesTo = the request's
/// MessageID): `FunctionExecutionStatus`, for ES2 DownloadProfile the `Iccid` downloaded,
/// for GetEIS/AuditEIS the `Eis`, and for ES3 SendData (ES2 DownloadProfile) the eUICC's
/// response data (`EuiccResponseData`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The function answered.
    pub function: Function,
    /// Outcome.
    pub status: FunctionExecutionStatus,
    /// The Profile (ES2 DownloadProfile: the one downloaded, Njiwa's
    /// `downloadProfileResponse`).
    pub iccid: Option<String>,
    /// The EIS (GetEIS, AuditEIS).
    pub eis: Option<Box<Eis>>,
    /// The eUICC's response data (ES3 SendData: the response script; hex on the wire).
    pub euicc_response_data: Option<Vec<u8>>,
}

impl Response {
    /// A response with only its status.
    pub fn new(function: Function, status: FunctionExecutionStatus) -> Self {
        Self {
            function,
            status,
            iccid: None,
            eis: None,
            euicc_response_data: None,
        }
    }
}

/// HandleSMSRChangeNotification (ES4: SM-SR → Operator; ES3: SM-SR → SM-DP; ES2: SM-DP →
/// Operator, passing on the ES3 one): the eUICC moved to another SM-SR; its EIS as the new
/// SM-SR holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsrChangeNotification {
    /// The EIS (its `Smsr-id` is the new SM-SR).
    pub eis: Box<Eis>,
    /// When the change completed (`xs:dateTime` text).
    pub completion_timestamp: String,
}

/// A notification about a Profile (the SM-SR's; ES2: the SM-DP's to the Operator).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// What happened.
    pub kind: NotificationKind,
    /// eUICC.
    pub eid: String,
    /// Profile.
    pub iccid: String,
    /// When the operation completed (`xs:dateTime` text).
    pub completion_timestamp: String,
}

/// The body element of a request: `name` with the common fields, then the function's.
pub(super) fn request_element<B>(name: &str, r: &Request<B>, fields: Vec<Element>) -> Element {
    let mut el = Element::gsma(name)
        .with(Element::leaf(FUNCTION_CALL_ID, &r.function_call_identifier))
        .with_opt(
            r.validity_period
                .map(|v| Element::leaf(VALIDITY_PERIOD, v.to_string())),
        );
    el.children.extend(fields);
    el
}

/// Reads a request's common fields and its body with `read`.
pub(super) fn read_request<B>(
    el: &Element,
    read: impl FnOnce(&Element) -> Result<B, WsError>,
) -> Result<Request<B>, WsError> {
    Ok(Request {
        function_call_identifier: text(el, FUNCTION_CALL_ID)?,
        validity_period: opt_number(el, VALIDITY_PERIOD)?,
        body: read(el)?,
    })
}

impl SmsrChangeNotification {
    /// The body element (HandleSMSRChangeNotification).
    pub(super) fn to_element(&self) -> Element {
        Element::gsma(NotificationKind::SmsrChange.element())
            .with(self.eis.to_element())
            .with(Element::leaf(
                COMPLETION_TIMESTAMP,
                &self.completion_timestamp,
            ))
    }

    /// Reads it, when `el` is one.
    pub(super) fn read(el: &Element) -> Option<Result<Self, WsError>> {
        (el.name == NotificationKind::SmsrChange.element()).then(|| {
            Ok(Self {
                eis: Box::new(Eis::from_element(
                    el.child(NS_GSMA, EIS).ok_or(WsError::Missing(EIS))?,
                )?),
                completion_timestamp: text(el, COMPLETION_TIMESTAMP)?,
            })
        })
    }
}

/// `body` in an envelope under `header` with its `action`.
pub(super) fn envelope_of(action: String, body: Element, header: WsHeader) -> Envelope {
    Envelope {
        header: WsHeader { action, ..header },
        body,
    }
}

/// `msg` read from `env`'s body, its action checked against `wsa:Action`.
pub(super) fn checked_action<M>(
    env: &Envelope,
    read: impl FnOnce(&Element) -> Result<M, WsError>,
    action: impl FnOnce(&M) -> String,
) -> Result<M, WsError> {
    let msg = read(&env.body)?;
    if action(&msg) != env.header.action {
        return Err(WsError::ActionMismatch(env.header.action.clone()));
    }
    Ok(msg)
}

/// Any message of the interface whose requests are `B`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message<B> {
    /// A function call.
    Request(Request<B>),
    /// Its result.
    Response(Response),
    /// A Profile notification.
    Notification(Notification),
    /// An SM-SR change notification (ES2, ES3, ES4).
    SmsrChange(SmsrChangeNotification),
}

impl<B: RequestBody> Message<B> {
    /// The `wsa:Action` this message travels with.
    pub fn action(&self) -> String {
        match self {
            Self::Request(r) => request_action(B::INTERFACE, r.body.function()),
            Self::Response(r) => response_action(B::INTERFACE, r.function),
            Self::Notification(n) => notification_action(B::INTERFACE, n.kind),
            Self::SmsrChange(_) => notification_action(B::INTERFACE, NotificationKind::SmsrChange),
        }
    }

    /// The body element.
    pub fn to_element(&self) -> Element {
        let i = B::INTERFACE;
        match self {
            Self::Request(r) => request_element(r.body.function().element(i), r, r.body.fields()),
            Self::Response(r) => {
                Element::gsma(&format!("{}{RESPONSE_SUFFIX}", r.function.element(i)))
                    .with(r.status.to_element())
                    .with_opt(r.iccid.as_ref().map(|v| Element::leaf(ICCID, v)))
                    .with_opt(r.eis.as_deref().map(Eis::to_element))
                    .with_opt(
                        r.euicc_response_data
                            .as_ref()
                            .map(|d| Element::leaf(EUICC_RESPONSE_DATA, hex::encode_upper(d))),
                    )
            }
            Self::Notification(n) => Element::gsma(n.kind.element())
                .with(Element::leaf(EID, &n.eid))
                .with(Element::leaf(ICCID, &n.iccid))
                .with(Element::leaf(COMPLETION_TIMESTAMP, &n.completion_timestamp)),
            Self::SmsrChange(n) => n.to_element(),
        }
    }

    /// Reads a body element of this interface.
    pub fn from_element(el: &Element) -> Result<Self, WsError> {
        let i = B::INTERFACE;
        let unknown = || WsError::UnknownMessage(format!("{{{}}}{}", el.ns, el.name));
        if el.ns != NS_GSMA {
            return Err(unknown());
        }
        // The SM-SR notifies Operators (ES4) and SM-DPs (ES3), the SM-DP Operators (ES2);
        // nobody notifies the EUM (ES1).
        if matches!(i, Interface::Es2 | Interface::Es3 | Interface::Es4)
            && let Some(n) = SmsrChangeNotification::read(el)
        {
            return Ok(Self::SmsrChange(n?));
        }
        if i != Interface::Es1
            && let Some(kind) = NotificationKind::ALL
                .into_iter()
                .find(|k| k.element() == el.name)
        {
            return Ok(Self::Notification(Notification {
                kind,
                eid: eid(el)?,
                iccid: iccid(el)?,
                completion_timestamp: text(el, COMPLETION_TIMESTAMP)?,
            }));
        }
        let functions = B::functions();
        if let Some(base) = el.name.strip_suffix(RESPONSE_SUFFIX)
            && let Some(&function) = functions.iter().find(|f| f.element(i) == base)
        {
            let status = FunctionExecutionStatus::from_element(
                el.child(NS_GSMA, EXECUTION_STATUS)
                    .ok_or(WsError::Missing(EXECUTION_STATUS))?,
            )?;
            let eis = el
                .child(NS_GSMA, EIS)
                .map(Eis::from_element)
                .transpose()?
                .map(Box::new);
            let iccid = opt_text(el, ICCID)
                .map(|v| check_iccid(&v).map(|()| v))
                .transpose()?;
            let euicc_response_data = opt_text(el, EUICC_RESPONSE_DATA)
                .map(|t| hex_value(EUICC_RESPONSE_DATA, &t))
                .transpose()?;
            return Ok(Self::Response(Response {
                function,
                status,
                iccid,
                eis,
                euicc_response_data,
            }));
        }
        let &function = functions
            .iter()
            .find(|f| f.element(i) == el.name)
            .ok_or_else(unknown)?;
        Ok(Self::Request(read_request(el, |el| B::read(function, el))?))
    }

    /// Reads the body of `env`, checking that its `wsa:Action` matches.
    pub fn from_envelope(env: &Envelope) -> Result<Self, WsError> {
        checked_action(env, Self::from_element, Self::action)
    }

    /// The envelope carrying this message; `header.action` is set from the message.
    pub fn envelope(&self, header: WsHeader) -> Envelope {
        envelope_of(self.action(), self.to_element(), header)
    }
}
