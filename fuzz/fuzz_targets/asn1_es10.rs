//! ES10a/b/c and ES8+ (SGP.22 §5.7, §5.5): what a virtual eUICC receives from an LPA and what an
//! LPA receives from an eUICC. The first input byte picks the type, the rest is the message.
//! Property: no panic; whatever decodes re-encodes and decodes to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rsp_codec::asn1::{self, *};

fn round_trip<T: rasn::Decode + rasn::Encode + PartialEq + std::fmt::Debug>(data: &[u8]) {
    if let Ok(value) = asn1::decode::<T>(data) {
        let bytes = asn1::encode(&value).expect("a decoded value encodes");
        let again = asn1::decode::<T>(&bytes).expect("our own encoding decodes");
        assert_eq!(value, again);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, msg)) = data.split_first() else {
        return;
    };
    match selector % 20 {
        0 => round_trip::<AuthenticateServerRequest>(msg),
        1 => round_trip::<AuthenticateServerResponse>(msg),
        2 => round_trip::<PrepareDownloadRequest>(msg),
        3 => round_trip::<PrepareDownloadResponse>(msg),
        4 => round_trip::<BoundProfilePackage>(msg),
        5 => round_trip::<ProfileInstallationResult>(msg),
        6 => round_trip::<EUICCInfo1>(msg),
        7 => round_trip::<EUICCInfo2>(msg),
        8 => round_trip::<ProfileInfoListRequest>(msg),
        9 => round_trip::<ProfileInfoListResponse>(msg),
        10 => round_trip::<ListNotificationResponse>(msg),
        11 => round_trip::<RetrieveNotificationsListResponse>(msg),
        12 => round_trip::<CancelSessionRequest>(msg),
        13 => round_trip::<CancelSessionResponse>(msg),
        14 => round_trip::<EnableProfileRequest>(msg),
        15 => round_trip::<DeleteProfileRequest>(msg),
        16 => round_trip::<LoadCRLRequest>(msg),
        17 => round_trip::<GetRatResponse>(msg),
        18 => round_trip::<EuiccConfiguredAddressesResponse>(msg),
        _ => round_trip::<InitialiseSecureChannelRequest>(msg),
    }
});
