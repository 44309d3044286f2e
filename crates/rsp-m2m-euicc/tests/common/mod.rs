//! Test set-up: an eUICC with a fresh test PKI and two ISD-R keysets (3DES version 1,
//! AES version 2), and an SM-SR side that builds command packets with rsp_ota and opens
//! the PoRs, as the SM-SR does.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::OnceLock;

use rsp_codec::sgp02::consts::ISD_R_TAR;
use rsp_codec::sgp02::{Aid, CreateIsdp, InstallResponse, StatusWord};
use rsp_crypto::Curve;
use rsp_m2m_euicc::{Ecasd, EuiccState, M2mEuicc, Por, Received, Scp80Keyset};
use rsp_ota::response::PorSecurity;
use rsp_ota::{
    CipherAlgorithm, CommandHeader, CommandScript, Counter, CounterMode, Integrity,
    IntegrityAlgorithm, Kic, Kid, OpenedResponse, PorMode, RemoteFormat, ResponsePacket,
    ResponseScript, SecurityKeys, Spi,
};
use rsp_pki::{Role, TestPki, TestPkiOptions};

pub const TDES_KIC: [u8; 16] = *b"\x01\x23\x45\x67\x89\xab\xcd\xef\xfe\xdc\xba\x98\x76\x54\x32\x10";
pub const TDES_KID: [u8; 16] = *b"\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\xcc\xdd\xee\xff\x00";
pub const AES_KIC: [u8; 16] = [0x2b; 16];
pub const AES_KID: [u8; 32] = [0x7e; 32];
pub const EID: &str = "89049032000000000000000000000163";

/// One test PKI for every test of a binary (key generation is the slow part).
pub fn ecasd() -> Ecasd {
    static PKI: OnceLock<TestPki> = OnceLock::new();
    let pki = PKI.get_or_init(|| {
        TestPki::generate(Curve::NistP256, &TestPkiOptions::default()).expect("test PKI")
    });
    let e = pki.get(Role::Euicc).expect("euicc");
    Ecasd::new(&e.cert, &e.key).expect("ecasd")
}

pub fn keysets() -> Vec<Scp80Keyset> {
    vec![
        Scp80Keyset::new(
            1,
            Kic::new(CipherAlgorithm::TdesCbc2Key, 1),
            &TDES_KIC,
            Kid::new(IntegrityAlgorithm::TdesCbcMac2Key, 1),
            &TDES_KID,
        )
        .expect("3DES keyset"),
        Scp80Keyset::new(
            2,
            Kic::new(CipherAlgorithm::AesCbc, 2),
            &AES_KIC,
            Kid::new(IntegrityAlgorithm::AesCmac, 2),
            &AES_KID,
        )
        .expect("AES keyset"),
    ]
}

pub fn state() -> EuiccState {
    EuiccState::new(ecasd(), keysets()).expect("state")
}

/// A unique temporary directory, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let p =
            std::env::temp_dir().join(format!("rsp-m2m-euicc-{tag}-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&p).expect("temp dir");
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The SM-SR's view of one keyset.
#[derive(Clone)]
pub struct SmSr {
    pub spi: Spi,
    pub kic: Kic,
    pub kid: Kid,
    pub keys: SecurityKeys,
    pub counter: u64,
    pub format: RemoteFormat,
}

/// SPI: CC, ciphered, counter must be higher, PoR always with CC and ciphering, via
/// SMS-SUBMIT.
pub fn default_spi() -> Spi {
    Spi {
        integrity: Integrity::Cc,
        ciphering: true,
        counter: CounterMode::Higher,
        por: PorMode::Always,
        por_integrity: Integrity::Cc,
        por_ciphering: true,
        por_in_submit: true,
    }
}

impl SmSr {
    pub fn tdes() -> Self {
        SmSr {
            spi: default_spi(),
            kic: Kic::new(CipherAlgorithm::TdesCbc2Key, 1),
            kid: Kid::new(IntegrityAlgorithm::TdesCbcMac2Key, 1),
            keys: SecurityKeys::new(&TDES_KIC, &TDES_KID),
            counter: 0,
            format: RemoteFormat::Compact,
        }
    }

    pub fn aes() -> Self {
        SmSr {
            spi: default_spi(),
            kic: Kic::new(CipherAlgorithm::AesCbc, 2),
            kid: Kid::new(IntegrityAlgorithm::AesCmac, 2),
            keys: SecurityKeys::new(&AES_KIC, &AES_KID),
            counter: 0,
            format: RemoteFormat::Expanded,
        }
    }

    /// The next command packet to `tar` carrying `apdus` (counter incremented).
    pub fn packet(&mut self, tar: [u8; 3], apdus: &[Vec<u8>]) -> Vec<u8> {
        self.counter += 1;
        let data = CommandScript {
            format: self.format,
            apdus: apdus.to_vec(),
        }
        .encode()
        .expect("script");
        CommandHeader {
            spi: self.spi,
            kic: self.kic,
            kid: self.kid,
            tar,
            counter: Counter::from_u64(self.counter).expect("counter"),
        }
        .seal(&self.keys, &data)
        .expect("seal")
    }

    /// Opens a PoR of a command sent by this SM-SR.
    pub fn open_por(&self, por: &Por) -> OpenedResponse {
        ResponsePacket::parse(&por.packet)
            .expect("PoR parse")
            .open(
                &PorSecurity {
                    spi: self.spi,
                    kic: self.kic,
                    kid: self.kid,
                },
                &self.keys,
            )
            .expect("PoR open")
    }

    /// Sends `apdus` to `tar`; returns the outcome and the R-APDUs from the opened PoR.
    pub fn send(
        &mut self,
        euicc: &mut M2mEuicc,
        tar: [u8; 3],
        apdus: &[Vec<u8>],
    ) -> (Received, ResponseScript) {
        let packet = self.packet(tar, apdus);
        let received = euicc.receive_command_packet(&packet).expect("receive");
        let por = received.por.as_ref().expect("PoR requested");
        let opened = self.open_por(por);
        assert_eq!(opened.tar, tar);
        assert_eq!(opened.counter.to_u64(), self.counter);
        assert_eq!(opened.status, received.status);
        let script = ResponseScript::decode(&opened.data, self.format).expect("response");
        (received, script)
    }

    /// Sends one APDU and returns its response data and status word.
    pub fn one(
        &mut self,
        euicc: &mut M2mEuicc,
        tar: [u8; 3],
        apdu: Vec<u8>,
    ) -> (Vec<u8>, StatusWord) {
        let (received, script) = self.send(euicc, tar, &[apdu]);
        assert!(received.accepted);
        assert_eq!(script.executed, 1);
        let rapdu = script.responses.last().expect("R-APDU");
        let (data, sw) = StatusWord::split_response(rapdu).expect("SW");
        (data.to_vec(), sw)
    }
}

pub fn isdp(i: u8) -> Aid {
    Aid::isd_p(i).expect("aid")
}

pub fn tar_of(aid: &Aid) -> [u8; 3] {
    aid.tar().expect("tar")
}

pub const ICCID0: &str = "89049032123451234512";
pub const ICCID1: &str = "8949440000001234567";

/// The response data of a `9000` answer.
pub fn ok(r: (Vec<u8>, StatusWord)) -> Vec<u8> {
    assert_eq!(r.1, StatusWord::OK, "data {:02X?}", r.0);
    r.0
}

/// Opens the MO notification packets as the SM-SR: CC and ciphering with keyset 1, TAR
/// the SM-SR's, counters increasing.
/// CreateISDP with quotas, expecting the `00` INSTALL response.
pub fn create(euicc: &mut M2mEuicc, smsr: &mut SmSr, aid: &Aid) {
    let apdu = CreateIsdp::new(aid.clone(), Some(0x2000), Some(0x100))
        .to_apdu()
        .expect("apdu");
    let data = ok(smsr.one(euicc, ISD_R_TAR, apdu));
    assert_eq!(InstallResponse::parse(&data), Ok(InstallResponse));
}

pub fn life_cycle(euicc: &M2mEuicc, aid: &Aid) -> Option<u8> {
    euicc.state().isdp(aid).map(|p| p.life_cycle)
}
