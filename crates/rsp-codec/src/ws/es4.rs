//! ES4, Operator → SM-SR (SGP.02 §5.4): EnableProfile, DisableProfile, DeleteProfile,
//! SetFallbackAttribute, UpdatePolicyRules, UpdateSubscriptionAddress, GetEIS, AuditEIS;
//! their responses; and the SM-SR's Profile notifications to the Operator.
//!
//! The SM-SR change functions PrepareSMSRChange and SMSRChange (SGP.02 §3.7) are a body type
//! of their own, [`Es4SmsrChangeRequest`] ([`Es4SmsrChangeMessage`]): [`Es4Request`] wraps
//! the profile requests only. An ES4 endpoint reads [`Es4Message`] first and, when that is
//! [`WsError::UnknownMessage`], [`Es4SmsrChangeMessage`].

use super::common::{eid, text};
use super::message::{Message, RequestBody};
use super::names::{CURRENT_SMSR_ID, EID, Function, TARGET_SMSR_ID};
use super::profile::ProfileRequest;
use super::xml::Element;
use super::{Interface, WsError};

/// An ES4 request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Es4Request(pub ProfileRequest);

impl RequestBody for Es4Request {
    const INTERFACE: Interface = Interface::Es4;

    fn function(&self) -> Function {
        self.0.function()
    }

    fn fields(&self) -> Vec<Element> {
        self.0.fields()
    }

    fn read(function: Function, el: &Element) -> Result<Self, WsError> {
        ProfileRequest::read(function, el)
            .ok_or_else(|| WsError::UnknownMessage(el.name.clone()))?
            .map(Self)
    }
}

/// Any ES4 message.
pub type Es4Message = Message<Es4Request>;

/// An ES4 SM-SR change request (SGP.02 §3.7; directions and element names from Njiwa,
/// whose ES4 receives PrepareSMSRChange on the new SM-SR and SMSRChange on the current one).
/// Their responses carry only `FunctionExecutionStatus` ([`super::Response::new`]); the
/// change's completion is HandleSMSRChangeNotification ([`Message::SmsrChange`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Es4SmsrChangeRequest {
    /// PrepareSMSRChange: the Operator tells the new SM-SR to expect the eUICC from its
    /// current SM-SR (`Eid`, `CurrentSMSRid`).
    PrepareSmsrChange {
        /// eUICC.
        eid: String,
        /// The eUICC's current SM-SR (`CurrentSMSRid`).
        current_smsr_id: String,
    },
    /// SMSRChange: the Operator asks the current SM-SR to hand the eUICC over (ES7) to
    /// another (`Eid`, `Target-Smsr-id`).
    SmsrChange {
        /// eUICC.
        eid: String,
        /// The new SM-SR (`Target-Smsr-id`).
        target_smsr_id: String,
    },
}

impl RequestBody for Es4SmsrChangeRequest {
    const INTERFACE: Interface = Interface::Es4;

    fn function(&self) -> Function {
        match self {
            Self::PrepareSmsrChange { .. } => Function::PrepareSmsrChange,
            Self::SmsrChange { .. } => Function::SmsrChange,
        }
    }

    fn fields(&self) -> Vec<Element> {
        let (eid, name, smsr_id) = match self {
            Self::PrepareSmsrChange {
                eid,
                current_smsr_id,
            } => (eid, CURRENT_SMSR_ID, current_smsr_id),
            Self::SmsrChange {
                eid,
                target_smsr_id,
            } => (eid, TARGET_SMSR_ID, target_smsr_id),
        };
        vec![Element::leaf(EID, eid), Element::leaf(name, smsr_id)]
    }

    fn read(function: Function, el: &Element) -> Result<Self, WsError> {
        Ok(match function {
            Function::PrepareSmsrChange => Self::PrepareSmsrChange {
                eid: eid(el)?,
                current_smsr_id: smsr_id(el, CURRENT_SMSR_ID)?,
            },
            Function::SmsrChange => Self::SmsrChange {
                eid: eid(el)?,
                target_smsr_id: smsr_id(el, TARGET_SMSR_ID)?,
            },
            _ => return Err(WsError::UnknownMessage(el.name.clone())),
        })
    }

    fn functions() -> &'static [Function] {
        &Function::ES4_SMSR_CHANGE
    }
}

/// A required, non-empty SM-SR identifier.
fn smsr_id(el: &Element, name: &'static str) -> Result<String, WsError> {
    let v = text(el, name)?;
    if v.is_empty() {
        return Err(WsError::Invalid(name, v));
    }
    Ok(v)
}

/// Any ES4 SM-SR change message (requests, their responses, and the notifications ES4
/// carries).
pub type Es4SmsrChangeMessage = Message<Es4SmsrChangeRequest>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ws::envelope::{self, WsHeader};
    use crate::ws::message::{Request, Response};
    use crate::ws::names::NS_GSMA;
    use crate::ws::{FunctionExecutionStatus, StatusCodeData};

    const EID_: &str = "89049032123451234512345678901235";
    const SMSR1: &str = "1.3.6.1.4.1.99999.20";
    const SMSR2: &str = "1.3.6.1.4.1.99999.21";
    const MSG_ID: &str = "urn:uuid:6b1a6f8e-1c1d-4a1e-9d55-2c7d0d1e0a01";

    fn request_header() -> WsHeader {
        WsHeader {
            to: Some("https://smsr2.example.com/gsma/ES4".into()),
            from: Some("http://mno.example.com/MNO1".into()),
            reply_to: Some("https://mno.example.com/gsma/callback".into()),
            message_id: MSG_ID.into(),
            ..WsHeader::default()
        }
    }

    fn response_header() -> WsHeader {
        WsHeader {
            to: Some("https://mno.example.com/gsma/callback".into()),
            from: Some("http://smsr2.example.com/SMSR2".into()),
            message_id: "urn:uuid:0c0ffee0-0000-4000-8000-000000000002".into(),
            relates_to: Some(MSG_ID.into()),
            ..WsHeader::default()
        }
    }

    fn req(body: Es4SmsrChangeRequest) -> Es4SmsrChangeMessage {
        Message::Request(Request {
            function_call_identifier: "call-0001".into(),
            validity_period: Some(600),
            body,
        })
    }

    fn prepare() -> Es4SmsrChangeRequest {
        Es4SmsrChangeRequest::PrepareSmsrChange {
            eid: EID_.into(),
            current_smsr_id: SMSR1.into(),
        }
    }

    fn change() -> Es4SmsrChangeRequest {
        Es4SmsrChangeRequest::SmsrChange {
            eid: EID_.into(),
            target_smsr_id: SMSR2.into(),
        }
    }

    fn failed() -> FunctionExecutionStatus {
        FunctionExecutionStatus {
            status: crate::ws::ExecutionStatus::Failed,
            status_code_data: Some(StatusCodeData {
                subject_code: "8.1.1".into(),
                reason_code: "3.9".into(),
                subject_identifier: Some(EID_.into()),
                message: Some("unknown eUICC".into()),
            }),
        }
    }

    fn messages() -> Vec<Es4SmsrChangeMessage> {
        let mut v = vec![req(prepare()), req(change())];
        for f in Function::ES4_SMSR_CHANGE {
            v.push(Message::Response(Response::new(
                f,
                FunctionExecutionStatus::success(),
            )));
            v.push(Message::Response(Response::new(f, failed())));
        }
        v
    }

    fn round_trip(msg: &Es4SmsrChangeMessage) -> String {
        let header = match msg {
            Message::Request(_) => request_header(),
            _ => response_header(),
        };
        let env = msg.envelope(header);
        assert_eq!(env.header.action, msg.action());
        let text = envelope::build(&env);
        let parsed = envelope::parse(&text).expect("parse");
        assert_eq!(parsed, env);
        let back = Es4SmsrChangeMessage::from_envelope(&parsed).expect("message");
        assert_eq!(&back, msg, "{text}");
        assert_eq!(envelope::build(&back.envelope(parsed.header.clone())), text);
        text
    }

    #[test]
    fn smsr_change_messages_round_trip() {
        let actions: std::collections::HashSet<_> = messages()
            .iter()
            .map(|m| {
                round_trip(m);
                m.action()
            })
            .collect();
        // Two requests and their responses, success and failure sharing an action.
        assert_eq!(actions.len(), 4);
    }

    const PREPARE_GOLDEN: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing" xmlns:rps="http://namespaces.gsma.org/esim-messaging/1">
  <env:Header>
    <wsa:To>https://smsr2.example.com/gsma/ES4</wsa:To>
    <wsa:From>
      <wsa:Address>http://mno.example.com/MNO1</wsa:Address>
    </wsa:From>
    <wsa:ReplyTo>
      <wsa:Address>https://mno.example.com/gsma/callback</wsa:Address>
    </wsa:ReplyTo>
    <wsa:MessageID>urn:uuid:6b1a6f8e-1c1d-4a1e-9d55-2c7d0d1e0a01</wsa:MessageID>
    <wsa:Action>http://gsma.com/ES4/eUICCManagement/ES4-PrepareSMSRChange</wsa:Action>
  </env:Header>
  <env:Body>
    <rps:PrepareSMSRChange>
      <rps:FunctionCallIdentifier>call-0001</rps:FunctionCallIdentifier>
      <rps:ValidityPeriod>600</rps:ValidityPeriod>
      <rps:Eid>89049032123451234512345678901235</rps:Eid>
      <rps:CurrentSMSRid>1.3.6.1.4.1.99999.20</rps:CurrentSMSRid>
    </rps:PrepareSMSRChange>
  </env:Body>
</env:Envelope>
"#;

    const CHANGE_GOLDEN: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing" xmlns:rps="http://namespaces.gsma.org/esim-messaging/1">
  <env:Header>
    <wsa:To>https://smsr2.example.com/gsma/ES4</wsa:To>
    <wsa:From>
      <wsa:Address>http://mno.example.com/MNO1</wsa:Address>
    </wsa:From>
    <wsa:ReplyTo>
      <wsa:Address>https://mno.example.com/gsma/callback</wsa:Address>
    </wsa:ReplyTo>
    <wsa:MessageID>urn:uuid:6b1a6f8e-1c1d-4a1e-9d55-2c7d0d1e0a01</wsa:MessageID>
    <wsa:Action>http://gsma.com/ES4/eUICCManagement/ES4-SMSRChange</wsa:Action>
  </env:Header>
  <env:Body>
    <rps:SMSRChange>
      <rps:FunctionCallIdentifier>call-0001</rps:FunctionCallIdentifier>
      <rps:ValidityPeriod>600</rps:ValidityPeriod>
      <rps:Eid>89049032123451234512345678901235</rps:Eid>
      <rps:Target-Smsr-id>1.3.6.1.4.1.99999.21</rps:Target-Smsr-id>
    </rps:SMSRChange>
  </env:Body>
</env:Envelope>
"#;

    const CHANGE_RESPONSE_GOLDEN: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing" xmlns:rps="http://namespaces.gsma.org/esim-messaging/1">
  <env:Header>
    <wsa:To>https://mno.example.com/gsma/callback</wsa:To>
    <wsa:From>
      <wsa:Address>http://smsr2.example.com/SMSR2</wsa:Address>
    </wsa:From>
    <wsa:MessageID>urn:uuid:0c0ffee0-0000-4000-8000-000000000002</wsa:MessageID>
    <wsa:Action>http://gsma.com/ES4/eUICCManagement/ES4-SMSRChangeResponse</wsa:Action>
    <wsa:RelatesTo>urn:uuid:6b1a6f8e-1c1d-4a1e-9d55-2c7d0d1e0a01</wsa:RelatesTo>
  </env:Header>
  <env:Body>
    <rps:SMSRChangeResponse>
      <rps:FunctionExecutionStatus>
        <rps:Status>Executed-Success</rps:Status>
      </rps:FunctionExecutionStatus>
    </rps:SMSRChangeResponse>
  </env:Body>
</env:Envelope>
"#;

    /// The body's children as (name, text) pairs, GSMA namespace checked.
    fn fields(el: &Element) -> Vec<(String, String)> {
        el.children
            .iter()
            .map(|c| {
                assert_eq!(c.ns, NS_GSMA, "{}", c.name);
                (c.name.clone(), c.trimmed().to_owned())
            })
            .collect()
    }

    fn check_golden(golden: &str, msg: &Es4SmsrChangeMessage, body: &str, want: &[(&str, &str)]) {
        assert_eq!(round_trip(msg), golden);
        let env = envelope::parse(golden).expect("golden");
        assert_eq!(env.header.action, msg.action());
        assert!(env.body.is(NS_GSMA, body), "{}", env.body.name);
        let got = fields(&env.body);
        let want: Vec<_> = want
            .iter()
            .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()))
            .collect();
        assert_eq!(got, want);
        assert_eq!(
            &Es4SmsrChangeMessage::from_envelope(&env).expect("read"),
            msg
        );
    }

    #[test]
    fn prepare_smsr_change_matches_golden() {
        check_golden(
            PREPARE_GOLDEN,
            &req(prepare()),
            "PrepareSMSRChange",
            &[
                ("FunctionCallIdentifier", "call-0001"),
                ("ValidityPeriod", "600"),
                ("Eid", EID_),
                ("CurrentSMSRid", SMSR1),
            ],
        );
    }

    #[test]
    fn smsr_change_matches_golden() {
        check_golden(
            CHANGE_GOLDEN,
            &req(change()),
            "SMSRChange",
            &[
                ("FunctionCallIdentifier", "call-0001"),
                ("ValidityPeriod", "600"),
                ("Eid", EID_),
                ("Target-Smsr-id", SMSR2),
            ],
        );
        let env = envelope::parse(CHANGE_RESPONSE_GOLDEN).expect("golden");
        let status = env
            .body
            .child(NS_GSMA, "FunctionExecutionStatus")
            .expect("status");
        assert_eq!(
            fields(status),
            [("Status".to_owned(), "Executed-Success".to_owned())]
        );
        check_golden(
            CHANGE_RESPONSE_GOLDEN,
            &Message::Response(Response::new(
                Function::SmsrChange,
                FunctionExecutionStatus::success(),
            )),
            "SMSRChangeResponse",
            &[("FunctionExecutionStatus", "")],
        );
    }

    fn read(golden: &str, from: &str, to: &str) -> Result<Es4SmsrChangeMessage, WsError> {
        let text = golden.replace(from, to);
        assert_ne!(text, golden, "{from} not in the golden text");
        Es4SmsrChangeMessage::from_envelope(&envelope::parse(&text).expect("parse"))
    }

    #[test]
    fn refusals() {
        let eid_el = format!("      <rps:Eid>{EID_}</rps:Eid>\n");
        assert_eq!(
            read(PREPARE_GOLDEN, &eid_el, ""),
            Err(WsError::Missing("Eid"))
        );
        assert!(matches!(
            read(CHANGE_GOLDEN, EID_, "8904903212345123451234567890123X"),
            Err(WsError::Invalid("Eid", _))
        ));
        assert_eq!(
            read(
                PREPARE_GOLDEN,
                "<rps:CurrentSMSRid>1.3.6.1.4.1.99999.20</rps:CurrentSMSRid>",
                ""
            ),
            Err(WsError::Missing("CurrentSMSRid"))
        );
        assert!(matches!(
            read(CHANGE_GOLDEN, SMSR2, " "),
            Err(WsError::Invalid("Target-Smsr-id", _))
        ));
        // The profile-request codec does not read them, and this one reads nothing else.
        let env = envelope::parse(PREPARE_GOLDEN).expect("parse");
        assert!(matches!(
            Es4Message::from_envelope(&env),
            Err(WsError::UnknownMessage(_))
        ));
        let enable = Es4Message::Request(Request {
            function_call_identifier: "c".into(),
            validity_period: None,
            body: Es4Request(ProfileRequest::GetEis { eid: EID_.into() }),
        });
        assert!(matches!(
            Es4SmsrChangeMessage::from_element(&enable.to_element()),
            Err(WsError::UnknownMessage(_))
        ));
    }
}
