//! The eIM's records: tenants, the eUICC registry with the eIM's association on each eUICC
//! (SGP.32 v1.2 §2.11.1, `EimConfigurationData`), the eUICC's state as the eIM knows it, and
//! the operations queued per eUICC.
//!
//! Every type here is what the northbound API shows (JSON, camelCase) and what the store
//! keeps; the ASN.1 values are built from it in [`crate::package`].

use rsp_codec::json::Eid;
use serde::{Deserialize, Serialize};

/// A tenant (IoT service provider, fleet owner): one API credential, its own eUICCs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    /// Stable identifier (configuration).
    pub id: String,
    /// SHA-256 of the bearer token (the token itself is never stored).
    pub token_sha256: [u8; 32],
    /// Where results are POSTed as JSON, if anywhere.
    pub webhook_url: Option<String>,
}

/// The curve of the eIM key the eUICC knows for this eIM (`eimPublicKeyData`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum EimCurve {
    /// NIST P-256.
    #[default]
    Nist,
    /// brainpoolP256r1.
    Brainpool,
}

impl EimCurve {
    /// The crypto curve.
    pub fn curve(self) -> rsp_crypto::Curve {
        match self {
            Self::Nist => rsp_crypto::Curve::NistP256,
            Self::Brainpool => rsp_crypto::Curve::BrainpoolP256r1,
        }
    }

    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Nist => "nist",
            Self::Brainpool => "brainpool",
        }
    }

    /// From the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "nist" => Some(Self::Nist),
            "brainpool" => Some(Self::Brainpool),
            _ => None,
        }
    }
}

/// One Profile as the eIM knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileView {
    /// ICCID (digits, padding F dropped).
    pub iccid: String,
    /// `enabled` or `disabled`.
    pub state: String,
    /// Profile name, when a listProfileInfo told it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_name: Option<String>,
    /// Service provider name, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_provider_name: Option<String>,
}

/// The eUICC's state as the eIM knows it from results (SGP.32 §2.9.2).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EuiccState {
    /// Profiles (from listProfileInfo, enable/disable/delete results, installations).
    pub profiles: Vec<ProfileView>,
    /// The enabled Profile's ICCID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled_iccid: Option<String>,
    /// eIMs associated with the eUICC (from listEim / addEim / deleteEim results).
    pub eims: Vec<String>,
    /// Last update (Unix milliseconds).
    #[serde(default)]
    pub updated_at: i64,
}

/// One eUICC in the registry, with the eIM's association on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EuiccRecord {
    /// The eUICC.
    pub eid: Eid,
    /// Its tenant.
    pub tenant: String,
    /// The eIM's `eimId` in the eUICC's association.
    pub eim_id: String,
    /// The last counter value used in a package (the next one is higher).
    pub counter_value: i64,
    /// The association token, when the association has one (signed with each package).
    pub association_token: Option<i64>,
    /// Curve of the eIM key in the association.
    pub curve: EimCurve,
    /// eUICC certificate (DER), once known.
    pub euicc_certificate: Option<Vec<u8>>,
    /// EUM certificate (DER), once known.
    pub eum_certificate: Option<Vec<u8>>,
    /// What the eIM knows of the eUICC.
    pub state: EuiccState,
    /// Registration (Unix milliseconds).
    pub created_at_ms: i64,
}

/// A Profile State Management Operation as the API queues it (SGP.32 §2.9.1.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "camelCase", deny_unknown_fields)]
pub enum PsmoSpec {
    /// Enable a Profile.
    #[serde(rename_all = "camelCase")]
    Enable {
        /// ICCID.
        iccid: String,
        /// `rollbackFlag`.
        #[serde(default)]
        rollback: bool,
    },
    /// Disable a Profile.
    Disable {
        /// ICCID.
        iccid: String,
    },
    /// Delete a Profile.
    Delete {
        /// ICCID.
        iccid: String,
    },
    /// List the Profiles.
    ListProfileInfo,
    /// Read the RAT.
    GetRat,
    /// Mark a Profile as fallback.
    SetFallbackAttribute {
        /// ICCID.
        iccid: String,
    },
    /// Clear the fallback attribute.
    UnsetFallbackAttribute,
    /// Configure immediate enable.
    #[serde(rename_all = "camelCase")]
    ConfigureImmediateEnable {
        /// `immediateEnableFlag`.
        #[serde(default)]
        immediate_enable: bool,
        /// `defaultSmdpAddress`.
        #[serde(default)]
        default_smdp_address: Option<String>,
    },
}

/// An eIM Configuration Operation as the API queues it (SGP.32 §2.9.1.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "camelCase", deny_unknown_fields)]
pub enum EcoSpec {
    /// Associate another eIM.
    AddEim(EimConfig),
    /// Update an association.
    UpdateEim(EimConfig),
    /// Remove an association.
    #[serde(rename_all = "camelCase")]
    DeleteEim {
        /// The eIM to remove.
        eim_id: String,
    },
    /// List the associated eIMs.
    ListEim,
}

/// `EimConfigurationData` of an addEim / updateEim (SGP.32 §2.11.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EimConfig {
    /// `eimId`.
    pub eim_id: String,
    /// `eimFqdn`.
    #[serde(default)]
    pub eim_fqdn: Option<String>,
    /// Initial `counterValue`.
    #[serde(default)]
    pub counter_value: Option<i64>,
    /// The eIM's certificate (base64 DER), as `eimPublicKeyData.eimCertificate`.
    #[serde(default)]
    pub eim_certificate: Option<String>,
    /// Or its public key (base64 DER SubjectPublicKeyInfo), as `eimPublicKey`.
    #[serde(default)]
    pub eim_public_key: Option<String>,
    /// Ask the eUICC for an association token.
    #[serde(default)]
    pub association_token: bool,
}

/// What an operation asks of the eUICC or the IPA.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase", deny_unknown_fields)]
pub enum OperationKind {
    /// An eUICC Package of PSMOs.
    Psmo {
        /// In order (SGP.32 §2.9.1: executed in sequence).
        psmos: Vec<PsmoSpec>,
    },
    /// An eUICC Package of eCOs.
    Eco {
        /// In order.
        ecos: Vec<EcoSpec>,
    },
    /// An `IpaEuiccDataRequest` (SGP.32 §2.11.2.2).
    #[serde(rename_all = "camelCase")]
    IpaEuiccData {
        /// Tags of the wanted data objects (hex); default: all of them.
        #[serde(default)]
        tag_list: Option<String>,
    },
    /// A `ProfileDownloadTriggerRequest` (SGP.32 §2.11.2.3).
    #[serde(rename_all = "camelCase")]
    Download {
        /// Activation Code (`1$SM-DP+$MatchingID…`).
        #[serde(default)]
        activation_code: Option<String>,
        /// Or the SM-DP+ address …
        #[serde(default)]
        smdp_address: Option<String>,
        /// … and MatchingID (the Activation Code is built from them).
        #[serde(default)]
        matching_id: Option<String>,
        /// Or an SM-DS to discover the Profile at (`contactSmds`; empty: the eUICC's root
        /// SM-DS). Through the eIM (indirect download) the eIM asks the SM-DS over ES11.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        smds_address: Option<String>,
        /// The Confirmation Code the SM-DP+ asks for (request only: the eIM keeps its
        /// SHA-256 and never stores or shows the code itself).
        #[serde(default, skip_serializing)]
        confirmation_code: Option<String>,
        /// SHA-256 of the Confirmation Code (hex). In an indirect download the eIM gives
        /// the IPA the session's `hashCc` = SHA-256(this ‖ transactionId) (SGP.32 §5.14.2,
        /// SGP.22 §3.1.3.4).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        confirmation_code_sha256: Option<String>,
    },
}

impl OperationKind {
    /// Whether it travels as an eIM-signed eUICC Package (with a counter value).
    pub fn is_euicc_package(&self) -> bool {
        matches!(self, Self::Psmo { .. } | Self::Eco { .. })
    }
}

/// Where an operation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum OperationStatus {
    /// Queued, not yet fetched by the IPA.
    Pending,
    /// Fetched by the IPA (leased), no result yet.
    Delivered,
    /// A verified result came back.
    Done,
    /// An error result came back.
    Failed,
}

impl OperationStatus {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Done => "done",
            Self::Failed => "failed",
        }
    }

    /// From the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(Self::Pending),
            "delivered" => Some(Self::Delivered),
            "done" => Some(Self::Done),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }
}

/// One queued operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// Store-assigned identifier.
    pub id: i64,
    /// The eUICC.
    pub eid: Eid,
    /// The tenant that queued it.
    pub tenant: String,
    /// What it asks.
    pub kind: OperationKind,
    /// Where it stands.
    pub status: OperationStatus,
    /// `eimTransactionId` (set when first delivered).
    pub transaction_id: Option<Vec<u8>>,
    /// The counter value of its eUICC Package (set when first delivered).
    pub counter_value: Option<i64>,
    /// The message delivered (DER), kept so a re-delivery after a lost answer is the same
    /// package with the same counter (the eUICC refuses it as a replay if it ran it).
    pub message: Option<Vec<u8>>,
    /// The result summary (JSON), once a result came.
    pub result: Option<serde_json::Value>,
    /// Times delivered.
    pub deliveries: i64,
    /// Creation (Unix milliseconds).
    pub created_at_ms: i64,
    /// Last change (Unix milliseconds).
    pub updated_at_ms: i64,
}

/// What an outbox entry sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxKind {
    /// A result to the tenant's webhook (JSON POST).
    Webhook,
    /// A notification forwarded to the SM-DP+ it names (ES9+.HandleNotification).
    Es9Notification,
}

impl OutboxKind {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Webhook => "webhook",
            Self::Es9Notification => "es9",
        }
    }

    /// From the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "webhook" => Some(Self::Webhook),
            "es9" => Some(Self::Es9Notification),
            _ => None,
        }
    }
}

/// One message to send, retried until it is accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxItem {
    /// Store-assigned identifier.
    pub id: i64,
    /// What it is.
    pub kind: OutboxKind,
    /// Webhook URL, or the SM-DP+ address.
    pub target: String,
    /// JSON body (webhook) or DER notification (ES9+).
    pub body: Vec<u8>,
    /// Attempts so far (this one included).
    pub attempts: u32,
}
