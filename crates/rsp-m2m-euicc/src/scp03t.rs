//! The ISD-P's SCP03t session and Profile Package installation (SGP.02 §3.1.3, §4.1.3.3;
//! GP Amd D in TLV framing, [`rsp_crypto::scp03`]).
//!
//! Each SCP03t TLV arrives in a STORE DATA ([`Scp03tCommand`]): `84` INITIALIZE UPDATE with
//! the key version of the keyset the key establishment made (the card answers its `84`
//! response TLV), `85` EXTERNAL AUTHENTICATE (C-MAC and C-DECRYPTION are required: the
//! Profile travels encrypted), then the `86` segments of the Profile Package, the last one
//! in a STORE DATA marked last block. The card opens each segment, keeps the plaintext, and
//! at the last one checks and installs the package ([`rsp_saip::install::check`]): the
//! ISD-P takes the header's ICCID and goes to DISABLED. Its answer is the SAIP
//! `EUICCResponse` (TCA SAIP §8.11) in a `86` TLV, encrypted and MACed (our reading: SGP.02 does not
//! say which tag carries it).
//!
//! A segment that fails its MAC ends the session (6982) and nothing is installed; a package
//! larger than the ISD-P's memory, or one that does not pass the checks, is answered with
//! an `EUICCResponse` whose `profileInstallationAborted` is set. Either way the ISD-P keeps
//! no Profile and the SM-DP deletes it (SGP.02 §3.1.3).

use rsp_codec::sgp02::consts::{LC_DISABLED, LC_PERSONALIZED};
use rsp_codec::sgp02::es8::Scp03tCommand;
use rsp_codec::sgp02::{Aid, StatusWord};
use rsp_crypto::scp03::{
    CardChannel, CardHandshake, CardParameters, I_PSEUDO_RANDOM_CHALLENGE, I_R_ENCRYPTION, I_R_MAC,
    InitializeUpdate, SecurityLevel, StaticKeys, TAG_DATA, TAG_EXTERNAL_AUTHENTICATE,
    TAG_INITIALIZE_UPDATE, pseudo_random_card_challenge,
};
use rsp_saip::install::InstallCheckError;
use rsp_saip::model::{EuiccResponse, PeStatus};

use crate::domain::Answer;
use crate::state::EuiccState;

/// PEStatus `not-enough-memory` (TCA SAIP §8.11).
const PE_NOT_ENOUGH_MEMORY: u32 = 4;
/// PEStatus `invalid-request-format`.
const PE_INVALID_REQUEST_FORMAT: u32 = 5;
/// PEStatus `bad-values`.
const PE_BAD_VALUES: u32 = 3;

/// The open SCP03t session of one ISD-P (in memory only: a reset ends it).
#[derive(Clone)]
pub(crate) enum Session {
    /// INITIALIZE UPDATE answered; EXTERNAL AUTHENTICATE expected.
    Handshake { aid: Aid, handshake: CardHandshake },
    /// Authenticated: Profile Package segments expected.
    Open {
        aid: Aid,
        channel: CardChannel,
        package: Vec<u8>,
        /// The package outgrew the memory the eUICC has; the rest is not kept.
        overflow: bool,
    },
}

impl Session {
    pub(crate) fn aid(&self) -> &Aid {
        match self {
            Self::Handshake { aid, .. } | Self::Open { aid, .. } => aid,
        }
    }
}

/// Takes the session of the ISD-P `aid` out of the open ones.
fn take(state: &mut EuiccState, aid: &Aid) -> Option<Session> {
    let i = state.es8.scp03t.iter().position(|s| s.aid() == aid)?;
    Some(state.es8.scp03t.swap_remove(i))
}

/// One SCP03t command for the ISD-P `aid`.
pub(crate) fn command(state: &mut EuiccState, aid: &Aid, cmd: &Scp03tCommand) -> Answer {
    match cmd.tag() {
        Some(TAG_INITIALIZE_UPDATE) => initialize_update(state, aid, &cmd.tlv),
        Some(TAG_EXTERNAL_AUTHENTICATE) => external_authenticate(state, aid, &cmd.tlv),
        Some(TAG_DATA) => segment(state, aid, cmd),
        _ => Err(StatusWord::INCORRECT_DATA),
    }
}

fn initialize_update(state: &mut EuiccState, aid: &Aid, tlv: &[u8]) -> Answer {
    take(state, aid);
    let command = InitializeUpdate::parse_tlv(tlv).map_err(|_| StatusWord::INCORRECT_DATA)?;
    let eid = state
        .eid_bytes()
        .map_err(|_| StatusWord::CONDITIONS_NOT_SATISFIED)?;
    let isdp = state.isdp_mut(aid).ok_or(StatusWord::NOT_FOUND)?;
    if isdp.life_cycle != LC_PERSONALIZED {
        return Err(StatusWord::CONDITIONS_NOT_SATISFIED);
    }
    let keyset = isdp
        .scp03
        .as_mut()
        .ok_or(StatusWord::CONDITIONS_NOT_SATISFIED)?;
    if command.key_version != 0 && command.key_version != keyset.version {
        return Err(StatusWord::NOT_FOUND);
    }
    let key = |k: &[u8]| <[u8; 16]>::try_from(k).map_err(|_| StatusWord::CONDITIONS_NOT_SATISFIED);
    let keys = StaticKeys::from_bytes(
        key(keyset.enc.expose())?,
        key(keyset.mac.expose())?,
        key(keyset.dek.expose())?,
    );
    let mut diversification = [0u8; 10];
    diversification.copy_from_slice(&eid[6..]);
    // i = `70`: pseudo-random card challenge, R-MAC and R-ENCRYPTION (the value the
    // public Njiwa SM-DP requires, after SGP.02 §4.1.3.3).
    let params = CardParameters {
        key_diversification_data: diversification,
        key_version: keyset.version,
        i_param: I_PSEUDO_RANDOM_CHALLENGE | I_R_MAC | I_R_ENCRYPTION,
    };
    keyset.sequence_counter = keyset
        .sequence_counter
        .checked_add(1)
        .filter(|c| *c < 1 << 24)
        .ok_or(StatusWord::CONDITIONS_NOT_SATISFIED)?;
    let [_, c1, c2, c3] = keyset.sequence_counter.to_be_bytes();
    let sequence = [c1, c2, c3];
    let challenge = pseudo_random_card_challenge(keys.enc(), &sequence, aid.as_bytes());
    let (handshake, response) =
        CardChannel::begin(&keys, &command, &params, challenge, Some(sequence))
            .map_err(|_| StatusWord::INCORRECT_DATA)?;
    state.es8.scp03t.push(Session::Handshake {
        aid: aid.clone(),
        handshake,
    });
    Ok(response.to_tlv())
}

fn external_authenticate(state: &mut EuiccState, aid: &Aid, tlv: &[u8]) -> Answer {
    let Some(Session::Handshake { aid: a, handshake }) = take(state, aid) else {
        return Err(StatusWord::CONDITIONS_NOT_SATISFIED);
    };
    let channel = handshake
        .external_authenticate_tlv(tlv)
        .map_err(|_| StatusWord::SECURITY_STATUS)?;
    // The Profile Package is confidential: C-MAC and C-DECRYPTION at least.
    if !channel
        .security_level()
        .contains(SecurityLevel::C_MAC | SecurityLevel::C_DECRYPTION)
    {
        return Err(StatusWord::SECURITY_STATUS);
    }
    state.es8.scp03t.push(Session::Open {
        aid: a,
        channel,
        package: Vec::new(),
        overflow: false,
    });
    Ok(Vec::new())
}

fn segment(state: &mut EuiccState, aid: &Aid, cmd: &Scp03tCommand) -> Answer {
    let limit = memory_limit(state, aid)?;
    let session = state.es8.scp03t.iter_mut().find(|s| s.aid() == aid);
    let Some(Session::Open {
        channel,
        package,
        overflow,
        ..
    }) = session
    else {
        return Err(StatusWord::CONDITIONS_NOT_SATISFIED);
    };
    let plain = match channel.unwrap_command_tlv(&cmd.tlv) {
        Ok(p) => p,
        Err(_) => {
            // A secure messaging error ends the session (GP Amd D §6.2.4).
            take(state, aid);
            return Err(StatusWord::SECURITY_STATUS);
        }
    };
    if package.len() + plain.len() > limit {
        *overflow = true;
        package.clear();
    } else if !*overflow {
        package.extend_from_slice(&plain);
    }
    if !cmd.last {
        return Ok(Vec::new());
    }
    let Some(Session::Open {
        mut channel,
        package,
        overflow,
        ..
    }) = take(state, aid)
    else {
        return Err(StatusWord::CONDITIONS_NOT_SATISFIED);
    };
    let response = install(state, aid, &package, overflow)?;
    let der =
        rsp_codec::asn1::encode(&response).map_err(|_| StatusWord::CONDITIONS_NOT_SATISFIED)?;
    channel
        .wrap_response_tlv(&[TAG_DATA], &der)
        .map_err(|_| StatusWord::CONDITIONS_NOT_SATISFIED)
}

/// The octets the ISD-P may hold: its reservation, or what the eUICC has free.
fn memory_limit(state: &EuiccState, aid: &Aid) -> Result<usize, StatusWord> {
    let isdp = state.isdp(aid).ok_or(StatusWord::NOT_FOUND)?;
    let limit = if isdp.nvm_quota > 0 {
        u32::from(isdp.nvm_quota)
    } else {
        state.free_nvm()
    };
    Ok(usize::try_from(limit).unwrap_or(usize::MAX))
}

fn aborted(status: u32) -> EuiccResponse {
    EuiccResponse {
        pe_status: vec![PeStatus {
            status,
            identification: None,
            additional_information: None,
            offset: None,
        }],
        profile_installation_aborted: Some(()),
        status_message: None,
    }
}

/// Checks and installs the package; the `EUICCResponse` says how it went.
fn install(
    state: &mut EuiccState,
    aid: &Aid,
    package: &[u8],
    overflow: bool,
) -> Result<EuiccResponse, StatusWord> {
    if overflow {
        return Ok(aborted(PE_NOT_ENOUGH_MEMORY));
    }
    let checked = match rsp_saip::install::check(package) {
        Ok(c) => c,
        Err(InstallCheckError::Invalid) => return Ok(aborted(PE_BAD_VALUES)),
        Err(InstallCheckError::Decode | InstallCheckError::Structure) => {
            return Ok(aborted(PE_INVALID_REQUEST_FORMAT));
        }
    };
    let Some(iccid) = checked.iccid() else {
        return Ok(aborted(PE_INVALID_REQUEST_FORMAT));
    };
    if state
        .isdps
        .iter()
        .any(|p| p.iccid.as_deref() == Some(&iccid))
    {
        return Ok(aborted(PE_BAD_VALUES));
    }
    let isdp = state.isdp_mut(aid).ok_or(StatusWord::NOT_FOUND)?;
    isdp.iccid = Some(iccid);
    isdp.profile_size = u32::try_from(package.len()).unwrap_or(u32::MAX);
    isdp.life_cycle = LC_DISABLED;
    Ok(EuiccResponse {
        pe_status: vec![PeStatus {
            status: 0,
            identification: None,
            additional_information: None,
            offset: None,
        }],
        profile_installation_aborted: None,
        status_message: None,
    })
}
