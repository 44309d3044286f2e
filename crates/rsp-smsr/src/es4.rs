//! The checks the SM-SR makes before it queues a Profile-management function (ES4 for an
//! Operator, ES3 for an SM-DP): the caller owns the Profile, the Profile is in a state the
//! function starts from, POL2 allows it, and the eUICC keeps a fallback Profile (SGP.02
//! §3.2–§3.5, §5.4; the per-rule status codes are our reading). Pure functions over the
//! EIS; the eUICC makes its own checks (POL1) again.

use crate::error::SmsrError;
use crate::model::{Eis, ProfileInfo, ProfileState};
use crate::operation::{Function, LocalFunction, Requester};

fn state_name(state: ProfileState) -> &'static str {
    match state {
        ProfileState::Created => "created",
        ProfileState::Disabled => "disabled",
        ProfileState::Enabled => "enabled",
    }
}

/// The Profile, if `requester` may manage it: an Operator owns it (`mnoId`), an SM-DP
/// prepared it (`smdpId`), the SM-SR may act on any.
fn owned<'a>(
    eis: &'a Eis,
    iccid: &rsp_codec::json::Iccid,
    requester: &Requester,
) -> Result<&'a ProfileInfo, SmsrError> {
    let profile = eis.profile(iccid).ok_or(SmsrError::UnknownProfile)?;
    let allowed = match requester {
        Requester::Operator(id) => &profile.mno_id == id,
        Requester::SmDp(id) => profile.smdp_id.as_ref() == Some(id),
        Requester::SmSr => true,
    };
    if allowed {
        Ok(profile)
    } else {
        Err(SmsrError::NotOwner)
    }
}

fn need(profile: &ProfileInfo, wanted: ProfileState, what: &'static str) -> Result<(), SmsrError> {
    if profile.state == wanted {
        Ok(())
    } else {
        Err(SmsrError::InvalidTransition(
            state_name(profile.state),
            what,
        ))
    }
}

/// Checks that `requester` may start `function` on the eUICC described by `eis`.
pub fn check(eis: &Eis, requester: &Requester, function: &Function) -> Result<(), SmsrError> {
    match function {
        Function::EnableProfile { iccid } => {
            let target = owned(eis, iccid, requester)?;
            need(target, ProfileState::Disabled, "disabled")?;
            // §3.2: enabling the target disables the enabled Profile, so its POL2 decides.
            if let Some(current) = eis.enabled()
                && current.pol2.disable_not_allowed
            {
                return Err(SmsrError::Pol2("the enabled Profile may not be disabled"));
            }
            Ok(())
        }
        Function::DisableProfile { iccid } => {
            let target = owned(eis, iccid, requester)?;
            need(target, ProfileState::Enabled, "enabled")?;
            if target.pol2.disable_not_allowed {
                return Err(SmsrError::Pol2("the Profile may not be disabled"));
            }
            // §3.4: disabling enables the fallback Profile; the fallback Profile itself
            // cannot be disabled, there would be nothing to attach with.
            if target.fallback_attribute {
                return Err(SmsrError::Fallback(
                    "the Profile has the fallback attribute and cannot be disabled",
                ));
            }
            if eis.fallback().is_none() {
                return Err(SmsrError::Fallback("the eUICC has no fallback Profile"));
            }
            Ok(())
        }
        Function::DeleteProfile { iccid } => {
            let target = owned(eis, iccid, requester)?;
            if target.state == ProfileState::Enabled {
                return Err(SmsrError::InvalidTransition(
                    "enabled",
                    "disabled or created",
                ));
            }
            if target.pol2.delete_not_allowed {
                return Err(SmsrError::Pol2("the Profile may not be deleted"));
            }
            if target.fallback_attribute {
                return Err(SmsrError::Fallback(
                    "the Profile has the fallback attribute and cannot be deleted",
                ));
            }
            Ok(())
        }
        Function::SetFallbackAttribute { iccid } => {
            let target = owned(eis, iccid, requester)?;
            if target.state == ProfileState::Created {
                return Err(SmsrError::InvalidTransition(
                    "created",
                    "disabled or enabled",
                ));
            }
            Ok(())
        }
        Function::CreateIsdp { iccid, .. } => {
            if !matches!(requester, Requester::SmDp(_) | Requester::SmSr) {
                return Err(SmsrError::NotOwner);
            }
            if eis.profile(iccid).is_some() {
                return Err(SmsrError::ProfileInUse);
            }
            if free_isd_p_index(eis).is_none() {
                return Err(SmsrError::Memory);
            }
            Ok(())
        }
        Function::SendData { iccid, apdus } => {
            owned(eis, iccid, requester)?;
            if apdus.is_empty()
                || apdus
                    .iter()
                    .any(|a| hex::decode(a).map_or(true, |b| b.len() < 4))
            {
                return Err(SmsrError::Invalid("APDUs (hex, at least 4 bytes each)"));
            }
            Ok(())
        }
        Function::UpdateConnectivityParameters { iccid, msisdn } => {
            owned(eis, iccid, requester)?;
            if msisdn.is_empty() || msisdn.len() > 15 || !msisdn.bytes().all(|b| b.is_ascii_digit())
            {
                return Err(SmsrError::Invalid("MSISDN"));
            }
            Ok(())
        }
        Function::AuditEis | Function::ConfirmNotification { .. } => Ok(()),
        // Queued by the SM-SR itself for an admitted ES7 call or a completed SM-SR change
        // (crate::es7, crate::change).
        Function::IsdRKeyEstablishment { .. }
        | Function::DeleteKeysets { .. }
        | Function::UpdateSmsrAddressingParameters { .. } => match requester {
            Requester::SmSr => Ok(()),
            _ => Err(SmsrError::NotAllowed(
                "the SM-SR change's ISD-R functions are the SM-SR's",
            )),
        },
    }
}

/// The index of the first ISD-P AID (`rsp_codec::sgp02::Aid::isd_p`) no Profile of the EIS
/// uses.
pub fn free_isd_p_index(eis: &Eis) -> Option<u8> {
    free_isd_p_index_besides(eis, &[])
}

/// The index of the first ISD-P AID that neither a Profile of the EIS nor one of `pending`
/// (the AIDs of CreateISDP operations queued and not ended) uses.
pub fn free_isd_p_index_besides(eis: &Eis, pending: &[String]) -> Option<u8> {
    (0..=0xEF).find(|&i| {
        rsp_codec::sgp02::Aid::isd_p(i).is_some_and(|a| {
            let hex = a.to_hex();
            !eis.profiles
                .iter()
                .map(|p| &p.isd_p_aid)
                .chain(pending)
                .any(|aid| aid.eq_ignore_ascii_case(&hex))
        })
    })
}

/// Checks and applies a function that changes only the SM-SR's records.
pub fn apply_local(
    eis: &mut Eis,
    requester: &Requester,
    function: &LocalFunction,
) -> Result<(), SmsrError> {
    match function {
        LocalFunction::UpdatePolicyRules { iccid, pol2 } => {
            owned(eis, iccid, requester)?;
            if let Some(p) = eis.profile_mut(iccid) {
                p.pol2 = pol2.clone();
            }
        }
        LocalFunction::ProfileDownloadCompleted {
            iccid,
            profile_type,
            subscription_address,
            pol2,
        } => {
            let p = owned(eis, iccid, requester)?;
            if p.state != ProfileState::Created {
                return Err(SmsrError::InvalidTransition(state_name(p.state), "created"));
            }
            if let Some(p) = eis.profile_mut(iccid) {
                p.state = ProfileState::Disabled;
                p.profile_type.clone_from(profile_type);
                p.subscription_address = subscription_address.clone();
                p.pol2 = pol2.clone();
            }
            eis.check().map_err(SmsrError::Invalid)?;
        }
        LocalFunction::UpdateSubscriptionAddress {
            iccid,
            msisdn,
            imsi,
        } => {
            owned(eis, iccid, requester)?;
            for (value, what) in [(msisdn, "MSISDN"), (imsi, "IMSI")] {
                if let Some(v) = value
                    && (v.is_empty() || v.len() > 15 || !v.bytes().all(|b| b.is_ascii_digit()))
                {
                    return Err(SmsrError::Invalid(what));
                }
            }
            if let Some(p) = eis.profile_mut(iccid) {
                if msisdn.is_some() {
                    p.subscription_address.msisdn.clone_from(msisdn);
                }
                if imsi.is_some() {
                    p.subscription_address.imsi.clone_from(imsi);
                }
            }
        }
    }
    Ok(())
}

/// The EIS as `requester` may see it (ES4 GetEIS, SGP.02 §5.4.12: an Operator sees its own
/// Profiles only; an SM-DP those it prepared; the SM-SR everything).
pub fn visible_to(eis: &Eis, requester: &Requester) -> Eis {
    let mut view = eis.clone();
    view.profiles.retain(|p| match requester {
        Requester::Operator(id) => &p.mno_id == id,
        Requester::SmDp(id) => p.smdp_id.as_ref() == Some(id),
        Requester::SmSr => true,
    });
    view
}
