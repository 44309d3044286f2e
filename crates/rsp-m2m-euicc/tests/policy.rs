//! Profile policy over SCP80: fallback on a failed network attach, the fallback
//! attribute, POL1 refusals and CreateISDP refusals.

mod common;

use common::{ICCID0, ICCID1, SmSr, create, isdp, life_cycle, ok, state};
use rsp_codec::sgp02::consts::{ISD_R_TAR, LC_DISABLED, LC_ENABLED};
use rsp_codec::sgp02::{
    Aid, CreateIsdp, DeleteProfile, DisableProfile, EnableProfile, NotificationType,
    SetFallbackAttribute, StatusWord,
};
use rsp_m2m_euicc::M2mEuicc;
use rsp_m2m_euicc::state::{
    POL1_DELETE_NOT_ALLOWED, POL1_DELETE_WHEN_DISABLED, POL1_DISABLE_NOT_ALLOWED,
};

#[test]
fn fallback_on_attach_failure() {
    let mut euicc = M2mEuicc::new(state());
    let mut smsr = SmSr::tdes();
    let (p0, p1) = (isdp(0), isdp(1));
    for (aid, iccid) in [(&p0, ICCID0), (&p1, ICCID1)] {
        create(&mut euicc, &mut smsr, aid);
        euicc.install_profile(aid, iccid, None).expect("install");
    }
    ok(smsr.one(
        &mut euicc,
        ISD_R_TAR,
        EnableProfile { aid: p1.clone() }.to_apdu().expect("a"),
    ));
    euicc.network_attach(true).expect("attach");
    ok(smsr.one(
        &mut euicc,
        ISD_R_TAR,
        SetFallbackAttribute { aid: p1.clone() }
            .to_apdu()
            .expect("a"),
    ));
    let _ = euicc.take_refresh();

    ok(smsr.one(
        &mut euicc,
        ISD_R_TAR,
        EnableProfile { aid: p0.clone() }.to_apdu().expect("a"),
    ));
    assert!(euicc.take_refresh().expect("refresh"));
    euicc.network_attach(false).expect("attach failed");
    assert_eq!(life_cycle(&euicc, &p0), Some(LC_DISABLED));
    assert_eq!(life_cycle(&euicc, &p1), Some(LC_ENABLED));
    assert!(euicc.take_refresh().expect("refresh for the fallback"));
    let last = euicc.state().pending.last().cloned().expect("notification");
    assert_eq!(last.kind, NotificationType::ProfileChangeFailedFallback);
    assert_eq!(last.aid, Some(p1.clone()));
    // A second attach report without a change does nothing.
    let n = euicc.state().pending.len();
    euicc.network_attach(false).expect("attach");
    assert_eq!(euicc.state().pending.len(), n);

    // The fallback flag moves; it needs a profile.
    ok(smsr.one(
        &mut euicc,
        ISD_R_TAR,
        SetFallbackAttribute { aid: p0.clone() }
            .to_apdu()
            .expect("a"),
    ));
    assert!(euicc.state().isdp(&p0).is_some_and(|p| p.fallback));
    assert!(euicc.state().isdp(&p1).is_some_and(|p| !p.fallback));
    let p2 = isdp(2);
    create(&mut euicc, &mut smsr, &p2);
    let apdu = SetFallbackAttribute { aid: p2 }.to_apdu().expect("apdu");
    assert_eq!(
        smsr.one(&mut euicc, ISD_R_TAR, apdu).1,
        StatusWord::CONDITIONS_NOT_SATISFIED
    );
    // Disabling with no other fallback (the enabled one is not the fallback now → p0).
    ok(smsr.one(
        &mut euicc,
        ISD_R_TAR,
        DisableProfile { aid: p1.clone() }.to_apdu().expect("a"),
    ));
    assert_eq!(life_cycle(&euicc, &p0), Some(LC_ENABLED));
    // Disabling the fallback profile itself is refused.
    let apdu = DisableProfile { aid: p0.clone() }.to_apdu().expect("apdu");
    assert_eq!(
        smsr.one(&mut euicc, ISD_R_TAR, apdu).1,
        StatusWord::CONDITIONS_NOT_SATISFIED
    );
}

#[test]
fn pol1_refusals() {
    let mut euicc = M2mEuicc::new(state());
    let mut smsr = SmSr::aes();
    let (p0, p1, p2) = (isdp(0), isdp(1), isdp(2));
    for (aid, iccid) in [(&p0, ICCID0), (&p1, ICCID1), (&p2, "89000000000000000001")] {
        create(&mut euicc, &mut smsr, aid);
        euicc.install_profile(aid, iccid, None).expect("install");
    }
    ok(smsr.one(
        &mut euicc,
        ISD_R_TAR,
        EnableProfile { aid: p1.clone() }.to_apdu().expect("a"),
    ));
    ok(smsr.one(
        &mut euicc,
        ISD_R_TAR,
        SetFallbackAttribute { aid: p1.clone() }
            .to_apdu()
            .expect("a"),
    ));
    ok(smsr.one(
        &mut euicc,
        ISD_R_TAR,
        EnableProfile { aid: p0.clone() }.to_apdu().expect("a"),
    ));
    euicc.set_pol1(&p0, POL1_DISABLE_NOT_ALLOWED).expect("pol1");

    // The enabled profile's POL1 forbids disabling it, directly or by enabling another.
    let apdu = DisableProfile { aid: p0.clone() }.to_apdu().expect("apdu");
    assert_eq!(
        smsr.one(&mut euicc, ISD_R_TAR, apdu).1,
        StatusWord::POL1_FORBIDS
    );
    let apdu = EnableProfile { aid: p2.clone() }.to_apdu().expect("apdu");
    assert_eq!(
        smsr.one(&mut euicc, ISD_R_TAR, apdu).1,
        StatusWord::POL1_FORBIDS
    );
    assert_eq!(life_cycle(&euicc, &p0), Some(LC_ENABLED));

    // Delete not allowed.
    euicc.set_pol1(&p2, POL1_DELETE_NOT_ALLOWED).expect("pol1");
    let apdu = DeleteProfile { aid: p2.clone() }.to_apdu().expect("apdu");
    assert_eq!(
        smsr.one(&mut euicc, ISD_R_TAR, apdu).1,
        StatusWord::POL1_FORBIDS
    );
    assert!(euicc.state().isdp(&p2).is_some());

    // Delete when disabled: p0 goes away when p2 is enabled in its place.
    euicc
        .set_pol1(&p0, POL1_DELETE_WHEN_DISABLED)
        .expect("pol1");
    ok(smsr.one(
        &mut euicc,
        ISD_R_TAR,
        EnableProfile { aid: p2.clone() }.to_apdu().expect("a"),
    ));
    assert_eq!(life_cycle(&euicc, &p0), None);
    assert_eq!(life_cycle(&euicc, &p2), Some(LC_ENABLED));
}

#[test]
fn create_isdp_refusals() {
    let mut euicc = M2mEuicc::new(state());
    let mut smsr = SmSr::tdes();
    // More memory than there is.
    euicc.state_mut().memory.total_nvm = 0x1000;
    let apdu = CreateIsdp::new(isdp(0), Some(0x2000), None)
        .to_apdu()
        .expect("apdu");
    assert_eq!(
        smsr.one(&mut euicc, ISD_R_TAR, apdu).1,
        StatusWord::NOT_ENOUGH_MEMORY
    );
    // Another ELF.
    let mut c = CreateIsdp::new(isdp(0), None, None);
    c.elf_aid = Aid::isd_r();
    assert_eq!(
        smsr.one(&mut euicc, ISD_R_TAR, c.to_apdu().expect("apdu"))
            .1,
        StatusWord::NOT_FOUND
    );
    // The ISD-R's own AID.
    let apdu = CreateIsdp::new(Aid::isd_r(), None, None)
        .to_apdu()
        .expect("apdu");
    assert_eq!(
        smsr.one(&mut euicc, ISD_R_TAR, apdu).1,
        StatusWord::INCORRECT_DATA
    );
    assert!(euicc.state().isdps.is_empty());
}
