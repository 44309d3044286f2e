//! The card side of SCP81: the push recorded by the ISD-R (and only there), and
//! expanded scripts run by AID without SCP80 keys or counters.

mod common;

use common::{SmSr, TempDir, isdp};
use rsp_codec::sgp02::consts::ISD_R_TAR;
use rsp_codec::sgp02::{AdminSessionTrigger, Aid, GetData, GetStatus, IsdStatusList, StatusWord};
use rsp_m2m_euicc::M2mEuicc;
use rsp_m2m_euicc::scp81::{CardExecutor, ScriptOutcome};
use rsp_ota::{CommandScript, RemoteFormat, ResponseScript};
use rsp_scp81::agent::ScriptExecutor;
use rsp_scp81::headers::ScriptStatus;

const TRIGGER: [u8; 12] = [
    0x81, 0x0A, 0x83, 0x08, 0x89, 0x06, 0x8A, 0x04, b'h', b':', b'4', b'3',
];

fn expanded(apdus: Vec<Vec<u8>>) -> Vec<u8> {
    CommandScript {
        format: RemoteFormat::Expanded,
        apdus,
    }
    .encode()
    .expect("script")
}

#[test]
fn push_is_recorded_and_taken_once() {
    let dir = TempDir::new("scp81");
    let path = dir.0.join("card.json");
    let mut card = M2mEuicc::create(&path, common::state()).expect("card");
    let mut smsr = SmSr::aes();
    let push = AdminSessionTrigger {
        params: TRIGGER.to_vec(),
    }
    .to_apdu()
    .expect("push");
    let (_, sw) = smsr.one(&mut card, ISD_R_TAR, push.clone());
    assert_eq!(sw, StatusWord::OK);
    // Saved with the state: a restarted modem still opens the session.
    let mut reloaded = M2mEuicc::load(&path).expect("load");
    assert_eq!(
        reloaded.take_admin_session().expect("take"),
        Some(TRIGGER.to_vec())
    );
    assert_eq!(reloaded.take_admin_session().expect("take"), None);
    assert_eq!(
        M2mEuicc::load(&path)
            .expect("load")
            .take_admin_session()
            .expect("t"),
        None,
        "cleared in the file too"
    );
    // Not a command of the ECASD.
    let (_, sw) = smsr.one(&mut card, rsp_codec::sgp02::consts::ECASD_TAR, push);
    assert_eq!(sw, StatusWord::INS_NOT_SUPPORTED);
}

#[test]
fn scripts_run_by_aid() {
    let mut card = M2mEuicc::new(common::state());
    let counters: Vec<_> = card.state().keysets.iter().map(|k| k.counter).collect();
    let script = expanded(vec![GetStatus::default().to_apdu().expect("apdu")]);
    let ScriptOutcome::Executed(r) = card.execute_admin_script(None, &script).expect("run") else {
        panic!("not executed");
    };
    let r = ResponseScript::decode(&r, RemoteFormat::Expanded).expect("response");
    assert_eq!(r.executed, 1);
    let (data, sw) = StatusWord::split_response(&r.responses[0]).expect("sw");
    assert_eq!(sw, StatusWord::OK);
    assert_eq!(IsdStatusList::parse(data).expect("list").0.len(), 2);
    // No SCP80 counter moves.
    let after: Vec<_> = card.state().keysets.iter().map(|k| k.counter).collect();
    assert_eq!(counters, after);

    // The ECASD by AID answers its certificate; through the executor too.
    let cert = expanded(vec![GetData::EuiccCertificate.to_apdu()]);
    let mut exec = CardExecutor::new(&mut card);
    let (status, r) = exec.execute(Aid::ecasd().as_bytes(), &cert);
    assert_eq!(status, ScriptStatus::Ok);
    let r = ResponseScript::decode(&r, RemoteFormat::Expanded).expect("response");
    assert!(r.responses[0].ends_with(&[0x90, 0x00]));
    // The ISD-R's command on the ECASD: executed, with the refusal in the script.
    let (status, r) = exec.execute(Aid::ecasd().as_bytes(), &script);
    assert_eq!(status, ScriptStatus::Ok);
    let r = ResponseScript::decode(&r, RemoteFormat::Expanded).expect("response");
    assert!(r.responses[0].ends_with(&StatusWord::INS_NOT_SUPPORTED.to_bytes()));
    // An unknown AID, a compact script.
    assert_eq!(
        exec.execute(isdp(5).as_bytes(), &script).0,
        ScriptStatus::UnknownApplication
    );
    let compact = GetStatus::default().to_apdu().expect("apdu");
    assert_eq!(
        exec.execute(&[], &compact).0,
        ScriptStatus::ScriptFormatError
    );
}
