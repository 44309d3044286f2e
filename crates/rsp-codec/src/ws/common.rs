//! Parts every SGP.02 web-service message builds on (SGP.02 §5.1): identifier checks,
//! `FunctionExecutionStatus`, POL2 and the subscription address.

use super::WsError;
use super::names::*;
use super::xml::Element;

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

/// An AID: 5 to 16 bytes, hex (ISO/IEC 7816-4).
pub fn check_aid(name: &'static str, aid: &str) -> Result<(), WsError> {
    let ok = (10..=32).contains(&aid.len())
        && aid.len().is_multiple_of(2)
        && aid.bytes().all(|b| b.is_ascii_hexdigit());
    if ok {
        Ok(())
    } else {
        Err(WsError::Invalid(name, aid.to_owned()))
    }
}

/// A required AID child.
pub(crate) fn aid(el: &Element, name: &'static str) -> Result<String, WsError> {
    let v = text(el, name)?;
    check_aid(name, &v)?;
    Ok(v)
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
