use super::super::der::{EID, SIG, cat, tlv};
use super::super::es10b_iot::{
    CompactEuiccCancelSessionSigned, CompactOtherSignedNotification, CompactSignedData,
    IpaEuiccData,
};
use super::super::euicc_package::{EuiccPackageErrorUnsigned, EuiccPackageSigned};
use super::*;
use crate::asn1::common::NotificationEvent;
use crate::asn1::es10b::{AuthenticateErrorCode, CancelSessionReason};
use crate::asn1::{decode, encode};

fn from_ipa(bytes: &[u8]) -> EsipaMessageFromIpaToEim {
    let message: EsipaMessageFromIpaToEim = decode(bytes).expect("decodes");
    assert_eq!(encode(&message).expect("encodes"), bytes, "re-encodes");
    message
}

fn from_eim(bytes: &[u8]) -> EsipaMessageFromEimToIpa {
    let message: EsipaMessageFromEimToIpa = decode(bytes).expect("decodes");
    assert_eq!(encode(&message).expect("encodes"), bytes, "re-encodes");
    message
}

fn unsigned_result() -> Vec<u8> {
    // BF51 { A2 { 80 "eim-1" } }
    tlv(&[0xBF, 0x51], &tlv(&[0xA2], &tlv(&[0x80], b"eim-1")))
}

#[test]
fn get_eim_package_request() {
    let bytes = tlv(
        &[0xBF, 0x4F],
        &cat(&[
            &tlv(&[0x5A], &EID),
            &[0x80, 0x00],
            &tlv(&[0x81], &[0x01]),
            &tlv(&[0x82], &[0x32, 0xF4, 0x10]),
        ]),
    );
    let EsipaMessageFromIpaToEim::GetEimPackageRequest(request) = from_ipa(&bytes) else {
        panic!("expected getEimPackageRequest");
    };
    assert_eq!(request.eid_value.as_bytes(), &EID);
    assert!(request.notify_state_change.is_some());
    assert_eq!(request.state_change_cause, Some(StateChangeCause::FALLBACK));
    assert_eq!(
        request.r_plmn.map(|p| *p.as_bytes()),
        Some([0x32, 0xF4, 0x10])
    );
}

#[test]
fn get_eim_package_response_alternatives() {
    // BF4F { 02 01 01 }: noEimPackageAvailable.
    let bytes = tlv(&[0xBF, 0x4F], &[0x02, 0x01, 0x01]);
    assert_eq!(
        from_eim(&bytes),
        EsipaMessageFromEimToIpa::GetEimPackageResponse(GetEimPackageResponse::EimPackageError(
            EimPackageError::NO_EIM_PACKAGE_AVAILABLE
        ))
    );

    // BF4F { BF51 { 30 { 80, 5A, 81, A0 { A6 00 } }, 5F37 } }: a signed eUICC Package.
    let signed = tlv(
        &[0x30],
        &cat(&[
            &tlv(&[0x80], b"eim-1"),
            &tlv(&[0x5A], &EID),
            &tlv(&[0x81], &[0x02]),
            &tlv(&[0xA0], &[0xA6, 0x00]),
        ]),
    );
    let request = tlv(&[0xBF, 0x51], &cat(&[&signed, &tlv(&[0x5F, 0x37], &SIG)]));
    let bytes = tlv(&[0xBF, 0x4F], &request);
    let EsipaMessageFromEimToIpa::GetEimPackageResponse(
        GetEimPackageResponse::EuiccPackageRequest(package),
    ) = from_eim(&bytes)
    else {
        panic!("expected euiccPackageRequest");
    };
    assert_eq!(package.euicc_package_signed.raw(), signed.as_slice());
    let body: &EuiccPackageSigned = package.euicc_package_signed.value();
    assert_eq!(body.counter_value, Integer::from(2));

    // BF4F { BF52 { 5C 01 80, A1 { 80 01 05 } } }: an IpaEuiccDataRequest.
    let bytes = tlv(
        &[0xBF, 0x4F],
        &tlv(
            &[0xBF, 0x52],
            &cat(&[&tlv(&[0x5C], &[0x80]), &tlv(&[0xA1], &[0x80, 0x01, 0x05])]),
        ),
    );
    let EsipaMessageFromEimToIpa::GetEimPackageResponse(
        GetEimPackageResponse::IpaEuiccDataRequest(data_request),
    ) = from_eim(&bytes)
    else {
        panic!("expected ipaEuiccDataRequest");
    };
    assert_eq!(data_request.tag_list.as_ref(), [0x80].as_slice());
    assert!(matches!(
        data_request.search_criteria_notification,
        Some(super::super::es10b_iot::SearchCriteriaNotification::SeqNumber(ref n)) if *n == Integer::from(5)
    ));
}

#[test]
fn transfer_eim_package_request_and_response() {
    // BF4E { BF53 { 80 01 01, 80 01 02 } }
    let bytes = tlv(
        &[0xBF, 0x4E],
        &tlv(&[0xBF, 0x53], &[0x80, 0x01, 0x01, 0x80, 0x01, 0x02]),
    );
    let EsipaMessageFromEimToIpa::TransferEimPackageRequest(
        TransferEimPackageRequest::EimAcknowledgements(acks),
    ) = from_eim(&bytes)
    else {
        panic!("expected eimAcknowledgements");
    };
    assert_eq!(
        acks.0,
        vec![SequenceNumber(1.into()), SequenceNumber(2.into())]
    );

    // BF4E { BF54 { A0 { 80 AC }, 82 01 07 } }
    let ac = b"1$rsp.example$MATCHING";
    let bytes = tlv(
        &[0xBF, 0x4E],
        &tlv(
            &[0xBF, 0x54],
            &cat(&[&tlv(&[0xA0], &tlv(&[0x80], ac)), &tlv(&[0x82], &[0x07])]),
        ),
    );
    let EsipaMessageFromEimToIpa::TransferEimPackageRequest(
        TransferEimPackageRequest::ProfileDownloadTriggerRequest(trigger),
    ) = from_eim(&bytes)
    else {
        panic!("expected profileDownloadTriggerRequest");
    };
    assert_eq!(
        trigger.profile_download_data,
        Some(ProfileDownloadData::ActivationCode(
            "1$rsp.example$MATCHING".into()
        ))
    );

    // IPA answers: BF4E { 05 00 }, BF4E { 02 01 02 }, BF4E { 30 { BF51, A0 {} } }.
    assert_eq!(
        from_ipa(&[0xBF, 0x4E, 0x02, 0x05, 0x00]),
        EsipaMessageFromIpaToEim::TransferEimPackageResponse(
            TransferEimPackageResponse::EimPackageReceived(())
        )
    );
    assert_eq!(
        from_ipa(&[0xBF, 0x4E, 0x03, 0x02, 0x01, 0x02]),
        EsipaMessageFromIpaToEim::TransferEimPackageResponse(
            TransferEimPackageResponse::EimPackageError(EimPackageResultErrorCode::UNKNOWN_PACKAGE)
        )
    );
    let bytes = tlv(
        &[0xBF, 0x4E],
        &tlv(&[0x30], &cat(&[&unsigned_result(), &[0xA0, 0x00]])),
    );
    let EsipaMessageFromIpaToEim::TransferEimPackageResponse(
        TransferEimPackageResponse::EprAndNotifications(epr),
    ) = from_ipa(&bytes)
    else {
        panic!("expected ePRAndNotifications");
    };
    assert!(epr.notification_list.is_empty());
    assert!(matches!(
        epr.euicc_package_result,
        EuiccPackageResult::EuiccPackageErrorUnsigned(EuiccPackageErrorUnsigned { ref eim_id, .. }) if eim_id == "eim-1"
    ));
}

#[test]
fn provide_eim_package_result_and_response() {
    // BF50 { 5A EID, BF51 { A2 { 80 } } }
    let bytes = tlv(
        &[0xBF, 0x50],
        &cat(&[&tlv(&[0x5A], &EID), &unsigned_result()]),
    );
    let EsipaMessageFromIpaToEim::ProvideEimPackageResult(result) = from_ipa(&bytes) else {
        panic!("expected provideEimPackageResult");
    };
    assert_eq!(result.eid_value.map(|e| *e.as_bytes()), Some(EID));
    assert!(matches!(
        result.eim_package_result,
        EimPackageResult::EuiccPackageResult(_)
    ));

    // BF50 { A0 { 80 01 09, 02 01 01 } }
    let bytes = tlv(
        &[0xBF, 0x50],
        &tlv(&[0xA0], &[0x80, 0x01, 0x09, 0x02, 0x01, 0x01]),
    );
    let EsipaMessageFromIpaToEim::ProvideEimPackageResult(result) = from_ipa(&bytes) else {
        panic!("expected provideEimPackageResult");
    };
    let EimPackageResult::EimPackageResultResponseError(error) = result.eim_package_result else {
        panic!("expected eimPackageResultResponseError");
    };
    assert_eq!(
        error.eim_package_result_error_code,
        EimPackageResultErrorCode::INVALID_PACKAGE_FORMAT
    );
    assert_eq!(
        error.eim_transaction_id.as_ref().map(|t| t.as_bytes()),
        Some([0x09].as_slice())
    );

    // BF50 { BF52 { A0 { 81 "dp.example", 84 01 2A } } }: IpaEuiccData.
    let bytes = tlv(
        &[0xBF, 0x50],
        &tlv(
            &[0xBF, 0x52],
            &tlv(
                &[0xA0],
                &cat(&[&tlv(&[0x81], b"dp.example"), &tlv(&[0x84], &[0x2A])]),
            ),
        ),
    );
    let EsipaMessageFromIpaToEim::ProvideEimPackageResult(result) = from_ipa(&bytes) else {
        panic!("expected provideEimPackageResult");
    };
    let EimPackageResult::IpaEuiccDataResponse(IpaEuiccDataResponse::IpaEuiccData(data)) =
        result.eim_package_result
    else {
        panic!("expected ipaEuiccData");
    };
    assert_eq!(
        *data,
        IpaEuiccData {
            default_smdp_address: Some("dp.example".into()),
            association_token: Some(42.into()),
            ..Default::default()
        }
    );

    // eIM answers: BF50 { BF53 { 80 01 05 } }, BF50 { 30 00 }, BF50 { 02 01 03 }.
    assert_eq!(
        from_eim(&[0xBF, 0x50, 0x06, 0xBF, 0x53, 0x03, 0x80, 0x01, 0x05]),
        EsipaMessageFromEimToIpa::ProvideEimPackageResultResponse(
            ProvideEimPackageResultResponse::EimAcknowledgements(EimAcknowledgements(vec![
                SequenceNumber(5.into())
            ]))
        )
    );
    assert!(matches!(
        from_eim(&[0xBF, 0x50, 0x02, 0x30, 0x00]),
        EsipaMessageFromEimToIpa::ProvideEimPackageResultResponse(
            ProvideEimPackageResultResponse::EmptyResponse(_)
        )
    ));
    assert_eq!(
        from_eim(&[0xBF, 0x50, 0x03, 0x02, 0x01, 0x03]),
        EsipaMessageFromEimToIpa::ProvideEimPackageResultResponse(
            ProvideEimPackageResultResponse::ProvideEimPackageResultError(
                ProvideEimPackageResultError::INVALID_EID
            )
        )
    );
}

#[test]
fn initiate_authentication() {
    let challenge = [0x42; 16];
    let bytes = tlv(
        &[0xBF, 0x39],
        &cat(&[
            &tlv(&[0x81], &challenge),
            &tlv(&[0x83], b"dp.example"),
            &tlv(&[0x82], &[0x01, 0x02]),
        ]),
    );
    let EsipaMessageFromIpaToEim::InitiateAuthenticationRequestEsipa(request) = from_ipa(&bytes)
    else {
        panic!("expected initiateAuthenticationRequestEsipa");
    };
    assert_eq!(request.euicc_challenge.as_bytes(), &challenge);
    assert_eq!(request.smdp_address.as_deref(), Some("dp.example"));
    assert!(request.euicc_info1.is_none());
    assert!(request.eim_transaction_id.is_some());

    // BF39 { 81 01 34 }: invalidEimTransactionId (52).
    assert_eq!(
        from_eim(&[0xBF, 0x39, 0x03, 0x81, 0x01, 0x34]),
        EsipaMessageFromEimToIpa::InitiateAuthenticationResponseEsipa(
            InitiateAuthenticationResponseEsipa::InitiateAuthenticationErrorEsipa(
                InitiateAuthenticationErrorEsipa::INVALID_EIM_TRANSACTION_ID
            )
        )
    );
}

#[test]
fn authenticate_client() {
    // BF3B { 80 tx, BF38 { A1 { 80 tx, 02 01 01 } } }
    let tx = [0xAB; 16];
    let bytes = tlv(
        &[0xBF, 0x3B],
        &cat(&[
            &tlv(&[0x80], &tx),
            &tlv(
                &[0xBF, 0x38],
                &tlv(&[0xA1], &cat(&[&tlv(&[0x80], &tx), &[0x02, 0x01, 0x01]])),
            ),
        ]),
    );
    let EsipaMessageFromIpaToEim::AuthenticateClientRequestEsipa(request) = from_ipa(&bytes) else {
        panic!("expected authenticateClientRequestEsipa");
    };
    let Sgp32AuthenticateServerResponse::AuthenticateResponseError(error) =
        &request.authenticate_server_response
    else {
        panic!("expected authenticateResponseError");
    };
    assert_eq!(
        error.authenticate_error_code,
        AuthenticateErrorCode::from(1)
    );

    // Compact: BF3B { 80 tx, BF38 { A2 { A0 { 84 01 00 }, 5F37 sig } } }
    let compact_signed = tlv(&[0xA0], &[0x84, 0x01, 0x00]);
    let bytes = tlv(
        &[0xBF, 0x3B],
        &cat(&[
            &tlv(&[0x80], &tx),
            &tlv(
                &[0xBF, 0x38],
                &tlv(&[0xA2], &cat(&[&compact_signed, &tlv(&[0x5F, 0x37], &SIG)])),
            ),
        ]),
    );
    let EsipaMessageFromIpaToEim::AuthenticateClientRequestEsipa(request) = from_ipa(&bytes) else {
        panic!("expected authenticateClientRequestEsipa");
    };
    let Sgp32AuthenticateServerResponse::CompactAuthenticateResponseOk(ok) =
        &request.authenticate_server_response
    else {
        panic!("expected compactAuthenticateResponseOk");
    };
    let CompactSignedData::CompactEuiccSigned1(signed) = &ok.signed_data else {
        panic!("expected compactEuiccSigned1");
    };
    assert_eq!(signed.raw(), compact_signed.as_slice());
    assert_eq!(signed.value().ext_card_resource.as_ref(), [0x00].as_slice());
    assert!(ok.euicc_certificate.is_none() && ok.eum_certificate.is_none());

    // BF3B { A1 { 80 tx, BF54 { A0 { A2 { 80 "ds.example" } } } } }: SM-DS answer.
    let bytes = tlv(
        &[0xBF, 0x3B],
        &tlv(
            &[0xA1],
            &cat(&[
                &tlv(&[0x80], &tx),
                &tlv(
                    &[0xBF, 0x54],
                    &tlv(&[0xA0], &tlv(&[0xA2], &tlv(&[0x80], b"ds.example"))),
                ),
            ]),
        ),
    );
    let EsipaMessageFromEimToIpa::AuthenticateClientResponseEsipa(
        AuthenticateClientResponseEsipa::AuthenticateClientOkDsEsipa(ds),
    ) = from_eim(&bytes)
    else {
        panic!("expected authenticateClientOkDSEsipa");
    };
    assert!(matches!(
        ds.profile_download_trigger.and_then(|t| t.profile_download_data),
        Some(ProfileDownloadData::ContactSmds(ContactSmds { smds_address: Some(ref a), .. })) if a == "ds.example"
    ));

    assert_eq!(
        from_eim(&[0xBF, 0x3B, 0x03, 0x82, 0x01, 0x38]),
        EsipaMessageFromEimToIpa::AuthenticateClientResponseEsipa(
            AuthenticateClientResponseEsipa::AuthenticateClientErrorEsipa(
                AuthenticateClientErrorEsipa::EVENT_ID_UNKNOWN
            )
        )
    );
}

#[test]
fn get_bound_profile_package_compact() {
    // BF3A { 80 tx, BF21 { A2 { 30 { 5F49 otpk }, 5F37 sig } } }
    let mut otpk = vec![0x04];
    otpk.extend([0x33; 64]);
    let signed2 = tlv(&[0x30], &tlv(&[0x5F, 0x49], &otpk));
    let bytes = tlv(
        &[0xBF, 0x3A],
        &cat(&[
            &tlv(&[0x80], &[0x01]),
            &tlv(
                &[0xBF, 0x21],
                &tlv(&[0xA2], &cat(&[&signed2, &tlv(&[0x5F, 0x37], &SIG)])),
            ),
        ]),
    );
    let EsipaMessageFromIpaToEim::GetBoundProfilePackageRequestEsipa(request) = from_ipa(&bytes)
    else {
        panic!("expected getBoundProfilePackageRequestEsipa");
    };
    let Sgp32PrepareDownloadResponse::CompactDownloadResponseOk(ok) =
        &request.prepare_download_response
    else {
        panic!("expected compactDownloadResponseOk");
    };
    assert_eq!(ok.compact_euicc_signed2.raw(), signed2.as_slice());
    assert_eq!(
        ok.compact_euicc_signed2.value().euicc_otpk.as_deref(),
        Some(otpk.as_slice())
    );
    assert!(ok.compact_euicc_signed2.value().hash_cc.is_none());

    assert_eq!(
        from_eim(&[0xBF, 0x3A, 0x03, 0x81, 0x01, 0x32]),
        EsipaMessageFromEimToIpa::GetBoundProfilePackageResponseEsipa(
            GetBoundProfilePackageResponseEsipa::GetBoundProfilePackageErrorEsipa(
                GetBoundProfilePackageErrorEsipa::METADATA_MISMATCH
            )
        )
    );
}

#[test]
fn cancel_session_compact() {
    // BF41 { 80 tx, A1 { A2 { 30 { 80 01 05 }, 5F37 sig } } }
    let signed = tlv(&[0x30], &[0x80, 0x01, 0x05]);
    let bytes = tlv(
        &[0xBF, 0x41],
        &cat(&[
            &tlv(&[0x80], &[0x01]),
            &tlv(
                &[0xA1],
                &tlv(&[0xA2], &cat(&[&signed, &tlv(&[0x5F, 0x37], &SIG)])),
            ),
        ]),
    );
    let EsipaMessageFromIpaToEim::CancelSessionRequestEsipa(request) = from_ipa(&bytes) else {
        panic!("expected cancelSessionRequestEsipa");
    };
    let Sgp32CancelSessionResponse::CompactCancelSessionResponseOk(ok) =
        &request.cancel_session_response
    else {
        panic!("expected compactCancelSessionResponseOk");
    };
    assert_eq!(
        ok.compact_euicc_cancel_session_signed.raw(),
        signed.as_slice()
    );
    assert_eq!(
        ok.compact_euicc_cancel_session_signed.value(),
        &CompactEuiccCancelSessionSigned {
            reason: Some(CancelSessionReason::from(5)),
            ext: Extensions::default(),
        }
    );

    assert!(matches!(
        from_eim(&[0xBF, 0x41, 0x02, 0xA0, 0x00]),
        EsipaMessageFromEimToIpa::CancelSessionResponseEsipa(
            CancelSessionResponseEsipa::CancelSessionOk(_)
        )
    ));
}

#[test]
fn handle_notification_compact_and_eim_package_result() {
    // BF3D { A0 { A1 { 5A EID, BF2F { 80 01 07, 81 02 04 10, 0C "x" }, 5F37 sig } } }
    let metadata = tlv(
        &[0xBF, 0x2F],
        &cat(&[
            &tlv(&[0x80], &[0x07]),
            &tlv(&[0x81], &[0x04, 0x10]),
            &tlv(&[0x0C], b"eim.example"),
        ]),
    );
    let bytes = tlv(
        &[0xBF, 0x3D],
        &tlv(
            &[0xA0],
            &tlv(
                &[0xA1],
                &cat(&[&tlv(&[0x5A], &EID), &metadata, &tlv(&[0x5F, 0x37], &SIG)]),
            ),
        ),
    );
    let EsipaMessageFromIpaToEim::HandleNotificationEsipa(
        HandleNotificationEsipa::PendingNotification(
            Sgp32PendingNotification::CompactOtherSignedNotification(
                CompactOtherSignedNotification {
                    eid_value,
                    tbs_other_notification,
                    ..
                },
            ),
        ),
    ) = from_ipa(&bytes)
    else {
        panic!("expected compactOtherSignedNotification");
    };
    assert_eq!(eid_value.map(|e| *e.as_bytes()), Some(EID));
    assert_eq!(tbs_other_notification.raw(), metadata.as_slice());
    let event = &tbs_other_notification.value().profile_management_operation;
    assert!(event.is_set(NotificationEvent::NOTIFICATION_DELETE));

    // BF3D { BF50 { BF51 { A2 { 80 } } } }
    let bytes = tlv(&[0xBF, 0x3D], &tlv(&[0xBF, 0x50], &unsigned_result()));
    assert!(matches!(
        from_ipa(&bytes),
        EsipaMessageFromIpaToEim::HandleNotificationEsipa(
            HandleNotificationEsipa::ProvideEimPackageResult(_)
        )
    ));
}

#[test]
fn unknown_top_level_tag_is_refused() {
    // BF40 is not an ESipa message.
    assert!(decode::<EsipaMessageFromIpaToEim>(&[0xBF, 0x40, 0x00]).is_err());
    assert!(decode::<EsipaMessageFromEimToIpa>(&[0xBF, 0x3D, 0x00]).is_err());
}

#[test]
fn built_messages_round_trip() {
    let messages = vec![
        EsipaMessageFromEimToIpa::TransferEimPackageRequest(
            TransferEimPackageRequest::ProfileDownloadTriggerRequest(
                ProfileDownloadTriggerRequest {
                    profile_download_data: Some(ProfileDownloadData::ContactDefaultSmdp(())),
                    ..Default::default()
                },
            ),
        ),
        EsipaMessageFromEimToIpa::CancelSessionResponseEsipa(
            CancelSessionResponseEsipa::CancelSessionError(
                CancelSessionErrorEsipa::EUICC_SIGNATURE_INVALID,
            ),
        ),
        EsipaMessageFromEimToIpa::ProvideEimPackageResultResponse(
            ProvideEimPackageResultResponse::EmptyResponse(Sgp32CancelSessionOk::default()),
        ),
    ];
    for message in messages {
        let bytes = encode(&message).expect("encodes");
        assert_eq!(
            decode::<EsipaMessageFromEimToIpa>(&bytes).expect("decodes"),
            message
        );
    }
    let message = EsipaMessageFromIpaToEim::ProvideEimPackageResult(ProvideEimPackageResult {
        eid_value: Some(Octet16::new(EID)),
        eim_package_result: EimPackageResult::IpaEuiccDataResponse(
            IpaEuiccDataResponse::IpaEuiccData(Box::default()),
        ),
        ext: Extensions::default(),
    });
    let bytes = encode(&message).expect("encodes");
    assert_eq!(&bytes[..2], &[0xBF, 0x50]);
    assert_eq!(
        decode::<EsipaMessageFromIpaToEim>(&bytes).expect("decodes"),
        message
    );
}

fn cert() -> Vec<u8> {
    tlv(&[0x30], &[0x30, 0x00, 0x30, 0x00, 0x03, 0x01, 0x00])
}

#[test]
fn initiate_authentication_ok_from_hand_assembled_der() {
    // BF39 { A0 { 80 tx, 30 serverSigned1, 5F37, 04 ciPKId, 30 cert, 0C matchingId,
    //             A2 { A0 { 80 "MID", A1 { 80 tac, A1 {} } } } } }
    let server_signed1 = tlv(
        &[0x30],
        &cat(&[
            &tlv(&[0x80], &[0x07]),
            &tlv(&[0x81], &[0x11; 16]),
            &tlv(&[0x83], b"dp.example"),
            &tlv(&[0x84], &[0x22; 16]),
        ]),
    );
    let ctx = tlv(
        &[0xA0],
        &cat(&[
            &tlv(&[0x80], b"MID"),
            &tlv(
                &[0xA1],
                &cat(&[&tlv(&[0x80], &[0x35, 0x29, 0x06, 0x11]), &[0xA1, 0x00]]),
            ),
        ]),
    );
    let bytes = tlv(
        &[0xBF, 0x39],
        &tlv(
            &[0xA0],
            &cat(&[
                &tlv(&[0x80], &[0x07]),
                &server_signed1,
                &tlv(&[0x5F, 0x37], &SIG),
                &tlv(&[0x04], &[0xF5, 0x41]),
                &cert(),
                &tlv(&[0x0C], b"MID"),
                &tlv(&[0xA2], &ctx),
            ]),
        ),
    );
    let EsipaMessageFromEimToIpa::InitiateAuthenticationResponseEsipa(
        InitiateAuthenticationResponseEsipa::InitiateAuthenticationOkEsipa(ok),
    ) = from_eim(&bytes)
    else {
        panic!("expected initiateAuthenticationOkEsipa");
    };
    assert_eq!(ok.server_signed1.raw(), server_signed1.as_slice());
    assert_eq!(ok.server_signed1.value().server_address, "dp.example");
    assert_eq!(ok.server_signature1.as_ref(), SIG.as_slice());
    assert_eq!(
        ok.euicc_ci_pk_identifier_to_be_used.as_ref(),
        [0xF5, 0x41].as_slice()
    );
    assert_eq!(ok.matching_id.as_deref(), Some("MID"));
    let Some(CtxParams1::CtxParamsForCommonAuthentication(common)) =
        ok.ctx_params1.as_ref().and_then(OpenChoice::known)
    else {
        panic!("expected ctxParamsForCommonAuthentication");
    };
    assert_eq!(common.matching_id.as_deref(), Some("MID"));
}

#[test]
fn authenticate_client_ok_dp_from_hand_assembled_der() {
    // BF3B { A0 { 80 tx, BF25 { 5A, 91, 92, 9F7B, 9F67 }, 30 smdpSigned2, 5F37, 30 cert,
    //             04 hashCc } }
    let metadata = tlv(
        &[0xBF, 0x25],
        &cat(&[
            &tlv(&[0x5A], &super::super::der::ICCID),
            &tlv(&[0x91], b"Operator"),
            &tlv(&[0x92], b"IoT"),
            &tlv(&[0x9F, 0x7B], &[0xFF]),
            &tlv(&[0x9F, 0x67], &[0x00]),
        ]),
    );
    let smdp_signed2 = tlv(
        &[0x30],
        &cat(&[&tlv(&[0x80], &[0x07]), &[0x01, 0x01, 0xFF]]),
    );
    let bytes = tlv(
        &[0xBF, 0x3B],
        &tlv(
            &[0xA0],
            &cat(&[
                &tlv(&[0x80], &[0x07]),
                &metadata,
                &smdp_signed2,
                &tlv(&[0x5F, 0x37], &SIG),
                &cert(),
                &tlv(&[0x04], &[0x99; 32]),
            ]),
        ),
    );
    let EsipaMessageFromEimToIpa::AuthenticateClientResponseEsipa(
        AuthenticateClientResponseEsipa::AuthenticateClientOkDpEsipa(ok),
    ) = from_eim(&bytes)
    else {
        panic!("expected authenticateClientOkDPEsipa");
    };
    assert_eq!(ok.smdp_signed2.raw(), smdp_signed2.as_slice());
    assert!(ok.smdp_signed2.value().cc_required_flag);
    let meta = ok.profile_meta_data.as_ref().expect("present");
    assert_eq!(meta.service_provider_name, "Operator");
    assert_eq!(meta.ecall_indication, Some(true));
    assert_eq!(meta.fallback_allowed, Some(false));
    assert_eq!(ok.hash_cc.map(|h| *h.as_bytes()), Some([0x99; 32]));
}
