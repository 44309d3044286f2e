//! An SMPP 3.4 ESME bound as transceiver (SMPP 3.4 §2.2, §4.1.5): the SM-SR's link to its
//! SMSC, or a handset simulator's. It submits binary messages (esm_class UDHI `40`,
//! protocol_id `7F`, data_coding `F6`), hands inbound deliver_sm (MO messages and
//! delivery receipts) to a channel, answers enquire_link and keeps the link alive with
//! its own enquire_link (§4.11). PDUs are encoded and decoded by `smpp34`.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use smpp34::{SmppError, submit_sm, submit_sm_resp};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpStream, ToSocketAddrs};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::timeout;
use zeroize::Zeroizing;

pub use crate::inbound::{
    DeliveryReceipt, ESM_CLASS_DELIVERY_RECEIPT, ESM_CLASS_UDHI, Inbound, Message, SmppAddress,
};
use crate::smpp::{self, BindFields, FrameError, id};

mod session;
use crate::tpdu::{DCS_CLASS2_8BIT, PID_SIM_DATA_DOWNLOAD};
use session::Session;

/// How an ESME binds and keeps its session.
#[derive(Clone)]
pub struct EsmeConfig {
    /// system_id (at most 15 characters).
    pub system_id: String,
    /// password (at most 8 characters); never logged, wiped on drop.
    pub password: Zeroizing<String>,
    /// system_type (at most 12 characters).
    pub system_type: String,
    /// addr_ton of the bind.
    pub addr_ton: u8,
    /// addr_npi of the bind.
    pub addr_npi: u8,
    /// address_range: the address(es) this ESME serves (at most 40 characters).
    pub address_range: String,
    /// enquire_link period; the session is dropped when nothing arrives for two periods.
    pub enquire_link_interval: Duration,
    /// How long to wait for a response (bind, submit_sm, unbind).
    pub response_timeout: Duration,
    /// Capacity of the inbound channel (back-pressure: deliver_sm is answered once queued).
    pub inbound_capacity: usize,
}

impl EsmeConfig {
    /// A transceiver bind with defaults: enquire_link every 30 s, 10 s response timeout.
    pub fn new(system_id: &str, password: &str) -> Self {
        Self {
            system_id: system_id.to_owned(),
            password: Zeroizing::new(password.to_owned()),
            system_type: String::new(),
            addr_ton: 0,
            addr_npi: 0,
            address_range: String::new(),
            enquire_link_interval: Duration::from_secs(30),
            response_timeout: Duration::from_secs(10),
            inbound_capacity: 64,
        }
    }

    /// Sets address_range (e.g. the handset's MSISDN).
    pub fn address_range(mut self, range: &str) -> Self {
        self.address_range = range.to_owned();
        self
    }

    /// Sets system_type.
    pub fn system_type(mut self, system_type: &str) -> Self {
        self.system_type = system_type.to_owned();
        self
    }
}

impl fmt::Debug for EsmeConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EsmeConfig")
            .field("system_id", &self.system_id)
            .field("password", &"<redacted>")
            .field("system_type", &self.system_type)
            .field("address_range", &self.address_range)
            .finish_non_exhaustive()
    }
}

/// Errors of the ESME.
#[derive(Debug, thiserror::Error)]
pub enum EsmeError {
    /// TCP connect or I/O failed.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    /// The SMSC refused the bind (bind_transceiver_resp or generic_nack status).
    #[error("bind refused: command_status {status:#010x} ({:?})", SmppError::from_command_status(*status))]
    BindRefused {
        /// SMPP command_status (e.g. `0x0E` ESME_RINVPASWD).
        status: u32,
    },
    /// The SMSC refused a submit_sm.
    #[error("submit_sm refused: command_status {status:#010x} ({:?})", SmppError::from_command_status(*status))]
    SubmitRefused {
        /// SMPP command_status.
        status: u32,
    },
    /// A parameter does not fit its SMPP field.
    #[error("invalid parameter: {0}")]
    InvalidParameter(&'static str),
    /// No response in time.
    #[error("no response within the response timeout")]
    Timeout,
    /// The session is closed.
    #[error("session closed")]
    Closed,
    /// The peer broke the protocol.
    #[error("protocol error: {0}")]
    Protocol(&'static str),
}

impl EsmeError {
    /// The SMPP command_status of a refusal, as `smpp34`'s enum.
    pub fn smpp_status(&self) -> Option<SmppError> {
        match self {
            Self::BindRefused { status } | Self::SubmitRefused { status } => {
                Some(SmppError::from_command_status(*status))
            }
            _ => None,
        }
    }
}

pub(crate) type Pending = Arc<Mutex<HashMap<u32, oneshot::Sender<Vec<u8>>>>>;

/// A bound transceiver session. Dropping it closes the TCP connection.
pub struct Esme {
    out: mpsc::Sender<Vec<u8>>,
    pending: Pending,
    sequence: AtomicU32,
    response_timeout: Duration,
    task: JoinHandle<()>,
}

impl Drop for Esme {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn check_len(s: &str, max: usize, what: &'static str) -> Result<(), EsmeError> {
    if s.len() > max || s.as_bytes().contains(&0) {
        Err(EsmeError::InvalidParameter(what))
    } else {
        Ok(())
    }
}

impl Esme {
    /// Connects to `addr`, binds as transceiver (SMPP 3.4 §4.1.5) and starts the session.
    /// Inbound messages and receipts arrive on the returned receiver, which ends when the
    /// session does.
    pub async fn bind_transceiver(
        addr: impl ToSocketAddrs,
        config: EsmeConfig,
    ) -> Result<(Esme, mpsc::Receiver<Inbound>), EsmeError> {
        check_len(&config.system_id, smpp::MAX_SYSTEM_ID, "system_id")?;
        check_len(&config.password, smpp::MAX_PASSWORD, "password")?;
        check_len(&config.system_type, smpp::MAX_SYSTEM_TYPE, "system_type")?;
        check_len(
            &config.address_range,
            smpp::MAX_ADDRESS_RANGE,
            "address_range",
        )?;
        let stream = timeout(config.response_timeout, TcpStream::connect(addr))
            .await
            .map_err(|_| EsmeError::Timeout)??;
        stream.set_nodelay(true)?;
        let (mut reader, mut writer) = stream.into_split();
        let bind = smpp::bind_transceiver(
            1,
            &BindFields {
                system_id: &config.system_id,
                password: &config.password,
                system_type: &config.system_type,
                addr_ton: config.addr_ton,
                addr_npi: config.addr_npi,
                address_range: &config.address_range,
            },
        );
        writer.write_all(&bind).await?;
        drop(bind);
        let mut buf = Vec::new();
        let resp = timeout(
            config.response_timeout,
            smpp::read_frame(&mut reader, &mut buf),
        )
        .await
        .map_err(|_| EsmeError::Timeout)?
        .map_err(frame_error)?;
        let header = smpp::header(&resp).map_err(|_| EsmeError::Protocol("bad bind response"))?;
        if header.command_id != id::BIND_TRANSCEIVER_RESP && header.command_id != id::GENERIC_NACK {
            return Err(EsmeError::Protocol(
                "unexpected PDU instead of bind_transceiver_resp",
            ));
        }
        if header.command_status != 0 || header.command_id == id::GENERIC_NACK {
            tracing::warn!(
                system_id = %config.system_id,
                status = header.command_status,
                "SMPP bind refused"
            );
            return Err(EsmeError::BindRefused {
                status: header.command_status,
            });
        }
        tracing::info!(system_id = %config.system_id, "SMPP bound as transceiver");
        let (out_tx, out_rx) = mpsc::channel(64);
        let (in_tx, in_rx) = mpsc::channel(config.inbound_capacity.max(1));
        let pending: Pending = Arc::default();
        let session = Session {
            reader,
            writer,
            buf,
            out_rx,
            inbound: in_tx,
            pending: pending.clone(),
            keepalive: config.enquire_link_interval,
            sequence: 0x4000_0000,
        };
        let task = tokio::spawn(session.run());
        Ok((
            Esme {
                out: out_tx,
                pending,
                sequence: AtomicU32::new(2),
                response_timeout: config.response_timeout,
                task,
            },
            in_rx,
        ))
    }

    fn next_sequence(&self) -> u32 {
        // Sequence numbers 1..=0x3FFFFFFF for requests from the API; the session's own
        // enquire_links use the range above (SMPP 3.4 §5.1.4: up to 0x7FFFFFFF).
        let s = self.sequence.fetch_add(1, Ordering::Relaxed) & 0x3fff_ffff;
        s.max(1)
    }

    async fn request(&self, sequence: u32, pdu: Vec<u8>) -> Result<Vec<u8>, EsmeError> {
        let (tx, rx) = oneshot::channel();
        self.pending
            .lock()
            .map_err(|_| EsmeError::Closed)?
            .insert(sequence, tx);
        if self.out.send(pdu).await.is_err() {
            self.forget(sequence);
            return Err(EsmeError::Closed);
        }
        match timeout(self.response_timeout, rx).await {
            Ok(Ok(resp)) => Ok(resp),
            Ok(Err(_)) => Err(EsmeError::Closed),
            Err(_) => {
                self.forget(sequence);
                Err(EsmeError::Timeout)
            }
        }
    }

    fn forget(&self, sequence: u32) {
        if let Ok(mut p) = self.pending.lock() {
            p.remove(&sequence);
        }
    }

    /// Submits binary user data (UDH included) with esm_class UDHI `40`, protocol_id
    /// `7F` (SIM data download) and data_coding `F6` (class 2, 8-bit), as TS 31.115 §4.2
    /// asks for a secured packet; `registered_delivery` `01` asks for a delivery receipt.
    /// Returns the SMSC's message_id.
    pub async fn submit_binary(
        &self,
        source: &SmppAddress,
        destination: &SmppAddress,
        user_data: &[u8],
        registered_delivery: u8,
    ) -> Result<String, EsmeError> {
        self.submit(
            source,
            destination,
            ESM_CLASS_UDHI,
            PID_SIM_DATA_DOWNLOAD,
            DCS_CLASS2_8BIT,
            user_data,
            registered_delivery,
        )
        .await
    }

    /// Submits a secured command packet (from CPL on, TS 31.115 §4.2) as one SMS or,
    /// when longer, as concatenated SMS with `reference` ([`crate::concat::split`]), in
    /// order. Returns the message_id of each SMS.
    pub async fn submit_command_packet(
        &self,
        source: &SmppAddress,
        destination: &SmppAddress,
        packet: &[u8],
        reference: u8,
        registered_delivery: u8,
    ) -> Result<Vec<String>, EsmeError> {
        let segments = crate::concat::split(packet, reference)
            .map_err(|_| EsmeError::InvalidParameter("packet longer than 255 segments"))?;
        let mut ids = Vec::with_capacity(segments.len());
        for ud in &segments {
            ids.push(
                self.submit_binary(source, destination, ud, registered_delivery)
                    .await?,
            );
        }
        Ok(ids)
    }

    /// Submits a short message with the given esm_class, protocol_id and data_coding.
    #[allow(clippy::too_many_arguments)]
    pub async fn submit(
        &self,
        source: &SmppAddress,
        destination: &SmppAddress,
        esm_class: u8,
        protocol_id: u8,
        data_coding: u8,
        short_message: &[u8],
        registered_delivery: u8,
    ) -> Result<String, EsmeError> {
        check_len(&source.address, 20, "source_addr")?;
        check_len(&destination.address, 20, "destination_addr")?;
        if short_message.len() > 254 {
            return Err(EsmeError::InvalidParameter(
                "short_message longer than 254 octets",
            ));
        }
        let sequence = self.next_sequence();
        let pdu = submit_sm::new(
            sequence,
            String::new(),
            source.ton,
            source.npi,
            source.address.clone(),
            destination.ton,
            destination.npi,
            destination.address.clone(),
            esm_class,
            protocol_id,
            0,
            String::new(),
            String::new(),
            registered_delivery,
            0,
            data_coding,
            0,
            short_message.to_vec(),
        )
        .encode();
        let resp = self.request(sequence, pdu).await?;
        let header = smpp::header(&resp).map_err(|_| EsmeError::Protocol("bad response"))?;
        if header.command_status != 0 {
            return Err(EsmeError::SubmitRefused {
                status: header.command_status,
            });
        }
        if header.command_id != id::SUBMIT_SM | id::RESPONSE_BIT {
            return Err(EsmeError::Protocol("unexpected response to submit_sm"));
        }
        let resp = submit_sm_resp::decode(header, &resp)
            .map_err(|_| EsmeError::Protocol("bad submit_sm_resp"))?;
        resp.message_id
            .ok_or(EsmeError::Protocol("submit_sm_resp without message_id"))
    }

    /// Unbinds (SMPP 3.4 §4.2) and closes the session; a peer that closes the connection
    /// instead of sending unbind_resp counts as unbound.
    pub async fn unbind(self) -> Result<(), EsmeError> {
        let sequence = self.next_sequence();
        let resp = match self
            .request(sequence, smpp::header_only(id::UNBIND, 0, sequence))
            .await
        {
            Ok(resp) => resp,
            // The SMSC closed the connection instead of answering: unbound all the same
            // (smpp34 1.5.1's server may drop its unbind_resp as it closes).
            Err(EsmeError::Closed) => return Ok(()),
            Err(e) => return Err(e),
        };
        let header = smpp::header(&resp).map_err(|_| EsmeError::Protocol("bad response"))?;
        if header.command_id != id::UNBIND_RESP {
            return Err(EsmeError::Protocol("unexpected response to unbind"));
        }
        Ok(())
    }

    /// Whether the session is still running.
    pub fn is_bound(&self) -> bool {
        !self.task.is_finished()
    }
}

fn frame_error(e: FrameError) -> EsmeError {
    match e {
        FrameError::Io(e) => EsmeError::Io(e),
        FrameError::BadLength => EsmeError::Protocol("bad command_length"),
    }
}
