//! PINs, ADMs and their PUKs (ETSI TS 102 221 §9.5, §11.1.9–11.1.13), initialised from
//! the Profile's `PE-PINCodes` / `PE-PUKCodes` (TCA SAIP v3.3.1 §8.4). Values and
//! counters persist with the eUICC state; the verification status is volatile.
//! Values never reach logs or errors: `Debug` redacts them, drops zeroize them.

use std::collections::BTreeSet;

use rsp_saip::ProfilePackage;
use rsp_saip::model::{PinCodes, ProfileElement};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use super::sw;
use crate::state::HexBytes;

/// One PIN or PUK with its retry counter.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Secret {
    pub key_ref: u8,
    /// 8 bytes, digits in ASCII padded with `FF` (TS 102 221 §9.5.2).
    pub value: HexBytes,
    pub max_attempts: u8,
    pub left: u8,
    /// PINs: verification required (enabled). PUKs: always true.
    pub enabled: bool,
    /// PINs: key reference of the PUK that unblocks it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub puk_ref: Option<u8>,
    /// PINs: SAIP `pinAttributes` (b1 enabled, b3 may be disabled).
    #[serde(default)]
    pub attributes: u8,
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secret")
            .field("key_ref", &self.key_ref)
            .field("left", &self.left)
            .field("enabled", &self.enabled)
            .finish_non_exhaustive()
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.value.0.zeroize();
    }
}

impl Secret {
    fn matches(&self, candidate: &[u8]) -> bool {
        self.value.0.len() == candidate.len() && bool::from(self.value.0.ct_eq(candidate))
    }
}

/// The persistent PIN/PUK table of one Profile.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct PinTable {
    pub pins: Vec<Secret>,
    pub puks: Vec<Secret>,
}

/// SAIP `maxNumOfAttemps-retryNumLeft`: max attempts high nibble, retries left low.
fn counters(raw: Option<u8>, default: u8) -> (u8, u8) {
    let v = raw.unwrap_or(default);
    (v >> 4, v & 0x0F)
}

impl PinTable {
    /// The PINs and PUKs of `pkg` (the first definition of a key reference wins).
    pub fn from_package(pkg: &ProfilePackage) -> Self {
        let mut t = PinTable::default();
        for e in &pkg.elements {
            match e.pe() {
                Some(ProfileElement::PinCodes(p)) => {
                    let PinCodes::Pinconfig(list) = &p.pin_codes else {
                        continue;
                    };
                    for c in list {
                        if t.pins.iter().any(|x| x.key_ref == c.key_reference) {
                            continue;
                        }
                        let (max, left) = counters(c.max_num_of_attemps_retry_num_left, 0x33);
                        let attributes = c.pin_attributes.unwrap_or(7);
                        t.pins.push(Secret {
                            key_ref: c.key_reference,
                            value: HexBytes(c.pin_value.to_vec()),
                            max_attempts: max,
                            left,
                            enabled: attributes & 0x01 != 0,
                            puk_ref: c.unblocking_pin_reference,
                            attributes,
                        });
                    }
                }
                Some(ProfileElement::PukCodes(p)) => {
                    for c in &p.puk_codes {
                        if t.puks.iter().any(|x| x.key_ref == c.key_reference) {
                            continue;
                        }
                        let (max, left) = counters(c.max_num_of_attemps_retry_num_left, 0xAA);
                        t.puks.push(Secret {
                            key_ref: c.key_reference,
                            value: HexBytes(c.puk_value.to_vec()),
                            max_attempts: max,
                            left,
                            enabled: true,
                            puk_ref: None,
                            attributes: 0,
                        });
                    }
                }
                _ => {}
            }
        }
        t
    }

    fn pin(&mut self, key_ref: u8) -> Result<&mut Secret, u16> {
        self.pins
            .iter_mut()
            .find(|p| p.key_ref == key_ref)
            .ok_or(sw::REF_NOT_FOUND)
    }

    /// Whether the PIN `key_ref` is enabled (for the PS_DO of an FCP).
    pub fn enabled(&self, key_ref: u8) -> bool {
        self.pins.iter().any(|p| p.key_ref == key_ref && p.enabled)
    }

    /// Retries left of a PIN, if it exists.
    pub fn left(&self, key_ref: u8) -> Option<u8> {
        self.pins
            .iter()
            .find(|p| p.key_ref == key_ref)
            .map(|p| p.left)
    }
}

/// Checks `candidate` against `s`: a wrong value takes one try (`63Cx`), a blocked one
/// answers `6983` (TS 102 221 §11.1.9).
fn check(s: &mut Secret, candidate: &[u8]) -> Result<(), u16> {
    if s.left == 0 {
        return Err(sw::BLOCKED);
    }
    if s.matches(candidate) {
        s.left = s.max_attempts;
        Ok(())
    } else {
        s.left = s.left.saturating_sub(1);
        Err(sw::retries(s.left))
    }
}

/// The 8-byte PIN block of a command, or 6700.
fn block(data: &[u8]) -> Result<&[u8], u16> {
    if data.len() == 8 {
        Ok(data)
    } else {
        Err(sw::WRONG_LENGTH)
    }
}

/// Outcome of a PIN command: the SW and whether the persistent table changed.
pub struct Outcome {
    pub sw: u16,
    pub changed: bool,
}

/// PIN commands over a table and the set of verified key references.
pub struct Pins<'a> {
    pub table: &'a mut PinTable,
    pub verified: &'a mut BTreeSet<u8>,
}

impl Pins<'_> {
    /// Runs VERIFY (`20`), CHANGE (`24`), DISABLE (`26`), ENABLE (`28`) or UNBLOCK (`2C`)
    /// PIN for key reference `p2`.
    pub fn run(&mut self, ins: u8, p1: u8, p2: u8, data: &[u8]) -> Outcome {
        let before = self.table.clone();
        let sw = match self.dispatch(ins, p1, p2, data) {
            Ok(()) => sw::OK,
            Err(sw) => sw,
        };
        Outcome {
            sw,
            changed: *self.table != before,
        }
    }

    fn dispatch(&mut self, ins: u8, p1: u8, key_ref: u8, data: &[u8]) -> Result<(), u16> {
        match ins {
            0x20 => self.verify(p1, key_ref, data),
            0x24 => self.change(p1, key_ref, data),
            0x26 => self.disable(p1, key_ref, data),
            0x28 => self.enable(p1, key_ref, data),
            0x2C => self.unblock(p1, key_ref, data),
            _ => Err(sw::INS_NOT_SUPPORTED),
        }
    }

    /// VERIFY PIN (§11.1.9): no data asks for the status (`63Cx`, `9000` once verified).
    fn verify(&mut self, p1: u8, key_ref: u8, data: &[u8]) -> Result<(), u16> {
        if p1 != 0 {
            return Err(sw::WRONG_P1P2);
        }
        let verified = self.verified.contains(&key_ref);
        let pin = self.table.pin(key_ref)?;
        if data.is_empty() {
            return match pin.left {
                0 => Err(sw::BLOCKED),
                _ if verified || !pin.enabled => Ok(()),
                n => Err(sw::retries(n)),
            };
        }
        let r = check(pin, block(data)?);
        if r.is_ok() {
            self.verified.insert(key_ref);
        } else {
            self.verified.remove(&key_ref);
        }
        r
    }

    /// CHANGE PIN (§11.1.10): old ‖ new, 8 bytes each; the PIN must be enabled.
    fn change(&mut self, p1: u8, key_ref: u8, data: &[u8]) -> Result<(), u16> {
        if p1 != 0 {
            return Err(sw::WRONG_P1P2);
        }
        if data.len() != 16 {
            return Err(sw::WRONG_LENGTH);
        }
        let (old, new) = data.split_at(8);
        let pin = self.table.pin(key_ref)?;
        if !pin.enabled {
            return Err(sw::CONDITIONS);
        }
        check(pin, old)?;
        pin.value.0.zeroize();
        pin.value = HexBytes(new.to_vec());
        self.verified.insert(key_ref);
        Ok(())
    }

    /// DISABLE PIN (§11.1.11): P1 `00` or `80`; only PINs whose attributes allow it.
    fn disable(&mut self, p1: u8, key_ref: u8, data: &[u8]) -> Result<(), u16> {
        if p1 != 0x00 && p1 != 0x80 {
            return Err(sw::WRONG_P1P2);
        }
        let candidate = block(data)?;
        let pin = self.table.pin(key_ref)?;
        if !pin.enabled || pin.attributes & 0x04 == 0 {
            return Err(sw::CONDITIONS);
        }
        check(pin, candidate)?;
        pin.enabled = false;
        Ok(())
    }

    /// ENABLE PIN (§11.1.12).
    fn enable(&mut self, p1: u8, key_ref: u8, data: &[u8]) -> Result<(), u16> {
        if p1 != 0 {
            return Err(sw::WRONG_P1P2);
        }
        let candidate = block(data)?;
        let pin = self.table.pin(key_ref)?;
        if pin.enabled {
            return Err(sw::CONDITIONS);
        }
        check(pin, candidate)?;
        pin.enabled = true;
        self.verified.insert(key_ref);
        Ok(())
    }

    /// UNBLOCK PIN (§11.1.13): PUK ‖ new PIN; no data asks for the PUK's retries.
    fn unblock(&mut self, p1: u8, key_ref: u8, data: &[u8]) -> Result<(), u16> {
        if p1 != 0 {
            return Err(sw::WRONG_P1P2);
        }
        let puk_ref = self.table.pin(key_ref)?.puk_ref.unwrap_or(key_ref);
        let puk = self
            .table
            .puks
            .iter_mut()
            .find(|p| p.key_ref == puk_ref)
            .ok_or(sw::REF_NOT_FOUND)?;
        if data.is_empty() {
            return match puk.left {
                0 => Err(sw::BLOCKED),
                n => Err(sw::retries(n)),
            };
        }
        if data.len() != 16 {
            return Err(sw::WRONG_LENGTH);
        }
        let (puk_value, new) = data.split_at(8);
        check(puk, puk_value)?;
        let pin = self.table.pin(key_ref)?;
        pin.value.0.zeroize();
        pin.value = HexBytes(new.to_vec());
        pin.left = pin.max_attempts;
        pin.enabled = true;
        self.verified.insert(key_ref);
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn table() -> PinTable {
        PinTable {
            pins: vec![Secret {
                key_ref: 1,
                value: HexBytes(b"1234\xFF\xFF\xFF\xFF".to_vec()),
                max_attempts: 3,
                left: 3,
                enabled: true,
                puk_ref: Some(1),
                attributes: 7,
            }],
            puks: vec![Secret {
                key_ref: 1,
                value: HexBytes(b"12345678".to_vec()),
                max_attempts: 10,
                left: 10,
                enabled: true,
                puk_ref: None,
                attributes: 0,
            }],
        }
    }

    #[test]
    fn block_and_unblock() {
        let mut t = table();
        let mut v = BTreeSet::new();
        let mut p = Pins {
            table: &mut t,
            verified: &mut v,
        };
        let wrong = b"0000\xFF\xFF\xFF\xFF";
        assert_eq!(p.run(0x20, 0, 1, &[]).sw, 0x63C3);
        assert_eq!(p.run(0x20, 0, 1, wrong).sw, 0x63C2);
        assert_eq!(p.run(0x20, 0, 1, wrong).sw, 0x63C1);
        assert_eq!(p.run(0x20, 0, 1, wrong).sw, 0x63C0);
        assert_eq!(p.run(0x20, 0, 1, b"1234\xFF\xFF\xFF\xFF").sw, 0x6983);
        assert_eq!(p.run(0x2C, 0, 1, &[]).sw, 0x63CA);
        let mut unblock = b"12345678".to_vec();
        unblock.extend_from_slice(b"4321\xFF\xFF\xFF\xFF");
        assert_eq!(p.run(0x2C, 0, 1, &unblock).sw, 0x9000);
        assert_eq!(p.run(0x20, 0, 1, &[]).sw, 0x9000);
        assert_eq!(p.run(0x20, 0, 1, b"4321\xFF\xFF\xFF\xFF").sw, 0x9000);
        assert_eq!(p.run(0x20, 0, 2, b"4321\xFF\xFF\xFF\xFF").sw, 0x6A88);
        assert_eq!(p.run(0x20, 0, 1, b"43").sw, 0x6700);
        assert_eq!(p.run(0x26, 0, 1, b"4321\xFF\xFF\xFF\xFF").sw, 0x9000);
        assert!(!t.enabled(1));
        assert!(!format!("{t:?}").contains("4321"));
    }
}
