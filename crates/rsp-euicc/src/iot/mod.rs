//! IoT mode of the virtual eUICC (SGP.32 v1.2 §5.9, ES10b additions), beside the consumer
//! mode, in the same state file.
//!
//! One file per job:
//! - `eim_config`: eIM associations (AddInitialEim, GetEimConfigurationData, the eIM key);
//! - `package`: ES10b.LoadEuiccPackage, verification of the eIM signature and counter,
//!   atomic execution and the eUICC-signed `EuiccPackageResult`;
//! - `psmo`: Profile State Management Operations; `eco`: eIM Configuration Operations;
//! - `results`: stored results, the SGP.32 RetrieveNotificationsList, IpaEuiccData;
//! - `device`: GetCerts, EUICCInfo2, eUICC memory reset, immediate enable, rollback;
//! - `fallback`: fallback and emergency Profiles.
//!
//! **Association token** (SGP.32 §2.11.1, `EimConfigurationData.associationToken`): our
//! reading is that an eIM asks for one by sending the field (any value) in AddInitialEim or
//! addEim; the eUICC then generates a fresh token (one more than the last it issued, never
//! reused), keeps it with the association and returns it (`AddInitialEimResponse`
//! `associationToken`, `AddEimResult.associationToken`); without the field the answer is
//! `addOk` / `ok` and the association has no token. The token, when present, is appended to
//! the data the eIM signs ([`rsp_codec::asn1::sgp32::eim_signed_data`]) and returned in
//! `EuiccPackageErrorUnsigned` and `IpaEuiccData`.

mod device;
mod eco;
mod eim_config;
mod fallback;
mod package;
mod psmo;
mod results;

use serde::{Deserialize, Serialize};

use crate::error::Es10Error;
use crate::isdr::{Isdr, request_of, respond};
use crate::state::{EuiccState, HexBytes};

/// Highest counter value the eUICC accepts (its counters are 31-bit); a higher value is
/// `counterValueOutOfRange` (SGP.32 §2.9.2 `EuiccPackageErrorCode`, `AddEimResult`).
pub const MAX_COUNTER: i64 = 0x7FFF_FFFF;
/// Most eIM associations kept at once; one more is `insufficientMemory`.
pub const MAX_EIMS: usize = 8;
/// Most eUICC Package results kept until the IPA removes them; older ones are dropped.
pub const MAX_RESULTS: usize = 32;

/// The IoT part of the persistent state.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct IotState {
    /// Associated eIMs (SGP.32 §2.11.1), in association order.
    #[serde(default)]
    pub eims: Vec<EimAssociation>,
    /// Last association token issued.
    #[serde(default)]
    pub last_association_token: i64,
    /// Signed `EuiccPackageResult`s not yet removed by the IPA, oldest first.
    #[serde(default)]
    pub results: Vec<StoredResult>,
    /// Immediate enable configuration (ConfigureImmediateProfileEnabling, PSMO
    /// configureImmediateEnable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub immediate_enable: Option<ImmediateEnableConfig>,
    /// ICCID of the Profile with the fallback attribute (SGP.32 §3.5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback_iccid: Option<HexBytes>,
    /// While the fallback mechanism is active: the Profile enabled before it (if any).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback_return: Option<Previous>,
    /// While the emergency Profile is enabled: the Profile enabled before it (if any).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emergency_return: Option<Previous>,
    /// The last enable PSMO with the rollback flag, until ProfileRollback or another
    /// package.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback: Option<RollbackPoint>,
    /// The IPA inside the eUICC is active (IpaeActivationRequest, SGP.32 §5.9.x): the
    /// eUICC reports `ipaMode` ipae and polls its eIM itself (`rsp euicc … --ipae`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ipae_active: bool,
}

/// One eIM association.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct EimAssociation {
    /// `eimId`.
    pub eim_id: String,
    /// `EimConfigurationData` DER as configured (without counter and token, kept below).
    pub config: HexBytes,
    /// Last counter value accepted (the initial one until the first package).
    pub counter: i64,
    /// Association token, if one was issued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub association_token: Option<i64>,
}

/// A stored `EuiccPackageResult` (DER) under its sequence number.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct StoredResult {
    /// `seqNumber` of the result (shared with notifications).
    pub seq_number: u64,
    /// `EuiccPackageResult` DER (tag BF51).
    pub result: HexBytes,
}

/// Immediate enable configuration (SGP.32 §5.9.x ConfigureImmediateProfileEnabling).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct ImmediateEnableConfig {
    /// `immediateEnableFlag`.
    pub enabled: bool,
    /// `defaultSmdpOid` (dotted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_smdp_oid: Option<String>,
    /// `defaultSmdpAddress`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_smdp_address: Option<String>,
}

/// The Profile to go back to.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Previous {
    /// ICCID of the Profile enabled before, `None` if none was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iccid: Option<HexBytes>,
}

/// What ProfileRollback needs (SGP.32 §5.9.x): the Profile enabled before the enable PSMO
/// and the package that carried it (its result is re-issued with `rollbackResult`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct RollbackPoint {
    /// The Profile enabled before.
    pub previous: Previous,
    /// `eimId` of the package.
    pub eim_id: String,
    /// Its counter value.
    pub counter: i64,
    /// Its `eimTransactionId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eim_transaction_id: Option<HexBytes>,
    /// Its `eimSignature` (r‖s): the result signature covers it.
    pub eim_signature: HexBytes,
}

/// The enabled Profile's ICCID in `state`.
pub(crate) fn enabled_iccid(state: &EuiccState) -> Option<HexBytes> {
    state
        .profiles
        .iter()
        .find(|p| p.enabled)
        .map(|p| p.iccid.clone())
}

/// The IoT state of `state`; an internal error outside IoT mode.
pub(crate) fn iot_mut(state: &mut EuiccState) -> Result<&mut IotState, Es10Error> {
    state
        .iot
        .as_mut()
        .ok_or_else(|| Es10Error::Internal("not in IoT mode".into()))
}

impl Isdr {
    /// Whether this eUICC runs in IoT mode (SGP.32).
    pub fn is_iot(&self) -> bool {
        self.state.iot.is_some()
    }

    /// Switches this eUICC to IoT mode (idempotent), persisting it.
    pub fn enable_iot_mode(&mut self) -> Result<(), Es10Error> {
        if self.is_iot() {
            return Ok(());
        }
        let mut next = self.state.clone();
        next.iot = Some(IotState::default());
        self.commit(next)
    }

    /// Whether the IPAe is active (the eUICC runs its own IPA).
    pub fn ipae_active(&self) -> bool {
        self.state.iot.as_ref().is_some_and(|i| i.ipae_active)
    }

    /// ES10b IpaeActivationRequest (SGP.32 §5.9.x, tag BF42): `activateIpae` set turns the
    /// IPA inside the eUICC on, cleared turns it off (the IPAd in the device takes over).
    fn ipae_activation(
        &mut self,
        request: rsp_codec::asn1::sgp32::IpaeActivationRequest,
    ) -> Result<rsp_codec::asn1::sgp32::IpaeActivationResponse, Es10Error> {
        use rsp_codec::asn1::sgp32::{IpaeActivationResponse, IpaeActivationResult, IpaeOption};
        let activate = request.ipae_option.is_set(IpaeOption::ACTIVATE_IPAE);
        let mut next = self.state.clone();
        if let Some(iot) = next.iot.as_mut() {
            iot.ipae_active = activate;
        }
        self.commit(next)?;
        Ok(IpaeActivationResponse {
            ipae_activation_result: IpaeActivationResult::OK,
            ext: Default::default(),
        })
    }

    /// Dispatches an SGP.32 ES10b function by tag (SGP.32 §5.9).
    pub(crate) fn handle_iot(&mut self, tag: u16, request: &[u8]) -> Result<Vec<u8>, Es10Error> {
        use rsp_codec::asn1::sgp32::*;
        match tag {
            0xBF57 => {
                let response = self.add_initial_eim(request_of(request)?)?;
                respond(&response)
            }
            0xBF55 => respond(&self.get_eim_configuration_data(request_of(request)?)),
            0xBF51 => {
                let response = self.load_euicc_package(request_of(request)?)?;
                respond(&response)
            }
            0xBF52 => respond(&self.ipa_euicc_data(request_of(request)?)?),
            0xBF56 => respond(&self.get_certs(request_of(request)?)?),
            0xBF5A => {
                let response = self.immediate_enable(request_of(request)?)?;
                respond(&response)
            }
            0xBF59 => {
                let response = self.configure_immediate_enable(request_of(request)?);
                respond(&response)
            }
            0xBF58 => {
                let response = self.profile_rollback(request_of(request)?)?;
                respond(&response)
            }
            0xBF64 => {
                let response = self.iot_memory_reset(request_of(request)?);
                respond(&response)
            }
            0xBF5D => {
                request_of::<ExecuteFallbackMechanismRequest>(request)?;
                let response = self.execute_fallback()?;
                respond(&response)
            }
            0xBF5E => {
                request_of::<ReturnFromFallbackRequest>(request)?;
                let response = self.return_from_fallback()?;
                respond(&response)
            }
            0xBF42 => {
                let response = self.ipae_activation(request_of(request)?)?;
                respond(&response)
            }
            0xBF5B => {
                request_of::<EnableEmergencyProfileRequest>(request)?;
                let response = self.enable_emergency()?;
                respond(&response)
            }
            0xBF5C => {
                request_of::<DisableEmergencyProfileRequest>(request)?;
                let response = self.disable_emergency()?;
                respond(&response)
            }
            other => Err(Es10Error::UnknownFunction(format!("{other:04X}"))),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn iot_state_json() {
        // Every field has a default: an IoT state written by an older version loads.
        let empty: IotState = serde_json::from_str("{}").unwrap();
        assert_eq!(empty, IotState::default());
        let mut state = IotState::default();
        state.eims.push(EimAssociation {
            eim_id: "e".into(),
            config: HexBytes(vec![0x30, 0x03, 0x80, 0x01, 0x65]),
            counter: 7,
            association_token: Some(3),
        });
        state.results.push(StoredResult {
            seq_number: 2,
            result: HexBytes(vec![0xBF, 0x51, 0x00]),
        });
        let json = serde_json::to_string(&state).unwrap();
        assert!(json.contains("\"config\":\"3003800165\""), "{json}");
        assert_eq!(serde_json::from_str::<IotState>(&json).unwrap(), state);
    }
}
