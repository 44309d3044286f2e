//! IoT test helpers: an eIM that signs eUICC Packages, an IoT eUICC with profiles, result
//! signature checks (SGP.32 v1.2 §2.11, §5.9).

use super::*;
use rasn::types::Integer;
use rsp_codec::asn1::sgp32::*;
use rsp_codec::asn1::{
    Extensions, Octet16, OpenChoice, ProfileInfoListRequest, ProfileState, Raw, TransactionId,
};
use rsp_crypto::{Curve, PublicKey, Signer, SoftwareKey};
use rsp_euicc::{Card, EuiccConfig, Isdr, StateStore};
use rsp_lpa::{ApduChannel, es10_iot};

pub const EIM_ID: &str = "eim.example.org";

/// An eIM as the test plays it: its key, id and association token.
pub struct TestEim {
    pub id: String,
    pub key: SoftwareKey,
    pub token: Option<Integer>,
    pub counter: i64,
}

impl TestEim {
    pub fn new(id: &str, curve: Curve) -> Self {
        TestEim {
            id: id.into(),
            key: SoftwareKey::generate(curve).unwrap(),
            token: None,
            counter: 0,
        }
    }

    pub fn config(&self, want_token: bool) -> EimConfigurationData {
        let spki = decode(&self.key.public_key().to_spki_der()).unwrap();
        EimConfigurationData {
            eim_id: self.id.clone(),
            eim_fqdn: Some("eim.example.org:8443".into()),
            eim_id_type: Some(EimIdType::EIM_ID_TYPE_FQDN),
            counter_value: Some(Integer::from(0)),
            association_token: want_token.then(|| Integer::from(0)),
            eim_public_key_data: Some(EimPublicKeyData::EimPublicKey(spki)),
            ..Default::default()
        }
    }

    /// A signed `EuiccPackageRequest` (DER) with the next counter value.
    pub fn package(&mut self, eid: [u8; 16], package: EuiccPackage) -> Vec<u8> {
        self.counter += 1;
        self.package_with(eid, self.counter, package, &self.key)
    }

    pub fn package_with(
        &self,
        eid: [u8; 16],
        counter: i64,
        package: EuiccPackage,
        key: &SoftwareKey,
    ) -> Vec<u8> {
        let signed = Raw::new(EuiccPackageSigned {
            eim_id: self.id.clone(),
            eid_value: Octet16::new(eid),
            counter_value: Integer::from(counter),
            eim_transaction_id: Some(TransactionId(vec![0xEE, counter as u8].into())),
            euicc_package: package,
            ext: Extensions::default(),
        })
        .unwrap();
        let sig = key
            .sign_raw(&eim_signed_data(signed.raw(), self.token.as_ref()))
            .unwrap();
        encode(&EuiccPackageRequest {
            euicc_package_signed: signed,
            eim_signature: sig.to_vec().into(),
            ext: Extensions::default(),
        })
        .unwrap()
    }
}

pub fn psmos(ops: Vec<Psmo>) -> EuiccPackage {
    EuiccPackage::PsmoList(ops.into_iter().map(OpenChoice::Known).collect())
}

pub fn ecos(ops: Vec<Eco>) -> EuiccPackage {
    EuiccPackage::EcoList(ops.into_iter().map(OpenChoice::Known).collect())
}

pub fn iccid(n: u8) -> rsp_codec::asn1::Iccid {
    rsp_codec::asn1::Iccid::new(test_iccid(n))
}

pub fn enable(n: u8) -> Psmo {
    Psmo::Enable(PsmoEnable {
        iccid: iccid(n),
        rollback_flag: None,
        ext: Extensions::default(),
    })
}

pub fn disable(n: u8) -> Psmo {
    Psmo::Disable(PsmoIccid {
        iccid: iccid(n),
        ext: Extensions::default(),
    })
}

pub fn delete(n: u8) -> Psmo {
    Psmo::Delete(PsmoIccid {
        iccid: iccid(n),
        ext: Extensions::default(),
    })
}

/// An IoT eUICC with `profiles` downloaded from the test SM-DP+ (ICCIDs 1..=n).
pub fn iot_card(curve: Curve, profiles: u8, store: StateStore) -> Card {
    let (smdp, identity) = new_smdp(curve);
    let mut isdr = Isdr::new(identity, EuiccConfig::default(), store).unwrap();
    isdr.enable_iot_mode().unwrap();
    let mut card = Card::new(isdr);
    let cla = open_isdr(&mut card);
    for n in 1..=profiles {
        download(&mut card, cla, &smdp, &Download::new(n, 1500));
    }
    card
}

pub fn eid(card: &Card) -> [u8; 16] {
    *card.isdr().identity().eid()
}

/// The eUICC's public key, from GetCerts.
pub fn euicc_key(ch: &mut ApduChannel<&mut Card>) -> PublicKey {
    let certs = es10_iot::get_certs(ch, None).unwrap();
    rsp_pki::Cert::from_der(certs.euicc_certificate.as_der())
        .unwrap()
        .public_key()
        .clone()
}

/// Checks `euiccSignEPR` and returns the result data.
pub fn verified(
    key: &PublicKey,
    result: &EuiccPackageResult,
    request: &[u8],
) -> EuiccPackageResultDataSigned {
    let req: EuiccPackageRequest = decode(request).unwrap();
    let EuiccPackageResult::EuiccPackageResultSigned(r) = result else {
        panic!("expected a signed result, got {result:?}");
    };
    let msg = euicc_signed_data(r.euicc_package_result_data_signed.raw(), &req.eim_signature);
    key.verify_raw(&msg, &r.euicc_sign_epr)
        .expect("euiccSignEPR verifies");
    r.euicc_package_result_data_signed.value().clone()
}

/// Checks `euiccSignEPE` and returns the error code.
pub fn verified_error(
    key: &PublicKey,
    result: &EuiccPackageResult,
    request: &[u8],
) -> EuiccPackageErrorCode {
    let req: EuiccPackageRequest = decode(request).unwrap();
    let EuiccPackageResult::EuiccPackageErrorSigned(e) = result else {
        panic!("expected a signed error, got {result:?}");
    };
    let msg = euicc_signed_data(e.euicc_package_error_data_signed.raw(), &req.eim_signature);
    key.verify_raw(&msg, &e.euicc_sign_epe)
        .expect("euiccSignEPE verifies");
    e.euicc_package_error_data_signed
        .value()
        .euicc_package_error_code
}

pub fn results(data: &EuiccPackageResultDataSigned) -> Vec<EuiccResultData> {
    data.euicc_result
        .iter()
        .map(|r| r.known().cloned().unwrap())
        .collect()
}

pub fn associate(ch: &mut ApduChannel<&mut Card>, eim: &mut TestEim, want_token: bool) {
    let entries = es10_iot::add_initial_eim(ch, vec![eim.config(want_token)]).unwrap();
    assert_eq!(entries.len(), 1);
    eim.token = es10_iot::association_token(&entries[0]).cloned();
    assert_eq!(eim.token.is_some(), want_token);
}

pub fn profile_states(
    ch: &mut ApduChannel<&mut Card>,
    eim: &mut TestEim,
    eid: [u8; 16],
) -> Vec<bool> {
    let req = eim.package(
        eid,
        psmos(vec![Psmo::ListProfileInfo(
            ProfileInfoListRequest::default(),
        )]),
    );
    let (_, result) = es10_iot::load_euicc_package(ch, &req).unwrap();
    let EuiccPackageResult::EuiccPackageResultSigned(r) = result else {
        panic!("{result:?}")
    };
    let data = r.euicc_package_result_data_signed.value();
    let Some(EuiccResultData::ListProfileInfoResult(
        Sgp32ProfileInfoListResponse::ProfileInfoListOk(list),
    )) = data.euicc_result.first().and_then(|r| r.known())
    else {
        panic!("{data:?}")
    };
    list.iter()
        .map(|p| p.profile_state == Some(ProfileState::ENABLED))
        .collect()
}
