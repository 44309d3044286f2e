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

// ------------------------------------------------------------ eIM configuration §5.9.x

/// `AddInitialEimRequest ::= [87] SEQUENCE`. Tag 'BF57' (SGP.32 §5.9.18 ES10b.AddInitialEim).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
#[rasn(tag(context, 87))]
pub struct AddInitialEimRequest {
    /// Tag 'A0'.
    #[rasn(tag(context, 0))]
    pub eim_configuration_data_list: SequenceOf<EimConfigurationData>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `AddInitialEimResponse ::= [87] CHOICE`. Tag 'BF57' (explicit) then A0 / 81.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice, tag(explicit(context, 87)))]
pub enum AddInitialEimResponse {
    /// One entry per eIM. Tag 'A0'.
    #[rasn(tag(context, 0))]
    AddInitialEimOk(SequenceOf<AddInitialEimOkEntry>),
    /// Tag '81'.
    #[rasn(tag(context, 1))]
    AddInitialEimError(AddInitialEimError),
}

/// Element `CHOICE { associationToken [4] INTEGER, addOk NULL }` of `addInitialEimOk`
/// (84 / 05).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
pub enum AddInitialEimOkEntry {
    /// Tag '84'.
    #[rasn(tag(context, 4))]
    AssociationToken(Integer),
    /// Tag '05'.
    AddOk(()),
}

named_integer!(
    /// `addInitialEimError INTEGER`.
    AddInitialEimError {
        INSUFFICIENT_MEMORY = 1,
        ASSOCIATED_EIM_ALREADY_EXISTS = 2,
        CI_PK_UNKNOWN = 3,
        INVALID_ASSOCIATION_TOKEN = 5,
        COUNTER_VALUE_OUT_OF_RANGE = 6,
        COMMAND_ERROR = 7,
        UNDEFINED_ERROR = 127,
    }
);

/// `GetEimConfigurationDataRequest ::= [85] SEQUENCE`. Tag 'BF55' (SGP.32 §5.9.x
/// ES10b.GetEimConfigurationData).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
#[rasn(tag(context, 85))]
pub struct GetEimConfigurationDataRequest {
    /// `searchCriteria CHOICE { eimId [0] }` (the SEQUENCE has no tagged component, so
    /// automatic tagging makes it `[0]` explicit). Tag 'A0'.
    #[rasn(tag(explicit(context, 0)))]
    pub search_criteria: Option<EimSearchCriteria>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `searchCriteria CHOICE { eimId [0] UTF8String }` (80).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
pub enum EimSearchCriteria {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    EimId(Utf8String),
}

/// `GetEimConfigurationDataResponse ::= [85] SEQUENCE`. Tag 'BF55'.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
#[rasn(tag(context, 85))]
pub struct GetEimConfigurationDataResponse {
    /// Tag 'A0'.
    #[rasn(tag(context, 0))]
    pub eim_configuration_data_list: SequenceOf<EimConfigurationData>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// ES10b.LoadEuiccPackage input (SGP.32 §5.9.1): the `EuiccPackageRequest` as received.
pub type LoadEuiccPackageRequest = super::euicc_package::EuiccPackageRequest;
/// ES10b.LoadEuiccPackage output (SGP.32 §5.9.1).
pub type LoadEuiccPackageResponse = EuiccPackageResult;

// ------------------------------------------------------------ immediate enable / rollback

/// `ImmediateEnableRequest ::= [90] SEQUENCE`. Tag 'BF5A' (SGP.32 §5.9.x).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
#[rasn(tag(context, 90))]
pub struct ImmediateEnableRequest {
    /// Automatic tags. Tag '80'.
    #[rasn(tag(context, 0))]
    pub refresh_flag: bool,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `ImmediateEnableResponse ::= [90] SEQUENCE`. Tag 'BF5A'.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 90))]
pub struct ImmediateEnableResponse {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub immediate_enable_result: ImmediateEnableResult,
    /// Unknown extension additions.
    pub ext: Extensions,
}

named_integer!(
    /// `immediateEnableResult [0] INTEGER`.
    ImmediateEnableResult {
        OK = 0,
        IMMEDIATE_ENABLE_NOT_AVAILABLE = 1,
        NO_SESSION_CONTEXT = 4,
        CAT_BUSY = 5,
        UNDEFINED_ERROR = 127,
    }
);

/// `ProfileRollbackRequest ::= [88] SEQUENCE`. Tag 'BF58' (SGP.32 §5.9.x).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
#[rasn(tag(context, 88))]
pub struct ProfileRollbackRequest {
    /// Automatic tags. Tag '80'.
    #[rasn(tag(context, 0))]
    pub refresh_flag: bool,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `ProfileRollbackResponse ::= [88] SEQUENCE`. Tag 'BF58' (02, BF51): the SEQUENCE has
/// a tagged component, so `cmdResult` stays a universal INTEGER.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 88))]
pub struct ProfileRollbackResponse {
    /// Tag '02'.
    pub cmd_result: ProfileRollbackResult,
    /// `[81]` implicit over the `[81]`-tagged CHOICE. Tag 'BF51'.
    pub euicc_package_result: Option<EuiccPackageResult>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

named_integer!(
    /// `cmdResult INTEGER` of `ProfileRollbackResponse`.
    ProfileRollbackResult {
        OK = 0,
        ROLLBACK_NOT_ALLOWED = 1,
        CAT_BUSY = 5,
        COMMAND_ERROR = 7,
        UNDEFINED_ERROR = 127,
    }
);

// ------------------------------------------------------------------------ GetCerts

/// `GetCertsRequest ::= [86] SEQUENCE`. Tag 'BF56' (automatic tags: 80) (SGP.32 §5.9.x).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
#[rasn(tag(context, 86))]
pub struct GetCertsRequest {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub euicc_ci_pk_id: Option<SubjectKeyIdentifier>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `GetCertsResponse ::= [86] CHOICE`. Tag 'BF56' (explicit) then A0 / 81.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice, tag(explicit(context, 86)))]
pub enum GetCertsResponse {
    /// Tag 'A0'.
    #[rasn(tag(context, 0))]
    Certs(Certs),
    /// Tag '81'.
    #[rasn(tag(context, 1))]
    GetCertsError(GetCertsError),
}

/// `certs SEQUENCE` (A5, A6).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct Certs {
    /// CERT.EUM.ECDSA. Tag 'A5'.
    #[rasn(tag(context, 5))]
    pub eum_certificate: Certificate,
    /// CERT.EUICC.ECDSA. Tag 'A6'.
    #[rasn(tag(context, 6))]
    pub euicc_certificate: Certificate,
    /// Unknown extension additions.
    pub ext: Extensions,
}

named_integer!(
    /// `getCertsError INTEGER`.
    GetCertsError {
        INVALID_CI_PK_ID = 1,
        UNDEFINED_ERROR = 127,
    }
);

// --------------------------------------------------------------------- eUICC memory reset

named_bits!(
    /// `resetOptions [2] BIT STRING` of `SGP32-EuiccMemoryResetRequest`.
    Sgp32ResetOptions {
        DELETE_OPERATIONAL_PROFILES = 0,
        DELETE_FIELD_LOADED_TEST_PROFILES = 1,
        RESET_DEFAULT_SMDP_ADDRESS = 2,
        DELETE_PRE_LOADED_TEST_PROFILES = 3,
        DELETE_PROVISIONING_PROFILES = 4,
        RESET_EIM_CONFIG_DATA = 5,
        RESET_IMMEDIATE_ENABLE_CONFIG = 6,
    }
);

/// `SGP32-EuiccMemoryResetRequest ::= [100] SEQUENCE`. Tag 'BF64' (82) (SGP.32 §5.9.x).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
#[rasn(tag(context, 100))]
pub struct Sgp32EuiccMemoryResetRequest {
    /// Tag '82'.
    #[rasn(tag(context, 2))]
    pub reset_options: Sgp32ResetOptions,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `SGP32-EuiccMemoryResetResponse ::= [100] SEQUENCE`. Tag 'BF64' (automatic tags:
/// 80, 81, 82).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 100))]
pub struct Sgp32EuiccMemoryResetResponse {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub reset_result: ResetResult,
    /// Tag '81'.
    #[rasn(tag(context, 1))]
    pub reset_eim_result: Option<ResetEimResult>,
    /// Tag '82'.
    #[rasn(tag(context, 2))]
    pub reset_immediate_enable_config_result: Option<ResetImmediateEnableConfigResult>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

named_integer!(
    /// `resetResult INTEGER`.
    ResetResult {
        OK = 0,
        NOTHING_TO_DELETE = 1,
        CAT_BUSY = 5,
        ECALL_ACTIVE = 104,
        UNDEFINED_ERROR = 127,
    }
);

named_integer!(
    /// `resetEimResult INTEGER`.
    ResetEimResult {
        OK = 0,
        NOTHING_TO_DELETE = 1,
        EIM_RESET_NOT_SUPPORTED = 2,
        UNDEFINED_ERROR = 127,
    }
);

named_integer!(
    /// `resetImmediateEnableConfigResult INTEGER`.
    ResetImmediateEnableConfigResult {
        OK = 0,
        RESET_IEC_NOT_SUPPORTED = 1,
        UNDEFINED_ERROR = 127,
    }
);

// -------------------------------------------------------------------- GetIpaEuiccData

/// `IpaEuiccDataRequest ::= [82] SEQUENCE`. Tag 'BF52' (5C, 04, A1, A2, 83)
/// (SGP.32 §2.11.2.2, ES10b.GetEimPackage data request).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
#[rasn(tag(context, 82))]
pub struct IpaEuiccDataRequest {
    /// Tags of the data objects wanted. Tag '5C'.
    #[rasn(tag(application, 28))]
    pub tag_list: OctetString,
    /// Possibly truncated CI key id. Tag '04'.
    pub euicc_ci_pk_identifier_to_be_used: Option<OctetString>,
    /// `[1]` explicit over the untagged CHOICE. Tag 'A1'.
    #[rasn(tag(explicit(context, 1)))]
    pub search_criteria_notification: Option<SearchCriteriaNotification>,
    /// `[2]` explicit over the untagged CHOICE. Tag 'A2'.
    #[rasn(tag(explicit(context, 2)))]
    pub search_criteria_euicc_package_result: Option<SearchCriteriaEuiccPackageResult>,
    /// Tag '83'.
    #[rasn(tag(context, 3))]
    pub eim_transaction_id: Option<TransactionId>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `searchCriteriaNotification CHOICE` (80 / 81).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
pub enum SearchCriteriaNotification {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    SeqNumber(Integer),
    /// Tag '81'.
    #[rasn(tag(context, 1))]
    ProfileManagementOperation(NotificationEvent),
}

/// `searchCriteriaEuiccPackageResult CHOICE` (80).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
pub enum SearchCriteriaEuiccPackageResult {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    SeqNumber(Integer),
}

/// `IpaEuiccDataResponse ::= [82] CHOICE`. Tag 'BF52' (explicit) then A0 / A1.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice, tag(explicit(context, 82)))]
pub enum IpaEuiccDataResponse {
    /// Tag 'A0'.
    #[rasn(tag(context, 0))]
    IpaEuiccData(Box<IpaEuiccData>),
    /// Tag 'A1'.
    #[rasn(tag(context, 1))]
    IpaEuiccDataResponseError(IpaEuiccDataResponseError),
}

/// `IpaEuiccData ::= SEQUENCE` (A0, 81, A2, BF20, BF22, 83, 84, A5, A6, 87, A8, A9)
/// (SGP.32 §2.11.2.2).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
pub struct IpaEuiccData {
    /// `PendingNotificationList`. Tag 'A0'.
    #[rasn(tag(context, 0))]
    pub notifications_list: Option<SequenceOf<Sgp32PendingNotification>>,
    /// Tag '81'.
    #[rasn(tag(context, 1))]
    pub default_smdp_address: Option<Utf8String>,
    /// `EuiccPackageResultList`. Tag 'A2'.
    #[rasn(tag(context, 2))]
    pub euicc_package_result_list: Option<SequenceOf<EuiccPackageResult>>,
    /// Tag 'BF20'.
    pub euicc_info1: Option<EUICCInfo1>,
    /// Tag 'BF22'.
    pub euicc_info2: Option<Sgp32EuiccInfo2>,
    /// Tag '83'.
    #[rasn(tag(context, 3))]
    pub root_smds_address: Option<Utf8String>,
    /// Tag '84'.
    #[rasn(tag(context, 4))]
    pub association_token: Option<Integer>,
    /// Tag 'A5'.
    #[rasn(tag(context, 5))]
    pub eum_certificate: Option<Certificate>,
    /// Tag 'A6'.
    #[rasn(tag(context, 6))]
    pub euicc_certificate: Option<Certificate>,
    /// Tag '87'.
    #[rasn(tag(context, 7))]
    pub eim_transaction_id: Option<TransactionId>,
    /// Tag 'A8'.
    #[rasn(tag(context, 8))]
    pub ipa_capabilities: Option<IpaCapabilities>,
    /// Tag 'A9'.
    #[rasn(tag(context, 9))]
    pub device_info: Option<DeviceInfo>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `IpaEuiccDataResponseError ::= SEQUENCE` (80, 02).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct IpaEuiccDataResponseError {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub eim_transaction_id: Option<TransactionId>,
    /// Tag '02'.
    pub ipa_euicc_data_error_code: IpaEuiccDataErrorCode,
    /// Unknown extension additions.
    pub ext: Extensions,
}

named_integer!(
    /// `IpaEuiccDataErrorCode ::= INTEGER`.
    IpaEuiccDataErrorCode {
        INCORRECT_TAG_LIST = 1,
        EUICC_CI_PK_ID_NOT_FOUND = 5,
        ECALL_ACTIVE = 104,
        UNDEFINED_ERROR = 127,
    }
);

/// `IpaCapabilities ::= SEQUENCE` (80, 81) (SGP.32 §2.11.2.2).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
pub struct IpaCapabilities {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub ipa_features: IpaFeatures,
    /// Tag '81'.
    #[rasn(tag(context, 1))]
    pub ipa_supported_protocols: Option<IpaSupportedProtocols>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

named_bits!(
    /// `ipaFeatures [0] BIT STRING`.
    IpaFeatures {
        DIRECT_RSP_SERVER_COMMUNICATION = 0,
        INDIRECT_RSP_SERVER_COMMUNICATION = 1,
        EIM_DOWNLOAD_DATA_HANDLING = 2,
        EIM_CTX_PARAMS1_GENERATION = 3,
        EIM_PROFILE_METADATA_VERIFICATION = 4,
        MINIMIZE_ESIPA_BYTES = 5,
    }
);

named_bits!(
    /// `ipaSupportedProtocols [1] BIT STRING`.
    IpaSupportedProtocols {
        IPA_RETRIEVE_HTTPS = 0,
        IPA_RETRIEVE_COAPS = 1,
        IPA_INJECT_HTTPS = 2,
        IPA_INJECT_COAPS = 3,
        IPA_PROPRIETARY = 4,
    }
);

// ------------------------------------------------------------------ SGP32-EUICCInfo2

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

// ------------------------------------------------------- SGP32-StoreMetadataRequest

fn default_profile_class() -> ProfileClass {
    ProfileClass::OPERATIONAL
}

/// `SGP32-StoreMetadataRequest ::= [37] SEQUENCE`. Tag 'BF25': SGP.22's plus
/// `ecallIndication` '9F7B' and `fallbackAllowed` '9F67' (SGP.32 §5.14.2 profileMetaData).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 37))]
pub struct Sgp32StoreMetadataRequest {
    /// Tag '5A'.
    pub iccid: Iccid,
    /// Tag '91'.
    #[rasn(tag(context, 17))]
    pub service_provider_name: Utf8String,
    /// Tag '92'.
    #[rasn(tag(context, 18))]
    pub profile_name: Utf8String,
    /// Tag '93'.
    #[rasn(tag(context, 19))]
    pub icon_type: Option<IconType>,
    /// Tag '94'.
    #[rasn(tag(context, 20))]
    pub icon: Option<OctetString>,
    /// Tag '95', `DEFAULT operational`.
    #[rasn(tag(context, 21), default = "default_profile_class")]
    pub profile_class: ProfileClass,
    /// Tag 'B6'.
    #[rasn(tag(context, 22))]
    pub notification_configuration_info: Option<SequenceOf<NotificationConfigurationInformation>>,
    /// Tag 'B7'.
    #[rasn(tag(context, 23))]
    pub profile_owner: Option<OperatorId>,
    /// Tag '99'.
    #[rasn(tag(context, 25))]
    pub profile_policy_rules: Option<PprIds>,
    /// Tag 'BF22'.
    #[rasn(tag(context, 34))]
    pub service_specific_data_stored_in_euicc: Option<VendorSpecificExtension>,
    /// Tag 'BF23'.
    #[rasn(tag(context, 35))]
    pub service_specific_data_not_stored_in_euicc: Option<VendorSpecificExtension>,
    /// Tag '9F7B'.
    #[rasn(tag(context, 123))]
    pub ecall_indication: Option<bool>,
    /// Tag '9F67'.
    #[rasn(tag(context, 103))]
    pub fallback_allowed: Option<bool>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

// ------------------------------------------------- ES10b outputs with compact forms

/// `SGP32-AuthenticateServerResponse ::= [56] CHOICE`. Tag 'BF38' (explicit) then
/// A0 / A1 / A2 (SGP.32 §5.9.x AuthenticateServer, compact form for minimizeEsipaBytes).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice, tag(explicit(context, 56)))]
pub enum Sgp32AuthenticateServerResponse {
    /// Tag 'A0'.
    #[rasn(tag(context, 0))]
    AuthenticateResponseOk(Box<Sgp32AuthenticateResponseOk>),
    /// Tag 'A1'.
    #[rasn(tag(context, 1))]
    AuthenticateResponseError(AuthenticateResponseError),
    /// Tag 'A2'.
    #[rasn(tag(context, 2))]
    CompactAuthenticateResponseOk(Box<CompactAuthenticateResponseOk>),
}

/// `SGP32-AuthenticateResponseOk ::= SEQUENCE` (30, 5F37, 30, 30): SGP.22's with
/// `SGP32-EuiccSigned1`.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct Sgp32AuthenticateResponseOk {
    /// Tag '30', kept as received: `euiccSignature1` covers these bytes.
    pub euicc_signed1: Raw<Sgp32EuiccSigned1>,
    /// Tag '5F37'.
    #[rasn(tag(application, 55))]
    pub euicc_signature1: OctetString,
    /// CERT.EUICC.ECDSA. Tag '30'.
    pub euicc_certificate: Certificate,
    /// CERT.EUM.ECDSA. Tag '30'.
    pub eum_certificate: Certificate,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `SGP32-EuiccSigned1 ::= SEQUENCE` (80, 83, 84, BF22, A0): SGP.22's with
/// `SGP32-EUICCInfo2`.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct Sgp32EuiccSigned1 {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub transaction_id: TransactionId,
    /// Tag '83'.
    #[rasn(tag(context, 3))]
    pub server_address: Utf8String,
    /// Tag '84'.
    #[rasn(tag(context, 4))]
    pub server_challenge: Octet16,
    /// Tag 'BF22'.
    pub euicc_info2: Sgp32EuiccInfo2,
    /// Tag 'A0'.
    pub ctx_params1: OpenChoice<CtxParams1>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `CompactAuthenticateResponseOk ::= SEQUENCE` (30 | A0, 5F37, A1, A2).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct CompactAuthenticateResponseOk {
    /// 30 (full) or A0 (compact); the signature covers the bytes as received.
    pub signed_data: CompactSignedData,
    /// Tag '5F37'.
    #[rasn(tag(application, 55))]
    pub euicc_signature1: OctetString,
    /// Tag 'A1'.
    #[rasn(tag(context, 1))]
    pub euicc_certificate: Option<Certificate>,
    /// Tag 'A2'.
    #[rasn(tag(context, 2))]
    pub eum_certificate: Option<Certificate>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `signedData CHOICE { euiccSigned1, compactEuiccSigned1 [0] }` (30 / A0).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
pub enum CompactSignedData {
    /// Tag '30'.
    EuiccSigned1(Box<Raw<Sgp32EuiccSigned1>>),
    /// Tag 'A0'.
    CompactEuiccSigned1(Box<Raw<CompactEuiccSigned1>>),
}

/// `CompactEuiccSigned1 ::= SEQUENCE` (84, A2), here with the `[0]` it always carries
/// inside `signedData` (tag 'A0') so [`Raw`] keeps it.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 0))]
pub struct CompactEuiccSigned1 {
    /// Tag '84'.
    #[rasn(tag(context, 4))]
    pub ext_card_resource: OctetString,
    /// `[2]` explicit over the untagged CHOICE. Tag 'A2'.
    #[rasn(tag(explicit(context, 2)))]
    pub ctx_params1: Option<OpenChoice<CtxParams1>>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `SGP32-PrepareDownloadResponse ::= [33] CHOICE`. Tag 'BF21' (explicit) then
/// A0 / A1 / A2 (SGP.32 §5.9.x PrepareDownload).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice, tag(explicit(context, 33)))]
pub enum Sgp32PrepareDownloadResponse {
    /// Tag 'A0'.
    #[rasn(tag(context, 0))]
    DownloadResponseOk(PrepareDownloadResponseOk),
    /// Tag 'A1'.
    #[rasn(tag(context, 1))]
    DownloadResponseError(PrepareDownloadResponseError),
    /// Tag 'A2'.
    #[rasn(tag(context, 2))]
    CompactDownloadResponseOk(CompactPrepareDownloadResponseOk),
}

/// `CompactPrepareDownloadResponseOk ::= SEQUENCE` (30, 5F37).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct CompactPrepareDownloadResponseOk {
    /// Tag '30', kept as received for euiccSignature2.
    pub compact_euicc_signed2: Raw<CompactEuiccSigned2>,
    /// Tag '5F37'.
    #[rasn(tag(application, 55))]
    pub euicc_signature2: OctetString,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `CompactEuiccSigned2 ::= SEQUENCE` (5F49, 04).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
pub struct CompactEuiccSigned2 {
    /// otPK.EUICC.ECKA. Tag '5F49'.
    #[rasn(tag(application, 73))]
    pub euicc_otpk: Option<OctetString>,
    /// Tag '04'.
    pub hash_cc: Option<Octet32>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `SGP32-CancelSessionResponse ::= [65] CHOICE`. Tag 'BF41' (explicit) then A0 / 81 / A2.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice, tag(explicit(context, 65)))]
pub enum Sgp32CancelSessionResponse {
    /// Tag 'A0'.
    #[rasn(tag(context, 0))]
    CancelSessionResponseOk(CancelSessionResponseOk),
    /// Tag '81'.
    #[rasn(tag(context, 1))]
    CancelSessionResponseError(Sgp32CancelSessionResponseError),
    /// Tag 'A2'.
    #[rasn(tag(context, 2))]
    CompactCancelSessionResponseOk(CompactCancelSessionResponseOk),
}

named_integer!(
    /// `cancelSessionResponseError INTEGER`.
    Sgp32CancelSessionResponseError {
        INVALID_TRANSACTION_ID = 5,
        UNDEFINED_ERROR = 127,
    }
);

/// `CompactCancelSessionResponseOk ::= SEQUENCE` (30, 5F37).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct CompactCancelSessionResponseOk {
    /// Tag '30', kept as received.
    pub compact_euicc_cancel_session_signed: Raw<CompactEuiccCancelSessionSigned>,
    /// Tag '5F37'.
    #[rasn(tag(application, 55))]
    pub euicc_cancel_session_signature: OctetString,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `CompactEuiccCancelSessionSigned ::= SEQUENCE` (automatic tags: 80).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
pub struct CompactEuiccCancelSessionSigned {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub reason: Option<CancelSessionReason>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `SGP32-PendingNotification ::= CHOICE` (BF37 / 30 / A0 / A1) (SGP.32 §5.9.x
/// RetrieveNotificationsList).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
pub enum Sgp32PendingNotification {
    /// `SGP32-ProfileInstallationResult` (SGP.22's shape). Tag 'BF37'.
    #[rasn(tag(context, 55))]
    ProfileInstallationResult(Box<ProfileInstallationResult>),
    /// Tag '30'.
    OtherSignedNotification(Box<OtherSignedNotification>),
    /// Tag 'A0'.
    #[rasn(tag(context, 0))]
    CompactProfileInstallationResult(CompactProfileInstallationResult),
    /// Tag 'A1'.
    #[rasn(tag(context, 1))]
    CompactOtherSignedNotification(CompactOtherSignedNotification),
}

/// `CompactProfileInstallationResult ::= SEQUENCE` (A0, 5F37).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct CompactProfileInstallationResult {
    /// Tag 'A0', kept as received: `euiccSignPIR` covers it.
    pub compact_profile_installation_result_data: Raw<CompactProfileInstallationResultData>,
    /// Tag '5F37'.
    pub euicc_sign_pir: EuiccSignPIR,
    /// Unknown extension additions.
    pub ext: Extensions,
}

fn default_true() -> bool {
    true
}

/// `CompactProfileInstallationResultData ::= SEQUENCE` (80, 02, 01, A2), here with the
/// `[0]` it always carries (tag 'A0') so [`Raw`] keeps it.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 0))]
pub struct CompactProfileInstallationResultData {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub transaction_id: TransactionId,
    /// Tag '02'.
    pub seq_number: Integer,
    /// `DEFAULT TRUE`. Tag '01'.
    #[rasn(default = "default_true")]
    pub iccid_present: bool,
    /// `[2]` explicit over the untagged CHOICE. Tag 'A2'.
    #[rasn(tag(explicit(context, 2)))]
    pub compact_final_result: CompactFinalResult,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `compactFinalResult [2] CHOICE` (automatic tags: A0 / A1).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
pub enum CompactFinalResult {
    /// Tag 'A0'.
    #[rasn(tag(context, 0))]
    CompactSuccessResult(CompactSuccessResult),
    /// Tag 'A1'.
    #[rasn(tag(context, 1))]
    ErrorResult(ErrorResult),
}

/// `CompactSuccessResult ::= SEQUENCE` (4F, 04).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct CompactSuccessResult {
    /// Bytes 14 and 15 of the ISD-P AID. Tag '4F'.
    #[rasn(tag(application, 15))]
    pub compact_aid: Octet2,
    /// Tag '04'.
    pub sima_response: Option<OctetString>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `CompactOtherSignedNotification ::= SEQUENCE` (5A, BF2F, 5F37).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct CompactOtherSignedNotification {
    /// Tag '5A'.
    #[rasn(tag(application, 26))]
    pub eid_value: Option<Octet16>,
    /// Tag 'BF2F', kept as received.
    pub tbs_other_notification: Raw<NotificationMetadata>,
    /// Tag '5F37'.
    #[rasn(tag(application, 55))]
    pub euicc_notification_signature: OctetString,
    /// Unknown extension additions.
    pub ext: Extensions,
}

// ------------------------------------------- REFRESH-flag functions (§5.9.x) by one macro

/// `X ::= [n] SEQUENCE { refreshFlag BOOLEAN }` (automatic tags: 80) and its response
/// `[n] SEQUENCE { result [0] INTEGER {...} }` (80).
macro_rules! refresh_command {
    (
        $(#[$rmeta:meta])* $request:ident,
        $(#[$smeta:meta])* $response:ident { $field:ident: $result:ident },
        tag $tag:literal
    ) => {
        $(#[$rmeta])*
        #[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
        #[rasn(tag(context, $tag))]
        pub struct $request {
            /// Whether the eUICC issues a REFRESH. Tag '80'.
            #[rasn(tag(context, 0))]
            pub refresh_flag: bool,
            /// Unknown extension additions.
            pub ext: Extensions,
        }

        $(#[$smeta])*
        #[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
        #[rasn(tag(context, $tag))]
        pub struct $response {
            /// Tag '80'.
            #[rasn(tag(context, 0))]
            pub $field: $result,
            /// Unknown extension additions.
            pub ext: Extensions,
        }
    };
}

refresh_command!(
    /// `ExecuteFallbackMechanismRequest ::= [93] SEQUENCE`. Tag 'BF5D' (SGP.32 §5.9.x).
    ExecuteFallbackMechanismRequest,
    /// `ExecuteFallbackMechanismResponse ::= [93] SEQUENCE`. Tag 'BF5D'.
    ExecuteFallbackMechanismResponse { execute_fallback_mechanism_result: ExecuteFallbackMechanismResult },
    tag 93
);

named_integer!(
    /// `executeFallbackMechanismResult [0] INTEGER`.
    ExecuteFallbackMechanismResult {
        OK = 0,
        PROFILE_NOT_IN_DISABLED_STATE = 2,
        CAT_BUSY = 5,
        FALLBACK_NOT_AVAILABLE = 6,
        COMMAND_ERROR = 7,
        ECALL_ACTIVE = 104,
        UNDEFINED_ERROR = 127,
    }
);

refresh_command!(
    /// `ReturnFromFallbackRequest ::= [94] SEQUENCE`. Tag 'BF5E' (SGP.32 §5.9.x).
    ReturnFromFallbackRequest,
    /// `ReturnFromFallbackResponse ::= [94] SEQUENCE`. Tag 'BF5E'.
    ReturnFromFallbackResponse { return_from_fallback_result: ReturnFromFallbackResult },
    tag 94
);

named_integer!(
    /// `returnFromFallbackResult [0] INTEGER`.
    ReturnFromFallbackResult {
        OK = 0,
        CAT_BUSY = 5,
        FALLBACK_NOT_AVAILABLE = 6,
        COMMAND_ERROR = 7,
        UNDEFINED_ERROR = 127,
    }
);

refresh_command!(
    /// `EnableEmergencyProfileRequest ::= [91] SEQUENCE`. Tag 'BF5B' (SGP.32 §5.9.x).
    EnableEmergencyProfileRequest,
    /// `EnableEmergencyProfileResponse ::= [91] SEQUENCE`. Tag 'BF5B'.
    EnableEmergencyProfileResponse { enable_emergency_profile_result: EnableEmergencyProfileResult },
    tag 91
);

named_integer!(
    /// `enableEmergencyProfileResult [0] INTEGER`.
    EnableEmergencyProfileResult {
        OK = 0,
        PROFILE_NOT_IN_DISABLED_STATE = 2,
        CAT_BUSY = 5,
        ECALL_NOT_AVAILABLE = 8,
        UNDEFINED_ERROR = 127,
    }
);

refresh_command!(
    /// `DisableEmergencyProfileRequest ::= [92] SEQUENCE`. Tag 'BF5C' (SGP.32 §5.9.x).
    DisableEmergencyProfileRequest,
    /// `DisableEmergencyProfileResponse ::= [92] SEQUENCE`. Tag 'BF5C'.
    DisableEmergencyProfileResponse { disable_emergency_profile_result: DisableEmergencyProfileResult },
    tag 92
);

named_integer!(
    /// `disableEmergencyProfileResult [0] INTEGER`.
    DisableEmergencyProfileResult {
        OK = 0,
        PROFILE_NOT_IN_ENABLED_STATE = 2,
        CAT_BUSY = 5,
        UNDEFINED_ERROR = 127,
    }
);

// ----------------------------------------------- ConfigureImmediateProfileEnabling §5.9.x

/// `ConfigureImmediateProfileEnablingRequest ::= [89] SEQUENCE`. Tag 'BF59' (80, 81, 82).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
#[rasn(tag(context, 89))]
pub struct ConfigureImmediateProfileEnablingRequest {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub immediate_enable_flag: Option<()>,
    /// Tag '81'.
    #[rasn(tag(context, 1))]
    pub default_smdp_oid: Option<ObjectIdentifier>,
    /// Tag '82'.
    #[rasn(tag(context, 2))]
    pub default_smdp_address: Option<Utf8String>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `ConfigureImmediateProfileEnablingResponse ::= [89] SEQUENCE`. Tag 'BF59' (80).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 89))]
pub struct ConfigureImmediateProfileEnablingResponse {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub config_immediate_enable_result: ConfigImmediateEnableResult,
    /// Unknown extension additions.
    pub ext: Extensions,
}

named_integer!(
    /// `configImmediateEnableResult [0] INTEGER`.
    ConfigImmediateEnableResult {
        OK = 0,
        INSUFFICIENT_MEMORY = 1,
        ASSOCIATED_EIM_ALREADY_EXISTS = 2,
        UNDEFINED_ERROR = 127,
    }
);

// ------------------------------------------------------- GetConnectivityParameters §5.9.x

/// `GetConnectivityParametersRequest ::= [95] SEQUENCE {}`. Tag 'BF5F'.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
#[rasn(tag(context, 95))]
pub struct GetConnectivityParametersRequest {
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `GetConnectivityParametersResponse ::= [95] CHOICE`. Tag 'BF5F' (explicit) then
/// A0 / 81.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice, tag(explicit(context, 95)))]
pub enum GetConnectivityParametersResponse {
    /// Tag 'A0'.
    #[rasn(tag(context, 0))]
    ConnectivityParameters(ConnectivityParameters),
    /// Tag '81'.
    #[rasn(tag(context, 1))]
    ConnectivityParametersError(ConnectivityParametersError),
}

/// `ConnectivityParameters ::= SEQUENCE { httpParams [1] OCTET STRING OPTIONAL }` (81).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
pub struct ConnectivityParameters {
    /// Also used for CoAP. Tag '81'.
    #[rasn(tag(context, 1))]
    pub http_params: Option<OctetString>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

named_integer!(
    /// `ConnectivityParametersError ::= INTEGER`.
    ConnectivityParametersError {
        PARAMETERS_NOT_AVAILABLE = 1,
        UNDEFINED_ERROR = 127,
    }
);

// ------------------------------------------------------------- RetrieveNotificationsList

/// `SGP32-RetrieveNotificationsListRequest ::= [43] SEQUENCE`. Tag 'BF2B' (A0 { 80 | 81 |
/// 82 }) (SGP.32 §5.9.x).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
#[rasn(tag(context, 43))]
pub struct Sgp32RetrieveNotificationsListRequest {
    /// `[0]` (automatic) explicit over the untagged CHOICE. Tag 'A0'.
    #[rasn(tag(explicit(context, 0)))]
    pub search_criteria: Option<Sgp32NotificationSearchCriteria>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `searchCriteria CHOICE` of `SGP32-RetrieveNotificationsListRequest` (80 / 81 / 82).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
pub enum Sgp32NotificationSearchCriteria {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    SeqNumber(Integer),
    /// Tag '81'.
    #[rasn(tag(context, 1))]
    ProfileManagementOperation(NotificationEvent),
    /// Tag '82'.
    #[rasn(tag(context, 2))]
    EuiccPackageResults(()),
}

/// `SGP32-RetrieveNotificationsListResponse ::= [43] CHOICE`. Tag 'BF2B' (explicit) then
/// A0 / 81 / A2.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice, tag(explicit(context, 43)))]
pub enum Sgp32RetrieveNotificationsListResponse {
    /// `PendingNotificationList`. Tag 'A0'.
    #[rasn(tag(context, 0))]
    NotificationList(SequenceOf<Sgp32PendingNotification>),
    /// Tag '81'.
    #[rasn(tag(context, 1))]
    NotificationsListResultError(crate::asn1::es10b::UndefinedError),
    /// `EuiccPackageResultList`. Tag 'A2'.
    #[rasn(tag(context, 2))]
    EuiccPackageResultList(SequenceOf<EuiccPackageResult>),
}

// ------------------------------------------------------------------------- IPAe

named_bits!(
    /// `euiccConfiguration BIT STRING` of `ISDRProprietaryApplicationTemplateIoT`.
    EuiccConfigurationIot {
        IPAE_SUPPORTED = 0,
        ENABLED_PROFILE = 1,
    }
);

/// `ISDRProprietaryApplicationTemplateIoT ::= [PRIVATE 1] SEQUENCE`. Tag 'E1' (automatic
/// tags: 80) (SGP.32 §5.9.x, ISD-R SELECT response).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
#[rasn(tag(private, 1))]
pub struct IsdrProprietaryApplicationTemplateIot {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub euicc_configuration: EuiccConfigurationIot,
    /// Unknown extension additions.
    pub ext: Extensions,
}

named_bits!(
    /// `ipaeOption BIT STRING` of `IpaeActivationRequest`.
    IpaeOption {
        ACTIVATE_IPAE = 0,
    }
);

/// `IpaeActivationRequest ::= [66] SEQUENCE`. Tag 'BF42' (automatic tags: 80).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
#[rasn(tag(context, 66))]
pub struct IpaeActivationRequest {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub ipae_option: IpaeOption,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `IpaeActivationResponse ::= [66] SEQUENCE`. Tag 'BF42' (automatic tags: 80).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 66))]
pub struct IpaeActivationResponse {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub ipae_activation_result: IpaeActivationResult,
    /// Unknown extension additions.
    pub ext: Extensions,
}

named_integer!(
    /// `ipaeActivationResult INTEGER`.
    IpaeActivationResult {
        OK = 0,
        NOT_SUPPORTED = 1,
    }
);

#[cfg(test)]
mod tests {
    use super::super::der::{SIG, cat, tlv};
    use super::*;
    use crate::asn1::{decode, encode};

    fn round_trip<T: Decode + Encode + PartialEq + core::fmt::Debug>(bytes: &[u8]) -> T {
        let value: T = decode(bytes).expect("decodes");
        assert_eq!(encode(&value).expect("encodes"), bytes, "re-encodes");
        value
    }

    /// A structurally valid stand-in for a certificate: SEQUENCE { SEQUENCE, SEQUENCE,
    /// BIT STRING }, with the given outer tag.
    fn cert(tag: u8) -> Vec<u8> {
        tlv(&[tag], &[0x30, 0x00, 0x30, 0x00, 0x03, 0x01, 0x00])
    }

    fn euicc_info2() -> Vec<u8> {
        tlv(
            &[0xBF, 0x22],
            &cat(&[
                &tlv(&[0x81], &[0x02, 0x03, 0x00]),
                &tlv(&[0x82], &[0x02, 0x02, 0x01]),
                &tlv(&[0x83], &[0x01, 0x00, 0x00]),
                &tlv(&[0x84], &[0x01, 0x02, 0x03]),
                &tlv(&[0x85], &[0x00]),
                &tlv(&[0x88], &[0x00]),
                &tlv(&[0xA9], &tlv(&[0x04], &[0xF5, 0x41])),
                &tlv(&[0xAA], &tlv(&[0x04], &[0xF5, 0x41])),
                &tlv(&[0x04], &[0x01, 0x00, 0x00]),
                &tlv(&[0x0C], b""),
                &tlv(&[0x90], &[0x00]),
                &tlv(
                    &[0xB4],
                    &cat(&[
                        &tlv(&[0xA0], &tlv(&[0x04], &[0x01, 0x02, 0x00])),
                        &[0x82, 0x00],
                    ]),
                ),
            ]),
        )
    }

    #[test]
    fn euicc_info2_iot_fields() {
        let bytes = euicc_info2();
        let info: Sgp32EuiccInfo2 = round_trip(&bytes);
        assert_eq!(info.ipa_mode, Some(IpaMode::IPAD));
        let iot = info.iot_specific_info.expect("present");
        assert_eq!(iot.iot_version, vec![VersionType::from_parts(1, 2, 0)]);
        assert!(iot.ecall_supported.is_none() && iot.fallback_supported.is_some());
        assert_eq!(
            info.euicc_ci_pk_id_list_for_signing[0].as_ref(),
            [0xF5, 0x41]
        );
        // SGP.22's EUICCInfo2 reads the same bytes, keeping the IoT fields as extensions.
        let sgp22: crate::asn1::EUICCInfo2 = round_trip(&bytes);
        assert_eq!(sgp22.ext.0.len(), 2);
    }

    #[test]
    fn ipa_euicc_data_from_hand_assembled_der() {
        let pir_data = tlv(
            &[0xA0],
            &cat(&[
                &tlv(&[0x80], &[0x01]),
                &tlv(&[0x02], &[0x03]),
                &tlv(&[0x01], &[0x00]),
                &tlv(&[0xA2], &tlv(&[0xA0], &tlv(&[0x4F], &[0x00, 0x01]))),
            ]),
        );
        let compact_pir = tlv(&[0xA0], &cat(&[&pir_data, &tlv(&[0x5F, 0x37], &SIG)]));
        let data = tlv(
            &[0xA0],
            &cat(&[
                &tlv(&[0xA0], &compact_pir),
                &tlv(&[0x81], b"dp.example"),
                &tlv(
                    &[0xA2],
                    &tlv(&[0xBF, 0x51], &tlv(&[0xA2], &tlv(&[0x80], b"eim"))),
                ),
                &euicc_info2(),
                &cert(0xA5),
                &cert(0xA6),
                &tlv(&[0x87], &[0x01]),
                &tlv(
                    &[0xA8],
                    &cat(&[&tlv(&[0x80], &[0x05, 0xA0]), &tlv(&[0x81], &[0x06, 0xC0])]),
                ),
            ]),
        );
        let bytes = tlv(&[0xBF, 0x52], &data);
        let response: IpaEuiccDataResponse = round_trip(&bytes);
        let IpaEuiccDataResponse::IpaEuiccData(data) = response else {
            panic!("expected ipaEuiccData");
        };
        let notifications = data.notifications_list.as_ref().expect("present");
        let Sgp32PendingNotification::CompactProfileInstallationResult(pir) = &notifications[0]
        else {
            panic!("expected compactProfileInstallationResult");
        };
        assert_eq!(
            pir.compact_profile_installation_result_data.raw(),
            pir_data.as_slice()
        );
        let pir_value = pir.compact_profile_installation_result_data.value();
        assert_eq!(pir_value.seq_number, Integer::from(3));
        assert!(!pir_value.iccid_present);
        assert!(matches!(
            &pir_value.compact_final_result,
            CompactFinalResult::CompactSuccessResult(s) if s.compact_aid.as_bytes() == &[0x00, 0x01] && s.sima_response.is_none()
        ));
        assert_eq!(pir.euicc_sign_pir.0.as_ref(), SIG.as_slice());
        assert_eq!(data.default_smdp_address.as_deref(), Some("dp.example"));
        assert_eq!(
            data.euicc_package_result_list.as_ref().map(Vec::len),
            Some(1)
        );
        assert_eq!(
            data.euicc_info2.as_ref().and_then(|i| i.ipa_mode),
            Some(IpaMode::IPAD)
        );
        assert_eq!(
            data.eum_certificate.as_ref().map(|c| c.as_der()[0]),
            Some(0x30)
        );
        assert!(data.euicc_certificate.is_some());
        let caps = data.ipa_capabilities.as_ref().expect("present");
        assert!(
            caps.ipa_features
                .is_set(IpaFeatures::DIRECT_RSP_SERVER_COMMUNICATION)
        );
        assert!(
            caps.ipa_features
                .is_set(IpaFeatures::EIM_DOWNLOAD_DATA_HANDLING)
        );
        assert!(!caps.ipa_features.is_set(IpaFeatures::MINIMIZE_ESIPA_BYTES));
        let protocols = caps.ipa_supported_protocols.as_ref().expect("present");
        assert!(protocols.is_set(IpaSupportedProtocols::IPA_RETRIEVE_COAPS));
        assert!(data.device_info.is_none() && data.euicc_info1.is_none());

        // BF52 { A1 { 80 01 01, 02 01 01 } }: incorrectTagList.
        let bytes = tlv(
            &[0xBF, 0x52],
            &tlv(&[0xA1], &[0x80, 0x01, 0x01, 0x02, 0x01, 0x01]),
        );
        let IpaEuiccDataResponse::IpaEuiccDataResponseError(error) = round_trip(&bytes) else {
            panic!("expected ipaEuiccDataResponseError");
        };
        assert_eq!(
            error.ipa_euicc_data_error_code,
            IpaEuiccDataErrorCode::INCORRECT_TAG_LIST
        );
    }

    #[test]
    fn eim_configuration_functions() {
        // BF57 { A0 { 30 { 80 "eim" } } }
        let bytes = tlv(
            &[0xBF, 0x57],
            &tlv(&[0xA0], &tlv(&[0x30], &tlv(&[0x80], b"eim"))),
        );
        let request: AddInitialEimRequest = round_trip(&bytes);
        assert_eq!(request.eim_configuration_data_list[0].eim_id, "eim");

        // BF57 { A0 { 84 01 07, 05 00 } } and BF57 { 81 01 02 }
        let bytes = tlv(
            &[0xBF, 0x57],
            &tlv(&[0xA0], &[0x84, 0x01, 0x07, 0x05, 0x00]),
        );
        assert_eq!(
            round_trip::<AddInitialEimResponse>(&bytes),
            AddInitialEimResponse::AddInitialEimOk(vec![
                AddInitialEimOkEntry::AssociationToken(7.into()),
                AddInitialEimOkEntry::AddOk(()),
            ])
        );
        assert_eq!(
            round_trip::<AddInitialEimResponse>(&[0xBF, 0x57, 0x03, 0x81, 0x01, 0x02]),
            AddInitialEimResponse::AddInitialEimError(
                AddInitialEimError::ASSOCIATED_EIM_ALREADY_EXISTS
            )
        );

        // BF55 { A0 { 80 "eim" } } / BF55 { A0 { 30 { 80 "eim", 81 "fqdn" } } }
        let bytes = tlv(&[0xBF, 0x55], &tlv(&[0xA0], &tlv(&[0x80], b"eim")));
        let request: GetEimConfigurationDataRequest = round_trip(&bytes);
        assert_eq!(
            request.search_criteria,
            Some(EimSearchCriteria::EimId("eim".into()))
        );
        let bytes = tlv(
            &[0xBF, 0x55],
            &tlv(
                &[0xA0],
                &tlv(
                    &[0x30],
                    &cat(&[&tlv(&[0x80], b"eim"), &tlv(&[0x81], b"eim.example")]),
                ),
            ),
        );
        let response: GetEimConfigurationDataResponse = round_trip(&bytes);
        assert_eq!(
            response.eim_configuration_data_list[0].eim_fqdn.as_deref(),
            Some("eim.example")
        );
    }

    #[test]
    fn immediate_enable_rollback_certs_reset() {
        let request: ImmediateEnableRequest = round_trip(&[0xBF, 0x5A, 0x03, 0x80, 0x01, 0xFF]);
        assert!(request.refresh_flag);
        let response: ImmediateEnableResponse = round_trip(&[0xBF, 0x5A, 0x03, 0x80, 0x01, 0x04]);
        assert_eq!(
            response.immediate_enable_result,
            ImmediateEnableResult::NO_SESSION_CONTEXT
        );

        let request: ProfileRollbackRequest = round_trip(&[0xBF, 0x58, 0x03, 0x80, 0x01, 0x00]);
        assert!(!request.refresh_flag);
        // BF58 { 02 01 00, BF51 { A2 { 80 "eim" } } }
        let bytes = tlv(
            &[0xBF, 0x58],
            &cat(&[
                &[0x02, 0x01, 0x00],
                &tlv(&[0xBF, 0x51], &tlv(&[0xA2], &tlv(&[0x80], b"eim"))),
            ]),
        );
        let response: ProfileRollbackResponse = round_trip(&bytes);
        assert_eq!(response.cmd_result, ProfileRollbackResult::OK);
        assert!(matches!(
            response.euicc_package_result,
            Some(EuiccPackageResult::EuiccPackageErrorUnsigned(_))
        ));

        let request: GetCertsRequest = round_trip(&[0xBF, 0x56, 0x04, 0x80, 0x02, 0xF5, 0x41]);
        assert_eq!(
            request.euicc_ci_pk_id.as_deref(),
            Some([0xF5, 0x41].as_slice())
        );
        let bytes = tlv(
            &[0xBF, 0x56],
            &tlv(&[0xA0], &cat(&[&cert(0xA5), &cert(0xA6)])),
        );
        assert!(matches!(
            round_trip::<GetCertsResponse>(&bytes),
            GetCertsResponse::Certs(_)
        ));
        assert_eq!(
            round_trip::<GetCertsResponse>(&[0xBF, 0x56, 0x03, 0x81, 0x01, 0x01]),
            GetCertsResponse::GetCertsError(GetCertsError::INVALID_CI_PK_ID)
        );

        // BF64 { 82 02 02 04 }: resetEimConfigData (bit 5).
        let request: Sgp32EuiccMemoryResetRequest =
            round_trip(&[0xBF, 0x64, 0x04, 0x82, 0x02, 0x02, 0x04]);
        assert!(
            request
                .reset_options
                .is_set(Sgp32ResetOptions::RESET_EIM_CONFIG_DATA)
        );
        let response: Sgp32EuiccMemoryResetResponse =
            round_trip(&[0xBF, 0x64, 0x06, 0x80, 0x01, 0x00, 0x81, 0x01, 0x02]);
        assert_eq!(response.reset_result, ResetResult::OK);
        assert_eq!(
            response.reset_eim_result,
            Some(ResetEimResult::EIM_RESET_NOT_SUPPORTED)
        );
        assert!(response.reset_immediate_enable_config_result.is_none());
    }

    #[test]
    fn built_values_round_trip() {
        let request = Sgp32EuiccMemoryResetRequest {
            reset_options: Sgp32ResetOptions::from_bits(&[
                Sgp32ResetOptions::DELETE_OPERATIONAL_PROFILES,
                Sgp32ResetOptions::RESET_IMMEDIATE_ENABLE_CONFIG,
            ]),
            ext: Extensions::default(),
        };
        let bytes = encode(&request).expect("encodes");
        assert_eq!(bytes, [0xBF, 0x64, 0x04, 0x82, 0x02, 0x01, 0x82]);
        assert_eq!(
            decode::<Sgp32EuiccMemoryResetRequest>(&bytes).expect("decodes"),
            request
        );

        let data = IpaEuiccDataRequest {
            tag_list: vec![0x80, 0xBF, 0x20].into(),
            search_criteria_euicc_package_result: Some(
                SearchCriteriaEuiccPackageResult::SeqNumber(4.into()),
            ),
            ..Default::default()
        };
        let bytes = encode(&data).expect("encodes");
        assert_eq!(
            bytes,
            [
                0xBF, 0x52, 0x0A, 0x5C, 0x03, 0x80, 0xBF, 0x20, 0xA2, 0x03, 0x80, 0x01, 0x04
            ]
        );
        assert_eq!(
            decode::<IpaEuiccDataRequest>(&bytes).expect("decodes"),
            data
        );
    }

    #[test]
    fn fallback_emergency_connectivity_notifications_ipae() {
        let request: ExecuteFallbackMechanismRequest =
            round_trip(&[0xBF, 0x5D, 0x03, 0x80, 0x01, 0xFF]);
        assert!(request.refresh_flag);
        let response: ExecuteFallbackMechanismResponse =
            round_trip(&[0xBF, 0x5D, 0x03, 0x80, 0x01, 0x68]);
        assert_eq!(
            response.execute_fallback_mechanism_result,
            ExecuteFallbackMechanismResult::ECALL_ACTIVE
        );
        let response: ReturnFromFallbackResponse =
            round_trip(&[0xBF, 0x5E, 0x03, 0x80, 0x01, 0x06]);
        assert_eq!(
            response.return_from_fallback_result,
            ReturnFromFallbackResult::FALLBACK_NOT_AVAILABLE
        );
        let response: EnableEmergencyProfileResponse =
            round_trip(&[0xBF, 0x5B, 0x03, 0x80, 0x01, 0x08]);
        assert_eq!(
            response.enable_emergency_profile_result,
            EnableEmergencyProfileResult::ECALL_NOT_AVAILABLE
        );
        let request: DisableEmergencyProfileRequest =
            round_trip(&[0xBF, 0x5C, 0x03, 0x80, 0x01, 0x00]);
        assert!(!request.refresh_flag);

        let bytes = tlv(
            &[0xBF, 0x59],
            &cat(&[&[0x80, 0x00], &tlv(&[0x82], b"dp.example")]),
        );
        let request: ConfigureImmediateProfileEnablingRequest = round_trip(&bytes);
        assert!(request.immediate_enable_flag.is_some());
        assert_eq!(request.default_smdp_address.as_deref(), Some("dp.example"));

        round_trip::<GetConnectivityParametersRequest>(&[0xBF, 0x5F, 0x00]);
        let bytes = tlv(&[0xBF, 0x5F], &tlv(&[0xA0], &tlv(&[0x81], &[0x01, 0x02])));
        assert!(matches!(
            round_trip::<GetConnectivityParametersResponse>(&bytes),
            GetConnectivityParametersResponse::ConnectivityParameters(ConnectivityParameters { http_params: Some(ref p), .. }) if p.as_ref() == [0x01, 0x02]
        ));

        // BF2B { A0 { 82 00 } }: euiccPackageResults.
        let request: Sgp32RetrieveNotificationsListRequest =
            round_trip(&[0xBF, 0x2B, 0x04, 0xA0, 0x02, 0x82, 0x00]);
        assert_eq!(
            request.search_criteria,
            Some(Sgp32NotificationSearchCriteria::EuiccPackageResults(()))
        );
        let bytes = tlv(
            &[0xBF, 0x2B],
            &tlv(
                &[0xA2],
                &tlv(&[0xBF, 0x51], &tlv(&[0xA2], &tlv(&[0x80], b"eim"))),
            ),
        );
        assert!(matches!(
            round_trip::<Sgp32RetrieveNotificationsListResponse>(&bytes),
            Sgp32RetrieveNotificationsListResponse::EuiccPackageResultList(ref l) if l.len() == 1
        ));

        // E1 { 80 02 06 C0 }: IPAe supported, enabled Profile.
        let template: IsdrProprietaryApplicationTemplateIot =
            round_trip(&[0xE1, 0x04, 0x80, 0x02, 0x06, 0xC0]);
        assert!(
            template
                .euicc_configuration
                .is_set(EuiccConfigurationIot::IPAE_SUPPORTED)
        );
        let request: IpaeActivationRequest =
            round_trip(&[0xBF, 0x42, 0x04, 0x80, 0x02, 0x07, 0x80]);
        assert!(request.ipae_option.is_set(IpaeOption::ACTIVATE_IPAE));
        let response: IpaeActivationResponse = round_trip(&[0xBF, 0x42, 0x03, 0x80, 0x01, 0x01]);
        assert_eq!(
            response.ipae_activation_result,
            IpaeActivationResult::NOT_SUPPORTED
        );
    }

    #[test]
    fn authenticate_response_ok_with_iot_euicc_info2() {
        // BF38 { A0 { 30 { 80 tx, 83 addr, 84 challenge, BF22 {...}, A0 { 80 "MID", A1 { 80 tac, A1 {} } } },
        //             5F37 sig, 30 cert, 30 cert } }
        let signed1 = tlv(
            &[0x30],
            &cat(&[
                &tlv(&[0x80], &[0x01, 0x02]),
                &tlv(&[0x83], b"dp.example"),
                &tlv(&[0x84], &[0x5C; 16]),
                &euicc_info2(),
                &tlv(
                    &[0xA0],
                    &cat(&[
                        &tlv(&[0x80], b"MID"),
                        &tlv(
                            &[0xA1],
                            &cat(&[&tlv(&[0x80], &[0x35, 0x29, 0x06, 0x11]), &[0xA1, 0x00]]),
                        ),
                    ]),
                ),
            ]),
        );
        let bytes = tlv(
            &[0xBF, 0x38],
            &tlv(
                &[0xA0],
                &cat(&[
                    &signed1,
                    &tlv(&[0x5F, 0x37], &SIG),
                    &cert(0x30),
                    &cert(0x30),
                ]),
            ),
        );
        let Sgp32AuthenticateServerResponse::AuthenticateResponseOk(ok) = round_trip(&bytes) else {
            panic!("expected authenticateResponseOk");
        };
        assert_eq!(ok.euicc_signed1.raw(), signed1.as_slice());
        let signed = ok.euicc_signed1.value();
        assert_eq!(signed.server_address, "dp.example");
        assert_eq!(signed.euicc_info2.ipa_mode, Some(IpaMode::IPAD));
        assert!(signed.ctx_params1.known().is_some());
    }
}
