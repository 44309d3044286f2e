//! The eUICC's persistent state (serde, one JSON file written atomically: temporary file,
//! fsync, rename). Key material inside is hex in the file (a secret file, mode 0600) and
//! redacted in `Debug`.

use std::io::Write;
use std::path::Path;

use rsp_codec::sgp02::{Aid, NotificationType, SmsAddress};
use serde::{Deserialize, Serialize};

use crate::ecasd::Ecasd;
use crate::error::M2mError;
use crate::es8::Es8Transient;
use crate::keys::{Scp03Keyset, Scp80Keyset, Scp81Psk};

/// POL1 bit: disabling the profile is not allowed (our reading of SGP.02 §2.4.1.1).
pub const POL1_DISABLE_NOT_ALLOWED: u8 = 0x01;
/// POL1 bit: deleting the profile is not allowed.
pub const POL1_DELETE_NOT_ALLOWED: u8 = 0x02;
/// POL1 bit: the profile is deleted when it is disabled.
pub const POL1_DELETE_WHEN_DISABLED: u8 = 0x04;

/// One ISD-P.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IsdP {
    /// AID (its TAR is octets 13..15).
    pub aid: Aid,
    /// Life-cycle state (`rsp_codec::sgp02::consts::LC_*`).
    pub life_cycle: u8,
    /// Fallback attribute.
    pub fallback: bool,
    /// POL1 of the profile (`POL1_*` bits).
    pub pol1: u8,
    /// ICCID digits of the profile, once installed.
    pub iccid: Option<String>,
    /// MSISDN of the profile (connectivity parameters).
    pub msisdn: Option<SmsAddress>,
    /// Non-volatile memory reserved at creation.
    pub nvm_quota: u16,
    /// Volatile memory reserved at creation.
    pub vm_quota: u16,
    /// The SCP03 keyset established with the SM-DP (ES8), once there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scp03: Option<Scp03Keyset>,
    /// Octets of the installed Profile Package (0: none, or installed by a test hook).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub profile_size: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl IsdP {
    /// A new ISD-P as CreateISDP leaves it: SELECTABLE, no Profile, no keys.
    pub fn created(aid: Aid, nvm_quota: u16, vm_quota: u16) -> Self {
        IsdP {
            aid,
            life_cycle: rsp_codec::sgp02::consts::LC_SELECTABLE,
            fallback: false,
            pol1: 0,
            iccid: None,
            msisdn: None,
            nvm_quota,
            vm_quota,
            scp03: None,
            profile_size: 0,
        }
    }

    /// An ISD-P holding a Profile from manufacture (lab and test set-ups), enabled or
    /// disabled.
    pub fn preinstalled(aid: Aid, iccid: &str, msisdn: SmsAddress, enabled: bool) -> Self {
        use rsp_codec::sgp02::consts::{LC_DISABLED, LC_ENABLED};
        IsdP {
            life_cycle: if enabled { LC_ENABLED } else { LC_DISABLED },
            iccid: Some(iccid.to_owned()),
            msisdn: Some(msisdn),
            ..IsdP::created(aid, 0, 0)
        }
    }

    /// The same with the fallback attribute set as given.
    pub fn with_fallback(mut self, fallback: bool) -> Self {
        self.fallback = fallback;
        self
    }
}

/// Where the eUICC sends its MO packets (UpdateSMSRAddressingParameters).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmsrAddressing {
    /// SMS centre address.
    pub smsc: Option<SmsAddress>,
    /// SM-SR MSISDN.
    pub msisdn: Option<SmsAddress>,
    /// TAR the MO packets are addressed to.
    pub tar: Option<[u8; 3]>,
}

/// A queued, not yet confirmed default notification.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedNotification {
    /// Sequence number.
    pub sequence: u16,
    /// Type.
    pub kind: NotificationType,
    /// ISD-P concerned.
    pub aid: Option<Aid>,
}

/// A profile change waiting for the modem's network attach result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileChange {
    /// The ISD-P now enabled.
    pub enabled: Aid,
}

/// Memory the eUICC announces (extended card resources).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Memory {
    /// Non-volatile memory available to ISD-Ps in total (octets).
    pub total_nvm: u32,
    /// Free volatile memory (octets).
    pub free_vm: u32,
}

impl Default for Memory {
    fn default() -> Self {
        Memory {
            total_nvm: 1_048_576,
            free_vm: 32_768,
        }
    }
}

/// Everything the virtual eUICC remembers.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EuiccState {
    /// EID, 32 digits.
    pub eid: String,
    /// The ECASD credential.
    pub ecasd: Ecasd,
    /// The ISD-R's SCP80 keysets.
    pub keysets: Vec<Scp80Keyset>,
    /// Key version of the keyset that secures MO notifications (default: the first).
    pub mo_keyset: Option<u8>,
    /// The SCP81 PSK (stored for the HTTPS admin agent).
    pub scp81_psk: Option<Scp81Psk>,
    /// The ISD-Ps, in creation order.
    pub isdps: Vec<IsdP>,
    /// SM-SR addressing parameters.
    pub smsr: SmsrAddressing,
    /// Sequence number of the next notification.
    pub next_sequence: u16,
    /// Notifications not yet confirmed by the SM-SR.
    pub pending: Vec<QueuedNotification>,
    /// Whether the eUICC declaration was queued (first power-on).
    pub declared: bool,
    /// A REFRESH for the modem is pending.
    pub refresh_pending: bool,
    /// A profile change waiting for the network attach result.
    pub profile_change: Option<ProfileChange>,
    /// Memory.
    pub memory: Memory,
    /// An SCP81 admin session asked for by a push (the triggering parameters, `81` …),
    /// waiting for the modem.
    #[serde(default)]
    pub admin_session: Option<Vec<u8>>,
    /// ES8 progress kept in memory only (see [`crate::es8`]).
    #[serde(skip)]
    pub(crate) es8: Es8Transient,
}

impl EuiccState {
    /// A fresh eUICC: no ISD-P, the EID from the ECASD certificate, at least one keyset
    /// (distinct key versions).
    pub fn new(ecasd: Ecasd, keysets: Vec<Scp80Keyset>) -> Result<Self, M2mError> {
        if keysets.is_empty() {
            return Err(M2mError::Config("at least one SCP80 keyset"));
        }
        for (i, k) in keysets.iter().enumerate() {
            if keysets.iter().skip(i + 1).any(|o| o.version == k.version) {
                return Err(M2mError::Config("two keysets with the same key version"));
            }
        }
        let eid = hex::encode_upper(ecasd.eid()?);
        Ok(EuiccState {
            eid,
            ecasd,
            keysets,
            mo_keyset: None,
            scp81_psk: None,
            isdps: Vec::new(),
            smsr: SmsrAddressing::default(),
            next_sequence: 1,
            pending: Vec::new(),
            declared: false,
            refresh_pending: false,
            profile_change: None,
            memory: Memory::default(),
            admin_session: None,
            es8: Es8Transient::default(),
        })
    }

    /// The EID as 16 octets.
    pub fn eid_bytes(&self) -> Result<[u8; 16], M2mError> {
        hex::decode(&self.eid)
            .ok()
            .and_then(|b| <[u8; 16]>::try_from(b).ok())
            .ok_or(M2mError::Config("EID is not 32 digits"))
    }

    /// The ISD-P with `aid`.
    pub fn isdp(&self, aid: &Aid) -> Option<&IsdP> {
        self.isdps.iter().find(|p| &p.aid == aid)
    }

    pub(crate) fn isdp_mut(&mut self, aid: &Aid) -> Option<&mut IsdP> {
        self.isdps.iter_mut().find(|p| &p.aid == aid)
    }

    /// The ENABLED ISD-P, if any.
    pub fn enabled(&self) -> Option<&IsdP> {
        self.isdps
            .iter()
            .find(|p| p.life_cycle == rsp_codec::sgp02::consts::LC_ENABLED)
    }

    /// The ISD-P with the fallback attribute, if any.
    pub fn fallback(&self) -> Option<&IsdP> {
        self.isdps.iter().find(|p| p.fallback)
    }

    /// Free non-volatile memory: total minus each ISD-P's quota or Profile, the larger.
    pub fn free_nvm(&self) -> u32 {
        let used: u32 = self
            .isdps
            .iter()
            .map(|p| u32::from(p.nvm_quota).max(p.profile_size))
            .sum();
        self.memory.total_nvm.saturating_sub(used)
    }

    /// Queues a notification with the next sequence number.
    pub(crate) fn queue_notification(&mut self, kind: NotificationType, aid: Option<Aid>) {
        let sequence = self.next_sequence;
        self.next_sequence = self.next_sequence.wrapping_add(1);
        self.pending.push(QueuedNotification {
            sequence,
            kind,
            aid,
        });
    }

    /// Writes the state to `path` atomically (temporary file in the same directory,
    /// fsync, rename), readable by the owner only.
    pub fn save(&self, path: &Path) -> Result<(), M2mError> {
        let json = zeroize::Zeroizing::new(serde_json::to_vec_pretty(self)?);
        let file_name = path
            .file_name()
            .ok_or(M2mError::Config("state path has no file name"))?;
        let mut tmp_name = file_name.to_os_string();
        tmp_name.push(".tmp");
        let tmp = path.with_file_name(tmp_name);
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp)?;
        f.write_all(&json)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)?;
        Ok(())
    }

    /// Reads a state written by [`EuiccState::save`].
    pub fn load(path: &Path) -> Result<Self, M2mError> {
        let bytes = zeroize::Zeroizing::new(std::fs::read(path)?);
        Ok(serde_json::from_slice(&bytes)?)
    }
}
