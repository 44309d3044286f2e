//! `PE-PINCodes` and `PE-PUKCodes` (TCA SAIP v3.3.1 §8.4). Values never appear in `Debug`.

use core::fmt;

use rasn::prelude::*;

use super::PeHeader;

/// Key references (ETSI TS 102 221 §9.5.1; SAIP `PINKeyReferenceValue`).
pub mod key_ref {
    /// PIN1 (global PIN of application 1).
    pub const PIN_APPL1: u8 = 1;
    /// ADM1.
    pub const ADM1: u8 = 10;
    /// ADM2.
    pub const ADM2: u8 = 11;
    /// PIN2 (local PIN of application 1).
    pub const SECOND_PIN_APPL1: u8 = 129;
    /// PUK1.
    pub const PUK_APPL1: u8 = 1;
    /// PUK2.
    pub const SECOND_PUK_APPL1: u8 = 129;
}

/// `PINConfiguration`. DEFAULT fields are `Option` to keep explicit values.
#[derive(AsnType, Decode, Encode, Clone, PartialEq, Eq)]
#[rasn(automatic_tags)]
pub struct PinConfiguration {
    pub key_reference: u8,
    /// 8 bytes: digits in ASCII padded with 'FF' (TS 102 221 §9.5.2).
    pub pin_value: OctetString,
    pub unblocking_pin_reference: Option<u8>,
    /// DEFAULT 7.
    pub pin_attributes: Option<u8>,
    /// DEFAULT 51 (max attempts high nibble, retries left low nibble).
    pub max_num_of_attemps_retry_num_left: Option<u8>,
}

impl fmt::Debug for PinConfiguration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PinConfiguration")
            .field("key_reference", &self.key_reference)
            .field("pin_value", &"<redacted>")
            .field("unblocking_pin_reference", &self.unblocking_pin_reference)
            .field("pin_attributes", &self.pin_attributes)
            .field(
                "max_num_of_attemps_retry_num_left",
                &self.max_num_of_attemps_retry_num_left,
            )
            .finish()
    }
}

/// `pinCodes` CHOICE: own PINs or shared with another DF/ADF.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice, automatic_tags)]
pub enum PinCodes {
    Pinconfig(Vec<PinConfiguration>),
    FilePath(OctetString),
}

/// `PE-PINCodes` (SAIP §8.4.1).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(automatic_tags)]
pub struct PePinCodes {
    pub pin_header: PeHeader,
    pub pin_codes: PinCodes,
}

/// `PUKConfiguration`.
#[derive(AsnType, Decode, Encode, Clone, PartialEq, Eq)]
#[rasn(automatic_tags)]
pub struct PukConfiguration {
    pub key_reference: u8,
    /// 8 bytes, digits in ASCII.
    pub puk_value: OctetString,
    /// DEFAULT 170.
    pub max_num_of_attemps_retry_num_left: Option<u8>,
}

impl fmt::Debug for PukConfiguration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PukConfiguration")
            .field("key_reference", &self.key_reference)
            .field("puk_value", &"<redacted>")
            .field(
                "max_num_of_attemps_retry_num_left",
                &self.max_num_of_attemps_retry_num_left,
            )
            .finish()
    }
}

/// `PE-PUKCodes` (SAIP §8.4.2).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(automatic_tags)]
pub struct PePukCodes {
    pub puk_header: PeHeader,
    pub puk_codes: Vec<PukConfiguration>,
}
