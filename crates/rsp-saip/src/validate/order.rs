//! Element order and mandatory elements (TCA SAIP v3.3.1 §8.1).

use super::{Ctx, Severity, indexed};
use crate::model::{PinCodes, ProfileElement};

pub(super) fn order(c: &mut Ctx<'_>) {
    let pkg = c.pkg;
    let n = pkg.elements.len();
    let names: Vec<&str> = pkg.elements.iter().map(|e| e.name()).collect();
    let first = |name: &str| names.iter().position(|x| *x == name);
    match first("header") {
        None => c.pkg(
            Severity::Error,
            "mandatory.element",
            "no ProfileHeader".into(),
        ),
        Some(0) => {}
        Some(i) => c.at(
            Severity::Error,
            "order.header-first",
            i,
            "the ProfileHeader is not the first element".into(),
        ),
    }
    for (i, _) in names
        .iter()
        .enumerate()
        .filter(|(_, x)| **x == "header")
        .skip(1)
    {
        c.at(
            Severity::Error,
            "order.header-first",
            i,
            "second ProfileHeader".into(),
        );
    }
    match names.iter().rposition(|x| *x == "end") {
        None => c.pkg(Severity::Error, "mandatory.element", "no PE-End".into()),
        Some(i) if i + 1 != n => c.at(
            Severity::Error,
            "order.end-last",
            i + 1,
            "element after PE-End".into(),
        ),
        Some(_) => {}
    }
    let ends: Vec<usize> = names
        .iter()
        .enumerate()
        .filter(|(_, x)| **x == "end")
        .map(|(i, _)| i)
        .collect();
    for i in ends.iter().rev().skip(1) {
        c.at(
            Severity::Error,
            "order.end-last",
            *i,
            "PE-End before the last element".into(),
        );
    }
    let mf = first("mf");
    if mf.is_none() {
        c.pkg(Severity::Error, "mandatory.element", "no PE-MF".into());
    }
    for (i, pe) in indexed(pkg) {
        let before = |name: &str| names.get(..i).is_some_and(|s| s.contains(&name));
        let fs_like =
            pe.as_template().is_some() || matches!(pe, ProfileElement::GenericFileManagement(_));
        if fs_like && pe.name() != "mf" && mf.is_none_or(|m| m > i) {
            c.at(
                Severity::Error,
                "order.mf-first",
                i,
                "file-system PE before PE-MF".into(),
            );
        }
        let parent = match pe.name() {
            "opt-usim" | "gsm-access" | "df-5gs" | "df-saip" | "df-snpn" | "df-5gprose" => {
                Some("usim")
            }
            "opt-isim" => Some("isim"),
            "opt-csim" => Some("csim"),
            "opt-iot" => Some("iot"),
            _ => None,
        };
        if let Some(p) = parent
            && !before(p)
        {
            c.at(
                Severity::Error,
                "order.parent-first",
                i,
                format!("{} without a preceding {p} PE", pe.name()),
            );
        }
        if let ProfileElement::PinCodes(pins) = pe
            && let PinCodes::Pinconfig(list) = &pins.pin_codes
            && list.iter().any(|p| p.unblocking_pin_reference.is_some())
            && !before("pukCodes")
        {
            c.at(
                Severity::Error,
                "order.puk-before-pin",
                i,
                "PINs reference PUKs but no PE-PUKCodes precedes".into(),
            );
        }
        match pe {
            ProfileElement::AkaParameter(_)
                if !(before("usim") || before("isim") || before("iot")) =>
            {
                c.at(
                    Severity::Error,
                    "order.aka-after-naa",
                    i,
                    "PE-AKAParameter before any USIM/ISIM PE".into(),
                )
            }
            ProfileElement::CdmaParameter(_) if !before("csim") => c.at(
                Severity::Error,
                "order.aka-after-naa",
                i,
                "PE-CDMAParameter before any CSIM PE".into(),
            ),
            _ => {}
        }
    }
    for naa in ["usim", "isim"] {
        if first(naa).is_some() && first("akaParameter").is_none() {
            c.pkg(
                Severity::Error,
                "mandatory.element",
                format!("a {naa} PE but no PE-AKAParameter"),
            );
        }
    }
}
