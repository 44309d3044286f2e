//! A third-party check of the SCP80 command packets the SM-SR sends over ES5 (ETSI TS 102
//! 225 §5.1, 3GPP TS 31.115 §4.2): packets built by `rsp_smsr::es5::script` + `seal` for
//! real ES4/ES3 functions are split here by hand (CPL, CHL, SPI, KIc, KID, TAR, then the
//! ciphered CNTR, PCNTR, CC and secured data), deciphered by the `openssl enc` command
//! line, and their cryptographic checksum recomputed with OpenSSL alone: 3DES two-key
//! CBC-MAC as the last block of `openssl enc -des-ede-cbc -nopad -iv 0` over the CC input
//! padded with zeros to 8 octets, AES-CMAC with `openssl mac … CMAC` truncated to the CC
//! length. The CC input (TS 102 225 §5.1.4; the SMS command packet of TS 31.115 starts
//! at CPL, its UDH `02 70 00` being outside) is CPL ‖ CHL ‖ SPI ‖ KIc ‖ KID ‖ TAR ‖ CNTR ‖
//! PCNTR ‖ secured data with its padding octets; pySim's `ota.py` computes the same.
//!
//! Skipped with a note when no `openssl` is on the PATH, except under `CI=true`, where
//! a missing `openssl` fails.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::process::{Command, Stdio};

use rsp_codec::json::Iccid;
use rsp_codec::sgp02::Aid;
use rsp_ota::{CommandScript, RemoteFormat};
use rsp_smsr::es5::{self, COMMAND_SPI, Es5Script};
use rsp_smsr::{Eis, Function, Scp80Algorithm, Scp80Keyset};
use rsp_testkit::m2m::{self, LabProfile};

const ICCID_1: &str = "8944000000000000011";
const ICCID_2: &str = "8944000000000000022";

const PROFILES: [LabProfile<'static>; 2] = [
    LabProfile {
        index: 0,
        iccid: ICCID_1,
        msisdn: "447700900001",
        enabled: true,
        fallback: true,
    },
    LabProfile {
        index: 1,
        iccid: ICCID_2,
        msisdn: "447700900002",
        enabled: false,
        fallback: false,
    },
];

// Two-key 3DES keys with different halves (K1 = K2 would make 3DES single DES and hide a
// confusion of the two), and KIc ≠ KID everywhere (a swapped key would show).
const TDES_KIC: &str = "0123456789ABCDEFFEDCBA9876543210";
const TDES_KID: &str = "89ABCDEF01234567F0E1D2C3B4A59687";
const AES128_KIC: &str = "2B7E151628AED2A6ABF7158809CF4F3C";
const AES128_KID: &str = "000102030405060708090A0B0C0D0E0F";
const AES192_KID: &str = "8E73B0F7DA0E6452C810F32B809079E562F8EAD2522C6B7B";
const AES256_KIC: &str = "603DEB1015CA71BE2B73AEF0857D77811F352C073B6108D72D9810A30914DFF4";
const AES256_KID: &str = "7E7E7E7E7E7E7E7E7E7E7E7E7E7E7E7E7E7E7E7E7E7E7E7E7E7E7E7E7E7E7E7E";

fn h(s: &str) -> Vec<u8> {
    hex::decode(s.replace(' ', "")).unwrap()
}

/// Whether `openssl` runs; under `CI=true` its absence is a failure.
fn openssl_available() -> bool {
    let ok = Command::new("openssl")
        .arg("version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true");
        assert!(!ci, "CI: the `openssl` command line must be installed");
        eprintln!("NOTE: no `openssl` binary on PATH; SCP80 third-party check skipped");
    }
    ok
}

/// Runs `openssl args…` with `input` on stdin; its stdout.
fn openssl(args: &[&str], input: &[u8]) -> Vec<u8> {
    let mut child = Command::new("openssl")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let data = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&data));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The keyset under test, with the OpenSSL names of its algorithms.
struct Keys {
    keyset: Scp80Keyset,
    kic: Vec<u8>,
    kid: Vec<u8>,
    algorithm: Scp80Algorithm,
}

impl Keys {
    fn new(version: u8, algorithm: Scp80Algorithm, kic: &str, kid: &str) -> Self {
        let (kic, kid) = (h(kic), h(kid));
        Keys {
            keyset: Scp80Keyset::new(version, algorithm, &kic, &kid).unwrap(),
            kic,
            kid,
            algorithm,
        }
    }

    /// Cipher block length (TS 102 225 §5.1.2: 8 for DES/3DES, 16 for AES).
    fn block(&self) -> usize {
        match self.algorithm {
            Scp80Algorithm::Tdes => 8,
            Scp80Algorithm::Aes => 16,
        }
    }

    /// `openssl enc` name of the KIc's CBC cipher.
    fn enc_cipher(&self) -> &'static str {
        match (self.algorithm, self.kic.len()) {
            (Scp80Algorithm::Tdes, 16) => "-des-ede-cbc",
            (Scp80Algorithm::Aes, 16) => "-aes-128-cbc",
            (Scp80Algorithm::Aes, 24) => "-aes-192-cbc",
            (Scp80Algorithm::Aes, 32) => "-aes-256-cbc",
            other => panic!("no cipher for {other:?}"),
        }
    }

    /// KIc algorithm nibble (TS 102 225 §5.1.2): 0101 3DES outer-CBC two keys, 0010 AES.
    fn kic_nibble(&self) -> u8 {
        match self.algorithm {
            Scp80Algorithm::Tdes => 0b0101,
            Scp80Algorithm::Aes => 0b0010,
        }
    }

    /// KID algorithm nibble for a CC (§5.1.3.1): 0101 3DES two keys, 0010 AES CMAC.
    fn kid_nibble(&self) -> u8 {
        self.kic_nibble()
    }

    /// Deciphers with `openssl enc -d … -nopad`, zero IV.
    fn decipher(&self, ciphered: &[u8]) -> Vec<u8> {
        let iv = "00".repeat(self.block());
        openssl(
            &[
                "enc",
                "-d",
                self.enc_cipher(),
                "-K",
                &hex::encode(&self.kic),
                "-iv",
                &iv,
                "-nopad",
            ],
            ciphered,
        )
    }

    /// The CC over `input`, computed by OpenSSL only, `len` octets.
    fn cc(&self, input: &[u8], len: usize) -> Vec<u8> {
        match self.algorithm {
            Scp80Algorithm::Tdes => {
                // DES/3DES CBC-MAC (ISO/IEC 9797-1 MAC algorithm 1): zero IV, zero padding
                // to a whole number of 8-octet blocks, the last block of the CBC encipherment.
                let mut padded = input.to_vec();
                while padded.is_empty() || !padded.len().is_multiple_of(8) {
                    padded.push(0);
                }
                assert_eq!(self.kid.len(), 16, "two-key 3DES");
                let out = openssl(
                    &[
                        "enc",
                        "-e",
                        "-des-ede-cbc",
                        "-K",
                        &hex::encode(&self.kid),
                        "-iv",
                        "0000000000000000",
                        "-nopad",
                    ],
                    &padded,
                );
                assert_eq!(out.len(), padded.len());
                assert_eq!(len, 8, "a 3DES CBC-MAC is one block");
                out[out.len() - 8..].to_vec()
            }
            Scp80Algorithm::Aes => {
                let cipher = format!("AES-{}-CBC", self.kid.len() * 8);
                let tag = openssl(
                    &[
                        "mac",
                        "-cipher",
                        &cipher,
                        "-macopt",
                        &format!("hexkey:{}", hex::encode(&self.kid)),
                        "-binary",
                        "CMAC",
                    ],
                    input,
                );
                assert_eq!(tag.len(), 16, "a full AES-CMAC tag");
                // SP 800-38B §6.2: a truncated MAC is the most significant (leftmost) bits.
                tag[..len].to_vec()
            }
        }
    }
}

/// A command packet split by hand (TS 102 225 §5.1.1, SMS form of TS 31.115 §4.2: no
/// CPI/CHI, the packet starts at CPL).
struct Split {
    cpl: usize,
    chl: usize,
    spi: [u8; 2],
    kic: u8,
    kid: u8,
    tar: [u8; 3],
    /// CPL ‖ CHL ‖ SPI ‖ KIc ‖ KID ‖ TAR, as sent.
    header: Vec<u8>,
    /// Everything after TAR (ciphered).
    ciphered: Vec<u8>,
}

fn split(packet: &[u8]) -> Split {
    assert!(packet.len() > 10, "shorter than CPL..TAR");
    let cpl = usize::from(u16::from_be_bytes([packet[0], packet[1]]));
    Split {
        cpl,
        chl: usize::from(packet[2]),
        spi: [packet[3], packet[4]],
        kic: packet[5],
        kid: packet[6],
        tar: [packet[7], packet[8], packet[9]],
        header: packet[..10].to_vec(),
        ciphered: packet[10..].to_vec(),
    }
}

/// The deciphered part: CNTR(5) ‖ PCNTR(1) ‖ CC ‖ secured data ‖ padding.
struct Plain {
    cntr: [u8; 5],
    pcntr: usize,
    cc: Vec<u8>,
    /// Secured data with its padding octets (what the CC covers).
    padded_data: Vec<u8>,
}

fn split_plain(plain: &[u8], cc_len: usize) -> Plain {
    assert!(plain.len() >= 6 + cc_len, "deciphered part too short");
    let mut cntr = [0u8; 5];
    cntr.copy_from_slice(&plain[..5]);
    Plain {
        cntr,
        pcntr: usize::from(plain[5]),
        cc: plain[6..6 + cc_len].to_vec(),
        padded_data: plain[6 + cc_len..].to_vec(),
    }
}

/// A BER length (definite form) for the expanded script below.
fn ber_len(n: usize) -> Vec<u8> {
    match n {
        0..=0x7F => vec![u8::try_from(n).unwrap()],
        0x80..=0xFF => vec![0x81, u8::try_from(n).unwrap()],
        _ => {
            let [hi, lo] = u16::try_from(n).unwrap().to_be_bytes();
            vec![0x82, hi, lo]
        }
    }
}

/// The expanded remote APDU script (TS 102 226 §5.2.1) written out by hand: Command
/// Scripting template `AA` (definite length) of C-APDU TLVs `22`.
fn expanded_script(apdus: &[Vec<u8>]) -> Vec<u8> {
    let mut body = Vec::new();
    for a in apdus {
        body.push(0x22);
        body.extend(ber_len(a.len()));
        body.extend_from_slice(a);
    }
    let mut out = vec![0xAA];
    out.extend(ber_len(body.len()));
    out.extend(body);
    out
}

/// The CC input of §5.1.4 for a command packet sent by SMS.
fn cc_input(header: &[u8], plain: &Plain) -> Vec<u8> {
    let mut input = header.to_vec();
    input.extend_from_slice(&plain.cntr);
    input.push(u8::try_from(plain.pcntr).unwrap());
    input.extend_from_slice(&plain.padded_data);
    input
}

fn eis() -> Eis {
    m2m::eis(rsp_pki::DEFAULT_EID, "mno1", &PROFILES)
}

fn iccid(s: &str) -> Iccid {
    Iccid::parse(s).unwrap()
}

/// A function, the C-APDUs it must carry (none: not written out here) and its TAR.
type Case = (&'static str, Function, Vec<Vec<u8>>, [u8; 3]);

/// The SM-SR's functions under test, with the C-APDUs each must carry (written out here
/// from SGP.02 §4.1.1 and the ISD-P AIDs of the EIS) and its TAR.
fn cases() -> Vec<Case> {
    let aid1 = Aid::isd_p(1).unwrap().to_hex();
    let aid1_bytes = h(&aid1);
    assert_eq!(aid1_bytes.len(), 16);
    let isd_r_tar = [0x00, 0x00, 0x01];
    // SendData to the ISD-P: TAR from its AID (octets 13..15), GlobalPlatform-style.
    let isd_p_tar = [aid1_bytes[12], aid1_bytes[13], aid1_bytes[14]];
    let long_apdu = {
        let mut a = h("80E2910000C8");
        a.extend((0..200u8).map(|i| i.wrapping_mul(7)));
        a
    };
    vec![
        (
            "EnableProfile",
            Function::EnableProfile {
                iccid: iccid(ICCID_2),
            },
            // STORE DATA, DGI 3A03 { 4F AID } (SGP.02 §4.1.1.2).
            vec![h(&format!("80E2880015 3A0312 4F10 {aid1}"))],
            isd_r_tar,
        ),
        (
            "DeleteProfile",
            Function::DeleteProfile {
                iccid: iccid(ICCID_2),
            },
            // DELETE of the ISD-P and its content (GP, SGP.02 §4.1.1.4).
            vec![h(&format!("80E40080 12 4F10 {aid1}"))],
            isd_r_tar,
        ),
        (
            "AuditEis",
            Function::AuditEis,
            Vec::new(), // checked against es5::script only
            isd_r_tar,
        ),
        (
            "SendData",
            Function::SendData {
                iccid: iccid(ICCID_2),
                apdus: vec!["80CA00FE00".into(), hex::encode_upper(&long_apdu)],
            },
            vec![h("80CA00FE00"), long_apdu],
            isd_p_tar,
        ),
    ]
}

/// Checks one packet of `script` sealed with `keys` and `counter`, end to end.
fn check_packet(keys: &Keys, counter: u64, name: &str, script: &Es5Script) {
    let what = format!(
        "{name}, {:?} KIc {} KID {} octets, counter {counter:#x}",
        keys.algorithm,
        keys.kic.len(),
        keys.kid.len()
    );
    let packet = es5::seal(&keys.keyset, counter, script).unwrap();

    // 1. The clear header (§5.1.1).
    let s = split(&packet);
    assert_eq!(
        s.cpl,
        packet.len() - 2,
        "{what}: CPL counts what follows it"
    );
    assert!(s.chl > 13, "{what}: CHL {} leaves no room for a CC", s.chl);
    let cc_len = s.chl - 13; // CHL = SPI(2) KIc KID TAR(3) CNTR(5) PCNTR + CC
    assert_eq!(cc_len, 8, "{what}: CC length from CHL");
    // SPI first octet: b2b1 10 CC, b3 1 ciphered, b5b4 10 counter must be higher;
    // second octet: b2b1 01 PoR required, b4b3 10 PoR with CC, b5 1 PoR ciphered,
    // b6 1 PoR by SMS-SUBMIT.
    assert_eq!(s.spi, [0x16, 0x39], "{what}: SPI");
    assert_eq!(s.spi[0] & 0b11, 0b10, "{what}: CC asked");
    assert_eq!(s.spi[0] & 0b100, 0b100, "{what}: ciphering asked");
    assert_eq!((s.spi[0] >> 3) & 0b11, 0b10, "{what}: counter higher");
    assert_eq!(s.spi[1] & 0b11, 0b01, "{what}: PoR required");
    assert_eq!((s.spi[1] >> 2) & 0b11, 0b10, "{what}: PoR CC");
    assert_eq!(s.spi[1] & 0x10, 0x10, "{what}: PoR ciphered");
    assert_eq!(s.spi[1] & 0x20, 0x20, "{what}: PoR by SMS-SUBMIT");
    assert_eq!(
        s.spi,
        COMMAND_SPI.to_bytes(),
        "{what}: the SPI the SM-SR declares"
    );
    let version = keys.keyset.version;
    assert_eq!(s.kic >> 4, version, "{what}: KIc key version");
    assert_eq!(s.kic & 0x0F, keys.kic_nibble(), "{what}: KIc algorithm");
    assert_eq!(s.kid >> 4, version, "{what}: KID key version");
    assert_eq!(s.kid & 0x0F, keys.kid_nibble(), "{what}: KID algorithm");
    assert_eq!(s.tar, script.tar, "{what}: TAR");
    let bl = keys.block();
    assert!(
        s.ciphered.len().is_multiple_of(bl),
        "{what}: whole cipher blocks"
    );

    // 2. Deciphered by openssl.
    let plain = keys.decipher(&s.ciphered);
    assert_eq!(plain.len(), s.ciphered.len());
    let p = split_plain(&plain, cc_len);
    let want_cntr = counter.to_be_bytes();
    assert_eq!(p.cntr, want_cntr[3..], "{what}: CNTR");
    assert!(p.pcntr < bl, "{what}: PCNTR {} ≥ block", p.pcntr);
    assert!(p.padded_data.len() >= p.pcntr, "{what}: PCNTR too large");
    let (data, padding) = p.padded_data.split_at(p.padded_data.len() - p.pcntr);
    assert!(padding.iter().all(|b| *b == 0), "{what}: padding octets");
    assert!(
        (6 + cc_len + data.len() + p.pcntr).is_multiple_of(bl),
        "{what}: PCNTR makes whole blocks"
    );
    assert_eq!(
        data,
        es5::encode_script(script).unwrap(),
        "{what}: secured data"
    );
    assert_eq!(
        data,
        expanded_script(&script.apdus),
        "{what}: expanded script"
    );
    let decoded = CommandScript::decode(data, RemoteFormat::Expanded).unwrap();
    assert_eq!(decoded.apdus, script.apdus, "{what}: script APDUs");

    // 3. The CC recomputed by openssl.
    let input = cc_input(&s.header, &p);
    assert_eq!(
        input.len(),
        packet.len() - cc_len,
        "{what}: the CC covers every octet but itself"
    );
    let cc = keys.cc(&input, cc_len);
    assert_eq!(cc, p.cc, "{what}: CC");

    // Negative checks: one flipped octet in the last cipher block garbles the last
    // plaintext block only (the CC, in the first blocks, is intact): the recomputed CC
    // must differ. Likewise a flipped TAR, and the CC under the KIc instead of the KID.
    let mut flipped = s.ciphered.clone();
    *flipped.last_mut().unwrap() ^= 0x01;
    let q = split_plain(&keys.decipher(&flipped), cc_len);
    assert_eq!(q.cc, p.cc, "{what}: CC itself not touched by the flip");
    assert_ne!(q.padded_data, p.padded_data, "{what}: flipped data");
    assert_ne!(
        keys.cc(&cc_input(&s.header, &q), cc_len),
        p.cc,
        "{what}: a flipped ciphertext octet keeps the CC"
    );
    let mut header = s.header.clone();
    header[9] ^= 0x80;
    assert_ne!(
        keys.cc(&cc_input(&header, &p), cc_len),
        p.cc,
        "{what}: a flipped TAR keeps the CC"
    );
    let wrong = Keys {
        keyset: keys.keyset.clone(),
        kic: keys.kic.clone(),
        kid: keys.kic.clone(),
        algorithm: keys.algorithm,
    };
    if wrong.kid.len() == keys.kid.len() {
        assert_ne!(wrong.cc(&input, cc_len), p.cc, "{what}: CC under the KIc");
    }
}

#[test]
fn smsr_packets_open_with_openssl() {
    if !openssl_available() {
        return;
    }
    let version = openssl(&["version"], &[]);
    eprintln!("{}", String::from_utf8_lossy(&version).trim());

    let keysets = [
        Keys::new(1, Scp80Algorithm::Tdes, TDES_KIC, TDES_KID),
        Keys::new(2, Scp80Algorithm::Aes, AES128_KIC, AES128_KID),
        // es5_loop's AES keyset shape: AES-128 ciphering, AES-256 CMAC.
        Keys::new(3, Scp80Algorithm::Aes, AES128_KIC, AES256_KID),
        Keys::new(15, Scp80Algorithm::Aes, AES256_KIC, AES192_KID),
    ];
    let eis = eis();
    let mut checked = 0;
    for (name, function, apdus, tar) in cases() {
        let script = es5::script(&eis, &function).unwrap();
        assert_eq!(script.tar, tar, "{name}: TAR the SM-SR addresses");
        if apdus.is_empty() {
            assert!(!script.apdus.is_empty(), "{name}: APDUs");
        } else {
            assert_eq!(script.apdus, apdus, "{name}: the APDUs of the function");
        }
        for keys in &keysets {
            for counter in [1, 0x01_0203_0405, 0xFF_FFFF_FFFF] {
                check_packet(keys, counter, name, &script);
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 4 * 4 * 3);
    // CNTR is five octets: a sixth is refused, not truncated.
    assert!(
        es5::seal(
            &keysets[0].keyset,
            1 << 40,
            &es5::push_script(&[0x81]).unwrap()
        )
        .is_err()
    );
}
