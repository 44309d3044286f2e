//! Between the SGP.02 web-service types (`rsp_codec::ws`) and the SM-SR's domain
//! (`rsp_smsr`): the EIS both ways (keys only inward, from ES1), POL2, status codes and response data.

use rsp_codec::json::{Eid, Iccid};
use rsp_codec::ws::{self, ExecutionStatus, FunctionExecutionStatus, PolicyAction, Qualification};
use rsp_smsr::{
    Eis, EuiccCapabilities, EuiccKeys, Function, Operation, Outcome, Pol2, ProfileInfo,
    ProfileState, Scp80Algorithm, Scp80Keyset, Scp81Psk, SmsrError, SubscriptionAddress,
};

/// POL2 from its rules (SGP.02 §2.3.3: Action + Qualification per rule).
pub fn pol2_in(p: &ws::Pol2) -> Pol2 {
    let mut out = Pol2::default();
    for r in &p.rules {
        match (r.action, r.qualification) {
            (PolicyAction::Disable, Qualification::NotAllowed) => out.disable_not_allowed = true,
            (PolicyAction::Delete, Qualification::NotAllowed) => out.delete_not_allowed = true,
            (PolicyAction::Disable, Qualification::AutoDelete) => {
                out.auto_delete_on_disable = true;
            }
            _ => {}
        }
    }
    out
}

/// POL2 as rules.
pub fn pol2_out(p: &Pol2) -> ws::Pol2 {
    let mut rules = Vec::new();
    let mut rule = |action, qualification| {
        rules.push(ws::Pol2Rule {
            action,
            qualification,
        })
    };
    if p.disable_not_allowed {
        rule(PolicyAction::Disable, Qualification::NotAllowed);
    }
    if p.delete_not_allowed {
        rule(PolicyAction::Delete, Qualification::NotAllowed);
    }
    if p.auto_delete_on_disable {
        rule(PolicyAction::Disable, Qualification::AutoDelete);
    }
    ws::Pol2 { rules }
}

fn address_in(a: Option<&ws::SubscriptionAddress>) -> SubscriptionAddress {
    a.map(|a| SubscriptionAddress {
        msisdn: a.msisdn.clone(),
        imsi: a.imsi.clone(),
    })
    .unwrap_or_default()
}

fn address_out(a: &SubscriptionAddress) -> Option<ws::SubscriptionAddress> {
    (a.msisdn.is_some() || a.imsi.is_some()).then(|| ws::SubscriptionAddress {
        msisdn: a.msisdn.clone(),
        imsi: a.imsi.clone(),
    })
}

/// The EIS as callers see it (never the ISD-R keys).
pub fn eis_out(e: &Eis) -> ws::Eis {
    ws::Eis {
        eid: e.eid.to_string(),
        eum_id: e.eum_id.clone(),
        production_date: e.production_date.clone().unwrap_or_default(),
        platform_type: e.platform_type.clone().unwrap_or_default(),
        platform_version: e.platform_version.clone().unwrap_or_default(),
        // The SM-DP needs CERT.ECASD.ECKA for the ISD-P key establishment (SGP.02 §3.1.2).
        ecasd: e.ecasd_certificate.as_ref().and_then(|b64| {
            use base64::Engine as _;
            let certificate = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
            Some(ws::Ecasd {
                aid: hex::encode_upper(rsp_codec::sgp02::consts::ECASD_AID),
                certificate,
            })
        }),
        remaining_memory: e.remaining_memory.map(u64::from),
        available_memory_for_profiles: None,
        smsr_id: Some(e.smsr_id.clone()),
        profiles: e
            .profiles
            .iter()
            .map(|p| ws::ProfileInfo {
                iccid: p.iccid.to_string(),
                isdp_aid: p.isd_p_aid.clone(),
                mno_id: p.mno_id.clone(),
                fallback_attribute: p.fallback_attribute,
                subscription_address: address_out(&p.subscription_address),
                state: match p.state {
                    ProfileState::Created => ws::ProfileState::Created,
                    ProfileState::Disabled => ws::ProfileState::Disabled,
                    ProfileState::Enabled => ws::ProfileState::Enabled,
                },
                smdp_id: p.smdp_id.clone(),
                profile_type: p.profile_type.clone(),
                allocated_memory: p.allocated_memory.map(u64::from),
                pol2: Some(pol2_out(&p.pol2)).filter(|r| !r.rules.is_empty()),
            })
            .collect(),
        isd_r: None,
    }
}

/// The EIS and ISD-R keys of an ES1 RegisterEIS.
pub fn eis_in(e: &ws::Eis) -> Result<(Eis, EuiccKeys), SmsrError> {
    let isd_r = e.isd_r.as_ref().ok_or(SmsrError::Missing("ISD-R keys"))?;
    let mut keys = EuiccKeys::default();
    for k in &isd_r.scp80_keysets {
        let algorithm = match k.algorithm {
            ws::Scp80Algorithm::Tdes => Scp80Algorithm::Tdes,
            ws::Scp80Algorithm::Aes => Scp80Algorithm::Aes,
        };
        keys.scp80.push(
            Scp80Keyset::new(k.version, algorithm, &k.kic, &k.kid)
                .map_err(|_| SmsrError::Invalid("SCP80 keyset"))?,
        );
    }
    if let Some(p) = &isd_r.scp81_psk {
        keys.scp81 =
            Some(Scp81Psk::new(p.identity.clone(), &p.key).map_err(|_| SmsrError::Invalid("PSK"))?);
    }
    let eis = eis_document(e, keys.scp81.is_some())?;
    Ok((eis, keys))
}

/// The EIS of an ES7 HandoverEUICC: no ISD-R keys come with it (any sent are ignored: the
/// new SM-SR establishes its own), so no SCP81 either until a PSK is set up.
pub fn eis_handed_over(e: &ws::Eis) -> Result<Eis, SmsrError> {
    eis_document(e, false)
}

fn eis_document(e: &ws::Eis, https: bool) -> Result<Eis, SmsrError> {
    let eid = Eid::parse(&e.eid).map_err(|_| SmsrError::Invalid("EID"))?;
    let mut profiles = Vec::with_capacity(e.profiles.len());
    for p in &e.profiles {
        profiles.push(ProfileInfo {
            iccid: Iccid::parse(&p.iccid).map_err(|_| SmsrError::Invalid("ICCID"))?,
            isd_p_aid: p.isdp_aid.clone(),
            mno_id: p.mno_id.clone(),
            smdp_id: p.smdp_id.clone(),
            state: match p.state {
                ws::ProfileState::Created => ProfileState::Created,
                ws::ProfileState::Disabled => ProfileState::Disabled,
                ws::ProfileState::Enabled => ProfileState::Enabled,
            },
            fallback_attribute: p.fallback_attribute,
            subscription_address: address_in(p.subscription_address.as_ref()),
            pol2: p.pol2.as_ref().map(pol2_in).unwrap_or_default(),
            profile_type: p.profile_type.clone(),
            allocated_memory: p.allocated_memory.and_then(|m| u32::try_from(m).ok()),
        });
    }
    Ok(Eis {
        eid,
        eum_id: e.eum_id.clone(),
        production_date: Some(e.production_date.clone()).filter(|s| !s.is_empty()),
        platform_type: Some(e.platform_type.clone()).filter(|s| !s.is_empty()),
        platform_version: Some(e.platform_version.clone()).filter(|s| !s.is_empty()),
        remaining_memory: e.remaining_memory.and_then(|m| u32::try_from(m).ok()),
        smsr_id: String::new(),
        ecasd_certificate: e.ecasd.as_ref().map(|c| {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD.encode(&c.certificate)
        }),
        capabilities: EuiccCapabilities { sms: true, https },
        profiles,
        last_audit_date: None,
    })
}

/// `FunctionExecutionStatus` of an error.
pub fn failed(e: &SmsrError) -> FunctionExecutionStatus {
    let code = e.status_code();
    FunctionExecutionStatus::failed(
        code.subject.as_str(),
        code.reason.as_str(),
        Some(&e.to_string()),
    )
}

/// `FunctionExecutionStatus` of an ended operation (`Expired` for validity 1.6/4.10).
pub fn status_of(outcome: &Outcome) -> FunctionExecutionStatus {
    if outcome.success {
        return FunctionExecutionStatus::success();
    }
    let Some(d) = &outcome.status_code_data else {
        return FunctionExecutionStatus::failed("8.1", "4.2", None);
    };
    let mut status = FunctionExecutionStatus::failed(
        d.subject_code.as_str(),
        d.reason_code.as_str(),
        d.message.as_deref(),
    );
    if d.reason_code.as_str() == "4.10" {
        status.status = ExecutionStatus::Expired;
    }
    status
}

/// The eUICC's response data a response carries: for ES3 SendData, the response script
/// (`Outcome::response`) of the ended operation.
pub fn response_data(op: &Operation) -> Option<Vec<u8>> {
    match op.function {
        Function::SendData { .. } => op
            .outcome
            .as_ref()
            .and_then(|o| o.response.as_deref())
            .and_then(|h| hex::decode(h).ok()),
        _ => None,
    }
}
