//! The SM-SR service against the virtual M2M eUICC, over SQLite and PostgreSQL, with the
//! SMS leg in memory (each packet handed to the card as the modem would; the SMPP path is
//! tested in rsp): enable a second Profile (PoR, REFRESH, attach, notification, its
//! confirmation), fallback after a failed attach, disable, delete, audit; POL2 and
//! ownership refusals before anything is sent; a replayed PoR and a replayed notification
//! change nothing; retries, expiry and out-of-attempts.
#![allow(clippy::unwrap_used)]

use std::sync::Mutex;

use rsp_codec::json::Iccid;
use rsp_codec::sgp02::{Aid, SmsAddress};
use rsp_m2m_euicc::M2mEuicc;
use rsp_ota::{CipherAlgorithm, IntegrityAlgorithm, Kic, Kid};
use rsp_smsr::notice::{Destination, Notice, ProfileChange};
use rsp_smsr::service::{Es5Sms, Incoming, Request, SmsrConfig, SmsrService};
use rsp_smsr::store::SmsrStore;
use rsp_smsr::{
    Eis, EuiccKeys, Function, OperationStatus, Pol2, ProfileState, Requester, RetryPolicy,
    Scp80Algorithm, Scp80Keyset, SmsrError,
};
use rsp_storage::{DataKey, SqlStore};
use rsp_testkit::fs::TempDir;
use rsp_testkit::m2m::{self, LabProfile};
use rsp_testkit::pg::PgDb;

const TDES: [u8; 16] = [0x31; 16];
const AES_KIC: [u8; 16] = [0x2b; 16];
const AES_KID: [u8; 32] = [0x7e; 32];
const MSISDN_1: &str = "447700900001";
const MSISDN_2: &str = "447700900002";
const ICCID_1: &str = "8944000000000000011";
const ICCID_2: &str = "8944000000000000022";
const ICCID_3: &str = "8944000000000000033";
const MSISDN_3: &str = "447700900003";

const PROFILES: [LabProfile<'static>; 2] = [
    LabProfile {
        index: 0,
        iccid: ICCID_1,
        msisdn: MSISDN_1,
        enabled: true,
        fallback: true,
    },
    LabProfile {
        index: 1,
        iccid: ICCID_2,
        msisdn: MSISDN_2,
        enabled: false,
        fallback: false,
    },
];

fn aid(i: u8) -> Aid {
    Aid::isd_p(i).unwrap()
}

/// A card with Profile 1 enabled (fallback) and Profile 2 disabled, both ISD-R keysets.
fn card() -> M2mEuicc {
    let keysets = vec![
        rsp_m2m_euicc::Scp80Keyset::new(
            1,
            Kic::new(CipherAlgorithm::TdesCbc2Key, 1),
            &TDES,
            Kid::new(IntegrityAlgorithm::TdesCbcMac2Key, 1),
            &TDES,
        )
        .unwrap(),
        rsp_m2m_euicc::Scp80Keyset::new(
            2,
            Kic::new(CipherAlgorithm::AesCbc, 2),
            &AES_KIC,
            Kid::new(IntegrityAlgorithm::AesCmac, 2),
            &AES_KID,
        )
        .unwrap(),
    ];
    m2m::card(keysets, &PROFILES)
}

fn eis(eid: &str) -> Eis {
    m2m::eis(eid, "mno1", &PROFILES)
}

fn keys() -> EuiccKeys {
    EuiccKeys {
        scp80: vec![
            Scp80Keyset::new(1, Scp80Algorithm::Tdes, &TDES, &TDES).unwrap(),
            Scp80Keyset::new(2, Scp80Algorithm::Aes, &AES_KIC, &AES_KID).unwrap(),
        ],
        scp81: None,
    }
}

/// The SMS leg: packets the SM-SR sent, by MSISDN.
#[derive(Default)]
struct Outbox(Mutex<Vec<(String, Vec<u8>)>>);

impl Es5Sms for Outbox {
    async fn send(&self, msisdn: &str, packet: &[u8]) -> Result<(), String> {
        self.0
            .lock()
            .unwrap()
            .push((msisdn.to_owned(), packet.to_vec()));
        Ok(())
    }
}

impl Outbox {
    fn take(&self) -> Vec<(String, Vec<u8>)> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

struct Lab<S> {
    smsr: SmsrService<S>,
    card: M2mEuicc,
    sms: Outbox,
    now: i64,
}

impl<S: SmsrStore> Lab<S> {
    fn msisdn(&self) -> String {
        let p = self.card.state().enabled().unwrap();
        p.msisdn.as_ref().unwrap().digits.clone()
    }

    /// One sender step; every packet reaches the card, every PoR goes back to the SM-SR.
    async fn round(&mut self) -> Vec<Incoming> {
        self.smsr.send_due(&self.sms, self.now, 10).await.unwrap();
        let mut seen = Vec::new();
        for (to, packet) in self.sms.take() {
            assert_eq!(to, self.msisdn(), "sent to the enabled Profile's MSISDN");
            let received = self.card.receive_command_packet(&packet).unwrap();
            assert!(received.accepted, "card refused: {:?}", received.status);
            let por = received.por.expect("PoR asked for");
            let from = self.msisdn();
            seen.push(
                self.smsr
                    .receive_sms(&from, &por.user_data(), self.now)
                    .await
                    .unwrap(),
            );
        }
        seen
    }

    /// The modem after a REFRESH: attach result, then the notifications as MO SMS.
    async fn attach(&mut self, ok: bool) -> Vec<Incoming> {
        assert!(self.card.take_refresh().unwrap(), "REFRESH expected");
        self.card.network_attach(ok).unwrap();
        if !ok {
            assert!(self.card.take_refresh().unwrap());
        }
        self.notifications().await
    }

    async fn notifications(&mut self) -> Vec<Incoming> {
        let mut seen = Vec::new();
        for packet in self.card.pending_notifications().unwrap() {
            let from = self.msisdn();
            let ud = rsp_ota::sms::wrap_command(&packet);
            seen.push(self.smsr.receive_sms(&from, &ud, self.now).await.unwrap());
        }
        seen
    }

    async fn state_of(&self, eid: &str, iccid: &str) -> Option<ProfileState> {
        let e = self.smsr.get_eis(&Requester::SmSr, eid).await.unwrap();
        e.profile(&Iccid::parse(iccid).unwrap()).map(|p| p.state)
    }

    async fn request(&self, eid: &str, function: Function) -> Result<i64, SmsrError> {
        self.smsr
            .request(
                Request {
                    requester: Requester::Operator("mno1".into()),
                    eid: eid.into(),
                    function,
                    transport: None,
                    message_id: Some("m1".into()),
                    reply_to: None,
                    validity: Some(600),
                },
                self.now,
            )
            .await
            .map(|op| op.id)
    }
}

fn iccid(s: &str) -> Iccid {
    Iccid::parse(s).unwrap()
}

async fn scenario<S: SmsrStore>(store: S) {
    let card = card();
    let eid = card.eid().to_owned();
    let smsr = SmsrService::new(
        store,
        SmsrConfig {
            smsr_id: "smsr.test".into(),
            retry: RetryPolicy {
                first: 30,
                max: 60,
                max_attempts: 3,
            },
            ..SmsrConfig::default()
        },
    );
    smsr.register_eis(eis(&eid), &keys(), 1).await.unwrap();
    assert_eq!(
        smsr.register_eis(eis(&eid), &keys(), 1).await,
        Err(SmsrError::EidInUse)
    );
    let mut lab = Lab {
        smsr,
        card,
        sms: Outbox::default(),
        now: 100,
    };

    // The eUICC declares itself at first power-on; the SM-SR confirms.
    assert!(lab.card.power_on().unwrap());
    let n = lab.notifications().await;
    assert!(matches!(n[..], [Incoming::Notification { new: true, .. }]));
    lab.round().await; // the confirmation
    assert!(
        lab.card.pending_notifications().unwrap().is_empty(),
        "confirmed"
    );

    // Refusals before anything is sent: not the owner, wrong state, POL2, fallback.
    let other = lab
        .smsr
        .request(
            Request::new(
                Requester::Operator("mno2".into()),
                eid.clone(),
                Function::EnableProfile {
                    iccid: iccid(ICCID_2),
                },
            ),
            lab.now,
        )
        .await;
    assert_eq!(other.unwrap_err(), SmsrError::NotOwner);
    assert_eq!(
        lab.request(
            &eid,
            Function::EnableProfile {
                iccid: iccid(ICCID_1)
            }
        )
        .await,
        Err(SmsrError::InvalidTransition("enabled", "disabled"))
    );
    assert!(matches!(
        lab.request(
            &eid,
            Function::DeleteProfile {
                iccid: iccid(ICCID_1)
            }
        )
        .await,
        Err(SmsrError::InvalidTransition(..))
    ));
    assert!(matches!(
        lab.request(
            &eid,
            Function::DisableProfile {
                iccid: iccid(ICCID_1)
            }
        )
        .await,
        Err(SmsrError::Fallback(_))
    ));
    assert!(lab.sms.take().is_empty());

    // Enable Profile 2 over SMS: PoR → Done, EIS updated; REFRESH, attach, notification
    // from the new MSISDN, confirmed.
    let id = lab
        .request(
            &eid,
            Function::EnableProfile {
                iccid: iccid(ICCID_2),
            },
        )
        .await
        .unwrap();
    let done = lab.round().await;
    assert!(
        matches!(&done[..], [Incoming::Por(op)] if op.id == id && op.status == OperationStatus::Done)
    );
    assert_eq!(
        lab.state_of(&eid, ICCID_2).await,
        Some(ProfileState::Enabled)
    );
    assert_eq!(
        lab.state_of(&eid, ICCID_1).await,
        Some(ProfileState::Disabled)
    );
    let n = lab.attach(true).await;
    assert!(matches!(n[..], [Incoming::Notification { new: true, .. }]));
    assert_eq!(lab.msisdn(), MSISDN_2);
    lab.round().await;
    assert!(lab.card.pending_notifications().unwrap().is_empty());

    // A replayed MO notification is refused (counter), nothing changes.
    // (The card re-seals with a fresh counter; a byte-identical replay is refused.)
    lab.card.declare().unwrap();
    let packets = lab.card.pending_notifications().unwrap();
    let ud = rsp_ota::sms::wrap_command(&packets[0]);
    lab.smsr.receive_sms(MSISDN_2, &ud, lab.now).await.unwrap();
    assert!(matches!(
        lab.smsr.receive_sms(MSISDN_2, &ud, lab.now).await,
        Err(SmsrError::Security(_))
    ));
    lab.round().await;

    // POL2: the enabled Profile may not be disabled → enabling another is refused.
    lab.smsr
        .update_local(
            &Requester::Operator("mno1".into()),
            &eid,
            &rsp_smsr::LocalFunction::UpdatePolicyRules {
                iccid: iccid(ICCID_2),
                pol2: Pol2 {
                    disable_not_allowed: true,
                    ..Pol2::default()
                },
            },
        )
        .await
        .unwrap();
    assert!(matches!(
        lab.request(
            &eid,
            Function::EnableProfile {
                iccid: iccid(ICCID_1)
            }
        )
        .await,
        Err(SmsrError::Pol2(_))
    ));
    lab.smsr
        .update_local(
            &Requester::Operator("mno1".into()),
            &eid,
            &rsp_smsr::LocalFunction::UpdatePolicyRules {
                iccid: iccid(ICCID_2),
                pol2: Pol2::default(),
            },
        )
        .await
        .unwrap();

    // Disable Profile 2: the fallback Profile 1 is enabled.
    let id = lab
        .request(
            &eid,
            Function::DisableProfile {
                iccid: iccid(ICCID_2),
            },
        )
        .await
        .unwrap();
    let done = lab.round().await;
    assert!(
        matches!(&done[..], [Incoming::Por(op)] if op.id == id && op.status == OperationStatus::Done)
    );
    assert_eq!(
        lab.state_of(&eid, ICCID_1).await,
        Some(ProfileState::Enabled)
    );
    let _ = lab.attach(true).await;
    lab.round().await;

    // Fallback after a failed attach: enable Profile 2, attach fails, the card enables
    // the fallback Profile 1 and says so; the EIS follows the notification.
    lab.request(
        &eid,
        Function::EnableProfile {
            iccid: iccid(ICCID_2),
        },
    )
    .await
    .unwrap();
    lab.round().await;
    assert_eq!(
        lab.state_of(&eid, ICCID_2).await,
        Some(ProfileState::Enabled)
    );
    let n = lab.attach(false).await;
    assert!(matches!(n[..], [Incoming::Notification { new: true, .. }]));
    assert_eq!(
        lab.state_of(&eid, ICCID_1).await,
        Some(ProfileState::Enabled)
    );
    assert_eq!(
        lab.state_of(&eid, ICCID_2).await,
        Some(ProfileState::Disabled)
    );
    lab.round().await;

    // Audit: the card's view and its free memory land in the EIS.
    let id = lab.request(&eid, Function::AuditEis).await.unwrap();
    lab.round().await;
    let op = lab.smsr.operation(id).await.unwrap().unwrap();
    assert_eq!(op.status, OperationStatus::Done, "{op:?}");
    let e = lab.smsr.get_eis(&Requester::SmSr, &eid).await.unwrap();
    assert!(e.last_audit_date.is_some() && e.remaining_memory.is_some());

    // ES3 from an SM-DP: CreateISDP (the SM-SR picks the AID), the Profile "downloaded"
    // (the card's test hook stands in for ES8 until part 2), SendData to the new ISD-P,
    // ProfileDownloadCompleted, UpdateConnectivityParameters.
    let smdp = Requester::SmDp("smdp1".into());
    let create = lab
        .smsr
        .request(
            Request::new(
                smdp.clone(),
                eid.clone(),
                Function::CreateIsdp {
                    iccid: iccid(ICCID_3),
                    mno_id: "mno1".into(),
                    required_memory: 2048,
                    isd_p_aid: None,
                },
            ),
            lab.now,
        )
        .await
        .unwrap();
    let Function::CreateIsdp {
        isd_p_aid: Some(new_aid),
        ..
    } = &create.function
    else {
        panic!("AID chosen at queue time: {create:?}");
    };
    assert_eq!(new_aid, &aid(2).to_hex());
    lab.round().await;
    assert_eq!(
        lab.state_of(&eid, ICCID_3).await,
        Some(ProfileState::Created)
    );
    lab.card
        .install_profile(&aid(2), ICCID_3, Some(SmsAddress::international(MSISDN_3)))
        .unwrap();
    let send = lab
        .smsr
        .request(
            Request::new(
                smdp.clone(),
                eid.clone(),
                Function::SendData {
                    iccid: iccid(ICCID_3),
                    apdus: vec!["80CA00FE00".into()],
                },
            ),
            lab.now,
        )
        .await
        .unwrap();
    lab.round().await;
    let send = lab.smsr.operation(send.id).await.unwrap().unwrap();
    assert_eq!(send.status, OperationStatus::Done, "{send:?}");
    assert!(
        send.outcome.unwrap().response.is_some(),
        "the ISD-P's answer goes back"
    );
    // Another Operator's SM-DP may not touch it; the Operator may not complete a download.
    assert_eq!(
        lab.smsr
            .update_local(
                &Requester::Operator("mno1".into()),
                &eid,
                &rsp_smsr::LocalFunction::ProfileDownloadCompleted {
                    iccid: iccid(ICCID_3),
                    profile_type: None,
                    subscription_address: Default::default(),
                    pol2: Pol2::default(),
                },
            )
            .await
            .map(drop),
        Ok(()),
        "the Operator owns it too (mnoId)"
    );
    assert_eq!(
        lab.state_of(&eid, ICCID_3).await,
        Some(ProfileState::Disabled)
    );
    let upd = lab
        .smsr
        .request(
            Request::new(
                smdp.clone(),
                eid.clone(),
                Function::UpdateConnectivityParameters {
                    iccid: iccid(ICCID_3),
                    msisdn: MSISDN_3.into(),
                },
            ),
            lab.now,
        )
        .await
        .unwrap();
    lab.round().await;
    assert_eq!(
        lab.smsr.operation(upd.id).await.unwrap().unwrap().status,
        OperationStatus::Done
    );
    let e = lab.smsr.get_eis(&Requester::SmSr, &eid).await.unwrap();
    let p3 = e.profile(&iccid(ICCID_3)).unwrap();
    assert_eq!(p3.subscription_address.msisdn.as_deref(), Some(MSISDN_3));
    assert_eq!(p3.smdp_id.as_deref(), Some("smdp1"));
    // A second CreateISDP for the same ICCID is refused before anything is sent.
    let again = lab
        .smsr
        .request(
            Request::new(
                smdp.clone(),
                eid.clone(),
                Function::CreateIsdp {
                    iccid: iccid(ICCID_3),
                    mno_id: "mno1".into(),
                    required_memory: 0,
                    isd_p_aid: None,
                },
            ),
            lab.now,
        )
        .await;
    assert_eq!(again.unwrap_err(), SmsrError::ProfileInUse);

    // A PoR replayed after its operation ended changes nothing.
    lab.request(
        &eid,
        Function::SetFallbackAttribute {
            iccid: iccid(ICCID_2),
        },
    )
    .await
    .unwrap();
    lab.smsr.send_due(&lab.sms, lab.now, 10).await.unwrap();
    let (_, packet) = lab.sms.take().pop().unwrap();
    let por = lab
        .card
        .receive_command_packet(&packet)
        .unwrap()
        .por
        .unwrap();
    // A PoR with one byte changed does not verify: refused, the operation still waits.
    let mut tampered = por.user_data();
    let last = tampered.len() - 1;
    tampered[last] ^= 0x01;
    assert!(matches!(
        lab.smsr.receive_sms(MSISDN_1, &tampered, lab.now).await,
        Err(SmsrError::Security(_))
    ));
    // The same command packet replayed to the card is refused there (counter not higher),
    // and its PoR says so.
    let replay = lab.card.receive_command_packet(&packet).unwrap();
    assert!(!replay.accepted);
    assert_eq!(replay.status, rsp_ota::PorStatus::CntrLow);
    assert!(matches!(
        lab.smsr
            .receive_sms(MSISDN_1, &por.user_data(), lab.now)
            .await
            .unwrap(),
        Incoming::Por(_)
    ));
    assert_eq!(
        lab.smsr
            .receive_sms(MSISDN_1, &por.user_data(), lab.now)
            .await
            .unwrap(),
        Incoming::LatePor
    );
    let e = lab.smsr.get_eis(&Requester::SmSr, &eid).await.unwrap();
    assert!(e.profile(&iccid(ICCID_2)).unwrap().fallback_attribute);

    // Delete Profile... 1 is enabled now and 2 has the fallback: move it back, then delete 2
    // after making 1 the fallback.
    lab.request(
        &eid,
        Function::SetFallbackAttribute {
            iccid: iccid(ICCID_1),
        },
    )
    .await
    .unwrap();
    lab.round().await;
    let id = lab
        .request(
            &eid,
            Function::DeleteProfile {
                iccid: iccid(ICCID_2),
            },
        )
        .await
        .unwrap();
    lab.round().await;
    assert_eq!(
        lab.smsr.operation(id).await.unwrap().unwrap().status,
        OperationStatus::Done
    );
    assert_eq!(lab.state_of(&eid, ICCID_2).await, None);

    // Retries and the end of attempts: a card that never answers.
    let id = lab.request(&eid, Function::AuditEis).await.unwrap();
    for step in 0..3 {
        let r = lab.smsr.send_due(&lab.sms, lab.now, 10).await.unwrap();
        assert_eq!(r.sent, 1, "attempt {step}");
        assert_eq!(
            lab.smsr.send_due(&lab.sms, lab.now, 10).await.unwrap().sent,
            0,
            "not before its retry time"
        );
        lab.now += 60;
    }
    let r = lab.smsr.send_due(&lab.sms, lab.now, 10).await.unwrap();
    assert_eq!(r.failed, 1);
    let op = lab.smsr.operation(id).await.unwrap().unwrap();
    assert_eq!(op.status, OperationStatus::Failed);
    assert_eq!(
        op.outcome
            .unwrap()
            .status_code_data
            .unwrap()
            .reason_code
            .as_str(),
        "5.1"
    );
    // Three packets went out, each with its own counter; a late PoR of any ends nothing.
    let sent = lab.sms.take();
    assert_eq!(sent.len(), 3);
    let por = lab
        .card
        .receive_command_packet(&sent[2].1)
        .unwrap()
        .por
        .unwrap();
    assert_eq!(
        lab.smsr
            .receive_sms(MSISDN_1, &por.user_data(), lab.now)
            .await
            .unwrap(),
        Incoming::LatePor
    );

    // Notices queued with the changes: the fallback (reported by the eUICC, nobody asked)
    // to the Operator for both Profiles; the SM-DP's operations' Profile changes to the
    // Operator; nothing for changes the Operator asked itself.
    let notices = lab
        .smsr
        .store()
        .claim_notices(i64::MAX / 2, 1000, 60)
        .await
        .unwrap();
    let changes: Vec<(String, ProfileChange)> = notices
        .iter()
        .filter_map(|n| match (&n.item.destination, &n.item.notice) {
            (Destination::Operator(m), Notice::ProfileChanged { iccid, change, .. })
                if m == "mno1" =>
            {
                Some((iccid.clone(), *change))
            }
            _ => None,
        })
        .collect();
    assert!(
        changes.contains(&(ICCID_1.to_owned(), ProfileChange::Enabled)),
        "{changes:?}"
    );
    assert!(
        changes.contains(&(ICCID_2.to_owned(), ProfileChange::Disabled)),
        "{changes:?}"
    );
    assert!(
        !changes.contains(&(ICCID_2.to_owned(), ProfileChange::Deleted)),
        "asked by mno1"
    );

    // A request with a ReplyTo gets its result as a notice.
    let id = lab
        .smsr
        .request(
            Request {
                requester: Requester::Operator("mno1".into()),
                eid: eid.clone(),
                function: Function::AuditEis,
                transport: None,
                message_id: Some("urn:uuid:1".into()),
                reply_to: Some("https://mno1.example/es4".into()),
                validity: Some(600),
            },
            lab.now,
        )
        .await
        .unwrap()
        .id;
    lab.round().await;
    let notices = lab
        .smsr
        .store()
        .claim_notices(i64::MAX / 2, 1000, 60)
        .await
        .unwrap();
    assert!(notices.iter().any(|n| matches!(
        (&n.item.destination, &n.item.notice),
        (Destination::ReplyTo(url), Notice::OperationResult { operation })
            if url == "https://mno1.example/es4" && operation.id == id
                && operation.status == OperationStatus::Done
                && operation.message_id.as_deref() == Some("urn:uuid:1")
    )));

    // Expiry: validity 600 s passes before the first attempt.
    let id = lab.request(&eid, Function::AuditEis).await.unwrap();
    lab.now += 601;
    lab.smsr.send_due(&lab.sms, lab.now, 10).await.unwrap();
    let op = lab.smsr.operation(id).await.unwrap().unwrap();
    assert_eq!(op.status, OperationStatus::Failed);
    assert_eq!(
        op.outcome
            .unwrap()
            .status_code_data
            .unwrap()
            .reason_code
            .as_str(),
        "4.10"
    );
}

fn key() -> DataKey {
    DataKey::new("k1", &[7; 32]).unwrap()
}

#[tokio::test]
async fn sms_loop_on_sqlite() {
    let dir = TempDir::new();
    let store = SqlStore::open_sqlite(&dir.0.join("smsr.sqlite"), key())
        .await
        .unwrap();
    store.migrate().await.unwrap();
    scenario(store).await;
}

#[tokio::test]
async fn sms_loop_on_postgres() {
    let Some(pg) = PgDb::create().await else {
        return;
    };
    scenario(pg.store(key()).await).await;
}

/// Over HTTPS a script for an ISD-P names it in `X-Admin-Targeted-Application` (over SMS its
/// TAR does): SendData and UpdateConnectivityParameters target the Profile's ISD-P, the
/// ISD-R's own functions target nothing; an unknown Profile is refused.
#[test]
fn isd_p_scripts_name_their_target() {
    use rsp_smsr::es5;
    let eid = card().eid().to_owned();
    let eis = m2m::eis(&eid, "mno", &PROFILES);
    let iccid = Iccid::parse(ICCID_2).unwrap();
    let send = Function::SendData {
        iccid: iccid.clone(),
        apdus: vec!["80CA00FE00".into()],
    };
    let connectivity = Function::UpdateConnectivityParameters {
        iccid: iccid.clone(),
        msisdn: MSISDN_3.into(),
    };
    for f in [&send, &connectivity] {
        assert_eq!(es5::target_aid(&eis, f), Ok(Some(Aid::isd_p(1).unwrap())));
        assert_eq!(
            es5::script(&eis, f).unwrap().tar,
            Aid::isd_p(1).unwrap().tar().unwrap()
        );
    }
    assert_eq!(
        es5::target_aid(&eis, &Function::EnableProfile { iccid }),
        Ok(None)
    );
    let unknown = Function::SendData {
        iccid: Iccid::parse(ICCID_3).unwrap(),
        apdus: vec![],
    };
    assert_eq!(
        es5::target_aid(&eis, &unknown),
        Err(SmsrError::UnknownProfile)
    );
}
