//! Status codes in JSON (SGP.22 §6.5.1.4) and the typed error table (`rsp_codec::status`).

#![allow(clippy::unwrap_used)] // tests may unwrap (ground rules)

use rsp_codec::json::{
    ExecutionStatus, FunctionExecutionStatus, HeaderOnlyResponse, StatusCodeData,
};
use rsp_codec::status::{ReasonCode, RspError, StatusCode, SubjectCode};
use serde_json::{Value, json};

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/json/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

#[test]
fn failed_response_has_the_exact_shape() {
    let body = HeaderOnlyResponse::failed(&RspError::TransactionIdUnknown);
    assert_eq!(
        serde_json::to_value(&body).unwrap(),
        json!({"header": {"functionExecutionStatus": {"status": "Failed", "statusCodeData": {
            "subjectCode": "8.10.1", "reasonCode": "3.9", "message": "TransactionId unknown"}}}})
    );
    assert_eq!(
        serde_json::to_value(&body).unwrap(),
        fixture("status_failed_transaction_unknown")
    );
}

#[test]
fn display_names_codes_and_message() {
    assert_eq!(
        RspError::TransactionIdUnknown.to_string(),
        "8.10.1/3.9: TransactionId unknown"
    );
    assert_eq!(
        RspError::SmdpAddressRefused.to_string(),
        "8.8.1/3.8: Invalid SM-DP+ Address"
    );
}

#[test]
fn public_capture_is_read_with_its_subject_identifier() {
    let json = fixture("status_failed_eid_refused");
    let body: HeaderOnlyResponse = serde_json::from_value(json.clone()).unwrap();
    let status = &body.header.function_execution_status;
    assert_eq!(status.status, ExecutionStatus::Failed);
    assert!(!status.is_executed());
    let data = status.status_code_data.as_ref().unwrap();
    assert_eq!(data.error(), RspError::EidRefused);
    assert_eq!(
        data.subject_identifier.as_deref(),
        Some("89033023426300000000019675655040")
    );
    assert_eq!(serde_json::to_value(&body).unwrap(), json);
}

#[test]
fn every_known_error_round_trips_through_json() {
    for e in RspError::ALL {
        let body = HeaderOnlyResponse::failed(e);
        let text = serde_json::to_string(&body).unwrap();
        let back: HeaderOnlyResponse = serde_json::from_str(&text).unwrap();
        let data = back
            .header
            .function_execution_status
            .status_code_data
            .unwrap();
        assert_eq!(&data.error(), e, "{text}");
        assert_eq!(data.message.as_deref(), Some(e.message()));
    }
}

#[test]
fn known_pairs_match_independent_tables() {
    // (subject, reason) as written by osmo-smdpp / lpac / Quectel SDK for these conditions.
    let cases = [
        (RspError::SmdpAddressRefused, "8.8.1", "3.8"),
        (
            RspError::SmdpSecurityConfigurationUnsupported,
            "8.8.2",
            "3.1",
        ),
        (RspError::SmdpSvnUnsupported, "8.8.3", "3.1"),
        (RspError::SmdpCertificateUnavailable, "8.8.4", "3.7"),
        (RspError::CiPublicKeyUnknown, "8.11.1", "3.9"),
        (RspError::EuiccCertificateInvalid, "8.1.3", "6.1"),
        (RspError::EumCertificateExpired, "8.1.2", "6.3"),
        (RspError::EuiccVerificationFailed, "8.1", "6.1"),
        (RspError::MatchingIdRefused, "8.2.6", "3.8"),
        (RspError::ConfirmationCodeMissing, "8.2.7", "2.2"),
        (RspError::ConfirmationCodeRefused, "8.2.7", "3.8"),
        (RspError::ConfirmationCodeRetriesExceeded, "8.2.7", "6.4"),
        (RspError::DownloadOrderExpired, "8.8.5", "4.10"),
        (RspError::IccidUnknown, "8.2.1", "3.9"),
        (RspError::MatchingIdAssociationInvalid, "8.2.6", "3.10"),
        (RspError::EventIdDuplicated, "8.9.5", "3.3"),
    ];
    for (e, s, r) in cases {
        assert_eq!(e.subject_code().as_str(), s, "{e}");
        assert_eq!(e.reason_code().as_str(), r, "{e}");
    }
}

#[test]
fn unknown_pair_from_a_peer_is_kept_raw() {
    let text = r#"{"header":{"functionExecutionStatus":{"status":"Executed-WithWarning",
        "statusCodeData":{"subjectCode":"8.10.2.7","reasonCode":"4.2","message":"x"}}}}"#;
    let body: HeaderOnlyResponse = serde_json::from_str(text).unwrap();
    let status = body.header.function_execution_status;
    assert!(status.is_executed());
    let data = status.status_code_data.unwrap();
    let err = data.error();
    assert_eq!(
        err,
        RspError::Unrecognised(StatusCode {
            subject: SubjectCode::parse("8.10.2.7").unwrap(),
            reason: ReasonCode::parse("4.2").unwrap(),
        })
    );
    assert_eq!(err.subject_code().as_str(), "8.10.2.7");
    assert_eq!(err.to_string(), "8.10.2.7/4.2: unrecognised status code");
    // Serialising keeps the codes as received.
    let again = serde_json::to_value(&data).unwrap();
    assert_eq!(again["subjectCode"], "8.10.2.7");
}

#[test]
fn codes_are_strings_not_numbers() {
    // "3.10" (Invalid Association) is not "3.1" (Unsupported).
    let a = RspError::from_status_code(StatusCode::from_static("8.8", "3.10"));
    let b = RspError::from_status_code(StatusCode::from_static("8.8", "3.1"));
    assert_eq!(a, RspError::SmdpOidInvalid);
    assert!(matches!(b, RspError::Unrecognised(_)));
    assert_eq!(
        ReasonCode::parse("3.10").unwrap().name(),
        Some("Invalid Association")
    );
    assert_eq!(
        SubjectCode::parse("8.10.1").unwrap().name(),
        Some("TransactionId")
    );
}

#[test]
fn malformed_codes_are_rejected() {
    for bad in [
        "",
        "8..1",
        ".8",
        "8.",
        "8.a",
        "8,1",
        " 8.1",
        "8.1.1.1.1.1.1.1.1.1",
    ] {
        assert!(SubjectCode::parse(bad).is_err(), "{bad:?}");
    }
    for bad in [json!(8.1), json!(null), json!("x")] {
        let text = json!({"subjectCode": bad, "reasonCode": "3.9"});
        assert!(serde_json::from_value::<StatusCodeData>(text).is_err());
    }
    assert!(serde_json::from_value::<FunctionExecutionStatus>(json!({"status": "Done"})).is_err());
    assert!(serde_json::from_value::<FunctionExecutionStatus>(json!({})).is_err());
}

#[test]
fn status_values_use_the_spec_spelling() {
    for (status, text) in [
        (ExecutionStatus::ExecutedSuccess, "Executed-Success"),
        (ExecutionStatus::ExecutedWithWarning, "Executed-WithWarning"),
        (ExecutionStatus::Failed, "Failed"),
        (ExecutionStatus::Expired, "Expired"),
    ] {
        assert_eq!(serde_json::to_value(status).unwrap(), json!(text));
        assert_eq!(
            serde_json::from_value::<ExecutionStatus>(json!(text)).unwrap(),
            status
        );
    }
}

#[test]
fn status_code_data_builders() {
    let data = StatusCodeData::from(RspError::IccidUnknown)
        .with_subject_identifier("8900000000000000001F")
        .with_message("no such profile");
    assert_eq!(
        serde_json::to_value(&data).unwrap(),
        json!({"subjectCode": "8.2.1", "reasonCode": "3.9",
               "subjectIdentifier": "8900000000000000001F", "message": "no such profile"})
    );
    let body = HeaderOnlyResponse::failed_with(data);
    assert_eq!(
        body.header.function_execution_status.status,
        ExecutionStatus::Failed
    );
}

#[test]
fn every_specific_code_belongs_to_some_function() {
    use rsp_codec::json::Function;
    for e in RspError::ALL {
        let generic = e.subject_code().as_str().starts_with("1.");
        let listed = Function::all().any(|f| RspError::specific_to(f).contains(e));
        assert!(generic || listed, "{e} is in no function's list");
    }
}

/// Error names of the ES9+/ES11 ASN.1 binding (GSMA `RSPDefinitions`, read from
/// `$RSP_REFERENCE_DIR/asn1/RSPDefinitions.asn`) mapped to our codes: every name must map,
/// and the code must be in the function's specific list.
#[test]
fn asn1_binding_errors_are_covered() {
    use rsp_codec::json::{Es9PlusFunction, Es11Function, Function};
    let Some(dir) = std::env::var_os("RSP_REFERENCE_DIR") else {
        println!("skipped: RSP_REFERENCE_DIR is not set");
        return;
    };
    let path = std::path::Path::new(&dir).join("asn1/RSPDefinitions.asn");
    let text = std::fs::read_to_string(&path).unwrap();
    let map = |name: &str| -> Option<RspError> {
        Some(match name {
            "invalidDpAddress" => RspError::SmdpAddressRefused,
            "euiccVersionNotSupportedByDp" => RspError::SmdpSvnUnsupported,
            "ciPKNotSupported" => RspError::SmdpSecurityConfigurationUnsupported,
            "eumCertificateInvalid" => RspError::EumCertificateInvalid,
            "eumCertificateExpired" => RspError::EumCertificateExpired,
            "euiccCertificateInvalid" => RspError::EuiccCertificateInvalid,
            "euiccCertificateExpired" => RspError::EuiccCertificateExpired,
            "euiccSignatureInvalid" => RspError::EuiccVerificationFailed,
            "matchingIdRefused" => RspError::MatchingIdRefused,
            "eidMismatch" => RspError::EidRefused,
            "noEligibleProfile" => RspError::NoEligibleProfile,
            "ciPKUnknown" => RspError::CiPublicKeyUnknown,
            "invalidTransactionId" => RspError::TransactionIdUnknown,
            "insufficientMemory" => RspError::EuiccInsufficientMemory,
            "confirmationCodeMissing" => RspError::ConfirmationCodeMissing,
            "confirmationCodeRefused" => RspError::ConfirmationCodeRefused,
            "confirmationCodeRetriesExceeded" => RspError::ConfirmationCodeRetriesExceeded,
            "bppRebindingRefused" => RspError::BppUnavailable,
            "downloadOrderExpired" => RspError::DownloadOrderExpired,
            "eventIdUnknown" => RspError::EventUnknown,
            "undefinedError" => return None,
            other => panic!("ASN.1 error {other} has no status code mapping"),
        })
    };
    let cases = [
        (
            "InitiateAuthenticationResponse",
            Function::Es9Plus(Es9PlusFunction::InitiateAuthentication),
        ),
        (
            "AuthenticateClientResponseEs9",
            Function::Es9Plus(Es9PlusFunction::AuthenticateClient),
        ),
        (
            "GetBoundProfilePackageResponse",
            Function::Es9Plus(Es9PlusFunction::GetBoundProfilePackage),
        ),
        (
            "CancelSessionResponseEs9",
            Function::Es9Plus(Es9PlusFunction::CancelSession),
        ),
        (
            "AuthenticateClientResponseEs11",
            Function::Es11(Es11Function::AuthenticateClient),
        ),
    ];
    for (asn1_type, function) in cases {
        let start = text.find(&format!("\n{asn1_type} ::=")).unwrap();
        let block = &text[start + 1..];
        let block = &block[..block.find("\n}").unwrap()];
        let names = integer_names(block);
        assert!(names.len() >= 3, "{asn1_type}: {names:?}");
        for name in names {
            if let Some(e) = map(&name) {
                assert!(
                    RspError::specific_to(function).contains(&e),
                    "{asn1_type}.{name} → {e} missing for {function:?}"
                );
            }
        }
    }
}

/// `name(number)` pairs of an ASN.1 INTEGER named-number list.
fn integer_names(block: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in block.match_indices('(') {
        let head = &block[..i];
        let name: String = head
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let tail = &block[i + 1..];
        let digits = tail.chars().take_while(char::is_ascii_digit).count();
        if !name.is_empty() && digits > 0 && tail[digits..].starts_with(')') {
            out.push(name);
        }
    }
    out
}
