//! Access rules referenced by EF.ARR (ETSI TS 102 221 §9.2.4, expanded format of
//! ISO/IEC 7816-4 §9.3): access mode DO `80`, then security condition DOs `90` (always),
//! `97` (never), `A4` (user authentication: key reference `83`), `A0` (OR), `AF` (AND).
//! Rules after a command header DO `84` are not evaluated.

use super::fs::{FileSystem, NodeId};

/// Access mode bits for EFs (ISO/IEC 7816-4 Table 17).
pub const READ: u8 = 0x01;
pub const UPDATE: u8 = 0x02;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Cond {
    Always,
    Never,
    Key(u8),
    Or(Vec<Cond>),
    And(Vec<Cond>),
}

/// Splits BER-TLVs with one-byte tags and short or `81` lengths.
fn tlvs(mut raw: &[u8]) -> Vec<(u8, &[u8])> {
    let mut out = Vec::new();
    while let [tag, rest @ ..] = raw {
        if *tag == 0xFF || *tag == 0x00 {
            break;
        }
        let (len, rest) = match rest {
            [0x81, l, r @ ..] => (usize::from(*l), r),
            [l, r @ ..] if *l < 0x80 => (usize::from(*l), r),
            _ => break,
        };
        let Some((value, next)) = rest.split_at_checked(len) else {
            break;
        };
        out.push((*tag, value));
        raw = next;
    }
    out
}

fn cond(tag: u8, value: &[u8]) -> Option<Cond> {
    match tag {
        0x90 => Some(Cond::Always),
        0x97 => Some(Cond::Never),
        0xA4 => tlvs(value)
            .into_iter()
            .find(|(t, _)| *t == 0x83)
            .and_then(|(_, v)| v.first().copied())
            .map(Cond::Key),
        0xA0 => Some(Cond::Or(
            tlvs(value)
                .into_iter()
                .filter_map(|(t, v)| cond(t, v))
                .collect(),
        )),
        0xAF => Some(Cond::And(
            tlvs(value)
                .into_iter()
                .filter_map(|(t, v)| cond(t, v))
                .collect(),
        )),
        _ => None,
    }
}

fn holds(c: &Cond, key_ok: &dyn Fn(u8) -> bool) -> bool {
    match c {
        Cond::Always => true,
        Cond::Never => false,
        Cond::Key(k) => key_ok(*k),
        Cond::Or(v) => v.iter().any(|c| holds(c, key_ok)),
        Cond::And(v) => v.iter().all(|c| holds(c, key_ok)),
    }
}

/// Whether the ARR record `rule` grants `mode` (several SC DOs after one AM DO: any one
/// suffices). A mode no AM DO names is never allowed.
pub fn allows(rule: &[u8], mode: u8, key_ok: &dyn Fn(u8) -> bool) -> bool {
    let mut current: Option<u8> = None;
    let mut conds: Vec<Cond> = Vec::new();
    let mut verdict = None;
    let finish = |am: Option<u8>, conds: &mut Vec<Cond>, verdict: &mut Option<bool>| {
        if verdict.is_none() && am.is_some_and(|am| am & mode != 0) {
            *verdict = Some(conds.iter().any(|c| holds(c, key_ok)));
        }
        conds.clear();
    };
    for (tag, value) in tlvs(rule) {
        match tag {
            0x80 => {
                finish(current, &mut conds, &mut verdict);
                current = value.last().copied();
            }
            0x84 => {
                finish(current, &mut conds, &mut verdict);
                current = None;
            }
            t => {
                if let Some(c) = cond(t, value) {
                    conds.push(c);
                }
            }
        }
    }
    finish(current, &mut conds, &mut verdict);
    verdict.unwrap_or(false)
}

/// The ARR record that applies to `id`: EF.ARR with the referenced FID, looked up in
/// the file's DF and then its parents (TS 102 221 §9.2.4). `None`: no rule, free access.
pub fn rule_of(fs: &FileSystem, id: NodeId) -> Option<Result<Vec<u8>, ()>> {
    let node = fs.node(id)?;
    let arr = node.arr.as_deref()?;
    let (fid, rec) = match arr {
        [a, b, r] => ([*a, *b], *r),
        [a, b, _se, r, ..] => ([*a, *b], *r),
        _ => return Some(Err(())),
    };
    let mut dir = Some(fs.dir_of(id));
    while let Some(d) = dir {
        if let Some(ef) = fs.child(d, fid)
            && let Some((rl, n)) = fs.node(ef).and_then(|e| e.records())
        {
            let r = usize::from(rec);
            if r == 0 || r > n {
                return Some(Err(()));
            }
            let start = (r - 1) * rl;
            return Some(
                fs.node(ef)
                    .and_then(|e| e.data.get(start..start + rl))
                    .map(<[u8]>::to_vec)
                    .ok_or(()),
            );
        }
        dir = fs.node(d).and_then(|n| n.parent);
    }
    Some(Err(()))
}

/// Whether `mode` on `id` is allowed. A reference to an EF.ARR record the package does
/// not carry (the SAIP template's default ARR contents are not modelled) falls back to
/// read always, anything else ADM1.
pub fn permitted(fs: &FileSystem, id: NodeId, mode: u8, key_ok: &dyn Fn(u8) -> bool) -> bool {
    match rule_of(fs, id) {
        None => true,
        Some(Ok(rule)) => allows(&rule, mode, key_ok),
        Some(Err(())) => mode == READ || key_ok(0x0A),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn ts48_rules() {
        // Read PIN1, update PIN2, the rest ADM1.
        let r = hex::decode("800101A406830101950108800102A406830181950108800158A40683010A950108")
            .unwrap();
        assert!(allows(&r, READ, &|k| k == 1));
        assert!(!allows(&r, READ, &|k| k == 0x81));
        assert!(allows(&r, UPDATE, &|k| k == 0x81));
        // Read always, update ADM1, command header rule ignored.
        let r = hex::decode("8001019000800102A40683010A9501088401D4A40683010A950108").unwrap();
        assert!(allows(&r, READ, &|_| false));
        assert!(!allows(&r, UPDATE, &|_| false));
        assert!(allows(&r, UPDATE, &|k| k == 0x0A));
        // Never; AND/OR templates; garbage.
        assert!(!allows(&hex::decode("8001039700").unwrap(), READ, &|_| {
            true
        }));
        let and = hex::decode("800101AF10A406830101950108A406830181950108").unwrap();
        assert!(!allows(&and, READ, &|k| k == 1));
        assert!(allows(&and, READ, &|_| true));
        assert!(!allows(&[0x80, 0x05, 0x01], READ, &|_| true));
        assert!(!allows(&[], READ, &|_| true));
    }
}
