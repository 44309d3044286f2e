//! The SMSC's `smpp34` server callbacks: bind checks, submit_sm routing, delivery and
//! receipts.

use std::sync::Arc;
use std::time::SystemTime;

use async_trait::async_trait;
use smpp34::server::ESME;
use smpp34::{
    SmppConnectionInformation, SmppError, SmppServerListener, TlvTag, bind_receiver,
    bind_receiver_resp, bind_transceiver, bind_transceiver_resp, bind_transmitter,
    bind_transmitter_resp, submit_sm, submit_sm_resp,
};
use subtle::ConstantTimeEq;

use super::Shared;
use super::store::{BindInfo, Placement, Route, Stored};

/// esm_class message type "SMSC delivery receipt" (SMPP 3.4 §5.2.12).
const ESM_CLASS_RECEIPT: u8 = 0x04;
/// message_state DELIVERED (SMPP 3.4 §5.2.28).
const STATE_DELIVERED: u8 = 2;

pub(crate) struct Listener(pub Arc<Shared>);

impl Listener {
    /// Checks the account and records the bind's address under its session.
    fn check_bind(
        &self,
        system_id: &str,
        password: &str,
        address_range: &str,
        session_id: &str,
    ) -> Result<(), SmppError> {
        let Some(account) = self.0.accounts.get(system_id) else {
            tracing::warn!(system_id, "SMPP bind refused: unknown system_id");
            return Err(SmppError::ESME_RINVSYSID);
        };
        if !bool::from(account.password.as_bytes().ct_eq(password.as_bytes())) {
            tracing::warn!(system_id, "SMPP bind refused: wrong password");
            return Err(SmppError::ESME_RINVPASWD);
        }
        let address = account
            .address
            .clone()
            .or_else(|| (!address_range.is_empty()).then(|| address_range.to_owned()))
            .unwrap_or_else(|| system_id.to_owned());
        tracing::info!(system_id, %address, "SMPP bind accepted");
        let mut store = self.0.store.lock().map_err(|_| SmppError::ESME_RSYSERR)?;
        store.binds.insert(
            session_id.to_owned(),
            BindInfo {
                system_id: system_id.to_owned(),
                address,
            },
        );
        Ok(())
    }
}

/// The deliver_sm for a stored message, sent and awaited. True when acknowledged.
async fn send(esme: &ESME, msg: &Stored) -> bool {
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

/// The receipt for `msg` (SMPP 3.4 Appendix B): from its destination to its source.
fn receipt(shared: &Shared, msg: &Stored, route_to: String) -> Option<Stored> {
    let mut store = shared.store.lock().ok()?;
    let message_id = store.next_message_id();
    store.stats.receipts += 1;
    let now = SystemTime::now();
    let text = format!(
        "id:{} sub:001 dlvrd:001 submit date:{} done date:{} stat:DELIVRD err:000 text:",
        msg.message_id,
        yymmddhhmm(msg.submitted),
        yymmddhhmm(now),
    );
    Some(Stored {
        message_id,
        route_to,
        receipt_to: None,
        source: msg.destination.clone(),
        destination: msg.source.clone(),
        esm_class: ESM_CLASS_RECEIPT,
        protocol_id: 0,
        data_coding: 0,
        registered_delivery: 0,
        short_message: text.into_bytes(),
        receipt_of: Some((msg.message_id.clone(), STATE_DELIVERED)),
        submitted: now,
    })
}

/// Delivers `msgs` in order on `esme`; what fails goes back to its queue.
pub(crate) async fn deliver(shared: Arc<Shared>, esme: Arc<ESME>, msgs: Vec<Stored>) {
    let mut msgs = msgs.into_iter();
    while let Some(msg) = msgs.next() {
        if !send(&esme, &msg).await {
            tracing::warn!(message_id = %msg.message_id, "deliver_sm failed, queued again");
            if let Ok(mut store) = shared.store.lock() {
                store.requeue(msg);
                msgs.for_each(|m| store.requeue(m));
            }
            return;
        }
        if let Ok(mut store) = shared.store.lock() {
            store.stats.delivered += 1;
        }
        // registered_delivery bits 1–0 = 01: receipt on final delivery (§5.2.17).
        let wants_receipt = msg.registered_delivery & 0x03 == 0x01;
        if let (true, Some(to)) = (wants_receipt, msg.receipt_to.clone())
            && let Some(r) = receipt(&shared, &msg, to)
        {
            place(&shared, r);
        }
    }
}

/// Routes a stored message: delivered by a task of its own, or queued.
fn place(shared: &Arc<Shared>, msg: Stored) -> Placement {
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

#[async_trait]
impl SmppServerListener for Listener {
    async fn on_bind_transmitter(
        &self,
        req: bind_transmitter,
        _c: &SmppConnectionInformation,
        session_id: &String,
    ) -> bind_transmitter_resp {
        match self.check_bind(
            &req.system_id,
            &req.password,
            &req.address_range,
            session_id,
        ) {
            Ok(()) => req.accept(self.0.system_id.clone(), Some(0x34)),
            Err(e) => req.reject(e),
        }
    }

    async fn on_bind_receiver(
        &self,
        req: bind_receiver,
        _c: &SmppConnectionInformation,
        session_id: &String,
    ) -> bind_receiver_resp {
        match self.check_bind(
            &req.system_id,
            &req.password,
            &req.address_range,
            session_id,
        ) {
            Ok(()) => req.accept(self.0.system_id.clone(), Some(0x34)),
            Err(e) => req.reject(e),
        }
    }

    async fn on_bind_transceiver(
        &self,
        req: bind_transceiver,
        _c: &SmppConnectionInformation,
        session_id: &String,
    ) -> bind_transceiver_resp {
        match self.check_bind(
            &req.system_id,
            &req.password,
            &req.address_range,
            session_id,
        ) {
            Ok(()) => req.accept(self.0.system_id.clone(), Some(0x34)),
            Err(e) => req.reject(e),
        }
    }

    async fn on_submit_sm(
        &self,
        req: submit_sm,
        _c: &SmppConnectionInformation,
        session_id: &String,
    ) -> submit_sm_resp {
        let (message_id, msg) = {
            let Ok(mut store) = self.0.store.lock() else {
                return req.reject(SmppError::ESME_RSYSERR);
            };
            let Some(info) = store.binds.get(session_id.as_str()).cloned() else {
                store.stats.rejected += 1;
                return req.reject(SmppError::ESME_RINVBNDSTS);
            };
            if req.destination_addr.is_empty() {
                store.stats.rejected += 1;
                return req.reject(SmppError::ESME_RINVDSTADR);
            }
            let message_id = store.next_message_id();
            let msg = Stored {
                message_id: message_id.clone(),
                route_to: req.destination_addr.clone(),
                receipt_to: Some(info.address),
                source: (
                    req.source_addr_ton,
                    req.source_addr_npi,
                    req.source_addr.clone(),
                ),
                destination: (
                    req.dest_addr_ton,
                    req.dest_addr_npi,
                    req.destination_addr.clone(),
                ),
                esm_class: req.esm_class,
                protocol_id: req.protocol_id,
                data_coding: req.data_coding,
                registered_delivery: req.registered_delivery,
                short_message: req.short_message.clone(),
                receipt_of: None,
                submitted: SystemTime::now(),
            };
            tracing::debug!(%message_id, system_id = %info.system_id, "submit_sm accepted");
            (message_id, msg)
        };
        if let Placement::Full = place(&self.0, msg) {
            if let Ok(mut store) = self.0.store.lock() {
                store.stats.rejected += 1;
            }
            return req.reject(SmppError::ESME_RMSGQFUL);
        }
        if let Ok(mut store) = self.0.store.lock() {
            store.stats.submitted += 1;
        }
        req.accept(message_id)
    }

    async fn on_esme_bound(&self, esme: ESME, session_id: &String) {
        let esme = Arc::new(esme);
        let flush = {
            let Ok(mut store) = self.0.store.lock() else {
                return;
            };
            store.session(session_id, esme.clone());
            match store.binds.get(session_id.as_str()).cloned() {
                Some(info) if esme.can_receive => {
                    let route = Route {
                        session_id: session_id.clone(),
                        esme,
                    };
                    Some(store.bound(&info.address, route))
                }
                _ => None,
            }
        };
        if let Some((esme, queued)) = flush
            && !queued.is_empty()
        {
            tokio::spawn(deliver(self.0.clone(), esme, queued));
        }
    }

    async fn on_esme_unbound(&self, session_id: &String) {
        if let Ok(mut store) = self.0.store.lock() {
            store.unbound(session_id);
        }
    }

    async fn on_listen_failed(&self, error: &str) {
        if let Ok(mut e) = self.0.listen_error.lock() {
            *e = Some(error.to_owned());
        }
    }
}
