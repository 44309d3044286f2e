//! Profile packages (TCA SAIP) as an operator uploads them: decode, validate, inspect, and
//! personalise on both paths. Properties: no panic; a decoded package re-encodes to the same
//! bytes it came from; the fast and the typed personalisation agree when both succeed; the
//! lazy typed path (`decode_lazy`) accepts what the full decode accepts, re-encodes its
//! input verbatim and personalises to the same result.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rsp_saip::{Personalisation, ProfilePackage, inspect, patch, personalise, validate};

fuzz_target!(|data: &[u8]| {
    let lazy = ProfilePackage::decode_lazy(data);
    if let Ok(l) = &lazy {
        assert_eq!(l.encode().expect("lazy encodes"), data, "lazy round trip");
        let _ = validate(l);
    }
    let Ok(mut pkg) = ProfilePackage::decode(data) else {
        let _ = patch::personalise_der(data, &Personalisation::default());
        if let Ok(mut l) = lazy {
            let mut perso = Personalisation::default();
            perso.set("imsi", "001019876543210").expect("valid IMSI");
            let _ = personalise(&mut l, &perso).map(|()| l.encode());
        }
        return;
    };
    let mut lazy = lazy.expect("what decode accepts, decode_lazy accepts");
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
    let lazy_result = personalise(&mut lazy, &perso).map(|()| lazy.encode());
    let typed_result = personalise(&mut pkg, &perso).map(|()| pkg.encode());
    assert_eq!(
        lazy_result, typed_result,
        "lazy and full typed paths differ"
    );
    if let (Ok(fast), Ok(Ok(typed))) = (fast, typed_result) {
        assert_eq!(fast, typed, "fast and typed personalisation differ");
    }
});
