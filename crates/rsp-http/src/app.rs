//! The SM-DP+ HTTPS application: every GSMA interface router on one listener, with metrics.

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
