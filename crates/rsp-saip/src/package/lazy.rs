//! Lazy decoding: every element is framed and its TLV structure checked as DER, but its
//! content is decoded into the typed model only when asked for. Untouched elements are
//! encoded as the bytes they were read from, which is what a full decode and re-encode
//! would give for canonical DER (X.690 §10), the only form [`ProfilePackage::decode`]
//! accepts.
//!
//! What `decode_lazy` checks of every element: the outer tag is a context-specific
//! constructed `ProfileElement` alternative (TCA SAIP v3.3.1 §8.1) and, for the
//! alternatives of the model, the TLV tree inside is well formed DER (shortest tags and
//! lengths, no stray bytes, bounded depth); later alternatives are kept verbatim, as
//! `decode` keeps them.
//! What it leaves to [`ProfilePackage::decode_tags`]: that the content matches the PE's
//! ASN.1 definition and re-encodes byte-exactly; a package refused by `decode` may
//! therefore pass `decode_lazy` as long as the faulty element is not decoded.

use super::{
    Element, ElementValue, LAST_KNOWN_TAG, ProfilePackage, decode_known, frames, tag_name,
};
use crate::error::CodecError;
use crate::tlv;

/// TLV nesting accepted inside one element (the model needs about 10 levels).
const MAX_DEPTH: usize = 24;

impl ProfilePackage {
    /// Frames a concatenation of DER `ProfileElement`s without decoding their content:
    /// known PEs are kept as [`ElementValue::Lazy`], later ones as
    /// [`ElementValue::Unknown`]. The typed accessors ([`Self::pes`], [`Self::header`],
    /// [`Self::files`], …) see decoded elements only: call [`Self::decode_tags`] or
    /// [`Self::decode_all`] first. [`crate::personalise()`] decodes what it touches and
    /// [`crate::validate()`] and [`crate::inspect::summarise`] decode a copy fully.
    pub fn decode_lazy(input: &[u8]) -> Result<Self, CodecError> {
        let mut elements = Vec::with_capacity(32);
        for framed in frames(input) {
            let (index, offset, h, raw) = framed?;
            let der = raw.to_vec();
            // Later PEs are kept verbatim, unchecked, as `decode` keeps them.
            let value = if h.number > LAST_KNOWN_TAG {
                ElementValue::Unknown { tag: h.number, der }
            } else {
                tlv::check_der_tree(raw, MAX_DEPTH).map_err(|(at, reason)| {
                    CodecError::Element {
                        index,
                        offset,
                        name: tag_name(h.number),
                        reason: format!("{reason} at byte offset {}", offset + at),
                    }
                })?;
                ElementValue::Lazy { tag: h.number, der }
            };
            elements.push(Element { offset, value });
        }
        Ok(Self { elements })
    }

    /// Decodes the lazy elements whose `ProfileElement` tag (0 header, 2 pinCodes,
    /// 19 usim, …) satisfies `wanted`, with the checks of [`Self::decode`].
    pub fn decode_tags(&mut self, wanted: impl Fn(u32) -> bool) -> Result<(), CodecError> {
        for index in 0..self.elements.len() {
            let tag = match self.elements.get(index).map(|e| &e.value) {
                Some(ElementValue::Lazy { tag, .. }) => *tag,
                _ => continue,
            };
            if wanted(tag) {
                self.decode_element(index)?;
            }
        }
        Ok(())
    }

    /// Decodes element `index` if it is lazy (no-op otherwise or if out of range).
    pub fn decode_element(&mut self, index: usize) -> Result<(), CodecError> {
        let Some(e) = self.elements.get_mut(index) else {
            return Ok(());
        };
        if let ElementValue::Lazy { tag, der } = &e.value {
            e.value = ElementValue::Pe(decode_known(der, *tag, index, e.offset)?);
        }
        Ok(())
    }

    /// Decodes every lazy element: the package is then what [`Self::decode`] gives.
    pub fn decode_all(&mut self) -> Result<(), CodecError> {
        self.decode_tags(|_| true)
    }

    /// Whether no element waits to be decoded.
    pub fn is_fully_decoded(&self) -> bool {
        !self
            .elements
            .iter()
            .any(|e| matches!(e.value, ElementValue::Lazy { .. }))
    }
}
