//! Administration session triggering parameters (Amendment B Table 3-3) against the
//! byte vectors published in osmocom pySim `pySim/global_platform/http.py`
//! (`_test_de_encode` of `SecurityParams`, `AdminHostParam`, `AdminUriParam`).

use rsp_scp81::trigger::{
    HttpPostParameters, RetryPolicy, SecurityParameters, SessionParameters, TimerValue,
    TriggerError, TriggerParameters,
};

fn h(s: &str) -> Vec<u8> {
    hex::decode(s.replace(' ', "")).expect("test hex")
}

/// pySim `SecurityParams`: `850804deadbeef020040` = {psk_id deadbeef, kvn 0, kid 0x40}.
const PYSIM_SECURITY: &str = "850804deadbeef020040";
/// pySim `AdminHostParam`: `admin.host`.
const PYSIM_HOST: &str = "8a0a61646d696e2e686f7374";
/// pySim `AdminUriParam`: `https://admin.host/uri`.
const PYSIM_URI: &str = "8c1668747470733a2f2f61646d696e2e686f73742f757269";

fn pysim_params() -> TriggerParameters {
    TriggerParameters {
        session: SessionParameters {
            security: Some(SecurityParameters {
                psk_identity: h("deadbeef"),
                kvn: 0x00,
                kid: 0x40,
                hash: None,
            }),
            http_post: Some(HttpPostParameters {
                admin_host: Some("admin.host".into()),
                agent_id: None,
                admin_uri: Some("https://admin.host/uri".into()),
            }),
            ..Default::default()
        },
        dns_resolution: None,
    }
}

#[test]
fn pysim_vectors_encode_byte_exact() {
    // 89 = 8A TLV ‖ 8C TLV (12 + 24 = 36 = 0x24 octets); 83 = 85 TLV ‖ 89 TLV.
    let http_post = format!("8924{PYSIM_HOST}{PYSIM_URI}");
    let session = format!("{PYSIM_SECURITY}{http_post}");
    assert_eq!(session.len() / 2, 10 + 38);
    let expected = h(&format!("8132 8330 {session}"));
    let encoded = pysim_params().encode().expect("encodes");
    assert_eq!(hex::encode(&encoded), hex::encode(&expected));
    assert_eq!(
        TriggerParameters::decode(&expected).expect("decodes"),
        pysim_params()
    );
}

#[test]
fn pysim_security_parameters_value() {
    let v = &h(PYSIM_SECURITY)[2..];
    let s = SecurityParameters::decode(v).expect("decodes");
    assert_eq!(
        (s.psk_identity.as_slice(), s.kvn, s.kid, s.hash),
        (&h("deadbeef")[..], 0, 0x40, None)
    );
    assert_eq!(s.encode().expect("encodes"), v);
    // With the optional trailing octet (pySim `sha_type`).
    let with_hash = SecurityParameters::decode(&h("04deadbeef02004002")).expect("decodes");
    assert_eq!(with_hash.hash, Some(2));
}

#[test]
fn retry_policy_with_timer_value_and_report_failure() {
    // counter 0003, Timer value TLV 25 03 (0h 01m 30s, semi-octet swapped BCD), then
    // two report-failure octets.
    let value = h("0003 2503 00 10 03 aabb");
    let r = RetryPolicy::decode(&value).expect("decodes");
    assert_eq!(r.counter, 3);
    assert_eq!(
        r.waiting_delay,
        TimerValue {
            hours: 0,
            minutes: 1,
            seconds: 30
        }
    );
    assert_eq!(r.waiting_delay.as_duration().as_secs(), 90);
    assert_eq!(r.report_failure.as_deref(), Some(&h("aabb")[..]));
    assert_eq!(r.encode().expect("encodes"), value);
    // Comprehension-required timer tag A5 is accepted too.
    assert!(RetryPolicy::decode(&h("0001 a503 000000")).is_ok());
}

#[test]
fn full_trigger_round_trip_with_every_element() {
    let p = TriggerParameters {
        session: SessionParameters {
            connection: Some(h("3503 020000 3902 0578 3c03 010050")),
            security: Some(SecurityParameters {
                psk_identity: b"8001028110".to_vec(),
                kvn: 0x40,
                kid: 0x01,
                hash: None,
            }),
            extended_security: Some(h("0102")),
            retry: Some(RetryPolicy {
                counter: 2,
                waiting_delay: TimerValue { hours: 1, minutes: 59, seconds: 5 },
                report_failure: None,
            }),
            http_post: Some(HttpPostParameters {
                admin_host: Some("smsr.example".into()),
                agent_id: Some("//se-id/eid/89049032123451234512345678901235;//aa-id/aid/A000000559/1010FFFFFFFF8900000100".into()),
                admin_uri: Some("/gp/ram".into()),
            }),
        },
        dns_resolution: Some(h("d603 010203")),
    };
    let enc = p.encode().expect("encodes");
    assert_eq!(enc[0], 0x81);
    assert_eq!(enc[1], 0x81, "long form length for > 127 octets");
    assert_eq!(TriggerParameters::decode(&enc).expect("decodes"), p);
}

#[test]
fn refusals() {
    let bad = |s: &str| TriggerParameters::decode(&h(s)).expect_err(s);
    // Wrong outer tag.
    assert!(matches!(
        bad("8202 8300"),
        TriggerError::UnexpectedTag { tag: 0x82, .. }
    ));
    // Missing 83.
    assert!(matches!(bad("8100"), TriggerError::Missing(_)));
    // Unknown tag inside 83.
    assert!(matches!(
        bad("8104 8302 8700"),
        TriggerError::UnexpectedTag { tag: 0x87, .. }
    ));
    // Repeated 85.
    assert!(matches!(
        bad("810e 830c 8504 00020040 8504 00020040"),
        TriggerError::Repeated(0x85)
    ));
    // Key identifier LV of length 3.
    assert!(matches!(
        bad("8108 8306 8504 0003 0040"),
        TriggerError::Malformed(_)
    ));
    // Truncated value.
    assert!(matches!(bad("8105 8303 8a05 41"), TriggerError::Tlv(_)));
    // Trailing data.
    assert!(matches!(bad("8102 8300 00"), TriggerError::TrailingData));
    // Host with a space / control character.
    assert!(matches!(
        bad("8107 8305 8903 8a01 20"),
        TriggerError::Malformed(_)
    ));
    // Timer value with a non-BCD digit, and 61 seconds.
    assert!(RetryPolicy::decode(&h("0001 2503 0000 0a")).is_err());
    assert!(RetryPolicy::decode(&h("0001 2503 0000 16")).is_err());
    // Retry policy without a Timer value TLV.
    assert!(RetryPolicy::decode(&h("0001 8103 000000")).is_err());
    // Encoding refuses a text parameter with a CR LF (header injection).
    let mut p = pysim_params();
    if let Some(hp) = p.session.http_post.as_mut() {
        hp.admin_host = Some("a\r\nX-Evil: 1".into());
    }
    assert!(p.encode().is_err());
}
