//! ES10b (LPA ↔ ISD-R) outside the download session: eUICC information (SGP.22 §5.7.8),
//! challenge (§5.7.7), notifications (§5.7.9–§5.7.11), CRL (§5.7.12), RAT (§5.7.22).
//! AuthenticateServer, PrepareDownload and CancelSession are in `download.rs`;
//! LoadBoundProfilePackage in [`crate::es8plus`].

use rsp_codec::asn1::{
    self, DeleteNotificationStatus, EUICCInfo1, EUICCInfo2, Extensions, GetEuiccChallengeResponse,
    GetRatResponse, ListNotificationRequest, ListNotificationResponse, LoadCRLRequest,
    LoadCRLResponse, LoadCRLResponseError, LoadCRLResponseOk, NotificationSentRequest,
    NotificationSentResponse, Octet16, OpenChoice, PendingNotification,
    RetrieveNotificationsListRequest, RetrieveNotificationsListResponse,
    RetrieveNotificationsSearchCriteria,
};
use rsp_pki::Crl;
use time::OffsetDateTime;

use crate::error::Es10Error;
use crate::info::{euicc_info1, euicc_info2};
use crate::isdr::Isdr;
use crate::notification::metadata_of;
use crate::state::{HexBytes, MAX_REMEMBERED_CHALLENGES, StoredNotification};

/// The single bit set in a `profileManagementOperation` filter.
fn same_operation(a: &asn1::NotificationEvent, b: &asn1::NotificationEvent) -> bool {
    (0..4).all(|bit| a.is_set(bit) == b.is_set(bit))
}

impl Isdr {
    /// GetEUICCInfo1 (SGP.22 §5.7.8).
    pub(crate) fn get_euicc_info1(&self) -> EUICCInfo1 {
        euicc_info1(&self.identity)
    }

    /// GetEUICCInfo2 (SGP.22 §5.7.8).
    pub(crate) fn get_euicc_info2(&self) -> EUICCInfo2 {
        euicc_info2(&self.identity, &self.config, &self.state)
    }

    /// GetEUICCChallenge (SGP.22 §5.7.7): 16 fresh random bytes, never handed out before.
    pub(crate) fn get_euicc_challenge(&mut self) -> Result<GetEuiccChallengeResponse, Es10Error> {
        let challenge = loop {
            let mut c = [0u8; 16];
            getrandom::fill(&mut c).map_err(|e| Es10Error::Internal(e.to_string()))?;
            if !self.state.used_challenges.iter().any(|u| u.0 == c) {
                break c;
            }
        };
        let mut next = self.state.clone();
        next.used_challenges.push(HexBytes(challenge.to_vec()));
        let excess = next
            .used_challenges
            .len()
            .saturating_sub(MAX_REMEMBERED_CHALLENGES);
        next.used_challenges.drain(..excess);
        self.commit(next)?;
        self.challenge = Some(challenge);
        Ok(GetEuiccChallengeResponse {
            euicc_challenge: Octet16::new(challenge),
            ext: Extensions::default(),
        })
    }

    /// ListNotification (SGP.22 §5.7.9).
    pub(crate) fn list_notification(
        &self,
        req: ListNotificationRequest,
    ) -> ListNotificationResponse {
        let list = self
            .state
            .notifications
            .iter()
            .filter_map(metadata_of)
            .filter(|m| {
                req.profile_management_operation
                    .as_ref()
                    .is_none_or(|op| same_operation(op, &m.profile_management_operation))
            })
            .collect();
        ListNotificationResponse::NotificationMetadataList(list)
    }

    /// RetrieveNotificationsList (SGP.22 §5.7.10): the signed notifications.
    pub(crate) fn retrieve_notifications_list(
        &self,
        req: RetrieveNotificationsListRequest,
    ) -> RetrieveNotificationsListResponse {
        let wanted = |n: &&StoredNotification| match &req.search_criteria {
            None => true,
            Some(RetrieveNotificationsSearchCriteria::SeqNumber(seq)) => {
                u64::try_from(seq).is_ok_and(|s| s == n.seq_number)
            }
            Some(RetrieveNotificationsSearchCriteria::ProfileManagementOperation(op)) => {
                metadata_of(n).is_some_and(|m| same_operation(op, &m.profile_management_operation))
            }
        };
        let list = self
            .state
            .notifications
            .iter()
            .filter(wanted)
            .filter_map(|n| asn1::decode::<PendingNotification>(&n.pending.0).ok())
            .map(OpenChoice::Known)
            .collect();
        RetrieveNotificationsListResponse::NotificationList(list)
    }

    /// RemoveNotificationFromList (SGP.22 §5.7.11).
    pub(crate) fn remove_notification(
        &mut self,
        req: NotificationSentRequest,
    ) -> NotificationSentResponse {
        let seq = u64::try_from(&req.seq_number).ok();
        let mut next = self.state.clone();
        let before = next.notifications.len();
        next.notifications.retain(|n| Some(n.seq_number) != seq);
        // SGP.32 §5.9.x: eUICC Package results share the sequence numbers and are removed
        // the same way once the eIM acknowledged them.
        let mut removed_result = false;
        if let Some(iot) = next.iot.as_mut() {
            let n = iot.results.len();
            iot.results.retain(|r| Some(r.seq_number) != seq);
            removed_result = iot.results.len() != n;
        }
        let status = if next.notifications.len() == before && !removed_result {
            DeleteNotificationStatus::NOTHING_TO_DELETE
        } else if self.commit(next).is_ok() {
            DeleteNotificationStatus::OK
        } else {
            DeleteNotificationStatus::UNDEFINED_ERROR
        };
        NotificationSentResponse {
            delete_notification_status: status,
            ext: Extensions::default(),
        }
    }

    /// LoadCRL (SGP.22 §5.7.12): verified against a trusted CI, then kept (a CRL of the
    /// same issuer is replaced unless it is fresher).
    pub(crate) fn load_crl(&mut self, req: LoadCRLRequest) -> LoadCRLResponse {
        let error = LoadCRLResponse::LoadCRLResponseError;
        let Ok(crl) = Crl::from_der(req.crl.as_der()) else {
            return error(LoadCRLResponseError::INVALID_CRL_FORMAT);
        };
        // Any trusted CI with the issuer's name whose key verifies it.
        let mut named = self
            .identity
            .cis()
            .iter()
            .filter(|ci| crl.is_issued_by_name_of(ci))
            .peekable();
        if named.peek().is_none() {
            return error(LoadCRLResponseError::VERIFICATION_KEY_NOT_FOUND);
        }
        let now = OffsetDateTime::now_utc();
        if !named.any(|ci| crl.verify(ci, now).is_ok()) {
            return error(LoadCRLResponseError::INVALID_SIGNATURE);
        }
        let this_update = |c: &Crl| c.x509().tbs_cert_list.this_update.to_unix_duration();
        let mut next = self.state.clone();
        let mut fresher = false;
        next.crls.retain(|old| match Crl::from_der(&old.0) {
            Ok(old) if old.issuer_string() == crl.issuer_string() => {
                fresher |= this_update(&old) > this_update(&crl);
                fresher
            }
            _ => true,
        });
        if fresher {
            return error(LoadCRLResponseError::FRESHER_CRL_ALREADY_LOADED);
        }
        next.crls.push(HexBytes(crl.der().to_vec()));
        match self.commit(next) {
            Ok(()) => LoadCRLResponse::LoadCRLResponseOk(LoadCRLResponseOk::default()),
            Err(_) => error(LoadCRLResponseError::UNDEFINED_ERROR),
        }
    }

    /// GetRAT (SGP.22 §5.7.22): the configured Rules Authorisation Table.
    pub(crate) fn get_rat(&self) -> GetRatResponse {
        GetRatResponse {
            rat: self.config.rat.clone(),
            ext: Extensions::default(),
        }
    }
}
