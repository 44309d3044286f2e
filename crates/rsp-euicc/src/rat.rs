//! Profile Policy Rules against the Rules Authorisation Table (SGP.22 §2.9.2).

use rsp_codec::asn1::{OperatorId, PprIds, RulesAuthorisationTable, StoreMetadataRequest};

/// The PPR bits a profile may carry (`ppr1`, `ppr2`; `pprUpdateControl` is not a rule).
const RULES: [usize; 2] = [PprIds::PPR1, PprIds::PPR2];

/// One `mccMnc` nibble of a rule: `E` matches any digit (SGP.22 §2.9.2.2).
fn nibble_matches(rule: u8, owner: u8) -> bool {
    rule == 0xE || rule == owner
}

/// Does `allowed` (from the RAT) cover the profile owner?
fn operator_matches(allowed: &OperatorId, owner: &OperatorId) -> bool {
    let a = allowed.mcc_mnc.as_bytes();
    let o = owner.mcc_mnc.as_bytes();
    let nibbles_ok = a
        .iter()
        .zip(o.iter())
        .all(|(ra, ro)| nibble_matches(ra >> 4, ro >> 4) && nibble_matches(ra & 0x0F, ro & 0x0F));
    let gid_ok = |rule: &Option<rasn::types::OctetString>,
                  own: &Option<rasn::types::OctetString>| {
        rule.as_ref().is_none_or(|r| own.as_ref() == Some(r))
    };
    nibbles_ok && gid_ok(&allowed.gid1, &owner.gid1) && gid_ok(&allowed.gid2, &owner.gid2)
}

/// True when every PPR set in the metadata is allowed for its profile owner by some rule
/// of the RAT (SGP.22 §2.9.2.2). A profile without PPRs is always allowed.
pub(crate) fn pprs_allowed(rat: &RulesAuthorisationTable, metadata: &StoreMetadataRequest) -> bool {
    let Some(pprs) = &metadata.profile_policy_rules else {
        return true;
    };
    RULES.iter().filter(|bit| pprs.is_set(**bit)).all(|bit| {
        metadata.profile_owner.as_ref().is_some_and(|owner| {
            rat.iter().any(|rule| {
                rule.ppr_ids.is_set(*bit)
                    && rule
                        .allowed_operators
                        .iter()
                        .any(|op| operator_matches(op, owner))
            })
        })
    })
}
