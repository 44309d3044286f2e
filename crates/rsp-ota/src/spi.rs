//! The Security Parameter Indicator, KIc and KID (ETSI TS 102 225 §5.1.1–§5.1.3).

use crate::OtaError;

/// Integrity mechanism (SPI first octet b2b1, and second octet b4b3 for the PoR).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Integrity {
    /// `00`: no RC, CC or DS.
    None,
    /// `01`: redundancy check.
    Rc,
    /// `10`: cryptographic checksum.
    Cc,
    /// `11`: digital signature.
    Ds,
}

impl Integrity {
    fn from_bits(b: u8) -> Self {
        match b & 3 {
            0 => Integrity::None,
            1 => Integrity::Rc,
            2 => Integrity::Cc,
            _ => Integrity::Ds,
        }
    }
    fn bits(self) -> u8 {
        match self {
            Integrity::None => 0,
            Integrity::Rc => 1,
            Integrity::Cc => 2,
            Integrity::Ds => 3,
        }
    }
}

/// Counter mode (SPI first octet b5b4, §5.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CounterMode {
    /// `00`: no counter.
    None,
    /// `01`: counter available, no replay or sequence checking.
    Available,
    /// `10`: process only if the counter is higher than the stored one.
    Higher,
    /// `11`: process only if the counter is one higher than the stored one.
    OneHigher,
}

/// PoR request (SPI second octet b2b1, §5.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PorMode {
    /// `00`: no PoR.
    None,
    /// `01`: PoR required.
    Always,
    /// `10`: PoR required only on error.
    OnError,
}

/// Security Parameter Indicator (TS 102 225 §5.1.1): two octets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Spi {
    /// Integrity of the command (first octet b2b1).
    pub integrity: Integrity,
    /// Ciphering of the command (first octet b3).
    pub ciphering: bool,
    /// Counter mode (first octet b5b4).
    pub counter: CounterMode,
    /// PoR request (second octet b2b1).
    pub por: PorMode,
    /// Integrity of the PoR (second octet b4b3).
    pub por_integrity: Integrity,
    /// PoR ciphered (second octet b5).
    pub por_ciphering: bool,
    /// PoR sent with SMS-SUBMIT (`true`) or SMS-DELIVER-REPORT (`false`) (second octet
    /// b6; TS 31.115 §4.1 gives its meaning for SMS).
    pub por_in_submit: bool,
}

impl Spi {
    /// Decodes the two SPI octets; reserved bits (first b8..b6, second b8..b7) are
    /// ignored as §5.1.1 reserves them; `11` in the PoR field is refused.
    pub fn from_bytes(b: [u8; 2]) -> Result<Self, OtaError> {
        let [first, second] = b;
        let counter = match (first >> 3) & 3 {
            0 => CounterMode::None,
            1 => CounterMode::Available,
            2 => CounterMode::Higher,
            _ => CounterMode::OneHigher,
        };
        let por = match second & 3 {
            0 => PorMode::None,
            1 => PorMode::Always,
            2 => PorMode::OnError,
            _ => return Err(OtaError::Unsupported("reserved PoR mode 11 in SPI")),
        };
        Ok(Spi {
            integrity: Integrity::from_bits(first),
            ciphering: first & 0x04 != 0,
            counter,
            por,
            por_integrity: Integrity::from_bits(second >> 2),
            por_ciphering: second & 0x10 != 0,
            por_in_submit: second & 0x20 != 0,
        })
    }

    /// Encodes the two SPI octets (reserved bits zero).
    pub fn to_bytes(self) -> [u8; 2] {
        let counter = match self.counter {
            CounterMode::None => 0,
            CounterMode::Available => 1,
            CounterMode::Higher => 2,
            CounterMode::OneHigher => 3,
        };
        let por = match self.por {
            PorMode::None => 0,
            PorMode::Always => 1,
            PorMode::OnError => 2,
        };
        let first = self.integrity.bits() | (u8::from(self.ciphering) << 2) | (counter << 3);
        let second = por
            | (self.por_integrity.bits() << 2)
            | (u8::from(self.por_ciphering) << 4)
            | (u8::from(self.por_in_submit) << 5);
        [first, second]
    }
}

/// Ciphering algorithm named by KIc b4..b1 (TS 102 225 §5.1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CipherAlgorithm {
    /// `0001`: DES in CBC mode (deprecated by the spec, kept for old cards).
    DesCbc,
    /// `0101`: triple DES, outer CBC, two keys.
    TdesCbc2Key,
    /// `1001`: triple DES, outer CBC, three keys.
    TdesCbc3Key,
    /// `0010`: AES in CBC mode (key length from the key: 16, 24 or 32 octets).
    AesCbc,
}

/// Integrity algorithm named by KID b4..b1 (TS 102 225 §5.1.3), read under the SPI's
/// integrity mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IntegrityAlgorithm {
    /// RC `0001`: CRC-16 (ISO/IEC 13239), 2 octets.
    Crc16,
    /// RC `0101`: CRC-32 (ISO/IEC 13239), 4 octets.
    Crc32,
    /// CC `0001`: DES CBC-MAC, 8 octets.
    DesCbcMac,
    /// CC `0101`: triple DES (2 keys) CBC-MAC, 8 octets.
    TdesCbcMac2Key,
    /// CC `1001`: triple DES (3 keys) CBC-MAC, 8 octets.
    TdesCbcMac3Key,
    /// CC `0010`: AES-CMAC (RFC 4493) truncated to 8 octets.
    AesCmac,
}

impl IntegrityAlgorithm {
    /// Length in octets of the RC/CC this algorithm produces.
    pub fn output_len(self) -> usize {
        match self {
            IntegrityAlgorithm::Crc16 => 2,
            IntegrityAlgorithm::Crc32 => 4,
            _ => 8,
        }
    }
}

/// The KIc octet (§5.1.2): algorithm in b4..b1, key version number in b8..b5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Kic(pub u8);

impl Kic {
    /// KIc for `algorithm` and key version `version` (0..=15).
    pub fn new(algorithm: CipherAlgorithm, version: u8) -> Self {
        let low = match algorithm {
            CipherAlgorithm::DesCbc => 0b0001,
            CipherAlgorithm::TdesCbc2Key => 0b0101,
            CipherAlgorithm::TdesCbc3Key => 0b1001,
            CipherAlgorithm::AesCbc => 0b0010,
        };
        Kic(((version & 0x0f) << 4) | low)
    }
    /// Key version number (b8..b5).
    pub fn key_version(self) -> u8 {
        self.0 >> 4
    }
    /// The ciphering algorithm; implicit (`xx00`), DES-ECB, proprietary and RFU
    /// codings are refused.
    pub fn algorithm(self) -> Result<CipherAlgorithm, OtaError> {
        match self.0 & 0x0f {
            0b0001 => Ok(CipherAlgorithm::DesCbc),
            0b0101 => Ok(CipherAlgorithm::TdesCbc2Key),
            0b1001 => Ok(CipherAlgorithm::TdesCbc3Key),
            0b0010 => Ok(CipherAlgorithm::AesCbc),
            _ => Err(OtaError::Unsupported("KIc algorithm")),
        }
    }
}

/// The KID octet (§5.1.3): algorithm in b4..b1, key version number in b8..b5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Kid(pub u8);

impl Kid {
    /// KID for `algorithm` and key version `version` (0..=15).
    pub fn new(algorithm: IntegrityAlgorithm, version: u8) -> Self {
        let low = match algorithm {
            IntegrityAlgorithm::Crc16 | IntegrityAlgorithm::DesCbcMac => 0b0001,
            IntegrityAlgorithm::Crc32 | IntegrityAlgorithm::TdesCbcMac2Key => 0b0101,
            IntegrityAlgorithm::TdesCbcMac3Key => 0b1001,
            IntegrityAlgorithm::AesCmac => 0b0010,
        };
        Kid(((version & 0x0f) << 4) | low)
    }
    /// Key version number (b8..b5).
    pub fn key_version(self) -> u8 {
        self.0 >> 4
    }
    /// The algorithm under integrity mode `integrity` (RC: §5.1.3.1, CC: §5.1.3.2).
    pub fn algorithm(self, integrity: Integrity) -> Result<IntegrityAlgorithm, OtaError> {
        match (integrity, self.0 & 0x0f) {
            (Integrity::Rc, 0b0001) => Ok(IntegrityAlgorithm::Crc16),
            (Integrity::Rc, 0b0101) => Ok(IntegrityAlgorithm::Crc32),
            (Integrity::Cc, 0b0001) => Ok(IntegrityAlgorithm::DesCbcMac),
            (Integrity::Cc, 0b0101) => Ok(IntegrityAlgorithm::TdesCbcMac2Key),
            (Integrity::Cc, 0b1001) => Ok(IntegrityAlgorithm::TdesCbcMac3Key),
            (Integrity::Cc, 0b0010) => Ok(IntegrityAlgorithm::AesCmac),
            (Integrity::Ds, _) => Err(OtaError::Unsupported("digital signature")),
            _ => Err(OtaError::Unsupported("KID algorithm")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spi_round_trips() {
        for first in 0u8..0x20 {
            for second in 0u8..0x40 {
                match Spi::from_bytes([first, second]) {
                    Ok(spi) => assert_eq!(spi.to_bytes(), [first, second]),
                    Err(_) => assert_eq!(second & 3, 3),
                }
            }
        }
    }

    #[test]
    fn known_spi_values() {
        // `16 29`: CC, ciphered, counter must be higher; PoR always, CC, via SMS-SUBMIT.
        let spi = Spi::from_bytes([0x16, 0x29]).expect("valid");
        assert_eq!(spi.integrity, Integrity::Cc);
        assert!(spi.ciphering);
        assert_eq!(spi.counter, CounterMode::Higher);
        assert_eq!(spi.por, PorMode::Always);
        assert_eq!(spi.por_integrity, Integrity::Cc);
        assert!(!spi.por_ciphering);
        assert!(spi.por_in_submit);
    }

    #[test]
    fn kic_kid_codings() {
        assert_eq!(Kic::new(CipherAlgorithm::TdesCbc2Key, 3), Kic(0x35));
        assert_eq!(Kic::new(CipherAlgorithm::AesCbc, 2), Kic(0x22));
        assert_eq!(Kid::new(IntegrityAlgorithm::AesCmac, 2), Kid(0x22));
        assert_eq!(
            Kid(0x15).algorithm(Integrity::Rc),
            Ok(IntegrityAlgorithm::Crc32)
        );
        assert_eq!(
            Kid(0x15).algorithm(Integrity::Cc),
            Ok(IntegrityAlgorithm::TdesCbcMac2Key)
        );
        assert_eq!(Kic(0x35).key_version(), 3);
        assert!(Kic(0x03).algorithm().is_err());
        assert!(Kic(0x0d).algorithm().is_err());
        assert!(Kid(0x11).algorithm(Integrity::Ds).is_err());
    }
}
