//! End-to-end downloads through the APDU interface with a test SM-DP+ (SGP.22 §3.1.3).
#![allow(clippy::unwrap_used)]

mod common;

use common::smdp::{SMDP_ADDRESS, TestSmdp};
use common::*;
use rsp_codec::asn1::*;
use rsp_crypto::Curve;
use rsp_euicc::{Card, EuiccConfig, StateStore};

fn final_result(pir: &ProfileInstallationResult) -> &FinalResult {
    &pir.profile_installation_result_data.value().final_result
}

fn expect_error(pir: &ProfileInstallationResult, command: BppCommandId, reason: ErrorReason) {
    match final_result(pir) {
        FinalResult::ErrorResult(e) => {
            assert_eq!((e.bpp_command_id, e.error_reason), (command, reason));
        }
        other => panic!("expected an error, got {other:?}"),
    }
}

fn profiles(card: &mut Card, cla: u8, req: &ProfileInfoListRequest) -> Vec<ProfileInfo> {
    match decode(&es10(card, cla, &encode(req).unwrap())).unwrap() {
        ProfileInfoListResponse::ProfileInfoListOk(list) => list,
        other => panic!("{other:?}"),
    }
}

fn retrieve(card: &mut Card, cla: u8) -> Vec<PendingNotification> {
    let req = encode(&RetrieveNotificationsListRequest::default()).unwrap();
    match decode(&es10(card, cla, &req)).unwrap() {
        RetrieveNotificationsListResponse::NotificationList(list) => list
            .into_iter()
            .map(|n| n.known().cloned().unwrap())
            .collect(),
        other => panic!("{other:?}"),
    }
}

fn full_flow(curve: Curve, cc: Option<&str>, replace_keys: bool, whole: bool) {
    let (smdp, identity) = new_smdp(curve);
    let (mut card, cla) = card_with(identity, EuiccConfig::default(), StateStore::memory());

    // EUICCInfo1 announces our CI for verification and signing (SGP.22 §5.7.8).
    let info1: EUICCInfo1 = decode(&es10(
        &mut card,
        cla,
        &encode(&GetEuiccInfo1Request::default()).unwrap(),
    ))
    .unwrap();
    let ci = smdp.ci_key_id();
    assert!(
        info1
            .euicc_ci_pk_id_list_for_verification
            .iter()
            .any(|k| k.as_ref() == ci.as_slice())
    );
    assert!(
        info1
            .euicc_ci_pk_id_list_for_signing
            .iter()
            .any(|k| k.as_ref() == ci.as_slice())
    );

    let mut d = Download::new(0x01, 5000);
    d.confirmation_code = cc;
    d.replace_keys = replace_keys;
    d.whole = whole;
    let pir = download(&mut card, cla, &smdp, &d);
    let data = pir.profile_installation_result_data.value();
    let aid = match &data.final_result {
        FinalResult::SuccessResult(s) => s.aid.to_vec(),
        other => panic!("install failed: {other:?}"),
    };
    assert_eq!(data.transaction_id.as_bytes(), d.transaction_id.as_slice());
    assert_eq!(data.smdp_oid.to_string(), "2.999.10");
    assert_eq!(
        data.notification_metadata.notification_address,
        "notify.example.com"
    );

    // The profile is listed, Disabled, and its package is byte-for-byte what was protected.
    let list = profiles(&mut card, cla, &ProfileInfoListRequest::default());
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].profile_state, Some(ProfileState::DISABLED));
    assert_eq!(list[0].iccid, Some(d.metadata.iccid));
    assert_eq!(
        list[0].isdp_aid.as_ref().unwrap().0.as_ref(),
        aid.as_slice()
    );
    assert_eq!(list[0].profile_name.as_deref(), Some("Test profile"));
    assert_eq!(card.isdr().state().profiles[0].package.0, d.package);

    // Tag list: only the ICCID and the state (SGP.22 §5.7.15).
    let filtered = profiles(
        &mut card,
        cla,
        &ProfileInfoListRequest {
            search_criteria: Some(ProfileSearchCriteria::Iccid(d.metadata.iccid)),
            tag_list: Some(vec![0x5A, 0x9F, 0x70].into()),
            ext: Extensions::default(),
        },
    );
    assert_eq!(filtered.len(), 1);
    assert!(filtered[0].profile_name.is_none() && filtered[0].profile_state.is_some());

    // Enable, disable, delete; each makes a signed notification.
    let id = ProfileIdentifier::Iccid(d.metadata.iccid);
    let r: EnableProfileResponse = decode(&es10(
        &mut card,
        cla,
        &encode(&EnableProfileRequest {
            profile_identifier: id.clone(),
            refresh_flag: false,
            ext: Extensions::default(),
        })
        .unwrap(),
    ))
    .unwrap();
    assert_eq!(r.enable_result, EnableResult::OK);
    let r: DeleteProfileResponse = decode(&es10(
        &mut card,
        cla,
        &encode(&DeleteProfileRequest::Iccid(d.metadata.iccid)).unwrap(),
    ))
    .unwrap();
    assert_eq!(r.delete_result, DeleteResult::PROFILE_NOT_IN_DISABLED_STATE);
    let r: DisableProfileResponse = decode(&es10(
        &mut card,
        cla,
        &encode(&DisableProfileRequest {
            profile_identifier: id,
            refresh_flag: false,
            ext: Extensions::default(),
        })
        .unwrap(),
    ))
    .unwrap();
    assert_eq!(r.disable_result, DisableResult::OK);
    let r: DeleteProfileResponse = decode(&es10(
        &mut card,
        cla,
        &encode(&DeleteProfileRequest::Iccid(d.metadata.iccid)).unwrap(),
    ))
    .unwrap();
    assert_eq!(r.delete_result, DeleteResult::OK);
    assert!(profiles(&mut card, cla, &ProfileInfoListRequest::default()).is_empty());

    // Four notifications: install, enable, disable, delete, with increasing numbers.
    let list: ListNotificationResponse = decode(&es10(
        &mut card,
        cla,
        &encode(&ListNotificationRequest::default()).unwrap(),
    ))
    .unwrap();
    let ListNotificationResponse::NotificationMetadataList(list) = list else {
        panic!()
    };
    let ops: Vec<usize> = list
        .iter()
        .map(|m| {
            (0..4)
                .find(|b| m.profile_management_operation.is_set(*b))
                .unwrap()
        })
        .collect();
    assert_eq!(ops, vec![0, 1, 2, 3]);
    let pending = retrieve(&mut card, cla);
    assert_eq!(pending.len(), 4);
    let euicc_cert =
        rsp_pki::Cert::from_der(card.isdr().identity().credentials()[0].cert().der()).unwrap();
    for n in &pending[1..] {
        let PendingNotification::OtherSignedNotification(o) = n else {
            panic!("{n:?}")
        };
        euicc_cert
            .public_key()
            .verify_raw(
                o.tbs_other_notification.raw(),
                &o.euicc_notification_signature,
            )
            .expect("notification signature verifies");
    }
    // RemoveNotificationFromList.
    for m in &list {
        let r: NotificationSentResponse = decode(&es10(
            &mut card,
            cla,
            &encode(&NotificationSentRequest {
                seq_number: m.seq_number.clone(),
                ext: Extensions::default(),
            })
            .unwrap(),
        ))
        .unwrap();
        assert_eq!(r.delete_notification_status, DeleteNotificationStatus::OK);
    }
    assert!(retrieve(&mut card, cla).is_empty());
}

#[test]
fn download_nist_with_confirmation_code() {
    full_flow(Curve::NistP256, Some("1234"), false, false);
}

#[test]
fn download_brainpool_without_confirmation_code_with_replace_session_keys() {
    full_flow(Curve::BrainpoolP256r1, None, true, false);
}

#[test]
fn download_whole_bpp_in_one_store_data_sequence() {
    full_flow(Curve::NistP256, None, true, true);
}

#[test]
fn untrusted_ci_is_refused() {
    let (_, identity) = new_smdp(Curve::NistP256);
    let (mut card, cla) = card_with(identity, EuiccConfig::default(), StateStore::memory());
    let ours = card.isdr().identity().cis()[0]
        .subject_key_id()
        .unwrap()
        .to_vec();
    // An SM-DP+ under another CI, claiming our CI id.
    let foreign = TestSmdp::generate(Curve::NistP256);
    let challenge = challenge(&mut card, cla);
    let mut req: AuthenticateServerRequest =
        decode(&foreign.authenticate_server_request(&[1, 2, 3], challenge, None)).unwrap();
    req.euicc_ci_pk_id_to_be_used = ours.into();
    let resp: AuthenticateServerResponse =
        decode(&es10(&mut card, cla, &encode(&req).unwrap())).unwrap();
    match resp {
        AuthenticateServerResponse::AuthenticateResponseError(e) => {
            assert_eq!(
                e.authenticate_error_code,
                AuthenticateErrorCode::INVALID_CERTIFICATE
            );
            assert_eq!(e.transaction_id.as_bytes(), &[1, 2, 3]);
        }
        other => panic!("{other:?}"),
    }
    // Its own CI id: unknown to us.
    let challenge = common::challenge(&mut card, cla);
    let req = foreign.authenticate_server_request(&[1, 2, 3], challenge, None);
    let resp: AuthenticateServerResponse = decode(&es10(&mut card, cla, &req)).unwrap();
    let AuthenticateServerResponse::AuthenticateResponseError(e) = resp else {
        panic!()
    };
    assert_eq!(
        e.authenticate_error_code,
        AuthenticateErrorCode::CI_PK_UNKNOWN
    );
}

#[test]
fn replayed_challenge_and_bad_signature_are_refused() {
    let (smdp, identity) = new_smdp(Curve::BrainpoolP256r1);
    let (mut card, cla) = card_with(identity, EuiccConfig::default(), StateStore::memory());
    let challenge = challenge(&mut card, cla);
    let req = smdp.authenticate_server_request(&[9; 16], challenge, None);
    smdp.check_authenticate_response(&es10(&mut card, cla, &req));
    // The same request again: the challenge was consumed.
    let resp: AuthenticateServerResponse = decode(&es10(&mut card, cla, &req)).unwrap();
    let AuthenticateServerResponse::AuthenticateResponseError(e) = resp else {
        panic!()
    };
    assert_eq!(
        e.authenticate_error_code,
        AuthenticateErrorCode::EUICC_CHALLENGE_MISMATCH
    );
    // A fresh challenge, but serverSigned1 altered after signing.
    let challenge = common::challenge(&mut card, cla);
    let mut bytes = smdp.authenticate_server_request(&[9; 16], challenge, None);
    let pos = bytes
        .windows(SMDP_ADDRESS.len())
        .position(|w| w == SMDP_ADDRESS.as_bytes())
        .unwrap();
    bytes[pos] ^= 0x20;
    let resp: AuthenticateServerResponse = decode(&es10(&mut card, cla, &bytes)).unwrap();
    let AuthenticateServerResponse::AuthenticateResponseError(e) = resp else {
        panic!()
    };
    assert_eq!(
        e.authenticate_error_code,
        AuthenticateErrorCode::INVALID_SIGNATURE
    );
}

#[test]
fn confirmation_code_checks() {
    let (smdp, identity) = new_smdp(Curve::NistP256);
    let (mut card, cla) = card_with(identity, EuiccConfig::default(), StateStore::memory());
    let tid = [7u8; 8];
    let c = challenge(&mut card, cla);
    let (_, sig1) = smdp.check_authenticate_response(&es10(
        &mut card,
        cla,
        &smdp.authenticate_server_request(&tid, c, None),
    ));
    // ccRequiredFlag without hashCc: refused by the eUICC.
    let (req, _) = smdp.prepare_download_request(&tid, &sig1, true, None);
    let resp: PrepareDownloadResponse = decode(&es10(&mut card, cla, &req)).unwrap();
    let PrepareDownloadResponse::DownloadResponseError(e) = resp else {
        panic!()
    };
    assert_eq!(e.download_error_code, DownloadErrorCode::UNDEFINED_ERROR);
    // A wrong code: the eUICC relays the hash inside euiccSigned2 and the SM-DP+ sees
    // it differs from the hash of the right code (SGP.22 §5.6.2 / §3.1.3).
    let c = common::challenge(&mut card, cla);
    let (ok, sig1) = smdp.check_authenticate_response(&es10(
        &mut card,
        cla,
        &smdp.authenticate_server_request(&tid, c, None),
    ));
    let wrong = common::smdp::hash_cc("9999", &tid);
    let (req, sig2) = smdp.prepare_download_request(&tid, &sig1, true, Some(wrong));
    let cert = rsp_pki::Cert::from_der(ok.euicc_certificate.as_der()).unwrap();
    let (_, relayed) = smdp.check_prepare_response(&es10(&mut card, cla, &req), &cert, &sig2);
    assert_ne!(relayed, Some(common::smdp::hash_cc("1234", &tid)));
    assert_eq!(relayed, Some(wrong));
    // PrepareDownload with another transaction id: invalidTransactionId.
    let c = common::challenge(&mut card, cla);
    let (_, sig1) = smdp.check_authenticate_response(&es10(
        &mut card,
        cla,
        &smdp.authenticate_server_request(&tid, c, None),
    ));
    let (req, _) = smdp.prepare_download_request(&[8u8; 8], &sig1, false, None);
    let resp: PrepareDownloadResponse = decode(&es10(&mut card, cla, &req)).unwrap();
    let PrepareDownloadResponse::DownloadResponseError(e) = resp else {
        panic!()
    };
    assert_eq!(
        e.download_error_code,
        DownloadErrorCode::INVALID_TRANSACTION_ID
    );
}

#[test]
fn tampered_segment_rolls_back_and_the_euicc_still_works() {
    let (smdp, identity) = new_smdp(Curve::NistP256);
    let (mut card, cla) = card_with(identity, EuiccConfig::default(), StateStore::memory());
    let mut d = Download::new(0x02, 3000);
    d.tamper = Some(Box::new(|segs: &mut Vec<Vec<u8>>| {
        let last = segs.len() - 2; // an 86 segment
        let seg = &mut segs[last];
        let i = seg.len() / 2;
        seg[i] ^= 0x01;
    }));
    let pir = download(&mut card, cla, &smdp, &d);
    expect_error(
        &pir,
        BppCommandId::LOAD_PROFILE_ELEMENTS,
        ErrorReason::SCP03T_SECURITY_ERROR,
    );
    assert!(card.isdr().state().profiles.is_empty());
    assert!(profiles(&mut card, cla, &ProfileInfoListRequest::default()).is_empty());
    // The remaining segment is refused: the session is gone.
    let (_, sw) = store_data(&mut card, cla, &[0x86, 0x01, 0x00]);
    assert_eq!(sw, 0x6A80);
    // The error result is also a pending notification.
    assert_eq!(retrieve(&mut card, cla).len(), 1);
    // A good download afterwards.
    d.tamper = None;
    let pir = download(&mut card, cla, &smdp, &d);
    assert!(matches!(final_result(&pir), FinalResult::SuccessResult(_)));
    assert_eq!(card.isdr().state().profiles[0].package.0, d.package);
}

#[test]
fn tampered_metadata_and_wrong_bpp_signature() {
    let (smdp, identity) = new_smdp(Curve::BrainpoolP256r1);
    let (mut card, cla) = card_with(identity, EuiccConfig::default(), StateStore::memory());
    let mut d = Download::new(0x03, 1500);
    // 88 segment MAC broken (segments: BF36, A0+87, A1, 88, A3, 86...).
    d.tamper = Some(Box::new(|segs: &mut Vec<Vec<u8>>| {
        let seg = &mut segs[3];
        assert_eq!(seg[0], 0x88);
        let i = seg.len() - 1;
        seg[i] ^= 0x80;
    }));
    let pir = download(&mut card, cla, &smdp, &d);
    expect_error(
        &pir,
        BppCommandId::STORE_METADATA,
        ErrorReason::SCP03T_SECURITY_ERROR,
    );
    // smdpSign broken.
    d.tamper = Some(Box::new(|segs: &mut Vec<Vec<u8>>| {
        let seg = &mut segs[0];
        let i = seg.len() - 1;
        seg[i] ^= 0x01;
    }));
    let pir = download(&mut card, cla, &smdp, &d);
    expect_error(
        &pir,
        BppCommandId::INITIALISE_SECURE_CHANNEL,
        ErrorReason::INVALID_SIGNATURE,
    );
    // A1 (StoreMetadata) before A0 (ConfigureISDP): structure error.
    d.tamper = Some(Box::new(|segs: &mut Vec<Vec<u8>>| segs.swap(1, 2)));
    let pir = download(&mut card, cla, &smdp, &d);
    expect_error(
        &pir,
        BppCommandId::STORE_METADATA,
        ErrorReason::SCP03T_STRUCTURE_ERROR,
    );
    // A profile segment dropped: the BF36 length no longer matches at the end... the
    // MAC chain breaks first (the block counter moved on).
    d.tamper = Some(Box::new(|segs: &mut Vec<Vec<u8>>| {
        segs.remove(5);
    }));
    let pir = download(&mut card, cla, &smdp, &d);
    expect_error(
        &pir,
        BppCommandId::LOAD_PROFILE_ELEMENTS,
        ErrorReason::SCP03T_SECURITY_ERROR,
    );
    assert!(card.isdr().state().profiles.is_empty());
    assert_eq!(
        retrieve(&mut card, cla).len(),
        4,
        "every error result is a notification"
    );
}

#[test]
fn memory_full_and_duplicate_iccid() {
    let (smdp, identity) = new_smdp(Curve::NistP256);
    let config = EuiccConfig {
        max_profiles: 1,
        max_profile_bytes: 20_000,
        ..EuiccConfig::default()
    };
    let (mut card, cla) = card_with(identity, config, StateStore::memory());
    let d = Download::new(0x04, 2000);
    assert!(matches!(
        final_result(&download(&mut card, cla, &smdp, &d)),
        FinalResult::SuccessResult(_)
    ));
    // Same ICCID again: refused at StoreMetadata... but first the profile count limit.
    let d2 = Download::new(0x05, 2000);
    let pir = download(&mut card, cla, &smdp, &d2);
    expect_error(
        &pir,
        BppCommandId::CONFIGURE_ISDP,
        ErrorReason::INSTALL_FAILED_DUE_TO_INSUFFICIENT_MEMORY_FOR_PROFILE,
    );
    assert_eq!(card.isdr().state().profiles.len(), 1);

    let (smdp, identity) = new_smdp(Curve::NistP256);
    let config = EuiccConfig {
        max_profiles: 4,
        max_profile_bytes: 20_000,
        ..EuiccConfig::default()
    };
    let (mut card, cla) = card_with(identity, config, StateStore::memory());
    assert!(matches!(
        final_result(&download(&mut card, cla, &smdp, &d)),
        FinalResult::SuccessResult(_)
    ));
    let pir = download(&mut card, cla, &smdp, &d);
    expect_error(
        &pir,
        BppCommandId::STORE_METADATA,
        ErrorReason::INSTALL_FAILED_DUE_TO_ICCID_ALREADY_EXISTS_ON_EUICC,
    );
    let big = Download::new(0x06, 30_000);
    let pir = download(&mut card, cla, &smdp, &big);
    expect_error(
        &pir,
        BppCommandId::LOAD_PROFILE_ELEMENTS,
        ErrorReason::INSTALL_FAILED_DUE_TO_INSUFFICIENT_MEMORY_FOR_PROFILE,
    );
    assert_eq!(card.isdr().state().profiles.len(), 1);
    // Still works.
    let ok = Download::new(0x07, 2000);
    assert!(matches!(
        final_result(&download(&mut card, cla, &smdp, &ok)),
        FinalResult::SuccessResult(_)
    ));
    assert_eq!(card.isdr().state().profiles.len(), 2);
}

#[test]
fn cancel_session_is_signed() {
    let (smdp, identity) = new_smdp(Curve::NistP256);
    let (mut card, cla) = card_with(identity, EuiccConfig::default(), StateStore::memory());
    let tid = [3u8; 16];
    let c = challenge(&mut card, cla);
    let (ok, _) = smdp.check_authenticate_response(&es10(
        &mut card,
        cla,
        &smdp.authenticate_server_request(&tid, c, None),
    ));
    let req = CancelSessionRequest {
        transaction_id: TransactionId(tid.to_vec().into()),
        reason: CancelSessionReason::END_USER_REJECTION,
        ext: Extensions::default(),
    };
    let resp: CancelSessionResponse =
        decode(&es10(&mut card, cla, &encode(&req).unwrap())).unwrap();
    let CancelSessionResponse::CancelSessionResponseOk(r) = resp else {
        panic!("{resp:?}")
    };
    let cert = rsp_pki::Cert::from_der(ok.euicc_certificate.as_der()).unwrap();
    cert.public_key()
        .verify_raw(
            r.euicc_cancel_session_signed.raw(),
            &r.euicc_cancel_session_signature,
        )
        .unwrap();
    assert_eq!(
        r.euicc_cancel_session_signed.value().smdp_oid.to_string(),
        "2.999.10"
    );
    // Again: no session any more.
    let resp: CancelSessionResponse =
        decode(&es10(&mut card, cla, &encode(&req).unwrap())).unwrap();
    assert_eq!(
        resp,
        CancelSessionResponse::CancelSessionResponseError(
            CancelSessionResponseError::INVALID_TRANSACTION_ID
        )
    );
}

#[test]
fn state_survives_reload() {
    let dir = std::env::temp_dir().join(format!("rsp-euicc-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("state.json");
    let _ = std::fs::remove_file(&path);
    let mut smdp = TestSmdp::generate(Curve::NistP256);
    let (cert, eum, key) = smdp.euicc.take().unwrap();
    let key_der = key.to_pkcs8_der();
    let identity = rsp_euicc::Identity::new(
        vec![(cert.clone(), eum.clone(), key)],
        vec![smdp.ci.clone()],
    )
    .unwrap();
    let (mut card, cla) = card_with(identity, EuiccConfig::default(), StateStore::file(&path));
    let d = Download::new(0x08, 4000);
    assert!(matches!(
        final_result(&download(&mut card, cla, &smdp, &d)),
        FinalResult::SuccessResult(_)
    ));
    let r: SetNicknameResponse = decode(&es10(
        &mut card,
        cla,
        &encode(&SetNicknameRequest {
            iccid: d.metadata.iccid,
            profile_nickname: "work".into(),
            ext: Extensions::default(),
        })
        .unwrap(),
    ))
    .unwrap();
    assert_eq!(r.set_nickname_result, SetNicknameResult::OK);
    drop(card);
    let json = std::fs::read_to_string(&path).unwrap();
    assert!(!json.contains("PRIVATE"), "no key in the state file");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "state file is owner-only");
    }

    let key = rsp_crypto::SoftwareKey::from_pkcs8_der(&key_der).unwrap();
    let identity = rsp_euicc::Identity::new(vec![(cert, eum, key)], vec![smdp.ci.clone()]).unwrap();
    let (mut card, cla) = card_with(identity, EuiccConfig::default(), StateStore::file(&path));
    let list = profiles(&mut card, cla, &ProfileInfoListRequest::default());
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].profile_nickname.as_deref(), Some("work"));
    assert_eq!(card.isdr().state().profiles[0].package.0, d.package);
    assert_eq!(retrieve(&mut card, cla).len(), 1);
    // Sequence numbers continue after the reload.
    let pir = download(&mut card, cla, &smdp, &Download::new(0x09, 1000));
    let seq = &pir
        .profile_installation_result_data
        .value()
        .notification_metadata
        .seq_number;
    assert_eq!(*seq, 2.into());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A refused package (SGP.22 §2.5.6, ES8+.LoadProfileElements): the expected error, no
/// profile, one pending error notification, and the eUICC still installs a good package.
fn refused_then_good(d: Download<'_>, reason: ErrorReason) {
    let (smdp, identity) = new_smdp(Curve::NistP256);
    let (mut card, cla) = card_with(identity, EuiccConfig::default(), StateStore::memory());
    let pir = download(&mut card, cla, &smdp, &d);
    expect_error(&pir, BppCommandId::LOAD_PROFILE_ELEMENTS, reason);
    assert!(card.isdr().state().profiles.is_empty());
    assert!(profiles(&mut card, cla, &ProfileInfoListRequest::default()).is_empty());
    assert_eq!(retrieve(&mut card, cla).len(), 1);
    let good = Download::new(0x0F, 1000);
    assert!(matches!(
        final_result(&download(&mut card, cla, &smdp, &good)),
        FinalResult::SuccessResult(_)
    ));
    assert_eq!(card.isdr().state().profiles[0].package.0, good.package);
}

#[test]
fn package_that_is_not_a_profile_is_refused_and_rolled_back() {
    let mut d = Download::new(0x0A, 10);
    // Whole DER TLVs, but not ProfileElements.
    d.package = fake_package(2000, 0x0A);
    refused_then_good(d, ErrorReason::INSTALL_FAILED_DUE_TO_PE_PROCESSING_ERROR);
}

#[test]
fn package_without_header_first_or_end_last_is_refused() {
    let d = Download::new(0x0B, 10);
    let pkg = rsp_saip::ProfilePackage::decode(&d.package).unwrap();
    let mut no_end = pkg.clone();
    no_end.elements.pop();
    let mut no_header = pkg.clone();
    no_header.elements.remove(0);
    let mut end_first = pkg;
    let end = end_first.elements.pop().unwrap();
    end_first.elements.insert(1, end);
    for bad in [no_end, no_header, end_first] {
        let mut d = Download::new(0x0B, 10);
        d.package = bad.encode().unwrap();
        refused_then_good(d, ErrorReason::INSTALL_FAILED_DUE_TO_PE_PROCESSING_ERROR);
    }
}

#[test]
fn header_iccid_other_than_the_metadata_iccid_is_a_data_mismatch() {
    let mut d = Download::new(0x0C, 10);
    d.package = package(10, 0x0D);
    refused_then_good(d, ErrorReason::INSTALL_FAILED_DUE_TO_DATA_MISMATCH);
}

#[test]
fn header_iccid_in_swapped_bcd_is_accepted() {
    let mut d = Download::new(0x0E, 10);
    let mut pkg = rsp_saip::ProfilePackage::decode(&d.package).unwrap();
    pkg.header_mut().unwrap().iccid = d.metadata.iccid.as_bytes().to_vec().into();
    d.package = pkg.encode().unwrap();
    let (smdp, identity) = new_smdp(Curve::NistP256);
    let (mut card, cla) = card_with(identity, EuiccConfig::default(), StateStore::memory());
    let pir = download(&mut card, cla, &smdp, &d);
    assert!(matches!(final_result(&pir), FinalResult::SuccessResult(_)));
    assert_eq!(card.isdr().state().profiles[0].package.0, d.package);
}

#[test]
fn validation_error_is_a_pe_processing_error() {
    // Header ICCID = metadata ICCID, but EF.ICCID holds another one (rule header.iccid).
    let mut d = Download::new(0x10, 10);
    let mut pkg = rsp_saip::ProfilePackage::decode(&d.package).unwrap();
    assert!(pkg.write_file("mf/ef-iccid", 0, &test_iccid(0x11)).unwrap());
    assert!(rsp_saip::validate::has_errors(&rsp_saip::validate(&pkg)));
    d.package = pkg.encode().unwrap();
    refused_then_good(d, ErrorReason::INSTALL_FAILED_DUE_TO_PE_PROCESSING_ERROR);
}

#[test]
fn test_packages_are_valid_profiles() {
    let template = rsp_saip::template::generic().encode().unwrap().len();
    for (len, seed) in [(10, 1), (5000, 2), (30_000, 3)] {
        let der = package(len, seed);
        let want = len.max(template);
        assert!(der.len().abs_diff(want) < 32, "{} for {len}", der.len());
        let pkg = rsp_saip::ProfilePackage::decode(&der).unwrap();
        let findings = rsp_saip::validate(&pkg);
        assert!(!rsp_saip::validate::has_errors(&findings), "{findings:#?}");
        assert_eq!(
            rsp_saip::inspect::summarise(&pkg).iccid.unwrap(),
            rsp_saip::bcd::decode_swapped(&test_iccid(seed))
        );
    }
}

/// Every TS.48 test profile installs as is, its header ICCID as the metadata ICCID
/// (needs RSP_REFERENCE_DIR; skipped otherwise).
#[test]
fn ts48_profiles_install() {
    let Some(dir) = std::env::var_os("RSP_REFERENCE_DIR") else {
        println!("RSP_REFERENCE_DIR not set: skipping the TS.48 installation test");
        return;
    };
    let mut files: Vec<_> = std::fs::read_dir(std::path::Path::new(&dir).join("ts48"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "der"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 18, "expected the 18 TS.48 profiles");
    let (smdp, identity) = new_smdp(Curve::NistP256);
    let config = EuiccConfig {
        max_profile_bytes: 1 << 20,
        ..EuiccConfig::default()
    };
    let (mut card, cla) = card_with(identity, config, StateStore::memory());
    for (n, f) in files.iter().enumerate() {
        let der = std::fs::read(f).unwrap();
        let pkg = rsp_saip::ProfilePackage::decode(&der).unwrap();
        let digits = rsp_saip::bcd::decode_plain(&pkg.header().unwrap().iccid);
        let mut d = Download::new(0x70 + n as u8, 10);
        d.metadata.iccid = Iccid::new(
            rsp_saip::bcd::encode_swapped(&digits, 10)
                .try_into()
                .unwrap(),
        );
        d.package = der;
        let pir = download(&mut card, cla, &smdp, &d);
        assert!(
            matches!(final_result(&pir), FinalResult::SuccessResult(_)),
            "{}: {:?}",
            f.display(),
            final_result(&pir)
        );
        assert_eq!(card.isdr().state().profiles[0].package.0, d.package);
        // Same ICCID in every TS.48 profile: delete before the next one.
        let r: DeleteProfileResponse = decode(&es10(
            &mut card,
            cla,
            &encode(&DeleteProfileRequest::Iccid(d.metadata.iccid)).unwrap(),
        ))
        .unwrap();
        assert_eq!(r.delete_result, DeleteResult::OK, "{}", f.display());
    }
}
