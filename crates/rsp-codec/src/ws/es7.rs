//! ES7, SM-SR → SM-SR (SGP.02 §5.7): the SM-SR change (procedure §3.7). HandoverEUICC,
//! AuthenticateSMSR, CreateAdditionalKeySet, their responses, and the current SM-SR's
//! HandleSMSRChangeNotification.
//!
//! The flow, with Njiwa's directions (its ES4 and ES7):
//!
//! 1. The Operator calls ES4 PrepareSMSRChange on the new SM-SR (SM-SR2) and ES4 SMSRChange
//!    on the current one (SM-SR1), see [`super::es4::Es4SmsrChangeRequest`].
//! 2. SM-SR1 → SM-SR2 **HandoverEUICC** (`Eis`): the EIS, whose ECASD certificate SM-SR2
//!    needs for the key agreement.
//! 3. SM-SR2 → SM-SR1 **AuthenticateSMSR** (`Eid`, `SmsrCertificate`): CERT.SR.ECDSA, the
//!    GlobalPlatform certificate (`7F21`), which SM-SR1 relays to the eUICC's ISD-R (ES5);
//!    the response carries the eUICC's `RandomChallenge`.
//! 4. SM-SR2 → SM-SR1 **CreateAdditionalKeySet** (`Eid`, `KeyVersionNumber`,
//!    `InitialSequenceCounter`, `ECCKeyLength`, `ScenarioParameter`, `HostID`,
//!    `EphemeralPublicKey`, `Signature`): SM-SR2's key agreement (GP Amd E scenario #3),
//!    relayed to the ISD-R; the response carries the eUICC's `DerivationRandom` (optional)
//!    and `Receipt`.
//! 5. SM-SR2 → SM-SR1 **HandoverEUICCResponse** (asynchronous, to the HandoverEUICC's
//!    ReplyTo) once its new keyset works: SM-SR1 deletes its keysets and the EIS.
//! 6. SM-SR1 → SM-SR2 **HandleSMSRChangeNotification** (`Eis`, `CompletionTimestamp`): the
//!    EIS is deleted there (our reading: the message is in the SGP.02 schema's ES7 message
//!    types as a public SM-SR's generated JAXB types show them, not in Njiwa; its content is
//!    ES2/ES4's notification, [`SmsrChangeNotification`]). SM-SR2 then notifies the
//!    Operators (ES4 HandleSMSRChangeNotification).
//!
//! Element names and the request action group (`eUICCManagement`) follow Njiwa (and agree
//! with the schema's types, which spell `HostId`: accepted on input); body element names are
//! the function names as on the other interfaces (Njiwa's operations add `Request` to
//! AuthenticateSMSR and CreateAdditionalKeySet); response actions append `Response` (our
//! reading, Njiwa uses an `eUICCManagementCallBack` group). Hex values are written in upper
//! case and read in either.
//!
//! ES7 is not a [`super::Interface`] variant with a [`super::message::RequestBody`]: its
//! responses carry their own outputs ([`Es7Response`]: `RandomChallenge`, `DerivationRandom`,
//! `Receipt`), which [`super::Response`] has no fields for (other crates build that struct
//! literally), and the `rsp-codec` golden tests match [`super::Interface`] exhaustively. So
//! [`Es7Message`] is its own message type, built and read like [`super::Message`].

use super::common::{FunctionExecutionStatus, eid, hex_value, number, opt_text, text};
use super::eis::Eis;
use super::envelope::{Envelope, WsHeader};
use super::message::{
    Request, SmsrChangeNotification, checked_action, envelope_of, read_request, request_element,
};
use super::names::*;
use super::xml::Element;
use super::{ExecutionStatus, WsError};
use crate::sgp02::Sgp02Error;
use crate::sgp02::consts as sc;
use crate::sgp02::es8::{
    EcPublicKey, GpCertificate, KeyAgreementCrt, KeySetCertificate, KeySetKeyAgreement,
    KeySetReceipt, RandomChallenge,
};

/// `ECCKeyLength` (the SGP.02 schema's `ECCKeyLengthType` values, as a public SM-SR's
/// generated types show them; Njiwa passes the text through).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EccKeyLength {
    /// `ECC-256` (P-256, brainpoolP256r1).
    Ecc256,
    /// `ECC-384`.
    Ecc384,
    /// `ECC-512`.
    Ecc512,
    /// `ECC-521`.
    Ecc521,
}

const KEY_LENGTHS: [(EccKeyLength, &str); 4] = [
    (EccKeyLength::Ecc256, "ECC-256"),
    (EccKeyLength::Ecc384, "ECC-384"),
    (EccKeyLength::Ecc512, "ECC-512"),
    (EccKeyLength::Ecc521, "ECC-521"),
];

impl EccKeyLength {
    /// The wire text.
    pub fn as_str(self) -> &'static str {
        KEY_LENGTHS
            .iter()
            .find(|(k, _)| *k == self)
            .map(|(_, t)| *t)
            .unwrap_or("ECC-256")
    }

    /// Reads the wire text.
    pub fn parse(t: &str) -> Result<Self, WsError> {
        KEY_LENGTHS
            .iter()
            .find(|(_, s)| *s == t)
            .map(|(k, _)| *k)
            .ok_or_else(|| WsError::Invalid(ECC_KEY_LENGTH, t.to_owned()))
    }
}

/// The tag a GlobalPlatform certificate (CERT.SR.ECDSA) opens with.
const GP_CERTIFICATE_TAG: [u8; 2] = [0x7F, 0x21];

/// An ES7 request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Es7Request {
    /// HandoverEUICC (SM-SR1 → SM-SR2): the EIS (`Eis`). The new SM-SR establishes its own
    /// ISD-R keyset (AuthenticateSMSR, CreateAdditionalKeySet), so the sender should leave
    /// [`Eis::isd_r`]'s keys out; the codec carries what it is given.
    HandoverEuicc(Box<Eis>),
    /// AuthenticateSMSR (SM-SR2 → SM-SR1): the new SM-SR's certificate for the ISD-R.
    AuthenticateSmsr {
        /// eUICC.
        eid: String,
        /// CERT.SR.ECDSA: the GlobalPlatform certificate, `7F21` … (`SmsrCertificate`, hex).
        smsr_certificate: Vec<u8>,
    },
    /// CreateAdditionalKeySet (SM-SR2 → SM-SR1): the new SM-SR's key agreement for the
    /// ISD-R (GP Amd E scenario #3: the CRT parameters, ePK.SR.ECKA and its signature).
    CreateAdditionalKeySet {
        /// eUICC.
        eid: String,
        /// The new keyset's version (`KeyVersionNumber`).
        key_version_number: u8,
        /// The SCP80 counter the keyset starts with (`InitialSequenceCounter`).
        initial_sequence_counter: u64,
        /// The curve's size (`ECCKeyLength`).
        ecc_key_length: EccKeyLength,
        /// GP Amd E scenario parameter (`ScenarioParameter`; `xs:byte` in the schema, the
        /// values GP defines are below 0x80).
        scenario_parameter: u8,
        /// The host (SM-SR2) identifier (`HostID`, hex).
        host_id: Vec<u8>,
        /// ePK.SR.ECKA, the ephemeral public key (`EphemeralPublicKey`, hex).
        ephemeral_public_key: Vec<u8>,
        /// SM-SR2's signature over the key agreement data (`Signature`, hex).
        signature: Vec<u8>,
    },
}

impl Es7Request {
    /// Which function this is.
    pub fn function(&self) -> Function {
        match self {
            Self::HandoverEuicc(_) => Function::HandoverEuicc,
            Self::AuthenticateSmsr { .. } => Function::AuthenticateSmsr,
            Self::CreateAdditionalKeySet { .. } => Function::CreateAdditionalKeySet,
        }
    }

    fn fields(&self) -> Vec<Element> {
        let hex = |name: &str, v: &[u8]| Element::leaf(name, hex::encode_upper(v));
        match self {
            Self::HandoverEuicc(eis) => vec![eis.to_element()],
            Self::AuthenticateSmsr {
                eid,
                smsr_certificate,
            } => vec![
                Element::leaf(EID, eid),
                hex(SMSR_CERTIFICATE, smsr_certificate),
            ],
            Self::CreateAdditionalKeySet {
                eid,
                key_version_number,
                initial_sequence_counter,
                ecc_key_length,
                scenario_parameter,
                host_id,
                ephemeral_public_key,
                signature,
            } => vec![
                Element::leaf(EID, eid),
                Element::leaf(KEY_VERSION_NUMBER, key_version_number.to_string()),
                Element::leaf(
                    INITIAL_SEQUENCE_COUNTER,
                    initial_sequence_counter.to_string(),
                ),
                Element::leaf(ECC_KEY_LENGTH, ecc_key_length.as_str()),
                Element::leaf(SCENARIO_PARAMETER, scenario_parameter.to_string()),
                hex(HOST_ID, host_id),
                hex(EPHEMERAL_PUBLIC_KEY, ephemeral_public_key),
                hex(SIGNATURE, signature),
            ],
        }
    }

    fn read(function: Function, el: &Element) -> Result<Self, WsError> {
        Ok(match function {
            Function::HandoverEuicc => Self::HandoverEuicc(Box::new(Eis::from_element(
                el.child(NS_GSMA, EIS).ok_or(WsError::Missing(EIS))?,
            )?)),
            Function::AuthenticateSmsr => {
                let eid = eid(el)?;
                let smsr_certificate = bytes(el, SMSR_CERTIFICATE)?;
                if !smsr_certificate.starts_with(&GP_CERTIFICATE_TAG) {
                    return Err(WsError::Invalid(
                        SMSR_CERTIFICATE,
                        "not a GlobalPlatform certificate (7F21)".into(),
                    ));
                }
                Self::AuthenticateSmsr {
                    eid,
                    smsr_certificate,
                }
            }
            Function::CreateAdditionalKeySet => Self::CreateAdditionalKeySet {
                eid: eid(el)?,
                key_version_number: byte(el, KEY_VERSION_NUMBER)?,
                initial_sequence_counter: number(el, INITIAL_SEQUENCE_COUNTER)?,
                ecc_key_length: EccKeyLength::parse(&text(el, ECC_KEY_LENGTH)?)?,
                scenario_parameter: byte(el, SCENARIO_PARAMETER)?,
                host_id: match el.child(NS_GSMA, HOST_ID_SCHEMA) {
                    Some(_) if el.child(NS_GSMA, HOST_ID).is_none() => bytes(el, HOST_ID_SCHEMA)?,
                    _ => bytes(el, HOST_ID)?,
                },
                ephemeral_public_key: bytes(el, EPHEMERAL_PUBLIC_KEY)?,
                signature: bytes(el, SIGNATURE)?,
            },
            _ => return Err(WsError::UnknownMessage(el.name.clone())),
        })
    }
}

fn non_empty(name: &'static str, v: Vec<u8>) -> Result<Vec<u8>, WsError> {
    if v.is_empty() {
        Err(WsError::Invalid(name, "empty".into()))
    } else {
        Ok(v)
    }
}

/// A required, non-empty hex child.
fn bytes(el: &Element, name: &'static str) -> Result<Vec<u8>, WsError> {
    non_empty(name, hex_value(name, &text(el, name)?)?)
}

/// An optional, non-empty hex child.
fn opt_bytes(el: &Element, name: &'static str) -> Result<Option<Vec<u8>>, WsError> {
    opt_text(el, name)
        .map(|t| non_empty(name, hex_value(name, &t)?))
        .transpose()
}

/// A required number of one byte.
fn byte(el: &Element, name: &'static str) -> Result<u8, WsError> {
    let v = number(el, name)?;
    u8::try_from(v).map_err(|_| WsError::Invalid(name, v.to_string()))
}

/// An ES7 function's body element name (the interface argument of [`Function::element`]
/// only tells ES3's DeleteISDP from DeleteProfile).
fn body_name(function: Function) -> &'static str {
    function.element(super::Interface::Es4)
}

/// An ES7 response: `FunctionExecutionStatus` and the function's outputs (only those of
/// [`Es7Response::function`] are written and read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Es7Response {
    /// The function answered.
    pub function: Function,
    /// Outcome.
    pub status: FunctionExecutionStatus,
    /// AuthenticateSMSR: the eUICC's random challenge (`RandomChallenge`, hex), required
    /// when the function succeeded.
    pub random_challenge: Option<Vec<u8>>,
    /// CreateAdditionalKeySet: the eUICC's derivation random (`DerivationRandom`, hex), if
    /// the scenario has one.
    pub derivation_random: Option<Vec<u8>>,
    /// CreateAdditionalKeySet: the eUICC's receipt (`Receipt`, hex), required when the
    /// function succeeded.
    pub receipt: Option<Vec<u8>>,
}

impl Es7Request {
    /// The current SM-SR's relay of AuthenticateSMSR / CreateAdditionalKeySet to the
    /// eUICC: the C-APDU for the ISD-R (ES5, the ISD-R's TAR, no INSTALL [for
    /// personalization]). AuthenticateSMSR → STORE DATA DGI `3A01` with CERT.SR.ECDSA
    /// (which must be an SM-SR certificate); CreateAdditionalKeySet → STORE DATA DGI
    /// `3A02` with the CRT rebuilt by [`KeyAgreementCrt::isd_r`], `EphemeralPublicKey` as
    /// its `7F49` TLV (our reading) and the signature. `None` for HandoverEUICC.
    pub fn isd_r_apdu(&self) -> Result<Option<Vec<u8>>, Sgp02Error> {
        match self {
            Es7Request::HandoverEuicc(_) => Ok(None),
            Es7Request::AuthenticateSmsr {
                smsr_certificate, ..
            } => {
                let cert = GpCertificate::parse(smsr_certificate)?;
                if cert.certificate_type() != Some(sc::CERT_TYPE_SMSR) {
                    return Err(Sgp02Error::InvalidValue("not an SM-SR certificate"));
                }
                KeySetCertificate(cert).to_apdu().map(Some)
            }
            Es7Request::CreateAdditionalKeySet {
                key_version_number,
                initial_sequence_counter,
                scenario_parameter,
                host_id,
                ephemeral_public_key,
                signature,
                ..
            } => {
                let with_host = scenario_parameter & sc::SCENARIO_PARAM_HOST_ID != 0;
                KeySetKeyAgreement {
                    crt: KeyAgreementCrt::isd_r(
                        *key_version_number,
                        *initial_sequence_counter,
                        *scenario_parameter,
                        with_host.then(|| host_id.clone()),
                    )?,
                    ephemeral_key: EcPublicKey::parse(ephemeral_public_key)?,
                    signature: signature.clone(),
                }
                .to_apdu()
                .map(Some)
            }
        }
    }
}

impl Es7Response {
    /// The successful response of AuthenticateSMSR or CreateAdditionalKeySet from the
    /// data of the ISD-R's answer to [`Es7Request::isd_r_apdu`] (`85` challenge; [`85` DR]
    /// ‖ `86` receipt).
    pub fn from_isd_r_answer(function: Function, data: &[u8]) -> Result<Self, Sgp02Error> {
        let mut r = Self::new(function, FunctionExecutionStatus::success());
        match function {
            Function::AuthenticateSmsr => {
                r.random_challenge = Some(RandomChallenge::parse(data)?.0);
            }
            Function::CreateAdditionalKeySet => {
                let a = KeySetReceipt::parse(data)?;
                r.derivation_random = a.derivation_random;
                r.receipt = Some(a.receipt);
            }
            _ => return Err(Sgp02Error::InvalidValue("not an ISD-R key establishment")),
        }
        Ok(r)
    }

    /// A response with only its status (HandoverEUICC, or a failure).
    pub fn new(function: Function, status: FunctionExecutionStatus) -> Self {
        Self {
            function,
            status,
            random_challenge: None,
            derivation_random: None,
            receipt: None,
        }
    }

    /// The output a successful response of `function` must carry.
    fn required(function: Function) -> Option<&'static str> {
        match function {
            Function::AuthenticateSmsr => Some(RANDOM_CHALLENGE),
            Function::CreateAdditionalKeySet => Some(RECEIPT),
            _ => None,
        }
    }
}

/// Any ES7 message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Es7Message {
    /// A function call.
    Request(Request<Es7Request>),
    /// Its result (synchronous, or asynchronous to ReplyTo with RelatesTo = the request's
    /// MessageID).
    Response(Es7Response),
    /// HandleSMSRChangeNotification: SM-SR1 deleted the EIS (see the module docs).
    SmsrChange(SmsrChangeNotification),
}

impl Es7Message {
    /// The `wsa:Action` this message travels with.
    pub fn action(&self) -> String {
        match self {
            Self::Request(r) => es7_request_action(r.body.function()),
            Self::Response(r) => es7_response_action(r.function),
            Self::SmsrChange(_) => es7_notification_action(),
        }
    }

    /// The body element.
    pub fn to_element(&self) -> Element {
        let name = body_name;
        let hex = |n: &str, v: &Option<Vec<u8>>| {
            v.as_ref().map(|v| Element::leaf(n, hex::encode_upper(v)))
        };
        match self {
            Self::Request(r) => request_element(name(r.body.function()), r, r.body.fields()),
            Self::Response(r) => {
                let el = Element::gsma(&format!("{}{RESPONSE_SUFFIX}", name(r.function)))
                    .with(r.status.to_element());
                match r.function {
                    Function::AuthenticateSmsr => {
                        el.with_opt(hex(RANDOM_CHALLENGE, &r.random_challenge))
                    }
                    Function::CreateAdditionalKeySet => el
                        .with_opt(hex(DERIVATION_RANDOM, &r.derivation_random))
                        .with_opt(hex(RECEIPT, &r.receipt)),
                    _ => el,
                }
            }
            Self::SmsrChange(n) => n.to_element(),
        }
    }

    /// Reads an ES7 body element.
    pub fn from_element(el: &Element) -> Result<Self, WsError> {
        let unknown = || WsError::UnknownMessage(format!("{{{}}}{}", el.ns, el.name));
        if el.ns != NS_GSMA {
            return Err(unknown());
        }
        if let Some(n) = SmsrChangeNotification::read(el) {
            return Ok(Self::SmsrChange(n?));
        }
        let find = |name: &str| Function::ES7.into_iter().find(|f| body_name(*f) == name);
        if let Some(function) = el.name.strip_suffix(RESPONSE_SUFFIX).and_then(find) {
            let status = FunctionExecutionStatus::from_element(
                el.child(NS_GSMA, EXECUTION_STATUS)
                    .ok_or(WsError::Missing(EXECUTION_STATUS))?,
            )?;
            let mut r = Es7Response::new(function, status);
            match function {
                Function::AuthenticateSmsr => {
                    r.random_challenge = opt_bytes(el, RANDOM_CHALLENGE)?;
                }
                Function::CreateAdditionalKeySet => {
                    r.derivation_random = opt_bytes(el, DERIVATION_RANDOM)?;
                    r.receipt = opt_bytes(el, RECEIPT)?;
                }
                _ => {}
            }
            let succeeded = matches!(
                r.status.status,
                ExecutionStatus::Success | ExecutionStatus::WithWarning
            );
            if let Some(name) = Es7Response::required(function)
                && succeeded
                && el.child(NS_GSMA, name).is_none()
            {
                return Err(WsError::Missing(name));
            }
            return Ok(Self::Response(r));
        }
        let function = find(&el.name).ok_or_else(unknown)?;
        Ok(Self::Request(read_request(el, |el| {
            Es7Request::read(function, el)
        })?))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ws::eis::{Ecasd, ProfileInfo, ProfileState};
    use crate::ws::envelope;
    use crate::ws::{StatusCodeData, SubscriptionAddress};

    const EID_: &str = "89049032123451234512345678901235";
    const MSG_ID: &str = "urn:uuid:6b1a6f8e-1c1d-4a1e-9d55-2c7d0d1e0a01";
    /// A CERT.SR.ECDSA-shaped GlobalPlatform certificate (`7F21` { `93` serial, `42` CA,
    /// … }), truncated: the codec checks the tag only.
    const CERT: [u8; 12] = [
        0x7F, 0x21, 0x09, 0x93, 0x01, 0x01, 0x42, 0x04, 0x45, 0x47, 0x4D, 0x41,
    ];

    fn request_header() -> WsHeader {
        WsHeader {
            to: Some("https://smsr1.example.com/gsma/ES7".into()),
            from: Some("http://smsr2.example.com/SMSR2".into()),
            reply_to: Some("https://smsr2.example.com/gsma/ES7".into()),
            message_id: MSG_ID.into(),
            ..WsHeader::default()
        }
    }

    fn response_header() -> WsHeader {
        WsHeader {
            to: Some("https://smsr2.example.com/gsma/ES7".into()),
            from: Some("http://smsr1.example.com/SMSR1".into()),
            message_id: "urn:uuid:0c0ffee0-0000-4000-8000-000000000002".into(),
            relates_to: Some(MSG_ID.into()),
            ..WsHeader::default()
        }
    }

    fn eis() -> Eis {
        Eis {
            eid: EID_.into(),
            eum_id: "1.3.6.1.4.1.99999.10".into(),
            production_date: "2026-01-15T00:00:00Z".into(),
            platform_type: "JavaCard".into(),
            platform_version: "3.0.5".into(),
            ecasd: Some(Ecasd {
                aid: "A0000005591010FFFFFFFF8900000200".into(),
                certificate: vec![0x30, 0x03, 0x02, 0x01, 0x01],
            }),
            remaining_memory: Some(300_000),
            available_memory_for_profiles: None,
            smsr_id: Some("1.3.6.1.4.1.99999.20".into()),
            profiles: vec![ProfileInfo {
                iccid: "8944500102198304826".into(),
                isdp_aid: "A0000005591010FFFFFFFF8900001000".into(),
                mno_id: "1.3.6.1.4.1.99999.30".into(),
                fallback_attribute: true,
                subscription_address: Some(SubscriptionAddress {
                    msisdn: Some("447700900123".into()),
                    imsi: None,
                }),
                state: ProfileState::Enabled,
                smdp_id: None,
                profile_type: None,
                allocated_memory: None,
                pol2: None,
            }],
            isd_r: None,
        }
    }

    fn req(body: Es7Request) -> Es7Message {
        Es7Message::Request(Request {
            function_call_identifier: "call-0001".into(),
            validity_period: Some(600),
            body,
        })
    }

    fn authenticate() -> Es7Request {
        Es7Request::AuthenticateSmsr {
            eid: EID_.into(),
            smsr_certificate: CERT.to_vec(),
        }
    }

    fn key_set() -> Es7Request {
        Es7Request::CreateAdditionalKeySet {
            eid: EID_.into(),
            key_version_number: 0x0A,
            initial_sequence_counter: 1,
            ecc_key_length: EccKeyLength::Ecc256,
            scenario_parameter: 0x09,
            host_id: b"SMSR2".to_vec(),
            ephemeral_public_key: [&[0x04][..], &[0x11; 64]].concat(),
            signature: vec![0x5A; 64],
        }
    }

    fn authenticate_response() -> Es7Response {
        Es7Response {
            random_challenge: Some((0x20..0x30).collect()),
            ..Es7Response::new(
                Function::AuthenticateSmsr,
                FunctionExecutionStatus::success(),
            )
        }
    }

    fn key_set_response() -> Es7Response {
        Es7Response {
            derivation_random: Some((0x40..0x50).collect()),
            receipt: Some((0x60..0x70).collect()),
            ..Es7Response::new(
                Function::CreateAdditionalKeySet,
                FunctionExecutionStatus::success(),
            )
        }
    }

    fn failed() -> FunctionExecutionStatus {
        FunctionExecutionStatus {
            status: ExecutionStatus::Failed,
            status_code_data: Some(StatusCodeData {
                subject_code: "8.5.3".into(),
                reason_code: "6.3".into(),
                subject_identifier: None,
                message: Some("invalid certificate".into()),
            }),
        }
    }

    fn notification() -> SmsrChangeNotification {
        SmsrChangeNotification {
            eis: Box::new(eis()),
            completion_timestamp: "2026-12-06T05:00:00Z".into(),
        }
    }

    fn messages() -> Vec<Es7Message> {
        let mut v = vec![
            req(Es7Request::HandoverEuicc(Box::new(eis()))),
            req(authenticate()),
            req(key_set()),
            Es7Message::Response(Es7Response::new(
                Function::HandoverEuicc,
                FunctionExecutionStatus::success(),
            )),
            Es7Message::Response(authenticate_response()),
            Es7Message::Response(key_set_response()),
            Es7Message::Response(Es7Response {
                derivation_random: None,
                ..key_set_response()
            }),
            Es7Message::SmsrChange(notification()),
        ];
        v.extend(
            Function::ES7
                .into_iter()
                .map(|f| Es7Message::Response(Es7Response::new(f, failed()))),
        );
        v
    }

    fn build(msg: &Es7Message) -> String {
        let header = match msg {
            Es7Message::Request(_) => request_header(),
            _ => response_header(),
        };
        envelope::build(&msg.envelope(header))
    }

    const HANDOVER_GOLDEN: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing" xmlns:rps="http://namespaces.gsma.org/esim-messaging/1">
  <env:Header>
    <wsa:To>https://smsr1.example.com/gsma/ES7</wsa:To>
    <wsa:From>
      <wsa:Address>http://smsr2.example.com/SMSR2</wsa:Address>
    </wsa:From>
    <wsa:ReplyTo>
      <wsa:Address>https://smsr2.example.com/gsma/ES7</wsa:Address>
    </wsa:ReplyTo>
    <wsa:MessageID>urn:uuid:6b1a6f8e-1c1d-4a1e-9d55-2c7d0d1e0a01</wsa:MessageID>
    <wsa:Action>http://gsma.com/ES7/eUICCManagement/ES7-HandoverEUICC</wsa:Action>
  </env:Header>
  <env:Body>
    <rps:HandoverEUICC>
      <rps:FunctionCallIdentifier>call-0001</rps:FunctionCallIdentifier>
      <rps:ValidityPeriod>600</rps:ValidityPeriod>
      <rps:Eis>
        <rps:EumSignedInfo>
          <rps:Eid>89049032123451234512345678901235</rps:Eid>
          <rps:Eum-Id>1.3.6.1.4.1.99999.10</rps:Eum-Id>
          <rps:ProductionDate>2026-01-15T00:00:00Z</rps:ProductionDate>
          <rps:PlatformType>JavaCard</rps:PlatformType>
          <rps:PlatformVersion>3.0.5</rps:PlatformVersion>
          <rps:Ecasd>
            <rps:Aid>A0000005591010FFFFFFFF8900000200</rps:Aid>
            <rps:Certificate>MAMCAQE=</rps:Certificate>
          </rps:Ecasd>
        </rps:EumSignedInfo>
        <rps:RemainingMemory>300000</rps:RemainingMemory>
        <rps:Smsr-id>1.3.6.1.4.1.99999.20</rps:Smsr-id>
        <rps:ProfileInfo>
          <rps:Iccid>8944500102198304826</rps:Iccid>
          <rps:Isd-p-aid>A0000005591010FFFFFFFF8900001000</rps:Isd-p-aid>
          <rps:Mno-id>1.3.6.1.4.1.99999.30</rps:Mno-id>
          <rps:FallbackAttribute>true</rps:FallbackAttribute>
          <rps:SubscriptionAddress>
            <rps:Msisdn>447700900123</rps:Msisdn>
          </rps:SubscriptionAddress>
          <rps:State>Enabled</rps:State>
        </rps:ProfileInfo>
      </rps:Eis>
    </rps:HandoverEUICC>
  </env:Body>
</env:Envelope>
"#;

    const AUTHENTICATE_GOLDEN: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing" xmlns:rps="http://namespaces.gsma.org/esim-messaging/1">
  <env:Header>
    <wsa:To>https://smsr1.example.com/gsma/ES7</wsa:To>
    <wsa:From>
      <wsa:Address>http://smsr2.example.com/SMSR2</wsa:Address>
    </wsa:From>
    <wsa:ReplyTo>
      <wsa:Address>https://smsr2.example.com/gsma/ES7</wsa:Address>
    </wsa:ReplyTo>
    <wsa:MessageID>urn:uuid:6b1a6f8e-1c1d-4a1e-9d55-2c7d0d1e0a01</wsa:MessageID>
    <wsa:Action>http://gsma.com/ES7/eUICCManagement/ES7-AuthenticateSMSR</wsa:Action>
  </env:Header>
  <env:Body>
    <rps:AuthenticateSMSR>
      <rps:FunctionCallIdentifier>call-0001</rps:FunctionCallIdentifier>
      <rps:ValidityPeriod>600</rps:ValidityPeriod>
      <rps:Eid>89049032123451234512345678901235</rps:Eid>
      <rps:SmsrCertificate>7F2109930101420445474D41</rps:SmsrCertificate>
    </rps:AuthenticateSMSR>
  </env:Body>
</env:Envelope>
"#;

    const KEY_SET_GOLDEN: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing" xmlns:rps="http://namespaces.gsma.org/esim-messaging/1">
  <env:Header>
    <wsa:To>https://smsr1.example.com/gsma/ES7</wsa:To>
    <wsa:From>
      <wsa:Address>http://smsr2.example.com/SMSR2</wsa:Address>
    </wsa:From>
    <wsa:ReplyTo>
      <wsa:Address>https://smsr2.example.com/gsma/ES7</wsa:Address>
    </wsa:ReplyTo>
    <wsa:MessageID>urn:uuid:6b1a6f8e-1c1d-4a1e-9d55-2c7d0d1e0a01</wsa:MessageID>
    <wsa:Action>http://gsma.com/ES7/eUICCManagement/ES7-CreateAdditionalKeySet</wsa:Action>
  </env:Header>
  <env:Body>
    <rps:CreateAdditionalKeySet>
      <rps:FunctionCallIdentifier>call-0001</rps:FunctionCallIdentifier>
      <rps:ValidityPeriod>600</rps:ValidityPeriod>
      <rps:Eid>89049032123451234512345678901235</rps:Eid>
      <rps:KeyVersionNumber>10</rps:KeyVersionNumber>
      <rps:InitialSequenceCounter>1</rps:InitialSequenceCounter>
      <rps:ECCKeyLength>ECC-256</rps:ECCKeyLength>
      <rps:ScenarioParameter>9</rps:ScenarioParameter>
      <rps:HostID>534D535232</rps:HostID>
      <rps:EphemeralPublicKey>0411111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111</rps:EphemeralPublicKey>
      <rps:Signature>5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A</rps:Signature>
    </rps:CreateAdditionalKeySet>
  </env:Body>
</env:Envelope>
"#;

    const AUTHENTICATE_RESPONSE_GOLDEN: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing" xmlns:rps="http://namespaces.gsma.org/esim-messaging/1">
  <env:Header>
    <wsa:To>https://smsr2.example.com/gsma/ES7</wsa:To>
    <wsa:From>
      <wsa:Address>http://smsr1.example.com/SMSR1</wsa:Address>
    </wsa:From>
    <wsa:MessageID>urn:uuid:0c0ffee0-0000-4000-8000-000000000002</wsa:MessageID>
    <wsa:Action>http://gsma.com/ES7/eUICCManagement/ES7-AuthenticateSMSRResponse</wsa:Action>
    <wsa:RelatesTo>urn:uuid:6b1a6f8e-1c1d-4a1e-9d55-2c7d0d1e0a01</wsa:RelatesTo>
  </env:Header>
  <env:Body>
    <rps:AuthenticateSMSRResponse>
      <rps:FunctionExecutionStatus>
        <rps:Status>Executed-Success</rps:Status>
      </rps:FunctionExecutionStatus>
      <rps:RandomChallenge>202122232425262728292A2B2C2D2E2F</rps:RandomChallenge>
    </rps:AuthenticateSMSRResponse>
  </env:Body>
</env:Envelope>
"#;

    const KEY_SET_RESPONSE_GOLDEN: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing" xmlns:rps="http://namespaces.gsma.org/esim-messaging/1">
  <env:Header>
    <wsa:To>https://smsr2.example.com/gsma/ES7</wsa:To>
    <wsa:From>
      <wsa:Address>http://smsr1.example.com/SMSR1</wsa:Address>
    </wsa:From>
    <wsa:MessageID>urn:uuid:0c0ffee0-0000-4000-8000-000000000002</wsa:MessageID>
    <wsa:Action>http://gsma.com/ES7/eUICCManagement/ES7-CreateAdditionalKeySetResponse</wsa:Action>
    <wsa:RelatesTo>urn:uuid:6b1a6f8e-1c1d-4a1e-9d55-2c7d0d1e0a01</wsa:RelatesTo>
  </env:Header>
  <env:Body>
    <rps:CreateAdditionalKeySetResponse>
      <rps:FunctionExecutionStatus>
        <rps:Status>Executed-Success</rps:Status>
      </rps:FunctionExecutionStatus>
      <rps:DerivationRandom>404142434445464748494A4B4C4D4E4F</rps:DerivationRandom>
      <rps:Receipt>606162636465666768696A6B6C6D6E6F</rps:Receipt>
    </rps:CreateAdditionalKeySetResponse>
  </env:Body>
</env:Envelope>
"#;

    const NOTIFICATION_GOLDEN: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing" xmlns:rps="http://namespaces.gsma.org/esim-messaging/1">
  <env:Header>
    <wsa:To>https://smsr2.example.com/gsma/ES7</wsa:To>
    <wsa:From>
      <wsa:Address>http://smsr1.example.com/SMSR1</wsa:Address>
    </wsa:From>
    <wsa:MessageID>urn:uuid:0c0ffee0-0000-4000-8000-000000000002</wsa:MessageID>
    <wsa:Action>http://gsma.com/ES7/eUICCManagementCallBack/ES7-HandleSMSRChangeNotification</wsa:Action>
    <wsa:RelatesTo>urn:uuid:6b1a6f8e-1c1d-4a1e-9d55-2c7d0d1e0a01</wsa:RelatesTo>
  </env:Header>
  <env:Body>
    <rps:HandleSMSRChangeNotification>
      <rps:Eis>
        <rps:EumSignedInfo>
          <rps:Eid>89049032123451234512345678901235</rps:Eid>
          <rps:Eum-Id>1.3.6.1.4.1.99999.10</rps:Eum-Id>
          <rps:ProductionDate>2026-01-15T00:00:00Z</rps:ProductionDate>
          <rps:PlatformType>JavaCard</rps:PlatformType>
          <rps:PlatformVersion>3.0.5</rps:PlatformVersion>
          <rps:Ecasd>
            <rps:Aid>A0000005591010FFFFFFFF8900000200</rps:Aid>
            <rps:Certificate>MAMCAQE=</rps:Certificate>
          </rps:Ecasd>
        </rps:EumSignedInfo>
        <rps:RemainingMemory>300000</rps:RemainingMemory>
        <rps:Smsr-id>1.3.6.1.4.1.99999.20</rps:Smsr-id>
        <rps:ProfileInfo>
          <rps:Iccid>8944500102198304826</rps:Iccid>
          <rps:Isd-p-aid>A0000005591010FFFFFFFF8900001000</rps:Isd-p-aid>
          <rps:Mno-id>1.3.6.1.4.1.99999.30</rps:Mno-id>
          <rps:FallbackAttribute>true</rps:FallbackAttribute>
          <rps:SubscriptionAddress>
            <rps:Msisdn>447700900123</rps:Msisdn>
          </rps:SubscriptionAddress>
          <rps:State>Enabled</rps:State>
        </rps:ProfileInfo>
      </rps:Eis>
      <rps:CompletionTimestamp>2026-12-06T05:00:00Z</rps:CompletionTimestamp>
    </rps:HandleSMSRChangeNotification>
  </env:Body>
</env:Envelope>
"#;

    /// Every leaf under `el` as (path, text), in document order, the GSMA namespace
    /// checked on the way.
    fn leaves(el: &Element) -> Vec<(String, String)> {
        fn walk(el: &Element, path: &str, out: &mut Vec<(String, String)>) {
            for c in &el.children {
                assert_eq!(c.ns, NS_GSMA, "{}", c.name);
                let p = if path.is_empty() {
                    c.name.clone()
                } else {
                    format!("{path}/{}", c.name)
                };
                if c.children.is_empty() {
                    out.push((p, c.trimmed().to_owned()));
                } else {
                    walk(c, &p, out);
                }
            }
        }
        let mut out = Vec::new();
        walk(el, "", &mut out);
        out
    }

    fn check_golden(golden: &str, msg: &Es7Message, body: &str, want: &[(&str, &str)]) {
        assert_eq!(build(msg), golden, "written bytes differ");
        let env = envelope::parse(golden).expect("golden");
        assert_eq!(env.header.action, msg.action());
        assert!(env.body.is(NS_GSMA, body), "{}", env.body.name);
        let want: Vec<_> = want
            .iter()
            .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()))
            .collect();
        assert_eq!(leaves(&env.body), want);
        assert_eq!(&Es7Message::from_envelope(&env).expect("read"), msg);
    }

    const EIS_LEAVES: [(&str, &str); 14] = [
        ("Eis/EumSignedInfo/Eid", EID_),
        ("Eis/EumSignedInfo/Eum-Id", "1.3.6.1.4.1.99999.10"),
        ("Eis/EumSignedInfo/ProductionDate", "2026-01-15T00:00:00Z"),
        ("Eis/EumSignedInfo/PlatformType", "JavaCard"),
        ("Eis/EumSignedInfo/PlatformVersion", "3.0.5"),
        (
            "Eis/EumSignedInfo/Ecasd/Aid",
            "A0000005591010FFFFFFFF8900000200",
        ),
        ("Eis/EumSignedInfo/Ecasd/Certificate", "MAMCAQE="),
        ("Eis/RemainingMemory", "300000"),
        ("Eis/Smsr-id", "1.3.6.1.4.1.99999.20"),
        ("Eis/ProfileInfo/Iccid", "8944500102198304826"),
        (
            "Eis/ProfileInfo/Isd-p-aid",
            "A0000005591010FFFFFFFF8900001000",
        ),
        ("Eis/ProfileInfo/Mno-id", "1.3.6.1.4.1.99999.30"),
        ("Eis/ProfileInfo/FallbackAttribute", "true"),
        ("Eis/ProfileInfo/SubscriptionAddress/Msisdn", "447700900123"),
    ];

    #[test]
    fn handover_euicc_matches_golden() {
        let mut want = vec![
            ("FunctionCallIdentifier", "call-0001"),
            ("ValidityPeriod", "600"),
        ];
        want.extend(EIS_LEAVES);
        want.push(("Eis/ProfileInfo/State", "Enabled"));
        check_golden(
            HANDOVER_GOLDEN,
            &req(Es7Request::HandoverEuicc(Box::new(eis()))),
            "HandoverEUICC",
            &want,
        );
        let mut want = EIS_LEAVES.to_vec();
        want.push(("Eis/ProfileInfo/State", "Enabled"));
        want.push(("CompletionTimestamp", "2026-12-06T05:00:00Z"));
        check_golden(
            NOTIFICATION_GOLDEN,
            &Es7Message::SmsrChange(notification()),
            "HandleSMSRChangeNotification",
            &want,
        );
    }

    #[test]
    fn authenticate_smsr_matches_golden() {
        check_golden(
            AUTHENTICATE_GOLDEN,
            &req(authenticate()),
            "AuthenticateSMSR",
            &[
                ("FunctionCallIdentifier", "call-0001"),
                ("ValidityPeriod", "600"),
                ("Eid", EID_),
                ("SmsrCertificate", "7F2109930101420445474D41"),
            ],
        );
        check_golden(
            AUTHENTICATE_RESPONSE_GOLDEN,
            &Es7Message::Response(authenticate_response()),
            "AuthenticateSMSRResponse",
            &[
                ("FunctionExecutionStatus/Status", "Executed-Success"),
                ("RandomChallenge", "202122232425262728292A2B2C2D2E2F"),
            ],
        );
    }

    #[test]
    fn create_additional_key_set_matches_golden() {
        let epk = format!("04{}", "11".repeat(64));
        let signature = "5A".repeat(64);
        check_golden(
            KEY_SET_GOLDEN,
            &req(key_set()),
            "CreateAdditionalKeySet",
            &[
                ("FunctionCallIdentifier", "call-0001"),
                ("ValidityPeriod", "600"),
                ("Eid", EID_),
                ("KeyVersionNumber", "10"),
                ("InitialSequenceCounter", "1"),
                ("ECCKeyLength", "ECC-256"),
                ("ScenarioParameter", "9"),
                ("HostID", "534D535232"),
                ("EphemeralPublicKey", &epk),
                ("Signature", &signature),
            ],
        );
        check_golden(
            KEY_SET_RESPONSE_GOLDEN,
            &Es7Message::Response(key_set_response()),
            "CreateAdditionalKeySetResponse",
            &[
                ("FunctionExecutionStatus/Status", "Executed-Success"),
                ("DerivationRandom", "404142434445464748494A4B4C4D4E4F"),
                ("Receipt", "606162636465666768696A6B6C6D6E6F"),
            ],
        );
    }

    #[test]
    fn messages_round_trip() {
        let mut actions = std::collections::HashSet::new();
        for (n, msg) in messages().iter().enumerate() {
            let header = match msg {
                Es7Message::Request(_) => request_header(),
                _ => response_header(),
            };
            let env = msg.envelope(header);
            assert_eq!(env.header.action, msg.action());
            let text = envelope::build(&env);
            let parsed = envelope::parse(&text).expect("parse");
            assert_eq!(parsed, env, "envelope {n}");
            let back = Es7Message::from_envelope(&parsed).expect("message");
            assert_eq!(&back, msg, "message {n}:\n{text}");
            assert_eq!(envelope::build(&back.envelope(parsed.header.clone())), text);
            actions.insert(msg.action());
        }
        // Three requests, three responses and the notification.
        assert_eq!(actions.len(), 7);
    }

    /// `golden` with `from` replaced by `to`, read.
    fn read(golden: &str, from: &str, to: &str) -> Result<Es7Message, WsError> {
        let text = golden.replace(from, to);
        assert_ne!(text, golden, "{from} not in the golden text");
        Es7Message::from_envelope(&envelope::parse(&text).expect("parse"))
    }

    #[test]
    fn refusals() {
        let eid_line = format!("      <rps:Eid>{EID_}</rps:Eid>\n");
        for golden in [AUTHENTICATE_GOLDEN, KEY_SET_GOLDEN] {
            assert_eq!(read(golden, &eid_line, ""), Err(WsError::Missing("Eid")));
            assert!(matches!(
                read(golden, EID_, "8904903212345123451234567890123"),
                Err(WsError::Invalid("Eid", _))
            ));
        }
        assert!(matches!(
            read(HANDOVER_GOLDEN, EID_, "8904903212345123451234567890123X"),
            Err(WsError::Invalid("Eid", _))
        ));
        let eis_start = HANDOVER_GOLDEN.find("      <rps:Eis>").expect("Eis");
        let eis_end = HANDOVER_GOLDEN.find("</rps:Eis>\n").expect("/Eis") + 11;
        assert_eq!(
            read(HANDOVER_GOLDEN, &HANDOVER_GOLDEN[eis_start..eis_end], ""),
            Err(WsError::Missing("Eis"))
        );
        // Bad hex, and hex that is no GlobalPlatform certificate.
        assert!(matches!(
            read(AUTHENTICATE_GOLDEN, "7F2109930101", "7F2109930G01"),
            Err(WsError::Invalid("SmsrCertificate", _))
        ));
        assert!(matches!(
            read(AUTHENTICATE_GOLDEN, ">7F21", ">7F4E"),
            Err(WsError::Invalid("SmsrCertificate", _))
        ));
        assert!(matches!(
            read(KEY_SET_GOLDEN, ">0411", ">0X11"),
            Err(WsError::Invalid("EphemeralPublicKey", _))
        ));
        assert!(matches!(
            read(KEY_SET_GOLDEN, ">5A5A", ">5A5"),
            Err(WsError::Invalid("Signature", _))
        ));
        assert!(matches!(
            read(KEY_SET_GOLDEN, ">534D535232<", "><"),
            Err(WsError::Invalid("HostID", _))
        ));
        assert!(matches!(
            read(KEY_SET_RESPONSE_GOLDEN, ">6061", ">Z061"),
            Err(WsError::Invalid("Receipt", _))
        ));
        assert!(matches!(
            read(AUTHENTICATE_RESPONSE_GOLDEN, ">2021", ">2O21"),
            Err(WsError::Invalid("RandomChallenge", _))
        ));
        // Out of range and unknown values.
        assert!(matches!(
            read(
                KEY_SET_GOLDEN,
                ">10</rps:KeyVersionNumber>",
                ">256</rps:KeyVersionNumber>"
            ),
            Err(WsError::Invalid("KeyVersionNumber", _))
        ));
        assert!(matches!(
            read(KEY_SET_GOLDEN, "ECC-256", "ECC-255"),
            Err(WsError::Invalid("ECCKeyLength", _))
        ));
        // A successful response without its output.
        let rc =
            "      <rps:RandomChallenge>202122232425262728292A2B2C2D2E2F</rps:RandomChallenge>\n";
        assert_eq!(
            read(AUTHENTICATE_RESPONSE_GOLDEN, rc, ""),
            Err(WsError::Missing("RandomChallenge"))
        );
        let receipt = "      <rps:Receipt>606162636465666768696A6B6C6D6E6F</rps:Receipt>\n";
        assert_eq!(
            read(KEY_SET_RESPONSE_GOLDEN, receipt, ""),
            Err(WsError::Missing("Receipt"))
        );
        // The action must match, and ES4's bodies are no ES7 messages.
        assert!(matches!(
            read(
                AUTHENTICATE_GOLDEN,
                "ES7-AuthenticateSMSR<",
                "ES7-CreateAdditionalKeySet<"
            ),
            Err(WsError::ActionMismatch(_))
        ));
        assert!(matches!(
            read(
                AUTHENTICATE_GOLDEN,
                "rps:AuthenticateSMSR>",
                "rps:EnableProfile>"
            ),
            Err(WsError::UnknownMessage(_))
        ));
    }

    #[test]
    fn schema_spelling_of_host_id_is_accepted() {
        let text = KEY_SET_GOLDEN.replace("HostID>", "HostId>");
        let env = envelope::parse(&text).expect("parse");
        assert_eq!(
            Es7Message::from_envelope(&env).expect("read"),
            req(key_set())
        );
    }

    #[test]
    fn isd_r_relay_of_the_key_establishment() {
        let r = Es7Response::from_isd_r_answer(
            Function::AuthenticateSmsr,
            &[&[0x85, 0x10][..], &[7; 16]].concat(),
        )
        .expect("challenge");
        assert_eq!(r.random_challenge, Some(vec![7; 16]));
        let data = KeySetReceipt {
            derivation_random: Some(vec![1; 16]),
            receipt: vec![2; 16],
        }
        .encode()
        .expect("receipt");
        let r = Es7Response::from_isd_r_answer(Function::CreateAdditionalKeySet, &data)
            .expect("receipt");
        assert_eq!(r.derivation_random, Some(vec![1; 16]));
        assert_eq!(r.receipt, Some(vec![2; 16]));
        assert!(Es7Response::from_isd_r_answer(Function::HandoverEuicc, &data).is_err());
        assert!(Es7Response::from_isd_r_answer(Function::AuthenticateSmsr, &data).is_err());

        let ephemeral = EcPublicKey {
            q: [&[0x04][..], &[0x22; 64]].concat(),
            parameter_reference: sc::KEY_PARAMETER_P256,
        };
        let req = Es7Request::CreateAdditionalKeySet {
            eid: "89049032000000000000000000000163".into(),
            key_version_number: 3,
            initial_sequence_counter: 1,
            ecc_key_length: EccKeyLength::Ecc256,
            scenario_parameter: sc::SCENARIO_PARAM_CERTIFICATE
                | sc::SCENARIO_PARAM_DR
                | sc::SCENARIO_PARAM_HOST_ID,
            host_id: b"SMSR2".to_vec(),
            ephemeral_public_key: ephemeral.to_tlv().expect("7F49"),
            signature: vec![0x44; 64],
        };
        let apdu = req.isd_r_apdu().expect("relay").expect("an APDU");
        assert_eq!(&apdu[..4], &[0x80, 0xE2, 0x89, 0x01]);
        let crt = KeyAgreementCrt::isd_r(
            3,
            1,
            sc::SCENARIO_PARAM_CERTIFICATE | sc::SCENARIO_PARAM_DR | sc::SCENARIO_PARAM_HOST_ID,
            Some(b"SMSR2".to_vec()),
        )
        .expect("crt");
        let want = KeySetKeyAgreement {
            crt,
            ephemeral_key: ephemeral,
            signature: vec![0x44; 64],
        };
        assert_eq!(apdu, want.to_apdu().expect("apdu"));
        let not_a_cert = Es7Request::AuthenticateSmsr {
            eid: "89049032000000000000000000000163".into(),
            smsr_certificate: vec![0x7F, 0x21, 0x00],
        };
        assert!(not_a_cert.isd_r_apdu().is_err());
    }
}
