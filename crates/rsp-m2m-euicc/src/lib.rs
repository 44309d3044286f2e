//! Virtual SGP.02 M2M eUICC: ISD-R, ECASD and ISD-Ps behind SCP80 (SMS) and SCP81
//! (HTTPS, GP Amendment B) remote administration, managed by an SM-SR over ES5.
//!
//! - [`state`]: what the eUICC remembers (EID, ECASD, keysets, ISD-Ps, SM-SR
//!   addressing, notifications), saved atomically as JSON.
//! - [`keys`]: SCP80 keysets with counters, the SCP81 PSK (redacted in `Debug`).
//! - [`ecasd`]: the eUICC certificate and key.
//! - [`domain`]: the security domains' behaviour for each ES5 C-APDU (SGP.02 §4.1).
//! - [`scp80`]: command packets in, PoRs and MO notification packets out (TS 102 225).
//! - [`sms_pp`]: the SMS-PP DOWNLOAD envelope and SMS-DELIVER TPDU (TS 31.111, TS 23.040).
//!
//! - [`scp81`]: the SCP81 push and script execution (GP Amendment B).
//! - [`modem`]: the modem simulator (SMPP ESME, REFRESH, notifications, admin agent).
//!
//! [`M2mEuicc`] ties them together and stands in for the modem side too (REFRESH,
//! network attach results).

pub mod domain;
pub mod ecasd;
pub mod error;
pub mod es8;
mod isdr_keys;
pub mod keys;
pub mod modem;
mod scp03t;
pub mod scp80;
pub mod scp81;
pub mod sms_pp;
pub mod state;

use std::path::{Path, PathBuf};

use rsp_codec::sgp02::consts::{LC_DISABLED, LC_ENABLED, LC_PERSONALIZED, LC_SELECTABLE};
use rsp_codec::sgp02::{Aid, NotificationType, SmsAddress, iccid_from_digits};

pub use ecasd::Ecasd;
pub use error::M2mError;
pub use keys::{Scp80Keyset, Scp81Psk, SecretBytes};
pub use scp80::{MO_SPI, Por, PorVia, Received};
pub use sms_pp::SmsPpOutcome;
pub use state::{EuiccState, IsdP, QueuedNotification, SmsrAddressing};

/// A virtual M2M eUICC. With a state file, every change is saved before the call that
/// made it returns.
#[derive(Debug)]
pub struct M2mEuicc {
    state: EuiccState,
    path: Option<PathBuf>,
    reassembly: sms_pp::Reassembly,
}

impl M2mEuicc {
    /// An eUICC kept in memory only.
    pub fn new(state: EuiccState) -> Self {
        M2mEuicc {
            state,
            path: None,
            reassembly: sms_pp::Reassembly::default(),
        }
    }

    /// An eUICC saved to `path` (written now).
    pub fn create(path: &Path, state: EuiccState) -> Result<Self, M2mError> {
        state.save(path)?;
        Ok(M2mEuicc {
            state,
            path: Some(path.to_path_buf()),
            reassembly: sms_pp::Reassembly::default(),
        })
    }

    /// The eUICC saved at `path`.
    pub fn load(path: &Path) -> Result<Self, M2mError> {
        Ok(M2mEuicc {
            state: EuiccState::load(path)?,
            path: Some(path.to_path_buf()),
            reassembly: sms_pp::Reassembly::default(),
        })
    }

    /// Saves the state (no-op for an in-memory eUICC).
    pub fn save(&self) -> Result<(), M2mError> {
        match &self.path {
            Some(p) => self.state.save(p),
            None => Ok(()),
        }
    }

    /// The state.
    pub fn state(&self) -> &EuiccState {
        &self.state
    }

    /// The state, for set-up (e.g. the SCP81 PSK, memory); call [`M2mEuicc::save`] after.
    pub fn state_mut(&mut self) -> &mut EuiccState {
        &mut self.state
    }

    /// Stores the SCP81 PSK (TLS-PSK identity and key) for the HTTPS admin agent.
    pub fn set_scp81_psk(&mut self, identity: &str, key: &[u8]) -> Result<(), M2mError> {
        self.state.scp81_psk = Some(Scp81Psk {
            identity: identity.to_string(),
            key: SecretBytes::new(key),
        });
        self.save()
    }

    /// The EID (32 digits).
    pub fn eid(&self) -> &str {
        &self.state.eid
    }

    /// Power-on: the first one queues the eUICC declaration (notification `01`).
    /// Returns whether it did.
    pub fn power_on(&mut self) -> Result<bool, M2mError> {
        if self.state.declared {
            return Ok(false);
        }
        self.declare()?;
        Ok(true)
    }

    /// Queues an eUICC declaration (notification `01`) now.
    pub fn declare(&mut self) -> Result<(), M2mError> {
        let aid = self.state.enabled().map(|p| p.aid.clone());
        self.state
            .queue_notification(NotificationType::EuiccDeclaration, aid);
        self.state.declared = true;
        self.save()
    }

    /// Receives a TS 102 225 command packet (from CPL on, as after the `02 70 00` UDH):
    /// keyset by KIc/KID key version, deciphering and CC check, counter check, routing
    /// by TAR, the remote APDU script, and the PoR as the SPI asks. `Err` when no keyset
    /// matches or the header does not parse (nothing to answer with); otherwise the
    /// outcome says whether the packet was accepted and carries the PoR. The state (with
    /// the keyset's counter) is saved only when the packet was accepted.
    pub fn receive_command_packet(&mut self, packet: &[u8]) -> Result<Received, M2mError> {
        let mut working = self.state.clone();
        let received = scp80::receive(&mut working, packet)?;
        if received.accepted {
            self.state = working;
            self.save()?;
        }
        Ok(received)
    }

    /// The unconfirmed notifications, each sealed as an MO command packet (from CPL on)
    /// for the SM-SR at [`EuiccState::smsr`]; every call re-sends all of them with fresh
    /// counters until HandleNotificationConfirmation (`3A06`) removes them.
    pub fn pending_notifications(&mut self) -> Result<Vec<Vec<u8>>, M2mError> {
        let queued = self.state.pending.clone();
        let mut out = Vec::with_capacity(queued.len());
        for n in &queued {
            out.push(scp80::seal_notification(&mut self.state, n)?);
        }
        if !out.is_empty() {
            self.save()?;
        }
        Ok(out)
    }

    /// Test hook standing in for a profile download (part 2): the SELECTABLE ISD-P `aid`
    /// receives a profile (PERSONALIZED) and ends DISABLED.
    pub fn install_profile(
        &mut self,
        aid: &Aid,
        iccid: &str,
        msisdn: Option<SmsAddress>,
    ) -> Result<(), M2mError> {
        iccid_from_digits(iccid)?;
        let p = self
            .state
            .isdp_mut(aid)
            .ok_or(M2mError::State("no such ISD-P"))?;
        if p.life_cycle != LC_SELECTABLE {
            return Err(M2mError::State("the ISD-P already holds a profile"));
        }
        p.life_cycle = LC_PERSONALIZED;
        p.iccid = Some(iccid.to_string());
        p.msisdn = msisdn;
        p.life_cycle = LC_DISABLED;
        self.save()
    }

    /// Test hook: sets POL1 of the profile in `aid` (`state::POL1_*` bits).
    pub fn set_pol1(&mut self, aid: &Aid, pol1: u8) -> Result<(), M2mError> {
        let p = self
            .state
            .isdp_mut(aid)
            .ok_or(M2mError::State("no such ISD-P"))?;
        p.pol1 = pol1;
        self.save()
    }

    /// Whether a REFRESH is pending for the modem (cleared by this call).
    pub fn take_refresh(&mut self) -> Result<bool, M2mError> {
        let r = std::mem::take(&mut self.state.refresh_pending);
        if r {
            self.save()?;
        }
        Ok(r)
    }

    /// The modem's network attach result after a profile change. Success queues
    /// notification `02`; failure enables the fallback ISD-P instead (the failed one is
    /// disabled), asks for a REFRESH and queues notification `03`; without a fallback
    /// ISD-P (or when the fallback is the one that failed) the new profile stays enabled
    /// and nothing is queued. Without a pending profile change this does nothing.
    pub fn network_attach(&mut self, ok: bool) -> Result<(), M2mError> {
        let Some(change) = self.state.profile_change.take() else {
            return Ok(());
        };
        if ok {
            self.state.queue_notification(
                NotificationType::ProfileChangeSucceeded,
                Some(change.enabled),
            );
        } else if let Some(fallback) = self
            .state
            .fallback()
            .filter(|f| f.aid != change.enabled)
            .map(|f| f.aid.clone())
        {
            for p in self.state.isdps.iter_mut() {
                if p.aid == change.enabled {
                    p.life_cycle = LC_DISABLED;
                } else if p.aid == fallback {
                    p.life_cycle = LC_ENABLED;
                }
            }
            domain::delete_when_disabled(&mut self.state);
            self.state.refresh_pending = true;
            self.state.queue_notification(
                NotificationType::ProfileChangeFailedFallback,
                Some(fallback),
            );
        }
        self.save()
    }
}
