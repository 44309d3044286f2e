//! ES10b (LPA ↔ eUICC ISD-R): eUICC information, download session, notifications, CRL,
//! RAT (SGP.22 §5.7.5–§5.7.14, §5.7.22).

use rasn::prelude::*;

use super::certificate::{Certificate, CertificateList};
use super::choice::OpenChoice;
use super::common::{
    NotificationEvent, NotificationMetadata, Octet4, Octet8, Octet16, Octet32, OperatorId, PprIds,
    SubjectKeyIdentifier, TransactionId, VersionType,
};
use super::es8plus::ProfileInstallationResult;
use super::ext::Extensions;
use super::macros::{named_bits, named_integer};
use super::raw::Raw;

mod authenticate_server;
mod cancel_session;
mod device_info;
mod euicc_challenge;
mod euicc_info;
mod get_rat;
mod load_crl;
mod notifications;
mod prepare_download;

pub use authenticate_server::*;
pub use cancel_session::*;
pub use device_info::*;
pub use euicc_challenge::*;
pub use euicc_info::*;
pub use get_rat::*;
pub use load_crl::*;
pub use notifications::*;
pub use prepare_download::*;
