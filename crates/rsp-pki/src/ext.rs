//! Decoding the X.509 extensions the GSMA certificate profiles use (SGP.22 §4.5.2.1).

use crate::error::{CertId, PkiError};
use crate::san::SanEntry;
use const_oid::AssociatedOid;
use der::Decode;
use der::asn1::ObjectIdentifier;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, CertificatePolicies, CrlDistributionPoints,
    ExtendedKeyUsage, KeyUsage, NameConstraints, SubjectAltName, SubjectKeyIdentifier,
};

/// The extensions of one certificate, decoded. Each appears at most once (RFC 5280 §4.2).
#[derive(Clone, Debug, Default)]
pub struct CertExtensions {
    /// subjectKeyIdentifier.
    pub ski: Option<Vec<u8>>,
    /// authorityKeyIdentifier.keyIdentifier.
    pub aki: Option<Vec<u8>>,
    /// keyUsage and its criticality.
    pub key_usage: Option<(bool, KeyUsage)>,
    /// basicConstraints and its criticality.
    pub basic_constraints: Option<(bool, BasicConstraints)>,
    /// certificatePolicies: the policy identifiers.
    pub policies: Option<Vec<ObjectIdentifier>>,
    /// nameConstraints and its criticality.
    pub name_constraints: Option<(bool, NameConstraints)>,
    /// extendedKeyUsage purposes.
    pub ext_key_usage: Option<Vec<ObjectIdentifier>>,
    /// subjectAltName.
    pub subject_alt_name: Option<Vec<SanEntry>>,
}

impl CertExtensions {
    /// Decode `exts`; duplicates, undecodable known extensions and unknown critical
    /// extensions are errors.
    /// `id` names the certificate in an error; it is only called on failure (formatting a
    /// DN costs more than decoding the extensions).
    pub(crate) fn decode(
        exts: Option<&[Extension]>,
        id: &dyn Fn() -> Box<CertId>,
    ) -> Result<Self, PkiError> {
        let mut out = CertExtensions::default();
        let mut seen: Vec<&ObjectIdentifier> = Vec::new();
        for ext in exts.unwrap_or(&[]) {
            if seen.contains(&&ext.extn_id) {
                return Err(PkiError::BadExtension {
                    cert: id(),
                    extension: ext_name(&ext.extn_id),
                    reason: "appears more than once".into(),
                });
            }
            seen.push(&ext.extn_id);
            let bytes = ext.extn_value.as_bytes();
            let oid = ext.extn_id;
            let name = ext_name(&oid);
            let bad = |e: der::Error| PkiError::BadExtension {
                cert: id(),
                extension: name,
                reason: e.to_string(),
            };
            if oid == SubjectKeyIdentifier::OID {
                let v = SubjectKeyIdentifier::from_der(bytes).map_err(bad)?;
                out.ski = Some(v.0.as_bytes().to_vec());
            } else if oid == AuthorityKeyIdentifier::OID {
                let v = AuthorityKeyIdentifier::from_der(bytes).map_err(bad)?;
                out.aki = v.key_identifier.map(|k| k.as_bytes().to_vec());
            } else if oid == KeyUsage::OID {
                out.key_usage = Some((ext.critical, KeyUsage::from_der(bytes).map_err(bad)?));
            } else if oid == BasicConstraints::OID {
                let v = BasicConstraints::from_der(bytes).map_err(bad)?;
                out.basic_constraints = Some((ext.critical, v));
            } else if oid == CertificatePolicies::OID {
                let v = CertificatePolicies::from_der(bytes).map_err(bad)?;
                out.policies = Some(v.0.into_iter().map(|p| p.policy_identifier).collect());
            } else if oid == NameConstraints::OID {
                let v = NameConstraints::from_der(bytes).map_err(bad)?;
                out.name_constraints = Some((ext.critical, v));
            } else if oid == ExtendedKeyUsage::OID {
                out.ext_key_usage = Some(ExtendedKeyUsage::from_der(bytes).map_err(bad)?.0);
            } else if oid == SubjectAltName::OID {
                out.subject_alt_name = Some(crate::san::decode(bytes).map_err(bad)?);
            } else if oid == CrlDistributionPoints::OID {
                CrlDistributionPoints::from_der(bytes).map_err(bad)?;
                if ext.critical {
                    return Err(PkiError::BadExtension {
                        cert: id(),
                        extension: name,
                        reason: "must not be critical".into(),
                    });
                }
            } else if ext.critical {
                return Err(PkiError::UnknownCriticalExtension {
                    cert: id(),
                    oid: oid.to_string(),
                });
            }
        }
        Ok(out)
    }
}

/// A short name of an extension for messages.
pub(crate) fn ext_name(oid: &ObjectIdentifier) -> &'static str {
    match *oid {
        o if o == SubjectKeyIdentifier::OID => "subjectKeyIdentifier",
        o if o == AuthorityKeyIdentifier::OID => "authorityKeyIdentifier",
        o if o == KeyUsage::OID => "keyUsage",
        o if o == BasicConstraints::OID => "basicConstraints",
        o if o == CertificatePolicies::OID => "certificatePolicies",
        o if o == NameConstraints::OID => "nameConstraints",
        o if o == ExtendedKeyUsage::OID => "extendedKeyUsage",
        o if o == SubjectAltName::OID => "subjectAltName",
        o if o == CrlDistributionPoints::OID => "cRLDistributionPoints",
        _ => "extension",
    }
}
