//! The HTTPS applications of the SM-DP+ and the SM-DS: every GSMA interface router of the
//! role on one listener, with metrics.

use std::sync::Arc;

use axum::{Router, middleware};
use rsp_smdpp::es2plus::Es2Plus;
use rsp_smdpp::es9plus::Es9Plus;
use rsp_smdpp::session::SessionStore;
use rsp_smdpp::store::InventoryStore;

use crate::identity::OperatorResolver;

/// The routes served on the TLS listener: ES2+ (client certificate required) and, when
/// given, ES9+ in its JSON and ASN.1 bindings (no client certificate).
pub fn smdpp_router<S>(
    es2plus: Arc<Es2Plus<S>>,
    resolver: Arc<OperatorResolver>,
    es9plus: Option<Arc<Es9Plus<S>>>,
) -> Router
where
    S: InventoryStore + SessionStore + 'static,
{
    // Install the recorder before the first request is counted.
    let _ = crate::metrics::handle();
    let mut router = Router::new().merge(crate::es2plus::router(es2plus, resolver));
    if let Some(es9) = es9plus {
        router = router
            .merge(crate::es9plus::router(es9.clone()))
            .merge(crate::es9plus_asn1::router(es9));
    }
    router.layer(middleware::from_fn(crate::metrics::track))
}

/// The SM-DS routes on its TLS listener: ES11 in its JSON and ASN.1 bindings (no client
/// certificate; SGP.22 v2.5 §6.5.2.11–§6.5.2.12, §6.6) and ES12/ES15 (client certificate
/// required), with metrics.
pub fn smds_router<S>(
    es11: Arc<rsp_smds::es11::Es11<S>>,
    es12: Arc<rsp_smds::es12::Es12<S>>,
) -> Router
where
    S: rsp_smds::SmdsStore + 'static,
{
    let _ = crate::metrics::handle();
    Router::new()
        .merge(crate::es11::router(es11.clone()))
        .merge(crate::es11_asn1::router(es11))
        .merge(crate::es12::router(es12))
        .layer(middleware::from_fn(crate::metrics::track))
}

/// The eIM routes on its TLS listener: ESipa's ASN.1 binding (SGP.32 v1.2 §6) and the
/// northbound REST API (`/eim/v1/*`, bearer token per tenant), with metrics. `es9` is the
/// eIM's ES9+ client for indirect downloads (the SM-DP+s' TLS roots).
pub fn eim_router<S>(eim: Arc<rsp_eim::Eim<S>>, es9: reqwest::Client) -> Router
where
    S: rsp_eim::EimStore + rsp_eim::RelayStore + 'static,
{
    let _ = crate::metrics::handle();
    Router::new()
        .merge(crate::esipa::router(
            eim.clone(),
            crate::es9plus_relay::Es9Relay::new(es9),
        ))
        .merge(crate::eim_api::router(eim))
        .layer(middleware::from_fn(crate::metrics::track))
}
