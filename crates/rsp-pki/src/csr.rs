//! Certificate signing requests (PKCS#10, RFC 2986) for the GSMA role certificates, so an
//! operator can ask a Certificate Issuer for production certificates (SGP.14 for the
//! profile; SGP.22 v2.5 §4.5.2.1): the subject, the public key, and an `extensionRequest`
//! attribute (RFC 2985 §5.4.2) carrying the extensions of the role's profile — key usage,
//! extended key usage (TLS), certificate policy, subjectAltName (dNSName for TLS,
//! registeredID for the SM-DP+ / SM-DS entity OID), basic constraints for CAs. The CA adds
//! its authorityKeyIdentifier and may replace the subjectKeyIdentifier.
//!
//! Signed by any [`rsp_crypto::Signer`] (software key or HSM) holding the requested key.

use der::asn1::BitString;
use der::{Decode, Encode};
use rsp_crypto::{PublicKey, Signer};
use x509_cert::attr::Attribute;
use x509_cert::der::asn1::SetOfVec;
use x509_cert::request::{CertReq, CertReqInfo, ExtensionReq, Version};
use x509_cert::spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

use crate::error::PkiError;
use crate::issue::{CertRequest, role_extensions};
use crate::parse::ECDSA_WITH_SHA256;

/// `id-ce-subjectAltName`.
const SAN_OID: const_oid::ObjectIdentifier = const_oid::ObjectIdentifier::new_unwrap("2.5.29.17");

/// A DER-encoded certification request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Csr {
    der: Vec<u8>,
    parsed: CertReq,
}

fn csr_err(reason: impl ToString) -> PkiError {
    PkiError::Issue {
        what: "certificate signing request".into(),
        reason: reason.to_string(),
    }
}

impl Csr {
    /// The DER bytes.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// PEM (`CERTIFICATE REQUEST`).
    pub fn to_pem(&self) -> String {
        der::pem::encode_string("CERTIFICATE REQUEST", der::pem::LineEnding::LF, &self.der)
            .unwrap_or_default()
    }

    /// Parses DER or PEM and checks the self-signature.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, PkiError> {
        let der = match std::str::from_utf8(bytes) {
            Ok(text) if text.contains("-----BEGIN") => {
                let (label, der) = der::pem::decode_vec(text.trim().as_bytes()).map_err(csr_err)?;
                if label != "CERTIFICATE REQUEST" {
                    return Err(csr_err(format!("PEM label {label}")));
                }
                der
            }
            _ => bytes.to_vec(),
        };
        let parsed = CertReq::from_der(&der).map_err(csr_err)?;
        let csr = Csr { der, parsed };
        csr.verify_signature()?;
        Ok(csr)
    }

    /// The requested public key.
    pub fn public_key(&self) -> Result<PublicKey, PkiError> {
        let spki = self.parsed.info.public_key.to_der().map_err(csr_err)?;
        PublicKey::from_spki_der(&spki).map_err(csr_err)
    }

    /// The subject, RFC 4514.
    pub fn subject(&self) -> String {
        self.parsed.info.subject.to_string()
    }

    /// The requested subjectAltName: its dNSNames and its registeredID, if any.
    pub fn san(&self) -> (Vec<String>, Option<String>) {
        let mut dns = Vec::new();
        let mut rid = None;
        let entries = self
            .extensions()
            .into_iter()
            .filter(|e| e.extn_id == SAN_OID)
            .filter_map(|e| crate::san::decode(e.extn_value.as_bytes()).ok())
            .flatten();
        for entry in entries {
            match entry {
                crate::san::SanEntry::Dns(d) => dns.push(d),
                crate::san::SanEntry::RegisteredId(r) => rid = Some(r),
                crate::san::SanEntry::Other(_) => {}
            }
        }
        (dns, rid)
    }

    /// The requested extensions.
    pub fn extensions(&self) -> Vec<x509_cert::ext::Extension> {
        self.parsed
            .info
            .attributes
            .iter()
            .filter(|a| a.oid == <ExtensionReq as const_oid::AssociatedOid>::OID)
            .flat_map(|a| a.values.iter())
            .filter_map(|v| v.decode_as::<Vec<x509_cert::ext::Extension>>().ok())
            .flatten()
            .collect()
    }

    /// The signature verifies with the requested key (proof of possession).
    fn verify_signature(&self) -> Result<(), PkiError> {
        let info = self.parsed.info.to_der().map_err(csr_err)?;
        let sig = self
            .parsed
            .signature
            .as_bytes()
            .ok_or_else(|| csr_err("signature with unused bits"))?;
        if self.parsed.algorithm.oid != ECDSA_WITH_SHA256 {
            return Err(csr_err("signature algorithm is not ecdsa-with-SHA256"));
        }
        self.public_key()?
            .verify_der(&info, sig)
            .map_err(|_| csr_err("the request's signature does not verify"))
    }
}

/// A CSR for `req` (its role, subject, key, dNSNames, registeredID), signed by `signer`,
/// which must hold the key of `req.public_key`.
pub fn csr(req: &CertRequest, signer: &dyn Signer) -> Result<Csr, PkiError> {
    if signer.public_key() != &req.public_key {
        return Err(csr_err("the signing key is not the requested key"));
    }
    let extensions = role_extensions(req, None).map_err(csr_err)?;
    let mut attributes: SetOfVec<Attribute> = SetOfVec::new();
    attributes
        .insert(Attribute::try_from(ExtensionReq(extensions)).map_err(csr_err)?)
        .map_err(csr_err)?;
    let info = CertReqInfo {
        version: Version::V1,
        subject: req.subject.clone(),
        public_key: SubjectPublicKeyInfoOwned::from_der(&req.public_key.to_spki_der())
            .map_err(csr_err)?,
        attributes,
    };
    let info_der = info.to_der().map_err(csr_err)?;
    let signature = signer.sign_der(&info_der).map_err(csr_err)?;
    let request = CertReq {
        info,
        algorithm: AlgorithmIdentifierOwned {
            oid: ECDSA_WITH_SHA256,
            parameters: None,
        },
        signature: BitString::from_bytes(&signature).map_err(csr_err)?,
    };
    let der = request.to_der().map_err(csr_err)?;
    Ok(Csr {
        der,
        parsed: request,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::{Role, TestPkiOptions, request_for};
    use rsp_crypto::{Curve, SoftwareKey};

    #[test]
    fn role_csrs_verify_and_carry_the_profile() {
        for curve in [Curve::NistP256, Curve::BrainpoolP256r1] {
            for role in [
                Role::DpAuth,
                Role::DpPb,
                Role::DpTls,
                Role::DsAuth,
                Role::Eim,
            ] {
                let key = SoftwareKey::generate(curve).unwrap();
                let req = request_for(role, &key, &TestPkiOptions::default()).unwrap();
                let csr = csr(&req, &key).unwrap();
                let parsed = Csr::from_bytes(csr.to_pem().as_bytes()).unwrap();
                assert_eq!(parsed.public_key().unwrap(), *key.public_key());
                assert_eq!(parsed.subject(), req.subject.to_string());
                let oids: Vec<String> = parsed
                    .extensions()
                    .iter()
                    .map(|e| e.extn_id.to_string())
                    .collect();
                assert!(oids.contains(&"2.5.29.15".to_owned()), "{role:?} keyUsage");
                if let Some(policy) = role.policy_oid() {
                    assert!(oids.contains(&"2.5.29.32".to_owned()), "{role:?} {policy}");
                }
                assert!(
                    !oids.contains(&"2.5.29.35".to_owned()),
                    "no AKI in a request"
                );
                // A tampered request fails its proof of possession.
                let mut der = csr.der().to_vec();
                let n = der.len();
                der[n - 5] ^= 1;
                assert!(Csr::from_bytes(&der).is_err());
            }
        }
        let key = SoftwareKey::generate(Curve::NistP256).unwrap();
        let other = SoftwareKey::generate(Curve::NistP256).unwrap();
        let req = request_for(Role::DpTls, &key, &TestPkiOptions::default()).unwrap();
        assert!(csr(&req, &other).is_err());
    }
}
