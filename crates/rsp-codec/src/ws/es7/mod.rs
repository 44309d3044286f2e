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
mod tests;
