//! A DownloadProfile order carried out by rsp-smdp's order driver through `rsp serve
//! smsr`'s ES3 web service (SOAP over mutual TLS, rsp-http's ES3 client) to the lab's
//! virtual M2M eUICC over SMS: GetEIS, CreateISDP, the ISD-P key establishment and the
//! SCP03t download of rsp-saip's generic Profile as SendData scripts, the MSISDN by
//! UpdateConnectivityParameters, ProfileDownloadCompleted, then (the order resumed at that
//! stage) EnableProfile. The card and the EIS end with the new Profile enabled; the order
//! run again from the ISD-P stage is refused by the eUICC without deleting the installed
//! Profile; a package that is not the order's is refused before any call.
#![allow(clippy::unwrap_used)]

mod common;

use common::m2m::SoapLab;
use rsp_codec::sgp02::consts::{LC_DISABLED, LC_ENABLED};
use rsp_codec::sgp02::{Aid, SmsAddress};
use rsp_http::smdp::es3_client::Es3Client;
use rsp_pki::Role;
use rsp_smdp::order::{DownloadOrder, Downloader, OrderError, Stage};
use rsp_smdp::{SmdpCredential, certificate};

const OPERATOR: &str = "Test Operator";
const SMDP: &str = "localhost";
const NEW_MSISDN: &str = "447700900077";

#[test]
fn a_download_order_installs_and_enables_a_profile_through_the_smsr() {
    let lab = SoapLab::start(OPERATOR, Some(SMDP));
    let (rt, device) = (&lab.rt, &lab.device);
    let eid = lab.eid.clone();
    let pki = rsp_testkit::m2m::lab_pki(&eid);

    // The SM-DP: CERT.DP.ECDSA from the lab CI, its TLS client identity from the test PKI.
    let dp = pki.get(Role::DpAuth).unwrap();
    let credential = SmdpCredential::new(
        certificate::issue(&dp.cert, &pki.get(Role::Ci).unwrap().key).unwrap(),
        std::sync::Arc::new(
            rsp_crypto::SoftwareKey::from_pkcs8_der(&dp.key.to_pkcs8_der()).unwrap(),
        ),
    )
    .unwrap();
    let es3 = Es3Client::new(lab.client("dp-tls"), &lab.url("/gsma/sgp02/es3"), SMDP, 120);
    let downloader = Downloader {
        es3: &es3,
        credential: &credential,
        host_id: b"SMDP-LAB",
        key_version: 0x30,
        max_apdus_per_script: 4,
    };
    let new_iccid = rsp_saip::template::values::ICCID;
    let package = rsp_saip::template::generic().encode().unwrap();
    let mut order = DownloadOrder {
        eid: eid.clone(),
        iccid: new_iccid.into(),
        profile_type: "generic".into(),
        mno_id: OPERATOR.into(),
        msisdn: Some(NEW_MSISDN.into()),
        enable: false,
        isdp_aid: None,
        stage: Stage::Accepted,
    };

    // A package that is not the order's Profile: refused before anything is sent.
    let mut other = order.clone();
    other.iccid = "8900100000000000010".into();
    let refused = rt.block_on(downloader.run(&mut other, &package, |_: &DownloadOrder| {}));
    assert!(
        matches!(refused, Err(OrderError::Package(_))),
        "{refused:?}"
    );
    assert_eq!(other.stage, Stage::Accepted);

    let mut stages = Vec::new();
    rt.block_on(downloader.run(&mut order, &package, |o: &DownloadOrder| {
        stages.push(o.stage)
    }))
    .unwrap();
    assert_eq!(
        stages,
        [Stage::IsdpCreated, Stage::Installed, Stage::Completed]
    );
    let aid = Aid::from_hex(order.isdp_aid.as_deref().unwrap()).unwrap();
    let on_card = |aid: &Aid| {
        let card = device.card.lock().unwrap();
        let p = card.state().isdp(aid).unwrap().clone();
        (p.iccid, p.life_cycle, p.msisdn)
    };
    assert_eq!(
        on_card(&aid),
        (
            Some(new_iccid.to_owned()),
            LC_DISABLED,
            Some(SmsAddress::international(NEW_MSISDN))
        )
    );

    // The same order run again from the ISD-P stage (as after a lost checkpoint): the
    // ISD-P holds a Profile and refuses a new key establishment; the installed Profile is
    // not rolled back.
    let mut again = order.clone();
    again.stage = Stage::IsdpCreated;
    let refused = rt.block_on(downloader.run(&mut again, &package, |_: &DownloadOrder| {}));
    assert!(matches!(refused, Err(OrderError::Es8(_))), "{refused:?}");
    assert_eq!(again.stage, Stage::Failed);
    assert_eq!(on_card(&aid).1, LC_DISABLED);

    // Resumed at Completed with enable asked: EnableProfile.
    order.enable = true;
    let mut stages = Vec::new();
    rt.block_on(downloader.run(&mut order, &package, |o: &DownloadOrder| {
        stages.push(o.stage)
    }))
    .unwrap();
    assert_eq!(stages, [Stage::Enabled]);
    assert_eq!(on_card(&aid).1, LC_ENABLED);
    assert_eq!(on_card(&Aid::isd_p(0).unwrap()).1, LC_DISABLED);
    let eis = common::m2m::get_json(lab.server.admin, &format!("/smsr/v1/euiccs/{eid}"));
    let profiles = eis["profiles"].as_array().cloned().unwrap_or_default();
    let new = profiles
        .iter()
        .find(|p| p["iccid"] == new_iccid)
        .unwrap_or_else(|| panic!("{eis}"));
    assert_eq!(new["state"], "ENABLED", "{eis}");
    assert_eq!(new["subscriptionAddress"]["msisdn"], NEW_MSISDN, "{eis}");
    assert_eq!(new["profileType"], "generic", "{eis}");

    lab.finish();
}
