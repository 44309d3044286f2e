//! `rsp serve …`: run a server role, one module per role over the shared plumbing of
//! [`common`] and `rsp-http`.
//!
//! - `rsp serve smdpp` ([`smdpp`]): the SM-DP+: ES2+ over mutually authenticated TLS (SGP.22
//!   §2.6.6, §5.3) and ES9+ (§5.6) on `--listen`, the HandleDownloadProgressInfo sender
//!   (§5.3.5), and the admin API (`/admin/v1/*`, `/health`, `/metrics`) on `--admin-listen`.
//! - `rsp serve smds` ([`smds`]): the SM-DS: ES11 (§5.8) and ES12/ES15 (§5.5, §3.6.1) on
//!   `--listen`, the cascade sender of an alternative SM-DS, the admin API.
//! - `rsp serve eim` ([`eim`]): the eIM (SGP.32 v1.2): ESipa (ASN.1 binding) and the
//!   northbound REST API on `--listen`, the webhook/notification outbox, `/health` and
//!   `/metrics` on `--admin-listen`.
//! - `rsp serve smdp` ([`smdp`]): the M2M SM-DP (SGP.02): ES2 for Operators, Profile
//!   downloads over ES3 with the SM-SR, the Profile inventory (docs/smdp.md).
//! - `rsp serve smsr` ([`smsr`]): the M2M SM-SR (SGP.02): ES5 over SMS (SMPP) and HTTPS
//!   (SCP81), the admin API.

mod common;
mod eim;
mod smdp;
mod smdpp;
mod smds;
mod smsr;
mod smsr_es7;

use clap::Subcommand;

pub use common::RunningServer;
pub(crate) use common::{open_store, unused_data_key};
pub use eim::{EimArgs, start_eim};
pub use smdp::{SmdpArgs, SmdpSettings, start_smdp};
pub use smdpp::{SmdppArgs, start_smdpp};
pub use smds::{SmdsArgs, start_smds};
pub use smsr::{SmsrArgs, SmsrSettings, start_smsr};
pub use smsr_es7::Es7Settings;

/// A running SM-DP+.
pub type RunningSmdpp = RunningServer;

#[derive(Debug, Subcommand)]
pub enum ServeCommand {
    /// Run the SM-DP+ (ES2+ over mutual TLS, ES9+, HandleDownloadProgressInfo sender, admin
    /// API).
    ///
    /// Every option can also be set by its RSP_SMDPP_* environment variable or in the
    /// --config TOML file (same names, kebab-case; `[[operators]]` tables only there).
    /// Precedence: command line, environment, file, default.
    ///
    /// ES2+ callers authenticate with a client certificate issued under --client-ca; the
    /// Operator is the certificate's subject CN, or, when `[[operators]]` are configured,
    /// the `id` of the entry whose `cn` matches (other certificates are refused with HTTP
    /// 403). The admin API requires `Authorization: Bearer <RSP_SMDPP_ADMIN_TOKEN>` when
    /// that environment variable is set; without it, keep --admin-listen on loopback.
    ///
    /// Prometheus metrics on the admin API's /metrics:
    /// rsp_http_requests_total{route,status}, rsp_http_request_duration_seconds{route},
    /// rsp_es2plus_calls_total and
    /// rsp_es9plus_calls_total{function,status,code} (code: the SGP.22 subject/reason of a
    /// failure), rsp_es2plus_progress_sent_total{result}, rsp_smdpp_smds_events_pending and
    /// rsp_smdpp_smds_events_sent_total{result} (ES12 event registrations), and on SQLite
    /// rsp_sqlite_wal_frames (the WAL, kept near 4096 frames by rewinding it) and
    /// rsp_sqlite_wal_rewinds_total{result} (busy: a long read delayed the rewind).
    #[command(
        after_help = "Environment: RSP_SMDPP_ADMIN_TOKEN (admin bearer token), \
        RUST_LOG (log filter, default info), TOKIO_WORKER_THREADS (request worker threads, \
        default one per CPU available to the process; docs/benchmarks.md). Signals: SIGHUP \
        re-reads the TLS certificate, client CAs, CRLs and ES9+ credentials; SIGTERM/SIGINT \
        drain open requests, at most 15 s (docs/operations.md)."
    )]
    Smdpp(SmdppArgs),
    /// Run an SM-DS (ES11 for LPAs, ES12/ES15 over mutual TLS for SM-DP+s and
    /// alternative SM-DSes, the ES15 cascade to the root when alternative, admin API).
    ///
    /// Every option can also be set by its RSP_SMDS_* environment variable or in the
    /// --config TOML file (same names, kebab-case). Precedence: command line, environment,
    /// file, default.
    ///
    /// ES12/ES15 callers authenticate with a TLS client certificate issued under --client-ca
    /// (the GSMA CI that issues CERT.DPtls / CERT.DStls); the event owner is the
    /// certificate's subject CN, and only the owner deletes its events. The admin API
    /// requires `Authorization: Bearer <RSP_SMDS_ADMIN_TOKEN>` when that variable is set.
    ///
    /// Prometheus metrics on the admin API's /metrics: rsp_http_requests_total{route,status},
    /// rsp_http_request_duration_seconds{route}, rsp_es11_calls_total and
    /// rsp_es12_calls_total{function,status,code}, rsp_smds_cascades_sent_total{result},
    /// rsp_smds_pending_cascades.
    #[command(
        after_help = "Environment: RSP_SMDS_ADMIN_TOKEN (admin bearer token), \
        RUST_LOG (log filter, default info). Signals: SIGHUP re-reads the TLS certificate, \
        client CAs, CRLs and ES11 credentials; SIGTERM/SIGINT drain open requests, at most \
        15 s (docs/operations.md)."
    )]
    Smds(SmdsArgs),
    /// Run the eIM (SGP.32 v1.2): ESipa over HTTPS for IPAs (ASN.1 binding, POST
    /// /gsma/rsp2/asn1) and the northbound REST API for tenants (/eim/v1/*, docs/eim.md) on
    /// one TLS listener; results to tenants' webhooks and notifications to SM-DP+s through
    /// a retried outbox.
    ///
    /// Every option can also be set by its RSP_EIM_* environment variable or in the
    /// --config TOML file (same names, kebab-case; `[[tenants]]` with id, token-sha256,
    /// webhook-url). Precedence: command line, environment, file, default. Tenants are
    /// written to the database at start-up; tenants no longer configured are removed.
    ///
    /// Prometheus metrics on the admin listener's /metrics:
    /// rsp_http_requests_total{route,status}, rsp_http_request_duration_seconds{route},
    /// rsp_esipa_calls_total{function,result}, rsp_eim_pending_operations,
    /// rsp_eim_outbox_sent_total{kind,result}.
    #[command(
        after_help = "Environment: RSP_EIM_ADMIN_TOKEN (admin bearer token for /metrics), \
        RUST_LOG (log filter, default info)."
    )]
    Eim(EimArgs),
    /// Run the M2M SM-SR (SGP.02): ES5 to eUICCs over SMS (SMPP 3.4 client of --smsc, SCP80
    /// secured packets, PoRs and default notifications back) and over HTTPS (SCP81 admin
    /// server on TLS-PSK, opened by a push SMS), the EIS store and operation queue with
    /// retries (SQLite or PostgreSQL), and the admin API (/smsr/v1/*: register eUICCs,
    /// request Enable/Disable/Delete/SetFallbackAttribute/AuditEIS, operation log; docs/smsr.md).
    ///
    /// Every option can also be set by its RSP_SMSR_* environment variable.
    #[command(
        after_help = "Environment: RSP_SMSR_ADMIN_TOKEN (admin bearer token), RUST_LOG (log \
        filter, default info). Signals: SIGTERM/SIGINT stop the listeners and loops; \
        operations in flight stay in the database and continue at the next start."
    )]
    Smsr(Box<SmsrArgs>),
    /// Run the M2M SM-DP (SGP.02): the ES2 web service for Operators (DownloadProfile
    /// orders against the Profile inventory; GetEIS, AuditEIS, Enable/Disable/DeleteProfile,
    /// UpdatePolicyRules and UpdateSubscriptionAddress relayed to the SM-SR), the worker
    /// that downloads each Profile over ES3 with the eUICC's SM-SR (--smsr), the
    /// DownloadProfileResponses to ReplyTo or --operator, and the admin API (/smdp/v1/*:
    /// import Profiles, orders and their stage; docs/smdp.md).
    ///
    /// Every option can also be set by its RSP_SMDP_* environment variable.
    #[command(
        after_help = "Environment: RSP_SMDP_ADMIN_TOKEN (admin bearer token), RUST_LOG (log \
        filter, default info). Signals: SIGTERM/SIGINT stop the listeners and loops; an \
        order in flight continues from its last stage at the next start."
    )]
    Smdp(SmdpArgs),
}

pub fn run(cmd: ServeCommand) -> anyhow::Result<()> {
    match cmd {
        ServeCommand::Smdpp(args) => smdpp::run(args),
        ServeCommand::Smds(args) => smds::run(args),
        ServeCommand::Eim(args) => eim::run(args),
        ServeCommand::Smsr(args) => smsr::run(*args),
        ServeCommand::Smdp(args) => smdp::run(args),
    }
}
