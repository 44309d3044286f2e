//! IoT mode (SGP.32 v1.2 §5.9) driven through the IPA-side client `rsp_lpa::es10_iot` over
//! APDUs (logical channel, STORE DATA, GET RESPONSE), on both curves: eIM association,
//! eUICC Packages signed by the eIM, results verified with the eUICC's key, refusals.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use rasn::types::Integer;
use rsp_codec::asn1::sgp32::*;
use rsp_codec::asn1::{
    Extensions, Octet16, OpenChoice, ProfileInfoListRequest, ProfileState, Raw, TransactionId,
    decode, encode,
};
use rsp_crypto::{Curve, PublicKey, Signer, SoftwareKey};
use rsp_euicc::{Card, EuiccConfig, Isdr, StateStore};
use rsp_lpa::{ApduChannel, LpaError, es10_iot, es10b};

const EIM_ID: &str = "eim.example.org";

/// An eIM as the test plays it: its key, id and association token.
struct TestEim {
    id: String,
    key: SoftwareKey,
    token: Option<Integer>,
    counter: i64,
}

impl TestEim {
    fn new(id: &str, curve: Curve) -> Self {
        TestEim {
            id: id.into(),
            key: SoftwareKey::generate(curve).unwrap(),
            token: None,
            counter: 0,
        }
    }

    fn config(&self, want_token: bool) -> EimConfigurationData {
        let spki = decode(&self.key.public_key().to_spki_der()).unwrap();
        EimConfigurationData {
            eim_id: self.id.clone(),
            eim_fqdn: Some("eim.example.org:8443".into()),
            eim_id_type: Some(EimIdType::EIM_ID_TYPE_FQDN),
            counter_value: Some(Integer::from(0)),
            association_token: want_token.then(|| Integer::from(0)),
            eim_public_key_data: Some(EimPublicKeyData::EimPublicKey(spki)),
            ..Default::default()
        }
    }

    /// A signed `EuiccPackageRequest` (DER) with the next counter value.
    fn package(&mut self, eid: [u8; 16], package: EuiccPackage) -> Vec<u8> {
        self.counter += 1;
        self.package_with(eid, self.counter, package, &self.key)
    }

    fn package_with(
        &self,
        eid: [u8; 16],
        counter: i64,
        package: EuiccPackage,
        key: &SoftwareKey,
    ) -> Vec<u8> {
        let signed = Raw::new(EuiccPackageSigned {
            eim_id: self.id.clone(),
            eid_value: Octet16::new(eid),
            counter_value: Integer::from(counter),
            eim_transaction_id: Some(TransactionId(vec![0xEE, counter as u8].into())),
            euicc_package: package,
            ext: Extensions::default(),
        })
        .unwrap();
        let sig = key
            .sign_raw(&eim_signed_data(signed.raw(), self.token.as_ref()))
            .unwrap();
        encode(&EuiccPackageRequest {
            euicc_package_signed: signed,
            eim_signature: sig.to_vec().into(),
            ext: Extensions::default(),
        })
        .unwrap()
    }
}

fn psmos(ops: Vec<Psmo>) -> EuiccPackage {
    EuiccPackage::PsmoList(ops.into_iter().map(OpenChoice::Known).collect())
}

fn ecos(ops: Vec<Eco>) -> EuiccPackage {
    EuiccPackage::EcoList(ops.into_iter().map(OpenChoice::Known).collect())
}

fn iccid(n: u8) -> rsp_codec::asn1::Iccid {
    rsp_codec::asn1::Iccid::new(test_iccid(n))
}

fn enable(n: u8) -> Psmo {
    Psmo::Enable(PsmoEnable {
        iccid: iccid(n),
        rollback_flag: None,
        ext: Extensions::default(),
    })
}

fn disable(n: u8) -> Psmo {
    Psmo::Disable(PsmoIccid {
        iccid: iccid(n),
        ext: Extensions::default(),
    })
}

fn delete(n: u8) -> Psmo {
    Psmo::Delete(PsmoIccid {
        iccid: iccid(n),
        ext: Extensions::default(),
    })
}

/// An IoT eUICC with `profiles` downloaded from the test SM-DP+ (ICCIDs 1..=n).
fn iot_card(curve: Curve, profiles: u8, store: StateStore) -> Card {
    let (smdp, identity) = new_smdp(curve);
    let mut isdr = Isdr::new(identity, EuiccConfig::default(), store).unwrap();
    isdr.enable_iot_mode().unwrap();
    let mut card = Card::new(isdr);
    let cla = open_isdr(&mut card);
    for n in 1..=profiles {
        download(&mut card, cla, &smdp, &Download::new(n, 1500));
    }
    card
}

fn eid(card: &Card) -> [u8; 16] {
    *card.isdr().identity().eid()
}

/// The eUICC's public key, from GetCerts.
fn euicc_key(ch: &mut ApduChannel<&mut Card>) -> PublicKey {
    let certs = es10_iot::get_certs(ch, None).unwrap();
    rsp_pki::Cert::from_der(certs.euicc_certificate.as_der())
        .unwrap()
        .public_key()
        .clone()
}

/// Checks `euiccSignEPR` and returns the result data.
fn verified(
    key: &PublicKey,
    result: &EuiccPackageResult,
    request: &[u8],
) -> EuiccPackageResultDataSigned {
    let req: EuiccPackageRequest = decode(request).unwrap();
    let EuiccPackageResult::EuiccPackageResultSigned(r) = result else {
        panic!("expected a signed result, got {result:?}");
    };
    let msg = euicc_signed_data(r.euicc_package_result_data_signed.raw(), &req.eim_signature);
    key.verify_raw(&msg, &r.euicc_sign_epr)
        .expect("euiccSignEPR verifies");
    r.euicc_package_result_data_signed.value().clone()
}

/// Checks `euiccSignEPE` and returns the error code.
fn verified_error(
    key: &PublicKey,
    result: &EuiccPackageResult,
    request: &[u8],
) -> EuiccPackageErrorCode {
    let req: EuiccPackageRequest = decode(request).unwrap();
    let EuiccPackageResult::EuiccPackageErrorSigned(e) = result else {
        panic!("expected a signed error, got {result:?}");
    };
    let msg = euicc_signed_data(e.euicc_package_error_data_signed.raw(), &req.eim_signature);
    key.verify_raw(&msg, &e.euicc_sign_epe)
        .expect("euiccSignEPE verifies");
    e.euicc_package_error_data_signed
        .value()
        .euicc_package_error_code
}

fn results(data: &EuiccPackageResultDataSigned) -> Vec<EuiccResultData> {
    data.euicc_result
        .iter()
        .map(|r| r.known().cloned().unwrap())
        .collect()
}

fn associate(ch: &mut ApduChannel<&mut Card>, eim: &mut TestEim, want_token: bool) {
    let entries = es10_iot::add_initial_eim(ch, vec![eim.config(want_token)]).unwrap();
    assert_eq!(entries.len(), 1);
    eim.token = es10_iot::association_token(&entries[0]).cloned();
    assert_eq!(eim.token.is_some(), want_token);
}

fn profile_states(ch: &mut ApduChannel<&mut Card>, eim: &mut TestEim, eid: [u8; 16]) -> Vec<bool> {
    let req = eim.package(
        eid,
        psmos(vec![Psmo::ListProfileInfo(
            ProfileInfoListRequest::default(),
        )]),
    );
    let (_, result) = es10_iot::load_euicc_package(ch, &req).unwrap();
    let EuiccPackageResult::EuiccPackageResultSigned(r) = result else {
        panic!("{result:?}")
    };
    let data = r.euicc_package_result_data_signed.value();
    let Some(EuiccResultData::ListProfileInfoResult(
        Sgp32ProfileInfoListResponse::ProfileInfoListOk(list),
    )) = data.euicc_result.first().and_then(|r| r.known())
    else {
        panic!("{data:?}")
    };
    list.iter()
        .map(|p| p.profile_state == Some(ProfileState::ENABLED))
        .collect()
}

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

#[test]
fn rollback_and_fallback() {
    let mut card = iot_card(Curve::NistP256, 2, StateStore::memory());
    let eid = eid(&card);
    let mut ch = ApduChannel::open(&mut card).unwrap();
    let key = euicc_key(&mut ch);
    let mut eim = TestEim::new(EIM_ID, Curve::NistP256);
    associate(&mut ch, &mut eim, false);
    let req = eim.package(eid, psmos(vec![enable(1)]));
    es10_iot::load_euicc_package(&mut ch, &req).unwrap();
    // Enable 2 with the rollback flag, then roll back to 1.
    let req = eim.package(
        eid,
        psmos(vec![Psmo::Enable(PsmoEnable {
            iccid: iccid(2),
            rollback_flag: Some(()),
            ext: Extensions::default(),
        })]),
    );
    es10_iot::load_euicc_package(&mut ch, &req).unwrap();
    assert_eq!(profile_states(&mut ch, &mut eim, eid), vec![false, true]);
    // The listing package ended the rollback window; do it again without listing.
    let req = eim.package(
        eid,
        psmos(vec![Psmo::Enable(PsmoEnable {
            iccid: iccid(1),
            rollback_flag: Some(()),
            ext: Extensions::default(),
        })]),
    );
    es10_iot::load_euicc_package(&mut ch, &req).unwrap();
    let result = es10_iot::profile_rollback(&mut ch, false).unwrap().unwrap();
    assert_eq!(
        results(&verified(&key, &result, &req)),
        vec![EuiccResultData::RollbackResult(RollbackProfileResult::OK)]
    );
    assert!(matches!(
        es10_iot::profile_rollback(&mut ch, false),
        Err(LpaError::EuiccRefused { code: 1, .. })
    ));
    assert_eq!(profile_states(&mut ch, &mut eim, eid), vec![false, true]);

    // Fallback attribute on 1, fallback mechanism and back.
    let req = eim.package(
        eid,
        psmos(vec![Psmo::SetFallbackAttribute(PsmoIccid {
            iccid: iccid(1),
            ext: Extensions::default(),
        })]),
    );
    let (_, result) = es10_iot::load_euicc_package(&mut ch, &req).unwrap();
    assert_eq!(
        results(&verified(&key, &result, &req)),
        vec![EuiccResultData::SetFallbackAttributeResult(
            SetFallbackAttributeResult::OK
        )]
    );
    es10_iot::execute_fallback_mechanism(&mut ch, false).unwrap();
    assert_eq!(profile_states(&mut ch, &mut eim, eid), vec![true, false]);
    let req = eim.package(
        eid,
        psmos(vec![Psmo::UnsetFallbackAttribute(EmptySequence::default())]),
    );
    let (_, result) = es10_iot::load_euicc_package(&mut ch, &req).unwrap();
    assert_eq!(
        results(&verified(&key, &result, &req)),
        vec![EuiccResultData::UnsetFallbackAttributeResult(
            UnsetFallbackAttributeResult::FALLBACK_PROFILE_ENABLED
        )]
    );
    es10_iot::return_from_fallback(&mut ch, false).unwrap();
    assert_eq!(profile_states(&mut ch, &mut eim, eid), vec![false, true]);
    assert!(es10_iot::return_from_fallback(&mut ch, false).is_err());
    // No profile has an eCall indication.
    assert!(matches!(
        es10_iot::enable_emergency_profile(&mut ch, false),
        Err(LpaError::EuiccRefused { code: 8, .. })
    ));
    // Immediate enable needs a configuration and a fresh installation.
    assert!(matches!(
        es10_iot::immediate_enable(&mut ch, false),
        Err(LpaError::EuiccRefused { code: 1, .. })
    ));
}

#[test]
fn iot_state_persists_in_the_state_file() {
    let path = std::env::temp_dir().join(format!("rsp-euicc-iot-{}.json", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let mut card = iot_card(Curve::BrainpoolP256r1, 1, StateStore::file(&path));
    let eid = eid(&card);
    let mut eim = TestEim::new(EIM_ID, Curve::BrainpoolP256r1);
    {
        let mut ch = ApduChannel::open(&mut card).unwrap();
        associate(&mut ch, &mut eim, true);
        let req = eim.package(eid, psmos(vec![enable(1)]));
        es10_iot::load_euicc_package(&mut ch, &req).unwrap();
    }
    let identity = card.into_isdr().into_identity();
    // Reopened from the file: same association, counter, token and results.
    let isdr = Isdr::new(identity, EuiccConfig::default(), StateStore::file(&path)).unwrap();
    assert!(isdr.is_iot());
    let mut card = Card::new(isdr);
    let mut ch = ApduChannel::open(&mut card).unwrap();
    let config = es10_iot::get_eim_configuration_data(&mut ch, None).unwrap();
    assert_eq!(config.len(), 1);
    assert_eq!(config[0].counter_value, Some(Integer::from(1)));
    assert_eq!(config[0].association_token, eim.token);
    assert_eq!(
        es10_iot::retrieve_euicc_package_results(&mut ch)
            .unwrap()
            .len(),
        1
    );
    // The replayed package is still refused after the restart.
    let req = eim.package_with(eid, 1, psmos(vec![disable(1)]), &eim.key);
    let (_, result) = es10_iot::load_euicc_package(&mut ch, &req).unwrap();
    assert!(matches!(
        result,
        EuiccPackageResult::EuiccPackageErrorSigned(_)
    ));
    drop(ch);
    let json = std::fs::read_to_string(&path).unwrap();
    assert!(json.contains("\"iot\""));
    // A consumer state file (no `iot`) still loads, as a consumer eUICC.
    let mut state: serde_json::Value = serde_json::from_str(&json).unwrap();
    state.as_object_mut().unwrap().remove("iot");
    let old: rsp_euicc::EuiccState = serde_json::from_value(state).unwrap();
    assert!(old.iot.is_none());
    let _ = std::fs::remove_file(&path);
}

#[test]
fn consumer_mode_does_not_answer_iot_functions() {
    let (_, identity) = new_smdp(Curve::NistP256);
    let isdr = Isdr::new(identity, EuiccConfig::default(), StateStore::memory()).unwrap();
    let mut card = Card::new(isdr);
    let mut ch = ApduChannel::open(&mut card).unwrap();
    assert!(matches!(
        es10_iot::get_eim_configuration_data(&mut ch, None),
        Err(LpaError::StatusWord { sw: 0x6A88, .. })
    ));
}

/// configureImmediateEnable by PSMO, then a download: ImmediateEnable enables the new
/// Profile, once (SGP.32 §5.9.x).
#[test]
fn immediate_enable_after_a_download() {
    let (smdp, identity) = new_smdp(Curve::BrainpoolP256r1);
    let mut isdr = Isdr::new(identity, EuiccConfig::default(), StateStore::memory()).unwrap();
    isdr.enable_iot_mode().unwrap();
    let mut card = Card::new(isdr);
    let eid = eid(&card);
    let mut eim = TestEim::new(EIM_ID, Curve::BrainpoolP256r1);
    {
        let mut ch = ApduChannel::open(&mut card).unwrap();
        associate(&mut ch, &mut eim, false);
        let req = eim.package(
            eid,
            psmos(vec![Psmo::ConfigureImmediateEnable(
                ConfigureImmediateEnable {
                    immediate_enable_flag: Some(()),
                    default_smdp_address: Some("smdp.example".into()),
                    ..Default::default()
                },
            )]),
        );
        es10_iot::load_euicc_package(&mut ch, &req).unwrap();
        // No installation yet: no session context.
        assert!(matches!(
            es10_iot::immediate_enable(&mut ch, false),
            Err(LpaError::EuiccRefused { code: 4, .. })
        ));
    }
    let cla = open_isdr(&mut card);
    download(&mut card, cla, &smdp, &Download::new(3, 1200));
    let mut ch = ApduChannel::open(&mut card).unwrap();
    es10_iot::immediate_enable(&mut ch, false).unwrap();
    assert_eq!(profile_states(&mut ch, &mut eim, eid), vec![true]);
    assert!(es10_iot::immediate_enable(&mut ch, false).is_err());
}

/// updateEim (a new key and counter), then the SGP.32 memory reset of the eIM
/// configuration: AddInitialEim is accepted again afterwards.
#[test]
fn update_eim_and_memory_reset() {
    let mut card = iot_card(Curve::NistP256, 1, StateStore::memory());
    let eid = eid(&card);
    let mut ch = ApduChannel::open(&mut card).unwrap();
    let key = euicc_key(&mut ch);
    let mut eim = TestEim::new(EIM_ID, Curve::NistP256);
    associate(&mut ch, &mut eim, false);

    // The eIM rolls its key over and sets its counter to 100.
    let rolled = TestEim::new(EIM_ID, Curve::NistP256);
    let mut update = rolled.config(false);
    update.counter_value = Some(Integer::from(100));
    update.eim_fqdn = None;
    let unknown = EimConfigurationData {
        eim_id: "nobody".into(),
        ..Default::default()
    };
    let req = eim.package(
        eid,
        ecos(vec![
            Eco::UpdateEim(Box::new(update)),
            Eco::UpdateEim(Box::new(unknown)),
        ]),
    );
    let (_, result) = es10_iot::load_euicc_package(&mut ch, &req).unwrap();
    assert_eq!(
        results(&verified(&key, &result, &req)),
        vec![
            EuiccResultData::UpdateEimResult(UpdateEimResult::OK),
            EuiccResultData::UpdateEimResult(UpdateEimResult::EIM_NOT_FOUND),
        ]
    );
    let config = es10_iot::get_eim_configuration_data(&mut ch, Some(EIM_ID)).unwrap();
    assert_eq!(config[0].counter_value, Some(Integer::from(100)));
    // The FQDN was not in the update: kept.
    assert_eq!(config[0].eim_fqdn.as_deref(), Some("eim.example.org:8443"));
    // The old key no longer works; the new one does, above the new counter.
    let req = eim.package_with(eid, 101, psmos(vec![enable(1)]), &eim.key);
    let (_, result) = es10_iot::load_euicc_package(&mut ch, &req).unwrap();
    assert!(matches!(
        result,
        EuiccPackageResult::EuiccPackageErrorUnsigned(_)
    ));
    eim.key = rolled.key;
    let req = eim.package_with(eid, 100, psmos(vec![enable(1)]), &eim.key);
    let (_, result) = es10_iot::load_euicc_package(&mut ch, &req).unwrap();
    assert_eq!(
        verified_error(&key, &result, &req),
        EuiccPackageErrorCode::REPLAY_ERROR
    );
    let req = eim.package_with(eid, 101, psmos(vec![enable(1)]), &eim.key);
    let (_, result) = es10_iot::load_euicc_package(&mut ch, &req).unwrap();
    verified(&key, &result, &req);

    // GetCerts for a CI the eUICC does not know.
    assert!(matches!(
        es10_iot::get_certs(&mut ch, Some(vec![0x55; 20].into())),
        Err(LpaError::EuiccRefused { code: 1, .. })
    ));

    // Reset of the eIM configuration data and the operational Profiles.
    let r = es10_iot::memory_reset(
        &mut ch,
        &[
            Sgp32ResetOptions::RESET_EIM_CONFIG_DATA,
            Sgp32ResetOptions::DELETE_OPERATIONAL_PROFILES,
        ],
    )
    .unwrap();
    assert_eq!(r.reset_result, ResetResult::OK);
    assert_eq!(r.reset_eim_result, Some(ResetEimResult::OK));
    assert!(
        es10_iot::get_eim_configuration_data(&mut ch, None)
            .unwrap()
            .is_empty()
    );
    let mut fresh = TestEim::new("eim-new", Curve::NistP256);
    associate(&mut ch, &mut fresh, false);
    assert!(profile_states(&mut ch, &mut fresh, eid).is_empty());
}
