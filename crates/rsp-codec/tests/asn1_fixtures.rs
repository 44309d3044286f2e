//! Independent check against asn1tools (see tests/fixtures/asn1/gen_fixtures.py): the
//! same sample values built with our types must decode from, and encode to, exactly the
//! bytes asn1tools produced from the GSMA ASN.1 module.
#![allow(clippy::unwrap_used)] // tests may unwrap (ground rules)

mod asn1_common;

use asn1_common::{check_both_ways, fixture, h};
use rasn::types::{Any, BitString, Integer, ObjectIdentifier, OctetString};
use rsp_codec::asn1::*;

fn os(hex: &str) -> OctetString {
    OctetString::from(h(hex))
}
fn tid() -> TransactionId {
    TransactionId(os("0102030405060708090A0B0C0D0E0F10"))
}
fn iccid() -> Iccid {
    Iccid::try_from(h("98001032547698103214").as_slice()).unwrap()
}
fn v(a: u8, b: u8, c: u8) -> VersionType {
    VersionType::from_parts(a, b, c)
}
fn ski_nist() -> OctetString {
    OctetString::from((0xA0u8..0xB4).collect::<Vec<_>>())
}
fn ski_bp() -> OctetString {
    OctetString::from((0xC0u8..0xD4).collect::<Vec<_>>())
}
fn sig() -> OctetString {
    OctetString::from((0u8..64).collect::<Vec<_>>())
}
fn otpk() -> OctetString {
    let mut k = vec![4u8];
    k.extend(1u8..65);
    OctetString::from(k)
}
fn oid(arcs: &[u32]) -> ObjectIdentifier {
    ObjectIdentifier::new(arcs.to_vec()).unwrap()
}
/// A BIT STRING of exactly `len` bits from the leading bits of `bytes` (asn1tools form).
fn bits(bytes: &str, len: usize) -> BitString {
    let mut b = BitString::from_vec(h(bytes));
    b.truncate(len);
    b
}
fn notif_meta() -> NotificationMetadata {
    NotificationMetadata {
        seq_number: Integer::from(300),
        profile_management_operation: NotificationEvent::from_bits(&[
            NotificationEvent::NOTIFICATION_INSTALL,
        ]),
        notification_address: "smdp.example.com".into(),
        iccid: Some(iccid()),
        ext: Extensions::default(),
    }
}

#[test]
fn es10a_configured_addresses() {
    check_both_ways(
        &fixture("euicc_configured_addresses_response"),
        &EuiccConfiguredAddressesResponse {
            default_dp_address: Some("smdp.example.com".into()),
            root_ds_address: "lpa.ds.gsma.com".into(),
            ext: Extensions::default(),
        },
    );
    check_both_ways(
        &fixture("euicc_configured_addresses_response_no_dp"),
        &EuiccConfiguredAddressesResponse {
            default_dp_address: None,
            root_ds_address: "lpa.ds.gsma.com".into(),
            ext: Extensions::default(),
        },
    );
    check_both_ways(
        &fixture("set_default_dp_address_response"),
        &SetDefaultDpAddressResponse {
            set_default_dp_address_result: SetDefaultDpAddressResult::UNDEFINED_ERROR,
            ext: Extensions::default(),
        },
    );
    check_both_ways(
        &fixture("euicc_configured_addresses_request"),
        &EuiccConfiguredAddressesRequest::default(),
    );
}

fn euicc_info2() -> EUICCInfo2 {
    EUICCInfo2 {
        profile_version: v(2, 3, 1),
        svn: v(2, 5, 0),
        euicc_firmware_ver: v(1, 2, 3),
        ext_card_resource: os("8101008204000400008304000100"),
        uicc_capability: UICCCapability(bits("067FFE00", 24)),
        ts102241_version: Some(v(9, 2, 0)),
        globalplatform_version: Some(v(2, 3, 1)),
        rsp_capability: RspCapability::from_bits(&[
            RspCapability::ADDITIONAL_PROFILE,
            RspCapability::CRL_SUPPORT,
            RspCapability::TEST_PROFILE_SUPPORT,
            RspCapability::DEVICE_INFO_EXTENSIBILITY_SUPPORT,
        ]),
        euicc_ci_pk_id_list_for_verification: vec![ski_nist(), ski_bp()],
        euicc_ci_pk_id_list_for_signing: vec![ski_nist()],
        euicc_category: Some(EuiccCategory::MEDIUM_EUICC),
        forbidden_profile_policy_rules: Some(PprIds::from_bits(&[PprIds::PPR1])),
        pp_version: v(1, 0, 0),
        sas_acreditation_number: "TEST-SAS-0001".into(),
        certification_data_object: Some(CertificationDataObject {
            platform_label: "1.2.840.1234567/myPlatformLabel".into(),
            discovery_base_url: "https://dloa.example".into(),
            ext: Extensions::default(),
        }),
        tre_properties: Some(TreProperties::from_bits(&[TreProperties::IS_INTEGRATED])),
        tre_product_reference: Some("TRE-1".into()),
        additional_euicc_profile_package_versions: Some(vec![v(3, 1, 0), v(3, 2, 0)]),
        ext: Extensions::default(),
    }
}

#[test]
fn es10b_euicc_info() {
    check_both_ways(
        &fixture("euicc_info1"),
        &EUICCInfo1 {
            svn: v(2, 5, 0),
            euicc_ci_pk_id_list_for_verification: vec![ski_nist(), ski_bp()],
            euicc_ci_pk_id_list_for_signing: vec![ski_nist()],
            ext: Extensions::default(),
        },
    );
    let info = euicc_info2();
    check_both_ways(&fixture("euicc_info2"), &info);
    assert!(
        info.uicc_capability.is_set(UICCCapability::AKA_CAVE)
            && !info.uicc_capability.is_set(UICCCapability::USIM_SUPPORT)
    );
    assert!(!info.rsp_capability.is_set(RspCapability::RPM_SUPPORT));
    let minimal = EUICCInfo2 {
        ts102241_version: None,
        globalplatform_version: None,
        euicc_category: None,
        forbidden_profile_policy_rules: None,
        certification_data_object: None,
        tre_properties: None,
        tre_product_reference: None,
        additional_euicc_profile_package_versions: None,
        ..info
    };
    check_both_ways(&fixture("euicc_info2_minimal"), &minimal);
}

#[test]
fn es10b_prepare_download() {
    let bytes = fixture("prepare_download_response_ok");
    let signed = EUICCSigned2 {
        transaction_id: tid(),
        euicc_otpk: otpk(),
        hash_cc: Some(Octet32::new(core::array::from_fn(|i| i as u8))),
        ext: Extensions::default(),
    };
    let expected = PrepareDownloadResponse::DownloadResponseOk(PrepareDownloadResponseOk {
        euicc_signed2: Raw::new(signed).unwrap(),
        euicc_signature2: sig(),
        ext: Extensions::default(),
    });
    check_both_ways(&bytes, &expected);
    // The kept bytes are the '30' TLV inside BF21 A0.
    let PrepareDownloadResponse::DownloadResponseOk(ok) =
        decode::<PrepareDownloadResponse>(&bytes).unwrap()
    else {
        panic!("not ok")
    };
    assert_eq!(ok.euicc_signed2.raw()[0], 0x30);
    assert!(
        bytes
            .windows(ok.euicc_signed2.raw().len())
            .any(|w| w == ok.euicc_signed2.raw())
    );

    check_both_ways(
        &fixture("prepare_download_response_error"),
        &PrepareDownloadResponse::DownloadResponseError(PrepareDownloadResponseError {
            transaction_id: tid(),
            download_error_code: DownloadErrorCode::INVALID_TRANSACTION_ID,
            ext: Extensions::default(),
        }),
    );
    let req: PrepareDownloadRequest = decode(&fixture("prepare_download_request")).unwrap();
    assert!(req.smdp_signed2.value().cc_required_flag);
    assert_eq!(req.smdp_signed2.value().bpp_euicc_otpk, Some(otpk()));
    assert_eq!(req.smdp_certificate.as_der()[0], 0x30);
}

#[test]
fn es10b_authenticate_server_and_cancel() {
    check_both_ways(
        &fixture("authenticate_server_response_error"),
        &AuthenticateServerResponse::AuthenticateResponseError(AuthenticateResponseError {
            transaction_id: tid(),
            authenticate_error_code: AuthenticateErrorCode::UNDEFINED_ERROR,
            ext: Extensions::default(),
        }),
    );
    let ok: AuthenticateServerResponse =
        decode(&fixture("authenticate_server_response_ok")).unwrap();
    let AuthenticateServerResponse::AuthenticateResponseOk(ok) = ok else {
        panic!("not ok")
    };
    let signed = ok.euicc_signed1.value();
    assert_eq!(signed.euicc_info2, euicc_info2());
    let Some(CtxParams1::CtxParamsForCommonAuthentication(ctx)) = signed.ctx_params1.known() else {
        panic!("unexpected ctx")
    };
    assert_eq!(ctx.matching_id.as_deref(), Some("ABCD-1234"));
    assert_eq!(ctx.device_info.tac, Octet4::new([0x35, 0x29, 0x06, 0x11]));
    let caps = &ctx.device_info.device_capabilities;
    assert_eq!(caps.eutran_epc_supported_release, Some(v(14, 0, 0)));
    assert_eq!(caps.euicc_form_factor_type, Some(Integer::from(2)));
    assert_eq!(caps.cat_supported_classes, Some(bits("C0", 2)));

    check_both_ways(
        &fixture("cancel_session_request"),
        &CancelSessionRequest {
            transaction_id: tid(),
            reason: CancelSessionReason::UNDEFINED_REASON,
            ext: Extensions::default(),
        },
    );
    check_both_ways(
        &fixture("cancel_session_response_ok"),
        &CancelSessionResponse::CancelSessionResponseOk(CancelSessionResponseOk {
            euicc_cancel_session_signed: Raw::new(EuiccCancelSessionSigned {
                transaction_id: tid(),
                smdp_oid: oid(&[2, 999, 10]),
                reason: CancelSessionReason::POSTPONED,
                ext: Extensions::default(),
            })
            .unwrap(),
            euicc_cancel_session_signature: sig(),
            ext: Extensions::default(),
        }),
    );
    check_both_ways(
        &fixture("cancel_session_response_error"),
        &CancelSessionResponse::CancelSessionResponseError(
            CancelSessionResponseError::INVALID_TRANSACTION_ID,
        ),
    );
}

#[test]
fn es10b_notifications() {
    check_both_ways(
        &fixture("list_notification_request_all"),
        &ListNotificationRequest::default(),
    );
    check_both_ways(
        &fixture("list_notification_request_install"),
        &ListNotificationRequest {
            profile_management_operation: Some(NotificationEvent::from_bits(&[0])),
            ext: Extensions::default(),
        },
    );
    // asn1tools keeps 7 trailing zero bits (not DER, X.690 §11.2.2): we keep them too.
    let nonminimal = fixture("list_notification_request_nonminimal_bits");
    let req: ListNotificationRequest = asn1_common::roundtrip(&nonminimal);
    let op = req.profile_management_operation.unwrap();
    assert!(op.is_set(NotificationEvent::NOTIFICATION_INSTALL));
    assert_eq!(op.0.len(), 8);
    check_both_ways(
        &fixture("list_notification_response"),
        &ListNotificationResponse::NotificationMetadataList(vec![
            notif_meta(),
            NotificationMetadata {
                seq_number: Integer::from(0),
                profile_management_operation: NotificationEvent::from_bits(&[
                    NotificationEvent::NOTIFICATION_DELETE,
                ]),
                notification_address: "x".into(),
                iccid: None,
                ext: Extensions::default(),
            },
        ]),
    );
    check_both_ways(
        &fixture("list_notification_response_error"),
        &ListNotificationResponse::ListNotificationsResultError(UndefinedError::UNDEFINED_ERROR),
    );
    check_both_ways(
        &fixture("retrieve_notifications_list_request_seq"),
        &RetrieveNotificationsListRequest {
            search_criteria: Some(RetrieveNotificationsSearchCriteria::SeqNumber(
                Integer::from(300),
            )),
            ext: Extensions::default(),
        },
    );
    check_both_ways(
        &fixture("retrieve_notifications_list_request_op"),
        &RetrieveNotificationsListRequest {
            search_criteria: Some(
                RetrieveNotificationsSearchCriteria::ProfileManagementOperation(
                    NotificationEvent::from_bits(&[NotificationEvent::NOTIFICATION_DISABLE]),
                ),
            ),
            ext: Extensions::default(),
        },
    );
    let list: RetrieveNotificationsListResponse =
        decode(&fixture("retrieve_notifications_list_response")).unwrap();
    let RetrieveNotificationsListResponse::NotificationList(items) = list else {
        panic!("error")
    };
    assert_eq!(items.len(), 2);
    let Some(PendingNotification::ProfileInstallationResult(pir)) = items[0].known() else {
        panic!("pir")
    };
    assert_eq!(
        pir.profile_installation_result_data
            .value()
            .notification_metadata,
        notif_meta()
    );
    let Some(PendingNotification::OtherSignedNotification(other)) = items[1].known() else {
        panic!("other")
    };
    assert_eq!(
        other.tbs_other_notification.value().seq_number,
        Integer::from(7)
    );
    assert_eq!(other.tbs_other_notification.raw()[..2], [0xBF, 0x2F]);
    check_both_ways(
        &fixture("notification_sent_response"),
        &NotificationSentResponse {
            delete_notification_status: DeleteNotificationStatus::NOTHING_TO_DELETE,
            ext: Extensions::default(),
        },
    );
    check_both_ways(
        &fixture("notification_sent_request"),
        &NotificationSentRequest {
            seq_number: Integer::from(300),
            ext: Extensions::default(),
        },
    );
}

#[test]
fn es10b_crl_and_rat() {
    let bytes = fixture("load_crl_request");
    let req: LoadCRLRequest = decode(&bytes).unwrap();
    // On the wire the CRL is implicitly tagged A0; as_der() gives the RFC 5280 form.
    assert_eq!(bytes[3], 0xA0);
    assert_eq!(req.crl.as_der()[0], 0x30);
    assert_eq!(req.crl.as_der()[1..], bytes[4..]);
    check_both_ways(
        &fixture("load_crl_response_ok"),
        &LoadCRLResponse::LoadCRLResponseOk(LoadCRLResponseOk {
            missing_parts: Some(vec![Integer::from(1), Integer::from(3)]),
            ext: Extensions::default(),
        }),
    );
    check_both_ways(
        &fixture("load_crl_response_error"),
        &LoadCRLResponse::LoadCRLResponseError(LoadCRLResponseError::FRESHER_CRL_ALREADY_LOADED),
    );
    let op = |mcc: &str| OperatorId {
        mcc_mnc: Octet3::try_from(h(mcc).as_slice()).unwrap(),
        gid1: None,
        gid2: None,
        ext: Extensions::default(),
    };
    check_both_ways(
        &fixture("get_rat_response"),
        &GetRatResponse {
            rat: vec![ProfilePolicyAuthorisationRule {
                ppr_ids: PprIds::from_bits(&[PprIds::PPR1, PprIds::PPR2]),
                allowed_operators: vec![
                    op("21F354"),
                    OperatorId {
                        gid1: Some(os("AB")),
                        gid2: Some(os("CD")),
                        ..op("FFFFFF")
                    },
                ],
                ppr_flags: PprFlags::from_bits(&[PprFlags::CONSENT_REQUIRED]),
                ext: Extensions::default(),
            }],
            ext: Extensions::default(),
        },
    );
}

#[test]
fn es10c_profile_management() {
    check_both_ways(
        &fixture("profile_info_list_request_empty"),
        &ProfileInfoListRequest::default(),
    );
    check_both_ways(
        &fixture("profile_info_list_request_iccid"),
        &ProfileInfoListRequest {
            search_criteria: Some(ProfileSearchCriteria::Iccid(iccid())),
            tag_list: Some(os("5A9F7090")),
            ext: Extensions::default(),
        },
    );
    check_both_ways(
        &fixture("profile_info_list_request_class"),
        &ProfileInfoListRequest {
            search_criteria: Some(ProfileSearchCriteria::ProfileClass(
                ProfileClass::PROVISIONING,
            )),
            ..Default::default()
        },
    );
    let aid = OctetTo16(os("A0000005591010FFFFFFFF8900001000"));
    let first = ProfileInfo {
        iccid: Some(iccid()),
        isdp_aid: Some(aid.clone()),
        profile_state: Some(ProfileState::ENABLED),
        profile_nickname: Some("Work".into()),
        service_provider_name: Some("Operator".into()),
        profile_name: Some("Main".into()),
        icon_type: Some(IconType::JPG),
        icon: Some(os("FFD8FFE0")),
        profile_class: Some(ProfileClass::OPERATIONAL),
        notification_configuration_info: Some(vec![NotificationConfigurationInformation {
            profile_management_operation: NotificationEvent::from_bits(&[0, 1, 2]),
            notification_address: "smdp.example.com".into(),
            ext: Extensions::default(),
        }]),
        profile_owner: Some(OperatorId {
            mcc_mnc: Octet3::new([0x21, 0xF3, 0x54]),
            gid1: Some(os("01")),
            gid2: Some(os("02")),
            ext: Extensions::default(),
        }),
        dp_proprietary_data: Some(DpProprietaryData {
            dp_oid: oid(&[2, 999, 10]),
            ext: Extensions::default(),
        }),
        profile_policy_rules: Some(PprIds::from_bits(&[PprIds::PPR1])),
        service_specific_data_stored_in_euicc: Some(vec![VendorSpecificData {
            vendor_oid: oid(&[2, 999, 1]),
            vendor_specific_data: Any::new(h("0500")),
            ext: Extensions::default(),
        }]),
        ext: Extensions::default(),
    };
    let second = ProfileInfo {
        iccid: Some(Iccid::try_from(h("98001032547698103224").as_slice()).unwrap()),
        profile_state: Some(ProfileState::DISABLED),
        ..Default::default()
    };
    check_both_ways(
        &fixture("profile_info_list_response"),
        &ProfileInfoListResponse::ProfileInfoListOk(vec![first, second]),
    );
    check_both_ways(
        &fixture("profile_info_list_response_error"),
        &ProfileInfoListResponse::ProfileInfoListError(
            ProfileInfoListError::INCORRECT_INPUT_VALUES,
        ),
    );
    check_both_ways(
        &fixture("enable_profile_request_iccid"),
        &EnableProfileRequest {
            profile_identifier: ProfileIdentifier::Iccid(iccid()),
            refresh_flag: true,
            ext: Extensions::default(),
        },
    );
    check_both_ways(
        &fixture("disable_profile_request_aid"),
        &DisableProfileRequest {
            profile_identifier: ProfileIdentifier::IsdpAid(aid),
            refresh_flag: false,
            ext: Extensions::default(),
        },
    );
    check_both_ways(
        &fixture("enable_profile_response"),
        &EnableProfileResponse {
            enable_result: EnableResult::PROFILE_NOT_IN_DISABLED_STATE,
            ext: Extensions::default(),
        },
    );
    check_both_ways(
        &fixture("delete_profile_request"),
        &DeleteProfileRequest::Iccid(iccid()),
    );
    check_both_ways(
        &fixture("delete_profile_response"),
        &DeleteProfileResponse {
            delete_result: DeleteResult::DISALLOWED_BY_POLICY,
            ext: Extensions::default(),
        },
    );
    check_both_ways(
        &fixture("euicc_memory_reset_request"),
        &EuiccMemoryResetRequest {
            reset_options: ResetOptions::from_bits(&[
                ResetOptions::DELETE_OPERATIONAL_PROFILES,
                ResetOptions::RESET_DEFAULT_SMDP_ADDRESS,
            ]),
            ext: Extensions::default(),
        },
    );
    check_both_ways(
        &fixture("get_euicc_data_request"),
        &GetEuiccDataRequest {
            tag_list: Octet1::new([0x5A]),
            ext: Extensions::default(),
        },
    );
    check_both_ways(
        &fixture("get_euicc_data_response"),
        &GetEuiccDataResponse {
            eid_value: Octet16::try_from(h("89049032123451234512345678901235").as_slice()).unwrap(),
            ext: Extensions::default(),
        },
    );
    check_both_ways(
        &fixture("set_nickname_request"),
        &SetNicknameRequest {
            iccid: iccid(),
            profile_nickname: "Trävel ✈".into(),
            ext: Extensions::default(),
        },
    );
    check_both_ways(
        &fixture("isdr_proprietary_application_template"),
        &ISDRProprietaryApplicationTemplate {
            svn: v(2, 5, 0),
            lpae_support: Some(LpaeSupport::from_bits(&[0, 1])),
            ext: Extensions::default(),
        },
    );
}

fn iscr() -> InitialiseSecureChannelRequest {
    InitialiseSecureChannelRequest {
        remote_op_id: RemoteOpId::INSTALL_BOUND_PROFILE_PACKAGE,
        transaction_id: tid(),
        control_ref_template: ControlRefTemplate {
            key_type: Octet1::new([0x88]),
            key_len: Octet1::new([0x10]),
            host_id: OctetTo16(OctetString::from_static(b"SMDP-HOST-ID")),
            ext: Extensions::default(),
        },
        smdp_otpk: otpk(),
        smdp_sign: sig(),
        ext: Extensions::default(),
    }
}

fn bpp(second: bool) -> BoundProfilePackage {
    BoundProfilePackage {
        initialise_secure_channel_request: Raw::new(iscr()).unwrap(),
        first_sequence_of87: FirstSequenceOf87(vec![Bpp87Tlv(os("0011223344"))]),
        sequence_of88: SequenceOf88(vec![Bpp88Tlv(os("AA")), Bpp88Tlv(os("BBCC"))]),
        second_sequence_of87: second.then(|| SecondSequenceOf87(vec![Bpp87Tlv(os("5566"))])),
        sequence_of86: SequenceOf86(vec![
            Bpp86Tlv(OctetString::from(vec![1u8; 20])),
            Bpp86Tlv(OctetString::from(vec![2u8; 200])),
            Bpp86Tlv(OctetString::from(Vec::new())),
        ]),
        ext: Extensions::default(),
    }
}

#[test]
fn es8plus_bound_profile_package() {
    let bytes = fixture("bound_profile_package");
    check_both_ways(&bytes, &bpp(true));
    check_both_ways(&fixture("bound_profile_package_no_second87"), &bpp(false));
    check_both_ways(&fixture("initialise_secure_channel_request"), &iscr());
    // The element tags 87 / 88 / 86 are on the wire.
    let hex = hex::encode_upper(&bytes);
    for needle in [
        "A0078705001122334",
        "A1078801AA8802BBCC",
        "A20487025566",
        "A381E3861401",
    ] {
        assert!(hex.contains(needle), "{needle} missing in {hex}");
    }
    // smdpSign covers the ISCR fields before 5F37 (SGP.22 §5.5.1).
    let decoded: BoundProfilePackage = decode(&bytes).unwrap();
    let signed =
        signed_part_of_initialise_secure_channel(&decoded.initialise_secure_channel_request)
            .unwrap();
    assert_eq!(signed[0], 0x82);
    assert_eq!(
        &signed[signed.len() - 68..signed.len() - 66],
        &[0x5F, 0x49, 0x41][..2]
    );
    assert_eq!(
        decoded.initialise_secure_channel_request.contents().len(),
        signed.len() + 3 + 64
    );
}

#[test]
fn es8plus_metadata_and_results() {
    let smr = StoreMetadataRequest {
        iccid: iccid(),
        service_provider_name: "Operator".into(),
        profile_name: "Test profile".into(),
        icon_type: Some(IconType::PNG),
        icon: Some(os("89504E47")),
        profile_class: ProfileClass::TEST,
        notification_configuration_info: Some(vec![NotificationConfigurationInformation {
            profile_management_operation: NotificationEvent::from_bits(&[0, 1, 2, 3]),
            notification_address: "smdp.example.com".into(),
            ext: Extensions::default(),
        }]),
        profile_owner: Some(OperatorId {
            mcc_mnc: Octet3::new([0x21, 0xF3, 0x54]),
            gid1: Some(os("01")),
            gid2: None,
            ext: Extensions::default(),
        }),
        profile_policy_rules: Some(PprIds::from_bits(&[PprIds::PPR2])),
        service_specific_data_stored_in_euicc: Some(vec![VendorSpecificData {
            vendor_oid: oid(&[2, 999, 1]),
            vendor_specific_data: Any::new(h("0403010203")),
            ext: Extensions::default(),
        }]),
        service_specific_data_not_stored_in_euicc: Some(vec![VendorSpecificData {
            vendor_oid: oid(&[2, 999, 2]),
            vendor_specific_data: Any::new(h("0C026869")),
            ext: Extensions::default(),
        }]),
        ext: Extensions::default(),
    };
    check_both_ways(&fixture("store_metadata_request"), &smr);
    // DEFAULT operational is absent on the wire and decodes to operational.
    let default_class = StoreMetadataRequest {
        service_provider_name: String::new(),
        profile_name: "P".into(),
        icon_type: None,
        icon: None,
        profile_class: ProfileClass::OPERATIONAL,
        notification_configuration_info: None,
        profile_owner: None,
        profile_policy_rules: None,
        service_specific_data_stored_in_euicc: None,
        service_specific_data_not_stored_in_euicc: None,
        ..smr
    };
    check_both_ways(
        &fixture("store_metadata_request_default_class"),
        &default_class,
    );
    check_both_ways(
        &fixture("configure_isdp_request"),
        &ConfigureISDPRequest {
            dp_proprietary_data: Some(DpProprietaryData {
                dp_oid: oid(&[2, 999, 10]),
                ext: Extensions::default(),
            }),
            ext: Extensions::default(),
        },
    );
    let rsk = ReplaceSessionKeysRequest {
        initial_mac_chaining_value: OctetString::from(vec![0u8; 16]),
        ppk_enc: OctetString::from((0u8..16).collect::<Vec<_>>()),
        ppk_cmac: OctetString::from((16u8..32).collect::<Vec<_>>()),
        ext: Extensions::default(),
    };
    check_both_ways(&fixture("replace_session_keys_request"), &rsk);
    assert!(
        !format!("{rsk:?}").contains("0f"),
        "keys must not be printed"
    );
    check_both_ways(
        &fixture("update_metadata_request"),
        &UpdateMetadataRequest {
            profile_name: Some("Renamed".into()),
            profile_policy_rules: Some(PprIds::from_bits(&[])),
            ..Default::default()
        },
    );
    let pir_err = ProfileInstallationResult {
        profile_installation_result_data: Raw::new(ProfileInstallationResultData {
            transaction_id: TransactionId(os("01020304")),
            notification_metadata: NotificationMetadata {
                seq_number: Integer::from(1),
                iccid: None,
                ..notif_meta()
            },
            smdp_oid: oid(&[2, 999, 10]),
            final_result: FinalResult::ErrorResult(ErrorResult {
                bpp_command_id: BppCommandId::LOAD_PROFILE_ELEMENTS,
                error_reason: ErrorReason::INSTALL_FAILED_DUE_TO_PE_PROCESSING_ERROR,
                sima_response: Some(os("3003800101")),
                ext: Extensions::default(),
            }),
            ext: Extensions::default(),
        })
        .unwrap(),
        euicc_sign_pir: EuiccSignPIR(sig()),
        ext: Extensions::default(),
    };
    check_both_ways(&fixture("profile_installation_result_error"), &pir_err);
    let ok: ProfileInstallationResult = decode(&fixture("profile_installation_result_ok")).unwrap();
    let FinalResult::SuccessResult(s) = &ok.profile_installation_result_data.value().final_result
    else {
        panic!("not success")
    };
    assert_eq!(s.aid, os("A0000005591010FFFFFFFF8900001100"));
    check_both_ways(
        &fixture("handle_notification_pir"),
        &HandleNotification {
            pending_notification: OpenChoice::Known(
                PendingNotification::ProfileInstallationResult(pir_err.clone()),
            ),
            ext: Extensions::default(),
        },
    );
    check_both_ways(
        &fixture("rpp_request_handle_notification"),
        &RemoteProfileProvisioningRequest::HandleNotification(HandleNotification {
            pending_notification: OpenChoice::Known(
                PendingNotification::ProfileInstallationResult(pir_err),
            ),
            ext: Extensions::default(),
        }),
    );
}

#[test]
fn es9plus_and_es11() {
    check_both_ways(
        &fixture("initiate_authentication_request"),
        &InitiateAuthenticationRequest {
            euicc_challenge: Octet16::new(core::array::from_fn(|i| 0x10 + i as u8)),
            smdp_address: "smdp.example.com".into(),
            euicc_info1: EUICCInfo1 {
                svn: v(2, 2, 0),
                euicc_ci_pk_id_list_for_verification: vec![ski_nist()],
                euicc_ci_pk_id_list_for_signing: vec![ski_nist()],
                ext: Extensions::default(),
            },
            ext: Extensions::default(),
        },
    );
    check_both_ways(
        &fixture("initiate_authentication_response_error"),
        &InitiateAuthenticationResponse::InitiateAuthenticationError(
            InitiateAuthenticationError::CI_PK_NOT_SUPPORTED,
        ),
    );
    let ia: InitiateAuthenticationResponse =
        decode(&fixture("initiate_authentication_response_ok")).unwrap();
    let InitiateAuthenticationResponse::InitiateAuthenticationOk(ok) = ia else {
        panic!("error")
    };
    assert_eq!(ok.server_signed1.value().server_address, "smdp.example.com");
    assert_eq!(ok.euicc_ci_pk_id_to_be_used, ski_nist());
    let auth_err =
        AuthenticateServerResponse::AuthenticateResponseError(AuthenticateResponseError {
            transaction_id: tid(),
            authenticate_error_code: AuthenticateErrorCode::EUICC_CHALLENGE_MISMATCH,
            ext: Extensions::default(),
        });
    check_both_ways(
        &fixture("authenticate_client_request"),
        &AuthenticateClientRequest {
            transaction_id: tid(),
            authenticate_server_response: auth_err,
            ext: Extensions::default(),
        },
    );
    check_both_ways(
        &fixture("authenticate_client_response_es9_error"),
        &AuthenticateClientResponseEs9::AuthenticateClientError(
            AuthenticateClientErrorEs9::NO_ELIGIBLE_PROFILE,
        ),
    );
    let ac: AuthenticateClientResponseEs9 =
        decode(&fixture("authenticate_client_response_es9_ok")).unwrap();
    let AuthenticateClientResponseEs9::AuthenticateClientOk(ac) = ac else {
        panic!("error")
    };
    assert_eq!(ac.profile_meta_data.profile_class, ProfileClass::TEST);
    assert!(!ac.smdp_signed2.value().cc_required_flag);
    check_both_ways(
        &fixture("get_bound_profile_package_request"),
        &GetBoundProfilePackageRequest {
            transaction_id: tid(),
            prepare_download_response: PrepareDownloadResponse::DownloadResponseError(
                PrepareDownloadResponseError {
                    transaction_id: tid(),
                    download_error_code: DownloadErrorCode::UNDEFINED_ERROR,
                    ext: Extensions::default(),
                },
            ),
            ext: Extensions::default(),
        },
    );
    check_both_ways(
        &fixture("get_bound_profile_package_response_ok"),
        &GetBoundProfilePackageResponse::GetBoundProfilePackageOk(Box::new(
            GetBoundProfilePackageOk {
                transaction_id: tid(),
                bound_profile_package: bpp(true),
                ext: Extensions::default(),
            },
        )),
    );
    check_both_ways(
        &fixture("get_bound_profile_package_response_error"),
        &GetBoundProfilePackageResponse::GetBoundProfilePackageError(
            GetBoundProfilePackageError::INVALID_TRANSACTION_ID,
        ),
    );
    check_both_ways(
        &fixture("cancel_session_request_es9"),
        &CancelSessionRequestEs9 {
            transaction_id: tid(),
            cancel_session_response: CancelSessionResponse::CancelSessionResponseError(
                CancelSessionResponseError::INVALID_TRANSACTION_ID,
            ),
            ext: Extensions::default(),
        },
    );
    check_both_ways(
        &fixture("cancel_session_response_es9_ok"),
        &CancelSessionResponseEs9::CancelSessionOk(CancelSessionOk::default()),
    );
    check_both_ways(
        &fixture("cancel_session_response_es9_error"),
        &CancelSessionResponseEs9::CancelSessionError(
            CancelSessionErrorEs9::EUICC_SIGNATURE_INVALID,
        ),
    );
    check_both_ways(
        &fixture("rpp_response_initiate_error"),
        &RemoteProfileProvisioningResponse::InitiateAuthenticationResponse(
            InitiateAuthenticationResponse::InitiateAuthenticationError(
                InitiateAuthenticationError::INVALID_DP_ADDRESS,
            ),
        ),
    );
    let entry = |id: &str, addr: &str| EventEntries {
        event_id: id.into(),
        rsp_server_address: addr.into(),
        ext: Extensions::default(),
    };
    check_both_ways(
        &fixture("authenticate_client_response_es11_ok"),
        &AuthenticateClientResponseEs11::AuthenticateClientOk(AuthenticateClientOkEs11 {
            transaction_id: tid(),
            event_entries: vec![
                entry("EVT-1", "smdp.example.com"),
                entry("EVT-2", "smdp2.example.com"),
            ],
            ext: Extensions::default(),
        }),
    );
    check_both_ways(
        &fixture("rpp_response_es11"),
        &RemoteProfileProvisioningResponse::AuthenticateClientResponseEs11(
            AuthenticateClientResponseEs11::AuthenticateClientError(
                AuthenticateClientErrorEs11::UNDEFINED_ERROR,
            ),
        ),
    );
}
