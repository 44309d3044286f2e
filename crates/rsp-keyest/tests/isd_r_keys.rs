//! The ISD-R's key establishment of the SM-SR change (SGP.02 §3.7): the new SM-SR's
//! scripts (CERT.SR.ECDSA, then the signed key agreement) delivered to the ISD-R by the
//! old SM-SR in SCP80 command packets under its own keyset, as ES5 carries the ES7
//! AuthenticateSMSR / CreateAdditionalKeySet; then the new SM-SR's own command packet
//! under the new keyset, and its PoR; the same as ES7 messages (through their XML) that
//! the current SM-SR relays with `Es7Request::isd_r_apdu`. Refusals: a CERT.SR.ECDSA from another CI, a
//! CERT.DP.ECDSA, a key agreement without a certificate.

mod common;

use common::{Lab, lab, run, sw};
use rsp_codec::sgp02::consts::{self as c, ISD_R_TAR};
use rsp_codec::sgp02::es8::KeySetCertificate;
use rsp_codec::sgp02::{GetData, StatusWord};
use rsp_codec::ws::Request;
use rsp_codec::ws::es7::{Es7Message, Es7Request, Es7Response};
use rsp_codec::ws::xml;
use rsp_crypto::Curve;
use rsp_keyest::KeyEstError;
use rsp_keyest::establish::{IsdrKeyset, KeyEstablishment, Target};
use rsp_m2m_euicc::M2mEuicc;
use rsp_ota::response::PorSecurity;
use rsp_ota::{
    CipherAlgorithm, CommandHeader, CommandScript, Counter, CounterMode, Integrity,
    IntegrityAlgorithm, Kic, Kid, PorMode, PorStatus, RemoteFormat, ResponsePacket, ResponseScript,
    SecurityKeys, Spi,
};

const NEW_VERSION: u8 = 2;
const INITIAL_COUNTER: u64 = 7;

fn spi() -> Spi {
    Spi {
        integrity: Integrity::Cc,
        ciphering: true,
        counter: CounterMode::Higher,
        por: PorMode::Always,
        por_integrity: Integrity::Cc,
        por_ciphering: true,
        por_in_submit: true,
    }
}

/// One SM-SR's view of one ISD-R keyset.
struct Sender {
    kic: Kic,
    kid: Kid,
    keys: SecurityKeys,
    counter: u64,
}

impl Sender {
    /// The old SM-SR: the lab card's keyset version 1.
    fn old() -> Self {
        Sender {
            kic: Kic::new(CipherAlgorithm::AesCbc, 1),
            kid: Kid::new(IntegrityAlgorithm::AesCmac, 1),
            keys: SecurityKeys::new(&[0x11; 16], &[0x22; 16]),
            counter: 0,
        }
    }

    /// The new SM-SR, with the keyset the key establishment gave it.
    fn new(k: &IsdrKeyset) -> Self {
        Sender {
            kic: k.kic(),
            kid: k.kid(),
            keys: k.security_keys(),
            counter: k.initial_counter(),
        }
    }

    fn packet(&mut self, apdus: Vec<Vec<u8>>) -> Vec<u8> {
        self.counter += 1;
        let data = CommandScript {
            format: RemoteFormat::Expanded,
            apdus,
        }
        .encode()
        .expect("script");
        CommandHeader {
            spi: spi(),
            kic: self.kic,
            kid: self.kid,
            tar: ISD_R_TAR,
            counter: Counter::from_u64(self.counter).expect("counter"),
        }
        .seal(&self.keys, &data)
        .expect("seal")
    }

    /// Sends `apdus` to the ISD-R; the R-APDUs from the PoR, opened with this keyset.
    fn send(&mut self, card: &mut M2mEuicc, apdus: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
        let packet = self.packet(apdus);
        let received = card.receive_command_packet(&packet).expect("receive");
        assert!(received.accepted, "{:?}", received.status);
        let por = received.por.as_ref().expect("PoR");
        let opened = ResponsePacket::parse(&por.packet)
            .expect("PoR parse")
            .open(
                &PorSecurity {
                    spi: spi(),
                    kic: self.kic,
                    kid: self.kid,
                },
                &self.keys,
            )
            .expect("PoR opens");
        assert_eq!(opened.status, PorStatus::Ok);
        assert_eq!(opened.counter.to_u64(), self.counter);
        ResponseScript::decode(&opened.data, RemoteFormat::Expanded)
            .expect("response script")
            .responses
    }
}

/// The new SM-SR's key establishment, its scripts relayed by the old SM-SR.
fn establish(lab: &mut Lab, old: &mut Sender, key_version: u8) -> Result<IsdrKeyset, KeyEstError> {
    let ke = KeyEstablishment::for_isd_r(
        lab.ecasd_key.clone(),
        key_version,
        b"SMSR-NEW",
        INITIAL_COUNTER,
    )?;
    assert_eq!(
        ke.target(),
        Target::IsdR {
            initial_counter: INITIAL_COUNTER
        }
    );
    // ES7 AuthenticateSMSR → ES5 to the ISD-R.
    let r = old.send(&mut lab.card, ke.certificate_script(&lab.smsr)?);
    // ES7 CreateAdditionalKeySet → ES5 to the ISD-R.
    let (second, waiting) = ke.on_challenge(&r, &lab.smsr)?;
    let r = old.send(&mut lab.card, second);
    waiting.on_isd_r_receipt(&r)
}

fn eid_of(rapdus: &[Vec<u8>]) -> Vec<u8> {
    let (data, sw) = StatusWord::split_response(rapdus.last().expect("R-APDU")).expect("sw");
    assert_eq!(sw, StatusWord::OK);
    data.to_vec()
}

#[test]
fn new_keyset_is_established_and_secures_the_new_smsr_packets() {
    for curve in [Curve::NistP256, Curve::BrainpoolP256r1] {
        let mut lab = lab(curve);
        let mut old = Sender::old();
        let keyset = establish(&mut lab, &mut old, NEW_VERSION).expect("establish");
        assert_eq!(keyset.version(), NEW_VERSION);

        let state = lab.card.state();
        let versions: Vec<u8> = state.keysets.iter().map(|k| k.version).collect();
        assert_eq!(versions, vec![1, NEW_VERSION]);
        let stored = &state.keysets[1];
        assert_eq!(stored.counter.to_u64(), INITIAL_COUNTER);
        assert_eq!(stored.kic_key.expose(), keyset.kic_key());
        assert_eq!(stored.kid_key.expose(), keyset.kid_key());
        assert_eq!(stored.kic, keyset.kic().0);
        assert_eq!(stored.kid, keyset.kid().0);

        // The new SM-SR's command packet, its PoR opened with the new keys.
        let mut new = Sender::new(&keyset);
        let eid = eid_of(&new.send(&mut lab.card, vec![GetData::Eid.to_apdu()]));
        assert_eq!(eid.len(), 2 + 16);
        assert_eq!(
            lab.card.state().keysets[1].counter.to_u64(),
            INITIAL_COUNTER + 1
        );

        // A counter not above the initial one is a replay.
        let mut replay = Sender::new(&keyset);
        replay.counter = INITIAL_COUNTER - 1;
        let p = replay.packet(vec![GetData::Eid.to_apdu()]);
        let r = lab.card.receive_command_packet(&p).expect("receive");
        assert!(!r.accepted);
        assert_eq!(r.status, PorStatus::CntrLow);

        // The old SM-SR's keyset still works until the change completes.
        assert_eq!(
            eid_of(&old.send(&mut lab.card, vec![GetData::Eid.to_apdu()])),
            eid
        );
    }
}

#[test]
fn the_same_key_version_is_replaced() {
    let mut lab = lab(Curve::NistP256);
    let mut old = Sender::old();
    let first = establish(&mut lab, &mut old, NEW_VERSION).expect("first");
    let second = establish(&mut lab, &mut old, NEW_VERSION).expect("second");
    assert_ne!(first.kic_key(), second.kic_key());
    assert_eq!(lab.card.state().keysets.len(), 2);
    // Only the second keyset opens.
    let mut stale = Sender::new(&first);
    let p = stale.packet(vec![GetData::Eid.to_apdu()]);
    let r = lab.card.receive_command_packet(&p).expect("receive");
    assert!(!r.accepted);
    let mut new = Sender::new(&second);
    eid_of(&new.send(&mut lab.card, vec![GetData::Eid.to_apdu()]));
}

#[test]
fn a_certificate_from_another_ci_is_refused() {
    let mut lab = lab(Curve::BrainpoolP256r1);
    let before = lab.card.state().keysets.len();
    let ke =
        KeyEstablishment::for_isd_r(lab.ecasd_key.clone(), NEW_VERSION, b"SMSR", 1).expect("ke");
    let r = run(
        &mut lab.card,
        None,
        ke.certificate_script(&lab.foreign_smsr).expect("script"),
    );
    assert_eq!(sw(&r), StatusWord::SECURITY_STATUS);
    assert!(matches!(
        ke.clone().on_challenge(&r, &lab.foreign_smsr),
        Err(KeyEstError::Refused(StatusWord::SECURITY_STATUS))
    ));
    assert_eq!(lab.card.state().keysets.len(), before);

    // With the right certificate it goes through, once.
    let r = run(
        &mut lab.card,
        None,
        ke.certificate_script(&lab.smsr).expect("script"),
    );
    assert_eq!(sw(&r), StatusWord::OK);
    let (second, _) = ke.clone().on_challenge(&r, &lab.smsr).expect("second");
    let r = run(&mut lab.card, None, second.clone());
    assert_eq!(sw(&r), StatusWord::OK);
    // The challenge was spent: the same key agreement again is refused.
    let r = run(&mut lab.card, None, second);
    assert_eq!(sw(&r), StatusWord::CONDITIONS_NOT_SATISFIED);
}

#[test]
fn an_smdp_certificate_is_refused_by_the_isd_r() {
    let mut lab = lab(Curve::NistP256);
    // The host refuses to send it…
    let ke =
        KeyEstablishment::for_isd_r(lab.ecasd_key.clone(), NEW_VERSION, b"SMSR", 1).expect("ke");
    assert!(matches!(
        ke.certificate_script(&lab.credential),
        Err(KeyEstError::Credential(_))
    ));
    // …and so does the ISD-R.
    let apdu = KeySetCertificate(lab.credential.certificate().clone())
        .to_apdu()
        .expect("apdu");
    let r = run(&mut lab.card, None, vec![apdu]);
    assert_eq!(sw(&r), StatusWord::INCORRECT_DATA);
    // An ISD-P key establishment does not take CERT.SR.ECDSA either.
    let isdp = KeyEstablishment::new(lab.ecasd_key.clone(), 0x30, b"SMDP").expect("ke");
    assert!(isdp.certificate_script(&lab.smsr).is_err());
    let apdu = KeySetCertificate(lab.smsr.certificate().clone())
        .to_apdu()
        .expect("apdu");
    let r = run(&mut lab.card, Some(&common::isdp()), vec![apdu]);
    assert_eq!(sw(&r), StatusWord::INCORRECT_DATA);
}

#[test]
fn arguments_are_checked() {
    let lab = lab(Curve::NistP256);
    let k = || lab.ecasd_key.clone();
    assert!(KeyEstablishment::for_isd_r(k(), 0, b"SMSR", 1).is_err());
    assert!(KeyEstablishment::for_isd_r(k(), 16, b"SMSR", 1).is_err());
    assert!(KeyEstablishment::for_isd_r(k(), 1, b"", 1).is_err());
    assert!(KeyEstablishment::for_isd_r(k(), 1, b"SMSR", 1 << 40).is_err());
    assert_eq!(
        KeyEstablishment::new(k(), 0x30, b"SMDP")
            .expect("ke")
            .target(),
        Target::IsdP
    );
    assert_eq!(
        Target::IsdR { initial_counter: 0 }.key_usage(),
        c::KEY_USAGE_SCP80_KEYSET
    );
}

/// An ES7 message through its XML text and back, as it would cross HTTPS.
fn over_the_wire(m: Es7Message) -> Es7Message {
    let text = xml::write(&m.to_element());
    let back = Es7Message::from_element(&xml::parse(&text).expect("xml")).expect("es7");
    assert_eq!(back, m);
    back
}

fn call(body: Es7Request) -> Es7Message {
    Es7Message::Request(Request {
        function_call_identifier: "call-1".into(),
        validity_period: Some(600),
        body,
    })
}

/// The current SM-SR's side of one ES7 call: the relay to the ISD-R under its own
/// keyset, the ISD-R's answer as the ES7 response.
fn relay(lab: &mut Lab, old: &mut Sender, m: Es7Message) -> Es7Response {
    let Es7Message::Request(req) = over_the_wire(m) else {
        panic!("a request")
    };
    let apdu = req.body.isd_r_apdu().expect("relay").expect("an APDU");
    let rapdus = old.send(&mut lab.card, vec![apdu]);
    let (data, sw) = StatusWord::split_response(&rapdus[0]).expect("sw");
    assert_eq!(sw, StatusWord::OK);
    let response = Es7Response::from_isd_r_answer(req.body.function(), data).expect("ES7 response");
    match over_the_wire(Es7Message::Response(response)) {
        Es7Message::Response(r) => r,
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_es7_exchange_relayed_by_the_current_smsr() {
    for curve in [Curve::NistP256, Curve::BrainpoolP256r1] {
        let mut lab = lab(curve);
        let mut old = Sender::old();
        let eid = lab.card.state().eid.clone();
        let ke = KeyEstablishment::for_isd_r(lab.ecasd_key.clone(), 3, b"SMSR2", 1).expect("ke");
        // ES7 AuthenticateSMSR.
        let request = call(ke.authenticate_smsr(&eid, &lab.smsr).expect("auth"));
        let auth = relay(&mut lab, &mut old, request);
        let challenge = auth.random_challenge.expect("RandomChallenge");
        // ES7 CreateAdditionalKeySet.
        let (create, waiting) = ke
            .create_additional_key_set(&eid, &challenge, &lab.smsr)
            .expect("create");
        let done = relay(&mut lab, &mut old, call(create));
        let keyset = waiting
            .on_es7_receipt(
                done.derivation_random.as_deref(),
                done.receipt.as_deref().expect("Receipt"),
            )
            .expect("receipt verifies");
        assert_eq!(keyset.version(), 3);
        // The new SM-SR reaches the ISD-R with its own keyset.
        let mut new = Sender::new(&keyset);
        let rapdus = new.send(&mut lab.card, vec![GetData::Eid.to_apdu()]);
        assert_eq!(eid_of(&rapdus)[2..], hex_eid(&eid));
    }
}

#[test]
fn es7_calls_are_for_the_isd_r_only() {
    let lab = lab(Curve::NistP256);
    let ke = KeyEstablishment::new(lab.ecasd_key.clone(), 0x30, b"SMDP").expect("ke");
    assert!(ke.authenticate_smsr("89", &lab.credential).is_err());
    assert!(
        ke.create_additional_key_set("89", &[0; 16], &lab.credential)
            .is_err()
    );
    // A tampered receipt does not verify.
    let ke = KeyEstablishment::for_isd_r(lab.ecasd_key.clone(), 3, b"SMSR2", 1).expect("ke");
    let (_, waiting) = ke
        .create_additional_key_set("89", &[0; 16], &lab.smsr)
        .expect("create");
    assert!(matches!(
        waiting.on_es7_receipt(Some(&[0; 16]), &[0; 16]),
        Err(KeyEstError::Receipt)
    ));
}

fn hex_eid(eid: &str) -> Vec<u8> {
    (0..eid.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&eid[i..i + 2], 16).expect("hex"))
        .collect()
}
