//! Profile packages (TCA SAIP) as an operator uploads them: decode, validate, inspect, and
//! personalise on both paths. Properties: no panic; a decoded package re-encodes to the same
//! bytes it came from; the fast and the typed personalisation agree when both succeed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rsp_saip::{Personalisation, ProfilePackage, inspect, patch, personalise, validate};

fuzz_target!(|data: &[u8]| {
    let Ok(mut pkg) = ProfilePackage::decode(data) else {
        let _ = patch::personalise_der(data, &Personalisation::default());
        return;
    };
    let _ = validate(&pkg);
    let _ = inspect::summarise(&pkg).to_json();
    if let Ok(bytes) = pkg.encode() {
        let again = ProfilePackage::decode(&bytes).expect("our own encoding decodes");
        assert_eq!(again.encode().expect("re-encodes"), bytes);
    }
    let mut perso = Personalisation::default();
    perso
        .set("iccid", "8949449999999990015")
        .expect("valid ICCID");
    perso
        .set("ki", "000102030405060708090a0b0c0d0e0f")
        .expect("valid Ki");
    let fast = patch::personalise_der(data, &perso);
    if personalise(&mut pkg, &perso).is_ok() {
        if let (Ok(fast), Ok(typed)) = (fast, pkg.encode()) {
            assert_eq!(fast, typed, "fast and typed personalisation differ");
        }
    }
});
