//! The ISD-P's SCP03t session and Profile Package installation (SGP.02 §3.1.3, §4.1.3.3).

use rsp_codec::sgp02::{Aid, StatusWord};

use crate::domain::Answer;
use crate::state::EuiccState;

/// One SCP03t command TLV for the ISD-P `aid`.
pub(crate) fn command(_state: &mut EuiccState, _aid: &Aid, _tlv: &[u8]) -> Answer {
    Err(StatusWord::INS_NOT_SUPPORTED)
}
