//! The IoT Profile Assistant in the device (IPAd, SGP.32 v1.2 §3.x, §5.14): polls the eIM
//! over ESipa, runs what it gets against the eUICC over ES10b, and returns the results.
//!
//! One poll ([`Ipa::poll`]) is ESipa.GetEimPackage repeated until the eIM has nothing
//! pending (§5.14.6 `noEimPackageAvailable`), bounded by [`Ipa::with_max_packages`]:
//! - an eUICC Package (BF51) goes to ES10b.LoadEuiccPackage and its `EuiccPackageResult`
//!   back with ESipa.ProvideEimPackageResult (§5.14.7); the eIM's acknowledgements name the
//!   results the eUICC may forget (ES10b.RemoveNotificationFromList);
//! - an IpaEuiccDataRequest (BF52) goes to the eUICC and its IpaEuiccData back;
//! - a ProfileDownloadTriggerRequest (BF54) starts a direct download from the SM-DP+ with
//!   the LPA's download code ([`crate::download`]), whose result goes back to the eIM.
//!
//! Then the eUICC's pending notifications go to the eIM (ESipa.HandleNotification,
//! §5.14.4), which forwards them to the SM-DP+ they name; each one the eIM accepted is
//! removed from the eUICC. [`Ipa::run`] polls in a loop with back-off on failures.

pub mod compact;
mod indirect;
mod package;
mod trigger;

use std::future::Future;
use std::time::Duration;

use rsp_codec::asn1::sgp32::{
    EimPackageError, EsipaMessageFromEimToIpa, EsipaMessageFromIpaToEim, GetEimPackageRequest,
    GetEimPackageResponse, HandleNotificationEsipa, Sgp32PendingNotification,
};
use rsp_codec::asn1::{self, Extensions, Octet16};
use serde::Serialize;

use crate::error::LpaError;
use crate::es9plus::Es9PlusClient;
use crate::es10::Es10Channel;

pub use indirect::EimRelay;
pub use package::PackageOutcome;
pub use trigger::DownloadOutcome;

/// One ESipa exchange with the eIM (the ASN.1 binding over HTTPS, §6.1, or any other).
pub trait EimLink: Send + Sync {
    /// Sends `message` and returns the eIM's answer (`None`: none, as for
    /// HandleNotification, HTTP 204 in the ASN.1 binding, §6.1).
    fn exchange(
        &self,
        message: &EsipaMessageFromIpaToEim,
    ) -> impl Future<Output = Result<Option<EsipaMessageFromEimToIpa>, LpaError>> + Send;
}

/// What the IPA did with one thing the eIM handed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum Handled {
    /// An eUICC Package was run.
    EuiccPackage(PackageOutcome),
    /// IpaEuiccData was returned.
    IpaEuiccData,
    /// A Profile download was triggered.
    ProfileDownload(DownloadOutcome),
}

/// A notification the IPA handed to the eIM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationDelivery {
    /// Its sequence number on the eUICC.
    pub seq_number: u64,
    /// Accepted by the eIM (and removed from the eUICC).
    pub delivered: bool,
    /// Why not, when not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What one [`Ipa::poll`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PollReport {
    /// Each package, data request or download trigger, in order.
    pub handled: Vec<Handled>,
    /// Notifications handed to the eIM.
    pub notifications: Vec<NotificationDelivery>,
    /// The eIM said it had nothing more (false when the per-poll bound stopped the loop).
    pub drained: bool,
}

/// Back-off of [`Ipa::run`]: `interval` between polls, doubled after each failure up to
/// `max_backoff`, back to `interval` after a success.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    /// Pause between successful polls.
    pub interval: Duration,
    /// Longest pause after failures.
    pub max_backoff: Duration,
}

/// How the IPA downloads a Profile the eIM triggers (SGP.32 v1.2 §3.2: direct from the
/// SM-DP+, or indirect with the eIM relaying ES9+).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DownloadMode {
    /// Indirect when an eIM association on the eUICC announces `indirectProfileDownload`,
    /// direct otherwise.
    #[default]
    Auto,
    /// Always from the SM-DP+ itself.
    Direct,
    /// Always through the eIM.
    Indirect,
}

/// The IPA for one eUICC and one eIM.
pub struct Ipa<E: Es10Channel, L: EimLink> {
    channel: E,
    eim: L,
    es9: Es9PlusClient,
    eid: [u8; 16],
    max_packages: usize,
    download_mode: DownloadMode,
    compact: bool,
}

impl<E: Es10Channel, L: EimLink> std::fmt::Debug for Ipa<E, L> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ipa")
            .field("eid", &hex::encode_upper(self.eid))
            .field("max_packages", &self.max_packages)
            .finish_non_exhaustive()
    }
}

impl<E: Es10Channel + Send, L: EimLink> Ipa<E, L> {
    /// An IPA for the eUICC behind `channel` (its EID read over ES10c.GetEID), polling `eim`
    /// and downloading from SM-DP+s with `es9`.
    pub fn new(mut channel: E, eim: L, es9: Es9PlusClient) -> Result<Self, LpaError> {
        let eid_hex = crate::profiles::get_eid(&mut channel)?;
        let eid = hex::decode(&eid_hex)
            .ok()
            .and_then(|b| <[u8; 16]>::try_from(b).ok())
            .ok_or_else(|| LpaError::Transport(format!("EID {eid_hex:?} is not 16 bytes")))?;
        Ok(Self {
            channel,
            eim,
            es9,
            eid,
            max_packages: 32,
            download_mode: DownloadMode::Auto,
            compact: false,
        })
    }

    /// At most `n` eIM packages per poll (default 32), so a misbehaving eIM cannot keep the
    /// device busy forever.
    pub fn with_max_packages(mut self, n: usize) -> Self {
        self.max_packages = n.max(1);
        self
    }

    /// How triggered downloads reach the SM-DP+ (default [`DownloadMode::Auto`]).
    pub fn with_download_mode(mut self, mode: DownloadMode) -> Self {
        self.download_mode = mode;
        self
    }

    /// In indirect downloads, send the compact forms of the eUICC's answers
    /// (`minimizeEsipaBytes`, [`compact`]); default off.
    pub fn with_compact_esipa(mut self, compact: bool) -> Self {
        self.compact = compact;
        self
    }

    /// The EID (hex).
    pub fn eid(&self) -> String {
        hex::encode_upper(self.eid)
    }

    /// The link to the eIM.
    pub fn link(&self) -> &L {
        &self.eim
    }

    /// The ES10 channel.
    pub fn channel_mut(&mut self) -> &mut E {
        &mut self.channel
    }

    /// Gives the ES10 channel back.
    pub fn into_channel(self) -> E {
        self.channel
    }

    /// One poll: every package the eIM has (up to the bound), then the notifications.
    pub async fn poll(&mut self) -> Result<PollReport, LpaError> {
        let mut report = PollReport::default();
        for _ in 0..self.max_packages {
            let request = EsipaMessageFromIpaToEim::GetEimPackageRequest(GetEimPackageRequest {
                eid_value: Octet16::from(self.eid),
                notify_state_change: None,
                state_change_cause: None,
                r_plmn: None,
                ext: Extensions::default(),
            });
            let answer = match self.eim.exchange(&request).await? {
                Some(EsipaMessageFromEimToIpa::GetEimPackageResponse(r)) => r,
                other => return Err(unexpected("GetEimPackage", other.as_ref())),
            };
            let handled = match answer {
                GetEimPackageResponse::EimPackageError(
                    EimPackageError::NO_EIM_PACKAGE_AVAILABLE,
                ) => {
                    report.drained = true;
                    break;
                }
                GetEimPackageResponse::EimPackageError(code) => {
                    return Err(LpaError::EimRefused {
                        function: "GetEimPackage",
                        code: code.0,
                    });
                }
                GetEimPackageResponse::EuiccPackageRequest(package) => Handled::EuiccPackage(
                    package::run(&mut self.channel, &self.eim, self.eid, &package).await?,
                ),
                GetEimPackageResponse::IpaEuiccDataRequest(request) => {
                    package::ipa_euicc_data(&mut self.channel, &self.eim, self.eid, &request)
                        .await?;
                    Handled::IpaEuiccData
                }
                GetEimPackageResponse::ProfileDownloadTriggerRequest(trigger) => {
                    Handled::ProfileDownload(
                        trigger::run(
                            &mut self.channel,
                            &self.eim,
                            &self.es9,
                            (self.download_mode, self.compact),
                            self.eid,
                            &trigger,
                        )
                        .await?,
                    )
                }
            };
            tracing::info!(eid = %self.eid(), ?handled, "eIM package handled");
            report.handled.push(handled);
        }
        report.notifications = self.deliver_notifications().await?;
        Ok(report)
    }

    /// Polls until `stop` resolves, pausing per `schedule`; `on_poll` sees every outcome.
    pub async fn run(
        &mut self,
        schedule: Schedule,
        stop: impl Future<Output = ()>,
        mut on_poll: impl FnMut(&Result<PollReport, LpaError>),
    ) {
        tokio::pin!(stop);
        let mut pause = schedule.interval;
        loop {
            let outcome = self.poll().await;
            on_poll(&outcome);
            pause = match outcome {
                Ok(_) => schedule.interval,
                Err(_) => (pause * 2).clamp(schedule.interval, schedule.max_backoff),
            };
            tokio::select! {
                () = &mut stop => return,
                () = tokio::time::sleep(pause) => {}
            }
        }
    }

    /// ES10b.RetrieveNotificationsList, each one to the eIM (ESipa.HandleNotification),
    /// removed from the eUICC once the eIM took it (§3.x, §5.14.4).
    async fn deliver_notifications(&mut self) -> Result<Vec<NotificationDelivery>, LpaError> {
        let pending = crate::es10b::retrieve_notifications(&mut self.channel, None)?;
        let mut out = Vec::with_capacity(pending.len());
        for der in pending {
            let seq_number = crate::notifications::seq_number_of(&der)?;
            let notification: Sgp32PendingNotification =
                asn1::decode(&der).map_err(LpaError::es10("RetrieveNotificationsList"))?;
            let message = EsipaMessageFromIpaToEim::HandleNotificationEsipa(
                HandleNotificationEsipa::PendingNotification(notification),
            );
            // HandleNotification has no response (§5.14.4): the eIM took it.
            let result = match self.eim.exchange(&message).await {
                Ok(None) => crate::notifications::remove(&mut self.channel, seq_number).map(drop),
                Ok(Some(other)) => Err(unexpected("HandleNotification", Some(&other))),
                Err(e) => Err(e),
            };
            out.push(NotificationDelivery {
                seq_number,
                delivered: result.is_ok(),
                error: result.err().map(|e| e.to_string()),
            });
        }
        Ok(out)
    }
}

fn unexpected(function: &'static str, got: Option<&EsipaMessageFromEimToIpa>) -> LpaError {
    let Some(got) = got else {
        return LpaError::Transport(format!("ESipa {function}: the eIM sent no response"));
    };
    let name = match got {
        EsipaMessageFromEimToIpa::InitiateAuthenticationResponseEsipa(_) => {
            "InitiateAuthentication"
        }
        EsipaMessageFromEimToIpa::AuthenticateClientResponseEsipa(_) => "AuthenticateClient",
        EsipaMessageFromEimToIpa::GetBoundProfilePackageResponseEsipa(_) => {
            "GetBoundProfilePackage"
        }
        EsipaMessageFromEimToIpa::CancelSessionResponseEsipa(_) => "CancelSession",
        EsipaMessageFromEimToIpa::TransferEimPackageRequest(_) => "TransferEimPackage",
        EsipaMessageFromEimToIpa::GetEimPackageResponse(_) => "GetEimPackage",
        EsipaMessageFromEimToIpa::ProvideEimPackageResultResponse(_) => "ProvideEimPackageResult",
    };
    LpaError::Transport(format!(
        "ESipa {function}: the eIM answered with a {name} response"
    ))
}
