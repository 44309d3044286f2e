//! AuthenticateClient's check of the eUICC (SGP.22 §5.6.3 for ES9+, §5.8.2 for ES11): the
//! `AuthenticateServerResponse` decoded, CERT.EUM and CERT.EUICC validated, euiccSignature1
//! verified, and euiccSigned1 compared with the session it answers.

use rsp_codec::asn1::{
    self, AuthenticateErrorCode, AuthenticateResponseOk, AuthenticateServerResponse,
};
use rsp_codec::json::Eid;
use rsp_codec::status::RspError;
use rsp_pki::{TrustStore, ValidatedChain};
use time::OffsetDateTime;

use crate::euicc_chain;

/// What the server's session remembers of its InitiateAuthentication answer, which
/// euiccSigned1 must echo.
#[derive(Debug, Clone, Copy)]
pub struct SessionEcho<'a> {
    /// The session's transactionId.
    pub transaction_id: &'a [u8],
    /// The server's own address (signed in serverSigned1).
    pub server_address: &'a str,
    /// The serverChallenge it sent.
    pub server_challenge: &'a [u8],
}

/// An eUICC that proved itself in this session.
#[derive(Debug)]
pub struct AuthenticatedEuicc {
    /// The response as received (euiccSigned1 keeps its DER).
    pub response: Box<AuthenticateResponseOk>,
    /// CI → CERT.EUM → CERT.EUICC as validated.
    pub chain: ValidatedChain,
    /// The EID from CERT.EUICC.
    pub eid: Eid,
}

/// Verifies `authenticate_server_response` (DER of `AuthenticateServerResponse`, BF38) in the
/// order of §5.6.3 / §5.8.2. Errors: malformed 1.3.1/2.1; the eUICC's own refusal (CI unknown
/// 8.11.1/3.9, else 8.1/6.1); EUM certificate 8.1.2/6.1 or 6.3; eUICC certificate
/// 8.1.3/6.1 or 6.3; untrusted CI 8.11.1/3.9; bad euiccSignature1 8.1/6.1; a signed
/// transactionId other than the session's 8.10.1/3.9 (it names no session of this exchange);
/// another serverAddress or serverChallenge 8.1/6.1. The session data are checked after the
/// signature, so an unsigned echo never decides the answer.
pub fn verify_authenticate_server_response(
    authenticate_server_response: &[u8],
    trust: &TrustStore,
    session: SessionEcho<'_>,
    at: OffsetDateTime,
) -> Result<AuthenticatedEuicc, RspError> {
    let response: AuthenticateServerResponse =
        asn1::decode(authenticate_server_response).map_err(|_| RspError::ProtocolFormatInvalid)?;
    let ok = match response {
        AuthenticateServerResponse::AuthenticateResponseOk(ok) => ok,
        AuthenticateServerResponse::AuthenticateResponseError(e) => {
            return Err(map_euicc_error(e.authenticate_error_code));
        }
    };
    let chain = euicc_chain::validate(trust, &ok.euicc_certificate, &ok.eum_certificate, at)?;
    chain
        .leaf
        .public_key()
        .verify_raw(ok.euicc_signed1.raw(), &ok.euicc_signature1)
        .map_err(|_| RspError::EuiccVerificationFailed)?;
    check_signed1(&ok, session)?;
    let eid = chain
        .eid
        .as_deref()
        .and_then(|e| Eid::parse(e).ok())
        .ok_or(RspError::EuiccCertificateInvalid)?;
    Ok(AuthenticatedEuicc {
        response: ok,
        chain,
        eid,
    })
}

/// euiccSigned1 must echo the session (§5.6.3, §5.8.2).
fn check_signed1(ok: &AuthenticateResponseOk, session: SessionEcho<'_>) -> Result<(), RspError> {
    let s = ok.euicc_signed1.value();
    if s.transaction_id.as_bytes() != session.transaction_id {
        return Err(RspError::TransactionIdUnknown);
    }
    let same = s.server_challenge.as_bytes().as_slice() == session.server_challenge
        && s.server_address == session.server_address;
    if same {
        Ok(())
    } else {
        Err(RspError::EuiccVerificationFailed)
    }
}

/// The eUICC's own refusal (§5.7.13 AuthenticateErrorCode) as a status code.
fn map_euicc_error(code: AuthenticateErrorCode) -> RspError {
    if code == AuthenticateErrorCode::CI_PK_UNKNOWN {
        RspError::CiPublicKeyUnknown
    } else {
        RspError::EuiccVerificationFailed
    }
}
