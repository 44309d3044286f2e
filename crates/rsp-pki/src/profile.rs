//! Per-role certificate profile checks (SGP.22 v2.5 §4.5.2.1, SGP.26 test profiles):
//! keyUsage, basicConstraints, role policy, extended key usage.

use crate::error::PkiError;
use crate::role::Role;
use crate::validate::Node;
use const_oid::ObjectIdentifier;

/// `id-kp-serverAuth` (RFC 5280 §4.2.1.12).
pub const ID_KP_SERVER_AUTH: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.1");
/// `id-kp-clientAuth` (RFC 5280 §4.2.1.12).
pub const ID_KP_CLIENT_AUTH: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.2");

/// The issuer of a link must be a CA allowed to sign certificates, with room in its
/// pathLenConstraint for the `below` intermediate CAs under it (RFC 5280 §6.1.4).
pub(crate) fn check_ca_rights(parent: &Node, below: usize) -> Result<(), PkiError> {
    let ext = parent.cert.extensions();
    match &ext.basic_constraints {
        Some((_, bc)) if bc.ca => {
            if let Some(max) = bc.path_len_constraint
                && below > usize::from(max)
            {
                return Err(PkiError::BasicConstraints {
                    cert: parent.id(),
                    reason: format!(
                        "pathLenConstraint {max} allows fewer than the {below} CA certificates below it"
                    ),
                });
            }
        }
        _ => {
            return Err(PkiError::BasicConstraints {
                cert: parent.id(),
                reason: "do not mark it as a CA, yet it issued a certificate in this chain".into(),
            });
        }
    }
    match &ext.key_usage {
        Some((_, ku)) if ku.key_cert_sign() => Ok(()),
        _ => Err(PkiError::KeyUsage {
            cert: parent.id(),
            reason: "lacks keyCertSign, yet it issued a certificate in this chain".into(),
        }),
    }
}

/// The profile of `node`'s role.
pub(crate) fn check_profile(node: &Node) -> Result<(), PkiError> {
    check_key_usage(node)?;
    check_basic_constraints(node)?;
    check_policy(node)?;
    check_ext_key_usage(node)?;
    if node.role.is_ca() && node.cert.subject_key_id().is_none() {
        return Err(PkiError::MissingExtension {
            cert: node.id(),
            extension: "subjectKeyIdentifier",
        });
    }
    Ok(())
}

/// keyUsage present and critical; keyCertSign for CAs, digitalSignature (and not
/// keyCertSign) for end entities.
fn check_key_usage(node: &Node) -> Result<(), PkiError> {
    let Some((critical, ku)) = &node.cert.extensions().key_usage else {
        return Err(PkiError::MissingExtension {
            cert: node.id(),
            extension: "keyUsage",
        });
    };
    let fail = |reason: &str| {
        Err(PkiError::KeyUsage {
            cert: node.id(),
            reason: reason.into(),
        })
    };
    if !critical {
        return fail("extension is not critical");
    }
    if node.role.is_ca() {
        if !ku.key_cert_sign() {
            return fail("lacks keyCertSign required for a CA");
        }
    } else {
        if !ku.digital_signature() {
            return fail("lacks digitalSignature required for an end-entity certificate");
        }
        if ku.key_cert_sign() || ku.crl_sign() {
            return fail("allows certificate or CRL signing in an end-entity certificate");
        }
    }
    Ok(())
}

/// basicConstraints: critical cA=TRUE for CAs; absent or cA=FALSE for end entities.
fn check_basic_constraints(node: &Node) -> Result<(), PkiError> {
    let bc = &node.cert.extensions().basic_constraints;
    let reason = match (node.role.is_ca(), bc) {
        (true, Some((true, bc))) if bc.ca => return Ok(()),
        (true, Some((false, _))) => "extension of a CA is not critical",
        (true, _) => "do not mark a CA certificate as cA",
        (false, Some((_, bc))) if bc.ca => "mark an end-entity certificate as cA",
        (false, _) => return Ok(()),
    };
    Err(PkiError::BasicConstraints {
        cert: node.id(),
        reason: reason.into(),
    })
}

fn policies_text(p: &[ObjectIdentifier]) -> String {
    if p.is_empty() {
        return "(none)".into();
    }
    p.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The role policy OID must be present (SGP.22 §4.5.2.1 "certificatePolicies");
/// roles without one (eIM, operator, sub-CA) must not carry another role's.
fn check_policy(node: &Node) -> Result<(), PkiError> {
    let policies = node.cert.extensions().policies.clone().unwrap_or_default();
    match node.role.policy_oid() {
        Some(oid) => {
            if policies.iter().any(|p| node.role.matches_policy(p)) {
                Ok(())
            } else {
                Err(PkiError::WrongRole {
                    cert: node.id(),
                    expected: node.role,
                    oid: oid.to_string(),
                    found: policies_text(&policies),
                })
            }
        }
        None => {
            // A sub-CA may carry the CI policy; nothing else may carry a GSMA role.
            let foreign = policies
                .iter()
                .filter_map(Role::from_policy)
                .find(|r| node.role != Role::SubCa || *r != Role::Ci);
            match foreign {
                Some(found) => Err(PkiError::ForeignRole {
                    cert: node.id(),
                    expected: node.role,
                    found,
                }),
                None => Ok(()),
            }
        }
    }
}

/// TLS servers need serverAuth, operator clients clientAuth (SGP.22 §2.6.6, SGP.26 DPtls).
fn check_ext_key_usage(node: &Node) -> Result<(), PkiError> {
    let need = match node.role {
        r if r.is_tls_server() => Some((ID_KP_SERVER_AUTH, "serverAuth")),
        Role::Mno => Some((ID_KP_CLIENT_AUTH, "clientAuth")),
        _ => None,
    };
    let eku = node.cert.extensions().ext_key_usage.as_deref();
    match (need, eku) {
        (Some((oid, _)), Some(list)) if list.contains(&oid) => Ok(()),
        (Some((_, name)), _) => Err(PkiError::ExtKeyUsage {
            cert: node.id(),
            reason: format!(
                "lacks {name} required for a {} certificate",
                node.role.label()
            ),
        }),
        (None, _) => Ok(()),
    }
}
