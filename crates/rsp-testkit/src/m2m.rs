//! The M2M lab of the SM-SR tests: a virtual M2M eUICC (test PKI eUICC certificate as its
//! ECASD, given ISD-R keysets, pre-installed Profiles) and the EIS an EUM would register
//! for it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use rsp_codec::json::{Eid, Iccid};
use rsp_codec::sgp02::{Aid, SmsAddress};
use rsp_crypto::Curve;
use rsp_m2m_euicc::{Ecasd, EuiccState, IsdP, M2mEuicc, Scp80Keyset};
use rsp_pki::{Role, TestPki, TestPkiOptions};
use rsp_smsr::{Eis, EuiccCapabilities, Pol2, ProfileInfo, ProfileState, SubscriptionAddress};

/// One pre-installed Profile of the lab card: ISD-P index, ICCID, MSISDN, enabled,
/// fallback attribute.
#[derive(Debug, Clone, Copy)]
pub struct LabProfile<'a> {
    /// ISD-P index (`Aid::isd_p`).
    pub index: u8,
    /// ICCID digits.
    pub iccid: &'a str,
    /// MSISDN digits.
    pub msisdn: &'a str,
    /// Enabled (else disabled).
    pub enabled: bool,
    /// Carries the fallback attribute.
    pub fallback: bool,
}

/// The test PKI of the lab card whose eUICC has `eid` (one PKI per EID per process): its
/// CI also certifies the lab SM-DP (CERT.DP.ECDSA for ES8). NIST P-256.
pub fn lab_pki(eid: &str) -> Arc<TestPki> {
    lab_pki_on(eid, Curve::NistP256)
}

/// [`lab_pki`] on `curve` (one PKI per EID and curve per process).
pub fn lab_pki_on(eid: &str, curve: Curve) -> Arc<TestPki> {
    type Pkis = HashMap<(String, Curve), Arc<TestPki>>;
    static PKIS: OnceLock<Mutex<Pkis>> = OnceLock::new();
    let mut pkis = PKIS
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    pkis.entry((eid.to_owned(), curve))
        .or_insert_with(|| {
            let options = TestPkiOptions {
                eid: eid.to_owned(),
                ..TestPkiOptions::default()
            };
            Arc::new(TestPki::generate(curve, &options).expect("test PKI"))
        })
        .clone()
}

/// The ECASD of the lab card whose eUICC has `eid`, from its PKI on `curve`.
fn ecasd(eid: &str, curve: Curve) -> Ecasd {
    let pki = lab_pki_on(eid, curve);
    let e = pki.get(Role::Euicc).expect("eUICC identity");
    let ci = pki.get(Role::Ci).expect("CI");
    Ecasd::new(&e.cert, &e.key)
        .and_then(|ecasd| ecasd.with_ci(&ci.cert))
        .expect("ECASD")
}

/// A virtual M2M eUICC (in memory) with `keysets` and `profiles` installed, EID
/// [`rsp_pki::DEFAULT_EID`].
pub fn card(keysets: Vec<Scp80Keyset>, profiles: &[LabProfile<'_>]) -> M2mEuicc {
    card_with_eid(rsp_pki::DEFAULT_EID, keysets, profiles)
}

/// [`card`] with another EID (its own test PKI).
pub fn card_with_eid(
    eid: &str,
    keysets: Vec<Scp80Keyset>,
    profiles: &[LabProfile<'_>],
) -> M2mEuicc {
    card_on(Curve::NistP256, eid, keysets, profiles)
}

/// [`card_with_eid`] whose ECASD is on `curve` ([`lab_pki_on`]).
pub fn card_on(
    curve: Curve,
    eid: &str,
    keysets: Vec<Scp80Keyset>,
    profiles: &[LabProfile<'_>],
) -> M2mEuicc {
    let mut state = EuiccState::new(ecasd(eid, curve), keysets).expect("eUICC state");
    for p in profiles {
        state.isdps.push(
            IsdP::preinstalled(
                Aid::isd_p(p.index).expect("ISD-P index"),
                p.iccid,
                SmsAddress::international(p.msisdn),
                p.enabled,
            )
            .with_fallback(p.fallback),
        );
    }
    M2mEuicc::new(state)
}

/// The EIS of that card, every Profile owned by `mno_id`.
pub fn eis(eid: &str, mno_id: &str, profiles: &[LabProfile<'_>]) -> Eis {
    Eis {
        eid: Eid::parse(eid).expect("EID"),
        eum_id: "eum.test".into(),
        production_date: None,
        platform_type: None,
        platform_version: None,
        remaining_memory: None,
        smsr_id: String::new(),
        ecasd_certificate: None,
        capabilities: EuiccCapabilities::default(),
        profiles: profiles
            .iter()
            .map(|p| ProfileInfo {
                iccid: Iccid::parse(p.iccid).expect("ICCID"),
                isd_p_aid: Aid::isd_p(p.index).expect("ISD-P index").to_hex(),
                mno_id: mno_id.into(),
                smdp_id: None,
                state: if p.enabled {
                    ProfileState::Enabled
                } else {
                    ProfileState::Disabled
                },
                fallback_attribute: p.fallback,
                subscription_address: SubscriptionAddress {
                    msisdn: Some(p.msisdn.into()),
                    imsi: None,
                },
                pol2: Pol2::default(),
                profile_type: None,
                allocated_memory: None,
            })
            .collect(),
        last_audit_date: None,
    }
}
