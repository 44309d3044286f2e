//! Delivery of stored messages as deliver_sm, retries, expiry, and delivery receipts
//! (SMPP 3.4 §4.6.1, §5.2.17, Appendix B).

use std::sync::Arc;
use std::time::{Instant, SystemTime};

use smpp34::TlvTag;
use smpp34::server::ESME;

use super::Shared;
use super::store::{Placement, Stored};

/// esm_class message type "SMSC delivery receipt" (SMPP 3.4 §5.2.12).
const ESM_CLASS_RECEIPT: u8 = 0x04;

/// A final outcome, as a receipt reports it: message_state (§5.2.28) and `stat:`.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Outcome {
    Delivered,
    Expired,
    Undeliverable,
}

impl Outcome {
    fn state(self) -> u8 {
        match self {
            Outcome::Delivered => 2,
            Outcome::Expired => 3,
            Outcome::Undeliverable => 5,
        }
    }

    fn stat(self) -> &'static str {
        match self {
            Outcome::Delivered => "DELIVRD",
            Outcome::Expired => "EXPIRED",
            Outcome::Undeliverable => "UNDELIV",
        }
    }

    /// registered_delivery bits 1–0 (§5.2.17): `01` receipt on any final outcome, `10`
    /// on failure only.
    fn wanted(self, registered_delivery: u8) -> bool {
        match registered_delivery & 0x03 {
            0x01 => true,
            0x02 => !matches!(self, Outcome::Delivered),
            _ => false,
        }
    }
}

/// The deliver_sm for a stored message, sent and awaited. True when acknowledged.
async fn send(esme: &ESME, msg: &Stored) -> bool {
    if !esme.can_receive {
        return false;
    }
    let mut b = esme
        .deliver_sm()
        .source_addr_ton(msg.source.0)
        .source_addr_npi(msg.source.1)
        .source_addr(msg.source.2.clone())
        .dest_addr_ton(msg.destination.0)
        .dest_addr_npi(msg.destination.1)
        .destination_addr(msg.destination.2.clone())
        .esm_class(msg.esm_class)
        .protocol_id(msg.protocol_id)
        .data_coding(msg.data_coding)
        .short_message(msg.short_message.clone());
    if let Some((id, state)) = &msg.receipt_of {
        let mut id = id.as_bytes().to_vec();
        id.push(0);
        b = b
            .tlv(TlvTag::ReceiptedMessageId, id)
            .tlv(TlvTag::MessageStateTlv, vec![*state]);
    }
    matches!(b.send().await, Ok(resp) if resp.is_success())
}

fn yymmddhhmm(t: SystemTime) -> String {
    let t: chrono::DateTime<chrono::Utc> = t.into();
    t.format("%y%m%d%H%M").to_string()
}

/// Queues (or delivers) the receipt for `msg` if its submitter asked for one: from the
/// message's destination to its source, routed to the submitter's bind address.
pub(crate) fn report(shared: &Arc<Shared>, msg: &Stored, outcome: Outcome) {
    let Some(route_to) = msg.receipt_to.clone() else {
        return;
    };
    if msg.receipt_of.is_some() || !outcome.wanted(msg.registered_delivery) {
        return;
    }
    let receipt = {
        let Ok(mut store) = shared.store.lock() else {
            return;
        };
        store.stats.receipts += 1;
        let now = SystemTime::now();
        let dlvrd = u8::from(matches!(outcome, Outcome::Delivered));
        let text = format!(
            "id:{} sub:001 dlvrd:{dlvrd:03} submit date:{} done date:{} stat:{} err:000 text:",
            msg.message_id,
            yymmddhhmm(msg.submitted),
            yymmddhhmm(now),
            outcome.stat(),
        );
        Stored {
            message_id: store.next_message_id(),
            route_to,
            receipt_to: None,
            source: msg.destination.clone(),
            destination: msg.source.clone(),
            esm_class: ESM_CLASS_RECEIPT,
            protocol_id: 0,
            data_coding: 0,
            registered_delivery: 0,
            short_message: text.into_bytes(),
            receipt_of: Some((msg.message_id.clone(), outcome.state())),
            submitted: now,
            expires: Instant::now() + shared.validity,
            attempts: 0,
        }
    };
    if let Placement::Full = place(shared, receipt) {
        tracing::warn!(message_id = %msg.message_id, "store full, receipt dropped");
    }
}

/// Delivers `msgs` in order on `esme`. A failed message goes back to the head of its
/// queue with the rest, and a retry is scheduled; after `max_attempts` it is dropped as
/// undeliverable.
pub(crate) async fn deliver(shared: Arc<Shared>, esme: Arc<ESME>, msgs: Vec<Stored>) {
    let mut msgs = msgs.into_iter();
    while let Some(mut msg) = msgs.next() {
        if send(&esme, &msg).await {
            if let Ok(mut store) = shared.store.lock() {
                store.stats.delivered += 1;
            }
            report(&shared, &msg, Outcome::Delivered);
            continue;
        }
        msg.attempts += 1;
        tracing::warn!(message_id = %msg.message_id, attempts = msg.attempts, "deliver_sm failed");
        let address = msg.route_to.clone();
        let final_failure = msg.attempts >= shared.max_attempts;
        if let Ok(mut store) = shared.store.lock() {
            // push_front each: the rest in reverse, then the failed one, keeps the order.
            msgs.rev().for_each(|m| store.requeue(m));
            if final_failure {
                store.stats.failed += 1;
            } else {
                store.requeue(msg.clone());
            }
        }
        if final_failure {
            report(&shared, &msg, Outcome::Undeliverable);
        }
        let shared = shared.clone();
        tokio::spawn(async move {
            tokio::time::sleep(shared.retry_interval).await;
            retry(&shared, &address);
        });
        return;
    }
}

/// Delivers what is queued for `address` if it is bound.
pub(crate) fn retry(shared: &Arc<Shared>, address: &str) {
    let taken = shared
        .store
        .lock()
        .ok()
        .and_then(|mut s| s.take_if_bound(address));
    if let Some((esme, msgs)) = taken
        && !msgs.is_empty()
    {
        tokio::spawn(deliver(shared.clone(), esme, msgs));
    }
}

/// Routes a stored message: delivered by a task of its own, or queued.
pub(crate) fn place(shared: &Arc<Shared>, msg: Stored) -> Placement {
    let Ok(mut store) = shared.store.lock() else {
        return Placement::Full;
    };
    let (placement, msg) = store.place(msg);
    drop(store);
    if let (Placement::Deliver(esme), Some(msg)) = (&placement, msg) {
        tokio::spawn(deliver(shared.clone(), esme.clone(), vec![msg]));
    }
    placement
}

/// Drops queued messages past their validity, with EXPIRED receipts (runs until the
/// SMSC stops).
pub(crate) async fn sweep(shared: Arc<Shared>) {
    let period = shared.retry_interval.min(std::time::Duration::from_secs(1));
    loop {
        tokio::time::sleep(period).await;
        let expired = shared
            .store
            .lock()
            .map(|mut s| s.expire(Instant::now()))
            .unwrap_or_default();
        for msg in &expired {
            tracing::info!(message_id = %msg.message_id, "expired undelivered");
            report(&shared, msg, Outcome::Expired);
        }
    }
}
