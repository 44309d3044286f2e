//! HTTPS transport of the RSP servers (SGP.22 v2.5 §6.5 JSON binding, §6.6 ASN.1 binding
//! of ES9+ and ES11). SM-DP+: the ES2+ server behind mutual TLS, ES9+, the
//! ES2+.HandleDownloadProgressInfo sender, and the admin API. SM-DS: ES11, ES12/ES15 behind
//! mutual TLS, the ES15 cascade client. TLS, the accept loop, the JSON binding checks and the
//! metrics serve every role.
//!
//! - [`tls`]: rustls server configuration (TLS 1.2 ECDHE-ECDSA-AES-GCM and TLS 1.3, SGP.22
//!   §2.6.6), client certificates optional at the TLS layer.
//! - [`server`]: the TLS accept loop; puts the verified client certificate into each request.
//! - [`credentials`]: DPauth/DPpb credentials per CI from PEM files (ES9+).
//! - [`identity`]: client certificate → [`rsp_smdpp::OperatorId`].
//! - [`binding`]: the common JSON binding checks and responses (§6.5.1).
//! - [`es2plus`]: `POST /gsma/rsp2/es2plus/*` (§5.3, §6.5.2.1–§6.5.2.4).
//! - [`es9plus`]: `POST /gsma/rsp2/es9plus/*` (§5.6, §6.5.2.6–§6.5.2.10), no client certificate.
//! - [`es11`]: `POST /gsma/rsp2/es11/*` of the SM-DS (§5.8), no client certificate.
//! - [`es12`]: `POST /gsma/rsp2/es12/*` and `/es15/*` of the SM-DS (§5.5), client certificate
//!   required.
//! - [`smds_client`]: the ES12 (SM-DP+) and ES15 (Alternative SM-DS) client of an SM-DS.
//! - [`asn1_binding`]: the ASN.1 binding's common parts (§6.6): header checks, envelope
//!   slicing, error INTEGER tables, responses.
//! - [`es9plus_asn1`]: `POST /gsma/rsp2/asn1`, the ASN.1 binding of ES9+ (§6.6).
//! - [`es11_asn1`]: `POST /gsma/rsp2/asn1` of the SM-DS, the ASN.1 binding of ES11 (§6.6).
//! - [`es2plus_client`]: the outbox sender calling the Operator (§5.3.5, §6.5.2.5).
//! - [`es2plus_operator`]: the Operator's ES2+ client (DownloadOrder … ReleaseProfile).
//! - [`admin`]: inventory import/list, activation codes and QR codes, health, metrics.
//! - [`admin_batch`]: inventory import from a template and a personalisation batch.
//! - [`admin_orders`]: the controls of a pending order (expiry, download attempts).
//! - [`admin_activation`]: Activation Codes and their QR codes.
//! - [`admin_smds`]: the SM-DS admin API (events, counts, health, metrics).
//! - [`reload`]: the holder a SIGHUP reload swaps (TLS configuration, credentials).
//! - [`openapi`]: the OpenAPI 3.1 documents of the admin APIs (`/openapi.json`).
//! - [`audit`]: the audit trail's server side (ES2+/admin calls, key uses, chaining,
//!   signed checkpoints).
//! - [`esipa`]: `POST /gsma/rsp2/asn1` of the eIM, ESipa's ASN.1 binding (SGP.32 §6).
//! - [`eim_api`]: the eIM's northbound REST API (`/eim/v1/*`, tenants by bearer token).
//! - [`eim_api_bulk`]: its bulk endpoints (`/eim/v1/euiccs:bulk` from CSV,
//!   `/eim/v1/operations:bulk`).
//! - [`eim_outbox`]: the eIM's webhook and ES9+ notification sender.
//! - [`smsr`]: the M2M SM-SR's ES5 transports (SMPP link, SCP81 admin sessions).
//! - [`smdp`]: the M2M SM-DP's ES2 web service, ES3 client and notification endpoint.
//! - [`outbox_step`]: one step of the M2M roles' outbox senders (claim, deliver, retry).
//! - [`app`]: the routers assembled for the TLS listener.
//! - [`metrics`]: Prometheus recorder and the per-request middleware.
//!
//! ES2+ and ES9+ share the TLS listener ([`app`]); the client certificate is optional at
//! the TLS layer and required by the ES2+ routes only.

pub mod admin;
pub mod admin_activation;
pub mod admin_batch;
pub mod admin_order_import;
pub mod admin_orders;
pub mod admin_smds;
pub mod app;
pub mod asn1_binding;
pub mod audit;
pub mod binding;
pub mod credentials;
pub mod eim_api;
pub mod eim_api_bulk;
pub mod eim_outbox;
pub mod es11;
pub mod es11_asn1;
pub mod es12;
pub mod es2plus;
pub mod es2plus_client;
pub mod es2plus_operator;
pub mod es9plus;
pub mod es9plus_asn1;
pub mod es9plus_relay;
pub mod esipa;
pub mod esipa_coap;
pub mod identity;
pub mod metrics;
pub mod openapi;
pub mod outbox_step;
pub mod reload;
pub mod server;
pub mod smdp;
pub mod smds_client;
pub mod smsr;
pub mod tls;
pub mod tls_key;
