//! A readable summary of a package: elements in order with sizes, ICCID, IMSI,
//! services and files (for `rsp profile inspect` and the SM-DP+ inventory).

use serde::Serialize;

use crate::bcd::{self, Imsi};
use crate::fs::names;
use crate::model::{AlgoConfiguration, PinCodes, ProfileElement};
use crate::package::{ElementValue, ProfilePackage};

/// Summary of one file of a template PE.
#[derive(Debug, Clone, Serialize)]
pub struct FileSummary {
    /// "EF.IMSI".
    pub name: String,
    /// File identifier in hex, if known.
    pub fid: Option<String>,
    /// efFileSize (or template default), if known.
    pub size: Option<usize>,
    /// Bytes written by the profile.
    pub content_len: usize,
    pub do_not_create: bool,
}

/// Summary of one element.
#[derive(Debug, Clone, Serialize)]
pub struct ElementSummary {
    pub index: usize,
    pub offset: usize,
    /// ASN.1 alternative name.
    pub name: String,
    /// DER size in bytes.
    pub size: usize,
    pub identification: Option<u16>,
    pub mandated: bool,
    /// Template OID of a file-system PE.
    pub template_id: Option<String>,
    /// Short description (algorithm, PIN references, AIDs, …); never a secret.
    pub detail: Option<String>,
    pub files: Vec<FileSummary>,
}

/// Summary of a package.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// ICCID from the ProfileHeader.
    pub iccid: Option<String>,
    /// ICCID from EF.ICCID.
    pub ef_iccid: Option<String>,
    /// IMSI from the USIM's EF.IMSI.
    pub imsi: Option<String>,
    pub version: Option<String>,
    pub profile_type: Option<String>,
    pub services: Vec<&'static str>,
    pub gfste: Vec<String>,
    pub total_size: usize,
    pub elements: Vec<ElementSummary>,
}

fn oid(o: &rasn::types::ObjectIdentifier) -> String {
    o.iter().map(u32::to_string).collect::<Vec<_>>().join(".")
}

fn detail(pe: &ProfileElement) -> Option<String> {
    match pe {
        ProfileElement::Header(h) => Some(format!("ICCID {}", bcd::decode_plain(&h.iccid))),
        ProfileElement::AkaParameter(a) => Some(match &a.algo_configuration {
            AlgoConfiguration::AlgoParameter(p) => {
                let name = match p.algorithm_id {
                    1 => "milenage",
                    2 => "tuak",
                    3 => "usim-test-algorithm",
                    _ => "unknown",
                };
                format!(
                    "algorithm {name}, K {} bytes, OPc {} bytes",
                    p.key.len(),
                    p.opc.len()
                )
            }
            AlgoConfiguration::MappingParameter(m) => {
                format!("mapped from {}", hex::encode_upper(&m.mapping_source))
            }
        }),
        ProfileElement::PinCodes(p) => Some(match &p.pin_codes {
            PinCodes::Pinconfig(l) => {
                format!(
                    "key references {:?}",
                    l.iter().map(|c| c.key_reference).collect::<Vec<_>>()
                )
            }
            PinCodes::FilePath(f) => format!("shared with {}", hex::encode_upper(f)),
        }),
        ProfileElement::PukCodes(p) => Some(format!(
            "key references {:?}",
            p.puk_codes
                .iter()
                .map(|c| c.key_reference)
                .collect::<Vec<_>>()
        )),
        ProfileElement::SecurityDomain(sd) => Some(format!(
            "instance {}, {} keys",
            hex::encode_upper(&sd.instance.instance_aid),
            sd.key_list.as_ref().map_or(0, Vec::len)
        )),
        ProfileElement::Application(a) => Some(format!(
            "{} load block, {} instances",
            if a.load_block.is_some() { "with" } else { "no" },
            a.instance_list.as_ref().map_or(0, Vec::len)
        )),
        ProfileElement::Rfm(r) => Some(format!("instance {}", hex::encode_upper(&r.instance_aid))),
        ProfileElement::GenericFileManagement(g) => {
            Some(format!("{} command lists", g.file_management_cmd.len()))
        }
        ProfileElement::NonStandard(n) => Some(format!(
            "issuer {}, {} bytes",
            oid(&n.issuer_id),
            n.content.len()
        )),
        _ => None,
    }
}

/// Files created by a generic file management PE.
fn gfm_files(pe: Option<&ProfileElement>) -> Vec<FileSummary> {
    let Some(ProfileElement::GenericFileManagement(g)) = pe else {
        return Vec::new();
    };
    crate::fs::gfm::created_files(g)
        .iter()
        .map(|f| FileSummary {
            name: f.name(),
            fid: f.fcp.file_id.as_ref().map(hex::encode_upper),
            size: f.fcp.file_size().and_then(|s| usize::try_from(s).ok()),
            content_len: f.content_end,
            do_not_create: false,
        })
        .collect()
}

/// Summarises `pkg`. Of a lazily decoded package ([`ProfilePackage::decode_lazy`]) a fully
/// decoded copy is summarised; elements that do not decode are listed by name and size.
pub fn summarise(pkg: &ProfilePackage) -> Summary {
    if !pkg.is_fully_decoded() {
        let mut full = pkg.clone();
        // Per element, so that one faulty element leaves the others readable.
        for i in 0..full.elements.len() {
            let _ = full.decode_element(i);
        }
        return summarise_decoded(&full);
    }
    summarise_decoded(pkg)
}

fn summarise_decoded(pkg: &ProfilePackage) -> Summary {
    let header = pkg.header();
    let files = pkg.files();
    let mut elements = Vec::with_capacity(pkg.elements.len());
    let mut total = 0usize;
    for (index, e) in pkg.elements.iter().enumerate() {
        let size = match &e.value {
            ElementValue::Pe(pe) => rasn::der::encode(pe).map_or(0, |v| v.len()),
            ElementValue::Unknown { der, .. } | ElementValue::Lazy { der, .. } => der.len(),
        };
        total += size;
        let pe = e.pe();
        elements.push(ElementSummary {
            index,
            offset: e.offset,
            name: e.name().to_string(),
            size,
            identification: pe
                .and_then(ProfileElement::pe_header)
                .map(|h| h.identification),
            mandated: pe
                .and_then(ProfileElement::pe_header)
                .is_some_and(|h| h.mandated.is_some()),
            template_id: pe
                .and_then(ProfileElement::as_template)
                .map(|t| oid(t.template_id())),
            detail: pe.and_then(detail),
            files: gfm_files(pe)
                .into_iter()
                .chain(
                    files
                        .iter()
                        .filter(|f| f.element_index == index)
                        .map(|f| FileSummary {
                            name: names::display_name(f.component),
                            fid: f.fid().map(hex::encode_upper),
                            size: f.size(),
                            content_len: f.file.content_end(),
                            do_not_create: f.file.do_not_create(),
                        }),
                )
                .collect(),
        });
    }
    Summary {
        iccid: header.map(|h| bcd::decode_plain(&h.iccid)),
        ef_iccid: pkg
            .file("mf/ef-iccid")
            .map(|f| bcd::decode_swapped(f.read().get(..10).unwrap_or_default())),
        imsi: pkg
            .file("usim/ef-imsi")
            .and_then(|f| Imsi::from_ef_imsi(&f.read())),
        version: header.map(|h| format!("{}.{}", h.major_version, h.minor_version)),
        profile_type: header.and_then(|h| h.profile_type.clone()),
        services: header
            .map(|h| h.euicc_mandatory_services.names())
            .unwrap_or_default(),
        gfste: header
            .map(|h| h.euicc_mandatory_gfste_list.iter().map(oid).collect())
            .unwrap_or_default(),
        total_size: total,
        elements,
    }
}

impl core::fmt::Display for Summary {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let opt = |o: &Option<String>| o.clone().unwrap_or_else(|| "-".into());
        writeln!(f, "version      {}", opt(&self.version))?;
        writeln!(f, "profile type {}", opt(&self.profile_type))?;
        writeln!(
            f,
            "ICCID        {} (EF.ICCID {})",
            opt(&self.iccid),
            opt(&self.ef_iccid)
        )?;
        writeln!(f, "IMSI         {}", opt(&self.imsi))?;
        writeln!(f, "services     {}", self.services.join(", "))?;
        writeln!(f, "templates    {}", self.gfste.join(", "))?;
        writeln!(
            f,
            "size         {} bytes, {} elements",
            self.total_size,
            self.elements.len()
        )?;
        for e in &self.elements {
            write!(
                f,
                "#{:<3} @{:<6} {:<22} {:>6} B",
                e.index, e.offset, e.name, e.size
            )?;
            if let Some(id) = e.identification {
                write!(f, "  id {id}{}", if e.mandated { " mandated" } else { "" })?;
            }
            if let Some(t) = &e.template_id {
                write!(f, "  template {t}")?;
            }
            if let Some(d) = &e.detail {
                write!(f, "  {d}")?;
            }
            writeln!(f)?;
            for file in &e.files {
                writeln!(
                    f,
                    "       {:<24} fid {:<4}  size {:>5}  content {:>5}{}",
                    file.name,
                    file.fid.as_deref().unwrap_or("-"),
                    file.size.map_or_else(|| "-".into(), |s| s.to_string()),
                    file.content_len,
                    if file.do_not_create {
                        "  doNotCreate"
                    } else {
                        ""
                    }
                )?;
            }
        }
        Ok(())
    }
}

impl Summary {
    /// Pretty JSON (at least `iccid` and `elements`).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}
