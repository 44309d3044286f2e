//! The SM-SR change's transitions on both sides, and the refusals.

use super::*;

const EID: &str = "89049032123451234512345678901235";
const NOW: i64 = 1_000_000;

fn eis() -> Eis {
    serde_json::from_value(serde_json::json!({
        "eid": EID,
        "eumId": "EUM",
        "smsrId": "SMSR-1",
        "profiles": [{
            "iccid": "8949000000000000001",
            "isdPAid": "A0000005591010FFFFFFFF8900001100",
            "mnoId": "MNO-1",
            "state": "ENABLED",
            "fallbackAttribute": true
        }]
    }))
    .unwrap_or_else(|e| panic!("EIS: {e}"))
}

fn keys() -> EuiccKeys {
    let k = scp80_keyset(1, &[0x11; 16], &[0x22; 16]).unwrap_or_else(|e| panic!("{e}"));
    new_keys(k)
}

fn prepared() -> SmsrChange {
    SmsrChange::prepare(EID, "SMSR-1", "MNO-1", "SMSR-2", false, NOW, 600)
        .unwrap_or_else(|e| panic!("prepare: {e}"))
}

fn requested() -> SmsrChange {
    SmsrChange::request(
        &eis(),
        &Requester::Operator("MNO-1".into()),
        "SMSR-2",
        "SMSR-1",
        NOW,
        600,
    )
    .unwrap_or_else(|e| panic!("request: {e}"))
}

#[test]
fn the_new_smsr_goes_from_prepared_to_completed() {
    let c = prepared();
    assert!(!c.eis_usable());
    c.admit("SMSR-1", EID, Es7Call::HandoverEuicc, NOW + 1)
        .unwrap_or_else(|e| panic!("{e}"));
    let c = c
        .handover_received("https://smsr1/gsma/ES7", "urn:m1")
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!c.eis_usable());
    let c = c.keyset_established(2).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        c.stage,
        Stage::KeysetEstablished {
            reply_to: "https://smsr1/gsma/ES7".into(),
            key_version: 2
        }
    );
    let c = c.response_sent().unwrap_or_else(|e| panic!("{e}"));
    // The notification completes the change even after the validity period.
    c.admit("SMSR-1", EID, Es7Call::ChangeNotification, NOW + 10_000)
        .unwrap_or_else(|e| panic!("{e}"));
    let c = c.completed().unwrap_or_else(|e| panic!("{e}"));
    assert!(c.eis_usable());
    assert!(c.stage.is_final());
    // Round trip through the stored form.
    let text = serde_json::to_string(&c).unwrap_or_default();
    let back: SmsrChange = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back, c);
}

#[test]
fn the_current_smsr_goes_from_requested_to_completed() {
    let c = requested();
    assert!(c.eis_usable());
    let c = c.handover_sent("urn:m1").unwrap_or_else(|e| panic!("{e}"));
    assert!(!c.eis_usable());
    c.admit("SMSR-2", EID, Es7Call::KeyEstablishment, NOW + 1)
        .unwrap_or_else(|e| panic!("{e}"));
    c.admit("SMSR-2", EID, Es7Call::HandoverResponse, NOW + 1)
        .unwrap_or_else(|e| panic!("{e}"));
    let c = c
        .handover_answered(Some("urn:m1"), true, &keys())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        c.stage,
        Stage::Releasing {
            old_key_versions: vec![1],
            operation: None
        }
    );
    let c = c.deletion_queued(7).unwrap_or_else(|e| panic!("{e}"));
    assert!(c.clone().deletion_queued(8).is_err(), "queued once");
    assert!(
        c.clone().failed("late").is_err(),
        "past the handover it cannot fail"
    );
    assert_eq!(c.completed().map(|c| c.stage), Ok(Stage::Completed));
    let c = requested()
        .handover_sent("urn:m1")
        .and_then(|c| c.handover_answered(Some("urn:m1"), true, &keys()))
        .and_then(SmsrChange::completed)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.stage, Stage::Completed);
}

#[test]
fn a_failed_handover_keeps_the_euicc() {
    let c = requested()
        .handover_sent("urn:m1")
        .and_then(|c| c.handover_answered(Some("urn:m1"), false, &keys()))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(c.stage, Stage::Failed { .. }));
    assert!(c.eis_usable());
    // A response that relates to another message is not this change's.
    let sent = requested()
        .handover_sent("urn:m1")
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(
        sent.clone()
            .handover_answered(Some("urn:m2"), true, &keys()),
        Err(SmsrError::NotAllowed(_))
    ));
    assert!(sent.handover_answered(None, true, &keys()).is_err());
}

#[test]
fn es7_calls_outside_the_change_are_refused() {
    let c = prepared();
    let refused = |r: Result<(), SmsrError>| matches!(r, Err(SmsrError::NotAllowed(_)));
    // Another SM-SR, another eUICC, a call of another step or of the other side.
    assert!(refused(c.admit("SMSR-3", EID, Es7Call::HandoverEuicc, NOW)));
    assert!(refused(c.admit(
        "SMSR-1",
        "89049032123451234512345678901236",
        Es7Call::HandoverEuicc,
        NOW
    )));
    assert!(refused(c.admit(
        "SMSR-1",
        EID,
        Es7Call::ChangeNotification,
        NOW
    )));
    assert!(refused(c.admit(
        "SMSR-1",
        EID,
        Es7Call::KeyEstablishment,
        NOW
    )));
    // Out of time.
    assert_eq!(
        c.admit("SMSR-1", EID, Es7Call::HandoverEuicc, NOW + 600),
        Err(SmsrError::Expired)
    );
    // SM-SR1 relays only once it has handed the eUICC over.
    let r = requested();
    assert!(refused(r.admit(
        "SMSR-2",
        EID,
        Es7Call::KeyEstablishment,
        NOW
    )));
    // Transitions of the other side.
    assert!(prepared().handover_sent("urn:m1").is_err());
    assert!(
        requested()
            .handover_received("https://x", "urn:m1")
            .is_err()
    );
    assert!(prepared().keyset_established(2).is_err());
    assert!(prepared().completed().is_err());
    assert!(
        requested()
            .handover_answered(Some("urn:m1"), true, &keys())
            .is_err(),
        "no answer before the handover"
    );
}

#[test]
fn who_may_start_a_change() {
    let other = Requester::Operator("MNO-2".into());
    assert!(matches!(
        SmsrChange::request(&eis(), &other, "SMSR-2", "SMSR-1", NOW, 600),
        Err(SmsrError::NotAllowed(_))
    ));
    assert!(matches!(
        SmsrChange::request(
            &eis(),
            &Requester::SmDp("DP".into()),
            "SMSR-2",
            "SMSR-1",
            NOW,
            600
        ),
        Err(SmsrError::NotAllowed(_))
    ));
    let mno = Requester::Operator("MNO-1".into());
    assert!(matches!(
        SmsrChange::request(&eis(), &mno, "SMSR-1", "SMSR-1", NOW, 600),
        Err(SmsrError::Invalid(_))
    ));
    assert_eq!(
        SmsrChange::prepare(EID, "SMSR-1", "MNO-1", "SMSR-2", true, NOW, 600),
        Err(SmsrError::EidInUse)
    );
    assert!(matches!(
        SmsrChange::prepare(EID, "SMSR-2", "MNO-1", "SMSR-2", false, NOW, 600),
        Err(SmsrError::Invalid(_))
    ));
    assert!(matches!(
        SmsrChange::prepare(EID, "SMSR-1", "MNO-1", "SMSR-2", false, NOW, 0),
        Err(SmsrError::Invalid(_))
    ));
}

#[test]
fn the_current_smsr_deletes_its_psk_after_its_keysets() {
    let mut keys = keys();
    keys.scp81 =
        Some(crate::keys::Scp81Psk::new("psk-1", &[0x33; 16]).unwrap_or_else(|e| panic!("{e}")));
    let c = requested()
        .handover_sent("urn:m1")
        .unwrap_or_else(|e| panic!("{e}"))
        .handover_answered(Some("urn:m1"), true, &keys)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        c.stage,
        Stage::Releasing {
            old_key_versions: vec![1, rsp_codec::sgp02::consts::SCP81_PSK_KEY_VERSION],
            operation: None
        }
    );
}
