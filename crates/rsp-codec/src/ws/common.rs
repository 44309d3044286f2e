//! What every SGP.02 web-service message shares (SGP.02 §5.1): identifiers, the
//! `FunctionCallIdentifier`/`ValidityPeriod` of requests, `FunctionExecutionStatus` of
//! responses, POL2, the subscription address, the ES3/ES4 profile-management requests,
//! and the generic request / response / notification [`Message`].

use super::eis::Eis;
use super::envelope::{Envelope, WsHeader};
use super::names::*;
use super::xml::Element;
use super::{Interface, WsError};

/// A required GSMA child's trimmed text.
pub(crate) fn text(el: &Element, name: &'static str) -> Result<String, WsError> {
    el.child(NS_GSMA, name)
        .map(|c| c.trimmed().to_owned())
        .ok_or(WsError::Missing(name))
}

/// An optional GSMA child's trimmed text.
pub(crate) fn opt_text(el: &Element, name: &str) -> Option<String> {
    el.child(NS_GSMA, name).map(|c| c.trimmed().to_owned())
}

/// A required unsigned number.
pub(crate) fn number(el: &Element, name: &'static str) -> Result<u64, WsError> {
    let t = text(el, name)?;
    t.parse().map_err(|_| WsError::Invalid(name, t))
}

/// An optional unsigned number.
pub(crate) fn opt_number(el: &Element, name: &'static str) -> Result<Option<u64>, WsError> {
    opt_text(el, name)
        .map(|t| t.parse().map_err(|_| WsError::Invalid(name, t)))
        .transpose()
}

/// An `xs:boolean` (`true`/`false`/`1`/`0`).
pub(crate) fn boolean(name: &'static str, t: &str) -> Result<bool, WsError> {
    match t {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(WsError::Invalid(name, t.to_owned())),
    }
}

/// Hex text to bytes (either case).
pub(crate) fn hex_value(name: &'static str, t: &str) -> Result<Vec<u8>, WsError> {
    hex::decode(t).map_err(|_| WsError::Invalid(name, "not hex".into()))
}

/// An EID: 32 decimal digits (SGP.02 §2.2.2, EID format of SGP.29).
pub fn check_eid(eid: &str) -> Result<(), WsError> {
    if eid.len() == 32 && eid.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(WsError::Invalid("Eid", eid.to_owned()))
    }
}

/// An ICCID: 19 or 20 decimal digits (ITU-T E.118).
pub fn check_iccid(iccid: &str) -> Result<(), WsError> {
    if (19..=20).contains(&iccid.len()) && iccid.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(WsError::Invalid("Iccid", iccid.to_owned()))
    }
}

pub(crate) fn eid(el: &Element) -> Result<String, WsError> {
    let v = text(el, EID)?;
    check_eid(&v)?;
    Ok(v)
}

pub(crate) fn iccid(el: &Element) -> Result<String, WsError> {
    let v = text(el, ICCID)?;
    check_iccid(&v)?;
    Ok(v)
}

/// `FunctionExecutionStatus/Status` (SGP.02 §5.1.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecutionStatus {
    /// `Executed-Success`.
    Success,
    /// `Executed-WithWarning`.
    WithWarning,
    /// `Failed`.
    Failed,
    /// `Expired`.
    Expired,
}

impl ExecutionStatus {
    const ALL: [(Self, &'static str); 4] = [
        (Self::Success, "Executed-Success"),
        (Self::WithWarning, "Executed-WithWarning"),
        (Self::Failed, "Failed"),
        (Self::Expired, "Expired"),
    ];

    /// The wire text.
    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(s, _)| *s == self)
            .map(|(_, t)| *t)
            .unwrap_or("Failed")
    }
}

/// `StatusCodeData` of a status other than success (SGP.02 §5.1.6).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StatusCodeData {
    /// Subject code, e.g. `8.1.1`.
    pub subject_code: String,
    /// Reason code, e.g. `3.9`.
    pub reason_code: String,
    /// The subject's identifier (e.g. the EID), if any.
    pub subject_identifier: Option<String>,
    /// Free text.
    pub message: Option<String>,
}

/// `FunctionExecutionStatus`: carried by every response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionExecutionStatus {
    /// Outcome.
    pub status: ExecutionStatus,
    /// Codes explaining a warning/failure/expiry.
    pub status_code_data: Option<StatusCodeData>,
}

impl FunctionExecutionStatus {
    /// `Executed-Success` without codes.
    pub fn success() -> Self {
        Self {
            status: ExecutionStatus::Success,
            status_code_data: None,
        }
    }

    /// `Failed` with codes.
    pub fn failed(subject_code: &str, reason_code: &str, message: Option<&str>) -> Self {
        Self {
            status: ExecutionStatus::Failed,
            status_code_data: Some(StatusCodeData {
                subject_code: subject_code.to_owned(),
                reason_code: reason_code.to_owned(),
                subject_identifier: None,
                message: message.map(str::to_owned),
            }),
        }
    }

    pub(crate) fn to_element(&self) -> Element {
        let data = self.status_code_data.as_ref().map(|d| {
            Element::gsma(STATUS_CODE_DATA)
                .with(Element::leaf(SUBJECT_CODE, &d.subject_code))
                .with(Element::leaf(REASON_CODE, &d.reason_code))
                .with_opt(
                    d.subject_identifier
                        .as_ref()
                        .map(|v| Element::leaf(SUBJECT_IDENTIFIER, v)),
                )
                .with_opt(d.message.as_ref().map(|v| Element::leaf(MESSAGE, v)))
        });
        Element::gsma(EXECUTION_STATUS)
            .with(Element::leaf(STATUS, self.status.as_str()))
            .with_opt(data)
    }

    pub(crate) fn from_element(el: &Element) -> Result<Self, WsError> {
        let t = text(el, STATUS)?;
        let status = ExecutionStatus::ALL
            .iter()
            .find(|(_, s)| *s == t)
            .map(|(v, _)| *v)
            .ok_or(WsError::Invalid(STATUS, t))?;
        let status_code_data = el
            .child(NS_GSMA, STATUS_CODE_DATA)
            .map(|d| {
                Ok::<_, WsError>(StatusCodeData {
                    subject_code: text(d, SUBJECT_CODE)?,
                    reason_code: text(d, REASON_CODE)?,
                    subject_identifier: opt_text(d, SUBJECT_IDENTIFIER),
                    message: d.child(NS_GSMA, MESSAGE).map(|m| m.text.clone()),
                })
            })
            .transpose()?;
        Ok(Self {
            status,
            status_code_data,
        })
    }
}

/// A POL2 rule's action (SGP.02 §2.3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyAction {
    /// `ENABLE`.
    Enable,
    /// `DISABLE`.
    Disable,
    /// `DELETE`.
    Delete,
}

/// A POL2 rule's qualification (SGP.02 §2.3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Qualification {
    /// `Not allowed`.
    NotAllowed,
    /// `Auto-delete`.
    AutoDelete,
}

const ACTIONS: [(PolicyAction, &str); 3] = [
    (PolicyAction::Enable, "ENABLE"),
    (PolicyAction::Disable, "DISABLE"),
    (PolicyAction::Delete, "DELETE"),
];
const QUALIFICATIONS: [(Qualification, &str); 2] = [
    (Qualification::NotAllowed, "Not allowed"),
    (Qualification::AutoDelete, "Auto-delete"),
];
/// The only POL2 subject (SGP.02 §2.3.3).
const SUBJECT_PROFILE: &str = "PROFILE";

fn lookup<T: Copy + PartialEq>(
    table: &[(T, &'static str)],
    name: &'static str,
    t: &str,
) -> Result<T, WsError> {
    table
        .iter()
        .find(|(_, s)| *s == t)
        .map(|(v, _)| *v)
        .ok_or_else(|| WsError::Invalid(name, t.into()))
}

fn name_of<T: Copy + PartialEq>(table: &[(T, &'static str)], v: T) -> &'static str {
    table
        .iter()
        .find(|(x, _)| *x == v)
        .map(|(_, s)| *s)
        .unwrap_or_default()
}

/// One POL2 rule; its subject is always `PROFILE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pol2Rule {
    /// What the rule is about.
    pub action: PolicyAction,
    /// What it says.
    pub qualification: Qualification,
}

/// A Profile's POL2: a list of rules (possibly empty).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Pol2 {
    /// The rules.
    pub rules: Vec<Pol2Rule>,
}

impl Pol2 {
    pub(crate) fn to_element(&self) -> Element {
        self.rules.iter().fold(Element::gsma(POL2), |el, r| {
            el.with(
                Element::gsma(RULE)
                    .with(Element::leaf(SUBJECT, SUBJECT_PROFILE))
                    .with(Element::leaf(ACTION, name_of(&ACTIONS, r.action)))
                    .with(Element::leaf(
                        QUALIFICATION,
                        name_of(&QUALIFICATIONS, r.qualification),
                    )),
            )
        })
    }

    pub(crate) fn from_element(el: &Element) -> Result<Self, WsError> {
        let rules = el
            .children_named(NS_GSMA, RULE)
            .map(|r| {
                let subject = text(r, SUBJECT)?;
                if subject != SUBJECT_PROFILE {
                    return Err(WsError::Invalid(SUBJECT, subject));
                }
                Ok(Pol2Rule {
                    action: lookup(&ACTIONS, ACTION, &text(r, ACTION)?)?,
                    qualification: lookup(
                        &QUALIFICATIONS,
                        QUALIFICATION,
                        &text(r, QUALIFICATION)?,
                    )?,
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { rules })
    }

    pub(crate) fn required(el: &Element) -> Result<Self, WsError> {
        Self::from_element(el.child(NS_GSMA, POL2).ok_or(WsError::Missing(POL2))?)
    }
}

/// A Profile's subscription address (SGP.02 §5.1.1.2.4): MSISDN and/or IMSI, digits.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SubscriptionAddress {
    /// MSISDN digits.
    pub msisdn: Option<String>,
    /// IMSI digits.
    pub imsi: Option<String>,
}

impl SubscriptionAddress {
    pub(crate) fn to_element(&self, name: &str) -> Element {
        Element::gsma(name)
            .with_opt(self.msisdn.as_ref().map(|v| Element::leaf(MSISDN, v)))
            .with_opt(self.imsi.as_ref().map(|v| Element::leaf(IMSI, v)))
    }

    pub(crate) fn from_element(el: &Element) -> Result<Self, WsError> {
        let digits = |name: &'static str, max: usize| {
            opt_text(el, name)
                .map(|v| {
                    if !v.is_empty() && v.len() <= max && v.bytes().all(|b| b.is_ascii_digit()) {
                        Ok(v)
                    } else {
                        Err(WsError::Invalid(name, v))
                    }
                })
                .transpose()
        };
        Ok(Self {
            msisdn: digits(MSISDN, 15)?,
            imsi: digits(IMSI, 15)?,
        })
    }
}

/// The profile-management requests ES3 and ES4 share (SGP.02 §5.4, §5.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileRequest {
    /// EnableProfile (`Eid`, `Iccid`).
    EnableProfile {
        /// eUICC.
        eid: String,
        /// Profile.
        iccid: String,
    },
    /// DisableProfile.
    DisableProfile {
        /// eUICC.
        eid: String,
        /// Profile.
        iccid: String,
    },
    /// DeleteProfile (ES4) / DeleteISDP (ES3).
    DeleteProfile {
        /// eUICC.
        eid: String,
        /// Profile.
        iccid: String,
    },
    /// SetFallbackAttribute.
    SetFallbackAttribute {
        /// eUICC.
        eid: String,
        /// Profile.
        iccid: String,
    },
    /// UpdatePolicyRules (`Pol2`).
    UpdatePolicyRules {
        /// eUICC.
        eid: String,
        /// Profile.
        iccid: String,
        /// The new POL2.
        pol2: Pol2,
    },
    /// UpdateSubscriptionAddress (`NewSubscriptionAddress`).
    UpdateSubscriptionAddress {
        /// eUICC.
        eid: String,
        /// Profile.
        iccid: String,
        /// The new address.
        new_subscription_address: SubscriptionAddress,
    },
    /// GetEIS.
    GetEis {
        /// eUICC.
        eid: String,
    },
    /// AuditEIS (optionally limited to some Profiles).
    AuditEis {
        /// eUICC.
        eid: String,
        /// Profiles to audit; empty means all.
        iccids: Vec<String>,
    },
}

impl ProfileRequest {
    /// Which function this is.
    pub fn function(&self) -> Function {
        match self {
            Self::EnableProfile { .. } => Function::EnableProfile,
            Self::DisableProfile { .. } => Function::DisableProfile,
            Self::DeleteProfile { .. } => Function::DeleteProfile,
            Self::SetFallbackAttribute { .. } => Function::SetFallbackAttribute,
            Self::UpdatePolicyRules { .. } => Function::UpdatePolicyRules,
            Self::UpdateSubscriptionAddress { .. } => Function::UpdateSubscriptionAddress,
            Self::GetEis { .. } => Function::GetEis,
            Self::AuditEis { .. } => Function::AuditEis,
        }
    }

    /// The body's fields after the common ones.
    pub(crate) fn fields(&self) -> Vec<Element> {
        let pair =
            |eid: &str, iccid: &str| vec![Element::leaf(EID, eid), Element::leaf(ICCID, iccid)];
        match self {
            Self::EnableProfile { eid, iccid }
            | Self::DisableProfile { eid, iccid }
            | Self::DeleteProfile { eid, iccid }
            | Self::SetFallbackAttribute { eid, iccid } => pair(eid, iccid),
            Self::UpdatePolicyRules { eid, iccid, pol2 } => {
                let mut v = pair(eid, iccid);
                v.push(pol2.to_element());
                v
            }
            Self::UpdateSubscriptionAddress {
                eid,
                iccid,
                new_subscription_address,
            } => {
                let mut v = pair(eid, iccid);
                v.push(new_subscription_address.to_element(NEW_SUBSCRIPTION_ADDRESS));
                v
            }
            Self::GetEis { eid } => vec![Element::leaf(EID, eid)],
            Self::AuditEis { eid, iccids } => std::iter::once(Element::leaf(EID, eid))
                .chain(iccids.iter().map(|i| Element::leaf(ICCID, i)))
                .collect(),
        }
    }

    /// Reads the fields of `function`'s body; `None` if `function` is no profile request.
    pub(crate) fn read(function: Function, el: &Element) -> Option<Result<Self, WsError>> {
        let read = || -> Result<Self, WsError> {
            Ok(match function {
                Function::EnableProfile => Self::EnableProfile {
                    eid: eid(el)?,
                    iccid: iccid(el)?,
                },
                Function::DisableProfile => Self::DisableProfile {
                    eid: eid(el)?,
                    iccid: iccid(el)?,
                },
                Function::DeleteProfile => Self::DeleteProfile {
                    eid: eid(el)?,
                    iccid: iccid(el)?,
                },
                Function::SetFallbackAttribute => Self::SetFallbackAttribute {
                    eid: eid(el)?,
                    iccid: iccid(el)?,
                },
                Function::UpdatePolicyRules => Self::UpdatePolicyRules {
                    eid: eid(el)?,
                    iccid: iccid(el)?,
                    pol2: Pol2::required(el)?,
                },
                Function::UpdateSubscriptionAddress => Self::UpdateSubscriptionAddress {
                    eid: eid(el)?,
                    iccid: iccid(el)?,
                    new_subscription_address: SubscriptionAddress::from_element(
                        el.child(NS_GSMA, NEW_SUBSCRIPTION_ADDRESS)
                            .ok_or(WsError::Missing(NEW_SUBSCRIPTION_ADDRESS))?,
                    )?,
                },
                Function::GetEis => Self::GetEis { eid: eid(el)? },
                Function::AuditEis => Self::AuditEis {
                    eid: eid(el)?,
                    iccids: el
                        .children_named(NS_GSMA, ICCID)
                        .map(|c| {
                            let v = c.trimmed().to_owned();
                            check_iccid(&v).map(|()| v)
                        })
                        .collect::<Result<_, _>>()?,
                },
                _ => return Err(WsError::UnknownMessage(String::new())),
            })
        };
        match function {
            Function::RegisterEis
            | Function::CreateIsdp
            | Function::SendData
            | Function::ProfileDownloadCompleted
            | Function::UpdateConnectivityParameters => None,
            _ => Some(read()),
        }
    }
}

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
/// MessageID): `FunctionExecutionStatus` and, for GetEIS/AuditEIS, the `Eis`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The function answered.
    pub function: Function,
    /// Outcome.
    pub status: FunctionExecutionStatus,
    /// The EIS (GetEIS, AuditEIS).
    pub eis: Option<Box<Eis>>,
}

/// A notification the SM-SR sends about a Profile.
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

/// Any message of the interface whose requests are `B`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message<B> {
    /// A function call.
    Request(Request<B>),
    /// Its result.
    Response(Response),
    /// An SM-SR notification.
    Notification(Notification),
}

impl<B: RequestBody> Message<B> {
    /// The `wsa:Action` this message travels with.
    pub fn action(&self) -> String {
        match self {
            Self::Request(r) => request_action(B::INTERFACE, r.body.function()),
            Self::Response(r) => response_action(B::INTERFACE, r.function),
            Self::Notification(n) => notification_action(B::INTERFACE, n.kind),
        }
    }

    /// The body element.
    pub fn to_element(&self) -> Element {
        let i = B::INTERFACE;
        match self {
            Self::Request(r) => {
                let mut el = Element::gsma(r.body.function().element(i))
                    .with(Element::leaf(FUNCTION_CALL_ID, &r.function_call_identifier))
                    .with_opt(
                        r.validity_period
                            .map(|v| Element::leaf(VALIDITY_PERIOD, v.to_string())),
                    );
                el.children.extend(r.body.fields());
                el
            }
            Self::Response(r) => {
                Element::gsma(&format!("{}{RESPONSE_SUFFIX}", r.function.element(i)))
                    .with(r.status.to_element())
                    .with_opt(r.eis.as_deref().map(Eis::to_element))
            }
            Self::Notification(n) => Element::gsma(n.kind.element())
                .with(Element::leaf(EID, &n.eid))
                .with(Element::leaf(ICCID, &n.iccid))
                .with(Element::leaf(COMPLETION_TIMESTAMP, &n.completion_timestamp)),
        }
    }

    /// Reads a body element of this interface.
    pub fn from_element(el: &Element) -> Result<Self, WsError> {
        let i = B::INTERFACE;
        let unknown = || WsError::UnknownMessage(format!("{{{}}}{}", el.ns, el.name));
        if el.ns != NS_GSMA {
            return Err(unknown());
        }
        if let Some(kind) = NotificationKind::ALL
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
        let functions = Function::of(i);
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
            return Ok(Self::Response(Response {
                function,
                status,
                eis,
            }));
        }
        let &function = functions
            .iter()
            .find(|f| f.element(i) == el.name)
            .ok_or_else(unknown)?;
        Ok(Self::Request(Request {
            function_call_identifier: text(el, FUNCTION_CALL_ID)?,
            validity_period: opt_number(el, VALIDITY_PERIOD)?,
            body: B::read(function, el)?,
        }))
    }

    /// Reads the body of `env`, checking that its `wsa:Action` matches.
    pub fn from_envelope(env: &Envelope) -> Result<Self, WsError> {
        let msg = Self::from_element(&env.body)?;
        if msg.action() != env.header.action {
            return Err(WsError::ActionMismatch(env.header.action.clone()));
        }
        Ok(msg)
    }

    /// The envelope carrying this message; `header.action` is set from the message.
    pub fn envelope(&self, header: WsHeader) -> Envelope {
        Envelope {
            header: WsHeader {
                action: self.action(),
                ..header
            },
            body: self.to_element(),
        }
    }
}
