//! File sizes versus content (SAIP §8.3.2), EF.IMSI coding (TS 31.102 §4.2.2).

use super::{Ctx, Severity, indexed};
use crate::fs::names;
use crate::model::ProfileElement;

pub(super) fn files(c: &mut Ctx<'_>) {
    let pkg = c.pkg;
    for (i, pe) in indexed(pkg) {
        let ProfileElement::GenericFileManagement(g) = pe else {
            continue;
        };
        for f in crate::fs::gfm::created_files(g) {
            if let Some(size) = f.fcp.file_size()
                && f.content_end > size as usize
            {
                let msg = format!(
                    "{}: content ends at byte {}, beyond the file size {size}",
                    f.name(),
                    f.content_end
                );
                c.at(Severity::Error, "file.size", i, msg);
            }
        }
    }
    for f in pkg.files() {
        let name = format!("{}/{}", f.pe_name, names::display_name(f.component));
        let end = f.file.content_end();
        if let Some(fcp) = f.file.fcp() {
            if let Some(raw) = &fcp.ef_file_size
                && (raw.is_empty() || (raw.len() > 1 && raw.first() == Some(&0)))
            {
                c.at(
                    Severity::Error,
                    "file.size-encoding",
                    f.element_index,
                    format!(
                        "{name}: efFileSize {} is not minimal",
                        hex::encode_upper(raw)
                    ),
                );
            }
            if let (Some(size), Some(rec)) = (fcp.file_size(), fcp.record_length())
                && rec > 0
                && size % u32::from(rec) != 0
            {
                c.at(
                    Severity::Error,
                    "file.size",
                    f.element_index,
                    format!("{name}: size {size} is not a multiple of the record length {rec}"),
                );
            }
        }
        if let Some(size) = f.size()
            && end > size
        {
            c.at(
                Severity::Error,
                "file.size",
                f.element_index,
                format!("{name}: content ends at byte {end}, beyond the file size {size}"),
            );
        }
        if f.component == "ef-imsi" && f.pe_label != "CSIM" && end > 0 {
            let img = f.read();
            if img.first().is_none_or(|l| !(1..=8).contains(l)) {
                c.at(
                    Severity::Error,
                    "file.imsi",
                    f.element_index,
                    format!("{name}: IMSI length byte is not in 1..8"),
                );
            }
        }
    }
}
