//! Values shared by the ES5 commands: AIDs (with their TAR), TS 23.040 addresses, ICCIDs
//! and status words.

use super::Sgp02Error;
use super::consts;

/// An application identifier (ISO/IEC 7816-5: 5 to 16 octets). Serialised as hex.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Aid(Vec<u8>);

impl Aid {
    /// An AID of 5 to 16 octets.
    pub fn new(bytes: &[u8]) -> Result<Self, Sgp02Error> {
        if !(5..=16).contains(&bytes.len()) {
            return Err(Sgp02Error::InvalidValue("AID must be 5 to 16 octets"));
        }
        Ok(Aid(bytes.to_vec()))
    }
    /// The ISD-R AID.
    pub fn isd_r() -> Self {
        Aid(consts::ISD_R_AID.to_vec())
    }
    /// The ECASD AID.
    pub fn ecasd() -> Self {
        Aid(consts::ECASD_AID.to_vec())
    }
    /// The ISD-P AID number `index` (0 → `A0000005591010FFFFFFFF8900001000`); `None`
    /// above index `EF`.
    pub fn isd_p(index: u8) -> Option<Self> {
        let b = consts::ISD_P_FIRST.checked_add(index)?;
        let mut v = consts::ISD_P_AID_PREFIX.to_vec();
        v.extend_from_slice(&[b, 0x00]);
        Some(Aid(v))
    }
    /// The ISD-P Executable Load File AID.
    pub fn isd_p_elf() -> Self {
        Aid(consts::ISD_P_ELF_AID.to_vec())
    }
    /// The ISD-P Executable Module AID.
    pub fn isd_p_module() -> Self {
        Aid(consts::ISD_P_MODULE_AID.to_vec())
    }
    /// The octets.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
    /// TAR of the security domain: AID octets 13..15 (TS 101 220 Annex D); `None` for an
    /// AID shorter than 16 octets.
    pub fn tar(&self) -> Option<[u8; 3]> {
        let t = self.0.get(12..15)?;
        if self.0.len() != 16 {
            return None;
        }
        let mut out = [0u8; 3];
        out.copy_from_slice(t);
        Some(out)
    }
    /// Upper-case hex.
    pub fn to_hex(&self) -> String {
        hex::encode_upper(&self.0)
    }
    /// From hex.
    pub fn from_hex(s: &str) -> Result<Self, Sgp02Error> {
        let b = hex::decode(s).map_err(|_| Sgp02Error::InvalidValue("AID is not hex"))?;
        Aid::new(&b)
    }
}

impl std::fmt::Debug for Aid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Aid({})", self.to_hex())
    }
}

impl std::fmt::Display for Aid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl serde::Serialize for Aid {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> serde::Deserialize<'de> for Aid {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Aid::from_hex(&s).map_err(serde::de::Error::custom)
    }
}

/// A TS 23.040 §9.1.2.5 address value as carried in TLVs here: TON/NPI octet ‖ digits in
/// swapped-nibble BCD (`F` filler for an odd count). `digits` holds `0-9`, `*`, `#`,
/// `a`, `b`, `c` (TS 23.040 semi-octets `A`–`E`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct SmsAddress {
    /// Type of number and numbering plan (`91`: international, ISDN/E.164).
    pub ton_npi: u8,
    /// The digits.
    pub digits: String,
}

const SEMI_OCTETS: &[u8; 15] = b"0123456789*#abc";

impl SmsAddress {
    /// An international E.164 number (TON/NPI `91`); a leading `+` is dropped.
    pub fn international(digits: &str) -> Self {
        SmsAddress {
            ton_npi: 0x91,
            digits: digits.trim_start_matches('+').to_string(),
        }
    }

    /// TON/NPI ‖ BCD digits.
    pub fn encode(&self) -> Result<Vec<u8>, Sgp02Error> {
        let mut out = vec![self.ton_npi];
        out.extend_from_slice(&bcd_swapped(&self.digits)?);
        Ok(out)
    }

    /// Parses TON/NPI ‖ BCD digits.
    pub fn parse(bytes: &[u8]) -> Result<Self, Sgp02Error> {
        let (&ton_npi, bcd) = bytes
            .split_first()
            .ok_or(Sgp02Error::Malformed("empty address"))?;
        Ok(SmsAddress {
            ton_npi,
            digits: digits_swapped(bcd)?,
        })
    }
}

/// Swapped-nibble BCD of `digits` with an `F` filler.
fn bcd_swapped(digits: &str) -> Result<Vec<u8>, Sgp02Error> {
    let mut nibbles = Vec::with_capacity(digits.len() + 1);
    for c in digits.bytes() {
        let n = SEMI_OCTETS
            .iter()
            .position(|&d| d == c.to_ascii_lowercase())
            .ok_or(Sgp02Error::InvalidValue("address digit"))?;
        nibbles.push(n as u8);
    }
    if nibbles.len() % 2 == 1 {
        nibbles.push(0x0F);
    }
    Ok(nibbles
        .chunks(2)
        .map(|p| match p {
            [lo, hi] => (hi << 4) | lo,
            _ => 0xFF,
        })
        .collect())
}

/// Digits of swapped-nibble BCD; `F` is accepted only as the last nibble.
fn digits_swapped(bcd: &[u8]) -> Result<String, Sgp02Error> {
    let mut out = String::with_capacity(bcd.len() * 2);
    for (i, b) in bcd.iter().enumerate() {
        for (j, n) in [b & 0x0F, b >> 4].into_iter().enumerate() {
            if n == 0x0F {
                if i + 1 != bcd.len() || j != 1 {
                    return Err(Sgp02Error::InvalidValue("filler inside BCD digits"));
                }
                continue;
            }
            let c = SEMI_OCTETS
                .get(usize::from(n))
                .ok_or(Sgp02Error::InvalidValue("BCD digit"))?;
            out.push(char::from(*c));
        }
    }
    Ok(out)
}

/// ICCID digits (18–20 decimal digits) to the 10-octet swapped-nibble coding
/// (ITU-T E.118, TS 102 221 §13.2), `F`-padded.
pub fn iccid_from_digits(digits: &str) -> Result<[u8; 10], Sgp02Error> {
    if !(18..=20).contains(&digits.len()) || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return Err(Sgp02Error::InvalidValue("ICCID must be 18 to 20 digits"));
    }
    let mut padded = bcd_swapped(digits)?;
    padded.resize(10, 0xFF);
    let mut out = [0xFFu8; 10];
    out.copy_from_slice(&padded);
    Ok(out)
}

/// The digits of a 10-octet ICCID (trailing `F` nibbles dropped).
pub fn iccid_to_digits(iccid: &[u8; 10]) -> Result<String, Sgp02Error> {
    let mut s = String::with_capacity(20);
    let mut ended = false;
    for b in iccid {
        for n in [b & 0x0F, b >> 4] {
            match n {
                0..=9 if !ended => s.push(char::from(b'0' + n)),
                0x0F => ended = true,
                _ => return Err(Sgp02Error::InvalidValue("ICCID digit")),
            }
        }
    }
    if s.len() < 18 {
        return Err(Sgp02Error::InvalidValue("ICCID shorter than 18 digits"));
    }
    Ok(s)
}

/// An ISO 7816-4 status word (SW1 SW2).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatusWord(pub u16);

impl StatusWord {
    /// `9000`.
    pub const OK: StatusWord = StatusWord(consts::SW_OK);
    /// `6A88` referenced data (AID) not found.
    pub const NOT_FOUND: StatusWord = StatusWord(consts::SW_NOT_FOUND);
    /// `6985` conditions of use not satisfied.
    pub const CONDITIONS_NOT_SATISFIED: StatusWord =
        StatusWord(consts::SW_CONDITIONS_NOT_SATISFIED);
    /// `69E1` POL1 of the enabled profile forbids the operation.
    pub const POL1_FORBIDS: StatusWord = StatusWord(consts::SW_POL1_FORBIDS);
    /// `6A80` incorrect data.
    pub const INCORRECT_DATA: StatusWord = StatusWord(consts::SW_INCORRECT_DATA);
    /// `6D00` INS not supported.
    pub const INS_NOT_SUPPORTED: StatusWord = StatusWord(consts::SW_INS_NOT_SUPPORTED);
    /// `6A84` not enough memory.
    pub const NOT_ENOUGH_MEMORY: StatusWord = StatusWord(consts::SW_NOT_ENOUGH_MEMORY);
    /// `6A86` incorrect P1/P2.
    pub const WRONG_P1P2: StatusWord = StatusWord(consts::SW_WRONG_P1P2);
    /// `6E00` class not supported.
    pub const CLA_NOT_SUPPORTED: StatusWord = StatusWord(consts::SW_CLA_NOT_SUPPORTED);
    /// `6982` security status not satisfied (a MAC or signature that does not verify).
    pub const SECURITY_STATUS: StatusWord = StatusWord(consts::SW_SECURITY_STATUS);
    /// `6300` verification failed (a wrong cryptogram).
    pub const VERIFICATION_FAILED: StatusWord = StatusWord(consts::SW_VERIFICATION_FAILED);

    /// SW1 SW2.
    pub fn to_bytes(self) -> [u8; 2] {
        self.0.to_be_bytes()
    }
    /// Normal processing (`9000`, or `61xx` more data).
    pub fn is_success(self) -> bool {
        self.0 == consts::SW_OK || self.0 >> 8 == 0x61
    }
    /// Splits an R-APDU (data ‖ SW1 SW2) into its data and status word.
    pub fn split_response(rapdu: &[u8]) -> Result<(&[u8], StatusWord), Sgp02Error> {
        let (data, sw) = rapdu
            .split_last_chunk::<2>()
            .ok_or(Sgp02Error::Malformed("R-APDU shorter than SW1 SW2"))?;
        Ok((data, StatusWord(u16::from_be_bytes(*sw))))
    }
}

impl std::fmt::Debug for StatusWord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SW({:04X})", self.0)
    }
}

impl std::fmt::Display for StatusWord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04X}", self.0)
    }
}
