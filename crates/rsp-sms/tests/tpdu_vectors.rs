//! TS 23.040 TPDUs and addresses against independent vectors: osmocom pySim's
//! `tests/test_sms.py` (vectors only), plus hand-derived layouts of our own.

use rsp_sms::address::{Address, AddressValue, Timestamp, TypeOfAddress};
use rsp_sms::tpdu::{
    DCS_CLASS2_8BIT, PID_SIM_DATA_DOWNLOAD, SmsDeliver, SmsSubmit, TpduError, UserData,
    ValidityPeriod,
};
use rsp_sms::udh;

fn h(s: &str) -> Vec<u8> {
    hex::decode(s).expect("hex")
}

#[test]
fn pysim_address_vectors() {
    let b = h("0480214399");
    let (a, rest) = Address::parse(&b).expect("parse");
    assert_eq!(rest, [0x99]);
    assert_eq!(a.toa, TypeOfAddress::UNKNOWN);
    assert_eq!(a.as_digits(), Some("1234"));
    assert_eq!(a.to_bytes().expect("enc"), h("04802143"));

    let b = h("038021f399");
    let (a, rest) = Address::parse(&b).expect("parse odd");
    assert_eq!(rest, [0x99]);
    assert_eq!(a.as_digits(), Some("123"));
    assert_eq!(a.to_bytes().expect("enc"), h("038021f3"));

    let a = Address::international("12345");
    assert_eq!(a.to_bytes().expect("enc"), h("05912143f5"));
}

#[test]
fn pysim_sms_submit_vector() {
    let b = h(concat!(
        "550d0b911614261771f000f5a78c0b050423f423f40003010201424547494e3a56434152440d0a",
        "56455253494f4e3a322e310d0a4e3a4d650d0a54454c3b505245463b43454c4c3b564f4943453a",
        "2b36313431363237313137300d0a54454c3b484f4d453b564f4943453a2b363133393533373034",
        "37310d0a54454c3b574f524b3b564f4943453a2b36313339363734373031350d0a454e443a"
    ));
    let s = SmsSubmit::parse(&b).expect("parse");
    assert!(s.reject_duplicates);
    assert_eq!(s.validity, ValidityPeriod::Relative(0xa7));
    assert!(!s.reply_path && !s.status_report_request && s.udhi);
    assert_eq!(s.message_reference, 0x0d);
    assert_eq!(s.destination.toa, TypeOfAddress::INTERNATIONAL);
    assert_eq!(s.destination.as_digits(), Some("61416271170"));
    assert_eq!((s.pid, s.dcs), (0x00, 0xf5));
    assert_eq!(s.user_data.as_bytes().len(), 140);
    // Its UDH: application port addressing (IEI 05) and concatenation (IEI 00).
    let (ies, body) = udh::parse(s.user_data.as_bytes()).expect("udh");
    assert_eq!(ies.len(), 2);
    assert_eq!(
        (ies[0].iei, ies[0].data.as_slice()),
        (0x05, &h("23f423f4")[..])
    );
    assert_eq!(
        (ies[1].iei, ies[1].data.as_slice()),
        (0x00, &h("010201")[..])
    );
    assert!(body.starts_with(b"BEGIN:VCARD"));
    assert_eq!(s.to_bytes().expect("encode"), b);
}

#[test]
fn pysim_sms_deliver_vector() {
    let b = h("0408D0E5759A0E7FF6907090307513000824010101BB400101");
    let d = SmsDeliver::parse(&b).expect("parse");
    // TP-MMS bit set: no more messages waiting.
    assert!(!d.more_messages);
    assert!(!d.loop_prevention && !d.reply_path && !d.udhi && !d.status_report_indication);
    assert_eq!(d.pid, PID_SIM_DATA_DOWNLOAD);
    assert_eq!(d.dcs, DCS_CLASS2_8BIT);
    assert_eq!(d.originator.toa.ton, TypeOfAddress::TON_ALPHANUMERIC);
    assert_eq!(
        d.originator.value,
        AddressValue::Alphanumeric {
            packed: h("E5759A0E"),
            semi_octets: 8
        }
    );
    assert_eq!(
        d.scts,
        Timestamp {
            year: 9,
            month: 7,
            day: 9,
            hour: 3,
            minute: 57,
            second: 31,
            tz_quarters: 0
        }
    );
    assert_eq!(d.user_data, UserData::Octets(h("24010101BB400101")));
    assert_eq!(d.to_bytes().expect("encode"), b);
}

/// An SMS-DELIVER carrying a command packet, laid out by hand from TS 23.040 §9.2.2.1
/// and TS 31.115 §4.2: `44` (MTI 00, MMS 1, UDHI), OA `0B 91` + 11 swapped digits, F-filled,
/// PID `7F`, DCS `F6`, SCTS, UDL, UD `02 70 00 ...`.
#[test]
fn sim_data_download_deliver_layout() {
    let scts = Timestamp {
        year: 26,
        month: 12,
        day: 6,
        hour: 5,
        minute: 4,
        second: 3,
        tz_quarters: -8,
    };
    let packet = h("000d15060120120000010000000001");
    let ud = rsp_ota::sms::wrap_command(&packet);
    let d = SmsDeliver::sim_data_download(Address::international("44770090012"), scts, ud);
    let b = d.to_bytes().expect("encode");
    let expected = h(concat!(
        "44", // MTI 00, TP-MMS 1 (no more messages), TP-UDHI
        "0b914477000910f2",
        "7f",
        "f6",
        "62216050403088", // 26 12 06 05 04 03; TZ 8 quarters = 08 swapped to 80, sign bit 3 set
        "12",
        "027000",
        "000d15060120120000010000000001"
    ));
    assert_eq!(b, expected);
    let back = SmsDeliver::parse(&b).expect("parse");
    assert_eq!(back, d);
    assert_eq!(back.scts.tz_quarters, -8);
    assert_eq!(
        rsp_ota::sms::unwrap_command(back.user_data.as_bytes()).expect("unwrap"),
        &packet[..]
    );

    // The PoR going back as SMS-SUBMIT (TS 31.115 §4.4).
    let por = rsp_ota::sms::wrap_response(&h("0a9900000100000001"));
    let s = SmsSubmit::sim_data_download(7, Address::international("4477"), por.clone());
    let b = s.to_bytes().expect("encode");
    assert_eq!(
        b,
        h("4107049144777ff60c027100 0a9900000100000001"
            .replace(' ', "")
            .as_str())
    );
    assert_eq!(SmsSubmit::parse(&b).expect("parse"), s);
}

#[test]
fn malformed_tpdus_are_refused() {
    let good = h("0408D0E5759A0E7FF6907090307513000824010101BB400101");
    for cut in 0..good.len() {
        assert!(SmsDeliver::parse(&good[..cut]).is_err(), "cut at {cut}");
    }
    let mut trailing = good.clone();
    trailing.push(0);
    assert_eq!(SmsDeliver::parse(&trailing), Err(TpduError::Trailing(1)));
    assert!(matches!(
        SmsSubmit::parse(&good),
        Err(TpduError::WrongMessageType {
            expected: 1,
            found: 0
        })
    ));
    // UDHI set but UDHL points past the user data.
    let bad = h("4408D0E5759A0E7FF6907090307513000209 01"
        .replace(' ', "")
        .as_str());
    assert!(matches!(
        SmsDeliver::parse(&bad),
        Err(TpduError::Malformed(_))
    ));
    // Address digits that semi-octets cannot carry, and 21 digits.
    assert_eq!(
        Address::international("12x").to_bytes(),
        Err(TpduError::InvalidDigit('x'))
    );
    assert_eq!(
        Address::international(&"1".repeat(21)).to_bytes(),
        Err(TpduError::AddressTooLong)
    );
    // 141 octets of 8-bit user data do not fit.
    let d = SmsDeliver::sim_data_download(
        Address::international("1"),
        Timestamp {
            year: 0,
            month: 1,
            day: 1,
            hour: 0,
            minute: 0,
            second: 0,
            tz_quarters: 0,
        },
        vec![0; 141],
    );
    assert_eq!(d.to_bytes(), Err(TpduError::UserDataTooLong(141)));
}
