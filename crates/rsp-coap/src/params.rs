//! Transmission parameters (RFC 7252 §4.8) and limits.

use std::time::Duration;

use crate::CoapError;

/// Timers, block size and limits of the client and the server.
///
/// The defaults are RFC 7252 §4.8's (ACK_TIMEOUT 2 s, ACK_RANDOM_FACTOR 1.5,
/// MAX_RETRANSMIT 4) and 1024-byte blocks (SZX 6, RFC 7959 §2.2).
#[derive(Debug, Clone)]
pub struct CoapParams {
    /// ACK_TIMEOUT (RFC 7252 §4.8).
    pub ack_timeout: Duration,
    /// ACK_RANDOM_FACTOR (RFC 7252 §4.8), at least 1.0.
    pub ack_random_factor: f64,
    /// MAX_RETRANSMIT (RFC 7252 §4.8), at most 10.
    pub max_retransmit: u32,
    /// Block size in bytes for Block1 and Block2: a power of two from 16 to 1024
    /// (RFC 7959 §2.2).
    pub block_size: usize,
    /// Largest request (server) or answer (client) body accepted after reassembly.
    pub max_body_size: usize,
    /// How long a DTLS handshake may take.
    pub handshake_timeout: Duration,
    /// DTLS handshake flight retransmission interval (RFC 6347 §4.2.4).
    pub dtls_flight_interval: Duration,
    /// Server: when the handler takes longer than this, the request is acknowledged with an
    /// empty ACK and the answer follows as a separate response (RFC 7252 §5.2.2).
    pub separate_response_after: Duration,
    /// Server: an association without any datagram for this long is dropped.
    pub idle_timeout: Duration,
    /// Server: most DTLS associations at once; datagrams that would start more are dropped.
    pub max_peers: usize,
}

impl Default for CoapParams {
    fn default() -> Self {
        Self {
            ack_timeout: Duration::from_secs(2),
            ack_random_factor: 1.5,
            max_retransmit: 4,
            block_size: 1024,
            max_body_size: 1 << 20,
            handshake_timeout: Duration::from_secs(30),
            dtls_flight_interval: Duration::from_secs(1),
            separate_response_after: Duration::from_secs(1),
            idle_timeout: Duration::from_secs(300),
            max_peers: 4096,
        }
    }
}

impl CoapParams {
    /// Checks the values; called by the client and the server before use.
    pub fn validate(&self) -> Result<(), CoapError> {
        if crate::block::szx_for(self.block_size).is_none() {
            return Err(CoapError::Config(format!(
                "block size {} is not a power of two from 16 to 1024",
                self.block_size
            )));
        }
        if !(self.ack_random_factor >= 1.0 && self.ack_random_factor <= 4.0) {
            return Err(CoapError::Config(
                "ack_random_factor must be in 1.0..=4.0".into(),
            ));
        }
        if self.ack_timeout.is_zero() || self.max_retransmit > 10 {
            return Err(CoapError::Config(
                "ack_timeout must be > 0 and max_retransmit <= 10".into(),
            ));
        }
        if self.max_peers == 0 || self.max_body_size == 0 {
            return Err(CoapError::Config(
                "max_peers and max_body_size must be > 0".into(),
            ));
        }
        Ok(())
    }

    /// SZX of the configured block size (RFC 7959 §2.2); 6 after a failed validation.
    pub(crate) fn szx(&self) -> u8 {
        crate::block::szx_for(self.block_size).unwrap_or(6)
    }

    /// The first retransmission timeout: a random duration between ACK_TIMEOUT and
    /// ACK_TIMEOUT * ACK_RANDOM_FACTOR (RFC 7252 §4.2).
    pub(crate) fn initial_timeout(&self) -> Duration {
        let r = getrandom::u32().unwrap_or(0) as f64 / u32::MAX as f64;
        self.ack_timeout
            .mul_f64(1.0 + (self.ack_random_factor - 1.0) * r)
    }

    /// MAX_TRANSMIT_SPAN (RFC 7252 §4.8.2).
    fn max_transmit_span(&self) -> Duration {
        let factor = ((1u64 << self.max_retransmit) - 1) as f64 * self.ack_random_factor;
        self.ack_timeout.mul_f64(factor)
    }

    /// EXCHANGE_LIFETIME = MAX_TRANSMIT_SPAN + 2 * MAX_LATENCY + PROCESSING_DELAY
    /// (RFC 7252 §4.8.2; MAX_LATENCY 100 s, PROCESSING_DELAY = ACK_TIMEOUT).
    pub(crate) fn exchange_lifetime(&self) -> Duration {
        self.max_transmit_span() + Duration::from_secs(200) + self.ack_timeout
    }
}
