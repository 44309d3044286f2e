//! SMS-PP DOWNLOAD envelopes (TS 31.111 / TS 102 223) carrying SMS-DELIVER TPDUs
//! (TS 23.040) with single and concatenated command packets (TS 31.115).

mod common;

use common::{SmSr, isdp, state};
use rsp_codec::sgp02::consts::ISD_R_TAR;
use rsp_codec::sgp02::{CreateIsdp, GetData, GetStatus, SmsAddress};
use rsp_m2m_euicc::sms_pp::{command_user_data, sms_deliver_tpdu, sms_pp_envelope};
use rsp_m2m_euicc::{M2mError, M2mEuicc, PorVia};
use rsp_ota::{RemoteFormat, ResponsePacket};

fn smsr_address() -> SmsAddress {
    SmsAddress::international("447700900123")
}

fn envelope(ud: &[u8]) -> Vec<u8> {
    let tpdu = sms_deliver_tpdu(&smsr_address(), ud).expect("tpdu");
    sms_pp_envelope(&tpdu, Some(&SmsAddress::international("447785016005"))).expect("env")
}

#[test]
fn single_sms_with_por_in_the_deliver_report() {
    let mut euicc = M2mEuicc::new(state());
    let mut smsr = SmSr::tdes();
    smsr.spi.por_in_submit = false;
    let packet = smsr.packet(ISD_R_TAR, &[GetData::Eid.to_apdu()]);
    let uds = command_user_data(&packet, 1).expect("ud");
    assert_eq!(uds.len(), 1);
    assert_eq!(&uds[0][..3], &[0x02, 0x70, 0x00]);
    let env = envelope(&uds[0]);
    // Hand-checked framing: D1 L 82 02 83 81 86 07 91… 8B L 44 0C 91 ….
    assert_eq!(env[0], 0xD1);
    assert_eq!(&env[2..6], &[0x82, 0x02, 0x83, 0x81]);
    let tpdu_at = 6 + 2 + 7;
    assert_eq!(env[tpdu_at], 0x8B);
    let tpdu = &env[tpdu_at + 2..];
    assert_eq!(&tpdu[..3], &[0x44, 0x0C, 0x91]);
    assert_eq!(&tpdu[9..11], &[0x7F, 0xF6]);

    let out = euicc.sms_pp_download(&env).expect("download");
    assert_eq!(out.originator, smsr_address());
    let received = out.received.expect("complete");
    assert!(received.accepted);
    let por = received.por.as_ref().expect("PoR");
    assert_eq!(por.via, PorVia::DeliverReport);
    // The envelope response data is the PoR's TP-UD.
    let body = rsp_ota::sms::unwrap_response(&out.response_data).expect("UDH 71");
    assert_eq!(body, &por.packet[..]);
    assert_eq!(ResponsePacket::parse(body).expect("PoR").tar, ISD_R_TAR);
    let opened = smsr.open_por(por);
    let script = rsp_ota::ResponseScript::decode(&opened.data, RemoteFormat::Compact).expect("s");
    let r = &script.responses[0];
    assert_eq!(&r[r.len() - 2..], &[0x90, 0x00]);

    // SMS-SUBMIT PoR: nothing in the envelope response.
    smsr.spi.por_in_submit = true;
    let packet = smsr.packet(ISD_R_TAR, &[GetData::Eid.to_apdu()]);
    let out = euicc
        .sms_pp_download(&envelope(&command_user_data(&packet, 2).expect("ud")[0]))
        .expect("download");
    assert!(out.response_data.is_empty());
    assert_eq!(
        out.received.and_then(|r| r.por).map(|p| p.via),
        Some(PorVia::SmsSubmit)
    );
}

#[test]
fn concatenated_sms_out_of_order() {
    let mut euicc = M2mEuicc::new(state());
    let mut smsr = SmSr::aes();
    let apdus: Vec<Vec<u8>> = (0..4)
        .map(|i| {
            CreateIsdp::new(isdp(i), Some(0x100), Some(0x10))
                .to_apdu()
                .expect("apdu")
        })
        .chain([GetStatus::default().to_apdu().expect("apdu")])
        .collect();
    let packet = smsr.packet(ISD_R_TAR, &apdus);
    assert!(packet.len() > 140 * 2);
    let uds = command_user_data(&packet, 0x42).expect("ud");
    assert!(uds.len() >= 3);
    assert!(uds.iter().all(|u| u.len() <= 140));
    // First segment: concatenation element then the CPI.
    assert_eq!(
        &uds[0][..8],
        &[7, 0x00, 3, 0x42, uds.len() as u8, 1, 0x70, 0x00]
    );

    // Last, then the others; complete only with the final one.
    let order: Vec<usize> = (1..uds.len()).rev().chain([0]).collect();
    let mut last = None;
    for (n, i) in order.iter().enumerate() {
        let out = euicc.sms_pp_download(&envelope(&uds[*i])).expect("segment");
        if n + 1 < order.len() {
            assert!(out.received.is_none(), "incomplete after {n}");
        } else {
            last = out.received;
        }
    }
    let received = last.expect("complete");
    assert!(received.accepted);
    assert_eq!(euicc.state().isdps.len(), 4);
    let (_, script) = received.response.expect("script");
    assert_eq!(script.executed, 5);
    // The same segments again: a replay, refused.
    for ud in &uds {
        if let Some(r) = euicc
            .sms_pp_download(&envelope(ud))
            .expect("segment")
            .received
        {
            assert!(!r.accepted);
        }
    }
}

#[test]
fn malformed_envelopes_are_refused() {
    let mut euicc = M2mEuicc::new(state());
    let mut smsr = SmSr::tdes();
    let packet = smsr.packet(ISD_R_TAR, &[GetData::Eid.to_apdu()]);
    let ud = command_user_data(&packet, 1).expect("ud").remove(0);
    let good_tpdu = sms_deliver_tpdu(&smsr_address(), &ud).expect("tpdu");
    let refuse = |euicc: &mut M2mEuicc, env: &[u8]| {
        assert!(
            matches!(euicc.sms_pp_download(env), Err(M2mError::SmsPp(_))),
            "{env:02X?}"
        );
    };
    // Not D1.
    let mut env = sms_pp_envelope(&good_tpdu, None).expect("env");
    env[0] = 0xD2;
    refuse(&mut euicc, &env);
    // Wrong device identities.
    let mut env = sms_pp_envelope(&good_tpdu, None).expect("env");
    env[4] = 0x82;
    refuse(&mut euicc, &env);
    // TP-PID, TP-DCS, TP-UDHI, TP-MTI, TP-UDL.
    for (at, value) in [
        (9usize, 0x00u8),
        (10, 0x04),
        (0, 0x04),
        (0, 0x45),
        (18, 0x10),
    ] {
        let mut tpdu = good_tpdu.clone();
        tpdu[at] = value;
        refuse(&mut euicc, &sms_pp_envelope(&tpdu, None).expect("env"));
    }
    // No IEI 70 in the UDH.
    let mut no_cpi = ud.clone();
    no_cpi[1] = 0x71;
    refuse(
        &mut euicc,
        &sms_pp_envelope(
            &sms_deliver_tpdu(&smsr_address(), &no_cpi).expect("t"),
            None,
        )
        .expect("e"),
    );
    // Truncated envelope.
    let env = sms_pp_envelope(&good_tpdu, None).expect("env");
    refuse(&mut euicc, &env[..env.len() - 1]);
    // The good one still works after all this (and nothing was executed before).
    assert_eq!(euicc.state().keysets[0].counter.to_u64(), 0);
    let out = euicc
        .sms_pp_download(&sms_pp_envelope(&good_tpdu, None).expect("env"))
        .expect("download");
    assert!(out.received.expect("complete").accepted);
}

#[test]
fn independent_vectors_from_pysim() {
    // pySim tests/unittests/test_sms.py, Test_DELIVER: a well-formed SMS-DELIVER (PID 7F,
    // DCS F6, alphanumeric TP-OA, UDL 8) without a user data header. Parsed through to
    // the end, then refused for the missing TP-UDHI only.
    let tpdu = hex::decode("0408D0E5759A0E7FF6907090307513000824010101BB400101").expect("hex");
    let mut euicc = M2mEuicc::new(state());
    match euicc.sms_pp_download(&sms_pp_envelope(&tpdu, None).expect("env")) {
        Err(M2mError::SmsPp(what)) => assert_eq!(what, "TP-UDHI not set"),
        other => panic!("{other:?}"),
    }
    // pySim Test_ConcatenatedSmsReassembler ground truth (observed on a real card): the
    // first segment of a two-part PoR starts `07 00 03 01 02 01 71 00`.
    let por = vec![0xA5; 200];
    let uds = rsp_m2m_euicc::sms_pp::response_user_data(&por, 1).expect("segments");
    assert_eq!(uds.len(), 2);
    assert_eq!(hex::encode(&uds[0][..8]), "0700030102017100");
    assert_eq!(hex::encode(&uds[1][..6]), "050003010202");
}

#[test]
fn reserved_concatenation_elements_are_ignored_and_reference_spaces_apart() {
    let mut euicc = M2mEuicc::new(state());
    let mut smsr = SmSr::tdes();
    // TS 23.040 §9.2.3.24.1: sequence 3 of 2 → the element is ignored, the SMS is whole.
    let packet = smsr.packet(ISD_R_TAR, &[GetData::Eid.to_apdu()]);
    let mut ud = vec![7, 0x00, 3, 9, 2, 3, 0x70, 0x00];
    ud.extend_from_slice(&packet);
    let out = euicc.sms_pp_download(&envelope(&ud)).expect("download");
    assert!(out.received.expect("whole").accepted);

    // An 8-bit and a 16-bit reference 1 are two messages.
    let apdus: Vec<Vec<u8>> = (0..3)
        .map(|i| {
            CreateIsdp::new(isdp(i), None, None)
                .to_apdu()
                .expect("apdu")
        })
        .collect();
    let a = smsr.packet(ISD_R_TAR, &apdus);
    let a_uds = command_user_data(&a, 1).expect("ud");
    assert_eq!(a_uds.len(), 2);
    let wide = |ud: &[u8]| -> Vec<u8> {
        // 8-bit `00 03 01 n i` → 16-bit `08 04 00 01 n i`.
        let mut out = vec![ud[0] + 1, 0x08, 4, 0x00, ud[3], ud[4], ud[5]];
        out.extend_from_slice(&ud[6..]);
        out
    };
    assert!(
        euicc
            .sms_pp_download(&envelope(&wide(&a_uds[0])))
            .expect("1")
            .received
            .is_none()
    );
    // The 8-bit second segment does not complete the 16-bit message.
    assert!(
        euicc
            .sms_pp_download(&envelope(&a_uds[1]))
            .expect("2")
            .received
            .is_none()
    );
    let done = euicc
        .sms_pp_download(&envelope(&wide(&a_uds[1])))
        .expect("3");
    assert!(done.received.expect("complete").accepted);
    assert_eq!(euicc.state().isdps.len(), 3);
}
