//! InitiateAuthentication's common part (SGP.22 §5.6.1 for ES9+, §5.8.1 for ES11): the
//! eUICC's input decoded, its SVN and CI lists checked, `transactionId` and
//! `serverChallenge` drawn, and the `InitiateAuthenticationOkEs9` answer signed. The caller
//! checks its own address first and stores its session afterwards.

use rsp_codec::asn1::{
    self, Certificate, EUICCInfo1, Extensions, InitiateAuthenticationOkEs9, Octet16, TransactionId,
};

use crate::credentials::{SelectError, ServerCredentials, SigningCredential};
use crate::server_signed1::{SignError, random16, server_signed1, svn_supported};

/// Why InitiateAuthentication failed before any session existed.
#[derive(Debug, thiserror::Error)]
pub enum InitiateError {
    /// `euiccChallenge` or `euiccInfo1` does not decode (1.3.1/2.1).
    #[error("malformed euiccChallenge or euiccInfo1")]
    Format,
    /// The eUICC's `svn` is not served (ES9+ 8.8.3/3.1, ES11 8.9.3/3.1).
    #[error("unsupported eUICC SVN")]
    Svn,
    /// No usable CI ([`SelectError::es9plus`], [`SelectError::es11`]).
    #[error("no usable CI: {0:?}")]
    Select(SelectError),
    /// serverSigned1 could not be made.
    #[error(transparent)]
    Sign(#[from] SignError),
    /// The OS random generator failed.
    #[error("random generator failure")]
    Rng,
}

/// A signed InitiateAuthentication answer and what the session must remember.
#[derive(Debug)]
pub struct Initiated<'a, T> {
    /// The answer.
    pub ok: InitiateAuthenticationOkEs9,
    /// The CI (subject key identifier) of the credentials that signed.
    pub ci: &'a [u8],
    /// Those credentials.
    pub credentials: &'a T,
    /// The serverChallenge sent.
    pub server_challenge: [u8; 16],
}

/// Checks the eUICC's `euiccInfo1` and signs serverSigned1 for `server_address` with the
/// authentication credential (`auth` of the chosen set: CERT.DPauth or CERT.DSauth).
pub fn initiate<'a, T>(
    credentials: &'a ServerCredentials<T>,
    auth: impl Fn(&T) -> &SigningCredential,
    euicc_challenge: &[u8],
    euicc_info1: &[u8],
    server_address: &str,
) -> Result<Initiated<'a, T>, InitiateError> {
    let challenge = Octet16::try_from(euicc_challenge).map_err(|_| InitiateError::Format)?;
    let info1: EUICCInfo1 = asn1::decode(euicc_info1).map_err(|_| InitiateError::Format)?;
    if !svn_supported(&info1) {
        return Err(InitiateError::Svn);
    }
    let selection = credentials
        .select(
            &info1.euicc_ci_pk_id_list_for_verification,
            &info1.euicc_ci_pk_id_list_for_signing,
        )
        .map_err(InitiateError::Select)?;
    let signing = auth(selection.credentials);
    let transaction_id = random16().ok_or(InitiateError::Rng)?;
    let server_challenge = random16().ok_or(InitiateError::Rng)?;
    let (signed, signature) = server_signed1(
        &transaction_id,
        challenge,
        server_address,
        server_challenge,
        signing.signer.as_ref(),
    )?;
    let server_certificate = Certificate::from_der(signing.cert.der())
        .map_err(|e| InitiateError::Sign(SignError::Encode(e)))?;
    Ok(Initiated {
        ok: InitiateAuthenticationOkEs9 {
            transaction_id: TransactionId(transaction_id.to_vec().into()),
            server_signed1: signed,
            server_signature1: signature.into(),
            euicc_ci_pk_id_to_be_used: selection.to_be_used.into(),
            server_certificate,
            ext: Extensions::default(),
        },
        ci: selection.ci,
        credentials: selection.credentials,
        server_challenge,
    })
}
