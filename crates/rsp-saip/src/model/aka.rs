//! `PE-AKAParameter` and `PE-CDMAParameter` (TCA SAIP v3.3.1 §8.5.1, §8.5.2).
//!
//! Keys never appear in `Debug` output.

use core::fmt;

use rasn::prelude::*;

use super::PeHeader;

/// `algorithmID` values (SAIP §8.5.1).
pub mod algorithm {
    pub const MILENAGE: u8 = 1;
    pub const TUAK: u8 = 2;
    pub const USIM_TEST_ALGORITHM: u8 = 3;
}

/// `MappingParameter`: reuse the keys of another NAA.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(automatic_tags)]
pub struct MappingParameter {
    pub mapping_options: OctetString,
    pub mapping_source: OctetString,
}

/// `AlgoParameter` (SAIP §8.5.1). DEFAULT fields are `Option` to keep explicit values.
#[derive(AsnType, Decode, Encode, Clone, PartialEq, Eq)]
#[rasn(automatic_tags)]
pub struct AlgoParameter {
    /// 1 Milenage, 2 TUAK, 3 USIM test algorithm.
    pub algorithm_id: u8,
    pub algorithm_options: OctetString,
    /// K (Ki): 16 bytes for Milenage, 16 or 32 for TUAK.
    pub key: OctetString,
    /// OPc for Milenage, TOPc for TUAK.
    pub opc: OctetString,
    /// DEFAULT '4000204060'H.
    pub rotation_constants: Option<OctetString>,
    /// DEFAULT c1..c5 of TS 35.206.
    pub xoring_constants: Option<OctetString>,
    pub auth_counter_max: Option<OctetString>,
    /// DEFAULT 1.
    pub number_of_keccak: Option<u8>,
}

impl fmt::Debug for AlgoParameter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AlgoParameter")
            .field("algorithm_id", &self.algorithm_id)
            .field("algorithm_options", &self.algorithm_options)
            .field("key", &"<redacted>")
            .field("opc", &"<redacted>")
            .field("rotation_constants", &self.rotation_constants)
            .field("xoring_constants", &self.xoring_constants)
            .field("auth_counter_max", &self.auth_counter_max)
            .field("number_of_keccak", &self.number_of_keccak)
            .finish()
    }
}

/// `algoConfiguration` CHOICE.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice, automatic_tags)]
pub enum AlgoConfiguration {
    MappingParameter(MappingParameter),
    AlgoParameter(AlgoParameter),
}

/// `PE-AKAParameter` (SAIP §8.5.1).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(automatic_tags)]
pub struct PeAkaParameter {
    pub aka_header: PeHeader,
    pub algo_configuration: AlgoConfiguration,
    /// DEFAULT '02'H.
    pub sqn_options: Option<OctetString>,
    /// DEFAULT '000010000000'H.
    pub sqn_delta: Option<OctetString>,
    /// DEFAULT '000010000000'H.
    pub sqn_age_limit: Option<OctetString>,
    /// DEFAULT: 32 × '000000000000'H.
    pub sqn_init: Option<Vec<OctetString>>,
}

/// `PE-CDMAParameter` (SAIP §8.5.2).
#[derive(AsnType, Decode, Encode, Clone, PartialEq, Eq)]
#[rasn(automatic_tags)]
pub struct PeCdmaParameter {
    pub cdma_header: PeHeader,
    /// A-Key for CAVE (8 bytes).
    pub authentication_key: OctetString,
    pub ssd: Option<OctetString>,
    pub hrpd_access_authentication_data: Option<OctetString>,
    pub simple_ip_authentication_data: Option<OctetString>,
    pub mobile_ip_authentication_data: Option<OctetString>,
}

impl fmt::Debug for PeCdmaParameter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PeCdmaParameter")
            .field("cdma_header", &self.cdma_header)
            .finish_non_exhaustive()
    }
}
