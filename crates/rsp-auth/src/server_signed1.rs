//! InitiateAuthentication's server side (SGP.22 §5.6.1, §5.8.1): the SVN check and
//! `serverSigned1` with `serverSignature1`, made by CERT.DPauth or CERT.DSauth.

use rsp_codec::asn1::{
    CodecError, EUICCInfo1, Extensions, Octet16, Raw, ServerSigned1, TransactionId,
};
use rsp_crypto::{CryptoError, Signer};

/// Major version of SGP.22 these servers implement (the eUICC's `svn`, §5.6.1 / §5.8.1).
pub const SUPPORTED_SVN_MAJOR: u8 = 2;

/// Whether the eUICC's `svn` is served: any SGP.22 v2.x. A v1 or v3 eUICC speaks another
/// protocol (ES9+ 8.8.3/3.1, ES11 8.9.3/3.1).
pub fn svn_supported(info1: &EUICCInfo1) -> bool {
    info1.svn.as_bytes()[0] == SUPPORTED_SVN_MAJOR
}

/// Why `serverSigned1` could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    /// Encoding the structure failed.
    #[error("serverSigned1 encoding failed: {0}")]
    Encode(CodecError),
    /// The signing key failed (an HSM, say).
    #[error("serverSignature1 failed: {0}")]
    Sign(CryptoError),
}

/// `serverSigned1` (DER as signed) and `serverSignature1` (r‖s) over it.
pub fn server_signed1(
    transaction_id: &[u8],
    euicc_challenge: Octet16,
    server_address: &str,
    server_challenge: [u8; 16],
    signer: &dyn Signer,
) -> Result<(Raw<ServerSigned1>, Vec<u8>), SignError> {
    let signed = Raw::new(ServerSigned1 {
        transaction_id: TransactionId(transaction_id.to_vec().into()),
        euicc_challenge,
        server_address: server_address.to_owned(),
        server_challenge: Octet16::new(server_challenge),
        ext: Extensions::default(),
    })
    .map_err(SignError::Encode)?;
    let signature = signer.sign_raw(signed.raw()).map_err(SignError::Sign)?;
    Ok((signed, signature.to_vec()))
}

/// 16 bytes from the OS random generator (transactionId, serverChallenge); `None` when it
/// fails.
pub fn random16() -> Option<[u8; 16]> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).ok()?;
    Some(b)
}
