//! READ / UPDATE BINARY, READ / UPDATE RECORD and SEARCH RECORD (ETSI TS 102 221
//! §11.1.3–11.1.7), with the short EF identifier forms and the record pointer.

use super::arr;
use super::fs::{FileSystem, Kind, NodeId, Structure};
use super::select::Cursor;
use super::sw;

/// Access check: `(file, access mode) -> allowed`.
pub type Access<'a> = &'a dyn Fn(&FileSystem, NodeId, u8) -> bool;

/// The EF a command works on: the current EF, or the EF with `sfi` in the current DF
/// (which then becomes the current EF, §8.4.2).
fn target(fs: &FileSystem, cur: &mut Cursor, sfi: Option<u8>) -> Result<NodeId, u16> {
    let id = match sfi {
        Some(s) => {
            let id = fs.by_sfi(cur.df, s).ok_or(sw::FILE_NOT_FOUND)?;
            if cur.ef != Some(id) {
                cur.record = None;
            }
            cur.ef = Some(id);
            id
        }
        None => cur.ef.ok_or(sw::NO_CURRENT_EF)?,
    };
    Ok(id)
}

fn transparent(fs: &FileSystem, id: NodeId) -> Result<(), u16> {
    match fs.node(id).map(|n| &n.kind) {
        Some(Kind::Ef {
            structure: Structure::Transparent,
            ..
        }) => Ok(()),
        _ => Err(sw::INCOMPATIBLE_STRUCTURE),
    }
}

/// P1 b8 set: SFI in P1 b5..b1 and an 8-bit offset in P2; else a 15-bit offset.
fn binary_address(p1: u8, p2: u8) -> (Option<u8>, usize) {
    if p1 & 0x80 != 0 {
        (Some(p1 & 0x1F), usize::from(p2))
    } else {
        (None, usize::from(p1) << 8 | usize::from(p2))
    }
}

/// READ BINARY: `ne` bytes from the offset (Le `00`: up to 256, to the end of file).
pub fn read_binary(
    fs: &FileSystem,
    cur: &mut Cursor,
    p1: u8,
    p2: u8,
    ne: usize,
    access: Access<'_>,
) -> Result<(Vec<u8>, u16), u16> {
    let (sfi, offset) = binary_address(p1, p2);
    let id = target(fs, cur, sfi)?;
    transparent(fs, id)?;
    if !access(fs, id, arr::READ) {
        return Err(sw::SECURITY);
    }
    let data = fs.node(id).map(|n| n.data.as_slice()).unwrap_or_default();
    if offset >= data.len() && !(offset == 0 && data.is_empty()) {
        return Err(sw::WRONG_OFFSET);
    }
    let available = data.len() - offset.min(data.len());
    let want = if ne == 0 { 256 } else { ne };
    let n = want.min(available);
    let out = data.get(offset..offset + n).unwrap_or_default().to_vec();
    // Le `00` reads what there is; a longer explicit Le answers 6282 (§10.2.1.2).
    let status = if n < want && ne != 256 && ne != 0 {
        sw::END_REACHED
    } else {
        sw::OK
    };
    Ok((out, status))
}

/// UPDATE BINARY: writes the data at the offset; the EF does not grow.
pub fn update_binary(
    fs: &mut FileSystem,
    cur: &mut Cursor,
    p1: u8,
    p2: u8,
    data: &[u8],
    access: Access<'_>,
) -> Result<(), u16> {
    let (sfi, offset) = binary_address(p1, p2);
    let id = target(fs, cur, sfi)?;
    transparent(fs, id)?;
    if !access(fs, id, arr::UPDATE) {
        return Err(sw::SECURITY);
    }
    if data.is_empty() {
        return Err(sw::WRONG_LENGTH);
    }
    let node = fs.node_mut(id).ok_or(sw::FILE_NOT_FOUND)?;
    if offset >= node.data.len() {
        return Err(sw::WRONG_OFFSET);
    }
    let dst = node
        .data
        .get_mut(offset..offset + data.len())
        .ok_or(sw::WRONG_LENGTH)?;
    dst.copy_from_slice(data);
    Ok(())
}

/// Record mode of P2 b3..b1 (§11.1.5): `02` next, `03` previous, `04` absolute/current.
fn record_number(
    mode: u8,
    p1: u8,
    pointer: Option<usize>,
    n: usize,
    cyclic: bool,
) -> Result<usize, u16> {
    match mode {
        0x04 if p1 == 0 => pointer.ok_or(sw::RECORD_NOT_FOUND),
        0x04 => {
            let r = usize::from(p1);
            if r <= n {
                Ok(r)
            } else {
                Err(sw::RECORD_NOT_FOUND)
            }
        }
        0x02 => match pointer {
            None => Ok(1),
            Some(r) if r < n => Ok(r + 1),
            Some(_) if cyclic => Ok(1),
            Some(_) => Err(sw::RECORD_NOT_FOUND),
        },
        0x03 => match pointer {
            None => Ok(n),
            Some(r) if r > 1 => Ok(r - 1),
            Some(_) if cyclic => Ok(n),
            Some(_) => Err(sw::RECORD_NOT_FOUND),
        },
        _ => Err(sw::WRONG_P1P2),
    }
}

/// (id, record length, records, cyclic) of the record EF addressed by P2's SFI.
fn record_target(
    fs: &FileSystem,
    cur: &mut Cursor,
    p2: u8,
) -> Result<(NodeId, usize, usize, bool), u16> {
    let sfi = Some(p2 >> 3).filter(|s| *s != 0);
    let id = target(fs, cur, sfi)?;
    let node = fs.node(id).ok_or(sw::FILE_NOT_FOUND)?;
    let (rl, n) = node.records().ok_or(sw::INCOMPATIBLE_STRUCTURE)?;
    let cyclic = matches!(
        node.kind,
        Kind::Ef {
            structure: Structure::Cyclic,
            ..
        }
    );
    Ok((id, rl, n, cyclic))
}

/// READ RECORD: Le must be `00` or the record length (else `6Cxx`).
pub fn read_record(
    fs: &FileSystem,
    cur: &mut Cursor,
    p1: u8,
    p2: u8,
    ne: usize,
    access: Access<'_>,
) -> Result<Vec<u8>, u16> {
    let (id, rl, n, cyclic) = record_target(fs, cur, p2)?;
    if !access(fs, id, arr::READ) {
        return Err(sw::SECURITY);
    }
    let r = record_number(p2 & 0x07, p1, cur.record, n, cyclic)?;
    if ne != 0 && ne != 256 && ne != rl {
        return Err(sw::exact_length(rl));
    }
    if p2 & 0x07 != 0x04 {
        cur.record = Some(r);
    }
    let start = (r - 1) * rl;
    fs.node(id)
        .and_then(|node| node.data.get(start..start + rl))
        .map(<[u8]>::to_vec)
        .ok_or(sw::RECORD_NOT_FOUND)
}

/// UPDATE RECORD: the data must be one whole record. On a cyclic EF only "previous"
/// is allowed: the oldest record is overwritten and becomes record 1 (§11.1.6).
pub fn update_record(
    fs: &mut FileSystem,
    cur: &mut Cursor,
    p1: u8,
    p2: u8,
    data: &[u8],
    access: Access<'_>,
) -> Result<(), u16> {
    let (id, rl, n, cyclic) = record_target(fs, cur, p2)?;
    if !access(fs, id, arr::UPDATE) {
        return Err(sw::SECURITY);
    }
    if data.len() != rl {
        return Err(sw::WRONG_LENGTH);
    }
    let node = fs.node_mut(id).ok_or(sw::FILE_NOT_FOUND)?;
    if cyclic {
        if p2 & 0x07 != 0x03 {
            return Err(sw::WRONG_P1P2);
        }
        node.data.truncate((n - 1) * rl);
        let mut next = data.to_vec();
        next.append(&mut node.data);
        node.data = next;
        cur.record = Some(1);
        return Ok(());
    }
    let r = record_number(p2 & 0x07, p1, cur.record, n, false)?;
    if p2 & 0x07 != 0x04 || p1 == 0 {
        cur.record = Some(r);
    }
    let start = (r - 1) * rl;
    let dst = node
        .data
        .get_mut(start..start + rl)
        .ok_or(sw::RECORD_NOT_FOUND)?;
    dst.copy_from_slice(data);
    Ok(())
}

/// SEARCH RECORD (§11.1.7): simple search (P2 b3..b1 `100`) forward from record P1
/// (`00`: the current record), the pattern compared from the first byte of each
/// record; enhanced search (`110`) with a search indication of mode `04`–`07` and an
/// offset. Returns the matching record numbers; the pointer moves to the first.
pub fn search_record(
    fs: &FileSystem,
    cur: &mut Cursor,
    p1: u8,
    p2: u8,
    data: &[u8],
    access: Access<'_>,
) -> Result<Vec<u8>, u16> {
    let (id, rl, n, _) = record_target(fs, cur, p2)?;
    if !access(fs, id, arr::READ) {
        return Err(sw::SECURITY);
    }
    let first = |p1: u8| -> Result<usize, u16> {
        match p1 {
            0 => cur.record.ok_or(sw::RECORD_NOT_FOUND),
            r if usize::from(r) <= n => Ok(usize::from(r)),
            _ => Err(sw::RECORD_NOT_FOUND),
        }
    };
    let (order, offset, pattern): (Vec<usize>, usize, &[u8]) = match p2 & 0x07 {
        0x04 => ((first(p1)?..=n).collect(), 0, data),
        0x06 => {
            let [mode, offset, pattern @ ..] = data else {
                return Err(sw::WRONG_LENGTH);
            };
            if mode & 0x08 != 0 {
                return Err(sw::WRONG_DATA);
            }
            let start = first(p1).unwrap_or(1);
            let order = match mode & 0x07 {
                0x04 => (start..=n).collect(),
                0x05 => (1..=start).rev().collect(),
                0x06 => (start + 1..=n).collect(),
                0x07 => (1..start).rev().collect(),
                _ => return Err(sw::WRONG_DATA),
            };
            (order, usize::from(*offset), pattern)
        }
        _ => return Err(sw::WRONG_P1P2),
    };
    if pattern.is_empty() || offset + pattern.len() > rl {
        return Err(sw::WRONG_LENGTH);
    }
    let node = fs.node(id).ok_or(sw::FILE_NOT_FOUND)?;
    let mut found = Vec::new();
    for r in order {
        let start = (r - 1) * rl + offset;
        if node.data.get(start..start + pattern.len()) == Some(pattern) {
            found.push(r.min(255) as u8);
        }
    }
    if let Some(r) = found.first() {
        cur.record = Some(usize::from(*r));
    }
    Ok(found)
}
