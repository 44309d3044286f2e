//! EID (eUICC identifier) rules: 32 decimal digits whose last two are check digits
//! making the whole number ≡ 1 (mod 97) (SGP.29 §2.2, as ISO/IEC 7064 MOD 97-10),
//! and the GSMA EUM range rule: the EID starts with the EID prefix the EUM
//! certificate's name constraints carry in `serialNumber` (SGP.22 §4.5.2.1.0.2).

/// Length of an EID in digits.
pub const EID_LEN: usize = 32;

/// Why a string is not a valid EID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EidError {
    /// Not exactly 32 characters.
    #[error("has {0} digits, expected 32")]
    Length(usize),
    /// A character other than 0-9.
    #[error("contains a character other than a decimal digit")]
    NotDigits,
    /// The mod-97 check fails.
    #[error("check digits are wrong (number mod 97 is {0}, expected 1)")]
    CheckDigits(u32),
}

/// The remainder of the decimal number `digits` modulo 97 (digits already checked).
fn mod97(digits: &[u8]) -> u32 {
    digits.iter().fold(0u32, |acc, d| {
        (acc * 10 + u32::from(d.saturating_sub(b'0'))) % 97
    })
}

fn only_digits(s: &str) -> Result<(), EidError> {
    if s.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(EidError::NotDigits)
    }
}

/// Check an EID: 32 decimal digits, valid check digits.
pub fn validate_eid(eid: &str) -> Result<(), EidError> {
    if eid.len() != EID_LEN {
        return Err(EidError::Length(eid.len()));
    }
    only_digits(eid)?;
    match mod97(eid.as_bytes()) {
        1 => Ok(()),
        r => Err(EidError::CheckDigits(r)),
    }
}

/// The two check digits for the first 30 digits of an EID.
pub fn eid_check_digits(first30: &str) -> Result<String, EidError> {
    if first30.len() != EID_LEN - 2 {
        return Err(EidError::Length(first30.len() + 2));
    }
    only_digits(first30)?;
    let r = mod97(format!("{first30}00").as_bytes());
    Ok(format!("{:02}", 98 - r))
}

/// Complete 30 digits into a full EID by appending the check digits.
pub fn eid_with_check_digits(first30: &str) -> Result<String, EidError> {
    Ok(format!("{first30}{}", eid_check_digits(first30)?))
}

/// The GSMA EUM range rule: `eid` starts with the EID prefix `prefix` (decimal digits).
pub fn eid_in_range(eid: &str, prefix: &str) -> bool {
    !prefix.is_empty() && prefix.bytes().all(|b| b.is_ascii_digit()) && eid.starts_with(prefix)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The EID of the SGP.26 test eUICC.
    const SGP26_EID: &str = "89049032123451234512345678901235";

    #[test]
    fn sgp26_eid_is_valid() {
        assert_eq!(validate_eid(SGP26_EID), Ok(()));
        assert_eq!(eid_check_digits(&SGP26_EID[..30]).as_deref(), Ok("35"));
    }

    #[test]
    fn wrong_digit_is_caught() {
        let bad = "89049032123451234512345678901236";
        assert!(matches!(validate_eid(bad), Err(EidError::CheckDigits(_))));
        // Swapping two adjacent digits is caught by MOD 97-10.
        let swapped = "89049032123451234512345678910235";
        assert!(validate_eid(swapped).is_err());
        assert_eq!(validate_eid("8904"), Err(EidError::Length(4)));
        assert_eq!(
            validate_eid("8904903212345123451234567890123X"),
            Err(EidError::NotDigits)
        );
    }

    #[test]
    fn check_digits_round_trip() {
        for first in [
            "890490321234512345123456789012",
            "000000000000000000000000000000",
            "999999999999999999999999999999",
            "890440000000000000000000000001",
        ] {
            let eid = eid_with_check_digits(first).unwrap();
            assert_eq!(validate_eid(&eid), Ok(()), "{eid}");
        }
    }

    #[test]
    fn prefix_rule() {
        assert!(eid_in_range(SGP26_EID, "89049032"));
        assert!(!eid_in_range(SGP26_EID, "89049033"));
        assert!(!eid_in_range(SGP26_EID, ""));
    }
}
