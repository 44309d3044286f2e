//! SGP.32 v1.2 `SGP32Definitions` (IoT RSP) over `rasn`, beside the SGP.22 types it imports.
//!
//! One module per interface area: [`esipa`] (IPA ↔ eIM), [`euicc_package`] (eIM-signed
//! packages and eUICC-signed results), [`es10b_iot`] (IPA ↔ eUICC additions). The module is
//! `AUTOMATIC TAGS, EXTENSIBILITY IMPLIED`, so the crate's conventions apply (see
//! [`crate::asn1`]). Types the module prefixes `SGP32-` to avoid a clash with SGP.22 are
//! named `Sgp32…`. Not re-exported at `crate::asn1` level: names such as
//! `EnableProfileResult` would clash with SGP.22's.

pub mod es10b_iot;
pub mod esipa;
pub mod euicc_package;

pub use es10b_iot::*;
pub use esipa::*;
pub use euicc_package::*;

/// Hand-assembled DER for tests (independent of our encoder).
#[cfg(test)]
pub(crate) mod der {
    /// One TLV with a definite length (short or long form).
    pub fn tlv(tag: &[u8], content: &[u8]) -> Vec<u8> {
        let mut out = tag.to_vec();
        let len = content.len();
        if len < 0x80 {
            out.push(len as u8);
        } else if len < 0x100 {
            out.extend([0x81, len as u8]);
        } else {
            out.extend([0x82, (len >> 8) as u8, len as u8]);
        }
        out.extend_from_slice(content);
        out
    }

    /// Concatenation of TLVs.
    pub fn cat(parts: &[&[u8]]) -> Vec<u8> {
        parts.concat()
    }

    /// A 16-byte EID.
    pub const EID: [u8; 16] = [
        0x89, 0x04, 0x90, 0x32, 0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x34, 0x56, 0x78, 0x90, 0x12,
        0x34,
    ];
    /// A 10-byte ICCID.
    pub const ICCID: [u8; 10] = [0x98, 0x10, 0x32, 0x54, 0x76, 0x98, 0x10, 0x32, 0x54, 0xF6];
    /// A 64-byte r‖s signature stand-in.
    pub const SIG: [u8; 64] = [0xA5; 64];
}
