//! ES10b functions of the download session: AuthenticateServer (SGP.22 §5.7.13),
//! PrepareDownload (§5.7.5) and CancelSession (§5.7.14), with the session they build.

use rasn::types::{ObjectIdentifier, OctetString};
use rsp_codec::asn1::{
    AuthenticateErrorCode, AuthenticateResponseError, AuthenticateResponseOk,
    AuthenticateServerRequest, AuthenticateServerResponse, CancelSessionRequest,
    CancelSessionResponse, CancelSessionResponseError, CancelSessionResponseOk, CtxParams1,
    DownloadErrorCode, EUICCSigned2, EuiccCancelSessionSigned, EuiccSigned1, Extensions,
    PrepareDownloadRequest, PrepareDownloadResponse, PrepareDownloadResponseError,
    PrepareDownloadResponseOk, Raw, TransactionId,
};
use rsp_crypto::tr03111::tlv_5f37;
use rsp_crypto::{KeyAgreement, PublicKey, SoftwareKey};
use rsp_pki::{Cert, Role};
use time::OffsetDateTime;

use crate::error::Es10Error;
use crate::info::euicc_info2;
use crate::isdr::Isdr;
use crate::notification::codec_cert;
use rsp_codec::asn1::oid_from_text;

/// A server authenticated by AuthenticateServer (SGP.22 §3.1.2 common mutual authentication).
#[derive(Clone, Debug)]
pub(crate) struct AuthSession {
    pub transaction_id: TransactionId,
    pub server_address: String,
    pub smdp_oid: ObjectIdentifier,
    pub ci_key_id: Vec<u8>,
    pub credential: usize,
    pub euicc_signature1: [u8; 64],
}

/// A session after PrepareDownload: ready for the Bound Profile Package.
#[derive(Clone, Debug)]
pub(crate) struct PreparedSession {
    pub auth: AuthSession,
    pub dppb_key: PublicKey,
}

/// The download session of the ISD-R (one at a time).
#[derive(Clone, Debug)]
pub(crate) enum DownloadSession {
    Authenticated(AuthSession),
    Prepared(PreparedSession),
}

impl DownloadSession {
    pub fn auth(&self) -> &AuthSession {
        match self {
            DownloadSession::Authenticated(a) => a,
            DownloadSession::Prepared(p) => &p.auth,
        }
    }
}

/// The SM-DP+ OID: the registeredID of the certificate's subjectAltName (SGP.22 §4.5.2.1).
fn smdp_oid(cert: &Cert) -> Option<ObjectIdentifier> {
    cert.registered_id().and_then(oid_from_text)
}

fn raw_sig(bytes: &[u8]) -> Option<[u8; 64]> {
    <[u8; 64]>::try_from(bytes).ok()
}

impl Isdr {
    /// ES10b.AuthenticateServer (SGP.22 §5.7.13). The challenge is single use: it is
    /// consumed whatever the outcome, so a replayed request fails.
    pub(crate) fn authenticate_server(
        &mut self,
        req: AuthenticateServerRequest,
    ) -> Result<AuthenticateServerResponse, Es10Error> {
        let challenge = self.challenge.take();
        self.session = None;
        self.loader = None;
        let transaction_id = req.server_signed1.value().transaction_id.clone();
        match self.check_server(&req, challenge) {
            Ok(auth) => {
                let signed = req.server_signed1.value();
                let euicc_signed1 = Raw::new(EuiccSigned1 {
                    transaction_id: signed.transaction_id.clone(),
                    server_address: signed.server_address.clone(),
                    server_challenge: signed.server_challenge,
                    euicc_info2: euicc_info2(&self.identity, &self.config, &self.state),
                    ctx_params1: req.ctx_params1.clone(),
                    ext: Extensions::default(),
                })
                .map_err(Es10Error::encoding)?;
                let cred = self
                    .identity
                    .credential(auth.credential)
                    .ok_or_else(Es10Error::no_credential)?;
                let sig = cred.sign(euicc_signed1.raw())?;
                let ok = AuthenticateResponseOk {
                    euicc_signed1,
                    euicc_signature1: OctetString::from(sig.to_vec()),
                    euicc_certificate: codec_cert(cred.cert())?,
                    eum_certificate: codec_cert(cred.eum())?,
                    ext: Extensions::default(),
                };
                self.session = Some(DownloadSession::Authenticated(AuthSession {
                    euicc_signature1: sig,
                    ..auth
                }));
                Ok(AuthenticateServerResponse::AuthenticateResponseOk(
                    Box::new(ok),
                ))
            }
            Err(code) => Ok(AuthenticateServerResponse::AuthenticateResponseError(
                AuthenticateResponseError {
                    transaction_id,
                    authenticate_error_code: code,
                    ext: Extensions::default(),
                },
            )),
        }
    }

    /// The eUICC's checks of SGP.22 §5.7.13, in order.
    fn check_server(
        &self,
        req: &AuthenticateServerRequest,
        challenge: Option<[u8; 16]>,
    ) -> Result<AuthSession, AuthenticateErrorCode> {
        let ci_id: &[u8] = &req.euicc_ci_pk_id_to_be_used;
        // The CI must be one we verify with, and one our eUICC certificate chains to.
        let credential = match self.identity.credential_for_ci(ci_id) {
            Some((index, _))
                if self
                    .identity
                    .ci_pk_ids_for_verification()
                    .iter()
                    .any(|id| id == ci_id) =>
            {
                index
            }
            _ => return Err(AuthenticateErrorCode::CI_PK_UNKNOWN),
        };
        let cert = Cert::from_der(req.server_certificate.as_der())
            .map_err(|_| AuthenticateErrorCode::INVALID_CERTIFICATE)?;
        if self
            .identity
            .credential(credential)
            .ok_or(AuthenticateErrorCode::UNDEFINED_ERROR)?
            .signer()
            .public_key()
            .curve()
            != cert.public_key().curve()
        {
            return Err(AuthenticateErrorCode::UNSUPPORTED_CURVE);
        }
        // §5.7.13: CERT.DPauth.ECDSA (an SM-DP+) or CERT.DSauth.ECDSA (an SM-DS, ES11).
        let trust = self.identity.trust_store(&self.crls());
        let now = OffsetDateTime::now_utc();
        let chain = trust
            .validate(&cert, &[], Role::DpAuth, now)
            .or_else(|_| trust.validate(&cert, &[], Role::DsAuth, now))
            .map_err(|_| AuthenticateErrorCode::INVALID_CERTIFICATE)?;
        if chain.ci_key_id() != ci_id {
            return Err(AuthenticateErrorCode::INVALID_CERTIFICATE);
        }
        let oid = smdp_oid(&cert).ok_or(AuthenticateErrorCode::INVALID_OID)?;
        cert.public_key()
            .verify_raw(req.server_signed1.raw(), &req.server_signature1)
            .map_err(|_| AuthenticateErrorCode::INVALID_SIGNATURE)?;
        let signed = req.server_signed1.value();
        if challenge.as_ref() != Some(signed.euicc_challenge.as_bytes()) {
            return Err(AuthenticateErrorCode::EUICC_CHALLENGE_MISMATCH);
        }
        if !matches!(
            req.ctx_params1.known(),
            Some(CtxParams1::CtxParamsForCommonAuthentication(_))
        ) {
            return Err(AuthenticateErrorCode::UNDEFINED_ERROR);
        }
        Ok(AuthSession {
            transaction_id: signed.transaction_id.clone(),
            server_address: signed.server_address.clone(),
            smdp_oid: oid,
            ci_key_id: ci_id.to_vec(),
            credential,
            euicc_signature1: [0; 64],
        })
    }

    /// ES10b.PrepareDownload (SGP.22 §5.7.5): checks CERT.DPpb and smdpSignature2,
    /// generates otPK/otSK.EUICC.ECKA (or reuses the retained pair on a retry), signs
    /// euiccSigned2.
    pub(crate) fn prepare_download(
        &mut self,
        req: PrepareDownloadRequest,
    ) -> Result<PrepareDownloadResponse, Es10Error> {
        let transaction_id = req.smdp_signed2.value().transaction_id.clone();
        let error = |code| {
            PrepareDownloadResponse::DownloadResponseError(PrepareDownloadResponseError {
                transaction_id: transaction_id.clone(),
                download_error_code: code,
                ext: Extensions::default(),
            })
        };
        let Some(session) = self.session.take() else {
            return Ok(error(DownloadErrorCode::NO_SESSION_CONTEXT));
        };
        let auth = session.auth().clone();
        let dppb_key = match self.check_prepare(&req, &auth) {
            Ok(key) => key,
            Err(code) => return Ok(error(code)),
        };
        let signed = req.smdp_signed2.value();
        let cred = self
            .identity
            .credential(auth.credential)
            .ok_or_else(Es10Error::no_credential)?;
        let curve = cred.signer().public_key().curve();
        let reuse = match (&signed.bpp_euicc_otpk, &self.ot_key) {
            (Some(wanted), Some(key)) => key.public_key().sec1_uncompressed() == wanted.as_ref(),
            _ => false,
        };
        if !reuse {
            self.ot_key = Some(SoftwareKey::generate(curve)?);
        }
        let ot_public = match &self.ot_key {
            Some(key) => KeyAgreement::public_key(key).sec1_uncompressed().to_vec(),
            None => return Err(Es10Error::Internal("one-time key missing".into())),
        };
        let euicc_signed2 = Raw::new(EUICCSigned2 {
            transaction_id: signed.transaction_id.clone(),
            euicc_otpk: ot_public.into(),
            hash_cc: if signed.cc_required_flag {
                req.hash_cc
            } else {
                None
            },
            ext: Extensions::default(),
        })
        .map_err(Es10Error::encoding)?;
        let smdp_sig = raw_sig(&req.smdp_signature2)
            .ok_or_else(|| Es10Error::Internal("smdpSignature2 length".into()))?;
        let mut msg = euicc_signed2.raw().to_vec();
        msg.extend_from_slice(&tlv_5f37(&smdp_sig));
        let sig = cred.sign(&msg)?;
        self.session = Some(DownloadSession::Prepared(PreparedSession {
            auth,
            dppb_key,
        }));
        Ok(PrepareDownloadResponse::DownloadResponseOk(
            PrepareDownloadResponseOk {
                euicc_signed2,
                euicc_signature2: OctetString::from(sig.to_vec()),
                ext: Extensions::default(),
            },
        ))
    }

    /// The eUICC's checks of SGP.22 §5.7.5.
    fn check_prepare(
        &self,
        req: &PrepareDownloadRequest,
        auth: &AuthSession,
    ) -> Result<PublicKey, DownloadErrorCode> {
        let signed = req.smdp_signed2.value();
        if signed.transaction_id != auth.transaction_id {
            return Err(DownloadErrorCode::INVALID_TRANSACTION_ID);
        }
        let cert = Cert::from_der(req.smdp_certificate.as_der())
            .map_err(|_| DownloadErrorCode::INVALID_CERTIFICATE)?;
        let cred_curve = self
            .identity
            .credential(auth.credential)
            .ok_or(DownloadErrorCode::UNDEFINED_ERROR)?
            .signer()
            .public_key()
            .curve();
        if cert.public_key().curve() != cred_curve {
            return Err(DownloadErrorCode::UNSUPPORTED_CURVE);
        }
        let chain = self
            .identity
            .trust_store(&self.crls())
            .validate(&cert, &[], Role::DpPb, OffsetDateTime::now_utc())
            .map_err(|_| DownloadErrorCode::INVALID_CERTIFICATE)?;
        // Same CI and same SM-DP+ (OID) as CERT.DPauth.
        if chain.ci_key_id() != auth.ci_key_id.as_slice()
            || smdp_oid(&cert).as_ref() != Some(&auth.smdp_oid)
        {
            return Err(DownloadErrorCode::INVALID_CERTIFICATE);
        }
        // smdpSignature2 covers smdpSigned2 ‖ the euiccSignature1 TLV (SGP.22 §5.6.2).
        let mut msg = req.smdp_signed2.raw().to_vec();
        msg.extend_from_slice(&tlv_5f37(&auth.euicc_signature1));
        cert.public_key()
            .verify_raw(&msg, &req.smdp_signature2)
            .map_err(|_| DownloadErrorCode::INVALID_SIGNATURE)?;
        if signed.cc_required_flag && req.hash_cc.is_none() {
            return Err(DownloadErrorCode::UNDEFINED_ERROR);
        }
        Ok(cert.public_key().clone())
    }

    /// ES10b.CancelSession (SGP.22 §5.7.14): signed, then the session is discarded.
    pub(crate) fn cancel_session(
        &mut self,
        req: CancelSessionRequest,
    ) -> Result<CancelSessionResponse, Es10Error> {
        let auth = match &self.session {
            Some(s) if s.auth().transaction_id == req.transaction_id => s.auth().clone(),
            _ => {
                return Ok(CancelSessionResponse::CancelSessionResponseError(
                    CancelSessionResponseError::INVALID_TRANSACTION_ID,
                ));
            }
        };
        let signed = Raw::new(EuiccCancelSessionSigned {
            transaction_id: req.transaction_id,
            smdp_oid: auth.smdp_oid.clone(),
            reason: req.reason,
            ext: Extensions::default(),
        })
        .map_err(Es10Error::encoding)?;
        let sig = self
            .identity
            .credential(auth.credential)
            .ok_or_else(Es10Error::no_credential)?
            .sign(signed.raw())?;
        self.session = None;
        self.loader = None;
        self.ot_key = None;
        Ok(CancelSessionResponse::CancelSessionResponseOk(
            CancelSessionResponseOk {
                euicc_cancel_session_signed: signed,
                euicc_cancel_session_signature: OctetString::from(sig.to_vec()),
                ext: Extensions::default(),
            },
        ))
    }

    pub(crate) fn crls(&self) -> Vec<Vec<u8>> {
        self.state.crls.iter().map(|c| c.0.clone()).collect()
    }
}
