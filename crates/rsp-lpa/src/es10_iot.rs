//! ES10b IoT (IPA → eUICC ISD-R), SGP.32 v1.2 §5.9: typed calls over an [`Es10Channel`].
//! A function the eUICC refuses with an error code of its response comes back as
//! [`LpaError::EuiccRefused`] with the SGP.32 code and name. Results that go on to the eIM
//! (`EuiccPackageResult`) are returned as the bytes the eUICC sent (its signature covers
//! them), next to their decoded value. RemoveNotificationFromList (results and
//! notifications alike) is [`crate::es10b::remove_notification`].

use rasn::types::Integer;
use rsp_codec::asn1::Extensions;
use rsp_codec::asn1::sgp32::{
    AddInitialEimOkEntry, AddInitialEimRequest, AddInitialEimResponse, Certs,
    ConfigImmediateEnableResult, ConfigureImmediateProfileEnablingRequest,
    ConfigureImmediateProfileEnablingResponse, DisableEmergencyProfileRequest,
    DisableEmergencyProfileResponse, EimConfigurationData, EimSearchCriteria,
    EnableEmergencyProfileRequest, EnableEmergencyProfileResponse, EuiccPackageResult,
    ExecuteFallbackMechanismRequest, ExecuteFallbackMechanismResponse, GetCertsRequest,
    GetCertsResponse, GetEimConfigurationDataRequest, GetEimConfigurationDataResponse,
    ImmediateEnableRequest, ImmediateEnableResponse, ImmediateEnableResult, IpaEuiccData,
    IpaEuiccDataRequest, IpaEuiccDataResponse, ProfileRollbackRequest, ProfileRollbackResponse,
    ProfileRollbackResult, ReturnFromFallbackRequest, ReturnFromFallbackResponse, Sgp32EuiccInfo2,
    Sgp32EuiccMemoryResetRequest, Sgp32EuiccMemoryResetResponse, Sgp32NotificationSearchCriteria,
    Sgp32ResetOptions, Sgp32RetrieveNotificationsListRequest,
    Sgp32RetrieveNotificationsListResponse,
};
use rsp_codec::asn1::{GetEuiccInfo2Request, SubjectKeyIdentifier};

use crate::error::LpaError;
use crate::es10::Es10Channel;
use crate::es10b::{call, call_raw};

/// The SGP.32 name of an error code shared by the eIM configuration functions.
fn association_reason(code: i64) -> &'static str {
    match code {
        1 => "insufficientMemory",
        2 => "associatedEimAlreadyExists",
        3 => "ciPKUnknown",
        5 => "invalidAssociationToken",
        6 => "counterValueOutOfRange",
        7 => "commandError",
        _ => "undefinedError",
    }
}

/// The SGP.32 name of a result code of the REFRESH-flag functions.
fn switch_reason(code: i64) -> &'static str {
    match code {
        1 => "notAvailable",
        2 => "profileNotInExpectedState",
        4 => "noSessionContext",
        5 => "catBusy",
        6 => "fallbackNotAvailable",
        7 => "commandError",
        8 => "eCallNotAvailable",
        104 => "eCallActive",
        _ => "undefinedError",
    }
}

fn refused(function: &'static str, code: i64, reason: &'static str) -> LpaError {
    LpaError::EuiccRefused {
        function,
        code,
        reason,
    }
}

/// Refuses a non-zero result code of a REFRESH-flag function.
fn check(function: &'static str, code: i64) -> Result<(), LpaError> {
    if code == 0 {
        Ok(())
    } else {
        Err(refused(function, code, switch_reason(code)))
    }
}

/// ES10b.AddInitialEim (§5.9.18): one entry per configuration, the association token
/// the eUICC issued or `addOk`.
pub fn add_initial_eim<E: Es10Channel + ?Sized>(
    channel: &mut E,
    configurations: Vec<EimConfigurationData>,
) -> Result<Vec<AddInitialEimOkEntry>, LpaError> {
    let request = AddInitialEimRequest {
        eim_configuration_data_list: configurations,
        ext: Extensions::default(),
    };
    match call(channel, "AddInitialEim", &request)?.1 {
        AddInitialEimResponse::AddInitialEimOk(entries) => Ok(entries),
        AddInitialEimResponse::AddInitialEimError(e) => {
            Err(refused("AddInitialEim", e.0, association_reason(e.0)))
        }
    }
}

/// ES10b.GetEimConfigurationData: all associations, or the one of `eim_id`.
pub fn get_eim_configuration_data<E: Es10Channel + ?Sized>(
    channel: &mut E,
    eim_id: Option<&str>,
) -> Result<Vec<EimConfigurationData>, LpaError> {
    let request = GetEimConfigurationDataRequest {
        search_criteria: eim_id.map(|id| EimSearchCriteria::EimId(id.to_owned())),
        ext: Extensions::default(),
    };
    let (_, r): (_, GetEimConfigurationDataResponse) =
        call(channel, "GetEimConfigurationData", &request)?;
    Ok(r.eim_configuration_data_list)
}

/// ES10b.LoadEuiccPackage (§5.9.1): the `EuiccPackageRequest` (BF51) exactly as the eIM
/// sent it; the eUICC's `EuiccPackageResult` (signed result, signed or unsigned error) as
/// sent and decoded. An error result is not an `Err`: it goes back to the eIM as is.
pub fn load_euicc_package<E: Es10Channel + ?Sized>(
    channel: &mut E,
    euicc_package_request: &[u8],
) -> Result<(Vec<u8>, EuiccPackageResult), LpaError> {
    call_raw(channel, "LoadEuiccPackage", euicc_package_request)
}

/// IpaEuiccData (§2.11.2.2) for an `IpaEuiccDataRequest` (BF52): the eUICC's part, as
/// sent and decoded.
pub fn get_ipa_euicc_data<E: Es10Channel + ?Sized>(
    channel: &mut E,
    request: &IpaEuiccDataRequest,
) -> Result<(Vec<u8>, IpaEuiccData), LpaError> {
    let (der, r) = call(channel, "GetIpaEuiccData", request)?;
    match r {
        IpaEuiccDataResponse::IpaEuiccData(data) => Ok((der, *data)),
        IpaEuiccDataResponse::IpaEuiccDataResponseError(e) => {
            let code = e.ipa_euicc_data_error_code.0;
            let reason = match code {
                1 => "incorrectTagList",
                5 => "euiccCiPKIdNotFound",
                104 => "eCallActive",
                _ => "undefinedError",
            };
            Err(refused("GetIpaEuiccData", code, reason))
        }
    }
}

/// ES10b.RetrieveNotificationsList with `euiccPackageResults` (§5.9.x): the results not
/// yet removed.
pub fn retrieve_euicc_package_results<E: Es10Channel + ?Sized>(
    channel: &mut E,
) -> Result<Vec<EuiccPackageResult>, LpaError> {
    let request = Sgp32RetrieveNotificationsListRequest {
        search_criteria: Some(Sgp32NotificationSearchCriteria::EuiccPackageResults(())),
        ext: Extensions::default(),
    };
    match call(channel, "RetrieveNotificationsList", &request)?.1 {
        Sgp32RetrieveNotificationsListResponse::EuiccPackageResultList(list) => Ok(list),
        Sgp32RetrieveNotificationsListResponse::NotificationList(_) => Ok(Vec::new()),
        Sgp32RetrieveNotificationsListResponse::NotificationsListResultError(e) => {
            Err(refused("RetrieveNotificationsList", e.0, "undefinedError"))
        }
    }
}

/// ES10b.GetEUICCInfo in IoT mode: the SGP.32 `EUICCInfo2`.
pub fn get_euicc_info2<E: Es10Channel + ?Sized>(
    channel: &mut E,
) -> Result<Sgp32EuiccInfo2, LpaError> {
    call(channel, "GetEUICCInfo2", &GetEuiccInfo2Request::default()).map(|(_, v)| v)
}

/// ES10b.GetCerts: the EUM and eUICC certificates (of `euicc_ci_pk_id` if given).
pub fn get_certs<E: Es10Channel + ?Sized>(
    channel: &mut E,
    euicc_ci_pk_id: Option<SubjectKeyIdentifier>,
) -> Result<Certs, LpaError> {
    let request = GetCertsRequest {
        euicc_ci_pk_id,
        ext: Extensions::default(),
    };
    match call(channel, "GetCerts", &request)?.1 {
        GetCertsResponse::Certs(c) => Ok(c),
        GetCertsResponse::GetCertsError(e) => {
            let reason = if e.0 == 1 {
                "invalidCiPKId"
            } else {
                "undefinedError"
            };
            Err(refused("GetCerts", e.0, reason))
        }
    }
}

/// ES10b.ConfigureImmediateProfileEnabling.
pub fn configure_immediate_profile_enabling<E: Es10Channel + ?Sized>(
    channel: &mut E,
    request: &ConfigureImmediateProfileEnablingRequest,
) -> Result<(), LpaError> {
    let (_, r): (_, ConfigureImmediateProfileEnablingResponse) =
        call(channel, "ConfigureImmediateProfileEnabling", request)?;
    match r.config_immediate_enable_result {
        ConfigImmediateEnableResult::OK => Ok(()),
        e => Err(refused(
            "ConfigureImmediateProfileEnabling",
            e.0,
            association_reason(e.0),
        )),
    }
}

/// ES10b.ImmediateEnable: enables the Profile just installed.
pub fn immediate_enable<E: Es10Channel + ?Sized>(
    channel: &mut E,
    refresh_flag: bool,
) -> Result<(), LpaError> {
    let request = ImmediateEnableRequest {
        refresh_flag,
        ext: Extensions::default(),
    };
    let (_, r): (_, ImmediateEnableResponse) = call(channel, "ImmediateEnable", &request)?;
    match r.immediate_enable_result {
        ImmediateEnableResult::OK => Ok(()),
        e => Err(refused("ImmediateEnable", e.0, switch_reason(e.0))),
    }
}

/// ES10b.ProfileRollback: the re-issued `EuiccPackageResult` with `rollbackResult`.
pub fn profile_rollback<E: Es10Channel + ?Sized>(
    channel: &mut E,
    refresh_flag: bool,
) -> Result<Option<EuiccPackageResult>, LpaError> {
    let request = ProfileRollbackRequest {
        refresh_flag,
        ext: Extensions::default(),
    };
    let (_, r): (_, ProfileRollbackResponse) = call(channel, "ProfileRollback", &request)?;
    match r.cmd_result {
        ProfileRollbackResult::OK => Ok(r.euicc_package_result),
        e => {
            let reason = match e.0 {
                1 => "rollbackNotAllowed",
                code => switch_reason(code),
            };
            Err(refused("ProfileRollback", e.0, reason))
        }
    }
}

/// ES10b.eUICCMemoryReset, SGP.32 form (BF64), with the bits of [`Sgp32ResetOptions`].
pub fn memory_reset<E: Es10Channel + ?Sized>(
    channel: &mut E,
    options: &[usize],
) -> Result<Sgp32EuiccMemoryResetResponse, LpaError> {
    let request = Sgp32EuiccMemoryResetRequest {
        reset_options: Sgp32ResetOptions::from_bits(options),
        ext: Extensions::default(),
    };
    call(channel, "eUICCMemoryReset", &request).map(|(_, v)| v)
}

/// ES10b.ExecuteFallbackMechanism.
pub fn execute_fallback_mechanism<E: Es10Channel + ?Sized>(
    channel: &mut E,
    refresh_flag: bool,
) -> Result<(), LpaError> {
    let request = ExecuteFallbackMechanismRequest {
        refresh_flag,
        ext: Extensions::default(),
    };
    let (_, r): (_, ExecuteFallbackMechanismResponse) =
        call(channel, "ExecuteFallbackMechanism", &request)?;
    check(
        "ExecuteFallbackMechanism",
        r.execute_fallback_mechanism_result.0,
    )
}

/// ES10b.ReturnFromFallback.
pub fn return_from_fallback<E: Es10Channel + ?Sized>(
    channel: &mut E,
    refresh_flag: bool,
) -> Result<(), LpaError> {
    let request = ReturnFromFallbackRequest {
        refresh_flag,
        ext: Extensions::default(),
    };
    let (_, r): (_, ReturnFromFallbackResponse) = call(channel, "ReturnFromFallback", &request)?;
    check("ReturnFromFallback", r.return_from_fallback_result.0)
}

/// ES10b.EnableEmergencyProfile.
pub fn enable_emergency_profile<E: Es10Channel + ?Sized>(
    channel: &mut E,
    refresh_flag: bool,
) -> Result<(), LpaError> {
    let request = EnableEmergencyProfileRequest {
        refresh_flag,
        ext: Extensions::default(),
    };
    let (_, r): (_, EnableEmergencyProfileResponse) =
        call(channel, "EnableEmergencyProfile", &request)?;
    check(
        "EnableEmergencyProfile",
        r.enable_emergency_profile_result.0,
    )
}

/// ES10b.DisableEmergencyProfile.
pub fn disable_emergency_profile<E: Es10Channel + ?Sized>(
    channel: &mut E,
    refresh_flag: bool,
) -> Result<(), LpaError> {
    let request = DisableEmergencyProfileRequest {
        refresh_flag,
        ext: Extensions::default(),
    };
    let (_, r): (_, DisableEmergencyProfileResponse) =
        call(channel, "DisableEmergencyProfile", &request)?;
    check(
        "DisableEmergencyProfile",
        r.disable_emergency_profile_result.0,
    )
}

/// The association token of an `AddInitialEim` entry, if one was issued.
pub fn association_token(entry: &AddInitialEimOkEntry) -> Option<&Integer> {
    match entry {
        AddInitialEimOkEntry::AssociationToken(t) => Some(t),
        AddInitialEimOkEntry::AddOk(()) => None,
    }
}

/// ES10b IpaeActivationRequest (SGP.32 §5.9.x, BF42): turns the IPA inside the eUICC on
/// (`activate`) or off; the device's IPAd stays away while it is on.
pub fn ipae_activation<E: Es10Channel + ?Sized>(
    channel: &mut E,
    activate: bool,
) -> Result<(), LpaError> {
    use rsp_codec::asn1::sgp32::{
        IpaeActivationRequest, IpaeActivationResponse, IpaeActivationResult, IpaeOption,
    };
    let bits: &[usize] = if activate {
        &[IpaeOption::ACTIVATE_IPAE]
    } else {
        &[]
    };
    let request = IpaeActivationRequest {
        ipae_option: IpaeOption::from_bits(bits),
        ext: Extensions::default(),
    };
    let (_, r): (_, IpaeActivationResponse) = call(channel, "IpaeActivation", &request)?;
    match r.ipae_activation_result {
        IpaeActivationResult::OK => Ok(()),
        other => Err(refused("IpaeActivation", other.0, "notSupported")),
    }
}

/// Whether the eUICC reports its IPAe active (`ipaMode` ipae in its EUICCInfo2).
pub fn ipae_active<E: Es10Channel + ?Sized>(channel: &mut E) -> Result<bool, LpaError> {
    use rsp_codec::asn1::sgp32::IpaMode;
    Ok(get_euicc_info2(channel)?.ipa_mode == Some(IpaMode::IPAE))
}
