//! `PE-Application` and `ApplicationInstance` (TCA SAIP v3.3.1 §8.7), `PE-RFM` (§8.8).

use rasn::prelude::*;

use super::PeHeader;

/// `ApplicationLoadPackage` (SAIP §8.7.2, GP load parameters).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct ApplicationLoadPackage {
    #[rasn(tag(application, 15))]
    pub load_package_aid: OctetString,
    #[rasn(tag(application, 15))]
    pub security_domain_aid: Option<OctetString>,
    #[rasn(tag(private, 6))]
    pub non_volatile_code_limit_c6: Option<OctetString>,
    #[rasn(tag(private, 7))]
    pub volatile_data_limit_c7: Option<OctetString>,
    #[rasn(tag(private, 8))]
    pub non_volatile_data_limit_c8: Option<OctetString>,
    #[rasn(tag(private, 1))]
    pub hash_value: Option<OctetString>,
    #[rasn(tag(private, 4))]
    pub load_block_object: OctetString,
}

/// `ApplicationSystemParameters` (SAIP §8.7.3).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
pub struct ApplicationSystemParameters {
    #[rasn(tag(private, 7))]
    pub volatile_memory_quota_c7: Option<OctetString>,
    #[rasn(tag(private, 8))]
    pub non_volatile_memory_quota_c8: Option<OctetString>,
    #[rasn(tag(private, 11))]
    pub global_service_parameters: Option<OctetString>,
    #[rasn(tag(private, 15))]
    pub implicit_selection_parameter: Option<OctetString>,
    #[rasn(tag(private, 23))]
    pub volatile_reserved_memory: Option<OctetString>,
    #[rasn(tag(private, 24))]
    pub non_volatile_reserved_memory: Option<OctetString>,
    #[rasn(tag(private, 10))]
    pub ts102226_sim_file_access_toolkit_parameter: Option<OctetString>,
    #[rasn(tag(context, 0))]
    pub ts102226_additional_contactless_parameters: Option<Ts102226AdditionalContactlessParameters>,
    #[rasn(tag(private, 25))]
    pub contactless_protocol_parameters: Option<OctetString>,
    #[rasn(tag(private, 26))]
    pub user_interaction_contactless_parameters: Option<OctetString>,
    #[rasn(tag(context, 2))]
    pub cumulative_granted_volatile_memory: Option<OctetString>,
    #[rasn(tag(context, 3))]
    pub cumulative_granted_non_volatile_memory: Option<OctetString>,
}

/// `TS102226AdditionalContactlessParameters`.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(automatic_tags)]
pub struct Ts102226AdditionalContactlessParameters {
    pub protocol_parameter_data: OctetString,
}

/// `UICCApplicationParameters` (ETSI TS 102 226 §8.2.1.3.2).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
pub struct UiccApplicationParameters {
    #[rasn(tag(context, 0))]
    pub uicc_toolkit_application_specific_parameters_field: Option<OctetString>,
    #[rasn(tag(context, 1))]
    pub uicc_access_application_specific_parameters_field: Option<OctetString>,
    #[rasn(tag(context, 2))]
    pub uicc_administrative_access_application_specific_parameters_field: Option<OctetString>,
}

/// `ControlReferenceTemplate`.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct ControlReferenceTemplate {
    #[rasn(tag(application, 32))]
    pub application_provider_identifier: OctetString,
}

/// `ApplicationInstance` (SAIP §8.7.3, GP INSTALL [for install] parameters).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct ApplicationInstance {
    #[rasn(tag(application, 15))]
    pub application_load_package_aid: OctetString,
    #[rasn(tag(application, 15))]
    pub class_aid: OctetString,
    #[rasn(tag(application, 15))]
    pub instance_aid: OctetString,
    #[rasn(tag(application, 15))]
    pub extradite_security_domain_aid: Option<OctetString>,
    #[rasn(tag(context, 2))]
    pub application_privileges: OctetString,
    /// DEFAULT '07'H.
    #[rasn(tag(context, 3))]
    pub life_cycle_state: Option<OctetString>,
    #[rasn(tag(private, 9))]
    pub application_specific_parameters_c9: OctetString,
    #[rasn(tag(private, 15))]
    pub system_specific_parameters: Option<ApplicationSystemParameters>,
    #[rasn(tag(private, 10))]
    pub application_parameters: Option<UiccApplicationParameters>,
    pub process_data: Option<Vec<OctetString>>,
    #[rasn(tag(context, 16))]
    pub control_reference_template: Option<ControlReferenceTemplate>,
}

/// `PE-Application` (SAIP §8.7).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(automatic_tags)]
pub struct PeApplication {
    pub app_header: PeHeader,
    pub load_block: Option<ApplicationLoadPackage>,
    pub instance_list: Option<Vec<ApplicationInstance>>,
}

/// `ADFRFMAccess`.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(automatic_tags)]
pub struct AdfRfmAccess {
    pub adf_aid: OctetString,
    pub adf_access_domain: OctetString,
    pub adf_admin_access_domain: OctetString,
}

/// `PE-RFM` (SAIP §8.8, ETSI TS 102 226 remote file management).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct PeRfm {
    #[rasn(tag(context, 0))]
    pub rfm_header: PeHeader,
    #[rasn(tag(application, 15))]
    pub instance_aid: OctetString,
    #[rasn(tag(application, 15))]
    pub security_domain_aid: Option<OctetString>,
    #[rasn(tag(context, 0))]
    pub tar_list: Option<Vec<OctetString>>,
    #[rasn(tag(context, 1))]
    pub minimum_security_level: OctetString,
    pub uicc_access_domain: OctetString,
    pub uicc_admin_access_domain: OctetString,
    pub adf_rfm_access: Option<AdfRfmAccess>,
}
