//! IoT mode (SGP.32 v1.2 §5.9), device-side functions and state: rollback, fallback and
//! emergency, immediate enable, updateEim and memory reset, the state file.
#![allow(clippy::unwrap_used)]

mod common;

use common::iot::*;
use common::*;
use rasn::types::Integer;
use rsp_codec::asn1::Extensions;
use rsp_codec::asn1::sgp32::*;
use rsp_crypto::Curve;
use rsp_euicc::{Card, EuiccConfig, Isdr, StateStore};
use rsp_lpa::{ApduChannel, LpaError, es10_iot};

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
