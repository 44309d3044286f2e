//! Test helpers: an LPA-like APDU driver and the test SM-DP+.
#![allow(dead_code)]

pub mod iot;
pub mod smdp;

use rasn::types::OctetString;
use rsp_codec::asn1::*;
use rsp_crypto::Curve;
use rsp_euicc::{Card, EuiccConfig, Identity, Isdr, StateStore};
use smdp::{TestSmdp, hash_cc};

/// Opens a logical channel and selects the ISD-R on it; returns the CLA to use.
pub fn open_isdr(card: &mut Card) -> u8 {
    let r = card.transmit(&[0x00, 0x70, 0x00, 0x00, 0x01]);
    assert_eq!(r.len(), 3, "{r:02X?}");
    assert_eq!(&r[1..], &[0x90, 0x00]);
    let ch = r[0];
    assert!(ch > 0 && ch < 4);
    let mut select = vec![ch, 0xA4, 0x04, 0x00, 0x10];
    select.extend_from_slice(&rsp_euicc::ISDR_AID);
    select.push(0x00);
    let r = card.transmit(&select);
    assert_eq!(&r[r.len() - 2..], &[0x90, 0x00], "{r:02X?}");
    assert_eq!(r[0], 0x6F);
    0x80 | ch
}

/// Sends one STORE DATA sequence (blocks of at most 255 bytes) and collects the
/// response through GET RESPONSE. Returns (data, SW).
pub fn store_data(card: &mut Card, cla: u8, data: &[u8]) -> (Vec<u8>, u16) {
    store_data_mss(card, cla, data, 255)
}

/// [`store_data`] with blocks of at most `mss` bytes.
pub fn store_data_mss(card: &mut Card, cla: u8, data: &[u8], mss: usize) -> (Vec<u8>, u16) {
    let blocks: Vec<&[u8]> = data.chunks(mss).collect();
    let mut last = Vec::new();
    for (i, block) in blocks.iter().enumerate() {
        let p1 = if i + 1 == blocks.len() { 0x91 } else { 0x11 };
        let mut apdu = vec![cla, 0xE2, p1, i as u8, block.len() as u8];
        apdu.extend_from_slice(block);
        apdu.push(0x00);
        last = card.transmit(&apdu);
        if i + 1 != blocks.len() {
            assert_eq!(last, vec![0x90, 0x00]);
        }
    }
    let mut out = Vec::new();
    loop {
        let (data, sw) = last.split_at(last.len() - 2);
        out.extend_from_slice(data);
        let sw = u16::from_be_bytes([sw[0], sw[1]]);
        if sw >> 8 == 0x61 {
            last = card.transmit(&[cla & 0x03, 0xC0, 0x00, 0x00, (sw & 0xFF) as u8]);
            continue;
        }
        return (out, sw);
    }
}

/// One ES10 function: sends `request`, expects 9000, returns the response.
pub fn es10(card: &mut Card, cla: u8, request: &[u8]) -> Vec<u8> {
    let (data, sw) = store_data(card, cla, request);
    assert_eq!(sw, 0x9000, "SW {sw:04X} for {:02X?}", &request[..2]);
    data
}

pub fn card_with(identity: Identity, config: EuiccConfig, store: StateStore) -> (Card, u8) {
    let mut card = Card::new(Isdr::new(identity, config, store).unwrap());
    let cla = open_isdr(&mut card);
    (card, cla)
}

pub fn challenge(card: &mut Card, cla: u8) -> [u8; 16] {
    let r: GetEuiccChallengeResponse = decode(&es10(
        card,
        cla,
        &encode(&GetEuiccChallengeRequest::default()).unwrap(),
    ))
    .unwrap();
    *r.euicc_challenge.as_bytes()
}

/// Metadata of a test profile (notifications configured for every operation).
pub fn metadata(iccid: [u8; 10], name: &str) -> StoreMetadataRequest {
    StoreMetadataRequest {
        iccid: Iccid::new(iccid),
        service_provider_name: "Test Operator".into(),
        profile_name: name.into(),
        icon_type: None,
        icon: None,
        profile_class: ProfileClass::OPERATIONAL,
        notification_configuration_info: Some(vec![NotificationConfigurationInformation {
            profile_management_operation: NotificationEvent::from_bits(&[0, 1, 2, 3]),
            notification_address: "notify.example.com".into(),
            ext: Extensions::default(),
        }]),
        profile_owner: None,
        profile_policy_rules: None,
        service_specific_data_stored_in_euicc: None,
        service_specific_data_not_stored_in_euicc: None,
        ext: Extensions::default(),
    }
}

/// The test ICCID numbered `n`: "890141000000000" + `n` on 3 digits + Luhn check digit
/// (19 digits, E.118), as `Iccid` (swapped BCD, 'F'-padded, like EF.ICCID).
pub fn test_iccid(n: u8) -> [u8; 10] {
    let iccid = rsp_saip::bcd::Iccid::parse(&format!("890141000000000{n:03}")).unwrap();
    iccid.ef_iccid().try_into().unwrap()
}

/// A real profile package (TCA SAIP): the project's generic USIM+ISIM template with the
/// ICCID [`test_iccid`]`(seed)`, grown to about `len` bytes (never less than the template)
/// by a `PE-NonStandard` (SAIP §8.9) inserted before `PE-End`.
pub fn package(len: usize, seed: u8) -> Vec<u8> {
    use rsp_saip::model::{PeHeader, PeNonStandard, ProfileElement};
    let mut pkg = rsp_saip::template::generic();
    let base = pkg.encode().unwrap().len();
    // PE-NonStandard overhead: CHOICE tag + header + OID + OCTET STRING header (< 24 bytes).
    if len > base + 32 {
        let content: Vec<u8> = (0..len - base - 24).map(|i| (i as u8) ^ seed).collect();
        let pe = ProfileElement::NonStandard(Box::new(PeNonStandard {
            non_standard_header: PeHeader {
                mandated: None,
                identification: 100,
            },
            // 2.999 is the ITU-T X.660 example arc.
            issuer_id: rasn::types::ObjectIdentifier::new(vec![2, 999, 1]).unwrap(),
            content: content.into(),
        }));
        let end = pkg.elements.len() - 1;
        pkg.elements.insert(end, rsp_saip::Element::new(pe));
    }
    let der = pkg.encode().unwrap();
    let mut p = rsp_saip::Personalisation::default();
    p.set("iccid", &rsp_saip::bcd::decode_swapped(&test_iccid(seed)))
        .unwrap();
    rsp_saip::patch::personalise_der(&der, &p).unwrap()
}

/// Concatenated DER TLVs of about `len` bytes that are not profile elements (the
/// stand-in packages used before the eUICC processed profile elements).
pub fn fake_package(len: usize, seed: u8) -> Vec<u8> {
    let mut out = Vec::new();
    let mut n = 0u8;
    while out.len() < len {
        let body: Vec<u8> = (0..200u16).map(|i| (i as u8) ^ seed ^ n).collect();
        out.push(0xA0 | (n % 8));
        out.extend_from_slice(&[0x81, body.len() as u8]);
        out.extend_from_slice(&body);
        n = n.wrapping_add(1);
    }
    out
}

/// Alters BPP segments before they are sent.
pub type Tamper = Box<dyn Fn(&mut Vec<Vec<u8>>)>;

/// How a download runs.
pub struct Download<'a> {
    pub transaction_id: Vec<u8>,
    pub confirmation_code: Option<&'a str>,
    pub replace_keys: bool,
    pub metadata: StoreMetadataRequest,
    pub package: Vec<u8>,
    /// Send the whole BF36 in one STORE DATA sequence instead of segments.
    pub whole: bool,
    /// Segment as lpac does, in 120-byte STORE DATA blocks.
    pub lpac: bool,
    /// Alter the BPP segments before sending.
    pub tamper: Option<Tamper>,
}

impl Download<'_> {
    pub fn new(iccid_last: u8, len: usize) -> Self {
        let iccid = test_iccid(iccid_last);
        Download {
            transaction_id: vec![0x11, 0x22, iccid_last, 0x44],
            confirmation_code: None,
            replace_keys: false,
            metadata: metadata(iccid, "Test profile"),
            package: package(len, iccid_last),
            whole: false,
            lpac: false,
            tamper: None,
        }
    }
}

/// Runs authentication, PrepareDownload and the BPP; returns the decoded
/// ProfileInstallationResult after checking its signature with the eUICC certificate.
pub fn download(
    card: &mut Card,
    cla: u8,
    smdp: &TestSmdp,
    d: &Download<'_>,
) -> ProfileInstallationResult {
    download_capture(card, cla, smdp, d).0
}

/// [`download`], also returning the eUICC's responses (ASN.1 type name, DER).
pub fn download_capture(
    card: &mut Card,
    cla: u8,
    smdp: &TestSmdp,
    d: &Download<'_>,
) -> (ProfileInstallationResult, Vec<(&'static str, Vec<u8>)>) {
    let mut captured = Vec::new();
    let challenge = challenge(card, cla);
    let req = smdp.authenticate_server_request(&d.transaction_id, challenge, Some("MATCHING-ID"));
    let auth = es10(card, cla, &req);
    captured.push(("AuthenticateServerResponse", auth.clone()));
    let (ok, sig1) = smdp.check_authenticate_response(&auth);
    let euicc_cert = rsp_pki::Cert::from_der(ok.euicc_certificate.as_der()).unwrap();
    let hash = d.confirmation_code.map(|c| hash_cc(c, &d.transaction_id));
    let (req, smdp_sig2) =
        smdp.prepare_download_request(&d.transaction_id, &sig1, hash.is_some(), hash);
    let prepared = es10(card, cla, &req);
    captured.push(("PrepareDownloadResponse", prepared.clone()));
    let (otpk, relayed) = smdp.check_prepare_response(&prepared, &euicc_cert, &smdp_sig2);
    assert_eq!(relayed, hash, "hashCc relayed as given");
    let eid = *card.isdr().identity().eid();
    let bpp = smdp.build_bpp(
        &d.transaction_id,
        &otpk,
        &eid,
        &d.metadata,
        &d.package,
        d.replace_keys,
    );
    // Cross-check: the whole BPP decodes as rsp-codec's BoundProfilePackage.
    let decoded: BoundProfilePackage = decode(&bpp.whole()).unwrap();
    assert_eq!(decoded.sequence_of86.0.len(), bpp.s86.len());
    let mut segments = if d.whole {
        vec![bpp.whole()]
    } else if d.lpac {
        bpp.lpac_segments()
    } else {
        bpp.segments()
    };
    let mss = if d.lpac { 120 } else { 255 };
    if let Some(t) = &d.tamper {
        t(&mut segments);
    }
    let mut result = None;
    for (i, seg) in segments.iter().enumerate() {
        let (data, sw) = store_data_mss(card, cla, seg, mss);
        assert_eq!(sw, 0x9000);
        if !data.is_empty() {
            result = Some((i, data));
            break;
        }
    }
    let (at, der) = result.expect("a ProfileInstallationResult");
    let pir: ProfileInstallationResult = decode(&der).unwrap();
    captured.push(("ProfileInstallationResult", der.clone()));
    if let FinalResult::SuccessResult(_) = pir.profile_installation_result_data.value().final_result
    {
        assert_eq!(
            at + 1,
            segments.len(),
            "success only after the last segment"
        );
    }
    euicc_cert
        .public_key()
        .verify_raw(
            pir.profile_installation_result_data.raw(),
            &pir.euicc_sign_pir.0,
        )
        .expect("euiccSignPIR verifies");
    (pir, captured)
}

pub fn new_smdp(curve: Curve) -> (TestSmdp, Identity) {
    let mut smdp = TestSmdp::generate(curve);
    let identity = smdp.take_identity();
    (smdp, identity)
}

pub fn octets(b: &[u8]) -> OctetString {
    b.to_vec().into()
}
