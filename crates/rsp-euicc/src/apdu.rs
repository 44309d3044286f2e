//! The card as bytes in / bytes out (ISO/IEC 7816-4, GlobalPlatform, SGP.22 §5.7.1):
//! MANAGE CHANNEL, SELECT of the ISD-R, STORE DATA chaining into one ES10 request,
//! `61xx` + GET RESPONSE for long responses. Each STORE DATA sequence is handed to the
//! [`Isdr`] as it completes, which is also how BPP segments arrive (SGP.22 §2.5.5).
//! Every other command goes to the UICC of the enabled Profile ([`crate::uicc`]), each
//! logical channel with its own current file; the ISD-R stays reachable meanwhile.

use crate::isdr::Isdr;
use crate::uicc::{Command, Cursor, Uicc};

/// AID of the ISD-R (SGP.22 §2.4.3).
pub const ISDR_AID: [u8; 16] = [
    0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x01, 0x00,
];

/// Logical channels supported: the basic one and 19 further (ISO/IEC 7816-4 §5.4.2).
const CHANNELS: usize = 20;

const INS_MANAGE_CHANNEL: u8 = 0x70;
const INS_SELECT: u8 = 0xA4;
const INS_STORE_DATA: u8 = 0xE2;
const INS_GET_RESPONSE: u8 = 0xC0;

/// Status words used here.
mod sw {
    pub const OK: u16 = 0x9000;
    pub const WRONG_LENGTH: u16 = 0x6700;
    pub const CHANNEL_NOT_SUPPORTED: u16 = 0x6881;
    pub const CONDITIONS: u16 = 0x6985;
    pub const FILE_NOT_FOUND: u16 = 0x6A82;
    pub const NOT_ENOUGH_MEMORY: u16 = 0x6A84;
    pub const WRONG_P1P2: u16 = 0x6A86;
    pub const INS_NOT_SUPPORTED: u16 = 0x6D00;
    pub const CLA_NOT_SUPPORTED: u16 = 0x6E00;
}

/// Per logical channel: the selected application and transfer buffers.
#[derive(Debug, Default)]
struct Channel {
    isdr_selected: bool,
    /// Current DF / EF / application of the UICC on this channel.
    cursor: Cursor,
    /// STORE DATA blocks received so far, and the next block number.
    chain: Vec<u8>,
    next_block: u8,
    /// Response bytes waiting for GET RESPONSE.
    pending: Vec<u8>,
}

fn parse(apdu: &[u8]) -> Result<Command<'_>, u16> {
    let (header, body) = apdu.split_at_checked(4).ok_or(sw::WRONG_LENGTH)?;
    let &[cla, ins, p1, p2] = header else {
        return Err(sw::WRONG_LENGTH);
    };
    let cmd = |data, ne| Command {
        cla,
        ins,
        p1,
        p2,
        data,
        ne,
    };
    match body {
        [] => Ok(cmd(&[][..], 0)),
        [le] => Ok(cmd(&[][..], if *le == 0 { 256 } else { usize::from(*le) })),
        [0, hi, lo, rest @ ..] => {
            // Extended length: Lc on two bytes (or Le only).
            let lc = usize::from(u16::from_be_bytes([*hi, *lo]));
            match rest.len().checked_sub(lc) {
                Some(0) => Ok(cmd(rest, 0)),
                Some(2) => Ok(cmd(rest.get(..lc).unwrap_or_default(), 65536)),
                _ if rest.is_empty() => Ok(cmd(&[][..], if lc == 0 { 65536 } else { lc })),
                _ => Err(sw::WRONG_LENGTH),
            }
        }
        [lc, rest @ ..] => {
            let lc = usize::from(*lc);
            match rest.len().checked_sub(lc) {
                Some(0) => Ok(cmd(rest, 0)),
                Some(1) => {
                    let le = rest.last().copied().unwrap_or(0);
                    Ok(cmd(
                        rest.get(..lc).unwrap_or_default(),
                        if le == 0 { 256 } else { usize::from(le) },
                    ))
                }
                _ => Err(sw::WRONG_LENGTH),
            }
        }
    }
}

/// Logical channel number from CLA (ISO/IEC 7816-4 §5.4.1): `0x`/`8x` give channels
/// 0–3, `4x`/`Cx` (b7 set) channels 4–19. `FF` and the RFU `2x`/`3x` are refused.
fn channel_of(cla: u8) -> Result<usize, u16> {
    if cla == 0xFF || cla & 0x60 == 0x20 {
        return Err(sw::CLA_NOT_SUPPORTED);
    }
    if cla & 0x40 == 0 {
        Ok(usize::from(cla & 0x03))
    } else {
        Ok(4 + usize::from(cla & 0x0F))
    }
}

fn with_sw(mut data: Vec<u8>, sw: u16) -> Vec<u8> {
    data.extend_from_slice(&sw.to_be_bytes());
    data
}

fn status(sw: u16) -> Vec<u8> {
    sw.to_be_bytes().to_vec()
}

/// A virtual eUICC seen through its APDU interface.
#[derive(Debug)]
pub struct Card {
    isdr: Isdr,
    channels: Vec<Option<Channel>>,
    /// The UICC of the enabled Profile (none when no Profile is enabled or its
    /// package gives no file system).
    uicc: Option<Uicc>,
}

impl Card {
    /// A card around `isdr`; only the basic channel is open.
    pub fn new(isdr: Isdr) -> Self {
        let mut channels: Vec<Option<Channel>> = (0..CHANNELS).map(|_| None).collect();
        if let Some(c) = channels.first_mut() {
            *c = Some(Channel::default());
        }
        let mut card = Card {
            isdr,
            channels,
            uicc: None,
        };
        card.refresh_uicc();
        card
    }

    /// The UICC of the enabled Profile, if any.
    pub fn uicc(&self) -> Option<&Uicc> {
        self.uicc.as_ref()
    }

    /// Follows the enabled Profile: a new one gets its file system and every channel
    /// starts again at the MF (as after the REFRESH of a real eUICC); none leaves only
    /// the ISD-R.
    fn refresh_uicc(&mut self) {
        let enabled = self.isdr.enabled_profile();
        let same = match (&self.uicc, enabled) {
            (Some(u), Some(p)) => u.isdp_aid() == p.isdp_aid.0.as_slice(),
            (None, None) => true,
            _ => false,
        };
        if same {
            return;
        }
        self.uicc = enabled.and_then(|p| Uicc::from_profile(p).ok());
        for c in self.channels.iter_mut().flatten() {
            c.cursor = Cursor::default();
        }
    }

    /// The ISD-R behind the card.
    pub fn isdr(&self) -> &Isdr {
        &self.isdr
    }

    /// Runs an ES10 request on the ISD-R directly, without APDUs (the IPAe inside the
    /// eUICC, SGP.32 §3.x), then follows the enabled Profile as after an APDU.
    pub fn es10_internal(&mut self, request: &[u8]) -> Result<Vec<u8>, crate::Es10Error> {
        let result = self.isdr.handle(request);
        self.refresh_uicc();
        result
    }

    /// Gives back the ISD-R.
    pub fn into_isdr(self) -> Isdr {
        self.isdr
    }

    /// Cold reset: every channel but the basic one closed, nothing selected.
    pub fn reset(&mut self) {
        for (i, slot) in self.channels.iter_mut().enumerate() {
            *slot = (i == 0).then(Channel::default);
        }
        self.isdr.reset_volatile();
        if let Some(u) = &mut self.uicc {
            u.reset();
        }
    }

    /// Processes one command APDU and returns the response APDU (data ‖ SW1 SW2).
    pub fn transmit(&mut self, apdu: &[u8]) -> Vec<u8> {
        match self.process(apdu) {
            Ok(response) => response,
            Err(sw) => status(sw),
        }
    }

    fn process(&mut self, apdu: &[u8]) -> Result<Vec<u8>, u16> {
        let cmd = parse(apdu)?;
        let ch = channel_of(cmd.cla)?;
        if self.channels.get(ch).is_none_or(Option::is_none) {
            return Err(sw::CHANNEL_NOT_SUPPORTED);
        }
        match cmd.ins {
            INS_MANAGE_CHANNEL => self.manage_channel(&cmd, ch),
            INS_SELECT => self.select(&cmd, ch),
            INS_STORE_DATA => self.store_data(&cmd, ch),
            INS_GET_RESPONSE => self.get_response(&cmd, ch),
            _ => self.uicc_command(&cmd, ch),
        }
    }

    /// A command for the UICC of the enabled Profile. Case 4 commands sent without
    /// Le get `61xx` and their data through GET RESPONSE, as over T=0.
    fn uicc_command(&mut self, cmd: &Command<'_>, ch: usize) -> Result<Vec<u8>, u16> {
        let Some(uicc) = self.uicc.as_mut() else {
            return Err(match cmd.ins {
                INS_SELECT => sw::FILE_NOT_FOUND,
                _ => sw::INS_NOT_SUPPORTED,
            });
        };
        let channel = self
            .channels
            .get_mut(ch)
            .and_then(Option::as_mut)
            .ok_or(sw::CHANNEL_NOT_SUPPORTED)?;
        let reply = uicc.command(&mut channel.cursor, cmd);
        if cmd.ins == INS_SELECT && reply.sw == sw::OK {
            channel.isdr_selected = false;
            channel.chain.clear();
            channel.next_block = 0;
        }
        if reply.changed {
            let state = uicc.state().clone();
            let aid = uicc.isdp_aid().to_vec();
            if self.isdr.save_uicc(&aid, &state).is_err() {
                // Memory problem (ETSI TS 102 221 §10.2.1.3).
                return Err(0x6581);
            }
        }
        if reply.sw != sw::OK {
            return Ok(with_sw(reply.data, reply.sw));
        }
        if reply.data.is_empty() {
            return Ok(status(sw::OK));
        }
        if cmd.ne == 0 {
            let left = reply.data.len();
            if let Ok(channel) = self.channel(ch) {
                channel.pending = reply.data;
            }
            return Ok(status(0x6100 | remaining_byte(left)));
        }
        Ok(self.respond(ch, reply.data))
    }

    fn channel(&mut self, ch: usize) -> Result<&mut Channel, u16> {
        self.channels
            .get_mut(ch)
            .and_then(Option::as_mut)
            .ok_or(sw::CHANNEL_NOT_SUPPORTED)
    }

    /// MANAGE CHANNEL (ISO/IEC 7816-4 §11.1.2): P1 `00` open (P2 `00`: card assigns),
    /// P1 `80` close channel P2.
    fn manage_channel(&mut self, cmd: &Command<'_>, ch: usize) -> Result<Vec<u8>, u16> {
        match (cmd.p1, cmd.p2) {
            (0x00, 0x00) => {
                let free = self
                    .channels
                    .iter()
                    .position(Option::is_none)
                    .ok_or(sw::CHANNEL_NOT_SUPPORTED)?;
                // A new channel starts at the MF.
                if let Some(slot) = self.channels.get_mut(free) {
                    *slot = Some(Channel::default());
                }
                // `free` < 20.
                Ok(with_sw(vec![free as u8], sw::OK))
            }
            (0x00, n) => {
                let n = usize::from(n);
                match self.channels.get_mut(n) {
                    Some(slot @ None) => {
                        *slot = Some(Channel::default());
                        Ok(status(sw::OK))
                    }
                    _ => Err(sw::CHANNEL_NOT_SUPPORTED),
                }
            }
            (0x80, n) => {
                let n = if n == 0 { ch } else { usize::from(n) };
                if n == 0 {
                    return Err(sw::WRONG_P1P2);
                }
                match self.channels.get_mut(n) {
                    Some(slot @ Some(_)) => {
                        *slot = None;
                        Ok(status(sw::OK))
                    }
                    _ => Err(sw::CHANNEL_NOT_SUPPORTED),
                }
            }
            _ => Err(sw::WRONG_P1P2),
        }
    }

    /// SELECT of the ISD-R by DF name (P1 `04`): its FCI (`6F { 84 AID, A5 { ... } }`)
    /// unless P2 asks for no data (`0C`). Other selections go to the UICC.
    fn select(&mut self, cmd: &Command<'_>, ch: usize) -> Result<Vec<u8>, u16> {
        let isdr = cmd.p1 == 0x04 && !cmd.data.is_empty() && ISDR_AID.starts_with(cmd.data);
        if !isdr {
            return self.uicc_command(cmd, ch);
        }
        if !matches!(cmd.p2, 0x00 | 0x04 | 0x0C) {
            return Err(sw::WRONG_P1P2);
        }
        let channel = self.channel(ch)?;
        *channel = Channel {
            isdr_selected: true,
            ..Channel::default()
        };
        if cmd.p2 == 0x0C {
            return Ok(status(sw::OK));
        }
        // A5: proprietary data with the GP "maximum length of data field" (9F65).
        let a5 = [0x9F, 0x65, 0x01, 0xFF];
        let mut body = vec![0x84, ISDR_AID.len() as u8];
        body.extend_from_slice(&ISDR_AID);
        body.push(0xA5);
        body.push(a5.len() as u8);
        body.extend_from_slice(&a5);
        let mut fci = vec![0x6F, body.len() as u8];
        fci.extend_from_slice(&body);
        Ok(self.respond(ch, fci))
    }

    /// STORE DATA (GlobalPlatform §11.11): P1 b8 = last block, P2 = block number from 0.
    /// The whole sequence is one ES10 request (or one BPP segment).
    fn store_data(&mut self, cmd: &Command<'_>, ch: usize) -> Result<Vec<u8>, u16> {
        let max = self.isdr.config().max_command_bytes;
        let channel = self.channel(ch)?;
        if !channel.isdr_selected {
            return Err(sw::CONDITIONS);
        }
        if cmd.p1 & 0x7F != 0x11 && cmd.p1 & 0x7F != 0x10 && cmd.p1 & 0x7F != 0x00 {
            return Err(sw::WRONG_P1P2);
        }
        if cmd.p2 != channel.next_block {
            channel.chain.clear();
            channel.next_block = 0;
            return Err(sw::WRONG_P1P2);
        }
        if channel.chain.len().saturating_add(cmd.data.len()) > max {
            channel.chain.clear();
            channel.next_block = 0;
            return Err(sw::NOT_ENOUGH_MEMORY);
        }
        channel.chain.extend_from_slice(cmd.data);
        if cmd.p1 & 0x80 == 0 {
            channel.next_block = channel.next_block.wrapping_add(1);
            return Ok(status(sw::OK));
        }
        let request = std::mem::take(&mut channel.chain);
        channel.next_block = 0;
        channel.pending.clear();
        let result = self.isdr.handle(&request);
        // An ES10c Enable/Disable/Delete may have changed the enabled Profile.
        self.refresh_uicc();
        match result {
            Ok(response) => Ok(self.respond(ch, response)),
            Err(e) => Err(e.status_word()),
        }
    }

    /// Answers `data` directly when it fits one short response, else keeps it for
    /// GET RESPONSE and answers `61xx` (ISO/IEC 7816-4 §5.3.4).
    fn respond(&mut self, ch: usize, data: Vec<u8>) -> Vec<u8> {
        if data.len() <= 256 {
            return with_sw(data, sw::OK);
        }
        let left = data.len();
        if let Ok(channel) = self.channel(ch) {
            channel.pending = data;
        }
        status(0x6100 | remaining_byte(left))
    }

    /// GET RESPONSE: the next chunk of a pending response.
    fn get_response(&mut self, cmd: &Command<'_>, ch: usize) -> Result<Vec<u8>, u16> {
        if cmd.p1 != 0 || cmd.p2 != 0 {
            return Err(sw::WRONG_P1P2);
        }
        let channel = self.channel(ch)?;
        if channel.pending.is_empty() {
            return Err(sw::CONDITIONS);
        }
        let n = cmd.ne.clamp(1, 256).min(channel.pending.len());
        let rest = channel.pending.split_off(n);
        let chunk = std::mem::replace(&mut channel.pending, rest);
        let left = channel.pending.len();
        Ok(if left == 0 {
            with_sw(chunk, sw::OK)
        } else {
            with_sw(chunk, 0x6100 | remaining_byte(left))
        })
    }
}

/// SW2 of `61xx`: bytes still available, `00` meaning 256 or more.
fn remaining_byte(left: usize) -> u16 {
    if left >= 256 { 0 } else { left as u16 }
}
