//! SMS-DELIVER and SMS-SUBMIT TPDUs (3GPP TS 23.040 §9.2.2.1 and §9.2.2.2), built and
//! parsed. The SM-SR's secured packets travel as 8-bit user data with a user data
//! header (TP-UDHI), TP-PID `7F` (SIM data download, §9.2.3.9) and TP-DCS `F6` or `16`
//! (class 2, 8-bit, TS 23.038 §4).

use crate::address::{Address, Timestamp};

/// TP-PID "(U)SIM data download" (TS 23.040 §9.2.3.9).
pub const PID_SIM_DATA_DOWNLOAD: u8 = 0x7f;
/// TP-DCS `F6`: data coding/message class group, 8-bit data, class 2 (TS 23.038 §4).
pub const DCS_CLASS2_8BIT: u8 = 0xf6;
/// TP-DCS `16`: general data coding group, class meaningful, 8-bit data, class 2.
pub const DCS_GENERAL_CLASS2_8BIT: u8 = 0x16;
/// Maximum TP-UD length in octets (§9.2.3.16).
pub const MAX_USER_DATA: usize = 140;

/// Errors of TPDU building and parsing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TpduError {
    /// The TPDU ends before a field.
    #[error("truncated TPDU: {0}")]
    Truncated(&'static str),
    /// A field's value is not allowed.
    #[error("malformed TPDU: {0}")]
    Malformed(&'static str),
    /// TP-MTI names another message type.
    #[error("TP-MTI {found} is not {expected}")]
    WrongMessageType {
        /// The TP-MTI of the type asked for.
        expected: u8,
        /// The TP-MTI found.
        found: u8,
    },
    /// A character that semi-octet digits cannot carry (§9.1.2.3).
    #[error("invalid address digit {0:?}")]
    InvalidDigit(char),
    /// More than 20 digits, or an alphanumeric value whose length disagrees.
    #[error("address too long")]
    AddressTooLong,
    /// More than 140 octets of user data, or UDL disagrees with the bytes present.
    #[error("user data too long: {0} octets")]
    UserDataTooLong(usize),
    /// Bytes after the end of the TPDU.
    #[error("{0} trailing octets after the TPDU")]
    Trailing(usize),
}

/// The alphabet TP-DCS selects (TS 23.038 §4), which fixes what TP-UDL counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alphabet {
    /// GSM 7-bit default alphabet: TP-UDL counts septets.
    Gsm7,
    /// 8-bit data: TP-UDL counts octets.
    EightBit,
    /// UCS2: TP-UDL counts octets.
    Ucs2,
}

impl Alphabet {
    /// Our reading of TS 23.038 §4 for the groups in use: `00xx`/`01xx` general (bits 3–2),
    /// `1111` (bit 2), `1110`/`1101`/`1100` message waiting (7-bit, `1110` UCS2); reserved
    /// groups are read as 8-bit.
    pub fn of(dcs: u8) -> Self {
        match dcs >> 4 {
            0x0..=0x7 => match (dcs >> 2) & 0x03 {
                0 => Self::Gsm7,
                2 => Self::Ucs2,
                _ => Self::EightBit,
            },
            0xc | 0xd => Self::Gsm7,
            0xe => Self::Ucs2,
            0xf if dcs & 0x04 == 0 => Self::Gsm7,
            _ => Self::EightBit,
        }
    }
}

/// TP-UD as carried: octets (8-bit, UCS2) or packed septets with their count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserData {
    /// 8-bit or UCS2 user data, the UDH (if TP-UDHI) included.
    Octets(Vec<u8>),
    /// GSM 7-bit user data as packed on the wire; `septets` is TP-UDL.
    Septets {
        /// TP-UDL.
        septets: u8,
        /// The packed octets.
        packed: Vec<u8>,
    },
}

impl UserData {
    /// The octets of TP-UD (packed, for 7-bit).
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Self::Octets(b) => b,
            Self::Septets { packed, .. } => packed,
        }
    }

    fn encode(&self, dcs: u8, out: &mut Vec<u8>) -> Result<(), TpduError> {
        let (udl, bytes) = match (self, Alphabet::of(dcs)) {
            (Self::Octets(b), Alphabet::EightBit | Alphabet::Ucs2) => (b.len(), b),
            (Self::Septets { septets, packed }, Alphabet::Gsm7) => {
                if packed.len() != (usize::from(*septets) * 7).div_ceil(8) {
                    return Err(TpduError::Malformed("septet count disagrees with the data"));
                }
                (usize::from(*septets), packed)
            }
            _ => return Err(TpduError::Malformed("user data does not match TP-DCS")),
        };
        if bytes.len() > MAX_USER_DATA {
            return Err(TpduError::UserDataTooLong(bytes.len()));
        }
        out.push(u8::try_from(udl).map_err(|_| TpduError::UserDataTooLong(udl))?);
        out.extend_from_slice(bytes);
        Ok(())
    }

    fn parse(dcs: u8, udhi: bool, bytes: &[u8]) -> Result<Self, TpduError> {
        let [udl, rest @ ..] = bytes else {
            return Err(TpduError::Truncated("TP-UDL"));
        };
        let (octets, ud) = match Alphabet::of(dcs) {
            Alphabet::Gsm7 => {
                let n = (usize::from(*udl) * 7).div_ceil(8);
                (n, None)
            }
            _ => (usize::from(*udl), Some(())),
        };
        if octets > MAX_USER_DATA {
            return Err(TpduError::UserDataTooLong(octets));
        }
        if rest.len() < octets {
            return Err(TpduError::Truncated("TP-UD"));
        }
        if rest.len() > octets {
            return Err(TpduError::Trailing(rest.len() - octets));
        }
        if udhi {
            // §9.2.3.24: the UDHL octet and the header must lie inside TP-UD.
            match rest.first() {
                Some(&udhl) if usize::from(udhl) < octets => {}
                _ => return Err(TpduError::Malformed("UDHL beyond the user data")),
            }
        }
        Ok(match ud {
            Some(()) => Self::Octets(rest.to_vec()),
            None => Self::Septets {
                septets: *udl,
                packed: rest.to_vec(),
            },
        })
    }
}

/// SMS-DELIVER (SC → MS, §9.2.2.1): how the SM-SR's command packet reaches the eUICC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsDeliver {
    /// TP-MMS: false means more messages are waiting (the bit is set when none are).
    pub more_messages: bool,
    /// TP-LP: loop prevention.
    pub loop_prevention: bool,
    /// TP-SRI: a status report will be returned.
    pub status_report_indication: bool,
    /// TP-UDHI: TP-UD starts with a user data header.
    pub udhi: bool,
    /// TP-RP: reply path.
    pub reply_path: bool,
    /// TP-OA.
    pub originator: Address,
    /// TP-PID.
    pub pid: u8,
    /// TP-DCS.
    pub dcs: u8,
    /// TP-SCTS.
    pub scts: Timestamp,
    /// TP-UD.
    pub user_data: UserData,
}

/// TP-VP in the format TP-VPF names (§9.2.3.12).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValidityPeriod {
    /// TP-VPF `00`: no TP-VP.
    None,
    /// TP-VPF `10`: one octet, relative (§9.2.3.12.1).
    Relative(u8),
    /// TP-VPF `01`: enhanced format, 7 octets (§9.2.3.12.3).
    Enhanced([u8; 7]),
    /// TP-VPF `11`: absolute time, 7 octets (§9.2.3.12.2).
    Absolute([u8; 7]),
}

/// SMS-SUBMIT (MS → SC, §9.2.2.2): how the eUICC's PoR leaves the handset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsSubmit {
    /// TP-RD: reject duplicates.
    pub reject_duplicates: bool,
    /// TP-VP (and with it TP-VPF).
    pub validity: ValidityPeriod,
    /// TP-SRR: status report requested.
    pub status_report_request: bool,
    /// TP-UDHI.
    pub udhi: bool,
    /// TP-RP.
    pub reply_path: bool,
    /// TP-MR.
    pub message_reference: u8,
    /// TP-DA.
    pub destination: Address,
    /// TP-PID.
    pub pid: u8,
    /// TP-DCS.
    pub dcs: u8,
    /// TP-UD.
    pub user_data: UserData,
}

fn bit(v: bool, n: u8) -> u8 {
    u8::from(v) << n
}

fn check_mti(first: u8, expected: u8) -> Result<(), TpduError> {
    let found = first & 0x03;
    if found == expected {
        Ok(())
    } else {
        Err(TpduError::WrongMessageType { expected, found })
    }
}

fn take<'a, const N: usize>(
    bytes: &'a [u8],
    what: &'static str,
) -> Result<(&'a [u8; N], &'a [u8]), TpduError> {
    bytes
        .split_first_chunk::<N>()
        .ok_or(TpduError::Truncated(what))
}

impl SmsDeliver {
    /// An SMS-DELIVER for a secured packet (TS 31.115 §4.2): TP-UDHI set, TP-PID `7F`,
    /// TP-DCS `F6`, no more messages.
    pub fn sim_data_download(originator: Address, scts: Timestamp, user_data: Vec<u8>) -> Self {
        Self {
            more_messages: false,
            loop_prevention: false,
            status_report_indication: false,
            udhi: true,
            reply_path: false,
            originator,
            pid: PID_SIM_DATA_DOWNLOAD,
            dcs: DCS_CLASS2_8BIT,
            scts,
            user_data: UserData::Octets(user_data),
        }
    }

    /// Encodes the TPDU.
    pub fn to_bytes(&self) -> Result<Vec<u8>, TpduError> {
        let first = bit(!self.more_messages, 2)
            | bit(self.loop_prevention, 3)
            | bit(self.status_report_indication, 5)
            | bit(self.udhi, 6)
            | bit(self.reply_path, 7);
        let mut out = vec![first];
        out.extend_from_slice(&self.originator.to_bytes()?);
        out.push(self.pid);
        out.push(self.dcs);
        out.extend_from_slice(&self.scts.to_bytes());
        self.user_data.encode(self.dcs, &mut out)?;
        Ok(out)
    }

    /// Parses a whole TPDU (no trailing bytes).
    pub fn parse(bytes: &[u8]) -> Result<Self, TpduError> {
        let ([first], rest) = take::<1>(bytes, "first octet")?;
        check_mti(*first, 0)?;
        let (originator, rest) = Address::parse(rest)?;
        let ([pid, dcs], rest) = take::<2>(rest, "TP-PID/TP-DCS")?;
        let (scts, rest) = take::<7>(rest, "TP-SCTS")?;
        let udhi = first & 0x40 != 0;
        Ok(Self {
            more_messages: first & 0x04 == 0,
            loop_prevention: first & 0x08 != 0,
            status_report_indication: first & 0x20 != 0,
            udhi,
            reply_path: first & 0x80 != 0,
            originator,
            pid: *pid,
            dcs: *dcs,
            scts: Timestamp::from_bytes(scts)?,
            user_data: UserData::parse(*dcs, udhi, rest)?,
        })
    }
}

impl SmsSubmit {
    /// An SMS-SUBMIT carrying a response packet (TS 31.115 §4.4): TP-UDHI set, TP-PID
    /// `7F`, TP-DCS `F6`, no validity period.
    pub fn sim_data_download(
        message_reference: u8,
        destination: Address,
        user_data: Vec<u8>,
    ) -> Self {
        Self {
            reject_duplicates: false,
            validity: ValidityPeriod::None,
            status_report_request: false,
            udhi: true,
            reply_path: false,
            message_reference,
            destination,
            pid: PID_SIM_DATA_DOWNLOAD,
            dcs: DCS_CLASS2_8BIT,
            user_data: UserData::Octets(user_data),
        }
    }

    /// Encodes the TPDU.
    pub fn to_bytes(&self) -> Result<Vec<u8>, TpduError> {
        let vpf = match self.validity {
            ValidityPeriod::None => 0,
            ValidityPeriod::Enhanced(_) => 1,
            ValidityPeriod::Relative(_) => 2,
            ValidityPeriod::Absolute(_) => 3,
        };
        let first = 0x01
            | bit(self.reject_duplicates, 2)
            | (vpf << 3)
            | bit(self.status_report_request, 5)
            | bit(self.udhi, 6)
            | bit(self.reply_path, 7);
        let mut out = vec![first, self.message_reference];
        out.extend_from_slice(&self.destination.to_bytes()?);
        out.push(self.pid);
        out.push(self.dcs);
        match self.validity {
            ValidityPeriod::None => {}
            ValidityPeriod::Relative(v) => out.push(v),
            ValidityPeriod::Enhanced(v) | ValidityPeriod::Absolute(v) => {
                out.extend_from_slice(&v);
            }
        }
        self.user_data.encode(self.dcs, &mut out)?;
        Ok(out)
    }

    /// Parses a whole TPDU (no trailing bytes).
    pub fn parse(bytes: &[u8]) -> Result<Self, TpduError> {
        let ([first, mr], rest) = take::<2>(bytes, "first octet/TP-MR")?;
        check_mti(*first, 1)?;
        let (destination, rest) = Address::parse(rest)?;
        let ([pid, dcs], mut rest) = take::<2>(rest, "TP-PID/TP-DCS")?;
        let validity = match (first >> 3) & 0x03 {
            0 => ValidityPeriod::None,
            2 => {
                let ([v], r) = take::<1>(rest, "TP-VP")?;
                rest = r;
                ValidityPeriod::Relative(*v)
            }
            vpf => {
                let (v, r) = take::<7>(rest, "TP-VP")?;
                rest = r;
                if vpf == 1 {
                    ValidityPeriod::Enhanced(*v)
                } else {
                    ValidityPeriod::Absolute(*v)
                }
            }
        };
        let udhi = first & 0x40 != 0;
        Ok(Self {
            reject_duplicates: first & 0x04 != 0,
            validity,
            status_report_request: first & 0x20 != 0,
            udhi,
            reply_path: first & 0x80 != 0,
            message_reference: *mr,
            destination,
            pid: *pid,
            dcs: *dcs,
            user_data: UserData::parse(*dcs, udhi, rest)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alphabet_of_dcs() {
        // TS 23.038 §4: the class 2 8-bit codings used for SIM data download.
        assert_eq!(Alphabet::of(DCS_CLASS2_8BIT), Alphabet::EightBit);
        assert_eq!(Alphabet::of(DCS_GENERAL_CLASS2_8BIT), Alphabet::EightBit);
        assert_eq!(Alphabet::of(0x00), Alphabet::Gsm7);
        assert_eq!(Alphabet::of(0x08), Alphabet::Ucs2);
        assert_eq!(Alphabet::of(0xf0), Alphabet::Gsm7);
        assert_eq!(Alphabet::of(0xe0), Alphabet::Ucs2);
    }

    #[test]
    fn septets_round_trip() {
        // "hello" in the GSM 7-bit default alphabet, packed: E8 32 9B FD 06.
        let d = SmsDeliver {
            user_data: UserData::Septets {
                septets: 5,
                packed: vec![0xe8, 0x32, 0x9b, 0xfd, 0x06],
            },
            dcs: 0x00,
            udhi: false,
            ..SmsDeliver::sim_data_download(
                Address::international("1"),
                Timestamp {
                    year: 1,
                    month: 1,
                    day: 1,
                    hour: 0,
                    minute: 0,
                    second: 0,
                    tz_quarters: 4,
                },
                Vec::new(),
            )
        };
        let b = d.to_bytes().expect("encode");
        assert_eq!(b[b.len() - 6], 5, "TP-UDL counts septets");
        assert_eq!(SmsDeliver::parse(&b).expect("parse"), d);
    }
}
