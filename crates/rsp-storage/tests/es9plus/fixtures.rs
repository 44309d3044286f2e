//! Shared setup of the ES9+ tests: test PKIs per curve, the SM-DP+ credentials, and an
//! ordered Profile.
#![allow(clippy::unwrap_used, dead_code)]

use std::sync::{Arc, OnceLock};

use rsp_codec::json::{ConfirmationCode, Eid, Iccid};
use rsp_crypto::{Curve, SoftwareKey};
use rsp_pki::{Role, TestPki, TestPkiOptions, TrustStore};
use rsp_smdpp::es2plus::{ConfirmOrder, DownloadOrder, Es2Plus, Es2PlusConfig};
use rsp_smdpp::es9plus::{
    Credentials, DpCredentials, Es9Plus, Es9PlusConfig, Es9PlusError, SigningCredential,
};
use rsp_smdpp::store::InventoryStore;
use rsp_smdpp::{NewProfile, ProfileClass, ProfileMetadata, ProfilePackage};
use rsp_storage::SqlStore;

use crate::common::{TestDb, iccid, op};

pub const SMDP: &str = "smdp.example.com";
pub const OPERATOR: &str = "operator-a";

/// One test PKI per curve (generated once per test binary).
pub fn pki(curve: Curve) -> &'static TestPki {
    static NIST: OnceLock<TestPki> = OnceLock::new();
    static BRP: OnceLock<TestPki> = OnceLock::new();
    let cell = match curve {
        Curve::NistP256 => &NIST,
        Curve::BrainpoolP256r1 => &BRP,
    };
    cell.get_or_init(|| TestPki::generate(curve, &TestPkiOptions::default()).unwrap())
}

/// A second, untrusted PKI (NIST) with the same EID.
pub fn foreign_pki() -> &'static TestPki {
    static FOREIGN: OnceLock<TestPki> = OnceLock::new();
    FOREIGN.get_or_init(|| TestPki::generate(Curve::NistP256, &TestPkiOptions::default()).unwrap())
}

fn signing(pki: &TestPki, role: Role) -> SigningCredential {
    let issued = pki.get(role).unwrap();
    SigningCredential {
        cert: issued.cert.clone(),
        signer: Arc::new(SoftwareKey::from_pkcs8_der(&issued.key.to_pkcs8_der()).unwrap()),
    }
}

/// Credentials for both curves in one SM-DP+.
pub fn credentials() -> Credentials {
    let pkis = [pki(Curve::NistP256), pki(Curve::BrainpoolP256r1)];
    let trust = TrustStore::with_cis(pkis.iter().map(|p| p.get(Role::Ci).unwrap().cert.clone()));
    let mut c = Credentials::new(trust);
    for p in pkis {
        let dp = DpCredentials {
            dp_auth: signing(p, Role::DpAuth),
            dp_pb: signing(p, Role::DpPb),
            sub_cas: Vec::new(),
        };
        c.add(&p.get(Role::Ci).unwrap().cert, dp).unwrap();
    }
    c
}

pub fn es9(db: &TestDb) -> Es9Plus<SqlStore> {
    es9_with(db, Es9PlusConfig::new(SMDP))
}

pub fn es9_with(db: &TestDb, config: Es9PlusConfig) -> Es9Plus<SqlStore> {
    Es9Plus::new(db.store.clone(), credentials(), config)
}

pub fn es2(db: &TestDb) -> Es2Plus<SqlStore> {
    let mut config = Es2PlusConfig::new(SMDP);
    config.cc_max_attempts = 3;
    Es2Plus::new(db.store.clone(), config)
}

/// A 2500-byte "profile package" (three 86 segments), different per ICCID.
pub fn package(n: u64) -> Vec<u8> {
    (0..2500u32).map(|i| (i as u64 * 7 + n) as u8).collect()
}

/// Imports Profile `n` and orders it for `eid` (or no EID), with an optional MatchingID
/// (`Some("")` = default SM-DP+ flow), Confirmation Code, released or not.
pub async fn order(
    db: &TestDb,
    n: u64,
    eid: Option<&str>,
    matching_id: Option<&str>,
    cc: Option<&str>,
    release: bool,
) -> Iccid {
    db.store
        .import(&[NewProfile {
            iccid: iccid(n),
            operator: op(OPERATOR),
            profile_type: "gold".into(),
            package: ProfilePackage::new(package(n)),
            metadata: ProfileMetadata {
                service_provider_name: "Test Operator".into(),
                profile_name: format!("Profile {n}"),
                profile_class: ProfileClass::Operational,
                ..ProfileMetadata::default()
            },
        }])
        .await
        .unwrap();
    let es2 = es2(db);
    let eid = eid.map(|e| Eid::parse(e).unwrap());
    let i = es2
        .download_order(
            &op(OPERATOR),
            &DownloadOrder {
                eid: eid.clone(),
                iccid: Some(iccid(n)),
                profile_type: None,
            },
        )
        .await
        .unwrap();
    es2.confirm_order(
        &op(OPERATOR),
        &ConfirmOrder {
            iccid: i.clone(),
            eid,
            matching_id: matching_id.map(str::to_owned),
            confirmation_code: cc.map(ConfirmationCode::new),
            smds_address: None,
            release_flag: release,
        },
    )
    .await
    .unwrap();
    i
}

/// "subject/reason" of an ES9+ refusal.
pub fn code<T: std::fmt::Debug>(r: Result<T, Es9PlusError>) -> String {
    let e = r.expect_err("expected a refusal").rsp_error();
    format!("{}/{}", e.subject_code(), e.reason_code())
}
