//! The user data header (3GPP TS 23.040 §9.2.3.24): UDHL, then information elements
//! `IEI IEDL IED`.

use crate::tpdu::TpduError;

/// IEI of the concatenated short message, 8-bit reference (§9.2.3.24.1).
pub const IEI_CONCAT_8BIT: u8 = 0x00;
/// IEI of the concatenated short message, 16-bit reference (§9.2.3.24.8).
pub const IEI_CONCAT_16BIT: u8 = 0x08;

/// One information element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InformationElement {
    /// IEI.
    pub iei: u8,
    /// IED (IEDL is its length).
    pub data: Vec<u8>,
}

/// Splits TP-UD that starts with a UDH into its elements and the rest.
pub fn parse(user_data: &[u8]) -> Result<(Vec<InformationElement>, &[u8]), TpduError> {
    let (&udhl, rest) = user_data
        .split_first()
        .ok_or(TpduError::Truncated("UDHL"))?;
    let udhl = usize::from(udhl);
    if rest.len() < udhl {
        return Err(TpduError::Malformed("UDHL beyond the user data"));
    }
    let (mut udh, body) = rest.split_at(udhl);
    let mut ies = Vec::new();
    while let [iei, len, tail @ ..] = udh {
        let len = usize::from(*len);
        if tail.len() < len {
            return Err(TpduError::Malformed("UDH element truncated"));
        }
        let (data, tail) = tail.split_at(len);
        ies.push(InformationElement {
            iei: *iei,
            data: data.to_vec(),
        });
        udh = tail;
    }
    if !udh.is_empty() {
        return Err(TpduError::Malformed("UDH element truncated"));
    }
    Ok((ies, body))
}

/// Encodes UDHL and the elements.
pub fn encode(ies: &[InformationElement]) -> Result<Vec<u8>, TpduError> {
    let mut out = vec![0];
    for ie in ies {
        out.push(ie.iei);
        out.push(u8::try_from(ie.data.len()).map_err(|_| TpduError::Malformed("IED too long"))?);
        out.extend_from_slice(&ie.data);
    }
    let udhl = u8::try_from(out.len() - 1).map_err(|_| TpduError::Malformed("UDH too long"))?;
    out[0] = udhl;
    Ok(out)
}
