//! The SMSC's `smpp34` server callbacks: bind checks, submit_sm acceptance, binds and
//! unbinds.

use std::sync::Arc;
use std::time::{Instant, SystemTime};

use async_trait::async_trait;
use smpp34::server::ESME;
use smpp34::{
    SmppConnectionInformation, SmppError, SmppServerListener, bind_receiver, bind_receiver_resp,
    bind_transceiver, bind_transceiver_resp, bind_transmitter, bind_transmitter_resp, submit_sm,
    submit_sm_resp,
};
use subtle::ConstantTimeEq;

use super::Shared;
use super::delivery::{deliver, place};
use super::store::{BindInfo, Placement, Route, Stored};

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
                expires: Instant::now() + self.0.validity,
                attempts: 0,
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
