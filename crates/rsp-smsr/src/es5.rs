//! ES5 (SM-SR → eUICC): the remote APDU script of each function (SGP.02 §4.1.1, GP
//! commands to the ISD-R; `rsp_codec::sgp02` holds the encodings), sealed as an SCP80
//! command packet (ETSI TS 102 225) with the eUICC's ISD-R keyset, the PoR opened and its
//! response script turned into the new EIS; and the eUICC's MO notification packets.
//!
//! Scripts use the expanded format (TS 102 226 §5.2) so that every R-APDU comes back (an
//! audit needs the data of each command; the compact format returns only the last one).

use rsp_codec::sgp02::consts::ISD_R_TAR;
use rsp_codec::sgp02::{
    Aid, CreateIsdp, DefaultNotification, DeleteKey, DeleteProfile, DisableProfile, EnableProfile,
    ExtendedCardResources, GetData, GetStatus, HandleNotificationConfirmation, IsdStatusList,
    NotificationType, SetFallbackAttribute, SmsAddress, StatusWord, UpdateConnectivityParameters,
    UpdateSmsrAddressingParameters, iccid_to_digits,
};
use rsp_ota::response::PorSecurity;
use rsp_ota::{
    CommandHeader, CommandPacket, CommandScript, Counter, CounterMode, Integrity, PorMode,
    PorStatus, RemoteFormat, ResponsePacket, ResponseScript, Spi,
};

use crate::error::SmsrError;
use crate::keys::{EuiccKeys, Scp80Keyset};
use crate::model::{Eis, Pol2, ProfileInfo, ProfileState, SubscriptionAddress};
use crate::operation::{Function, Requester};

/// SPI of the SM-SR's command packets (SGP.02 §2.4.3 asks for integrity, ciphering and
/// replay protection; our choice within it): CC, ciphered, counter must be higher, PoR
/// always, with CC and ciphered, sent back by SMS-SUBMIT.
pub const COMMAND_SPI: Spi = Spi {
    integrity: Integrity::Cc,
    ciphering: true,
    counter: CounterMode::Higher,
    por: PorMode::Always,
    por_integrity: Integrity::Cc,
    por_ciphering: true,
    por_in_submit: true,
};

/// A script for one security domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Es5Script {
    /// TAR of the security domain that runs it.
    pub tar: [u8; 3],
    /// The C-APDUs, in order.
    pub apdus: Vec<Vec<u8>>,
}

fn codec(e: rsp_codec::sgp02::Sgp02Error) -> SmsrError {
    SmsrError::Security(format!("command encoding: {e}"))
}

fn isd_p_aid(eis: &Eis, function: &Function) -> Result<Aid, SmsrError> {
    let iccid = function.iccid().ok_or(SmsrError::Missing("ICCID"))?;
    let profile = eis.profile(iccid).ok_or(SmsrError::UnknownProfile)?;
    Aid::from_hex(&profile.isd_p_aid).map_err(|_| SmsrError::Invalid("ISD-P AID in the EIS"))
}

/// The security domain other than the ISD-R that runs `function`'s script, if any: the
/// ISD-P of SendData and UpdateConnectivityParameters (ES3 to the ISD-P, SGP.02 §5.4.4,
/// §5.4.5). Over SMS its TAR addresses it ([`Es5Script::tar`]); over HTTPS the admin server
/// names it in `X-Admin-Targeted-Application` (GP Amd B §3.3.2).
pub fn target_aid(eis: &Eis, function: &Function) -> Result<Option<Aid>, SmsrError> {
    match function {
        Function::SendData { .. } | Function::UpdateConnectivityParameters { .. } => {
            isd_p_aid(eis, function).map(Some)
        }
        _ => Ok(None),
    }
}

/// The script carrying `function` to the ISD-R.
pub fn script(eis: &Eis, function: &Function) -> Result<Es5Script, SmsrError> {
    let apdus = match function {
        Function::EnableProfile { .. } => {
            vec![
                EnableProfile {
                    aid: isd_p_aid(eis, function)?,
                }
                .to_apdu()
                .map_err(codec)?,
            ]
        }
        Function::DisableProfile { .. } => {
            vec![
                DisableProfile {
                    aid: isd_p_aid(eis, function)?,
                }
                .to_apdu()
                .map_err(codec)?,
            ]
        }
        Function::DeleteProfile { .. } => {
            vec![
                DeleteProfile {
                    aid: isd_p_aid(eis, function)?,
                }
                .to_apdu()
                .map_err(codec)?,
            ]
        }
        Function::SetFallbackAttribute { .. } => vec![
            SetFallbackAttribute {
                aid: isd_p_aid(eis, function)?,
            }
            .to_apdu()
            .map_err(codec)?,
        ],
        Function::AuditEis => vec![
            GetStatus { aid: None }.to_apdu().map_err(codec)?,
            GetData::ExtendedCardResources.to_apdu(),
        ],
        Function::ConfirmNotification { sequence } => vec![
            HandleNotificationConfirmation {
                sequence: *sequence,
            }
            .to_apdu()
            .map_err(codec)?,
        ],
        Function::CreateIsdp {
            required_memory,
            isd_p_aid,
            ..
        } => {
            let aid = isd_p_aid
                .as_deref()
                .ok_or(SmsrError::Missing("ISD-P AID of CreateISDP"))?;
            let aid = Aid::from_hex(aid).map_err(|_| SmsrError::Invalid("ISD-P AID"))?;
            let quota = (*required_memory > 0).then_some(*required_memory);
            vec![CreateIsdp::new(aid, quota, None).to_apdu().map_err(codec)?]
        }
        Function::SendData { apdus, .. } => {
            let aid = isd_p_aid(eis, function)?;
            let apdus = apdus
                .iter()
                .map(|a| hex::decode(a).map_err(|_| SmsrError::Invalid("APDU hex")))
                .collect::<Result<Vec<_>, _>>()?;
            return Ok(Es5Script {
                tar: aid
                    .tar()
                    .ok_or(SmsrError::Invalid("ISD-P AID has no TAR"))?,
                apdus,
            });
        }
        Function::DeleteKeysets { versions } => versions
            .iter()
            .map(|&key_version| DeleteKey { key_version }.to_apdu().map_err(codec))
            .collect::<Result<Vec<_>, _>>()?,
        Function::IsdRKeyEstablishment { apdus, .. } => apdus
            .iter()
            .map(|a| hex::decode(a).map_err(|_| SmsrError::Invalid("APDU hex")))
            .collect::<Result<Vec<_>, _>>()?,
        Function::UpdateSmsrAddressingParameters { msisdn, smsc, tar } => {
            let tar = tar
                .as_deref()
                .map(|t| {
                    hex::decode(t)
                        .ok()
                        .and_then(|b| <[u8; 3]>::try_from(b).ok())
                        .ok_or(SmsrError::Invalid("TAR (3 octets, hex)"))
                })
                .transpose()?;
            vec![
                UpdateSmsrAddressingParameters {
                    smsc: smsc.as_deref().map(SmsAddress::international),
                    msisdn: Some(SmsAddress::international(msisdn)),
                    tar,
                }
                .to_apdu()
                .map_err(codec)?,
            ]
        }
        Function::UpdateConnectivityParameters { msisdn, .. } => {
            let aid = isd_p_aid(eis, function)?;
            let apdu = UpdateConnectivityParameters {
                msisdn: SmsAddress::international(msisdn),
            }
            .to_apdu()
            .map_err(codec)?;
            return Ok(Es5Script {
                tar: aid
                    .tar()
                    .ok_or(SmsrError::Invalid("ISD-P AID has no TAR"))?,
                apdus: vec![apdu],
            });
        }
    };
    Ok(Es5Script {
        tar: ISD_R_TAR,
        apdus,
    })
}

/// The C-APDUs (hex) of an ES3 SendData script (SGP.02 §5.5: `Data`), split with rsp-ota's
/// TS 102 226 decoder the way the eUICC reads a script: expanded (§5.2.1) when it opens
/// with a Command Scripting template tag (`AA`/`AE`), compact (§5.1.1) otherwise, each
/// command then `CLA INS P1 P2 P3 data[P3]` (P3 taken as Lc; a trailing Le is not
/// allowed). Immediate/Error Action TLVs of an expanded script are dropped.
pub fn send_data_apdus(script: &[u8]) -> Result<Vec<String>, SmsrError> {
    let format = match script.first() {
        Some(0xAA | 0xAE) => RemoteFormat::Expanded,
        _ => RemoteFormat::Compact,
    };
    CommandScript::decode(script, format)
        .map(|s| s.apdus.iter().map(hex::encode_upper).collect())
        .map_err(|_| SmsrError::Invalid("SendData script (TS 102 226 compact or expanded)"))
}

/// The Profile MSISDN of ES3 UpdateConnectivityParameters' `ConnectivityParameters` (the
/// value of DGI `3A07`, SGP.02 §4.1.3.3), read with `rsp_codec::sgp02`'s codec, which
/// knows the SMS parameters' MSISDN only (`80`: TON/NPI `91` ‖ BCD digits); anything
/// else is refused.
pub fn connectivity_msisdn(params: &[u8]) -> Result<String, SmsrError> {
    use rsp_codec::sgp02::consts as c;
    let refused = SmsrError::Invalid(
        "ConnectivityParameters: only the SMS parameters' MSISDN (80, TON/NPI 91) is supported",
    );
    // The codec parses the STORE DATA that carries the DGI to the ISD-P.
    let value_len = u8::try_from(params.len())
        .ok()
        .filter(|l| *l < 0xFF - 3)
        .ok_or(SmsrError::Invalid("ConnectivityParameters too long"))?;
    let [dgi_hi, dgi_lo] = c::DGI_CONNECTIVITY_PARAMETERS.to_be_bytes();
    let mut apdu = vec![
        c::CLA_GP,
        c::INS_STORE_DATA,
        c::P1_STORE_DATA_LAST_DGI,
        0x00,
        value_len + 3,
        dgi_hi,
        dgi_lo,
        value_len,
    ];
    apdu.extend_from_slice(params);
    let address = UpdateConnectivityParameters::parse(&apdu)
        .map_err(|_| refused.clone())?
        .msisdn;
    if address.ton_npi != 0x91 || address.digits.is_empty() {
        return Err(refused);
    }
    Ok(address.digits)
}

/// The push SMS script for an SCP81 session (our reading of GP Amendment B §3.7 and SGP.02
/// §2.4.4): one STORE DATA `80 E2 90 00` to the ISD-R carrying the administration session
/// triggering parameters (`81` …).
pub fn push_script(trigger: &[u8]) -> Result<Es5Script, SmsrError> {
    let lc = u8::try_from(trigger.len()).map_err(|_| SmsrError::Invalid("trigger too long"))?;
    let mut apdu = vec![0x80, 0xE2, 0x90, 0x00, lc];
    apdu.extend_from_slice(trigger);
    Ok(Es5Script {
        tar: ISD_R_TAR,
        apdus: vec![apdu],
    })
}

/// Checks that every R-APDU of a response script ended with a success status word.
pub fn check_responses(responses: &ResponseScript) -> Result<(), SmsrError> {
    if let Some(bad) = responses.bad_format {
        return Err(SmsrError::Security(format!(
            "eUICC reports bad format ({bad:02X})"
        )));
    }
    for r in &responses.responses {
        let (_, sw) = split(r)?;
        if !sw.is_success() {
            return Err(SmsrError::Euicc(sw.0));
        }
    }
    Ok(())
}

/// The expanded remote APDU script of `script` (the body of an SCP81 response, and the
/// secured data of an SCP80 packet).
pub fn encode_script(script: &Es5Script) -> Result<Vec<u8>, SmsrError> {
    CommandScript {
        format: RemoteFormat::Expanded,
        apdus: script.apdus.clone(),
    }
    .encode()
    .map_err(|e| SmsrError::Security(format!("script: {e}")))
}

/// The command packet (from CPL on) carrying `script`, sealed with `keyset` and `counter`.
pub fn seal(keyset: &Scp80Keyset, counter: u64, script: &Es5Script) -> Result<Vec<u8>, SmsrError> {
    let counter = Counter::from_u64(counter)
        .ok_or_else(|| SmsrError::Security("SCP80 counter exhausted".into()))?;
    let data = encode_script(script)?;
    CommandHeader {
        spi: COMMAND_SPI,
        kic: keyset.kic(),
        kid: keyset.kid(),
        tar: script.tar,
        counter,
    }
    .seal(&keyset.security_keys(), &data)
    .map_err(|e| SmsrError::Security(format!("sealing: {e}")))
}

/// A verified PoR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Por {
    /// The counter it answers (the command's).
    pub counter: u64,
    /// The R-APDUs.
    pub responses: ResponseScript,
}

/// The TAR of a PoR (in clear), to find the eUICC's keys before opening it.
pub fn por_tar(packet: &[u8]) -> Result<[u8; 3], SmsrError> {
    ResponsePacket::parse(packet)
        .map(|p| p.tar)
        .map_err(|e| SmsrError::Security(format!("PoR: {e}")))
}

/// Opens a PoR (from RPL on) sent for a command sealed with `keys`' sending keyset.
/// A PoR reporting a security error (TS 102 225 §5.2) fails with its status.
pub fn open_por(keys: &EuiccKeys, packet: &[u8]) -> Result<Por, SmsrError> {
    let keyset = keys
        .sending_keyset()
        .map_err(|e| SmsrError::Security(e.to_string()))?;
    let security = PorSecurity {
        spi: COMMAND_SPI,
        kic: keyset.kic(),
        kid: keyset.kid(),
    };
    let parsed =
        ResponsePacket::parse(packet).map_err(|e| SmsrError::Security(format!("PoR: {e}")))?;
    let opened = parsed
        .open(&security, &keyset.security_keys())
        .map_err(|e| SmsrError::Security(format!("PoR: {e}")))?;
    if opened.status != PorStatus::Ok {
        return Err(SmsrError::Security(format!(
            "PoR status {:02X} ({:?})",
            opened.status.code(),
            opened.status
        )));
    }
    let responses = ResponseScript::decode(&opened.data, RemoteFormat::Expanded)
        .map_err(|e| SmsrError::Security(format!("response script: {e}")))?;
    Ok(Por {
        counter: opened.counter.to_u64(),
        responses,
    })
}

/// Splits one R-APDU into data and status word.
fn split(rapdu: &[u8]) -> Result<(&[u8], StatusWord), SmsrError> {
    StatusWord::split_response(rapdu).map_err(|_| SmsrError::Security("R-APDU without SW".into()))
}

/// Applies the eUICC's answer to `function` to the EIS; `Err` when a command failed (its
/// status word) or a command was not run. `now` is written as the audit date (RFC 3339).
pub fn apply(
    eis: &mut Eis,
    function: &Function,
    requester: &Requester,
    responses: &ResponseScript,
    now: &str,
) -> Result<(), SmsrError> {
    let expected = match function {
        Function::AuditEis => 2,
        Function::SendData { apdus, .. } | Function::IsdRKeyEstablishment { apdus, .. } => {
            apdus.len()
        }
        Function::DeleteKeysets { versions } => versions.len(),
        _ => 1,
    };
    if let Function::SendData { .. } | Function::IsdRKeyEstablishment { .. } = function {
        // The SM-DP (ES8) or the new SM-SR (ES7) reads the eUICC's answers; only a script
        // not run is an error here.
        if let Some(bad) = responses.bad_format {
            return Err(SmsrError::Security(format!(
                "eUICC reports bad format ({bad:02X})"
            )));
        }
        return Ok(());
    }
    if let Function::ConfirmNotification { .. } = function
        && let [only] = responses.responses.as_slice()
        && split(only)?.1 == StatusWord::NOT_FOUND
    {
        // A repeated notification was confirmed twice; the eUICC has nothing left to
        // confirm, which is what the confirmation wants.
        return Ok(());
    }
    check_responses(responses)?;
    if responses.responses.len() < expected {
        return Err(SmsrError::Security("fewer R-APDUs than commands".into()));
    }
    match function {
        Function::EnableProfile { iccid } => {
            isd_p_aid(eis, function)?;
            for p in &mut eis.profiles {
                if &p.iccid == iccid {
                    p.state = ProfileState::Enabled;
                } else if p.state == ProfileState::Enabled {
                    p.state = ProfileState::Disabled;
                }
            }
        }
        Function::DisableProfile { iccid } => {
            for p in &mut eis.profiles {
                if &p.iccid == iccid {
                    p.state = ProfileState::Disabled;
                } else if p.fallback_attribute {
                    p.state = ProfileState::Enabled;
                }
            }
        }
        Function::DeleteProfile { iccid } => eis.profiles.retain(|p| &p.iccid != iccid),
        Function::SetFallbackAttribute { iccid } => {
            for p in &mut eis.profiles {
                p.fallback_attribute = &p.iccid == iccid;
            }
        }
        Function::AuditEis => {
            let (status, _) = split(&responses.responses[0])?;
            let list = IsdStatusList::parse(status)
                .map_err(|e| SmsrError::Security(format!("GET STATUS answer: {e}")))?;
            for entry in &list.0 {
                let aid = entry.aid.to_hex();
                let Some(p) = eis
                    .profiles
                    .iter_mut()
                    .find(|p| p.isd_p_aid.eq_ignore_ascii_case(&aid))
                else {
                    continue;
                };
                if let Some(state) = ProfileState::from_life_cycle(entry.life_cycle) {
                    p.state = state;
                }
                if let Some(f) = entry.fallback {
                    p.fallback_attribute = f;
                }
            }
            let (resources, _) = split(&responses.responses[1])?;
            let resources = ExtendedCardResources::parse(resources)
                .map_err(|e| SmsrError::Security(format!("GET DATA FF21 answer: {e}")))?;
            eis.remaining_memory = Some(resources.free_nvm);
            eis.last_audit_date = Some(now.to_owned());
        }
        Function::ConfirmNotification { .. }
        | Function::SendData { .. }
        | Function::IsdRKeyEstablishment { .. }
        | Function::DeleteKeysets { .. }
        | Function::UpdateSmsrAddressingParameters { .. } => {}
        Function::CreateIsdp {
            iccid,
            mno_id,
            required_memory,
            isd_p_aid,
        } => {
            let aid = isd_p_aid
                .clone()
                .ok_or(SmsrError::Missing("ISD-P AID of CreateISDP"))?;
            eis.profiles.push(ProfileInfo {
                iccid: iccid.clone(),
                isd_p_aid: aid,
                mno_id: mno_id.clone(),
                smdp_id: match requester {
                    Requester::SmDp(id) => Some(id.clone()),
                    _ => None,
                },
                state: ProfileState::Created,
                fallback_attribute: false,
                subscription_address: SubscriptionAddress::default(),
                pol2: Pol2::default(),
                profile_type: None,
                allocated_memory: (*required_memory > 0).then_some(u32::from(*required_memory)),
            });
        }
        Function::UpdateConnectivityParameters { iccid, msisdn } => {
            if let Some(p) = eis.profile_mut(iccid) {
                p.subscription_address.msisdn = Some(msisdn.clone());
            }
        }
    }
    eis.check()
        .map_err(|e| SmsrError::Security(format!("eUICC answer breaks the EIS: {e}")))
}

/// A notification received from an eUICC, opened and verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoNotification {
    /// EID digits.
    pub eid: String,
    /// The MO counter it carried.
    pub counter: u64,
    /// The notification.
    pub notification: DefaultNotification,
}

/// The clear header of an MO command packet (TAR, KIc/KID), to find the keys.
pub fn mo_header(packet: &[u8]) -> Result<CommandPacket, SmsrError> {
    CommandPacket::parse(packet).map_err(|e| SmsrError::Security(format!("MO packet: {e}")))
}

/// Opens an MO command packet from an eUICC whose keys are `keys`: the keyset is the one
/// its KID names; the data must be a default notification.
pub fn open_notification(
    keys: &EuiccKeys,
    packet: &CommandPacket,
) -> Result<MoNotification, SmsrError> {
    let keyset = keys
        .keyset(packet.kid.key_version())
        .ok_or_else(|| SmsrError::Security("MO packet names an unknown keyset".into()))?;
    if packet.spi.integrity == Integrity::None {
        return Err(SmsrError::Security("MO packet without integrity".into()));
    }
    let opened = packet
        .open(&keyset.security_keys())
        .map_err(|e| SmsrError::Security(format!("MO packet: {e}")))?;
    let notification = DefaultNotification::parse(&opened.data)
        .map_err(|e| SmsrError::Security(format!("notification: {e}")))?;
    let eid = notification
        .eid
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<String>();
    Ok(MoNotification {
        eid,
        counter: opened.header.counter.to_u64(),
        notification,
    })
}

/// Applies a default notification to the EIS (SGP.02 §3.2.1, §3.2.2: the eUICC reports
/// which ISD-P it runs after a profile change or a fallback; §4.1.1.11).
pub fn apply_notification(eis: &mut Eis, n: &DefaultNotification) -> Result<(), SmsrError> {
    let aid = n.aid.as_ref().map(Aid::to_hex);
    match n.kind {
        NotificationType::ProfileChangeSucceeded
        | NotificationType::ProfileChangeFailedFallback => {
            let Some(aid) = aid else {
                return Err(SmsrError::Missing("ISD-P AID in the notification"));
            };
            if !eis
                .profiles
                .iter()
                .any(|p| p.isd_p_aid.eq_ignore_ascii_case(&aid))
            {
                return Err(SmsrError::UnknownProfile);
            }
            for p in &mut eis.profiles {
                p.state = if p.isd_p_aid.eq_ignore_ascii_case(&aid) {
                    ProfileState::Enabled
                } else if p.state == ProfileState::Enabled {
                    ProfileState::Disabled
                } else {
                    p.state
                };
            }
        }
        NotificationType::ProfileDeleted => {
            if let Some(aid) = aid {
                eis.profiles
                    .retain(|p| !p.isd_p_aid.eq_ignore_ascii_case(&aid));
            }
        }
        NotificationType::EuiccDeclaration | NotificationType::Other(_) => {}
    }
    eis.check()
        .map_err(|e| SmsrError::Security(format!("notification breaks the EIS: {e}")))
}

/// ICCID digits from the BCD an audit reports (for logs).
pub fn iccid_digits(bcd: &[u8; 10]) -> Option<String> {
    iccid_to_digits(bcd).ok()
}

#[cfg(test)]
#[path = "es5_tests.rs"]
mod tests;
