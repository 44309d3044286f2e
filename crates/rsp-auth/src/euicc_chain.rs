//! Validation of the eUICC's certificates against the trusted CIs, with the SGP.22 status
//! codes of ES9+.AuthenticateClient (§5.6.3) and ES11.AuthenticateClient (§5.8.2): EUM 8.1.2/6.1 or 6.3, eUICC 8.1.3/6.1 or
//! 6.3, unknown CI 8.11.1/3.9.

use rsp_codec::asn1::Certificate;
use rsp_codec::status::RspError;
use rsp_pki::{Cert, FailureKind, PkiError, Role, TrustStore, ValidatedChain};
use time::OffsetDateTime;

/// Validates the chain CI → CERT.EUM → CERT.EUICC at `at`. A refused chain is then told
/// apart: when CERT.EUM alone does not validate under the CI, its code (8.1.2) is answered,
/// as the EUM is checked first; else the eUICC's (8.1.3). (The whole chain covers every check
/// of the EUM's own one, so an accepted chain validates once.)
pub fn validate(
    trust: &TrustStore,
    euicc: &Certificate,
    eum: &Certificate,
    at: OffsetDateTime,
) -> Result<ValidatedChain, RspError> {
    let eum = trust
        .parse_intermediate(eum.as_der())
        .map_err(|_| RspError::EumCertificateInvalid)?;
    let euicc = Cert::from_der(euicc.as_der()).map_err(|_| RspError::EuiccCertificateInvalid)?;
    trust
        .validate(&euicc, std::slice::from_ref(&eum), Role::Euicc, at)
        .or_else(|chain_error| {
            trust.validate(&eum, &[], Role::Eum, at).map_err(|e| {
                map(
                    &e,
                    RspError::EumCertificateInvalid,
                    RspError::EumCertificateExpired,
                )
            })?;
            Err(map(
                &chain_error,
                RspError::EuiccCertificateInvalid,
                RspError::EuiccCertificateExpired,
            ))
        })
}

fn map(e: &PkiError, invalid: RspError, expired: RspError) -> RspError {
    tracing::info!(error = %e, "eUICC certificate chain refused");
    match e.kind() {
        FailureKind::UnknownCi => RspError::CiPublicKeyUnknown,
        FailureKind::Expired => expired,
        FailureKind::Malformed | FailureKind::Invalid | FailureKind::Revoked => invalid,
    }
}
