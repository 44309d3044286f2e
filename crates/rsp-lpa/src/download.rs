//! Profile download (SGP.22 v2.5 §3.1.3, LPAd side): common mutual authentication
//! (§3.1.2), download confirmation, Bound Profile Package delivery and installation.
//!
//! ES10b.GetEUICCInfo1 + GetEUICCChallenge → ES9+.InitiateAuthentication →
//! ES10b.AuthenticateServer → ES9+.AuthenticateClient → (confirmation code) →
//! ES10b.PrepareDownload → ES9+.GetBoundProfilePackage → ES10b.LoadBoundProfilePackage
//! segments → ProfileInstallationResult.
//!
//! Error paths: an eUICC refusal of AuthenticateServer / PrepareDownload is still sent to
//! the SM-DP+ (AuthenticateClient / GetBoundProfilePackage carry the eUICC's error
//! response, §5.6.2, §5.6.3); an ES9+ failure after AuthenticateServer releases the
//! eUICC's session (ES10b.CancelSession); an end-user-side stop (no confirmation code) or a
//! failed BPP segment cancels on both sides (ES10b.CancelSession then ES9+.CancelSession
//! with the eUICC's signed response, §3.1.3 "cancel session", §5.6.5).

use rsp_codec::asn1::{
    self, AuthenticateErrorCode, AuthenticateServerResponse, BppCommandId, CancelSessionReason,
    CancelSessionResponse, CtxParams1, CtxParamsForCommonAuthentication, DownloadErrorCode,
    ErrorReason, Extensions, FinalResult, PrepareDownloadResponse, ProfileInstallationResult,
    ServerSigned1, SmdpSigned2, StoreMetadataRequest,
};
use rsp_codec::json::es9plus::{
    AuthenticateClientRequest, CancelSessionRequest, GetBoundProfilePackageRequest,
    InitiateAuthenticationRequest, InitiateAuthenticationResponse,
};
use rsp_codec::json::{Base64Bytes, TransactionIdHex};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::activation::ActivationCode;
use crate::device::device_info;
use crate::error::LpaError;
use crate::es9link::Es9Link;
use crate::es10::Es10Channel;
use crate::es10b::{self, seq_u64};
use crate::notifications::ProcessedNotification;
use crate::profiles::iccid_to_text;
use crate::segment::segments;
use rsp_codec::tlv::{ensure_tlv, is_single, wrap};

/// A step of the download, reported to the progress callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DownloadStep {
    /// ES9+.InitiateAuthentication sent.
    InitiatingAuthentication,
    /// The eUICC authenticated the SM-DP+ (ES10b.AuthenticateServer).
    ServerAuthenticated,
    /// The SM-DP+ authenticated the eUICC and named the Profile.
    ClientAuthenticated {
        /// ICCID digits.
        iccid: String,
        /// Profile name.
        profile_name: String,
        /// Service provider name.
        service_provider_name: String,
        /// A confirmation code is required.
        confirmation_code_required: bool,
    },
    /// ES10b.PrepareDownload done; the BPP is being requested.
    DownloadPrepared,
    /// One BPP segment of `total` loaded.
    SegmentLoaded {
        /// Segments sent so far.
        done: usize,
        /// All segments.
        total: usize,
    },
    /// The session was cancelled with this reason (SGP.22 §5.7.14).
    Cancelled(&'static str),
}

/// Outcome of the installation (`finalResult` of ProfileInstallationResultData, §5.7.6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    tag = "result"
)]
pub enum Installation {
    /// Installed in the ISD-P with this AID (hex).
    Success {
        /// ISD-P AID.
        isdp_aid: String,
    },
    /// Failed at `bpp_command_id` for `error_reason`.
    Failed {
        /// `BppCommandId` number.
        bpp_command_id: i64,
        /// Its name.
        bpp_command: &'static str,
        /// `ErrorReason` number.
        error_reason: i64,
        /// Its name.
        reason: &'static str,
    },
}

/// What a download produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DownloadResult {
    /// ICCID digits of the Profile.
    pub iccid: String,
    /// Profile name from the metadata.
    pub profile_name: String,
    /// Service provider name from the metadata.
    pub service_provider_name: String,
    /// The RSP session (hex).
    pub transaction_id: String,
    /// Success or the failing command and reason.
    pub installation: Installation,
    /// Sequence number of the installation notification left on the eUICC.
    pub seq_number: u64,
    /// Notifications delivered after the download (filled by [`crate::Lpa`]).
    pub notifications: Vec<ProcessedNotification>,
}

impl DownloadResult {
    /// True when the Profile was installed.
    pub fn is_success(&self) -> bool {
        matches!(self.installation, Installation::Success { .. })
    }
}

/// SHA-256(SHA-256(confirmation code) ‖ transactionId) (SGP.22 §5.7.5 `hashCc`).
pub fn hash_confirmation_code(code: &str, transaction_id: &[u8]) -> [u8; 32] {
    let inner = Sha256::digest(code.as_bytes());
    let mut outer = Sha256::new();
    outer.update(inner);
    outer.update(transaction_id);
    outer.finalize().into()
}

fn bpp_command_name(id: BppCommandId) -> &'static str {
    match id {
        BppCommandId::INITIALISE_SECURE_CHANNEL => "initialiseSecureChannel",
        BppCommandId::CONFIGURE_ISDP => "configureISDP",
        BppCommandId::STORE_METADATA => "storeMetadata",
        BppCommandId::STORE_METADATA2 => "storeMetadata2",
        BppCommandId::REPLACE_SESSION_KEYS => "replaceSessionKeys",
        BppCommandId::LOAD_PROFILE_ELEMENTS => "loadProfileElements",
        _ => "unknown",
    }
}

fn error_reason_name(r: ErrorReason) -> &'static str {
    match r {
        ErrorReason::INCORRECT_INPUT_VALUES => "incorrectInputValues",
        ErrorReason::INVALID_SIGNATURE => "invalidSignature",
        ErrorReason::INVALID_TRANSACTION_ID => "invalidTransactionId",
        ErrorReason::UNSUPPORTED_CRT_VALUES => "unsupportedCrtValues",
        ErrorReason::UNSUPPORTED_REMOTE_OPERATION_TYPE => "unsupportedRemoteOperationType",
        ErrorReason::UNSUPPORTED_PROFILE_CLASS => "unsupportedProfileClass",
        ErrorReason::SCP03T_STRUCTURE_ERROR => "scp03tStructureError",
        ErrorReason::SCP03T_SECURITY_ERROR => "scp03tSecurityError",
        ErrorReason::INSTALL_FAILED_DUE_TO_ICCID_ALREADY_EXISTS_ON_EUICC => {
            "installFailedDueToIccidAlreadyExistsOnEuicc"
        }
        ErrorReason::INSTALL_FAILED_DUE_TO_INSUFFICIENT_MEMORY_FOR_PROFILE => {
            "installFailedDueToInsufficientMemoryForProfile"
        }
        ErrorReason::INSTALL_FAILED_DUE_TO_INTERRUPTION => "installFailedDueToInterruption",
        ErrorReason::INSTALL_FAILED_DUE_TO_PE_PROCESSING_ERROR => {
            "installFailedDueToPEProcessingError"
        }
        ErrorReason::INSTALL_FAILED_DUE_TO_DATA_MISMATCH => "installFailedDueToDataMismatch",
        ErrorReason::TEST_PROFILE_INSTALL_FAILED_DUE_TO_INVALID_NAA_KEY => {
            "testProfileInstallFailedDueToInvalidNaaKey"
        }
        ErrorReason::PPR_NOT_ALLOWED => "pprNotAllowed",
        _ => "installFailedDueToUnknownError",
    }
}

fn authenticate_error_name(c: AuthenticateErrorCode) -> &'static str {
    match c {
        AuthenticateErrorCode::INVALID_CERTIFICATE => "invalidCertificate",
        AuthenticateErrorCode::INVALID_SIGNATURE => "invalidSignature",
        AuthenticateErrorCode::UNSUPPORTED_CURVE => "unsupportedCurve",
        AuthenticateErrorCode::NO_SESSION_CONTEXT => "noSessionContext",
        AuthenticateErrorCode::INVALID_OID => "invalidOid",
        AuthenticateErrorCode::EUICC_CHALLENGE_MISMATCH => "euiccChallengeMismatch",
        AuthenticateErrorCode::CI_PK_UNKNOWN => "ciPKUnknown",
        _ => "undefinedError",
    }
}

fn download_error_name(c: DownloadErrorCode) -> &'static str {
    match c {
        DownloadErrorCode::INVALID_CERTIFICATE => "invalidCertificate",
        DownloadErrorCode::INVALID_SIGNATURE => "invalidSignature",
        DownloadErrorCode::UNSUPPORTED_CURVE => "unsupportedCurve",
        DownloadErrorCode::NO_SESSION_CONTEXT => "noSessionContext",
        DownloadErrorCode::INVALID_TRANSACTION_ID => "invalidTransactionId",
        _ => "undefinedError",
    }
}

fn cancel_reason_name(r: CancelSessionReason) -> &'static str {
    match r {
        CancelSessionReason::END_USER_REJECTION => "endUserRejection",
        CancelSessionReason::POSTPONED => "postponed",
        CancelSessionReason::TIMEOUT => "timeout",
        CancelSessionReason::PPR_NOT_ALLOWED => "pprNotAllowed",
        CancelSessionReason::METADATA_MISMATCH => "metadataMismatch",
        CancelSessionReason::LOAD_BPP_EXECUTION_ERROR => "loadBppExecutionError",
        _ => "undefinedReason",
    }
}

fn protocol(what: impl Into<String>) -> LpaError {
    LpaError::Protocol(what.into())
}

/// One download session: the channel, the SM-DP+ and what is known so far.
struct Session<'a, E: Es10Channel + ?Sized, L: Es9Link + ?Sized> {
    channel: &'a mut E,
    es9: &'a L,
    address: &'a str,
    transaction_id: TransactionIdHex,
    progress: &'a mut (dyn FnMut(DownloadStep) + Send),
}

impl<E: Es10Channel + ?Sized, L: Es9Link + ?Sized> Session<'_, E, L> {
    /// ES10b.CancelSession only: frees the eUICC's session after the SM-DP+ ended its own.
    fn release_euicc(&mut self) {
        let tid = self.transaction_id.as_bytes().to_vec();
        if let Err(e) =
            es10b::cancel_session(self.channel, &tid, CancelSessionReason::UNDEFINED_REASON)
        {
            tracing::debug!(error = %e, "ES10b.CancelSession after an ES9+ failure");
        }
    }

    /// ES10b.CancelSession, then ES9+.CancelSession with the eUICC's signed response
    /// (SGP.22 §3.1.3 "cancel session"). Failures are logged: the caller reports the cause.
    async fn cancel(&mut self, reason: CancelSessionReason) {
        (self.progress)(DownloadStep::Cancelled(cancel_reason_name(reason)));
        let tid = self.transaction_id.as_bytes().to_vec();
        let der = match es10b::cancel_session(self.channel, &tid, reason) {
            Ok((der, CancelSessionResponse::CancelSessionResponseOk(_))) => der,
            Ok((_, CancelSessionResponse::CancelSessionResponseError(e))) => {
                tracing::warn!(code = e.0, "eUICC refused CancelSession");
                return;
            }
            Err(e) => {
                tracing::warn!(error = %e, "ES10b.CancelSession failed");
                return;
            }
        };
        let request = CancelSessionRequest {
            transaction_id: self.transaction_id.clone(),
            cancel_session_response: Base64Bytes::new(der),
        };
        if let Err(e) = self.es9.cancel_session(self.address, &request).await {
            tracing::warn!(error = %e, "ES9+.CancelSession failed");
        }
    }
}

/// The ES10b.AuthenticateServer request (`BF38`, §5.7.13) from an InitiateAuthentication
/// answer (ES9+ or ES11, same shape) and `ctxParams1`, after checking that the answer is
/// coherent: serverSigned1 decodes and names the same transactionId, one certificate.
pub(crate) fn authenticate_server_request(
    init: &InitiateAuthenticationResponse,
    ctx: &[u8],
) -> Result<Vec<u8>, LpaError> {
    let signed1: ServerSigned1 = asn1::decode(init.server_signed1.as_bytes())
        .map_err(|e| protocol(format!("serverSigned1: {e}")))?;
    if signed1.transaction_id.as_bytes() != init.transaction_id.as_bytes() {
        return Err(protocol("transactionId differs from serverSigned1"));
    }
    if !is_single(init.server_certificate.as_bytes(), 0x30) {
        return Err(protocol("serverCertificate is not one certificate"));
    }
    Ok(wrap(
        &[0xBF, 0x38],
        &[
            init.server_signed1.as_bytes(),
            &ensure_tlv(&[0x5F, 0x37], init.server_signature1.as_bytes()),
            &ensure_tlv(&[0x04], init.euicc_ci_pk_id_to_be_used.as_bytes()),
            init.server_certificate.as_bytes(),
            ctx,
        ]
        .concat(),
    ))
}

/// `ctxParams1` for the common mutual authentication (§5.7.13): MatchingID (omitted when
/// empty) and DeviceInfo.
pub(crate) fn ctx_params1(matching_id: &str, imei: Option<&str>) -> Result<Vec<u8>, LpaError> {
    let ctx = CtxParams1::CtxParamsForCommonAuthentication(CtxParamsForCommonAuthentication {
        matching_id: (!matching_id.is_empty()).then(|| matching_id.to_owned()),
        device_info: device_info(imei)?,
        ext: Extensions::default(),
    });
    asn1::encode(&ctx).map_err(LpaError::encode("ctxParams1"))
}

/// A Bound Profile Package fetched from the SM-DP+ (ES9+.GetBoundProfilePackage, SGP.22
/// §3.1.3.3) for the download session prepared on the eUICC, not yet loaded into it.
///
/// [`download`] is [`fetch_bound_profile_package`] then [`load_bound_profile_package`];
/// the two steps are public so that a caller can keep, inspect or log the BPP (its size,
/// its structure) before handing it to the eUICC. The eUICC's session stays open in
/// between: load the package on the same eUICC, or start another download (which
/// replaces the session, SGP.22 §5.7.13).
#[derive(Clone)]
pub struct BoundPackage {
    /// SM-DP+ address of the session.
    pub smdp_address: String,
    /// The RSP session.
    pub transaction_id: TransactionIdHex,
    /// ICCID digits of the Profile (from the profile metadata).
    pub iccid: String,
    /// Profile name from the metadata.
    pub profile_name: String,
    /// Service provider name from the metadata.
    pub service_provider_name: String,
    /// DER of the `BoundProfilePackage` (`BF36`) as received.
    pub bound_profile_package: Vec<u8>,
}

impl std::fmt::Debug for BoundPackage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BoundPackage")
            .field("smdp_address", &self.smdp_address)
            .field("transaction_id", &self.transaction_id.to_string())
            .field("iccid", &self.iccid)
            .field("profile_name", &self.profile_name)
            .field("bpp_len", &self.bound_profile_package.len())
            .finish_non_exhaustive()
    }
}

/// Runs the download of the Profile named by `activation` into the eUICC behind
/// `channel`. The installation notification stays on the eUICC (see
/// [`crate::notifications::process`]).
pub async fn download<E: Es10Channel + ?Sized, L: Es9Link + ?Sized>(
    channel: &mut E,
    es9: &L,
    activation: &ActivationCode,
    confirmation_code: Option<&str>,
    imei: Option<&str>,
    progress: &mut (dyn FnMut(DownloadStep) + Send),
) -> Result<DownloadResult, LpaError> {
    let package =
        fetch_bound_profile_package(channel, es9, activation, confirmation_code, imei, progress)
            .await?;
    load_bound_profile_package(channel, es9, &package, progress).await
}

/// The download up to the Bound Profile Package (SGP.22 §3.1.2, §3.1.3.1–§3.1.3.3):
/// mutual authentication, confirmation, ES10b.PrepareDownload and
/// ES9+.GetBoundProfilePackage. Errors cancel or release the sessions as [`download`] does.
pub async fn fetch_bound_profile_package<E: Es10Channel + ?Sized, L: Es9Link + ?Sized>(
    channel: &mut E,
    es9: &L,
    activation: &ActivationCode,
    confirmation_code: Option<&str>,
    imei: Option<&str>,
    progress: &mut (dyn FnMut(DownloadStep) + Send),
) -> Result<BoundPackage, LpaError> {
    if activation.confirmation_code_required && confirmation_code.is_none() {
        return Err(LpaError::ConfirmationCodeRequired);
    }
    let ctx = ctx_params1(&activation.matching_id, imei)?;
    let address = activation.smdp_address.as_str();

    // §3.1.2 steps 1-5: eUICC information and challenge, then InitiateAuthentication.
    let (info1, _) = es10b::get_euicc_info1(channel)?;
    let challenge = es10b::get_euicc_challenge(channel)?;
    progress(DownloadStep::InitiatingAuthentication);
    let init = es9
        .initiate_authentication(
            address,
            &InitiateAuthenticationRequest {
                euicc_challenge: Base64Bytes::new(challenge.to_vec()),
                euicc_info1: Base64Bytes::new(info1),
                smdp_address: address.to_owned(),
            },
        )
        .await?;
    let mut session = Session {
        channel,
        es9,
        address,
        transaction_id: init.transaction_id.clone(),
        progress,
    };

    // §3.1.2 steps 6-10: ES10b.AuthenticateServer.
    let request = authenticate_server_request(&init, &ctx)?;
    let (auth_der, auth) = es10b::authenticate_server(session.channel, &request)?;
    let client_request = AuthenticateClientRequest {
        transaction_id: session.transaction_id.clone(),
        authenticate_server_response: Base64Bytes::new(auth_der),
    };
    if let AuthenticateServerResponse::AuthenticateResponseError(e) = auth {
        // The SM-DP+ learns the refusal through AuthenticateClient (§5.6.3).
        if let Err(server) = es9.authenticate_client(address, &client_request).await {
            tracing::info!(error = %server, "SM-DP+ answer to the eUICC's refusal");
        }
        return Err(LpaError::EuiccRefused {
            function: "AuthenticateServer",
            code: e.authenticate_error_code.0,
            reason: authenticate_error_name(e.authenticate_error_code),
        });
    }
    (session.progress)(DownloadStep::ServerAuthenticated);

    // §3.1.2 steps 11-18: ES9+.AuthenticateClient.
    let client = match es9.authenticate_client(address, &client_request).await {
        Ok(c) => c,
        Err(e) => {
            session.release_euicc();
            return Err(e);
        }
    };
    if client.transaction_id != session.transaction_id {
        session.cancel(CancelSessionReason::UNDEFINED_REASON).await;
        return Err(protocol(
            "authenticateClient answered another transactionId",
        ));
    }
    let checked = (|| {
        let metadata: StoreMetadataRequest = asn1::decode(client.profile_metadata.as_bytes())
            .map_err(|e| protocol(format!("profileMetadata: {e}")))?;
        let signed2: SmdpSigned2 = asn1::decode(client.smdp_signed2.as_bytes())
            .map_err(|e| protocol(format!("smdpSigned2: {e}")))?;
        if signed2.transaction_id.as_bytes() != session.transaction_id.as_bytes() {
            return Err(protocol("smdpSigned2 names another transactionId"));
        }
        if !is_single(client.smdp_certificate.as_bytes(), 0x30) {
            return Err(protocol("smdpCertificate is not one certificate"));
        }
        Ok((metadata, signed2))
    })();
    let (metadata, signed2) = match checked {
        Ok(v) => v,
        Err(e) => {
            session.cancel(CancelSessionReason::UNDEFINED_REASON).await;
            return Err(e);
        }
    };
    let iccid = iccid_to_text(&metadata.iccid);
    (session.progress)(DownloadStep::ClientAuthenticated {
        iccid: iccid.clone(),
        profile_name: metadata.profile_name.clone(),
        service_provider_name: metadata.service_provider_name.clone(),
        confirmation_code_required: signed2.cc_required_flag,
    });

    // §3.1.3.4 confirmation: without the code the download cannot go on.
    let hash_cc = match (signed2.cc_required_flag, confirmation_code) {
        (true, _) if es9.supplied_hash_cc().is_some() => es9.supplied_hash_cc(),
        (true, None) => {
            session.cancel(CancelSessionReason::POSTPONED).await;
            return Err(LpaError::ConfirmationCodeRequired);
        }
        (true, Some(code)) => Some(hash_confirmation_code(
            code,
            session.transaction_id.as_bytes(),
        )),
        (false, _) => None,
    };

    // §3.1.3.2: ES10b.PrepareDownload.
    let mut body = client.smdp_signed2.as_bytes().to_vec();
    body.extend(ensure_tlv(&[0x5F, 0x37], client.smdp_signature2.as_bytes()));
    if let Some(hash) = hash_cc {
        body.extend(wrap(&[0x04], &hash));
    }
    body.extend_from_slice(client.smdp_certificate.as_bytes());
    let (prepared_der, prepared) =
        match es10b::prepare_download(session.channel, &wrap(&[0xBF, 0x21], &body)) {
            Ok(v) => v,
            Err(e) => {
                session.cancel(CancelSessionReason::UNDEFINED_REASON).await;
                return Err(e);
            }
        };
    let bpp_request = GetBoundProfilePackageRequest {
        transaction_id: session.transaction_id.clone(),
        prepare_download_response: Base64Bytes::new(prepared_der),
    };
    if let PrepareDownloadResponse::DownloadResponseError(e) = prepared {
        // The SM-DP+ learns the refusal through GetBoundProfilePackage (§5.6.2).
        if let Err(server) = es9.get_bound_profile_package(address, &bpp_request).await {
            tracing::info!(error = %server, "SM-DP+ answer to the eUICC's refusal");
        }
        return Err(LpaError::EuiccRefused {
            function: "PrepareDownload",
            code: e.download_error_code.0,
            reason: download_error_name(e.download_error_code),
        });
    }
    (session.progress)(DownloadStep::DownloadPrepared);

    // §3.1.3.3: ES9+.GetBoundProfilePackage.
    let bpp = match es9.get_bound_profile_package(address, &bpp_request).await {
        Ok(b) => b,
        Err(e) => {
            session.release_euicc();
            return Err(e);
        }
    };
    if bpp.transaction_id != session.transaction_id {
        session.cancel(CancelSessionReason::UNDEFINED_REASON).await;
        return Err(protocol(
            "getBoundProfilePackage answered another transactionId",
        ));
    }
    Ok(BoundPackage {
        smdp_address: address.to_owned(),
        transaction_id: session.transaction_id,
        iccid,
        profile_name: metadata.profile_name,
        service_provider_name: metadata.service_provider_name,
        bound_profile_package: bpp.bound_profile_package.as_bytes().to_vec(),
    })
}

/// Loads a fetched Bound Profile Package into the eUICC (ES10b.LoadBoundProfilePackage,
/// SGP.22 §3.1.3.3, §5.7.6), segmented as in §2.5.5, and reads the
/// ProfileInstallationResult. A package that cannot be segmented, or an ES10 failure
/// before the result, cancels the session on both sides (reason
/// `loadBppExecutionError`); an eUICC error result is an `Ok` with
/// [`Installation::Failed`] (its notification goes to the SM-DP+ like a success).
pub async fn load_bound_profile_package<E: Es10Channel + ?Sized, L: Es9Link + ?Sized>(
    channel: &mut E,
    es9: &L,
    package: &BoundPackage,
    progress: &mut (dyn FnMut(DownloadStep) + Send),
) -> Result<DownloadResult, LpaError> {
    let mut session = Session {
        channel,
        es9,
        address: &package.smdp_address,
        transaction_id: package.transaction_id.clone(),
        progress,
    };
    let segs = match segments(&package.bound_profile_package) {
        Ok(s) => s,
        Err(e) => {
            session
                .cancel(CancelSessionReason::LOAD_BPP_EXECUTION_ERROR)
                .await;
            return Err(e);
        }
    };

    // §3.1.3.3 / §5.7.6: ES10b.LoadBoundProfilePackage, segment by segment.
    let total = segs.len();
    let mut pir_der = None;
    for (i, seg) in segs.iter().enumerate() {
        match session.channel.call(seg) {
            Ok(r) if r.is_empty() => {
                (session.progress)(DownloadStep::SegmentLoaded { done: i + 1, total });
            }
            Ok(r) => {
                pir_der = Some(r);
                break;
            }
            Err(e) => {
                session
                    .cancel(CancelSessionReason::LOAD_BPP_EXECUTION_ERROR)
                    .await;
                return Err(e);
            }
        }
    }
    let Some(pir_der) = pir_der else {
        session
            .cancel(CancelSessionReason::LOAD_BPP_EXECUTION_ERROR)
            .await;
        return Err(protocol("the eUICC gave no ProfileInstallationResult"));
    };
    let pir: ProfileInstallationResult =
        asn1::decode(&pir_der).map_err(LpaError::es10("LoadBoundProfilePackage"))?;
    let data = pir.profile_installation_result_data.value();
    let installation = match &data.final_result {
        FinalResult::SuccessResult(s) => Installation::Success {
            isdp_aid: hex::encode_upper(&s.aid),
        },
        FinalResult::ErrorResult(e) => Installation::Failed {
            bpp_command_id: e.bpp_command_id.0,
            bpp_command: bpp_command_name(e.bpp_command_id),
            error_reason: e.error_reason.0,
            reason: error_reason_name(e.error_reason),
        },
    };
    Ok(DownloadResult {
        iccid: package.iccid.clone(),
        profile_name: package.profile_name.clone(),
        service_provider_name: package.service_provider_name.clone(),
        transaction_id: session.transaction_id.to_string(),
        installation,
        seq_number: seq_u64(&data.notification_metadata.seq_number)?,
        notifications: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_cc_is_double_sha256() {
        // SHA-256(SHA-256("1234") ‖ transactionId), computed step by step here.
        let inner = Sha256::digest(b"1234");
        let mut expected = Sha256::new();
        expected.update(inner);
        expected.update([0xAA, 0xBB]);
        let expected: [u8; 32] = expected.finalize().into();
        assert_eq!(hash_confirmation_code("1234", &[0xAA, 0xBB]), expected);
        assert_ne!(hash_confirmation_code("1235", &[0xAA, 0xBB]), expected);
    }

    #[test]
    fn ctx_params1_shape() {
        let der = ctx_params1("MATCH-1", None).expect("encodes");
        // A0 { 80 "MATCH-1", A1 { 80 tac, A1 {...} } }
        assert_eq!(der[0], 0xA0);
        assert_eq!(&der[2..4], &[0x80, 0x07]);
        assert_eq!(&der[4..11], b"MATCH-1");
        let empty = ctx_params1("", None).expect("encodes");
        assert_eq!(empty[2], 0xA1, "empty MatchingID omitted");
    }
}
