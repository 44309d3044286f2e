//! Remote APDU formats of ETSI TS 102 226 §5: the "secured data" of an SCP80 command
//! packet (see [`crate::command`]) and the additional response data of its PoR (see
//! [`crate::response`]) when the SM-SR drives the ISD-R with remote APDUs.
//!
//! - **Compact** (TS 102 226 §5.1): the command is a plain concatenation of C-APDUs
//!   (§5.1.1); the PoR carries the number of executed commands (1 octet), then the
//!   status word SW1 SW2 of the last executed command, then that command's response data
//!   if any (§5.1.2).
//! - **Expanded** (TS 102 226 §5.2): a Command Scripting template (`AA` definite or
//!   `AE` indefinite length, TS 101 220 table 7.18) of C-APDU TLVs (`22`) and
//!   optionally Immediate Action (`81`) / Error Action (`82`) TLVs (§5.2.1); the
//!   response is a Response Scripting template `AB` holding the Number of executed
//!   C-APDUs TLV (`80`), R-APDU TLVs (`23`, response data ‖ SW1 SW2) and optionally a
//!   Bad format TLV (`90`) (§5.2.2).
//!
//! Reading notes and limits:
//! - The order inside the compact response is count ‖ SW1 SW2 ‖ data (§5.1.2), *not*
//!   count ‖ data ‖ SW. This reading matches the published PoR vectors of osmocom pySim
//!   (`tests/unittests/test_ota.py`, e.g. additional data `01 61 32`, checked in
//!   `tests/pysim_vectors.rs`) and pySim's `CompactRemoteResp`. [`ResponseScript`]
//!   nevertheless stores each R-APDU as data ‖ SW1 SW2 in both formats.
//! - A compact command script cannot be split without knowing each command's ISO 7816
//!   case. [`CommandScript::decode`] splits it as TPDUs `CLA INS P1 P2 P3 data[P3]`
//!   (P3 taken as Lc); case-2 commands (P3 = Le) and case-4 commands carrying a
//!   trailing Le do not round-trip through it.
//! - Immediate Action / Error Action TLVs of a received expanded command are checked
//!   for well-formedness and then dropped; [`CommandScript`] does not model them, nor
//!   the Script Chaining TLV (`83`), which is refused. [`CommandScript::encode`] always
//!   emits the definite-length `AA` template.
//! - The Response Scripting template for indefinite length (`AF`) and the Immediate
//!   Action / Script Chaining response TLVs are not handled (refused as unknown tags).
//! - BER-TLV lengths use the short form and the `81`/`82` long forms (TS 101 220
//!   §7.1.2), so a template is at most 65 535 octets; non-minimal lengths are refused.

/// Command Scripting template, definite length (TS 101 220 table 7.18).
const TAG_COMMAND_DEFINITE: u8 = 0xAA;
/// Command Scripting template, indefinite length (TS 101 220 table 7.18).
const TAG_COMMAND_INDEFINITE: u8 = 0xAE;
/// Response Scripting template, definite length (TS 101 220 table 7.18).
const TAG_RESPONSE_DEFINITE: u8 = 0xAB;
/// C-APDU TLV (TS 102 226 §5.2.1.1, TS 101 220 table 7.19).
const TAG_C_APDU: u8 = 0x22;
/// Immediate Action TLV (TS 102 226 §5.2.1.2).
const TAG_IMMEDIATE_ACTION: u8 = 0x81;
/// Error Action TLV (TS 102 226 §5.2.1.3).
const TAG_ERROR_ACTION: u8 = 0x82;
/// R-APDU TLV (TS 102 226 §5.2.2, TS 101 220 table 7.20).
const TAG_R_APDU: u8 = 0x23;
/// Number of executed C-APDUs TLV (TS 102 226 §5.2.2 table 5.11).
const TAG_EXECUTED: u8 = 0x80;
/// Bad format TLV (TS 102 226 §5.2.2 table 5.12).
const TAG_BAD_FORMAT: u8 = 0x90;

/// Errors of the remote APDU codec.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RamError {
    /// The input ends before a tag, length or value it announces.
    #[error("truncated: {0}")]
    Truncated(&'static str),
    /// A length octet this codec does not accept (indefinite where not allowed,
    /// more than two length octets, or a non-minimal encoding).
    #[error("invalid BER-TLV length coding")]
    InvalidLength,
    /// A tag that is not allowed at this place.
    #[error("unexpected tag {tag:#04x} in {context}")]
    UnexpectedTag {
        /// The tag found.
        tag: u8,
        /// Where it was found.
        context: &'static str,
    },
    /// Octets after the end of the template.
    #[error("trailing data after the template")]
    TrailingData,
    /// A command script without any C-APDU (§5.2.1 requires at least one).
    #[error("no C-APDU in the command script")]
    NoCommand,
    /// A C-APDU shorter than CLA INS P1 P2, or an R-APDU shorter than SW1 SW2.
    #[error("{0} too short")]
    TooShort(&'static str),
    /// The Number of executed C-APDUs TLV is missing or not one octet.
    #[error("invalid Number of executed C-APDUs TLV")]
    InvalidExecuted,
    /// The compact response carries only the last R-APDU (§5.1.2).
    #[error("compact response can carry only the last R-APDU")]
    CompactMultipleResponses,
    /// A value longer than the 65 535 octets the `82` length form allows.
    #[error("value too long")]
    TooLong,
}

/// The remote APDU format (TS 102 226 §5.1 / §5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemoteFormat {
    /// Compact remote command / response structure (§5.1).
    Compact,
    /// Expanded remote command / response structure (§5.2).
    Expanded,
}

/// A remote command script: the secured data of a command packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandScript {
    /// The format the script is (or was) coded in.
    pub format: RemoteFormat,
    /// The C-APDUs, each at least `CLA INS P1 P2`.
    pub apdus: Vec<Vec<u8>>,
}

/// The remote response: the additional response data of a PoR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseScript {
    /// Number of executed commands (§5.1.2) / C-APDUs (§5.2.2 table 5.11).
    pub executed: u8,
    /// R-APDUs, each response data ‖ SW1 SW2. Compact: at most the last one.
    pub responses: Vec<Vec<u8>>,
    /// Expanded only: the Bad format TLV value (§5.2.2 table 5.12: `01` unknown tag,
    /// `02` wrong length, `03` length not found), if present.
    pub bad_format: Option<u8>,
}

/// Appends a BER-TLV length (TS 101 220 §7.1.2: `00`–`7F`, `81 80`–`81 FF`,
/// `82 0100`–`82 FFFF`).
fn push_len(out: &mut Vec<u8>, len: usize) -> Result<(), RamError> {
    if len < 0x80 {
        out.push(len as u8);
    } else if let Ok(b) = u8::try_from(len) {
        out.extend_from_slice(&[0x81, b]);
    } else {
        let w = u16::try_from(len).map_err(|_| RamError::TooLong)?;
        out.push(0x82);
        out.extend_from_slice(&w.to_be_bytes());
    }
    Ok(())
}

fn push_tlv(out: &mut Vec<u8>, tag: u8, value: &[u8]) -> Result<(), RamError> {
    out.push(tag);
    push_len(out, value.len())?;
    out.extend_from_slice(value);
    Ok(())
}

/// Reads a definite BER-TLV length at the start of `input`; returns it and the rest.
fn read_len(input: &[u8]) -> Result<(usize, &[u8]), RamError> {
    let (&first, rest) = input.split_first().ok_or(RamError::Truncated("length"))?;
    match first {
        0x00..=0x7F => Ok((usize::from(first), rest)),
        0x81 => {
            let (&b, rest) = rest.split_first().ok_or(RamError::Truncated("length"))?;
            if b < 0x80 {
                return Err(RamError::InvalidLength);
            }
            Ok((usize::from(b), rest))
        }
        0x82 => {
            let (w, rest) = rest
                .split_first_chunk::<2>()
                .ok_or(RamError::Truncated("length"))?;
            let len = u16::from_be_bytes(*w);
            if len < 0x100 {
                return Err(RamError::InvalidLength);
            }
            Ok((usize::from(len), rest))
        }
        _ => Err(RamError::InvalidLength),
    }
}

/// Reads one single-octet-tag TLV; returns tag, value and the rest.
fn read_tlv(input: &[u8]) -> Result<(u8, &[u8], &[u8]), RamError> {
    let (&tag, rest) = input.split_first().ok_or(RamError::Truncated("tag"))?;
    let (len, rest) = read_len(rest)?;
    if rest.len() < len {
        return Err(RamError::Truncated("value"));
    }
    let (value, rest) = rest.split_at(len);
    Ok((tag, value, rest))
}

impl CommandScript {
    /// Codes the script: the C-APDUs concatenated (compact, §5.1.1) or a definite-length
    /// Command Scripting template `AA` of C-APDU TLVs (expanded, §5.2.1).
    pub fn encode(&self) -> Result<Vec<u8>, RamError> {
        if self.apdus.is_empty() {
            return Err(RamError::NoCommand);
        }
        if self.apdus.iter().any(|a| a.len() < 4) {
            return Err(RamError::TooShort("C-APDU"));
        }
        match self.format {
            RemoteFormat::Compact => Ok(self.apdus.concat()),
            RemoteFormat::Expanded => {
                let mut body = Vec::new();
                for apdu in &self.apdus {
                    push_tlv(&mut body, TAG_C_APDU, apdu)?;
                }
                let mut out = Vec::with_capacity(body.len() + 4);
                push_tlv(&mut out, TAG_COMMAND_DEFINITE, &body)?;
                Ok(out)
            }
        }
    }

    /// Parses a script received in `format`. Expanded accepts both the definite (`AA`)
    /// and the indefinite (`AE 80 … 00 00`) template (§5.2.1); compact splits TPDUs as
    /// described in the module documentation.
    pub fn decode(data: &[u8], format: RemoteFormat) -> Result<Self, RamError> {
        let apdus = match format {
            RemoteFormat::Compact => decode_compact_commands(data)?,
            RemoteFormat::Expanded => decode_expanded_commands(data)?,
        };
        if apdus.is_empty() {
            return Err(RamError::NoCommand);
        }
        Ok(CommandScript { format, apdus })
    }
}

/// §5.1.1: C-APDUs back to back; each is split as `CLA INS P1 P2 P3 data[P3]`.
fn decode_compact_commands(mut data: &[u8]) -> Result<Vec<Vec<u8>>, RamError> {
    let mut apdus = Vec::new();
    while !data.is_empty() {
        let header = data
            .first_chunk::<5>()
            .ok_or(RamError::Truncated("compact C-APDU header"))?;
        let total = 5 + usize::from(header[4]);
        if data.len() < total {
            return Err(RamError::Truncated("compact C-APDU data"));
        }
        let (apdu, rest) = data.split_at(total);
        apdus.push(apdu.to_vec());
        data = rest;
    }
    Ok(apdus)
}

/// §5.2.1: Command Scripting template `AA` (definite) or `AE` (indefinite).
fn decode_expanded_commands(data: &[u8]) -> Result<Vec<Vec<u8>>, RamError> {
    let (&tag, rest) = data
        .split_first()
        .ok_or(RamError::Truncated("command template"))?;
    let mut apdus = Vec::new();
    match tag {
        TAG_COMMAND_DEFINITE => {
            let (len, rest) = read_len(rest)?;
            if rest.len() < len {
                return Err(RamError::Truncated("command template"));
            }
            if rest.len() > len {
                return Err(RamError::TrailingData);
            }
            let mut body = rest;
            while !body.is_empty() {
                body = command_item(body, &mut apdus)?;
            }
        }
        TAG_COMMAND_INDEFINITE => {
            // Table 5.2a: `AE 80`, the command TLVs (definite lengths), end-of-contents
            // `00 00`.
            let (&first, mut body) = rest
                .split_first()
                .ok_or(RamError::Truncated("command template"))?;
            if first != 0x80 {
                return Err(RamError::InvalidLength);
            }
            loop {
                if let Some(after) = body.strip_prefix(&[0x00, 0x00]) {
                    if !after.is_empty() {
                        return Err(RamError::TrailingData);
                    }
                    break;
                }
                if body.is_empty() {
                    return Err(RamError::Truncated("end-of-contents"));
                }
                body = command_item(body, &mut apdus)?;
            }
        }
        other => {
            return Err(RamError::UnexpectedTag {
                tag: other,
                context: "command script",
            });
        }
    }
    Ok(apdus)
}

/// One TLV inside a Command Scripting template; C-APDUs are collected.
fn command_item<'a>(body: &'a [u8], apdus: &mut Vec<Vec<u8>>) -> Result<&'a [u8], RamError> {
    let (tag, value, rest) = read_tlv(body)?;
    match tag {
        TAG_C_APDU => {
            // §5.2.1.1: the C-APDU as in TS 102 221 (at least CLA INS P1 P2).
            if value.len() < 4 {
                return Err(RamError::TooShort("C-APDU"));
            }
            apdus.push(value.to_vec());
        }
        // §5.2.1.2 / §5.2.1.3: accepted and not retained (see the module docs).
        TAG_IMMEDIATE_ACTION | TAG_ERROR_ACTION => {}
        other => {
            return Err(RamError::UnexpectedTag {
                tag: other,
                context: "command scripting template",
            });
        }
    }
    Ok(rest)
}

impl ResponseScript {
    /// Codes the response in `format`: compact (§5.1.2) is executed ‖ SW1 SW2 ‖ data of
    /// the last R-APDU (just executed when there is none); expanded (§5.2.2) is the
    /// Response Scripting template `AB` with `80`, the `23` TLVs and the optional `90`.
    pub fn encode(&self, format: RemoteFormat) -> Result<Vec<u8>, RamError> {
        if self.responses.iter().any(|r| r.len() < 2) {
            return Err(RamError::TooShort("R-APDU"));
        }
        match format {
            RemoteFormat::Compact => {
                if self.responses.len() > 1 || self.bad_format.is_some() {
                    return Err(RamError::CompactMultipleResponses);
                }
                let mut out = vec![self.executed];
                if let Some(last) = self.responses.last() {
                    let (data, sw) = last.split_at(last.len() - 2);
                    out.extend_from_slice(sw);
                    out.extend_from_slice(data);
                }
                Ok(out)
            }
            RemoteFormat::Expanded => {
                let mut body = Vec::new();
                push_tlv(&mut body, TAG_EXECUTED, &[self.executed])?;
                for r in &self.responses {
                    push_tlv(&mut body, TAG_R_APDU, r)?;
                }
                if let Some(b) = self.bad_format {
                    push_tlv(&mut body, TAG_BAD_FORMAT, &[b])?;
                }
                let mut out = Vec::with_capacity(body.len() + 4);
                push_tlv(&mut out, TAG_RESPONSE_DEFINITE, &body)?;
                Ok(out)
            }
        }
    }

    /// Parses the additional response data of a PoR coded in `format`.
    pub fn decode(data: &[u8], format: RemoteFormat) -> Result<Self, RamError> {
        match format {
            RemoteFormat::Compact => {
                let (&executed, rest) = data
                    .split_first()
                    .ok_or(RamError::Truncated("number of executed commands"))?;
                let responses = if rest.is_empty() {
                    Vec::new()
                } else {
                    let (sw, resp) = rest
                        .split_first_chunk::<2>()
                        .ok_or(RamError::Truncated("status word"))?;
                    let mut r = resp.to_vec();
                    r.extend_from_slice(sw);
                    vec![r]
                };
                Ok(ResponseScript {
                    executed,
                    responses,
                    bad_format: None,
                })
            }
            RemoteFormat::Expanded => decode_expanded_response(data),
        }
    }
}

/// §5.2.2: `AB L 80 01 n {23 L rapdu}* [90 01 e]`.
fn decode_expanded_response(data: &[u8]) -> Result<ResponseScript, RamError> {
    let (tag, body, rest) = read_tlv(data)?;
    if tag != TAG_RESPONSE_DEFINITE {
        return Err(RamError::UnexpectedTag {
            tag,
            context: "response script",
        });
    }
    if !rest.is_empty() {
        return Err(RamError::TrailingData);
    }
    // Table 5.10: the Number of executed C-APDUs TLV comes first.
    let (tag, value, mut body) = read_tlv(body).map_err(|e| match e {
        RamError::Truncated(_) => RamError::InvalidExecuted,
        other => other,
    })?;
    let executed = match (tag, value) {
        (TAG_EXECUTED, &[n]) => n,
        _ => return Err(RamError::InvalidExecuted),
    };
    let mut responses = Vec::new();
    let mut bad_format = None;
    while !body.is_empty() {
        let (tag, value, rest) = read_tlv(body)?;
        match (tag, value) {
            // The Bad format TLV ends the response (§5.2.2).
            (TAG_BAD_FORMAT, &[code]) if rest.is_empty() && bad_format.is_none() => {
                bad_format = Some(code);
            }
            (TAG_R_APDU, v) => {
                if v.len() < 2 {
                    return Err(RamError::TooShort("R-APDU"));
                }
                responses.push(v.to_vec());
            }
            (tag, _) => {
                return Err(RamError::UnexpectedTag {
                    tag,
                    context: "response scripting template",
                });
            }
        }
        body = rest;
    }
    Ok(ResponseScript {
        executed,
        responses,
        bad_format,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths() {
        for (len, enc) in [
            (0usize, &[0x00u8][..]),
            (127, &[0x7f]),
            (128, &[0x81, 0x80]),
            (255, &[0x81, 0xff]),
            (256, &[0x82, 0x01, 0x00]),
            (65535, &[0x82, 0xff, 0xff]),
        ] {
            let mut out = Vec::new();
            push_len(&mut out, len).expect("len");
            assert_eq!(out, enc);
            assert_eq!(read_len(enc).expect("read"), (len, &[][..]));
        }
        let mut out = Vec::new();
        assert_eq!(push_len(&mut out, 65536), Err(RamError::TooLong));
        for bad in [
            &[0x81, 0x7f][..],
            &[0x82, 0x00, 0xff],
            &[0x83, 1, 0, 0],
            &[0x80],
        ] {
            assert_eq!(read_len(bad), Err(RamError::InvalidLength));
        }
    }
}
