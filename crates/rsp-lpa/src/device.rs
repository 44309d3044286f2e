//! `DeviceInfo` of ctxParams1 (SGP.22 v2.5 §4.2, §5.7.13): the TAC and IMEI of the
//! Device and the radio capabilities it announces to the SM-DP+ (used in its eligibility
//! check, §3.1.3.1).

use rsp_codec::asn1::{DeviceCapabilities, DeviceInfo, Extensions, Octet4, Octet8, VersionType};

use crate::error::LpaError;

/// TAC announced when no IMEI is given: a test allocation (`35` reporting body, digits
/// chosen for this suite).
pub const DEFAULT_TAC: &str = "35999999";

/// Decimal digits of `text`, or an error naming `what`.
fn digits(text: &str, what: &str) -> Result<Vec<u8>, LpaError> {
    text.chars()
        .map(|c| c.to_digit(10).map(|d| d as u8))
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(|| LpaError::InvalidInput(format!("{what} {text:?} is not decimal digits")))
}

/// The TAC (8 digits) as 4 bytes of BCD, first digit in the high nibble.
fn tac_bytes(tac: &[u8]) -> Result<Octet4, LpaError> {
    let mut out = [0u8; 4];
    for (b, pair) in out.iter_mut().zip(tac.chunks(2)) {
        *b = (pair[0] << 4) | pair.get(1).copied().unwrap_or(0);
    }
    Ok(Octet4::new(out))
}

/// The IMEI (15 digits) or IMEISV (16) as 8 bytes of BCD with swapped nibbles, `F`-padded
/// (3GPP TS 24.008 §10.5.1.4 digit order).
fn imei_bytes(imei: &[u8]) -> Octet8 {
    let mut nibbles = imei.to_vec();
    nibbles.resize(16, 0xF);
    let mut out = [0u8; 8];
    for (b, pair) in out.iter_mut().zip(nibbles.chunks(2)) {
        *b = pair[0] | (pair.get(1).copied().unwrap_or(0xF) << 4);
    }
    Octet8::new(out)
}

/// The capabilities this LPA's Device announces: GSM, UTRAN, E-UTRAN/EPC and NR releases
/// 15, LPA SVN 2.5.0.
fn capabilities() -> DeviceCapabilities {
    let release = |r: u8| Some(VersionType::from_parts(r, 0, 0));
    DeviceCapabilities {
        gsm_supported_release: release(15),
        utran_supported_release: release(15),
        eutran_epc_supported_release: release(15),
        nr_epc_supported_release: release(15),
        nr5gc_supported_release: release(15),
        eutran5gc_supported_release: release(15),
        lpa_svn: Some(VersionType::from_parts(2, 5, 0)),
        ..DeviceCapabilities::default()
    }
}

/// `DeviceInfo` for `imei` (15 or 16 digits; its first 8 digits are the TAC), or for the
/// [`DEFAULT_TAC`] without IMEI.
pub fn device_info(imei: Option<&str>) -> Result<DeviceInfo, LpaError> {
    let (tac, imei) = match imei {
        Some(text) => {
            let d = digits(text.trim(), "IMEI")?;
            if !(15..=16).contains(&d.len()) {
                return Err(LpaError::InvalidInput(format!(
                    "IMEI {text:?} must have 15 digits (16 for an IMEISV)"
                )));
            }
            (tac_bytes(&d[..8])?, Some(imei_bytes(&d)))
        }
        None => (tac_bytes(&digits(DEFAULT_TAC, "TAC")?)?, None),
    };
    Ok(DeviceInfo {
        tac,
        device_capabilities: capabilities(),
        imei,
        ext: Extensions::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tac_and_imei_encoding() {
        let info = device_info(Some("356938035643809")).expect("IMEI");
        assert_eq!(info.tac.as_bytes(), &[0x35, 0x69, 0x38, 0x03]);
        assert_eq!(
            info.imei.expect("imei").as_bytes(),
            &[0x53, 0x96, 0x83, 0x30, 0x65, 0x34, 0x08, 0xF9]
        );
        let none = device_info(None).expect("default");
        assert_eq!(none.tac.as_bytes(), &[0x35, 0x99, 0x99, 0x99]);
        assert!(none.imei.is_none());
        assert!(device_info(Some("12345")).is_err());
        assert!(device_info(Some("35693803564380x")).is_err());
        // It encodes.
        rsp_codec::asn1::encode(&none).expect("DER");
    }
}
