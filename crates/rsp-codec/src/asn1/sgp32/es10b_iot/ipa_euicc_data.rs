//! GetIpaEuiccData.

use super::*;

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
