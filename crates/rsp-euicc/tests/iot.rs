//! IoT mode (SGP.32 v1.2 §5.9) driven through the IPA-side client `rsp_lpa::es10_iot` over
//! APDUs (logical channel, STORE DATA, GET RESPONSE), on both curves: eIM association,
//! eUICC Packages signed by the eIM, results verified with the eUICC's key, refusals.
#![allow(clippy::unwrap_used)]

mod common;

use common::iot::*;
use rasn::types::Integer;
use rsp_codec::asn1::sgp32::*;
use rsp_codec::asn1::{Extensions, ProfileInfoListRequest, ProfileState};
use rsp_crypto::{Curve, SoftwareKey};
use rsp_euicc::StateStore;
use rsp_lpa::{ApduChannel, LpaError, es10_iot, es10b};

fn psmo_flow(curve: Curve) {
    let mut card = iot_card(curve, 2, StateStore::memory());
    let eid = eid(&card);
    let mut ch = ApduChannel::open(&mut card).unwrap();
    let key = euicc_key(&mut ch);
    let info2 = es10_iot::get_euicc_info2(&mut ch).unwrap();
    assert!(info2.iot_specific_info.is_some());
    let mut eim = TestEim::new(EIM_ID, curve);
    associate(&mut ch, &mut eim, true);

    // Enable profile 1 and list: both results, signed over the eIM's signature.
    let req = eim.package(
        eid,
        psmos(vec![
            enable(1),
            Psmo::ListProfileInfo(ProfileInfoListRequest::default()),
            Psmo::GetRat(EmptySequence::default()),
        ]),
    );
    let (_, result) = es10_iot::load_euicc_package(&mut ch, &req).unwrap();
    let data = verified(&key, &result, &req);
    assert_eq!(data.eim_id, EIM_ID);
    assert_eq!(data.counter_value, Integer::from(1));
    let r = results(&data);
    assert_eq!(r[0], EuiccResultData::EnableResult(EnableProfileResult::OK));
    let EuiccResultData::ListProfileInfoResult(Sgp32ProfileInfoListResponse::ProfileInfoListOk(
        list,
    )) = &r[1]
    else {
        panic!("{r:?}")
    };
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].profile_state, Some(ProfileState::ENABLED));
    assert!(matches!(r[2], EuiccResultData::GetRatResult(_)));

    // Disable 1, delete 2.
    let req = eim.package(eid, psmos(vec![disable(1), delete(2)]));
    let (_, result) = es10_iot::load_euicc_package(&mut ch, &req).unwrap();
    let data = verified(&key, &result, &req);
    assert_eq!(
        results(&data),
        vec![
            EuiccResultData::DisableResult(DisableProfileResult::OK),
            EuiccResultData::DeleteResult(DeleteProfileResult::OK),
        ]
    );
    assert_eq!(profile_states(&mut ch, &mut eim, eid), vec![false]);

    // The counter moved on; the association token stays.
    let config = es10_iot::get_eim_configuration_data(&mut ch, Some(EIM_ID)).unwrap();
    assert_eq!(config[0].counter_value, Some(Integer::from(eim.counter)));
    assert_eq!(config[0].association_token, eim.token);

    // IpaEuiccData lists the three results, with the certificates asked for.
    let ipa_req = IpaEuiccDataRequest {
        tag_list: vec![0xA0, 0xA2, 0xA6, 0x84].into(),
        ..Default::default()
    };
    let (_, data) = es10_iot::get_ipa_euicc_data(&mut ch, &ipa_req).unwrap();
    let list = data.euicc_package_result_list.unwrap();
    assert_eq!(list.len(), 3);
    assert!(data.euicc_certificate.is_some());
    assert!(data.eum_certificate.is_none());
    assert_eq!(data.association_token, eim.token);
    // Notifications of the operations (the test profiles configure addresses for them):
    // two installations, enable, disable, delete, each signed by the eUICC.
    let notifications = data.notifications_list.unwrap();
    assert_eq!(notifications.len(), 5);
    let Sgp32PendingNotification::OtherSignedNotification(enabled) = &notifications[2] else {
        panic!("{:?}", notifications[2])
    };
    key.verify_raw(
        enabled.tbs_other_notification.raw(),
        &enabled.euicc_notification_signature,
    )
    .unwrap();
    assert!(
        enabled
            .tbs_other_notification
            .value()
            .profile_management_operation
            .is_set(rsp_codec::asn1::NotificationEvent::NOTIFICATION_ENABLE)
    );

    // The IPA removes an acknowledged result with RemoveNotificationFromList.
    let first = match &list[0] {
        EuiccPackageResult::EuiccPackageResultSigned(r) => {
            u64::try_from(&r.euicc_package_result_data_signed.value().seq_number).unwrap()
        }
        other => panic!("{other:?}"),
    };
    es10b::remove_notification(&mut ch, first).unwrap();
    assert_eq!(
        es10_iot::retrieve_euicc_package_results(&mut ch)
            .unwrap()
            .len(),
        2
    );
    let bad = IpaEuiccDataRequest::default();
    assert!(matches!(
        es10_iot::get_ipa_euicc_data(&mut ch, &bad),
        Err(LpaError::EuiccRefused { code: 1, .. })
    ));
}

#[test]
fn psmos_on_p256() {
    psmo_flow(Curve::NistP256);
}

#[test]
fn psmos_on_brainpool() {
    psmo_flow(Curve::BrainpoolP256r1);
}

fn refusals(curve: Curve) {
    let mut card = iot_card(curve, 1, StateStore::memory());
    let eid = eid(&card);
    let mut ch = ApduChannel::open(&mut card).unwrap();
    let key = euicc_key(&mut ch);
    let mut eim = TestEim::new(EIM_ID, curve);
    associate(&mut ch, &mut eim, true);

    // Signed by another key: unsigned error, with the association token.
    let other = SoftwareKey::generate(curve).unwrap();
    let req = eim.package_with(eid, 5, psmos(vec![enable(1)]), &other);
    let (_, result) = es10_iot::load_euicc_package(&mut ch, &req).unwrap();
    let EuiccPackageResult::EuiccPackageErrorUnsigned(u) = &result else {
        panic!("{result:?}")
    };
    assert_eq!(u.association_token, eim.token);
    // From an eIM that is not associated: unsigned, no token.
    let stranger = TestEim::new("stranger", curve);
    let req = stranger.package_with(eid, 1, psmos(vec![enable(1)]), &stranger.key);
    let (_, result) = es10_iot::load_euicc_package(&mut ch, &req).unwrap();
    assert!(matches!(
        result,
        EuiccPackageResult::EuiccPackageErrorUnsigned(EuiccPackageErrorUnsigned {
            association_token: None,
            ..
        })
    ));

    // A good package, then the same counter again: replay.
    let req = eim.package(eid, psmos(vec![enable(1)]));
    let (_, result) = es10_iot::load_euicc_package(&mut ch, &req).unwrap();
    verified(&key, &result, &req);
    let (_, result) = es10_iot::load_euicc_package(&mut ch, &req).unwrap();
    assert_eq!(
        verified_error(&key, &result, &req),
        EuiccPackageErrorCode::REPLAY_ERROR
    );
    let req = eim.package_with(eid, 0x8000_0000, psmos(vec![disable(1)]), &eim.key);
    let (_, result) = es10_iot::load_euicc_package(&mut ch, &req).unwrap();
    assert_eq!(
        verified_error(&key, &result, &req),
        EuiccPackageErrorCode::COUNTER_VALUE_OUT_OF_RANGE
    );
    let req = eim.package([0x89; 16], psmos(vec![disable(1)]));
    let (_, result) = es10_iot::load_euicc_package(&mut ch, &req).unwrap();
    assert_eq!(
        verified_error(&key, &result, &req),
        EuiccPackageErrorCode::INVALID_EID
    );

    // A PSMO on a Profile that does not exist.
    let req = eim.package(eid, psmos(vec![enable(9)]));
    let (_, result) = es10_iot::load_euicc_package(&mut ch, &req).unwrap();
    assert_eq!(
        results(&verified(&key, &result, &req)),
        vec![EuiccResultData::EnableResult(
            EnableProfileResult::ICCID_OR_AID_NOT_FOUND
        )]
    );

    // The last eIM cannot be deleted.
    let delete_eim = |id: &str| {
        Eco::DeleteEim(DeleteEim {
            eim_id: id.into(),
            ext: Extensions::default(),
        })
    };
    let req = eim.package(eid, ecos(vec![delete_eim(EIM_ID)]));
    let (_, result) = es10_iot::load_euicc_package(&mut ch, &req).unwrap();
    assert_eq!(
        results(&verified(&key, &result, &req)),
        vec![EuiccResultData::DeleteEimResult(
            DeleteEimResult::LAST_EIM_DELETED
        )]
    );

    // addEim then deleteEim of the second eIM; listEim in between.
    let mut second = TestEim::new("eim-two", curve);
    let req = eim.package(
        eid,
        ecos(vec![
            Eco::AddEim(Box::new(second.config(false))),
            Eco::ListEim(EmptySequence::default()),
        ]),
    );
    let (_, result) = es10_iot::load_euicc_package(&mut ch, &req).unwrap();
    let r = results(&verified(&key, &result, &req));
    assert_eq!(
        r[0],
        EuiccResultData::AddEimResult(AddEimResult::AddEimResultCode(AddEimResultCode::OK))
    );
    let EuiccResultData::ListEimResult(ListEimResult::EimIdList(ids)) = &r[1] else {
        panic!("{r:?}")
    };
    assert_eq!(ids.len(), 2);
    // The second eIM can now manage the eUICC on its own.
    let req = second.package(eid, psmos(vec![disable(1)]));
    let (_, result) = es10_iot::load_euicc_package(&mut ch, &req).unwrap();
    assert_eq!(
        results(&verified(&key, &result, &req)),
        vec![EuiccResultData::DisableResult(DisableProfileResult::OK)]
    );
    // Adding it again is refused.
    let req = eim.package(eid, ecos(vec![Eco::AddEim(Box::new(second.config(false)))]));
    let (_, result) = es10_iot::load_euicc_package(&mut ch, &req).unwrap();
    assert_eq!(
        results(&verified(&key, &result, &req)),
        vec![EuiccResultData::AddEimResult(
            AddEimResult::AddEimResultCode(AddEimResultCode::ASSOCIATED_EIM_ALREADY_EXISTS)
        )]
    );
    let req = eim.package(eid, ecos(vec![delete_eim("eim-two")]));
    let (_, result) = es10_iot::load_euicc_package(&mut ch, &req).unwrap();
    assert_eq!(
        results(&verified(&key, &result, &req)),
        vec![EuiccResultData::DeleteEimResult(DeleteEimResult::OK)]
    );
    let req = second.package(eid, psmos(vec![enable(1)]));
    let (_, result) = es10_iot::load_euicc_package(&mut ch, &req).unwrap();
    assert!(matches!(
        result,
        EuiccPackageResult::EuiccPackageErrorUnsigned(_)
    ));
    // AddInitialEim is refused once an eIM is associated.
    assert!(matches!(
        es10_iot::add_initial_eim(&mut ch, vec![second.config(false)]),
        Err(LpaError::EuiccRefused { code: 2, .. })
    ));
}

#[test]
fn refusals_on_p256() {
    refusals(Curve::NistP256);
}

#[test]
fn refusals_on_brainpool() {
    refusals(Curve::BrainpoolP256r1);
}

/// SGP.32 §5.9.1: the eUICC stops at the first failing operation; the operations before
/// it stay executed and are reported, the rest is not run.
#[test]
fn a_package_stops_at_its_first_failing_operation() {
    let mut card = iot_card(Curve::NistP256, 2, StateStore::memory());
    let eid = eid(&card);
    let mut ch = ApduChannel::open(&mut card).unwrap();
    let key = euicc_key(&mut ch);
    let mut eim = TestEim::new(EIM_ID, Curve::NistP256);
    associate(&mut ch, &mut eim, false);
    let req = eim.package(eid, psmos(vec![enable(1), enable(7), delete(2)]));
    let (_, result) = es10_iot::load_euicc_package(&mut ch, &req).unwrap();
    assert_eq!(
        results(&verified(&key, &result, &req)),
        vec![
            EuiccResultData::EnableResult(EnableProfileResult::OK),
            EuiccResultData::EnableResult(EnableProfileResult::ICCID_OR_AID_NOT_FOUND),
        ]
    );
    // Profile 1 enabled, profile 2 not deleted.
    assert_eq!(profile_states(&mut ch, &mut eim, eid), vec![true, false]);
}
