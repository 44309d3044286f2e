//! The SM-DP+ credentials per GSMA CI (SGP.22 §4.5.2.1): CERT.DPauth.ECDSA and
//! CERT.DPpb.ECDSA with their private keys, plus the CIs (and CRLs) that eUICC chains are
//! validated against. Several CIs, on both curves, live in one process; the eUICC's
//! `euiccCiPKIdListForVerification` picks the set (SGP.22 §5.6.1).

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

/// The credentials under one CI.
#[derive(Debug, Clone)]
pub struct DpCredentials {
    /// CERT.DPauth.ECDSA: signs serverSigned1 (§5.6.1).
    pub dp_auth: SigningCredential,
    /// CERT.DPpb.ECDSA: signs smdpSigned2 and the BPP's smdpSign (§5.6.3, §5.5.1).
    pub dp_pb: SigningCredential,
    /// Sub-CA certificates between the CI and the DP certificates, if any.
    pub sub_cas: Vec<Cert>,
}

/// Everything the SM-DP+ authenticates with and trusts.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    sets: CredentialSet<DpCredentials>,
    trust: TrustStore,
}

impl Credentials {
    /// No credentials yet, trusting the CIs (and CRLs) of `trust`.
    pub fn new(trust: TrustStore) -> Self {
        Self {
            sets: CredentialSet::new(),
            trust,
        }
    }

    /// Files `dp` under `ci` (its subject key identifier).
    pub fn add(&mut self, ci: &Cert, dp: DpCredentials) -> Result<(), PkiError> {
        self.sets.insert_for_ci(ci, dp)
    }

    /// The trust store for eUICC / EUM chains.
    pub fn trust(&self) -> &TrustStore {
        &self.trust
    }

    /// The credentials under the CI `ci_key_id`.
    pub fn by_ci(&self, ci_key_id: &[u8]) -> Option<&DpCredentials> {
        self.sets.select([ci_key_id]).ok().map(|(_, dp)| dp)
    }

    /// SGP.22 §5.6.1, in its order of checks: a CI of `for_signing` (what the eUICC can sign
    /// with) that this SM-DP+ trusts, else 8.8.2/3.1; a CI of `for_verification` (what the
    /// eUICC can verify) that this SM-DP+ holds CERT.DPauth under, else 8.8.4/3.7. A CI in
    /// both lists is preferred, so one chain serves the whole session; otherwise each list's
    /// first usable CI (in the eUICC's order). Returns the DPauth/DPpb CI, its credentials
    /// and the `euiccCiPKIdToBeUsed`.
    pub fn select<'a>(
        &'a self,
        for_verification: &[impl AsRef<[u8]>],
        for_signing: &[impl AsRef<[u8]>],
    ) -> Result<(&'a [u8], &'a DpCredentials, Vec<u8>), RspError> {
        let trusted = |id: &&[u8]| self.trust.ci_by_key_id(id).is_some();
        let signing: Vec<&[u8]> = for_signing
            .iter()
            .map(AsRef::as_ref)
            .filter(trusted)
            .collect();
        let first_signing = *signing
            .first()
            .ok_or(RspError::SmdpSecurityConfigurationUnsupported)?;
        let verification = || for_verification.iter().map(AsRef::as_ref);
        if let Ok((ci, dp)) = self
            .sets
            .select(verification().filter(|k| signing.contains(k)))
        {
            return Ok((ci, dp, ci.to_vec()));
        }
        let (ci, dp) = self
            .sets
            .select(verification())
            .map_err(|_| RspError::SmdpCertificateUnavailable)?;
        Ok((ci, dp, first_signing.to_vec()))
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
        let mut c = Credentials::new(TrustStore::with_cis([ci(&nist), ci(&brp)]));
        for p in [&nist, &brp] {
            let dp = DpCredentials {
                dp_auth: signing(p, Role::DpAuth),
                dp_pb: signing(p, Role::DpPb),
                sub_cas: Vec::new(),
            };
            c.add(&ci(p), dp).unwrap();
        }
        let id = |p: &TestPki| ci(p).subject_key_id().unwrap().to_vec();
        let unknown = vec![0x42u8; 20];
        let (chosen, dp, to_be_used) = c
            .select(&[unknown.clone(), id(&brp), id(&nist)], &[id(&brp)])
            .unwrap();
        assert_eq!(chosen, id(&brp).as_slice());
        assert_eq!(dp.dp_auth.cert, brp.get(Role::DpAuth).unwrap().cert);
        assert_eq!(to_be_used, id(&brp));
        // Verification by NIST, signing by brainpool only: the eUICC signs with brainpool.
        let (chosen, _, to_be_used) = c.select(&[id(&nist)], &[id(&brp)]).unwrap();
        assert_eq!((chosen, to_be_used), (id(&nist).as_slice(), id(&brp)));
        // No DPauth under a CI the eUICC can verify: 8.8.4/3.7 (§5.6.1).
        assert_eq!(
            c.select(std::slice::from_ref(&unknown), &[id(&nist)])
                .unwrap_err(),
            RspError::SmdpCertificateUnavailable
        );
        // Nothing the eUICC can sign with is trusted: 8.8.2/3.1, checked first.
        assert_eq!(
            c.select(
                std::slice::from_ref(&unknown),
                std::slice::from_ref(&unknown)
            )
            .unwrap_err(),
            RspError::SmdpSecurityConfigurationUnsupported
        );
        // A CI in both lists is preferred over the eUICC's first verification CI.
        let (chosen, _, to_be_used) = c.select(&[id(&nist), id(&brp)], &[id(&brp)]).unwrap();
        assert_eq!((chosen, to_be_used), (id(&brp).as_slice(), id(&brp)));
        assert_eq!(
            c.select(&[id(&nist)], &[unknown]).unwrap_err(),
            RspError::SmdpSecurityConfigurationUnsupported
        );
        assert!(!format!("{:?}", dp).contains("PRIVATE"));
    }
}
