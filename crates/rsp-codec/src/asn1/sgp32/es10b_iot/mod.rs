//! ES10b IoT (IPA ↔ eUICC) functions and data SGP.32 v1.2 adds or changes (§5.9):
//! eIM configuration, LoadEuiccPackage, immediate enable, rollback, GetCerts,
//! GetIpaEuiccData, eUICC memory reset, the compact ES10b outputs (§5.9.x, §6.x
//! "minimizeEsipaBytes") and the SGP.32 forms of `EUICCInfo2` / `StoreMetadataRequest`.

use rasn::prelude::*;

use super::euicc_package::{EimConfigurationData, EuiccPackageResult};
use crate::asn1::certificate::Certificate;
use crate::asn1::choice::OpenChoice;
use crate::asn1::common::{
    Iccid, IconType, NotificationConfigurationInformation, NotificationEvent, NotificationMetadata,
    Octet2, Octet16, Octet32, OperatorId, PprIds, ProfileClass, SubjectKeyIdentifier,
    TransactionId, VendorSpecificExtension, VersionType,
};
use crate::asn1::es8plus::{ErrorResult, EuiccSignPIR, ProfileInstallationResult};
use crate::asn1::es10b::{
    AuthenticateResponseError, CancelSessionReason, CancelSessionResponseOk,
    CertificationDataObject, CtxParams1, DeviceInfo, EUICCInfo1, EuiccCategory,
    OtherSignedNotification, PrepareDownloadResponseError, PrepareDownloadResponseOk,
    RspCapability, TreProperties, UICCCapability,
};
use crate::asn1::ext::Extensions;
use crate::asn1::macros::{named_bits, named_integer};
use crate::asn1::raw::Raw;

mod compact_outputs;
mod connectivity_parameters;
mod eim_configuration;
mod euicc_info2;
mod get_certs;
mod immediate_enable;
mod immediate_profile_enabling;
mod ipa_euicc_data;
mod ipae;
mod memory_reset;
mod notifications_list;
mod refresh_flag;
mod store_metadata;

pub use compact_outputs::*;
pub use connectivity_parameters::*;
pub use eim_configuration::*;
pub use euicc_info2::*;
pub use get_certs::*;
pub use immediate_enable::*;
pub use immediate_profile_enabling::*;
pub use ipa_euicc_data::*;
pub use ipae::*;
pub use memory_reset::*;
pub use notifications_list::*;
pub use refresh_flag::*;
pub use store_metadata::*;

#[cfg(test)]
mod tests;
