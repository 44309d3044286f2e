//! The ISD-R's own key establishment in the SM-SR change (SGP.02 §3.7; ES7
//! AuthenticateSMSR / CreateAdditionalKeySet relayed by the old SM-SR through ES5): GP
//! Amd E scenario #3 as for an ISD-P (see [`crate::es8`]), with STORE DATA commands sent
//! to the ISD-R's TAR without an INSTALL [for personalization] before them.
//!
//! 1. DGI `3A01` CERT.SR.ECDSA (certificate type `02`), verified with PK.CI.ECDSA; a
//!    random challenge goes back.
//! 2. DGI `3A02` CRT ‖ ePK.SR.ECKA ‖ signature by SK.SR.ECDSA: the CRT must ask for an
//!    SCP80 keyset (key usage [`c::KEY_USAGE_SCP80_KEYSET`], AES, 16 octets) with a key
//!    version 1..15 and may carry the initial sequence counter (`91`, five octets; absent
//!    means zero). The derived bytes are receipt key ‖ KIc ‖ KID ‖ DEK, as the public
//!    Njiwa SM-SR cuts them; the new keyset (KIc AES-CBC, KID AES-CMAC, the CRT's key
//!    version, its replay counter at the initial counter) is added to the ISD-R's keysets
//!    and replaces one of the same version. The receipt goes back.
//!
//! The other keysets stay: the old SM-SR keeps talking through its own until the change
//! completes (deleting them is a later step of the change). No SCP81 PSK is derived here.

use rsp_codec::sgp02::StatusWord;
use rsp_codec::sgp02::consts as c;
use rsp_codec::sgp02::es8::{Es8Command, KeySetKeyAgreement};
use rsp_ota::{CipherAlgorithm, Counter, IntegrityAlgorithm, Kic, Kid};

use crate::domain::Answer;
use crate::es8::verify_certificate;
use crate::keys::Scp80Keyset;
use crate::state::EuiccState;

/// The answer to a key establishment STORE DATA sent to the ISD-R, or `None` when
/// `apdu` is not one (an SCP03t STORE DATA outside personalization stays the ES5
/// dispatcher's).
pub(crate) fn route(state: &mut EuiccState, apdu: &[u8]) -> Option<Answer> {
    // STORE DATA with the P1 and the DGI (after CLA INS P1 P2 Lc) of the key establishment;
    // any other STORE DATA stays the ES5 dispatcher's.
    let dgi = |d: u16| d.to_be_bytes();
    if !matches!(apdu, [c::CLA_GP, c::INS_STORE_DATA, p1, _, _, t0, t1, ..]
        if matches!(*p1, c::P1_KEYSET_CERTIFICATE | c::P1_KEYSET_KEY_AGREEMENT)
            && ([*t0, *t1] == dgi(c::DGI_KEYSET_CERTIFICATE)
                || [*t0, *t1] == dgi(c::DGI_KEYSET_KEY_AGREEMENT)))
    {
        return None;
    }
    Some(match Es8Command::parse(apdu) {
        Ok(Es8Command::KeySetCertificate(x)) => certificate(state, &x.0),
        Ok(Es8Command::KeySetKeyAgreement(x)) => key_agreement(state, &x),
        Ok(Es8Command::Scp03t(_)) => Err(StatusWord::CONDITIONS_NOT_SATISFIED),
        Err(e) => Err(e.status_word()),
    })
}

/// AuthenticateSMSR: CERT.SR.ECDSA verified with PK.CI.ECDSA; a new certificate
/// replaces one verified before.
fn certificate(state: &mut EuiccState, cert: &rsp_codec::sgp02::es8::GpCertificate) -> Answer {
    state.es8.isd_r_certified = None;
    let certified = verify_certificate(state, cert, c::CERT_TYPE_SMSR)?;
    let answer = certified.answer()?;
    state.es8.isd_r_certified = Some(certified);
    Ok(answer)
}

/// CreateAdditionalKeySet: signature, ECKA, the new SCP80 keyset and the receipt.
fn key_agreement(state: &mut EuiccState, x: &KeySetKeyAgreement) -> Answer {
    // One attempt per certificate: the challenge is spent whatever happens next.
    let certified = state
        .es8
        .isd_r_certified
        .take()
        .ok_or(StatusWord::CONDITIONS_NOT_SATISFIED)?;
    let crt = &x.crt;
    let version = crt.key_version;
    let counter = match crt.initial_counter.as_deref() {
        None => Counter::default(),
        Some(n) => Counter(
            <[u8; c::SCP80_COUNTER_LEN]>::try_from(n).map_err(|_| StatusWord::INCORRECT_DATA)?,
        ),
    };
    if crt.key_usage != c::KEY_USAGE_SCP80_KEYSET || !(1..=15).contains(&version) {
        return Err(StatusWord::INCORRECT_DATA);
    }
    let (keys, answer) = certified.agree(state, x)?;
    let mut keyset = Scp80Keyset::new(
        version,
        Kic::new(CipherAlgorithm::AesCbc, version),
        keys.enc(),
        Kid::new(IntegrityAlgorithm::AesCmac, version),
        keys.mac(),
    )
    .map_err(|_| StatusWord::INCORRECT_DATA)?;
    keyset.counter = counter;
    state.keysets.retain(|k| k.version != version);
    state.keysets.push(keyset);
    Ok(answer)
}
