//! The SMSC's routing state: who is bound under which address, the store-and-forward
//! queues (bounded in total), message ids and statistics. No I/O.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Instant;

use smpp34::server::ESME;

/// A message held by the SMSC, as submitted (or a delivery receipt it generated).
#[derive(Debug, Clone)]
pub(crate) struct Stored {
    pub message_id: String,
    /// The address whose bound ESME gets it (destination_addr, or for a receipt the
    /// submitter's bind address).
    pub route_to: String,
    /// Address of the submitting ESME's bind: where its receipt goes.
    pub receipt_to: Option<String>,
    pub source: (u8, u8, String),
    pub destination: (u8, u8, String),
    pub esm_class: u8,
    pub protocol_id: u8,
    pub data_coding: u8,
    pub registered_delivery: u8,
    pub short_message: Vec<u8>,
    /// For a receipt: the receipted message id (TLV `001E`) and message_state (`0427`).
    pub receipt_of: Option<(String, u8)>,
    pub submitted: std::time::SystemTime,
    /// End of the validity period: dropped from the queue after it.
    pub expires: Instant,
    /// Failed deliveries so far.
    pub attempts: u32,
}

/// A bind the SMSC accepted: the account and the address it serves.
#[derive(Debug, Clone)]
pub(crate) struct BindInfo {
    pub system_id: String,
    pub address: String,
}

pub(crate) struct Route {
    pub session_id: String,
    pub esme: Arc<ESME>,
}

/// Counters readable through [`crate::smsc::Smsc::stats`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SmscStats {
    /// submit_sm accepted.
    pub submitted: u64,
    /// deliver_sm acknowledged by the destination (receipts included).
    pub delivered: u64,
    /// Messages waiting now for their destination to bind.
    pub queued: u64,
    /// Delivery receipts generated.
    pub receipts: u64,
    /// submit_sm refused (queue full, not bound for submission, bad parameters).
    pub rejected: u64,
    /// Messages dropped after the last delivery attempt failed.
    pub failed: u64,
    /// Messages dropped from the queue at the end of their validity.
    pub expired: u64,
    /// Sessions bound now.
    pub bound: u64,
}

pub(crate) struct Store {
    queue_limit: usize,
    pub binds: HashMap<String, BindInfo>,
    routes: HashMap<String, Route>,
    sessions: HashMap<String, Arc<ESME>>,
    queues: HashMap<String, VecDeque<Stored>>,
    next_id: u64,
    pub stats: SmscStats,
}

/// Where a message goes now.
pub(crate) enum Placement {
    /// Deliver on this session.
    Deliver(Arc<ESME>),
    /// Queued until the destination binds.
    Queued,
    /// The queue is full.
    Full,
}

impl Store {
    pub fn new(queue_limit: usize) -> Self {
        Self {
            queue_limit,
            binds: HashMap::new(),
            routes: HashMap::new(),
            sessions: HashMap::new(),
            queues: HashMap::new(),
            next_id: 1,
            stats: SmscStats::default(),
        }
    }

    pub fn next_message_id(&mut self) -> String {
        let id = self.next_id;
        self.next_id += 1;
        format!("{id:010X}")
    }

    /// Routes to the bound owner of the destination address, else queues.
    pub fn place(&mut self, msg: Stored) -> (Placement, Option<Stored>) {
        if let Some(route) = self.routes.get(&msg.route_to) {
            return (Placement::Deliver(route.esme.clone()), Some(msg));
        }
        if self.stats.queued >= self.queue_limit as u64 {
            return (Placement::Full, Some(msg));
        }
        self.queues
            .entry(msg.route_to.clone())
            .or_default()
            .push_back(msg);
        self.stats.queued += 1;
        (Placement::Queued, None)
    }

    /// Puts back a message whose delivery failed, at the head of its queue (it may
    /// exceed the limit by the messages in flight).
    pub fn requeue(&mut self, msg: Stored) {
        self.queues
            .entry(msg.route_to.clone())
            .or_default()
            .push_front(msg);
        self.stats.queued += 1;
    }

    /// Any session that completed its bind.
    pub fn session(&mut self, session_id: &str, esme: Arc<ESME>) {
        self.sessions.insert(session_id.to_owned(), esme);
        self.stats.bound = self.sessions.len() as u64;
    }

    /// A session bound for receiving under `address`: it becomes the route (the latest
    /// bind wins) and takes the address's queue.
    pub fn bound(&mut self, address: &str, route: Route) -> (Arc<ESME>, Vec<Stored>) {
        let esme = route.esme.clone();
        self.routes.insert(address.to_owned(), route);
        let queued: Vec<Stored> = self
            .queues
            .remove(address)
            .map(Vec::from)
            .unwrap_or_default();
        self.stats.queued -= queued.len() as u64;
        (esme, queued)
    }

    /// The queue of `address` and its session, if one is bound there.
    pub fn take_if_bound(&mut self, address: &str) -> Option<(Arc<ESME>, Vec<Stored>)> {
        let esme = self.routes.get(address)?.esme.clone();
        let queued: Vec<Stored> = self
            .queues
            .remove(address)
            .map(Vec::from)
            .unwrap_or_default();
        self.stats.queued -= queued.len() as u64;
        Some((esme, queued))
    }

    /// Removes and returns the queued messages whose validity ended.
    pub fn expire(&mut self, now: Instant) -> Vec<Stored> {
        let mut out = Vec::new();
        for q in self.queues.values_mut() {
            let (gone, keep): (Vec<Stored>, Vec<Stored>) =
                q.drain(..).partition(|m| m.expires <= now);
            *q = keep.into();
            out.extend(gone);
        }
        self.queues.retain(|_, q| !q.is_empty());
        self.stats.queued -= out.len() as u64;
        self.stats.expired += out.len() as u64;
        out
    }

    /// A session ended.
    pub fn unbound(&mut self, session_id: &str) {
        if let Some(info) = self.binds.remove(session_id)
            && self
                .routes
                .get(&info.address)
                .is_some_and(|r| r.session_id == session_id)
        {
            self.routes.remove(&info.address);
        }
        self.sessions.remove(session_id);
        self.stats.bound = self.sessions.len() as u64;
    }

    /// Every bound session (for shutdown).
    pub fn sessions(&self) -> Vec<Arc<ESME>> {
        self.sessions.values().cloned().collect()
    }
}
