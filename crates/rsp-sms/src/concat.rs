//! Concatenated short messages (3GPP TS 23.040 §9.2.3.24.1, IEI `00`, 8-bit reference)
//! for secured packets longer than one SMS, with the rules of 3GPP TS 31.115 §4.2/§4.4:
//! the packet identifier element (command IEI `70`, response IEI `71`) appears in the
//! first segment's UDH only, and every segment's TP-UD (UDH included) fits 140 octets.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::tpdu::{MAX_USER_DATA, TpduError};
use crate::udh::{self, IEI_CONCAT_8BIT, InformationElement};

/// Errors of splitting and reassembly.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConcatError {
    /// The packet needs more than 255 segments.
    #[error("packet of {0} octets needs more than 255 segments")]
    TooLong(usize),
    /// The UDH or the concatenation element is malformed.
    #[error("bad user data header: {0}")]
    Header(#[from] TpduError),
    /// Sequence number 0, beyond the total, or a total of 0 (§9.2.3.24.1).
    #[error("segment {seq} of {total} is out of range")]
    BadSequence {
        /// The segment's sequence number.
        seq: u8,
        /// The announced total.
        total: u8,
    },
    /// A segment disagrees with earlier segments of the same reference on the total.
    #[error("segment announces {found} segments, earlier ones {expected}")]
    TotalMismatch {
        /// The total of the first segment seen.
        expected: u8,
        /// The total of this one.
        found: u8,
    },
}

/// First segment: UDHL, `00 03 ref total seq`, `70 00` (our reading of TS 31.115 §4.2:
/// concatenation element first).
const FIRST_HEADER: usize = 1 + 5 + 2;
/// Later segments: UDHL, `00 03 ref total seq`.
const NEXT_HEADER: usize = 1 + 5;
/// Single SMS: UDHL, `70 00`.
const SINGLE_HEADER: usize = 1 + 2;

/// Splits a secured packet (a command packet from CPL on, TS 31.115 §4.2) into the
/// TP-UD (UDH included) of each SMS: one SMS with UDH `02 70 00` when it fits, else
/// concatenated segments with `reference`, the `70 00` element in the first only.
pub fn split(packet: &[u8], reference: u8) -> Result<Vec<Vec<u8>>, ConcatError> {
    split_with(packet, reference, crate::IEI_COMMAND_PACKET)
}

/// [`split`] for a response packet (PoR, IEI `71`, TS 31.115 §4.4).
pub fn split_response(packet: &[u8], reference: u8) -> Result<Vec<Vec<u8>>, ConcatError> {
    split_with(packet, reference, crate::IEI_RESPONSE_PACKET)
}

fn split_with(packet: &[u8], reference: u8, iei: u8) -> Result<Vec<Vec<u8>>, ConcatError> {
    if packet.len() + SINGLE_HEADER <= MAX_USER_DATA {
        let mut ud = vec![0x02, iei, 0x00];
        ud.extend_from_slice(packet);
        return Ok(vec![ud]);
    }
    let first_room = MAX_USER_DATA - FIRST_HEADER;
    let next_room = MAX_USER_DATA - NEXT_HEADER;
    let (first, rest) = packet.split_at(first_room.min(packet.len()));
    let chunks: Vec<&[u8]> = std::iter::once(first)
        .chain(rest.chunks(next_room))
        .collect();
    let total = u8::try_from(chunks.len()).map_err(|_| ConcatError::TooLong(packet.len()))?;
    let mut out = Vec::with_capacity(chunks.len());
    for (i, chunk) in chunks.into_iter().enumerate() {
        let seq = u8::try_from(i + 1).map_err(|_| ConcatError::TooLong(packet.len()))?;
        let mut ies = vec![InformationElement {
            iei: IEI_CONCAT_8BIT,
            data: vec![reference, total, seq],
        }];
        if seq == 1 {
            ies.push(InformationElement {
                iei,
                data: Vec::new(),
            });
        }
        let mut ud = udh::encode(&ies)?;
        ud.extend_from_slice(chunk);
        out.push(ud);
    }
    Ok(out)
}

/// A whole message: the first segment's UDH without the concatenation element, then
/// the bodies in order; for a secured packet, what `rsp_ota::sms::unwrap_command`
/// (or `unwrap_response`) reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Complete {
    /// Who sent it (the key reassembly used).
    pub originator: String,
    /// The concatenation reference, `None` for a single SMS.
    pub reference: Option<u8>,
    /// UDH (without the concatenation element) and the reassembled body.
    pub user_data: Vec<u8>,
}

/// Limits that keep a [`Reassembler`]'s memory bounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Partial messages older than this (since their first segment) are dropped.
    pub timeout: Duration,
    /// At most this many partial messages; the oldest is dropped to make room.
    pub max_pending: usize,
    /// At most this many octets of segment bodies held, all partial messages together;
    /// the oldest partial messages are dropped to make room.
    pub max_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(120),
            max_pending: 1024,
            max_bytes: 4 << 20,
        }
    }
}

struct Partial {
    started: Instant,
    bytes: usize,
    total: u8,
    segments: Vec<Option<(Vec<InformationElement>, Vec<u8>)>>,
}

/// Collects segments keyed by originator and reference (§9.2.3.24.1), in any order;
/// duplicates are ignored; at most `max_pending` partial messages and `max_bytes`
/// octets, each partial message dropped after `timeout`.
pub struct Reassembler {
    limits: Limits,
    pending: HashMap<(String, u8), Partial>,
    bytes: usize,
    dropped: u64,
}

impl Reassembler {
    /// An empty reassembler.
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            pending: HashMap::new(),
            bytes: 0,
            dropped: 0,
        }
    }

    /// Number of partial messages held.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Octets of segment bodies held.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Partial messages dropped so far (timed out or evicted).
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// [`Self::push_at`] now.
    pub fn push(
        &mut self,
        originator: &str,
        user_data: &[u8],
    ) -> Result<Option<Complete>, ConcatError> {
        self.push_at(Instant::now(), originator, user_data)
    }

    /// Drops partial messages older than the timeout.
    pub fn expire(&mut self, now: Instant) {
        let timeout = self.limits.timeout;
        let before = self.pending.len();
        let mut freed = 0;
        self.pending.retain(|_, p| {
            let keep = now.saturating_duration_since(p.started) < timeout;
            if !keep {
                freed += p.bytes;
            }
            keep
        });
        self.bytes -= freed;
        self.dropped += (before - self.pending.len()) as u64;
    }

    /// Takes one SMS's TP-UD (UDH included; TP-UDHI set) from `originator`. Returns the
    /// whole message when this segment completes it, or at once for a single SMS.
    pub fn push_at(
        &mut self,
        now: Instant,
        originator: &str,
        user_data: &[u8],
    ) -> Result<Option<Complete>, ConcatError> {
        self.expire(now);
        let (mut ies, body) = udh::parse(user_data)?;
        let Some(pos) = ies.iter().position(|ie| ie.iei == IEI_CONCAT_8BIT) else {
            return Ok(Some(Complete {
                originator: originator.to_owned(),
                reference: None,
                user_data: user_data.to_vec(),
            }));
        };
        let concat = ies.remove(pos);
        let [reference, total, seq] = concat.data[..] else {
            return Err(TpduError::Malformed("concatenation element is not 3 octets").into());
        };
        if total == 0 || seq == 0 || seq > total {
            return Err(ConcatError::BadSequence { seq, total });
        }
        if total == 1 {
            return Ok(Some(Complete {
                originator: originator.to_owned(),
                reference: Some(reference),
                user_data: rebuild(&ies, &[body])?,
            }));
        }
        let key = (originator.to_owned(), reference);
        if !self.pending.contains_key(&key) && self.pending.len() >= self.limits.max_pending {
            self.evict_oldest();
        }
        while self.bytes + body.len() > self.limits.max_bytes && !self.pending.is_empty() {
            self.evict_oldest();
        }
        if body.len() > self.limits.max_bytes {
            return Err(ConcatError::TooLong(body.len()));
        }
        let partial = self.pending.entry(key.clone()).or_insert_with(|| Partial {
            started: now,
            bytes: 0,
            total,
            segments: vec![None; usize::from(total)],
        });
        if partial.total != total {
            return Err(ConcatError::TotalMismatch {
                expected: partial.total,
                found: total,
            });
        }
        if let Some(slot @ None) = partial.segments.get_mut(usize::from(seq - 1)) {
            *slot = Some((ies, body.to_vec()));
            partial.bytes += body.len();
            self.bytes += body.len();
        }
        if partial.segments.iter().any(Option::is_none) {
            return Ok(None);
        }
        let Some(partial) = self.pending.remove(&key) else {
            return Ok(None);
        };
        self.bytes -= partial.bytes;
        let mut parts = partial.segments.into_iter().flatten();
        let Some((first_ies, first_body)) = parts.next() else {
            return Ok(None);
        };
        let bodies: Vec<Vec<u8>> = std::iter::once(first_body)
            .chain(parts.map(|(_, b)| b))
            .collect();
        let slices: Vec<&[u8]> = bodies.iter().map(Vec::as_slice).collect();
        Ok(Some(Complete {
            originator: key.0,
            reference: Some(reference),
            user_data: rebuild(&first_ies, &slices)?,
        }))
    }

    fn evict_oldest(&mut self) {
        let oldest = self
            .pending
            .iter()
            .min_by_key(|(_, p)| p.started)
            .map(|(k, _)| k.clone());
        if let Some(p) = oldest.and_then(|k| self.pending.remove(&k)) {
            self.bytes -= p.bytes;
            self.dropped += 1;
        }
    }
}

fn rebuild(ies: &[InformationElement], bodies: &[&[u8]]) -> Result<Vec<u8>, ConcatError> {
    let mut out = udh::encode(ies)?;
    for b in bodies {
        out.extend_from_slice(b);
    }
    Ok(out)
}
