//! The LPA facade: one eUICC (behind an [`Es10Channel`]) and one ES9+ client. Profile
//! operations that create notifications (download, enable, disable, delete) deliver them
//! right away unless auto-notify is off (SGP.22 §3.5: the LPAd sends pending
//! notifications as soon as it can).

use crate::activation::ActivationCode;
use crate::download::{self, BoundPackage, DownloadResult, DownloadStep};
use crate::error::LpaError;
use crate::es9plus::Es9PlusClient;
use crate::es10::Es10Channel;
use crate::notifications::{self, NotificationSummary, ProcessedNotification};
use crate::profiles::{self, ChipInfo, ProfileSummary, iccid_from_text};

/// Progress callback of downloads.
pub type ProgressFn = Box<dyn FnMut(DownloadStep) + Send>;

/// A Local Profile Assistant for one eUICC.
pub struct Lpa<E: Es10Channel> {
    channel: E,
    es9: Es9PlusClient,
    auto_notify: bool,
    progress: Option<ProgressFn>,
}

impl<E: Es10Channel> std::fmt::Debug for Lpa<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lpa")
            .field("auto_notify", &self.auto_notify)
            .finish_non_exhaustive()
    }
}

impl<E: Es10Channel> Lpa<E> {
    /// An LPA for the eUICC behind `channel`, reaching SM-DP+s with `es9`; auto-notify on.
    pub fn new(channel: E, es9: Es9PlusClient) -> Self {
        Lpa {
            channel,
            es9,
            auto_notify: true,
            progress: None,
        }
    }

    /// Turns automatic notification delivery on or off.
    pub fn with_auto_notify(mut self, on: bool) -> Self {
        self.auto_notify = on;
        self
    }

    /// Calls `progress` at each download step.
    pub fn with_progress(mut self, progress: impl FnMut(DownloadStep) + Send + 'static) -> Self {
        self.progress = Some(Box::new(progress));
        self
    }

    /// The ES10 channel.
    pub fn channel_mut(&mut self) -> &mut E {
        &mut self.channel
    }

    /// Gives the ES10 channel back.
    pub fn into_channel(self) -> E {
        self.channel
    }

    /// The events for this eUICC at the SM-DS `smds_address` and the SM-DSes it cascades
    /// to (SGP.22 §3.6.3, [`crate::discover::discover`]).
    pub async fn discover(
        &mut self,
        smds_address: &str,
        imei: Option<&str>,
    ) -> Result<Vec<crate::discover::DiscoveredEvent>, LpaError> {
        crate::discover::discover(&mut self.channel, &self.es9, smds_address, imei).await
    }

    /// Downloads and installs the Profile of `activation_code` (SGP.22 §3.1.3). A failed
    /// installation is an `Ok` result with [`crate::Installation::Failed`]: its
    /// notification still goes to the SM-DP+.
    pub async fn download(
        &mut self,
        activation_code: &str,
        confirmation_code: Option<&str>,
        imei: Option<&str>,
    ) -> Result<DownloadResult, LpaError> {
        let package = self
            .fetch_bound_profile_package(activation_code, confirmation_code, imei)
            .await?;
        self.load_bound_profile_package(&package).await
    }

    /// The first part of [`Lpa::download`]: authentication, confirmation, PrepareDownload
    /// and ES9+.GetBoundProfilePackage (SGP.22 §3.1.2, §3.1.3.1–§3.1.3.3). The eUICC's
    /// session stays open for [`Lpa::load_bound_profile_package`].
    pub async fn fetch_bound_profile_package(
        &mut self,
        activation_code: &str,
        confirmation_code: Option<&str>,
        imei: Option<&str>,
    ) -> Result<BoundPackage, LpaError> {
        let activation = ActivationCode::parse(activation_code)?;
        let mut log_only = |step: DownloadStep| tracing::info!(?step, "download");
        let progress: &mut (dyn FnMut(DownloadStep) + Send) = match self.progress.as_mut() {
            Some(p) => p,
            None => &mut log_only,
        };
        download::fetch_bound_profile_package(
            &mut self.channel,
            &self.es9,
            &activation,
            confirmation_code,
            imei,
            progress,
        )
        .await
    }

    /// The second part of [`Lpa::download`]: ES10b.LoadBoundProfilePackage of `package`
    /// (SGP.22 §3.1.3.3, §5.7.6), then the notifications (auto-notify).
    pub async fn load_bound_profile_package(
        &mut self,
        package: &BoundPackage,
    ) -> Result<DownloadResult, LpaError> {
        let mut log_only = |step: DownloadStep| tracing::info!(?step, "download");
        let progress: &mut (dyn FnMut(DownloadStep) + Send) = match self.progress.as_mut() {
            Some(p) => p,
            None => &mut log_only,
        };
        let mut result =
            download::load_bound_profile_package(&mut self.channel, &self.es9, package, progress)
                .await?;
        // The Profile is installed whatever happens to its notification: a failure to
        // deliver leaves it pending on the eUICC for a later `process_notifications`.
        result.notifications = match self.auto_notifications().await {
            Ok(done) => done,
            Err(e) => {
                tracing::warn!(error = %e, "notifications not processed after the download");
                Vec::new()
            }
        };
        Ok(result)
    }

    async fn auto_notifications(&mut self) -> Result<Vec<ProcessedNotification>, LpaError> {
        if self.auto_notify {
            self.process_notifications().await
        } else {
            Ok(Vec::new())
        }
    }

    /// Delivers every pending notification; each delivered one is removed from the eUICC.
    pub async fn process_notifications(&mut self) -> Result<Vec<ProcessedNotification>, LpaError> {
        notifications::process(&mut self.channel, &self.es9, None).await
    }

    /// Delivers the pending notification `seq_number` only.
    pub async fn process_notification(
        &mut self,
        seq_number: u64,
    ) -> Result<Vec<ProcessedNotification>, LpaError> {
        notifications::process(&mut self.channel, &self.es9, Some(seq_number)).await
    }

    /// The pending notifications (ES10b.ListNotification).
    pub fn list_notifications(&mut self) -> Result<Vec<NotificationSummary>, LpaError> {
        notifications::list(&mut self.channel)
    }

    /// Removes notification `seq_number` without sending it; `false` if there was none.
    pub fn remove_notification(&mut self, seq_number: u64) -> Result<bool, LpaError> {
        notifications::remove(&mut self.channel, seq_number)
    }

    /// The installed profiles (ES10c.GetProfilesInfo).
    pub fn list_profiles(&mut self) -> Result<Vec<ProfileSummary>, LpaError> {
        Ok(profiles::get_profiles_info(&mut self.channel)?
            .iter()
            .map(ProfileSummary::from)
            .collect())
    }

    /// Enables the profile `iccid` (ES10c.EnableProfile), then delivers notifications.
    pub async fn enable(&mut self, iccid: &str) -> Result<Vec<ProcessedNotification>, LpaError> {
        profiles::enable_profile(&mut self.channel, &iccid_from_text(iccid)?)?;
        self.auto_notifications().await
    }

    /// Disables the profile `iccid` (ES10c.DisableProfile), then delivers notifications.
    pub async fn disable(&mut self, iccid: &str) -> Result<Vec<ProcessedNotification>, LpaError> {
        profiles::disable_profile(&mut self.channel, &iccid_from_text(iccid)?)?;
        self.auto_notifications().await
    }

    /// Deletes the profile `iccid` (ES10c.DeleteProfile), then delivers notifications.
    pub async fn delete(&mut self, iccid: &str) -> Result<Vec<ProcessedNotification>, LpaError> {
        profiles::delete_profile(&mut self.channel, &iccid_from_text(iccid)?)?;
        self.auto_notifications().await
    }

    /// Sets the nickname of profile `iccid` (ES10c.SetNickname).
    pub fn set_nickname(&mut self, iccid: &str, nickname: &str) -> Result<(), LpaError> {
        profiles::set_nickname(&mut self.channel, &iccid_from_text(iccid)?, nickname)
    }

    /// The EID (ES10c.GetEID).
    pub fn eid(&mut self) -> Result<String, LpaError> {
        profiles::get_eid(&mut self.channel)
    }

    /// EID, configured addresses and EUICCInfo2.
    pub fn chip_info(&mut self) -> Result<ChipInfo, LpaError> {
        profiles::chip_info(&mut self.channel)
    }

    /// The root SM-DS address configured in the eUICC (ES10a.GetEuiccConfiguredAddresses,
    /// SGP.22 §5.7.3), where event discovery starts (§3.6.3). An empty address is
    /// [`LpaError::Protocol`]: the eUICC names no root SM-DS.
    pub fn root_ds_address(&mut self) -> Result<String, LpaError> {
        let addresses = profiles::configured_addresses(&mut self.channel)?;
        if addresses.root_ds_address.trim().is_empty() {
            return Err(LpaError::Protocol(
                "the eUICC has no root SM-DS address".into(),
            ));
        }
        Ok(addresses.root_ds_address)
    }
}
