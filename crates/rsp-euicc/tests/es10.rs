//! ES10a/b/c functions outside the download: addresses, memory reset, RAT, CRL, EID,
//! identity loading.
#![allow(clippy::unwrap_used)]

mod common;

use common::smdp::TestSmdp;
use common::*;
use rsp_codec::asn1::*;
use rsp_crypto::Curve;
use rsp_euicc::{Card, EuiccConfig, Identity, StateStore};
use time::{Duration, OffsetDateTime};

fn call<T: rasn::Decode>(card: &mut Card, cla: u8, req: &impl rasn::Encode) -> T {
    decode(&es10(card, cla, &encode(req).unwrap())).unwrap()
}

/// The root SM-DS address kept in the state (set when the eUICC was created) is the one
/// GetEuiccConfiguredAddresses answers (SGP.22 §5.7.3), over the configured default.
#[test]
fn configured_root_ds_address_from_the_state() {
    let (_, identity) = new_smdp(Curve::NistP256);
    let path = std::env::temp_dir().join(format!("rsp-euicc-rootds-{}.json", std::process::id()));
    let store = StateStore::file(&path);
    store
        .save(&rsp_euicc::EuiccState {
            root_ds_address: Some("root-ds.example.com".into()),
            default_dp_address: Some("dp.example.com".into()),
            ..rsp_euicc::EuiccState::default()
        })
        .unwrap();
    let (mut card, cla) = card_with(identity, EuiccConfig::default(), store);
    let r: EuiccConfiguredAddressesResponse =
        call(&mut card, cla, &EuiccConfiguredAddressesRequest::default());
    assert_eq!(r.root_ds_address, "root-ds.example.com");
    assert_eq!(r.default_dp_address.as_deref(), Some("dp.example.com"));
    let _ = std::fs::remove_file(&path);
}

#[test]
fn configured_addresses() {
    let (_, identity) = new_smdp(Curve::NistP256);
    let config = EuiccConfig {
        root_ds_address: "ds.example.com".into(),
        ..EuiccConfig::default()
    };
    let (mut card, cla) = card_with(identity, config, StateStore::memory());
    let r: EuiccConfiguredAddressesResponse =
        call(&mut card, cla, &EuiccConfiguredAddressesRequest::default());
    assert_eq!(r.root_ds_address, "ds.example.com");
    assert_eq!(r.default_dp_address, None);
    let r: SetDefaultDpAddressResponse = call(
        &mut card,
        cla,
        &SetDefaultDpAddressRequest {
            default_dp_address: "dp.example.com".into(),
            ext: Extensions::default(),
        },
    );
    assert_eq!(
        r.set_default_dp_address_result,
        SetDefaultDpAddressResult::OK
    );
    let r: EuiccConfiguredAddressesResponse =
        call(&mut card, cla, &EuiccConfiguredAddressesRequest::default());
    assert_eq!(r.default_dp_address.as_deref(), Some("dp.example.com"));
    // Memory reset of the default SM-DP+ address only.
    let r: EuiccMemoryResetResponse = call(
        &mut card,
        cla,
        &EuiccMemoryResetRequest {
            reset_options: ResetOptions::from_bits(&[ResetOptions::RESET_DEFAULT_SMDP_ADDRESS]),
            ext: Extensions::default(),
        },
    );
    assert_eq!(r.reset_result, ResetResult::OK);
    let r: EuiccMemoryResetResponse = call(
        &mut card,
        cla,
        &EuiccMemoryResetRequest {
            reset_options: ResetOptions::from_bits(&[0, 1, 2]),
            ext: Extensions::default(),
        },
    );
    assert_eq!(r.reset_result, ResetResult::NOTHING_TO_DELETE);
    let r: GetRatResponse = call(&mut card, cla, &GetRatRequest::default());
    assert!(r.rat.is_empty());
}

#[test]
fn memory_reset_deletes_operational_profiles() {
    let (smdp, identity) = new_smdp(Curve::BrainpoolP256r1);
    let (mut card, cla) = card_with(identity, EuiccConfig::default(), StateStore::memory());
    let mut test_profile = Download::new(0x20, 500);
    test_profile.metadata.profile_class = ProfileClass::TEST;
    test_profile.lpac = true;
    download(&mut card, cla, &smdp, &test_profile);
    download(&mut card, cla, &smdp, &Download::new(0x21, 500));
    assert_eq!(card.isdr().state().profiles.len(), 2);
    let r: EuiccMemoryResetResponse = call(
        &mut card,
        cla,
        &EuiccMemoryResetRequest {
            reset_options: ResetOptions::from_bits(&[ResetOptions::DELETE_OPERATIONAL_PROFILES]),
            ext: Extensions::default(),
        },
    );
    assert_eq!(r.reset_result, ResetResult::OK);
    let left = &card.isdr().state().profiles;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].iccid.0, test_profile.metadata.iccid.as_bytes());
    // Search by class.
    let r: ProfileInfoListResponse = call(
        &mut card,
        cla,
        &ProfileInfoListRequest {
            search_criteria: Some(ProfileSearchCriteria::ProfileClass(
                ProfileClass::OPERATIONAL,
            )),
            tag_list: None,
            ext: Extensions::default(),
        },
    );
    assert_eq!(r, ProfileInfoListResponse::ProfileInfoListOk(vec![]));
}

#[test]
fn enable_switches_profiles() {
    let (smdp, identity) = new_smdp(Curve::NistP256);
    let (mut card, cla) = card_with(identity, EuiccConfig::default(), StateStore::memory());
    let a = Download::new(0x30, 500);
    let b = Download::new(0x31, 500);
    download(&mut card, cla, &smdp, &a);
    download(&mut card, cla, &smdp, &b);
    for d in [&a, &b] {
        let r: EnableProfileResponse = call(
            &mut card,
            cla,
            &EnableProfileRequest {
                profile_identifier: ProfileIdentifier::Iccid(d.metadata.iccid),
                refresh_flag: true,
                ext: Extensions::default(),
            },
        );
        assert_eq!(r.enable_result, EnableResult::OK);
    }
    let enabled: Vec<bool> = card
        .isdr()
        .state()
        .profiles
        .iter()
        .map(|p| p.enabled)
        .collect();
    assert_eq!(enabled, vec![false, true]);
    let r: EnableProfileResponse = call(
        &mut card,
        cla,
        &EnableProfileRequest {
            profile_identifier: ProfileIdentifier::IsdpAid(OctetTo16(vec![1, 2, 3].into())),
            refresh_flag: true,
            ext: Extensions::default(),
        },
    );
    assert_eq!(r.enable_result, EnableResult::ICCID_OR_AID_NOT_FOUND);
    let r: SetNicknameResponse = call(
        &mut card,
        cla,
        &SetNicknameRequest {
            iccid: Iccid::new([0x98; 10]),
            profile_nickname: "x".into(),
            ext: Extensions::default(),
        },
    );
    assert_eq!(r.set_nickname_result, SetNicknameResult::ICCID_NOT_FOUND);
}

#[test]
fn crl_revokes_the_dpauth_certificate() {
    let (smdp, identity) = new_smdp(Curve::NistP256);
    let (mut card, cla) = card_with(identity, EuiccConfig::default(), StateStore::memory());
    let now = OffsetDateTime::now_utc();
    let crl = rsp_pki::issue_crl(
        &smdp.ci,
        &smdp.ci_key,
        1,
        &[&smdp.dpauth],
        now - Duration::minutes(5),
        now + Duration::days(1),
    )
    .unwrap();
    let req = LoadCRLRequest {
        crl: CertificateList::from_der(crl.der()).unwrap(),
        ext: Extensions::default(),
    };
    let r: LoadCRLResponse = call(&mut card, cla, &req);
    assert!(matches!(r, LoadCRLResponse::LoadCRLResponseOk(_)), "{r:?}");
    // A CRL from a foreign CI with the same name: its signature does not verify.
    let foreign = TestSmdp::generate(Curve::NistP256);
    let other = rsp_pki::issue_crl(
        &foreign.ci,
        &foreign.ci_key,
        1,
        &[],
        now - Duration::minutes(5),
        now + Duration::days(1),
    )
    .unwrap();
    let r: LoadCRLResponse = call(
        &mut card,
        cla,
        &LoadCRLRequest {
            crl: CertificateList::from_der(other.der()).unwrap(),
            ext: Extensions::default(),
        },
    );
    assert_eq!(
        r,
        LoadCRLResponse::LoadCRLResponseError(LoadCRLResponseError::INVALID_SIGNATURE)
    );
    // The revoked DPauth certificate no longer authenticates.
    let c = challenge(&mut card, cla);
    let r: AuthenticateServerResponse = decode(&es10(
        &mut card,
        cla,
        &smdp.authenticate_server_request(&[1], c, None),
    ))
    .unwrap();
    let AuthenticateServerResponse::AuthenticateResponseError(e) = r else {
        panic!("{r:?}")
    };
    assert_eq!(
        e.authenticate_error_code,
        AuthenticateErrorCode::INVALID_CERTIFICATE
    );
}

#[test]
fn identity_from_pki_dir_and_info() {
    let dir = std::env::temp_dir().join(format!("rsp-euicc-pki-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for curve in [Curve::NistP256, Curve::BrainpoolP256r1] {
        let pki = rsp_pki::TestPki::generate(curve, &rsp_pki::TestPkiOptions::default()).unwrap();
        pki.write_to(&dir.join(curve.name()), false).unwrap();
    }
    let identity = Identity::from_pki_dir(&dir).unwrap();
    assert_eq!(identity.credentials().len(), 2);
    assert_eq!(identity.eid_text(), rsp_pki::DEFAULT_EID);
    assert_eq!(identity.ci_pk_ids_for_verification().len(), 2);
    assert_eq!(identity.ci_pk_ids_for_signing().len(), 2);
    let (mut card, cla) = card_with(identity, EuiccConfig::default(), StateStore::memory());
    let info1: EUICCInfo1 = call(&mut card, cla, &GetEuiccInfo1Request::default());
    assert_eq!(info1.euicc_ci_pk_id_list_for_verification.len(), 2);
    let info2: EUICCInfo2 = call(&mut card, cla, &GetEuiccInfo2Request::default());
    assert!(info2.rsp_capability.is_set(RspCapability::CRL_SUPPORT));
    assert_eq!(
        info2.euicc_ci_pk_id_list_for_signing,
        info1.euicc_ci_pk_id_list_for_signing
    );
    // A directory without eUICC files.
    assert!(Identity::from_pki_dir(&dir.join("nope")).is_err());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn identity_rejects_a_key_that_does_not_match() {
    let smdp = TestSmdp::generate(Curve::NistP256);
    let (cert, eum, _) = smdp.euicc.unwrap();
    let other = rsp_crypto::SoftwareKey::generate(Curve::NistP256).unwrap();
    assert!(Identity::new(vec![(cert, eum, other)], vec![smdp.ci]).is_err());
}

fn with_ppr(d: &mut Download<'_>, bit: usize, mcc_mnc: [u8; 3]) {
    d.metadata.profile_policy_rules = Some(PprIds::from_bits(&[bit]));
    d.metadata.profile_owner = Some(OperatorId {
        mcc_mnc: Octet3::new(mcc_mnc),
        gid1: None,
        gid2: None,
        ext: Extensions::default(),
    });
}

#[test]
fn profile_policy_rules_follow_the_rat() {
    let (smdp, identity) = new_smdp(Curve::NistP256);
    // Operator 001/01 (coded 00 F1 10) may set PPR1; any MCC 001 operator may set PPR2
    // through wildcard nibbles (E).
    let rat = vec![
        ProfilePolicyAuthorisationRule {
            ppr_ids: PprIds::from_bits(&[PprIds::PPR1]),
            allowed_operators: vec![OperatorId {
                mcc_mnc: Octet3::new([0x00, 0xF1, 0x10]),
                gid1: None,
                gid2: None,
                ext: Extensions::default(),
            }],
            ppr_flags: PprFlags::from_bits(&[]),
            ext: Extensions::default(),
        },
        ProfilePolicyAuthorisationRule {
            ppr_ids: PprIds::from_bits(&[PprIds::PPR2]),
            allowed_operators: vec![OperatorId {
                mcc_mnc: Octet3::new([0x00, 0xF1, 0xEE]),
                gid1: None,
                gid2: None,
                ext: Extensions::default(),
            }],
            ppr_flags: PprFlags::from_bits(&[]),
            ext: Extensions::default(),
        },
    ];
    let config = EuiccConfig {
        rat: rat.clone(),
        ..EuiccConfig::default()
    };
    let (mut card, cla) = card_with(identity, config, StateStore::memory());
    let r: GetRatResponse = call(&mut card, cla, &GetRatRequest::default());
    assert_eq!(r.rat, rat);

    // PPR1 by another operator: refused at StoreMetadata.
    let mut refused = Download::new(0x60, 500);
    with_ppr(&mut refused, PprIds::PPR1, [0x00, 0xF1, 0x20]);
    let pir = download(&mut card, cla, &smdp, &refused);
    match &pir.profile_installation_result_data.value().final_result {
        FinalResult::ErrorResult(e) => {
            assert_eq!(e.bpp_command_id, BppCommandId::STORE_METADATA);
            assert_eq!(e.error_reason, ErrorReason::PPR_NOT_ALLOWED);
        }
        other => panic!("{other:?}"),
    }
    // PPR1 by the allowed operator: installed, enabled, cannot be disabled.
    let mut ppr1 = Download::new(0x61, 500);
    with_ppr(&mut ppr1, PprIds::PPR1, [0x00, 0xF1, 0x10]);
    download(&mut card, cla, &smdp, &ppr1);
    let id = ProfileIdentifier::Iccid(ppr1.metadata.iccid);
    let r: EnableProfileResponse = call(
        &mut card,
        cla,
        &EnableProfileRequest {
            profile_identifier: id.clone(),
            refresh_flag: false,
            ext: Extensions::default(),
        },
    );
    assert_eq!(r.enable_result, EnableResult::OK);
    let r: DisableProfileResponse = call(
        &mut card,
        cla,
        &DisableProfileRequest {
            profile_identifier: id,
            refresh_flag: false,
            ext: Extensions::default(),
        },
    );
    assert_eq!(r.disable_result, DisableResult::DISALLOWED_BY_POLICY);
    // PPR2 through the wildcard rule: installed, cannot be deleted.
    let mut ppr2 = Download::new(0x62, 500);
    with_ppr(&mut ppr2, PprIds::PPR2, [0x00, 0xF1, 0x99]);
    download(&mut card, cla, &smdp, &ppr2);
    let r: DeleteProfileResponse = call(
        &mut card,
        cla,
        &DeleteProfileRequest::Iccid(ppr2.metadata.iccid),
    );
    assert_eq!(r.delete_result, DeleteResult::DISALLOWED_BY_POLICY);
    // Enabling it would disable the PPR1 profile: refused too.
    let r: EnableProfileResponse = call(
        &mut card,
        cla,
        &EnableProfileRequest {
            profile_identifier: ProfileIdentifier::Iccid(ppr2.metadata.iccid),
            refresh_flag: false,
            ext: Extensions::default(),
        },
    );
    assert_eq!(r.enable_result, EnableResult::DISALLOWED_BY_POLICY);
}
