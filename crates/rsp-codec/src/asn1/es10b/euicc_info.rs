//! GetEUICCInfo §5.7.8.

use super::*;

/// `GetEuiccInfo1Request ::= [32] SEQUENCE {}`. Tag 'BF20'.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
#[rasn(tag(context, 32))]
pub struct GetEuiccInfo1Request {
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `EUICCInfo1 ::= [32] SEQUENCE`. Tag 'BF20' (SGP.22 §5.7.8; also in ES9+/ES11
/// InitiateAuthentication).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 32))]
pub struct EUICCInfo1 {
    /// SGP.22 version supported. Tag '82'.
    #[rasn(tag(context, 2))]
    pub svn: VersionType,
    /// CI key identifiers for signature verification. Tag 'A9'.
    #[rasn(tag(context, 9))]
    pub euicc_ci_pk_id_list_for_verification: SequenceOf<SubjectKeyIdentifier>,
    /// CI key identifiers for signature creation. Tag 'AA'.
    #[rasn(tag(context, 10))]
    pub euicc_ci_pk_id_list_for_signing: SequenceOf<SubjectKeyIdentifier>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `GetEuiccInfo2Request ::= [34] SEQUENCE {}`. Tag 'BF22'.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
#[rasn(tag(context, 34))]
pub struct GetEuiccInfo2Request {
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `EUICCInfo2 ::= [34] SEQUENCE`. Tag 'BF22' (SGP.22 §5.7.8).
///
/// A v3 eUICC appends fields (`ipaMode`, `highestSvn`...): they land in `ext` and are
/// re-encoded unchanged, which keeps `euiccSigned1` verifiable.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 34))]
pub struct EUICCInfo2 {
    /// Base eUICC Profile package version supported. Tag '81'.
    #[rasn(tag(context, 1))]
    pub profile_version: VersionType,
    /// SGP.22 version supported. Tag '82'.
    #[rasn(tag(context, 2))]
    pub svn: VersionType,
    /// eUICC firmware version. Tag '83'.
    #[rasn(tag(context, 3))]
    pub euicc_firmware_ver: VersionType,
    /// Extended Card Resource Information (ETSI TS 102 226). Tag '84'.
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
    /// Protection Profile version. Tag '04'.
    pub pp_version: VersionType,
    /// SAS accreditation number (0..64 chars). Tag '0C'.
    pub sas_acreditation_number: Utf8String,
    /// Tag 'AC'.
    #[rasn(tag(context, 12))]
    pub certification_data_object: Option<CertificationDataObject>,
    /// Tag '8D'.
    #[rasn(tag(context, 13))]
    pub tre_properties: Option<TreProperties>,
    /// GlobalPlatform DLOA Platform_Label. Tag '8E'.
    #[rasn(tag(context, 14))]
    pub tre_product_reference: Option<Utf8String>,
    /// Tag 'AF'.
    #[rasn(tag(context, 15))]
    pub additional_euicc_profile_package_versions: Option<SequenceOf<VersionType>>,
    /// Unknown extension additions (e.g. SGP.22 v3 / SGP.32 fields).
    pub ext: Extensions,
}

named_integer!(
    /// `euiccCategory [11] INTEGER` of `EUICCInfo2`.
    EuiccCategory {
        OTHER = 0,
        BASIC_EUICC = 1,
        MEDIUM_EUICC = 2,
        CONTACTLESS_EUICC = 3,
    }
);

named_bits!(
    /// `treProperties [13] BIT STRING` of `EUICCInfo2`.
    TreProperties {
        IS_DISCRETE = 0,
        IS_INTEGRATED = 1,
        USES_REMOTE_MEMORY = 2,
    }
);

named_bits!(
    /// `RspCapability ::= BIT STRING` (SGP.22 §5.7.8).
    RspCapability {
        ADDITIONAL_PROFILE = 0,
        CRL_SUPPORT = 1,
        RPM_SUPPORT = 2,
        TEST_PROFILE_SUPPORT = 3,
        DEVICE_INFO_EXTENSIBILITY_SUPPORT = 4,
        SERVICE_SPECIFIC_DATA_SUPPORT = 5,
    }
);

named_bits!(
    /// `UICCCapability ::= BIT STRING` imported from the TCA `PEDefinitions` (v3.3.1).
    UICCCapability {
        CONTACTLESS_SUPPORT = 0,
        USIM_SUPPORT = 1,
        ISIM_SUPPORT = 2,
        CSIM_SUPPORT = 3,
        AKA_MILENAGE = 4,
        AKA_CAVE = 5,
        AKA_TUAK128 = 6,
        AKA_TUAK256 = 7,
        USIM_TEST_ALGORITHM = 8,
        RFU2 = 9,
        GBA_AUTHEN_USIM = 10,
        GBA_AUTHEN_ISIM = 11,
        MBMS_AUTHEN_USIM = 12,
        EAP_CLIENT = 13,
        JAVACARD = 14,
        MULTOS = 15,
        MULTIPLE_USIM_SUPPORT = 16,
        MULTIPLE_ISIM_SUPPORT = 17,
        MULTIPLE_CSIM_SUPPORT = 18,
        BER_TLV_FILE_SUPPORT = 19,
        DF_LINK_SUPPORT = 20,
        CAT_TP = 21,
        GET_IDENTITY = 22,
        PROFILE_A_X25519 = 23,
        PROFILE_B_P256 = 24,
        SUCI_CALCULATOR_API = 25,
        DNS_RESOLUTION = 26,
        SCP11AC = 27,
        SCP11C_AUTHORIZATION_MECHANISM = 28,
        S16MODE = 29,
        EAKA = 30,
        IOTMINIMAL = 31,
    }
);

named_bits!(
    /// `CertificateInfo ::= BIT STRING` (SGP.22 §5.7.8).
    CertificateInfo {
        RESERVED = 0,
        CERT_SIGNING_X509 = 1,
        RFU2 = 2,
        RFU3 = 3,
        RESERVED2 = 4,
        CERT_VERIFICATION_X509 = 5,
    }
);

/// `CertificationDataObject ::= SEQUENCE` (automatic tags: 80, 81).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct CertificationDataObject {
    /// GlobalPlatform DLOA Platform_Label. Tag '80'.
    #[rasn(tag(context, 0))]
    pub platform_label: Utf8String,
    /// Discovery Base URL of the DLOA Registrar. Tag '81'.
    #[rasn(tag(context, 1))]
    pub discovery_base_url: Utf8String,
    /// Unknown extension additions.
    pub ext: Extensions,
}
