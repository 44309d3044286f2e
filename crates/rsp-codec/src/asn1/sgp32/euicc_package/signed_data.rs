//! The bytes each party signs for an eUICC Package (SGP.32 v1.2 §2.11.1.1, §2.11.2.1).
//!
//! One definition for both ends, so the eIM (which signs requests and verifies results) and
//! the eUICC (which verifies requests and signs results) cannot drift apart:
//!
//! - `eimSignature` is computed over the `euiccPackageSigned` data object (tag '30', as sent)
//!   followed, when the eIM's association on the eUICC carries an association token, by that
//!   token as the data object `associationToken [4] INTEGER` (tag '84'), binding the package
//!   to one association (SGP.32 §2.11.1.1; the same reading as onomondo's eIM).
//! - `euiccSignEPR` / `euiccSignEPE` "SHALL apply on the concatenated data objects
//!   `euiccPackageResultDataSigned` (resp. `euiccPackageErrorDataSigned`) and `eimSignature`"
//!   (§2.11.2.1): both as data objects, i.e. the '30' TLV then the '5F37' TLV of the
//!   request's signature, so a result answers one request only.

use rasn::prelude::*;

/// Tag of `associationToken [4] INTEGER` in `EimConfigurationData` / `AddEimResult`.
const ASSOCIATION_TOKEN_TAG: u8 = 0x84;
/// Tag of `eimSignature [APPLICATION 55]`.
const EIM_SIGNATURE_TAG: [u8; 2] = [0x5F, 0x37];

/// The message the eIM signs: `euiccPackageSigned` (its full DER TLV) ‖ `84 L token` when
/// the association has a token.
pub fn eim_signed_data(
    euicc_package_signed_der: &[u8],
    association_token: Option<&Integer>,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(euicc_package_signed_der.len() + 12);
    out.extend_from_slice(euicc_package_signed_der);
    if let Some(token) = association_token {
        let content = integer_contents(token);
        out.push(ASSOCIATION_TOKEN_TAG);
        push_len(&mut out, content.len());
        out.extend_from_slice(&content);
    }
    out
}

/// The message the eUICC signs for a result or an error: the data object it signs (its
/// full DER TLV, '30') ‖ `5F37 L eimSignature` of the request it answers.
pub fn euicc_signed_data(data_signed_der: &[u8], eim_signature: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data_signed_der.len() + eim_signature.len() + 5);
    out.extend_from_slice(data_signed_der);
    out.extend_from_slice(&EIM_SIGNATURE_TAG);
    push_len(&mut out, eim_signature.len());
    out.extend_from_slice(eim_signature);
    out
}

/// Minimal two's-complement contents octets of a DER INTEGER (X.690 §8.3).
fn integer_contents(value: &Integer) -> Vec<u8> {
    // The DER encoding of a universal INTEGER is 02 L contents; take the contents.
    let der = rasn::der::encode(value).unwrap_or_default();
    match der.get(1) {
        Some(&l) if l < 0x80 => der[2..].to_vec(),
        Some(&l) => der[2 + usize::from(l & 0x7F)..].to_vec(),
        None => vec![0],
    }
}

/// Definite length, short or long form (X.690 §8.1.3).
fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else if len < 0x100 {
        out.extend([0x81, len as u8]);
    } else if len < 0x1_0000 {
        out.extend([0x82, (len >> 8) as u8, len as u8]);
    } else {
        out.extend([0x83, (len >> 16) as u8, (len >> 8) as u8, len as u8]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eim_data_without_token_is_the_signed_object() {
        let signed = [0x30, 0x03, 0x80, 0x01, 0x41];
        assert_eq!(eim_signed_data(&signed, None), signed.to_vec());
    }

    #[test]
    fn eim_data_appends_the_token_object() {
        let signed = [0x30, 0x00];
        assert_eq!(
            eim_signed_data(&signed, Some(&Integer::from(1))),
            vec![0x30, 0x00, 0x84, 0x01, 0x01]
        );
        // 128 needs a leading zero octet to stay positive (X.690 §8.3.2).
        assert_eq!(
            eim_signed_data(&signed, Some(&Integer::from(128))),
            vec![0x30, 0x00, 0x84, 0x02, 0x00, 0x80]
        );
        assert_eq!(
            eim_signed_data(&signed, Some(&Integer::from(-1))),
            vec![0x30, 0x00, 0x84, 0x01, 0xFF]
        );
    }

    #[test]
    fn euicc_data_appends_the_eim_signature_object() {
        let data = [0x30, 0x01, 0x05];
        let sig = [0xAB; 64];
        let out = euicc_signed_data(&data, &sig);
        assert_eq!(&out[..3], &data);
        assert_eq!(&out[3..6], &[0x5F, 0x37, 0x40]);
        assert_eq!(&out[6..], &sig);
    }
}
