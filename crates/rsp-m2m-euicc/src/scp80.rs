//! The eUICC side of SCP80 (ETSI TS 102 225 / TS 31.115, remote APDUs of TS 102 226):
//! a received command packet is opened with the ISD-R keyset its KIc/KID name, its
//! counter checked, routed by TAR, its remote APDU script run, and the PoR built as the
//! SPI asks. MO notifications leave as command packets sealed with an ISD-R keyset.

use rsp_codec::sgp02::consts as c;
use rsp_codec::sgp02::{DefaultNotification, StatusWord};
use rsp_ota::response::PorSecurity;
use rsp_ota::{
    CommandHeader, CommandPacket, Counter, CounterMode, Integrity, Kic, Kid, OpenedResponse,
    PorMode, PorStatus, RemoteFormat, ResponseScript, SecurityKeys, Spi, check_counter,
};

use crate::domain::{self, Domain};
use crate::error::M2mError;
use crate::keys::Scp80Keyset;
use crate::state::{EuiccState, QueuedNotification};

/// SPI of the MO packets carrying notifications: CC, ciphered, counter must be higher,
/// no PoR (our choice; SGP.02's exact MO SPI was not checked).
pub const MO_SPI: Spi = Spi {
    integrity: Integrity::Cc,
    ciphering: true,
    counter: CounterMode::Higher,
    por: PorMode::None,
    por_integrity: Integrity::None,
    por_ciphering: false,
    por_in_submit: false,
};

/// How the PoR travels back (SPI second octet b6, TS 31.115 §4.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PorVia {
    /// In an MO SMS-SUBMIT (the eUICC sends it with a proactive SEND SHORT MESSAGE).
    SmsSubmit,
    /// In the SMS-DELIVER-REPORT (the ENVELOPE response data).
    DeliverReport,
}

/// A PoR to send back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Por {
    /// The response packet from RPL on (TS 31.115 §4.4).
    pub packet: Vec<u8>,
    /// How it travels.
    pub via: PorVia,
}

impl Por {
    /// The TP-UD: UDH `02 71 00` ‖ the response packet.
    pub fn user_data(&self) -> Vec<u8> {
        rsp_ota::sms::wrap_response(&self.packet)
    }

    /// The TP-UDs of the SMS-SUBMIT(s) carrying this PoR, concatenated (reference
    /// `reference`) when it does not fit 140 octets.
    pub fn submit_user_data(&self, reference: u8) -> Result<Vec<Vec<u8>>, M2mError> {
        crate::sms_pp::response_user_data(&self.packet, reference)
    }
}

/// What the eUICC did with a command packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    /// TAR of the packet.
    pub tar: [u8; 3],
    /// The PoR status (`Ok` when the packet was accepted and its script run).
    pub status: PorStatus,
    /// Whether the packet was accepted (state and counter updated).
    pub accepted: bool,
    /// The remote APDU format and the response script, when a script ran.
    pub response: Option<(RemoteFormat, ResponseScript)>,
    /// The PoR to send, when the SPI asks for one.
    pub por: Option<Por>,
}

/// Selects the keyset KIc/KID name: the key version of KID when a CC is used (command or
/// PoR), else that of KIc when ciphering is used; both must name the same keyset and the
/// packet's algorithms must be the keyset's. No keys are needed when nothing is secured.
fn select_keyset(
    state: &EuiccState,
    spi: Spi,
    kic: Kic,
    kid: Kid,
) -> Result<Option<usize>, M2mError> {
    let uses_kic = spi.ciphering || spi.por_ciphering;
    let uses_kid = spi.integrity == Integrity::Cc || spi.por_integrity == Integrity::Cc;
    let refuse = M2mError::UnknownKeyset {
        kic: kic.0,
        kid: kid.0,
    };
    let version = match (uses_kic, uses_kid) {
        (false, false) => return Ok(None),
        (true, true) if kic.key_version() != kid.key_version() => return Err(refuse),
        (_, true) => kid.key_version(),
        (true, false) => kic.key_version(),
    };
    let idx = state
        .keysets
        .iter()
        .position(|k| k.version == version)
        .ok_or(M2mError::UnknownKeyset {
            kic: kic.0,
            kid: kid.0,
        })?;
    let ks = state.keysets.get(idx).ok_or(M2mError::UnknownKeyset {
        kic: kic.0,
        kid: kid.0,
    })?;
    if (uses_kic && ks.kic != kic.0) || (uses_kid && ks.kid != kid.0) {
        return Err(refuse);
    }
    Ok(Some(idx))
}

/// Receives one command packet (from CPL on). `Err` only when no keyset can be selected
/// or the packet header cannot be parsed: no PoR can be built then. The state is changed
/// only when `accepted`.
pub fn receive(state: &mut EuiccState, packet: &[u8]) -> Result<Received, M2mError> {
    let parsed = CommandPacket::parse(packet)?;
    let (spi, kic, kid, tar) = (parsed.spi, parsed.kic, parsed.kid, parsed.tar);
    let keyset = select_keyset(state, spi, kic, kid)?;
    let keys = keyset
        .and_then(|i| state.keysets.get(i))
        .map(Scp80Keyset::security_keys)
        .unwrap_or_default();
    let security = PorSecurity { spi, kic, kid };
    let refuse = |status: PorStatus, counter: Counter| Received {
        tar,
        status,
        accepted: false,
        response: None,
        por: build_por(&security, &keys, tar, counter, status, &[], true),
    };

    let opened = match parsed.open(&keys) {
        Ok(o) => o,
        Err(e) => return Ok(refuse(e.por_status(), Counter::default())),
    };
    let counter = opened.header.counter;
    // SGP.02 ES5 over SCP80 needs at least a cryptographic checksum (our reading).
    if spi.integrity != Integrity::Cc {
        return Ok(refuse(PorStatus::InsufficientSecurityLevel, counter));
    }
    let Some(domain) = Domain::of(state, tar) else {
        return Ok(refuse(PorStatus::TarUnknown, counter));
    };
    let Some(ks_idx) = keyset else {
        return Ok(refuse(PorStatus::InsufficientSecurityLevel, counter));
    };
    let stored = state
        .keysets
        .get(ks_idx)
        .map(|k| k.counter)
        .unwrap_or_default();
    let new_counter = match check_counter(spi.counter, stored, counter) {
        Ok(c) => c,
        Err(status) => return Ok(refuse(status, counter)),
    };

    // Accepted: the counter is stored, then the script runs (TS 102 226 §5).
    if let (Some(c), Some(ks)) = (new_counter, state.keysets.get_mut(ks_idx)) {
        ks.counter = c;
    }
    let (format, script) = run_script(state, &domain, &opened.data);
    let failed = script
        .responses
        .last()
        .and_then(|r| StatusWord::split_response(r).ok())
        .is_some_and(|(_, sw)| !sw.is_success())
        || script.bad_format.is_some();
    let data = script.encode(format).unwrap_or_default();
    Ok(Received {
        tar,
        status: PorStatus::Ok,
        accepted: true,
        por: build_por(&security, &keys, tar, counter, PorStatus::Ok, &data, failed),
        response: Some((format, script)),
    })
}

/// Runs a remote APDU script: expanded when it starts with a Command Scripting template
/// tag (`AA`/`AE`), compact otherwise; execution stops after the first C-APDU whose
/// status word is not success (TS 102 226 §5.1.1, §5.2.1).
pub(crate) fn run_script(
    state: &mut EuiccState,
    domain: &Domain,
    data: &[u8],
) -> (RemoteFormat, ResponseScript) {
    let format = match data.first() {
        Some(0xAA | 0xAE) => RemoteFormat::Expanded,
        _ => RemoteFormat::Compact,
    };
    let script = match rsp_ota::CommandScript::decode(data, format) {
        Ok(s) => s,
        Err(_) => {
            // Expanded: Bad format TLV `01` (§5.2.2); compact: nothing executed.
            let bad_format = (format == RemoteFormat::Expanded).then_some(0x01);
            return (
                format,
                ResponseScript {
                    executed: 0,
                    responses: Vec::new(),
                    bad_format,
                },
            );
        }
    };
    state.es8.begin_script();
    let mut responses = Vec::new();
    for apdu in &script.apdus {
        let rapdu = domain::execute(state, domain, apdu);
        let ok = StatusWord::split_response(&rapdu).is_ok_and(|(_, sw)| sw.is_success());
        responses.push(rapdu);
        if !ok {
            break;
        }
    }
    let executed = u8::try_from(responses.len()).unwrap_or(u8::MAX);
    if format == RemoteFormat::Compact {
        // §5.1.2: only the last R-APDU travels back.
        let last = responses.pop();
        responses = last.into_iter().collect();
    }
    (
        format,
        ResponseScript {
            executed,
            responses,
            bad_format: None,
        },
    )
}

/// The PoR, if the SPI asks for one (always, or on error when `error`). `None` as well
/// when it cannot be sealed (e.g. the keys a refused packet named are missing).
fn build_por(
    security: &PorSecurity,
    keys: &SecurityKeys,
    tar: [u8; 3],
    counter: Counter,
    status: PorStatus,
    data: &[u8],
    error: bool,
) -> Option<Por> {
    let send = match security.spi.por {
        PorMode::None => false,
        PorMode::Always => true,
        PorMode::OnError => error || status != PorStatus::Ok,
    };
    if !send {
        return None;
    }
    let response = OpenedResponse {
        tar,
        counter,
        padding: 0,
        status,
        data: data.to_vec(),
    };
    let packet = response.seal(security, keys).ok()?;
    Some(Por {
        packet,
        via: if security.spi.por_in_submit {
            PorVia::SmsSubmit
        } else {
            PorVia::DeliverReport
        },
    })
}

/// Seals `n` as an MO command packet (from CPL on) to the SM-SR: the `E1` notification is
/// the secured data, TAR the SM-SR's (ISD-R TAR `000001` until
/// UpdateSMSRAddressingParameters set one), the keyset [`EuiccState::mo_keyset`] (or the
/// first), whose MO counter is incremented.
pub fn seal_notification(
    state: &mut EuiccState,
    n: &QueuedNotification,
) -> Result<Vec<u8>, M2mError> {
    let data = DefaultNotification {
        eid: state.eid_bytes()?,
        kind: n.kind,
        sequence: n.sequence,
        aid: n.aid.clone(),
    }
    .encode()?;
    let tar = state.smsr.tar.unwrap_or(c::ISD_R_TAR);
    let wanted = state.mo_keyset;
    let ks = match wanted {
        Some(v) => state.keysets.iter_mut().find(|k| k.version == v),
        None => state.keysets.first_mut(),
    }
    .ok_or(M2mError::Config("no keyset for MO notifications"))?;
    let next = Counter::from_u64(ks.mo_counter.to_u64() + 1)
        .ok_or(M2mError::State("MO counter exhausted"))?;
    let header = CommandHeader {
        spi: MO_SPI,
        kic: Kic(ks.kic),
        kid: Kid(ks.kid),
        tar,
        counter: next,
    };
    let packet = header.seal(&ks.security_keys(), &data)?;
    ks.mo_counter = next;
    Ok(packet)
}
