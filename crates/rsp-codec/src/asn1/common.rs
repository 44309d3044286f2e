//! Basic types of `RSPDefinitions` shared by several interfaces (SGP.22 §5).

use rasn::prelude::*;

use super::ext::Extensions;
use super::macros::{fixed_octets, named_bits, named_integer};

fixed_octets!(
    /// `Octet1 ::= OCTET STRING (SIZE(1))`.
    Octet1, 1
);
fixed_octets!(
    /// `Octet2 ::= OCTET STRING (SIZE(2))`.
    Octet2, 2
);
fixed_octets!(
    /// `Octet4 ::= OCTET STRING (SIZE(4))`.
    Octet4, 4
);
fixed_octets!(
    /// `Octet8 ::= OCTET STRING (SIZE(8))`.
    Octet8, 8
);
fixed_octets!(
    /// `Octet16 ::= OCTET STRING (SIZE(16))`, e.g. challenges and the EID.
    Octet16, 16
);
fixed_octets!(
    /// `Octet32 ::= OCTET STRING (SIZE(32))`, e.g. the confirmation code hash.
    Octet32, 32
);
fixed_octets!(
    /// `VersionType ::= OCTET STRING (SIZE(3))`: major, minor, revision (e.g. `02 05 00`).
    VersionType, 3
);
fixed_octets!(
    /// `Iccid ::= [APPLICATION 26] OCTET STRING (SIZE(10))`. Tag '5A'. BCD as in EF.ICCID.
    Iccid, 10, tag(application, 26)
);

impl VersionType {
    /// Version `major.minor.revision`.
    pub fn from_parts(major: u8, minor: u8, revision: u8) -> Self {
        Self::new([major, minor, revision])
    }
}

/// `OctetTo16 ::= OCTET STRING (SIZE(1..16))`, e.g. an ISD-P AID.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Hash)]
#[rasn(delegate, size("1..=16"))]
pub struct OctetTo16(pub OctetString);

/// `TransactionId ::= OCTET STRING (SIZE(1..16))` (SGP.22 §5.6.1).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Hash)]
#[rasn(delegate, size("1..=16"))]
pub struct TransactionId(pub OctetString);

impl TransactionId {
    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// `SubjectKeyIdentifier ::= OCTET STRING` (RFC 5280 §4.2.1.2), used for CI key ids.
pub type SubjectKeyIdentifier = OctetString;

named_integer!(
    /// `RemoteOpId ::= [2] INTEGER {installBoundProfilePackage(1)}`. Tag '82'.
    RemoteOpId: tag(context, 2) {
        /// `installBoundProfilePackage(1)`.
        INSTALL_BOUND_PROFILE_PACKAGE = 1,
    }
);

named_integer!(
    /// `ProfileClass ::= INTEGER {test(0), provisioning(1), operational(2)}`.
    ProfileClass {
        TEST = 0,
        PROVISIONING = 1,
        OPERATIONAL = 2,
    }
);

named_integer!(
    /// `ProfileState ::= INTEGER {disabled(0), enabled(1)}`.
    ProfileState {
        DISABLED = 0,
        ENABLED = 1,
    }
);

named_integer!(
    /// `IconType ::= INTEGER {jpg(0), png(1)}`.
    IconType {
        JPG = 0,
        PNG = 1,
    }
);

named_bits!(
    /// `PprIds ::= BIT STRING {pprUpdateControl(0), ppr1(1), ppr2(2)}`: Profile Policy
    /// Rules (SGP.22 §2.9).
    PprIds {
        PPR_UPDATE_CONTROL = 0,
        /// Disabling of this Profile is not allowed.
        PPR1 = 1,
        /// Deletion of this Profile is not allowed.
        PPR2 = 2,
    }
);

named_bits!(
    /// `NotificationEvent ::= BIT STRING {notificationInstall(0), notificationEnable(1),
    /// notificationDisable(2), notificationDelete(3)}` (SGP.22 §5.7.9).
    NotificationEvent {
        NOTIFICATION_INSTALL = 0,
        NOTIFICATION_ENABLE = 1,
        NOTIFICATION_DISABLE = 2,
        NOTIFICATION_DELETE = 3,
    }
);

/// `OperatorId ::= SEQUENCE { mccMnc, gid1 OPTIONAL, gid2 OPTIONAL }` (automatic tags:
/// 80, 81, 82).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct OperatorId {
    /// MCC and MNC coded as in 3GPP TS 24.008.
    #[rasn(tag(context, 0))]
    pub mcc_mnc: Octet3,
    /// Content of EF.GID1.
    #[rasn(tag(context, 1))]
    pub gid1: Option<OctetString>,
    /// Content of EF.GID2.
    #[rasn(tag(context, 2))]
    pub gid2: Option<OctetString>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

fixed_octets!(
    /// `OCTET STRING (SIZE(3))` of `OperatorId.mccMnc`.
    Octet3, 3
);

/// `NotificationConfigurationInformation ::= SEQUENCE { profileManagementOperation,
/// notificationAddress }` (automatic tags: 80, 81).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct NotificationConfigurationInformation {
    /// Operations that trigger a notification.
    #[rasn(tag(context, 0))]
    pub profile_management_operation: NotificationEvent,
    /// FQDN to forward the notification to.
    #[rasn(tag(context, 1))]
    pub notification_address: Utf8String,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// One element of `VendorSpecificExtension ::= SEQUENCE OF SEQUENCE { vendorOid [0],
/// vendorSpecificData [1] }` (the open type is explicitly tagged: A1 { value }).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct VendorSpecificData {
    /// OID of the vendor that defined the data.
    #[rasn(tag(context, 0))]
    pub vendor_oid: ObjectIdentifier,
    /// The vendor's value, kept as its full TLV.
    #[rasn(tag(explicit(context, 1)))]
    pub vendor_specific_data: Any,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `VendorSpecificExtension ::= SEQUENCE OF SEQUENCE {...}` (service specific data).
pub type VendorSpecificExtension = SequenceOf<VendorSpecificData>;

/// `DpProprietaryData ::= SEQUENCE { dpOid OBJECT IDENTIFIER }`. Automatic tags make the
/// OID '80'; the SM-DP+ may append its own data objects (kept in `ext`).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct DpProprietaryData {
    /// OID in the tree of the SM-DP+ that created the Profile.
    #[rasn(tag(context, 0))]
    pub dp_oid: ObjectIdentifier,
    /// Additional data objects defined by the SM-DP+.
    pub ext: Extensions,
}

/// `NotificationMetadata ::= [47] SEQUENCE`. Tag 'BF2F' (SGP.22 §5.7.9).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 47))]
pub struct NotificationMetadata {
    /// Sequence number assigned by the eUICC.
    #[rasn(tag(context, 0))]
    pub seq_number: Integer,
    /// The single operation this notification is about (only one bit set).
    #[rasn(tag(context, 1))]
    pub profile_management_operation: NotificationEvent,
    /// FQDN to forward the notification to. Tag '0C'.
    pub notification_address: Utf8String,
    /// ICCID of the Profile. Tag '5A'.
    pub iccid: Option<Iccid>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `ProfileInfo ::= [PRIVATE 3] SEQUENCE`. Tag 'E3' (SGP.22 §5.7.15, ES10c.GetProfilesInfo).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
#[rasn(tag(private, 3))]
pub struct ProfileInfo {
    /// Tag '5A'.
    pub iccid: Option<Iccid>,
    /// AID of the ISD-P. Tag '4F'.
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
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `id-rsp` and the certificate-related OIDs `RSPDefinitions` declares.
pub mod oid {
    use rasn::types::Oid;

    /// `id-rsp` 2.23.146.1.
    pub const ID_RSP: &Oid = Oid::const_new(&[2, 23, 146, 1]);
    /// `id-rsp-cert-objects` 2.23.146.1.2.
    pub const ID_RSP_CERT_OBJECTS: &Oid = Oid::const_new(&[2, 23, 146, 1, 2]);
    /// `id-rspExt` 2.23.146.1.2.0.
    pub const ID_RSP_EXT: &Oid = Oid::const_new(&[2, 23, 146, 1, 2, 0]);
    /// `id-rspRole` 2.23.146.1.2.1.
    pub const ID_RSP_ROLE: &Oid = Oid::const_new(&[2, 23, 146, 1, 2, 1]);
    /// `id-rspRole-ci`.
    pub const ID_RSP_ROLE_CI: &Oid = Oid::const_new(&[2, 23, 146, 1, 2, 1, 0]);
    /// `id-rspRole-euicc`.
    pub const ID_RSP_ROLE_EUICC: &Oid = Oid::const_new(&[2, 23, 146, 1, 2, 1, 1]);
    /// `id-rspRole-eum`.
    pub const ID_RSP_ROLE_EUM: &Oid = Oid::const_new(&[2, 23, 146, 1, 2, 1, 2]);
    /// `id-rspRole-dp-tls`.
    pub const ID_RSP_ROLE_DP_TLS: &Oid = Oid::const_new(&[2, 23, 146, 1, 2, 1, 3]);
    /// `id-rspRole-dp-auth`.
    pub const ID_RSP_ROLE_DP_AUTH: &Oid = Oid::const_new(&[2, 23, 146, 1, 2, 1, 4]);
    /// `id-rspRole-dp-pb`.
    pub const ID_RSP_ROLE_DP_PB: &Oid = Oid::const_new(&[2, 23, 146, 1, 2, 1, 5]);
    /// `id-rspRole-ds-tls`.
    pub const ID_RSP_ROLE_DS_TLS: &Oid = Oid::const_new(&[2, 23, 146, 1, 2, 1, 6]);
    /// `id-rspRole-ds-auth`.
    pub const ID_RSP_ROLE_DS_AUTH: &Oid = Oid::const_new(&[2, 23, 146, 1, 2, 1, 7]);
    /// `id-rsp-expDate` (certificate extension, value `ExpirationDate ::= Time`).
    pub const ID_RSP_EXP_DATE: &Oid = Oid::const_new(&[2, 23, 146, 1, 2, 0, 1]);
    /// `id-rsp-totalPartialCrlNumber` (CRL extension, value INTEGER).
    pub const ID_RSP_TOTAL_PARTIAL_CRL_NUMBER: &Oid = Oid::const_new(&[2, 23, 146, 1, 2, 0, 2]);
    /// `id-rsp-partialCrlNumber` (CRL extension, value INTEGER).
    pub const ID_RSP_PARTIAL_CRL_NUMBER: &Oid = Oid::const_new(&[2, 23, 146, 1, 2, 0, 3]);
}
