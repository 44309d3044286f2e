//! Reading and writing the content of a `File` (TCA SAIP v3.3.1 §8.3.2): the content is
//! the sequence of `fillFileContent` items, each placed after the previous one and
//! after any `fillFileOffset` skip (relative to the current position).

use thiserror::Error;

use crate::model::{Fcp, File, FileItem};

/// A file content operation failed.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ContentError {
    #[error("write of {len} bytes at offset {offset} exceeds the file size {size}")]
    TooLarge {
        offset: usize,
        len: usize,
        size: usize,
    },
    #[error("a fillFileOffset or fillFileContent is too large for a UInt16 offset")]
    Offset,
}

impl File {
    /// The file's FCP, if the profile gives one (else the template's apply).
    pub fn fcp(&self) -> Option<&Fcp> {
        self.0.iter().find_map(|i| match i {
            FileItem::FileDescriptor(f) => Some(f.as_ref()),
            _ => None,
        })
    }

    /// Whether the file is marked `doNotCreate`.
    pub fn do_not_create(&self) -> bool {
        self.0
            .iter()
            .any(|i| matches!(i, FileItem::DoNotCreate(())))
    }

    /// Content segments as (absolute offset, bytes), in order.
    pub fn segments(&self) -> Vec<(usize, &[u8])> {
        let mut pos = 0usize;
        let mut out = Vec::new();
        for item in &self.0 {
            match item {
                FileItem::FillFileOffset(n) => pos += usize::from(*n),
                FileItem::FillFileContent(c) => {
                    out.push((pos, c.as_ref()));
                    pos += c.len();
                }
                _ => {}
            }
        }
        out
    }

    /// One past the last byte the profile writes (0 if it writes none).
    pub fn content_end(&self) -> usize {
        self.segments().last().map_or(0, |(o, c)| o + c.len())
    }

    /// The file image of `size` bytes (or up to the content end if larger): written
    /// bytes over `fill` (the FCP fill pattern's byte if any, else 'FF').
    pub fn image(&self, size: usize) -> Vec<u8> {
        let fill = self.fcp().map_or(0xFF, Fcp::fill_byte);
        let mut out = vec![fill; size.max(self.content_end())];
        for (off, c) in self.segments() {
            if let Some(dst) = out.get_mut(off..off + c.len()) {
                dst.copy_from_slice(c);
            }
        }
        out
    }

    /// Writes `data` at `offset`. When one existing `fillFileContent` covers the range it
    /// is patched in place (the item layout stays as it was); otherwise the content items
    /// are rebuilt from the merged segments. `max_size`, when known, bounds the write.
    pub fn write_at(
        &mut self,
        offset: usize,
        data: &[u8],
        max_size: Option<usize>,
    ) -> Result<(), ContentError> {
        if let Some(size) = max_size
            && offset + data.len() > size
        {
            return Err(ContentError::TooLarge {
                offset,
                len: data.len(),
                size,
            });
        }
        let mut pos = 0usize;
        for item in &mut self.0 {
            match item {
                FileItem::FillFileOffset(n) => pos += usize::from(*n),
                FileItem::FillFileContent(c) => {
                    if offset >= pos && offset + data.len() <= pos + c.len() {
                        let mut v = c.to_vec();
                        let start = offset - pos;
                        if let Some(dst) = v.get_mut(start..start + data.len()) {
                            dst.copy_from_slice(data);
                            *c = v.into();
                            return Ok(());
                        }
                    }
                    pos += c.len();
                }
                _ => {}
            }
        }
        self.rebuild_with(offset, data)
    }

    /// Rebuilds the content items: merged segments separated by `fillFileOffset` skips.
    fn rebuild_with(&mut self, offset: usize, data: &[u8]) -> Result<(), ContentError> {
        let end = self.content_end().max(offset + data.len());
        // Byte map: Some(b) where written.
        let mut map: Vec<Option<u8>> = vec![None; end];
        for (off, c) in self.segments() {
            for (i, b) in c.iter().enumerate() {
                if let Some(slot) = map.get_mut(off + i) {
                    *slot = Some(*b);
                }
            }
        }
        for (i, b) in data.iter().enumerate() {
            if let Some(slot) = map.get_mut(offset + i) {
                *slot = Some(*b);
            }
        }
        self.0.retain(|i| {
            !matches!(
                i,
                FileItem::FillFileOffset(_) | FileItem::FillFileContent(_)
            )
        });
        let mut pos = 0usize;
        let mut i = 0usize;
        while i < map.len() {
            if map.get(i).copied().flatten().is_none() {
                i += 1;
                continue;
            }
            let start = i;
            let mut run = Vec::new();
            while let Some(Some(b)) = map.get(i) {
                run.push(*b);
                i += 1;
            }
            if start > pos {
                let skip = u16::try_from(start - pos).map_err(|_| ContentError::Offset)?;
                self.0.push(FileItem::FillFileOffset(skip));
            }
            pos = i;
            self.0.push(FileItem::FillFileContent(run.into()));
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn file(items: Vec<FileItem>) -> File {
        File(items)
    }

    #[test]
    fn segments_follow_relative_offsets() {
        let f = file(vec![
            FileItem::FillFileContent(vec![1, 2].into()),
            FileItem::FillFileOffset(3),
            FileItem::FillFileContent(vec![9].into()),
        ]);
        assert_eq!(f.segments(), vec![(0, &[1u8, 2][..]), (5, &[9u8][..])]);
        assert_eq!(f.image(8), vec![1, 2, 0xFF, 0xFF, 0xFF, 9, 0xFF, 0xFF]);
    }

    #[test]
    fn write_inside_a_segment_keeps_the_layout() {
        let mut f = file(vec![FileItem::FillFileContent(vec![0; 9].into())]);
        f.write_at(0, &[8, 9], Some(9)).unwrap();
        assert_eq!(
            f.0,
            vec![FileItem::FillFileContent(
                vec![8, 9, 0, 0, 0, 0, 0, 0, 0].into()
            )]
        );
    }

    #[test]
    fn write_across_a_gap_rebuilds() {
        let mut f = file(vec![
            FileItem::FillFileContent(vec![1].into()),
            FileItem::FillFileOffset(4),
            FileItem::FillFileContent(vec![2].into()),
        ]);
        f.write_at(1, &[7, 7], None).unwrap();
        assert_eq!(
            f.0,
            vec![
                FileItem::FillFileContent(vec![1, 7, 7].into()),
                FileItem::FillFileOffset(2),
                FileItem::FillFileContent(vec![2].into()),
            ]
        );
        assert_eq!(
            f.write_at(5, &[1, 2], Some(6)),
            Err(ContentError::TooLarge {
                offset: 5,
                len: 2,
                size: 6
            })
        );
    }
}
