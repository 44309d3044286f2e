//! `rsp serve smds` settings: command line (and `RSP_SMDS_*` environment) over the optional
//! TOML file over the defaults.
//!
//! ```toml
//! listen = "0.0.0.0:8444"
//! admin-listen = "127.0.0.1:8082"
//! address = "smds.example.com"       # compared with smdsAddress, signed in serverSigned1
//! database = "postgres://rsp@db/rsp"
//! pki = "/etc/rsp/pki"               # `rsp pki init` output: nist/ds-tls.pem, nist/ci.pem, …
//! role = "alternative"               # root (default) | alternative
//! root-address = "root-smds.example.com"   # the Root SM-DS (alternative only)
//! log-format = "json"
//! ```

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Deserialize;

use super::smdpp::LogFormat;

/// Root or alternative SM-DS (SGP.22 §2.1, §3.6.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum, Default)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The Root SM-DS: the address configured in eUICCs.
    #[default]
    Root,
    /// An Alternative SM-DS: cascades forwarded events to the Root SM-DS (ES15).
    Alternative,
}

/// Every setting, each optional: the file and the command line use this shape.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SmdsFile {
    pub listen: Option<SocketAddr>,
    pub admin_listen: Option<SocketAddr>,
    pub address: Option<String>,
    pub database: Option<String>,
    pub pki: Option<PathBuf>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub client_ca: Option<Vec<PathBuf>>,
    /// ES11 credential directories (ci.pem, ds-auth.pem, ds-auth.key.pem per CI).
    pub ds_credentials: Option<Vec<PathBuf>>,
    pub crl: Option<Vec<PathBuf>>,
    pub role: Option<Role>,
    pub root_address: Option<String>,
    pub root_ca: Option<Vec<PathBuf>>,
    pub es15_client_cert: Option<PathBuf>,
    pub es15_client_key: Option<PathBuf>,
    pub log_format: Option<LogFormat>,
    /// Private key signing the audit trail's checkpoints.
    pub audit_key: Option<PathBuf>,
}

impl SmdsFile {
    /// Reads a TOML file.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))
    }

    /// `self` where set, else `base`.
    pub fn over(self, base: SmdsFile) -> SmdsFile {
        let list = |a: Option<Vec<PathBuf>>, b| a.filter(|v: &Vec<PathBuf>| !v.is_empty()).or(b);
        SmdsFile {
            listen: self.listen.or(base.listen),
            admin_listen: self.admin_listen.or(base.admin_listen),
            address: self.address.or(base.address),
            database: self.database.or(base.database),
            pki: self.pki.or(base.pki),
            tls_cert: self.tls_cert.or(base.tls_cert),
            tls_key: self.tls_key.or(base.tls_key),
            client_ca: list(self.client_ca, base.client_ca),
            ds_credentials: list(self.ds_credentials, base.ds_credentials),
            crl: list(self.crl, base.crl),
            role: self.role.or(base.role),
            root_address: self.root_address.or(base.root_address),
            root_ca: list(self.root_ca, base.root_ca),
            es15_client_cert: self.es15_client_cert.or(base.es15_client_cert),
            es15_client_key: self.es15_client_key.or(base.es15_client_key),
            log_format: self.log_format.or(base.log_format),
            audit_key: self.audit_key.or(base.audit_key),
        }
    }
}

/// The resolved settings.
#[derive(Debug, Clone)]
pub struct SmdsSettings {
    pub listen: SocketAddr,
    pub admin_listen: SocketAddr,
    pub address: String,
    pub database: String,
    pub tls_cert: PathBuf,
    pub tls_key: PathBuf,
    pub client_ca: Vec<PathBuf>,
    pub ds_credentials: Vec<PathBuf>,
    pub crl: Vec<PathBuf>,
    /// `Some(root address)` on an Alternative SM-DS.
    pub root_address: Option<String>,
    pub root_ca: Vec<PathBuf>,
    pub es15_client_cert: PathBuf,
    pub es15_client_key: PathBuf,
    pub log_format: LogFormat,
    /// Private key signing the audit trail's checkpoints (none: unsigned chain).
    pub audit_key: Option<PathBuf>,
}

impl SmdsSettings {
    /// Fills the defaults: listen 0.0.0.0:8444, admin 127.0.0.1:8082, address
    /// localhost:8444, database `sqlite://rsp-smds.db`, PKI `./pki` (`nist/ds-tls.pem`,
    /// `nist/ds-tls.key.pem`, client CA `nist/ci.pem`, ES11 credentials from `nist/` and
    /// `brainpool/` where present), role root; an alternative SM-DS presents the DStls pair
    /// to the root and trusts the client CA files for it. Errors: an alternative SM-DS
    /// without `root-address`, or a root one with it.
    pub fn resolve(f: SmdsFile) -> anyhow::Result<Self> {
        let pki_root = f.pki.unwrap_or_else(|| PathBuf::from("pki"));
        let pki = pki_root.join("nist");
        let ds_credentials = f.ds_credentials.unwrap_or_else(|| {
            ["nist", "brainpool"]
                .iter()
                .map(|c| pki_root.join(c))
                .filter(|d| d.join("ds-auth.pem").exists())
                .collect()
        });
        let root_address = match (f.role.unwrap_or_default(), f.root_address) {
            (Role::Root, None) => None,
            (Role::Alternative, Some(root)) => Some(root),
            (Role::Root, Some(_)) => bail!("root-address is only for --role alternative"),
            (Role::Alternative, None) => bail!("--role alternative needs --root-address"),
        };
        let tls_cert = f.tls_cert.unwrap_or_else(|| pki.join("ds-tls.pem"));
        let tls_key = f.tls_key.unwrap_or_else(|| pki.join("ds-tls.key.pem"));
        let client_ca = f.client_ca.unwrap_or_else(|| vec![pki.join("ci.pem")]);
        Ok(Self {
            listen: f.listen.unwrap_or(SocketAddr::from(([0, 0, 0, 0], 8444))),
            admin_listen: f
                .admin_listen
                .unwrap_or(SocketAddr::from(([127, 0, 0, 1], 8082))),
            address: f.address.unwrap_or_else(|| "localhost:8444".into()),
            database: f.database.unwrap_or_else(|| "sqlite://rsp-smds.db".into()),
            es15_client_cert: f.es15_client_cert.unwrap_or_else(|| tls_cert.clone()),
            es15_client_key: f.es15_client_key.unwrap_or_else(|| tls_key.clone()),
            root_ca: f.root_ca.unwrap_or_else(|| client_ca.clone()),
            tls_cert,
            tls_key,
            client_ca,
            ds_credentials,
            crl: f.crl.unwrap_or_default(),
            root_address,
            log_format: f.log_format.unwrap_or_default(),
            audit_key: f.audit_key,
        })
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
    fn command_line_over_file_over_defaults_and_roles() {
        let file: SmdsFile = toml::from_str(
            r#"
            address = "file.example"
            pki = "/etc/pki"
            role = "alternative"
            root-address = "root.example"
            "#,
        )
        .unwrap();
        let cli = SmdsFile {
            address: Some("cli.example".into()),
            ..SmdsFile::default()
        };
        let s = SmdsSettings::resolve(cli.over(file)).unwrap();
        assert_eq!(s.address, "cli.example");
        assert_eq!(s.root_address.as_deref(), Some("root.example"));
        assert_eq!(s.tls_cert, PathBuf::from("/etc/pki/nist/ds-tls.pem"));
        assert_eq!(
            s.es15_client_key,
            PathBuf::from("/etc/pki/nist/ds-tls.key.pem")
        );
        assert_eq!(s.root_ca, vec![PathBuf::from("/etc/pki/nist/ci.pem")]);
        assert_eq!(s.listen.port(), 8444);
        assert_eq!(s.database_url(), "sqlite://rsp-smds.db?mode=rwc");

        let alt_without_root = SmdsFile {
            role: Some(Role::Alternative),
            ..SmdsFile::default()
        };
        assert!(SmdsSettings::resolve(alt_without_root).is_err());
        let root_with_root = SmdsFile {
            root_address: Some("x".into()),
            ..SmdsFile::default()
        };
        assert!(SmdsSettings::resolve(root_with_root).is_err());
        assert!(toml::from_str::<SmdsFile>("unknown = 1").is_err());
    }
}
