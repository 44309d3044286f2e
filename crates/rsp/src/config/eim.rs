//! `rsp serve eim` settings: command line (and `RSP_EIM_*` environment) over the optional
//! TOML file over the defaults.
//!
//! ```toml
//! listen = "0.0.0.0:8445"
//! admin-listen = "127.0.0.1:8083"
//! coap-listen = "0.0.0.0:5684"   # ESipa over CoAP/DTLS too (off without it)
//! database = "postgres://rsp@db/rsp"
//! pki = "/etc/rsp/pki"            # `rsp pki init` output: nist/eim.key.pem, nist/ci.pem, …
//! eim-id = "eim.example.com"      # the eimId of new associations
//! log-format = "json"
//!
//! [[tenants]]
//! id = "acme"
//! token-sha256 = "9f86d08188…"     # printf %s "$TOKEN" | sha256sum
//! webhook-url = "https://iot.acme.example/eim-results"
//! ```

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Deserialize;

use super::smdpp::LogFormat;

/// One tenant of the northbound API.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct TenantConfig {
    /// Tenant identifier.
    pub id: String,
    /// SHA-256 of its bearer token, 64 hex digits.
    pub token_sha256: String,
    /// Where results are POSTed (JSON).
    #[serde(default)]
    pub webhook_url: Option<String>,
}

impl TenantConfig {
    /// `ID=SHA256HEX` of `--tenant`.
    pub fn parse_flag(text: &str) -> anyhow::Result<Self> {
        let Some((id, hash)) = text.split_once('=') else {
            bail!("--tenant {text}: expected ID=SHA256HEX");
        };
        Ok(Self {
            id: id.to_owned(),
            token_sha256: hash.to_owned(),
            webhook_url: None,
        })
    }

    /// The token hash as bytes.
    pub fn hash(&self) -> anyhow::Result<[u8; 32]> {
        hex::decode(self.token_sha256.trim())
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .with_context(|| format!("tenant {}: token-sha256 must be 64 hex digits", self.id))
    }
}

/// Every setting, each optional: the file and the command line use this shape.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct EimFile {
    pub listen: Option<SocketAddr>,
    pub admin_listen: Option<SocketAddr>,
    /// ESipa over CoAP/DTLS (UDP); off when absent.
    pub coap_listen: Option<SocketAddr>,
    pub database: Option<String>,
    pub pki: Option<PathBuf>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub eim_id: Option<String>,
    /// eIM signing key on NIST P-256 (PEM).
    pub eim_key_nist: Option<PathBuf>,
    /// eIM signing key on brainpoolP256r1 (PEM).
    pub eim_key_brainpool: Option<PathBuf>,
    /// CI certificates eUICC chains are validated against.
    pub ci: Option<Vec<PathBuf>>,
    /// Trust anchors for the SM-DP+s notifications are forwarded to.
    pub smdp_ca: Option<Vec<PathBuf>>,
    pub log_format: Option<LogFormat>,
    pub tenants: Option<Vec<TenantConfig>>,
    /// Private key signing the audit trail's checkpoints.
    pub audit_key: Option<PathBuf>,
}

impl EimFile {
    /// Reads a TOML file.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))
    }

    /// `self` where set, else `base` (tenants: both lists).
    pub fn over(self, base: EimFile) -> EimFile {
        let list = |a: Option<Vec<PathBuf>>, b| a.filter(|v: &Vec<PathBuf>| !v.is_empty()).or(b);
        let mut tenants = base.tenants.unwrap_or_default();
        tenants.extend(self.tenants.unwrap_or_default());
        EimFile {
            listen: self.listen.or(base.listen),
            admin_listen: self.admin_listen.or(base.admin_listen),
            coap_listen: self.coap_listen.or(base.coap_listen),
            database: self.database.or(base.database),
            pki: self.pki.or(base.pki),
            tls_cert: self.tls_cert.or(base.tls_cert),
            tls_key: self.tls_key.or(base.tls_key),
            eim_id: self.eim_id.or(base.eim_id),
            eim_key_nist: self.eim_key_nist.or(base.eim_key_nist),
            eim_key_brainpool: self.eim_key_brainpool.or(base.eim_key_brainpool),
            ci: list(self.ci, base.ci),
            smdp_ca: list(self.smdp_ca, base.smdp_ca),
            log_format: self.log_format.or(base.log_format),
            tenants: Some(tenants),
            audit_key: self.audit_key.or(base.audit_key),
        }
    }
}

/// The resolved settings.
#[derive(Debug, Clone)]
pub struct EimSettings {
    pub listen: SocketAddr,
    pub admin_listen: SocketAddr,
    /// ESipa over CoAP/DTLS (none: HTTPS only).
    pub coap_listen: Option<SocketAddr>,
    pub database: String,
    pub tls_cert: PathBuf,
    pub tls_key: PathBuf,
    pub eim_id: String,
    pub eim_key_nist: Option<PathBuf>,
    pub eim_key_brainpool: Option<PathBuf>,
    pub ci: Vec<PathBuf>,
    pub smdp_ca: Vec<PathBuf>,
    pub log_format: LogFormat,
    pub tenants: Vec<TenantConfig>,
    /// Private key signing the audit trail's checkpoints (none: unsigned chain).
    pub audit_key: Option<PathBuf>,
}

impl EimSettings {
    /// Fills the defaults: listen 0.0.0.0:8445, admin 127.0.0.1:8083, database
    /// `sqlite://rsp-eim.db`, PKI `./pki` (TLS `nist/dp-tls.pem` — the test PKI's
    /// `localhost` server certificate —, signing keys `nist/eim.key.pem` and
    /// `brainpool/eim.key.pem` where present, CIs `nist/ci.pem` and `brainpool/ci.pem` where
    /// present), eimId `eim.localhost`. Errors: no signing key, no CI, a tenant without a
    /// valid hash or a duplicate tenant id.
    pub fn resolve(f: EimFile) -> anyhow::Result<Self> {
        let pki = f.pki.unwrap_or_else(|| PathBuf::from("pki"));
        let present = |p: PathBuf| p.exists().then_some(p);
        let eim_key_nist = f
            .eim_key_nist
            .or_else(|| present(pki.join("nist/eim.key.pem")));
        let eim_key_brainpool = f
            .eim_key_brainpool
            .or_else(|| present(pki.join("brainpool/eim.key.pem")));
        if eim_key_nist.is_none() && eim_key_brainpool.is_none() {
            bail!("no eIM signing key: give --eim-key-nist / --eim-key-brainpool or --pki");
        }
        let ci = f.ci.unwrap_or_else(|| {
            ["nist/ci.pem", "brainpool/ci.pem"]
                .iter()
                .filter_map(|c| present(pki.join(c)))
                .collect()
        });
        if ci.is_empty() {
            bail!("no CI certificate to validate eUICC chains: give --ci or --pki");
        }
        let tenants = f.tenants.unwrap_or_default();
        let mut ids = std::collections::HashSet::new();
        for t in &tenants {
            t.hash()?;
            if !ids.insert(t.id.clone()) {
                bail!("tenant {} configured twice", t.id);
            }
        }
        Ok(Self {
            listen: f.listen.unwrap_or(SocketAddr::from(([0, 0, 0, 0], 8445))),
            admin_listen: f
                .admin_listen
                .unwrap_or(SocketAddr::from(([127, 0, 0, 1], 8083))),
            coap_listen: f.coap_listen,
            database: f.database.unwrap_or_else(|| "sqlite://rsp-eim.db".into()),
            tls_cert: f.tls_cert.unwrap_or_else(|| pki.join("nist/dp-tls.pem")),
            tls_key: f.tls_key.unwrap_or_else(|| pki.join("nist/dp-tls.key.pem")),
            eim_id: f.eim_id.unwrap_or_else(|| "eim.localhost".into()),
            eim_key_nist,
            eim_key_brainpool,
            smdp_ca: f.smdp_ca.unwrap_or_else(|| ci.clone()),
            ci,
            log_format: f.log_format.unwrap_or_default(),
            tenants,
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
    fn command_line_over_file_and_tenants() {
        let dir = std::env::temp_dir().join(format!("rsp-eim-config-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("nist")).unwrap();
        std::fs::write(dir.join("nist/eim.key.pem"), "x").unwrap();
        std::fs::write(dir.join("nist/ci.pem"), "x").unwrap();
        let file: EimFile = toml::from_str(&format!(
            r#"
            pki = "{}"
            eim-id = "file.example"
            [[tenants]]
            id = "acme"
            token-sha256 = "{}"
            webhook-url = "https://acme.example/hook"
            "#,
            dir.display(),
            "ab".repeat(32)
        ))
        .unwrap();
        let cli = EimFile {
            eim_id: Some("cli.example".into()),
            tenants: Some(vec![
                TenantConfig::parse_flag(&format!("beta={}", "cd".repeat(32))).unwrap(),
            ]),
            ..EimFile::default()
        };
        let s = EimSettings::resolve(cli.over(file)).unwrap();
        assert_eq!(s.eim_id, "cli.example");
        assert_eq!(s.tenants.len(), 2);
        assert_eq!(s.ci, vec![dir.join("nist/ci.pem")]);
        assert_eq!(s.eim_key_brainpool, None);
        assert_eq!(s.listen.port(), 8445);
        let bad = EimFile {
            pki: Some(dir.clone()),
            tenants: Some(vec![TenantConfig::parse_flag("x=12").unwrap()]),
            ..EimFile::default()
        };
        assert!(EimSettings::resolve(bad).is_err());
        assert!(
            EimSettings::resolve(EimFile {
                pki: Some(dir.join("none")),
                ..EimFile::default()
            })
            .is_err()
        );
        assert!(toml::from_str::<EimFile>("unknown = 1").is_err());
        let _ = std::fs::remove_dir_all(dir);
    }
}
