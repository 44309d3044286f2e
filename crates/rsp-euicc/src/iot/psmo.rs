//! Profile State Management Operations (SGP.32 v1.2 §2.9.1.1, §5.9.1): each runs on the
//! staged state of its package and answers its `EuiccResultData` and whether it succeeded.

use rsp_codec::asn1::sgp32::{
    ConfigureImmediateEnableResult, DeleteProfileResult, DisableProfileResult, EnableProfileResult,
    EuiccResultData, Psmo, SetDefaultDpAddressResultCode, SetFallbackAttributeResult,
    Sgp32ProfileInfo, Sgp32ProfileInfoListError, Sgp32ProfileInfoListResponse,
    Sgp32SetDefaultDpAddressResponse, Sgp32StoreMetadataRequest, UnsetFallbackAttributeResult,
};
use rsp_codec::asn1::{self, Extensions, ProfileIdentifier, ProfileInfo, ProfileInfoListResponse};

use super::package::PackageContext;
use super::{ImmediateEnableConfig, Previous, RollbackPoint, enabled_iccid, iot_mut};
use crate::error::Es10Error;
use crate::es10c::profiles_info;
use crate::isdr::Isdr;
use crate::state::{EuiccState, HexBytes, Profile};

/// The SGP.32 form of a `ProfileInfo`, with the fallback attribute and the IoT metadata.
fn sgp32_info(state: &EuiccState, info: ProfileInfo) -> Sgp32ProfileInfo {
    let iccid = info.iccid.as_ref().map(|i| i.as_bytes().to_vec());
    let profile = iccid
        .as_ref()
        .and_then(|i| state.profiles.iter().find(|p| &p.iccid.0 == i));
    let meta = profile.and_then(iot_metadata);
    let fallback = state
        .iot
        .as_ref()
        .and_then(|iot| iot.fallback_iccid.as_ref())
        .is_some_and(|f| Some(&f.0) == iccid.as_ref());
    Sgp32ProfileInfo {
        iccid: info.iccid,
        isdp_aid: info.isdp_aid,
        profile_state: info.profile_state,
        profile_nickname: info.profile_nickname,
        service_provider_name: info.service_provider_name,
        profile_name: info.profile_name,
        icon_type: info.icon_type,
        icon: info.icon,
        profile_class: info.profile_class,
        notification_configuration_info: info.notification_configuration_info,
        profile_owner: info.profile_owner,
        dp_proprietary_data: info.dp_proprietary_data,
        profile_policy_rules: info.profile_policy_rules,
        service_specific_data_stored_in_euicc: info.service_specific_data_stored_in_euicc,
        ecall_indication: meta.as_ref().and_then(|m| m.ecall_indication),
        fallback_attribute: fallback,
        fallback_allowed: meta.as_ref().and_then(|m| m.fallback_allowed),
        ext: Extensions::default(),
    }
}

/// The Profile's metadata read with SGP.32's `StoreMetadataRequest` (eCall indication,
/// fallback allowed), if it decodes so.
pub(crate) fn iot_metadata(p: &Profile) -> Option<Sgp32StoreMetadataRequest> {
    asn1::decode(&p.metadata.0).ok()
}

/// The SGP.32 `listProfileInfo` result over `state`.
pub(crate) fn list_profile_info(
    state: &EuiccState,
    req: rsp_codec::asn1::ProfileInfoListRequest,
) -> Sgp32ProfileInfoListResponse {
    match profiles_info(state, req) {
        ProfileInfoListResponse::ProfileInfoListOk(list) => {
            Sgp32ProfileInfoListResponse::ProfileInfoListOk(
                list.into_iter().map(|i| sgp32_info(state, i)).collect(),
            )
        }
        ProfileInfoListResponse::ProfileInfoListError(e) => {
            Sgp32ProfileInfoListResponse::ProfileInfoListError(Sgp32ProfileInfoListError(e.0))
        }
    }
}

impl Isdr {
    /// Runs one PSMO on `next`.
    pub(crate) fn run_psmo(
        &self,
        next: &mut EuiccState,
        psmo: &Psmo,
        ctx: &PackageContext<'_>,
    ) -> Result<(EuiccResultData, bool), Es10Error> {
        Ok(match psmo {
            Psmo::Enable(e) => {
                let previous = enabled_iccid(next);
                let id = ProfileIdentifier::Iccid(e.iccid);
                let r = EnableProfileResult(self.stage_enable(next, &id)?.0);
                let ok = r == EnableProfileResult::OK;
                if ok && e.rollback_flag.is_some() {
                    iot_mut(next)?.rollback = Some(RollbackPoint {
                        previous: Previous { iccid: previous },
                        eim_id: ctx.eim_id.to_owned(),
                        counter: ctx.counter,
                        eim_transaction_id: ctx
                            .eim_transaction_id
                            .map(|t| HexBytes(t.as_bytes().to_vec())),
                        eim_signature: HexBytes(ctx.eim_signature.to_vec()),
                    });
                }
                (EuiccResultData::EnableResult(r), ok)
            }
            Psmo::Disable(d) => {
                let id = ProfileIdentifier::Iccid(d.iccid);
                let r = DisableProfileResult(self.stage_disable(next, &id)?.0);
                (
                    EuiccResultData::DisableResult(r),
                    r == DisableProfileResult::OK,
                )
            }
            Psmo::Delete(d) => {
                let id = ProfileIdentifier::Iccid(d.iccid);
                let r = DeleteProfileResult(self.stage_delete(next, &id)?.0);
                let ok = r == DeleteProfileResult::OK;
                if ok {
                    let iot = iot_mut(next)?;
                    if iot
                        .fallback_iccid
                        .as_ref()
                        .is_some_and(|f| f.0 == d.iccid.as_bytes())
                    {
                        iot.fallback_iccid = None;
                    }
                }
                (EuiccResultData::DeleteResult(r), ok)
            }
            Psmo::ListProfileInfo(req) => {
                let r = list_profile_info(next, req.clone());
                let ok = matches!(r, Sgp32ProfileInfoListResponse::ProfileInfoListOk(_));
                (EuiccResultData::ListProfileInfoResult(r), ok)
            }
            Psmo::GetRat(_) => (EuiccResultData::GetRatResult(self.config.rat.clone()), true),
            Psmo::ConfigureImmediateEnable(c) => {
                iot_mut(next)?.immediate_enable = Some(ImmediateEnableConfig {
                    enabled: c.immediate_enable_flag.is_some(),
                    default_smdp_oid: c.default_smdp_oid.as_ref().map(asn1::oid_text),
                    default_smdp_address: c.default_smdp_address.clone(),
                });
                (
                    EuiccResultData::ConfigureImmediateEnableResult(
                        ConfigureImmediateEnableResult::OK,
                    ),
                    true,
                )
            }
            Psmo::SetFallbackAttribute(p) => {
                let r = set_fallback(next, p.iccid.as_bytes())?;
                (
                    EuiccResultData::SetFallbackAttributeResult(r),
                    r == SetFallbackAttributeResult::OK,
                )
            }
            Psmo::UnsetFallbackAttribute(_) => {
                let r = unset_fallback(next)?;
                (
                    EuiccResultData::UnsetFallbackAttributeResult(r),
                    r == UnsetFallbackAttributeResult::OK,
                )
            }
            Psmo::SetDefaultDpAddress(a) => {
                next.default_dp_address =
                    (!a.default_dp_address.is_empty()).then(|| a.default_dp_address.clone());
                (
                    EuiccResultData::SetDefaultDpAddressResult(Sgp32SetDefaultDpAddressResponse {
                        set_default_dp_address_result: SetDefaultDpAddressResultCode::OK,
                        ext: Extensions::default(),
                    }),
                    true,
                )
            }
        })
    }
}

/// Whether the Profile with the fallback attribute is the enabled one.
fn fallback_enabled(state: &EuiccState) -> bool {
    let fallback = state.iot.as_ref().and_then(|i| i.fallback_iccid.clone());
    fallback.is_some_and(|f| enabled_iccid(state).is_some_and(|e| e == f))
}

/// setFallbackAttribute (SGP.32 §5.9.1): one Profile at most has it; it cannot move while
/// the current fallback Profile is enabled, nor go to a Profile whose metadata forbids it.
fn set_fallback(
    next: &mut EuiccState,
    iccid: &[u8],
) -> Result<SetFallbackAttributeResult, Es10Error> {
    let Some(index) = next.profile_by_iccid(iccid) else {
        return Ok(SetFallbackAttributeResult::ICCID_OR_AID_NOT_FOUND);
    };
    let allowed = next
        .profiles
        .get(index)
        .and_then(iot_metadata)
        .and_then(|m| m.fallback_allowed)
        != Some(false);
    if !allowed {
        return Ok(SetFallbackAttributeResult::FALLBACK_NOT_ALLOWED);
    }
    let same = next
        .iot
        .as_ref()
        .and_then(|i| i.fallback_iccid.as_ref())
        .is_some_and(|f| f.0 == iccid);
    if !same && fallback_enabled(next) {
        return Ok(SetFallbackAttributeResult::FALLBACK_PROFILE_ENABLED);
    }
    iot_mut(next)?.fallback_iccid = Some(HexBytes(iccid.to_vec()));
    Ok(SetFallbackAttributeResult::OK)
}

/// unsetFallbackAttribute (SGP.32 §5.9.1).
fn unset_fallback(next: &mut EuiccState) -> Result<UnsetFallbackAttributeResult, Es10Error> {
    if next.iot.as_ref().is_none_or(|i| i.fallback_iccid.is_none()) {
        return Ok(UnsetFallbackAttributeResult::NO_FALLBACK_ATTRIBUTE);
    }
    if fallback_enabled(next) {
        return Ok(UnsetFallbackAttributeResult::FALLBACK_PROFILE_ENABLED);
    }
    iot_mut(next)?.fallback_iccid = None;
    Ok(UnsetFallbackAttributeResult::OK)
}
