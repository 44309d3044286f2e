//! The project's own generic USIM+ISIM template, built by code with test values
//! (committed as `templates/generic-usim-isim.der`, checked by a test).
//!
//! Layout (TCA SAIP v3.3.1 §8.1): header, MF, PUK codes, PIN codes, USIM, OPT-USIM,
//! PIN codes (USIM), AKA (Milenage), ISIM, PIN codes (ISIM), AKA, MNO security domain, end.
//! Test values: ICCID 8900100000000000002 (prefix 89 001 = test), IMSI 001010000000001
//! (test network 001-01), K/OPc of 3GPP TS 35.207 test set 1, PIN1 0000, PIN2 0000,
//! PUKs 11111111/22222222, ADM1 88888888, OTA keys 01…, MSISDN +0010000001.

use rasn::types::{ObjectIdentifier, OctetString};

use crate::bcd::{DiallingNumber, Iccid, Imsi};
use crate::model::aka::algorithm;
use crate::model::header::MandatoryAid;
use crate::model::pin::key_ref;
use crate::model::security_domain::KeyComponent;
use crate::model::*;
use crate::package::{Element, ProfilePackage};

/// File name of the committed template, relative to the crate root.
pub const GENERIC_PATH: &str = "templates/generic-usim-isim.der";

/// USIM AID used by the template (RID A000000087, application code 1002, ETSI TS 101 220).
pub const USIM_AID: [u8; 16] = [
    0xA0, 0, 0, 0, 0x87, 0x10, 0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x01, 0x00,
];
/// ISIM AID used by the template (application code 1004).
pub const ISIM_AID: [u8; 16] = [
    0xA0, 0, 0, 0, 0x87, 0x10, 0x04, 0xFF, 0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x01, 0x00,
];

/// Test values of the template.
pub mod values {
    pub const ICCID: &str = "8900100000000000002";
    pub const IMSI: &str = "001010000000001";
    /// 3GPP TS 35.207 §4.3 test set 1.
    pub const K: &str = "465b5ce8b199b49faa5f0a2ee238a6bc";
    pub const OPC: &str = "cd63cb71954a9f4e48a5994e37a02baf";
    pub const MSISDN: &str = "+0010000001";
}

const TCA_TEMPLATES: [u32; 5] = [2, 23, 143, 1, 2];

fn template_oid(n: u32) -> ObjectIdentifier {
    let mut arcs = TCA_TEMPLATES.to_vec();
    arcs.push(n);
    // Valid: first arc 2, at least two arcs.
    ObjectIdentifier::new(arcs)
        .unwrap_or_else(|| ObjectIdentifier::from(rasn::types::Oid::const_new(&[2, 23, 143])))
}

fn os(b: &[u8]) -> OctetString {
    OctetString::from_slice(b)
}

fn content(b: &[u8]) -> File {
    File(vec![FileItem::FillFileContent(os(b))])
}

fn ef(fcp: Fcp, data: Option<&[u8]>) -> File {
    let mut items = vec![FileItem::FileDescriptor(Box::new(fcp))];
    if let Some(d) = data {
        items.push(FileItem::FillFileContent(os(d)));
    }
    File(items)
}

/// FCP of a linear fixed EF (TS 102 221 §11.1.1.4.3): descriptor '42 21 00 rec', size.
fn linear_fixed(fid: [u8; 2], record: u8, records: u8, arr_record: u8) -> Fcp {
    Fcp {
        file_descriptor: Some(os(&[0x42, 0x21, 0x00, record])),
        file_id: Some(os(&fid)),
        security_attributes_referenced: Some(os(&[0x6F, 0x06, arr_record])),
        ef_file_size: Some(os(&[record.saturating_mul(records)])),
        ..Fcp::default()
    }
}

fn adf(fid: [u8; 2], aid: &[u8]) -> File {
    File(vec![FileItem::FileDescriptor(Box::new(Fcp {
        file_id: Some(os(&fid)),
        df_name: Some(os(aid)),
        security_attributes_referenced: Some(os(&[0x2F, 0x06, 0x01])),
        // PS_DO and key references PIN1, ADM1, ADM2 (TS 102 221 §9.5.2, SAIP §8.3.2).
        pin_status_template_do: Some(os(&[0x81, 0x01, 0x0A, 0x0B])),
        ..Fcp::default()
    }))])
}

/// EF.DIR record (TS 102 221 §13.1): '61' { '4F' AID, '50' label }, padded to `len`.
fn dir_record(aid: &[u8], label: &str, len: usize) -> Vec<u8> {
    let mut inner = vec![0x4F, aid.len() as u8];
    inner.extend_from_slice(aid);
    inner.extend([0x50, label.len() as u8]);
    inner.extend_from_slice(label.as_bytes());
    let mut rec = vec![0x61, inner.len() as u8];
    rec.extend(inner);
    rec.resize(len, 0xFF);
    rec
}

/// TLV '80' with an IMS identity (TS 31.103 §4.2.2–4.2.4).
fn nai(s: &str) -> Vec<u8> {
    let mut v = vec![0x80, s.len() as u8];
    v.extend_from_slice(s.as_bytes());
    v
}

fn pin(
    reference: u8,
    value: &[u8],
    puk: Option<u8>,
    attributes: Option<u8>,
    tries: Option<u8>,
) -> PinConfiguration {
    let mut v = value.to_vec();
    v.resize(8, 0xFF);
    PinConfiguration {
        key_reference: reference,
        pin_value: v.into(),
        unblocking_pin_reference: puk,
        pin_attributes: attributes,
        max_num_of_attemps_retry_num_left: tries,
    }
}

fn aka(id: u16) -> ProfileElement {
    ProfileElement::AkaParameter(Box::new(PeAkaParameter {
        aka_header: PeHeader {
            mandated: Some(()),
            identification: id,
        },
        algo_configuration: AlgoConfiguration::AlgoParameter(AlgoParameter {
            algorithm_id: algorithm::MILENAGE,
            algorithm_options: os(&[0x01]),
            key: hex::decode(values::K).unwrap_or_default().into(),
            opc: hex::decode(values::OPC).unwrap_or_default().into(),
            rotation_constants: None,
            xoring_constants: None,
            auth_counter_max: None,
            number_of_keccak: None,
        }),
        sqn_options: None,
        sqn_delta: None,
        sqn_age_limit: None,
        sqn_init: None,
    }))
}

fn key(usage: u8, id: u8, fill: u8) -> KeyObject {
    KeyObject {
        key_usage_qualifier: os(&[usage]),
        key_access: None,
        key_identifier: os(&[id]),
        key_version_number: os(&[0x01]),
        key_counter_value: None,
        key_components: vec![KeyComponent {
            key_type: os(&[0x88]),
            key_data: vec![fill; 16].into(),
            mac_length: None,
        }],
    }
}

fn header(iccid: &Iccid) -> ProfileHeader {
    let mut services = ServicesList::default();
    for s in ["usim", "isim", "milenage"] {
        services.set(s, true);
    }
    ProfileHeader {
        major_version: 2,
        minor_version: 3,
        profile_type: Some("rsp generic USIM+ISIM test profile".into()),
        iccid: iccid.header_bytes().into(),
        pol: None,
        euicc_mandatory_services: services,
        euicc_mandatory_gfste_list: [1, 4, 5, 8].into_iter().map(template_oid).collect(),
        connectivity_parameters: None,
        euicc_mandatory_aids: None::<Vec<MandatoryAid>>,
        iot_options: None,
    }
}

fn mf(iccid: &Iccid) -> PeMf {
    PeMf {
        mf_header: PeHeader {
            mandated: Some(()),
            identification: 1,
        },
        template_id: template_oid(1),
        mf: File::default(),
        ef_pl: None,
        ef_iccid: content(&iccid.ef_iccid()),
        ef_dir: ef(
            linear_fixed([0x2F, 0x00], 32, 2, 0x02),
            Some(
                &[
                    dir_record(&USIM_AID, "USIM", 32),
                    dir_record(&ISIM_AID, "ISIM", 32),
                ]
                .concat(),
            ),
        ),
        ef_arr: File::default(),
        ef_umpc: None,
    }
}

fn usim(imsi: &Imsi) -> PeUsim {
    let smsp_record = [0xFFu8; 40];
    PeUsim {
        usim_header: PeHeader {
            mandated: Some(()),
            identification: 4,
        },
        template_id: template_oid(4),
        adf_usim: adf([0x7F, 0xD0], &USIM_AID),
        ef_imsi: content(&imsi.ef_imsi()),
        ef_arr: File::default(),
        ef_keys: None,
        ef_keysps: None,
        ef_hpplmn: None,
        // EF.UST (TS 31.102 §4.2.8): services 2 (FDN off), 4, 10 SMS, 12 SMSP, 21 MSISDN, 27 GSM access.
        ef_ust: content(&[0x0A, 0x2E, 0x10, 0x00, 0x00]),
        ef_fdn: None,
        ef_sms: None,
        // EF.SMSP: one 40-byte record (alpha 12), no parameters set (indicators 'FF').
        ef_smsp: Some(ef(
            linear_fixed([0x6F, 0x42], 40, 1, 0x05),
            Some(&smsp_record),
        )),
        ef_smss: None,
        // EF.SPN (TS 31.102 §4.2.12): display condition 01, name, 'FF' padding.
        ef_spn: content(&{
            let mut v = vec![0x01];
            v.extend_from_slice(b"rsp test");
            v.resize(17, 0xFF);
            v
        }),
        ef_est: File::default(),
        ef_start_hfn: None,
        ef_threshold: None,
        ef_psloci: None,
        // EF.ACC (TS 31.102 §4.2.15): access class 1.
        ef_acc: content(&[0x00, 0x02]),
        ef_fplmn: None,
        ef_loci: None,
        // EF.AD (TS 31.102 §4.2.18): normal operation, MNC length 2.
        ef_ad: Some(content(&[0x00, 0x00, 0x00, 0x02])),
        ef_ecc: File::default(),
        ef_netpar: None,
        ef_epsloci: None,
        ef_epsnsc: None,
    }
}

fn opt_usim(msisdn: &DiallingNumber) -> PeOptUsim {
    let mut record = vec![0xFFu8; 28];
    if let Some(dst) = record.get_mut(14..26) {
        dst.copy_from_slice(&msisdn.address12());
    }
    let mut pe = PeOptUsim {
        optusim_header: PeHeader {
            mandated: None,
            identification: 5,
        },
        template_id: template_oid(5),
        ..empty_opt_usim()
    };
    pe.ef_msisdn = Some(ef(linear_fixed([0x6F, 0x40], 28, 2, 0x04), Some(&record)));
    pe
}

fn isim(imsi: &Imsi) -> PeIsim {
    let mnc = imsi.as_str().get(3..5).unwrap_or("01");
    let mcc = imsi.as_str().get(..3).unwrap_or("001");
    let domain = format!("ims.mnc0{mnc}.mcc{mcc}.3gppnetwork.org");
    PeIsim {
        isim_header: PeHeader {
            mandated: Some(()),
            identification: 8,
        },
        template_id: template_oid(8),
        adf_isim: adf([0x7F, 0xD1], &ISIM_AID),
        ef_impi: content(&nai(&format!("{}@{domain}", imsi.as_str()))),
        ef_impu: content(&nai(&format!("sip:{}@{domain}", imsi.as_str()))),
        ef_domain: content(&nai(&domain)),
        // EF.IST (TS 31.103 §4.2.7): no optional service.
        ef_ist: content(&[0x00]),
        ef_ad: None,
        ef_arr: File::default(),
    }
}

/// Builds the generic template with its test values.
pub fn generic() -> ProfilePackage {
    // The test values are constants checked by the tests.
    let iccid = Iccid::new_unchecked(values::ICCID);
    let imsi = Imsi::new_unchecked(values::IMSI);
    let msisdn = DiallingNumber {
        international: true,
        digits: values::MSISDN.trim_start_matches('+').into(),
    };
    let pes = vec![
        ProfileElement::Header(Box::new(header(&iccid))),
        ProfileElement::Mf(Box::new(mf(&iccid))),
        ProfileElement::PukCodes(Box::new(PePukCodes {
            puk_header: PeHeader {
                mandated: Some(()),
                identification: 2,
            },
            puk_codes: vec![
                PukConfiguration {
                    key_reference: key_ref::PUK_APPL1,
                    puk_value: os(b"11111111"),
                    max_num_of_attemps_retry_num_left: None,
                },
                PukConfiguration {
                    key_reference: key_ref::SECOND_PUK_APPL1,
                    puk_value: os(b"22222222"),
                    max_num_of_attemps_retry_num_left: None,
                },
            ],
        })),
        ProfileElement::PinCodes(Box::new(PePinCodes {
            pin_header: PeHeader {
                mandated: Some(()),
                identification: 3,
            },
            pin_codes: PinCodes::Pinconfig(vec![
                pin(
                    key_ref::PIN_APPL1,
                    b"0000",
                    Some(key_ref::PUK_APPL1),
                    Some(6),
                    None,
                ),
                pin(key_ref::ADM1, b"88888888", None, Some(3), Some(0xAA)),
            ]),
        })),
        ProfileElement::Usim(Box::new(usim(&imsi))),
        ProfileElement::OptUsim(Box::new(opt_usim(&msisdn))),
        ProfileElement::PinCodes(Box::new(PePinCodes {
            pin_header: PeHeader {
                mandated: Some(()),
                identification: 6,
            },
            pin_codes: PinCodes::Pinconfig(vec![pin(
                key_ref::SECOND_PIN_APPL1,
                b"0000",
                Some(key_ref::SECOND_PUK_APPL1),
                Some(3),
                None,
            )]),
        })),
        aka(7),
        ProfileElement::Isim(Box::new(isim(&imsi))),
        ProfileElement::PinCodes(Box::new(PePinCodes {
            pin_header: PeHeader {
                mandated: Some(()),
                identification: 9,
            },
            pin_codes: PinCodes::Pinconfig(vec![pin(
                key_ref::SECOND_PIN_APPL1,
                b"0000",
                Some(key_ref::SECOND_PUK_APPL1),
                Some(3),
                None,
            )]),
        })),
        aka(10),
        ProfileElement::SecurityDomain(Box::new(PeSecurityDomain {
            sd_header: PeHeader {
                mandated: Some(()),
                identification: 11,
            },
            // MNO-SD (GP Card Spec §9.1; SGP.22 §2.2.1): ISD package / class, privileges
            // Security Domain + Trusted Path + Authorized Management + Token Verification.
            instance: ApplicationInstance {
                application_load_package_aid: os(&[0xA0, 0, 0, 0x01, 0x51, 0x53, 0x50]),
                class_aid: os(&[0xA0, 0, 0, 0x01, 0x51, 0x53, 0x50, 0x41]),
                instance_aid: os(&[0xA0, 0, 0, 0x01, 0x51, 0, 0, 0]),
                extradite_security_domain_aid: None,
                application_privileges: os(&[0x82, 0xDC, 0x00]),
                life_cycle_state: Some(os(&[0x0F])),
                // SCP80 parameters (TS 102 226 §8.2.1.3.2.1): '81' SCP80 'xx', '82'/'83'/'87' TAR counts.
                application_specific_parameters_c9: os(&[
                    0x81, 0x02, 0x80, 0x00, 0x82, 0x01, 0xF0, 0x83, 0x01, 0xF0, 0x87, 0x01, 0xF0,
                ]),
                system_specific_parameters: None,
                application_parameters: None,
                process_data: None,
                control_reference_template: None,
            },
            // KIc (ENC, 0x18), KID (MAC, 0x14), KIK (DEK, 0x48): GP Card Spec §11.1.9, KVN 01, AES.
            key_list: Some(vec![
                key(0x18, 1, 0x11),
                key(0x14, 2, 0x22),
                key(0x48, 3, 0x33),
            ]),
            sd_perso_data: None,
            open_perso_data: None,
            cat_tp_parameters: None,
        })),
        ProfileElement::End(Box::new(PeEnd {
            end_header: PeHeader {
                mandated: Some(()),
                identification: 12,
            },
        })),
    ];
    ProfilePackage {
        elements: pes.into_iter().map(Element::new).collect(),
    }
}

fn empty_opt_usim() -> PeOptUsim {
    PeOptUsim {
        optusim_header: PeHeader::default(),
        template_id: template_oid(5),
        ef_li: None,
        ef_acmax: None,
        ef_acm: None,
        ef_gid1: None,
        ef_gid2: None,
        ef_msisdn: None,
        ef_puct: None,
        ef_cbmi: None,
        ef_cbmid: None,
        ef_sdn: None,
        ef_ext2: None,
        ef_ext3: None,
        ef_cbmir: None,
        ef_plmnwact: None,
        ef_oplmnwact: None,
        ef_hplmnwact: None,
        ef_dck: None,
        ef_cnl: None,
        ef_smsr: None,
        ef_bdn: None,
        ef_ext5: None,
        ef_ccp2: None,
        ef_ext4: None,
        ef_acl: None,
        ef_cmi: None,
        ef_ici: None,
        ef_oci: None,
        ef_ict: None,
        ef_oct: None,
        ef_vgcs: None,
        ef_vgcss: None,
        ef_vbs: None,
        ef_vbss: None,
        ef_emlpp: None,
        ef_aaem: None,
        ef_hiddenkey: None,
        ef_pnn: None,
        ef_opl: None,
        ef_mbdn: None,
        ef_ext6: None,
        ef_mbi: None,
        ef_mwis: None,
        ef_cfis: None,
        ef_ext7: None,
        ef_spdi: None,
        ef_mmsn: None,
        ef_ext8: None,
        ef_mmsicp: None,
        ef_mmsup: None,
        ef_mmsucp: None,
        ef_nia: None,
        ef_vgcsca: None,
        ef_vbsca: None,
        ef_gbabp: None,
        ef_msk: None,
        ef_muk: None,
        ef_ehplmn: None,
        ef_gbanl: None,
        ef_ehplmnpi: None,
        ef_lrplmnsi: None,
        ef_nafkca: None,
        ef_spni: None,
        ef_pnni: None,
        ef_ncp_ip: None,
        ef_ufc: None,
        ef_nasconfig: None,
        ef_uicciari: None,
        ef_pws: None,
        ef_fdnuri: None,
        ef_bdnuri: None,
        ef_sdnuri: None,
        ef_ial: None,
        ef_ips: None,
        ef_ipd: None,
        ef_epdgid: None,
        ef_epdgselection: None,
        ef_epdgidem: None,
        ef_epdgselectionem: None,
        ef_frompreferred: None,
        ef_imsconfigdata: None,
        ef_3gpppsdataoff: None,
        ef_3gpppsdataoffservicelist: None,
        ef_xcapconfigdata: None,
        ef_earfcnlist: None,
        ef_mudmidconfigdata: None,
        ef_eaka: None,
    }
}
