//! A profile package: the ordered sequence of `ProfileElement`s (TCA SAIP v3.3.1 §8.1).
//!
//! Decoding frames each element with its TLV header, decodes it with the typed model
//! and checks that it re-encodes to the same bytes (canonical DER, ITU-T X.690 §10);
//! the byte offset of each element is kept for error messages and findings.
//! Unknown `ProfileElement` alternatives (the CHOICE is extensible) are kept verbatim.

mod lazy;

use rasn::der;

use crate::error::CodecError;
use crate::model::{ProfileElement, ProfileHeader, TemplatePe};
use crate::tlv::{self, Class};

/// Highest `ProfileElement` alternative tag known to this model (`opt-iot` = [33]).
pub(crate) const LAST_KNOWN_TAG: u32 = 33;

/// What one element holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ElementValue {
    /// A PE of the model.
    Pe(ProfileElement),
    /// A PE of a later version of the definitions: kept as received.
    Unknown { tag: u32, der: Vec<u8> },
    /// A PE of the model not decoded yet ([`ProfilePackage::decode_lazy`]): its TLV
    /// structure is checked, its content is decoded on demand
    /// ([`ProfilePackage::decode_tags`]) and, until then, encoded as received.
    Lazy { tag: u32, der: Vec<u8> },
}

/// One element of a package with the byte offset it was read at (0 for built ones).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    pub offset: usize,
    pub value: ElementValue,
}

impl Element {
    /// A built element (offset 0).
    pub fn new(pe: ProfileElement) -> Self {
        Self {
            offset: 0,
            value: ElementValue::Pe(pe),
        }
    }

    /// The typed PE, unless unknown.
    pub fn pe(&self) -> Option<&ProfileElement> {
        match &self.value {
            ElementValue::Pe(pe) => Some(pe),
            ElementValue::Unknown { .. } | ElementValue::Lazy { .. } => None,
        }
    }

    /// The typed PE, mutably.
    pub fn pe_mut(&mut self) -> Option<&mut ProfileElement> {
        match &mut self.value {
            ElementValue::Pe(pe) => Some(pe),
            ElementValue::Unknown { .. } | ElementValue::Lazy { .. } => None,
        }
    }

    /// ASN.1 alternative name, or "unknown".
    pub fn name(&self) -> &'static str {
        match &self.value {
            ElementValue::Pe(pe) => pe.name(),
            ElementValue::Lazy { tag, .. } => tag_name(*tag),
            ElementValue::Unknown { .. } => "unknown",
        }
    }
}

/// A decoded profile package.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProfilePackage {
    pub elements: Vec<Element>,
}

impl ProfilePackage {
    /// Decodes a concatenation of DER `ProfileElement`s, every element into the typed
    /// model (see [`Self::decode_lazy`] for the framed-only variant).
    pub fn decode(input: &[u8]) -> Result<Self, CodecError> {
        let mut elements = Vec::with_capacity(32);
        for framed in frames(input) {
            let (index, offset, h, raw) = framed?;
            let value = if h.number > LAST_KNOWN_TAG {
                ElementValue::Unknown {
                    tag: h.number,
                    der: raw.to_vec(),
                }
            } else {
                ElementValue::Pe(decode_known(raw, h.number, index, offset)?)
            };
            elements.push(Element { offset, value });
        }
        Ok(Self { elements })
    }

    /// Encodes the package: the DER of each element, concatenated.
    pub fn encode(&self) -> Result<Vec<u8>, CodecError> {
        let mut out = Vec::with_capacity(16 * 1024);
        self.encode_into(&mut out)?;
        Ok(out)
    }

    /// Encodes the package, appending to `out`.
    pub fn encode_into(&self, out: &mut Vec<u8>) -> Result<(), CodecError> {
        for (index, e) in self.elements.iter().enumerate() {
            match &e.value {
                ElementValue::Pe(pe) => {
                    let der = der::encode(pe).map_err(|err| CodecError::Encode {
                        index,
                        name: pe.name(),
                        reason: first_line(&err.to_string()),
                    })?;
                    out.extend_from_slice(&der);
                }
                ElementValue::Unknown { der, .. } | ElementValue::Lazy { der, .. } => {
                    out.extend_from_slice(der)
                }
            }
        }
        Ok(())
    }

    /// The `ProfileHeader`, if the package has one.
    pub fn header(&self) -> Option<&ProfileHeader> {
        self.pes().find_map(|pe| match pe {
            ProfileElement::Header(h) => Some(h.as_ref()),
            _ => None,
        })
    }

    /// The `ProfileHeader`, mutably.
    pub fn header_mut(&mut self) -> Option<&mut ProfileHeader> {
        self.pes_mut().find_map(|pe| match pe {
            ProfileElement::Header(h) => Some(h.as_mut()),
            _ => None,
        })
    }

    /// The typed PEs in order (unknown ones skipped).
    pub fn pes(&self) -> impl Iterator<Item = &ProfileElement> {
        self.elements.iter().filter_map(Element::pe)
    }

    /// The typed PEs in order, mutably.
    pub fn pes_mut(&mut self) -> impl Iterator<Item = &mut ProfileElement> {
        self.elements.iter_mut().filter_map(Element::pe_mut)
    }

    /// The template PEs (MF, USIM, …) in order.
    pub fn templates(&self) -> impl Iterator<Item = &dyn TemplatePe> {
        self.pes().filter_map(ProfileElement::as_template)
    }
}

/// One framed element: index, byte offset, TLV header and its bytes.
type Framed<'a> = (usize, usize, tlv::Header, &'a [u8]);

/// Frames the elements of `input` (TLV header read, outer tag checked to be a
/// context-specific constructed `ProfileElement` alternative, SAIP §8.1).
pub(crate) fn frames(input: &[u8]) -> impl Iterator<Item = Result<Framed<'_>, CodecError>> {
    let mut offset = 0usize;
    let mut index = 0usize;
    let mut failed = false;
    let empty = input.is_empty();
    core::iter::from_fn(move || {
        if failed {
            return None;
        }
        if empty {
            failed = true;
            return Some(Err(CodecError::Empty));
        }
        let rest = input.get(offset..).filter(|r| !r.is_empty())?;
        let framed = frame(rest, index, offset);
        match &framed {
            Ok((_, _, h, _)) => {
                offset += h.total_len();
                index += 1;
            }
            Err(_) => failed = true,
        }
        Some(framed)
    })
}

fn frame(rest: &[u8], index: usize, offset: usize) -> Result<Framed<'_>, CodecError> {
    let h = tlv::read_header(rest).map_err(|reason| CodecError::Tlv {
        index,
        offset,
        reason,
    })?;
    if h.class != Class::Context || !h.constructed {
        let tag = hex::encode_upper(
            rest.get(..h.header_len.saturating_sub(1).max(1))
                .unwrap_or_default(),
        );
        return Err(CodecError::WrongTag { index, offset, tag });
    }
    let raw = rest.get(..h.total_len()).unwrap_or_default();
    Ok((index, offset, h, raw))
}

/// Decodes one known element (`raw` is its whole TLV) and checks it is canonical DER.
pub(crate) fn decode_known(
    raw: &[u8],
    number: u32,
    index: usize,
    offset: usize,
) -> Result<ProfileElement, CodecError> {
    let (pe, remainder) =
        der::decode_with_remainder::<ProfileElement>(raw).map_err(|e| CodecError::Element {
            index,
            offset,
            name: tag_name(number),
            reason: first_line(&e.to_string()),
        })?;
    if !remainder.is_empty() {
        return Err(CodecError::Element {
            index,
            offset,
            name: tag_name(number),
            reason: "trailing bytes inside the element".into(),
        });
    }
    check_canonical(&pe, raw, index, offset)?;
    Ok(pe)
}

/// Refuses an element whose DER re-encoding differs from the bytes it was decoded from:
/// the decoder accepts some non-canonical forms (X.690 §8.3.2 leading zero bytes in an
/// INTEGER, e.g. a `fillFileOffset` of `82 06 00 00 00 00 00 01`) that the encoder would
/// silently normalise, shifting every later byte.
fn check_canonical(
    pe: &ProfileElement,
    raw: &[u8],
    index: usize,
    offset: usize,
) -> Result<(), CodecError> {
    let name = pe.name();
    let der = der::encode(pe).map_err(|err| CodecError::Element {
        index,
        offset,
        name,
        reason: format!(
            "decodes but cannot be re-encoded: {}",
            first_line(&err.to_string())
        ),
    })?;
    if der == raw {
        return Ok(());
    }
    // Compared from the end: the bytes after the offending TLV are equal, so the last
    // difference lies inside it (earlier ones are the lengths of the TLVs enclosing it).
    let at = raw
        .iter()
        .rev()
        .zip(der.iter().rev())
        .position(|(a, b)| a != b)
        .map_or_else(
            || raw.len().saturating_sub(der.len() + 1),
            |k| raw.len() - 1 - k,
        );
    Err(CodecError::NotDer {
        index,
        offset,
        name,
        at: offset + at,
    })
}

/// The first line of a decoder message, without backtraces.
fn first_line(s: &str) -> String {
    s.lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(300)
        .collect()
}

/// ASN.1 name of the `ProfileElement` alternative with context tag `n`.
pub fn tag_name(n: u32) -> &'static str {
    const NAMES: [&str; 34] = [
        "header",
        "genericFileManagement",
        "pinCodes",
        "pukCodes",
        "akaParameter",
        "cdmaParameter",
        "securityDomain",
        "rfm",
        "application",
        "nonStandard",
        "end",
        "rfu1",
        "rfu2",
        "rfu3",
        "rfu4",
        "rfu5",
        "mf",
        "cd",
        "telecom",
        "usim",
        "opt-usim",
        "isim",
        "opt-isim",
        "phonebook",
        "gsm-access",
        "csim",
        "opt-csim",
        "eap",
        "df-5gs",
        "df-saip",
        "df-snpn",
        "df-5gprose",
        "iot",
        "opt-iot",
    ];
    usize::try_from(n)
        .ok()
        .and_then(|i| NAMES.get(i).copied())
        .unwrap_or("unknown")
}
