//! The security domains' behaviour behind ES5 (SGP.02 §4.1.1 ISD-R functions, §4.1.2
//! ISD-P functions; our reading): each C-APDU of a remote script is parsed with
//! `rsp_codec::sgp02` and executed against the state; the answer is an R-APDU
//! (response data ‖ SW1 SW2).

use rsp_codec::sgp02::consts::{self as c, LC_DISABLED, LC_ENABLED, LC_SELECTABLE};
use rsp_codec::sgp02::{
    Aid, CreateIsdp, EidResponse, Es5Command, EuiccCertificateResponse, ExtendedCardResources,
    GetData, InstallResponse, IsdStatus, IsdStatusList, StatusWord, UpdateSmsrAddressingParameters,
    iccid_from_digits,
};

use crate::state::{
    EuiccState, IsdP, POL1_DELETE_NOT_ALLOWED, POL1_DELETE_WHEN_DISABLED, POL1_DISABLE_NOT_ALLOWED,
    ProfileChange,
};

/// The security domain a TAR addresses (TS 101 220 Annex D: AID octets 13..15).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Domain {
    /// ISD-R (`000001`).
    IsdR,
    /// ECASD (`000002`).
    Ecasd,
    /// An ISD-P.
    IsdP(Aid),
}

impl Domain {
    /// The domain with `aid` (ISD-R, ECASD or an ISD-P), if any.
    pub fn by_aid(state: &EuiccState, aid: &[u8]) -> Option<Domain> {
        if aid == Aid::isd_r().as_bytes() {
            return Some(Domain::IsdR);
        }
        if aid == Aid::ecasd().as_bytes() {
            return Some(Domain::Ecasd);
        }
        state
            .isdps
            .iter()
            .find(|p| p.aid.as_bytes() == aid)
            .map(|p| Domain::IsdP(p.aid.clone()))
    }

    /// The domain behind `tar`, if any.
    pub fn of(state: &EuiccState, tar: [u8; 3]) -> Option<Domain> {
        if tar == c::ISD_R_TAR {
            return Some(Domain::IsdR);
        }
        if tar == c::ECASD_TAR {
            return Some(Domain::Ecasd);
        }
        state
            .isdps
            .iter()
            .find(|p| p.aid.tar() == Some(tar))
            .map(|p| Domain::IsdP(p.aid.clone()))
    }
}

pub(crate) type Answer = Result<Vec<u8>, StatusWord>;

/// Executes one C-APDU in `domain`; returns the R-APDU.
pub fn execute(state: &mut EuiccState, domain: &Domain, apdu: &[u8]) -> Vec<u8> {
    let answer = match crate::es8::route(state, domain, apdu) {
        Some(answer) => answer,
        None => match Es5Command::parse(apdu) {
            Err(e) => Err(e.status_word()),
            Ok(cmd) => dispatch(state, domain, cmd),
        },
    };
    let (mut data, sw) = match answer {
        Ok(data) => (data, StatusWord::OK),
        Err(sw) => (Vec::new(), sw),
    };
    data.extend_from_slice(&sw.to_bytes());
    data
}

/// DELETE [key] of an ISD-R SCP80 keyset (GP Card Spec §11.2.2.3.2; the old SM-SR at the
/// end of an SM-SR change, SGP.02 §3.7): `6A88` when no keyset has that version; our
/// reading: `6985` when it is the last one (the ISD-R would be unreachable). The PoR of the
/// packet that carries it is still secured with the keys it arrived under.
fn delete_keyset(state: &mut EuiccState, version: u8) -> Answer {
    if version == c::SCP81_PSK_KEY_VERSION {
        // The admin agent's TLS pre-shared key.
        return match state.scp81_psk.take() {
            Some(_) => Ok(Vec::new()),
            None => Err(StatusWord::NOT_FOUND),
        };
    }
    if !state.keysets.iter().any(|k| k.version == version) {
        return Err(StatusWord::NOT_FOUND);
    }
    if state.keysets.iter().all(|k| k.version == version) {
        return Err(StatusWord::CONDITIONS_NOT_SATISFIED);
    }
    state.keysets.retain(|k| k.version != version);
    Ok(Vec::new())
}

fn dispatch(state: &mut EuiccState, domain: &Domain, cmd: Es5Command) -> Answer {
    match (domain, cmd) {
        (Domain::IsdR, Es5Command::CreateIsdp(x)) => create_isdp(state, x),
        (Domain::IsdR, Es5Command::EnableProfile(x)) => enable(state, &x.aid),
        (Domain::IsdR, Es5Command::DisableProfile(x)) => disable(state, &x.aid),
        (Domain::IsdR, Es5Command::DeleteProfile(x)) => delete(state, &x.aid),
        (Domain::IsdR, Es5Command::DeleteKey(x)) => delete_keyset(state, x.key_version),
        (Domain::IsdR, Es5Command::SetFallbackAttribute(x)) => set_fallback(state, &x.aid),
        (Domain::IsdR, Es5Command::HandleNotificationConfirmation(x)) => {
            let before = state.pending.len();
            state.pending.retain(|n| n.sequence != x.sequence);
            if state.pending.len() == before {
                return Err(StatusWord::NOT_FOUND);
            }
            Ok(Vec::new())
        }
        (Domain::IsdR, Es5Command::UpdateSmsrAddressingParameters(x)) => {
            update_addressing(state, x);
            Ok(Vec::new())
        }
        (Domain::IsdR, Es5Command::AdminSessionTrigger(x)) => {
            // The push (our reading of GP Amd B §3.7): recorded for the modem's agent.
            state.admin_session = Some(x.params);
            Ok(Vec::new())
        }
        (Domain::IsdR, Es5Command::GetStatus(x)) => get_status(state, x.aid.as_ref()),
        (Domain::IsdR, Es5Command::GetData(GetData::Eid)) => Ok(EidResponse {
            eid: state
                .eid_bytes()
                .map_err(|_| StatusWord::CONDITIONS_NOT_SATISFIED)?,
        }
        .encode()
        .map_err(|e| e.status_word())?),
        (Domain::IsdR, Es5Command::GetData(GetData::ExtendedCardResources)) => {
            ExtendedCardResources {
                installed_applications: u32::try_from(state.isdps.len()).unwrap_or(u32::MAX),
                free_nvm: state.free_nvm(),
                free_vm: state.memory.free_vm,
            }
            .encode()
            .map_err(|e| e.status_word())
        }
        (Domain::Ecasd, Es5Command::GetData(GetData::EuiccCertificate)) => {
            EuiccCertificateResponse {
                certificate: state.ecasd.certificate_der().to_vec(),
            }
            .encode()
            .map_err(|e| e.status_word())
        }
        (Domain::IsdP(aid), Es5Command::UpdateConnectivityParameters(x)) => {
            let p = state.isdp_mut(aid).ok_or(StatusWord::NOT_FOUND)?;
            if p.life_cycle == LC_SELECTABLE {
                return Err(StatusWord::CONDITIONS_NOT_SATISFIED);
            }
            p.msisdn = Some(x.msisdn);
            Ok(Vec::new())
        }
        // A command this domain does not offer.
        _ => Err(StatusWord::INS_NOT_SUPPORTED),
    }
}

/// CreateISDP (§4.1.1.1): a new, empty ISD-P in SELECTABLE.
fn create_isdp(state: &mut EuiccState, x: CreateIsdp) -> Answer {
    if x.elf_aid != Aid::isd_p_elf() || x.module_aid != Aid::isd_p_module() {
        return Err(StatusWord::NOT_FOUND);
    }
    let tar = x.isdp_aid.tar().ok_or(StatusWord::INCORRECT_DATA)?;
    if tar == c::ISD_R_TAR
        || tar == c::ECASD_TAR
        || state.isdps.iter().any(|p| p.aid.tar() == Some(tar))
    {
        return Err(StatusWord::INCORRECT_DATA);
    }
    let nvm = x.nvm_quota.unwrap_or(0);
    if u32::from(nvm) > state.free_nvm() {
        return Err(StatusWord::NOT_ENOUGH_MEMORY);
    }
    state
        .isdps
        .push(IsdP::created(x.isdp_aid, nvm, x.vm_quota.unwrap_or(0)));
    Ok(InstallResponse.encode())
}

/// Sets `aid` ENABLED after disabling the currently enabled one; REFRESH pending and
/// the change awaits the network attach result.
fn switch_to(state: &mut EuiccState, aid: &Aid) {
    for p in state.isdps.iter_mut() {
        if p.life_cycle == LC_ENABLED {
            p.life_cycle = LC_DISABLED;
        }
        if &p.aid == aid {
            p.life_cycle = LC_ENABLED;
        }
    }
    delete_when_disabled(state);
    state.refresh_pending = true;
    state.profile_change = Some(ProfileChange {
        enabled: aid.clone(),
    });
}

/// POL1 `04`: a disabled profile with "delete when disabled" goes away (not the
/// fallback one).
pub(crate) fn delete_when_disabled(state: &mut EuiccState) {
    state.isdps.retain(|p| {
        !(p.life_cycle == LC_DISABLED && p.pol1 & POL1_DELETE_WHEN_DISABLED != 0 && !p.fallback)
    });
}

/// EnableProfile (§4.1.1.2).
fn enable(state: &mut EuiccState, aid: &Aid) -> Answer {
    let target = state.isdp(aid).ok_or(StatusWord::NOT_FOUND)?;
    if target.life_cycle != LC_DISABLED {
        return Err(StatusWord::CONDITIONS_NOT_SATISFIED);
    }
    if let Some(current) = state.enabled()
        && current.pol1 & POL1_DISABLE_NOT_ALLOWED != 0
    {
        return Err(StatusWord::POL1_FORBIDS);
    }
    switch_to(state, aid);
    Ok(Vec::new())
}

/// DisableProfile (§4.1.1.3): the fallback profile is enabled in its place.
fn disable(state: &mut EuiccState, aid: &Aid) -> Answer {
    let target = state.isdp(aid).ok_or(StatusWord::NOT_FOUND)?;
    if target.life_cycle != LC_ENABLED {
        return Err(StatusWord::CONDITIONS_NOT_SATISFIED);
    }
    if target.pol1 & POL1_DISABLE_NOT_ALLOWED != 0 {
        return Err(StatusWord::POL1_FORBIDS);
    }
    let fallback = match state.fallback() {
        Some(f) if &f.aid != aid && f.life_cycle == LC_DISABLED => f.aid.clone(),
        _ => return Err(StatusWord::CONDITIONS_NOT_SATISFIED),
    };
    switch_to(state, &fallback);
    Ok(Vec::new())
}

/// DeleteProfile (§4.1.1.4): neither the enabled nor the fallback profile.
fn delete(state: &mut EuiccState, aid: &Aid) -> Answer {
    let target = state.isdp(aid).ok_or(StatusWord::NOT_FOUND)?;
    if target.life_cycle == LC_ENABLED || target.fallback {
        return Err(StatusWord::CONDITIONS_NOT_SATISFIED);
    }
    if target.pol1 & POL1_DELETE_NOT_ALLOWED != 0 {
        return Err(StatusWord::POL1_FORBIDS);
    }
    state.isdps.retain(|p| &p.aid != aid);
    Ok(Vec::new())
}

/// SetFallbackAttribute: moves the flag to an ISD-P holding a profile.
fn set_fallback(state: &mut EuiccState, aid: &Aid) -> Answer {
    let target = state.isdp(aid).ok_or(StatusWord::NOT_FOUND)?;
    if target.life_cycle != LC_DISABLED && target.life_cycle != LC_ENABLED {
        return Err(StatusWord::CONDITIONS_NOT_SATISFIED);
    }
    for p in state.isdps.iter_mut() {
        p.fallback = &p.aid == aid;
    }
    Ok(Vec::new())
}

fn update_addressing(state: &mut EuiccState, x: UpdateSmsrAddressingParameters) {
    if let Some(a) = x.smsc {
        state.smsr.smsc = Some(a);
    }
    if let Some(a) = x.msisdn {
        state.smsr.msisdn = Some(a);
    }
    if let Some(t) = x.tar {
        state.smsr.tar = Some(t);
    }
}

/// GET STATUS: ISD-R, ECASD and every ISD-P (or only `filter`).
fn get_status(state: &EuiccState, filter: Option<&Aid>) -> Answer {
    let mut all = vec![
        IsdStatus {
            aid: Aid::isd_r(),
            life_cycle: c::LC_PERSONALIZED,
            fallback: None,
            iccid: None,
        },
        IsdStatus {
            aid: Aid::ecasd(),
            life_cycle: c::LC_PERSONALIZED,
            fallback: None,
            iccid: None,
        },
    ];
    for p in &state.isdps {
        all.push(IsdStatus {
            aid: p.aid.clone(),
            life_cycle: p.life_cycle,
            fallback: Some(p.fallback),
            iccid: p.iccid.as_deref().and_then(|d| iccid_from_digits(d).ok()),
        });
    }
    if let Some(f) = filter {
        all.retain(|s| &s.aid == f);
        if all.is_empty() {
            return Err(StatusWord::NOT_FOUND);
        }
    }
    IsdStatusList(all).encode().map_err(|e| e.status_word())
}
