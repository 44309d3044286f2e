//! The SM-SR change (SGP.02 §3.7; ES4 PrepareSMSRChange / SMSRChange, ES7 §5.7) as one
//! record per eUICC and side, whose stage moves one way only. Transport-free: the HTTP
//! layer calls the transitions when a message arrives or has been sent, the store keeps
//! the record (so a restart does not lose a handover).
//!
//! The new SM-SR (SM-SR2, [`Side::New`]):
//! `Prepared` (ES4 PrepareSMSRChange) → `HandedOver` (ES7 HandoverEUICC received, the
//! EIS stored but not usable for ES3/ES4) → `KeysetEstablished` (AuthenticateSMSR and
//! CreateAdditionalKeySet through SM-SR1, receipt verified, keyset stored sealed) →
//! `AwaitingCompletion` (HandoverEUICCResponse sent) → `Completed`
//! (HandleSMSRChangeNotification from SM-SR1: the EIS becomes active, the Operators are
//! notified).
//!
//! The current SM-SR (SM-SR1, [`Side::Current`]):
//! `Requested` (ES4 SMSRChange accepted) → `HandedOver` (HandoverEUICC sent; SM-SR2's
//! AuthenticateSMSR / CreateAdditionalKeySet are relayed to the ISD-R over ES5) →
//! `Releasing` (HandoverEUICCResponse with success: its own ISD-R keysets are deleted on
//! the card, then the EIS here) → `Completed` (HandleSMSRChangeNotification sent).
//!
//! Either side ends `Failed` on a refusal or when the change's validity runs out. Our
//! reading where SGP.02 does not settle it: the ES7 calls are accepted only from the SM-SR
//! the change names (its client certificate's identity), for that eUICC, while the change
//! is at the stage the call belongs to; anything else is refused as not allowed.

use serde::{Deserialize, Serialize};

use crate::error::SmsrError;
use crate::keys::{EuiccKeys, Scp80Algorithm, Scp80Keyset};
use crate::model::Eis;
use crate::operation::Requester;

/// Which SM-SR of the change this one is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Side {
    /// SM-SR2: receives the eUICC.
    New,
    /// SM-SR1: hands it over.
    Current,
}

/// Where a change is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "stage", rename_all = "camelCase")]
pub enum Stage {
    /// SM-SR2: PrepareSMSRChange recorded, waiting for HandoverEUICC.
    Prepared,
    /// SM-SR1: SMSRChange accepted, HandoverEUICC to send.
    Requested,
    /// HandoverEUICC received (SM-SR2, which answers to `reply_to`) or sent (SM-SR1).
    #[serde(rename_all = "camelCase")]
    HandedOver {
        /// SM-SR2: SM-SR1's ES7 address for HandoverEUICCResponse.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reply_to: Option<String>,
    },
    /// SM-SR2: the new ISD-R keyset is stored; HandoverEUICCResponse to send.
    #[serde(rename_all = "camelCase")]
    KeysetEstablished {
        /// SM-SR1's ES7 address.
        reply_to: String,
        /// The new keyset's version.
        key_version: u8,
    },
    /// SM-SR2: HandoverEUICCResponse sent, waiting for HandleSMSRChangeNotification.
    #[serde(rename_all = "camelCase")]
    AwaitingCompletion {
        /// The new keyset's version.
        key_version: u8,
    },
    /// SM-SR1: SM-SR2 holds its keyset; the old keysets (these versions) are deleted on
    /// the card, then the EIS, then SM-SR2 is notified.
    #[serde(rename_all = "camelCase")]
    Releasing {
        /// The key versions SM-SR1 held.
        old_key_versions: Vec<u8>,
        /// The ES5 operation deleting them on the card, once queued.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        operation: Option<i64>,
    },
    /// The change is done.
    Completed,
    /// The change ended without moving the eUICC.
    #[serde(rename_all = "camelCase")]
    Failed {
        /// Why.
        reason: String,
    },
}

impl Stage {
    /// The stored name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Prepared => "prepared",
            Self::Requested => "requested",
            Self::HandedOver { .. } => "handedOver",
            Self::KeysetEstablished { .. } => "keysetEstablished",
            Self::AwaitingCompletion { .. } => "awaitingCompletion",
            Self::Releasing { .. } => "releasing",
            Self::Completed => "completed",
            Self::Failed { .. } => "failed",
        }
    }

    /// Whether the change has ended.
    pub fn is_final(&self) -> bool {
        matches!(self, Self::Completed | Self::Failed { .. })
    }
}

/// An ES7 call the change may receive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Es7Call {
    /// HandoverEUICC (to SM-SR2).
    HandoverEuicc,
    /// AuthenticateSMSR or CreateAdditionalKeySet (to SM-SR1, relayed to the ISD-R).
    KeyEstablishment,
    /// HandoverEUICCResponse (to SM-SR1).
    HandoverResponse,
    /// HandleSMSRChangeNotification (to SM-SR2).
    ChangeNotification,
}

/// One SM-SR change of one eUICC, as one SM-SR sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SmsrChange {
    /// The eUICC.
    pub eid: String,
    /// This SM-SR's side.
    pub side: Side,
    /// The other SM-SR's identifier (SM-SR1 for [`Side::New`], SM-SR2 for
    /// [`Side::Current`]).
    pub peer: String,
    /// The Operator that asked.
    pub operator: String,
    /// Unix seconds after which the change fails (unless it got past the handover).
    pub expires_at: i64,
    /// Where it is.
    pub stage: Stage,
    /// The `wsa:MessageID` of the HandoverEUICC (SM-SR1 sent it, SM-SR2 received it),
    /// which HandoverEUICCResponse's `wsa:RelatesTo` names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handover_message_id: Option<String>,
}

fn not_allowed(what: &'static str) -> SmsrError {
    SmsrError::NotAllowed(what)
}

impl SmsrChange {
    /// ES4 PrepareSMSRChange on SM-SR2 (§5.4.x): `operator` announces that `from_smsr`
    /// will hand `eid` over, valid for `validity` seconds. SM-SR2 must not hold the eUICC
    /// already (`known`).
    pub fn prepare(
        eid: &str,
        from_smsr: &str,
        operator: &str,
        own_id: &str,
        known: bool,
        now: i64,
        validity: i64,
    ) -> Result<Self, SmsrError> {
        if from_smsr.is_empty() || from_smsr == own_id {
            return Err(SmsrError::Invalid("current SM-SR identifier"));
        }
        if known {
            return Err(SmsrError::EidInUse);
        }
        if validity <= 0 {
            return Err(SmsrError::Invalid("validity period"));
        }
        Ok(Self {
            eid: eid.to_owned(),
            side: Side::New,
            peer: from_smsr.to_owned(),
            operator: operator.to_owned(),
            expires_at: now.saturating_add(validity),
            stage: Stage::Prepared,
            handover_message_id: None,
        })
    }

    /// ES4 SMSRChange on SM-SR1: `requester` asks to move the eUICC of `eis` to
    /// `target_smsr`. Our reading of who may: an Operator that owns a Profile on the
    /// eUICC (as the ES4 ownership rules of [`crate::es4`] do for Profiles).
    pub fn request(
        eis: &Eis,
        requester: &Requester,
        target_smsr: &str,
        own_id: &str,
        now: i64,
        validity: i64,
    ) -> Result<Self, SmsrError> {
        let Requester::Operator(operator) = requester else {
            return Err(not_allowed("an SM-SR change is an Operator's request"));
        };
        if !eis.profiles.iter().any(|p| &p.mno_id == operator) {
            return Err(not_allowed("the Operator owns no Profile on the eUICC"));
        }
        if target_smsr.is_empty() || target_smsr == own_id {
            return Err(SmsrError::Invalid("target SM-SR identifier"));
        }
        if validity <= 0 {
            return Err(SmsrError::Invalid("validity period"));
        }
        Ok(Self {
            eid: eis.eid.to_string(),
            side: Side::Current,
            peer: target_smsr.to_owned(),
            operator: operator.clone(),
            expires_at: now.saturating_add(validity),
            stage: Stage::Requested,
            handover_message_id: None,
        })
    }

    /// Whether the ES7 `call` from SM-SR `caller` about `eid` belongs to this change now.
    /// Until the handover is acknowledged the change's validity applies; past it (SM-SR2
    /// holds a keyset on the card) it completes whatever the time.
    pub fn admit(&self, caller: &str, eid: &str, call: Es7Call, now: i64) -> Result<(), SmsrError> {
        if caller != self.peer || eid != self.eid {
            return Err(not_allowed(
                "no SM-SR change with this SM-SR for this eUICC",
            ));
        }
        let fits = match (self.side, &self.stage, call) {
            (Side::New, Stage::Prepared, Es7Call::HandoverEuicc) => true,
            (Side::New, Stage::AwaitingCompletion { .. }, Es7Call::ChangeNotification)
            | (Side::Current, Stage::HandedOver { .. }, Es7Call::HandoverResponse) => {
                return Ok(());
            }
            (Side::Current, Stage::HandedOver { .. }, Es7Call::KeyEstablishment) => true,
            _ => false,
        };
        if !fits {
            return Err(not_allowed("the SM-SR change is not at this step"));
        }
        if now >= self.expires_at {
            return Err(SmsrError::Expired);
        }
        Ok(())
    }

    fn moved(self, from: &[&'static str], stage: Stage) -> Result<Self, SmsrError> {
        if from.contains(&self.stage.name()) {
            Ok(Self { stage, ..self })
        } else {
            Err(not_allowed("the SM-SR change is not at this step"))
        }
    }

    /// SM-SR2: HandoverEUICC `message_id` admitted (see [`SmsrChange::admit`]); SM-SR1
    /// wants the response at `reply_to`.
    pub fn handover_received(self, reply_to: &str, message_id: &str) -> Result<Self, SmsrError> {
        if self.side != Side::New {
            return Err(not_allowed("HandoverEUICC goes to the new SM-SR"));
        }
        if reply_to.is_empty() {
            return Err(SmsrError::Missing("ReplyTo of HandoverEUICC"));
        }
        let received = Self {
            handover_message_id: Some(message_id.to_owned()),
            ..self
        };
        received.moved(
            &["prepared"],
            Stage::HandedOver {
                reply_to: Some(reply_to.to_owned()),
            },
        )
    }

    /// SM-SR1: HandoverEUICC (`wsa:MessageID` `message_id`) was delivered to SM-SR2.
    pub fn handover_sent(self, message_id: &str) -> Result<Self, SmsrError> {
        if self.side != Side::Current {
            return Err(not_allowed("HandoverEUICC comes from the current SM-SR"));
        }
        let sent = Self {
            handover_message_id: Some(message_id.to_owned()),
            ..self
        };
        sent.moved(&["requested"], Stage::HandedOver { reply_to: None })
    }

    /// SM-SR2: the receipt verified and the keyset of `key_version` is stored.
    pub fn keyset_established(self, key_version: u8) -> Result<Self, SmsrError> {
        let Stage::HandedOver {
            reply_to: Some(reply_to),
        } = &self.stage
        else {
            return Err(not_allowed("the SM-SR change is not at this step"));
        };
        let reply_to = reply_to.clone();
        self.moved(
            &["handedOver"],
            Stage::KeysetEstablished {
                reply_to,
                key_version,
            },
        )
    }

    /// SM-SR2: HandoverEUICCResponse was delivered to SM-SR1.
    pub fn response_sent(self) -> Result<Self, SmsrError> {
        let Stage::KeysetEstablished { key_version, .. } = self.stage else {
            return Err(not_allowed("the SM-SR change is not at this step"));
        };
        self.moved(
            &["keysetEstablished"],
            Stage::AwaitingCompletion { key_version },
        )
    }

    /// SM-SR1: HandoverEUICCResponse admitted; on success the keysets SM-SR1 holds
    /// (`keys`) are to be deleted on the card, else the change fails and the eUICC stays.
    pub fn handover_answered(
        self,
        relates_to: Option<&str>,
        success: bool,
        keys: &EuiccKeys,
    ) -> Result<Self, SmsrError> {
        if self.side != Side::Current {
            return Err(not_allowed(
                "HandoverEUICCResponse goes to the current SM-SR",
            ));
        }
        if relates_to.is_none() || relates_to != self.handover_message_id.as_deref() {
            return Err(not_allowed(
                "the response relates to no HandoverEUICC of this change",
            ));
        }
        let stage = if success {
            Stage::Releasing {
                // Its SCP80 keysets, then its SCP81 PSK when it holds one: none of this
                // SM-SR's keys stays on the ISD-R (SGP.02 §3.7). The PSK last, so that a
                // card without it (6A88) still had the keysets deleted.
                old_key_versions: keys
                    .scp80
                    .iter()
                    .map(|k| k.version)
                    .chain(
                        keys.scp81
                            .as_ref()
                            .map(|_| rsp_codec::sgp02::consts::SCP81_PSK_KEY_VERSION),
                    )
                    .collect(),
                operation: None,
            }
        } else {
            Stage::Failed {
                reason: "the new SM-SR reported a failure".into(),
            }
        };
        self.moved(&["handedOver"], stage)
    }

    /// SM-SR1: the deletion of the old keysets is queued as ES5 operation `id`.
    pub fn deletion_queued(self, id: i64) -> Result<Self, SmsrError> {
        let Stage::Releasing {
            old_key_versions,
            operation: None,
        } = &self.stage
        else {
            return Err(not_allowed("the SM-SR change is not at this step"));
        };
        let old_key_versions = old_key_versions.clone();
        self.moved(
            &["releasing"],
            Stage::Releasing {
                old_key_versions,
                operation: Some(id),
            },
        )
    }

    /// SM-SR1: old keysets deleted, EIS deleted, notification sent. SM-SR2: the
    /// notification arrived and the EIS is active.
    pub fn completed(self) -> Result<Self, SmsrError> {
        let from: &[&'static str] = match self.side {
            Side::Current => &["releasing"],
            Side::New => &["awaitingCompletion"],
        };
        self.moved(from, Stage::Completed)
    }

    /// Ends the change (a refusal, a failed step, its validity over). A change past the
    /// point where the card holds SM-SR2's keyset cannot fail any more (it completes).
    pub fn failed(self, reason: &str) -> Result<Self, SmsrError> {
        self.moved(
            &["prepared", "requested", "handedOver", "keysetEstablished"],
            Stage::Failed {
                reason: reason.to_owned(),
            },
        )
    }

    /// Whether the EIS may serve ES3/ES4 functions on this SM-SR: never while SM-SR1
    /// releases it, nor on SM-SR2 before the change completes.
    pub fn eis_usable(&self) -> bool {
        match self.side {
            Side::Current => !matches!(
                self.stage,
                Stage::HandedOver { .. } | Stage::Releasing { .. }
            ),
            Side::New => matches!(self.stage, Stage::Completed),
        }
    }
}

/// The established keyset as the SM-SR keeps it (AES, KIc and KID of `version`).
pub fn scp80_keyset(version: u8, kic: &[u8], kid: &[u8]) -> Result<Scp80Keyset, SmsrError> {
    Scp80Keyset::new(version, Scp80Algorithm::Aes, kic, kid)
        .map_err(|_| SmsrError::Invalid("ISD-R keyset"))
}

/// SM-SR2's keys after the change: only the keyset it established.
pub fn new_keys(keyset: Scp80Keyset) -> EuiccKeys {
    EuiccKeys {
        scp80: vec![keyset],
        scp81: None,
    }
}

#[cfg(test)]
#[path = "es7_tests.rs"]
mod tests;
