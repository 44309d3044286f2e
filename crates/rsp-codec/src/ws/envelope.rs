//! The SOAP 1.2 envelope with WS-Addressing 1.0 headers (SGP.02 Annex B, our reading: one
//! body element, `wsa:To`, `wsa:From/wsa:Address`, `wsa:ReplyTo/wsa:Address`,
//! `wsa:MessageID`, `wsa:Action`, `wsa:RelatesTo`), and SOAP faults (SOAP 1.2 part 1 §5.4).
//! Parsing is namespace-aware: any prefixes, comments and whitespace are accepted.

use super::WsError;
use super::names::*;
use super::xml::{self, Element, XML_NS};

/// The WS-Addressing header fields SGP.02 uses.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WsHeader {
    /// `wsa:To`: the receiver's endpoint.
    pub to: Option<String>,
    /// `wsa:From/wsa:Address`: the sender's identity/endpoint.
    pub from: Option<String>,
    /// `wsa:ReplyTo/wsa:Address`: where an asynchronous response goes.
    pub reply_to: Option<String>,
    /// `wsa:MessageID` (required).
    pub message_id: String,
    /// `wsa:Action` (required).
    pub action: String,
    /// `wsa:RelatesTo`: the MessageID of the request a response answers.
    pub relates_to: Option<String>,
}

/// A parsed envelope: its header and its single body element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// WS-Addressing fields.
    pub header: WsHeader,
    /// The one child of `env:Body`.
    pub body: Element,
}

/// SOAP 1.2 fault code (the two SGP.02 uses).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultCode {
    /// The request was malformed (`env:Sender`).
    Sender,
    /// The receiver failed (`env:Receiver`).
    Receiver,
    /// A header block marked mustUnderstand was not understood (`env:MustUnderstand`).
    MustUnderstand,
}

/// A SOAP 1.2 fault: code and reason text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// `env:Code/env:Value`.
    pub code: FaultCode,
    /// `env:Reason/env:Text` (xml:lang="en").
    pub reason: String,
}

impl Fault {
    /// The `env:Fault` element.
    pub fn to_element(&self) -> Element {
        let value = match self.code {
            FaultCode::Sender => "Sender",
            FaultCode::Receiver => "Receiver",
            FaultCode::MustUnderstand => "MustUnderstand",
        };
        let mut text = Element::new(NS_SOAP, FAULT_TEXT);
        text.attrs.push((XML_NS.into(), "lang".into(), "en".into()));
        text.text = self.reason.clone();
        Element::new(NS_SOAP, FAULT)
            .with(Element::new(NS_SOAP, FAULT_CODE).with(Element {
                text: format!("{PREFIX_SOAP}:{value}"),
                ..Element::new(NS_SOAP, FAULT_VALUE)
            }))
            .with(Element::new(NS_SOAP, FAULT_REASON).with(text))
    }

    /// Reads an `env:Fault` body; `None` if `body` is no fault. The code's QName prefix
    /// is not resolved (its local part decides).
    pub fn from_element(body: &Element) -> Option<Result<Self, WsError>> {
        if !body.is(NS_SOAP, FAULT) {
            return None;
        }
        let value = body
            .child(NS_SOAP, FAULT_CODE)
            .and_then(|c| c.child(NS_SOAP, FAULT_VALUE))
            .map(|v| {
                v.trimmed()
                    .rsplit(':')
                    .next()
                    .unwrap_or_default()
                    .to_owned()
            });
        let code = match value.as_deref() {
            Some("Sender") => FaultCode::Sender,
            Some("Receiver") => FaultCode::Receiver,
            Some("MustUnderstand") => FaultCode::MustUnderstand,
            Some(other) => return Some(Err(WsError::Invalid("fault code", other.into()))),
            None => return Some(Err(WsError::Missing("Fault/Code/Value"))),
        };
        let reason = body
            .child(NS_SOAP, FAULT_REASON)
            .and_then(|r| r.child(NS_SOAP, FAULT_TEXT))
            .map(|t| t.text.clone())
            .unwrap_or_default();
        Some(Ok(Self { code, reason }))
    }
}

fn address(el: &Element) -> Option<String> {
    el.child(NS_WSA, WSA_ADDRESS)
        .map(|a| a.trimmed().to_owned())
}

fn header_from(el: Option<&Element>) -> Result<WsHeader, WsError> {
    if let Some(h) = el {
        for block in &h.children {
            // SOAP 1.2 part 1 §5.2.3: a header block we do not process must not be marked
            // mustUnderstand; each WS-A header at most once (WS-A 1.0 core §3.2).
            let must = block.attrs.iter().any(|(ns, name, v)| {
                ns == NS_SOAP && name == "mustUnderstand" && matches!(v.trim(), "true" | "1")
            });
            if block.ns != NS_WSA && must {
                return Err(WsError::NotUnderstood(format!(
                    "{{{}}}{}",
                    block.ns, block.name
                )));
            }
            if block.ns == NS_WSA && h.children_named(NS_WSA, &block.name).count() > 1 {
                return Err(WsError::Invalid(
                    "WS-Addressing header",
                    format!("duplicate {}", block.name),
                ));
            }
        }
    }
    let text = |name: &str| {
        el.and_then(|h| h.child(NS_WSA, name))
            .map(|e| e.trimmed().to_owned())
    };
    let nonempty = |v: Option<String>, what: &'static str| match v {
        Some(s) if !s.is_empty() => Ok(s),
        _ => Err(WsError::Missing(what)),
    };
    let epr = |name: &str| el.and_then(|h| h.child(NS_WSA, name)).and_then(address);
    Ok(WsHeader {
        to: text(WSA_TO),
        from: epr(WSA_FROM),
        reply_to: epr(WSA_REPLY_TO),
        message_id: nonempty(text(WSA_MESSAGE_ID), "wsa:MessageID")?,
        action: nonempty(text(WSA_ACTION), "wsa:Action")?,
        relates_to: text(WSA_RELATES_TO),
    })
}

/// [`parse`] over raw bytes (an HTTP body): the size bound applies before anything else;
/// the text must be UTF-8 (the only encoding we accept).
pub fn parse_bytes(input: &[u8]) -> Result<Envelope, WsError> {
    if input.len() > xml::MAX_SIZE {
        return Err(WsError::TooLarge(input.len()));
    }
    let text = std::str::from_utf8(input).map_err(|_| WsError::Xml("not UTF-8".into()))?;
    parse(text.strip_prefix('\u{feff}').unwrap_or(text))
}

/// Parses an envelope: SOAP 1.2 namespace, at most one Header before one Body holding
/// exactly one element, `wsa:MessageID` and `wsa:Action` present.
pub fn parse(input: &str) -> Result<Envelope, WsError> {
    let root = xml::parse(input)?;
    if !root.is(NS_SOAP, ENVELOPE) {
        return Err(WsError::NotEnvelope("root is not a SOAP 1.2 Envelope"));
    }
    let mut header = None;
    let mut body = None;
    for child in &root.children {
        match (child.ns.as_str(), child.name.as_str()) {
            (NS_SOAP, HEADER) if header.is_none() && body.is_none() => header = Some(child),
            (NS_SOAP, BODY) if body.is_none() => body = Some(child),
            _ => return Err(WsError::NotEnvelope("unexpected element in the Envelope")),
        }
    }
    let body = body.ok_or(WsError::NotEnvelope("no Body"))?;
    let [element] = body.children.as_slice() else {
        return Err(WsError::NotEnvelope(
            "the Body must hold exactly one element",
        ));
    };
    Ok(Envelope {
        header: header_from(header)?,
        body: element.clone(),
    })
}

fn header_element(h: &WsHeader) -> Element {
    let leaf = |name: &str, v: &str| Element {
        text: v.to_owned(),
        ..Element::new(NS_WSA, name)
    };
    let epr = |name: &str, v: &str| Element::new(NS_WSA, name).with(leaf(WSA_ADDRESS, v));
    Element::new(NS_SOAP, HEADER)
        .with_opt(h.to.as_deref().map(|v| leaf(WSA_TO, v)))
        .with_opt(h.from.as_deref().map(|v| epr(WSA_FROM, v)))
        .with_opt(h.reply_to.as_deref().map(|v| epr(WSA_REPLY_TO, v)))
        .with(leaf(WSA_MESSAGE_ID, &h.message_id))
        .with(leaf(WSA_ACTION, &h.action))
        .with_opt(h.relates_to.as_deref().map(|v| leaf(WSA_RELATES_TO, v)))
}

/// Writes an envelope (prefixes `env`, `wsa`, `rps`; 2-space indentation).
pub fn build(env: &Envelope) -> String {
    let root = Element::new(NS_SOAP, ENVELOPE)
        .with(header_element(&env.header))
        .with(Element::new(NS_SOAP, BODY).with(env.body.clone()));
    xml::write(&root)
}

/// A fault envelope answering the request `relates_to` (if its MessageID was readable).
pub fn build_fault(message_id: &str, relates_to: Option<&str>, fault: &Fault) -> String {
    build(&Envelope {
        header: WsHeader {
            to: Some(WSA_ANONYMOUS.to_owned()),
            message_id: message_id.to_owned(),
            action: ACTION_FAULT.to_owned(),
            relates_to: relates_to.map(str::to_owned),
            ..WsHeader::default()
        },
        body: fault.to_element(),
    })
}
