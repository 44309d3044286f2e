//! A scripted card for the transport tests: MANAGE CHANNEL opens channel 1, SELECT
//! succeeds only for AIDs starting `A0000005`, anything else echoes its data + 9000.

use crate::ApduCard;

#[derive(Debug, Default)]
pub struct TestCard {
    /// Every C-APDU received, as lowercase hex.
    pub seen: Vec<String>,
    pub resets: usize,
}

impl ApduCard for TestCard {
    fn transmit(&mut self, capdu: &[u8]) -> Vec<u8> {
        self.seen.push(hex::encode(capdu));
        match capdu {
            [0x00, 0x70, 0x00, 0x00, ..] => vec![0x01, 0x90, 0x00],
            [0x00, 0x70, 0x80, _] => vec![0x90, 0x00],
            [_, 0xA4, 0x04, _, _, 0xA0, 0x00, 0x00, 0x05, ..] => vec![0x90, 0x00],
            [_, 0xA4, ..] => vec![0x6A, 0x82],
            [_, _, _, _, lc, data @ ..] => {
                let mut r = data.get(..usize::from(*lc)).unwrap_or(data).to_vec();
                r.extend_from_slice(&[0x90, 0x00]);
                r
            }
            _ => vec![0x67, 0x00],
        }
    }

    fn reset(&mut self) {
        self.resets += 1;
    }
}
