//! DeviceInfo §4.2.

use super::*;

/// `DeviceInfo ::= SEQUENCE` (automatic tags: 80, A1, 82).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    /// Type Allocation Code. Tag '80'.
    #[rasn(tag(context, 0))]
    pub tac: Octet4,
    /// Tag 'A1'.
    #[rasn(tag(context, 1))]
    pub device_capabilities: DeviceCapabilities,
    /// Tag '82'.
    #[rasn(tag(context, 2))]
    pub imei: Option<Octet8>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `DeviceCapabilities ::= SEQUENCE` (automatic tags 80..8E, AE).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
pub struct DeviceCapabilities {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub gsm_supported_release: Option<VersionType>,
    /// Tag '81'.
    #[rasn(tag(context, 1))]
    pub utran_supported_release: Option<VersionType>,
    /// Tag '82'.
    #[rasn(tag(context, 2))]
    pub cdma2000onex_supported_release: Option<VersionType>,
    /// Tag '83'.
    #[rasn(tag(context, 3))]
    pub cdma2000hrpd_supported_release: Option<VersionType>,
    /// Tag '84'.
    #[rasn(tag(context, 4))]
    pub cdma2000ehrpd_supported_release: Option<VersionType>,
    /// Tag '85'.
    #[rasn(tag(context, 5))]
    pub eutran_epc_supported_release: Option<VersionType>,
    /// Tag '86'.
    #[rasn(tag(context, 6))]
    pub contactless_supported_release: Option<VersionType>,
    /// Tag '87'.
    #[rasn(tag(context, 7))]
    pub rsp_crl_supported_version: Option<VersionType>,
    /// Tag '88'.
    #[rasn(tag(context, 8))]
    pub nr_epc_supported_release: Option<VersionType>,
    /// Tag '89'.
    #[rasn(tag(context, 9))]
    pub nr5gc_supported_release: Option<VersionType>,
    /// Tag '8A'.
    #[rasn(tag(context, 10))]
    pub eutran5gc_supported_release: Option<VersionType>,
    /// Tag '8B'.
    #[rasn(tag(context, 11))]
    pub lpa_svn: Option<VersionType>,
    /// Tag '8C'.
    #[rasn(tag(context, 12))]
    pub cat_supported_classes: Option<CatSupportedClasses>,
    /// Tag '8D'.
    #[rasn(tag(context, 13))]
    pub euicc_form_factor_type: Option<EuiccFormFactorType>,
    /// Tag 'AE'.
    #[rasn(tag(context, 14))]
    pub device_additional_feature_support: Option<DeviceAdditionalFeatureSupport>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `CatSupportedClasses ::= BIT STRING` (no named bits in SGP.22 v2.5).
pub type CatSupportedClasses = BitString;

/// `EuiccFormFactorType ::= INTEGER` (no named numbers in SGP.22 v2.5).
pub type EuiccFormFactorType = Integer;

/// `DeviceAdditionalFeatureSupport ::= SEQUENCE { naiSupport VersionType OPTIONAL }`.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
pub struct DeviceAdditionalFeatureSupport {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub nai_support: Option<VersionType>,
    /// Unknown extension additions.
    pub ext: Extensions,
}
