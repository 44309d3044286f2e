//! X.509 `Certificate` and `CertificateList` (RFC 5280, imported by `RSPDefinitions` from
//! PKIX1Explicit88) carried as opaque DER.
//!
//! Path validation and field access belong to the PKI layer (x509-cert there); this
//! layer only checks the outer shape — SEQUENCE { SEQUENCE, SEQUENCE, BIT STRING } — and
//! keeps the bytes exactly as received, which is what signature checks need.

use core::fmt;

use rasn::prelude::*;

use super::CodecError;
use super::raw::identifier_len;

/// One DER TLV at the front of `input`: identifier octets, contents, rest. Definite lengths
/// in their shortest form only (X.690 §10.1).
fn der_tlv(input: &[u8]) -> Option<(&[u8], &[u8], &[u8])> {
    let id_len = identifier_len(input)?;
    let first = *input.get(id_len)?;
    let (len, header) = if first < 0x80 {
        (usize::from(first), id_len + 1)
    } else {
        let n = usize::from(first & 0x7F);
        let bytes = input.get(id_len + 1..id_len + 1 + n)?;
        // 0x80 is the indefinite form; a leading zero or a long form for a length
        // below 128 is not the shortest one.
        if n == 0 || n > 4 || bytes.first() == Some(&0) {
            return None;
        }
        let len = bytes
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        if len < 0x80 {
            return None;
        }
        (len, id_len + 1 + n)
    };
    let end = header.checked_add(len)?;
    Some((
        input.get(..id_len)?,
        input.get(header..end)?,
        input.get(end..)?,
    ))
}

/// `contents` is a run of complete TLVs.
fn all_tlvs(mut contents: &[u8]) -> bool {
    while !contents.is_empty() {
        match der_tlv(contents) {
            Some((_, _, rest)) => contents = rest,
            None => return false,
        }
    }
    true
}

/// The contents of `SEQUENCE { tbs SEQUENCE, algorithm SEQUENCE, signature BIT STRING }`
/// (`Certificate` and `CertificateList` alike, RFC 5280 §4.1 / §5.1), each element a run
/// of complete TLVs; a BIT STRING states 0–7 unused bits, none in an empty one.
fn signed_shape(contents: &[u8]) -> bool {
    let Some(([0x30], tbs, rest)) = der_tlv(contents) else {
        return false;
    };
    let Some(([0x30], algorithm, rest)) = der_tlv(rest) else {
        return false;
    };
    let Some(([0x03], signature, [])) = der_tlv(rest) else {
        return false;
    };
    let bits_ok = match signature {
        [unused] => *unused == 0,
        [unused, ..] => *unused <= 7,
        [] => false,
    };
    bits_ok && all_tlvs(tbs) && all_tlvs(algorithm)
}

/// `der` is exactly one TLV with identifier octets `identifier` and the signed shape.
fn check(der: &[u8], identifier: &[u8]) -> Result<(), CodecError> {
    match der_tlv(der) {
        Some((id, contents, [])) if id == identifier && signed_shape(contents) => Ok(()),
        Some((_, _, rest)) if !rest.is_empty() => Err(CodecError::TrailingBytes(rest.len())),
        _ => Err(CodecError::Decode(
            "not a SEQUENCE { SEQUENCE, SEQUENCE, BIT STRING }".into(),
        )),
    }
}

macro_rules! signed_der {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Hash)]
        pub struct $name {
            der: Vec<u8>,
        }

        impl $name {
            /// Wraps a DER `SEQUENCE` after checking its outer shape.
            pub fn from_der(der: &[u8]) -> Result<Self, CodecError> {
                check(der, &[0x30])?;
                Ok(Self { der: der.to_vec() })
            }

            /// The DER bytes with the universal SEQUENCE tag, as RFC 5280 defines them (an
            /// implicitly tagged occurrence, e.g. `crl` in `LoadCRLRequest`, is re-tagged).
            pub fn as_der(&self) -> &[u8] {
                &self.der
            }

            /// Gives up the DER bytes.
            pub fn into_der(self) -> Vec<u8> {
                self.der
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({} bytes DER)", stringify!($name), self.der.len())
            }
        }

        impl AsnType for $name {
            const TAG: Tag = Tag::SEQUENCE;
        }

        impl Decode for $name {
            fn decode_with_tag_and_constraints<D: Decoder>(
                decoder: &mut D,
                tag: Tag,
                _constraints: &Constraints,
            ) -> Result<Self, D::Error> {
                let codec = decoder.codec();
                let mut tlv = Any::decode(decoder)?.into_bytes();
                let expected = if tag == Tag::EOC { Tag::SEQUENCE } else { tag };
                check(&tlv, &identifier_octets(expected))
                    .map_err(|err| rasn::de::Error::custom(err, codec))?;
                if tag != Tag::SEQUENCE {
                    // Implicit retagging (X.680 §31.2.7): restore the universal SEQUENCE.
                    let id_len = identifier_len(&tlv).unwrap_or(1);
                    tlv.splice(..id_len, [0x30]);
                }
                Ok(Self { der: tlv })
            }
        }

        impl Encode for $name {
            fn encode_with_tag_and_constraints<'b, E: Encoder<'b>>(
                &self,
                encoder: &mut E,
                tag: Tag,
                _constraints: &Constraints,
                identifier: Identifier,
            ) -> Result<(), E::Error> {
                let mut tlv = self.der.clone();
                if tag != Tag::SEQUENCE && tag != Tag::EOC {
                    tlv.splice(..1, identifier_octets(tag));
                }
                encoder.encode_any(Tag::EOC, &Any::new(tlv), identifier).map(drop)
            }
        }
    };
}

/// Identifier octets of a constructed value with `tag`.
fn identifier_octets(tag: Tag) -> Vec<u8> {
    let class = (tag.class as u8) << 6;
    if tag.value < 31 {
        // `value < 31` so the cast is lossless.
        vec![class | 0x20 | tag.value as u8]
    } else {
        let mut out = vec![class | 0x20 | 0x1F];
        let mut groups = Vec::new();
        let mut v = tag.value;
        loop {
            groups.push((v & 0x7F) as u8);
            v >>= 7;
            if v == 0 {
                break;
            }
        }
        for (i, g) in groups.iter().enumerate().rev() {
            out.push(if i == 0 { *g } else { g | 0x80 });
        }
        out
    }
}

signed_der!(
    /// An X.509 certificate (RFC 5280 §4.1), e.g. CERT.EUICC.ECDSA, CERT.DPauth.ECDSA.
    Certificate
);
signed_der!(
    /// An X.509 CRL (RFC 5280 §5.1), as loaded with ES10b.LoadCRL (SGP.22 §5.7.12).
    CertificateList
);

/// `SegmentedCrlList ::= SEQUENCE OF CertificateList` (CRL segments for ES10b.LoadCRL).
pub type SegmentedCrlList = SequenceOf<CertificateList>;

/// `TotalPartialCrlNumber ::= INTEGER`, value of the `id-rsp-totalPartialCrlNumber` CRL
/// extension (parsed by the PKI layer).
pub type TotalPartialCrlNumber = Integer;

/// `PartialCrlNumber ::= INTEGER`, value of the `id-rsp-partialCrlNumber` CRL extension.
pub type PartialCrlNumber = Integer;
