//! This SM-SR's own steps of an SM-SR change (SGP.02 §3.7), one per stage, each written
//! to the store once done (a failed step is tried again on the next round; see
//! [`super::es7::run`]).

use rsp_codec::ws::es7::{Es7Message, Es7Request, Es7Response};
use rsp_codec::ws::{self, ExecutionStatus, SmsrChangeNotification};
use rsp_smsr::es7::{self as domain, Side, SmsrChange, Stage};
use rsp_smsr::service::{SmsrService, rfc3339, unix_now};
use rsp_smsr::store::SmsrStore;

use super::es7::{Es7Config, eis_message, handover_message_id, key_establishment, post_to};

fn succeeded(s: &ws::FunctionExecutionStatus) -> bool {
    matches!(
        s.status,
        ExecutionStatus::Success | ExecutionStatus::WithWarning
    )
}

fn describe(s: &ws::FunctionExecutionStatus) -> String {
    s.status_code_data.as_ref().map_or_else(
        || format!("{:?}", s.status),
        |d| {
            format!(
                "{}/{} {}",
                d.subject_code,
                d.reason_code,
                d.message.clone().unwrap_or_default()
            )
        },
    )
}

/// One synchronous ES7 call; its successful response.
async fn call(config: &Es7Config, url: &str, body: Es7Request) -> Result<Es7Response, String> {
    let msg = Es7Message::Request(ws::Request {
        function_call_identifier: super::ws::message_id(),
        validity_period: None,
        body,
    });
    match post_to(config, url, &msg, None, None).await? {
        (200, Some(Es7Message::Response(r))) if succeeded(&r.status) => Ok(r),
        (_, Some(Es7Message::Response(r))) => Err(format!("refused: {}", describe(&r.status))),
        (status, _) => Err(format!("HTTP {status} without an ES7 response")),
    }
}

/// Takes the next step of `c` if it is this SM-SR's.
pub(super) async fn advance<S: SmsrStore>(
    smsr: &SmsrService<S>,
    config: &Es7Config,
    c: &SmsrChange,
) -> Result<(), String> {
    let peer_url = || {
        config
            .peers
            .get(&c.peer)
            .ok_or_else(|| format!("no --peer-smsr for {}", c.peer))
    };
    let now = unix_now();
    let eis = || async {
        smsr.released_eis(&c.eid)
            .await
            .map_err(|e| format!("EIS: {e}"))
    };
    match (c.side, &c.stage) {
        // Waiting for the peer: only the validity period can end it here.
        (Side::New, Stage::Prepared) | (Side::Current, Stage::HandedOver { .. })
            if now >= c.expires_at =>
        {
            smsr.change_failed(c, "validity period expired", now)
                .await
                .map_err(|e| e.to_string())?;
            tracing::warn!(eid = %c.eid, peer = %c.peer, "SM-SR change expired");
        }
        (Side::Current, Stage::Requested) => {
            let url = peer_url()?;
            let eis = eis().await?;
            let id = handover_message_id(&c.eid);
            let msg = Es7Message::Request(ws::Request {
                function_call_identifier: id.clone(),
                validity_period: u64::try_from(c.expires_at - now).ok(),
                body: Es7Request::HandoverEuicc(Box::new(eis_message(&eis))),
            });
            match post_to(config, url, &msg, Some(id.clone()), None).await? {
                (200..=299, None) => {}
                (_, Some(Es7Message::Response(r))) if !succeeded(&r.status) => {
                    let reason = format!("HandoverEUICC refused: {}", describe(&r.status));
                    smsr.change_failed(c, &reason, now)
                        .await
                        .map_err(|e| e.to_string())?;
                    return Err(reason);
                }
                (status, _) => return Err(format!("HandoverEUICC: HTTP {status}")),
            }
            smsr.handover_sent(c, &id, now)
                .await
                .map_err(|e| e.to_string())?;
        }
        (Side::New, Stage::HandedOver { .. }) => {
            let url = peer_url()?;
            let eis = eis().await?;
            let eid = c.eid.as_str();
            let (ke, credential) = key_establishment(config, eis.ecasd_certificate.as_deref())?;
            let request = ke
                .authenticate_smsr(eid, credential)
                .map_err(|e| e.to_string())?;
            let r = call(config, url, request).await?;
            let challenge = r
                .random_challenge
                .ok_or("AuthenticateSMSR without a challenge")?;
            let (request, waiting) = ke
                .create_additional_key_set(eid, &challenge, credential)
                .map_err(|e| e.to_string())?;
            let r = call(config, url, request).await?;
            let receipt = r
                .receipt
                .ok_or("CreateAdditionalKeySet without a receipt")?;
            let keyset = waiting
                .on_es7_receipt(r.derivation_random.as_deref(), &receipt)
                .map_err(|e| e.to_string())?;
            let stored = domain::scp80_keyset(keyset.version(), keyset.kic_key(), keyset.kid_key())
                .map_err(|e| e.to_string())?;
            smsr.keyset_established(c, stored, keyset.initial_counter(), now)
                .await
                .map_err(|e| e.to_string())?;
            tracing::info!(
                eid,
                key_version = keyset.version(),
                "ISD-R keyset established"
            );
        }
        (Side::New, Stage::KeysetEstablished { .. }) => {
            let url = peer_url()?;
            let msg = Es7Message::Response(Es7Response::new(
                ws::Function::HandoverEuicc,
                ws::FunctionExecutionStatus::success(),
            ));
            match post_to(config, url, &msg, None, c.handover_message_id.clone()).await? {
                (200..=299, _) => {}
                (status, _) => return Err(format!("HandoverEUICCResponse: HTTP {status}")),
            }
            smsr.response_sent(c, now)
                .await
                .map_err(|e| e.to_string())?;
        }
        (
            Side::Current,
            Stage::Releasing {
                operation: None, ..
            },
        ) => {
            smsr.queue_key_deletion(c, now)
                .await
                .map_err(|e| e.to_string())?;
        }
        (
            Side::Current,
            Stage::Releasing {
                operation: Some(id),
                ..
            },
        ) => {
            let op = smsr.operation(*id).await.map_err(|e| e.to_string())?;
            match op {
                Some(op) if !op.status.is_final() => return Ok(()),
                Some(op) if op.outcome.as_ref().is_some_and(|o| !o.success) => {
                    // Our reading: the eUICC moves anyway (SM-SR2 holds a working keyset);
                    // SM-SR1 forgets its keys with the EIS.
                    tracing::warn!(eid = %c.eid, operation = id, "the old ISD-R keysets were not deleted on the card");
                }
                _ => {}
            }
            let url = peer_url()?;
            let mut eis = eis().await?;
            eis.smsr_id.clone_from(&c.peer);
            let msg = Es7Message::SmsrChange(SmsrChangeNotification {
                eis: Box::new(eis_message(&eis)),
                completion_timestamp: rfc3339(now),
            });
            match post_to(config, url, &msg, None, None).await? {
                (200..=299, _) => {}
                (status, _) => {
                    return Err(format!("HandleSMSRChangeNotification: HTTP {status}"));
                }
            }
            smsr.release(c, now).await.map_err(|e| e.to_string())?;
            tracing::info!(eid = %c.eid, to = %c.peer, "eUICC handed over");
        }
        _ => {}
    }
    Ok(())
}
