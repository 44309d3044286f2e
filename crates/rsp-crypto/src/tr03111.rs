//! ECDSA signature formats: BSI TR-03111 §5.2.1 plain `r‖s` (used inside RSP structures,
//! SGP.22 §2.6.5) and the DER `ECDSA-Sig-Value` of RFC 5480 / X.509.

use der::asn1::UintRef;
use der::{Decode, DecodeValue, Encode, EncodeValue, Header, Length, Reader, Sequence, Writer};

use crate::CryptoError;

/// Length in bytes of one signature component for 256-bit curves.
const COMPONENT_LEN: usize = 32;
/// Length in bytes of a plain `r‖s` signature for 256-bit curves.
pub const RAW_SIGNATURE_LEN: usize = 2 * COMPONENT_LEN;

/// `ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }` (RFC 5480 / RFC 3279).
struct EcdsaSigValue<'a> {
    r: UintRef<'a>,
    s: UintRef<'a>,
}

impl<'a> DecodeValue<'a> for EcdsaSigValue<'a> {
    type Error = der::Error;

    fn decode_value<R: Reader<'a>>(reader: &mut R, _header: Header) -> der::Result<Self> {
        Ok(Self {
            r: reader.decode()?,
            s: reader.decode()?,
        })
    }
}

impl EncodeValue for EcdsaSigValue<'_> {
    fn value_len(&self) -> der::Result<Length> {
        self.r.encoded_len()? + self.s.encoded_len()?
    }

    fn encode_value(&self, writer: &mut impl Writer) -> der::Result<()> {
        self.r.encode(writer)?;
        self.s.encode(writer)
    }
}

impl<'a> Sequence<'a> for EcdsaSigValue<'a> {}

fn check_raw_len(sig_rs: &[u8]) -> Result<(), CryptoError> {
    if sig_rs.len() == RAW_SIGNATURE_LEN {
        Ok(())
    } else {
        Err(CryptoError::BadSignatureLength {
            expected: RAW_SIGNATURE_LEN,
            actual: sig_rs.len(),
        })
    }
}

/// Converts a plain `r‖s` signature (64 bytes) into DER `ECDSA-Sig-Value`.
/// Leading zero bytes of r and s are dropped (minimal INTEGER encoding).
pub fn raw_to_der(sig_rs: &[u8]) -> Result<Vec<u8>, CryptoError> {
    check_raw_len(sig_rs)?;
    let (r, s) = sig_rs.split_at(COMPONENT_LEN);
    let value = EcdsaSigValue {
        r: UintRef::new(r).map_err(|_| CryptoError::SignatureEncoding)?,
        s: UintRef::new(s).map_err(|_| CryptoError::SignatureEncoding)?,
    };
    value.to_der().map_err(|_| CryptoError::SignatureEncoding)
}

/// Converts a DER `ECDSA-Sig-Value` into plain `r‖s` (each left-padded to 32 bytes).
/// Rejects non-DER input (non-minimal or negative integers, trailing bytes) and
/// components longer than 32 bytes.
pub fn der_to_raw(sig_der: &[u8]) -> Result<[u8; 64], CryptoError> {
    let value = EcdsaSigValue::from_der(sig_der).map_err(|_| CryptoError::SignatureEncoding)?;
    let mut out = [0u8; RAW_SIGNATURE_LEN];
    let (r_out, s_out) = out.split_at_mut(COMPONENT_LEN);
    copy_right_aligned(value.r.as_bytes(), r_out)?;
    copy_right_aligned(value.s.as_bytes(), s_out)?;
    Ok(out)
}

fn copy_right_aligned(src: &[u8], dst: &mut [u8]) -> Result<(), CryptoError> {
    let start = dst
        .len()
        .checked_sub(src.len())
        .ok_or(CryptoError::SignatureEncoding)?;
    dst.get_mut(start..)
        .ok_or(CryptoError::SignatureEncoding)?
        .copy_from_slice(src);
    Ok(())
}

/// The `5F37 40 ‖ r‖s` TLV carrying a signature in RSP structures (SGP.22 §2.6.5,
/// e.g. `serverSignature1`, `smdpSignature2`).
pub fn tlv_5f37(sig_rs: &[u8; 64]) -> Vec<u8> {
    let mut out = Vec::with_capacity(3 + RAW_SIGNATURE_LEN);
    out.extend_from_slice(&[0x5F, 0x37, 0x40]);
    out.extend_from_slice(sig_rs);
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn raw(r: &[u8], s: &[u8]) -> [u8; 64] {
        let mut out = [0u8; 64];
        out[32 - r.len()..32].copy_from_slice(r);
        out[64 - s.len()..].copy_from_slice(s);
        out
    }

    #[test]
    fn small_and_high_bit_components() {
        // r = 1, s = 0x80 (needs a leading 00 in DER)
        let sig = raw(&[1], &[0x80]);
        let der = raw_to_der(&sig).unwrap();
        assert_eq!(der, [0x30, 0x07, 0x02, 0x01, 0x01, 0x02, 0x02, 0x00, 0x80]);
        assert_eq!(der_to_raw(&der).unwrap(), sig);
    }

    #[test]
    fn full_width_components() {
        let sig = [0xFFu8; 64];
        let der = raw_to_der(&sig).unwrap();
        assert_eq!(der.len(), 2 + 2 * (2 + 33));
        assert_eq!(&der[..5], &[0x30, 0x46, 0x02, 0x21, 0x00]);
        assert_eq!(der_to_raw(&der).unwrap(), sig);
        // r with leading zero byte: 31-byte integer in DER
        let mut sig2 = [0x11u8; 64];
        sig2[0] = 0;
        let der2 = raw_to_der(&sig2).unwrap();
        assert_eq!(&der2[..4], &[0x30, 0x43, 0x02, 0x1F]);
        assert_eq!(der_to_raw(&der2).unwrap(), sig2);
    }

    #[test]
    fn zero_component_is_encoded_as_zero_integer() {
        let sig = [0u8; 64];
        let der = raw_to_der(&sig).unwrap();
        assert_eq!(der, [0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00]);
        assert_eq!(der_to_raw(&der).unwrap(), sig);
    }

    #[test]
    fn wrong_lengths_are_rejected() {
        assert_eq!(
            raw_to_der(&[0u8; 63]),
            Err(CryptoError::BadSignatureLength {
                expected: 64,
                actual: 63
            })
        );
        assert!(raw_to_der(&[0u8; 65]).is_err());
        assert!(raw_to_der(&[]).is_err());
    }

    #[test]
    fn non_der_is_rejected() {
        let bad: &[&[u8]] = &[
            &[],
            &[0x30],
            &[0x30, 0x00],
            &[0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01], // truncated
            &[0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x00], // trailing byte
            &[0x30, 0x07, 0x02, 0x02, 0x00, 0x01, 0x02, 0x01, 0x01], // non-minimal r
            &[0x30, 0x06, 0x02, 0x01, 0x81, 0x02, 0x01, 0x01], // negative r
            &[0x31, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01], // SET, not SEQUENCE
            &[0x30, 0x81, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01], // long-form length
        ];
        for b in bad {
            assert_eq!(
                der_to_raw(b),
                Err(CryptoError::SignatureEncoding),
                "{b:02x?}"
            );
        }
        // 33-byte magnitude does not fit 32 bytes
        let mut big = vec![0x30, 0x27, 0x02, 0x21];
        big.extend_from_slice(&[0x01; 33]);
        big.extend_from_slice(&[0x02, 0x01, 0x01]);
        assert_eq!(der_to_raw(&big), Err(CryptoError::SignatureEncoding));
    }

    #[test]
    fn tlv() {
        let t = tlv_5f37(&[7u8; 64]);
        assert_eq!(&t[..3], &[0x5F, 0x37, 0x40]);
        assert_eq!(t.len(), 67);
    }
}
