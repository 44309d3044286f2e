//! The two curves GSMA RSP mandates (SGP.22 §2.6.5: NIST P-256 and brainpoolP256r1).

use der::asn1::ObjectIdentifier;

/// Elliptic curve of an RSP key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Curve {
    /// NIST P-256 (secp256r1, prime256v1).
    NistP256,
    /// brainpoolP256r1 (RFC 5639).
    BrainpoolP256r1,
}

pub(crate) const OID_NIST_P256: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
pub(crate) const OID_BRAINPOOL_P256R1: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.36.3.3.2.8.1.1.7");
/// id-ecPublicKey (RFC 5480).
pub(crate) const OID_EC_PUBLIC_KEY: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");

impl Curve {
    /// Both curves, NIST first.
    pub const ALL: [Curve; 2] = [Curve::NistP256, Curve::BrainpoolP256r1];

    /// Dotted named-curve OID.
    pub fn oid(self) -> &'static str {
        match self {
            Curve::NistP256 => "1.2.840.10045.3.1.7",
            Curve::BrainpoolP256r1 => "1.3.36.3.3.2.8.1.1.7",
        }
    }

    /// Curve for a dotted named-curve OID.
    pub fn from_oid(oid: &str) -> Option<Curve> {
        Curve::ALL.into_iter().find(|c| c.oid() == oid)
    }

    /// Short name used for directory names: `nist` / `brainpool`.
    pub fn name(self) -> &'static str {
        match self {
            Curve::NistP256 => "nist",
            Curve::BrainpoolP256r1 => "brainpool",
        }
    }

    pub(crate) fn object_identifier(self) -> ObjectIdentifier {
        match self {
            Curve::NistP256 => OID_NIST_P256,
            Curve::BrainpoolP256r1 => OID_BRAINPOOL_P256R1,
        }
    }

    pub(crate) fn from_object_identifier(
        oid: &ObjectIdentifier,
    ) -> Result<Curve, crate::CryptoError> {
        if *oid == OID_NIST_P256 {
            Ok(Curve::NistP256)
        } else if *oid == OID_BRAINPOOL_P256R1 {
            Ok(Curve::BrainpoolP256r1)
        } else {
            Err(crate::CryptoError::UnsupportedCurve(oid.to_string()))
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn oid_round_trip() {
        for c in Curve::ALL {
            assert_eq!(Curve::from_oid(c.oid()), Some(c));
            assert_eq!(c.object_identifier().to_string(), c.oid());
            assert_eq!(Curve::from_object_identifier(&c.object_identifier()), Ok(c));
        }
        assert_eq!(Curve::from_oid("1.3.132.0.34"), None);
        assert_eq!(Curve::NistP256.name(), "nist");
        assert_eq!(Curve::BrainpoolP256r1.name(), "brainpool");
    }
}
