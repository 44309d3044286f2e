//! eUICC Package results and IoT notifications kept for the IPA (SGP.32 v1.2 §2.11.2.2,
//! §5.9.x): the SGP.32 RetrieveNotificationsList and IpaEuiccData. Both lists hold an
//! entry until the IPA removes it with RemoveNotificationFromList (its `seqNumber`).

use rasn::types::Integer;
use rsp_codec::asn1::sgp32::{
    EuiccPackageResult, IpaEuiccData, IpaEuiccDataErrorCode, IpaEuiccDataRequest,
    IpaEuiccDataResponse, IpaEuiccDataResponseError, SearchCriteriaEuiccPackageResult,
    SearchCriteriaNotification, Sgp32NotificationSearchCriteria, Sgp32PendingNotification,
    Sgp32RetrieveNotificationsListRequest, Sgp32RetrieveNotificationsListResponse,
};
use rsp_codec::asn1::{
    self, EUICCInfo1, Extensions, NotificationEvent, PendingNotification,
    RetrieveNotificationsListRequest, RetrieveNotificationsSearchCriteria,
};
use rsp_codec::tlv::tag_list;

use super::{MAX_RESULTS, StoredResult, iot_mut};
use crate::error::Es10Error;
use crate::isdr::{Isdr, request_of, respond};
use crate::notification::{codec_cert, metadata_of};
use crate::state::{EuiccState, HexBytes, StoredNotification};

/// Keeps a result in `next` (the oldest dropped beyond [`MAX_RESULTS`]).
pub(crate) fn store_result(
    next: &mut EuiccState,
    seq: u64,
    result: &EuiccPackageResult,
) -> Result<(), Es10Error> {
    let der = asn1::encode(result).map_err(Es10Error::encoding)?;
    let iot = iot_mut(next)?;
    iot.results.push(StoredResult {
        seq_number: seq,
        result: HexBytes(der),
    });
    let excess = iot.results.len().saturating_sub(MAX_RESULTS);
    iot.results.drain(..excess);
    Ok(())
}

/// A stored notification in its SGP.32 form.
fn sgp32_notification(n: &StoredNotification) -> Option<Sgp32PendingNotification> {
    Some(
        match asn1::decode::<PendingNotification>(&n.pending.0).ok()? {
            PendingNotification::ProfileInstallationResult(p) => {
                Sgp32PendingNotification::ProfileInstallationResult(Box::new(p))
            }
            PendingNotification::OtherSignedNotification(o) => {
                Sgp32PendingNotification::OtherSignedNotification(Box::new(o))
            }
        },
    )
}

fn same_operation(a: &NotificationEvent, b: &NotificationEvent) -> bool {
    (0..4).all(|bit| a.is_set(bit) == b.is_set(bit))
}

impl Isdr {
    /// The stored results, all or the one with `seq`.
    fn results(&self, seq: Option<u64>) -> Vec<EuiccPackageResult> {
        self.state
            .iot
            .iter()
            .flat_map(|iot| iot.results.iter())
            .filter(|r| seq.is_none_or(|s| s == r.seq_number))
            .filter_map(|r| asn1::decode(&r.result.0).ok())
            .collect()
    }

    /// The notifications, filtered by sequence number or operation.
    fn iot_notifications(
        &self,
        seq: Option<u64>,
        op: Option<&NotificationEvent>,
    ) -> Vec<Sgp32PendingNotification> {
        self.state
            .notifications
            .iter()
            .filter(|n| seq.is_none_or(|s| s == n.seq_number))
            .filter(|n| {
                op.is_none_or(|op| {
                    metadata_of(n)
                        .is_some_and(|m| same_operation(op, &m.profile_management_operation))
                })
            })
            .filter_map(sgp32_notification)
            .collect()
    }

    /// ES10b.RetrieveNotificationsList in IoT mode (SGP.32 §5.9.x): `euiccPackageResults`
    /// answers the results list; the other criteria answer notifications as SGP.22 does.
    pub(crate) fn retrieve_iot_notifications(&self, request: &[u8]) -> Result<Vec<u8>, Es10Error> {
        let req: Sgp32RetrieveNotificationsListRequest = request_of(request)?;
        let response = match req.search_criteria {
            Some(Sgp32NotificationSearchCriteria::EuiccPackageResults(())) => {
                Sgp32RetrieveNotificationsListResponse::EuiccPackageResultList(self.results(None))
            }
            Some(Sgp32NotificationSearchCriteria::SeqNumber(s)) => {
                let seq = u64::try_from(&s).ok();
                Sgp32RetrieveNotificationsListResponse::NotificationList(
                    self.iot_notifications(Some(seq.unwrap_or(0)), None),
                )
            }
            Some(Sgp32NotificationSearchCriteria::ProfileManagementOperation(op)) => {
                // Same answer as SGP.22's, which keeps the signed form.
                let sgp22 = RetrieveNotificationsListRequest {
                    search_criteria: Some(
                        RetrieveNotificationsSearchCriteria::ProfileManagementOperation(op),
                    ),
                    ext: Extensions::default(),
                };
                return respond(&self.retrieve_notifications_list(sgp22));
            }
            None => Sgp32RetrieveNotificationsListResponse::NotificationList(
                self.iot_notifications(None, None),
            ),
        };
        respond(&response)
    }

    /// IpaEuiccData (SGP.32 §2.11.2.2, tag BF52): the data objects of the tag list the
    /// eUICC holds (notifications A0, default SM-DP+ 81, results A2, EUICCInfo1 BF20,
    /// EUICCInfo2 BF22, root SM-DS 83, association token 84, EUM A5 and eUICC A6
    /// certificates, transaction id 87); IPA capabilities A8 and DeviceInfo A9 are the
    /// IPA's to add.
    pub(crate) fn ipa_euicc_data(
        &self,
        req: IpaEuiccDataRequest,
    ) -> Result<IpaEuiccDataResponse, Es10Error> {
        let error = |code| {
            IpaEuiccDataResponse::IpaEuiccDataResponseError(IpaEuiccDataResponseError {
                eim_transaction_id: req.eim_transaction_id.clone(),
                ipa_euicc_data_error_code: code,
                ext: Extensions::default(),
            })
        };
        let tags = tag_list(&req.tag_list);
        if tags.is_empty() {
            return Ok(error(IpaEuiccDataErrorCode::INCORRECT_TAG_LIST));
        }
        let cred = match &req.euicc_ci_pk_identifier_to_be_used {
            None => self.identity.credentials().first(),
            Some(prefix) => self
                .identity
                .credentials()
                .iter()
                .find(|c| c.ci_key_id().starts_with(prefix)),
        };
        let Some(cred) = cred else {
            return Ok(error(IpaEuiccDataErrorCode::EUICC_CI_PK_ID_NOT_FOUND));
        };
        let has = |t: u16| tags.contains(&t);
        let mut data = IpaEuiccData::default();
        if has(0xA0) {
            let (seq, op) = match &req.search_criteria_notification {
                None => (None, None),
                Some(SearchCriteriaNotification::SeqNumber(s)) => {
                    (Some(u64::try_from(s).unwrap_or(0)), None)
                }
                Some(SearchCriteriaNotification::ProfileManagementOperation(op)) => {
                    (None, Some(op))
                }
            };
            data.notifications_list = Some(self.iot_notifications(seq, op));
        }
        if has(0x81) {
            data.default_smdp_address = self.state.default_dp_address.clone();
        }
        if has(0xA2) {
            let seq = req.search_criteria_euicc_package_result.as_ref().map(
                |SearchCriteriaEuiccPackageResult::SeqNumber(s)| u64::try_from(s).unwrap_or(0),
            );
            data.euicc_package_result_list = Some(self.results(seq));
        }
        if has(0xBF20) {
            let info: EUICCInfo1 = self.get_euicc_info1();
            data.euicc_info1 = Some(info);
        }
        if has(0xBF22) {
            data.euicc_info2 = Some(self.get_iot_euicc_info2());
        }
        if has(0x83) {
            data.root_smds_address = Some(
                self.state
                    .root_ds_address
                    .clone()
                    .unwrap_or_else(|| self.config.root_ds_address.clone()),
            );
        }
        if has(0x84) {
            // The token of the first association that has one.
            data.association_token = self
                .state
                .iot
                .iter()
                .flat_map(|i| i.eims.iter())
                .find_map(|a| a.association_token)
                .map(Integer::from);
        }
        if has(0xA5) {
            data.eum_certificate = Some(codec_cert(cred.eum())?);
        }
        if has(0xA6) {
            data.euicc_certificate = Some(codec_cert(cred.cert())?);
        }
        if has(0x87) {
            data.eim_transaction_id = req.eim_transaction_id.clone();
        }
        Ok(IpaEuiccDataResponse::IpaEuiccData(Box::new(data)))
    }
}
