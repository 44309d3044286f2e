//! Duplicate identifiers: PE numbers, key references, AIDs, keys (SAIP §8).

use std::collections::{BTreeMap, BTreeSet};

use super::{Ctx, Severity, indexed};
use crate::fs::names;
use crate::model::{PinCodes, ProfileElement};

pub(super) fn duplicates(c: &mut Ctx<'_>) {
    let pkg = c.pkg;
    let mut ids: BTreeMap<u16, usize> = BTreeMap::new();
    let mut aids: BTreeMap<Vec<u8>, usize> = BTreeMap::new();
    let mut puk_refs: BTreeSet<u8> = BTreeSet::new();
    for (i, pe) in indexed(pkg) {
        if let Some(h) = pe.pe_header()
            && let Some(prev) = ids.insert(h.identification, i)
        {
            c.at(
                Severity::Error,
                "duplicate.identification",
                i,
                format!(
                    "identification {} already used by element #{prev}",
                    h.identification
                ),
            );
        }
        let mut check_aid = |c: &mut Ctx<'_>, aid: &[u8], what: &str| {
            if let Some(prev) = aids.insert(aid.to_vec(), i) {
                c.at(
                    Severity::Error,
                    "duplicate.aid",
                    i,
                    format!(
                        "{what} {} already used by element #{prev}",
                        hex::encode_upper(aid)
                    ),
                );
            }
        };
        match pe {
            ProfileElement::SecurityDomain(sd) => {
                check_aid(c, &sd.instance.instance_aid, "instance AID");
                let mut seen = BTreeSet::new();
                for k in sd.key_list.iter().flatten() {
                    if !seen.insert((k.key_identifier.to_vec(), k.key_version_number.to_vec())) {
                        c.at(
                            Severity::Error,
                            "duplicate.key",
                            i,
                            format!(
                                "key id {} version {} defined twice",
                                hex::encode_upper(&k.key_identifier),
                                hex::encode_upper(&k.key_version_number)
                            ),
                        );
                    }
                }
            }
            ProfileElement::Application(app) => {
                for inst in app.instance_list.iter().flatten() {
                    check_aid(c, &inst.instance_aid, "instance AID");
                }
            }
            ProfileElement::PukCodes(p) => {
                let mut seen = BTreeSet::new();
                for puk in &p.puk_codes {
                    if !seen.insert(puk.key_reference) {
                        c.at(
                            Severity::Error,
                            "duplicate.key-reference",
                            i,
                            format!("PUK key reference {} defined twice", puk.key_reference),
                        );
                    }
                    puk_refs.insert(puk.key_reference);
                }
            }
            ProfileElement::PinCodes(p) => {
                if let PinCodes::Pinconfig(list) = &p.pin_codes {
                    let mut seen = BTreeSet::new();
                    for pin in list {
                        if !seen.insert(pin.key_reference) {
                            c.at(
                                Severity::Error,
                                "duplicate.key-reference",
                                i,
                                format!("PIN key reference {} defined twice", pin.key_reference),
                            );
                        }
                        if let Some(r) = pin.unblocking_pin_reference
                            && !puk_refs.contains(&r)
                        {
                            c.at(
                                Severity::Error,
                                "reference.puk",
                                i,
                                format!(
                                    "PIN {} refers to PUK {r}, not defined before",
                                    pin.key_reference
                                ),
                            );
                        }
                    }
                }
            }
            _ => {}
        }
        if let Some(t) = pe.as_template() {
            for (component, file) in t.files() {
                if let Some(name) = file.fcp().and_then(|f| f.df_name.as_ref()) {
                    check_aid(
                        c,
                        name,
                        &format!("{} dfName", names::display_name(component)),
                    );
                }
            }
        }
    }
}
