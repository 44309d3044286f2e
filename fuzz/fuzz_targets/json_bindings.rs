//! JSON bindings of ES9+, ES11, ES2+, ES12 (SGP.22 §6.5): every request and response body a
//! server or client of ours parses. Property: no panic; whatever parses serialises and parses
//! back to the same JSON value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rsp_codec::json::{es2plus, es9plus, es11, es12};
use serde::{Serialize, de::DeserializeOwned};

fn round_trip<T: DeserializeOwned + Serialize>(data: &[u8]) {
    if let Ok(value) = serde_json::from_slice::<T>(data) {
        let text = serde_json::to_vec(&value).expect("serialises");
        let again: T = serde_json::from_slice(&text).expect("our own output parses");
        assert_eq!(
            serde_json::to_value(&value).expect("to value"),
            serde_json::to_value(&again).expect("to value")
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, msg)) = data.split_first() else {
        return;
    };
    match selector % 16 {
        0 => round_trip::<es9plus::InitiateAuthenticationRequest>(msg),
        1 => round_trip::<es9plus::InitiateAuthenticationResponse>(msg),
        2 => round_trip::<es9plus::AuthenticateClientRequest>(msg),
        3 => round_trip::<es9plus::AuthenticateClientResponse>(msg),
        4 => round_trip::<es9plus::GetBoundProfilePackageRequest>(msg),
        5 => round_trip::<es9plus::GetBoundProfilePackageResponse>(msg),
        6 => round_trip::<es9plus::HandleNotificationRequest>(msg),
        7 => round_trip::<es9plus::CancelSessionRequest>(msg),
        8 => round_trip::<es11::InitiateAuthenticationRequest>(msg),
        9 => round_trip::<es11::AuthenticateClientResponse>(msg),
        10 => round_trip::<es2plus::DownloadOrderRequest>(msg),
        11 => round_trip::<es2plus::ConfirmOrderRequest>(msg),
        12 => round_trip::<es2plus::CancelOrderRequest>(msg),
        13 => round_trip::<es2plus::ReleaseProfileRequest>(msg),
        14 => round_trip::<es2plus::HandleDownloadProgressInfoRequest>(msg),
        _ => round_trip::<es12::RegisterEventRequest>(msg),
    }
});
