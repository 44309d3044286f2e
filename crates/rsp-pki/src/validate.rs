//! Certificate path validation with the GSMA RSP rules.
//!
//! Chains (SGP.22 v2.5 §4.5.2, SGP.32 §2.4): CI → EUM → eUICC, and
//! CI → [sub-CA] → DPauth / DPpb / DPtls / DSauth / DStls / eIM / operator.
//! Each link: issuer name = issuer subject, authorityKeyIdentifier = issuer's
//! subjectKeyIdentifier, ECDSA-SHA256 signature over the tbsCertificate as
//! received, issuer is a CA allowed to sign certificates. Each certificate:
//! validity at the given instant and the profile of its role (§4.5.2.1):
//! keyUsage, basicConstraints, role policy in certificatePolicies, EKU for TLS.
//! eUICC: EID in the subject serialNumber, inside the EUM's permitted prefix.
//! CRLs of the issuers (§4.5.3), when configured, are checked last.

use crate::crl::Crl;
use crate::error::{CertId, PkiError};
use crate::euicc::check_eid_rules;
use crate::instant;
use crate::memo::SignatureMemo;
use crate::parse::Cert;
use crate::parse_memo::ParseMemo;
use crate::profile::check_profile;
use crate::role::Role;
use time::OffsetDateTime;

/// The most intermediates between a leaf and the CI (sub-CA or EUM).
const MAX_INTERMEDIATES: usize = 1;

/// The configured trust anchors (CI certificates) and CRLs.
#[derive(Clone, Debug, Default)]
pub struct TrustStore {
    cis: Vec<Cert>,
    crls: Vec<Crl>,
    /// Signatures by CI keys already verified.
    memo: SignatureMemo,
    /// Intermediate certificates already parsed.
    parsed: ParseMemo,
}

/// A chain that passed every check.
#[derive(Clone, Debug)]
pub struct ValidatedChain {
    /// The role the leaf was validated for.
    pub role: Role,
    /// The end-entity (or the CA validated as a leaf).
    pub leaf: Cert,
    /// Intermediates from the leaf's issuer upwards (EUM or sub-CA).
    pub intermediates: Vec<Cert>,
    /// The trusted CI the chain ends at.
    pub ci: Cert,
    /// The EID of an eUICC certificate.
    pub eid: Option<String>,
}

impl ValidatedChain {
    /// The subject key identifier of the CI (the `euiccCiPKId` of SGP.22).
    pub fn ci_key_id(&self) -> &[u8] {
        self.ci.subject_key_id().unwrap_or(&[])
    }

    /// Fail unless the chain's EID is `expected`.
    pub fn expect_eid(&self, expected: &str) -> Result<(), PkiError> {
        match &self.eid {
            Some(eid) if eid == expected => Ok(()),
            found => Err(PkiError::EidMismatch {
                cert: self.leaf.id(self.role.label()),
                found: found.clone().unwrap_or_else(|| "(none)".into()),
                expected: expected.to_owned(),
            }),
        }
    }
}

/// One certificate of a path under construction, with the label errors use.
pub(crate) struct Node<'a> {
    pub cert: &'a Cert,
    pub role: Role,
}

impl Node<'_> {
    pub(crate) fn id(&self) -> Box<CertId> {
        self.cert.id(self.role.label())
    }
}

impl TrustStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// A store trusting `cis`.
    pub fn with_cis(cis: impl IntoIterator<Item = Cert>) -> Self {
        TrustStore {
            cis: cis.into_iter().collect(),
            crls: Vec::new(),
            memo: SignatureMemo::default(),
            parsed: ParseMemo::default(),
        }
    }

    /// Trust one more CI certificate.
    pub fn add_ci(&mut self, ci: Cert) {
        self.cis.push(ci);
    }

    /// Check certificates against this CRL (it is verified at validation time).
    pub fn add_crl(&mut self, crl: Crl) {
        self.crls.push(crl);
    }

    /// The trusted CI certificates.
    pub fn cis(&self) -> &[Cert] {
        &self.cis
    }

    /// [`Cert::from_der`] for an intermediate certificate that many chains share (an EUM
    /// certificate): bytes seen before are not parsed again. Not for per-device
    /// certificates, which would only fill the memo.
    pub fn parse_intermediate(&self, der: &[u8]) -> Result<Cert, PkiError> {
        self.parsed.parse(der)
    }

    /// The CI with this subject key identifier.
    pub fn ci_by_key_id(&self, ski: &[u8]) -> Option<&Cert> {
        self.cis.iter().find(|c| c.subject_key_id() == Some(ski))
    }

    /// Validate `leaf` for `role` at the instant `at`, building the path through
    /// `intermediates` (any order) to a trusted CI.
    pub fn validate(
        &self,
        leaf: &Cert,
        intermediates: &[Cert],
        role: Role,
        at: OffsetDateTime,
    ) -> Result<ValidatedChain, PkiError> {
        let path = self.build_path(leaf, intermediates, role)?;
        check_shape(&path, role)?;
        // Links, leaf first: names, key identifiers, signatures, CA rights.
        for (i, pair) in path.windows(2).enumerate() {
            if let [child, parent] = pair {
                check_link(child, parent, i, &self.memo)?;
            }
        }
        if let Some(ci) = path.last() {
            check_self_signed(ci, &self.memo)?;
        }
        for node in &path {
            check_validity(node, at)?;
            check_profile(node)?;
        }
        let eid = if role == Role::Euicc {
            match path.as_slice() {
                [euicc, eum, _ci] => Some(check_eid_rules(euicc, eum)?),
                _ => None,
            }
        } else {
            None
        };
        for pair in path.windows(2) {
            if let [child, parent] = pair {
                self.check_revocation(child, parent, at)?;
            }
        }
        let mut certs: Vec<Cert> = path.iter().map(|n| n.cert.clone()).collect();
        let ci = certs.pop().ok_or_else(|| PkiError::ChainShape {
            cert: leaf.id(role.label()),
            reason: "empty path".into(),
        })?;
        let mut rest = certs.into_iter();
        let leaf = rest.next().unwrap_or_else(|| ci.clone());
        Ok(ValidatedChain {
            role,
            leaf,
            intermediates: rest.collect(),
            ci,
            eid,
        })
    }

    /// Leaf first, CI last. A CI validated as itself is a one-element path.
    fn build_path<'a>(
        &'a self,
        leaf: &'a Cert,
        intermediates: &'a [Cert],
        role: Role,
    ) -> Result<Vec<Node<'a>>, PkiError> {
        let mut path = vec![Node { cert: leaf, role }];
        if role == Role::Ci {
            return match leaf.subject_key_id().and_then(|s| self.ci_by_key_id(s)) {
                Some(ci) if ci.public_key() == leaf.public_key() => Ok(path),
                _ => Err(PkiError::UnknownIssuer {
                    cert: leaf.id(role.label()),
                    aki: hex_opt(leaf.subject_key_id()),
                }),
            };
        }
        let inter_role = if role == Role::Euicc {
            Role::Eum
        } else {
            Role::SubCa
        };
        loop {
            let current = path.last().map(|n| n.cert).unwrap_or(leaf);
            // Formatted only for an error (a DN to string is costly on every download).
            let current_id = || current.id(path.last().map_or(role, |n| n.role).label());
            let aki = current
                .authority_key_id()
                .ok_or_else(|| PkiError::MissingExtension {
                    cert: current_id(),
                    extension: "authorityKeyIdentifier",
                })?;
            if let Some(ci) = self.ci_by_key_id(aki) {
                path.push(Node {
                    cert: ci,
                    role: Role::Ci,
                });
                return Ok(path);
            }
            let next = intermediates
                .iter()
                .find(|c| c.subject_key_id() == Some(aki) && !path.iter().any(|n| n.cert == *c));
            match next {
                Some(cert) if path.len() <= MAX_INTERMEDIATES => path.push(Node {
                    cert,
                    role: inter_role,
                }),
                Some(_) => {
                    return Err(PkiError::ChainShape {
                        cert: leaf.id(role.label()),
                        reason: format!("more than {MAX_INTERMEDIATES} intermediate certificate"),
                    });
                }
                None => {
                    return Err(PkiError::UnknownIssuer {
                        cert: current_id(),
                        aki: hex::encode_upper(aki),
                    });
                }
            }
        }
    }

    fn check_revocation(
        &self,
        child: &Node,
        parent: &Node,
        at: OffsetDateTime,
    ) -> Result<(), PkiError> {
        for crl in self
            .crls
            .iter()
            .filter(|c| c.is_issued_by_name_of(parent.cert))
        {
            crl.verify(parent.cert, at)?;
            if let Some(date) = crl.revocation_of(child.cert.serial()) {
                return Err(PkiError::Revoked {
                    cert: child.id(),
                    date,
                    issuer: parent.id(),
                });
            }
        }
        Ok(())
    }
}

fn hex_opt(b: Option<&[u8]>) -> String {
    b.map_or_else(|| "(none)".into(), hex::encode_upper)
}

/// SGP.22 §4.5.2: an eUICC sits exactly under an EUM; an EUM, sub-CA or CI has nothing
/// between it and the CI.
fn check_shape(path: &[Node], role: Role) -> Result<(), PkiError> {
    let inter = path.len().saturating_sub(2);
    let ok = match role {
        Role::Euicc => inter == 1,
        Role::Eum | Role::SubCa => inter == 0,
        Role::Ci => path.len() == 1,
        _ => inter <= MAX_INTERMEDIATES,
    };
    match (ok, path.first()) {
        (true, _) => Ok(()),
        (false, Some(leaf)) => Err(PkiError::ChainShape {
            cert: leaf.id(),
            reason: match role {
                Role::Euicc => "an eUICC certificate must be issued by an EUM certificate given as intermediate".into(),
                _ => format!("a {} certificate must be issued directly by the CI", role.label()),
            },
        }),
        (false, None) => Ok(()),
    }
}

/// One link: issuer name, key identifiers, CA rights, signature (RFC 5280 §6.1.3).
/// `below` is the number of intermediate CAs between `parent` and the leaf.
fn check_link(
    child: &Node,
    parent: &Node,
    below: usize,
    memo: &SignatureMemo,
) -> Result<(), PkiError> {
    let c = child.cert;
    let p = parent.cert;
    if c.issuer_der() != p.subject_der() {
        return Err(PkiError::IssuerNameMismatch {
            cert: child.id(),
            issuer_name: c.issuer_string(),
            issuer: parent.id(),
        });
    }
    match (c.authority_key_id(), p.subject_key_id()) {
        (Some(a), Some(s)) if a == s => {}
        (a, s) => {
            return Err(PkiError::AkiMismatch {
                cert: child.id(),
                aki: hex_opt(a),
                ski: hex_opt(s),
                issuer: parent.id(),
            });
        }
    }
    let verified = if parent.role == Role::Ci {
        memo.verify_der(p.public_key(), c.tbs_der(), c.signature_der())
    } else {
        p.public_key()
            .verify_der(c.tbs_der(), c.signature_der())
            .is_ok()
    };
    if !verified {
        return Err(PkiError::BadSignature {
            cert: child.id(),
            issuer: parent.id(),
        });
    }
    crate::profile::check_ca_rights(parent, below)
}

/// The CI certificate must be self-signed (its own key verifies it).
fn check_self_signed(ci: &Node, memo: &SignatureMemo) -> Result<(), PkiError> {
    let c = ci.cert;
    if c.issuer_der() != c.subject_der() {
        return Err(PkiError::IssuerNameMismatch {
            cert: ci.id(),
            issuer_name: c.issuer_string(),
            issuer: ci.id(),
        });
    }
    if memo.verify_der(c.public_key(), c.tbs_der(), c.signature_der()) {
        Ok(())
    } else {
        Err(PkiError::BadSignature {
            cert: ci.id(),
            issuer: ci.id(),
        })
    }
}

/// notBefore ≤ at ≤ notAfter (RFC 5280 §4.1.2.5).
fn check_validity(node: &Node, at: OffsetDateTime) -> Result<(), PkiError> {
    let now = instant::unix(at);
    let v = node.cert.x509().tbs_certificate().validity();
    if now < node.cert.not_before_unix() {
        return Err(PkiError::NotYetValid {
            cert: node.id(),
            not_before: instant::show_x509(&v.not_before),
            at: instant::show(at),
        });
    }
    if now > node.cert.not_after_unix() {
        return Err(PkiError::Expired {
            cert: node.id(),
            not_after: instant::show_x509(&v.not_after),
            at: instant::show(at),
        });
    }
    Ok(())
}
