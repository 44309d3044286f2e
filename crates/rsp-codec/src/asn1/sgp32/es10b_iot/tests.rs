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
    let Sgp32PendingNotification::CompactProfileInstallationResult(pir) = &notifications[0] else {
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
        search_criteria_euicc_package_result: Some(SearchCriteriaEuiccPackageResult::SeqNumber(
            4.into(),
        )),
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
    let response: ReturnFromFallbackResponse = round_trip(&[0xBF, 0x5E, 0x03, 0x80, 0x01, 0x06]);
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
    let request: DisableEmergencyProfileRequest = round_trip(&[0xBF, 0x5C, 0x03, 0x80, 0x01, 0x00]);
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
    let request: IpaeActivationRequest = round_trip(&[0xBF, 0x42, 0x04, 0x80, 0x02, 0x07, 0x80]);
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
