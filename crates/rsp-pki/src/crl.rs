//! Certificate revocation lists (RFC 5280 §5; SGP.22 §4.5.3 CRLs issued by the CI
//! and by EUMs): parsing, checking against the issuer at an instant, issuing.

use crate::error::PkiError;
use crate::instant;
use crate::parse::{Cert, ECDSA_WITH_SHA256, pem_blocks, pem_encode, tbs_span};
use const_oid::AssociatedOid;
use der::asn1::{BitString, OctetString};
use der::{Decode, Encode};
use rsp_crypto::Signer;
use time::OffsetDateTime;
use x509_cert::certificate::Version;
use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, CrlNumber, CrlReason};
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::AlgorithmIdentifierOwned;

/// A parsed CRL with its DER bytes as received.
#[derive(Clone, Debug)]
pub struct Crl {
    der: Vec<u8>,
    tbs_start: usize,
    tbs_end: usize,
    inner: CertificateList,
    /// The issuer Name, DER (compared with certificates' subject bytes).
    issuer_der: Vec<u8>,
}

impl Crl {
    /// Parse a DER `CertificateList`.
    pub fn from_der(der: &[u8]) -> Result<Self, PkiError> {
        let decode = |reason: String| PkiError::Decode {
            what: "CRL".into(),
            reason,
        };
        let inner = CertificateList::from_der(der).map_err(|e| decode(e.to_string()))?;
        let (tbs_start, tbs_end) = tbs_span(der).map_err(|e| decode(e.to_string()))?;
        let issuer_der = inner
            .tbs_cert_list
            .issuer
            .to_der()
            .map_err(|e| decode(e.to_string()))?;
        Ok(Crl {
            der: der.to_vec(),
            tbs_start,
            tbs_end,
            inner,
            issuer_der,
        })
    }

    /// Parse PEM (`X509 CRL`) or DER bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, PkiError> {
        if bytes.first() == Some(&0x30) {
            return Self::from_der(bytes);
        }
        let text = std::str::from_utf8(bytes).map_err(|_| PkiError::Decode {
            what: "CRL file".into(),
            reason: "neither DER nor PEM text".into(),
        })?;
        let blocks = pem_blocks(text, "X509 CRL")?;
        match blocks.as_slice() {
            [one] => Self::from_der(one),
            _ => Err(PkiError::Decode {
                what: "CRL file".into(),
                reason: "expected exactly one X509 CRL block".into(),
            }),
        }
    }

    /// The DER bytes as received.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// PEM text.
    pub fn to_pem(&self) -> String {
        pem_encode("X509 CRL", &self.der)
    }

    /// The decoded structure.
    pub fn x509(&self) -> &CertificateList {
        &self.inner
    }

    /// Issuer DN (RFC 4514).
    pub fn issuer_string(&self) -> String {
        self.inner.tbs_cert_list.issuer.to_string()
    }

    /// Was this CRL issued under the name `cert` carries as subject?
    /// Names are equal when their DER encodings are (RFC 5280 §7.1 allows more; GSMA
    /// certificates and CRLs copy the issuer name byte for byte).
    pub fn is_issued_by_name_of(&self, cert: &Cert) -> bool {
        self.issuer_der == cert.subject_der()
    }

    fn bad(&self, reason: impl Into<String>) -> PkiError {
        PkiError::BadCrl {
            issuer: self.issuer_string(),
            reason: reason.into(),
        }
    }

    /// Check the CRL against its issuer certificate at `at`: issuer name, cRLSign,
    /// signature over tbsCertList as received, thisUpdate ≤ at ≤ nextUpdate,
    /// no unknown critical extension.
    pub fn verify(&self, issuer: &Cert, at: OffsetDateTime) -> Result<(), PkiError> {
        let tbs = &self.inner.tbs_cert_list;
        if !self.is_issued_by_name_of(issuer) {
            return Err(self.bad(format!(
                "issuer name is not the subject of [{}]",
                issuer.subject_string()
            )));
        }
        let alg = &self.inner.signature_algorithm;
        if alg.oid != ECDSA_WITH_SHA256 || alg != &tbs.signature {
            return Err(self.bad("signature algorithm is not ecdsa-with-SHA256"));
        }
        match issuer.extensions().key_usage.as_ref() {
            Some((_, ku)) if ku.crl_sign() => {}
            _ => return Err(self.bad("the issuer certificate's key usage lacks cRLSign")),
        }
        let tbs_der = self.der.get(self.tbs_start..self.tbs_end).unwrap_or(&[]);
        issuer
            .public_key()
            .verify_der(tbs_der, self.inner.signature.raw_bytes())
            .map_err(|_| {
                self.bad(format!(
                    "signature does not verify with the key of [{}]",
                    issuer.subject_string()
                ))
            })?;
        let now = instant::unix(at);
        if tbs.this_update.to_unix_duration().as_secs() > now {
            return Err(self.bad(format!(
                "thisUpdate {} is after {}",
                instant::show_x509(&tbs.this_update),
                instant::show(at)
            )));
        }
        match &tbs.next_update {
            Some(next) if next.to_unix_duration().as_secs() >= now => {}
            Some(next) => {
                return Err(self.bad(format!(
                    "stale: nextUpdate {} is before {}",
                    instant::show_x509(next),
                    instant::show(at)
                )));
            }
            None => return Err(self.bad("has no nextUpdate")),
        }
        let known = [AuthorityKeyIdentifier::OID, CrlNumber::OID];
        for ext in tbs.crl_extensions.iter().flatten() {
            if ext.critical && !known.contains(&ext.extn_id) {
                return Err(self.bad(format!("unknown critical extension {}", ext.extn_id)));
            }
        }
        Ok(())
    }

    /// The revocation date of `serial` if the CRL lists it.
    pub fn revocation_of(&self, serial: &[u8]) -> Option<String> {
        self.inner
            .tbs_cert_list
            .revoked_certificates
            .iter()
            .flatten()
            .find(|r| r.serial_number.as_bytes() == serial)
            .map(|r| instant::show_x509(&r.revocation_date))
    }
}

/// Issue a CRL signed by `issuer_key` (the key of `issuer`), listing the serial numbers
/// of `revoked`, valid from `this_update` to `next_update` (RFC 5280 §5; cRLNumber and
/// authorityKeyIdentifier extensions as §5.2 requires).
pub fn issue_crl(
    issuer: &Cert,
    issuer_key: &dyn Signer,
    crl_number: u64,
    revoked: &[&Cert],
    this_update: OffsetDateTime,
    next_update: OffsetDateTime,
) -> Result<Crl, PkiError> {
    let err = |reason: String| PkiError::Issue {
        what: "CRL".into(),
        reason,
    };
    let e = |x: der::Error| err(x.to_string());
    let this = instant::to_x509(this_update).map_err(e)?;
    let next = instant::to_x509(next_update).map_err(e)?;
    let revoked_certificates = revoked
        .iter()
        .map(|c| -> Result<RevokedCert, PkiError> {
            let reason = Extension {
                extn_id: CrlReason::OID,
                critical: false,
                extn_value: OctetString::new(CrlReason::KeyCompromise.to_der().map_err(e)?)
                    .map_err(e)?,
            };
            Ok(RevokedCert {
                serial_number: SerialNumber::new(c.serial()).map_err(e)?,
                revocation_date: this,
                crl_entry_extensions: Some(vec![reason]),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let number = CrlNumber(der::asn1::Uint::new(&crl_number.to_be_bytes()).map_err(e)?);
    let aki = AuthorityKeyIdentifier {
        key_identifier: issuer
            .subject_key_id()
            .map(OctetString::new)
            .transpose()
            .map_err(e)?,
        authority_cert_issuer: None,
        authority_cert_serial_number: None,
    };
    let ext = |oid, der: Vec<u8>| -> Result<Extension, PkiError> {
        Ok(Extension {
            extn_id: oid,
            critical: false,
            extn_value: OctetString::new(der).map_err(e)?,
        })
    };
    let alg = AlgorithmIdentifierOwned {
        oid: ECDSA_WITH_SHA256,
        parameters: None,
    };
    let tbs = TbsCertList {
        version: Version::V2,
        signature: alg.clone(),
        issuer: issuer.x509().tbs_certificate().subject().clone(),
        this_update: this,
        next_update: Some(next),
        revoked_certificates: if revoked_certificates.is_empty() {
            None
        } else {
            Some(revoked_certificates)
        },
        crl_extensions: Some(vec![
            ext(AuthorityKeyIdentifier::OID, aki.to_der().map_err(e)?)?,
            ext(CrlNumber::OID, number.to_der().map_err(e)?)?,
        ]),
    };
    let tbs_der = tbs.to_der().map_err(e)?;
    let sig = issuer_key
        .sign_der(&tbs_der)
        .map_err(|x| err(x.to_string()))?;
    let list = CertificateList {
        tbs_cert_list: tbs,
        signature_algorithm: alg,
        signature: BitString::from_bytes(&sig).map_err(e)?,
    };
    Crl::from_der(&list.to_der().map_err(e)?)
}
