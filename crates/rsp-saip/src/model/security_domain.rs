//! `PE-SecurityDomain` and `KeyObject` (TCA SAIP v3.3.1 §8.6). Key data never appear in `Debug`.

use core::fmt;

use rasn::prelude::*;

use super::PeHeader;
use super::application::ApplicationInstance;

/// One `keyComponents` entry (GP Card Spec §11.8.2.3).
#[derive(AsnType, Decode, Encode, Clone, PartialEq, Eq)]
pub struct KeyComponent {
    /// GP key type ('88' AES, '80' DES, …).
    #[rasn(tag(context, 0))]
    pub key_type: OctetString,
    #[rasn(tag(context, 6))]
    pub key_data: OctetString,
    /// DEFAULT 8.
    #[rasn(tag(context, 7))]
    pub mac_length: Option<u8>,
}

impl fmt::Debug for KeyComponent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyComponent")
            .field("key_type", &self.key_type)
            .field(
                "key_data",
                &format_args!("<{} bytes redacted>", self.key_data.len()),
            )
            .field("mac_length", &self.mac_length)
            .finish()
    }
}

/// `KeyObject` (SAIP §8.6.3).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct KeyObject {
    #[rasn(tag(context, 21))]
    pub key_usage_qualifier: OctetString,
    /// DEFAULT '00'H.
    #[rasn(tag(context, 22))]
    pub key_access: Option<OctetString>,
    /// For SCP80: 01 KIc, 02 KID, 03 KIK (ETSI TS 102 225, GP Amd B).
    #[rasn(tag(context, 2))]
    pub key_identifier: OctetString,
    #[rasn(tag(context, 3))]
    pub key_version_number: OctetString,
    #[rasn(tag(context, 5))]
    pub key_counter_value: Option<OctetString>,
    pub key_components: Vec<KeyComponent>,
}

/// `openPersoData`.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct OpenPersoData {
    #[rasn(tag(private, 25))]
    pub restrict_parameter: Option<OctetString>,
    pub contactless_protocol_parameters: Option<OctetString>,
}

/// `catTpParameters`.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(automatic_tags)]
pub struct CatTpParameters {
    pub cat_tp_max_sdu_size: u16,
    pub cat_tp_max_pdu_size: u16,
}

/// `PE-SecurityDomain` (SAIP §8.6).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(automatic_tags)]
pub struct PeSecurityDomain {
    pub sd_header: PeHeader,
    pub instance: ApplicationInstance,
    pub key_list: Option<Vec<KeyObject>>,
    pub sd_perso_data: Option<Vec<OctetString>>,
    pub open_perso_data: Option<OpenPersoData>,
    pub cat_tp_parameters: Option<CatTpParameters>,
}
