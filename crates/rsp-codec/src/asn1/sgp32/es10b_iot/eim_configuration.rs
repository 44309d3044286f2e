//! eIM configuration §5.9.x.

use super::*;

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
pub type LoadEuiccPackageRequest = crate::asn1::sgp32::euicc_package::EuiccPackageRequest;
/// ES10b.LoadEuiccPackage output (SGP.32 §5.9.1).
pub type LoadEuiccPackageResponse = EuiccPackageResult;
