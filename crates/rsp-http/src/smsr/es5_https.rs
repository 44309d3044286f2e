//! ES5 over HTTPS (SGP.02 §2.4.4, GlobalPlatform Amendment B): the SM-SR's admin server for
//! the eUICCs' admin agents. TLS-PSK with each eUICC's SCP81 PSK (looked up in the store
//! by identity during the handshake); each session runs the eUICC's pending HTTPS
//! operations one script at a time ([`SmsrService::admin_step`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rsp_scp81::server::{AdminHandler, AgentRequest, HandlerError, HandlerReply, SessionInfo};
use rsp_scp81::tls::{Psk, PskStore};

use rsp_smsr::service::SmsrService;
use rsp_smsr::store::SmsrStore;

/// How long a session's "operation in the agent's hands" is remembered.
const SESSION_MEMORY: Duration = Duration::from_secs(600);

/// The PSKs of the registered eUICCs, read from the store when a handshake names one.
pub struct StorePsks<S> {
    service: Arc<SmsrService<S>>,
    runtime: tokio::runtime::Handle,
}

impl<S> StorePsks<S> {
    /// Lookups run on `runtime` (a multi-thread runtime: the TLS callback is synchronous
    /// and blocks its worker for the lookup).
    pub fn new(service: Arc<SmsrService<S>>, runtime: tokio::runtime::Handle) -> Self {
        Self { service, runtime }
    }
}

impl<S: SmsrStore + 'static> PskStore for StorePsks<S> {
    fn psk(&self, identity: &[u8]) -> Option<Psk> {
        let identity = std::str::from_utf8(identity).ok()?;
        let store = self.service.store();
        let lookup = async {
            let eid = store.eid_by_psk_identity(identity).await.ok()??;
            let keys = store.keys(&eid).await.ok()??;
            let psk = keys.scp81.filter(|p| p.identity == identity)?;
            Psk::new(psk.expose().to_vec()).ok()
        };
        tokio::task::block_in_place(|| self.runtime.block_on(lookup))
    }
}

/// The admin-session handler.
pub struct AdminSessions<S> {
    service: Arc<SmsrService<S>>,
    /// Session → the operation whose script the agent holds.
    current: Mutex<HashMap<u64, (i64, Instant)>>,
}

impl<S> AdminSessions<S> {
    /// A handler over the service.
    pub fn new(service: Arc<SmsrService<S>>) -> Self {
        Self {
            service,
            current: Mutex::new(HashMap::new()),
        }
    }
}

impl<S: SmsrStore + 'static> AdminHandler for AdminSessions<S> {
    async fn handle(
        &self,
        session: &SessionInfo,
        request: AgentRequest,
    ) -> Result<HandlerReply, HandlerError> {
        // `rsp_smsr_es5_messages_total{transport="https",direction}`: each request of the
        // admin agent (`in`) and each script sent back (`out`).
        metrics::counter!("rsp_smsr_es5_messages_total", "transport" => "https",
            "direction" => "in")
        .increment(1);
        let identity = String::from_utf8(session.identity.clone())
            .map_err(|_| HandlerError::from("PSK identity is not UTF-8"))?;
        let answered = {
            let mut current = self.current.lock().map_err(|_| "session table poisoned")?;
            current.retain(|_, (_, at)| at.elapsed() < SESSION_MEMORY);
            current.remove(&session.session_id).map(|(id, _)| id)
        };
        let answered = answered.map(|id| (id, request.response_script.as_slice()));
        let next = self
            .service
            .admin_step(&identity, answered, rsp_smsr::service::unix_now())
            .await
            .map_err(|e| HandlerError::from(e.to_string()))?;
        match next {
            Some(rsp_smsr::service::AdminScript {
                operation: id,
                script,
                target,
            }) => {
                metrics::counter!("rsp_smsr_es5_messages_total", "transport" => "https",
                    "direction" => "out")
                .increment(1);
                tracing::info!(
                    operation = id,
                    session = session.session_id,
                    "SCP81 script sent"
                );
                self.current
                    .lock()
                    .map_err(|_| "session table poisoned")?
                    .insert(session.session_id, (id, Instant::now()));
                let target = target
                    .map(rsp_scp81::headers::Aid::new)
                    .transpose()
                    .map_err(|e| HandlerError::from(e.to_string()))?;
                Ok(HandlerReply::Script { script, target })
            }
            None => Ok(HandlerReply::End),
        }
    }
}
