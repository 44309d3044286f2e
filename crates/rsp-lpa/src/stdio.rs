//! The LPA side of lpac's stdio APDU protocol: newline-delimited JSON, one request
//! `{"type":"apdu","payload":{"func":F,"param":P}}` answered by exactly one
//! `{"type":"apdu","payload":{"ecode":N,"data":"<hex>"}}` (the server side is
//! `rsp_apdu::stdio`). [`StdioClient`] speaks it over any reader/writer pair;
//! [`StdioProcess`] runs a card program (e.g. `rsp euicc serve --stdio`) as a child.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use rsp_apdu::ApduCard;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::LpaError;

/// Longest answer line accepted (hex of an extended APDU response with room to spare).
const MAX_LINE: usize = 256 * 1024;

#[derive(Serialize)]
struct Request<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    payload: RequestPayload<'a>,
}

#[derive(Serialize)]
struct RequestPayload<'a> {
    func: &'a str,
    param: Value,
}

#[derive(Deserialize)]
struct Answer {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    payload: Value,
}

#[derive(Deserialize)]
struct AnswerPayload {
    ecode: i64,
    #[serde(default)]
    data: String,
}

/// A client of lpac's stdio protocol over `R` (answers) and `W` (requests).
#[derive(Debug)]
pub struct StdioClient<R, W> {
    input: R,
    output: W,
    /// The last transport failure seen by [`ApduCard::transmit`] (which cannot return it).
    last_error: Option<String>,
}

impl<R: BufRead, W: Write> StdioClient<R, W> {
    /// A client reading answers from `input` and writing requests to `output`.
    pub fn new(input: R, output: W) -> Self {
        StdioClient {
            input,
            output,
            last_error: None,
        }
    }

    /// One request, one answer: `(ecode, data)`. Lines of other types are skipped.
    fn request(&mut self, func: &str, param: Value) -> Result<(i64, Vec<u8>), LpaError> {
        let line = serde_json::to_string(&Request {
            kind: "apdu",
            payload: RequestPayload { func, param },
        })
        .map_err(|e| LpaError::Transport(format!("encoding a {func} request: {e}")))?;
        self.output
            .write_all(line.as_bytes())
            .and_then(|()| self.output.write_all(b"\n"))
            .and_then(|()| self.output.flush())
            .map_err(|e| LpaError::Transport(format!("writing {func}: {e}")))?;
        loop {
            let mut buf = Vec::new();
            let n = self
                .input
                .by_ref()
                .take(MAX_LINE as u64)
                .read_until(b'\n', &mut buf)
                .map_err(|e| LpaError::Transport(format!("reading the {func} answer: {e}")))?;
            if n == 0 {
                return Err(LpaError::Transport(format!(
                    "card process closed its output before answering {func}"
                )));
            }
            let text = String::from_utf8_lossy(&buf);
            let text = text.trim();
            if text.is_empty() {
                continue;
            }
            let answer: Answer = serde_json::from_str(text)
                .map_err(|e| LpaError::Transport(format!("malformed {func} answer: {e}")))?;
            if answer.kind != "apdu" {
                continue;
            }
            let payload: AnswerPayload = serde_json::from_value(answer.payload)
                .map_err(|e| LpaError::Transport(format!("malformed {func} answer: {e}")))?;
            let data = hex::decode(payload.data.trim())
                .map_err(|_| LpaError::Transport(format!("{func} answer data is not hex")))?;
            return Ok((payload.ecode, data));
        }
    }

    fn expect_ok(&mut self, func: &str, param: Value) -> Result<(i64, Vec<u8>), LpaError> {
        let (ecode, data) = self.request(func, param)?;
        if ecode < 0 {
            return Err(LpaError::Transport(format!(
                "{func} failed (ecode {ecode})"
            )));
        }
        Ok((ecode, data))
    }

    /// `connect`: power up the card.
    pub fn connect(&mut self) -> Result<(), LpaError> {
        self.expect_ok("connect", Value::Null).map(drop)
    }

    /// `logic_channel_open`: open a logical channel and select `aid` on it; the channel.
    pub fn logic_channel_open(&mut self, aid: &[u8]) -> Result<u8, LpaError> {
        let (ecode, _) = self.expect_ok("logic_channel_open", Value::String(hex::encode(aid)))?;
        u8::try_from(ecode)
            .ok()
            .filter(|ch| (1..=19).contains(ch))
            .ok_or_else(|| LpaError::Transport(format!("logic_channel_open gave channel {ecode}")))
    }

    /// `transmit`: one command APDU, its response APDU (data ‖ SW1 SW2).
    pub fn transmit_apdu(&mut self, capdu: &[u8]) -> Result<Vec<u8>, LpaError> {
        let (_, data) = self.expect_ok("transmit", Value::String(hex::encode(capdu)))?;
        if data.len() < 2 {
            return Err(LpaError::Transport(
                "transmit answer without status word".into(),
            ));
        }
        Ok(data)
    }

    /// `logic_channel_close`.
    pub fn logic_channel_close(&mut self, channel: u8) -> Result<(), LpaError> {
        self.expect_ok("logic_channel_close", Value::String(hex::encode([channel])))
            .map(drop)
    }

    /// `disconnect`.
    pub fn disconnect(&mut self) -> Result<(), LpaError> {
        self.request("disconnect", Value::Null).map(drop)
    }

    /// The last failure hidden behind an empty [`ApduCard::transmit`] answer.
    pub fn last_error(&self) -> Option<&str> {
        self.last_error.as_deref()
    }
}

/// A transport failure becomes an empty response (no status word), which the ES10 layer
/// reports; the reason stays in [`StdioClient::last_error`].
impl<R: BufRead, W: Write> ApduCard for StdioClient<R, W> {
    fn transmit(&mut self, capdu: &[u8]) -> Vec<u8> {
        match self.transmit_apdu(capdu) {
            Ok(r) => r,
            Err(e) => {
                self.last_error = Some(e.to_string());
                Vec::new()
            }
        }
    }

    fn reset(&mut self) {
        if let Err(e) = self.connect() {
            self.last_error = Some(e.to_string());
        }
    }
}

/// A card program run as a child process speaking the stdio protocol on its standard
/// input and output (standard error is inherited). Disconnected and reaped on drop.
#[derive(Debug)]
pub struct StdioProcess {
    child: Child,
    client: Option<StdioClient<BufReader<ChildStdout>, ChildStdin>>,
}

impl StdioProcess {
    /// Starts `program` with `args` and sends `connect`.
    pub fn spawn(program: &str, args: &[String]) -> Result<Self, LpaError> {
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| LpaError::Transport(format!("starting {program}: {e}")))?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(LpaError::Transport(format!("{program}: no stdio pipes")));
        };
        let mut this = StdioProcess {
            child,
            client: Some(StdioClient::new(BufReader::new(stdout), stdin)),
        };
        this.client_mut()?.connect()?;
        Ok(this)
    }

    /// Starts a command line split on whitespace (no shell, no quoting).
    pub fn from_command_line(command: &str) -> Result<Self, LpaError> {
        let mut words = command.split_whitespace().map(str::to_owned);
        let program = words
            .next()
            .ok_or_else(|| LpaError::InvalidInput("empty card command".into()))?;
        let args: Vec<String> = words.collect();
        Self::spawn(&program, &args)
    }

    /// The protocol client.
    pub fn client_mut(
        &mut self,
    ) -> Result<&mut StdioClient<BufReader<ChildStdout>, ChildStdin>, LpaError> {
        self.client
            .as_mut()
            .ok_or_else(|| LpaError::Transport("card process already closed".into()))
    }

    /// Sends `disconnect`, closes the pipes and waits (at most 5 s) for the process.
    pub fn close(mut self) -> Result<(), LpaError> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> Result<(), LpaError> {
        let Some(mut client) = self.client.take() else {
            return Ok(());
        };
        let result = client.disconnect();
        drop(client);
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            match self.child.try_wait() {
                Ok(Some(_)) => break,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                _ => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    break;
                }
            }
        }
        result
    }
}

impl ApduCard for StdioProcess {
    fn transmit(&mut self, capdu: &[u8]) -> Vec<u8> {
        match self.client.as_mut() {
            Some(c) => c.transmit(capdu),
            None => Vec::new(),
        }
    }

    fn reset(&mut self) {
        if let Some(c) = self.client.as_mut() {
            c.reset();
        }
    }
}

impl Drop for StdioProcess {
    fn drop(&mut self) {
        if let Err(e) = self.shutdown() {
            tracing::debug!(error = %e, "closing the card process");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_and_answers() {
        // Canned answers, with a progress line to skip.
        let answers = concat!(
            r#"{"type":"apdu","payload":{"ecode":0,"data":""}}"#,
            "\n",
            r#"{"type":"progress","payload":{}}"#,
            "\n",
            r#"{"type":"apdu","payload":{"ecode":1,"data":""}}"#,
            "\n",
            r#"{"type":"apdu","payload":{"ecode":0,"data":"BF3E009000"}}"#,
            "\n",
            r#"{"type":"apdu","payload":{"ecode":0,"data":""}}"#,
            "\n",
            r#"{"type":"apdu","payload":{"ecode":-1,"data":""}}"#,
            "\n",
        );
        let mut out = Vec::new();
        let mut c = StdioClient::new(answers.as_bytes(), &mut out);
        c.connect().expect("connect");
        assert_eq!(c.logic_channel_open(&ISDR).expect("open"), 1);
        assert_eq!(
            c.transmit_apdu(&[0x81, 0xE2, 0x91, 0x00, 0x03, 0xBF, 0x3E, 0x00])
                .expect("transmit"),
            vec![0xBF, 0x3E, 0x00, 0x90, 0x00]
        );
        c.logic_channel_close(1).expect("close");
        assert!(c.transmit_apdu(&[0x00]).is_err(), "ecode -1");
        // End of input: ApduCard::transmit answers nothing and keeps the reason.
        assert!(ApduCard::transmit(&mut c, &[0x00, 0x00]).is_empty());
        assert!(c.last_error().is_some_and(|e| e.contains("closed")));
        drop(c);
        let lines: Vec<Value> = String::from_utf8_lossy(&out)
            .lines()
            .map(|l| serde_json::from_str(l).expect("JSON"))
            .collect();
        let funcs: Vec<&str> = lines
            .iter()
            .filter_map(|l| l["payload"]["func"].as_str())
            .collect();
        assert_eq!(
            funcs,
            [
                "connect",
                "logic_channel_open",
                "transmit",
                "logic_channel_close",
                "transmit",
                "transmit"
            ]
        );
        assert_eq!(lines[1]["payload"]["param"], hex::encode(ISDR));
        assert_eq!(lines[2]["payload"]["param"], "81e2910003bf3e00");
        assert_eq!(lines[3]["payload"]["param"], "01");
        assert!(lines[0]["payload"]["param"].is_null());
    }

    const ISDR: [u8; 16] = crate::es10::ISDR_AID;

    #[test]
    fn against_the_server_side() {
        // rsp_apdu's server, in-process, over a pair of buffers: one exchange at a time.
        #[derive(Default)]
        struct Echo;
        impl ApduCard for Echo {
            fn transmit(&mut self, capdu: &[u8]) -> Vec<u8> {
                match capdu {
                    [0x00, 0x70, 0x00, 0x00, ..] => vec![0x03, 0x90, 0x00],
                    _ => vec![0x90, 0x00],
                }
            }
            fn reset(&mut self) {}
        }
        let mut requests = Vec::new();
        {
            // Requests are written first, then answered by the server in one go.
            let mut c = StdioClient::new(&b""[..], &mut requests);
            let _ = c.request("connect", Value::Null);
        }
        let mut answers = Vec::new();
        rsp_apdu::stdio::serve_with_log(Echo, requests.as_slice(), &mut answers, &mut Vec::new())
            .expect("serve");
        let mut c = StdioClient::new(answers.as_slice(), Vec::new());
        let (ecode, data) = c
            .request("connect", Value::Null)
            .expect("answer from the server");
        assert_eq!((ecode, data), (0, Vec::new()));
    }
}
