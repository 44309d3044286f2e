//! EuiccPackageRequest §2.9.1.

use super::*;

/// `EuiccPackageRequest ::= [81] SEQUENCE`. Tag 'BF51' (SGP.32 §2.9.1, ESipa
/// TransferEimPackage / GetEimPackage, ES10b.LoadEuiccPackage §5.9.1).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 81))]
pub struct EuiccPackageRequest {
    /// Tag '30', kept as received: `eimSignature` is computed over these bytes.
    pub euicc_package_signed: Raw<EuiccPackageSigned>,
    /// eIM signature (TR-03111 r‖s). Tag '5F37'.
    #[rasn(tag(application, 55))]
    pub eim_signature: OctetString,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `EuiccPackageSigned ::= SEQUENCE` (80, 5A, 81, 82, A0|A1) (SGP.32 §2.9.1).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct EuiccPackageSigned {
    /// `eimId [0] UTF8String (SIZE(1..128))`. Tag '80'.
    #[rasn(tag(context, 0), size("1..=128"))]
    pub eim_id: Utf8String,
    /// EID. Tag '5A'.
    #[rasn(tag(application, 26))]
    pub eid_value: Octet16,
    /// Replay counter checked by the eUICC. Tag '81'.
    #[rasn(tag(context, 1))]
    pub counter_value: Integer,
    /// Tag '82'.
    #[rasn(tag(context, 2))]
    pub eim_transaction_id: Option<TransactionId>,
    /// Tag 'A0' (PSMOs) or 'A1' (eCOs).
    pub euicc_package: EuiccPackage,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `EuiccPackage ::= CHOICE` (automatic tags: A0 psmoList / A1 ecoList) (SGP.32 §2.9.1).
/// Each operation is an [`OpenChoice`]: an operation a newer eIM adds is kept verbatim, so
/// the eUICC can still answer `processingTerminated unknownOrDamagedCommand` for it.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
pub enum EuiccPackage {
    /// Tag 'A0'.
    #[rasn(tag(context, 0))]
    PsmoList(SequenceOf<OpenChoice<Psmo>>),
    /// Tag 'A1'.
    #[rasn(tag(context, 1))]
    EcoList(SequenceOf<OpenChoice<Eco>>),
}

/// `Psmo ::= CHOICE`: Profile State Management Operation (SGP.32 §2.9.1.1, §5.9.1).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
pub enum Psmo {
    /// Tag 'A3'.
    #[rasn(tag(context, 3))]
    Enable(PsmoEnable),
    /// Tag 'A4'.
    #[rasn(tag(context, 4))]
    Disable(PsmoIccid),
    /// Tag 'A5'.
    #[rasn(tag(context, 5))]
    Delete(PsmoIccid),
    /// `[45] ProfileInfoListRequest`. Tag 'BF2D'.
    #[rasn(tag(context, 45))]
    ListProfileInfo(ProfileInfoListRequest),
    /// Tag 'A6'.
    #[rasn(tag(context, 6))]
    GetRat(EmptySequence),
    /// Tag 'A7'.
    #[rasn(tag(context, 7))]
    ConfigureImmediateEnable(ConfigureImmediateEnable),
    /// Tag 'A8'.
    #[rasn(tag(context, 8))]
    SetFallbackAttribute(PsmoIccid),
    /// Tag 'A9'.
    #[rasn(tag(context, 9))]
    UnsetFallbackAttribute(EmptySequence),
    /// Tag 'BF65'.
    #[rasn(tag(context, 101))]
    SetDefaultDpAddress(Sgp32SetDefaultDpAddressRequest),
}

/// `enable [3] SEQUENCE { iccid [APPLICATION 26] Iccid, rollbackFlag NULL OPTIONAL }`
/// (5A, 05).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct PsmoEnable {
    /// Tag '5A'.
    pub iccid: Iccid,
    /// Tag '05' (universal NULL: the SEQUENCE has a tagged component, so no automatic tag).
    pub rollback_flag: Option<()>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `SEQUENCE { iccid [APPLICATION 26] Iccid }` of `disable`, `delete` and
/// `setFallbackAttribute`.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct PsmoIccid {
    /// Tag '5A'.
    pub iccid: Iccid,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `configureImmediateEnable [7] SEQUENCE` (80, 81, 82) (SGP.32 §5.9.1).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
pub struct ConfigureImmediateEnable {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub immediate_enable_flag: Option<()>,
    /// Tag '81'.
    #[rasn(tag(context, 1))]
    pub default_smdp_oid: Option<ObjectIdentifier>,
    /// Tag '82'.
    #[rasn(tag(context, 2))]
    pub default_smdp_address: Option<Utf8String>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `SGP32-SetDefaultDpAddressRequest ::= [101] SEQUENCE`. Tag 'BF65' (SGP.32 §5.9.1).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 101))]
pub struct Sgp32SetDefaultDpAddressRequest {
    /// Default SM-DP+ address (FQDN). Tag '0C'.
    pub default_dp_address: Utf8String,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `SGP32-SetDefaultDpAddressResponse ::= [101] SEQUENCE`. Tag 'BF65'.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 101))]
pub struct Sgp32SetDefaultDpAddressResponse {
    /// Tag '02'.
    pub set_default_dp_address_result: SetDefaultDpAddressResultCode,
    /// Unknown extension additions.
    pub ext: Extensions,
}

named_integer!(
    /// `setDefaultDpAddressResult INTEGER` of `SGP32-SetDefaultDpAddressResponse`.
    SetDefaultDpAddressResultCode {
        OK = 0,
        UNDEFINED_ERROR = 127,
    }
);

/// `Eco ::= CHOICE`: eIM Configuration Operation (SGP.32 §2.9.1.2, §5.9.1).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
pub enum Eco {
    /// Tag 'A8'.
    #[rasn(tag(context, 8))]
    AddEim(Box<EimConfigurationData>),
    /// Tag 'A9'.
    #[rasn(tag(context, 9))]
    DeleteEim(DeleteEim),
    /// Tag 'AA'.
    #[rasn(tag(context, 10))]
    UpdateEim(Box<EimConfigurationData>),
    /// Tag 'AB'.
    #[rasn(tag(context, 11))]
    ListEim(EmptySequence),
}

/// `deleteEim [9] SEQUENCE { eimId [0] UTF8String }` (80).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct DeleteEim {
    /// Tag '80' (no SIZE constraint in the module).
    #[rasn(tag(context, 0))]
    pub eim_id: Utf8String,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `EimConfigurationData ::= SEQUENCE` (80..89) (SGP.32 §2.11.1).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
pub struct EimConfigurationData {
    /// Tag '80'.
    #[rasn(tag(context, 0), size("1..=128"))]
    pub eim_id: Utf8String,
    /// FQDN of the eIM (or intermediate server). Tag '81'.
    #[rasn(tag(context, 1))]
    pub eim_fqdn: Option<Utf8String>,
    /// Tag '82'.
    #[rasn(tag(context, 2))]
    pub eim_id_type: Option<EimIdType>,
    /// Initial counter value. Tag '83'.
    #[rasn(tag(context, 3))]
    pub counter_value: Option<Integer>,
    /// Tag '84'.
    #[rasn(tag(context, 4))]
    pub association_token: Option<Integer>,
    /// Key verifying eUICC Package signatures. Tag 'A5' (explicit) then A0 / A1.
    #[rasn(tag(explicit(context, 5)))]
    pub eim_public_key_data: Option<EimPublicKeyData>,
    /// (D)TLS trust anchor. Tag 'A6' (explicit) then A0 / A1.
    #[rasn(tag(explicit(context, 6)))]
    pub trusted_public_key_data_tls: Option<TrustedPublicKeyDataTls>,
    /// Tag '87'.
    #[rasn(tag(context, 7))]
    pub eim_supported_protocol: Option<EimSupportedProtocol>,
    /// CI key id the eUICC signs with for this eIM. Tag '88'.
    #[rasn(tag(context, 8))]
    pub euicc_ci_pk_id: Option<SubjectKeyIdentifier>,
    /// Tag '89'.
    #[rasn(tag(context, 9))]
    pub indirect_profile_download: Option<()>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `eimPublicKeyData [5] CHOICE` (automatic tags: A0 key / A1 certificate).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
pub enum EimPublicKeyData {
    /// Tag 'A0'.
    #[rasn(tag(context, 0))]
    EimPublicKey(SubjectPublicKeyInfo),
    /// Tag 'A1'.
    #[rasn(tag(context, 1))]
    EimCertificate(Certificate),
}

/// `trustedPublicKeyDataTls [6] CHOICE` (automatic tags: A0 key / A1 certificate).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
pub enum TrustedPublicKeyDataTls {
    /// Tag 'A0'.
    #[rasn(tag(context, 0))]
    TrustedEimPkTls(SubjectPublicKeyInfo),
    /// Tag 'A1'.
    #[rasn(tag(context, 1))]
    TrustedCertificateTls(Certificate),
}

/// `SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey
/// BIT STRING }` (RFC 5280 §4.1, imported by SGP.32). The algorithm is kept as its TLV.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct SubjectPublicKeyInfo {
    /// `AlgorithmIdentifier` TLV (id-ecPublicKey + curve OID).
    pub algorithm: Any,
    /// The encoded point.
    pub subject_public_key: BitString,
}

named_integer!(
    /// `EimIdType ::= INTEGER` (SGP.32 §2.11.1).
    EimIdType {
        EIM_ID_TYPE_OID = 1,
        EIM_ID_TYPE_FQDN = 2,
        EIM_ID_TYPE_PROPRIETARY = 3,
    }
);

named_bits!(
    /// `EimSupportedProtocol ::= BIT STRING` (SGP.32 §2.11.1).
    EimSupportedProtocol {
        EIM_RETRIEVE_HTTPS = 0,
        EIM_RETRIEVE_COAPS = 1,
        EIM_INJECT_HTTPS = 2,
        EIM_INJECT_COAPS = 3,
        EIM_PROPRIETARY = 4,
    }
);
