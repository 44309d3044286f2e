//! Errors of the virtual M2M eUICC.

use rsp_codec::sgp02::Sgp02Error;
use rsp_ota::OtaError;

/// Errors of the virtual M2M eUICC. A command packet that the eUICC can answer (even
/// with an error status) is not an error: see [`crate::Received`].
#[derive(Debug, thiserror::Error)]
pub enum M2mError {
    /// The command packet cannot be parsed far enough to select keys (no PoR possible).
    #[error("malformed command packet: {0}")]
    Packet(#[from] OtaError),
    /// No keyset with the key version number of KIc/KID, or the packet's algorithm
    /// differs from the keyset's (no PoR possible).
    #[error("no keyset for KIc {kic:02X} / KID {kid:02X}")]
    UnknownKeyset {
        /// KIc of the packet.
        kic: u8,
        /// KID of the packet.
        kid: u8,
    },
    /// SMS-PP envelope or TPDU errors.
    #[error("SMS-PP download: {0}")]
    SmsPp(&'static str),
    /// An ES5 codec error while building a notification.
    #[error("codec: {0}")]
    Codec(#[from] Sgp02Error),
    /// A test-hook / API call that the state does not allow.
    #[error("not allowed: {0}")]
    State(&'static str),
    /// Invalid configuration (keys, identity).
    #[error("configuration: {0}")]
    Config(&'static str),
    /// The ECASD identity (certificate, key).
    #[error("identity: {0}")]
    Identity(String),
    /// Reading or writing the state file.
    #[error("state file: {0}")]
    Io(#[from] std::io::Error),
    /// The state file does not parse.
    #[error("state file: {0}")]
    Json(#[from] serde_json::Error),
}
