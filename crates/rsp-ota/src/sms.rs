//! TS 31.115 user-data-header framing of a single-message packet: the command packet
//! identifier (IEI `70`, §4.2) and the response packet identifier (IEI `71`, §4.4), each
//! with zero-length data, are the CPI/RPI of TS 102 225. Concatenation (TS 23.040) and
//! the TPDU are the transport's job.

use crate::OtaError;

/// IEI of the command packet identifier (TS 31.115 §4.2).
pub const IEI_COMMAND: u8 = 0x70;
/// IEI of the response packet identifier (TS 31.115 §4.4).
pub const IEI_RESPONSE: u8 = 0x71;

fn wrap(iei: u8, packet: &[u8]) -> Vec<u8> {
    let mut out = vec![0x02, iei, 0x00];
    out.extend_from_slice(packet);
    out
}

/// Prefixes a command packet (from CPL on) with the UDH `02 70 00`: the TP-UD of an
/// SMS-DELIVER with TP-UDHI set.
pub fn wrap_command(packet: &[u8]) -> Vec<u8> {
    wrap(IEI_COMMAND, packet)
}

/// Prefixes a PoR (from RPL on) with the UDH `02 71 00`.
pub fn wrap_response(packet: &[u8]) -> Vec<u8> {
    wrap(IEI_RESPONSE, packet)
}

/// Walks the UDH of `user_data`, requires an information element `iei` with empty data,
/// and returns what follows the UDH. Other elements (e.g. concatenation) are skipped.
fn unwrap(iei: u8, user_data: &[u8]) -> Result<&[u8], OtaError> {
    let (&udhl, rest) = user_data
        .split_first()
        .ok_or(OtaError::Malformed("empty user data"))?;
    let udhl = usize::from(udhl);
    if rest.len() < udhl {
        return Err(OtaError::Malformed("UDHL beyond the user data"));
    }
    let (mut udh, body) = rest.split_at(udhl);
    let mut found = false;
    while let [id, len, tail @ ..] = udh {
        let len = usize::from(*len);
        if tail.len() < len {
            return Err(OtaError::Malformed("UDH element truncated"));
        }
        if *id == iei && len == 0 {
            found = true;
        }
        udh = tail.get(len..).unwrap_or_default();
    }
    if !udh.is_empty() {
        return Err(OtaError::Malformed("UDH element truncated"));
    }
    if found {
        Ok(body)
    } else {
        Err(OtaError::Malformed("no packet identifier in the UDH"))
    }
}

/// The command packet carried in TP-UD with a UDH holding IEI `70`.
pub fn unwrap_command(user_data: &[u8]) -> Result<&[u8], OtaError> {
    unwrap(IEI_COMMAND, user_data)
}

/// The PoR carried in TP-UD with a UDH holding IEI `71`.
pub fn unwrap_response(user_data: &[u8]) -> Result<&[u8], OtaError> {
    unwrap(IEI_RESPONSE, user_data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_unwrap() {
        let w = wrap_command(&[1, 2, 3]);
        assert_eq!(w, [2, 0x70, 0, 1, 2, 3]);
        assert_eq!(unwrap_command(&w), Ok(&[1u8, 2, 3][..]));
        assert!(unwrap_response(&w).is_err());
        let r = wrap_response(&[9]);
        assert_eq!(unwrap_response(&r), Ok(&[9u8][..]));
        // Concatenation element (00 03 ref n i) before the packet identifier.
        let c = [7, 0x00, 0x03, 0x42, 0x02, 0x01, 0x70, 0x00, 0xaa];
        assert_eq!(unwrap_command(&c), Ok(&[0xaau8][..]));
        assert!(unwrap_command(&[5, 0x70, 0x00]).is_err());
        assert!(unwrap_command(&[2, 0x70, 0x05]).is_err());
        assert!(unwrap_command(&[]).is_err());
    }
}
