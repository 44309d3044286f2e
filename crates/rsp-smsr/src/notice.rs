//! What the SM-SR tells its callers after the fact (SGP.02 §5.1.x asynchronous pattern and
//! the ES4/ES3 notifications): the result of an operation whose request named a `ReplyTo`
//! (with `RelatesTo` = the request's `MessageID`), and each change of a Profile's state to
//! the Operator that owns it when someone else caused it (HandleProfileEnabled/Disabled/
//! Deleted notifications; a fallback is reported as the two changes it is).
//!
//! Notices are queued in the transaction of the change they report (a transactional
//! outbox): a crash loses none and none reports a change that was rolled back. The
//! transport renders them in the web-service binding and retries deliveries.

use serde::{Deserialize, Serialize};

use crate::model::{Eis, ProfileState};
use crate::operation::{Operation, Requester};

/// Where a notice goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "camelCase")]
pub enum Destination {
    /// The `ReplyTo` address of the request.
    ReplyTo(String),
    /// An Operator's ES4 notification endpoint (configured per Operator).
    Operator(String),
    /// An SM-DP's ES3 notification endpoint (configured per SM-DP).
    SmDp(String),
}

/// A change of one Profile's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ProfileChange {
    /// The Profile is now enabled.
    Enabled,
    /// The Profile is now disabled.
    Disabled,
    /// The Profile (and its ISD-P) is gone.
    Deleted,
}

/// One notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "notice", rename_all = "camelCase")]
pub enum Notice {
    /// The end of an operation, for its requester.
    #[serde(rename_all = "camelCase")]
    OperationResult {
        /// The operation as it ended.
        operation: Box<Operation>,
    },
    /// A Profile's state changed.
    #[serde(rename_all = "camelCase")]
    ProfileChanged {
        /// The eUICC.
        eid: String,
        /// The Profile.
        iccid: String,
        /// What happened.
        change: ProfileChange,
        /// Unix seconds.
        at: i64,
        /// The SM-DP that downloaded the Profile, if one did: the notice may go to the
        /// Operator through it (ES3, then ES2; SGP.02 §5.3 ES2 notifications).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        smdp_id: Option<String>,
    },
    /// The eUICC moved to this SM-SR (SGP.02 §3.7; ES4 HandleSMSRChangeNotification to
    /// each Operator with a Profile on it).
    #[serde(rename_all = "camelCase")]
    SmsrChanged {
        /// The EIS as this SM-SR now holds it.
        eis: Box<Eis>,
        /// Unix seconds.
        at: i64,
    },
}

/// A notice with its destination, as queued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Addressed {
    /// Where it goes.
    pub destination: Destination,
    /// What it says.
    pub notice: Notice,
}

/// A queued notice as the sender claims it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedNotice {
    /// Store identifier.
    pub id: i64,
    /// The notice.
    pub item: Addressed,
    /// Delivery attempts so far (including this one once claimed).
    pub attempts: u32,
}

/// The Profile-state notices for the change from `before` to `after`: every Profile whose
/// state changed or that disappeared, to its Operator — except the Operator that asked
/// for the change (it gets the operation's result instead).
pub fn profile_changes(
    before: &Eis,
    after: &Eis,
    requester: Option<&Requester>,
    at: i64,
) -> Vec<Addressed> {
    let mut out = Vec::new();
    for old in &before.profiles {
        let change = match after.profile(&old.iccid) {
            None => Some(ProfileChange::Deleted),
            Some(new) if new.state != old.state => match new.state {
                ProfileState::Enabled => Some(ProfileChange::Enabled),
                ProfileState::Disabled => Some(ProfileChange::Disabled),
                ProfileState::Created => None,
            },
            Some(_) => None,
        };
        let Some(change) = change else { continue };
        if matches!(requester, Some(Requester::Operator(id)) if *id == old.mno_id) {
            continue;
        }
        out.push(Addressed {
            destination: Destination::Operator(old.mno_id.clone()),
            notice: Notice::ProfileChanged {
                eid: after.eid.to_string(),
                iccid: old.iccid.to_string(),
                change,
                at,
                smdp_id: old.smdp_id.clone(),
            },
        });
    }
    out
}

/// The result notice of an ended operation, when its request named a `ReplyTo`.
pub fn operation_result(op: &Operation) -> Option<Addressed> {
    let reply_to = op.reply_to.clone()?;
    Some(Addressed {
        destination: Destination::ReplyTo(reply_to),
        notice: Notice::OperationResult {
            operation: Box::new(op.clone()),
        },
    })
}

/// HandleSMSRChangeNotification after an SM-SR change completed here (SGP.02 §3.7): over
/// ES4 to every Operator owning a Profile on the eUICC of `eis`, and over ES3 to every
/// SM-DP that downloaded one of its Profiles (which passes it on to its Operators over
/// ES2), once each.
pub fn smsr_changed(eis: &Eis, at: i64) -> Vec<Addressed> {
    let mut operators: Vec<&str> = eis.profiles.iter().map(|p| p.mno_id.as_str()).collect();
    operators.sort_unstable();
    operators.dedup();
    let mut smdps: Vec<&str> = eis
        .profiles
        .iter()
        .filter_map(|p| p.smdp_id.as_deref())
        .collect();
    smdps.sort_unstable();
    smdps.dedup();
    let notice = || Notice::SmsrChanged {
        eis: Box::new(eis.clone()),
        at,
    };
    let operators = operators.into_iter().map(|mno| Addressed {
        destination: Destination::Operator(mno.to_owned()),
        notice: notice(),
    });
    let smdps = smdps.into_iter().map(|smdp| Addressed {
        destination: Destination::SmDp(smdp.to_owned()),
        notice: notice(),
    });
    operators.chain(smdps).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_smsr_change_goes_to_each_operator_and_smdp_once() {
        let profile = |iccid: &str, mno: &str, smdp: Option<&str>| {
            serde_json::json!({
                "iccid": iccid, "isdPAid": "A0000005591010FFFFFFFF8900001100",
                "mnoId": mno, "smdpId": smdp, "state": "DISABLED",
                "fallbackAttribute": false, "subscriptionAddress": {}
            })
        };
        let eis: Eis = serde_json::from_value(serde_json::json!({
            "eid": "89049032123451234512345678901235", "eumId": "eum", "smsrId": "smsr2",
            "profiles": [
                profile("8944000000000000011", "mno-b", Some("smdp-1")),
                profile("8944000000000000029", "mno-a", Some("smdp-1")),
                profile("8944000000000000037", "mno-a", None),
                profile("8944000000000000045", "mno-b", Some("smdp-2")),
            ]
        }))
        .expect("EIS");
        let to: Vec<Destination> = smsr_changed(&eis, 7)
            .into_iter()
            .map(|a| {
                assert!(matches!(a.notice, Notice::SmsrChanged { at: 7, .. }));
                a.destination
            })
            .collect();
        assert_eq!(
            to,
            vec![
                Destination::Operator("mno-a".into()),
                Destination::Operator("mno-b".into()),
                Destination::SmDp("smdp-1".into()),
                Destination::SmDp("smdp-2".into()),
            ]
        );
    }
}
