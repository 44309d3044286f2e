//! Public third-party test vectors.
//!
//! Origin: the OpenHarmony project, repository `openharmony/telephony_core_service`,
//! file `test/unittest/esim_gtest/esim_test.cpp` (Apache-2.0), commit
//! 03010b5009be50066cd9fc0664885888f333ae75. Those are ES10 responses the OpenHarmony LPA
//! is tested with; the trailing status word `9000` some of them carry is dropped here.
//! Only the hex data is used; the expectations below are ours, from SGP.22 v2.5.
//! Several of their vectors are not valid SGP.22 encodings (fields out of order, wrong
//! element tags); those are checked to be refused without a panic.
#![allow(clippy::unwrap_used)] // tests may unwrap (ground rules)

mod asn1_common;

use asn1_common::{h, roundtrip};
use rasn::types::{Integer, ObjectIdentifier, OctetString};
use rsp_codec::asn1::*;

#[test]
fn ohos_profile_installation_result() {
    let bytes = h(
        "BF3781ADBF27678008D14FE1DE62C340D7BF2F3480024C66810207800C1E31302E31302E31322E3136342F64702D706C75732D696E746572666163655A0A98680010203040506080060388370AA21FA01D4F10A0000005591010FFFFFFFF890000120004093007A00530038001005F3740B354AE39D08ACD7EDD7D2D01C73378621F623B832DFA3243489C5B42C90F22014E6C928130D78EE561982EF412AC3D94C04B56F37657DA84FD7BB24DD5634E89",
    );
    let pir: ProfileInstallationResult = roundtrip(&bytes);
    let data = pir.profile_installation_result_data.value();
    assert_eq!(data.transaction_id.as_bytes(), h("D14FE1DE62C340D7"));
    assert_eq!(data.notification_metadata.seq_number, Integer::from(0x4C66));
    assert!(
        data.notification_metadata
            .profile_management_operation
            .is_set(NotificationEvent::NOTIFICATION_INSTALL)
    );
    assert_eq!(
        data.notification_metadata.notification_address,
        "10.10.12.164/dp-plus-interface"
    );
    assert_eq!(
        data.notification_metadata
            .iccid
            .map(|i| i.as_bytes().to_vec()),
        Some(h("98680010203040506080"))
    );
    assert_eq!(
        data.smdp_oid,
        ObjectIdentifier::new(vec![2, 999, 10]).unwrap()
    );
    let FinalResult::SuccessResult(ok) = &data.final_result else {
        panic!("expected success")
    };
    assert_eq!(
        ok.aid,
        OctetString::from(h("A0000005591010FFFFFFFF8900001200"))
    );
    assert_eq!(
        ok.sima_response,
        OctetString::from(h("3007A00530038001 00"))
    );
    assert_eq!(pir.euicc_sign_pir.0.len(), 64);
    // euiccSignPIR is computed over the BF27 TLV exactly as received.
    assert_eq!(
        pir.profile_installation_result_data.raw(),
        &bytes[4..4 + 3 + 0x67]
    );
}

#[test]
fn ohos_euicc_info1() {
    let bytes = h(
        "BF20618203020202A92C0414F54172BDF98A95D65CBEB88A38A1C11D800A85C30414C0BC70BA36929D43B467FF57570530E57AB8FCD8AA2C0414F54172BDF98A95D65CBEB88A38A1C11D800A85C30414C0BC70BA36929D43B467FF57570530E57AB8FCD8",
    );
    let info: EUICCInfo1 = roundtrip(&bytes);
    assert_eq!(info.svn, VersionType::from_parts(2, 2, 2));
    assert_eq!(info.euicc_ci_pk_id_list_for_verification.len(), 2);
    assert_eq!(
        info.euicc_ci_pk_id_list_for_signing[1],
        OctetString::from(h("C0BC70BA36929D43B467FF57570530E57AB8FCD8"))
    );
}

#[test]
fn ohos_profile_info_list() {
    let bytes =
        h("BF2D25A023E3215A0A986800102030405060809F7001019105736D617274950102B705800364F007");
    let list: ProfileInfoListResponse = roundtrip(&bytes);
    let ProfileInfoListResponse::ProfileInfoListOk(profiles) = list else {
        panic!("error")
    };
    assert_eq!(profiles.len(), 1);
    let p = &profiles[0];
    assert_eq!(p.profile_state, Some(ProfileState::ENABLED));
    assert_eq!(p.service_provider_name.as_deref(), Some("smart"));
    assert_eq!(p.profile_class, Some(ProfileClass::OPERATIONAL));
    assert_eq!(
        p.profile_owner
            .as_ref()
            .map(|o| o.mcc_mnc.as_bytes().to_vec()),
        Some(h("64F007"))
    );
}

#[test]
fn ohos_small_responses() {
    let eid: GetEuiccDataResponse = roundtrip(&h("BF3E125A1089086030202200000024000070951319"));
    assert_eq!(
        eid.eid_value.as_bytes().to_vec(),
        h("89086030202200000024000070951319")
    );
    let addr: EuiccConfiguredAddressesResponse =
        roundtrip(&h("BF3C148008534D44502E434F4D8108736D64732E636F6D"));
    assert_eq!(addr.default_dp_address.as_deref(), Some("SMDP.COM"));
    assert_eq!(addr.root_ds_address, "smds.com");
    let chal: GetEuiccChallengeResponse =
        roundtrip(&h("BF2E1280105DAD74D9F1734CF96CDE5C78FDB0565B"));
    assert_eq!(chal.euicc_challenge.as_bytes()[0], 0x5D);
    let r: DisableProfileResponse = roundtrip(&h("BF3203800100"));
    assert_eq!(r.disable_result, DisableResult::OK);
    let r: EuiccMemoryResetResponse = roundtrip(&h("BF3403800100"));
    assert_eq!(r.reset_result, ResetResult::OK);
    let r: DeleteProfileResponse = roundtrip(&h("BF3303800100"));
    assert_eq!(r.delete_result, DeleteResult::OK);
    let r: NotificationSentResponse = roundtrip(&h("BF3003800100"));
    assert_eq!(r.delete_notification_status, DeleteNotificationStatus::OK);
    // An error number without a name is kept as is.
    let r: CancelSessionResponse = roundtrip(&h("BF4106810456362523"));
    assert_eq!(
        r,
        CancelSessionResponse::CancelSessionResponseError(CancelSessionResponseError(0x5636_2523))
    );
    let r: ListNotificationResponse = roundtrip(&h("BF2803810106"));
    assert_eq!(
        r,
        ListNotificationResponse::ListNotificationsResultError(UndefinedError(6))
    );
}

#[test]
fn ohos_non_conformant_vectors_are_refused() {
    for (what, hex) in [
        // NotificationMetadata with notificationAddress before profileManagementOperation.
        ("metadata order", "BF2F118001010C08736D64702E636F6D81020508"),
        (
            "list order",
            "BF282BA029BF2F118001010C08736D64702E636F6D81020410BF2F128001020C09736D6470322E636F6D81020530",
        ),
        (
            "retrieve list",
            "BF2B2FA02D3014BF2F118001010C08736D64702E636F6D810204103015BF2F128001020C09736D6470322E636F6D81020510",
        ),
        // RAT whose operators are tagged B7 instead of SEQUENCE, and two [0] lists.
        (
            "rat",
            "BF434BA0233021800206C0A118B70A800312F3458103010203B70A800312F3458203040506820108A024302280020780A118B70A800312E3458103010203B70A8003EEEE45820304050682020780",
        ),
        ("empty choice", "BF4100"),
        ("truncated", "BF2D"),
        ("truncated inner", "BF2803A00106"),
    ] {
        let bytes = h(hex);
        let results = [
            decode::<NotificationMetadata>(&bytes).is_err(),
            decode::<ListNotificationResponse>(&bytes).is_err(),
            decode::<RetrieveNotificationsListResponse>(&bytes).is_err(),
            decode::<GetRatResponse>(&bytes).is_err(),
            decode::<CancelSessionResponse>(&bytes).is_err(),
            decode::<ProfileInfoListResponse>(&bytes).is_err(),
        ];
        assert!(
            results.iter().all(|refused| *refused),
            "{what} was accepted by some type"
        );
    }
    // "vzaCAAKjAA==": a BPP holding nothing but an empty sequenceOf86.
    assert!(decode::<BoundProfilePackage>(&h("BF36820002A300")).is_err());
}
