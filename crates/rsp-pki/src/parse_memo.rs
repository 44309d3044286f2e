//! Memo of parsed certificates that many validations share (the EUM certificate every eUICC
//! of that EUM presents). Parsing is a function of the bytes alone, so the memo answers with
//! the certificate parsed before from identical bytes; validation rules are still applied to
//! it on every use.

use std::sync::{Arc, Mutex};

use crate::error::PkiError;
use crate::parse::Cert;

/// Certificates kept before the memo starts over (far more than EUMs in practice).
const MAX_ENTRIES: usize = 64;

/// Shared by the clones of a trust store.
#[derive(Clone, Debug, Default)]
pub(crate) struct ParseMemo(Arc<Mutex<Vec<Cert>>>);

impl ParseMemo {
    /// [`Cert::from_der`], answered from the memo for bytes parsed before.
    pub(crate) fn parse(&self, der: &[u8]) -> Result<Cert, PkiError> {
        if let Some(hit) = self
            .0
            .lock()
            .ok()
            .and_then(|m| m.iter().find(|c| c.der() == der).cloned())
        {
            return Ok(hit);
        }
        let cert = Cert::from_der(der)?;
        if let Ok(mut m) = self.0.lock() {
            if m.len() >= MAX_ENTRIES {
                m.clear();
            }
            m.push(cert.clone());
        }
        Ok(cert)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::{Role, TestPki, TestPkiOptions};
    use rsp_crypto::Curve;

    #[test]
    fn answers_identical_bytes_only_and_refuses_what_does_not_parse() {
        let pki = TestPki::generate(Curve::NistP256, &TestPkiOptions::default()).unwrap();
        let eum = pki.get(Role::Eum).unwrap().cert.der().to_vec();
        let euicc = pki.get(Role::Euicc).unwrap().cert.der().to_vec();
        let memo = ParseMemo::default();
        let first = memo.parse(&eum).unwrap();
        assert_eq!(memo.parse(&eum).unwrap().der(), first.der());
        assert_eq!(memo.parse(&euicc).unwrap().der(), euicc.as_slice());
        let mut broken = eum.clone();
        broken.truncate(eum.len() - 1);
        assert!(memo.parse(&broken).is_err());
        assert_eq!(memo.0.lock().unwrap().len(), 2);
    }
}
