//! The eUICC/EUM link: the EID in the eUICC subject and the EUM's permitted range.
//!
//! SGP.22 v2.5 §4.5.2.1.0.2/.0.3 and SGP.26: the EUM certificate has a critical
//! nameConstraints extension whose permittedSubtrees hold a directoryName with the
//! EUM's organization and, in `serialNumber`, an EID prefix. GSMA semantics: the
//! eUICC subject has the same organization and its `serialNumber` (the EID) STARTS
//! WITH the prefix. (Plain X.509 subtree matching would demand equal serialNumbers.)

use crate::eid::{eid_in_range, validate_eid};
use crate::error::PkiError;
use crate::name::{SERIAL_NUMBER, attribute, value_text};
use crate::validate::Node;
use x509_cert::ext::pkix::constraints::name::GeneralSubtree;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::name::Name;

/// Check the EID of `euicc` against the name constraints of `eum`; returns the EID.
pub(crate) fn check_eid_rules(euicc: &Node, eum: &Node) -> Result<String, PkiError> {
    let subject = euicc.cert.x509().tbs_certificate().subject();
    let eid = attribute(subject, SERIAL_NUMBER).ok_or_else(|| PkiError::BadEid {
        cert: euicc.id(),
        reason: "missing: the subject has no single serialNumber attribute".into(),
    })?;
    validate_eid(&eid).map_err(|e| PkiError::BadEid {
        cert: euicc.id(),
        reason: format!("{eid} {e}"),
    })?;
    let outside = |reason: String| PkiError::EidOutsideRange {
        cert: euicc.id(),
        eid: eid.clone(),
        eum: eum.id(),
        reason,
    };
    let Some((critical, nc)) = &eum.cert.extensions().name_constraints else {
        return Err(PkiError::MissingExtension {
            cert: eum.id(),
            extension: "nameConstraints",
        });
    };
    if !critical {
        return Err(PkiError::BadExtension {
            cert: eum.id(),
            extension: "nameConstraints",
            reason: "is not critical".into(),
        });
    }
    for sub in nc.excluded_subtrees.iter().flatten() {
        if let Some(prefix) = subtree_prefix(sub)
            && eid_in_range(&eid, &prefix)
            && others_match(sub, subject)
        {
            return Err(outside(format!("excluded prefix {prefix}")));
        }
    }
    let permitted: Vec<&GeneralSubtree> = nc
        .permitted_subtrees
        .iter()
        .flatten()
        .filter(|s| matches!(s.base, GeneralName::DirectoryName(_)))
        .collect();
    if permitted.is_empty() {
        return Err(PkiError::BadExtension {
            cert: eum.id(),
            extension: "nameConstraints",
            reason: "has no permitted directoryName with an EID prefix".into(),
        });
    }
    let mut tried = Vec::new();
    for sub in permitted {
        let Some(prefix) = subtree_prefix(sub) else {
            continue;
        };
        if eid_in_range(&eid, &prefix) && others_match(sub, subject) {
            return Ok(eid);
        }
        tried.push(prefix);
    }
    Err(outside(if tried.is_empty() {
        "no permitted subtree carries a serialNumber prefix".into()
    } else {
        format!(
            "it does not start with {} or the subject's other attributes differ",
            tried.join(" / ")
        )
    }))
}

/// The EID prefix (`serialNumber`) of a directoryName subtree.
fn subtree_prefix(sub: &GeneralSubtree) -> Option<String> {
    match &sub.base {
        GeneralName::DirectoryName(dn) => attribute(dn, SERIAL_NUMBER),
        _ => None,
    }
}

/// Every attribute of the subtree other than serialNumber appears, with the same
/// text, in `subject` (e.g. the EUM's organizationName).
fn others_match(sub: &GeneralSubtree, subject: &Name) -> bool {
    let GeneralName::DirectoryName(dn) = &sub.base else {
        return false;
    };
    dn.iter().filter(|a| a.oid != SERIAL_NUMBER).all(|want| {
        let want_text = value_text(want);
        subject
            .iter()
            .any(|got| got.oid == want.oid && want_text.is_some() && value_text(got) == want_text)
    })
}
