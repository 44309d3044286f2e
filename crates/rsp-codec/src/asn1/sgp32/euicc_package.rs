//! eUICC Packages (SGP.32 v1.2 §2.9 and §5.9.x): the eIM-signed `EuiccPackageRequest`
//! carrying Profile State Management Operations (PSMOs) or eIM Configuration Operations
//! (eCOs), and the eUICC-signed `EuiccPackageResult`.
//!
//! Tagging follows `SGP32Definitions` (AUTOMATIC TAGS): a CHOICE or SEQUENCE whose
//! components carry no tag gets `[0]`, `[1]`… (e.g. `EuiccPackage` → A0 / A1,
//! `EuiccPackageResult` → BF51 { A0 | A1 | A2 }); a tagged untagged-CHOICE component is
//! explicit (e.g. `eimPublicKeyData [5]` → A5 { A0 | A1 }).

// Variants keep the ASN.1 alternative names (e.g. `euiccPackageResultSigned`), which the
// derive-generated impls would otherwise trip this lint on.
#![allow(clippy::enum_variant_names)]
use rasn::prelude::*;

use crate::asn1::certificate::Certificate;
use crate::asn1::choice::OpenChoice;
use crate::asn1::common::{
    DpProprietaryData, Iccid, IconType, NotificationConfigurationInformation, Octet16, OctetTo16,
    OperatorId, PprIds, ProfileClass, ProfileState, SubjectKeyIdentifier, TransactionId,
    VendorSpecificExtension,
};
use crate::asn1::es10b::RulesAuthorisationTable;
use crate::asn1::es10c::ProfileInfoListRequest;
use crate::asn1::ext::Extensions;
use crate::asn1::macros::{named_bits, named_integer};
use crate::asn1::raw::Raw;

/// `SEQUENCE {}` as used by `getRAT`, `unsetFallbackAttribute`, `listEim` (only unknown
/// extension additions can appear).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
pub struct EmptySequence {
    /// Unknown extension additions.
    pub ext: Extensions,
}

// ------------------------------------------------------------- EuiccPackageRequest §2.9.1

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

// ------------------------------------------------------------- EuiccPackageResult §2.9.2

/// `EuiccPackageResult ::= [81] CHOICE`. Tag 'BF51' (explicit) then A0 / A1 / A2
/// (SGP.32 §2.9.2, §5.9.1).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice, tag(explicit(context, 81)))]
pub enum EuiccPackageResult {
    /// Tag 'A0'.
    #[rasn(tag(context, 0))]
    EuiccPackageResultSigned(EuiccPackageResultSigned),
    /// Tag 'A1'.
    #[rasn(tag(context, 1))]
    EuiccPackageErrorSigned(EuiccPackageErrorSigned),
    /// Tag 'A2'.
    #[rasn(tag(context, 2))]
    EuiccPackageErrorUnsigned(EuiccPackageErrorUnsigned),
}

/// `EuiccPackageResultSigned ::= SEQUENCE` (30, 5F37) (SGP.32 §2.9.2).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct EuiccPackageResultSigned {
    /// Tag '30', kept as received: `euiccSignEPR` is computed over these bytes.
    pub euicc_package_result_data_signed: Raw<EuiccPackageResultDataSigned>,
    /// eUICC signature (r‖s). Tag '5F37'.
    #[rasn(tag(application, 55))]
    pub euicc_sign_epr: OctetString,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `EuiccPackageResultDataSigned ::= SEQUENCE` (80, 81, 82, 83, 30) (SGP.32 §2.9.2).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct EuiccPackageResultDataSigned {
    /// Tag '80'.
    #[rasn(tag(context, 0), size("1..=128"))]
    pub eim_id: Utf8String,
    /// Tag '81'.
    #[rasn(tag(context, 1))]
    pub counter_value: Integer,
    /// Tag '82'.
    #[rasn(tag(context, 2))]
    pub eim_transaction_id: Option<TransactionId>,
    /// Tag '83'.
    #[rasn(tag(context, 3))]
    pub seq_number: Integer,
    /// One result per PSMO / eCO ([`OpenChoice`]: a result a newer eUICC adds is kept
    /// verbatim). Tag '30'.
    pub euicc_result: SequenceOf<OpenChoice<EuiccResultData>>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `EuiccResultData ::= CHOICE` (SGP.32 §2.9.2).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
pub enum EuiccResultData {
    /// Tag '83'.
    #[rasn(tag(context, 3))]
    EnableResult(EnableProfileResult),
    /// Tag '84'.
    #[rasn(tag(context, 4))]
    DisableResult(DisableProfileResult),
    /// Tag '85'.
    #[rasn(tag(context, 5))]
    DeleteResult(DeleteProfileResult),
    /// `[45] SGP32-ProfileInfoListResponse`: the implicit `[45]` replaces the type's own,
    /// so BF2D { A0 | 81 }.
    #[rasn(tag(context, 45))]
    ListProfileInfoResult(Sgp32ProfileInfoListResponse),
    /// Tag 'A6'.
    #[rasn(tag(context, 6))]
    GetRatResult(RulesAuthorisationTable),
    /// Tag '87'.
    #[rasn(tag(context, 7))]
    ConfigureImmediateEnableResult(ConfigureImmediateEnableResult),
    /// Tag 'A8' (explicit, over an untagged CHOICE).
    #[rasn(tag(explicit(context, 8)))]
    AddEimResult(AddEimResult),
    /// Tag '89'.
    #[rasn(tag(context, 9))]
    DeleteEimResult(DeleteEimResult),
    /// Tag '8A'.
    #[rasn(tag(context, 10))]
    UpdateEimResult(UpdateEimResult),
    /// Tag 'AB' (explicit, over an untagged CHOICE).
    #[rasn(tag(explicit(context, 11)))]
    ListEimResult(ListEimResult),
    /// Tag '8C'.
    #[rasn(tag(context, 12))]
    RollbackResult(RollbackProfileResult),
    /// Tag '8D'.
    #[rasn(tag(context, 13))]
    SetFallbackAttributeResult(SetFallbackAttributeResult),
    /// Tag '8E'.
    #[rasn(tag(context, 14))]
    UnsetFallbackAttributeResult(UnsetFallbackAttributeResult),
    /// Tag '02'.
    ProcessingTerminated(ProcessingTerminated),
    /// Tag 'BF65'.
    #[rasn(tag(context, 101))]
    SetDefaultDpAddressResult(Sgp32SetDefaultDpAddressResponse),
}

named_integer!(
    /// `processingTerminated INTEGER` of `EuiccResultData`.
    ProcessingTerminated {
        RESULT_SIZE_OVERFLOW = 1,
        UNKNOWN_OR_DAMAGED_COMMAND = 2,
        INTERRUPTION = 3,
        UNDEFINED_ERROR = 127,
    }
);

named_integer!(
    /// `EnableProfileResult ::= INTEGER` (SGP.32 §2.9.2).
    EnableProfileResult {
        OK = 0,
        ICCID_OR_AID_NOT_FOUND = 1,
        PROFILE_NOT_IN_DISABLED_STATE = 2,
        DISALLOWED_BY_POLICY = 3,
        CAT_BUSY = 5,
        ROLLBACK_NOT_AVAILABLE = 20,
        UNDEFINED_ERROR = 127,
    }
);

named_integer!(
    /// `DisableProfileResult ::= INTEGER` (SGP.32 §2.9.2).
    DisableProfileResult {
        OK = 0,
        ICCID_OR_AID_NOT_FOUND = 1,
        PROFILE_NOT_IN_ENABLED_STATE = 2,
        DISALLOWED_BY_POLICY = 3,
        CAT_BUSY = 5,
        UNDEFINED_ERROR = 127,
    }
);

named_integer!(
    /// `DeleteProfileResult ::= INTEGER` (SGP.32 §2.9.2).
    DeleteProfileResult {
        OK = 0,
        ICCID_OR_AID_NOT_FOUND = 1,
        PROFILE_NOT_IN_DISABLED_STATE = 2,
        DISALLOWED_BY_POLICY = 3,
        ROLLBACK_NOT_AVAILABLE = 20,
        RETURN_FALLBACK_PROFILE = 21,
        UNDEFINED_ERROR = 127,
    }
);

named_integer!(
    /// `ConfigureImmediateEnableResult ::= INTEGER` (SGP.32 §2.9.2).
    ConfigureImmediateEnableResult {
        OK = 0,
        INSUFFICIENT_MEMORY = 1,
        COMMAND_ERROR = 7,
        UNDEFINED_ERROR = 127,
    }
);

named_integer!(
    /// `RollbackProfileResult ::= INTEGER` (SGP.32 §2.9.2).
    RollbackProfileResult {
        OK = 0,
        UNDEFINED_ERROR = 127,
    }
);

named_integer!(
    /// `SetFallbackAttributeResult ::= INTEGER` (SGP.32 §2.9.2).
    SetFallbackAttributeResult {
        OK = 0,
        ICCID_OR_AID_NOT_FOUND = 1,
        FALLBACK_NOT_ALLOWED = 2,
        FALLBACK_PROFILE_ENABLED = 3,
        UNDEFINED_ERROR = 127,
    }
);

named_integer!(
    /// `UnsetFallbackAttributeResult ::= INTEGER` (SGP.32 §2.9.2).
    UnsetFallbackAttributeResult {
        OK = 0,
        NO_FALLBACK_ATTRIBUTE = 2,
        FALLBACK_PROFILE_ENABLED = 3,
        COMMAND_ERROR = 7,
        UNDEFINED_ERROR = 127,
    }
);

/// `AddEimResult ::= CHOICE` (84 associationToken / 02 result code) (SGP.32 §2.9.2).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
pub enum AddEimResult {
    /// Tag '84'.
    #[rasn(tag(context, 4))]
    AssociationToken(Integer),
    /// Tag '02'.
    AddEimResultCode(AddEimResultCode),
}

named_integer!(
    /// `addEimResultCode INTEGER` of `AddEimResult`.
    AddEimResultCode {
        OK = 0,
        INSUFFICIENT_MEMORY = 1,
        ASSOCIATED_EIM_ALREADY_EXISTS = 2,
        CI_PK_UNKNOWN = 3,
        INVALID_ASSOCIATION_TOKEN = 5,
        COUNTER_VALUE_OUT_OF_RANGE = 6,
        COMMAND_ERROR = 7,
        UNDEFINED_ERROR = 127,
    }
);

named_integer!(
    /// `DeleteEimResult ::= INTEGER` (SGP.32 §2.9.2).
    DeleteEimResult {
        OK = 0,
        EIM_NOT_FOUND = 1,
        LAST_EIM_DELETED = 2,
        COMMAND_ERROR = 7,
        UNDEFINED_ERROR = 127,
    }
);

named_integer!(
    /// `UpdateEimResult ::= INTEGER` (SGP.32 §2.9.2).
    UpdateEimResult {
        OK = 0,
        EIM_NOT_FOUND = 1,
        CI_PK_UNKNOWN = 3,
        COUNTER_VALUE_OUT_OF_RANGE = 6,
        COMMAND_ERROR = 7,
        UNDEFINED_ERROR = 127,
    }
);

/// `ListEimResult ::= CHOICE` (automatic tags: A0 eimIdList / 81 listEimError).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
pub enum ListEimResult {
    /// Tag 'A0'.
    #[rasn(tag(context, 0))]
    EimIdList(SequenceOf<EimIdInfo>),
    /// Tag '81'.
    #[rasn(tag(context, 1))]
    ListEimError(ListEimError),
}

named_integer!(
    /// `listEimError INTEGER` of `ListEimResult`.
    ListEimError {
        UNDEFINED_ERROR = 127,
    }
);

/// `EimIdInfo ::= SEQUENCE` (80, 82).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct EimIdInfo {
    /// Tag '80'.
    #[rasn(tag(context, 0), size("1..=128"))]
    pub eim_id: Utf8String,
    /// Tag '82'.
    #[rasn(tag(context, 2))]
    pub eim_id_type: Option<EimIdType>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `EuiccPackageErrorSigned ::= SEQUENCE` (30, 5F37) (SGP.32 §2.9.2).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct EuiccPackageErrorSigned {
    /// Tag '30', kept as received: `euiccSignEPE` is computed over these bytes.
    pub euicc_package_error_data_signed: Raw<EuiccPackageErrorDataSigned>,
    /// eUICC signature (r‖s). Tag '5F37'.
    #[rasn(tag(application, 55))]
    pub euicc_sign_epe: OctetString,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `EuiccPackageErrorDataSigned ::= SEQUENCE` (80, 81, 82, 02).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct EuiccPackageErrorDataSigned {
    /// Tag '80'.
    #[rasn(tag(context, 0), size("1..=128"))]
    pub eim_id: Utf8String,
    /// Tag '81'.
    #[rasn(tag(context, 1))]
    pub counter_value: Integer,
    /// Tag '82'.
    #[rasn(tag(context, 2))]
    pub eim_transaction_id: Option<TransactionId>,
    /// Tag '02'.
    pub euicc_package_error_code: EuiccPackageErrorCode,
    /// Unknown extension additions.
    pub ext: Extensions,
}

named_integer!(
    /// `EuiccPackageErrorCode ::= INTEGER` (SGP.32 §2.9.2).
    EuiccPackageErrorCode {
        INVALID_EID = 3,
        REPLAY_ERROR = 4,
        COUNTER_VALUE_OUT_OF_RANGE = 6,
        SIZE_OVERFLOW = 15,
        ECALL_ACTIVE = 104,
        UNDEFINED_ERROR = 127,
    }
);

/// `EuiccPackageErrorUnsigned ::= SEQUENCE` (80, 82, 84) (SGP.32 §2.9.2).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct EuiccPackageErrorUnsigned {
    /// Tag '80'.
    #[rasn(tag(context, 0), size("1..=128"))]
    pub eim_id: Utf8String,
    /// Tag '82'.
    #[rasn(tag(context, 2))]
    pub eim_transaction_id: Option<TransactionId>,
    /// Tag '84'.
    #[rasn(tag(context, 4))]
    pub association_token: Option<Integer>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

// ------------------------------------------------------------- listProfileInfo result

/// `SGP32-ProfileInfoListResponse ::= [45] CHOICE`. Tag 'BF2D' (explicit) then A0 / 81
/// (SGP.32 §5.9.1, the result of the `listProfileInfo` PSMO).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice, tag(explicit(context, 45)))]
pub enum Sgp32ProfileInfoListResponse {
    /// Tag 'A0'.
    #[rasn(tag(context, 0))]
    ProfileInfoListOk(SequenceOf<Sgp32ProfileInfo>),
    /// Tag '81'.
    #[rasn(tag(context, 1))]
    ProfileInfoListError(Sgp32ProfileInfoListError),
}

named_integer!(
    /// `SGP32-ProfileInfoListError ::= INTEGER`.
    Sgp32ProfileInfoListError {
        INCORRECT_INPUT_VALUES = 1,
        PROFILE_CHANGE_ONGOING = 11,
        UNDEFINED_ERROR = 127,
    }
);

fn default_false() -> bool {
    false
}

/// `SGP32-ProfileInfo ::= [PRIVATE 3] SEQUENCE`. Tag 'E3': SGP.22's `ProfileInfo` plus
/// `ecallIndication` '9F7B', `fallbackAttribute` '9F26', `fallbackAllowed` '9F67'
/// (SGP.32 §5.9.1 / §5.10).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
#[rasn(tag(private, 3))]
pub struct Sgp32ProfileInfo {
    /// Tag '5A'.
    pub iccid: Option<Iccid>,
    /// Tag '4F'.
    #[rasn(tag(application, 15))]
    pub isdp_aid: Option<OctetTo16>,
    /// Tag '9F70'.
    #[rasn(tag(context, 112))]
    pub profile_state: Option<ProfileState>,
    /// Tag '90'.
    #[rasn(tag(context, 16))]
    pub profile_nickname: Option<Utf8String>,
    /// Tag '91'.
    #[rasn(tag(context, 17))]
    pub service_provider_name: Option<Utf8String>,
    /// Tag '92'.
    #[rasn(tag(context, 18))]
    pub profile_name: Option<Utf8String>,
    /// Tag '93'.
    #[rasn(tag(context, 19))]
    pub icon_type: Option<IconType>,
    /// Tag '94'.
    #[rasn(tag(context, 20))]
    pub icon: Option<OctetString>,
    /// Tag '95'.
    #[rasn(tag(context, 21))]
    pub profile_class: Option<ProfileClass>,
    /// Tag 'B6'.
    #[rasn(tag(context, 22))]
    pub notification_configuration_info: Option<SequenceOf<NotificationConfigurationInformation>>,
    /// Tag 'B7'.
    #[rasn(tag(context, 23))]
    pub profile_owner: Option<OperatorId>,
    /// Tag 'B8'.
    #[rasn(tag(context, 24))]
    pub dp_proprietary_data: Option<DpProprietaryData>,
    /// Tag '99'.
    #[rasn(tag(context, 25))]
    pub profile_policy_rules: Option<PprIds>,
    /// Tag 'BF22'.
    #[rasn(tag(context, 34))]
    pub service_specific_data_stored_in_euicc: Option<VendorSpecificExtension>,
    /// Tag '9F7B'.
    #[rasn(tag(context, 123))]
    pub ecall_indication: Option<bool>,
    /// `DEFAULT FALSE`: omitted from the encoding when false. Tag '9F26'.
    #[rasn(tag(context, 38), default = "default_false")]
    pub fallback_attribute: bool,
    /// Tag '9F67'.
    #[rasn(tag(context, 103))]
    pub fallback_allowed: Option<bool>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

#[cfg(test)]
mod tests {
    use super::super::der::{EID, ICCID, SIG, cat, tlv};
    use super::*;
    use crate::asn1::{decode, encode};

    fn utf8(s: &str) -> Utf8String {
        s.into()
    }

    /// BF51 { 30 { 80 eimId, 5A EID, 81 counter, 82 txId, A0 { every PSMO } }, 5F37 }.
    fn psmo_request_der() -> (Vec<u8>, Vec<u8>) {
        let psmos = cat(&[
            &tlv(&[0xA3], &cat(&[&tlv(&[0x5A], &ICCID), &[0x05, 0x00]])),
            &tlv(&[0xA4], &tlv(&[0x5A], &ICCID)),
            &tlv(&[0xA5], &tlv(&[0x5A], &ICCID)),
            &tlv(&[0xBF, 0x2D], &tlv(&[0x5C], &[0x5A, 0x9F, 0x70])),
            &tlv(&[0xA6], &[]),
            &tlv(
                &[0xA7],
                &cat(&[&[0x80, 0x00], &tlv(&[0x82], b"dp.example")]),
            ),
            &tlv(&[0xA8], &tlv(&[0x5A], &ICCID)),
            &tlv(&[0xA9], &[]),
            &tlv(&[0xBF, 0x65], &tlv(&[0x0C], b"dp2.example")),
        ]);
        let signed = tlv(
            &[0x30],
            &cat(&[
                &tlv(&[0x80], b"eim.example"),
                &tlv(&[0x5A], &EID),
                &tlv(&[0x81], &[0x01, 0x00]),
                &tlv(&[0x82], &[0x11, 0x22]),
                &tlv(&[0xA0], &psmos),
            ]),
        );
        let request = tlv(&[0xBF, 0x51], &cat(&[&signed, &tlv(&[0x5F, 0x37], &SIG)]));
        (request, signed)
    }

    #[test]
    fn psmo_package_request_from_hand_assembled_der() {
        let (bytes, signed) = psmo_request_der();
        let request: EuiccPackageRequest = decode(&bytes).expect("decodes");
        assert_eq!(request.euicc_package_signed.raw(), signed.as_slice());
        assert_eq!(request.eim_signature.as_ref(), SIG.as_slice());
        let body = request.euicc_package_signed.value();
        assert_eq!(body.eim_id, "eim.example");
        assert_eq!(body.eid_value.as_bytes(), &EID);
        assert_eq!(body.counter_value, Integer::from(256));
        assert_eq!(
            body.eim_transaction_id.as_ref().map(|t| t.as_bytes()),
            Some([0x11, 0x22].as_slice())
        );
        let EuiccPackage::PsmoList(psmos) = &body.euicc_package else {
            panic!("expected psmoList");
        };
        assert_eq!(psmos.len(), 9);
        assert!(
            matches!(psmos[0].known().expect("known"), Psmo::Enable(e) if e.iccid.as_bytes() == &ICCID && e.rollback_flag.is_some())
        );
        assert!(matches!(psmos[1].known().expect("known"), Psmo::Disable(_)));
        assert!(matches!(psmos[2].known().expect("known"), Psmo::Delete(_)));
        assert!(
            matches!(psmos[3].known().expect("known"), Psmo::ListProfileInfo(l) if l.tag_list.as_deref() == Some([0x5A, 0x9F, 0x70].as_slice()))
        );
        assert!(matches!(psmos[4].known().expect("known"), Psmo::GetRat(_)));
        assert!(
            matches!(psmos[5].known().expect("known"), Psmo::ConfigureImmediateEnable(c)
            if c.immediate_enable_flag.is_some() && c.default_smdp_oid.is_none()
                && c.default_smdp_address.as_deref() == Some("dp.example"))
        );
        assert!(matches!(
            psmos[6].known().expect("known"),
            Psmo::SetFallbackAttribute(_)
        ));
        assert!(matches!(
            psmos[7].known().expect("known"),
            Psmo::UnsetFallbackAttribute(_)
        ));
        assert!(
            matches!(psmos[8].known().expect("known"), Psmo::SetDefaultDpAddress(s) if s.default_dp_address == "dp2.example")
        );
        assert_eq!(encode(&request).expect("encodes"), bytes);
    }

    #[test]
    fn signed_bytes_are_kept_as_received() {
        // Same package, but the signed SEQUENCE uses a long-form length (valid BER only):
        // the signature must be checked over these bytes, not over a DER re-encoding.
        let (_, signed) = psmo_request_der();
        let content = match signed[1] {
            0x81 => &signed[3..],
            _ => &signed[2..],
        };
        let len = u16::try_from(content.len()).expect("small");
        let mut ber = vec![0x30, 0x82];
        ber.extend(len.to_be_bytes());
        ber.extend_from_slice(content);
        let bytes = tlv(&[0xBF, 0x51], &cat(&[&ber, &tlv(&[0x5F, 0x37], &SIG)]));
        let request: EuiccPackageRequest = crate::asn1::decode_ber(&bytes).expect("decodes");
        assert_eq!(request.euicc_package_signed.raw(), ber.as_slice());
        assert_eq!(encode(&request).expect("encodes"), bytes);
    }

    #[test]
    fn a_wrong_outer_tag_is_refused() {
        let (mut bytes, _) = psmo_request_der();
        bytes[1] = 0x52; // BF52 is IpaEuiccDataRequest
        assert!(decode::<EuiccPackageRequest>(&bytes).is_err());
    }

    fn spki_der() -> Vec<u8> {
        let alg = tlv(
            &[0x30],
            &cat(&[
                &tlv(&[0x06], &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01]),
                &tlv(&[0x06], &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07]),
            ]),
        );
        let mut point = vec![0x00, 0x04];
        point.extend([0x11; 64]);
        cat(&[&alg, &tlv(&[0x03], &point)])
    }

    #[test]
    fn eco_package_from_hand_assembled_der() {
        let eim_config = cat(&[
            &tlv(&[0x80], b"eim-2"),
            &tlv(&[0x81], b"eim2.example"),
            &tlv(&[0x82], &[0x02]),
            &tlv(&[0x83], &[0x00]),
            &tlv(&[0xA5], &tlv(&[0xA0], &spki_der())),
            &tlv(&[0x87], &[0x05, 0xA0]),
            &tlv(&[0x88], &[0xF5, 0x41]),
            &[0x89, 0x00],
        ]);
        let ecos = cat(&[
            &tlv(&[0xA8], &eim_config),
            &tlv(&[0xA9], &tlv(&[0x80], b"eim-old")),
            &tlv(&[0xAA], &tlv(&[0x80], b"eim-3")),
            &tlv(&[0xAB], &[]),
        ]);
        let signed = tlv(
            &[0x30],
            &cat(&[
                &tlv(&[0x80], b"eim-1"),
                &tlv(&[0x5A], &EID),
                &tlv(&[0x81], &[0x07]),
                &tlv(&[0xA1], &ecos),
            ]),
        );
        let bytes = tlv(&[0xBF, 0x51], &cat(&[&signed, &tlv(&[0x5F, 0x37], &SIG)]));
        let request: EuiccPackageRequest = decode(&bytes).expect("decodes");
        let EuiccPackage::EcoList(ecos) = &request.euicc_package_signed.value().euicc_package
        else {
            panic!("expected ecoList");
        };
        let Some(Eco::AddEim(add)) = ecos[0].known() else {
            panic!("expected addEim");
        };
        assert_eq!(add.eim_id, "eim-2");
        assert_eq!(add.eim_fqdn.as_deref(), Some("eim2.example"));
        assert_eq!(add.eim_id_type, Some(EimIdType::EIM_ID_TYPE_FQDN));
        assert_eq!(add.counter_value, Some(Integer::from(0)));
        let Some(EimPublicKeyData::EimPublicKey(spki)) = &add.eim_public_key_data else {
            panic!("expected eimPublicKey");
        };
        assert_eq!(spki.subject_public_key.len(), 65 * 8);
        assert!(add.trusted_public_key_data_tls.is_none());
        let protocols = add.eim_supported_protocol.as_ref().expect("present");
        assert!(protocols.is_set(EimSupportedProtocol::EIM_RETRIEVE_HTTPS));
        assert!(protocols.is_set(EimSupportedProtocol::EIM_INJECT_HTTPS));
        assert!(!protocols.is_set(EimSupportedProtocol::EIM_RETRIEVE_COAPS));
        assert_eq!(add.euicc_ci_pk_id.as_deref(), Some([0xF5, 0x41].as_slice()));
        assert!(add.indirect_profile_download.is_some());
        assert!(
            matches!(ecos[1].known().expect("known"), Eco::DeleteEim(d) if d.eim_id == "eim-old")
        );
        assert!(
            matches!(ecos[2].known().expect("known"), Eco::UpdateEim(u) if u.eim_id == "eim-3")
        );
        assert!(matches!(ecos[3].known().expect("known"), Eco::ListEim(_)));
        assert_eq!(encode(&request).expect("encodes"), bytes);
    }

    #[test]
    fn result_signed_from_hand_assembled_der() {
        let profile_info = tlv(
            &[0xE3],
            &cat(&[
                &tlv(&[0x5A], &ICCID),
                &tlv(&[0x9F, 0x70], &[0x01]),
                &tlv(&[0x9F, 0x7B], &[0x00]),
                &tlv(&[0x9F, 0x26], &[0xFF]),
                &tlv(&[0x9F, 0x67], &[0xFF]),
            ]),
        );
        let results = cat(&[
            &tlv(&[0x83], &[0x00]),
            &tlv(&[0x84], &[0x02]),
            &tlv(&[0x85], &[0x15]),
            &tlv(&[0xBF, 0x2D], &tlv(&[0xA0], &profile_info)),
            &tlv(&[0xA6], &[]),
            &tlv(&[0x87], &[0x07]),
            &tlv(&[0xA8], &tlv(&[0x84], &[0x2A])),
            &tlv(&[0xA8], &tlv(&[0x02], &[0x02])),
            &tlv(&[0x89], &[0x02]),
            &tlv(&[0x8A], &[0x06]),
            &tlv(
                &[0xAB],
                &tlv(
                    &[0xA0],
                    &tlv(
                        &[0x30],
                        &cat(&[&tlv(&[0x80], b"eim-1"), &tlv(&[0x82], &[0x01])]),
                    ),
                ),
            ),
            &tlv(&[0x8C], &[0x00]),
            &tlv(&[0x8D], &[0x02]),
            &tlv(&[0x8E], &[0x03]),
            &tlv(&[0x02], &[0x01]),
            &tlv(&[0xBF, 0x65], &tlv(&[0x02], &[0x00])),
        ]);
        let signed = tlv(
            &[0x30],
            &cat(&[
                &tlv(&[0x80], b"eim-1"),
                &tlv(&[0x81], &[0x05]),
                &tlv(&[0x82], &[0xAB]),
                &tlv(&[0x83], &[0x09]),
                &tlv(&[0x30], &results),
            ]),
        );
        let bytes = tlv(
            &[0xBF, 0x51],
            &tlv(&[0xA0], &cat(&[&signed, &tlv(&[0x5F, 0x37], &SIG)])),
        );
        let result: EuiccPackageResult = decode(&bytes).expect("decodes");
        let EuiccPackageResult::EuiccPackageResultSigned(ok) = &result else {
            panic!("expected euiccPackageResultSigned");
        };
        assert_eq!(ok.euicc_package_result_data_signed.raw(), signed.as_slice());
        assert_eq!(ok.euicc_sign_epr.as_ref(), SIG.as_slice());
        let data = ok.euicc_package_result_data_signed.value();
        assert_eq!(data.eim_id, "eim-1");
        assert_eq!(data.counter_value, Integer::from(5));
        assert_eq!(data.seq_number, Integer::from(9));
        let r: Vec<&EuiccResultData> = data
            .euicc_result
            .iter()
            .map(|x| x.known().expect("known"))
            .collect();
        assert_eq!(r.len(), 16);
        assert_eq!(
            *r[0],
            EuiccResultData::EnableResult(EnableProfileResult::OK)
        );
        assert_eq!(
            *r[1],
            EuiccResultData::DisableResult(DisableProfileResult::PROFILE_NOT_IN_ENABLED_STATE)
        );
        assert_eq!(
            *r[2],
            EuiccResultData::DeleteResult(DeleteProfileResult::RETURN_FALLBACK_PROFILE)
        );
        let EuiccResultData::ListProfileInfoResult(
            Sgp32ProfileInfoListResponse::ProfileInfoListOk(infos),
        ) = r[3]
        else {
            panic!("expected listProfileInfoResult");
        };
        assert_eq!(infos[0].iccid.map(|i| *i.as_bytes()), Some(ICCID));
        assert_eq!(infos[0].ecall_indication, Some(false));
        assert!(infos[0].fallback_attribute);
        assert_eq!(infos[0].fallback_allowed, Some(true));
        assert!(matches!(r[4], EuiccResultData::GetRatResult(rat) if rat.is_empty()));
        assert_eq!(
            *r[5],
            EuiccResultData::ConfigureImmediateEnableResult(
                ConfigureImmediateEnableResult::COMMAND_ERROR
            )
        );
        assert_eq!(
            *r[6],
            EuiccResultData::AddEimResult(AddEimResult::AssociationToken(42.into()))
        );
        assert_eq!(
            *r[7],
            EuiccResultData::AddEimResult(AddEimResult::AddEimResultCode(
                AddEimResultCode::ASSOCIATED_EIM_ALREADY_EXISTS
            ))
        );
        assert_eq!(
            *r[8],
            EuiccResultData::DeleteEimResult(DeleteEimResult::LAST_EIM_DELETED)
        );
        assert_eq!(
            *r[9],
            EuiccResultData::UpdateEimResult(UpdateEimResult::COUNTER_VALUE_OUT_OF_RANGE)
        );
        assert!(
            matches!(r[10], EuiccResultData::ListEimResult(ListEimResult::EimIdList(l))
            if l[0].eim_id == "eim-1" && l[0].eim_id_type == Some(EimIdType::EIM_ID_TYPE_OID))
        );
        assert_eq!(
            *r[11],
            EuiccResultData::RollbackResult(RollbackProfileResult::OK)
        );
        assert_eq!(
            *r[12],
            EuiccResultData::SetFallbackAttributeResult(
                SetFallbackAttributeResult::FALLBACK_NOT_ALLOWED
            )
        );
        assert_eq!(
            *r[13],
            EuiccResultData::UnsetFallbackAttributeResult(
                UnsetFallbackAttributeResult::FALLBACK_PROFILE_ENABLED
            )
        );
        assert_eq!(
            *r[14],
            EuiccResultData::ProcessingTerminated(ProcessingTerminated::RESULT_SIZE_OVERFLOW)
        );
        assert!(
            matches!(r[15], EuiccResultData::SetDefaultDpAddressResult(s) if s.set_default_dp_address_result == SetDefaultDpAddressResultCode::OK)
        );
        assert_eq!(encode(&result).expect("encodes"), bytes);
    }

    #[test]
    fn result_errors_from_hand_assembled_der() {
        let signed = tlv(
            &[0x30],
            &cat(&[
                &tlv(&[0x80], b"eim-1"),
                &tlv(&[0x81], &[0x05]),
                &tlv(&[0x02], &[0x04]),
            ]),
        );
        let bytes = tlv(
            &[0xBF, 0x51],
            &tlv(&[0xA1], &cat(&[&signed, &tlv(&[0x5F, 0x37], &SIG)])),
        );
        let result: EuiccPackageResult = decode(&bytes).expect("decodes");
        let EuiccPackageResult::EuiccPackageErrorSigned(err) = &result else {
            panic!("expected euiccPackageErrorSigned");
        };
        assert_eq!(err.euicc_package_error_data_signed.raw(), signed.as_slice());
        let data = err.euicc_package_error_data_signed.value();
        assert_eq!(
            data.euicc_package_error_code,
            EuiccPackageErrorCode::REPLAY_ERROR
        );
        assert!(data.eim_transaction_id.is_none());
        assert_eq!(encode(&result).expect("encodes"), bytes);

        let bytes = tlv(
            &[0xBF, 0x51],
            &tlv(
                &[0xA2],
                &cat(&[&tlv(&[0x80], b"eim-1"), &tlv(&[0x84], &[0x01, 0x00])]),
            ),
        );
        let result: EuiccPackageResult = decode(&bytes).expect("decodes");
        assert_eq!(
            result,
            EuiccPackageResult::EuiccPackageErrorUnsigned(EuiccPackageErrorUnsigned {
                eim_id: utf8("eim-1"),
                eim_transaction_id: None,
                association_token: Some(256.into()),
                ext: Extensions::default(),
            })
        );
        assert_eq!(encode(&result).expect("encodes"), bytes);
    }

    #[test]
    fn built_values_round_trip() {
        let signed = EuiccPackageSigned {
            eim_id: utf8("eim"),
            eid_value: Octet16::new(EID),
            counter_value: 1.into(),
            eim_transaction_id: None,
            euicc_package: EuiccPackage::EcoList(vec![
                OpenChoice::Known(Eco::AddEim(Box::new(EimConfigurationData {
                    eim_id: utf8("eim-2"),
                    eim_supported_protocol: Some(EimSupportedProtocol::from_bits(&[
                        EimSupportedProtocol::EIM_RETRIEVE_COAPS,
                    ])),
                    ..Default::default()
                }))),
                Eco::ListEim(EmptySequence::default()).into(),
            ]),
            ext: Extensions::default(),
        };
        let request = EuiccPackageRequest {
            euicc_package_signed: Raw::new(signed).expect("encodes"),
            eim_signature: SIG.to_vec().into(),
            ext: Extensions::default(),
        };
        let bytes = encode(&request).expect("encodes");
        assert_eq!(&bytes[..2], &[0xBF, 0x51]);
        let back: EuiccPackageRequest = decode(&bytes).expect("decodes");
        assert_eq!(back, request);
        assert_eq!(
            back.euicc_package_signed.value(),
            request.euicc_package_signed.value()
        );

        let result = EuiccPackageResult::EuiccPackageResultSigned(EuiccPackageResultSigned {
            euicc_package_result_data_signed: Raw::new(EuiccPackageResultDataSigned {
                eim_id: utf8("eim"),
                counter_value: 1.into(),
                eim_transaction_id: None,
                seq_number: 3.into(),
                euicc_result: vec![
                    EuiccResultData::EnableResult(EnableProfileResult::CAT_BUSY).into(),
                    EuiccResultData::ListProfileInfoResult(
                        Sgp32ProfileInfoListResponse::ProfileInfoListOk(vec![Sgp32ProfileInfo {
                            iccid: Some(Iccid::new(ICCID)),
                            ..Default::default()
                        }]),
                    )
                    .into(),
                    EuiccResultData::ListEimResult(ListEimResult::ListEimError(
                        ListEimError::UNDEFINED_ERROR,
                    ))
                    .into(),
                ],
                ext: Extensions::default(),
            })
            .expect("encodes"),
            euicc_sign_epr: SIG.to_vec().into(),
            ext: Extensions::default(),
        });
        let bytes = encode(&result).expect("encodes");
        // fallbackAttribute DEFAULT FALSE is not encoded.
        assert!(!bytes.windows(2).any(|w| w == [0x9F, 0x26]));
        let back: EuiccPackageResult = decode(&bytes).expect("decodes");
        assert_eq!(back, result);
    }

    #[test]
    fn eim_id_size_is_checked() {
        // EuiccPackageErrorUnsigned with an empty eimId (SIZE(1..128)) is refused.
        let bytes = tlv(&[0xBF, 0x51], &tlv(&[0xA2], &[0x80, 0x00]));
        assert!(decode::<EuiccPackageResult>(&bytes).is_err());
        let long = vec![b'e'; 129];
        let bytes = tlv(&[0xBF, 0x51], &tlv(&[0xA2], &tlv(&[0x80], &long)));
        assert!(decode::<EuiccPackageResult>(&bytes).is_err());
        let ok = vec![b'e'; 128];
        let bytes = tlv(&[0xBF, 0x51], &tlv(&[0xA2], &tlv(&[0x80], &ok)));
        assert!(decode::<EuiccPackageResult>(&bytes).is_ok());
    }

    #[test]
    fn unknown_operations_and_results_are_kept() {
        // An operation [30] (BF1E) that a newer eIM might send, beside a known one.
        let unknown = [0xBF, 0x1E, 0x00];
        let signed = tlv(
            &[0x30],
            &cat(&[
                &tlv(&[0x80], b"eim"),
                &tlv(&[0x5A], &EID),
                &tlv(&[0x81], &[0x01]),
                &tlv(&[0xA0], &cat(&[&unknown, &[0xA6, 0x00]])),
            ]),
        );
        let bytes = tlv(&[0xBF, 0x51], &cat(&[&signed, &tlv(&[0x5F, 0x37], &SIG)]));
        let request: EuiccPackageRequest = decode(&bytes).expect("decodes");
        let EuiccPackage::PsmoList(psmos) = &request.euicc_package_signed.value().euicc_package
        else {
            panic!("expected psmoList");
        };
        assert!(matches!(&psmos[0], OpenChoice::Unknown(tlv) if tlv.as_bytes() == unknown));
        assert!(matches!(psmos[1].known(), Some(Psmo::GetRat(_))));
        assert_eq!(encode(&request).expect("encodes"), bytes);

        // A result alternative [15] this version does not know.
        let signed = tlv(
            &[0x30],
            &cat(&[
                &tlv(&[0x80], b"eim"),
                &tlv(&[0x81], &[0x01]),
                &tlv(&[0x83], &[0x01]),
                &tlv(&[0x30], &[0x8F, 0x01, 0x00, 0x83, 0x01, 0x00]),
            ]),
        );
        let bytes = tlv(
            &[0xBF, 0x51],
            &tlv(&[0xA0], &cat(&[&signed, &tlv(&[0x5F, 0x37], &SIG)])),
        );
        let result: EuiccPackageResult = decode(&bytes).expect("decodes");
        let EuiccPackageResult::EuiccPackageResultSigned(ok) = &result else {
            panic!("expected euiccPackageResultSigned");
        };
        let results = &ok.euicc_package_result_data_signed.value().euicc_result;
        assert!(results[0].known().is_none());
        assert_eq!(
            results[1].known(),
            Some(&EuiccResultData::EnableResult(EnableProfileResult::OK))
        );
        assert_eq!(encode(&result).expect("encodes"), bytes);
    }
}
