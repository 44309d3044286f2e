//! Key and PIN lengths, PIN references per directory (SAIP §8.4–8.6).

use super::{Ctx, Severity, indexed};
use crate::model::aka::algorithm;
use crate::model::{AlgoConfiguration, PinCodes, ProfileElement};

pub(super) fn keys(c: &mut Ctx<'_>) {
    let pkg = c.pkg;
    for (i, pe) in indexed(pkg) {
        match pe {
            ProfileElement::AkaParameter(a) => {
                if let AlgoConfiguration::AlgoParameter(p) = &a.algo_configuration {
                    let (k_ok, opc_ok) = match p.algorithm_id {
                        algorithm::TUAK => ([16, 32].contains(&p.key.len()), p.opc.len() == 32),
                        algorithm::MILENAGE => (p.key.len() == 16, p.opc.len() == 16),
                        _ => (p.key.len() == 16, true),
                    };
                    if !k_ok {
                        c.at(
                            Severity::Error,
                            "key.length",
                            i,
                            format!(
                                "K is {} bytes for algorithm {}",
                                p.key.len(),
                                p.algorithm_id
                            ),
                        );
                    }
                    if !opc_ok {
                        c.at(
                            Severity::Error,
                            "key.length",
                            i,
                            format!(
                                "OPc is {} bytes for algorithm {}",
                                p.opc.len(),
                                p.algorithm_id
                            ),
                        );
                    }
                }
            }
            ProfileElement::CdmaParameter(p) if p.authentication_key.len() != 8 => c.at(
                Severity::Error,
                "key.length",
                i,
                format!("A-Key is {} bytes, not 8", p.authentication_key.len()),
            ),
            ProfileElement::PinCodes(p) => {
                if let PinCodes::Pinconfig(list) = &p.pin_codes {
                    for pin in list.iter().filter(|p| p.pin_value.len() != 8) {
                        c.at(
                            Severity::Error,
                            "key.length",
                            i,
                            format!(
                                "PIN key reference {} value is {} bytes, not 8",
                                pin.key_reference,
                                pin.pin_value.len()
                            ),
                        );
                    }
                }
            }
            ProfileElement::PukCodes(p) => {
                for puk in p.puk_codes.iter().filter(|p| p.puk_value.len() != 8) {
                    c.at(
                        Severity::Error,
                        "key.length",
                        i,
                        format!(
                            "PUK key reference {} value is {} bytes, not 8",
                            puk.key_reference,
                            puk.puk_value.len()
                        ),
                    );
                }
            }
            ProfileElement::SecurityDomain(sd) => {
                for k in sd.key_list.iter().flatten() {
                    for comp in &k.key_components {
                        let ok = match comp.key_type.as_ref() {
                            [0x80] => [16, 24].contains(&comp.key_data.len()),
                            [0x88] => [16, 24, 32].contains(&comp.key_data.len()),
                            _ => true,
                        };
                        if !ok {
                            c.at(
                                Severity::Error,
                                "key.length",
                                i,
                                format!(
                                    "key id {} version {}: {} bytes for key type {}",
                                    hex::encode_upper(&k.key_identifier),
                                    hex::encode_upper(&k.key_version_number),
                                    comp.key_data.len(),
                                    hex::encode_upper(&comp.key_type)
                                ),
                            );
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// PINs of a PE-PINCodes belong to the directory of the last file-system PE before it.
pub(super) fn pin_context(c: &mut Ctx<'_>) {
    let pkg = c.pkg;
    let mut context: Option<&'static str> = None;
    for (i, pe) in indexed(pkg) {
        if pe.as_template().is_some() {
            context = Some(pe.name());
        }
        let (ProfileElement::PinCodes(p), Some(ctx)) = (pe, context) else {
            continue;
        };
        let PinCodes::Pinconfig(list) = &p.pin_codes else {
            continue;
        };
        let global = ctx == "mf";
        for pin in list {
            let r = pin.key_reference;
            let ok = if global {
                (1..=8).contains(&r) || (10..=14).contains(&r)
            } else {
                (129..=136).contains(&r) || (138..=142).contains(&r)
            };
            if !ok {
                let want = if global {
                    "global (1..8, ADM 10..14)"
                } else {
                    "local (129..136, ADM 138..142)"
                };
                c.at(
                    Severity::Error,
                    "pin.context",
                    i,
                    format!("key reference {r} after the {ctx} PE; expected a {want} reference"),
                );
            }
        }
    }
}
