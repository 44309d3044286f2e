//! The ESipa functions of the eIM (SGP.32 v1.2 §5.14): GetEimPackage (§5.14.6),
//! ProvideEimPackageResult (§5.14.7), HandleNotification (§5.14.4).

use rsp_codec::asn1::TransactionId;
use rsp_codec::asn1::sgp32::{
    EimAcknowledgements, EimPackageError, EimPackageResult, EuiccPackageRequest,
    EuiccPackageResult, GetEimPackageRequest, GetEimPackageResponse, HandleNotificationEsipa,
    IpaEuiccDataRequest, IpaEuiccDataResponse, ProfileDownloadTriggerRequest,
    ProfileDownloadTriggerResultData, ProvideEimPackageResult, ProvideEimPackageResultError,
    ProvideEimPackageResultResponse, SequenceNumber, Sgp32CancelSessionOk,
    Sgp32PendingNotification,
};
use rsp_codec::json::Eid;
use rsp_pki::Cert;
use serde_json::json;

use crate::error::EimError;
use crate::model::{
    EuiccRecord, EuiccState, Operation, OperationKind, OperationStatus, OutboxKind,
};
use crate::package::{self, PackageContent, PackageParams};
use crate::result;
use crate::service::{Eim, eid_of, random_transaction_id};
use crate::store::{Completion, EimStore, Poll};

/// Deliveries of one operation without a result before it fails (`undelivered`).
pub const MAX_DELIVERIES: i64 = 10;

impl<S: EimStore> Eim<S> {
    /// ESipa.GetEimPackage (§5.14.6): the next operation of the eUICC, or
    /// `noEimPackageAvailable` / `eidNotFound`.
    pub async fn get_eim_package(
        &self,
        req: &GetEimPackageRequest,
    ) -> Result<GetEimPackageResponse, EimError> {
        let error = |e: EimPackageError| Ok(GetEimPackageResponse::EimPackageError(e));
        let Some(eid) = eid_of(&req.eid_value) else {
            return error(EimPackageError::INVALID_EID);
        };
        // The common case, an empty poll, is one store call (one statement).
        let mut next = match self
            .store
            .poll_operation(&eid, crate::now_ms(), self.lease)
            .await?
        {
            Poll::UnknownEid => return error(EimPackageError::EID_NOT_FOUND),
            Poll::Empty => return error(EimPackageError::NO_EIM_PACKAGE_AVAILABLE),
            Poll::Claimed(op) => Some(*op),
        };
        let Some(euicc) = self.store.euicc(&eid).await? else {
            return error(EimPackageError::EID_NOT_FOUND);
        };
        // An operation handed out MAX_DELIVERIES times without a result fails (webhook
        // included), so one silent device does not block its queue for ever.
        let mut claimed = None;
        for _ in 0..16 {
            let op = match next.take() {
                Some(op) => op,
                None => match self
                    .store
                    .claim_operation(&eid, crate::now_ms(), self.lease)
                    .await?
                {
                    Some(op) => op,
                    None => break,
                },
            };
            if op.deliveries <= MAX_DELIVERIES {
                claimed = Some(op);
                break;
            }
            let summary = json!({"type": "undelivered", "deliveries": op.deliveries - 1});
            self.finish(&euicc, &op, OperationStatus::Failed, &summary, None)
                .await?;
        }
        let Some(op) = claimed else {
            return error(EimPackageError::NO_EIM_PACKAGE_AVAILABLE);
        };
        let message = match &op.message {
            Some(m) => m.clone(),
            None => self.first_delivery(&euicc, &op).await?,
        };
        let decode_err = |e: rasn::error::DecodeError| EimError::Encode(e.to_string());
        Ok(match &op.kind {
            OperationKind::Psmo { .. } | OperationKind::Eco { .. } => {
                GetEimPackageResponse::EuiccPackageRequest(
                    rasn::der::decode::<EuiccPackageRequest>(&message).map_err(decode_err)?,
                )
            }
            OperationKind::IpaEuiccData { .. } => GetEimPackageResponse::IpaEuiccDataRequest(
                rasn::der::decode::<IpaEuiccDataRequest>(&message).map_err(decode_err)?,
            ),
            OperationKind::Download { .. } => GetEimPackageResponse::ProfileDownloadTriggerRequest(
                rasn::der::decode::<ProfileDownloadTriggerRequest>(&message).map_err(decode_err)?,
            ),
        })
    }

    /// Builds (and for a package, signs with a fresh counter value) the message of an
    /// operation delivered for the first time, and keeps it.
    async fn first_delivery(
        &self,
        euicc: &EuiccRecord,
        op: &Operation,
    ) -> Result<Vec<u8>, EimError> {
        let tid = random_transaction_id()?;
        let (counter, message) = match &op.kind {
            OperationKind::Psmo { .. } | OperationKind::Eco { .. } => {
                let content = match &op.kind {
                    OperationKind::Psmo { psmos } => PackageContent::Psmos(psmos),
                    OperationKind::Eco { ecos } => PackageContent::Ecos(ecos),
                    _ => return Err(EimError::Encode("operation kind".into())),
                };
                let signer = self.keys.signer(euicc.curve)?;
                let counter = self
                    .store
                    .next_counter(&euicc.eid)
                    .await?
                    .ok_or(EimError::NotFound)?;
                let params = PackageParams {
                    eim_id: &euicc.eim_id,
                    eid: &euicc.eid,
                    counter_value: counter,
                    association_token: euicc.association_token,
                    transaction_id: &tid,
                };
                (
                    Some(counter),
                    package::signed_package(&params, content, signer)?,
                )
            }
            OperationKind::IpaEuiccData { tag_list } => (
                None,
                package::ipa_euicc_data_request(tag_list.as_deref(), &tid)?,
            ),
            OperationKind::Download {
                activation_code,
                smdp_address,
                matching_id,
                smds_address,
                ..
            } => {
                let data = package::download_data(
                    activation_code.as_deref(),
                    smdp_address.as_deref(),
                    matching_id.as_deref(),
                    smds_address.as_deref(),
                )?;
                (None, package::download_trigger_for(data, &tid)?)
            }
        };
        self.store
            .set_delivered(op.id, counter, &tid, &message)
            .await?;
        Ok(message)
    }

    /// ESipa.ProvideEimPackageResult (§5.14.7): verifies and stores the result, answers
    /// the acknowledgement. A refused result is recorded and answered `undefinedError`.
    pub async fn provide_result(
        &self,
        req: &ProvideEimPackageResult,
    ) -> Result<ProvideEimPackageResultResponse, EimError> {
        use ProvideEimPackageResultResponse as R;
        let Some(eid_value) = &req.eid_value else {
            return Ok(R::ProvideEimPackageResultError(
                ProvideEimPackageResultError::MISSING_EID,
            ));
        };
        let Some(eid) = eid_of(eid_value) else {
            return Ok(R::ProvideEimPackageResultError(
                ProvideEimPackageResultError::INVALID_EID,
            ));
        };
        let Some(euicc) = self.store.euicc(&eid).await? else {
            return Ok(R::ProvideEimPackageResultError(
                ProvideEimPackageResultError::EID_NOT_FOUND,
            ));
        };
        let seq = match &req.eim_package_result {
            EimPackageResult::EuiccPackageResult(r) => self.package_result(&euicc, r).await?,
            EimPackageResult::EprAndNotifications(e) => {
                for n in &e.notification_list {
                    self.notification(Some(&eid), n).await?;
                }
                self.package_result(&euicc, &e.euicc_package_result).await?
            }
            EimPackageResult::IpaEuiccDataResponse(r) => {
                self.ipa_euicc_data(&euicc, r).await?;
                None
            }
            EimPackageResult::ProfileDownloadTriggerResult(r) => {
                let (status, summary, state) = match &r.profile_download_trigger_result_data {
                    ProfileDownloadTriggerResultData::ProfileInstallationResult(pir) => {
                        let key = euicc
                            .euicc_certificate
                            .as_deref()
                            .and_then(|der| Cert::from_der(der).ok())
                            .map(|c| c.public_key().clone());
                        let (status, summary, iccid) = result::installation(pir, key.as_ref());
                        let state = iccid.and_then(|i| result::installed(&euicc.state, &i));
                        (status, summary, state)
                    }
                    ProfileDownloadTriggerResultData::ProfileDownloadError(e) => (
                        OperationStatus::Failed,
                        json!({"type": "profileDownloadTriggerResult",
                               "profileDownloadErrorReason": e.profile_download_error_reason.0}),
                        None,
                    ),
                };
                let tid = r.eim_transaction_id.as_ref().map(|t| t.0.to_vec());
                self.finish_by_tid(&euicc, tid.as_deref(), status, &summary, state.as_ref())
                    .await?;
                None
            }
            EimPackageResult::EimPackageResultResponseError(e) => {
                let tid = e.eim_transaction_id.as_ref().map(|t| t.0.to_vec());
                let summary = json!({"type": "eimPackageResultResponseError",
                    "errorCode": e.eim_package_result_error_code.0});
                self.finish_by_tid(
                    &euicc,
                    tid.as_deref(),
                    OperationStatus::Failed,
                    &summary,
                    None,
                )
                .await?;
                None
            }
        };
        Ok(match seq {
            Some(n) => R::EimAcknowledgements(EimAcknowledgements(vec![SequenceNumber(n.into())])),
            None => R::EmptyResponse(Sgp32CancelSessionOk::default()),
        })
    }

    /// Verifies one `EuiccPackageResult` against its package; its seqNumber.
    async fn package_result(
        &self,
        euicc: &EuiccRecord,
        r: &EuiccPackageResult,
    ) -> Result<Option<i64>, EimError> {
        let der = rasn::der::encode(r).unwrap_or_default();
        let (tid, counter) = result::identifiers(r);
        let op = self
            .store
            .delivered_operation(&euicc.eid, tid.as_deref(), counter)
            .await?;
        let der = der.as_slice();
        let refuse = |reason: String, op_id: Option<i64>| async move {
            tracing::info!(eid = %euicc.eid, %reason, "eUICC package result refused");
            self.store
                .record_result(&euicc.eid, op_id, false, &reason, der)
                .await?;
            Err::<Option<i64>, EimError>(EimError::Refused(reason))
        };
        let Some(op) = op.filter(|o| o.kind.is_euicc_package()) else {
            return refuse("no delivered package with this transaction id".into(), None).await;
        };
        let eim_signature = op
            .message
            .as_deref()
            .and_then(|m| rasn::der::decode::<EuiccPackageRequest>(m).ok())
            .map(|m| m.eim_signature.to_vec())
            .unwrap_or_default();
        let key = match &euicc.euicc_certificate {
            Some(der) => Cert::from_der(der).ok().map(|c| c.public_key().clone()),
            None => None,
        };
        let accepted = match result::verify(
            r,
            &euicc.eim_id,
            op.counter_value,
            &eim_signature,
            key.as_ref(),
        ) {
            Ok(a) => a,
            Err(reason) => return refuse(reason, Some(op.id)).await,
        };
        self.store
            .record_result(&euicc.eid, Some(op.id), true, "accepted", der)
            .await?;
        let state = result::apply(&euicc.state, &op.kind, &accepted.results);
        self.finish(
            euicc,
            &op,
            accepted.status,
            &accepted.summary,
            state.as_ref(),
        )
        .await?;
        Ok(accepted.seq_number)
    }

    async fn finish(
        &self,
        euicc: &EuiccRecord,
        op: &Operation,
        status: OperationStatus,
        summary: &serde_json::Value,
        state: Option<&EuiccState>,
    ) -> Result<bool, EimError> {
        let webhook_url = self
            .store
            .tenant(&op.tenant)
            .await?
            .and_then(|t| t.webhook_url);
        let body = json!({
            "eid": euicc.eid.as_str(),
            "operationId": op.id,
            "status": status,
            "result": summary,
        })
        .to_string();
        let done = self
            .store
            .complete_operation(&Completion {
                operation_id: op.id,
                status,
                result: summary,
                state,
                webhook: webhook_url.as_deref().map(|u| (u, body.as_bytes())),
            })
            .await?;
        Ok(done)
    }

    async fn finish_by_tid(
        &self,
        euicc: &EuiccRecord,
        tid: Option<&[u8]>,
        status: OperationStatus,
        summary: &serde_json::Value,
        state: Option<&EuiccState>,
    ) -> Result<(), EimError> {
        let op = match tid {
            Some(t) => {
                self.store
                    .delivered_operation(&euicc.eid, Some(t), None)
                    .await?
            }
            None => None,
        };
        match op {
            Some(op) => {
                self.finish(euicc, &op, status, summary, state).await?;
                Ok(())
            }
            None => Err(EimError::Refused(
                "no delivered operation with this transaction id".into(),
            )),
        }
    }

    async fn ipa_euicc_data(
        &self,
        euicc: &EuiccRecord,
        r: &IpaEuiccDataResponse,
    ) -> Result<(), EimError> {
        match r {
            IpaEuiccDataResponse::IpaEuiccData(d) => {
                if let (Some(c), Some(m)) = (&d.euicc_certificate, &d.eum_certificate) {
                    let (c, m) = (rasn::der::encode(c), rasn::der::encode(m));
                    if let (Ok(c), Ok(m)) = (c, m)
                        && let (Ok(ce), Ok(cm)) = (Cert::from_der(&c), Cert::from_der(&m))
                    {
                        match self.check_chain(&euicc.eid, &ce, &cm) {
                            Ok(()) => self.store.set_certificates(&euicc.eid, &c, &m).await?,
                            Err(e) => tracing::info!(eid = %euicc.eid, error = %e,
                                "certificates in IpaEuiccData not accepted"),
                        }
                    }
                }
                for n in d.notifications_list.iter().flatten() {
                    self.notification(Some(&euicc.eid), n).await?;
                }
                // Results the eUICC still holds (e.g. their first delivery was lost): each
                // finishes its operation as if provided alone; a refused one is recorded.
                for r in d.euicc_package_result_list.iter().flatten() {
                    let fresh = self.store.euicc(&euicc.eid).await?;
                    match self
                        .package_result(fresh.as_ref().unwrap_or(euicc), r)
                        .await
                    {
                        Ok(_) | Err(EimError::Refused(_)) => {}
                        Err(e) => return Err(e),
                    }
                }
                let summary = json!({
                    "type": "ipaEuiccData",
                    "defaultSmdpAddress": d.default_smdp_address,
                    "rootSmdsAddress": d.root_smds_address,
                    "notifications": d.notifications_list.as_ref().map_or(0, Vec::len),
                    "euiccPackageResults": d.euicc_package_result_list.as_ref().map_or(0, Vec::len),
                    "certificates": d.euicc_certificate.is_some(),
                });
                let tid = d.eim_transaction_id.as_ref().map(|t| t.0.to_vec());
                self.finish_by_tid(euicc, tid.as_deref(), OperationStatus::Done, &summary, None)
                    .await
            }
            IpaEuiccDataResponse::IpaEuiccDataResponseError(e) => {
                let summary = json!({"type": "ipaEuiccDataError",
                    "errorCode": e.ipa_euicc_data_error_code.0});
                let tid = e.eim_transaction_id.as_ref().map(|t| t.0.to_vec());
                self.finish_by_tid(
                    euicc,
                    tid.as_deref(),
                    OperationStatus::Failed,
                    &summary,
                    None,
                )
                .await
            }
        }
    }

    /// Stores a notification; a full (not compact) one is queued for the SM-DP+ it names
    /// (ES9+.HandleNotification, SGP.32 §3.x: the eIM forwards it).
    async fn notification(
        &self,
        eid: Option<&Eid>,
        n: &Sgp32PendingNotification,
    ) -> Result<(), EimError> {
        let der = rasn::der::encode(n).map_err(|e| EimError::Encode(e.to_string()))?;
        let forward = match n {
            Sgp32PendingNotification::ProfileInstallationResult(p) => Some(
                p.profile_installation_result_data
                    .value()
                    .notification_metadata
                    .notification_address
                    .clone(),
            ),
            Sgp32PendingNotification::OtherSignedNotification(o) => Some(
                o.tbs_other_notification
                    .value()
                    .notification_address
                    .clone(),
            ),
            _ => None,
        };
        self.store
            .store_notification(eid, &der, forward.as_deref().filter(|a| !a.is_empty()))
            .await?;
        Ok(())
    }

    /// ESipa.HandleNotification (§5.14.4): a notification, or a result delivered as one.
    pub async fn handle_notification(&self, n: &HandleNotificationEsipa) -> Result<(), EimError> {
        match n {
            HandleNotificationEsipa::PendingNotification(p) => self.notification(None, p).await,
            HandleNotificationEsipa::ProvideEimPackageResult(r) => {
                self.provide_result(r).await.map(drop)
            }
        }
    }

    /// Queues a message outside an operation (used by tests and tools).
    pub async fn queue_outbox(
        &self,
        kind: OutboxKind,
        target: &str,
        body: &[u8],
    ) -> Result<(), EimError> {
        Ok(self.store.queue_outbox(kind, target, body).await?)
    }
}

/// The transaction id as the codec type.
pub fn transaction_id(bytes: &[u8]) -> TransactionId {
    TransactionId(rasn::types::OctetString::from(bytes.to_vec()))
}
