//! Status words of the UICC commands (ETSI TS 102 221 §10.2.1, TS 31.102 §7.3).

pub const OK: u16 = 0x9000;
/// End of file or record reached before reading Le bytes (§10.2.1.2).
pub const END_REACHED: u16 = 0x6282;
/// Wrong length (Lc or Le).
pub const WRONG_LENGTH: u16 = 0x6700;
/// Command incompatible with the file structure.
pub const INCOMPATIBLE_STRUCTURE: u16 = 0x6981;
/// Security status not satisfied (access condition of EF.ARR).
pub const SECURITY: u16 = 0x6982;
/// Authentication method (PIN) blocked.
pub const BLOCKED: u16 = 0x6983;
/// Conditions of use not satisfied.
pub const CONDITIONS: u16 = 0x6985;
/// Command not allowed: no EF selected.
pub const NO_CURRENT_EF: u16 = 0x6986;
pub const WRONG_DATA: u16 = 0x6A80;
pub const FILE_NOT_FOUND: u16 = 0x6A82;
pub const RECORD_NOT_FOUND: u16 = 0x6A83;
pub const WRONG_P1P2: u16 = 0x6A86;
/// Referenced data (key reference) not found.
pub const REF_NOT_FOUND: u16 = 0x6A88;
/// Wrong offset beyond the end of the EF.
pub const WRONG_OFFSET: u16 = 0x6B00;
pub const INS_NOT_SUPPORTED: u16 = 0x6D00;
/// AUTHENTICATE: MAC failure (TS 31.102 §7.3.1).
pub const AUTH_MAC_FAILURE: u16 = 0x9862;
/// Verification failed, `x` retries left.
pub const fn retries(x: u8) -> u16 {
    0x63C0 | (x as u16 & 0x0F)
}
/// Wrong Le: `6Cxx` with the right length.
pub const fn exact_length(n: usize) -> u16 {
    0x6C00 | (n as u16 & 0xFF)
}
