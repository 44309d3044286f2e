//! Fast personalisation at the TLV level: the package is parsed structurally (every
//! TLV framed and checked, ITU-T X.690 §8.1) and the values are overwritten in place
//! where the new value has the length of the old one (ICCID, IMSI, K, OPc, PINs, keys,
//! records of the same size). Anything else falls back to the typed path
//! ([`crate::personalise()`]): decode, personalise, encode. Both give the same bytes
//! (tested on the TS.48 profiles and the generic template). The TLV framing here does
//! not check DER canonicity: a non-canonical package is patched as it is, while the
//! typed path refuses it ([`CodecError::NotDer`]), so the two never disagree.

use core::ops::Range;

use crate::error::CodecError;
use crate::model::aka::algorithm;
use crate::model::pin::key_ref;
use crate::model::{PeMf, PeOptUsim, PeUsim};
use crate::package::ProfilePackage;
use crate::personalise::{PersoError, Personalisation, personalise};
use crate::tlv::{self, Class};

/// Nesting depth accepted by the structural parse (the model needs about 10).
const MAX_DEPTH: usize = 24;

/// Which path produced the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathTaken {
    /// Values overwritten in place.
    Patched,
    /// Decoded, personalised and re-encoded with the typed model.
    Typed,
}

/// A framed TLV: tag, and the byte ranges of the whole TLV and of its value.
#[derive(Debug, Clone, Copy)]
struct Tlv {
    class: Class,
    constructed: bool,
    number: u32,
    value: (usize, usize),
}

impl Tlv {
    fn range(&self) -> Range<usize> {
        self.value.0..self.value.1
    }
    fn is(&self, class: Class, number: u32) -> bool {
        self.class == class && self.number == number
    }
}

/// The TLVs in `within`.
fn children(buf: &[u8], within: Range<usize>) -> Vec<Tlv> {
    let mut out = Vec::new();
    let mut pos = within.start;
    while pos < within.end {
        let Some(rest) = buf.get(pos..within.end) else {
            break;
        };
        let Ok(h) = tlv::read_header(rest) else { break };
        let start = pos + h.header_len;
        out.push(Tlv {
            class: h.class,
            constructed: h.constructed,
            number: h.number,
            value: (start, start + h.content_len),
        });
        pos = start + h.content_len;
    }
    out
}

/// The children of a constructed TLV (none for a primitive one).
fn kids(buf: &[u8], t: &Tlv) -> Vec<Tlv> {
    if t.constructed {
        children(buf, t.range())
    } else {
        Vec::new()
    }
}

fn child(buf: &[u8], t: &Tlv, class: Class, number: u32) -> Option<Tlv> {
    kids(buf, t).into_iter().find(|c| c.is(class, number))
}

fn ctx(buf: &[u8], t: &Tlv, number: u32) -> Option<Tlv> {
    child(buf, t, Class::Context, number)
}

fn uint(buf: &[u8], t: &Tlv) -> Option<u64> {
    let v = buf.get(t.range())?;
    if v.is_empty() || v.len() > 8 {
        return None;
    }
    Some(v.iter().fold(0u64, |a, b| (a << 8) | u64::from(*b)))
}

/// Checks that every constructed TLV is exactly filled by its children.
fn check_structure(buf: &[u8], within: Range<usize>, depth: usize) -> Result<(), &'static str> {
    if depth > MAX_DEPTH {
        return Err("nesting too deep");
    }
    let mut pos = within.start;
    while pos < within.end {
        let rest = buf.get(pos..within.end).ok_or("truncated")?;
        let h = tlv::read_header(rest)?;
        let start = pos + h.header_len;
        if h.constructed {
            check_structure(buf, start..start + h.content_len, depth + 1)?;
        }
        pos = start + h.content_len;
    }
    Ok(())
}

/// Frames the elements of a package and checks their TLV structure.
fn frame(buf: &[u8]) -> Result<Vec<Tlv>, CodecError> {
    if buf.is_empty() {
        return Err(CodecError::Empty);
    }
    let mut out = Vec::new();
    let mut pos = 0usize;
    while pos < buf.len() {
        let index = out.len();
        let rest = buf.get(pos..).unwrap_or_default();
        let h = tlv::read_header(rest).map_err(|reason| CodecError::Tlv {
            index,
            offset: pos,
            reason,
        })?;
        if h.class != Class::Context || !h.constructed {
            let tag = hex::encode_upper(rest.get(..1).unwrap_or_default());
            return Err(CodecError::WrongTag {
                index,
                offset: pos,
                tag,
            });
        }
        let start = pos + h.header_len;
        check_structure(buf, start..start + h.content_len, 1).map_err(|reason| {
            CodecError::Tlv {
                index,
                offset: pos,
                reason,
            }
        })?;
        out.push(Tlv {
            class: h.class,
            constructed: true,
            number: h.number,
            value: (start, start + h.content_len),
        });
        pos = start + h.content_len;
    }
    Ok(out)
}

/// Planned overwrites: (range in the input, new bytes of the same length).
type Plan = Vec<(Range<usize>, Vec<u8>)>;

/// Where `data` at file offset `offset` lands, if one `fillFileContent` covers it.
fn file_range(buf: &[u8], file: &Tlv, offset: usize, len: usize) -> Option<Range<usize>> {
    let mut pos = 0usize;
    for item in kids(buf, file) {
        match (item.class, item.number) {
            (Class::Context, 2) => pos += usize::try_from(uint(buf, &item)?).ok()?,
            (Class::Context, 3) => {
                let n = item.value.1 - item.value.0;
                if offset >= pos && offset + len <= pos + n {
                    let s = item.value.0 + offset - pos;
                    return Some(s..s + len);
                }
                pos += n;
            }
            _ => {}
        }
    }
    None
}

/// Record length from the file's FCP (descriptor bytes 3–4, TS 102 221 §11.1.1.4.3).
fn record_length(buf: &[u8], file: &Tlv) -> Option<usize> {
    let fcp = ctx(buf, file, 1)?;
    let fd = buf.get(ctx(buf, &fcp, 2)?.range())?;
    match fd {
        [_, _, r] => Some(usize::from(*r)),
        [_, _, a, b] => Some(usize::from(u16::from_be_bytes([*a, *b]))),
        _ => None,
    }
}

/// The first element with tag `pe` holding component `name` of `components`.
fn template_file(
    buf: &[u8],
    els: &[Tlv],
    pe: u32,
    components: &[(&str, bool)],
    name: &str,
) -> Option<Tlv> {
    let idx = components.iter().position(|(c, _)| *c == name)?;
    let tag = u32::try_from(idx).ok()? + 2;
    els.iter()
        .filter(|e| e.number == pe)
        .find_map(|e| ctx(buf, e, tag))
}

fn plan(buf: &[u8], els: &[Tlv], p: &Personalisation) -> Option<Plan> {
    let mut plan = Plan::new();
    let file_write = |pe: u32,
                      comps: &[(&str, bool)],
                      name: &str,
                      offset: usize,
                      data: Vec<u8>,
                      plan: &mut Plan|
     -> Option<()> {
        let f = template_file(buf, els, pe, comps, name)?;
        plan.push((file_range(buf, &f, offset, data.len())?, data));
        Some(())
    };
    if let Some(iccid) = &p.iccid {
        let h = els.iter().find(|e| e.number == 0)?;
        let field = ctx(buf, h, 3)?;
        let ef = template_file(buf, els, 16, PeMf::COMPONENTS, "ef-iccid")?;
        let old_ef = buf.get(file_range(buf, &ef, 0, 10)?)?;
        let new = iccid.header_bytes_like(buf.get(field.range())?, old_ef);
        if field.value.1 - field.value.0 != new.len() {
            return None;
        }
        plan.push((field.range(), new));
        file_write(
            16,
            PeMf::COMPONENTS,
            "ef-iccid",
            0,
            iccid.ef_iccid(),
            &mut plan,
        )?;
    }
    if let Some(imsi) = &p.imsi {
        file_write(
            19,
            PeUsim::COMPONENTS,
            "ef-imsi",
            0,
            imsi.ef_imsi(),
            &mut plan,
        )?;
    }
    if p.op.is_some() {
        return None;
    }
    if p.ki.is_some() || p.opc.is_some() {
        let mut found = false;
        for aka in els.iter().filter(|e| e.number == 4) {
            let Some(algo) = ctx(buf, aka, 1).and_then(|c| ctx(buf, &c, 1)) else {
                continue;
            };
            found = true;
            let tuak = uint(buf, &ctx(buf, &algo, 0)?)? == u64::from(algorithm::TUAK);
            for (value, tag, expected) in [
                (&p.ki, 2, if tuak { 0 } else { 16 }),
                (&p.opc, 3, if tuak { 32 } else { 16 }),
            ] {
                let Some(v) = value else { continue };
                let field = ctx(buf, &algo, tag)?;
                let same = field.value.1 - field.value.0 == v.len();
                if !same || (expected != 0 && v.len() != expected) {
                    return None;
                }
                plan.push((field.range(), v.expose().to_vec()));
            }
        }
        if !found {
            return None;
        }
    }
    let pins = [
        (&p.pin1, key_ref::PIN_APPL1),
        (&p.pin2, key_ref::SECOND_PIN_APPL1),
        (&p.adm1, key_ref::ADM1),
        (&p.adm2, key_ref::ADM2),
    ];
    for (value, reference) in pins {
        let Some(v) = value else { continue };
        let mut found = false;
        for pe in els.iter().filter(|e| e.number == 2) {
            let Some(list) = ctx(buf, pe, 1).and_then(|c| ctx(buf, &c, 0)) else {
                continue;
            };
            for conf in kids(buf, &list) {
                if uint(buf, &ctx(buf, &conf, 0)?)? != u64::from(reference) {
                    continue;
                }
                let field = ctx(buf, &conf, 1)?;
                if field.value.1 - field.value.0 != v.expose().len() {
                    return None;
                }
                plan.push((field.range(), v.expose().to_vec()));
                found = true;
            }
        }
        if !found {
            return None;
        }
    }
    for (value, reference) in [
        (&p.puk1, key_ref::PUK_APPL1),
        (&p.puk2, key_ref::SECOND_PUK_APPL1),
    ] {
        let Some(v) = value else { continue };
        let mut found = false;
        for pe in els.iter().filter(|e| e.number == 3) {
            let Some(list) = ctx(buf, pe, 1) else {
                continue;
            };
            for conf in kids(buf, &list) {
                if uint(buf, &ctx(buf, &conf, 0)?)? != u64::from(reference) {
                    continue;
                }
                let field = ctx(buf, &conf, 1)?;
                if field.value.1 - field.value.0 != v.expose().len() {
                    return None;
                }
                plan.push((field.range(), v.expose().to_vec()));
                found = true;
            }
        }
        if !found {
            return None;
        }
    }
    if p.ota.kic.is_some() || p.ota.kid.is_some() || p.ota.kik.is_some() {
        let sd = els.iter().find(|e| e.number == 6)?;
        let keys = ctx(buf, sd, 2)?;
        for (id, value) in [(1u8, &p.ota.kic), (2, &p.ota.kid), (3, &p.ota.kik)] {
            let Some(v) = value else { continue };
            let mut found = false;
            for key in kids(buf, &keys) {
                let kid = buf.get(ctx(buf, &key, 2)?.range())?;
                let kvn = buf
                    .get(ctx(buf, &key, 3)?.range())?
                    .first()
                    .copied()
                    .unwrap_or(0);
                let kvn_ok = p.ota.kvn.map_or((0x01..=0x0F).contains(&kvn), |x| x == kvn);
                if kid != [id] || !kvn_ok {
                    continue;
                }
                let comps = child(buf, &key, Class::Universal, 16)?;
                for comp in kids(buf, &comps) {
                    let ktype = buf.get(ctx(buf, &comp, 0)?.range())?;
                    let data = ctx(buf, &comp, 6)?;
                    let old = data.value.1 - data.value.0;
                    let ok = match ktype {
                        [0x80] => [16, 24].contains(&v.len()),
                        [0x88] => [16, 24, 32].contains(&v.len()),
                        _ => true,
                    };
                    if !ok || old != v.len() {
                        return None;
                    }
                    plan.push((data.range(), v.expose().to_vec()));
                }
                found = true;
            }
            if !found {
                return None;
            }
        }
    }
    if let Some(n) = &p.msisdn {
        let f = template_file(buf, els, 20, PeOptUsim::COMPONENTS, "ef-msisdn")?;
        let len = record_length(buf, &f)?;
        let alpha = len.checked_sub(14)?;
        let mut record = vec![0xFF; len];
        record
            .get_mut(alpha..alpha + 12)?
            .copy_from_slice(&n.address12());
        plan.push((file_range(buf, &f, 0, len)?, record));
    }
    if let Some(n) = &p.smsc {
        let f = template_file(buf, els, 19, PeUsim::COMPONENTS, "ef-smsp")?;
        let len = record_length(buf, &f)?;
        let y = len.checked_sub(28)?;
        let range = file_range(buf, &f, 0, len)?;
        let mut record = buf.get(range.clone())?.to_vec();
        *record.get_mut(y)? &= !0x02;
        record
            .get_mut(y + 13..y + 25)?
            .copy_from_slice(&n.address12());
        plan.push((range, record));
    }
    Some(plan)
}

/// Personalises a DER package: in place when possible, else through the typed model.
pub fn personalise_der(template: &[u8], p: &Personalisation) -> Result<Vec<u8>, PersoError> {
    personalise_der_with_path(template, p).map(|(v, _)| v)
}

/// As [`personalise_der`], telling which path was taken.
pub fn personalise_der_with_path(
    template: &[u8],
    p: &Personalisation,
) -> Result<(Vec<u8>, PathTaken), PersoError> {
    let els = frame(template).map_err(PersoError::Codec)?;
    if let Some(plan) = plan(template, &els, p) {
        let mut out = template.to_vec();
        for (range, bytes) in plan {
            if let Some(dst) = out.get_mut(range)
                && dst.len() == bytes.len()
            {
                dst.copy_from_slice(&bytes);
            }
        }
        return Ok((out, PathTaken::Patched));
    }
    let mut pkg = ProfilePackage::decode(template).map_err(PersoError::Codec)?;
    personalise(&mut pkg, p)?;
    Ok((pkg.encode().map_err(PersoError::Codec)?, PathTaken::Typed))
}
