//! FCP template returned by SELECT and STATUS (ETSI TS 102 221 §11.1.1.3).

use super::fs::{Kind, Node, Structure};

/// Appends one short-form TLV (values here are always < 128 bytes).
fn put(out: &mut Vec<u8>, tag: u8, value: &[u8]) {
    out.push(tag);
    out.push(value.len() as u8);
    out.extend_from_slice(value);
}

/// File descriptor (`82`, §11.1.1.4.3): DF `78 21`; EF `41 21` / `42 21 00 rl n` /
/// `46 21 00 rl n` / BER-TLV `39 21`.
fn descriptor(node: &Node) -> Vec<u8> {
    match node.kind {
        Kind::Df => vec![0x78, 0x21],
        Kind::Ef { structure, .. } => {
            let first = match structure {
                Structure::Transparent => 0x41,
                Structure::LinearFixed => 0x42,
                Structure::Cyclic => 0x46,
                Structure::BerTlv => 0x39,
            };
            match node.records() {
                Some((rl, n)) => {
                    let rl = (rl as u16).to_be_bytes();
                    vec![first, 0x21, rl[0], rl[1], n.min(255) as u8]
                }
                None => vec![first, 0x21],
            }
        }
    }
}

/// PIN status template DO (`C6`, §9.5.2): PS_DO with one bit per key reference
/// (b8 first, set = PIN enabled), then the key references.
fn pin_status(refs: &[u8], enabled: &dyn Fn(u8) -> bool) -> Vec<u8> {
    let mut ps = vec![0u8; refs.len().div_ceil(8).max(1)];
    for (i, r) in refs.iter().enumerate() {
        if enabled(*r)
            && let Some(b) = ps.get_mut(i / 8)
        {
            *b |= 0x80 >> (i % 8);
        }
    }
    let mut out = Vec::new();
    put(&mut out, 0x90, &ps);
    for r in refs {
        if *r == 0x01 || (0x81..=0x88).contains(r) {
            // Usage qualifier: user verification (PIN) for PIN1/PIN2.
            put(&mut out, 0x95, &[0x08]);
        }
        put(&mut out, 0x83, &[*r]);
    }
    out
}

/// The FCP of `node` (`62` template). `enabled` tells whether a PIN is enabled.
pub fn fcp(node: &Node, enabled: &dyn Fn(u8) -> bool) -> Vec<u8> {
    let mut body = Vec::new();
    put(&mut body, 0x82, &descriptor(node));
    put(&mut body, 0x83, &node.fid);
    if node.is_df() {
        if let Some(aid) = &node.aid {
            put(&mut body, 0x84, aid);
        }
        // Proprietary information: UICC characteristics (§11.1.1.4.6.1): clock stop
        // allowed, 3 V / 1.8 V supply classes.
        put(&mut body, 0xA5, &[0x80, 0x01, 0x71]);
        put(&mut body, 0x8A, &[node.lcsi]);
        if let Some(arr) = &node.arr {
            put(&mut body, 0x8B, arr);
        }
        put(&mut body, 0xC6, &pin_status(&node.pin_refs, enabled));
    } else {
        put(&mut body, 0x8A, &[node.lcsi]);
        if let Some(arr) = &node.arr {
            put(&mut body, 0x8B, arr);
        }
        let size = (node.data.len().min(0xFFFF) as u16).to_be_bytes();
        put(&mut body, 0x80, &size);
        match node.sfi {
            Some(s) => put(&mut body, 0x88, &[s << 3]),
            None => put(&mut body, 0x88, &[]),
        }
    }
    let mut out = vec![0x62];
    if body.len() > 127 {
        out.push(0x81);
    }
    out.push(body.len() as u8);
    out.extend_from_slice(&body);
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn ef_and_df_templates() {
        let ef = Node {
            fid: [0x2F, 0xE2],
            aid: None,
            kind: Kind::Ef {
                structure: Structure::Transparent,
                record_len: 0,
            },
            parent: Some(0),
            children: vec![],
            sfi: Some(2),
            arr: Some(vec![0x2F, 0x06, 0x03]),
            lcsi: 5,
            pin_refs: vec![],
            data: vec![0; 10],
            key: String::new(),
        };
        assert_eq!(
            hex::encode_upper(fcp(&ef, &|_| false)),
            "62178202412183022FE28A01058B032F06038002000A880110"
        );
        let df = Node {
            kind: Kind::Df,
            fid: [0x3F, 0x00],
            sfi: None,
            pin_refs: vec![0x01, 0x0A],
            data: vec![],
            ..ef
        };
        let out = hex::encode_upper(fcp(&df, &|r| r == 0x0A));
        assert!(out.contains("C60C90014095010883010183010A"), "{out}");
    }
}
