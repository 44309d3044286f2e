//! Client of vsmartcard's `vpcd`, the virtual reader driver for pcscd: the card
//! connects to the reader over TCP (default port 35963) and answers what it sends.
//!
//! Framing (vsmartcard, "Creating a virtual smart card"): every message is a 2-byte
//! big-endian length and the payload. A 1-byte payload is a control code: `00` power
//! off, `01` power on, `02` reset (no answer), `04` get ATR (answered with the ATR).
//! A longer payload is a C-APDU, answered with the R-APDU.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::ApduCard;
use crate::error::TransportError;

/// Where vpcd listens by default (vsmartcard `VPCDPORT`).
pub const DEFAULT_ADDRESS: &str = "127.0.0.1:35963";

/// ATR of the virtual eUICC (ISO/IEC 7816-3 §8): direct convention, TA1 `96`
/// (Fi 512 / Di 32), T=0 and T=15 with TA3 `C7` (class A/B/C, clock stop), 15
/// historical bytes as on common eUICCs, then TCK (the XOR of T0..TCK is zero, required
/// because T=15 is indicated).
pub const EUICC_ATR: [u8; 22] = [
    0x3B, 0x9F, 0x96, 0x80, 0x1F, 0xC7, 0x80, 0x31, 0xE0, 0x73, 0xFE, 0x21, 0x1B, 0x63, 0x3A, 0x20,
    0x4D, 0x83, 0x00, 0x90, 0x00, 0x90,
];

const CTRL_POWER_OFF: u8 = 0x00;
const CTRL_POWER_ON: u8 = 0x01;
const CTRL_RESET: u8 = 0x02;
const CTRL_GET_ATR: u8 = 0x04;

/// Answer to an R-APDU too long for the 2-byte length: "no precise diagnosis".
const SW_NO_DIAGNOSIS: [u8; 2] = [0x6F, 0x00];

/// How a connection to vpcd ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Ended {
    /// vpcd closed the connection.
    Closed,
    /// The stop flag was raised.
    Stopped,
}

/// A vpcd client: connects, serves the card, reconnects with backoff.
#[derive(Clone, Debug)]
pub struct VpcdClient {
    address: String,
    atr: Vec<u8>,
    poll: Duration,
    max_backoff: Duration,
}

impl VpcdClient {
    /// A client for vpcd at `address` (`HOST:PORT`), answering [`EUICC_ATR`].
    pub fn new(address: &str) -> Result<Self, TransportError> {
        let valid = address
            .rsplit_once(':')
            .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
        if !valid {
            return Err(TransportError::Address(address.to_owned()));
        }
        Ok(VpcdClient {
            address: address.to_owned(),
            atr: EUICC_ATR.to_vec(),
            poll: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
        })
    }

    /// Answers `atr` to get-ATR instead of [`EUICC_ATR`].
    pub fn with_atr(mut self, atr: Vec<u8>) -> Self {
        self.atr = atr;
        self
    }

    /// The address connected to.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Serves `card` until `stop` is raised: connects to vpcd, retrying with
    /// exponential backoff (100 ms up to 5 s) while it is not there, and reconnects
    /// whenever the connection ends. Progress is logged to `log`.
    pub fn run<C: ApduCard>(&self, mut card: C, stop: &AtomicBool, log: &mut dyn Write) {
        let mut backoff = Duration::from_millis(100);
        let mut reported_down = false;
        while !stop.load(Ordering::SeqCst) {
            let stream = match TcpStream::connect(&self.address) {
                Ok(stream) => stream,
                Err(e) => {
                    if !reported_down {
                        // Diagnostics are best effort: a failing log must not stop the card.
                        let _ = writeln!(
                            log,
                            "vpcd: cannot reach {} ({e}); retrying until it is up",
                            self.address
                        );
                        reported_down = true;
                    }
                    sleep_unless_stopped(backoff, stop);
                    backoff = (backoff * 2).min(self.max_backoff);
                    continue;
                }
            };
            reported_down = false;
            backoff = Duration::from_millis(100);
            let _ = writeln!(log, "vpcd: connected to {}", self.address);
            let ended = stream
                .set_read_timeout(Some(self.poll))
                .and_then(|()| stream.set_write_timeout(Some(Duration::from_secs(5))))
                .and_then(|()| stream.set_nodelay(true))
                .and_then(|()| serve_connection(&mut card, stream, &self.atr, stop));
            match ended {
                Ok(Ended::Stopped) => break,
                Ok(Ended::Closed) => {
                    let _ = writeln!(log, "vpcd: connection closed by {}", self.address);
                }
                Err(e) => {
                    let _ = writeln!(log, "vpcd: connection to {} failed: {e}", self.address);
                }
            }
            sleep_unless_stopped(backoff, stop);
        }
        let _ = writeln!(log, "vpcd: stopped");
    }
}

fn sleep_unless_stopped(total: Duration, stop: &AtomicBool) {
    let step = Duration::from_millis(50);
    let mut slept = Duration::ZERO;
    while slept < total && !stop.load(Ordering::SeqCst) {
        std::thread::sleep(step);
        slept += step;
    }
}

/// Serves one connection: the card is reset first (a new reader session is a power
/// cycle), then every message from vpcd is answered until it closes or `stop` is
/// raised. Read timeouts on `stream` (`WouldBlock`/`TimedOut`) are where `stop` is
/// looked at.
pub fn serve_connection<C, S>(
    card: &mut C,
    mut stream: S,
    atr: &[u8],
    stop: &AtomicBool,
) -> std::io::Result<Ended>
where
    C: ApduCard,
    S: Read + Write,
{
    card.reset();
    let mut message = vec![0u8; usize::from(u16::MAX)];
    loop {
        let mut header = [0u8; 2];
        if let Some(end) = read_full(&mut stream, &mut header, stop, true)? {
            return Ok(end);
        }
        let len = usize::from(u16::from_be_bytes(header));
        let body = message.get_mut(..len).unwrap_or_default();
        if let Some(end) = read_full(&mut stream, body, stop, false)? {
            return Ok(end);
        }
        match &*body {
            [] => {}
            [CTRL_POWER_OFF] | [CTRL_POWER_ON] | [CTRL_RESET] => card.reset(),
            [CTRL_GET_ATR] => send(&mut stream, atr)?,
            // Unknown control codes get no answer, as in vsmartcard's own cards.
            [_] => {}
            capdu => {
                let rapdu = card.transmit(capdu);
                if rapdu.len() > usize::from(u16::MAX) {
                    send(&mut stream, &SW_NO_DIAGNOSIS)?;
                } else {
                    send(&mut stream, &rapdu)?;
                }
            }
        }
    }
}

/// One message: 2-byte big-endian length, then `payload` (at most 65 535 bytes).
fn send<S: Write>(stream: &mut S, payload: &[u8]) -> std::io::Result<()> {
    let len = u16::try_from(payload.len())
        .map_err(|_| std::io::Error::new(ErrorKind::InvalidInput, "message too long"))?;
    let mut frame = Vec::with_capacity(payload.len() + 2);
    frame.extend_from_slice(&len.to_be_bytes());
    frame.extend_from_slice(payload);
    stream.write_all(&frame)?;
    stream.flush()
}

/// Fills `buf`, riding out read timeouts. `Some(Closed)` when the peer closed before
/// the first byte (only where `eof_ok`: mid-message it is an error), `Some(Stopped)`
/// when `stop` was raised, `None` when `buf` is full.
fn read_full<S: Read>(
    stream: &mut S,
    buf: &mut [u8],
    stop: &AtomicBool,
    eof_ok: bool,
) -> std::io::Result<Option<Ended>> {
    let mut filled = 0;
    while filled < buf.len() {
        if stop.load(Ordering::SeqCst) {
            return Ok(Some(Ended::Stopped));
        }
        let rest = buf.get_mut(filled..).unwrap_or_default();
        match stream.read(rest) {
            Ok(0) if filled == 0 && eof_ok => return Ok(Some(Ended::Closed)),
            Ok(0) => return Err(ErrorKind::UnexpectedEof.into()),
            Ok(n) => filled += n,
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
                ) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(None)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::testcard::TestCard;
    use std::net::TcpListener;
    use std::sync::Arc;

    fn frame(payload: &[u8]) -> Vec<u8> {
        let mut f = (payload.len() as u16).to_be_bytes().to_vec();
        f.extend_from_slice(payload);
        f
    }

    fn read_frame(s: &mut TcpStream) -> Vec<u8> {
        let mut h = [0u8; 2];
        s.read_exact(&mut h).unwrap();
        let mut body = vec![0u8; usize::from(u16::from_be_bytes(h))];
        s.read_exact(&mut body).unwrap();
        body
    }

    #[test]
    fn atr_checksum_is_valid() {
        // ISO/IEC 7816-3 §8.2.5: XOR of T0 up to and including TCK is zero.
        assert_eq!(EUICC_ATR.iter().skip(1).fold(0u8, |a, b| a ^ b), 0);
        // T0 announces 15 historical bytes: TS T0 TA1 TD1 TD2 TA3 + 15 + TCK.
        assert_eq!(EUICC_ATR[1] & 0x0F, 15);
        assert_eq!(EUICC_ATR.len(), 6 + 15 + 1);
    }

    #[test]
    fn addresses() {
        assert!(VpcdClient::new(DEFAULT_ADDRESS).is_ok());
        assert!(VpcdClient::new("[::1]:35963").is_ok());
        for bad in ["localhost", ":35963", "host:", "host:99999", "host:x"] {
            assert!(
                matches!(VpcdClient::new(bad), Err(TransportError::Address(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn serves_vpcd_and_reconnects() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let stop = Arc::new(AtomicBool::new(false));
        let client = VpcdClient::new(&addr).unwrap();
        let worker = {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut card = TestCard::default();
                let mut log = Vec::new();
                client.run(&mut card, &stop, &mut log);
                (card, String::from_utf8(log).unwrap())
            })
        };

        // First session: power on, ATR, one APDU split over two writes, then close.
        let (mut s, _) = listener.accept().unwrap();
        s.write_all(&frame(&[CTRL_POWER_ON])).unwrap();
        s.write_all(&frame(&[CTRL_GET_ATR])).unwrap();
        assert_eq!(read_frame(&mut s), EUICC_ATR);
        let apdu = frame(&hex::decode("80E2910003BF3E00").unwrap());
        s.write_all(&apdu[..3]).unwrap();
        std::thread::sleep(Duration::from_millis(300));
        s.write_all(&apdu[3..]).unwrap();
        assert_eq!(read_frame(&mut s), hex::decode("BF3E009000").unwrap());
        // An unknown control code and an empty message get no answer.
        s.write_all(&frame(&[0x7F])).unwrap();
        s.write_all(&frame(&[])).unwrap();
        s.write_all(&frame(&[CTRL_POWER_OFF])).unwrap();
        s.write_all(&frame(&hex::decode("00A4040005A000000559").unwrap()))
            .unwrap();
        assert_eq!(read_frame(&mut s), vec![0x90, 0x00]);
        drop(s);

        // The client comes back; a frame cut short is an error, then it comes back again.
        let (mut s, _) = listener.accept().unwrap();
        s.write_all(&[0x00, 0x10, 0x80]).unwrap();
        drop(s);
        let (mut s, _) = listener.accept().unwrap();
        s.write_all(&frame(&[CTRL_GET_ATR])).unwrap();
        assert_eq!(read_frame(&mut s), EUICC_ATR);

        stop.store(true, Ordering::SeqCst);
        let (card, log) = worker.join().unwrap();
        assert_eq!(card.seen.len(), 2, "{:?}", card.seen);
        // One reset per connection (3) plus power on and power off.
        assert_eq!(card.resets, 5);
        assert!(log.contains("connection closed"), "{log}");
        assert!(log.contains("failed"), "{log}");
        assert!(log.ends_with("vpcd: stopped\n"), "{log}");
    }

    #[test]
    fn waits_for_vpcd_and_stops() {
        // A port nobody listens on: the client retries until stopped.
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let client = VpcdClient::new(&format!("127.0.0.1:{port}")).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let worker = {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut log = Vec::new();
                client.run(TestCard::default(), &stop, &mut log);
                String::from_utf8(log).unwrap()
            })
        };
        std::thread::sleep(Duration::from_millis(500));
        stop.store(true, Ordering::SeqCst);
        let log = worker.join().unwrap();
        assert_eq!(log.matches("cannot reach").count(), 1, "{log}");
        assert!(log.ends_with("vpcd: stopped\n"), "{log}");
    }
}
