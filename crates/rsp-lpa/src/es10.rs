//! The ES10 transport (SGP.22 v2.5 §5.7.1): one complete ES10 request in, its response
//! out. [`ApduChannel`] carries it in APDUs: a logical channel opened with MANAGE CHANNEL,
//! the ISD-R selected on it, the request sent as GlobalPlatform STORE DATA blocks
//! (P1 `11` more blocks / `91` last block, P2 block number, at most 255 bytes each),
//! the response collected with `61xx` + GET RESPONSE (ISO/IEC 7816-4 §5.3.4).

use rsp_apdu::{ApduCard, cla_for_channel};

use crate::error::LpaError;

/// AID of the ISD-R (SGP.22 §2.4.3).
pub const ISDR_AID: [u8; 16] = [
    0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x01, 0x00,
];

/// Largest STORE DATA block (short APDU Lc).
pub const MAX_BLOCK: usize = 255;

/// One complete ES10 command: request DER in, response DER out (empty for an intermediate
/// LoadBoundProfilePackage segment, SGP.22 §5.7.6).
pub trait Es10Channel {
    /// Sends `request` to the ISD-R and returns its response.
    fn call(&mut self, request: &[u8]) -> Result<Vec<u8>, LpaError>;
}

impl<T: Es10Channel + ?Sized> Es10Channel for &mut T {
    fn call(&mut self, request: &[u8]) -> Result<Vec<u8>, LpaError> {
        (**self).call(request)
    }
}

impl<T: Es10Channel + ?Sized> Es10Channel for Box<T> {
    fn call(&mut self, request: &[u8]) -> Result<Vec<u8>, LpaError> {
        (**self).call(request)
    }
}

/// The in-process virtual eUICC, called without APDUs.
#[cfg(feature = "virtual-euicc")]
impl Es10Channel for rsp_euicc::Isdr {
    fn call(&mut self, request: &[u8]) -> Result<Vec<u8>, LpaError> {
        self.handle(request).map_err(|e| LpaError::StatusWord {
            command: "ES10 request",
            sw: e.status_word(),
        })
    }
}

/// Splits a response APDU into data and SW1 SW2.
fn split_sw(rapdu: &[u8]) -> Result<(&[u8], u16), LpaError> {
    match rapdu.len().checked_sub(2) {
        Some(n) => {
            let (data, sw) = rapdu.split_at(n);
            Ok((data, u16::from_be_bytes([sw[0], sw[1]])))
        }
        None => Err(LpaError::Transport(
            "response APDU without status word".into(),
        )),
    }
}

/// `90xx` and `91xx` (proactive command pending) are success.
fn is_success(sw: u16) -> bool {
    matches!(sw >> 8, 0x90 | 0x91)
}

/// ES10 over APDUs on a logical channel of `C`. The channel is closed by [`Self::close`],
/// or on drop (best effort).
#[derive(Debug)]
pub struct ApduChannel<C: ApduCard> {
    card: Option<C>,
    channel: u8,
    /// Interindustry CLA of the channel (MANAGE CHANNEL / GET RESPONSE).
    cla: u8,
    block: usize,
}

impl<C: ApduCard> ApduChannel<C> {
    /// Opens a logical channel (MANAGE CHANNEL, card-assigned number) and selects the
    /// ISD-R on it (SGP.22 §5.7.1).
    pub fn open(mut card: C) -> Result<Self, LpaError> {
        let r = card.transmit(&[0x00, 0x70, 0x00, 0x00, 0x01]);
        let (data, sw) = split_sw(&r)?;
        if sw != 0x9000 {
            return Err(LpaError::StatusWord {
                command: "MANAGE CHANNEL open",
                sw,
            });
        }
        let channel = match data {
            [ch] if (1..=19).contains(ch) => *ch,
            other => {
                return Err(LpaError::Transport(format!(
                    "MANAGE CHANNEL answered channel {other:02X?}"
                )));
            }
        };
        let mut this = Self::with_channel(card, channel)?;
        this.select_isdr()?;
        Ok(this)
    }

    /// Uses `channel`, already opened with the ISD-R selected (e.g. by lpac's stdio
    /// `logic_channel_open`). It is still closed with MANAGE CHANNEL at the end.
    pub fn on_channel(card: C, channel: u8) -> Result<Self, LpaError> {
        Self::with_channel(card, channel)
    }

    fn with_channel(card: C, channel: u8) -> Result<Self, LpaError> {
        let cla = cla_for_channel(channel)
            .ok_or_else(|| LpaError::Transport(format!("no CLA for logical channel {channel}")))?;
        Ok(ApduChannel {
            card: Some(card),
            channel,
            cla,
            block: MAX_BLOCK,
        })
    }

    /// Uses STORE DATA blocks of at most `size` bytes (1..=255; lpac uses 120).
    pub fn with_block_size(mut self, size: usize) -> Self {
        self.block = size.clamp(1, MAX_BLOCK);
        self
    }

    /// The logical channel number.
    pub fn channel(&self) -> u8 {
        self.channel
    }

    /// The card.
    pub fn card_mut(&mut self) -> Option<&mut C> {
        self.card.as_mut()
    }

    /// Closes the logical channel and gives the card back.
    pub fn close(mut self) -> Result<C, LpaError> {
        let result = self.close_channel();
        let card = self
            .card
            .take()
            .ok_or_else(|| LpaError::Transport("card already released".into()))?;
        result.map(|()| card)
    }

    fn close_channel(&mut self) -> Result<(), LpaError> {
        let channel = self.channel;
        let r = self.transmit(&[0x00, 0x70, 0x80, channel])?;
        match split_sw(&r)? {
            (_, 0x9000) => Ok(()),
            (_, sw) => Err(LpaError::StatusWord {
                command: "MANAGE CHANNEL close",
                sw,
            }),
        }
    }

    fn transmit(&mut self, capdu: &[u8]) -> Result<Vec<u8>, LpaError> {
        let card = self
            .card
            .as_mut()
            .ok_or_else(|| LpaError::Transport("card already released".into()))?;
        let r = card.transmit(capdu);
        tracing::trace!(capdu = %hex::encode_upper(capdu), rapdu = %hex::encode_upper(&r), "APDU");
        Ok(r)
    }

    /// SELECT by DF name of the ISD-R, first or only occurrence, FCI returned.
    fn select_isdr(&mut self) -> Result<(), LpaError> {
        let mut select = vec![self.cla, 0xA4, 0x04, 0x00, ISDR_AID.len() as u8];
        select.extend_from_slice(&ISDR_AID);
        select.push(0x00);
        let r = self.transmit(&select)?;
        let (_, sw) = split_sw(&r)?;
        if sw == 0x9000 || sw >> 8 == 0x61 {
            // The FCI is not needed: drain it so the channel starts clean.
            if sw >> 8 == 0x61 {
                self.collect(Vec::new(), sw, "SELECT ISD-R")?;
            }
            Ok(())
        } else {
            Err(LpaError::StatusWord {
                command: "SELECT ISD-R",
                sw,
            })
        }
    }

    /// Appends `61xx` continuations (GET RESPONSE) to `data`.
    fn collect(
        &mut self,
        mut data: Vec<u8>,
        mut sw: u16,
        command: &'static str,
    ) -> Result<Vec<u8>, LpaError> {
        while sw >> 8 == 0x61 {
            let le = (sw & 0xFF) as u8;
            let r = self.transmit(&[self.cla, 0xC0, 0x00, 0x00, le])?;
            let (more, next) = split_sw(&r)?;
            data.extend_from_slice(more);
            sw = next;
        }
        if is_success(sw) {
            Ok(data)
        } else {
            Err(LpaError::StatusWord { command, sw })
        }
    }
}

impl<C: ApduCard> Es10Channel for ApduChannel<C> {
    /// STORE DATA chaining (GlobalPlatform Card Spec §11.11, SGP.22 §5.7.2): CLA `8x`
    /// on the channel, P1 `11` for more blocks and `91` for the last, P2 the block number.
    fn call(&mut self, request: &[u8]) -> Result<Vec<u8>, LpaError> {
        if request.is_empty() {
            return Err(LpaError::InvalidInput("empty ES10 request".into()));
        }
        let blocks: Vec<&[u8]> = request.chunks(self.block).collect();
        if blocks.len() > 256 {
            return Err(LpaError::InvalidInput(format!(
                "ES10 request of {} bytes needs more than 256 STORE DATA blocks",
                request.len()
            )));
        }
        let gp_cla = self.cla | 0x80;
        let last = blocks.len() - 1;
        for (number, block) in blocks.iter().enumerate() {
            let p1 = if number == last { 0x91 } else { 0x11 };
            let mut apdu = Vec::with_capacity(block.len() + 6);
            // `number` < 256 and `block.len()` <= 255, checked above.
            apdu.extend_from_slice(&[gp_cla, 0xE2, p1, number as u8, block.len() as u8]);
            apdu.extend_from_slice(block);
            apdu.push(0x00);
            let r = self.transmit(&apdu)?;
            let (data, sw) = split_sw(&r)?;
            if number == last {
                return self.collect(data.to_vec(), sw, "STORE DATA");
            }
            if sw != 0x9000 {
                return Err(LpaError::StatusWord {
                    command: "STORE DATA",
                    sw,
                });
            }
        }
        Ok(Vec::new())
    }
}

impl<C: ApduCard> Drop for ApduChannel<C> {
    fn drop(&mut self) {
        if self.card.is_some()
            && let Err(e) = self.close_channel()
        {
            tracing::debug!(error = %e, "closing the logical channel failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records APDUs; answers like a card with one channel, echoing the request back
    /// in 100-byte `61xx` chunks.
    #[derive(Default)]
    struct Script {
        seen: Vec<Vec<u8>>,
        chain: Vec<u8>,
        pending: Vec<u8>,
    }

    impl ApduCard for Script {
        fn transmit(&mut self, capdu: &[u8]) -> Vec<u8> {
            self.seen.push(capdu.to_vec());
            let with = |mut d: Vec<u8>, sw: [u8; 2]| {
                d.extend_from_slice(&sw);
                d
            };
            match capdu {
                [0x00, 0x70, 0x00, 0x00, 0x01] => vec![0x02, 0x90, 0x00],
                [0x00, 0x70, 0x80, 0x02] => vec![0x90, 0x00],
                [0x02, 0xA4, 0x04, 0x00, 0x10, ..] => vec![0x61, 0x05],
                [0x02, 0xC0, 0x00, 0x00, le] => {
                    let n = if *le == 0 { 256 } else { usize::from(*le) };
                    let n = n.min(self.pending.len()).min(100);
                    let chunk: Vec<u8> = self.pending.drain(..n).collect();
                    match self.pending.len() {
                        0 => with(chunk, [0x90, 0x00]),
                        left => with(chunk, [0x61, left.min(255) as u8]),
                    }
                }
                [0x82, 0xE2, p1, _, lc, rest @ ..] => {
                    self.chain
                        .extend_from_slice(&rest[..usize::from(*lc).min(rest.len())]);
                    if *p1 == 0x11 {
                        return vec![0x90, 0x00];
                    }
                    self.pending = std::mem::take(&mut self.chain);
                    vec![0x61, 0x00]
                }
                _ => vec![0x6D, 0x00],
            }
        }
        fn reset(&mut self) {}
    }

    #[test]
    fn store_data_chaining_and_get_response() {
        let mut ch = ApduChannel::open(Script {
            pending: vec![0x6F, 0x03, 0x84, 0x01, 0xA0],
            ..Script::default()
        })
        .expect("opens");
        assert_eq!(ch.channel(), 2);
        let request: Vec<u8> = (0..600u32).map(|i| i as u8).collect();
        let response = ch.call(&request).expect("call");
        assert_eq!(response, request, "echoed through GET RESPONSE");
        let card = ch.close().expect("closes");
        let stores: Vec<&Vec<u8>> = card.seen.iter().filter(|a| a[1] == 0xE2).collect();
        // 600 bytes: 255 + 255 + 90, P1 11/11/91, P2 0/1/2, CLA 82 (GP class, channel 2).
        assert_eq!(stores.len(), 3);
        let heads: Vec<[u8; 5]> = stores
            .iter()
            .map(|a| [a[0], a[1], a[2], a[3], a[4]])
            .collect();
        assert_eq!(
            heads,
            vec![
                [0x82, 0xE2, 0x11, 0x00, 0xFF],
                [0x82, 0xE2, 0x11, 0x01, 0xFF],
                [0x82, 0xE2, 0x91, 0x02, 90],
            ]
        );
        assert_eq!(
            card.seen.last().map(Vec::as_slice),
            Some(&[0x00, 0x70, 0x80, 0x02][..])
        );
    }

    #[test]
    fn small_blocks_and_errors() {
        let mut ch = ApduChannel::open(Script::default())
            .expect("opens")
            .with_block_size(120);
        let request = vec![0xBF, 0x2E, 0x00];
        assert_eq!(ch.call(&request).expect("call"), request);
        assert!(matches!(ch.call(&[]), Err(LpaError::InvalidInput(_))));
        // Drop closes the channel.
        drop(ch);

        #[derive(Debug)]
        struct Refuses;
        impl ApduCard for Refuses {
            fn transmit(&mut self, _: &[u8]) -> Vec<u8> {
                vec![0x68, 0x81]
            }
            fn reset(&mut self) {}
        }
        match ApduChannel::open(Refuses) {
            Err(LpaError::StatusWord { sw: 0x6881, .. }) => {}
            other => panic!("{other:?}"),
        }
    }
}
