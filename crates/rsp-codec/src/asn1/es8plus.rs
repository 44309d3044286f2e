//! ES8+ (SM-DP+ ↔ eUICC, through the LPA): the Bound Profile Package and what the eUICC
//! answers (SGP.22 §2.5.4, §5.5).

use core::fmt;

use rasn::prelude::*;

use super::common::{
    DpProprietaryData, Iccid, IconType, NotificationConfigurationInformation, NotificationMetadata,
    OctetTo16, OperatorId, PprIds, ProfileClass, RemoteOpId, TransactionId,
    VendorSpecificExtension,
};
use super::ext::Extensions;
use super::macros::named_integer;
use super::raw::Raw;

/// `InitialiseSecureChannelRequest ::= [35] SEQUENCE`. Tag 'BF23' (SGP.22 §5.5.1).
///
/// `smdpSign` covers the TLVs of the fields before it (no outer header) followed by the
/// eUICC's `5F49` TLV: use [`Raw::contents`] of the received TLV and
/// [`signed_part_of_initialise_secure_channel`] rather than a re-encoding.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 35))]
pub struct InitialiseSecureChannelRequest {
    /// Tag '82', SHALL be `installBoundProfilePackage`.
    pub remote_op_id: RemoteOpId,
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub transaction_id: TransactionId,
    /// `[6] IMPLICIT ControlRefTemplate`. Tag 'A6'.
    #[rasn(tag(context, 6))]
    pub control_ref_template: ControlRefTemplate,
    /// otPK.DP.ECKA. Tag '5F49'.
    #[rasn(tag(application, 73))]
    pub smdp_otpk: OctetString,
    /// SM-DP+ signature (r‖s). Tag '5F37'.
    #[rasn(tag(application, 55))]
    pub smdp_sign: OctetString,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// The bytes `smdpSign` covers inside a received `InitialiseSecureChannelRequest`:
/// the contents up to (excluding) the `5F37` TLV (SGP.22 §5.5.1). `None` if absent.
pub fn signed_part_of_initialise_secure_channel(
    request: &Raw<InitialiseSecureChannelRequest>,
) -> Option<&[u8]> {
    let contents = request.contents();
    let mut offset = 0;
    while let Some(rest) = contents.get(offset..) {
        if rest.starts_with(&[0x5F, 0x37]) {
            return contents.get(..offset);
        }
        let (_, after) = rasn::der::decode_with_remainder::<Any>(rest).ok()?;
        let used = rest.len() - after.len();
        if used == 0 {
            return None;
        }
        offset += used;
    }
    None
}

/// `ControlRefTemplate ::= SEQUENCE { keyType [0], keyLen [1], hostId [4] }`
/// (GlobalPlatform CRT for key agreement; SGP.22 §5.5.1).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct ControlRefTemplate {
    /// Key type, '88' = AES. Tag '80'.
    #[rasn(tag(context, 0))]
    pub key_type: super::common::Octet1,
    /// Key length in bytes, '10'. Tag '81'.
    #[rasn(tag(context, 1))]
    pub key_len: super::common::Octet1,
    /// Host ID. Tag '84'.
    #[rasn(tag(context, 4))]
    pub host_id: OctetTo16,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `ConfigureISDPRequest ::= [36] SEQUENCE`. Tag 'BF24' (SGP.22 §5.5.2).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
#[rasn(tag(context, 36))]
pub struct ConfigureISDPRequest {
    /// Tag 'B8'.
    #[rasn(tag(context, 24))]
    pub dp_proprietary_data: Option<DpProprietaryData>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

fn default_profile_class() -> ProfileClass {
    ProfileClass::OPERATIONAL
}

/// `StoreMetadataRequest ::= [37] SEQUENCE`. Tag 'BF25' (SGP.22 §5.5.3); also the
/// `profileMetaData` of ES9+.AuthenticateClient.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 37))]
pub struct StoreMetadataRequest {
    /// Tag '5A'.
    pub iccid: Iccid,
    /// Tag '91'.
    #[rasn(tag(context, 17))]
    pub service_provider_name: Utf8String,
    /// Tag '92'.
    #[rasn(tag(context, 18))]
    pub profile_name: Utf8String,
    /// Tag '93'.
    #[rasn(tag(context, 19))]
    pub icon_type: Option<IconType>,
    /// Tag '94'.
    #[rasn(tag(context, 20))]
    pub icon: Option<OctetString>,
    /// Tag '95', `DEFAULT operational`: omitted from the encoding when operational.
    #[rasn(tag(context, 21), default = "default_profile_class")]
    pub profile_class: ProfileClass,
    /// Tag 'B6'.
    #[rasn(tag(context, 22))]
    pub notification_configuration_info: Option<SequenceOf<NotificationConfigurationInformation>>,
    /// Tag 'B7'.
    #[rasn(tag(context, 23))]
    pub profile_owner: Option<OperatorId>,
    /// Tag '99'.
    #[rasn(tag(context, 25))]
    pub profile_policy_rules: Option<PprIds>,
    /// Tag 'BF22'.
    #[rasn(tag(context, 34))]
    pub service_specific_data_stored_in_euicc: Option<VendorSpecificExtension>,
    /// Tag 'BF23'.
    #[rasn(tag(context, 35))]
    pub service_specific_data_not_stored_in_euicc: Option<VendorSpecificExtension>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `UpdateMetadataRequest ::= [42] SEQUENCE`. Tag 'BF2A' (ES6.UpdateMetadata, carried in a
/// BPP `88` segment or over ES6).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
#[rasn(tag(context, 42))]
pub struct UpdateMetadataRequest {
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
    /// Tag '99'.
    #[rasn(tag(context, 25))]
    pub profile_policy_rules: Option<PprIds>,
    /// Tag 'BF22'.
    #[rasn(tag(context, 34))]
    pub service_specific_data_stored_in_euicc: Option<VendorSpecificExtension>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `ReplaceSessionKeysRequest ::= [38] SEQUENCE`. Tag 'BF26' (SGP.22 §5.5.4).
///
/// Holds the Profile Protection Keys: `Debug` redacts them.
#[derive(AsnType, Decode, Encode, Clone, PartialEq, Eq)]
#[rasn(tag(context, 38))]
pub struct ReplaceSessionKeysRequest {
    /// New initial MAC chaining value. Tag '80'.
    #[rasn(tag(context, 0))]
    pub initial_mac_chaining_value: OctetString,
    /// New PPK-ENC. Tag '81'.
    #[rasn(tag(context, 1))]
    pub ppk_enc: OctetString,
    /// New PPK-MAC. Tag '82'.
    #[rasn(tag(context, 2))]
    pub ppk_cmac: OctetString,
    /// Unknown extension additions.
    pub ext: Extensions,
}

impl fmt::Debug for ReplaceSessionKeysRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplaceSessionKeysRequest")
            .field("initial_mac_chaining_value", &"<redacted>")
            .field("ppk_enc", &"<redacted>")
            .field("ppk_cmac", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// `BoundProfilePackage-87tlv ::= [7] OCTET STRING`: an encrypted and MACed segment.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(delegate, tag(context, 7))]
pub struct Bpp87Tlv(pub OctetString);

/// `BoundProfilePackage-88tlv ::= [8] OCTET STRING`: a MAC-only segment.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(delegate, tag(context, 8))]
pub struct Bpp88Tlv(pub OctetString);

/// `BoundProfilePackage-86tlv ::= [6] OCTET STRING`: a protected profile segment.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(delegate, tag(context, 6))]
pub struct Bpp86Tlv(pub OctetString);

/// `BoundProfilePackage-FirstSequenceOf87 ::= [0] SEQUENCE OF [7]`. Tag 'A0'
/// (ConfigureISDP, encrypted).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
#[rasn(delegate, tag(context, 0))]
pub struct FirstSequenceOf87(pub SequenceOf<Bpp87Tlv>);

/// `BoundProfilePackage-SequenceOf88 ::= [1] SEQUENCE OF [8]`. Tag 'A1' (StoreMetadata).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
#[rasn(delegate, tag(context, 1))]
pub struct SequenceOf88(pub SequenceOf<Bpp88Tlv>);

/// `BoundProfilePackage-SecondSequenceOf87 ::= [2] SEQUENCE OF [7]`. Tag 'A2'
/// (ReplaceSessionKeys).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
#[rasn(delegate, tag(context, 2))]
pub struct SecondSequenceOf87(pub SequenceOf<Bpp87Tlv>);

/// `BoundProfilePackage-SequenceOf86 ::= [3] SEQUENCE OF [6]`. Tag 'A3' (profile elements).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
#[rasn(delegate, tag(context, 3))]
pub struct SequenceOf86(pub SequenceOf<Bpp86Tlv>);

/// `BoundProfilePackage ::= [54] SEQUENCE`. Tag 'BF36' (SGP.22 §2.5.4).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 54))]
pub struct BoundProfilePackage {
    /// Tag 'BF23', kept as received for the `smdpSign` check.
    #[rasn(tag(context, 35))]
    pub initialise_secure_channel_request: Raw<InitialiseSecureChannelRequest>,
    /// Tag 'A0'.
    #[rasn(tag(context, 0))]
    pub first_sequence_of87: FirstSequenceOf87,
    /// Tag 'A1'.
    #[rasn(tag(context, 1))]
    pub sequence_of88: SequenceOf88,
    /// Tag 'A2'.
    #[rasn(tag(context, 2))]
    pub second_sequence_of87: Option<SecondSequenceOf87>,
    /// Tag 'A3'.
    #[rasn(tag(context, 3))]
    pub sequence_of86: SequenceOf86,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `ProfileInstallationResult ::= [55] SEQUENCE`. Tag 'BF37', the answer to ES10b.LoadBoundProfilePackage (SGP.22 §5.7.6).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 55))]
pub struct ProfileInstallationResult {
    /// Tag 'BF27', kept as received: `euiccSignPIR` is computed over it.
    #[rasn(tag(context, 39))]
    pub profile_installation_result_data: Raw<ProfileInstallationResultData>,
    /// Tag '5F37'.
    pub euicc_sign_pir: EuiccSignPIR,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `EuiccSignPIR ::= [APPLICATION 55] OCTET STRING`. Tag '5F37': the eUICC's signature
/// (r‖s) over the `ProfileInstallationResultData` TLV.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(delegate, tag(application, 55))]
pub struct EuiccSignPIR(pub OctetString);

/// `ProfileInstallationResultData ::= [39] SEQUENCE`. Tag 'BF27'.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 39))]
pub struct ProfileInstallationResultData {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub transaction_id: TransactionId,
    /// Tag 'BF2F'.
    #[rasn(tag(context, 47))]
    pub notification_metadata: NotificationMetadata,
    /// SM-DP+ OID (as in CERT.DPpb.ECDSA). Tag '06'.
    pub smdp_oid: ObjectIdentifier,
    /// `[2] CHOICE` (explicit). Tag 'A2'.
    #[rasn(tag(explicit(context, 2)))]
    pub final_result: FinalResult,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `finalResult [2] CHOICE { successResult, errorResult }` (automatic tags: A0 / A1).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
pub enum FinalResult {
    /// Tag 'A0'.
    #[rasn(tag(context, 0))]
    SuccessResult(SuccessResult),
    /// Tag 'A1'.
    #[rasn(tag(context, 1))]
    ErrorResult(ErrorResult),
}

/// `SuccessResult ::= SEQUENCE { aid [APPLICATION 15], simaResponse OCTET STRING }`.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct SuccessResult {
    /// AID of the ISD-P (5..16 bytes). Tag '4F'.
    #[rasn(tag(application, 15), size("5..=16"))]
    pub aid: OctetString,
    /// Concatenated `EUICCResponse`s (SAIP). Tag '04'.
    pub sima_response: OctetString,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `ErrorResult ::= SEQUENCE` (automatic tags: 80, 81, 82).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct ErrorResult {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub bpp_command_id: BppCommandId,
    /// Tag '81'.
    #[rasn(tag(context, 1))]
    pub error_reason: ErrorReason,
    /// Tag '82'.
    #[rasn(tag(context, 2))]
    pub sima_response: Option<OctetString>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

named_integer!(
    /// `BppCommandId ::= INTEGER` (SGP.22 §5.7.6).
    BppCommandId {
        INITIALISE_SECURE_CHANNEL = 0,
        CONFIGURE_ISDP = 1,
        STORE_METADATA = 2,
        STORE_METADATA2 = 3,
        REPLACE_SESSION_KEYS = 4,
        LOAD_PROFILE_ELEMENTS = 5,
    }
);

named_integer!(
    /// `ErrorReason ::= INTEGER` (SGP.22 §5.7.6).
    ErrorReason {
        INCORRECT_INPUT_VALUES = 1,
        INVALID_SIGNATURE = 2,
        INVALID_TRANSACTION_ID = 3,
        UNSUPPORTED_CRT_VALUES = 4,
        UNSUPPORTED_REMOTE_OPERATION_TYPE = 5,
        UNSUPPORTED_PROFILE_CLASS = 6,
        SCP03T_STRUCTURE_ERROR = 7,
        SCP03T_SECURITY_ERROR = 8,
        INSTALL_FAILED_DUE_TO_ICCID_ALREADY_EXISTS_ON_EUICC = 9,
        INSTALL_FAILED_DUE_TO_INSUFFICIENT_MEMORY_FOR_PROFILE = 10,
        INSTALL_FAILED_DUE_TO_INTERRUPTION = 11,
        INSTALL_FAILED_DUE_TO_PE_PROCESSING_ERROR = 12,
        INSTALL_FAILED_DUE_TO_DATA_MISMATCH = 13,
        TEST_PROFILE_INSTALL_FAILED_DUE_TO_INVALID_NAA_KEY = 14,
        PPR_NOT_ALLOWED = 15,
        INSTALL_FAILED_DUE_TO_UNKNOWN_ERROR = 127,
    }
);
