//! Issuing certificates with the GSMA profiles (SGP.22 v2.5 §4.5.2.1, mirroring the
//! SGP.26 test certificates): build the tbsCertificate with x509-cert types, DER-encode
//! it, sign it with any [`rsp_crypto::Signer`] (software key or HSM), assemble.

use crate::error::PkiError;
use crate::instant;
use crate::parse::{Cert, ECDSA_WITH_SHA256};
use crate::profile::{ID_KP_CLIENT_AUTH, ID_KP_SERVER_AUTH};
use crate::role::Role;
use crate::san::SanEntry;
use const_oid::AssociatedOid;
use der::asn1::{AnyRef, BitString, Ia5String, ObjectIdentifier, OctetString};
use der::{Decode, Encode, Sequence};
use rsp_crypto::{PublicKey, Signer};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use x509_cert::certificate::Version;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::constraints::name::GeneralSubtree;
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, CertificatePolicies, CrlDistributionPoints,
    ExtendedKeyUsage, KeyUsage, KeyUsages, NameConstraints, SubjectAltName, SubjectKeyIdentifier,
    certpolicy::PolicyInformation,
};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::time::Validity;

/// What to put in a new certificate; the extensions follow from `role`.
#[derive(Clone, Debug)]
pub struct CertRequest {
    /// The role whose profile the certificate follows.
    pub role: Role,
    /// Subject DN.
    pub subject: Name,
    /// The certified public key.
    pub public_key: PublicKey,
    /// Serial number (positive, big-endian); `None` draws 16 random bytes.
    pub serial: Option<Vec<u8>>,
    /// Start of validity.
    pub not_before: OffsetDateTime,
    /// End of validity; `None` means 9999-12-31T23:59:59Z (RFC 5280 "no expiry").
    pub not_after: Option<OffsetDateTime>,
    /// subjectAltName dNSName entries (TLS certificates).
    pub dns_names: Vec<String>,
    /// subjectAltName registeredID, dotted (the entity's OID, e.g. `2.999.10`).
    pub registered_id: Option<String>,
    /// EUM only: the permitted subtree (organization, EID prefix) of nameConstraints.
    pub eum_range: Option<(String, String)>,
    /// cRLDistributionPoints URIs.
    pub crl_urls: Vec<String>,
}

impl CertRequest {
    /// A request with no optional fields set.
    pub fn new(
        role: Role,
        subject: Name,
        public_key: PublicKey,
        not_before: OffsetDateTime,
    ) -> Self {
        CertRequest {
            role,
            subject,
            public_key,
            serial: None,
            not_before,
            not_after: None,
            dns_names: Vec::new(),
            registered_id: None,
            eum_range: None,
            crl_urls: Vec::new(),
        }
    }
}

/// Parse an RFC 4514 DN (`CN=Test CI,O=RSPTEST,C=IT`); C and serialNumber become
/// PrintableString, other attributes UTF8String, as in SGP.26.
pub fn parse_name(dn: &str) -> Result<Name, PkiError> {
    dn.parse::<Name>().map_err(|e| PkiError::Issue {
        what: format!("name {dn:?}"),
        reason: e.to_string(),
    })
}

/// Subject key identifier: the leftmost 160 bits of SHA-256 of the subjectPublicKey
/// BIT STRING value (RFC 7093 §2 method 1).
pub fn key_identifier(public_key: &PublicKey) -> Vec<u8> {
    let digest = Sha256::digest(public_key.sec1_uncompressed());
    digest.iter().take(20).copied().collect()
}

/// The tbsCertificate as we emit it (x509-cert keeps its own fields private).
#[derive(Sequence)]
struct TbsOut {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    version: Version,
    serial_number: SerialNumber,
    signature: AlgorithmIdentifierOwned,
    issuer: Name,
    validity: Validity,
    subject: Name,
    subject_public_key_info: SubjectPublicKeyInfoOwned,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT")]
    extensions: Vec<Extension>,
}

/// Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }.
#[derive(Sequence)]
struct CertOut<'a> {
    tbs: AnyRef<'a>,
    signature_algorithm: AlgorithmIdentifierOwned,
    signature: BitString,
}

fn issue_err(role: Role, reason: impl ToString) -> PkiError {
    PkiError::Issue {
        what: format!("{} certificate", role.label()),
        reason: reason.to_string(),
    }
}

/// Issue a certificate for `req`, signed by `signer`. `issuer` is the issuing CA's
/// certificate; `None` makes a self-signed certificate (the CI), in which case
/// `signer` must hold the key of `req.public_key`.
pub fn issue(
    req: &CertRequest,
    issuer: Option<&Cert>,
    signer: &dyn Signer,
) -> Result<Cert, PkiError> {
    let role = req.role;
    let e = |x: der::Error| issue_err(role, x);
    let (issuer_name, issuer_ski) = match issuer {
        Some(ca) => (
            ca.x509().tbs_certificate().subject().clone(),
            ca.subject_key_id()
                .map(<[u8]>::to_vec)
                .ok_or_else(|| issue_err(role, "issuer certificate has no subjectKeyIdentifier"))?,
        ),
        None => (req.subject.clone(), key_identifier(&req.public_key)),
    };
    let expected_key = issuer.map_or(&req.public_key, Cert::public_key);
    if signer.public_key() != expected_key {
        return Err(issue_err(
            role,
            "the signing key does not belong to the issuer certificate",
        ));
    }
    let serial = match &req.serial {
        Some(s) => s.clone(),
        None => random_serial().map_err(|x| issue_err(role, x))?,
    };
    let not_after = match req.not_after {
        Some(t) => instant::to_x509(t).map_err(e)?,
        None => instant::no_expiry().map_err(e)?,
    };
    let alg = AlgorithmIdentifierOwned {
        oid: ECDSA_WITH_SHA256,
        parameters: None,
    };
    let tbs = TbsOut {
        version: Version::V3,
        serial_number: SerialNumber::new(&serial).map_err(e)?,
        signature: alg.clone(),
        issuer: issuer_name,
        validity: Validity::new(instant::to_x509(req.not_before).map_err(e)?, not_after),
        subject: req.subject.clone(),
        subject_public_key_info: SubjectPublicKeyInfoOwned::from_der(&req.public_key.to_spki_der())
            .map_err(e)?,
        extensions: role_extensions(req, issuer.map(|_| issuer_ski.as_slice())).map_err(e)?,
    };
    let tbs_der = tbs.to_der().map_err(e)?;
    let sig = signer.sign_der(&tbs_der).map_err(|x| issue_err(role, x))?;
    let cert = CertOut {
        tbs: AnyRef::from_der(&tbs_der).map_err(e)?,
        signature_algorithm: alg,
        signature: BitString::from_bytes(&sig).map_err(e)?,
    };
    Cert::from_der(&cert.to_der().map_err(e)?)
}

/// 16 random bytes, positive, no leading zero (RFC 5280 §4.1.2.2: ≤ 20 octets).
fn random_serial() -> Result<Vec<u8>, getrandom::Error> {
    let mut s = [0u8; 16];
    getrandom::fill(&mut s)?;
    if let Some(first) = s.first_mut() {
        *first = (*first & 0x7f) | 0x10;
    }
    Ok(s.to_vec())
}

fn ext(oid: ObjectIdentifier, critical: bool, value: &impl Encode) -> der::Result<Extension> {
    Ok(Extension {
        extn_id: oid,
        critical,
        extn_value: OctetString::new(value.to_der()?)?,
    })
}

/// The extensions of the role's profile, in SGP.26 order.
pub(crate) fn role_extensions(
    req: &CertRequest,
    issuer_ski: Option<&[u8]>,
) -> der::Result<Vec<Extension>> {
    let role = req.role;
    let mut out = Vec::new();
    let aki = issuer_ski
        .map(|k| -> der::Result<_> {
            ext(
                AuthorityKeyIdentifier::OID,
                false,
                &AuthorityKeyIdentifier {
                    key_identifier: Some(OctetString::new(k)?),
                    authority_cert_issuer: None,
                    authority_cert_serial_number: None,
                },
            )
        })
        .transpose()?;
    out.extend(aki);
    let ski = SubjectKeyIdentifier(OctetString::new(key_identifier(&req.public_key))?);
    out.push(ext(SubjectKeyIdentifier::OID, false, &ski)?);
    let usage = if role.is_ca() {
        if role == Role::Eum {
            KeyUsages::KeyCertSign.into()
        } else {
            KeyUsages::KeyCertSign | KeyUsages::CRLSign
        }
    } else {
        KeyUsages::DigitalSignature.into()
    };
    out.push(ext(KeyUsage::OID, true, &KeyUsage(usage))?);
    match role {
        Role::DpTls | Role::DsTls => {
            let eku = ExtendedKeyUsage(vec![ID_KP_SERVER_AUTH, ID_KP_CLIENT_AUTH]);
            out.push(ext(ExtendedKeyUsage::OID, true, &eku)?);
        }
        Role::Mno => {
            let eku = ExtendedKeyUsage(vec![ID_KP_CLIENT_AUTH]);
            out.push(ext(ExtendedKeyUsage::OID, false, &eku)?);
        }
        _ => {}
    }
    if let Some(oid) = role.policy_oid() {
        let policies = CertificatePolicies(vec![PolicyInformation {
            policy_identifier: oid,
            policy_qualifiers: None,
        }]);
        // SGP.26 marks the policies critical except on TLS certificates.
        out.push(ext(
            CertificatePolicies::OID,
            !role.is_tls_server(),
            &policies,
        )?);
    }
    let mut san: Vec<SanEntry> = req.dns_names.iter().cloned().map(SanEntry::Dns).collect();
    san.extend(req.registered_id.clone().map(SanEntry::RegisteredId));
    if !san.is_empty() {
        out.push(Extension {
            extn_id: SubjectAltName::OID,
            critical: false,
            extn_value: OctetString::new(crate::san::encode(&san)?)?,
        });
    }
    if role.is_ca() {
        let bc = BasicConstraints {
            ca: true,
            path_len_constraint: (role != Role::Ci).then_some(0),
        };
        out.push(ext(BasicConstraints::OID, true, &bc)?);
    }
    if !req.crl_urls.is_empty() {
        let points = req
            .crl_urls
            .iter()
            .map(|u| -> der::Result<DistributionPoint> {
                Ok(DistributionPoint {
                    distribution_point: Some(DistributionPointName::FullName(vec![
                        GeneralName::UniformResourceIdentifier(Ia5String::new(u)?),
                    ])),
                    reasons: None,
                    crl_issuer: None,
                })
            })
            .collect::<der::Result<Vec<_>>>()?;
        out.push(ext(
            CrlDistributionPoints::OID,
            false,
            &CrlDistributionPoints(points),
        )?);
    }
    if let (Role::Eum, Some((org, prefix))) = (role, &req.eum_range) {
        let dn = eum_subtree_name(org, prefix)?;
        let nc = NameConstraints {
            permitted_subtrees: Some(vec![GeneralSubtree {
                base: GeneralName::DirectoryName(dn),
                minimum: 0,
                maximum: None,
            }]),
            excluded_subtrees: None,
        };
        out.push(ext(NameConstraints::OID, true, &nc)?);
    }
    Ok(out)
}

/// `O=<org>, serialNumber=<EID prefix>` as SGP.26 encodes it (O first).
fn eum_subtree_name(org: &str, prefix: &str) -> der::Result<Name> {
    format!(
        "serialNumber={},O={}",
        escape_dn_value(prefix),
        escape_dn_value(org)
    )
    .parse::<Name>()
}

/// Escape an attribute value for an RFC 4514 string (§2.4).
pub fn escape_dn_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for (i, c) in value.chars().enumerate() {
        let special = matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';' | '=')
            || (i == 0 && matches!(c, '#' | ' '));
        if special {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
