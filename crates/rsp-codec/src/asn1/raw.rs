//! Values that keep the exact bytes they were decoded from.
//!
//! Signatures in RSP (SGP.22 §5.7.13 `euiccSigned1`, §5.6.2 `smdpSigned2`, §5.7.5
//! `euiccSigned2`, §5.5.1 `smdpSign`, §5.7.6 / §5.7.10 notifications...) are computed over the
//! TLV exactly as the signer produced it. `rasn` tolerates some non-DER input, so a
//! decode → re-encode cycle may change bytes: verify over [`Raw::raw`], never over a
//! re-encoding.

use core::fmt;

use rasn::ber::de::{Decoder as BerDecoder, DecoderOptions};
use rasn::prelude::*;

use super::CodecError;

/// A decoded `T` together with the exact TLV bytes (tag, length, contents) it came from.
///
/// Its ASN.1 tag is `T`'s, so `Raw<T>` and `Option<Raw<T>>` slot into a SEQUENCE wherever
/// `T` would; encoding writes the kept bytes unchanged. Use it only where the field's tag is
/// `T`'s own (true of every signed structure in `RSPDefinitions`): the kept bytes carry the
/// tag they were decoded or built with.
#[derive(Clone)]
pub struct Raw<T> {
    value: T,
    raw: Vec<u8>,
}

impl<T> Raw<T> {
    /// The decoded value.
    pub fn value(&self) -> &T {
        &self.value
    }

    /// The TLV exactly as received (or as DER-encoded by [`Raw::new`]).
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    /// The contents octets of a definite-length TLV (without its tag and length).
    pub fn contents(&self) -> &[u8] {
        header_len(&self.raw)
            .and_then(|h| self.raw.get(h..))
            .unwrap_or_default()
    }

    /// Gives up the bytes and returns the value.
    pub fn into_value(self) -> T {
        self.value
    }
}

impl<T: Encode> Raw<T> {
    /// Wraps a value built locally, DER-encoding it once.
    pub fn new(value: T) -> Result<Self, CodecError> {
        let raw = rasn::der::encode(&value)?;
        Ok(Self { value, raw })
    }
}

impl<T: Decode> Raw<T> {
    /// Decodes one `T` from exactly `bytes`, keeping them.
    pub fn from_der(bytes: &[u8]) -> Result<Self, CodecError> {
        let value = super::decode::<T>(bytes)?;
        Ok(Self {
            value,
            raw: bytes.to_vec(),
        })
    }
}

/// Length of the identifier octets at the front of a TLV, if well formed.
pub(crate) fn identifier_len(tlv: &[u8]) -> Option<usize> {
    let first = *tlv.first()?;
    if first & 0x1F != 0x1F {
        return Some(1);
    }
    // High tag number form: continuation bytes have bit 8 set.
    let mut pos = 1;
    while tlv.get(pos)? & 0x80 != 0 {
        pos += 1;
    }
    Some(pos + 1)
}

/// Length of the identifier + length octets at the front of a TLV, if well formed.
pub(crate) fn header_len(tlv: &[u8]) -> Option<usize> {
    let pos = identifier_len(tlv)?;
    let len_byte = *tlv.get(pos)?;
    let end = if len_byte & 0x80 != 0 {
        pos + 1 + usize::from(len_byte & 0x7F)
    } else {
        pos + 1
    };
    (end <= tlv.len()).then_some(end)
}

impl<T: PartialEq> PartialEq for Raw<T> {
    fn eq(&self, other: &Self) -> bool {
        self.raw == other.raw
    }
}
impl<T: Eq> Eq for Raw<T> {}

impl<T: fmt::Debug> fmt::Debug for Raw<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.value.fmt(f)
    }
}

impl<T: AsnType> AsnType for Raw<T> {
    const TAG: Tag = T::TAG;
    const TAG_TREE: TagTree = T::TAG_TREE;
    const IS_CHOICE: bool = T::IS_CHOICE;
}

/// Decodes `T` with `tag` from exactly `bytes` under the rules the outer decoder uses.
pub(crate) fn decode_exact<T: Decode + AsnType>(
    bytes: &[u8],
    tag: Tag,
    codec: rasn::Codec,
) -> Result<T, rasn::error::DecodeError> {
    let options = if codec == rasn::Codec::Der {
        DecoderOptions::der()
    } else {
        DecoderOptions::ber()
    };
    let mut decoder = BerDecoder::new(bytes, options);
    let value = if tag == Tag::EOC || tag == T::TAG {
        T::decode(&mut decoder)?
    } else {
        T::decode_with_tag(&mut decoder, tag)?
    };
    let left = decoder.remaining().len();
    if left != 0 {
        return Err(rasn::error::DecodeError::unexpected_extra_data(left, codec));
    }
    Ok(value)
}

impl<T: Decode> Decode for Raw<T> {
    fn decode_with_tag_and_constraints<D: Decoder>(
        decoder: &mut D,
        tag: Tag,
        _constraints: &Constraints,
    ) -> Result<Self, D::Error> {
        let codec = decoder.codec();
        // `Any` with no tag takes the whole next TLV, header included.
        let tlv = Any::decode(decoder)?.into_bytes();
        let value = decode_exact::<T>(&tlv, tag, codec)
            .map_err(|err| rasn::de::Error::custom(err, codec))?;
        Ok(Self { value, raw: tlv })
    }
}

impl<T: AsnType> Encode for Raw<T> {
    fn encode_with_tag_and_constraints<'b, E: Encoder<'b>>(
        &self,
        encoder: &mut E,
        _tag: Tag,
        _constraints: &Constraints,
        identifier: Identifier,
    ) -> Result<(), E::Error> {
        encoder
            .encode_any(Tag::EOC, &Any::new(self.raw.clone()), identifier)
            .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq)]
    struct Inner {
        #[rasn(tag(context, 0))]
        a: Integer,
    }

    #[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq)]
    #[rasn(tag(context, 33))]
    struct Outer {
        signed: Raw<Inner>,
        #[rasn(tag(application, 55))]
        sig: OctetString,
        opt: Option<Raw<Inner>>,
    }

    #[test]
    fn keeps_non_canonical_bytes_for_signature_checks() {
        // The inner SEQUENCE uses a long-form length (81 03): valid BER, not DER.
        let bytes = [
            0xBF, 0x21, 0x0A, 0x30, 0x81, 0x03, 0x80, 0x01, 0x05, 0x5F, 0x37, 0x01, 0xAA,
        ];
        let outer: Outer = crate::asn1::decode(&bytes).expect("decodes");
        assert_eq!(outer.signed.raw(), &bytes[3..9]);
        assert_eq!(outer.signed.contents(), &bytes[6..9]);
        assert_eq!(outer.signed.value().a, Integer::from(5));
        assert!(outer.opt.is_none());
        assert_eq!(crate::asn1::encode(&outer).expect("encodes"), bytes);
        // A fresh value is DER.
        let fresh = Raw::new(Inner { a: 5.into() }).expect("encodes");
        assert_eq!(fresh.raw(), &[0x30, 0x03, 0x80, 0x01, 0x05]);
    }

    #[test]
    fn wrong_inner_tag_is_an_error() {
        let bytes = [
            0xBF, 0x21, 0x09, 0x31, 0x03, 0x80, 0x01, 0x05, 0x5F, 0x37, 0x00,
        ];
        assert!(crate::asn1::decode::<Outer>(&bytes).is_err());
    }

    #[test]
    fn header_len_handles_all_forms() {
        assert_eq!(header_len(&[0x30, 0x00]), Some(2));
        assert_eq!(header_len(&[0xBF, 0x22, 0x81, 0x80]), Some(4));
        assert_eq!(header_len(&[0x5F]), None);
        assert_eq!(header_len(&[0x30, 0x84, 0xFF]), None);
    }
}
