//! Secret values (K, OPc, PINs, OTA keys): zeroized on drop, redacted in `Debug`.

use core::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop};

/// Secret bytes. `Debug` shows only the length.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct SecretBytes(Vec<u8>);

impl SecretBytes {
    /// Wraps bytes.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// Parses hex (spaces allowed); `None` if not hex. The input is not echoed anywhere.
    pub fn from_hex(s: &str) -> Option<Self> {
        let clean: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        hex::decode(clean).ok().map(Self)
    }

    /// The bytes.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBytes(<{} bytes redacted>)", self.0.len())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let s = SecretBytes::from_hex("00112233").unwrap();
        assert_eq!(format!("{s:?}"), "SecretBytes(<4 bytes redacted>)");
        assert!(SecretBytes::from_hex("0g").is_none());
    }
}
