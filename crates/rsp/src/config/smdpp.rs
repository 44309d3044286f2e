//! `rsp serve smdpp` settings: command line (and `RSP_SMDPP_*` environment) over the
//! optional TOML file over the defaults.
//!
//! ```toml
//! listen = "0.0.0.0:8443"
//! admin-listen = "127.0.0.1:8081"
//! address = "smdp.example.com"
//! database = "postgres://rsp@db/rsp"
//! pki = "/etc/rsp/pki"              # `rsp pki init` output: nist/dp-tls.pem, nist/ci.pem, …
//! data-key-file = "/etc/rsp/data.key"
//! log-format = "json"
//! order-ttl = "30d"                  # download order lifetime (d, h, m, s; 0: never)
//! order-expiry-status = "available"  # an expired order's Profile: available | unavailable
//! max-download-attempts = 5          # AuthenticateClient attempts per order (0: unlimited)
//! smds = ["smds.example.com"]        # SM-DSes ConfirmOrder may name (others: 8.9/5.1)
//! smds-ca = ["/etc/rsp/ci.pem"]      # their TLS trust anchors (default: client-ca)
//! audit-key = "/etc/rsp/audit.key.pem"  # signs the audit trail's checkpoints
//!
//! [[operators]]                      # optional: with a list, only listed Operators may call ES2+
//! id = "op-1"                        # OperatorId owning Profiles
//! cn = "Test Operator"               # subject CN of its ES2+ client certificate (default: id)
//! notification-url = "https://bss.example:8443"   # ES2+.HandleDownloadProgressInfo target
//!                                    # (an Operator without one gets no such messages queued)
//! ```

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use rsp_http::credentials::CredentialFiles;
use rsp_smdpp::order_controls::OrderPolicy;
use serde::Deserialize;

use super::orders::{ExpiryStatus, OrderTtl};

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One JSON object per line.
    #[default]
    Json,
    /// Human-readable.
    Text,
}

/// One Operator allowed on ES2+.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct OperatorEntry {
    /// The OperatorId owning Profiles.
    pub id: String,
    /// Subject CN of its client certificate (default: `id`).
    pub cn: Option<String>,
    /// Base URL of its ES2+ server for HandleDownloadProgressInfo; without it no such
    /// message is queued for this Operator.
    pub notification_url: Option<String>,
}

/// Every setting, each optional: the file and the command line use this shape.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SmdppFile {
    pub listen: Option<SocketAddr>,
    pub admin_listen: Option<SocketAddr>,
    pub address: Option<String>,
    pub database: Option<String>,
    pub pki: Option<PathBuf>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub client_ca: Option<Vec<PathBuf>>,
    pub data_key_file: Option<PathBuf>,
    pub log_format: Option<LogFormat>,
    pub es2_client_cert: Option<PathBuf>,
    pub es2_client_key: Option<PathBuf>,
    pub operator_ca: Option<Vec<PathBuf>>,
    pub es9_credentials: Option<Vec<PathBuf>>,
    /// CRL files (PEM or DER) checked on eUICC / EUM chains.
    pub crl: Option<Vec<PathBuf>>,
    /// ES9+ credential sets given file by file (`[[es9-credential-files]]`, config file
    /// only), e.g. GSMA-issued certificates or the SGP.26 set.
    #[serde(default)]
    pub es9_credential_files: Vec<CredentialFiles>,
    #[serde(default)]
    pub operators: Vec<OperatorEntry>,
    /// Download order lifetime from DownloadOrder.
    pub order_ttl: Option<OrderTtl>,
    /// The state an expired order leaves its Profile in.
    pub order_expiry_status: Option<ExpiryStatus>,
    /// AuthenticateClient attempts per order (0: unlimited).
    pub max_download_attempts: Option<u32>,
    /// SM-DS addresses ConfirmOrder may name (events registered there over ES12).
    pub smds: Option<Vec<String>>,
    /// Trust anchors for the SM-DSes' TLS certificates.
    pub smds_ca: Option<Vec<PathBuf>>,
    /// Private key signing the audit trail's checkpoints.
    pub audit_key: Option<PathBuf>,
}

impl SmdppFile {
    /// Reads a TOML file.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))
    }

    /// `self` where set, else `base`.
    pub fn over(self, base: SmdppFile) -> SmdppFile {
        SmdppFile {
            listen: self.listen.or(base.listen),
            admin_listen: self.admin_listen.or(base.admin_listen),
            address: self.address.or(base.address),
            database: self.database.or(base.database),
            pki: self.pki.or(base.pki),
            tls_cert: self.tls_cert.or(base.tls_cert),
            tls_key: self.tls_key.or(base.tls_key),
            client_ca: self.client_ca.filter(|v| !v.is_empty()).or(base.client_ca),
            data_key_file: self.data_key_file.or(base.data_key_file),
            log_format: self.log_format.or(base.log_format),
            es2_client_cert: self.es2_client_cert.or(base.es2_client_cert),
            es2_client_key: self.es2_client_key.or(base.es2_client_key),
            operator_ca: self
                .operator_ca
                .filter(|v| !v.is_empty())
                .or(base.operator_ca),
            smds: self.smds.filter(|v| !v.is_empty()).or(base.smds),
            smds_ca: self.smds_ca.filter(|v| !v.is_empty()).or(base.smds_ca),
            audit_key: self.audit_key.or(base.audit_key),
            es9_credentials: self
                .es9_credentials
                .filter(|v| !v.is_empty())
                .or(base.es9_credentials),
            crl: self.crl.filter(|v| !v.is_empty()).or(base.crl),
            es9_credential_files: if self.es9_credential_files.is_empty() {
                base.es9_credential_files
            } else {
                self.es9_credential_files
            },
            operators: if self.operators.is_empty() {
                base.operators
            } else {
                self.operators
            },
            order_ttl: self.order_ttl.or(base.order_ttl),
            order_expiry_status: self.order_expiry_status.or(base.order_expiry_status),
            max_download_attempts: self.max_download_attempts.or(base.max_download_attempts),
        }
    }
}

/// The resolved settings.
#[derive(Debug, Clone)]
pub struct SmdppSettings {
    pub listen: SocketAddr,
    pub admin_listen: SocketAddr,
    pub address: String,
    pub database: String,
    pub tls_cert: PathBuf,
    pub tls_key: PathBuf,
    pub client_ca: Vec<PathBuf>,
    pub data_key_file: PathBuf,
    pub log_format: LogFormat,
    pub es2_client_cert: PathBuf,
    pub es2_client_key: PathBuf,
    pub operator_ca: Vec<PathBuf>,
    /// ES9+ credential directories (ci, dp-auth, dp-pb per CI).
    pub es9_credentials: Vec<PathBuf>,
    /// CRLs checked on eUICC / EUM chains (SGP.22 §4.5.2.2).
    pub crl: Vec<PathBuf>,
    /// ES9+ credential sets given file by file.
    pub es9_credential_files: Vec<CredentialFiles>,
    pub operators: Vec<OperatorEntry>,
    /// Expiry and download attempts of new orders.
    pub orders: OrderPolicy,
    /// SM-DSes ConfirmOrder may name; `None`: any well-formed address.
    pub smds: Option<Vec<String>>,
    /// Trust anchors for the SM-DSes' TLS (default: the client CA files).
    pub smds_ca: Vec<PathBuf>,
    /// Private key signing the audit trail's checkpoints (none: unsigned chain).
    pub audit_key: Option<PathBuf>,
}

impl SmdppSettings {
    /// Fills the defaults: listen 0.0.0.0:8443, admin 127.0.0.1:8081, address
    /// localhost:8443, database `sqlite://rsp-smdpp.db`, PKI `./pki` (`nist/dp-tls.pem`,
    /// `nist/dp-tls.key.pem`, client CA `nist/ci.pem`, ES9+ credentials from `nist/` and
    /// `brainpool/` where present), data key `rsp-smdpp.key`, JSON logs;
    /// the ES2+ client identity defaults to the DPtls pair, Operator server trust to the
    /// client CA files; orders live 30 days, an expired one returns its Profile to
    /// Available, 5 download attempts per order.
    pub fn resolve(f: SmdppFile) -> Self {
        let pki_root = f.pki.unwrap_or_else(|| PathBuf::from("pki"));
        let pki = pki_root.join("nist");
        let es9_credentials = f.es9_credentials.unwrap_or_else(|| {
            ["nist", "brainpool"]
                .iter()
                .map(|c| pki_root.join(c))
                .filter(|d| d.join("dp-auth.pem").exists())
                .collect()
        });
        let tls_cert = f.tls_cert.unwrap_or_else(|| pki.join("dp-tls.pem"));
        let tls_key = f.tls_key.unwrap_or_else(|| pki.join("dp-tls.key.pem"));
        let client_ca = f.client_ca.unwrap_or_else(|| vec![pki.join("ci.pem")]);
        Self {
            listen: f.listen.unwrap_or(SocketAddr::from(([0, 0, 0, 0], 8443))),
            admin_listen: f
                .admin_listen
                .unwrap_or(SocketAddr::from(([127, 0, 0, 1], 8081))),
            address: f.address.unwrap_or_else(|| "localhost:8443".into()),
            database: f.database.unwrap_or_else(|| "sqlite://rsp-smdpp.db".into()),
            es2_client_cert: f.es2_client_cert.unwrap_or_else(|| tls_cert.clone()),
            es2_client_key: f.es2_client_key.unwrap_or_else(|| tls_key.clone()),
            operator_ca: f.operator_ca.unwrap_or_else(|| client_ca.clone()),
            smds: f.smds.filter(|v| !v.is_empty()),
            smds_ca: f.smds_ca.unwrap_or_else(|| client_ca.clone()),
            audit_key: f.audit_key,
            tls_cert,
            tls_key,
            client_ca,
            data_key_file: f
                .data_key_file
                .unwrap_or_else(|| PathBuf::from("rsp-smdpp.key")),
            log_format: f.log_format.unwrap_or_default(),
            es9_credentials,
            crl: f.crl.unwrap_or_default(),
            es9_credential_files: f.es9_credential_files,
            operators: f.operators,
            orders: super::orders::policy(
                f.order_ttl,
                f.order_expiry_status,
                f.max_download_attempts,
            ),
        }
    }

    /// `CN → OperatorId` when Operators are listed.
    pub fn operator_table(&self) -> HashMap<String, String> {
        self.operators
            .iter()
            .map(|o| (o.cn.clone().unwrap_or_else(|| o.id.clone()), o.id.clone()))
            .collect()
    }

    /// `OperatorId → notification URL`.
    pub fn notification_urls(&self) -> HashMap<String, String> {
        self.operators
            .iter()
            .filter_map(|o| Some((o.id.clone(), o.notification_url.clone()?)))
            .collect()
    }

    /// The database URL, with `mode=rwc` added to a SQLite URL so the file is created.
    pub fn database_url(&self) -> String {
        super::database_url(&self.database)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn command_line_over_file_over_defaults() {
        let file: SmdppFile = toml::from_str(
            r#"
            listen = "127.0.0.1:9443"
            address = "file.example"
            pki = "/etc/pki"
            order-ttl = "12h"
            max-download-attempts = 2
            [[operators]]
            id = "op-1"
            cn = "Test Operator"
            notification-url = "https://bss.example"
            [[es9-credential-files]]
            ci = "/gsma/CERT_CI_ECDSA_NIST.der"
            dp-auth = "/gsma/CERT_S_SM_DPauth_ECDSA_NIST.der"
            dp-auth-key = "/gsma/SK_S_SM_DPauth_ECDSA_NIST.pem"
            dp-pb = "/gsma/CERT_S_SM_DPpb_ECDSA_NIST.der"
            dp-pb-key = "/gsma/SK_S_SM_DPpb_ECDSA_NIST.pem"
            "#,
        )
        .unwrap();
        let cli = SmdppFile {
            address: Some("cli.example".into()),
            ..SmdppFile::default()
        };
        let s = SmdppSettings::resolve(cli.over(file));
        assert_eq!(s.listen.to_string(), "127.0.0.1:9443");
        assert_eq!(s.admin_listen.to_string(), "127.0.0.1:8081");
        assert_eq!(s.address, "cli.example");
        assert_eq!(s.tls_cert, PathBuf::from("/etc/pki/nist/dp-tls.pem"));
        assert_eq!(s.client_ca, vec![PathBuf::from("/etc/pki/nist/ci.pem")]);
        assert_eq!(s.database_url(), "sqlite://rsp-smdpp.db?mode=rwc");
        let full = SmdppSettings {
            database: "sqlite://x.db?synchronous=full".into(),
            ..s.clone()
        };
        assert_eq!(
            full.database_url(),
            "sqlite://x.db?synchronous=full&mode=rwc"
        );
        assert_eq!(s.operator_table()["Test Operator"], "op-1");
        assert_eq!(s.notification_urls()["op-1"], "https://bss.example");
        assert_eq!(s.es9_credential_files.len(), 1);
        assert_eq!(
            s.es9_credential_files[0].dp_pb_key,
            PathBuf::from("/gsma/SK_S_SM_DPpb_ECDSA_NIST.pem")
        );
        assert!(toml::from_str::<SmdppFile>("bogus = 1").is_err());
        assert!(toml::from_str::<SmdppFile>("order-ttl = \"3w\"").is_err());
        assert_eq!(s.orders.ttl, Some(std::time::Duration::from_secs(43_200)));
        assert_eq!(s.orders.max_download_attempts, 2);
        assert_eq!(
            s.orders.on_expiry,
            rsp_codec::json::es2plus::FinalProfileStatusIndicator::Available
        );
    }
}
