//! A server's authentication credentials per GSMA CI (SGP.22 §4.5.2.1: CERT.DPauth for an
//! SM-DP+, CERT.DSauth for an SM-DS) and the CIs, with CRLs, that eUICC chains are validated
//! against. Several CIs, on both curves, live in one process; the eUICC's CI lists pick the
//! set at InitiateAuthentication (§5.6.1, §5.8.1).

use std::fmt;
use std::sync::Arc;

use rsp_codec::status::RspError;
use rsp_crypto::Signer;
use rsp_pki::{Cert, CredentialSet, PkiError, TrustStore};

/// A certificate with the key that signs for it (software or HSM).
#[derive(Clone)]
pub struct SigningCredential {
    /// The certificate.
    pub cert: Cert,
    /// Its private key.
    pub signer: Arc<dyn Signer>,
}

impl fmt::Debug for SigningCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningCredential")
            .field("subject", &self.cert.subject_string())
            .finish_non_exhaustive()
    }
}

/// The credential sets `T` of one server, one per CI, and the CIs it trusts.
#[derive(Debug, Clone)]
pub struct ServerCredentials<T> {
    sets: CredentialSet<T>,
    trust: TrustStore,
}

impl<T> Default for ServerCredentials<T> {
    fn default() -> Self {
        Self::new(TrustStore::default())
    }
}

/// Why no credential set fits the eUICC's CI lists (§5.6.1, §5.8.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelectError {
    /// No CI of `euiccCiPKIdListForSigning` is trusted: the eUICC's chain could not be
    /// verified. ES9+ 8.8.2/3.1, ES11 8.9.2/3.1.
    NoTrustedSigningCi,
    /// No authentication certificate under a CI of `euiccCiPKIdListForVerification`.
    /// ES9+ 8.8.4/3.7, ES11 8.9.4/3.7.
    NoCertificateForVerification,
}

impl SelectError {
    /// The ES9+.InitiateAuthentication status code (§5.6.1).
    pub fn es9plus(self) -> RspError {
        match self {
            Self::NoTrustedSigningCi => RspError::SmdpSecurityConfigurationUnsupported,
            Self::NoCertificateForVerification => RspError::SmdpCertificateUnavailable,
        }
    }

    /// The ES11.InitiateAuthentication status code (§5.8.1).
    pub fn es11(self) -> RspError {
        match self {
            Self::NoTrustedSigningCi => RspError::SmdsSecurityConfigurationUnsupported,
            Self::NoCertificateForVerification => RspError::SmdsCertificateUnavailable,
        }
    }
}

/// The outcome of [`ServerCredentials::select`].
#[derive(Debug)]
pub struct Selection<'a, T> {
    /// The CI (subject key identifier) of the credentials the server signs with.
    pub ci: &'a [u8],
    /// Those credentials.
    pub credentials: &'a T,
    /// `euiccCiPKIdToBeUsed`: the CI the eUICC shall sign with.
    pub to_be_used: Vec<u8>,
}

impl<T> ServerCredentials<T> {
    /// No credentials yet, trusting the CIs (and CRLs) of `trust`.
    pub fn new(trust: TrustStore) -> Self {
        Self {
            sets: CredentialSet::new(),
            trust,
        }
    }

    /// Files `set` under `ci` (its subject key identifier).
    pub fn add(&mut self, ci: &Cert, set: T) -> Result<(), PkiError> {
        self.sets.insert_for_ci(ci, set)
    }

    /// The trust store for eUICC / EUM chains.
    pub fn trust(&self) -> &TrustStore {
        &self.trust
    }

    /// The credentials under the CI `ci_key_id`.
    pub fn by_ci(&self, ci_key_id: &[u8]) -> Option<&T> {
        self.sets.select([ci_key_id]).ok().map(|(_, set)| set)
    }

    /// SGP.22 §5.6.1 (and §5.8.1 for the SM-DS), in its order of checks: a CI of
    /// `for_signing` (what the eUICC can sign with) that this server trusts, else
    /// [`SelectError::NoTrustedSigningCi`]; a CI of `for_verification` (what the eUICC can
    /// verify) that this server holds credentials under, else
    /// [`SelectError::NoCertificateForVerification`]. A CI in both lists is preferred, so
    /// one chain serves the whole session; otherwise each list's first usable CI (in the
    /// eUICC's order).
    pub fn select<'a>(
        &'a self,
        for_verification: &[impl AsRef<[u8]>],
        for_signing: &[impl AsRef<[u8]>],
    ) -> Result<Selection<'a, T>, SelectError> {
        let trusted = |id: &&[u8]| self.trust.ci_by_key_id(id).is_some();
        let signing: Vec<&[u8]> = for_signing
            .iter()
            .map(AsRef::as_ref)
            .filter(trusted)
            .collect();
        let first_signing = *signing.first().ok_or(SelectError::NoTrustedSigningCi)?;
        let verification = || for_verification.iter().map(AsRef::as_ref);
        if let Ok((ci, credentials)) = self
            .sets
            .select(verification().filter(|k| signing.contains(k)))
        {
            return Ok(Selection {
                ci,
                credentials,
                to_be_used: ci.to_vec(),
            });
        }
        let (ci, credentials) = self
            .sets
            .select(verification())
            .map_err(|_| SelectError::NoCertificateForVerification)?;
        Ok(Selection {
            ci,
            credentials,
            to_be_used: first_signing.to_vec(),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use rsp_crypto::{Curve, SoftwareKey};
    use rsp_pki::{Role, TestPki, TestPkiOptions};

    fn signing(pki: &TestPki, role: Role) -> SigningCredential {
        let i = pki.get(role).unwrap();
        SigningCredential {
            cert: i.cert.clone(),
            signer: Arc::new(SoftwareKey::from_pkcs8_der(&i.key.to_pkcs8_der()).unwrap()),
        }
    }

    #[test]
    fn picks_the_euicc_preferred_ci_on_either_curve() {
        let nist = TestPki::generate(Curve::NistP256, &TestPkiOptions::default()).unwrap();
        let brp = TestPki::generate(Curve::BrainpoolP256r1, &TestPkiOptions::default()).unwrap();
        let ci = |p: &TestPki| p.get(Role::Ci).unwrap().cert.clone();
        let mut c = ServerCredentials::new(TrustStore::with_cis([ci(&nist), ci(&brp)]));
        for p in [&nist, &brp] {
            c.add(&ci(p), signing(p, Role::DpAuth)).unwrap();
        }
        let id = |p: &TestPki| ci(p).subject_key_id().unwrap().to_vec();
        let pick = |v: &[Vec<u8>], s: &[Vec<u8>]| {
            c.select(v, s).map(|sel| {
                (
                    sel.ci.to_vec(),
                    sel.credentials.cert.clone(),
                    sel.to_be_used,
                )
            })
        };
        let unknown = vec![0x42u8; 20];
        let (chosen, cert, to_be_used) =
            pick(&[unknown.clone(), id(&brp), id(&nist)], &[id(&brp)]).unwrap();
        assert_eq!(chosen, id(&brp));
        assert_eq!(cert, brp.get(Role::DpAuth).unwrap().cert);
        assert_eq!(to_be_used, id(&brp));
        // Verification by NIST, signing by brainpool only: the eUICC signs with brainpool.
        let (chosen, _, to_be_used) = pick(&[id(&nist)], &[id(&brp)]).unwrap();
        assert_eq!((chosen, to_be_used), (id(&nist), id(&brp)));
        // No credentials under a CI the eUICC can verify (§5.6.1: 8.8.4/3.7).
        let e = pick(std::slice::from_ref(&unknown), &[id(&nist)]).unwrap_err();
        assert_eq!(e, SelectError::NoCertificateForVerification);
        assert_eq!(e.es9plus(), RspError::SmdpCertificateUnavailable);
        assert_eq!(e.es11(), RspError::SmdsCertificateUnavailable);
        // Nothing the eUICC can sign with is trusted, checked first (8.8.2/3.1).
        let e = pick(
            std::slice::from_ref(&unknown),
            std::slice::from_ref(&unknown),
        )
        .unwrap_err();
        assert_eq!(e, SelectError::NoTrustedSigningCi);
        assert_eq!(e.es9plus(), RspError::SmdpSecurityConfigurationUnsupported);
        assert_eq!(e.es11(), RspError::SmdsSecurityConfigurationUnsupported);
        // A CI in both lists is preferred over the eUICC's first verification CI.
        let (chosen, _, to_be_used) = pick(&[id(&nist), id(&brp)], &[id(&brp)]).unwrap();
        assert_eq!((chosen, to_be_used), (id(&brp), id(&brp)));
        assert!(!format!("{:?}", c.by_ci(&id(&nist))).contains("PRIVATE"));
    }
}
