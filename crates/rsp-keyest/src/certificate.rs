//! CERT.DP.ECDSA (SGP.02 §2.3.2; GP Amd E certificate format `7F21`): the CI's signature
//! over the SM-DP's key in the form the eUICC's ECASD verifies. It is built from the
//! SM-DP's X.509 certificate (serial, CI key identifier, subject key identifier, validity,
//! public key) and signed with the CI's key — the CI issues both forms of one credential.

use std::sync::Arc;

use rsp_codec::sgp02::consts as c;
use rsp_codec::sgp02::es8::{EcPublicKey, GpCertificate};
use rsp_crypto::{Curve, Signer};
use rsp_pki::Cert;

use crate::KeyEstError;

/// The key parameter reference of `curve` (GP Amd E).
pub fn parameter_reference(curve: Curve) -> u8 {
    match curve {
        Curve::NistP256 => c::KEY_PARAMETER_P256,
        Curve::BrainpoolP256r1 => c::KEY_PARAMETER_BRAINPOOL_P256R1,
    }
}

/// A date as YYYYMMDD in BCD.
fn bcd_date(unix: u64) -> Result<[u8; 4], KeyEstError> {
    let t = i64::try_from(unix)
        .ok()
        .and_then(|u| time::OffsetDateTime::from_unix_timestamp(u).ok())
        .ok_or_else(|| KeyEstError::Credential("date out of range".into()))?;
    let digits = format!("{:04}{:02}{:02}", t.year(), u8::from(t.month()), t.day());
    let b = hex::decode(digits).map_err(|_| KeyEstError::Credential("date".into()))?;
    <[u8; 4]>::try_from(b).map_err(|_| KeyEstError::Credential("date".into()))
}

/// Builds CERT.DP.ECDSA for `dp` (the SM-DP's X.509 certificate), signed by `ci_key`.
pub fn issue(dp: &Cert, ci_key: &dyn Signer) -> Result<GpCertificate, KeyEstError> {
    issue_typed(dp, ci_key, c::CERT_TYPE_SMDP)
}

/// Builds CERT.SR.ECDSA for `sr` (the SM-SR's X.509 certificate), signed by `ci_key`: the
/// certificate the new SM-SR presents to the ISD-R in the SM-SR change (SGP.02 §3.7, ES7
/// AuthenticateSMSR); it differs from CERT.DP.ECDSA only by its type `C8 01 02`.
pub fn issue_smsr(sr: &Cert, ci_key: &dyn Signer) -> Result<GpCertificate, KeyEstError> {
    issue_typed(sr, ci_key, c::CERT_TYPE_SMSR)
}

/// Builds the GP certificate of `cert_type` (`CERT_TYPE_SMDP` or `CERT_TYPE_SMSR`, the
/// discretionary data `C8 01 type`) for `dp`, signed by `ci_key`.
pub fn issue_typed(
    dp: &Cert,
    ci_key: &dyn Signer,
    cert_type: u8,
) -> Result<GpCertificate, KeyEstError> {
    let ca_id = dp
        .authority_key_id()
        .ok_or_else(|| KeyEstError::Credential("certificate without authority key id".into()))?
        .to_vec();
    let subject_id = dp
        .subject_key_id()
        .ok_or_else(|| KeyEstError::Credential("certificate without subject key id".into()))?
        .to_vec();
    let key = dp.public_key();
    let mut cert = GpCertificate {
        serial: dp.serial().to_vec(),
        discretionary: vec![c::TAG_CERT_TYPE as u8, 0x01, cert_type],
        ca_id,
        subject_id,
        key_usage: c::CERT_KEY_USAGE_KEY_AGREEMENT.to_vec(),
        effective_date: Some(bcd_date(dp.not_before_unix())?),
        expiration_date: bcd_date(dp.not_after_unix())?,
        public_key: EcPublicKey {
            q: key.sec1_uncompressed().to_vec(),
            parameter_reference: parameter_reference(key.curve()),
        },
        signature: Vec::new(),
    };
    cert.signature = ci_key.sign_raw(&cert.signed_data()?)?.to_vec();
    Ok(cert)
}

/// What the SM-DP authenticates itself with on ES8: CERT.DP.ECDSA and SK.DP.ECDSA; or, for
/// the new SM-SR of an SM-SR change, CERT.SR.ECDSA (see [`issue_smsr`]) and SK.SR.ECDSA.
#[derive(Clone)]
pub struct Credential {
    certificate: GpCertificate,
    key: Arc<dyn Signer>,
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credential")
            .field("serial", &hex::encode_upper(&self.certificate.serial))
            .finish_non_exhaustive()
    }
}

impl Credential {
    /// The credential; `key` must be the certificate's key.
    pub fn new(certificate: GpCertificate, key: Arc<dyn Signer>) -> Result<Self, KeyEstError> {
        let q = key.public_key().sec1_uncompressed();
        if certificate.public_key.q != q
            || certificate.public_key.parameter_reference != parameter_reference(key.curve())
        {
            return Err(KeyEstError::Credential(
                "the key does not match CERT.DP.ECDSA".into(),
            ));
        }
        Ok(Self { certificate, key })
    }

    /// The certificate type `C8` of the certificate (`CERT_TYPE_SMDP`, `CERT_TYPE_SMSR`).
    pub fn certificate_type(&self) -> Option<u8> {
        self.certificate.certificate_type()
    }

    /// CERT.DP.ECDSA (or CERT.SR.ECDSA).
    pub fn certificate(&self) -> &GpCertificate {
        &self.certificate
    }

    /// SK.DP.ECDSA.
    pub fn key(&self) -> &dyn Signer {
        self.key.as_ref()
    }
}
