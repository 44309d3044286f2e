//! The compact ESipa forms an IPA may send in an indirect download (SGP.32 v1.2 §5.14.2–3,
//! `minimizeEsipaBytes`), made whole again before the SM-DP+ sees them (it takes only the
//! SGP.22 forms, whose signatures the eUICC made over the whole objects):
//!
//! - `compactAuthenticateResponseOk` with `euiccSigned1` as signed: the eUICC and EUM
//!   certificates left out are those registered for the order's EID;
//! - `compactDownloadResponseOk`: `euiccSigned2` rebuilt from the session's transactionId,
//!   `euiccOtpk` and `hashCc` (the IPA's, or the one the eIM supplied for the order).
//!
//! What cannot be rebuilt here is `None` (answered `undefinedError`): `compactEuiccSigned1`
//! (it needs the eUICC's current EUICCInfo2), a compact answer in a session without an
//! order (no EID to take certificates from), an EID without registered certificates, a
//! compact euiccSigned2 without `euiccOtpk`.

use std::borrow::Cow;

use rsp_codec::asn1::sgp32::{
    AuthenticateClientRequestEsipa, CompactSignedData, GetBoundProfilePackageRequestEsipa,
    Sgp32AuthenticateResponseOk, Sgp32AuthenticateServerResponse, Sgp32PrepareDownloadResponse,
};
use rsp_codec::asn1::{Certificate, EUICCSigned2, PrepareDownloadResponseOk, Raw};

use super::{RelaySession, RelayStore};
use crate::EimError;
use crate::service::Eim;
use crate::store::EimStore;

impl<S: EimStore + RelayStore> Eim<S> {
    /// `request` with a compact AuthenticateServer answer made whole (borrowed as it is
    /// when it is not compact).
    pub(super) async fn expanded_authenticate<'r>(
        &self,
        session: &RelaySession,
        request: &'r AuthenticateClientRequestEsipa,
    ) -> Result<Option<Cow<'r, AuthenticateClientRequestEsipa>>, EimError> {
        let Sgp32AuthenticateServerResponse::CompactAuthenticateResponseOk(c) =
            &request.authenticate_server_response
        else {
            return Ok(Some(Cow::Borrowed(request)));
        };
        let CompactSignedData::EuiccSigned1(signed1) = &c.signed_data else {
            return Ok(None);
        };
        let (euicc, eum) = match (&c.euicc_certificate, &c.eum_certificate) {
            (Some(e), Some(m)) => (e.clone(), m.clone()),
            _ => {
                let Some(eid) = &session.eid else {
                    return Ok(None);
                };
                let Some(record) = self.store.euicc(eid).await? else {
                    return Ok(None);
                };
                let (Some(e), Some(m)) = (record.euicc_certificate, record.eum_certificate) else {
                    return Ok(None);
                };
                let cert = |der: &[u8]| {
                    Certificate::from_der(der)
                        .map_err(|e| EimError::Encode(format!("registered certificate: {e}")))
                };
                (cert(&e)?, cert(&m)?)
            }
        };
        let mut whole = request.clone();
        whole.authenticate_server_response =
            Sgp32AuthenticateServerResponse::AuthenticateResponseOk(Box::new(
                Sgp32AuthenticateResponseOk {
                    euicc_signed1: (**signed1).clone(),
                    euicc_signature1: c.euicc_signature1.clone(),
                    euicc_certificate: euicc,
                    eum_certificate: eum,
                    ext: Default::default(),
                },
            ));
        Ok(Some(Cow::Owned(whole)))
    }

    /// `request` with a compact PrepareDownload answer made whole (borrowed as it is when
    /// it is not compact).
    pub(super) async fn expanded_prepare_download<'r>(
        &self,
        session: &RelaySession,
        request: &'r GetBoundProfilePackageRequestEsipa,
    ) -> Result<Option<Cow<'r, GetBoundProfilePackageRequestEsipa>>, EimError> {
        let Sgp32PrepareDownloadResponse::CompactDownloadResponseOk(c) =
            &request.prepare_download_response
        else {
            return Ok(Some(Cow::Borrowed(request)));
        };
        let compact = c.compact_euicc_signed2.value();
        let Some(otpk) = &compact.euicc_otpk else {
            return Ok(None);
        };
        let hash_cc = match compact.hash_cc {
            Some(h) => Some(h),
            None => {
                self.confirmation_hash(session, &request.transaction_id)
                    .await?
            }
        };
        let signed2 = EUICCSigned2 {
            transaction_id: request.transaction_id.clone(),
            euicc_otpk: otpk.clone(),
            hash_cc,
            ext: Default::default(),
        };
        let mut whole = request.clone();
        whole.prepare_download_response =
            Sgp32PrepareDownloadResponse::DownloadResponseOk(PrepareDownloadResponseOk {
                euicc_signed2: Raw::new(signed2)
                    .map_err(|e| EimError::Encode(format!("euiccSigned2: {e}")))?,
                euicc_signature2: c.euicc_signature2.clone(),
                ext: Default::default(),
            });
        Ok(Some(Cow::Owned(whole)))
    }
}
