//! Every SGP.02 web-service message survives build → text → parse unchanged, with its
//! `wsa:Action` and header fields (rsp_codec::ws).

mod ws_common;

use rsp_codec::ws::message::{Message, RequestBody};
use rsp_codec::ws::{envelope, names};
use ws_common::*;

fn round_trip<B: RequestBody + PartialEq + std::fmt::Debug>(msgs: Vec<Message<B>>) -> usize {
    let mut actions = std::collections::HashSet::new();
    for (n, msg) in msgs.iter().enumerate() {
        let header = match msg {
            Message::Request(_) => request_header("https://smsr.example.com/gsma"),
            _ => response_header(),
        };
        let env = msg.envelope(header.clone());
        assert_eq!(env.header.action, msg.action());
        let text = envelope::build(&env);
        let parsed = envelope::parse(&text).expect("parse");
        assert_eq!(parsed, env, "envelope {n}");
        assert_eq!(parsed.header.message_id, header.message_id);
        assert_eq!(parsed.header.relates_to, header.relates_to);
        let back = Message::<B>::from_envelope(&parsed).expect("message");
        assert_eq!(&back, msg, "message {n}:\n{text}");
        // Rebuilding the parsed message gives the same bytes.
        assert_eq!(envelope::build(&back.envelope(parsed.header.clone())), text);
        actions.insert(msg.action());
    }
    actions.len()
}

#[test]
fn es4_messages_round_trip() {
    let distinct = round_trip(es4_messages());
    // 8 requests, 8 responses, 3 notifications: all with their own action.
    assert_eq!(distinct, 19);
}

#[test]
fn es3_messages_round_trip() {
    // 12 requests, 12 responses, 3 Profile notifications and the SM-SR change.
    assert_eq!(round_trip(es3_messages()), 12 + 12 + 3 + 1);
}

#[test]
fn es2_messages_round_trip() {
    // 8 requests, 8 responses, 3 Profile notifications and the SM-SR change.
    assert_eq!(round_trip(es2_messages()), 8 + 8 + 3 + 1);
}

#[test]
fn es1_messages_round_trip() {
    assert_eq!(round_trip(es1_messages()), 2);
}

#[test]
fn fault_round_trip() {
    let fault = rsp_codec::ws::Fault {
        code: rsp_codec::ws::FaultCode::Receiver,
        reason: "database <down> & out".into(),
    };
    let text = envelope::build_fault("urn:uuid:f", Some(MSG_ID), &fault);
    let env = envelope::parse(&text).expect("parse");
    assert_eq!(env.header.action, names::ACTION_FAULT);
    assert_eq!(env.header.relates_to.as_deref(), Some(MSG_ID));
    let back = rsp_codec::ws::Fault::from_element(&env.body)
        .expect("a fault")
        .expect("valid");
    assert_eq!(back, fault);
}

#[test]
fn keys_stay_out_of_debug_output() {
    let eis = eis(true);
    let text = format!("{eis:?}");
    assert!(text.contains("Scp80Keyset"));
    for secret in ["101112", "16, 17, 18", "404142", "64, 65, 66"] {
        assert!(!text.contains(secret), "{secret} leaked");
    }
}
