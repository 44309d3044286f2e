//! HTTP binding constants and the function catalogue (SGP.22 §6.5.1).

#![allow(clippy::unwrap_used)] // tests may unwrap (ground rules)

use rsp_codec::json::http::{
    ADMIN_PROTOCOL, CONTENT_TYPE, PATH_PREFIX, is_json_content_type, parse_admin_protocol,
};
use rsp_codec::json::{
    Es2PlusFunction, Es9PlusFunction, Es11Function, Es12Function, Function, RspFunction, es2plus,
    es9plus, es11, es12,
};
use std::collections::HashSet;

#[test]
fn every_path_is_prefix_interface_name() {
    let mut seen = HashSet::new();
    for f in Function::all() {
        let expected = format!("{PATH_PREFIX}{}/{}", f.interface().segment(), f.name());
        assert_eq!(f.path(), expected);
        assert!(seen.insert(f.path()), "duplicate {}", f.path());
        assert_eq!(Function::from_path(f.path()), Some(f));
    }
    assert_eq!(seen.len(), 5 + 5 + 2 + 2);
    assert_eq!(Function::from_path("/gsma/rsp2/es9plus/unknown"), None);
}

#[test]
fn paths_match_public_implementations() {
    // As used by lpac (euicc/es9p.c) and pySim (es9p.py, es2p.py) and an ES12 client.
    assert_eq!(
        Es9PlusFunction::InitiateAuthentication.path(),
        "/gsma/rsp2/es9plus/initiateAuthentication"
    );
    assert_eq!(
        Es9PlusFunction::GetBoundProfilePackage.path(),
        "/gsma/rsp2/es9plus/getBoundProfilePackage"
    );
    assert_eq!(
        Es9PlusFunction::CancelSession.path(),
        "/gsma/rsp2/es9plus/cancelSession"
    );
    assert_eq!(
        Es2PlusFunction::HandleDownloadProgressInfo.path(),
        "/gsma/rsp2/es2plus/handleDownloadProgressInfo"
    );
    assert_eq!(
        Es12Function::RegisterEvent.path(),
        "/gsma/rsp2/es12/registerEvent"
    );
    assert_eq!(
        Es11Function::AuthenticateClient.path(),
        "/gsma/rsp2/es11/authenticateClient"
    );
    assert_eq!(
        Es11Function::AuthenticateClient.es9plus_alias_path(),
        "/gsma/rsp2/es9plus/authenticateClient"
    );
}

#[test]
fn markers_point_at_their_functions() {
    assert_eq!(
        es9plus::AuthenticateClient::FUNCTION,
        Function::Es9Plus(Es9PlusFunction::AuthenticateClient)
    );
    assert_eq!(
        es11::AuthenticateClient::FUNCTION,
        Function::Es11(Es11Function::AuthenticateClient)
    );
    assert_eq!(
        es2plus::ConfirmOrder::FUNCTION,
        Function::Es2Plus(Es2PlusFunction::ConfirmOrder)
    );
    assert_eq!(
        es12::DeleteEvent::FUNCTION,
        Function::Es12(Es12Function::DeleteEvent)
    );
    let no_body: Vec<_> = Function::all().filter(|f| !f.has_response_body()).collect();
    assert_eq!(
        no_body,
        [
            Function::Es2Plus(Es2PlusFunction::HandleDownloadProgressInfo),
            Function::Es9Plus(Es9PlusFunction::HandleNotification)
        ]
    );
}

#[test]
fn headers() {
    assert!(is_json_content_type(CONTENT_TYPE));
    assert!(is_json_content_type("application/json"));
    assert!(is_json_content_type("Application/JSON; charset=utf-8"));
    assert!(is_json_content_type("application/json;charset=\"UTF-8\""));
    assert!(!is_json_content_type("application/json;charset=ISO-8859-1"));
    assert!(!is_json_content_type("text/plain"));
    assert!(!is_json_content_type("application/jsonx"));
    assert_eq!(parse_admin_protocol(ADMIN_PROTOCOL), Some((2, 5, 0)));
    assert_eq!(parse_admin_protocol("gsma/rsp/v2.2.0"), Some((2, 2, 0)));
    for bad in [
        "v2.2.0",
        "gsma/rsp/v2.2",
        "gsma/rsp/v2.2.0.1",
        "gsma/rsp/v2.x.0",
        "gsma/rsp/v2.999.0",
    ] {
        assert_eq!(parse_admin_protocol(bad), None, "{bad}");
    }
}
