//! Declarative helpers for the three shapes `RSPDefinitions` repeats dozens of times:
//! INTEGER with named numbers, BIT STRING with named bits, fixed-size OCTET STRING.

/// `X ::= INTEGER { a(0), b(1) }` → newtype over `i64` with one constant per named number.
///
/// The value is open: a number without a name (e.g. a code added by a newer spec) is
/// kept as is, as X.680 §19 allows any integer value.
macro_rules! named_integer {
    (
        $(#[$meta:meta])*
        $name:ident $(: tag($($tag:tt)+))? {
            $($(#[$cmeta:meta])* $konst:ident = $value:expr),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(rasn::AsnType, rasn::Decode, rasn::Encode, Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[rasn(delegate $(, tag($($tag)+))?)]
        pub struct $name(pub i64);

        impl $name {
            $($(#[$cmeta])* pub const $konst: Self = Self($value);)*
        }

        impl From<i64> for $name {
            fn from(value: i64) -> Self {
                Self(value)
            }
        }
    };
}

/// `X ::= BIT STRING { a(0), b(1) }` → newtype over `BitString` with bit-number constants.
///
/// Decoding keeps the bit string exactly as received (its length included) so it
/// re-encodes byte-exactly; [`Self::from_bits`] builds the DER form, which drops trailing
/// zero bits of a named bit string (X.690 §11.2.2).
macro_rules! named_bits {
    (
        $(#[$meta:meta])*
        $name:ident $(: tag($($tag:tt)+))? {
            $($(#[$cmeta:meta])* $konst:ident = $value:expr),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(rasn::AsnType, rasn::Decode, rasn::Encode, Debug, Clone, PartialEq, Eq, Default)]
        #[rasn(delegate $(, tag($($tag)+))?)]
        pub struct $name(pub rasn::types::BitString);

        impl $name {
            $($(#[$cmeta])* pub const $konst: usize = $value;)*

            /// DER value with exactly the given bits set (trailing zero bits dropped).
            pub fn from_bits(bits: &[usize]) -> Self {
                Self($crate::asn1::macros::bit_string_with(bits))
            }

            /// True when bit number `bit` is present and set.
            pub fn is_set(&self, bit: usize) -> bool {
                self.0.get(bit).is_some_and(|b| *b)
            }
        }
    };
}

/// `X ::= OCTET STRING (SIZE(n))` → newtype over `FixedOctetString<n>` (a different size
/// is a decoding error).
macro_rules! fixed_octets {
    (
        $(#[$meta:meta])*
        $name:ident, $len:literal $(, tag($($tag:tt)+))?
    ) => {
        $(#[$meta])*
        #[derive(rasn::AsnType, rasn::Decode, rasn::Encode, Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[rasn(delegate $(, tag($($tag)+))?)]
        pub struct $name(pub rasn::types::FixedOctetString<$len>);

        impl $name {
            /// Size fixed by the ASN.1 definition.
            pub const LEN: usize = $len;

            /// Wraps exactly `LEN` bytes.
            pub fn new(bytes: [u8; $len]) -> Self {
                Self(rasn::types::FixedOctetString::new(bytes))
            }

            /// The bytes.
            pub fn as_bytes(&self) -> &[u8; $len] {
                &self.0
            }
        }

        impl From<[u8; $len]> for $name {
            fn from(bytes: [u8; $len]) -> Self {
                Self::new(bytes)
            }
        }

        impl TryFrom<&[u8]> for $name {
            type Error = $crate::asn1::CodecError;
            fn try_from(bytes: &[u8]) -> Result<Self, Self::Error> {
                <[u8; $len]>::try_from(bytes)
                    .map(Self::new)
                    .map_err(|_| $crate::asn1::CodecError::Size {
                        type_name: stringify!($name),
                        expected: $len,
                        actual: bytes.len(),
                    })
            }
        }
    };
}

pub(crate) use {fixed_octets, named_bits, named_integer};

/// A BIT STRING of minimal length with the given bit numbers set.
pub(crate) fn bit_string_with(bits: &[usize]) -> rasn::types::BitString {
    let len = bits.iter().max().map_or(0, |max| max + 1);
    let mut out = rasn::types::BitString::repeat(false, len);
    for &bit in bits {
        out.set(bit, true);
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::asn1::{NotificationEvent, PprIds, encode};

    #[test]
    fn named_bits_are_der_minimal() {
        // X.690 §11.2.2: trailing zero bits are dropped, so {install} is 03 02 07 80.
        let install = NotificationEvent::from_bits(&[NotificationEvent::NOTIFICATION_INSTALL]);
        assert_eq!(encode(&install).expect("encodes"), [0x03, 0x02, 0x07, 0x80]);
        assert_eq!(
            encode(&PprIds::from_bits(&[])).expect("encodes"),
            [0x03, 0x01, 0x00]
        );
        let ppr2 = PprIds::from_bits(&[PprIds::PPR2]);
        assert_eq!(encode(&ppr2).expect("encodes"), [0x03, 0x02, 0x05, 0x20]);
        assert!(ppr2.is_set(PprIds::PPR2) && !ppr2.is_set(PprIds::PPR1) && !ppr2.is_set(99));
    }
}
