//! ESipa (IPA ↔ eIM) messages (SGP.32 v1.2 §5.14 and §6.x ASN.1 binding):
//! `EsipaMessageFromIpaToEim` / `EsipaMessageFromEimToIpa` and what they carry.
//!
//! Where the module imports a type from `RSPDefinitions` the SGP.22 type of this crate is
//! reused (`ServerSigned1`, `SmdpSigned2`, `BoundProfilePackage`, `CtxParams1`…).

// Variants keep the ASN.1 alternative names (e.g. `euiccPackageResultSigned`), which the
// derive-generated impls would otherwise trip this lint on.
#![allow(clippy::enum_variant_names)]
use rasn::prelude::*;

use super::es10b_iot::{
    IpaEuiccDataRequest, IpaEuiccDataResponse, Sgp32AuthenticateServerResponse,
    Sgp32CancelSessionResponse, Sgp32PendingNotification, Sgp32PrepareDownloadResponse,
    Sgp32StoreMetadataRequest,
};
use super::euicc_package::{EuiccPackageRequest, EuiccPackageResult};
use crate::asn1::certificate::Certificate;
use crate::asn1::choice::OpenChoice;
use crate::asn1::common::{Octet3, Octet16, Octet32, TransactionId};
use crate::asn1::es8plus::{BoundProfilePackage, ProfileInstallationResult};
use crate::asn1::es10b::{CtxParams1, EUICCInfo1, ServerSigned1, SmdpSigned2};
use crate::asn1::ext::Extensions;
use crate::asn1::macros::named_integer;
use crate::asn1::raw::Raw;

mod authenticate_client;
mod cancel_session;
mod eim_package;
mod get_bound_profile_package;
mod get_eim_package;
mod handle_notification;
mod initiate_authentication;
mod messages;
mod provide_eim_package_result;
mod transfer_eim_package;

pub use authenticate_client::*;
pub use cancel_session::*;
pub use eim_package::*;
pub use get_bound_profile_package::*;
pub use get_eim_package::*;
pub use handle_notification::*;
pub use initiate_authentication::*;
pub use messages::*;
pub use provide_eim_package_result::*;
pub use transfer_eim_package::*;

#[cfg(test)]
mod tests;
