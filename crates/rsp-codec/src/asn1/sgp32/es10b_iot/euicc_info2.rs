//! SGP32-EUICCInfo2.

use super::*;

/// `SGP32-EUICCInfo2 ::= [34] SEQUENCE`. Tag 'BF22': SGP.22's `EUICCInfo2` plus `ipaMode`
/// '90', `euiccCiPKIdListForSigningV3` 'B1', `additionalEuiccInfo` '92', `highestSvn`
/// '93', `iotSpecificInfo` 'B4' (SGP.32 §5.9.x GetEUICCInfo). SGP.22's
/// [`crate::asn1::EUICCInfo2`] keeps these as extensions (byte-exactly), this type names them.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 34))]
pub struct Sgp32EuiccInfo2 {
    /// Tag '81'.
    #[rasn(tag(context, 1))]
    pub profile_version: VersionType,
    /// Tag '82'.
    #[rasn(tag(context, 2))]
    pub svn: VersionType,
    /// Tag '83'.
    #[rasn(tag(context, 3))]
    pub euicc_firmware_ver: VersionType,
    /// Tag '84'.
    #[rasn(tag(context, 4))]
    pub ext_card_resource: OctetString,
    /// Tag '85'.
    #[rasn(tag(context, 5))]
    pub uicc_capability: UICCCapability,
    /// Tag '86'.
    #[rasn(tag(context, 6))]
    pub ts102241_version: Option<VersionType>,
    /// Tag '87'.
    #[rasn(tag(context, 7))]
    pub globalplatform_version: Option<VersionType>,
    /// Tag '88'.
    #[rasn(tag(context, 8))]
    pub rsp_capability: RspCapability,
    /// Tag 'A9'.
    #[rasn(tag(context, 9))]
    pub euicc_ci_pk_id_list_for_verification: SequenceOf<SubjectKeyIdentifier>,
    /// Tag 'AA'.
    #[rasn(tag(context, 10))]
    pub euicc_ci_pk_id_list_for_signing: SequenceOf<SubjectKeyIdentifier>,
    /// Tag '8B'.
    #[rasn(tag(context, 11))]
    pub euicc_category: Option<EuiccCategory>,
    /// Tag '99'.
    #[rasn(tag(context, 25))]
    pub forbidden_profile_policy_rules: Option<PprIds>,
    /// Tag '04'.
    pub pp_version: VersionType,
    /// Tag '0C'.
    pub sas_acreditation_number: Utf8String,
    /// Tag 'AC'.
    #[rasn(tag(context, 12))]
    pub certification_data_object: Option<CertificationDataObject>,
    /// Tag '8D'.
    #[rasn(tag(context, 13))]
    pub tre_properties: Option<TreProperties>,
    /// Tag '8E'.
    #[rasn(tag(context, 14))]
    pub tre_product_reference: Option<Utf8String>,
    /// Tag 'AF'.
    #[rasn(tag(context, 15))]
    pub additional_euicc_profile_package_versions: Option<SequenceOf<VersionType>>,
    /// Active IPA. Tag '90'.
    #[rasn(tag(context, 16))]
    pub ipa_mode: Option<IpaMode>,
    /// Not used by SGP.32 v1.2. Tag 'B1'.
    #[rasn(tag(context, 17))]
    pub euicc_ci_pk_id_list_for_signing_v3: Option<SequenceOf<SubjectKeyIdentifier>>,
    /// Not used by SGP.32 v1.2. Tag '92'.
    #[rasn(tag(context, 18))]
    pub additional_euicc_info: Option<OctetString>,
    /// Not used by SGP.32 v1.2. Tag '93'.
    #[rasn(tag(context, 19))]
    pub highest_svn: Option<VersionType>,
    /// Tag 'B4'.
    #[rasn(tag(context, 20))]
    pub iot_specific_info: Option<IoTSpecificInfo>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

named_integer!(
    /// `IpaMode ::= INTEGER`.
    IpaMode {
        IPAD = 0,
        IPAE = 1,
    }
);

/// `IoTSpecificInfo ::= SEQUENCE` (A0, 81, 82).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
pub struct IoTSpecificInfo {
    /// SGP.32 versions supported. Tag 'A0'.
    #[rasn(tag(context, 0))]
    pub iot_version: SequenceOf<VersionType>,
    /// Tag '81'.
    #[rasn(tag(context, 1))]
    pub ecall_supported: Option<()>,
    /// Tag '82'.
    #[rasn(tag(context, 2))]
    pub fallback_supported: Option<()>,
    /// Unknown extension additions.
    pub ext: Extensions,
}
