//! Server side of lpac's stdio APDU protocol (`LPAC_APDU=stdio`): one JSON object per
//! line in each direction. Requests are `{"type":"apdu","payload":{"func":F,"param":P}}`,
//! answers `{"type":"apdu","payload":{"ecode":N,"data":"<hex>"}}`; every `apdu` request
//! gets exactly one answer line, other lines (`progress`, `lpa`) get none.
//!
//! `logic_channel_open` is MANAGE CHANNEL open plus SELECT by AID on the new channel
//! (ISO/IEC 7816-4 §11.1.2, §11.2.2) and answers the channel number as `ecode`; ES10
//! traffic then arrives as `transmit` with the channel in CLA (SGP.22 §5.7.1).

use std::io::{BufRead, Read, Write};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::TransportError;
use crate::{ApduCard, cla_for_channel};

/// Longest request line accepted: the hex of an extended APDU (2 × 65 544 bytes) plus
/// the JSON around it fits with room to spare.
pub const MAX_LINE: usize = 256 * 1024;

/// `ecode` of a failed request.
pub const ECODE_FAILED: i32 = -1;

/// AID selected by `logic_channel_open` without a parameter: the ISD-R (SGP.22 §2.4.3).
const DEFAULT_AID: [u8; 16] = [
    0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x01, 0x00,
];

#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    payload: Value,
}

#[derive(Deserialize)]
struct Request {
    func: String,
    #[serde(default)]
    param: Value,
}

#[derive(Serialize)]
struct Answer {
    #[serde(rename = "type")]
    kind: &'static str,
    payload: AnswerPayload,
}

#[derive(Serialize)]
struct AnswerPayload {
    ecode: i32,
    data: String,
}

/// Serves `card` on `input`/`output` until end of input, logging to standard error.
pub fn serve<C, R, W>(card: C, input: R, output: W) -> Result<(), TransportError>
where
    C: ApduCard,
    R: BufRead,
    W: Write,
{
    serve_with_log(card, input, output, &mut std::io::stderr())
}

/// [`serve`] with diagnostics (lines not understood) written to `log`.
pub fn serve_with_log<C, R, W>(
    mut card: C,
    mut input: R,
    mut output: W,
    log: &mut dyn Write,
) -> Result<(), TransportError>
where
    C: ApduCard,
    R: BufRead,
    W: Write,
{
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = input
            .by_ref()
            .take(MAX_LINE as u64)
            .read_until(b'\n', &mut line)
            .map_err(TransportError::io("reading a request"))?;
        if n == 0 {
            return Ok(());
        }
        if !line.ends_with(b"\n") && n == MAX_LINE {
            // Diagnostics are best effort: a failing log must not stop the card.
            let _ = writeln!(log, "stdio: request longer than {MAX_LINE} bytes ignored");
            skip_line(&mut input)?;
            continue;
        }
        let Ok(text) = std::str::from_utf8(&line) else {
            let _ = writeln!(log, "stdio: line is not UTF-8, ignored");
            continue;
        };
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        match handle_line(&mut card, text) {
            Ok(Some(answer)) => {
                output
                    .write_all(answer.as_bytes())
                    .and_then(|()| output.write_all(b"\n"))
                    .and_then(|()| output.flush())
                    .map_err(TransportError::io("writing an answer"))?;
            }
            Ok(None) => {}
            Err(reason) => {
                let _ = writeln!(log, "stdio: {reason}");
            }
        }
    }
}

/// Discards input up to and including the next newline.
fn skip_line<R: BufRead>(input: &mut R) -> Result<(), TransportError> {
    loop {
        let buf = input
            .fill_buf()
            .map_err(TransportError::io("reading a request"))?;
        if buf.is_empty() {
            return Ok(());
        }
        match buf.iter().position(|&b| b == b'\n') {
            Some(i) => {
                input.consume(i + 1);
                return Ok(());
            }
            None => {
                let len = buf.len();
                input.consume(len);
            }
        }
    }
}

/// Handles one request line: `Ok(Some(answer))` for an `apdu` request, `Ok(None)` for
/// a line that needs no answer, `Err` (to be logged) for a line that is not JSON.
pub fn handle_line<C: ApduCard>(card: &mut C, line: &str) -> Result<Option<String>, String> {
    let envelope: Envelope =
        serde_json::from_str(line).map_err(|e| format!("malformed JSON line ignored: {e}"))?;
    if envelope.kind != "apdu" {
        return Ok(None);
    }
    let (ecode, data) = match serde_json::from_value::<Request>(envelope.payload) {
        Ok(request) => dispatch(card, &request),
        Err(_) => (ECODE_FAILED, Vec::new()),
    };
    let answer = Answer {
        kind: "apdu",
        payload: AnswerPayload {
            ecode,
            data: hex::encode(data),
        },
    };
    serde_json::to_string(&answer)
        .map(Some)
        .map_err(|e| format!("cannot encode answer: {e}"))
}

/// Carries out one request: `(ecode, response bytes)`.
fn dispatch<C: ApduCard>(card: &mut C, request: &Request) -> (i32, Vec<u8>) {
    let failed = (ECODE_FAILED, Vec::new());
    match request.func.as_str() {
        "connect" => {
            card.reset();
            (0, Vec::new())
        }
        "disconnect" => {
            card.reset();
            (0, Vec::new())
        }
        "logic_channel_open" => {
            let aid = match &request.param {
                Value::Null => DEFAULT_AID.to_vec(),
                Value::String(s) if s.is_empty() => DEFAULT_AID.to_vec(),
                Value::String(s) => match hex::decode(s) {
                    Ok(aid) => aid,
                    Err(_) => return failed,
                },
                _ => return failed,
            };
            match open_channel(card, &aid) {
                Some(channel) => (i32::from(channel), Vec::new()),
                None => failed,
            }
        }
        "logic_channel_close" => match channel_param(&request.param) {
            Some(channel) if close_channel(card, channel) => (0, Vec::new()),
            _ => failed,
        },
        "transmit" => match &request.param {
            Value::String(s) => match hex::decode(s) {
                Ok(capdu) if capdu.len() >= 4 => (0, card.transmit(&capdu)),
                _ => failed,
            },
            _ => failed,
        },
        _ => failed,
    }
}

/// SW1 SW2 of a response APDU.
fn status_word(rapdu: &[u8]) -> Option<u16> {
    match rapdu {
        [.., sw1, sw2] => Some(u16::from_be_bytes([*sw1, *sw2])),
        _ => None,
    }
}

/// MANAGE CHANNEL open, then SELECT `aid` on the new channel; the channel on success.
/// A channel whose SELECT fails is closed again.
fn open_channel<C: ApduCard>(card: &mut C, aid: &[u8]) -> Option<u8> {
    // ISO/IEC 7816-5 §5.2: an AID has 5 to 16 bytes.
    if !(5..=16).contains(&aid.len()) {
        return None;
    }
    let r = card.transmit(&[0x00, 0x70, 0x00, 0x00, 0x01]);
    let channel = match r.as_slice() {
        [ch, 0x90, 0x00] if (1..=19).contains(ch) => *ch,
        _ => return None,
    };
    let cla = cla_for_channel(channel)?;
    let mut select = vec![cla, 0xA4, 0x04, 0x00, aid.len() as u8];
    select.extend_from_slice(aid);
    select.push(0x00);
    let sw = status_word(&card.transmit(&select));
    if sw == Some(0x9000) || sw.is_some_and(|sw| sw >> 8 == 0x61) {
        Some(channel)
    } else {
        close_channel(card, channel);
        None
    }
}

/// MANAGE CHANNEL close of `channel` (sent on the basic channel).
fn close_channel<C: ApduCard>(card: &mut C, channel: u8) -> bool {
    if channel == 0 || channel > 19 {
        return false;
    }
    status_word(&card.transmit(&[0x00, 0x70, 0x80, channel])) == Some(0x9000)
}

/// The channel of `logic_channel_close`: one byte as hex text, or a JSON number.
fn channel_param(param: &Value) -> Option<u8> {
    match param {
        Value::String(s) => match hex::decode(s).ok()?.as_slice() {
            [ch] => Some(*ch),
            _ => None,
        },
        Value::Number(n) => n.as_u64().and_then(|n| u8::try_from(n).ok()),
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::testcard::TestCard;

    fn run(card: &mut TestCard, input: &str) -> (Vec<Value>, String) {
        let mut out = Vec::new();
        let mut log = Vec::new();
        serve_with_log(card, input.as_bytes(), &mut out, &mut log).unwrap();
        let answers = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        (answers, String::from_utf8(log).unwrap())
    }

    fn payload(v: &Value) -> (i64, &str) {
        assert_eq!(v["type"], "apdu");
        (
            v["payload"]["ecode"].as_i64().unwrap(),
            v["payload"]["data"].as_str().unwrap(),
        )
    }

    #[test]
    fn session_in_order() {
        let mut card = TestCard::default();
        let input = concat!(
            r#"{"type":"apdu","payload":{"func":"connect","param":null}}"#,
            "\n",
            r#"{"type":"apdu","payload":{"func":"logic_channel_open","param":"a0000005591010ffffffff8900000100"}}"#,
            "\n",
            r#"{"type":"progress","payload":{"func":"es10b_get_euicc_challenge","data":null}}"#,
            "\n",
            r#"{"type":"apdu","payload":{"func":"transmit","param":"81e2910003bf3e00"}}"#,
            "\n",
            r#"{"type":"apdu","payload":{"func":"logic_channel_close","param":"01"}}"#,
            "\n",
            r#"{"type":"lpa","payload":{"code":0,"message":"success","data":null}}"#,
            "\n",
            r#"{"type":"apdu","payload":{"func":"disconnect","param":null}}"#,
            "\n",
        );
        let (answers, log) = run(&mut card, input);
        assert_eq!(answers.len(), 5, "{answers:?}");
        assert_eq!(payload(&answers[0]), (0, ""));
        assert_eq!(payload(&answers[1]), (1, ""));
        // The test card echoes the data field of other commands, then 9000.
        assert_eq!(payload(&answers[2]), (0, "bf3e009000"));
        assert_eq!(payload(&answers[3]), (0, ""));
        assert_eq!(payload(&answers[4]), (0, ""));
        assert!(log.is_empty(), "{log}");
        assert_eq!(
            card.seen,
            vec![
                "0070000001".to_owned(),
                "01a4040010a0000005591010ffffffff890000010000".into(),
                "81e2910003bf3e00".into(),
                "00708001".into(),
            ]
        );
        assert_eq!(card.resets, 2);
    }

    #[test]
    fn default_aid_and_select_failure() {
        let mut card = TestCard::default();
        let line = r#"{"type":"apdu","payload":{"func":"logic_channel_open","param":null}}"#;
        let answer: Value =
            serde_json::from_str(&handle_line(&mut card, line).unwrap().unwrap()).unwrap();
        assert_eq!(payload(&answer).0, 1);
        assert!(card.seen[1].contains("a0000005591010ffffffff8900000100"));

        // An AID the card refuses: the channel is closed again and ecode is -1.
        let mut card = TestCard::default();
        let line =
            r#"{"type":"apdu","payload":{"func":"logic_channel_open","param":"a000000000"}}"#;
        let answer: Value =
            serde_json::from_str(&handle_line(&mut card, line).unwrap().unwrap()).unwrap();
        assert_eq!(payload(&answer).0, -1);
        assert_eq!(card.seen.last().unwrap(), "00708001");
    }

    #[test]
    fn bad_requests_are_answered_or_logged_never_fatal() {
        let mut card = TestCard::default();
        let input = concat!(
            "this is not json\n",
            "\n",
            r#"{"type":"apdu","payload":{"func":"transmit","param":"zz"}}"#,
            "\n",
            r#"{"type":"apdu","payload":{"func":"transmit","param":"0102"}}"#,
            "\n",
            r#"{"type":"apdu","payload":{"func":"transmit","param":42}}"#,
            "\n",
            r#"{"type":"apdu","payload":{"func":"format_card"}}"#,
            "\n",
            r#"{"type":"apdu","payload":{"param":"00"}}"#,
            "\n",
            r#"{"type":"apdu","payload":{"func":"logic_channel_open","param":"a0"}}"#,
            "\n",
            r#"{"type":"apdu","payload":{"func":"logic_channel_close","param":"0102"}}"#,
            "\n",
            "\u{7b}\"payload\":1}\n",
            r#"{"type":"apdu","payload":{"func":"connect"}}"#,
        );
        let (answers, log) = run(&mut card, input);
        let codes: Vec<i64> = answers.iter().map(|a| payload(a).0).collect();
        assert_eq!(codes, vec![-1, -1, -1, -1, -1, -1, -1, 0]);
        assert_eq!(log.lines().count(), 2, "{log}");
        assert!(log.contains("malformed JSON"));
        assert!(card.seen.is_empty(), "{:?}", card.seen);
    }

    #[test]
    fn overlong_and_binary_lines_are_skipped() {
        let mut card = TestCard::default();
        let mut input = vec![b'x'; MAX_LINE + 10];
        input.push(b'\n');
        input.extend_from_slice(&[0xFF, 0xFE, b'\n']);
        input.extend_from_slice(
            br#"{"type":"apdu","payload":{"func":"transmit","param":"00a4040000"}}"#,
        );
        input.push(b'\n');
        let mut out = Vec::new();
        let mut log = Vec::new();
        serve_with_log(&mut card, input.as_slice(), &mut out, &mut log).unwrap();
        let out = String::from_utf8(out).unwrap();
        assert_eq!(out.lines().count(), 1, "{out}");
        assert!(out.contains(r#""ecode":0"#));
        let log = String::from_utf8(log).unwrap();
        assert!(
            log.contains("longer than") && log.contains("not UTF-8"),
            "{log}"
        );
    }

    #[test]
    fn uppercase_hex_and_numeric_channel_accepted() {
        let mut card = TestCard::default();
        let line = r#"{"type":"apdu","payload":{"func":"transmit","param":"80E2910003BF2000"}}"#;
        assert!(
            handle_line(&mut card, line)
                .unwrap()
                .unwrap()
                .contains("bf20009000")
        );
        let line = r#"{"type":"apdu","payload":{"func":"logic_channel_close","param":2}}"#;
        assert!(
            handle_line(&mut card, line)
                .unwrap()
                .unwrap()
                .contains(r#""ecode":0"#)
        );
        assert_eq!(card.seen.last().unwrap(), "00708002");
    }
}
