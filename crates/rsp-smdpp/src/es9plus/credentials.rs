//! The SM-DP+ credentials per GSMA CI (SGP.22 §4.5.2.1): CERT.DPauth.ECDSA and
//! CERT.DPpb.ECDSA with their private keys, plus the CIs (and CRLs) that eUICC chains are
//! validated against. Several CIs, on both curves, live in one process; the eUICC's
//! `euiccCiPKIdListForVerification` picks the set (SGP.22 §5.6.1).

pub use rsp_auth::{ServerCredentials, SigningCredential};
use rsp_pki::Cert;

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

/// Everything the SM-DP+ authenticates with and trusts: [`DpCredentials`] per CI, chosen
/// at InitiateAuthentication by [`ServerCredentials::select`] (SGP.22 §5.6.1).
pub type Credentials = ServerCredentials<DpCredentials>;
