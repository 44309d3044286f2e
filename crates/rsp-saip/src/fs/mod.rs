//! Files of a package addressed by name: "EF.IMSI", "ef-imsi", or qualified by the PE
//! that holds them, "usim/EF.ARR" or "opt-usim/EF.MSISDN" (TCA SAIP v3.3.1 §8.3).

pub mod content;
pub mod gfm;
pub mod names;

use crate::model::{File, ProfileElement};
use crate::package::ProfilePackage;

pub use content::ContentError;

/// A template file found in a package.
#[derive(Debug, Clone, Copy)]
pub struct FileRef<'a> {
    /// Index of the PE in the package.
    pub element_index: usize,
    /// ASN.1 alternative name of the PE ("usim").
    pub pe_name: &'static str,
    /// Label of the PE type ("USIM").
    pub pe_label: &'static str,
    /// ASN.1 component name ("ef-imsi").
    pub component: &'static str,
    pub file: &'a File,
}

impl FileRef<'_> {
    /// "EF.IMSI".
    pub fn display_name(&self) -> String {
        names::display_name(self.component)
    }

    /// Size from the file's own FCP, else the template default if known.
    pub fn size(&self) -> Option<usize> {
        self.file
            .fcp()
            .and_then(|f| f.file_size())
            .and_then(|s| usize::try_from(s).ok())
            .or_else(|| names::default_size(self.pe_label, self.component))
    }

    /// File identifier: the FCP's, else the template's (if in the table).
    pub fn fid(&self) -> Option<[u8; 2]> {
        self.file
            .fcp()
            .and_then(|f| f.file_id.as_ref())
            .and_then(|b| <[u8; 2]>::try_from(b.as_ref()).ok())
            .or_else(|| names::fid(self.pe_label, self.component))
    }

    /// The content image (size from [`Self::size`], at least the written content).
    pub fn read(&self) -> Vec<u8> {
        self.file.image(self.size().unwrap_or(0))
    }
}

/// Splits "usim/EF.IMSI" into (Some("usim"), "ef-imsi").
fn split_name(name: &str) -> (Option<String>, String) {
    match name.split_once('/') {
        Some((pe, file)) => (Some(pe.trim().to_ascii_lowercase()), names::normalise(file)),
        None => (None, names::normalise(name)),
    }
}

fn pe_matches(qualifier: Option<&str>, pe: &ProfileElement, label: &str) -> bool {
    qualifier.is_none_or(|q| q == pe.name() || q.eq_ignore_ascii_case(label))
}

impl ProfilePackage {
    /// Every template file present, in package order.
    pub fn files(&self) -> Vec<FileRef<'_>> {
        let mut out = Vec::new();
        for (element_index, e) in self.elements.iter().enumerate() {
            let Some(pe) = e.pe() else { continue };
            let Some(t) = pe.as_template() else { continue };
            for (component, file) in t.files() {
                out.push(FileRef {
                    element_index,
                    pe_name: pe.name(),
                    pe_label: t.label(),
                    component,
                    file,
                });
            }
        }
        out
    }

    /// The first file named `name` ("EF.IMSI", or "usim/EF.IMSI" to pick the PE).
    pub fn file(&self, name: &str) -> Option<FileRef<'_>> {
        let (q, n) = split_name(name);
        self.files().into_iter().find(|f| {
            names::matches(&n, f.component)
                && (q.is_none()
                    || q.as_deref() == Some(f.pe_name)
                    || q.as_deref()
                        .is_some_and(|q| q.eq_ignore_ascii_case(f.pe_label)))
        })
    }

    /// The first file named `name`, mutably, with its PE label and component name.
    pub fn file_mut(&mut self, name: &str) -> Option<(&'static str, &'static str, &mut File)> {
        let (q, n) = split_name(name);
        for e in &mut self.elements {
            let Some(pe) = e.pe_mut() else { continue };
            let ok = pe.as_template().is_some_and(|t| {
                pe_matches(q.as_deref(), pe, t.label())
                    && t.components().iter().any(|(c, _)| names::matches(&n, c))
            });
            if !ok {
                continue;
            }
            let Some(t) = pe.as_template_mut() else {
                continue;
            };
            let label = t.label();
            let Some(component) = t
                .components()
                .iter()
                .map(|(c, _)| *c)
                .find(|c| names::matches(&n, c))
            else {
                continue;
            };
            if let Some(f) = t.file_mut(component) {
                return Some((label, component, f));
            }
        }
        None
    }

    /// Writes `data` at `offset` into the file named `name`; `Ok(false)` if absent.
    pub fn write_file(
        &mut self,
        name: &str,
        offset: usize,
        data: &[u8],
    ) -> Result<bool, ContentError> {
        let Some((label, component, file)) = self.file_mut(name) else {
            return Ok(false);
        };
        let size = file
            .fcp()
            .and_then(|f| f.file_size())
            .and_then(|s| usize::try_from(s).ok())
            .or_else(|| names::default_size(label, component));
        file.write_at(offset, data, size)?;
        Ok(true)
    }
}
