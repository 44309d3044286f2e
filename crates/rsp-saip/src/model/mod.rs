//! Typed ASN.1 model of the TCA PE definitions v3.3.1 (`PEDefinitions`), split by PE group.
//!
//! Hand-written with `rasn` derives, except `templates.rs` (generated, see its header).

pub mod aka;
pub mod application;
pub mod element;
pub mod file;
pub mod gfm;
pub mod header;
pub mod pin;
pub mod security_domain;
pub mod templates;

pub use aka::{
    AlgoConfiguration, AlgoParameter, MappingParameter, PeAkaParameter, PeCdmaParameter,
};
pub use application::{ApplicationInstance, ApplicationLoadPackage, PeApplication, PeRfm};
pub use element::{EuiccResponse, PeDummy, PeEnd, PeNonStandard, PeStatus, ProfileElement};
pub use file::{Fcp, File, FileItem, ProprietaryInfo, TemplatePe};
pub use gfm::{FileManagement, FileManagementItem, PeGenericFileManagement};
pub use header::{PeHeader, ProfileHeader, ServicesList};
pub use pin::{PePinCodes, PePukCodes, PinCodes, PinConfiguration, PukConfiguration};
pub use security_domain::{KeyComponent, KeyObject, PeSecurityDomain};
pub use templates::*;
