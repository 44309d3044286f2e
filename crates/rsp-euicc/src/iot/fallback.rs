//! Fallback and emergency Profiles (SGP.32 v1.2 §3.5, §5.9.x): ExecuteFallbackMechanism /
//! ReturnFromFallback switch to the Profile with the fallback attribute and back;
//! EnableEmergencyProfile / DisableEmergencyProfile do the same for the Profile whose
//! metadata carries `ecallIndication` TRUE.

use rsp_codec::asn1::sgp32::{
    DisableEmergencyProfileResponse, DisableEmergencyProfileResult, EnableEmergencyProfileResponse,
    EnableEmergencyProfileResult, ExecuteFallbackMechanismResponse, ExecuteFallbackMechanismResult,
    ReturnFromFallbackResponse, ReturnFromFallbackResult,
};
use rsp_codec::asn1::{DisableResult, EnableResult, Extensions, Iccid, ProfileIdentifier};

use super::psmo::iot_metadata;
use super::{Previous, enabled_iccid, iot_mut};
use crate::error::Es10Error;
use crate::isdr::Isdr;
use crate::state::{EuiccState, HexBytes};

/// How a switch ended.
enum Switch {
    Done,
    NotAvailable,
    AlreadyEnabled,
    Failed,
}

fn id(iccid: &HexBytes) -> Option<ProfileIdentifier> {
    Iccid::try_from(iccid.0.as_slice())
        .ok()
        .map(ProfileIdentifier::Iccid)
}

impl Isdr {
    /// Enables `target` on `next`, remembering the Profile enabled before.
    fn switch_to(
        &self,
        next: &mut EuiccState,
        target: Option<HexBytes>,
    ) -> Result<(Switch, Previous), Es10Error> {
        let previous = Previous {
            iccid: enabled_iccid(next),
        };
        let Some(target) = target else {
            return Ok((Switch::NotAvailable, previous));
        };
        if previous.iccid.as_ref() == Some(&target) {
            return Ok((Switch::AlreadyEnabled, previous));
        }
        let Some(pid) = id(&target) else {
            return Ok((Switch::Failed, previous));
        };
        Ok(match self.stage_enable(next, &pid)? {
            EnableResult::OK => (Switch::Done, previous),
            _ => (Switch::Failed, previous),
        })
    }

    /// Goes back to `previous` (or disables `current` if there was none).
    fn switch_back(
        &self,
        next: &mut EuiccState,
        previous: &Previous,
        current: &HexBytes,
    ) -> Result<bool, Es10Error> {
        Ok(match &previous.iccid {
            Some(p) => match id(p) {
                Some(pid) => self.stage_enable(next, &pid)? == EnableResult::OK,
                None => false,
            },
            None => match id(current) {
                Some(pid) => self.stage_disable(next, &pid)? == DisableResult::OK,
                None => false,
            },
        })
    }

    /// ExecuteFallbackMechanism (SGP.32 §5.9.x).
    pub(crate) fn execute_fallback(
        &mut self,
    ) -> Result<ExecuteFallbackMechanismResponse, Es10Error> {
        let mut next = self.state.clone();
        let target = next.iot.as_ref().and_then(|i| i.fallback_iccid.clone());
        let (switch, previous) = self.switch_to(&mut next, target)?;
        let result = match switch {
            Switch::NotAvailable => ExecuteFallbackMechanismResult::FALLBACK_NOT_AVAILABLE,
            Switch::AlreadyEnabled => ExecuteFallbackMechanismResult::PROFILE_NOT_IN_DISABLED_STATE,
            Switch::Failed => ExecuteFallbackMechanismResult::UNDEFINED_ERROR,
            Switch::Done => {
                iot_mut(&mut next)?.fallback_return = Some(previous);
                self.commit(next)?;
                ExecuteFallbackMechanismResult::OK
            }
        };
        Ok(ExecuteFallbackMechanismResponse {
            execute_fallback_mechanism_result: result,
            ext: Extensions::default(),
        })
    }

    /// ReturnFromFallback (SGP.32 §5.9.x).
    pub(crate) fn return_from_fallback(&mut self) -> Result<ReturnFromFallbackResponse, Es10Error> {
        let mut next = self.state.clone();
        let iot = next.iot.clone().unwrap_or_default();
        let active = iot
            .fallback_iccid
            .as_ref()
            .filter(|f| enabled_iccid(&next).as_ref() == Some(f));
        let result = match (iot.fallback_return.as_ref(), active) {
            (Some(previous), Some(current)) => {
                if self.switch_back(&mut next, previous, current)? {
                    iot_mut(&mut next)?.fallback_return = None;
                    self.commit(next)?;
                    ReturnFromFallbackResult::OK
                } else {
                    ReturnFromFallbackResult::UNDEFINED_ERROR
                }
            }
            _ => ReturnFromFallbackResult::FALLBACK_NOT_AVAILABLE,
        };
        Ok(ReturnFromFallbackResponse {
            return_from_fallback_result: result,
            ext: Extensions::default(),
        })
    }

    /// The emergency Profile: the first whose metadata says `ecallIndication` TRUE.
    fn emergency_iccid(&self) -> Option<HexBytes> {
        self.state
            .profiles
            .iter()
            .find(|p| iot_metadata(p).and_then(|m| m.ecall_indication) == Some(true))
            .map(|p| p.iccid.clone())
    }

    /// EnableEmergencyProfile (SGP.32 §5.9.x).
    pub(crate) fn enable_emergency(&mut self) -> Result<EnableEmergencyProfileResponse, Es10Error> {
        let mut next = self.state.clone();
        let target = self.emergency_iccid();
        let (switch, previous) = self.switch_to(&mut next, target)?;
        let result = match switch {
            Switch::NotAvailable => EnableEmergencyProfileResult::ECALL_NOT_AVAILABLE,
            Switch::AlreadyEnabled => EnableEmergencyProfileResult::PROFILE_NOT_IN_DISABLED_STATE,
            Switch::Failed => EnableEmergencyProfileResult::UNDEFINED_ERROR,
            Switch::Done => {
                iot_mut(&mut next)?.emergency_return = Some(previous);
                self.commit(next)?;
                EnableEmergencyProfileResult::OK
            }
        };
        Ok(EnableEmergencyProfileResponse {
            enable_emergency_profile_result: result,
            ext: Extensions::default(),
        })
    }

    /// DisableEmergencyProfile (SGP.32 §5.9.x): back to the Profile enabled before.
    pub(crate) fn disable_emergency(
        &mut self,
    ) -> Result<DisableEmergencyProfileResponse, Es10Error> {
        let mut next = self.state.clone();
        let emergency = self
            .emergency_iccid()
            .filter(|e| enabled_iccid(&next).as_ref() == Some(e));
        let previous = next
            .iot
            .as_ref()
            .and_then(|i| i.emergency_return.clone())
            .unwrap_or_default();
        let result = match emergency {
            None => DisableEmergencyProfileResult::PROFILE_NOT_IN_ENABLED_STATE,
            Some(current) => {
                if self.switch_back(&mut next, &previous, &current)? {
                    iot_mut(&mut next)?.emergency_return = None;
                    self.commit(next)?;
                    DisableEmergencyProfileResult::OK
                } else {
                    DisableEmergencyProfileResult::UNDEFINED_ERROR
                }
            }
        };
        Ok(DisableEmergencyProfileResponse {
            disable_emergency_profile_result: result,
            ext: Extensions::default(),
        })
    }
}
