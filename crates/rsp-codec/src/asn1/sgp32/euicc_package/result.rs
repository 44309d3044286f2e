//! EuiccPackageResult §2.9.2.

use super::*;

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
