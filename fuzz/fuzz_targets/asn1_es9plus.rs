//! ES9+ ASN.1 binding (SGP.22 §6.6): what an SM-DP+ receives from an LPA and vice versa.
//! Property: no panic; whatever decodes re-encodes and decodes to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rsp_codec::asn1::{self, RemoteProfileProvisioningRequest, RemoteProfileProvisioningResponse};

fn round_trip<T: rasn::Decode + rasn::Encode + PartialEq + std::fmt::Debug>(data: &[u8]) {
    if let Ok(value) = asn1::decode::<T>(data) {
        let bytes = asn1::encode(&value).expect("a decoded value encodes");
        let again = asn1::decode::<T>(&bytes).expect("our own encoding decodes");
        assert_eq!(value, again);
    }
}

fuzz_target!(|data: &[u8]| {
    round_trip::<RemoteProfileProvisioningRequest>(data);
    round_trip::<RemoteProfileProvisioningResponse>(data);
});
