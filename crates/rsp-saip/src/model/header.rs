//! `ProfileHeader`, `PEHeader` and `ServicesList` (TCA SAIP v3.3.1 §8.2).

use rasn::prelude::*;

/// `PEHeader`: common header of every PE (SAIP §8.1).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
#[rasn(automatic_tags)]
pub struct PeHeader {
    /// Set when the support of this PE is mandatory.
    pub mandated: Option<()>,
    /// Identification number of this PE (`UInt15`).
    pub identification: u16,
}

impl PeHeader {
    /// A header with the given identification, not mandated.
    pub fn new(identification: u16) -> Self {
        Self {
            mandated: None,
            identification,
        }
    }
}

/// One entry of `eUICC-Mandatory-AIDs`.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(automatic_tags)]
pub struct MandatoryAid {
    pub aid: OctetString,
    pub version: OctetString,
}

/// `IotOptions` (SAIP §7.5).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(automatic_tags)]
pub struct IotOptions {
    pub pix: OctetString,
}

/// `ProfileHeader` (SAIP §8.2): first PE of every package.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(automatic_tags)]
pub struct ProfileHeader {
    pub major_version: u8,
    pub minor_version: u8,
    pub profile_type: Option<Utf8String>,
    /// ICCID, 10 bytes BCD with swapped nibbles (ITU-T E.118).
    pub iccid: OctetString,
    pub pol: Option<OctetString>,
    pub euicc_mandatory_services: ServicesList,
    pub euicc_mandatory_gfste_list: Vec<ObjectIdentifier>,
    pub connectivity_parameters: Option<OctetString>,
    pub euicc_mandatory_aids: Option<Vec<MandatoryAid>>,
    pub iot_options: Option<IotOptions>,
}

macro_rules! services_list {
    ($($field:ident = $asn:literal),* $(,)?) => {
        /// `ServicesList` (SAIP §8.2.1): services the eUICC must support.
        #[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
        #[rasn(automatic_tags)]
        pub struct ServicesList {
            $(#[doc = $asn] pub $field: Option<()>,)*
        }

        impl ServicesList {
            /// ASN.1 names of all services, in tag order.
            pub const NAMES: &'static [&'static str] = &[$($asn),*];

            /// Names of the services marked as mandatory.
            pub fn names(&self) -> Vec<&'static str> {
                let mut out = Vec::new();
                $(if self.$field.is_some() { out.push($asn); })*
                out
            }

            /// Whether the service named `name` (ASN.1 name) is marked; `None` if unknown.
            pub fn get(&self, name: &str) -> Option<bool> {
                match name {
                    $($asn => Some(self.$field.is_some()),)*
                    _ => None,
                }
            }

            /// Marks or clears the service named `name`; false if the name is unknown.
            pub fn set(&mut self, name: &str, on: bool) -> bool {
                match name {
                    $($asn => { self.$field = on.then_some(()); true })*
                    _ => false,
                }
            }
        }
    };
}

services_list!(
    contactless = "contactless",
    usim = "usim",
    isim = "isim",
    csim = "csim",
    milenage = "milenage",
    tuak128 = "tuak128",
    cave = "cave",
    gba_usim = "gba-usim",
    gba_isim = "gba-isim",
    mbms = "mbms",
    eap = "eap",
    javacard = "javacard",
    multos = "multos",
    multiple_usim = "multiple-usim",
    multiple_isim = "multiple-isim",
    multiple_csim = "multiple-csim",
    tuak256 = "tuak256",
    usim_test_algorithm = "usim-test-algorithm",
    ber_tlv = "ber-tlv",
    df_link = "dfLink",
    cat_tp = "cat-tp",
    get_identity = "get-identity",
    profile_a_x25519 = "profile-a-x25519",
    profile_b_p256 = "profile-b-p256",
    suci_calculator_api = "suciCalculatorApi",
    dns_resolution = "dns-resolution",
    scp11ac = "scp11ac",
    scp11c_authorization_mechanism = "scp11c-authorization-mechanism",
    s16mode = "s16mode",
    eaka = "eaka",
);
