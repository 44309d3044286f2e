//! SCP03t unprotection (SGP.22 §2.5.3/§2.5.4) as a virtual eUICC runs it on BPP segments sent
//! by an SM-DP+. Property: errors (MAC, padding, TLV), never panics; a failed segment leaves the
//! session state unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rsp_crypto::kdf::SessionKeys;
use rsp_crypto::scp03t::Scp03t;

fuzz_target!(|data: &[u8]| {
    let keys = SessionKeys::from_parts([0x11; 16], [0x22; 16], [0x33; 16]);
    let mut session = Scp03t::new(keys);
    let Some((&selector, input)) = data.split_first() else {
        return;
    };
    let counter = session.block_counter();
    let mcv = *session.mac_chaining_value();
    match selector % 2 {
        0 => {
            if session.unprotect(input).is_err() {
                assert_eq!(session.block_counter(), counter);
                assert_eq!(*session.mac_chaining_value(), mcv);
            }
        }
        _ => {
            let _ = session.unprotect_sequence(0x86, input);
        }
    }
});
