//! The checks an eUICC makes before it installs a Profile Package (TCA SAIP v3.3.1 §8.1,
//! SGP.22 §2.5.6, SGP.02 §3.1.3): canonical DER elements, `ProfileHeader` first, `PE-End`
//! last, no validation error ([`crate::validate()`]; warnings do not stop it). Shared by
//! the consumer and the M2M virtual eUICCs.

use crate::model::{ProfileElement, ProfileHeader};
use crate::{ProfilePackage, Severity, bcd, validate};

/// Why a package cannot be installed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InstallCheckError {
    /// Not a sequence of DER profile elements.
    #[error("the package does not decode")]
    Decode,
    /// The first element is not a `ProfileHeader`, or the last not `PE-End`.
    #[error("the package does not open with a header and close with PE-End")]
    Structure,
    /// The validation rules found an error.
    #[error("the package breaks a validation rule")]
    Invalid,
}

/// A package that passed the checks.
#[derive(Debug, Clone)]
pub struct Installable {
    /// The decoded package.
    pub package: ProfilePackage,
}

impl Installable {
    /// The header (present by construction).
    pub fn header(&self) -> Option<&ProfileHeader> {
        match self.package.elements.first().and_then(|e| e.pe()) {
            Some(ProfileElement::Header(h)) => Some(h),
            _ => None,
        }
    }

    /// The header's ICCID digits (plain BCD as in the TS.48 profiles).
    pub fn iccid(&self) -> Option<String> {
        self.header().map(|h| bcd::decode_plain(&h.iccid))
    }
}

/// Decodes `der` and checks it can be installed.
pub fn check(der: &[u8]) -> Result<Installable, InstallCheckError> {
    let package = ProfilePackage::decode(der).map_err(|_| InstallCheckError::Decode)?;
    let first = package.elements.first().and_then(|e| e.pe());
    let last = package.elements.last().and_then(|e| e.pe());
    if !matches!(first, Some(ProfileElement::Header(_)))
        || !matches!(last, Some(ProfileElement::End(_)))
    {
        return Err(InstallCheckError::Structure);
    }
    if validate(&package)
        .iter()
        .any(|f| f.severity == Severity::Error)
    {
        return Err(InstallCheckError::Invalid);
    }
    Ok(Installable { package })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::template;

    #[test]
    fn the_template_is_installable_and_damage_is_named() {
        let der = template::generic().encode().unwrap();
        let ok = check(&der).unwrap();
        assert_eq!(ok.iccid().as_deref(), Some(template::values::ICCID));
        assert_eq!(
            check(&der[..der.len() - 1]).unwrap_err(),
            InstallCheckError::Decode
        );
        // Without its last element (PE-End) the package still decodes.
        let mut pkg = template::generic();
        pkg.elements.pop();
        let cut = pkg.encode().unwrap();
        assert_eq!(check(&cut).unwrap_err(), InstallCheckError::Structure);
    }
}
