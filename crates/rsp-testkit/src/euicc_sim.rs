//! A test-side eUICC + LPA built only from rsp-codec / rsp-crypto / rsp-pki primitives: it
//! checks every SM-DP+ signature independently and opens the BPP with its own session keys.
//! It drives the SM-DP+ ES9+ domain service (rsp-storage tests) and its HTTP binding
//! (rsp-http tests) through one download: [`Euicc::info1`], [`Euicc::authenticate_server`],
//! [`Euicc::prepare_download`], [`Euicc::load_bpp`], then the notifications.
//!
//! The Confirmation Code hash (SGP.22 hashCc = SHA256(SHA256(CC) | TransactionID)) is computed
//! here with plain SHA-256, not with the SM-DP+'s own code, so the tests cross-check it.

use std::path::Path;

use rasn::types::{Integer, ObjectIdentifier};
use rsp_codec::asn1::{
    self, AuthenticateClientOk, AuthenticateResponseOk, AuthenticateServerResponse,
    BoundProfilePackage, CancelSessionReason, CancelSessionResponse, CancelSessionResponseOk,
    Certificate, CtxParams1, CtxParamsForCommonAuthentication, DeviceCapabilities, DeviceInfo,
    EUICCInfo1, EUICCInfo2, EUICCSigned2, EuiccCancelSessionSigned, EuiccSignPIR, EuiccSigned1,
    Extensions, FinalResult, InitiateAuthenticationOkEs9, NotificationEvent, NotificationMetadata,
    Octet4, Octet32, PendingNotification, PprIds, PrepareDownloadResponse,
    PrepareDownloadResponseOk, ProfileInstallationResult, ProfileInstallationResultData, Raw,
    RspCapability, StoreMetadataRequest, SuccessResult, TransactionId, UICCCapability, VersionType,
    signed_part_of_initialise_secure_channel,
};
use rsp_crypto::kdf::{ControlReferenceTemplate, derive_session_keys};
use rsp_crypto::scp03t::{Scp03t, encode_tlv};
use rsp_crypto::tr03111::tlv_5f37;
use rsp_crypto::{KeyAgreement, PublicKey, Signer, SoftwareKey};
use rsp_pki::{Cert, Role, TestPki};
use sha2::{Digest, Sha256};

/// One eUICC: its certificates and key, and the state of the current session.
pub struct Euicc {
    /// EID (serialNumber of the eUICC certificate's subject).
    pub eid: String,
    /// CERT.EUICC.ECDSA.
    pub euicc_cert: Cert,
    /// CERT.EUM.ECDSA.
    pub eum_cert: Cert,
    /// SK.EUICC.ECDSA.
    pub key: SoftwareKey,
    /// CI key id announced in EUICCInfo1.
    pub ci_key_id: Vec<u8>,
    /// Free NVM announced in extCardResource.
    pub free_nvm: u32,
    /// euiccChallenge of the current session.
    pub challenge: [u8; 16],
    tid: Vec<u8>,
    euicc_signature1: [u8; 64],
    smdp_signature2: [u8; 64],
    dp_pb: Option<PublicKey>,
    /// otSK.EUICC.ECKA of the current download (after PrepareDownload).
    pub otsk: Option<SoftwareKey>,
    /// `forbiddenProfilePolicyRules` announced in EUICCInfo2 (tag 99); `None`: absent.
    pub forbidden_ppr: Option<PprIds>,
    /// `svn` announced in EUICCInfo1 and EUICCInfo2 (default 2.2.0).
    pub svn: [u8; 3],
    /// `profileVersion` announced in EUICCInfo2 (default 2.3.1).
    pub profile_version: [u8; 3],
    /// `euiccCiPKIdListForVerification` / `…ForSigning` announced instead of
    /// [`Euicc::ci_key_id`] alone; `euiccCiPKIdToBeUsed` is then not asserted.
    pub ci_lists: Option<CiLists>,
    /// A transactionId to put inside euiccSigned1 / euiccSigned2 instead of the session's.
    pub signed_tid: Option<Vec<u8>>,
}

/// The two CI key lists of EUICCInfo1/EUICCInfo2 (SGP.22 §4.3).
#[derive(Debug, Clone, Default)]
pub struct CiLists {
    /// `euiccCiPKIdListForVerification`.
    pub verification: Vec<Vec<u8>>,
    /// `euiccCiPKIdListForSigning`.
    pub signing: Vec<Vec<u8>>,
}

fn copy_key(k: &SoftwareKey) -> SoftwareKey {
    SoftwareKey::from_pkcs8_der(&k.to_pkcs8_der()).unwrap()
}

impl Euicc {
    /// The eUICC of the in-memory `pki` (certificates chained to its CI).
    pub fn of(pki: &TestPki) -> Self {
        let euicc = pki.get(Role::Euicc).unwrap();
        Self::with(
            pki,
            euicc.cert.clone(),
            pki.get(Role::Eum).unwrap().cert.clone(),
            copy_key(&euicc.key),
        )
    }

    /// An eUICC with its own certificate, EUM certificate and key, announcing the CI of `pki`.
    pub fn with(pki: &TestPki, euicc_cert: Cert, eum_cert: Cert, key: SoftwareKey) -> Self {
        let ci = pki
            .get(Role::Ci)
            .unwrap()
            .cert
            .subject_key_id()
            .unwrap()
            .to_vec();
        Self::from_parts(ci, euicc_cert, eum_cert, key)
    }

    /// The eUICC of the PKI written in `dir` (as `TestPki::write_to` / `rsp pki init` do:
    /// `ci.pem`, `eum.pem`, `euicc.pem`, `euicc.key.pem`).
    pub fn from_dir(dir: &Path) -> Self {
        let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();
        let cert = |name: &str| Cert::from_pem(&read(name)).unwrap();
        let key = SoftwareKey::from_pem(&read("euicc.key.pem")).unwrap();
        let ci = cert("ci.pem").subject_key_id().unwrap().to_vec();
        Self::from_parts(ci, cert("euicc.pem"), cert("eum.pem"), key)
    }

    /// An eUICC announcing CI `ci_key_id`.
    pub fn from_parts(
        ci_key_id: Vec<u8>,
        euicc_cert: Cert,
        eum_cert: Cert,
        key: SoftwareKey,
    ) -> Self {
        let eid = euicc_cert.subject_serial_number().unwrap();
        let mut challenge = [0u8; 16];
        getrandom::fill(&mut challenge).unwrap();
        Self {
            eid,
            euicc_cert,
            eum_cert,
            key,
            ci_key_id,
            free_nvm: 1_000_000,
            challenge,
            tid: Vec::new(),
            euicc_signature1: [0; 64],
            smdp_signature2: [0; 64],
            dp_pb: None,
            otsk: None,
            forbidden_ppr: None,
            svn: [2, 2, 0],
            profile_version: [2, 3, 1],
            ci_lists: None,
            signed_tid: None,
        }
    }

    /// A fresh euiccChallenge (new session).
    pub fn new_challenge(&mut self) {
        getrandom::fill(&mut self.challenge).unwrap();
    }

    /// EUICCInfo1 DER (for ES9+.InitiateAuthentication).
    pub fn info1(&self) -> Vec<u8> {
        let (verification, signing) = self.ci_key_lists();
        asn1::encode(&EUICCInfo1 {
            svn: VersionType::new(self.svn),
            euicc_ci_pk_id_list_for_verification: verification,
            euicc_ci_pk_id_list_for_signing: signing,
            ext: Extensions::default(),
        })
        .unwrap()
    }

    fn ci_key_lists<T: From<Vec<u8>>>(&self) -> (Vec<T>, Vec<T>) {
        let list = |l: &[Vec<u8>]| l.iter().map(|k| T::from(k.clone())).collect();
        match &self.ci_lists {
            Some(c) => (list(&c.verification), list(&c.signing)),
            None => (
                list(std::slice::from_ref(&self.ci_key_id)),
                list(std::slice::from_ref(&self.ci_key_id)),
            ),
        }
    }

    /// The transactionId to sign: the session's, or [`Euicc::signed_tid`].
    fn tid_to_sign(&self) -> TransactionId {
        TransactionId(
            self.signed_tid
                .clone()
                .unwrap_or_else(|| self.tid.clone())
                .into(),
        )
    }

    fn info2(&self) -> EUICCInfo2 {
        let mut ext_card_resource = vec![0x81, 0x01, 0x00, 0x82, 0x04];
        ext_card_resource.extend_from_slice(&self.free_nvm.to_be_bytes());
        let (verification, signing) = self.ci_key_lists();
        EUICCInfo2 {
            profile_version: VersionType::new(self.profile_version),
            svn: VersionType::new(self.svn),
            euicc_firmware_ver: VersionType::from_parts(1, 0, 0),
            ext_card_resource: ext_card_resource.into(),
            uicc_capability: UICCCapability::default(),
            ts102241_version: None,
            globalplatform_version: None,
            rsp_capability: RspCapability::default(),
            euicc_ci_pk_id_list_for_verification: verification,
            euicc_ci_pk_id_list_for_signing: signing,
            euicc_category: None,
            forbidden_profile_policy_rules: self.forbidden_ppr.clone(),
            pp_version: VersionType::from_parts(0, 0, 1),
            sas_acreditation_number: "TEST-SAS".into(),
            certification_data_object: None,
            tre_properties: None,
            tre_product_reference: None,
            additional_euicc_profile_package_versions: None,
            ext: Extensions::default(),
        }
    }

    /// ES10b.AuthenticateServer: checks serverSignature1 with CERT.DPauth and the echoed
    /// challenge, then signs euiccSigned1. Returns the AuthenticateServerResponse DER.
    pub fn authenticate_server(
        &mut self,
        init: &InitiateAuthenticationOkEs9,
        matching_id: Option<&str>,
    ) -> Vec<u8> {
        let dp_auth = Cert::from_der(init.server_certificate.as_der()).unwrap();
        dp_auth
            .public_key()
            .verify_raw(init.server_signed1.raw(), &init.server_signature1)
            .expect("serverSignature1 verifies with CERT.DPauth");
        let s1 = init.server_signed1.value();
        assert_eq!(s1.euicc_challenge.as_bytes(), &self.challenge);
        if self.ci_lists.is_none() {
            assert_eq!(
                init.euicc_ci_pk_id_to_be_used.as_ref(),
                self.ci_key_id.as_slice()
            );
        }
        self.tid = init.transaction_id.as_bytes().to_vec();
        let signed1 = Raw::new(EuiccSigned1 {
            transaction_id: self.tid_to_sign(),
            server_address: s1.server_address.clone(),
            server_challenge: s1.server_challenge,
            euicc_info2: self.info2(),
            ctx_params1: CtxParams1::CtxParamsForCommonAuthentication(
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
            )
            .into(),
            ext: Extensions::default(),
        })
        .unwrap();
        self.euicc_signature1 = self.key.sign_raw(signed1.raw()).unwrap();
        asn1::encode(&AuthenticateServerResponse::AuthenticateResponseOk(
            Box::new(AuthenticateResponseOk {
                euicc_signed1: signed1,
                euicc_signature1: self.euicc_signature1.to_vec().into(),
                euicc_certificate: Certificate::from_der(self.euicc_cert.der()).unwrap(),
                eum_certificate: Certificate::from_der(self.eum_cert.der()).unwrap(),
                ext: Extensions::default(),
            }),
        ))
        .unwrap()
    }

    /// Breaks the last euiccSignature1 inside an AuthenticateServerResponse DER.
    pub fn corrupt_signature1(&self, der: &mut [u8]) {
        let pos = der
            .windows(self.euicc_signature1.len())
            .position(|w| w == self.euicc_signature1)
            .unwrap();
        der[pos + 10] ^= 0x01;
    }

    /// ES10b.PrepareDownload: checks smdpSignature2 with CERT.DPpb over smdpSigned2 ‖
    /// euiccSignature1 TLV, makes a fresh otPK.EUICC and signs euiccSigned2.
    pub fn prepare_download(&mut self, auth: &AuthenticateClientOk, cc: Option<&str>) -> Vec<u8> {
        let dp_pb = Cert::from_der(auth.smdp_certificate.as_der()).unwrap();
        let mut msg = auth.smdp_signed2.raw().to_vec();
        msg.extend_from_slice(&tlv_5f37(&self.euicc_signature1));
        dp_pb
            .public_key()
            .verify_raw(&msg, &auth.smdp_signature2)
            .expect("smdpSignature2 verifies with CERT.DPpb");
        let signed2 = auth.smdp_signed2.value();
        assert_eq!(signed2.transaction_id.as_bytes(), self.tid.as_slice());
        assert_eq!(signed2.cc_required_flag, cc.is_some());
        self.smdp_signature2 = auth.smdp_signature2.as_ref().try_into().unwrap();
        self.dp_pb = Some(dp_pb.public_key().clone());
        // SGP.22 §5.7.4 (ES10b.PrepareDownload): with bppEuiccOtpk naming the otPK.EUICC
        // this eUICC still holds, it keeps that pair; otherwise it makes a fresh one.
        let kept = match (&signed2.bpp_euicc_otpk, &self.otsk) {
            (Some(pk), Some(sk)) => pk.as_ref() == KeyAgreement::public_key(sk).sec1_uncompressed(),
            _ => false,
        };
        if !kept {
            self.otsk = Some(SoftwareKey::generate(Signer::curve(&self.key)).unwrap());
        }
        self.prepare_download_again(cc, false)
    }

    /// PrepareDownloadResponse with the current otPK.EUICC (`corrupt`: bad signature).
    pub fn prepare_download_again(&self, cc: Option<&str>, corrupt: bool) -> Vec<u8> {
        let otpk = KeyAgreement::public_key(self.otsk.as_ref().unwrap())
            .sec1_uncompressed()
            .to_vec();
        let hash_cc = cc.map(|code| {
            let inner = Sha256::digest(code.as_bytes());
            let mut h = Sha256::new();
            h.update(inner);
            h.update(&self.tid);
            Octet32::new(h.finalize().into())
        });
        let signed2 = Raw::new(EUICCSigned2 {
            transaction_id: self.tid_to_sign(),
            euicc_otpk: otpk.into(),
            hash_cc,
            ext: Extensions::default(),
        })
        .unwrap();
        let mut msg = signed2.raw().to_vec();
        msg.extend_from_slice(&tlv_5f37(&self.smdp_signature2));
        let mut sig = self.key.sign_raw(&msg).unwrap();
        if corrupt {
            sig[5] ^= 0x80;
        }
        asn1::encode(&PrepareDownloadResponse::DownloadResponseOk(
            PrepareDownloadResponseOk {
                euicc_signed2: signed2,
                euicc_signature2: sig.to_vec().into(),
                ext: Extensions::default(),
            },
        ))
        .unwrap()
    }

    /// ES8+ on the eUICC: checks smdpSign, agrees the session keys and opens every
    /// segment. Returns (StoreMetadataRequest, profile package bytes).
    pub fn load_bpp(&self, bpp: &BoundProfilePackage) -> (StoreMetadataRequest, Vec<u8>) {
        let isc = &bpp.initialise_secure_channel_request;
        let otsk = self.otsk.as_ref().unwrap();
        let mut msg = signed_part_of_initialise_secure_channel(isc)
            .unwrap()
            .to_vec();
        msg.extend_from_slice(&encode_tlv(
            &[0x5F, 0x49],
            KeyAgreement::public_key(otsk).sec1_uncompressed(),
        ));
        self.dp_pb
            .as_ref()
            .unwrap()
            .verify_raw(&msg, &isc.value().smdp_sign)
            .expect("smdpSign verifies with CERT.DPpb");
        let req = isc.value();
        assert_eq!(req.transaction_id.as_bytes(), self.tid.as_slice());
        assert_eq!(req.control_ref_template.key_type.as_bytes(), &[0x88]);
        assert_eq!(req.control_ref_template.key_len.as_bytes(), &[0x10]);
        let dp_otpk = PublicKey::from_sec1(KeyAgreement::curve(otsk), &req.smdp_otpk).unwrap();
        let shs = otsk.ecka(&dp_otpk).unwrap();
        let eid = hex::decode(&self.eid).unwrap();
        let host_id = req.control_ref_template.host_id.0.to_vec();
        let keys =
            derive_session_keys(&shs, &ControlReferenceTemplate::aes128(&host_id), &eid).unwrap();
        let mut scp = Scp03t::new(keys);
        let open = |scp: &mut Scp03t, tag: u8, values: Vec<&[u8]>| {
            let tlvs: Vec<Vec<u8>> = values.iter().map(|v| encode_tlv(&[tag], v)).collect();
            scp.unprotect_segments(tag, tlvs.iter().map(Vec::as_slice))
                .unwrap()
        };
        let configure = open(
            &mut scp,
            0x87,
            bpp.first_sequence_of87
                .0
                .iter()
                .map(|t| t.0.as_ref())
                .collect(),
        );
        assert_eq!(configure[..2], [0xBF, 0x24]);
        let metadata = open(
            &mut scp,
            0x88,
            bpp.sequence_of88.0.iter().map(|t| t.0.as_ref()).collect(),
        );
        let profile = open(
            &mut scp,
            0x86,
            bpp.sequence_of86.0.iter().map(|t| t.0.as_ref()).collect(),
        );
        (asn1::decode(&metadata).unwrap(), profile)
    }

    /// The ProfileInstallationResult notification (PendingNotification DER).
    pub fn installation_result(&self, iccid_bcd: [u8; 10], success: bool) -> Vec<u8> {
        let final_result = if success {
            FinalResult::SuccessResult(SuccessResult {
                aid: vec![0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0x01].into(),
                sima_response: vec![0x30, 0x03, 0x80, 0x01, 0x00].into(),
                ext: Extensions::default(),
            })
        } else {
            FinalResult::ErrorResult(asn1::ErrorResult {
                bpp_command_id: asn1::BppCommandId::LOAD_PROFILE_ELEMENTS,
                error_reason: asn1::ErrorReason::INSTALL_FAILED_DUE_TO_PE_PROCESSING_ERROR,
                sima_response: None,
                ext: Extensions::default(),
            })
        };
        let data = Raw::new(ProfileInstallationResultData {
            transaction_id: TransactionId(self.tid.clone().into()),
            notification_metadata: NotificationMetadata {
                seq_number: Integer::from(1),
                profile_management_operation: NotificationEvent::from_bits(&[
                    NotificationEvent::NOTIFICATION_INSTALL,
                ]),
                notification_address: "smdp.example.com".into(),
                iccid: Some(asn1::Iccid::new(iccid_bcd)),
                ext: Extensions::default(),
            },
            smdp_oid: ObjectIdentifier::new(vec![2, 999, 10]).unwrap(),
            final_result,
            ext: Extensions::default(),
        })
        .unwrap();
        let sig = self.key.sign_raw(data.raw()).unwrap();
        asn1::encode(&PendingNotification::ProfileInstallationResult(
            ProfileInstallationResult {
                profile_installation_result_data: data,
                euicc_sign_pir: EuiccSignPIR(sig.to_vec().into()),
                ext: Extensions::default(),
            },
        ))
        .unwrap()
    }

    /// An OtherSignedNotification (PendingNotification DER) for `event_bit`
    /// (NotificationEvent: 1 enable, 2 disable, 3 delete).
    pub fn other_notification(&self, iccid_bcd: [u8; 10], event_bit: usize) -> Vec<u8> {
        let tbs = Raw::new(NotificationMetadata {
            seq_number: Integer::from(2),
            profile_management_operation: NotificationEvent::from_bits(&[event_bit]),
            notification_address: "smdp.example.com".into(),
            iccid: Some(asn1::Iccid::new(iccid_bcd)),
            ext: Extensions::default(),
        })
        .unwrap();
        let sig = self.key.sign_raw(tbs.raw()).unwrap();
        asn1::encode(&PendingNotification::OtherSignedNotification(
            asn1::OtherSignedNotification {
                tbs_other_notification: tbs,
                euicc_notification_signature: sig.to_vec().into(),
                euicc_certificate: Certificate::from_der(self.euicc_cert.der()).unwrap(),
                eum_certificate: Certificate::from_der(self.eum_cert.der()).unwrap(),
                ext: Extensions::default(),
            },
        ))
        .unwrap()
    }

    /// ES10b.CancelSession response (CancelSessionResponse DER).
    pub fn cancel_session(&self, reason: CancelSessionReason) -> Vec<u8> {
        self.cancel_session_naming(reason, &[2, 999, 10])
    }

    /// A CancelSessionResponse whose smdpOid is `smdp_oid` (arcs).
    pub fn cancel_session_naming(&self, reason: CancelSessionReason, smdp_oid: &[u32]) -> Vec<u8> {
        let signed = Raw::new(EuiccCancelSessionSigned {
            transaction_id: self.tid_to_sign(),
            smdp_oid: ObjectIdentifier::new(smdp_oid.to_vec()).unwrap(),
            reason,
            ext: Extensions::default(),
        })
        .unwrap();
        let sig = self.key.sign_raw(signed.raw()).unwrap();
        asn1::encode(&CancelSessionResponse::CancelSessionResponseOk(
            CancelSessionResponseOk {
                euicc_cancel_session_signed: signed,
                euicc_cancel_session_signature: sig.to_vec().into(),
                ext: Extensions::default(),
            },
        ))
        .unwrap()
    }

    /// TransactionID of the current session (empty before AuthenticateServer).
    pub fn transaction_id(&self) -> &[u8] {
        &self.tid
    }
}
