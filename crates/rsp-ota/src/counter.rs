//! The replay counter (CNTR, five octets) and the receiving entity's check of it
//! (TS 102 225 §5.1.1 counter modes, §5.2 status codes `02`, `03`, `04`).

use crate::response::PorStatus;
use crate::spi::CounterMode;

/// A five-octet counter (TS 102 225 §5.1: CNTR).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Counter(pub [u8; 5]);

impl Counter {
    /// Largest value; a receiving entity whose counter reached it is blocked (status `04`).
    pub const MAX: u64 = 0xff_ffff_ffff;

    /// From an integer; values above [`Counter::MAX`] are refused.
    pub fn from_u64(v: u64) -> Option<Self> {
        if v > Self::MAX {
            return None;
        }
        let b = v.to_be_bytes();
        let mut out = [0u8; 5];
        out.copy_from_slice(b.get(3..).unwrap_or_default());
        Some(Counter(out))
    }

    /// As an integer.
    pub fn to_u64(self) -> u64 {
        self.0
            .iter()
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
    }
}

/// Checks a received counter against the stored one under the command's counter mode
/// (§5.1.1). `Ok(Some(c))` means accept and store `c` once the packet's RC/CC/DS has been
/// verified; `Ok(None)` means accept and leave the stored counter as it is; `Err` carries
/// the PoR status code to report.
pub fn check_counter(
    mode: CounterMode,
    stored: Counter,
    received: Counter,
) -> Result<Option<Counter>, PorStatus> {
    let (stored, received_v) = (stored.to_u64(), received.to_u64());
    match mode {
        // `00` no counter, `01` counter available without replay or sequence checking.
        CounterMode::None | CounterMode::Available => Ok(None),
        CounterMode::Higher | CounterMode::OneHigher if stored >= Counter::MAX => {
            Err(PorStatus::CntrBlocked)
        }
        CounterMode::Higher if received_v > stored => Ok(Some(received)),
        CounterMode::OneHigher if received_v == stored + 1 => Ok(Some(received)),
        CounterMode::OneHigher if received_v > stored + 1 => Err(PorStatus::CntrHigh),
        CounterMode::Higher | CounterMode::OneHigher => Err(PorStatus::CntrLow),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(v: u64) -> Counter {
        Counter::from_u64(v).expect("in range")
    }

    #[test]
    fn conversions() {
        assert_eq!(c(0x01_0203_0405).0, [1, 2, 3, 4, 5]);
        assert_eq!(c(Counter::MAX).to_u64(), Counter::MAX);
        assert!(Counter::from_u64(Counter::MAX + 1).is_none());
    }

    #[test]
    fn modes() {
        assert_eq!(check_counter(CounterMode::None, c(5), c(0)), Ok(None));
        assert_eq!(check_counter(CounterMode::Available, c(5), c(1)), Ok(None));
        assert_eq!(
            check_counter(CounterMode::Higher, c(5), c(9)),
            Ok(Some(c(9)))
        );
        assert_eq!(
            check_counter(CounterMode::Higher, c(5), c(5)),
            Err(PorStatus::CntrLow)
        );
        assert_eq!(
            check_counter(CounterMode::Higher, c(5), c(4)),
            Err(PorStatus::CntrLow)
        );
        assert_eq!(
            check_counter(CounterMode::OneHigher, c(5), c(6)),
            Ok(Some(c(6)))
        );
        assert_eq!(
            check_counter(CounterMode::OneHigher, c(5), c(7)),
            Err(PorStatus::CntrHigh)
        );
        assert_eq!(
            check_counter(CounterMode::OneHigher, c(5), c(5)),
            Err(PorStatus::CntrLow)
        );
        let max = c(Counter::MAX);
        assert_eq!(
            check_counter(CounterMode::Higher, max, max),
            Err(PorStatus::CntrBlocked)
        );
        assert_eq!(
            check_counter(CounterMode::OneHigher, max, c(1)),
            Err(PorStatus::CntrBlocked)
        );
    }
}
