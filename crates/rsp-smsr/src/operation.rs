//! Operations: what a caller asked of one eUICC, queued until it is carried out over ES5,
//! retried, and ended once (SGP.02 §3.2–§3.5, §5.4; the SM-SR answers asynchronously when
//! the eUICC is slow, so every request becomes an operation with its own record).
//!
//! Life cycle (one way only): `Queued` → `Sent` (attempt n, counter c) → … → `Done` or
//! `Failed`. An operation is sent again when no PoR arrived before its retry time; the
//! attempt that answers ends it; a PoR for an older attempt is recognised by its counter.

use rsp_codec::json::{Iccid, StatusCodeData};
use serde::{Deserialize, Serialize};

use crate::model::Pol2;

/// Who asked (ES4: an Operator, ES3: an SM-DP, or the SM-SR itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "camelCase")]
pub enum Requester {
    /// An Operator (ES4), by its identifier.
    Operator(String),
    /// An SM-DP (ES3), by its identifier.
    SmDp(String),
    /// The SM-SR (confirmations, audits it starts).
    SmSr,
}

/// The ES5 function an operation carries out on the eUICC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "function", rename_all = "camelCase")]
pub enum Function {
    /// ES4/ES3 EnableProfile (SGP.02 §3.2, §5.4.5): ISD-R STORE DATA enable.
    #[serde(rename_all = "camelCase")]
    EnableProfile {
        /// The Profile.
        iccid: Iccid,
    },
    /// ES4/ES3 DisableProfile (§3.4, §5.4.6).
    #[serde(rename_all = "camelCase")]
    DisableProfile {
        /// The Profile.
        iccid: Iccid,
    },
    /// ES4/ES3 DeleteProfile (§3.5, §5.4.7).
    #[serde(rename_all = "camelCase")]
    DeleteProfile {
        /// The Profile.
        iccid: Iccid,
    },
    /// ES4 SetFallbackAttribute (SGP.02 v4 §5.4.x).
    #[serde(rename_all = "camelCase")]
    SetFallbackAttribute {
        /// The Profile that gets the attribute.
        iccid: Iccid,
    },
    /// ES4/ES3 AuditEIS (§5.4.11): read the ISD-P states and resources from the eUICC.
    AuditEis,
    /// ES3 CreateISDP (SGP.02 §3.1.1, §5.5.1): a new ISD-P for a Profile the SM-DP will
    /// download; the SM-SR picks the AID.
    #[serde(rename_all = "camelCase")]
    CreateIsdp {
        /// The Profile to come.
        iccid: Iccid,
        /// Its Operator.
        mno_id: String,
        /// Non-volatile memory to reserve, bytes (0 = none asked).
        #[serde(default)]
        required_memory: u16,
        /// The ISD-P AID (hex) the SM-SR chose when it queued the operation.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        isd_p_aid: Option<String>,
    },
    /// ES3 SendData (§5.5.2): a remote APDU script from the SM-DP to the ISD-P of a
    /// Profile (ES8 through the SM-SR); the response script goes back as the outcome.
    #[serde(rename_all = "camelCase")]
    SendData {
        /// The Profile whose ISD-P receives it.
        iccid: Iccid,
        /// The C-APDUs, hex.
        apdus: Vec<String>,
    },
    /// ES3 UpdateConnectivityParameters (§5.5.x): the Profile's connectivity parameters
    /// (our subset: its MSISDN) to its ISD-P.
    #[serde(rename_all = "camelCase")]
    UpdateConnectivityParameters {
        /// The Profile.
        iccid: Iccid,
        /// Its MSISDN.
        msisdn: String,
    },
    /// ES7 AuthenticateSMSR / CreateAdditionalKeySet relayed by the current SM-SR to the
    /// ISD-R (SGP.02 §3.7, `Es7Request::isd_r_apdu`); the response script goes back to the
    /// new SM-SR as the outcome.
    #[serde(rename_all = "camelCase")]
    IsdRKeyEstablishment {
        /// `AuthenticateSMSR` or `CreateAdditionalKeySet`.
        step: String,
        /// The C-APDUs, hex.
        apdus: Vec<String>,
    },
    /// The old SM-SR's deletion of its ISD-R SCP80 keysets at the end of an SM-SR change
    /// (SGP.02 §3.7; GP DELETE [key] per key version).
    #[serde(rename_all = "camelCase")]
    DeleteKeysets {
        /// The key versions.
        versions: Vec<u8>,
    },
    /// The new SM-SR's UpdateSMSRAddressingParameters to the ISD-R once an SM-SR change
    /// brought the eUICC here (SGP.02 §3.7, §4.1.1.x): where the eUICC's MO packets and
    /// default notifications go from now on. Queued by the SM-SR itself
    /// ([`Requester::SmSr`]).
    #[serde(rename_all = "camelCase")]
    UpdateSmsrAddressingParameters {
        /// The SM-SR's MSISDN (international digits).
        msisdn: String,
        /// The SMS centre address (international digits), when the SM-SR has one to give.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        smsc: Option<String>,
        /// The TAR (hex, 3 octets) the eUICC's MO packets carry, when given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tar: Option<String>,
    },
    /// The SM-SR's confirmation of a default notification (HandleNotificationConfirmation).
    #[serde(rename_all = "camelCase")]
    ConfirmNotification {
        /// The notification's sequence number.
        sequence: u16,
    },
}

impl Function {
    /// The name used in logs, metrics and the audit trail: SGP.02's function name, or for
    /// the SM-SR change's own ES5 steps (ES7 relay, key deletion) a name of that form
    /// (a metric label value without spaces).
    pub fn name(&self) -> &'static str {
        match self {
            Self::EnableProfile { .. } => "EnableProfile",
            Self::DisableProfile { .. } => "DisableProfile",
            Self::DeleteProfile { .. } => "DeleteProfile",
            Self::SetFallbackAttribute { .. } => "SetFallbackAttribute",
            Self::AuditEis => "AuditEIS",
            Self::CreateIsdp { .. } => "CreateISDP",
            Self::SendData { .. } => "SendData",
            Self::UpdateConnectivityParameters { .. } => "UpdateConnectivityParameters",
            Self::ConfirmNotification { .. } => "HandleNotificationConfirmation",
            Self::IsdRKeyEstablishment { .. } => "IsdRKeyEstablishment",
            Self::DeleteKeysets { .. } => "DeleteKeysets",
            Self::UpdateSmsrAddressingParameters { .. } => "UpdateSMSRAddressingParameters",
        }
    }

    /// The Profile the function is about, if one.
    pub fn iccid(&self) -> Option<&Iccid> {
        match self {
            Self::EnableProfile { iccid }
            | Self::DisableProfile { iccid }
            | Self::DeleteProfile { iccid }
            | Self::SetFallbackAttribute { iccid }
            | Self::CreateIsdp { iccid, .. }
            | Self::SendData { iccid, .. }
            | Self::UpdateConnectivityParameters { iccid, .. } => Some(iccid),
            Self::AuditEis
            | Self::ConfirmNotification { .. }
            | Self::IsdRKeyEstablishment { .. }
            | Self::DeleteKeysets { .. }
            | Self::UpdateSmsrAddressingParameters { .. } => None,
        }
    }
}

/// Functions that change only the SM-SR's own records (no ES5 exchange).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "function", rename_all = "camelCase")]
pub enum LocalFunction {
    /// ES4 UpdatePolicyRules (§5.4.10): POL2 of a Profile.
    #[serde(rename_all = "camelCase")]
    UpdatePolicyRules {
        /// The Profile.
        iccid: Iccid,
        /// The new POL2.
        pol2: Pol2,
    },
    /// ES3 ProfileDownloadCompleted (§5.5.x): the SM-DP reports the Profile installed in
    /// its ISD-P; the EIS records it as disabled with its details.
    #[serde(rename_all = "camelCase")]
    ProfileDownloadCompleted {
        /// The Profile.
        iccid: Iccid,
        /// Profile type.
        #[serde(default)]
        profile_type: Option<String>,
        /// Its subscription address.
        #[serde(default)]
        subscription_address: crate::model::SubscriptionAddress,
        /// Its POL2.
        #[serde(default)]
        pol2: Pol2,
    },
    /// ES4 UpdateSubscriptionAddress (§5.4.9): MSISDN/IMSI of a Profile.
    #[serde(rename_all = "camelCase")]
    UpdateSubscriptionAddress {
        /// The Profile.
        iccid: Iccid,
        /// New MSISDN.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        msisdn: Option<String>,
        /// New IMSI.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        imsi: Option<String>,
    },
}

/// The ES5 channel an operation goes over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// SCP80 secured SMS through the SMSC.
    Sms,
    /// SCP81: a push SMS, then the eUICC's admin agent fetches the script over HTTPS.
    Https,
}

impl Transport {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sms => "sms",
            Self::Https => "https",
        }
    }

    /// From the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "sms" => Some(Self::Sms),
            "https" => Some(Self::Https),
            _ => None,
        }
    }
}

/// Where an operation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OperationStatus {
    /// Waiting to be sent.
    Queued,
    /// Sent at least once; waiting for the eUICC's answer.
    Sent,
    /// Ended with success.
    Done,
    /// Ended with an error.
    Failed,
}

impl OperationStatus {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Sent => "sent",
            Self::Done => "done",
            Self::Failed => "failed",
        }
    }

    /// From the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "queued" => Some(Self::Queued),
            "sent" => Some(Self::Sent),
            "done" => Some(Self::Done),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }

    /// Whether the operation has ended.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Done | Self::Failed)
    }
}

/// An operation as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    /// Store identifier.
    pub id: i64,
    /// The eUICC (EID digits).
    pub eid: String,
    /// What to do.
    pub function: Function,
    /// Who asked.
    pub requester: Requester,
    /// Channel.
    pub transport: Transport,
    /// Status.
    pub status: OperationStatus,
    /// Attempts made so far.
    pub attempts: u32,
    /// The SCP80 counter of the last attempt (to match its PoR).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counter: Option<u64>,
    /// The caller's message identifier (web-service `MessageID`), for `RelatesTo`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// Where the asynchronous result goes (web-service `ReplyTo`), if anywhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
    /// Unix seconds when it was queued.
    pub created_at: i64,
    /// Unix seconds after which it fails as expired (validity period).
    pub expires_at: i64,
    /// Unix seconds when the next attempt is due.
    pub next_attempt_at: i64,
    /// The outcome, once final.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
}

/// How an operation ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    /// Success or not.
    pub success: bool,
    /// The status code when it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code_data: Option<StatusCodeData>,
    /// The eUICC's response script (TS 102 226 §5.2.2, expanded: `AB` { `80` count, `23`
    /// R-APDUs }), hex; ES3 SendData returns it to the SM-DP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<String>,
}

/// A new operation, before the store gives it an identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOperation {
    /// The eUICC.
    pub eid: String,
    /// What to do.
    pub function: Function,
    /// Who asked.
    pub requester: Requester,
    /// Channel.
    pub transport: Transport,
    /// The caller's message identifier.
    pub message_id: Option<String>,
    /// Where the result goes.
    pub reply_to: Option<String>,
    /// Unix seconds now.
    pub now: i64,
    /// Validity period, seconds.
    pub validity: i64,
}

/// Retry schedule of ES5 attempts: the wait after attempt `n` (1-based) doubles from
/// `first`, capped at `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Wait after the first attempt, seconds.
    pub first: i64,
    /// Longest wait, seconds.
    pub max: i64,
    /// Most attempts before the operation fails as unreachable.
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            first: 30,
            max: 600,
            max_attempts: 5,
        }
    }
}

impl RetryPolicy {
    /// Seconds to wait after attempt `attempt` before the next one.
    pub fn wait_after(&self, attempt: u32) -> i64 {
        let shift = attempt.saturating_sub(1).min(20);
        self.first.saturating_mul(1 << shift).min(self.max)
    }
}
