//! Luhn check digit (ISO/IEC 7812-1 Annex B), used by the ICCID (ITU-T E.118).

/// The Luhn check digit of `digits` (ASCII decimal digits); `None` if a non-digit is present.
pub fn check_digit(digits: &str) -> Option<u8> {
    let mut sum = 0u32;
    for (i, c) in digits.bytes().rev().enumerate() {
        if !c.is_ascii_digit() {
            return None;
        }
        let mut d = u32::from(c - b'0');
        if i % 2 == 0 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    Some(((10 - sum % 10) % 10) as u8)
}

/// Whether the last digit of `digits` is the Luhn check digit of the others.
pub fn is_valid(digits: &str) -> bool {
    let Some((body, last)) = digits.len().checked_sub(1).map(|n| digits.split_at(n)) else {
        return false;
    };
    match (check_digit(body), last.bytes().next()) {
        (Some(cd), Some(l)) if l.is_ascii_digit() => cd == l - b'0',
        _ => false,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        // ISO/IEC 7812 example: 7992739871 → check digit 3.
        assert_eq!(check_digit("7992739871"), Some(3));
        assert!(is_valid("79927398713"));
        assert!(!is_valid("79927398710"));
        assert!(!is_valid(""));
        assert_eq!(check_digit("12a"), None);
    }
}
