//! Files created by `PE-GenericFileManagement` (TCA SAIP v3.3.1 §8.3.5): each
//! `createFCP` opens a file in the directory selected by the last `filePath`; the
//! `fillFileOffset` / `fillFileContent` that follow write into it.

use crate::model::{Fcp, FileManagementItem, PeGenericFileManagement};

/// A file created by a generic file management PE.
#[derive(Debug, Clone)]
pub struct GfmFile<'a> {
    /// The directory path selected before the creation (empty = MF).
    pub path: &'a [u8],
    pub fcp: &'a Fcp,
    /// One past the last byte written by the fill commands that follow.
    pub content_end: usize,
}

impl GfmFile<'_> {
    /// "path/FID" in hex, e.g. "7FD0/6F42".
    pub fn name(&self) -> String {
        let fid = self
            .fcp
            .file_id
            .as_ref()
            .map_or_else(|| "????".into(), hex::encode_upper);
        if self.path.is_empty() {
            fid
        } else {
            format!("{}/{fid}", hex::encode_upper(self.path))
        }
    }
}

/// The files created by `pe`, in order.
pub fn created_files(pe: &PeGenericFileManagement) -> Vec<GfmFile<'_>> {
    let mut out: Vec<GfmFile<'_>> = Vec::new();
    for cmds in &pe.file_management_cmd {
        let mut path: &[u8] = &[];
        let mut pos = 0usize;
        let mut current: Option<usize> = None;
        for item in &cmds.0 {
            match item {
                FileManagementItem::FilePath(p) => {
                    path = p;
                    current = None;
                }
                FileManagementItem::CreateFcp(fcp) => {
                    out.push(GfmFile {
                        path,
                        fcp,
                        content_end: 0,
                    });
                    current = Some(out.len() - 1);
                    pos = 0;
                }
                FileManagementItem::FillFileOffset(n) => pos += usize::from(*n),
                FileManagementItem::FillFileContent(c) => {
                    pos += c.len();
                    if let Some(f) = current.and_then(|i| out.get_mut(i)) {
                        f.content_end = pos;
                    }
                }
            }
        }
    }
    out
}
