//! The compact ESipa forms an IPA sends to save bytes on a constrained link (SGP.32 v1.2
//! §5.14.2–3, IpaCapabilities `minimizeEsipaBytes`), made from the eUICC's full outputs:
//!
//! - ES10b.AuthenticateServer → `compactAuthenticateResponseOk` with `euiccSigned1` as
//!   signed and **without the eUICC and EUM certificates** (the eIM has them from the
//!   eUICC's registration and puts them back for the SM-DP+);
//! - ES10b.PrepareDownload → `compactDownloadResponseOk`: `euiccSigned2` without the
//!   transactionId (the eIM knows the session) and without `hashCc` when the eIM supplied
//!   it; the eIM rebuilds `euiccSigned2`, whose signature covers it.
//!
//! Errors and anything else stay as they are. The other compact form of euiccSigned1
//! (`compactEuiccSigned1`, the eIM rebuilding EUICCInfo2) is not produced.

use rsp_codec::asn1::sgp32::{
    CompactAuthenticateResponseOk, CompactEuiccSigned2, CompactPrepareDownloadResponseOk,
    CompactSignedData, Sgp32AuthenticateServerResponse, Sgp32PrepareDownloadResponse,
};
use rsp_codec::asn1::{Extensions, Raw};

use crate::error::LpaError;

/// The compact form of an AuthenticateServer answer.
pub fn authenticate(response: Sgp32AuthenticateServerResponse) -> Sgp32AuthenticateServerResponse {
    match response {
        Sgp32AuthenticateServerResponse::AuthenticateResponseOk(ok) => {
            let ok = *ok;
            Sgp32AuthenticateServerResponse::CompactAuthenticateResponseOk(Box::new(
                CompactAuthenticateResponseOk {
                    signed_data: CompactSignedData::EuiccSigned1(Box::new(ok.euicc_signed1)),
                    euicc_signature1: ok.euicc_signature1,
                    euicc_certificate: None,
                    eum_certificate: None,
                    ext: Extensions::default(),
                },
            ))
        }
        other => other,
    }
}

/// The compact form of a PrepareDownload answer; `hash_cc_from_eim`: the eIM supplied the
/// hashCc (it is left out then).
pub fn prepare_download(
    response: Sgp32PrepareDownloadResponse,
    hash_cc_from_eim: bool,
) -> Result<Sgp32PrepareDownloadResponse, LpaError> {
    match response {
        Sgp32PrepareDownloadResponse::DownloadResponseOk(ok) => {
            let signed2 = ok.euicc_signed2.value();
            let compact = CompactEuiccSigned2 {
                euicc_otpk: Some(signed2.euicc_otpk.clone()),
                hash_cc: if hash_cc_from_eim {
                    None
                } else {
                    signed2.hash_cc
                },
                ext: Extensions::default(),
            };
            Ok(Sgp32PrepareDownloadResponse::CompactDownloadResponseOk(
                CompactPrepareDownloadResponseOk {
                    compact_euicc_signed2: Raw::new(compact)
                        .map_err(|e| LpaError::Protocol(format!("compactEuiccSigned2: {e}")))?,
                    euicc_signature2: ok.euicc_signature2,
                    ext: Extensions::default(),
                },
            ))
        }
        other => Ok(other),
    }
}
