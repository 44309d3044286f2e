//! KDF and SCP03t against vectors not produced by this crate (tests/vectors/README.md).
#![allow(clippy::unwrap_used)]

mod common;
use common::fixture;

use rsp_crypto::kdf::{self, ControlReferenceTemplate, SessionKeys};
use rsp_crypto::scp03t::{self, Scp03t};
use rsp_crypto::{CryptoError, Curve, KeyAgreement, PublicKey, Signer, SoftwareKey};

fn arr(v: &[u8]) -> [u8; 16] {
    v.try_into().unwrap()
}

fn collect(f: &std::collections::HashMap<String, Vec<u8>>, prefix: &str) -> Vec<Vec<u8>> {
    (0..)
        .map_while(|i| f.get(&format!("{prefix}.{i}")).cloned())
        .collect()
}

#[test]
fn kdf_matches_pysim_published_vectors() {
    let f = fixture("bsp_pysim.txt");
    for v in ["kdf1", "kdf2"] {
        let crt = ControlReferenceTemplate::aes128(&f[&format!("{v}.host_id")]);
        let keys = kdf::derive_session_keys_from_bytes(
            &f[&format!("{v}.shs")],
            &crt,
            &f[&format!("{v}.eid")],
        )
        .unwrap();
        assert_eq!(
            keys.s_enc().as_slice(),
            f[&format!("{v}.s_enc")].as_slice(),
            "{v}"
        );
        assert_eq!(
            keys.s_mac().as_slice(),
            f[&format!("{v}.s_mac")].as_slice(),
            "{v}"
        );
        assert_eq!(
            keys.initial_mcv().as_slice(),
            f[&format!("{v}.mcv")].as_slice(),
            "{v}"
        );
    }
}

#[test]
fn scp03t_matches_third_party_smdp_trace() {
    let f = fixture("bsp_pysim.txt");
    let keys = || {
        SessionKeys::from_parts(
            arr(&f["kdf2.mcv"]),
            arr(&f["kdf2.s_enc"]),
            arr(&f["kdf2.s_mac"]),
        )
    };
    let mut dp = Scp03t::new(keys());
    assert_eq!(
        dp.configure_isdp(&f["seq.1.plain"]).unwrap(),
        vec![f["seq.1.protected"].clone()]
    );
    assert_eq!(
        dp.store_metadata(&f["seq.2.plain"]).unwrap(),
        vec![f["seq.2.protected"].clone()]
    );
    assert_eq!(
        dp.replace_session_keys(&f["seq.3.plain"]).unwrap(),
        vec![f["seq.3.protected"].clone()]
    );
    assert_eq!(dp.block_counter(), 4);
    // the eUICC side opens them in the same order
    let mut euicc = Scp03t::new(keys());
    for i in 1..=3 {
        let (tag, plain) = euicc.unprotect(&f[&format!("seq.{i}.protected")]).unwrap();
        assert_eq!(plain, f[&format!("seq.{i}.plain")]);
        assert_eq!(tag, f[&format!("seq.{i}.protected")][0]);
    }
    assert_eq!(euicc.mac_chaining_value(), dp.mac_chaining_value());
}

#[test]
fn ecka_kdf_and_bpp_match_python_cryptography() {
    let f = fixture("bsp_python.txt");
    // ECKA with the RFC 7027 keys through our brainpool backend
    let dp = SoftwareKey::from_scalar(
        Curve::BrainpoolP256r1,
        &common::h("81DB1EE100150FF2EA338D708271BE38300CB54241D79950F77B063039804F1D"),
    )
    .unwrap();
    let euicc = SoftwareKey::from_scalar(
        Curve::BrainpoolP256r1,
        &common::h("55E40BC41E37E3E2AD25C3C6654511FFA8474A91A0032087593852D3E7D76BD3"),
    )
    .unwrap();
    let shs = dp
        .ecka(
            &PublicKey::from_sec1(
                Curve::BrainpoolP256r1,
                Signer::public_key(&euicc).sec1_uncompressed(),
            )
            .unwrap(),
        )
        .unwrap();
    assert_eq!(shs.as_bytes(), f["ecka.shs"].as_slice());
    let crt = ControlReferenceTemplate::aes128(&f["kdf.host_id"]);
    assert_eq!(
        kdf::shared_info(&crt, &f["kdf.eid"]).unwrap(),
        f["kdf.shared_info"]
    );
    let keys = kdf::derive_session_keys(&shs, &crt, &f["kdf.eid"]).unwrap();
    assert_eq!(keys.initial_mcv().as_slice(), f["kdf.mcv"].as_slice());
    assert_eq!(keys.s_enc().as_slice(), f["kdf.s_enc"].as_slice());
    assert_eq!(keys.s_mac().as_slice(), f["kdf.s_mac"].as_slice());

    // BPP order: 87, 88 (two segments), 87
    let mut s = Scp03t::new(keys.clone());
    assert_eq!(
        s.configure_isdp(&f["bpp.configure_isdp"]).unwrap(),
        collect(&f, "bpp.seg87a")
    );
    let seg88 = s.store_metadata(&f["bpp.store_metadata"]).unwrap();
    assert_eq!(seg88.len(), 2);
    assert_eq!(seg88[0].len(), scp03t::MAX_SEGMENT_LEN);
    assert_eq!(seg88, collect(&f, "bpp.seg88"));
    assert_eq!(
        s.replace_session_keys(&f["bpp.replace_session_keys"])
            .unwrap(),
        collect(&f, "bpp.seg87b")
    );
    assert_eq!(
        s.mac_chaining_value().as_slice(),
        f["bpp.final_mcv"].as_slice()
    );

    // the profile under the PPKs: 1007 + 1007 + 130 bytes
    let ppk = || {
        SessionKeys::from_parts(
            arr(&f["ppp.mcv"]),
            arr(&f["ppp.s_enc"]),
            arr(&f["ppp.s_mac"]),
        )
    };
    let mut p = Scp03t::new(ppk());
    let segs = p.profile_segments(&f["ppp.profile"]).unwrap();
    assert_eq!(segs, collect(&f, "ppp.seg86"));
    assert_eq!(&segs[0][..4], &[0x86, 0x82, 0x03, 0xF8]);
    assert_eq!(segs[0].len(), 1020);
    assert_eq!(&segs[2][..3], &[0x86, 0x81, 0x98]);
    let mut q = Scp03t::new(ppk());
    assert_eq!(
        q.protect(0x86, &f["small.plaintext"]).unwrap(),
        f["small.seg86"]
    );

    // and back
    let mut e = Scp03t::new(ppk());
    let plain = e
        .unprotect_segments(0x86, segs.iter().map(Vec::as_slice))
        .unwrap();
    assert_eq!(plain, f["ppp.profile"]);
    let mut e = Scp03t::new(ppk());
    assert_eq!(
        e.unprotect_sequence(0x86, &segs.concat()).unwrap(),
        f["ppp.profile"]
    );
    let mut e = Scp03t::new(keys);
    e.unprotect_segments(0x87, collect(&f, "bpp.seg87a").iter().map(Vec::as_slice))
        .unwrap();
    let meta = e
        .unprotect_segments(0x88, seg88.iter().map(Vec::as_slice))
        .unwrap();
    assert_eq!(meta, f["bpp.store_metadata"]);
}

fn session() -> Scp03t {
    Scp03t::new(SessionKeys::from_parts([1; 16], [2; 16], [3; 16]))
}

#[test]
fn segment_size_limits() {
    let mut s = session();
    assert!(s.protect(0x86, &[0u8; 1007]).unwrap().len() == 1020);
    assert!(s.protect(0x86, &[0u8; 1008]).is_err());
    assert!(s.protect(0x88, &[0u8; 1008]).unwrap().len() == 1020);
    assert!(s.protect(0x88, &[0u8; 1009]).is_err());
    assert!(s.protect(0x89, &[0u8; 1]).is_err());
    assert!(s.profile_segments(&[]).is_err());
    // a 30 KB profile: every segment ≤ 1020 bytes, all segments but the last are full
    let profile: Vec<u8> = (0..30_000u32).map(|i| (i % 253) as u8).collect();
    let segs = s.profile_segments(&profile).unwrap();
    assert_eq!(segs.len(), 30_000usize.div_ceil(1007));
    assert!(segs.iter().all(|x| x.len() <= scp03t::MAX_SEGMENT_LEN));
    assert!(segs[..segs.len() - 1].iter().all(|x| x.len() == 1020));
    // padding is always added: 16 bytes of plaintext give 32 of ciphertext
    let seg = session().protect(0x86, &[0u8; 16]).unwrap();
    assert_eq!(seg.len(), 2 + 32 + 8);
    // empty plaintext still gets one padding block
    assert_eq!(session().protect(0x87, &[]).unwrap().len(), 2 + 16 + 8);
}

#[test]
fn unprotect_rejects_tampering_in_constant_time_paths() {
    let mut dp = session();
    let segs = dp.profile_segments(&[0x42u8; 1500]).unwrap();
    // flip each region: tag, length, ciphertext, MAC
    for pos in [0usize, 2, 10, segs[0].len() - 1] {
        let mut bad = segs[0].clone();
        bad[pos] ^= 1;
        let mut e = session();
        assert!(e.unprotect(&bad).is_err(), "pos {pos}");
        // a failure leaves the state unchanged: the genuine segment still opens
        assert_eq!(e.block_counter(), 1);
        e.unprotect(&segs[0]).unwrap();
    }
    let mut e = session();
    assert_eq!(
        e.unprotect(&segs[0][..segs[0].len() - 1]).unwrap_err(),
        CryptoError::Tlv("value truncated")
    );
    // wrong order: segment 2 first fails the MAC chain
    assert_eq!(session().unprotect(&segs[1]).unwrap_err(), CryptoError::Mac);
    // replay of the same segment fails
    let mut e = session();
    e.unprotect(&segs[0]).unwrap();
    assert_eq!(e.unprotect(&segs[0]).unwrap_err(), CryptoError::Mac);
    // trailing bytes, other tags, too short for a MAC
    let mut e = session();
    let mut long = segs[0].clone();
    long.push(0);
    assert!(e.unprotect(&long).is_err());
    assert!(e.unprotect(&[0x86, 0x03, 1, 2, 3]).is_err());
    assert!(e.unprotect(&[0x85, 0x08, 0, 0, 0, 0, 0, 0, 0, 0]).is_err());
    assert!(e.unprotect(&[]).is_err());
    assert!(e.unprotect_segments(0x87, [segs[0].as_slice()]).is_err());
}

/// Builds a segment with a valid MAC around arbitrary ciphertext, to reach the
/// decryption and padding checks behind the MAC.
fn forge(keys: &SessionKeys, tag: u8, data: &[u8]) -> Vec<u8> {
    use aes::Aes128;
    use cmac::{Cmac, KeyInit, Mac};
    let mut out = vec![tag];
    scp03t::encode_length(data.len() + 8, &mut out);
    let mut mac = <Cmac<Aes128> as KeyInit>::new(keys.s_mac().into());
    mac.update(keys.initial_mcv());
    mac.update(&out);
    mac.update(data);
    let full = mac.finalize().into_bytes();
    out.extend_from_slice(data);
    out.extend_from_slice(&full[..8]);
    out
}

#[test]
fn padding_and_block_errors_are_typed() {
    use aes::Aes128;
    use aes::cipher::{
        BlockCipherEncrypt, BlockModeEncrypt, KeyInit, KeyIvInit, block_padding::NoPadding,
    };
    let keys = SessionKeys::from_parts([1; 16], [2; 16], [3; 16]);
    let icv = {
        let mut b = aes::Block::from(1u128.to_be_bytes());
        Aes128::new(keys.s_enc().into()).encrypt_block(&mut b);
        b
    };
    let enc = |plain: &[u8]| {
        cbc::Encryptor::<Aes128>::new(keys.s_enc().into(), &icv)
            .encrypt_padded_vec::<NoPadding>(plain)
    };
    // no 80 marker
    let seg = forge(&keys, 0x86, &enc(&[0u8; 16]));
    assert_eq!(
        Scp03t::new(keys.clone()).unprotect(&seg).unwrap_err(),
        CryptoError::Padding
    );
    // garbage after the 80 marker
    let mut p = [0u8; 16];
    p[10] = 0x80;
    p[15] = 1;
    let seg = forge(&keys, 0x86, &enc(&p));
    assert_eq!(
        Scp03t::new(keys.clone()).unprotect(&seg).unwrap_err(),
        CryptoError::Padding
    );
    // ciphertext not a multiple of 16, and empty
    let seg = forge(&keys, 0x87, &[0u8; 15]);
    assert!(matches!(
        Scp03t::new(keys.clone()).unprotect(&seg),
        Err(CryptoError::Decrypt(_))
    ));
    let seg = forge(&keys, 0x87, &[]);
    assert!(matches!(
        Scp03t::new(keys.clone()).unprotect(&seg),
        Err(CryptoError::Decrypt(_))
    ));
    // and a correct forged one opens (the forge helper itself is right)
    let mut ok = [0u8; 16];
    ok[3] = 0x80;
    let seg = forge(&keys, 0x86, &enc(&ok));
    assert_eq!(Scp03t::new(keys).unprotect(&seg).unwrap().1, vec![0u8; 3]);
}
