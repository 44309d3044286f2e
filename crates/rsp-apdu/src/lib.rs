//! APDU transports that put a card (typically the virtual eUICC of `rsp-euicc`) in
//! front of an LPA:
//! - [`stdio`]: the server side of lpac's newline-delimited JSON protocol
//!   (`LPAC_APDU=stdio`), so lpac drives the card unchanged;
//! - [`vpcd`]: a client of vsmartcard's virtual reader driver for pcscd, so every
//!   PC/SC application sees the card in the reader "Virtual PCD".
//!
//! Both are generic over [`ApduCard`]: command APDU in, response APDU out
//! (ISO/IEC 7816-4 §5.1).

pub mod error;
pub mod stdio;
pub mod vpcd;

pub use error::TransportError;

/// A card seen through its APDU interface.
pub trait ApduCard {
    /// Processes one command APDU and returns the response APDU (data ‖ SW1 SW2).
    fn transmit(&mut self, capdu: &[u8]) -> Vec<u8>;
    /// Cold reset (power cycle): logical channels closed, volatile state lost.
    fn reset(&mut self);
}

#[cfg(feature = "euicc")]
impl ApduCard for rsp_euicc::Card {
    fn transmit(&mut self, capdu: &[u8]) -> Vec<u8> {
        rsp_euicc::Card::transmit(self, capdu)
    }

    fn reset(&mut self) {
        rsp_euicc::Card::reset(self);
    }
}

impl<C: ApduCard + ?Sized> ApduCard for &mut C {
    fn transmit(&mut self, capdu: &[u8]) -> Vec<u8> {
        (**self).transmit(capdu)
    }

    fn reset(&mut self) {
        (**self).reset();
    }
}

/// CLA of an interindustry command on logical channel `channel` (ISO/IEC 7816-4
/// §5.4.1): channels 0–3 in b2–b1, channels 4–19 as `4x` with b4–b1 = channel − 4.
pub fn cla_for_channel(channel: u8) -> Option<u8> {
    match channel {
        0..=3 => Some(channel),
        4..=19 => Some(0x40 | (channel - 4)),
        _ => None,
    }
}

#[cfg(test)]
pub(crate) mod testcard;

#[cfg(test)]
mod tests {
    use super::cla_for_channel;

    #[test]
    fn cla_encoding() {
        assert_eq!(cla_for_channel(0), Some(0x00));
        assert_eq!(cla_for_channel(3), Some(0x03));
        assert_eq!(cla_for_channel(4), Some(0x40));
        assert_eq!(cla_for_channel(19), Some(0x4F));
        assert_eq!(cla_for_channel(20), None);
    }
}
