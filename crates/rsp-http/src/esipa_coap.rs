//! ESipa over CoAP/DTLS (SGP.32 v1.2; transport in `rsp-coap`, whose crate docs give our
//! reading of the binding): each confirmable POST to `/gsma/rsp2/asn1` carries one DER
//! `EsipaMessageFromIpaToEim`, served by the same [`crate::esipa::exchange`] as over HTTPS;
//! 2.04 with the DER answer, or empty for HandleNotification; 4.00 for a request that is not
//! one ESipa message, 5.00 when the eIM failed.

use std::future::Future;
use std::sync::Arc;

use rsp_coap::{CoapError, HandlerError, ServerDtls};
use rsp_eim::{Eim, EimStore, RelayStore};

use crate::esipa::{Es9Relay, Outcome, exchange};

/// Serves ESipa on `socket` until `shutdown`.
pub async fn serve<S: EimStore + RelayStore + 'static>(
    socket: tokio::net::UdpSocket,
    dtls: ServerDtls,
    eim: Arc<Eim<S>>,
    es9: Es9Relay,
    shutdown: impl Future<Output = ()>,
) -> Result<(), CoapError> {
    let handler = move |body: Vec<u8>, _peer| {
        let (eim, es9) = (eim.clone(), es9.clone());
        async move {
            match exchange(&eim, &es9, &body).await {
                Outcome::Answer(der) => Ok(Some(der)),
                Outcome::NoContent => Ok(None),
                Outcome::BadRequest => Err(HandlerError::BadRequest(
                    "not one EsipaMessageFromIpaToEim".into(),
                )),
                Outcome::ServerError => Err(HandlerError::Internal("eIM failure".into())),
            }
        }
    };
    rsp_coap::serve(socket, dtls, handler, shutdown).await
}
