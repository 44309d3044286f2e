//! Typed errors of the transport and of the server's handler.

/// What went wrong in an exchange, a handshake or the server loop.
#[derive(Debug, thiserror::Error)]
pub enum CoapError {
    /// A socket operation failed.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    /// The configuration is unusable (PEM, key type, parameters).
    #[error("configuration: {0}")]
    Config(String),
    /// The DTLS handshake failed: the server's certificate was not trusted or did not match
    /// the name, no common cipher suite, an alert from the peer.
    #[error("DTLS handshake failed: {0}")]
    Handshake(String),
    /// The DTLS handshake did not finish in time.
    #[error("DTLS handshake timed out")]
    HandshakeTimeout,
    /// The DTLS association is closed (by the peer, or after an error).
    #[error("DTLS association closed: {0}")]
    Closed(String),
    /// No acknowledgement after MAX_RETRANSMIT retransmissions (RFC 7252 §4.2), or no
    /// separate response within EXCHANGE_LIFETIME.
    #[error("no answer from the peer (after {attempts} transmissions)")]
    Timeout {
        /// How many times the last message was sent.
        attempts: u32,
    },
    /// The peer rejected our message with a Reset (RFC 7252 §4.2).
    #[error("the peer answered with a Reset")]
    Reset,
    /// The server answered with an error response code (4.xx, 5.xx).
    #[error("CoAP error response {code}{}", diagnostic_suffix(.diagnostic))]
    Response {
        /// The response code, as `c.dd` (e.g. `4.00`).
        code: String,
        /// The diagnostic payload (RFC 7252 §5.5.2), if any.
        diagnostic: Option<String>,
    },
    /// The peer broke a CoAP or block-wise rule (wrong block number, bad option).
    #[error("CoAP protocol error: {0}")]
    Protocol(String),
    /// A message body is larger than the configured limit.
    #[error("body larger than the limit of {limit} bytes")]
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
}

fn diagnostic_suffix(diagnostic: &Option<String>) -> String {
    match diagnostic {
        Some(d) => format!(" ({d})"),
        None => String::new(),
    }
}

/// Why the server's handler did not produce an answer.
#[derive(Debug, Clone, thiserror::Error)]
pub enum HandlerError {
    /// The request payload is refused (not a valid ESipa message, say): answered 4.00.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// The handler failed: answered 5.00.
    #[error("internal error: {0}")]
    Internal(String),
}
