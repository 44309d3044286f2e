//! The persistent content of the eUICC (SGP.22 §2.4): ISD-Ps with their profiles and
//! metadata, pending notifications, configured addresses, CRLs. Private keys are not
//! here: they stay in the identity files.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Byte strings written as hex in the JSON state file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HexBytes(pub Vec<u8>);

impl Serialize for HexBytes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode_upper(&self.0))
    }
}

impl<'de> Deserialize<'de> for HexBytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        hex::decode(text)
            .map(HexBytes)
            .map_err(serde::de::Error::custom)
    }
}

/// One installed profile and its ISD-P. `Debug` leaves out the package: it holds the
/// network keys (Ki/OPc) of the profile.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Profile {
    /// AID of the ISD-P holding the profile.
    pub isdp_aid: HexBytes,
    /// ICCID as in `Iccid` (10 bytes, BCD).
    pub iccid: HexBytes,
    /// Enabled (true) or Disabled (false) (SGP.22 §2.4.4).
    pub enabled: bool,
    /// End-user nickname (ES10c.SetNickname).
    pub nickname: Option<String>,
    /// `StoreMetadataRequest` (`BF25`) as received in the BPP.
    pub metadata: HexBytes,
    /// `ConfigureISDPRequest` (`BF24`) as received in the BPP.
    pub configure_isdp: HexBytes,
    /// SM-DP+ OID (dotted) of the SM-DP+ that installed the profile.
    pub smdp_oid: String,
    /// Subject key identifier of the CI the eUICC credential used for the download chains to.
    pub ci_key_id: HexBytes,
    /// The profile package (concatenated profile elements) as decrypted.
    pub package: HexBytes,
    /// What its UICC changed: PINs and counters, SQN array, updated EFs (absent until
    /// the Profile was first used as a UICC; state files without it still load).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uicc: Option<crate::uicc::UiccState>,
}

impl std::fmt::Debug for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Profile")
            .field("isdp_aid", &hex::encode_upper(&self.isdp_aid.0))
            .field("iccid", &hex::encode_upper(&self.iccid.0))
            .field("enabled", &self.enabled)
            .field("nickname", &self.nickname)
            .field("smdp_oid", &self.smdp_oid)
            .field("package_len", &self.package.0.len())
            .finish_non_exhaustive()
    }
}

/// A pending notification (SGP.22 §5.7.10): the signed `PendingNotification` DER.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct StoredNotification {
    /// Sequence number assigned by the eUICC.
    pub seq_number: u64,
    /// `ProfileInstallationResult` (`BF37`) or `OtherSignedNotification` (`30`).
    pub pending: HexBytes,
}

/// Everything the eUICC keeps across power cycles.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct EuiccState {
    /// Installed profiles.
    pub profiles: Vec<Profile>,
    /// Pending notifications, oldest first.
    pub notifications: Vec<StoredNotification>,
    /// Last sequence number assigned to a notification.
    pub last_seq_number: u64,
    /// Default SM-DP+ address (ES10a.SetDefaultDpAddress).
    pub default_dp_address: Option<String>,
    /// CRLs loaded with ES10b.LoadCRL (DER).
    pub crls: Vec<HexBytes>,
    /// eUICC challenges already handed out, newest last (bounded), never reissued.
    pub used_challenges: Vec<HexBytes>,
    /// Directory of the identity (`rsp pki init` layout) this state was used with, so the
    /// CLI can reopen the same eUICC from the state file alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_dir: Option<String>,
    /// Root SM-DS address set for this eUICC at creation (SGP.22 §5.7.3 answers it in
    /// GetEuiccConfiguredAddresses; a real eUICC gets it at manufacture, the LPA cannot
    /// change it). `None`: [`crate::EuiccConfig::root_ds_address`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_ds_address: Option<String>,
    /// IoT mode (SGP.32 v1.2): eIM associations, eUICC Package results, immediate enable,
    /// fallback and rollback state. `None`: a consumer eUICC (state files without it still
    /// load as one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iot: Option<crate::iot::IotState>,
}

/// How many used challenges are remembered.
pub(crate) const MAX_REMEMBERED_CHALLENGES: usize = 256;

impl EuiccState {
    /// Bytes of profile packages stored.
    pub fn used_profile_bytes(&self) -> usize {
        self.profiles.iter().map(|p| p.package.0.len()).sum()
    }

    /// Non-volatile memory the installed profiles take: each its package bytes plus
    /// `isdp_overhead` (see [`crate::EuiccConfig::isdp_overhead_bytes`]).
    pub fn used_memory(&self, isdp_overhead: usize) -> usize {
        self.profiles
            .iter()
            .map(|p| p.package.0.len().saturating_add(isdp_overhead))
            .fold(0, usize::saturating_add)
    }

    /// The profile with this ISD-P AID.
    pub fn profile_by_aid(&self, aid: &[u8]) -> Option<usize> {
        self.profiles.iter().position(|p| p.isdp_aid.0 == aid)
    }

    /// The profile with this ICCID.
    pub fn profile_by_iccid(&self, iccid: &[u8]) -> Option<usize> {
        self.profiles.iter().position(|p| p.iccid.0 == iccid)
    }

    /// Takes the next notification sequence number.
    pub(crate) fn next_seq_number(&mut self) -> u64 {
        self.last_seq_number = self.last_seq_number.saturating_add(1);
        self.last_seq_number
    }

    /// First free ISD-P AID: `A0000005591010FFFFFFFF89000010 00`, `...11 00`, ...
    /// (the SGP.02 / SGP.22 ISD-P AID pattern).
    pub(crate) fn free_isdp_aid(&self) -> Option<Vec<u8>> {
        (0x10u8..=0xFF)
            .map(|n| {
                let mut aid = hex::decode("A0000005591010FFFFFFFF8900000000").unwrap_or_default();
                if let Some(b) = aid.get_mut(14) {
                    *b = n;
                }
                aid
            })
            .find(|aid| self.profile_by_aid(aid).is_none())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn isdp_aids_and_json() {
        let mut state = EuiccState::default();
        let aid = state.free_isdp_aid().unwrap();
        assert_eq!(hex::encode_upper(&aid), "A0000005591010FFFFFFFF8900001000");
        state.profiles.push(Profile {
            isdp_aid: HexBytes(aid),
            iccid: HexBytes(vec![0x98; 10]),
            enabled: false,
            nickname: None,
            metadata: HexBytes::default(),
            configure_isdp: HexBytes::default(),
            smdp_oid: "2.999.10".into(),
            ci_key_id: HexBytes::default(),
            package: HexBytes(vec![0xAB; 4]),
            uicc: None,
        });
        let next = state.free_isdp_aid().unwrap();
        assert_eq!(hex::encode_upper(&next), "A0000005591010FFFFFFFF8900001100");
        let debug = format!("{:?}", state.profiles[0]);
        assert!(
            !debug.contains("ABABABAB") && !debug.contains("171"),
            "{debug}"
        );
        let json = serde_json::to_string(&state).unwrap();
        assert!(json.contains("\"package\":\"ABABABAB\""));
        assert_eq!(serde_json::from_str::<EuiccState>(&json).unwrap(), state);
        assert!(serde_json::from_str::<HexBytes>("\"XYZ\"").is_err());
    }
}
