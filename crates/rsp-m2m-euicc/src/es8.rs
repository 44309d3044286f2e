//! The ISD-P's side of ES8 (SGP.02 §3.1.2 key establishment, §3.1.3 profile download,
//! §4.1.3), reached two ways: STORE DATA commands in a script addressed to the ISD-P's
//! TAR, or — after an INSTALL [for personalization] of the ISD-P sent to the ISD-R — the
//! STORE DATA commands that follow it in the same script (GP Card Spec §11.5.2.3).
//!
//! Key establishment (GP Amd E scenario #3): CERT.DP.ECDSA is checked with PK.CI.ECDSA of
//! the ECASD (the eUICC keeps no clock, so validity dates are not checked), a random
//! challenge goes back; the key agreement data must be signed by that certificate's key
//! over the CRT, the ephemeral key and the challenge; ShS = ECKA(SK.ECASD.ECKA,
//! ePK.DP.ECKA) gives the ISD-P's SCP03 keyset (kept in the state) and the receipt.
//! What is half done (a verified certificate, an open SCP03t session) lives only in
//! memory, like a card's secure channel: a reset ends it.
//!
//! The same STORE DATA commands sent to the ISD-R itself (no INSTALL [for
//! personalization] before them in the script) are the ISD-R's own key establishment of
//! the SM-SR change: see [`crate::isdr_keys`].

use rsp_codec::sgp02::consts::{self as c, LC_PERSONALIZED, LC_SELECTABLE};
use rsp_codec::sgp02::es8::{
    EcPublicKey, Es8Command, GpCertificate, InstallForPersonalization, KeySetKeyAgreement,
    KeySetReceipt, RandomChallenge,
};
use rsp_codec::sgp02::{Aid, StatusWord};
use rsp_crypto::isdp_keys::{DerivationParameters, IsdpKeys};
use rsp_crypto::{Curve, KeyAgreement, PublicKey};

use crate::domain::Domain;
use crate::keys::Scp03Keyset;
use crate::state::EuiccState;

use crate::domain::Answer;

/// ES8 progress that is not persisted.
#[derive(Clone, Default)]
pub struct Es8Transient {
    /// The ISD-P an INSTALL [for personalization] selected in the running script.
    pub(crate) personalizing: Option<Aid>,
    /// Per ISD-P: the verified SM-DP certificate and the challenge sent.
    certified: Vec<(Aid, Certified)>,
    /// The open SCP03t sessions, at most one per ISD-P (each security domain has its own
    /// secure channel: two SM-DPs may download into two ISD-Ps at once).
    pub(crate) scp03t: Vec<crate::scp03t::Session>,
    /// The ISD-R's own key establishment (SM-SR change): the verified CERT.SR.ECDSA.
    pub(crate) isd_r_certified: Option<Certified>,
}

impl std::fmt::Debug for Es8Transient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Es8Transient")
            .field("personalizing", &self.personalizing)
            .field("certified", &self.certified.len())
            .field(
                "scp03t",
                &self
                    .scp03t
                    .iter()
                    .map(|s| s.aid().clone())
                    .collect::<Vec<_>>(),
            )
            .field("isd_r_certified", &self.isd_r_certified.is_some())
            .finish()
    }
}

/// A verified off-card entity certificate (CERT.DP.ECDSA or CERT.SR.ECDSA) and the
/// challenge sent for it.
#[derive(Clone)]
pub(crate) struct Certified {
    dp_key: PublicKey,
    challenge: [u8; 16],
}

impl Es8Transient {
    /// A new script starts: no ISD-P is under personalization.
    pub(crate) fn begin_script(&mut self) {
        self.personalizing = None;
    }
}

/// The ES8 answer to `apdu` in `domain`, or `None` when `apdu` is not an ES8 command
/// there (the ES5 dispatcher handles it).
pub(crate) fn route(state: &mut EuiccState, domain: &Domain, apdu: &[u8]) -> Option<Answer> {
    let store_data = matches!(apdu, [c::CLA_GP, c::INS_STORE_DATA, p1, ..]
        if matches!(*p1, c::P1_KEYSET_CERTIFICATE | c::P1_KEYSET_KEY_AGREEMENT | c::P1_SCP03T | c::P1_SCP03T_MORE));
    match domain {
        Domain::IsdR if InstallForPersonalization::matches(apdu) => {
            Some(select_for_personalization(state, apdu))
        }
        Domain::IsdR if store_data => match state.es8.personalizing.clone() {
            Some(aid) => Some(store(state, &aid, apdu)),
            None => crate::isdr_keys::route(state, apdu),
        },
        Domain::IsdP(aid) if store_data => Some(store(state, aid, apdu)),
        _ => None,
    }
}

fn select_for_personalization(state: &mut EuiccState, apdu: &[u8]) -> Answer {
    let x = InstallForPersonalization::parse(apdu).map_err(|e| e.status_word())?;
    if state.isdp(&x.aid).is_none() {
        return Err(StatusWord::NOT_FOUND);
    }
    state.es8.personalizing = Some(x.aid);
    Ok(Vec::new())
}

fn store(state: &mut EuiccState, aid: &Aid, apdu: &[u8]) -> Answer {
    match Es8Command::parse(apdu).map_err(|e| e.status_word())? {
        Es8Command::KeySetCertificate(x) => certificate(state, aid, &x.0),
        Es8Command::KeySetKeyAgreement(x) => key_agreement(state, aid, &x),
        Es8Command::Scp03t(x) => crate::scp03t::command(state, aid, &x),
    }
}

/// The curve of a key parameter reference (GP Amd E).
pub(crate) fn curve_of(parameter_reference: u8) -> Option<Curve> {
    match parameter_reference {
        c::KEY_PARAMETER_P256 => Some(Curve::NistP256),
        c::KEY_PARAMETER_BRAINPOOL_P256R1 => Some(Curve::BrainpoolP256r1),
        _ => None,
    }
}

fn public_key(k: &EcPublicKey) -> Result<PublicKey, StatusWord> {
    let curve = curve_of(k.parameter_reference).ok_or(StatusWord::INCORRECT_DATA)?;
    PublicKey::from_sec1(curve, &k.q).map_err(|_| StatusWord::INCORRECT_DATA)
}

pub(crate) fn random<const N: usize>() -> Result<[u8; N], StatusWord> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|_| StatusWord::CONDITIONS_NOT_SATISFIED)?;
    Ok(b)
}

/// The ISD-P may (re-)establish keys until it holds a Profile.
fn key_establishment_allowed(state: &EuiccState, aid: &Aid) -> Result<(), StatusWord> {
    let p = state.isdp(aid).ok_or(StatusWord::NOT_FOUND)?;
    if p.life_cycle != LC_SELECTABLE && p.life_cycle != LC_PERSONALIZED {
        return Err(StatusWord::CONDITIONS_NOT_SATISFIED);
    }
    Ok(())
}

/// EstablishISDPKeySet, first command: CERT.DP.ECDSA verified with PK.CI.ECDSA.
fn certificate(state: &mut EuiccState, aid: &Aid, cert: &GpCertificate) -> Answer {
    key_establishment_allowed(state, aid)?;
    state.es8.certified.retain(|(a, _)| a != aid);
    let certified = verify_certificate(state, cert, c::CERT_TYPE_SMDP)?;
    let answer = certified.answer()?;
    state.es8.certified.push((aid.clone(), certified));
    Ok(answer)
}

/// A GP certificate of `cert_type` for key agreement, verified with PK.CI.ECDSA of the
/// ECASD; a fresh random challenge for it.
pub(crate) fn verify_certificate(
    state: &EuiccState,
    cert: &GpCertificate,
    cert_type: u8,
) -> Result<Certified, StatusWord> {
    if cert.certificate_type() != Some(cert_type)
        || cert.key_usage != c::CERT_KEY_USAGE_KEY_AGREEMENT
    {
        return Err(StatusWord::INCORRECT_DATA);
    }
    let ci = state
        .ecasd
        .ci_public_key()
        .map_err(|_| StatusWord::CONDITIONS_NOT_SATISFIED)?;
    let signed = cert.signed_data().map_err(|e| e.status_word())?;
    ci.verify_raw(&signed, &cert.signature)
        .map_err(|_| StatusWord::SECURITY_STATUS)?;
    Ok(Certified {
        dp_key: public_key(&cert.public_key)?,
        challenge: random::<16>()?,
    })
}

impl Certified {
    /// The answer to the certificate: `85` L challenge.
    pub(crate) fn answer(&self) -> Answer {
        RandomChallenge(self.challenge.to_vec())
            .encode()
            .map_err(|e| e.status_word())
    }

    /// The key agreement of scenario #3 once the caller checked the CRT's keyset: the
    /// scenario parameters, the signature by the certified key over the CRT, the
    /// ephemeral key and the challenge, ShS = ECKA(SK.ECASD.ECKA, ePK), DR when asked
    /// for; the derived keys and the receipt answer.
    pub(crate) fn agree(
        self,
        state: &EuiccState,
        x: &KeySetKeyAgreement,
    ) -> Result<(IsdpKeys, Vec<u8>), StatusWord> {
        let crt = &x.crt;
        let p = crt.scenario_parameters;
        if p & c::SCENARIO_PARAM_CERTIFICATE == 0
            || crt.key_type != c::KEY_TYPE_AES
            || crt.key_length != c::KEY_LENGTH_AES128
            || (p & c::SCENARIO_PARAM_HOST_ID != 0) != crt.host_id.is_some()
        {
            return Err(StatusWord::INCORRECT_DATA);
        }
        let signed = KeySetKeyAgreement::signed_data(crt, &x.ephemeral_key, &self.challenge)
            .map_err(|e| e.status_word())?;
        self.dp_key
            .verify_raw(&signed, &x.signature)
            .map_err(|_| StatusWord::SECURITY_STATUS)?;
        let epk = public_key(&x.ephemeral_key)?;
        let sk = state
            .ecasd
            .private_key()
            .map_err(|_| StatusWord::CONDITIONS_NOT_SATISFIED)?;
        let shs = sk.ecka(&epk).map_err(|_| StatusWord::INCORRECT_DATA)?;
        let dr = (p & c::SCENARIO_PARAM_DR != 0)
            .then(random::<16>)
            .transpose()?;
        let keys = IsdpKeys::derive(
            &shs,
            &DerivationParameters {
                key_usage: crt.key_usage,
                key_type: crt.key_type,
                key_length: crt.key_length,
                derivation_random: dr.as_ref().map(|d| d.as_slice()),
                host_id: crt.host_id.as_deref(),
            },
        )
        .map_err(|_| StatusWord::INCORRECT_DATA)?;
        let crt_tlv = crt.to_tlv().map_err(|e| e.status_word())?;
        let receipt = keys.receipt(&crt_tlv, dr.as_ref().map(|d| d.as_slice()));
        let answer = KeySetReceipt {
            derivation_random: dr.map(|d| d.to_vec()),
            receipt: receipt.to_vec(),
        }
        .encode()
        .map_err(|e| e.status_word())?;
        Ok((keys, answer))
    }
}

/// EstablishISDPKeySet, second command: signature, ECKA, keyset and receipt.
fn key_agreement(state: &mut EuiccState, aid: &Aid, x: &KeySetKeyAgreement) -> Answer {
    key_establishment_allowed(state, aid)?;
    // One attempt per certificate: the challenge is spent whatever happens next.
    let pos = state
        .es8
        .certified
        .iter()
        .position(|(a, _)| a == aid)
        .ok_or(StatusWord::CONDITIONS_NOT_SATISFIED)?;
    let (_, certified) = state.es8.certified.swap_remove(pos);
    let crt = &x.crt;
    if crt.key_usage != c::KEY_USAGE_SCP03_KEYSET || crt.initial_counter.is_some() {
        return Err(StatusWord::INCORRECT_DATA);
    }
    let (keys, answer) = certified.agree(state, x)?;
    let isdp = state.isdp_mut(aid).ok_or(StatusWord::NOT_FOUND)?;
    isdp.scp03 = Some(Scp03Keyset::new(crt.key_version, crt.key_id, &keys));
    isdp.life_cycle = LC_PERSONALIZED;
    Ok(answer)
}
