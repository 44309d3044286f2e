//! The APDU layer: channels, SELECT, STORE DATA chaining, GET RESPONSE, status words.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use rsp_codec::asn1::*;
use rsp_crypto::Curve;
use rsp_euicc::{Card, EuiccConfig, Isdr, StateStore};

fn card() -> Card {
    let (_, identity) = new_smdp(Curve::NistP256);
    Card::new(Isdr::new(identity, EuiccConfig::default(), StateStore::memory()).unwrap())
}

fn sw(r: &[u8]) -> u16 {
    u16::from_be_bytes([r[r.len() - 2], r[r.len() - 1]])
}

#[test]
fn status_words() {
    let mut c = card();
    assert_eq!(c.transmit(&[0x80, 0x99, 0, 0]), vec![0x6D, 0x00]);
    assert_eq!(c.transmit(&[0xFF, 0xE2, 0x91, 0, 1, 0]), vec![0x6E, 0x00]);
    assert_eq!(c.transmit(&[0x80, 0xE2]), vec![0x67, 0x00]);
    // Lc says 5 but 2 bytes follow.
    assert_eq!(
        sw(&c.transmit(&[0x80, 0xE2, 0x91, 0x00, 0x05, 1, 2])),
        0x6700
    );
    // STORE DATA before SELECT of the ISD-R.
    assert_eq!(
        sw(&c.transmit(&[0x80, 0xE2, 0x91, 0x00, 0x03, 0xBF, 0x2E, 0x00])),
        0x6985
    );
    // Channel 2 not open.
    assert_eq!(
        sw(&c.transmit(&[0x82, 0xE2, 0x91, 0x00, 0x03, 0xBF, 0x2E, 0x00])),
        0x6881
    );
    // Unknown AID.
    assert_eq!(
        sw(&c.transmit(&[0x00, 0xA4, 0x04, 0x00, 0x03, 0xA0, 0x00, 0x01, 0x00])),
        0x6A82
    );
    // SELECT on the basic channel, then an unknown ES10 tag and a malformed request.
    let mut select = vec![0x00, 0xA4, 0x04, 0x0C, 0x10];
    select.extend_from_slice(&rsp_euicc::ISDR_AID);
    assert_eq!(c.transmit(&select), vec![0x90, 0x00]);
    assert_eq!(
        sw(&c.transmit(&[0x80, 0xE2, 0x91, 0x00, 0x03, 0xBF, 0x7F, 0x00])),
        0x6A88
    );
    assert_eq!(
        sw(&c.transmit(&[0x80, 0xE2, 0x91, 0x00, 0x04, 0xBF, 0x2E, 0x01, 0x00])),
        0x6A80
    );
    // Wrong block number.
    assert_eq!(
        sw(&c.transmit(&[0x80, 0xE2, 0x91, 0x05, 0x03, 0xBF, 0x2E, 0x00])),
        0x6A86
    );
    // Nothing pending for GET RESPONSE.
    assert_eq!(sw(&c.transmit(&[0x00, 0xC0, 0x00, 0x00, 0x00])), 0x6985);
    // A BPP segment without a download session.
    assert_eq!(
        sw(&c.transmit(&[0x80, 0xE2, 0x91, 0x00, 0x03, 0x86, 0x01, 0x00])),
        0x6A80
    );
}

#[test]
fn channels_and_chaining() {
    let mut c = card();
    let cla = open_isdr(&mut c);
    assert_eq!(cla, 0x81);
    let cla2 = open_isdr(&mut c);
    assert_eq!(cla2, 0x82);
    // GetEID over chained blocks of 2 bytes.
    let req = encode(&GetEuiccDataRequest {
        tag_list: Octet1::new([0x5A]),
        ext: Extensions::default(),
    })
    .unwrap();
    let (data, status) = store_data_mss(&mut c, cla2, &req, 2);
    assert_eq!(status, 0x9000);
    let eid: GetEuiccDataResponse = decode(&data).unwrap();
    assert_eq!(eid.eid_value.as_bytes(), c.isdr().identity().eid());
    assert_eq!(hex::encode(eid.eid_value.as_bytes()), rsp_pki::DEFAULT_EID);
    // Close channel 2: it is gone.
    assert_eq!(c.transmit(&[0x00, 0x70, 0x80, 0x02]), vec![0x90, 0x00]);
    assert_eq!(
        sw(&c.transmit(&[0x82, 0xE2, 0x91, 0x00, 0x03, 0xBF, 0x2E, 0x00])),
        0x6881
    );
    // EUICCInfo2 through the usual helper (GET RESPONSE if it is long).
    let info2 = es10(
        &mut c,
        cla,
        &encode(&GetEuiccInfo2Request::default()).unwrap(),
    );
    let info2: EUICCInfo2 = decode(&info2).unwrap();
    assert_eq!(info2.svn.as_bytes(), &[2, 5, 0]);
    // A short response comes back directly.
    let challenge_req = encode(&GetEuiccChallengeRequest::default()).unwrap();
    let mut apdu = vec![cla, 0xE2, 0x91, 0x00, challenge_req.len() as u8];
    apdu.extend_from_slice(&challenge_req);
    let r = c.transmit(&apdu);
    assert_eq!(sw(&r), 0x9000);
    assert_eq!(r.len(), 2 + 1 + 2 + 16 + 2); // BF2E 12 { 80 10 challenge } 9000
}

#[test]
fn long_response_uses_get_response() {
    // An AuthenticateServer response (with two certificates) is well over 256 bytes.
    let (smdp, identity) = new_smdp(Curve::BrainpoolP256r1);
    let mut c2 =
        Card::new(Isdr::new(identity, EuiccConfig::default(), StateStore::memory()).unwrap());
    let cla2 = open_isdr(&mut c2);
    let ch = challenge(&mut c2, cla2);
    let req = smdp.authenticate_server_request(&[1; 8], ch, None);
    let mut first = true;
    let mut apdus = Vec::new();
    for (i, block) in req.chunks(255).enumerate() {
        let last = (i + 1) * 255 >= req.len();
        let mut a = vec![
            cla2,
            0xE2,
            if last { 0x91 } else { 0x11 },
            i as u8,
            block.len() as u8,
        ];
        a.extend_from_slice(block);
        apdus.push(a);
    }
    let mut r = Vec::new();
    for a in &apdus {
        r = c2.transmit(a);
    }
    assert_eq!(r.len(), 2);
    assert_eq!(r[0], 0x61, "{r:02X?}");
    // Read in chunks of 100 bytes.
    let mut data = Vec::new();
    loop {
        let g = c2.transmit(&[cla2 & 0x03, 0xC0, 0x00, 0x00, 100]);
        data.extend_from_slice(&g[..g.len() - 2]);
        if first {
            assert_eq!(g.len(), 102);
            first = false;
        }
        if sw(&g) == 0x9000 {
            break;
        }
        assert_eq!(g[g.len() - 2], 0x61);
    }
    smdp.check_authenticate_response(&data);
}
