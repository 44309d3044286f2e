//! ES10b (LPA → eUICC ISD-R), SGP.22 v2.5 §5.7.5–§5.7.14: typed calls over an
//! [`Es10Channel`]. Responses that go on to the SM-DP+ are returned as the bytes the
//! eUICC sent (its signatures cover them), next to their decoded value.

use rasn::types::Integer;
use rsp_codec::asn1::{
    self, AuthenticateServerResponse, CancelSessionReason, CancelSessionRequest,
    CancelSessionResponse, DeleteNotificationStatus, EUICCInfo1, EUICCInfo2, Extensions,
    GetEuiccChallengeRequest, GetEuiccChallengeResponse, GetEuiccInfo1Request,
    GetEuiccInfo2Request, ListNotificationRequest, ListNotificationResponse, NotificationMetadata,
    NotificationSentRequest, NotificationSentResponse, PrepareDownloadResponse,
    RetrieveNotificationsListRequest, RetrieveNotificationsListResponse,
    RetrieveNotificationsSearchCriteria, TransactionId,
};

use crate::error::LpaError;
use crate::es10::Es10Channel;
use rsp_codec::tlv;

/// Sends a locally built request and decodes the response as `T`.
pub(crate) fn call<E, Q, T>(
    channel: &mut E,
    function: &'static str,
    request: &Q,
) -> Result<(Vec<u8>, T), LpaError>
where
    E: Es10Channel + ?Sized,
    Q: rasn::Encode,
    T: rasn::Decode,
{
    let der = asn1::encode(request).map_err(LpaError::encode(function))?;
    call_raw(channel, function, &der)
}

/// Sends prepared request bytes and decodes the response as `T`.
pub(crate) fn call_raw<E, T>(
    channel: &mut E,
    function: &'static str,
    request: &[u8],
) -> Result<(Vec<u8>, T), LpaError>
where
    E: Es10Channel + ?Sized,
    T: rasn::Decode,
{
    tracing::debug!(function, "ES10 request");
    let response = channel.call(request)?;
    let value = asn1::decode::<T>(&response).map_err(LpaError::es10(function))?;
    Ok((response, value))
}

/// ES10b.GetEUICCInfo (EUICCInfo1, §5.7.8): the DER (sent as is in InitiateAuthentication).
pub fn get_euicc_info1<E: Es10Channel + ?Sized>(
    channel: &mut E,
) -> Result<(Vec<u8>, EUICCInfo1), LpaError> {
    call(channel, "GetEUICCInfo1", &GetEuiccInfo1Request::default())
}

/// ES10b.GetEUICCInfo (EUICCInfo2, §5.7.8).
pub fn get_euicc_info2<E: Es10Channel + ?Sized>(channel: &mut E) -> Result<EUICCInfo2, LpaError> {
    call(channel, "GetEUICCInfo2", &GetEuiccInfo2Request::default()).map(|(_, v)| v)
}

/// ES10b.GetEUICCChallenge (§5.7.7).
pub fn get_euicc_challenge<E: Es10Channel + ?Sized>(channel: &mut E) -> Result<[u8; 16], LpaError> {
    let (_, r): (_, GetEuiccChallengeResponse) = call(
        channel,
        "GetEUICCChallenge",
        &GetEuiccChallengeRequest::default(),
    )?;
    Ok(*r.euicc_challenge.as_bytes())
}

/// ES10b.AuthenticateServer (§5.7.13) with a request assembled from ES9+ bytes.
pub fn authenticate_server<E: Es10Channel + ?Sized>(
    channel: &mut E,
    request: &[u8],
) -> Result<(Vec<u8>, AuthenticateServerResponse), LpaError> {
    call_raw(channel, "AuthenticateServer", request)
}

/// ES10b.PrepareDownload (§5.7.5) with a request assembled from ES9+ bytes.
pub fn prepare_download<E: Es10Channel + ?Sized>(
    channel: &mut E,
    request: &[u8],
) -> Result<(Vec<u8>, PrepareDownloadResponse), LpaError> {
    call_raw(channel, "PrepareDownload", request)
}

/// ES10b.CancelSession (§5.7.14).
pub fn cancel_session<E: Es10Channel + ?Sized>(
    channel: &mut E,
    transaction_id: &[u8],
    reason: CancelSessionReason,
) -> Result<(Vec<u8>, CancelSessionResponse), LpaError> {
    let request = CancelSessionRequest {
        transaction_id: TransactionId(transaction_id.to_vec().into()),
        reason,
        ext: Extensions::default(),
    };
    call(channel, "CancelSession", &request)
}

/// ES10b.ListNotification (§5.7.9): the metadata of every pending notification.
pub fn list_notification<E: Es10Channel + ?Sized>(
    channel: &mut E,
) -> Result<Vec<NotificationMetadata>, LpaError> {
    let (_, r) = call(
        channel,
        "ListNotification",
        &ListNotificationRequest::default(),
    )?;
    match r {
        ListNotificationResponse::NotificationMetadataList(list) => Ok(list),
        ListNotificationResponse::ListNotificationsResultError(e) => Err(LpaError::EuiccRefused {
            function: "ListNotification",
            code: e.0,
            reason: "undefinedError",
        }),
    }
}

/// ES10b.RetrieveNotificationsList (§5.7.10): each `PendingNotification` TLV exactly as the
/// eUICC sent it (it is forwarded unchanged to ES9+.HandleNotification), optionally only
/// the one with sequence number `seq_number`.
pub fn retrieve_notifications<E: Es10Channel + ?Sized>(
    channel: &mut E,
    seq_number: Option<u64>,
) -> Result<Vec<Vec<u8>>, LpaError> {
    const F: &str = "RetrieveNotificationsList";
    let request = RetrieveNotificationsListRequest {
        search_criteria: seq_number
            .map(|n| RetrieveNotificationsSearchCriteria::SeqNumber(Integer::from(n))),
        ext: Extensions::default(),
    };
    let (der, r): (_, RetrieveNotificationsListResponse) = call(channel, F, &request)?;
    if let RetrieveNotificationsListResponse::NotificationsListResultError(e) = r {
        // `nothing to retrieve` is reported as undefinedError by some eUICCs: an empty list.
        tracing::debug!(code = e.0, "RetrieveNotificationsList error");
        return Ok(Vec::new());
    }
    // BF2B { A0 { PendingNotification... } }: split the list without re-encoding.
    let malformed = || LpaError::Es10Response {
        function: F,
        source: asn1::CodecError::Decode("notification list framing".into()),
    };
    let outer = tlv::header(&der).ok_or_else(malformed)?;
    let inner = der.get(outer.header_len..).ok_or_else(malformed)?;
    let list = tlv::header(inner).ok_or_else(malformed)?;
    let mut items = inner
        .get(list.header_len..list.total_len())
        .ok_or_else(malformed)?;
    let mut out = Vec::new();
    while !items.is_empty() {
        let (_, item, rest) = tlv::split_first(items).ok_or_else(malformed)?;
        out.push(item.to_vec());
        items = rest;
    }
    Ok(out)
}

/// ES10b.RemoveNotificationFromList (§5.7.11).
pub fn remove_notification<E: Es10Channel + ?Sized>(
    channel: &mut E,
    seq_number: u64,
) -> Result<DeleteNotificationStatus, LpaError> {
    let request = NotificationSentRequest {
        seq_number: Integer::from(seq_number),
        ext: Extensions::default(),
    };
    let (_, r): (_, NotificationSentResponse) =
        call(channel, "RemoveNotificationFromList", &request)?;
    Ok(r.delete_notification_status)
}

/// A sequence number as `u64` (the eUICC counts from 0 upwards).
pub(crate) fn seq_u64(n: &Integer) -> Result<u64, LpaError> {
    u64::try_from(n).map_err(|_| LpaError::Es10Response {
        function: "notification metadata",
        source: asn1::CodecError::Decode(format!("sequence number {n} out of range")),
    })
}
