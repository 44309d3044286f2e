//! AUTHENTICATE (ETSI TS 102 221 §11.1.16, 3GPP TS 31.102 §7.1.2): the 3G/4G/5G
//! security context (P2 `81`) and the GSM context (P2 `80`), with the algorithm and
//! keys of the Profile's `PE-AKAParameter` (TCA SAIP v3.3.1 §8.5.1): MILENAGE
//! (TS 35.206), TUAK (TS 35.231) or the 3G test algorithm (TS 34.108 §8.1.2). SQN freshness follows
//! TS 33.102 Annex C.2: an array of 32 SEQ values indexed by IND (the 5 low bits of SQN),
//! a new SQN accepted when its SEQ is above the entry for its IND and at most Δ above
//! the highest SEQ accepted.

use rsp_saip::ProfilePackage;
use rsp_saip::model::aka::algorithm;
use rsp_saip::model::{AlgoConfiguration, ProfileElement};
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::milenage::Milenage;
use super::sw;
use super::tuak::{Lengths, Tuak};

/// Bits of IND in SQN (TS 33.102 C.3.2), so 32 array entries.
const IND_BITS: u32 = 5;
const ENTRIES: usize = 1 << IND_BITS;
const SQN_MASK: u64 = (1 << 48) - 1;

/// The algorithm of one Profile.
#[derive(Clone)]
pub enum Algorithm {
    Milenage(Box<Milenage>),
    Tuak(Box<Tuak>),
    /// TS 34.108 §8.1.2 (XOR) test algorithm with K.
    Test(TestKey),
}

#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct TestKey([u8; 16]);

impl std::fmt::Debug for Algorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Algorithm::Milenage(_) => f.write_str("Milenage(<redacted>)"),
            Algorithm::Tuak(_) => f.write_str("Tuak(<redacted>)"),
            Algorithm::Test(_) => f.write_str("TestAlgorithm(<redacted>)"),
        }
    }
}

/// AKA configuration of a Profile.
#[derive(Clone, Debug)]
pub struct Aka {
    pub algorithm: Algorithm,
    /// Δ of Annex C.2.2, in SQN units.
    pub delta: u64,
    /// `sqnInit`: the array's initial SQN values.
    pub sqn_init: Vec<u64>,
}

fn be48(b: &[u8]) -> u64 {
    b.iter().fold(0u64, |a, x| (a << 8) | u64::from(*x)) & SQN_MASK
}

/// Why the Profile's AKA parameters cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AkaError {
    #[error("no PE-AKAParameter with algorithm parameters")]
    Missing,
    #[error("algorithm {0} is not supported")]
    Unsupported(u8),
    #[error("key or OPc length not supported by the algorithm")]
    KeyLength,
}

impl Aka {
    /// The first `PE-AKAParameter` with its own algorithm parameters (a mapping to
    /// another NAA's keys uses the same keys, so the first suffices for all ADFs).
    pub fn from_package(pkg: &ProfilePackage) -> Result<Self, AkaError> {
        for e in &pkg.elements {
            let Some(ProfileElement::AkaParameter(p)) = e.pe() else {
                continue;
            };
            let AlgoConfiguration::AlgoParameter(a) = &p.algo_configuration else {
                continue;
            };
            let algorithm = match a.algorithm_id {
                algorithm::TUAK => {
                    let lengths = Lengths::from_options(
                        a.algorithm_options.first().copied(),
                        a.number_of_keccak,
                    );
                    Algorithm::Tuak(Box::new(
                        Tuak::new(&a.key, &a.opc, lengths).ok_or(AkaError::KeyLength)?,
                    ))
                }
                algorithm::MILENAGE => {
                    let k: [u8; 16] = a.key.as_ref().try_into().map_err(|_| AkaError::KeyLength)?;
                    let opc: [u8; 16] =
                        a.opc.as_ref().try_into().map_err(|_| AkaError::KeyLength)?;
                    Algorithm::Milenage(Box::new(Milenage::new(k, opc).with_constants(
                        a.rotation_constants.as_deref(),
                        a.xoring_constants.as_deref(),
                    )))
                }
                algorithm::USIM_TEST_ALGORITHM => Algorithm::Test(TestKey(
                    a.key.as_ref().try_into().map_err(|_| AkaError::KeyLength)?,
                )),
                other => return Err(AkaError::Unsupported(other)),
            };
            let delta = p.sqn_delta.as_deref().map_or(1 << 28, be48);
            let sqn_init = p
                .sqn_init
                .as_ref()
                .map(|v| v.iter().map(|s| be48(s)).collect())
                .unwrap_or_default();
            return Ok(Aka {
                algorithm,
                delta,
                sqn_init,
            });
        }
        Err(AkaError::Missing)
    }

    /// The initial SQN array (32 entries).
    pub fn initial_array(&self) -> Vec<u64> {
        let mut v = self.sqn_init.clone();
        v.resize(ENTRIES, 0);
        v
    }
}

/// RES, CK, IK, AK for RAND; (MAC-A, MAC-S) for SQN ‖ AMF; AK*.
struct Outputs {
    res: Vec<u8>,
    ck: Vec<u8>,
    ik: Vec<u8>,
    ak: [u8; 6],
}

impl Drop for Outputs {
    fn drop(&mut self) {
        self.res.zeroize();
        self.ck.zeroize();
        self.ik.zeroize();
    }
}

fn xdout(k: &TestKey, rand: &[u8; 16]) -> [u8; 16] {
    let mut x = [0u8; 16];
    for ((o, a), b) in x.iter_mut().zip(&k.0).zip(rand) {
        *o = a ^ b;
    }
    x
}

impl Algorithm {
    fn f2345(&self, rand: &[u8; 16]) -> Outputs {
        match self {
            Algorithm::Milenage(m) => {
                let v = m.f2345(rand);
                Outputs {
                    res: v.res.to_vec(),
                    ck: v.ck.to_vec(),
                    ik: v.ik.to_vec(),
                    ak: v.ak,
                }
            }
            Algorithm::Tuak(t) => {
                let v = t.f2345(rand);
                Outputs {
                    res: v.res.clone(),
                    ck: v.ck.clone(),
                    ik: v.ik.clone(),
                    ak: v.ak,
                }
            }
            // TS 34.108 §8.1.2.2: XDOUT = K ⊕ RAND; RES = XDOUT (64 bits here),
            // CK = XDOUT <<< 8, IK = XDOUT <<< 16, AK = XDOUT bits 24..71.
            Algorithm::Test(k) => {
                let x = xdout(k, rand);
                let v = u128::from_be_bytes(x);
                let mut ak = [0u8; 6];
                ak.copy_from_slice(&x[3..9]);
                Outputs {
                    res: x[..8].to_vec(),
                    ck: v.rotate_left(8).to_be_bytes().to_vec(),
                    ik: v.rotate_left(16).to_be_bytes().to_vec(),
                    ak,
                }
            }
        }
    }

    /// (MAC-A, MAC-S), the 64 bits AUTN and AUTS carry (a longer TUAK MAC is cut).
    fn f1(&self, rand: &[u8; 16], sqn: &[u8; 6], amf: &[u8; 2]) -> ([u8; 8], [u8; 8]) {
        match self {
            Algorithm::Milenage(m) => m.f1(rand, sqn, amf),
            Algorithm::Tuak(t) => {
                let (a, s) = t.f1(rand, sqn, amf);
                let mut mac_a = [0u8; 8];
                let mut mac_s = [0u8; 8];
                for (d, v) in mac_a.iter_mut().zip(&a) {
                    *d = *v;
                }
                for (d, v) in mac_s.iter_mut().zip(&s) {
                    *d = *v;
                }
                (mac_a, mac_s)
            }
            // TS 34.108 §8.1.2.1: XMAC = XDOUT[0..63] ⊕ (SQN ‖ AMF); f1* likewise.
            Algorithm::Test(k) => {
                let x = xdout(k, rand);
                let mut mac = [0u8; 8];
                for (i, m) in mac.iter_mut().enumerate() {
                    let c = sqn.get(i).or_else(|| amf.get(i - 6)).copied().unwrap_or(0);
                    *m = x.get(i).copied().unwrap_or(0) ^ c;
                }
                (mac, mac)
            }
        }
    }

    fn f5star(&self, rand: &[u8; 16]) -> [u8; 6] {
        match self {
            Algorithm::Milenage(m) => m.f5star(rand),
            Algorithm::Tuak(t) => t.f5star(rand),
            Algorithm::Test(_) => self.f2345(rand).ak,
        }
    }
}

/// Parses `L ‖ value` at the start of `data`.
fn lv(data: &[u8]) -> Option<(&[u8], &[u8])> {
    let (len, rest) = data.split_first()?;
    rest.split_at_checked(usize::from(*len))
}

fn put_lv(out: &mut Vec<u8>, v: &[u8]) {
    out.push(v.len() as u8);
    out.extend_from_slice(v);
}

/// Kc = c3(CK, IK) (TS 33.102 §6.8.1.2) over the first 128 bits of CK and IK.
fn c3(ck: &[u8], ik: &[u8]) -> [u8; 8] {
    let at = |v: &[u8], i: usize| v.get(i).copied().unwrap_or(0);
    let mut kc = [0u8; 8];
    for (i, k) in kc.iter_mut().enumerate() {
        *k = at(ck, i) ^ at(ck, i + 8) ^ at(ik, i) ^ at(ik, i + 8);
    }
    kc
}

/// SRES = c2(RES) (TS 33.102 §6.8.1.2): the XOR of the 32-bit words of RES.
fn c2(res: &[u8]) -> [u8; 4] {
    let mut s = [0u8; 4];
    for (i, b) in res.iter().enumerate() {
        s[i % 4] ^= b;
    }
    s
}

/// Runs AUTHENTICATE. `array` is the SQN array (updated on success), `gsm` whether
/// USIM service n°27 (GSM access) is available. Returns the response data.
pub fn authenticate(
    aka: &Aka,
    array: &mut Vec<u64>,
    p2: u8,
    data: &[u8],
    gsm: bool,
) -> Result<Vec<u8>, u16> {
    if array.len() != ENTRIES {
        array.resize(ENTRIES, 0);
    }
    let (rand, rest) = lv(data).ok_or(sw::WRONG_LENGTH)?;
    let rand: &[u8; 16] = rand.try_into().map_err(|_| sw::WRONG_DATA)?;
    let out = aka.algorithm.f2345(rand);
    match p2 {
        0x80 => {
            if !gsm || !rest.is_empty() {
                return Err(if gsm {
                    sw::WRONG_LENGTH
                } else {
                    sw::WRONG_P1P2
                });
            }
            let mut r = Vec::new();
            put_lv(&mut r, &c2(&out.res));
            put_lv(&mut r, &c3(&out.ck, &out.ik));
            Ok(r)
        }
        0x81 => {
            let (autn, tail) = lv(rest).ok_or(sw::WRONG_LENGTH)?;
            if !tail.is_empty() {
                return Err(sw::WRONG_LENGTH);
            }
            let autn: &[u8; 16] = autn.try_into().map_err(|_| sw::WRONG_DATA)?;
            let mut sqn = [0u8; 6];
            for ((s, a), k) in sqn.iter_mut().zip(&autn[..6]).zip(&out.ak) {
                *s = a ^ k;
            }
            let amf = [autn[6], autn[7]];
            let (xmac, _) = aka.algorithm.f1(rand, &sqn, &amf);
            if !bool::from(subtle::ConstantTimeEq::ct_eq(&xmac[..], &autn[8..])) {
                return Err(sw::AUTH_MAC_FAILURE);
            }
            let sqn = be48(&sqn);
            let ind = (sqn & (ENTRIES as u64 - 1)) as usize;
            let seq = sqn >> IND_BITS;
            let highest = array.iter().copied().max().unwrap_or(0);
            let seq_ms = highest >> IND_BITS;
            let entry = array.get(ind).copied().unwrap_or(0) >> IND_BITS;
            let fresh = seq > entry && seq.saturating_sub(seq_ms) <= aka.delta >> IND_BITS;
            if !fresh {
                // Synchronisation failure (TS 33.102 §6.3.5): AUTS = SQN_MS ⊕ AK* ‖ MAC-S,
                // MAC-S = f1*(SQN_MS, RAND, AMF = 0000).
                let ms = highest.to_be_bytes();
                let mut sqn_ms = [0u8; 6];
                sqn_ms.copy_from_slice(&ms[2..]);
                let (_, mac_s) = aka.algorithm.f1(rand, &sqn_ms, &[0, 0]);
                let ak_star = aka.algorithm.f5star(rand);
                let mut auts = Vec::with_capacity(14);
                for (s, k) in sqn_ms.iter().zip(&ak_star) {
                    auts.push(s ^ k);
                }
                auts.extend_from_slice(&mac_s);
                let mut r = vec![0xDC];
                put_lv(&mut r, &auts);
                return Ok(r);
            }
            if let Some(e) = array.get_mut(ind) {
                *e = sqn;
            }
            let mut r = vec![0xDB];
            put_lv(&mut r, &out.res);
            put_lv(&mut r, &out.ck);
            put_lv(&mut r, &out.ik);
            if gsm {
                put_lv(&mut r, &c3(&out.ck, &out.ik));
            }
            Ok(r)
        }
        _ => Err(sw::WRONG_P1P2),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn aka(algorithm: Algorithm) -> Aka {
        Aka {
            algorithm,
            delta: 1 << 28,
            sqn_init: Vec::new(),
        }
    }

    /// AUTN = SQN ⊕ AK ‖ AMF ‖ MAC-A for `alg`.
    fn autn(alg: &Algorithm, rand: &[u8; 16], sqn: [u8; 6]) -> Vec<u8> {
        let ak = alg.f2345(rand).ak;
        let (mac, _) = alg.f1(rand, &sqn, &[0x80, 0x00]);
        let mut v: Vec<u8> = sqn.iter().zip(ak).map(|(s, a)| s ^ a).collect();
        v.extend_from_slice(&[0x80, 0x00]);
        v.extend_from_slice(&mac);
        v
    }

    fn data(rand: &[u8; 16], autn: &[u8]) -> Vec<u8> {
        let mut d = vec![0x10];
        d.extend_from_slice(rand);
        d.push(0x10);
        d.extend_from_slice(autn);
        d
    }

    #[test]
    fn test_algorithm_success_then_resync() {
        // TS 34.108 §8.1.2 with K = 00..0F (as in the TS.48 profiles), RAND = 0.
        let k: [u8; 16] = std::array::from_fn(|i| i as u8);
        let a = aka(Algorithm::Test(TestKey(k)));
        let rand = [0u8; 16];
        let mut array = a.initial_array();
        let d = data(&rand, &autn(&a.algorithm, &rand, [0, 0, 0, 0, 0, 0x21]));
        let r = authenticate(&a, &mut array, 0x81, &d, true).unwrap();
        let mut want = vec![0xDB, 0x08, 0, 1, 2, 3, 4, 5, 6, 7, 0x10];
        want.extend((1..16).chain([0]).map(|b| b as u8));
        want.push(0x10);
        want.extend((2..16).chain([0, 1]).map(|b| b as u8));
        assert_eq!(r[..want.len()], want[..]);
        assert_eq!(r.len(), want.len() + 9, "Kc with service n°27");
        assert_eq!(array[1], 0x21);
        let r = authenticate(&a, &mut array, 0x81, &d, true).unwrap();
        assert_eq!(&r[..2], &[0xDC, 0x0E]);
        // GSM context: SRES = c2(RES), Kc = c3(CK, IK).
        let r = authenticate(&a, &mut array, 0x80, &d[..17], true).unwrap();
        assert_eq!(&r[..5], &[0x04, 4, 4, 4, 4]);
        assert_eq!(
            authenticate(&a, &mut array, 0x80, &d[..17], false),
            Err(0x6A86)
        );
        assert_eq!(authenticate(&a, &mut array, 0x82, &d, true), Err(0x6A86));
    }

    #[test]
    fn tuak_success_and_mac_failure() {
        let t = Tuak::with_top(
            &[0xAB; 16],
            &[0x55; 32],
            Lengths {
                res: 4,
                ..Lengths::default()
            },
        )
        .unwrap();
        let a = aka(Algorithm::Tuak(Box::new(t)));
        let rand = [0x42u8; 16];
        let mut array = a.initial_array();
        let mut autn = autn(&a.algorithm, &rand, [0, 0, 0, 0, 0, 0x40]);
        // TS 35.233 test set 1: RES (f2) = 657acd64.
        let r = authenticate(&a, &mut array, 0x81, &data(&rand, &autn), false).unwrap();
        assert_eq!(&r[..6], &[0xDB, 0x04, 0x65, 0x7A, 0xCD, 0x64]);
        autn[15] ^= 0x01;
        assert_eq!(
            authenticate(&a, &mut array, 0x81, &data(&rand, &autn), false),
            Err(sw::AUTH_MAC_FAILURE)
        );
    }
}
