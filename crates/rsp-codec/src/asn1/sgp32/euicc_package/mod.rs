//! eUICC Packages (SGP.32 v1.2 §2.9 and §5.9.x): the eIM-signed `EuiccPackageRequest`
//! carrying Profile State Management Operations (PSMOs) or eIM Configuration Operations
//! (eCOs), and the eUICC-signed `EuiccPackageResult`.
//!
//! Tagging follows `SGP32Definitions` (AUTOMATIC TAGS): a CHOICE or SEQUENCE whose
//! components carry no tag gets `[0]`, `[1]`… (e.g. `EuiccPackage` → A0 / A1,
//! `EuiccPackageResult` → BF51 { A0 | A1 | A2 }); a tagged untagged-CHOICE component is
//! explicit (e.g. `eimPublicKeyData [5]` → A5 { A0 | A1 }).

// Variants keep the ASN.1 alternative names (e.g. `euiccPackageResultSigned`), which the
// derive-generated impls would otherwise trip this lint on.
#![allow(clippy::enum_variant_names)]
use rasn::prelude::*;

use crate::asn1::certificate::Certificate;
use crate::asn1::choice::OpenChoice;
use crate::asn1::common::{
    DpProprietaryData, Iccid, IconType, NotificationConfigurationInformation, Octet16, OctetTo16,
    OperatorId, PprIds, ProfileClass, ProfileState, SubjectKeyIdentifier, TransactionId,
    VendorSpecificExtension,
};
use crate::asn1::es10b::RulesAuthorisationTable;
use crate::asn1::es10c::ProfileInfoListRequest;
use crate::asn1::ext::Extensions;
use crate::asn1::macros::{named_bits, named_integer};
use crate::asn1::raw::Raw;

/// `SEQUENCE {}` as used by `getRAT`, `unsetFallbackAttribute`, `listEim` (only unknown
/// extension additions can appear).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
pub struct EmptySequence {
    /// Unknown extension additions.
    pub ext: Extensions,
}

mod list_profile_info;
mod request;
mod result;
mod signed_data;

pub use list_profile_info::*;
pub use request::*;
pub use result::*;
pub use signed_data::{eim_signed_data, euicc_signed_data};

#[cfg(test)]
mod tests;
