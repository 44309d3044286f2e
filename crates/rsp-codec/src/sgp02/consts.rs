//! Every SGP.02 ES5 constant of this module in one place.
//!
//! **Our reading** of SGP.02 v4.2 (§2.2.1.3, §2.2.3, §4.1.1, §4.1.2), GlobalPlatform Card
//! Specification 2.3 §11 and ETSI TS 101 220 Annex D: the SGP.02 text was not at hand
//! when this was written, so each value below is taken from the project's reading of it
//! and can be corrected here, in one place.

// ---- AIDs (SGP.02 §2.2.3) and TARs (TS 101 220 Annex D) ----

/// ISD-R AID.
pub const ISD_R_AID: [u8; 16] = [
    0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x01, 0x00,
];
/// ECASD AID.
pub const ECASD_AID: [u8; 16] = [
    0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x02, 0x00,
];
/// ISD-P AIDs: this prefix (13 octets) ‖ `0x10 + index` ‖ `00` (index 0 → `…00001000`).
pub const ISD_P_AID_PREFIX: [u8; 14] = [
    0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00,
];
/// Byte 15 (index 14) of the first ISD-P AID.
pub const ISD_P_FIRST: u8 = 0x10;
/// Executable Load File AID of the ISD-P.
pub const ISD_P_ELF_AID: [u8; 16] = [
    0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x0D, 0x00,
];
/// Executable Module AID of the ISD-P.
pub const ISD_P_MODULE_AID: [u8; 16] = [
    0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x0E, 0x00,
];
/// TAR of the ISD-R (AID bytes 13..15).
pub const ISD_R_TAR: [u8; 3] = [0x00, 0x00, 0x01];
/// TAR of the ECASD (AID bytes 13..15).
pub const ECASD_TAR: [u8; 3] = [0x00, 0x00, 0x02];

// ---- C-APDU headers (GP Card Spec 2.3 §11) ----

/// CLA of GlobalPlatform commands (no secure messaging at this layer).
pub const CLA_GP: u8 = 0x80;
/// INSTALL.
pub const INS_INSTALL: u8 = 0xE6;
/// STORE DATA.
pub const INS_STORE_DATA: u8 = 0xE2;
/// DELETE.
pub const INS_DELETE: u8 = 0xE4;
/// GET STATUS.
pub const INS_GET_STATUS: u8 = 0xF2;
/// GET DATA.
pub const INS_GET_DATA: u8 = 0xCA;
/// INSTALL P1: for install and make selectable (GP §11.5.2.1: `04 | 08`).
pub const P1_INSTALL_AND_MAKE_SELECTABLE: u8 = 0x0C;
/// STORE DATA P1: last block, DGI format (GP §11.11.2.1).
pub const P1_STORE_DATA_LAST_DGI: u8 = 0x88;
/// STORE DATA P1: last block, BER-TLV format (GP §11.11.2.1), used by the SCP81 push.
pub const P1_STORE_DATA_LAST_BER: u8 = 0x90;
/// Administration session triggering parameters (GP Amendment B §3.7, our reading).
pub const TAG_ADMIN_SESSION_TRIGGER: u8 = 0x81;
/// DELETE P2: delete object and related objects (GP §11.2.2.2).
pub const P2_DELETE_RELATED: u8 = 0x80;
/// DELETE [key] P2: delete the object only (GP §11.2.2.2).
pub const P2_DELETE_OBJECT: u8 = 0x00;
/// DELETE [key]: key version number tag (GP Card Spec §11.2.2.3.2, Table 11-24).
pub const TAG_DELETE_KEY_VERSION: u8 = 0xD2;
/// Key version number of the ISD-R's SCP81 TLS pre-shared key (our reading of GP Amd B:
/// TLS-PSK keys take key version numbers `40`–`4F`; the SM-SR and the virtual eUICC use
/// `40` for the ISD-R's one). The old SM-SR deletes it with its SCP80 keysets at the end of
/// an SM-SR change (SGP.02 §3.7).
pub const SCP81_PSK_KEY_VERSION: u8 = 0x40;
/// GET STATUS P1: applications, including security domains (GP §11.4.2.1).
pub const P1_GET_STATUS_APPS: u8 = 0x40;
/// GET STATUS P2: TLV-coded response, first or only occurrence (GP §11.4.2.2).
pub const P2_GET_STATUS_TLV: u8 = 0x02;
/// GET DATA P1P2: EID (on the ISD-R).
pub const GET_DATA_EID: u16 = 0x005A;
/// GET DATA P1P2: extended card resources information.
pub const GET_DATA_EXTENDED_CARD_RESOURCES: u16 = 0xFF21;
/// GET DATA P1P2: eUICC certificate (on the ECASD).
pub const GET_DATA_EUICC_CERTIFICATE: u16 = 0x7F21;

// ---- CreateISDP install data (SGP.02 §4.1.1.1) ----

/// Privileges of an ISD-P: Security Domain; Trusted Path + Authorized Management.
pub const ISD_P_PRIVILEGES: [u8; 3] = [0x80, 0xC0, 0x00];
/// System specific parameters (GP table 11-49).
pub const TAG_SYSTEM_PARAMETERS: u8 = 0xEF;
/// Application specific parameters.
pub const TAG_APPLICATION_PARAMETERS: u8 = 0xC9;
/// Non-volatile memory quota.
pub const TAG_NVM_QUOTA: u8 = 0xC8;
/// Volatile memory quota.
pub const TAG_VM_QUOTA: u8 = 0xC7;

// ---- STORE DATA DGIs (SGP.02 §4.1.1, §4.1.2) ----

/// EnableProfile.
pub const DGI_ENABLE_PROFILE: u16 = 0x3A03;
/// DisableProfile.
pub const DGI_DISABLE_PROFILE: u16 = 0x3A04;
/// SetFallbackAttribute.
pub const DGI_SET_FALLBACK: u16 = 0x3A05;
/// HandleNotificationConfirmation.
pub const DGI_NOTIFICATION_CONFIRMATION: u16 = 0x3A06;
/// UpdateConnectivityParameters (sent to the ISD-P).
pub const DGI_CONNECTIVITY_PARAMETERS: u16 = 0x3A07;
/// UpdateSMSRAddressingParameters.
pub const DGI_SMSR_ADDRESSING: u16 = 0x3A08;

// ---- TLV tags ----

/// AID.
pub const TAG_AID: u8 = 0x4F;
/// EID (ISD-R GET DATA, notification `4C`).
pub const TAG_EID: u8 = 0x5A;
/// EID inside a notification.
pub const TAG_NOTIFICATION_EID: u8 = 0x4C;
/// Notification type.
pub const TAG_NOTIFICATION_TYPE: u8 = 0x4D;
/// Notification sequence number.
pub const TAG_SEQUENCE_NUMBER: u8 = 0x4E;
/// Default notification template.
pub const TAG_NOTIFICATION: u8 = 0xE1;
/// GET STATUS entry (GP table 11-36).
pub const TAG_GET_STATUS_ENTRY: u8 = 0xE3;
/// Life cycle state inside a GET STATUS entry.
pub const TAG_LIFE_CYCLE: u16 = 0x9F70;
/// Fallback attribute inside a GET STATUS entry.
pub const TAG_FALLBACK: u8 = 0x53;
/// ICCID inside a GET STATUS entry.
pub const TAG_ICCID: u8 = 0x5A;
/// SMS centre address (UpdateSMSRAddressingParameters).
pub const TAG_SMSC_ADDRESS: u8 = 0x80;
/// SM-SR MSISDN (UpdateSMSRAddressingParameters).
pub const TAG_SMSR_MSISDN: u8 = 0x81;
/// SM-SR TAR for MO packets (UpdateSMSRAddressingParameters).
pub const TAG_SMSR_TAR: u8 = 0x82;
/// Profile MSISDN (UpdateConnectivityParameters, simplified form).
pub const TAG_PROFILE_MSISDN: u8 = 0x80;
/// Number of installed applications (extended card resources).
pub const TAG_INSTALLED_APPS: u8 = 0x81;
/// Free non-volatile memory (extended card resources).
pub const TAG_FREE_NVM: u8 = 0x82;
/// Free volatile memory (extended card resources).
pub const TAG_FREE_VM: u8 = 0x83;

// ---- ISD-P life cycle (SGP.02 §2.2.1.3, GP §5.3) ----

/// INSTALLED.
pub const LC_INSTALLED: u8 = 0x03;
/// SELECTABLE (created, empty).
pub const LC_SELECTABLE: u8 = 0x07;
/// PERSONALIZED (profile loaded).
pub const LC_PERSONALIZED: u8 = 0x0F;
/// DISABLED.
pub const LC_DISABLED: u8 = 0x1F;
/// ENABLED.
pub const LC_ENABLED: u8 = 0x3F;
/// LOCKED.
pub const LC_LOCKED: u8 = 0x83;

// ---- Default notification types (SGP.02 §4.1.1.11) ----

/// eUICC declaration.
pub const NOTIF_EUICC_DECLARATION: u8 = 0x01;
/// Profile change succeeded.
pub const NOTIF_PROFILE_CHANGE_SUCCEEDED: u8 = 0x02;
/// Profile change failed and fallback (roll-back) enabled.
pub const NOTIF_PROFILE_CHANGE_FAILED_FALLBACK: u8 = 0x03;
/// Profile deleted (uncertain reading).
pub const NOTIF_PROFILE_DELETED: u8 = 0x05;

// ---- Status words the eUICC returns ----

/// Success.
pub const SW_OK: u16 = 0x9000;
/// Referenced data (AID) not found.
pub const SW_NOT_FOUND: u16 = 0x6A88;
/// Conditions of use not satisfied.
pub const SW_CONDITIONS_NOT_SATISFIED: u16 = 0x6985;
/// POL1 of the enabled profile forbids the operation.
pub const SW_POL1_FORBIDS: u16 = 0x69E1;
/// Incorrect data.
pub const SW_INCORRECT_DATA: u16 = 0x6A80;
/// INS not supported.
pub const SW_INS_NOT_SUPPORTED: u16 = 0x6D00;
/// Not enough memory.
pub const SW_NOT_ENOUGH_MEMORY: u16 = 0x6A84;
/// Wrong P1/P2 (ISO 7816-4).
pub const SW_WRONG_P1P2: u16 = 0x6A86;
/// Class not supported (ISO 7816-4).
pub const SW_CLA_NOT_SUPPORTED: u16 = 0x6E00;

// ---- ES8: ISD-P key establishment and profile download (SGP.02 §3.1.2, §4.1.3;
// GP Card Spec §11.5.2.3, GP Amd E scenario #3, SGP.02 §4.1.3.3 SCP03t) ----
// Tags and P1/P2 after the public Njiwa SM-DP where it has them, otherwise our reading.

/// INSTALL P1: for personalization (GP §11.5.2.1).
pub const P1_INSTALL_FOR_PERSONALIZATION: u8 = 0x20;
/// STORE DATA P1 of the first EstablishISDPKeySet command: DGI format, more blocks follow.
pub const P1_KEYSET_CERTIFICATE: u8 = 0x09;
/// STORE DATA P1 of the second EstablishISDPKeySet command: last block, DGI format.
pub const P1_KEYSET_KEY_AGREEMENT: u8 = 0x89;
/// STORE DATA P2 (block number) of the second EstablishISDPKeySet command.
pub const P2_KEYSET_KEY_AGREEMENT: u8 = 0x01;
/// DGI of the off-card entity's certificate (CERT.DP.ECDSA).
pub const DGI_KEYSET_CERTIFICATE: u16 = 0x3A01;
/// DGI of the key agreement data (the `A6` control reference template).
pub const DGI_KEYSET_KEY_AGREEMENT: u16 = 0x3A02;
/// GP certificate (GP Amd E / SGP.02 table of CERT.DP.ECDSA).
pub const TAG_GP_CERTIFICATE: u16 = 0x7F21;
/// Certificate serial number.
pub const TAG_CERT_SERIAL: u16 = 0x93;
/// CA identifier (the CI's key identifier).
pub const TAG_CERT_CA_ID: u16 = 0x42;
/// Subject identifier.
pub const TAG_CERT_SUBJECT_ID: u16 = 0x5F20;
/// Key usage.
pub const TAG_CERT_KEY_USAGE: u16 = 0x95;
/// Effective date (YYYYMMDD, BCD).
pub const TAG_CERT_EFFECTIVE_DATE: u16 = 0x5F25;
/// Expiration date (YYYYMMDD, BCD).
pub const TAG_CERT_EXPIRATION_DATE: u16 = 0x5F24;
/// Discretionary data.
pub const TAG_CERT_DISCRETIONARY: u16 = 0x73;
/// Certificate type inside the discretionary data (`01` SM-DP, `02` SM-SR).
pub const TAG_CERT_TYPE: u16 = 0xC8;
/// Public key template.
pub const TAG_PUBLIC_KEY: u16 = 0x7F49;
/// The public key point (uncompressed) inside `7F49`.
pub const TAG_PUBLIC_KEY_Q: u16 = 0xB0;
/// The key parameter reference inside `7F49`.
pub const TAG_KEY_PARAMETER_REFERENCE: u16 = 0xF0;
/// Signature (`r ‖ s`).
pub const TAG_SIGNATURE: u16 = 0x5F37;
/// Key usage of CERT.DP.ECDSA: verification of the key agreement data.
pub const CERT_KEY_USAGE_KEY_AGREEMENT: [u8; 2] = [0x00, 0x80];
/// Certificate type of an SM-DP.
pub const CERT_TYPE_SMDP: u8 = 0x01;
/// Certificate type of an SM-SR (CERT.SR.ECDSA, sent to the ISD-R in the SM-SR change,
/// SGP.02 §3.7; Njiwa writes `C8 01 02` too).
pub const CERT_TYPE_SMSR: u8 = 0x02;
/// Key parameter reference of NIST P-256 (GP Amd E).
pub const KEY_PARAMETER_P256: u8 = 0x00;
/// Key parameter reference of brainpoolP256r1 (GP Amd E).
pub const KEY_PARAMETER_BRAINPOOL_P256R1: u8 = 0x03;
/// Control reference template of the key agreement.
pub const TAG_CRT: u16 = 0xA6;
/// Scenario identifier and parameters.
pub const TAG_CRT_SCENARIO: u16 = 0x90;
/// Key usage qualifier.
pub const TAG_CRT_KEY_USAGE: u16 = 0x95;
/// Key type.
pub const TAG_CRT_KEY_TYPE: u16 = 0x80;
/// Key length.
pub const TAG_CRT_KEY_LENGTH: u16 = 0x81;
/// Key identifier.
pub const TAG_CRT_KEY_ID: u16 = 0x82;
/// Key version.
pub const TAG_CRT_KEY_VERSION: u16 = 0x83;
/// Host identifier.
pub const TAG_CRT_HOST_ID: u16 = 0x84;
/// Security domain image number.
pub const TAG_CRT_SDIN: u16 = 0x45;
/// Scenario #3 (ECKA with the ECASD's static key and an ephemeral off-card key).
pub const SCENARIO_3: u8 = 0x03;
/// Scenario parameter: the derivation random DR takes part in the derivation.
pub const SCENARIO_PARAM_DR: u8 = 0x02;
/// Scenario parameter: host identifier (and SDIN) take part in the derivation.
pub const SCENARIO_PARAM_HOST_ID: u8 = 0x04;
/// Scenario parameter: a certificate verification precedes the key agreement.
pub const SCENARIO_PARAM_CERTIFICATE: u8 = 0x08;
/// Key usage qualifier: a secure channel keyset of three keys (S-ENC, S-MAC, DEK).
pub const KEY_USAGE_SCP03_KEYSET: u8 = 0x10;
/// Key usage qualifier of the ISD-R's new SCP80 keyset in the SM-SR change (SGP.02 §3.7,
/// ES5 EstablishISDRKeySet). The public Njiwa SM-SR asks for a keyset of three keys here
/// too (`10`, citing SGP.02 v3.1 §5.6.1) and derives it like the ISD-P's: the KDF output
/// is receipt key ‖ KIc ‖ KID ‖ DEK. We follow it, so one value serves both targets.
pub const KEY_USAGE_SCP80_KEYSET: u8 = KEY_USAGE_SCP03_KEYSET;
/// CRT `91`: initial value of the new keyset's sequence counter (for SCP80 the five
/// octets of the TS 102 225 counter; the eUICC takes it as the highest counter already
/// received, so the new SM-SR's first packet carries a higher one — our reading).
pub const TAG_CRT_INITIAL_COUNTER: u16 = 0x91;
/// Length of an SCP80 initial counter in the CRT.
pub const SCP80_COUNTER_LEN: usize = 5;
/// Key type AES.
pub const KEY_TYPE_AES: u8 = 0x88;
/// Key length of AES-128.
pub const KEY_LENGTH_AES128: u8 = 0x10;
/// Random challenge (response to the certificate), and in the signed data.
pub const TAG_RANDOM_CHALLENGE: u16 = 0x85;
/// Derivation random DR (response to the key agreement).
pub const TAG_DERIVATION_RANDOM: u16 = 0x85;
/// Receipt (response to the key agreement).
pub const TAG_RECEIPT: u16 = 0x86;
/// STORE DATA P1 carrying one SCP03t TLV: last block, BER-TLV format (GP §11.11.2.1;
/// carrying SCP03t in STORE DATA is our reading of SGP.02 §4.1.3.3).
pub const P1_SCP03T: u8 = 0x90;
/// STORE DATA P1 of an SCP03t `86` segment that more segments follow: BER-TLV, not last.
pub const P1_SCP03T_MORE: u8 = 0x10;
/// SCP03t INITIALIZE UPDATE TLV (SGP.02 §4.1.3.3).
pub const TAG_SCP03T_INITIALIZE_UPDATE: u8 = 0x84;
/// SCP03t EXTERNAL AUTHENTICATE TLV.
pub const TAG_SCP03T_EXTERNAL_AUTHENTICATE: u8 = 0x85;
/// SCP03t protected data (Profile Package segment, and the eUICC's protected response).
pub const TAG_SCP03T_DATA: u8 = 0x86;
/// Security level of the SCP03t session: C-MAC, C-DECRYPTION, R-MAC (GP Amd D §5.1).
pub const SCP03T_SECURITY_LEVEL: u8 = 0x13;
/// Status word: security status not satisfied (a MAC or signature that does not verify).
pub const SW_SECURITY_STATUS: u16 = 0x6982;
/// Status word: authentication method blocked / cryptogram wrong (ISO 7816-4 `6300`).
pub const SW_VERIFICATION_FAILED: u16 = 0x6300;
