//! A test-side SM-DP+ built only from rsp-codec / rsp-crypto / rsp-pki primitives: it
//! signs what an SM-DP+ signs (SGP.22 §5.6) and builds Bound Profile Packages.

use rasn::types::{ObjectIdentifier, OctetString};
use rsp_codec::asn1::*;
use rsp_crypto::kdf::{ControlReferenceTemplate, SessionKeys, derive_session_keys};
use rsp_crypto::scp03t::{Scp03t, encode_length, encode_tlv};
use rsp_crypto::tr03111::tlv_5f37;
use rsp_crypto::{Curve, KeyAgreement, PublicKey, Signer, SoftwareKey};
use rsp_pki::{Cert, Role, TestPki, TestPkiOptions};
use sha2::{Digest, Sha256};

pub const SMDP_ADDRESS: &str = "smdp.example.com";

/// The SM-DP+ side of one test PKI.
pub struct TestSmdp {
    pub ci: Cert,
    pub ci_key: SoftwareKey,
    pub dpauth: Cert,
    pub dpauth_key: SoftwareKey,
    pub dppb: Cert,
    pub dppb_key: SoftwareKey,
    /// eUICC material of the same PKI (certificate, EUM, key) when generated.
    pub euicc: Option<(Cert, Cert, SoftwareKey)>,
}

fn take(pki: &mut TestPki, role: Role) -> (Cert, SoftwareKey) {
    let pos = pki.issued.iter().position(|i| i.role == role).unwrap();
    let issued = pki.issued.remove(pos);
    (issued.cert, issued.key)
}

impl TestSmdp {
    /// A fresh test PKI on `curve`.
    pub fn generate(curve: Curve) -> Self {
        let mut pki = TestPki::generate(curve, &TestPkiOptions::default()).unwrap();
        let (ci, ci_key) = take(&mut pki, Role::Ci);
        let (eum, _) = take(&mut pki, Role::Eum);
        let (euicc, euicc_key) = take(&mut pki, Role::Euicc);
        let (dpauth, dpauth_key) = take(&mut pki, Role::DpAuth);
        let (dppb, dppb_key) = take(&mut pki, Role::DpPb);
        TestSmdp {
            ci,
            ci_key,
            dpauth,
            dpauth_key,
            dppb,
            dppb_key,
            euicc: Some((euicc, eum, euicc_key)),
        }
    }

    pub fn ci_key_id(&self) -> Vec<u8> {
        self.ci.subject_key_id().unwrap().to_vec()
    }

    /// The eUICC identity of this PKI (moves the eUICC key out).
    pub fn take_identity(&mut self) -> rsp_euicc::Identity {
        let (cert, eum, key) = self.euicc.take().unwrap();
        rsp_euicc::Identity::new(vec![(cert, eum, key)], vec![self.ci.clone()]).unwrap()
    }

    /// ES9+.InitiateAuthentication output + ctxParams1, as the LPA builds
    /// AuthenticateServerRequest (SGP.22 §5.6.1, §5.7.13).
    pub fn authenticate_server_request(
        &self,
        transaction_id: &[u8],
        euicc_challenge: [u8; 16],
        matching_id: Option<&str>,
    ) -> Vec<u8> {
        let signed1 = Raw::new(ServerSigned1 {
            transaction_id: TransactionId(transaction_id.to_vec().into()),
            euicc_challenge: Octet16::new(euicc_challenge),
            server_address: SMDP_ADDRESS.into(),
            server_challenge: Octet16::new([0x5C; 16]),
            ext: Extensions::default(),
        })
        .unwrap();
        let sig = self.dpauth_key.sign_raw(signed1.raw()).unwrap();
        let req = AuthenticateServerRequest {
            server_signed1: signed1,
            server_signature1: sig.to_vec().into(),
            euicc_ci_pk_id_to_be_used: self.ci_key_id().into(),
            server_certificate: Certificate::from_der(self.dpauth.der()).unwrap(),
            ctx_params1: OpenChoice::Known(CtxParams1::CtxParamsForCommonAuthentication(
                CtxParamsForCommonAuthentication {
                    matching_id: matching_id.map(str::to_owned),
                    device_info: DeviceInfo {
                        tac: Octet4::new([0x35, 0x29, 0x06, 0x11]),
                        device_capabilities: DeviceCapabilities::default(),
                        imei: None,
                        ext: Extensions::default(),
                    },
                    ext: Extensions::default(),
                },
            )),
            ext: Extensions::default(),
        };
        encode(&req).unwrap()
    }

    /// Verifies AuthenticateServerResponse as ES9+.AuthenticateClient does (SGP.22
    /// §5.6.3): eUICC chain to our CI, euiccSignature1 over euiccSigned1 as received.
    /// Returns the response and euiccSignature1.
    pub fn check_authenticate_response(&self, der: &[u8]) -> (AuthenticateResponseOk, [u8; 64]) {
        let resp: AuthenticateServerResponse = decode(der).unwrap();
        let ok = match resp {
            AuthenticateServerResponse::AuthenticateResponseOk(ok) => *ok,
            other => panic!("authentication failed: {other:?}"),
        };
        let euicc = Cert::from_der(ok.euicc_certificate.as_der()).unwrap();
        let eum = Cert::from_der(ok.eum_certificate.as_der()).unwrap();
        rsp_pki::TrustStore::with_cis([self.ci.clone()])
            .validate(&euicc, &[eum], Role::Euicc, time::OffsetDateTime::now_utc())
            .unwrap();
        euicc
            .public_key()
            .verify_raw(ok.euicc_signed1.raw(), &ok.euicc_signature1)
            .expect("euiccSignature1 verifies");
        let sig: [u8; 64] = ok.euicc_signature1.as_ref().try_into().unwrap();
        (ok, sig)
    }

    /// PrepareDownloadRequest (SGP.22 §5.6.2 output): smdpSignature2 over smdpSigned2 ‖
    /// the euiccSignature1 TLV.
    pub fn prepare_download_request(
        &self,
        transaction_id: &[u8],
        euicc_signature1: &[u8; 64],
        cc_required: bool,
        hash_cc: Option<[u8; 32]>,
    ) -> (Vec<u8>, [u8; 64]) {
        let signed2 = Raw::new(SmdpSigned2 {
            transaction_id: TransactionId(transaction_id.to_vec().into()),
            cc_required_flag: cc_required,
            bpp_euicc_otpk: None,
            ext: Extensions::default(),
        })
        .unwrap();
        let mut msg = signed2.raw().to_vec();
        msg.extend_from_slice(&tlv_5f37(euicc_signature1));
        let sig = self.dppb_key.sign_raw(&msg).unwrap();
        let req = PrepareDownloadRequest {
            smdp_signed2: signed2,
            smdp_signature2: sig.to_vec().into(),
            hash_cc: hash_cc.map(Octet32::new),
            smdp_certificate: Certificate::from_der(self.dppb.der()).unwrap(),
            ext: Extensions::default(),
        };
        (encode(&req).unwrap(), sig)
    }

    /// Checks PrepareDownloadResponse as ES9+.GetBoundProfilePackage does (SGP.22
    /// §5.6.2): euiccSignature2 over euiccSigned2 ‖ smdpSignature2 TLV. Returns
    /// otPK.EUICC.ECKA and the hashCc the eUICC relayed.
    pub fn check_prepare_response(
        &self,
        der: &[u8],
        euicc_cert: &Cert,
        smdp_signature2: &[u8; 64],
    ) -> (Vec<u8>, Option<[u8; 32]>) {
        let resp: PrepareDownloadResponse = decode(der).unwrap();
        let ok = match resp {
            PrepareDownloadResponse::DownloadResponseOk(ok) => ok,
            other => panic!("prepare download failed: {other:?}"),
        };
        let mut msg = ok.euicc_signed2.raw().to_vec();
        msg.extend_from_slice(&tlv_5f37(smdp_signature2));
        euicc_cert
            .public_key()
            .verify_raw(&msg, &ok.euicc_signature2)
            .expect("euiccSignature2 verifies");
        let signed = ok.euicc_signed2.value();
        (
            signed.euicc_otpk.to_vec(),
            signed.hash_cc.map(|h| *h.as_bytes()),
        )
    }

    /// A Bound Profile Package (SGP.22 §2.5.4) for `package`, bound to otPK.EUICC.
    pub fn build_bpp(
        &self,
        transaction_id: &[u8],
        euicc_otpk: &[u8],
        eid: &[u8; 16],
        metadata: &StoreMetadataRequest,
        package: &[u8],
        replace_keys: bool,
    ) -> Bpp {
        let curve = self.dppb.public_key().curve();
        let ot_dp = SoftwareKey::generate(curve).unwrap();
        let host_id = b"TEST-SMDP-HOST".to_vec();
        // InitialiseSecureChannelRequest: smdpSign over the fields before it ‖ 5F49 otPK.EUICC.
        let mut isc = InitialiseSecureChannelRequest {
            remote_op_id: RemoteOpId::INSTALL_BOUND_PROFILE_PACKAGE,
            transaction_id: TransactionId(transaction_id.to_vec().into()),
            control_ref_template: ControlRefTemplate {
                key_type: Octet1::new([0x88]),
                key_len: Octet1::new([0x10]),
                host_id: OctetTo16(host_id.clone().into()),
                ext: Extensions::default(),
            },
            smdp_otpk: KeyAgreement::public_key(&ot_dp)
                .sec1_uncompressed()
                .to_vec()
                .into(),
            smdp_sign: OctetString::from(Vec::new()),
            ext: Extensions::default(),
        };
        let unsigned = encode(&isc).unwrap();
        // Fields before 5F37: everything after the BF23 header, minus the empty "5F37 00".
        let header = if unsigned[2] & 0x80 != 0 {
            3 + (unsigned[2] & 0x7F) as usize
        } else {
            3
        };
        let mut msg = unsigned[header..unsigned.len() - 3].to_vec();
        msg.extend_from_slice(&encode_tlv(&[0x5F, 0x49], euicc_otpk));
        isc.smdp_sign = self.dppb_key.sign_raw(&msg).unwrap().to_vec().into();
        let isc_tlv = encode(&isc).unwrap();

        let euicc_pk = PublicKey::from_sec1(curve, euicc_otpk).unwrap();
        let shs = ot_dp.ecka(&euicc_pk).unwrap();
        let keys =
            derive_session_keys(&shs, &ControlReferenceTemplate::aes128(&host_id), eid).unwrap();
        let mut scp = Scp03t::new(keys);
        let configure = encode(&ConfigureISDPRequest {
            dp_proprietary_data: Some(DpProprietaryData {
                dp_oid: ObjectIdentifier::new(vec![2, 999, 10]).unwrap(),
                ext: Extensions::default(),
            }),
            ext: Extensions::default(),
        })
        .unwrap();
        let s87 = scp.configure_isdp(&configure).unwrap();
        let s88 = scp.store_metadata(&encode(metadata).unwrap()).unwrap();
        let (second87, s86) = if replace_keys {
            let ppk = SessionKeys::generate().unwrap();
            let rsk = ReplaceSessionKeysRequest {
                initial_mac_chaining_value: ppk.initial_mcv().to_vec().into(),
                ppk_enc: ppk.s_enc().to_vec().into(),
                ppk_cmac: ppk.s_mac().to_vec().into(),
                ext: Extensions::default(),
            };
            let second = scp.replace_session_keys(&encode(&rsk).unwrap()).unwrap();
            let mut ppk_scp = Scp03t::new(ppk);
            (Some(second), ppk_scp.profile_segments(package).unwrap())
        } else {
            (None, scp.profile_segments(package).unwrap())
        };
        Bpp {
            isc: isc_tlv,
            s87,
            s88,
            second87,
            s86,
        }
    }
}

/// SHA-256(SHA-256(confirmation code) ‖ transactionId) (SGP.22 §3.1.3, hashCc).
pub fn hash_cc(code: &str, transaction_id: &[u8]) -> [u8; 32] {
    let inner = Sha256::digest(code.as_bytes());
    let mut h = Sha256::new();
    h.update(inner);
    h.update(transaction_id);
    h.finalize().into()
}

/// A BPP as its parts.
pub struct Bpp {
    pub isc: Vec<u8>,
    pub s87: Vec<Vec<u8>>,
    pub s88: Vec<Vec<u8>>,
    pub second87: Option<Vec<Vec<u8>>>,
    pub s86: Vec<Vec<u8>>,
}

fn header(tag: &[u8], len: usize) -> Vec<u8> {
    let mut out = tag.to_vec();
    encode_length(len, &mut out);
    out
}

fn total(items: &[Vec<u8>]) -> usize {
    items.iter().map(Vec::len).sum()
}

impl Bpp {
    fn groups(&self) -> Vec<(u8, &Vec<Vec<u8>>)> {
        let mut g = vec![(0xA0, &self.s87), (0xA1, &self.s88)];
        if let Some(second) = &self.second87 {
            g.push((0xA2, second));
        }
        g.push((0xA3, &self.s86));
        g
    }

    /// The whole `BF36` TLV.
    pub fn whole(&self) -> Vec<u8> {
        let mut body = self.isc.clone();
        for (tag, items) in self.groups() {
            body.extend(header(&[tag], total(items)));
            for i in items {
                body.extend_from_slice(i);
            }
        }
        let mut out = header(&[0xBF, 0x36], body.len());
        out.extend(body);
        out
    }

    /// The segments of SGP.22 §2.5.5 / §5.7.6: BF36 header + BF23; A0 header + first 87;
    /// each further 87; A1 header; each 88; A2 header + first 87; ...; A3 header; each 86.
    pub fn segments(&self) -> Vec<Vec<u8>> {
        let whole = self.whole();
        let bf36_header_len = {
            let l = whole[2];
            if l & 0x80 != 0 {
                3 + (l & 0x7F) as usize
            } else {
                3
            }
        };
        let mut first = whole[..bf36_header_len].to_vec();
        first.extend_from_slice(&self.isc);
        let mut out = vec![first];
        for (tag, items) in self.groups() {
            let h = header(&[tag], total(items));
            if tag == 0xA0 || tag == 0xA2 {
                let mut s = h;
                s.extend_from_slice(&items[0]);
                out.push(s);
                out.extend(items[1..].iter().cloned());
            } else {
                out.push(h);
                out.extend(items.iter().cloned());
            }
        }
        out
    }

    /// The segmentation lpac uses: BF36 header + BF23; the whole A0; A1 header; each 88;
    /// the whole A2; A3 header; each 86.
    pub fn lpac_segments(&self) -> Vec<Vec<u8>> {
        let segs = self.segments();
        let mut out = vec![segs[0].clone()];
        for (tag, items) in self.groups() {
            let mut h = header(&[tag], total(items));
            if tag == 0xA0 || tag == 0xA2 {
                for i in items {
                    h.extend_from_slice(i);
                }
                out.push(h);
            } else {
                out.push(h);
                out.extend(items.iter().cloned());
            }
        }
        out
    }
}
