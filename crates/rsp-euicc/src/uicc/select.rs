//! SELECT (ETSI TS 102 221 §11.1.1, file selection rules §8.4.1, §8.5): by FID, child
//! DF, child EF, parent, DF name (partial AID), path from the MF or from the current DF.

use super::fs::{FileSystem, MF, NodeId};
use super::sw;

/// What a logical channel has selected (TS 102 221 §8.4.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub df: NodeId,
    pub ef: Option<NodeId>,
    /// Current application (ADF), reachable as `7FFF`.
    pub app: Option<NodeId>,
    /// Record pointer of the current record EF (1-based).
    pub record: Option<usize>,
}

impl Default for Cursor {
    fn default() -> Self {
        Cursor {
            df: MF,
            ef: None,
            app: None,
            record: None,
        }
    }
}

fn fid_of(data: &[u8]) -> Result<[u8; 2], u16> {
    data.try_into().map_err(|_| sw::WRONG_LENGTH)
}

/// The file `fid` as seen from the current DF (§8.4.1): the MF, the current ADF
/// (`7FFF`), the current DF itself, its children, its parent, or a DF sibling.
fn by_fid(fs: &FileSystem, cur: &Cursor, fid: [u8; 2]) -> Option<NodeId> {
    if fid == [0x3F, 0x00] {
        return Some(MF);
    }
    if fid == [0x7F, 0xFF] {
        return cur.app;
    }
    let df = cur.df;
    if fs.node(df).is_some_and(|n| n.fid == fid) {
        return Some(df);
    }
    if let Some(c) = fs.child(df, fid) {
        return Some(c);
    }
    let parent = fs.node(df).and_then(|n| n.parent)?;
    if fs.node(parent).is_some_and(|n| n.fid == fid) {
        return Some(parent);
    }
    fs.child(parent, fid)
        .filter(|c| fs.node(*c).is_some_and(|n| n.is_df()))
}

/// Follows `path` (pairs of FID bytes) from `start`; `7FFF` first means the current
/// ADF, `3F00` first the MF.
fn by_path(fs: &FileSystem, cur: &Cursor, start: NodeId, path: &[u8]) -> Result<NodeId, u16> {
    if path.is_empty() || !path.len().is_multiple_of(2) {
        return Err(sw::WRONG_LENGTH);
    }
    let (first, rest) = path.split_at(2);
    let origin = match first {
        [0x7F, 0xFF] => cur.app.ok_or(sw::FILE_NOT_FOUND)?,
        [0x3F, 0x00] => MF,
        _ => return fs.resolve_path(start, path).ok_or(sw::FILE_NOT_FOUND),
    };
    if rest.is_empty() {
        return Ok(origin);
    }
    fs.resolve_path(origin, rest).ok_or(sw::FILE_NOT_FOUND)
}

/// Resolves a SELECT and moves the cursor; returns the selected file.
pub fn select(
    fs: &FileSystem,
    cur: &mut Cursor,
    p1: u8,
    p2: u8,
    data: &[u8],
) -> Result<NodeId, u16> {
    if p2 & 0x03 != 0 || !matches!(p2 & 0x0C, 0x00 | 0x04 | 0x0C) {
        return Err(sw::WRONG_P1P2);
    }
    let target = match p1 {
        0x00 if data.is_empty() => MF,
        0x00 => by_fid(fs, cur, fid_of(data)?).ok_or(sw::FILE_NOT_FOUND)?,
        0x01 => fs
            .child(cur.df, fid_of(data)?)
            .filter(|c| fs.node(*c).is_some_and(|n| n.is_df()))
            .ok_or(sw::FILE_NOT_FOUND)?,
        0x02 => fs
            .child(cur.df, fid_of(data)?)
            .filter(|c| fs.node(*c).is_some_and(|n| !n.is_df()))
            .ok_or(sw::FILE_NOT_FOUND)?,
        0x03 => {
            if !data.is_empty() {
                return Err(sw::WRONG_LENGTH);
            }
            fs.node(cur.df)
                .and_then(|n| n.parent)
                .ok_or(sw::FILE_NOT_FOUND)?
        }
        0x04 => fs.adf_by_aid(data).ok_or(sw::FILE_NOT_FOUND)?,
        0x08 => by_path(fs, cur, MF, data)?,
        0x09 => by_path(fs, cur, cur.df, data)?,
        _ => return Err(sw::WRONG_P1P2),
    };
    let node = fs.node(target).ok_or(sw::FILE_NOT_FOUND)?;
    if node.is_df() {
        cur.df = target;
        cur.ef = None;
    } else {
        cur.df = node.parent.unwrap_or(MF);
        cur.ef = Some(target);
    }
    cur.record = None;
    // The current application follows the selected file (an MF selection keeps it).
    if let Some(adf) = fs.adf_of(target) {
        cur.app = Some(adf);
    }
    Ok(target)
}
