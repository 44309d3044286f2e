//! Profile download triggered by the eIM (SGP.32 v1.2 §2.11.2.3
//! ProfileDownloadTriggerRequest/Result): the IPA downloads with the LPA's download code,
//! either from the SM-DP+ itself (direct) or through the eIM relaying ES9+ (indirect,
//! [`super::indirect`]), then tells the eIM the installation result.

use rsp_codec::asn1::sgp32::{
    EimPackageResult, ProfileDownloadData, ProfileDownloadError, ProfileDownloadErrorReason,
    ProfileDownloadTriggerRequest, ProfileDownloadTriggerResult, ProfileDownloadTriggerResultData,
};
use rsp_codec::asn1::{self, Extensions, PendingNotification};
use serde::Serialize;

use super::indirect::EimRelay;
use super::{DownloadMode, EimLink};
use crate::activation::ActivationCode;
use crate::error::LpaError;
use crate::es9plus::Es9PlusClient;
use crate::es10::Es10Channel;

/// What became of one triggered download.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DownloadOutcome {
    /// The Activation Code used (`LPA:` form).
    pub activation_code: String,
    /// Relayed by the eIM (indirect) rather than direct to the SM-DP+.
    pub indirect: bool,
    /// The installed Profile's ICCID, when it was installed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iccid: Option<String>,
    /// Why it was not, when it was not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Runs the download and returns its result to the eIM. A failed download is reported to
/// the eIM (`profileDownloadError`) and is an `Ok` outcome; only a failure to reach the eIM
/// is an error.
pub(super) async fn run<E: Es10Channel + ?Sized, L: EimLink>(
    channel: &mut E,
    eim: &L,
    es9: &Es9PlusClient,
    (mode, compact): (DownloadMode, bool),
    eid: [u8; 16],
    trigger: &ProfileDownloadTriggerRequest,
) -> Result<DownloadOutcome, LpaError> {
    let indirect = match mode {
        DownloadMode::Direct => false,
        DownloadMode::Indirect => true,
        DownloadMode::Auto => eim_offers_indirect(channel),
    };
    let attempt = download(channel, eim, es9, (indirect, compact), trigger).await;
    let (outcome, data) = match attempt {
        Ok((code, installed)) => {
            let pir = installation_result(channel, installed.seq_number)?;
            let outcome = DownloadOutcome {
                activation_code: code,
                indirect,
                iccid: installed.is_success().then(|| installed.iccid.clone()),
                error: (!installed.is_success()).then(|| format!("{:?}", installed.installation)),
            };
            (outcome, pir)
        }
        Err((code, e)) => {
            tracing::warn!(error = %e, "triggered download failed");
            let data =
                ProfileDownloadTriggerResultData::ProfileDownloadError(ProfileDownloadError {
                    profile_download_error_reason: ProfileDownloadErrorReason::UNDEFINED_ERROR,
                    error_response: None,
                    ext: Extensions::default(),
                });
            (
                DownloadOutcome {
                    activation_code: code,
                    indirect,
                    iccid: None,
                    error: Some(e.to_string()),
                },
                data,
            )
        }
    };
    let result = EimPackageResult::ProfileDownloadTriggerResult(ProfileDownloadTriggerResult {
        eim_transaction_id: trigger.eim_transaction_id.clone(),
        profile_download_trigger_result_data: data,
        ext: Extensions::default(),
    });
    super::package::provide(eim, eid, result).await?;
    Ok(outcome)
}

/// The Activation Code the trigger names, and the download's result.
async fn download<E: Es10Channel + ?Sized, L: EimLink>(
    channel: &mut E,
    eim: &L,
    es9: &Es9PlusClient,
    (indirect, compact): (bool, bool),
    trigger: &ProfileDownloadTriggerRequest,
) -> Result<(String, crate::DownloadResult), (String, LpaError)> {
    let tid = trigger.eim_transaction_id.as_ref().map(|t| t.0.to_vec());
    let relay = EimRelay::new(eim, tid).with_compact(compact);
    let code = match &trigger.profile_download_data {
        // Discovery through the eIM too (ES11 relayed).
        Some(ProfileDownloadData::ContactSmds(smds)) if indirect => {
            let address = match &smds.smds_address {
                Some(a) => Ok(a.clone()),
                None => crate::profiles::configured_addresses(channel).map(|a| a.root_ds_address),
            };
            match address {
                Ok(a) => relay.discover(channel, &a).await.and_then(|code| {
                    code.ok_or_else(|| {
                        LpaError::InvalidInput(format!("no event for this eUICC at {a}"))
                    })
                }),
                Err(e) => Err(e),
            }
        }
        _ => activation_code(channel, es9, trigger).await,
    }
    .map_err(|e| (String::new(), e))?;
    let parsed = ActivationCode::parse(&code).map_err(|e| (code.clone(), e.into()))?;
    let mut quiet = |_| {};
    let result = if indirect {
        crate::download::download(channel, &relay, &parsed, None, None, &mut quiet).await
    } else {
        crate::download::download(channel, es9, &parsed, None, None, &mut quiet).await
    };
    result.map(|r| (code.clone(), r)).map_err(|e| (code, e))
}

/// Whether an eIM association on the eUICC announces indirect Profile download
/// (`EimConfigurationData.indirectProfileDownload`, SGP.32 §2.11.1); a failure to ask is
/// taken as "no" (direct).
fn eim_offers_indirect<E: Es10Channel + ?Sized>(channel: &mut E) -> bool {
    match crate::es10_iot::get_eim_configuration_data(channel, None) {
        Ok(list) => list.iter().any(|c| c.indirect_profile_download.is_some()),
        Err(e) => {
            tracing::warn!(error = %e, "GetEimConfigurationData failed: direct download");
            false
        }
    }
}

/// `activationCode`, or the default SM-DP+ (empty MatchingID, SGP.22 §3.1.3.2), or the
/// first event an SM-DS holds for the eUICC (§3.6.3).
async fn activation_code<E: Es10Channel + ?Sized>(
    channel: &mut E,
    es9: &Es9PlusClient,
    trigger: &ProfileDownloadTriggerRequest,
) -> Result<String, LpaError> {
    match &trigger.profile_download_data {
        Some(ProfileDownloadData::ActivationCode(code)) => Ok(code.clone()),
        Some(ProfileDownloadData::ContactDefaultSmdp(())) => {
            let addresses = crate::profiles::configured_addresses(channel)?;
            let address = addresses.default_dp_address.ok_or_else(|| {
                LpaError::InvalidInput("the eUICC has no default SM-DP+ address".into())
            })?;
            Ok(format!("LPA:1${address}$"))
        }
        Some(ProfileDownloadData::ContactSmds(smds)) => {
            let address = match &smds.smds_address {
                Some(a) => a.clone(),
                None => crate::profiles::configured_addresses(channel)?.root_ds_address,
            };
            let events = crate::discover::discover(channel, es9, &address, None).await?;
            events.first().map(|e| e.activation_code()).ok_or_else(|| {
                LpaError::InvalidInput(format!("no event for this eUICC at {address}"))
            })
        }
        None => Err(LpaError::InvalidInput(
            "ProfileDownloadTriggerRequest without profileDownloadData".into(),
        )),
    }
}

/// The eUICC's ProfileInstallationResult (BF37) of the download, for the eIM; it stays on
/// the eUICC as a notification, delivered through the eIM like the others.
fn installation_result<E: Es10Channel + ?Sized>(
    channel: &mut E,
    seq_number: u64,
) -> Result<ProfileDownloadTriggerResultData, LpaError> {
    let found = crate::es10b::retrieve_notifications(channel, Some(seq_number))?;
    let der = found.first().ok_or_else(|| {
        LpaError::Protocol(format!(
            "no ProfileInstallationResult with seqNumber {seq_number}"
        ))
    })?;
    match asn1::decode::<PendingNotification>(der)
        .map_err(LpaError::es10("RetrieveNotificationsList"))?
    {
        PendingNotification::ProfileInstallationResult(pir) => Ok(
            ProfileDownloadTriggerResultData::ProfileInstallationResult(Box::new(pir)),
        ),
        PendingNotification::OtherSignedNotification(_) => Err(LpaError::Protocol(format!(
            "notification {seq_number} is not a ProfileInstallationResult"
        ))),
    }
}
