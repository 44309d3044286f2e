use super::super::der::{EID, ICCID, SIG, cat, tlv};
use super::*;
use crate::asn1::{decode, encode};

fn utf8(s: &str) -> Utf8String {
    s.into()
}

/// BF51 { 30 { 80 eimId, 5A EID, 81 counter, 82 txId, A0 { every PSMO } }, 5F37 }.
fn psmo_request_der() -> (Vec<u8>, Vec<u8>) {
    let psmos = cat(&[
        &tlv(&[0xA3], &cat(&[&tlv(&[0x5A], &ICCID), &[0x05, 0x00]])),
        &tlv(&[0xA4], &tlv(&[0x5A], &ICCID)),
        &tlv(&[0xA5], &tlv(&[0x5A], &ICCID)),
        &tlv(&[0xBF, 0x2D], &tlv(&[0x5C], &[0x5A, 0x9F, 0x70])),
        &tlv(&[0xA6], &[]),
        &tlv(
            &[0xA7],
            &cat(&[&[0x80, 0x00], &tlv(&[0x82], b"dp.example")]),
        ),
        &tlv(&[0xA8], &tlv(&[0x5A], &ICCID)),
        &tlv(&[0xA9], &[]),
        &tlv(&[0xBF, 0x65], &tlv(&[0x0C], b"dp2.example")),
    ]);
    let signed = tlv(
        &[0x30],
        &cat(&[
            &tlv(&[0x80], b"eim.example"),
            &tlv(&[0x5A], &EID),
            &tlv(&[0x81], &[0x01, 0x00]),
            &tlv(&[0x82], &[0x11, 0x22]),
            &tlv(&[0xA0], &psmos),
        ]),
    );
    let request = tlv(&[0xBF, 0x51], &cat(&[&signed, &tlv(&[0x5F, 0x37], &SIG)]));
    (request, signed)
}

#[test]
fn psmo_package_request_from_hand_assembled_der() {
    let (bytes, signed) = psmo_request_der();
    let request: EuiccPackageRequest = decode(&bytes).expect("decodes");
    assert_eq!(request.euicc_package_signed.raw(), signed.as_slice());
    assert_eq!(request.eim_signature.as_ref(), SIG.as_slice());
    let body = request.euicc_package_signed.value();
    assert_eq!(body.eim_id, "eim.example");
    assert_eq!(body.eid_value.as_bytes(), &EID);
    assert_eq!(body.counter_value, Integer::from(256));
    assert_eq!(
        body.eim_transaction_id.as_ref().map(|t| t.as_bytes()),
        Some([0x11, 0x22].as_slice())
    );
    let EuiccPackage::PsmoList(psmos) = &body.euicc_package else {
        panic!("expected psmoList");
    };
    assert_eq!(psmos.len(), 9);
    assert!(
        matches!(psmos[0].known().expect("known"), Psmo::Enable(e) if e.iccid.as_bytes() == &ICCID && e.rollback_flag.is_some())
    );
    assert!(matches!(psmos[1].known().expect("known"), Psmo::Disable(_)));
    assert!(matches!(psmos[2].known().expect("known"), Psmo::Delete(_)));
    assert!(
        matches!(psmos[3].known().expect("known"), Psmo::ListProfileInfo(l) if l.tag_list.as_deref() == Some([0x5A, 0x9F, 0x70].as_slice()))
    );
    assert!(matches!(psmos[4].known().expect("known"), Psmo::GetRat(_)));
    assert!(
        matches!(psmos[5].known().expect("known"), Psmo::ConfigureImmediateEnable(c)
        if c.immediate_enable_flag.is_some() && c.default_smdp_oid.is_none()
            && c.default_smdp_address.as_deref() == Some("dp.example"))
    );
    assert!(matches!(
        psmos[6].known().expect("known"),
        Psmo::SetFallbackAttribute(_)
    ));
    assert!(matches!(
        psmos[7].known().expect("known"),
        Psmo::UnsetFallbackAttribute(_)
    ));
    assert!(
        matches!(psmos[8].known().expect("known"), Psmo::SetDefaultDpAddress(s) if s.default_dp_address == "dp2.example")
    );
    assert_eq!(encode(&request).expect("encodes"), bytes);
}

#[test]
fn signed_bytes_are_kept_as_received() {
    // Same package, but the signed SEQUENCE uses a long-form length (valid BER only):
    // the signature must be checked over these bytes, not over a DER re-encoding.
    let (_, signed) = psmo_request_der();
    let content = match signed[1] {
        0x81 => &signed[3..],
        _ => &signed[2..],
    };
    let len = u16::try_from(content.len()).expect("small");
    let mut ber = vec![0x30, 0x82];
    ber.extend(len.to_be_bytes());
    ber.extend_from_slice(content);
    let bytes = tlv(&[0xBF, 0x51], &cat(&[&ber, &tlv(&[0x5F, 0x37], &SIG)]));
    let request: EuiccPackageRequest = crate::asn1::decode_ber(&bytes).expect("decodes");
    assert_eq!(request.euicc_package_signed.raw(), ber.as_slice());
    assert_eq!(encode(&request).expect("encodes"), bytes);
}

#[test]
fn a_wrong_outer_tag_is_refused() {
    let (mut bytes, _) = psmo_request_der();
    bytes[1] = 0x52; // BF52 is IpaEuiccDataRequest
    assert!(decode::<EuiccPackageRequest>(&bytes).is_err());
}

fn spki_der() -> Vec<u8> {
    let alg = tlv(
        &[0x30],
        &cat(&[
            &tlv(&[0x06], &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01]),
            &tlv(&[0x06], &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07]),
        ]),
    );
    let mut point = vec![0x00, 0x04];
    point.extend([0x11; 64]);
    cat(&[&alg, &tlv(&[0x03], &point)])
}

#[test]
fn eco_package_from_hand_assembled_der() {
    let eim_config = cat(&[
        &tlv(&[0x80], b"eim-2"),
        &tlv(&[0x81], b"eim2.example"),
        &tlv(&[0x82], &[0x02]),
        &tlv(&[0x83], &[0x00]),
        &tlv(&[0xA5], &tlv(&[0xA0], &spki_der())),
        &tlv(&[0x87], &[0x05, 0xA0]),
        &tlv(&[0x88], &[0xF5, 0x41]),
        &[0x89, 0x00],
    ]);
    let ecos = cat(&[
        &tlv(&[0xA8], &eim_config),
        &tlv(&[0xA9], &tlv(&[0x80], b"eim-old")),
        &tlv(&[0xAA], &tlv(&[0x80], b"eim-3")),
        &tlv(&[0xAB], &[]),
    ]);
    let signed = tlv(
        &[0x30],
        &cat(&[
            &tlv(&[0x80], b"eim-1"),
            &tlv(&[0x5A], &EID),
            &tlv(&[0x81], &[0x07]),
            &tlv(&[0xA1], &ecos),
        ]),
    );
    let bytes = tlv(&[0xBF, 0x51], &cat(&[&signed, &tlv(&[0x5F, 0x37], &SIG)]));
    let request: EuiccPackageRequest = decode(&bytes).expect("decodes");
    let EuiccPackage::EcoList(ecos) = &request.euicc_package_signed.value().euicc_package else {
        panic!("expected ecoList");
    };
    let Some(Eco::AddEim(add)) = ecos[0].known() else {
        panic!("expected addEim");
    };
    assert_eq!(add.eim_id, "eim-2");
    assert_eq!(add.eim_fqdn.as_deref(), Some("eim2.example"));
    assert_eq!(add.eim_id_type, Some(EimIdType::EIM_ID_TYPE_FQDN));
    assert_eq!(add.counter_value, Some(Integer::from(0)));
    let Some(EimPublicKeyData::EimPublicKey(spki)) = &add.eim_public_key_data else {
        panic!("expected eimPublicKey");
    };
    assert_eq!(spki.subject_public_key.len(), 65 * 8);
    assert!(add.trusted_public_key_data_tls.is_none());
    let protocols = add.eim_supported_protocol.as_ref().expect("present");
    assert!(protocols.is_set(EimSupportedProtocol::EIM_RETRIEVE_HTTPS));
    assert!(protocols.is_set(EimSupportedProtocol::EIM_INJECT_HTTPS));
    assert!(!protocols.is_set(EimSupportedProtocol::EIM_RETRIEVE_COAPS));
    assert_eq!(add.euicc_ci_pk_id.as_deref(), Some([0xF5, 0x41].as_slice()));
    assert!(add.indirect_profile_download.is_some());
    assert!(matches!(ecos[1].known().expect("known"), Eco::DeleteEim(d) if d.eim_id == "eim-old"));
    assert!(matches!(ecos[2].known().expect("known"), Eco::UpdateEim(u) if u.eim_id == "eim-3"));
    assert!(matches!(ecos[3].known().expect("known"), Eco::ListEim(_)));
    assert_eq!(encode(&request).expect("encodes"), bytes);
}

#[test]
fn result_signed_from_hand_assembled_der() {
    let profile_info = tlv(
        &[0xE3],
        &cat(&[
            &tlv(&[0x5A], &ICCID),
            &tlv(&[0x9F, 0x70], &[0x01]),
            &tlv(&[0x9F, 0x7B], &[0x00]),
            &tlv(&[0x9F, 0x26], &[0xFF]),
            &tlv(&[0x9F, 0x67], &[0xFF]),
        ]),
    );
    let results = cat(&[
        &tlv(&[0x83], &[0x00]),
        &tlv(&[0x84], &[0x02]),
        &tlv(&[0x85], &[0x15]),
        &tlv(&[0xBF, 0x2D], &tlv(&[0xA0], &profile_info)),
        &tlv(&[0xA6], &[]),
        &tlv(&[0x87], &[0x07]),
        &tlv(&[0xA8], &tlv(&[0x84], &[0x2A])),
        &tlv(&[0xA8], &tlv(&[0x02], &[0x02])),
        &tlv(&[0x89], &[0x02]),
        &tlv(&[0x8A], &[0x06]),
        &tlv(
            &[0xAB],
            &tlv(
                &[0xA0],
                &tlv(
                    &[0x30],
                    &cat(&[&tlv(&[0x80], b"eim-1"), &tlv(&[0x82], &[0x01])]),
                ),
            ),
        ),
        &tlv(&[0x8C], &[0x00]),
        &tlv(&[0x8D], &[0x02]),
        &tlv(&[0x8E], &[0x03]),
        &tlv(&[0x02], &[0x01]),
        &tlv(&[0xBF, 0x65], &tlv(&[0x02], &[0x00])),
    ]);
    let signed = tlv(
        &[0x30],
        &cat(&[
            &tlv(&[0x80], b"eim-1"),
            &tlv(&[0x81], &[0x05]),
            &tlv(&[0x82], &[0xAB]),
            &tlv(&[0x83], &[0x09]),
            &tlv(&[0x30], &results),
        ]),
    );
    let bytes = tlv(
        &[0xBF, 0x51],
        &tlv(&[0xA0], &cat(&[&signed, &tlv(&[0x5F, 0x37], &SIG)])),
    );
    let result: EuiccPackageResult = decode(&bytes).expect("decodes");
    let EuiccPackageResult::EuiccPackageResultSigned(ok) = &result else {
        panic!("expected euiccPackageResultSigned");
    };
    assert_eq!(ok.euicc_package_result_data_signed.raw(), signed.as_slice());
    assert_eq!(ok.euicc_sign_epr.as_ref(), SIG.as_slice());
    let data = ok.euicc_package_result_data_signed.value();
    assert_eq!(data.eim_id, "eim-1");
    assert_eq!(data.counter_value, Integer::from(5));
    assert_eq!(data.seq_number, Integer::from(9));
    let r: Vec<&EuiccResultData> = data
        .euicc_result
        .iter()
        .map(|x| x.known().expect("known"))
        .collect();
    assert_eq!(r.len(), 16);
    assert_eq!(
        *r[0],
        EuiccResultData::EnableResult(EnableProfileResult::OK)
    );
    assert_eq!(
        *r[1],
        EuiccResultData::DisableResult(DisableProfileResult::PROFILE_NOT_IN_ENABLED_STATE)
    );
    assert_eq!(
        *r[2],
        EuiccResultData::DeleteResult(DeleteProfileResult::RETURN_FALLBACK_PROFILE)
    );
    let EuiccResultData::ListProfileInfoResult(Sgp32ProfileInfoListResponse::ProfileInfoListOk(
        infos,
    )) = r[3]
    else {
        panic!("expected listProfileInfoResult");
    };
    assert_eq!(infos[0].iccid.map(|i| *i.as_bytes()), Some(ICCID));
    assert_eq!(infos[0].ecall_indication, Some(false));
    assert!(infos[0].fallback_attribute);
    assert_eq!(infos[0].fallback_allowed, Some(true));
    assert!(matches!(r[4], EuiccResultData::GetRatResult(rat) if rat.is_empty()));
    assert_eq!(
        *r[5],
        EuiccResultData::ConfigureImmediateEnableResult(
            ConfigureImmediateEnableResult::COMMAND_ERROR
        )
    );
    assert_eq!(
        *r[6],
        EuiccResultData::AddEimResult(AddEimResult::AssociationToken(42.into()))
    );
    assert_eq!(
        *r[7],
        EuiccResultData::AddEimResult(AddEimResult::AddEimResultCode(
            AddEimResultCode::ASSOCIATED_EIM_ALREADY_EXISTS
        ))
    );
    assert_eq!(
        *r[8],
        EuiccResultData::DeleteEimResult(DeleteEimResult::LAST_EIM_DELETED)
    );
    assert_eq!(
        *r[9],
        EuiccResultData::UpdateEimResult(UpdateEimResult::COUNTER_VALUE_OUT_OF_RANGE)
    );
    assert!(
        matches!(r[10], EuiccResultData::ListEimResult(ListEimResult::EimIdList(l))
        if l[0].eim_id == "eim-1" && l[0].eim_id_type == Some(EimIdType::EIM_ID_TYPE_OID))
    );
    assert_eq!(
        *r[11],
        EuiccResultData::RollbackResult(RollbackProfileResult::OK)
    );
    assert_eq!(
        *r[12],
        EuiccResultData::SetFallbackAttributeResult(
            SetFallbackAttributeResult::FALLBACK_NOT_ALLOWED
        )
    );
    assert_eq!(
        *r[13],
        EuiccResultData::UnsetFallbackAttributeResult(
            UnsetFallbackAttributeResult::FALLBACK_PROFILE_ENABLED
        )
    );
    assert_eq!(
        *r[14],
        EuiccResultData::ProcessingTerminated(ProcessingTerminated::RESULT_SIZE_OVERFLOW)
    );
    assert!(
        matches!(r[15], EuiccResultData::SetDefaultDpAddressResult(s) if s.set_default_dp_address_result == SetDefaultDpAddressResultCode::OK)
    );
    assert_eq!(encode(&result).expect("encodes"), bytes);
}

#[test]
fn result_errors_from_hand_assembled_der() {
    let signed = tlv(
        &[0x30],
        &cat(&[
            &tlv(&[0x80], b"eim-1"),
            &tlv(&[0x81], &[0x05]),
            &tlv(&[0x02], &[0x04]),
        ]),
    );
    let bytes = tlv(
        &[0xBF, 0x51],
        &tlv(&[0xA1], &cat(&[&signed, &tlv(&[0x5F, 0x37], &SIG)])),
    );
    let result: EuiccPackageResult = decode(&bytes).expect("decodes");
    let EuiccPackageResult::EuiccPackageErrorSigned(err) = &result else {
        panic!("expected euiccPackageErrorSigned");
    };
    assert_eq!(err.euicc_package_error_data_signed.raw(), signed.as_slice());
    let data = err.euicc_package_error_data_signed.value();
    assert_eq!(
        data.euicc_package_error_code,
        EuiccPackageErrorCode::REPLAY_ERROR
    );
    assert!(data.eim_transaction_id.is_none());
    assert_eq!(encode(&result).expect("encodes"), bytes);

    let bytes = tlv(
        &[0xBF, 0x51],
        &tlv(
            &[0xA2],
            &cat(&[&tlv(&[0x80], b"eim-1"), &tlv(&[0x84], &[0x01, 0x00])]),
        ),
    );
    let result: EuiccPackageResult = decode(&bytes).expect("decodes");
    assert_eq!(
        result,
        EuiccPackageResult::EuiccPackageErrorUnsigned(EuiccPackageErrorUnsigned {
            eim_id: utf8("eim-1"),
            eim_transaction_id: None,
            association_token: Some(256.into()),
            ext: Extensions::default(),
        })
    );
    assert_eq!(encode(&result).expect("encodes"), bytes);
}

#[test]
fn built_values_round_trip() {
    let signed = EuiccPackageSigned {
        eim_id: utf8("eim"),
        eid_value: Octet16::new(EID),
        counter_value: 1.into(),
        eim_transaction_id: None,
        euicc_package: EuiccPackage::EcoList(vec![
            OpenChoice::Known(Eco::AddEim(Box::new(EimConfigurationData {
                eim_id: utf8("eim-2"),
                eim_supported_protocol: Some(EimSupportedProtocol::from_bits(&[
                    EimSupportedProtocol::EIM_RETRIEVE_COAPS,
                ])),
                ..Default::default()
            }))),
            Eco::ListEim(EmptySequence::default()).into(),
        ]),
        ext: Extensions::default(),
    };
    let request = EuiccPackageRequest {
        euicc_package_signed: Raw::new(signed).expect("encodes"),
        eim_signature: SIG.to_vec().into(),
        ext: Extensions::default(),
    };
    let bytes = encode(&request).expect("encodes");
    assert_eq!(&bytes[..2], &[0xBF, 0x51]);
    let back: EuiccPackageRequest = decode(&bytes).expect("decodes");
    assert_eq!(back, request);
    assert_eq!(
        back.euicc_package_signed.value(),
        request.euicc_package_signed.value()
    );

    let result = EuiccPackageResult::EuiccPackageResultSigned(EuiccPackageResultSigned {
        euicc_package_result_data_signed: Raw::new(EuiccPackageResultDataSigned {
            eim_id: utf8("eim"),
            counter_value: 1.into(),
            eim_transaction_id: None,
            seq_number: 3.into(),
            euicc_result: vec![
                EuiccResultData::EnableResult(EnableProfileResult::CAT_BUSY).into(),
                EuiccResultData::ListProfileInfoResult(
                    Sgp32ProfileInfoListResponse::ProfileInfoListOk(vec![Sgp32ProfileInfo {
                        iccid: Some(Iccid::new(ICCID)),
                        ..Default::default()
                    }]),
                )
                .into(),
                EuiccResultData::ListEimResult(ListEimResult::ListEimError(
                    ListEimError::UNDEFINED_ERROR,
                ))
                .into(),
            ],
            ext: Extensions::default(),
        })
        .expect("encodes"),
        euicc_sign_epr: SIG.to_vec().into(),
        ext: Extensions::default(),
    });
    let bytes = encode(&result).expect("encodes");
    // fallbackAttribute DEFAULT FALSE is not encoded.
    assert!(!bytes.windows(2).any(|w| w == [0x9F, 0x26]));
    let back: EuiccPackageResult = decode(&bytes).expect("decodes");
    assert_eq!(back, result);
}

#[test]
fn eim_id_size_is_checked() {
    // EuiccPackageErrorUnsigned with an empty eimId (SIZE(1..128)) is refused.
    let bytes = tlv(&[0xBF, 0x51], &tlv(&[0xA2], &[0x80, 0x00]));
    assert!(decode::<EuiccPackageResult>(&bytes).is_err());
    let long = vec![b'e'; 129];
    let bytes = tlv(&[0xBF, 0x51], &tlv(&[0xA2], &tlv(&[0x80], &long)));
    assert!(decode::<EuiccPackageResult>(&bytes).is_err());
    let ok = vec![b'e'; 128];
    let bytes = tlv(&[0xBF, 0x51], &tlv(&[0xA2], &tlv(&[0x80], &ok)));
    assert!(decode::<EuiccPackageResult>(&bytes).is_ok());
}

#[test]
fn unknown_operations_and_results_are_kept() {
    // An operation [30] (BF1E) that a newer eIM might send, beside a known one.
    let unknown = [0xBF, 0x1E, 0x00];
    let signed = tlv(
        &[0x30],
        &cat(&[
            &tlv(&[0x80], b"eim"),
            &tlv(&[0x5A], &EID),
            &tlv(&[0x81], &[0x01]),
            &tlv(&[0xA0], &cat(&[&unknown, &[0xA6, 0x00]])),
        ]),
    );
    let bytes = tlv(&[0xBF, 0x51], &cat(&[&signed, &tlv(&[0x5F, 0x37], &SIG)]));
    let request: EuiccPackageRequest = decode(&bytes).expect("decodes");
    let EuiccPackage::PsmoList(psmos) = &request.euicc_package_signed.value().euicc_package else {
        panic!("expected psmoList");
    };
    assert!(matches!(&psmos[0], OpenChoice::Unknown(tlv) if tlv.as_bytes() == unknown));
    assert!(matches!(psmos[1].known(), Some(Psmo::GetRat(_))));
    assert_eq!(encode(&request).expect("encodes"), bytes);

    // A result alternative [15] this version does not know.
    let signed = tlv(
        &[0x30],
        &cat(&[
            &tlv(&[0x80], b"eim"),
            &tlv(&[0x81], &[0x01]),
            &tlv(&[0x83], &[0x01]),
            &tlv(&[0x30], &[0x8F, 0x01, 0x00, 0x83, 0x01, 0x00]),
        ]),
    );
    let bytes = tlv(
        &[0xBF, 0x51],
        &tlv(&[0xA0], &cat(&[&signed, &tlv(&[0x5F, 0x37], &SIG)])),
    );
    let result: EuiccPackageResult = decode(&bytes).expect("decodes");
    let EuiccPackageResult::EuiccPackageResultSigned(ok) = &result else {
        panic!("expected euiccPackageResultSigned");
    };
    let results = &ok.euicc_package_result_data_signed.value().euicc_result;
    assert!(results[0].known().is_none());
    assert_eq!(
        results[1].known(),
        Some(&EuiccResultData::EnableResult(EnableProfileResult::OK))
    );
    assert_eq!(encode(&result).expect("encodes"), bytes);
}
