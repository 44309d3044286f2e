//! ProfileHeader consistency: version, ICCID, services, GFSTE list (SAIP §8.2).

use std::collections::BTreeSet;

use super::{Ctx, Severity, indexed};
use crate::bcd;
use crate::luhn;
use crate::model::aka::algorithm;
use crate::model::{AlgoConfiguration, ProfileElement};

pub(super) fn header(c: &mut Ctx<'_>) {
    let pkg = c.pkg;
    let Some((hi, h)) = indexed(pkg).find_map(|(i, pe)| match pe {
        ProfileElement::Header(h) => Some((i, h)),
        _ => None,
    }) else {
        return;
    };
    if !(1..=3).contains(&h.major_version) {
        c.at(
            Severity::Error,
            "header.version",
            hi,
            format!("unknown major-version {}", h.major_version),
        );
    }
    // ICCID: header (plain BCD) versus EF.ICCID (swapped BCD).
    if h.iccid.len() != 10 {
        c.at(
            Severity::Error,
            "header.iccid",
            hi,
            format!("iccid is {} bytes, not 10", h.iccid.len()),
        );
    }
    let mut header_iccid = bcd::decode_plain(&h.iccid);
    match pkg.file("mf/ef-iccid") {
        Some(f) => {
            let ef = bcd::decode_swapped(f.read().get(..10).unwrap_or_default());
            if ef.is_empty() || ef == header_iccid {
                // consistent
            } else if ef == bcd::decode_swapped(&h.iccid) {
                let msg = "header ICCID coded with swapped nibbles, unlike the TS.48 profiles";
                c.at(Severity::Warning, "header.iccid", hi, msg.into());
                header_iccid = ef;
            } else {
                let msg = format!("header ICCID {header_iccid} differs from EF.ICCID {ef}");
                c.at(Severity::Error, "header.iccid", hi, msg);
            }
        }
        None => c.at(
            Severity::Error,
            "header.iccid",
            hi,
            "no EF.ICCID to compare with".into(),
        ),
    }
    if header_iccid.bytes().all(|b| b.is_ascii_digit()) && !luhn::is_valid(&header_iccid) {
        c.at(
            Severity::Warning,
            "header.iccid",
            hi,
            format!("ICCID {header_iccid} has no valid Luhn check digit"),
        );
    }
    // Services used versus declared.
    let s = &h.euicc_mandatory_services;
    let has = |name: &str| pkg.pes().any(|pe| pe.name() == name);
    let algos: BTreeSet<u8> = pkg
        .pes()
        .filter_map(|pe| match pe {
            ProfileElement::AkaParameter(a) => match &a.algo_configuration {
                AlgoConfiguration::AlgoParameter(p) => Some(p.algorithm_id),
                AlgoConfiguration::MappingParameter(_) => None,
            },
            _ => None,
        })
        .collect();
    let tuak256 = pkg.pes().any(|pe| match pe {
        ProfileElement::AkaParameter(a) => {
            matches!(&a.algo_configuration, AlgoConfiguration::AlgoParameter(p) if p.algorithm_id == algorithm::TUAK && p.key.len() == 32)
        }
        _ => false,
    });
    let ber_tlv = pkg.files().iter().any(|f| f.file.fcp().and_then(|x| x.file_descriptor.as_ref()).is_some_and(|d| d.first().is_some_and(|b| b & 0xBF == 0x39)))
        || pkg.pes().any(|pe| match pe {
            ProfileElement::GenericFileManagement(g) => g.file_management_cmd.iter().flat_map(|m| &m.0).any(|i| {
                matches!(i, crate::model::FileManagementItem::CreateFcp(f) if f.file_descriptor.as_ref().is_some_and(|d| d.first().is_some_and(|b| b & 0xBF == 0x39)))
            }),
            _ => false,
        });
    let used = [
        ("usim", has("usim")),
        ("isim", has("isim")),
        ("csim", has("csim")),
        ("eap", has("eap")),
        ("milenage", algos.contains(&algorithm::MILENAGE)),
        ("tuak128", algos.contains(&algorithm::TUAK) && !tuak256),
        ("tuak256", tuak256),
        (
            "usim-test-algorithm",
            algos.contains(&algorithm::USIM_TEST_ALGORITHM),
        ),
        ("ber-tlv", ber_tlv),
    ];
    for (name, is_used) in used {
        let declared = s.get(name).unwrap_or(false);
        if is_used && !declared {
            c.at(
                Severity::Error,
                "header.services",
                hi,
                format!("service '{name}' is used but not in eUICC-Mandatory-services"),
            );
        } else if declared && !is_used && !matches!(name, "ber-tlv" | "tuak128" | "tuak256") {
            c.at(
                Severity::Warning,
                "header.services",
                hi,
                format!("service '{name}' is declared but no element uses it"),
            );
        }
    }
    if has("application") && !(s.javacard.is_some() || s.multos.is_some()) {
        c.at(
            Severity::Warning,
            "header.services",
            hi,
            "PE-Application without 'javacard' or 'multos'".into(),
        );
    }
    // GFSTE list versus template IDs.
    let gfste: BTreeSet<&rasn::types::ObjectIdentifier> =
        h.euicc_mandatory_gfste_list.iter().collect();
    let mut used_oids = BTreeSet::new();
    for (i, pe) in indexed(pkg) {
        if let Some(t) = pe.as_template() {
            used_oids.insert(t.template_id());
            if !gfste.contains(t.template_id()) {
                c.at(
                    Severity::Error,
                    "header.gfste",
                    i,
                    format!(
                        "templateID {} is not in eUICC-Mandatory-GFSTEList",
                        oid(t.template_id())
                    ),
                );
            }
        }
    }
    for o in gfste.difference(&used_oids) {
        c.at(
            Severity::Warning,
            "header.gfste",
            hi,
            format!("GFSTE {} is listed but no PE uses it", oid(o)),
        );
    }
}

pub(super) fn oid(o: &rasn::types::ObjectIdentifier) -> String {
    o.iter().map(u32::to_string).collect::<Vec<_>>().join(".")
}
