//! TP addresses (3GPP TS 23.040 §9.1.2.5) and the service centre time stamp (§9.2.3.11),
//! both in semi-octet representation (§9.1.2.3).

use crate::tpdu::TpduError;

/// Type-of-address octet (TS 23.040 §9.1.2.5): bit 7 set, type of number in bits 6–4,
/// numbering plan identification in bits 3–0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TypeOfAddress {
    /// Type of number (3 bits): 0 unknown, 1 international, 2 national, 5 alphanumeric.
    pub ton: u8,
    /// Numbering plan identification (4 bits): 0 unknown, 1 ISDN/E.164.
    pub npi: u8,
}

impl TypeOfAddress {
    /// `91`: international number, ISDN/telephone numbering plan (E.164).
    pub const INTERNATIONAL: Self = Self { ton: 1, npi: 1 };
    /// `81`: unknown type of number, ISDN/telephone numbering plan.
    pub const UNKNOWN_ISDN: Self = Self { ton: 0, npi: 1 };
    /// `80`: unknown type, unknown plan.
    pub const UNKNOWN: Self = Self { ton: 0, npi: 0 };
    /// Type of number "alphanumeric" (GSM 7-bit default alphabet, TS 23.038).
    pub const TON_ALPHANUMERIC: u8 = 5;

    /// The octet as sent.
    pub fn to_byte(self) -> u8 {
        0x80 | ((self.ton & 0x07) << 4) | (self.npi & 0x0f)
    }

    /// Reads the octet (bit 7 is not checked: some senders clear it).
    pub fn from_byte(b: u8) -> Self {
        Self {
            ton: (b >> 4) & 0x07,
            npi: b & 0x0f,
        }
    }
}

/// The address value: semi-octet digits, or (type of number alphanumeric) GSM 7-bit
/// packed characters kept as received.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AddressValue {
    /// Digits `0`–`9`, `*`, `#`, `a`, `b`, `c` (§9.1.2.3).
    Digits(String),
    /// Packed septets and the Address-Length (number of useful semi-octets).
    Alphanumeric {
        /// The packed octets.
        packed: Vec<u8>,
        /// Address-Length as sent.
        semi_octets: u8,
    },
}

/// A TP-OA / TP-DA address field (§9.1.2.5): Address-Length (useful semi-octets),
/// Type-of-Address, Address-Value; at most 12 octets in all.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Address {
    /// Type-of-Address.
    pub toa: TypeOfAddress,
    /// Address-Value.
    pub value: AddressValue,
}

/// At most 10 octets of Address-Value (§9.1.2.5: the field is 2–12 octets).
const MAX_VALUE_OCTETS: usize = 10;

fn digit_to_nibble(c: char) -> Result<u8, TpduError> {
    Ok(match c {
        '0'..='9' => c as u8 - b'0',
        '*' => 0xa,
        '#' => 0xb,
        'a' | 'A' => 0xc,
        'b' | 'B' => 0xd,
        'c' | 'C' => 0xe,
        _ => return Err(TpduError::InvalidDigit(c)),
    })
}

fn nibble_to_digit(n: u8) -> Result<char, TpduError> {
    Ok(match n {
        0..=9 => char::from(b'0' + n),
        0xa => '*',
        0xb => '#',
        0xc => 'a',
        0xd => 'b',
        0xe => 'c',
        _ => return Err(TpduError::Malformed("filler semi-octet inside an address")),
    })
}

/// Packs digits two per octet, first digit in the low nibble, `F` filler (§9.1.2.3).
pub(crate) fn encode_semi_octets(digits: &str) -> Result<Vec<u8>, TpduError> {
    let nibbles = digits
        .chars()
        .map(digit_to_nibble)
        .collect::<Result<Vec<u8>, _>>()?;
    Ok(nibbles
        .chunks(2)
        .map(|pair| match pair {
            [lo, hi] => lo | (hi << 4),
            [lo] => lo | 0xf0,
            _ => 0xff,
        })
        .collect())
}

impl Address {
    /// An international E.164 number (`91`), e.g. `Address::international("447700900123")`.
    pub fn international(digits: &str) -> Self {
        Self {
            toa: TypeOfAddress::INTERNATIONAL,
            value: AddressValue::Digits(digits.to_owned()),
        }
    }

    /// Digits with the given type of address.
    pub fn digits(toa: TypeOfAddress, digits: &str) -> Self {
        Self {
            toa,
            value: AddressValue::Digits(digits.to_owned()),
        }
    }

    /// The digits, if this is a numeric address.
    pub fn as_digits(&self) -> Option<&str> {
        match &self.value {
            AddressValue::Digits(d) => Some(d),
            AddressValue::Alphanumeric { .. } => None,
        }
    }

    /// Encodes Address-Length, Type-of-Address and Address-Value.
    pub fn to_bytes(&self) -> Result<Vec<u8>, TpduError> {
        let (len, value) = match &self.value {
            AddressValue::Digits(d) => (d.chars().count(), encode_semi_octets(d)?),
            AddressValue::Alphanumeric {
                packed,
                semi_octets,
            } => (usize::from(*semi_octets), packed.clone()),
        };
        if value.len() > MAX_VALUE_OCTETS || value.len() != len.div_ceil(2) {
            return Err(TpduError::AddressTooLong);
        }
        let len = u8::try_from(len).map_err(|_| TpduError::AddressTooLong)?;
        let mut out = vec![len, self.toa.to_byte()];
        out.extend_from_slice(&value);
        Ok(out)
    }

    /// Parses an address field and returns it with the bytes that follow.
    pub fn parse(bytes: &[u8]) -> Result<(Self, &[u8]), TpduError> {
        let [len, toa, rest @ ..] = bytes else {
            return Err(TpduError::Truncated("address"));
        };
        let semi_octets = *len;
        let octets = usize::from(semi_octets).div_ceil(2);
        if octets > MAX_VALUE_OCTETS {
            return Err(TpduError::AddressTooLong);
        }
        if rest.len() < octets {
            return Err(TpduError::Truncated("address value"));
        }
        let (value, rest) = rest.split_at(octets);
        let toa = TypeOfAddress::from_byte(*toa);
        let value = if toa.ton == TypeOfAddress::TON_ALPHANUMERIC {
            AddressValue::Alphanumeric {
                packed: value.to_vec(),
                semi_octets,
            }
        } else {
            let mut digits = String::with_capacity(usize::from(semi_octets));
            for (i, b) in value.iter().enumerate() {
                digits.push(nibble_to_digit(b & 0x0f)?);
                if 2 * i + 1 < usize::from(semi_octets) {
                    digits.push(nibble_to_digit(b >> 4)?);
                }
            }
            AddressValue::Digits(digits)
        };
        Ok((Self { toa, value }, rest))
    }
}

/// TP-Service-Centre-Time-Stamp (§9.2.3.11): seven semi-octet pairs, the time zone in
/// quarter hours with its sign in bit 3 of the first semi-octet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Timestamp {
    /// Year within the century (0–99).
    pub year: u8,
    /// Month (1–12).
    pub month: u8,
    /// Day (1–31).
    pub day: u8,
    /// Hour.
    pub hour: u8,
    /// Minute.
    pub minute: u8,
    /// Second.
    pub second: u8,
    /// Offset from GMT in quarters of an hour (−79..=79).
    pub tz_quarters: i8,
}

fn bcd_swapped(v: u8) -> u8 {
    ((v % 10) << 4) | ((v / 10) % 10)
}

fn from_bcd_swapped(b: u8) -> Result<u8, TpduError> {
    let (lo, hi) = (b & 0x0f, b >> 4);
    if lo > 9 || hi > 9 {
        return Err(TpduError::Malformed("time stamp digit out of range"));
    }
    Ok(lo * 10 + hi)
}

impl Timestamp {
    /// The 7 octets as sent.
    pub fn to_bytes(&self) -> [u8; 7] {
        let tz = self.tz_quarters.unsigned_abs().min(79);
        let mut tz_byte = bcd_swapped(tz);
        if self.tz_quarters < 0 {
            tz_byte |= 0x08;
        }
        [
            bcd_swapped(self.year),
            bcd_swapped(self.month),
            bcd_swapped(self.day),
            bcd_swapped(self.hour),
            bcd_swapped(self.minute),
            bcd_swapped(self.second),
            tz_byte,
        ]
    }

    /// Parses the 7 octets.
    pub fn from_bytes(b: &[u8; 7]) -> Result<Self, TpduError> {
        let tz = from_bcd_swapped(b[6] & !0x08)?;
        let tz = i8::try_from(tz).map_err(|_| TpduError::Malformed("time zone"))?;
        Ok(Self {
            year: from_bcd_swapped(b[0])?,
            month: from_bcd_swapped(b[1])?,
            day: from_bcd_swapped(b[2])?,
            hour: from_bcd_swapped(b[3])?,
            minute: from_bcd_swapped(b[4])?,
            second: from_bcd_swapped(b[5])?,
            tz_quarters: if b[6] & 0x08 != 0 { -tz } else { tz },
        })
    }
}
