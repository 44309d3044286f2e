//! TUAK (3GPP TS 35.231): f1, f1*, f2–f5, f5* over the Keccak-f[1600] permutation.
//!
//! Each function fills a 200-byte state (§6.2): TOPc (bytes 0–31), INSTANCE (32),
//! ALGONAME "TUAK1.0" (33–39), RAND (40–55), AMF (56–57) and SQN (58–63) for f1/f1*,
//! K (64–95, a 128-bit K followed by zeros), padding `1F` at 96 and `80` at 135. The
//! spec numbers input bits so that each multi-byte field lands byte-reversed in the
//! little-endian lanes; outputs are read back the same way (MAC/RES at 0, CK at 32,
//! IK at 64, AK at 96). Test data: TS 35.233 (the issue names TS 35.232).

use zeroize::{Zeroize, ZeroizeOnDrop};

const ALGONAME: &[u8; 7] = b"TUAK1.0";

/// Output lengths in bytes and the Keccak iteration count of one subscriber.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lengths {
    /// MAC-A / MAC-S: 8, 16 or 32.
    pub mac: usize,
    /// RES: 4, 8, 16 or 32.
    pub res: usize,
    /// CK, IK: 16 or 32.
    pub ck: usize,
    pub ik: usize,
    pub iterations: usize,
}

impl Default for Lengths {
    /// 64-bit MAC and RES, 128-bit CK and IK, one iteration (what USIMs commonly use).
    fn default() -> Self {
        Lengths {
            mac: 8,
            res: 8,
            ck: 16,
            ik: 16,
            iterations: 1,
        }
    }
}

impl Lengths {
    /// From SAIP `algorithmOptions` (TCA SAIP §8.5.1, as read here: b2..b1 RES length
    /// 32/64/128/256 bits, b4..b3 MAC length 64/128/256, b5 CK 256, b6 IK 256) and
    /// `numberOfKeccak`.
    pub fn from_options(options: Option<u8>, keccak: Option<u8>) -> Self {
        let mut l = Lengths::default();
        if let Some(o) = options {
            l.res = [4, 8, 16, 32][usize::from(o & 0x03)];
            l.mac = [8, 16, 32, 8][usize::from((o >> 2) & 0x03)];
            l.ck = if o & 0x10 != 0 { 32 } else { 16 };
            l.ik = if o & 0x20 != 0 { 32 } else { 16 };
        }
        l.iterations = usize::from(keccak.unwrap_or(1).max(1));
        l
    }

    fn valid(&self) -> bool {
        matches!(self.mac, 8 | 16 | 32)
            && matches!(self.res, 4 | 8 | 16 | 32)
            && matches!(self.ck, 16 | 32)
            && matches!(self.ik, 16 | 32)
            && (1..=255).contains(&self.iterations)
    }
}

/// K (16 or 32 bytes), TOPc and the lengths of one subscriber.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Tuak {
    k: Vec<u8>,
    topc: [u8; 32],
    #[zeroize(skip)]
    lengths: Lengths,
}

impl std::fmt::Debug for Tuak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tuak(<redacted>)")
    }
}

/// Outputs of f2–f5.
pub struct Outputs {
    pub res: Vec<u8>,
    pub ck: Vec<u8>,
    pub ik: Vec<u8>,
    pub ak: [u8; 6],
}

impl Drop for Outputs {
    fn drop(&mut self) {
        self.res.zeroize();
        self.ck.zeroize();
        self.ik.zeroize();
    }
}

/// Places `field` byte-reversed at `at`.
fn put(state: &mut [u8; 200], at: usize, field: &[u8]) {
    for (i, b) in field.iter().rev().enumerate() {
        if let Some(d) = state.get_mut(at + i) {
            *d = *b;
        }
    }
}

/// Reads `len` bytes at `at`, byte-reversed.
fn take(state: &[u8; 200], at: usize, len: usize) -> Vec<u8> {
    let mut v: Vec<u8> = state.get(at..at + len).unwrap_or_default().to_vec();
    v.reverse();
    v
}

/// Length code of INSTANCE bits 5..3 (§6.2): 32 bits → 000, 64 → 001, 128 → 010,
/// 256 → 100.
fn len_code(bytes: usize) -> u8 {
    match bytes {
        8 => 0x08,
        16 => 0x10,
        32 => 0x20,
        _ => 0x00,
    }
}

/// Applies Keccak-f[1600] `n` times to the state, lanes little-endian.
fn permute(state: &mut [u8; 200], n: usize) {
    let mut lanes = [0u64; 25];
    for (l, c) in lanes.iter_mut().zip(state.chunks_exact(8)) {
        let mut b = [0u8; 8];
        b.copy_from_slice(c);
        *l = u64::from_le_bytes(b);
    }
    keccak::Keccak::new().with_f1600(|f1600| {
        for _ in 0..n {
            f1600(&mut lanes);
        }
    });
    for (l, c) in lanes.iter().zip(state.chunks_exact_mut(8)) {
        c.copy_from_slice(&l.to_le_bytes());
    }
    lanes.zeroize();
}

impl Tuak {
    /// From K (16 or 32 bytes) and TOPc (32 bytes); `None` on other lengths.
    pub fn new(k: &[u8], topc: &[u8], lengths: Lengths) -> Option<Self> {
        if !matches!(k.len(), 16 | 32) || !lengths.valid() {
            return None;
        }
        Some(Tuak {
            k: k.to_vec(),
            topc: topc.try_into().ok()?,
            lengths,
        })
    }

    /// From K and TOP: TOPc = the first 256 output bits of Π over TOP, INSTANCE
    /// (only the K length bit), ALGONAME and K (§6.1).
    pub fn with_top(k: &[u8], top: &[u8; 32], lengths: Lengths) -> Option<Self> {
        let mut t = Tuak::new(k, &[0; 32], lengths)?;
        let mut s = [0u8; 200];
        t.fill(&mut s, top, t.k_bit());
        permute(&mut s, t.lengths.iterations);
        t.topc.copy_from_slice(&take(&s, 0, 32));
        s.zeroize();
        Some(t)
    }

    /// TOPc.
    pub fn topc(&self) -> &[u8; 32] {
        &self.topc
    }

    fn k_bit(&self) -> u8 {
        u8::from(self.k.len() == 32)
    }

    /// The common part of every input: TOP(c), INSTANCE, ALGONAME, K, padding.
    fn fill(&self, s: &mut [u8; 200], top: &[u8; 32], instance: u8) {
        put(s, 0, top);
        s[32] = instance;
        put(s, 33, ALGONAME);
        put(s, 64, &self.k);
        s[96] = 0x1F;
        s[135] = 0x80;
    }

    fn run(
        &self,
        instance: u8,
        rand: &[u8; 16],
        amf_sqn: Option<(&[u8; 2], &[u8; 6])>,
    ) -> [u8; 200] {
        let mut s = [0u8; 200];
        self.fill(&mut s, &self.topc, instance);
        put(&mut s, 40, rand);
        if let Some((amf, sqn)) = amf_sqn {
            put(&mut s, 56, amf);
            put(&mut s, 58, sqn);
        }
        permute(&mut s, self.lengths.iterations);
        s
    }

    /// f1 (MAC-A) and f1* (MAC-S), `lengths.mac` bytes each.
    pub fn f1(&self, rand: &[u8; 16], sqn: &[u8; 6], amf: &[u8; 2]) -> (Vec<u8>, Vec<u8>) {
        let code = len_code(self.lengths.mac) | self.k_bit();
        let a = self.run(code, rand, Some((amf, sqn)));
        let s = self.run(0x80 | code, rand, Some((amf, sqn)));
        (take(&a, 0, self.lengths.mac), take(&s, 0, self.lengths.mac))
    }

    /// f2 (RES), f3 (CK), f4 (IK), f5 (AK) from one permutation.
    pub fn f2345(&self, rand: &[u8; 16]) -> Outputs {
        let l = &self.lengths;
        let instance = 0x40
            | len_code(l.res)
            | if l.ck == 32 { 0x04 } else { 0 }
            | if l.ik == 32 { 0x02 } else { 0 }
            | self.k_bit();
        let mut s = self.run(instance, rand, None);
        let mut ak = [0u8; 6];
        ak.copy_from_slice(&take(&s, 96, 6));
        let out = Outputs {
            res: take(&s, 0, l.res),
            ck: take(&s, 32, l.ck),
            ik: take(&s, 64, l.ik),
            ak,
        };
        s.zeroize();
        out
    }

    /// f5* (AK for resynchronisation).
    pub fn f5star(&self, rand: &[u8; 16]) -> [u8; 6] {
        let s = self.run(0xC0 | self.k_bit(), rand, None);
        let mut ak = [0u8; 6];
        ak.copy_from_slice(&take(&s, 96, 6));
        ak
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// TS 35.233 test sets 1–6 (§6.3–6.8): K, RAND, SQN, AMF, TOP, iterations, TOPc,
    /// f1, f1*, f2, f3, f4, f5, f5*; output lengths are those of the published values.
    type Set = (
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        usize,
        [&'static str; 8],
    );
    const SETS: &[Set] = &[
        (
            "abababababababababababababababab",
            "42424242424242424242424242424242",
            "111111111111",
            "ffff",
            "5555555555555555555555555555555555555555555555555555555555555555",
            1,
            [
                "bd04d9530e87513c5d837ac2ad954623a8e2330c115305a73eb45d1f40cccbff",
                "f9a54e6aeaa8618d",
                "e94b4dc6c7297df3",
                "657acd64",
                "d71a1e5c6caffe986a26f783e5c78be1",
                "be849fa2564f869aecee6f62d4337e72",
                "719f1e9b9054",
                "e7af6b3d0e38",
            ],
        ),
        (
            "fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0efeeedecebeae9e8e7e6e5e4e3e2e1e0",
            "0123456789abcdef0123456789abcdef",
            "0123456789ab",
            "abcd",
            "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
            1,
            [
                "305425427e18c503c8a4b294ea72c95d0c36c6c6b29d0c65de5974d5977f8524",
                "c0b8c2d4148ec7aa5f1d78a97e4d1d58",
                "ef81af7290f7842c6ceafa537fa0745b",
                "e9d749dc4eea0035",
                "a4cb6f6529ab17f8337f27baa8234d47",
                "2274155ccf4199d5e2abcbf621907f90",
                "480a9345cc1e",
                "f84eb338848c",
            ],
        ),
        (
            "fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0efeeedecebeae9e8e7e6e5e4e3e2e1e0",
            "0123456789abcdef0123456789abcdef",
            "0123456789ab",
            "abcd",
            "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
            1,
            [
                "305425427e18c503c8a4b294ea72c95d0c36c6c6b29d0c65de5974d5977f8524",
                "d97b75a1776065271b1e212bc3b1bf173f438b21e6c64a55a96c372e085e5cc5",
                "427bbf07c6e3a86c54f8c5216499f3909a6fd4a164c9fe235b1550258111b821",
                "07021c73e7635c7d",
                "4d59ac796834eb85d11fa148a5058c3c",
                "126d47500136fdc5ddfd14f19ebf16749ce4b6435323fbb5715a3a796a6082bd",
                "1d6622c4e59a",
                "f84eb338848c",
            ],
        ),
        (
            "b8da837a50652d6ac7c97da14f6acc61",
            "6887e55425a966bd86c9661a5fa72be8",
            "0dea2ee2c5af",
            "df1e",
            "0952be13556c32ebc58195d9dd930493e12a9003669988ffde5fa1f0fe35cc01",
            1,
            [
                "2bc16eb657a68e1f446f08f57c0efb1d493527a2e652ce281eb6ca0e4487760a",
                "749214087958dd8f58bfcdf869d8ae3f",
                "619e865afe80e382aee13063f9dfb56d",
                "4041ce438e3e38e8aa96562eed83ac43",
                "3e3bc01bea0cd914c4c2c83ce2d92757",
                "666a8e6f577b1aa77b7fd53cebb8a3d6",
                "1f880d005119",
                "45e617d77fe5",
            ],
        ),
        (
            "1574ca56881d05c189c82880f789c9cd4244955f4426aa2b69c29f15770e5aa5",
            "c570aac68cde651fb1e3088322498bef",
            "c89bb71f3a41",
            "297d",
            "e59f6eb10ea406813f4991b0b9e02f181edf4c7e17b480f66d34da35ee88c95e",
            1,
            [
                "3c6052e41532a28a47aa3cbb89f223e8f3aaa976aecd48bc3e7d6165a55eff62",
                "d7340dad02b4cb01",
                "c6021e2e66accb15",
                "84d89b41db1867ffd4c7ba1d82163f4d526a20fbae5418fbb526940b1eeb905c",
                "d419676afe5ab58c1d8bee0d43523a4d2f52ef0b31a4676a0c334427a988fe65",
                "205533e505661b61d05cc0eac87818f4",
                "d7b3d2d4980a",
                "ca9655264986",
            ],
        ),
        (
            "1574ca56881d05c189c82880f789c9cd4244955f4426aa2b69c29f15770e5aa5",
            "c570aac68cde651fb1e3088322498bef",
            "c89bb71f3a41",
            "297d",
            "e59f6eb10ea406813f4991b0b9e02f181edf4c7e17b480f66d34da35ee88c95e",
            2,
            [
                "b04a66f26c62fcd6c82de22a179ab65506ecf47f56245cd149966cfa9cec7a51",
                "90d2289ed1ca1c3dbc2247bb480d431ac71d2e4a7677f6e997cfddb0cbad88b7",
                "427355dbac30e825063aba61b556e87583abac638e3ab01c4c884ad9d458dc2f",
                "d67e6e64590d22eecba7324afa4af4460c93f01b24506d6e12047d789a94c867",
                "ede57edfc57cdffe1aae75066a1b7479bbc3837438e88d37a801cccc9f972b89",
                "48ed9299126e5057402fe01f9201cf25249f9c5c0ed2afcf084755daff1d3999",
                "6aae8d18c448",
                "8c5f33b61f4e",
            ],
        ),
    ];

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    #[test]
    fn ts35233_test_sets() {
        for (i, (k, rand, sqn, amf, top, iterations, out)) in SETS.iter().enumerate() {
            let lengths = Lengths {
                mac: out[1].len() / 2,
                res: out[3].len() / 2,
                ck: out[4].len() / 2,
                ik: out[5].len() / 2,
                iterations: *iterations,
            };
            let t = Tuak::with_top(&h(k), &h(top).try_into().unwrap(), lengths).unwrap();
            let set = i + 1;
            assert_eq!(t.topc().to_vec(), h(out[0]), "set {set} TOPc");
            let rand: [u8; 16] = h(rand).try_into().unwrap();
            let (mac_a, mac_s) = t.f1(
                &rand,
                &h(sqn).try_into().unwrap(),
                &h(amf).try_into().unwrap(),
            );
            assert_eq!(mac_a, h(out[1]), "set {set} f1");
            assert_eq!(mac_s, h(out[2]), "set {set} f1*");
            let v = t.f2345(&rand);
            assert_eq!(v.res, h(out[3]), "set {set} f2");
            assert_eq!(v.ck, h(out[4]), "set {set} f3");
            assert_eq!(v.ik, h(out[5]), "set {set} f4");
            assert_eq!(v.ak.to_vec(), h(out[6]), "set {set} f5");
            assert_eq!(t.f5star(&rand).to_vec(), h(out[7]), "set {set} f5*");
        }
    }

    #[test]
    fn lengths_from_saip_options() {
        let l = Lengths::from_options(Some(0x01), None);
        assert_eq!((l.res, l.mac, l.ck, l.ik, l.iterations), (8, 8, 16, 16, 1));
        let l = Lengths::from_options(Some(0x3B), Some(2));
        assert_eq!(
            (l.res, l.mac, l.ck, l.ik, l.iterations),
            (32, 32, 32, 32, 2)
        );
        assert!(Tuak::new(&[0; 15], &[0; 32], Lengths::default()).is_none());
        assert!(Tuak::new(&[0; 16], &[0; 31], Lengths::default()).is_none());
    }
}
