//! EXTENSIBILITY IMPLIED (SGP.22 §2.5): what a newer peer adds survives decode → encode
//! byte-exactly, and signed parts keep their bytes.
#![allow(clippy::unwrap_used)] // tests may unwrap (ground rules)

mod asn1_common;

use asn1_common::{fixture, h, roundtrip};
use rasn::types::Any;
use rsp_codec::asn1::*;

/// `tag ‖ DER length ‖ content`.
fn tlv(tag: &[u8], content: &[u8]) -> Vec<u8> {
    let mut out = tag.to_vec();
    match content.len() {
        n if n < 0x80 => out.push(n as u8),
        n if n < 0x100 => out.extend([0x81, n as u8]),
        n => out.extend([0x82, (n >> 8) as u8, n as u8]),
    }
    out.extend(content);
    out
}

/// The contents of a TLV with a two-byte tag.
fn contents(bytes: &[u8]) -> &[u8] {
    match bytes[2] {
        0x81 => &bytes[4..],
        0x82 => &bytes[5..],
        _ => &bytes[3..],
    }
}

#[test]
fn v3_euicc_info2_fields_are_kept() {
    // SGP.22 v3 appends e.g. ipaMode [16], highestSvn [19] and a constructed [18].
    let v2 = fixture("euicc_info2");
    let extra = h("900100 930303 0100 B203800101");
    let mut body = contents(&v2).to_vec();
    body.extend(&extra);
    let v3 = tlv(&[0xBF, 0x22], &body);
    let info: EUICCInfo2 = roundtrip(&v3);
    assert_eq!(info.ext.0.len(), 3);
    assert_eq!(info.ext.0[2], Any::new(h("B203800101")));
    assert_eq!(info.svn, VersionType::from_parts(2, 5, 0));
}

#[test]
fn v3_ctx_params_alternative_is_kept_unknown() {
    // AuthenticateServerRequest whose ctxParams1 is a v3 alternative [1] (A1): only the
    // last TLV of the fixture changes.
    let v2 = fixture("authenticate_server_request");
    let req: AuthenticateServerRequest = decode(&v2).unwrap();
    assert!(matches!(
        req.ctx_params1,
        OpenChoice::Known(CtxParams1::CtxParamsForCommonAuthentication(_))
    ));
    let known_ctx = encode(&req.ctx_params1).unwrap();
    let body = contents(&v2);
    let mut new_body = body[..body.len() - known_ctx.len()].to_vec();
    new_body.extend(h("A1 06 80 04 DEADBEEF"));
    let v3 = tlv(&[0xBF, 0x38], &new_body);
    let req: AuthenticateServerRequest = roundtrip(&v3);
    assert_eq!(
        req.ctx_params1,
        OpenChoice::Unknown(Any::new(h("A10680 04DEADBEEF")))
    );
    assert!(req.ctx_params1.known().is_none());
    // A known alternative that is malformed is an error, not "unknown".
    let mut broken = body[..body.len() - known_ctx.len()].to_vec();
    broken.extend(h("A0 03 80 01 FF"));
    assert!(decode::<AuthenticateServerRequest>(&tlv(&[0xBF, 0x38], &broken)).is_err());
}

#[test]
fn sgp32_compact_notification_is_kept_unknown() {
    // HandleNotification carrying an SGP.32 compactProfileInstallationResult [0].
    let bytes = h("BF3D 09 A0 07 A0 05 80 03 010203");
    let hn: HandleNotification = roundtrip(&bytes);
    assert_eq!(
        hn.pending_notification,
        OpenChoice::Unknown(Any::new(h("A0058003010203")))
    );
    let list = h("BF2B 09 A0 07 A0 05 80 03 010203");
    let list: RetrieveNotificationsListResponse = roundtrip(&list);
    let RetrieveNotificationsListResponse::NotificationList(items) = list else {
        panic!("error")
    };
    assert!(items[0].known().is_none());
}

#[test]
fn signed_parts_keep_their_bytes_with_extensions() {
    // An EuiccSigned1 from a v3 eUICC: its EUICCInfo2 and itself carry unknown fields.
    let ok: AuthenticateServerResponse =
        decode(&fixture("authenticate_server_response_ok")).unwrap();
    let AuthenticateServerResponse::AuthenticateResponseOk(ok) = ok else {
        panic!("error")
    };
    let mut signed = ok.euicc_signed1.value().clone();
    signed.euicc_info2.ext = Extensions(vec![Any::new(h("900101"))]);
    signed.ext = Extensions(vec![Any::new(h("9F2001AA"))]);
    let raw = Raw::new(signed.clone()).unwrap();
    let resp =
        AuthenticateServerResponse::AuthenticateResponseOk(Box::new(AuthenticateResponseOk {
            euicc_signed1: raw.clone(),
            ..*ok
        }));
    let bytes = encode(&resp).unwrap();
    let back: AuthenticateServerResponse = roundtrip(&bytes);
    let AuthenticateServerResponse::AuthenticateResponseOk(back) = back else {
        panic!("error")
    };
    assert_eq!(back.euicc_signed1.raw(), raw.raw());
    assert_eq!(back.euicc_signed1.value(), &signed);
    // The signed TLV sits verbatim inside the message.
    assert!(bytes.windows(raw.raw().len()).any(|w| w == raw.raw()));
}

#[test]
fn unknown_fields_after_a_choice_typed_last_field_are_kept() {
    // EnableProfileRequest + an unknown [5] after refreshFlag.
    let v2 = fixture("enable_profile_request_iccid");
    let mut body = contents(&v2).to_vec();
    body.extend(h("850100"));
    let v3 = tlv(&[0xBF, 0x31], &body);
    let req: EnableProfileRequest = roundtrip(&v3);
    assert_eq!(req.ext.0.len(), 1);
}

#[test]
fn optional_raw_field_present_and_absent() {
    // PrepareDownloadRequest has `hashCc Octet32 OPTIONAL` between Raw and Certificate.
    let with = fixture("prepare_download_request");
    let req: PrepareDownloadRequest = roundtrip(&with);
    assert!(req.hash_cc.is_some());
    let without = PrepareDownloadRequest {
        hash_cc: None,
        ..req
    };
    let bytes = encode(&without).unwrap();
    let back: PrepareDownloadRequest = roundtrip(&bytes);
    assert!(back.hash_cc.is_none());
    assert_eq!(back.smdp_signed2.raw(), without.smdp_signed2.raw());
}

/// SGP.32 re-uses these types under its own tags, e.g. `CompactEuiccSigned1 ::= SEQUENCE {
/// ..., ctxParams1 [2] CtxParams1 OPTIONAL }`: an explicitly tagged optional open CHOICE.
#[test]
fn types_compose_the_way_sgp32_uses_them() {
    use rasn::prelude::*;

    #[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq)]
    struct CompactLike {
        #[rasn(tag(context, 0))]
        server_challenge: Octet16,
        #[rasn(tag(explicit(context, 2)))]
        ctx_params1: Option<OpenChoice<CtxParams1>>,
        ext: Extensions,
    }
    let req: AuthenticateServerRequest = decode(&fixture("authenticate_server_request")).unwrap();
    let with = CompactLike {
        server_challenge: Octet16::new([7; 16]),
        ctx_params1: Some(req.ctx_params1),
        ext: Extensions::default(),
    };
    let bytes = encode(&with).unwrap();
    let header = if bytes[1] & 0x80 != 0 {
        2 + usize::from(bytes[1] & 0x7F)
    } else {
        2
    };
    assert_eq!(
        bytes[header + 18],
        0xA2,
        "explicit [2] after the 18-byte [0] field"
    );
    assert_eq!(roundtrip::<CompactLike>(&bytes), with);
    let without = CompactLike {
        ctx_params1: None,
        ..with
    };
    assert_eq!(
        roundtrip::<CompactLike>(&encode(&without).unwrap()),
        without
    );
}
