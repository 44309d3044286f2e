//! MILENAGE (3GPP TS 35.206 §4.1): f1, f1*, f2, f3, f4, f5, f5* over AES-128 with OPc
//! and the rotation / XOR constants r1..r5, c1..c5 (defaults of §4.1 unless the
//! Profile's `PE-AKAParameter` sets others, TCA SAIP v3.3.1 §8.5.1).

use aes::Aes128;
use aes::cipher::{BlockCipherEncrypt, KeyInit};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Key, OPc and constants of one subscriber.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Milenage {
    k: [u8; 16],
    opc: [u8; 16],
    /// r1..r5 in bits.
    r: [u32; 5],
    c: [[u8; 16]; 5],
}

impl std::fmt::Debug for Milenage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Milenage(<redacted>)")
    }
}

/// Outputs for one RAND (TS 35.206 §4.1).
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct Vectors {
    pub res: [u8; 8],
    pub ck: [u8; 16],
    pub ik: [u8; 16],
    pub ak: [u8; 6],
}

fn xor(a: &[u8; 16], b: &[u8; 16]) -> [u8; 16] {
    let mut o = [0u8; 16];
    for ((o, x), y) in o.iter_mut().zip(a).zip(b) {
        *o = x ^ y;
    }
    o
}

/// Cyclic rotation of a 128-bit value by `r` bits towards the most significant bit.
fn rot(x: &[u8; 16], r: u32) -> [u8; 16] {
    u128::from_be_bytes(*x).rotate_left(r % 128).to_be_bytes()
}

impl Milenage {
    /// Default constants: r = 64, 0, 32, 64, 96 bits; c1 = 0, c2..c5 = 1, 2, 4, 8.
    pub fn new(k: [u8; 16], opc: [u8; 16]) -> Self {
        let mut c = [[0u8; 16]; 5];
        for (i, v) in [0u8, 1, 2, 4, 8].into_iter().enumerate() {
            if let Some(last) = c.get_mut(i).and_then(|x| x.last_mut()) {
                *last = v;
            }
        }
        Milenage {
            k,
            opc,
            r: [64, 0, 32, 64, 96],
            c,
        }
    }

    /// OPc = OP ⊕ E_K(OP) (§4.1).
    pub fn with_op(k: [u8; 16], op: [u8; 16]) -> Self {
        let mut m = Milenage::new(k, [0; 16]);
        m.opc = xor(&m.e(&op), &op);
        m
    }

    /// SAIP `rotationConstants` (r1..r5, one byte each, in bits: default `4000204060`)
    /// and `xoringConstants` (c1..c5, 5 × 16 bytes); other lengths keep the defaults.
    pub fn with_constants(mut self, rotation: Option<&[u8]>, xoring: Option<&[u8]>) -> Self {
        if let Some(r) = rotation
            && r.len() == 5
        {
            for (d, s) in self.r.iter_mut().zip(r) {
                *d = u32::from(*s);
            }
        }
        if let Some(x) = xoring
            && x.len() == 80
        {
            for (d, s) in self.c.iter_mut().zip(x.chunks(16)) {
                d.copy_from_slice(s);
            }
        }
        self
    }

    fn e(&self, block: &[u8; 16]) -> [u8; 16] {
        let cipher = Aes128::new(&self.k.into());
        let mut b = (*block).into();
        cipher.encrypt_block(&mut b);
        b.into()
    }

    fn temp(&self, rand: &[u8; 16]) -> [u8; 16] {
        self.e(&xor(rand, &self.opc))
    }

    /// OUT_i for i = 2..5 (§4.1): E_K(rot(TEMP ⊕ OPc, r_i) ⊕ c_i) ⊕ OPc.
    fn out(&self, temp: &[u8; 16], i: usize) -> [u8; 16] {
        let (r, c) = (self.r[i - 1], &self.c[i - 1]);
        let x = xor(&rot(&xor(temp, &self.opc), r), c);
        xor(&self.e(&x), &self.opc)
    }

    /// f1 and f1*: (MAC-A, MAC-S).
    pub fn f1(&self, rand: &[u8; 16], sqn: &[u8; 6], amf: &[u8; 2]) -> ([u8; 8], [u8; 8]) {
        let temp = self.temp(rand);
        let mut in1 = [0u8; 16];
        in1[..6].copy_from_slice(sqn);
        in1[6..8].copy_from_slice(amf);
        in1[8..14].copy_from_slice(sqn);
        in1[14..].copy_from_slice(amf);
        let x = xor(
            &xor(&temp, &rot(&xor(&in1, &self.opc), self.r[0])),
            &self.c[0],
        );
        let out1 = xor(&self.e(&x), &self.opc);
        let mut mac_a = [0u8; 8];
        let mut mac_s = [0u8; 8];
        mac_a.copy_from_slice(&out1[..8]);
        mac_s.copy_from_slice(&out1[8..]);
        (mac_a, mac_s)
    }

    /// f2, f3, f4, f5: RES, CK, IK, AK.
    pub fn f2345(&self, rand: &[u8; 16]) -> Vectors {
        let temp = self.temp(rand);
        let out2 = self.out(&temp, 2);
        let mut v = Vectors {
            res: [0; 8],
            ck: self.out(&temp, 3),
            ik: self.out(&temp, 4),
            ak: [0; 6],
        };
        v.res.copy_from_slice(&out2[8..]);
        v.ak.copy_from_slice(&out2[..6]);
        v
    }

    /// f5*: the resynchronisation anonymity key AK*.
    pub fn f5star(&self, rand: &[u8; 16]) -> [u8; 6] {
        let out5 = self.out(&self.temp(rand), 5);
        let mut ak = [0u8; 6];
        ak.copy_from_slice(&out5[..6]);
        ak
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// 3GPP TS 35.207 §4.3 (= TS 35.208 §4.3) test sets 1–5, then TS 35.208 sets 18 and 19,
    /// typed from the published tables: K, RAND, SQN, AMF, OP, OPc, f1, f1*, f2, f3, f4, f5,
    /// f5*.
    const SETS: &[[&str; 13]] = &[
        [
            "465b5ce8b199b49faa5f0a2ee238a6bc",
            "23553cbe9637a89d218ae64dae47bf35",
            "ff9bb4d0b607",
            "b9b9",
            "cdc202d5123e20f62b6d676ac72cb318",
            "cd63cb71954a9f4e48a5994e37a02baf",
            "4a9ffac354dfafb3",
            "01cfaf9ec4e871e9",
            "a54211d5e3ba50bf",
            "b40ba9a3c58b2a05bbf0d987b21bf8cb",
            "f769bcd751044604127672711c6d3441",
            "aa689c648370",
            "451e8beca43b",
        ],
        [
            "0396eb317b6d1c36f19c1c84cd6ffd16",
            "c00d603103dcee52c4478119494202e8",
            "fd8eef40df7d",
            "af17",
            "ff53bade17df5d4e793073ce9d7579fa",
            "53c15671c60a4b731c55b4a441c0bde2",
            "5df5b31807e258b0",
            "a8c016e51ef4a343",
            "d3a628ed988620f0",
            "58c433ff7a7082acd424220f2b67c556",
            "21a8c1f929702adb3e738488b9f5c5da",
            "c47783995f72",
            "30f1197061c1",
        ],
        [
            "fec86ba6eb707ed08905757b1bb44b8f",
            "9f7c8d021accf4db213ccff0c7f71a6a",
            "9d0277595ffc",
            "725c",
            "dbc59adcb6f9a0ef735477b7fadf8374",
            "1006020f0a478bf6b699f15c062e42b3",
            "9cabc3e99baf7281",
            "95814ba2b3044324",
            "8011c48c0c214ed2",
            "5dbdbb2954e8f3cde665b046179a5098",
            "59a92d3b476a0443487055cf88b2307b",
            "33484dc2136b",
            "deacdd848cc6",
        ],
        [
            "9e5944aea94b81165c82fbf9f32db751",
            "ce83dbc54ac0274a157c17f80d017bd6",
            "0b604a81eca8",
            "9e09",
            "223014c5806694c007ca1eeef57f004f",
            "a64a507ae1a2a98bb88eb4210135dc87",
            "74a58220cba84c49",
            "ac2cc74a96871837",
            "f365cd683cd92e96",
            "e203edb3971574f5a94b0d61b816345d",
            "0c4524adeac041c4dd830d20854fc46b",
            "f0b9c08ad02e",
            "6085a86c6f63",
        ],
        [
            "4ab1deb05ca6ceb051fc98e77d026a84",
            "74b0cd6031a1c8339b2b6ce2b8c4a186",
            "e880a1b580b6",
            "9f07",
            "2d16c5cd1fdf6b22383584e3bef2a8d8",
            "dcf07cbd51855290b92a07a9891e523e",
            "49e785dd12626ef2",
            "9e85790336bb3fa2",
            "5860fc1bce351e7e",
            "7657766b373d1c2138f307e3de9242f9",
            "1c42e960d89b8fa99f2744e0708ccb53",
            "31e11a609118",
            "fe2555e54aa9",
        ],
        // TS 35.208 test sets 18 and 19 (as published with free5gc's test data, an
        // independent transcription).
        [
            "b73a90cbcf3afb622dba83c58a8415df",
            "b120f1c1a0102a2f507dd543de68281f",
            "f1e8a523a36d",
            "471b",
            "b672047e003bb952dca6cb8af0e5b779",
            "df0c67868fa25f748b7044c6e7c245b8",
            "ebd70341bcd415b0",
            "12359f5d82220c14",
            "479dd25c20792d63",
            "66195dbed0313274c5ca7766615fa25e",
            "66bec707eb2afc476d7408a8f2927b36",
            "aefdaa5ddd99",
            "12ec2b87fbb1",
        ],
        [
            "5122250214c33e723a5dd523fc145fc0",
            "81e92b6c0ee0e12ebceba8d92a99dfa5",
            "16f3b3f70fc2",
            "c3ab",
            "c9e8763286b5b9ffbdf56e1297d0887b",
            "981d464c7c52eb6e5036234984ad0bcf",
            "2a5c23d15ee351d5",
            "62dae3853f3af9d2",
            "28d7b0f2a2ec3de5",
            "5349fbe098649f948f5d2e973a81c00f",
            "9744871ad32bf9bbd1dd5ce54e3e2e5a",
            "ada15aeb7bb8",
            "d461bc15475d",
        ],
    ];

    fn h<const N: usize>(s: &str) -> [u8; N] {
        hex::decode(s).unwrap().try_into().unwrap()
    }

    #[test]
    fn ts35207_test_sets() {
        for (&n, s) in [1, 2, 3, 4, 5, 18, 19].iter().zip(SETS) {
            let i = n - 1;
            let m = Milenage::with_op(h(s[0]), h(s[4]));
            assert_eq!(m.opc, h::<16>(s[5]), "set {} OPc", i + 1);
            let rand = h(s[1]);
            let (mac_a, mac_s) = m.f1(&rand, &h(s[2]), &h(s[3]));
            assert_eq!((mac_a, mac_s), (h(s[6]), h(s[7])), "set {} f1", i + 1);
            let v = m.f2345(&rand);
            assert_eq!(v.res, h::<8>(s[8]), "set {} f2", i + 1);
            assert_eq!(v.ck, h::<16>(s[9]), "set {} f3", i + 1);
            assert_eq!(v.ik, h::<16>(s[10]), "set {} f4", i + 1);
            assert_eq!(v.ak, h::<6>(s[11]), "set {} f5", i + 1);
            assert_eq!(m.f5star(&rand), h::<6>(s[12]), "set {} f5*", i + 1);
        }
    }

    /// Test set 6 (TS 35.207 §4.3): the values published for f1, f1*, f4 and f5*.
    #[test]
    fn ts35207_test_set_6() {
        let m = Milenage::with_op(
            h("6c38a116ac280c454f59332ee35c8c4f"),
            h("1ba00a1a7c6700ac8c3ff3e96ad08725"),
        );
        assert_eq!(m.opc, h::<16>("3803ef5363b947c6aaa225e58fae3934"));
        let rand = h("ee6466bc96202c5a557abbeff8babf63");
        let (a, s) = m.f1(&rand, &h("414b98222181"), &h("4464"));
        assert_eq!((a, s), (h("078adfb488241a57"), h("80246b8d0186bcf1")));
        assert_eq!(
            m.f2345(&rand).ik,
            h::<16>("a7466cc1e6b2a1337d49d3b66e95d7b4")
        );
        assert_eq!(m.f5star(&rand), h::<6>("1f53cd2b1113"));
    }

    #[test]
    fn default_constants_equal_explicit_ones() {
        let m = Milenage::new([7; 16], [9; 16]);
        let mut c = vec![0u8; 80];
        for (i, v) in [0u8, 1, 2, 4, 8].into_iter().enumerate() {
            c[i * 16 + 15] = v;
        }
        let e = m
            .clone()
            .with_constants(Some(&[0x40, 0x00, 0x20, 0x40, 0x60]), Some(&c));
        assert_eq!(m.f2345(&[1; 16]).res, e.f2345(&[1; 16]).res);
    }
}
