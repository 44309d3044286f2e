//! SMS-PP data download to the eUICC (ETSI TS 102 223 §7.1 / 3GPP TS 31.111 §7.1.1:
//! ENVELOPE (SMS-PP DOWNLOAD), BER-TLV `D1` with device identities `82`, optional
//! address `06` and the SMS TPDU `8B`), the TS 23.040 §9.2.2.1 SMS-DELIVER inside it
//! (TP-UDHI set, TP-PID `7F` SIM data download, TP-DCS `F6`/`16` 8-bit class 2), and the
//! user data header of TS 31.115 §4.2 (IEI `70`; concatenation IEI `00`/`08`, TS 23.040
//! §9.2.3.24.1: segments are kept until the packet is complete).
//!
//! Also the builders a modem simulator (and the tests) use for the other direction.

use rsp_codec::sgp02::SmsAddress;

use crate::M2mEuicc;
use crate::error::M2mError;
use crate::scp80::{PorVia, Received};

/// BER-TLV tag of the SMS-PP download envelope (TS 102 223 §9.1).
const TAG_SMS_PP_DOWNLOAD: u8 = 0xD1;
/// COMPREHENSION-TLV tags without the CR bit (TS 102 223 §9.3).
const CTAG_DEVICE_IDENTITIES: u8 = 0x02;
const CTAG_ADDRESS: u8 = 0x06;
const CTAG_SMS_TPDU: u8 = 0x0B;
/// Device identities: network → UICC (TS 102 223 §8.7).
const DEVICE_NETWORK: u8 = 0x83;
const DEVICE_UICC: u8 = 0x81;
/// TP-PID: (U)SIM data download (TS 23.040 §9.2.3.9).
const PID_SIM_DATA_DOWNLOAD: u8 = 0x7F;
/// TP-DCS values accepted: 8-bit data, class 2 (TS 23.038 §4).
const DCS_8BIT_CLASS2: [u8; 2] = [0xF6, 0x16];
/// User data header IEIs.
const IEI_CONCAT_8: u8 = 0x00;
const IEI_CONCAT_16: u8 = 0x08;
const IEI_COMMAND_PACKET: u8 = rsp_ota::sms::IEI_COMMAND;
/// At most this many concatenated packets are reassembled at once (oldest dropped).
const MAX_PENDING: usize = 8;

/// What an SMS-PP download led to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmsPpOutcome {
    /// TP-OA of the SMS (the SM-SR's address).
    pub originator: SmsAddress,
    /// The command packet's outcome; `None` while concatenated segments are missing.
    pub received: Option<Received>,
    /// ENVELOPE response data: the PoR's TP-UD (`02 71 00` ‖ PoR) when the SPI asks
    /// for the SMS-DELIVER-REPORT, else empty (an SMS-SUBMIT PoR is in `received`).
    pub response_data: Vec<u8>,
}

/// Concatenated segments waiting for the rest.
#[derive(Debug, Default)]
pub(crate) struct Reassembly {
    pending: Vec<Pending>,
}

#[derive(Debug)]
struct Pending {
    originator: SmsAddress,
    wide: bool,
    reference: u16,
    segments: Vec<Option<Vec<u8>>>,
    has_cpi: bool,
}

fn err(what: &'static str) -> M2mError {
    M2mError::SmsPp(what)
}

/// A COMPREHENSION-TLV / BER-TLV length: one octet, or `81` and one octet ≥ `80`.
fn read_len(input: &[u8]) -> Result<(usize, &[u8]), M2mError> {
    match input {
        [l @ 0..=0x7F, rest @ ..] => Ok((usize::from(*l), rest)),
        [0x81, l @ 0x80..=0xFF, rest @ ..] => Ok((usize::from(*l), rest)),
        _ => Err(err("length coding")),
    }
}

fn read_tlv(input: &[u8]) -> Result<(u8, &[u8], &[u8]), M2mError> {
    let (&tag, rest) = input.split_first().ok_or(err("TLV truncated"))?;
    let (len, rest) = read_len(rest)?;
    if rest.len() < len {
        return Err(err("TLV value truncated"));
    }
    let (v, rest) = rest.split_at(len);
    Ok((tag, v, rest))
}

fn push_len(out: &mut Vec<u8>, len: usize) -> Result<(), M2mError> {
    match len {
        0..=0x7F => out.push(len as u8),
        0x80..=0xFF => out.extend_from_slice(&[0x81, len as u8]),
        _ => return Err(err("envelope too long")),
    }
    Ok(())
}

/// A parsed SMS-DELIVER.
struct Deliver<'a> {
    originator: SmsAddress,
    user_data: &'a [u8],
}

/// TS 23.040 §9.2.2.1 SMS-DELIVER with 8-bit user data.
fn parse_deliver(tpdu: &[u8]) -> Result<Deliver<'_>, M2mError> {
    let (&fo, rest) = tpdu.split_first().ok_or(err("empty TPDU"))?;
    if fo & 0x03 != 0x00 {
        return Err(err("not an SMS-DELIVER"));
    }
    let (&digits, rest) = rest.split_first().ok_or(err("TP-OA truncated"))?;
    let oa_len = 1 + usize::from(digits).div_ceil(2);
    if rest.len() < oa_len {
        return Err(err("TP-OA truncated"));
    }
    let (oa, rest) = rest.split_at(oa_len);
    let originator = SmsAddress::parse(oa).map_err(|_| err("TP-OA digits"))?;
    if originator.digits.len() != usize::from(digits) {
        return Err(err("TP-OA length"));
    }
    let [pid, dcs, _scts @ .., udl] = rest.get(..10).ok_or(err("TPDU truncated"))? else {
        return Err(err("TPDU truncated"));
    };
    if *pid != PID_SIM_DATA_DOWNLOAD {
        return Err(err("TP-PID is not SIM data download"));
    }
    if !DCS_8BIT_CLASS2.contains(dcs) {
        return Err(err("TP-DCS is not 8-bit class 2"));
    }
    let user_data = rest.get(10..).unwrap_or_default();
    if user_data.len() != usize::from(*udl) {
        return Err(err("TP-UDL does not match the user data"));
    }
    // Checked last, so that the refusal of a well-formed TPDU without a header says so.
    if fo & 0x40 == 0 {
        return Err(err("TP-UDHI not set"));
    }
    Ok(Deliver {
        originator,
        user_data,
    })
}

/// A concatenation element (TS 23.040 §9.2.3.24.1 / §9.2.3.24.8): reference (the 8-bit
/// and 16-bit forms are separate reference spaces), number of segments, sequence number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Concat {
    wide: bool,
    reference: u16,
    count: u8,
    seq: u8,
}

/// A TS 23.040 user data header: the concatenation element, whether IEI `70` is present,
/// and the body after the header.
struct Udh<'a> {
    concat: Option<Concat>,
    has_cpi: bool,
    body: &'a [u8],
}

fn parse_udh(ud: &[u8]) -> Result<Udh<'_>, M2mError> {
    let (&udhl, rest) = ud.split_first().ok_or(err("empty user data"))?;
    let (mut h, body) = rest
        .split_at_checked(usize::from(udhl))
        .ok_or(err("UDHL beyond the user data"))?;
    let (mut concat, mut has_cpi) = (None, false);
    while let [iei, len, tail @ ..] = h {
        let (v, t) = tail
            .split_at_checked(usize::from(*len))
            .ok_or(err("UDH element truncated"))?;
        match (*iei, v) {
            (IEI_COMMAND_PACKET, []) => has_cpi = true,
            (IEI_CONCAT_8, &[r, count, seq]) => {
                concat = Some(Concat {
                    wide: false,
                    reference: u16::from(r),
                    count,
                    seq,
                });
            }
            (IEI_CONCAT_16, &[r1, r2, count, seq]) => {
                concat = Some(Concat {
                    wide: true,
                    reference: u16::from_be_bytes([r1, r2]),
                    count,
                    seq,
                });
            }
            (IEI_CONCAT_8 | IEI_CONCAT_16 | IEI_COMMAND_PACKET, _) => {
                return Err(err("UDH element length"));
            }
            _ => {}
        }
        h = t;
    }
    if !h.is_empty() {
        return Err(err("UDH element truncated"));
    }
    // §9.2.3.24.1: a count of 0, or a sequence number of 0 or above the count, makes the
    // receiver ignore the element (the message is then a single one).
    let concat = concat.filter(|c| c.count != 0 && c.seq != 0 && c.seq <= c.count);
    Ok(Udh {
        concat,
        has_cpi,
        body,
    })
}

impl Reassembly {
    /// Adds a segment; returns the whole packet (and whether its first segment carried
    /// IEI `70`) once complete.
    fn add(
        &mut self,
        originator: &SmsAddress,
        c: Concat,
        has_cpi: bool,
        body: &[u8],
    ) -> Option<(Vec<u8>, bool)> {
        let same = |p: &Pending| {
            &p.originator == originator && p.wide == c.wide && p.reference == c.reference
        };
        let idx = match self.pending.iter().position(same) {
            Some(i)
                if self
                    .pending
                    .get(i)
                    .is_some_and(|p| p.segments.len() == usize::from(c.count)) =>
            {
                i
            }
            found => {
                // Same reference, another count: a new message replaces the old one.
                if let Some(i) = found {
                    self.pending.remove(i);
                }
                if self.pending.len() >= MAX_PENDING {
                    self.pending.remove(0);
                }
                self.pending.push(Pending {
                    originator: originator.clone(),
                    wide: c.wide,
                    reference: c.reference,
                    segments: vec![None; usize::from(c.count)],
                    has_cpi: false,
                });
                self.pending.len() - 1
            }
        };
        let entry = self.pending.get_mut(idx)?;
        if let Some(slot) = entry.segments.get_mut(usize::from(c.seq - 1)) {
            *slot = Some(body.to_vec());
        }
        if c.seq == 1 {
            entry.has_cpi = has_cpi;
        }
        if entry.segments.iter().all(Option::is_some) {
            let done = self.pending.remove(idx);
            let packet = done.segments.into_iter().flatten().flatten().collect();
            return Some((packet, done.has_cpi));
        }
        None
    }
}

impl M2mEuicc {
    /// ENVELOPE (SMS-PP DOWNLOAD): unwraps the SMS-DELIVER, reassembles concatenated
    /// segments, and hands the command packet to [`M2mEuicc::receive_command_packet`].
    pub fn sms_pp_download(&mut self, envelope: &[u8]) -> Result<SmsPpOutcome, M2mError> {
        let (tag, value, rest) = read_tlv(envelope)?;
        if tag != TAG_SMS_PP_DOWNLOAD || !rest.is_empty() {
            return Err(err("not an SMS-PP download envelope"));
        }
        let (mut devices, mut tpdu) = (None, None);
        let mut body = value;
        while !body.is_empty() {
            let (t, v, r) = read_tlv(body)?;
            match t & 0x7F {
                CTAG_DEVICE_IDENTITIES => devices = Some(v),
                CTAG_ADDRESS => {} // the SMSC address is not needed here
                CTAG_SMS_TPDU => tpdu = Some(v),
                _ => {}
            }
            body = r;
        }
        if devices != Some(&[DEVICE_NETWORK, DEVICE_UICC][..]) {
            return Err(err("device identities must be network → UICC"));
        }
        let deliver = parse_deliver(tpdu.ok_or(err("no SMS TPDU"))?)?;
        let udh = parse_udh(deliver.user_data)?;
        let packet = match udh.concat {
            None => Some((udh.body.to_vec(), udh.has_cpi)),
            Some(c) => self
                .reassembly
                .add(&deliver.originator, c, udh.has_cpi, udh.body),
        };
        let Some((packet, has_cpi)) = packet else {
            return Ok(SmsPpOutcome {
                originator: deliver.originator,
                received: None,
                response_data: Vec::new(),
            });
        };
        if !has_cpi {
            return Err(err("no command packet identifier (IEI 70) in the UDH"));
        }
        let received = self.receive_command_packet(&packet)?;
        let response_data = match &received.por {
            Some(p) if p.via == PorVia::DeliverReport => p.user_data(),
            _ => Vec::new(),
        };
        Ok(SmsPpOutcome {
            originator: deliver.originator,
            received: Some(received),
            response_data,
        })
    }
}

/// Builds an SMS-DELIVER TPDU (TP-UDHI set, TP-PID `7F`, TP-DCS `F6`, a fixed TP-SCTS)
/// from `originator` carrying `user_data` (UDH included).
pub fn sms_deliver_tpdu(originator: &SmsAddress, user_data: &[u8]) -> Result<Vec<u8>, M2mError> {
    let udl = u8::try_from(user_data.len()).map_err(|_| err("user data longer than 255"))?;
    let oa = originator.encode()?;
    let digits = u8::try_from(originator.digits.len()).map_err(|_| err("address too long"))?;
    let mut out = vec![0x44, digits];
    out.extend_from_slice(&oa);
    out.extend_from_slice(&[PID_SIM_DATA_DOWNLOAD, 0xF6]);
    out.extend_from_slice(&[0x62, 0x21, 0x60, 0x50, 0x00, 0x00, 0x00]);
    out.push(udl);
    out.extend_from_slice(user_data);
    Ok(out)
}

/// Builds the ENVELOPE data (SMS-PP DOWNLOAD `D1`) around `tpdu`, with the SMSC address
/// when given.
pub fn sms_pp_envelope(tpdu: &[u8], smsc: Option<&SmsAddress>) -> Result<Vec<u8>, M2mError> {
    let mut v = vec![0x82, 0x02, DEVICE_NETWORK, DEVICE_UICC];
    if let Some(a) = smsc {
        let a = a.encode()?;
        v.push(0x86);
        push_len(&mut v, a.len())?;
        v.extend_from_slice(&a);
    }
    v.push(0x8B);
    push_len(&mut v, tpdu.len())?;
    v.extend_from_slice(tpdu);
    let mut out = vec![TAG_SMS_PP_DOWNLOAD];
    push_len(&mut out, v.len())?;
    out.extend_from_slice(&v);
    Ok(out)
}

/// Splits a command packet into TP-UDs of at most 140 octets: one with UDH `02 70 00`
/// when it fits, else concatenated segments (IEI `00`, reference `reference`), the first
/// also carrying IEI `70` (TS 31.115 §4.2 / TS 23.040 §9.2.3.24.1); `rsp_sms::concat`'s
/// splitter, the one the SM-SR uses.
pub fn command_user_data(packet: &[u8], reference: u8) -> Result<Vec<Vec<u8>>, M2mError> {
    rsp_sms::concat::split(packet, reference)
        .map_err(|_| err("packet needs more than 255 segments"))
}

/// The same for a PoR sent in SMS-SUBMITs: IEI `71` (TS 31.115 §4.4).
pub fn response_user_data(packet: &[u8], reference: u8) -> Result<Vec<Vec<u8>>, M2mError> {
    rsp_sms::concat::split_response(packet, reference)
        .map_err(|_| err("packet needs more than 255 segments"))
}
