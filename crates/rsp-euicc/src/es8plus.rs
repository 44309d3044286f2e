//! ES10b.LoadBoundProfilePackage (SGP.22 §5.7.6) carrying the ES8+ commands (§5.5):
//! one call per segment; the last one (or the first failure) answers with a signed
//! `ProfileInstallationResult`, which is also kept as a pending notification.
//!
//! Nothing reaches the persistent state before the last segment is processed, so any
//! failure leaves no half-created ISD-P: the loader and the session are dropped.

use rsp_codec::asn1::{
    BppCommandId, ErrorReason, ErrorResult, Extensions, FinalResult, NotificationEvent,
    PendingNotification, ProfileInstallationResult, ProfileInstallationResultData, SuccessResult,
};

use crate::bpp::{BppLoader, Capacity, Failure, Progress};
use crate::download::DownloadSession;
use crate::error::Es10Error;
use crate::isdr::Isdr;
use crate::notification::{configured_address, metadata, sign_pir, store};
use crate::state::{HexBytes, Profile};
use rsp_codec::tlv;
use rsp_saip::bcd;

/// `EUICCResponse` with one `PEStatus { status ok }` (TCA SAIP PEDefinitions), reported as
/// `simaResponse` once every profile element was accepted by [`check_package`].
const SIMA_RESPONSE_OK: [u8; 9] = [0x30, 0x07, 0xA0, 0x05, 0x30, 0x03, 0x80, 0x01, 0x00];

impl Isdr {
    /// One segment of a Bound Profile Package. `Ok(empty)` means "more expected".
    pub(crate) fn load_bpp_segment(&mut self, segment: &[u8]) -> Result<Vec<u8>, Es10Error> {
        let progress = if tlv::header(segment).map(|h| h.tag) == Some(0xBF36) {
            self.loader = None;
            let prepared = match self.session.take() {
                Some(DownloadSession::Prepared(p)) => p,
                other => {
                    self.session = other;
                    return Err(Es10Error::NoSession);
                }
            };
            let ot_key = self.ot_key.take().ok_or(Es10Error::NoSession)?;
            let capacity = self.capacity();
            let (loader, result) =
                BppLoader::start(prepared, ot_key, *self.identity.eid(), capacity, segment);
            self.loader = Some(loader);
            result
        } else {
            match self.loader.as_mut() {
                Some(loader) => loader.feed(segment),
                None => return Err(Es10Error::UnexpectedSegment),
            }
        };
        match progress {
            Ok(Progress::More) => Ok(Vec::new()),
            Ok(Progress::Complete) => self.finish_install(),
            Err(failure) => self.fail_install(failure),
        }
    }

    fn capacity(&self) -> Capacity {
        let room = self.state.profiles.len() < self.config.max_profiles;
        Capacity {
            isdp_aid: if room {
                self.state.free_isdp_aid()
            } else {
                None
            },
            bytes_free: self.config.free_memory(&self.state),
            isdp_overhead: self.config.isdp_overhead_bytes,
            iccids: self
                .state
                .profiles
                .iter()
                .map(|p| p.iccid.0.clone())
                .collect(),
            rat: self.config.rat.clone(),
        }
    }

    /// The whole BPP was received: check the package, install, answer success.
    fn finish_install(&mut self) -> Result<Vec<u8>, Es10Error> {
        let Some(loader) = self.loader.take() else {
            return Err(Es10Error::UnexpectedSegment);
        };
        let received = loader.received;
        let auth = loader.session.auth;
        let pe_error = Failure {
            command: BppCommandId::LOAD_PROFILE_ELEMENTS,
            reason: ErrorReason::INSTALL_FAILED_DUE_TO_PE_PROCESSING_ERROR,
        };
        let Some(meta) = received.metadata.clone() else {
            return self.fail_with(&auth, None, pe_error);
        };
        // ES8+.LoadProfileElements (SGP.22 §2.5.6): the profile elements are processed;
        // the package is kept byte for byte as received.
        if let Err(reason) = check_package(&received.package, meta.iccid.as_bytes()) {
            let failure = Failure {
                command: BppCommandId::LOAD_PROFILE_ELEMENTS,
                reason,
            };
            return self.fail_with(&auth, Some(&meta), failure);
        }
        let mut next = self.state.clone();
        let seq = next.next_seq_number();
        next.profiles.push(Profile {
            isdp_aid: HexBytes(received.isdp_aid.clone()),
            iccid: HexBytes(meta.iccid.as_bytes().to_vec()),
            enabled: false,
            nickname: None,
            metadata: HexBytes(received.metadata_raw.clone()),
            configure_isdp: HexBytes(received.configure_isdp.clone()),
            smdp_oid: rsp_codec::asn1::oid_text(&auth.smdp_oid),
            ci_key_id: HexBytes(auth.ci_key_id.clone()),
            package: HexBytes(received.package),
            uicc: None,
        });
        let address = configured_address(&meta, NotificationEvent::NOTIFICATION_INSTALL)
            .unwrap_or_else(|| auth.server_address.clone());
        let pir = sign_pir(
            self.identity
                .credential(auth.credential)
                .ok_or_else(Es10Error::no_credential)?,
            ProfileInstallationResultData {
                transaction_id: auth.transaction_id.clone(),
                notification_metadata: metadata(
                    seq,
                    NotificationEvent::NOTIFICATION_INSTALL,
                    address,
                    Some(meta.iccid),
                ),
                smdp_oid: auth.smdp_oid.clone(),
                final_result: FinalResult::SuccessResult(SuccessResult {
                    aid: received.isdp_aid.into(),
                    sima_response: SIMA_RESPONSE_OK.to_vec().into(),
                    ext: Extensions::default(),
                }),
                ext: Extensions::default(),
            },
        )?;
        store(
            &mut next,
            seq,
            &PendingNotification::ProfileInstallationResult(pir.clone()),
        )?;
        if self.store.save(&next).is_err() {
            // Could not persist: nothing was installed.
            let failure = Failure {
                command: BppCommandId::LOAD_PROFILE_ELEMENTS,
                reason: ErrorReason::INSTALL_FAILED_DUE_TO_UNKNOWN_ERROR,
            };
            return self.fail_with(&auth, Some(&meta), failure);
        }
        self.state = next;
        // SGP.32 §5.9.x ImmediateEnable: the session context is this installation.
        self.last_installed_iccid = Some(meta.iccid.as_bytes().to_vec());
        rsp_codec::asn1::encode(&pir).map_err(Es10Error::encoding)
    }

    /// A failure while loading: drop everything, answer (and keep) the error result.
    fn fail_install(&mut self, failure: Failure) -> Result<Vec<u8>, Es10Error> {
        let Some(loader) = self.loader.take() else {
            return Err(Es10Error::UnexpectedSegment);
        };
        let meta = loader.received.metadata.clone();
        self.fail_with(&loader.session.auth, meta.as_ref(), failure)
    }

    fn fail_with(
        &mut self,
        auth: &crate::download::AuthSession,
        meta: Option<&rsp_codec::asn1::StoreMetadataRequest>,
        failure: Failure,
    ) -> Result<Vec<u8>, Es10Error> {
        self.loader = None;
        self.session = None;
        self.ot_key = None;
        let mut next = self.state.clone();
        let seq = next.next_seq_number();
        let address = meta
            .and_then(|m| configured_address(m, NotificationEvent::NOTIFICATION_INSTALL))
            .unwrap_or_else(|| auth.server_address.clone());
        let pir: ProfileInstallationResult = sign_pir(
            self.identity
                .credential(auth.credential)
                .ok_or_else(Es10Error::no_credential)?,
            ProfileInstallationResultData {
                transaction_id: auth.transaction_id.clone(),
                notification_metadata: metadata(
                    seq,
                    NotificationEvent::NOTIFICATION_INSTALL,
                    address,
                    meta.map(|m| m.iccid),
                ),
                smdp_oid: auth.smdp_oid.clone(),
                final_result: FinalResult::ErrorResult(ErrorResult {
                    bpp_command_id: failure.command,
                    error_reason: failure.reason,
                    sima_response: None,
                    ext: Extensions::default(),
                }),
                ext: Extensions::default(),
            },
        )?;
        store(
            &mut next,
            seq,
            &PendingNotification::ProfileInstallationResult(pir.clone()),
        )?;
        // Best effort: the error result is answered even if it cannot be kept.
        if self.store.save(&next).is_ok() {
            self.state = next;
        }
        rsp_codec::asn1::encode(&pir).map_err(Es10Error::encoding)
    }
}

/// Processes the decrypted profile package like an eUICC loading its profile elements
/// (SGP.22 §2.5.6, TCA SAIP §8.1); the error reason is the one of the ProfileInstallationResult.
///
/// - the package must decode as canonical DER `ProfileElement`s, `ProfileHeader` first and
///   `PE-End` last, and the SAIP validation rules must find no error (warnings ignored),
///   else `installFailedDueToPEProcessingError` (SGP.22 §5.5.5; [`rsp_saip::install::check`]);
/// - the header ICCID (plain BCD as in the TS.48 profiles, swapped accepted) must be the
///   `StoreMetadataRequest` ICCID (swapped BCD as EF.ICCID, SGP.22 §5.5.3), else
///   `installFailedDueToDataMismatch`.
fn check_package(package: &[u8], metadata_iccid: &[u8]) -> Result<(), ErrorReason> {
    let pe_error = ErrorReason::INSTALL_FAILED_DUE_TO_PE_PROCESSING_ERROR;
    let ok = rsp_saip::install::check(package).map_err(|_| pe_error)?;
    let header = ok.header().ok_or(pe_error)?;
    let expected = bcd::decode_swapped(metadata_iccid);
    if bcd::decode_plain(&header.iccid) != expected
        && bcd::decode_swapped(&header.iccid) != expected
    {
        return Err(ErrorReason::INSTALL_FAILED_DUE_TO_DATA_MISMATCH);
    }
    Ok(())
}
