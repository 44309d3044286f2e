//! OPc derivation for Milenage: OPc = OP ⊕ E_K(OP) (3GPP TS 35.206 §4.1).

use aes::Aes128;
use aes::cipher::{BlockCipherEncrypt, KeyInit};

use crate::secret::SecretBytes;

/// Computes OPc from a 16-byte K and a 16-byte OP; `None` on other lengths.
pub fn opc_from_op(k: &[u8], op: &[u8]) -> Option<SecretBytes> {
    let cipher = Aes128::new_from_slice(k).ok()?;
    let op: [u8; 16] = op.try_into().ok()?;
    let mut block = op.into();
    cipher.encrypt_block(&mut block);
    let mut out: [u8; 16] = block.into();
    for (o, p) in out.iter_mut().zip(op) {
        *o ^= p;
    }
    Some(SecretBytes::new(out.to_vec()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn ts35207_test_set_1() {
        // 3GPP TS 35.207 §4.3, test set 1.
        let k = hex::decode("465b5ce8b199b49faa5f0a2ee238a6bc").unwrap();
        let op = hex::decode("cdc202d5123e20f62b6d676ac72cb318").unwrap();
        let opc = opc_from_op(&k, &op).unwrap();
        assert_eq!(
            hex::encode(opc.expose()),
            "cd63cb71954a9f4e48a5994e37a02baf"
        );
        assert!(opc_from_op(&k[..15], &op).is_none());
    }
}
