//! Concatenated SMS (TS 23.040 §9.2.3.24.1) for secured packets (TS 31.115 §4.2):
//! splitting, reassembly in any order with duplicates, and the memory bounds.

mod common;

use std::time::{Duration, Instant};

use rsp_ota::CommandPacket;
use rsp_sms::concat::{ConcatError, Limits, Reassembler, split, split_response};
use rsp_sms::udh;

#[test]
fn short_packet_is_one_sms_with_the_command_identifier() {
    let p = common::packet(48);
    let parts = split(&p, 7).expect("split");
    assert_eq!(parts.len(), 1);
    assert_eq!(parts[0][..3], [0x02, 0x70, 0x00]);
    assert_eq!(
        rsp_ota::sms::unwrap_command(&parts[0]).expect("unwrap"),
        &p[..]
    );
    // 137 octets is the most one SMS takes.
    assert_eq!(split(&[0; 137], 1).expect("137").len(), 1);
    assert_eq!(split(&[0; 138], 1).expect("138").len(), 2);
    let r = split_response(&[1, 2], 1).expect("por");
    assert_eq!(r, vec![vec![0x02, 0x71, 0x00, 1, 2]]);
}

#[test]
fn a_400_octet_packet_splits_and_reassembles_in_any_order() {
    let p = common::packet(400);
    let parts = split(&p, 0x42).expect("split");
    assert_eq!(parts.len(), 3, "132 + 134 + 134");
    for (i, ud) in parts.iter().enumerate() {
        assert!(ud.len() <= 140, "segment {i} is {} octets", ud.len());
        let (ies, _) = udh::parse(ud).expect("udh");
        assert_eq!(ies[0].iei, 0x00);
        assert_eq!(ies[0].data, vec![0x42, 3, i as u8 + 1]);
        // The command packet identifier only in the first segment (TS 31.115 §4.2).
        assert_eq!(ies.iter().any(|ie| ie.iei == 0x70), i == 0);
    }
    assert_eq!(
        parts[0][..8],
        [0x07, 0x00, 0x03, 0x42, 0x03, 0x01, 0x70, 0x00]
    );

    let mut r = Reassembler::new(Limits::default());
    assert_eq!(r.push("447700900123", &parts[2]).expect("3"), None);
    assert_eq!(r.push("447700900123", &parts[2]).expect("dup"), None);
    // Same reference from another originator is another message.
    assert_eq!(r.push("447700900999", &parts[0]).expect("other"), None);
    assert_eq!(r.push("447700900123", &parts[0]).expect("1"), None);
    assert_eq!(r.pending(), 2);
    let done = r
        .push("447700900123", &parts[1])
        .expect("2")
        .expect("complete");
    assert_eq!(done.reference, Some(0x42));
    assert_eq!(done.originator, "447700900123");
    let packet = rsp_ota::sms::unwrap_command(&done.user_data).expect("unwrap");
    assert_eq!(packet, &p[..]);
    let opened = CommandPacket::parse(packet)
        .expect("parse")
        .open(&common::keys())
        .expect("open");
    assert_eq!(opened.header, common::header());
    assert_eq!(r.pending(), 1);
}

#[test]
fn bad_segments_are_refused() {
    let mut r = Reassembler::new(Limits::default());
    // seq 0, seq > total, total 0.
    for ies in [
        [0x00, 0x03, 1, 2, 0],
        [0x00, 0x03, 1, 2, 3],
        [0x00, 0x03, 1, 0, 0],
    ] {
        let mut ud = vec![5];
        ud.extend_from_slice(&ies);
        assert!(matches!(
            r.push("1", &ud),
            Err(ConcatError::BadSequence { .. })
        ));
    }
    // Truncated UDH.
    assert!(matches!(
        r.push("1", &[6, 0, 3, 1]),
        Err(ConcatError::Header(_))
    ));
    // A later segment announcing another total.
    r.push("1", &[5, 0, 3, 9, 2, 1, 0xaa]).expect("first");
    assert_eq!(
        r.push("1", &[5, 0, 3, 9, 3, 2, 0xbb]),
        Err(ConcatError::TotalMismatch {
            expected: 2,
            found: 3
        })
    );
    // Too long for 255 segments.
    assert!(matches!(
        split(&vec![0; 132 + 134 * 254 + 1], 1),
        Err(ConcatError::TooLong(_))
    ));
    assert_eq!(split(&vec![0; 132 + 134 * 254], 1).expect("255").len(), 255);
}

#[test]
fn memory_is_bounded_by_timeout_and_count() {
    let limits = Limits {
        timeout: Duration::from_secs(10),
        max_pending: 3,
        max_bytes: 1000,
    };
    let mut r = Reassembler::new(limits);
    let t0 = Instant::now();
    for reference in 0..5u8 {
        let ud = [5, 0, 3, reference, 2, 1, 0xaa];
        r.push_at(t0 + Duration::from_secs(u64::from(reference)), "1", &ud)
            .expect("push");
    }
    assert_eq!(r.pending(), 3, "the two oldest were evicted");
    assert_eq!(r.dropped(), 2);
    // The second half of an evicted message starts a new partial message, not a result.
    let late = [5, 0, 3, 0, 2, 2, 0xbb];
    assert_eq!(
        r.push_at(t0 + Duration::from_secs(5), "1", &late)
            .expect("late"),
        None
    );
    // After the timeout everything older is gone.
    r.expire(t0 + Duration::from_secs(30));
    assert_eq!(r.pending(), 0);
    assert_eq!(r.bytes(), 0);

    // The byte bound: three 400-octet bodies do not fit 1000 octets.
    let mut r = Reassembler::new(limits);
    for reference in 0..3u8 {
        let mut ud = vec![5, 0, 3, reference, 2, 1];
        ud.extend_from_slice(&[0; 400]);
        r.push_at(t0 + Duration::from_secs(u64::from(reference)), "1", &ud)
            .expect("push");
    }
    assert_eq!((r.pending(), r.bytes(), r.dropped()), (2, 800, 1));
    // Completing one frees its octets.
    let mut ud = vec![5, 0, 3, 2, 2, 2];
    ud.extend_from_slice(&[1; 10]);
    let done = r.push_at(t0, "1", &ud).expect("push").expect("complete");
    assert_eq!(
        done.user_data.len(),
        1 + 410,
        "empty UDH, then 400 + 10 octets"
    );
    assert_eq!((r.pending(), r.bytes()), (1, 400));
}
