//! A complete GSMA-profile test PKI for one curve: CI, EUM, eUICC, DPauth, DPpb,
//! DPtls, DSauth, DStls, eIM and operator (ES2+ client) certificates with fresh keys.
//! Every leaf is signed by the CI, except the eUICC, signed by the EUM.

use crate::error::PkiError;
use crate::issue::{CertRequest, escape_dn_value as esc, issue, parse_name};
use crate::parse::Cert;
use crate::role::Role;
use rsp_crypto::{Curve, Signer, SoftwareKey};
use std::fmt;
use std::io::Write;
use std::path::Path;
use time::{Duration, OffsetDateTime};

/// Default EID of the test eUICC (valid check digits; prefix 89049032 as in SGP.26).
pub const DEFAULT_EID: &str = "89049032000000000000000000000163";
/// Length of the EID prefix the EUM is constrained to (EUM identifier, SGP.29).
pub const EID_PREFIX_LEN: usize = 8;

/// The roles `rsp pki init` writes, in order.
pub const TEST_PKI_ROLES: [Role; 10] = [
    Role::Ci,
    Role::Eum,
    Role::Euicc,
    Role::DpAuth,
    Role::DpPb,
    Role::DpTls,
    Role::DsAuth,
    Role::DsTls,
    Role::Eim,
    Role::Mno,
];

/// What varies between test PKIs.
#[derive(Clone, Debug)]
pub struct TestPkiOptions {
    /// SM-DP+ host name (DPtls subject CN and dNSName).
    pub smdp_host: String,
    /// SM-DS host name (DStls subject CN and dNSName).
    pub smds_host: String,
    /// EID of the test eUICC; its first 8 digits become the EUM's EID prefix.
    pub eid: String,
    /// Start of validity of every certificate.
    pub not_before: OffsetDateTime,
}

impl Default for TestPkiOptions {
    fn default() -> Self {
        TestPkiOptions {
            smdp_host: "localhost".into(),
            smds_host: "localhost".into(),
            eid: DEFAULT_EID.into(),
            not_before: OffsetDateTime::now_utc() - Duration::hours(1),
        }
    }
}

/// One issued certificate with its private key.
pub struct Issued {
    /// Role of the certificate.
    pub role: Role,
    /// The certificate.
    pub cert: Cert,
    /// Its private key.
    pub key: SoftwareKey,
}

impl fmt::Debug for Issued {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Issued")
            .field("role", &self.role)
            .field("subject", &self.cert.subject_string())
            .finish_non_exhaustive()
    }
}

/// A test PKI for one curve.
#[derive(Debug)]
pub struct TestPki {
    /// The curve of every key.
    pub curve: Curve,
    /// The certificates, in [`TEST_PKI_ROLES`] order.
    pub issued: Vec<Issued>,
}

/// Subject, lifetime and subjectAltName OID per role (SGP.26 naming style).
fn profile_of(role: Role, opts: &TestPkiOptions) -> (String, Option<i64>, Option<&'static str>) {
    let years = |y: i64| Some(y * 365);
    match role {
        Role::Ci => (
            "C=IT,O=RSPTEST,OU=TESTCERT,CN=RSP Test CI".into(),
            years(30),
            Some("2.999.1"),
        ),
        Role::Eum => (
            "CN=RSP Test EUM,O=RSP Test EUM,C=ES".into(),
            years(30),
            Some("2.999.5"),
        ),
        Role::Euicc => (euicc_subject(&opts.eid, "RSP Test EUM"), None, None),
        Role::DpAuth | Role::DpPb => (
            r"CN=TEST SM-DP\+,O=RSPTEST".into(),
            years(5),
            Some("2.999.10"),
        ),
        Role::DpTls => (
            format!("CN={},O=RSPTEST", esc(&opts.smdp_host)),
            Some(365),
            Some("2.999.10"),
        ),
        Role::DsAuth => ("CN=TEST SM-DS,O=RSPTEST".into(), years(5), Some("2.999.15")),
        Role::DsTls => (
            format!("CN={},O=RSPTEST", esc(&opts.smds_host)),
            Some(365),
            Some("2.999.15"),
        ),
        Role::Eim => ("CN=Test eIM,O=RSPTEST".into(), years(5), None),
        Role::Mno => ("CN=Test Operator,O=RSPTEST".into(), years(5), None),
        Role::SubCa => ("CN=RSP Test Sub-CA,O=RSPTEST".into(), years(10), None),
    }
}

/// The subject DN (RFC 4514) of a test eUICC certificate: the EID in `serialNumber`
/// and the EUM's organization, as SGP.26 does.
pub fn euicc_subject(eid: &str, eum_org: &str) -> String {
    format!(
        "CN=Test eUICC,serialNumber={},O={},C=ES",
        esc(eid),
        esc(eum_org)
    )
}

/// The request `rsp pki init` and `rsp pki issue` use for `role`.
pub fn request_for(
    role: Role,
    key: &SoftwareKey,
    opts: &TestPkiOptions,
) -> Result<CertRequest, PkiError> {
    let (subject, days, rid) = profile_of(role, opts);
    let mut req = CertRequest::new(
        role,
        parse_name(&subject)?,
        key.public_key().clone(),
        opts.not_before,
    );
    req.not_after = days.map(|d| opts.not_before + Duration::days(d));
    req.registered_id = rid.map(str::to_owned);
    match role {
        Role::DpTls => req.dns_names = vec![opts.smdp_host.clone()],
        Role::DsTls => req.dns_names = vec![opts.smds_host.clone()],
        Role::Eum => {
            let prefix = opts
                .eid
                .get(..EID_PREFIX_LEN)
                .unwrap_or(&opts.eid)
                .to_owned();
            req.eum_range = Some(("RSP Test EUM".into(), prefix));
        }
        _ => {}
    }
    if !matches!(role, Role::Euicc | Role::Eim | Role::Mno) {
        req.crl_urls = vec!["http://ci.rsp-test.invalid/ci.crl".into()];
    }
    Ok(req)
}

impl TestPki {
    /// Generate keys and certificates for every role of [`TEST_PKI_ROLES`].
    pub fn generate(curve: Curve, opts: &TestPkiOptions) -> Result<Self, PkiError> {
        crate::eid::validate_eid(&opts.eid).map_err(|e| PkiError::Issue {
            what: "test PKI".into(),
            reason: format!("EID {} {e}", opts.eid),
        })?;
        let keygen = |role: Role| {
            SoftwareKey::generate(curve).map_err(|e| PkiError::Issue {
                what: format!("{} key", role.label()),
                reason: e.to_string(),
            })
        };
        let ci_key = keygen(Role::Ci)?;
        let ci = issue(&request_for(Role::Ci, &ci_key, opts)?, None, &ci_key)?;
        let eum_key = keygen(Role::Eum)?;
        let eum = issue(&request_for(Role::Eum, &eum_key, opts)?, Some(&ci), &ci_key)?;
        let mut issued = Vec::new();
        for role in TEST_PKI_ROLES.into_iter().skip(2) {
            let key = keygen(role)?;
            let req = request_for(role, &key, opts)?;
            let cert = if role == Role::Euicc {
                issue(&req, Some(&eum), &eum_key)?
            } else {
                issue(&req, Some(&ci), &ci_key)?
            };
            issued.push(Issued { role, cert, key });
        }
        issued.insert(
            0,
            Issued {
                role: Role::Eum,
                cert: eum,
                key: eum_key,
            },
        );
        issued.insert(
            0,
            Issued {
                role: Role::Ci,
                cert: ci,
                key: ci_key,
            },
        );
        Ok(TestPki { curve, issued })
    }

    /// The certificate and key of `role`.
    pub fn get(&self, role: Role) -> Option<&Issued> {
        self.issued.iter().find(|i| i.role == role)
    }

    /// Write `<role>.pem` and `<role>.key.pem` (PKCS#8, mode 0600) into `dir`.
    /// Existing files are an error unless `force`.
    pub fn write_to(&self, dir: &Path, force: bool) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        if !force {
            for i in &self.issued {
                for name in file_names(i.role) {
                    let p = dir.join(name);
                    if p.exists() {
                        return Err(std::io::Error::new(
                            std::io::ErrorKind::AlreadyExists,
                            format!("{} exists (use --force to overwrite)", p.display()),
                        ));
                    }
                }
            }
        }
        for i in &self.issued {
            let [cert_name, key_name] = file_names(i.role);
            std::fs::write(dir.join(cert_name), i.cert.to_pem())?;
            write_secret(&dir.join(key_name), i.key.to_pkcs8_pem().as_bytes())?;
        }
        Ok(())
    }
}

/// `<role>.pem` and `<role>.key.pem`.
pub fn file_names(role: Role) -> [String; 2] {
    [
        format!("{}.pem", role.name()),
        format!("{}.key.pem", role.name()),
    ]
}

/// Write a private key file readable by the owner only.
pub fn write_secret(path: &Path, data: &[u8]) -> std::io::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        opts.mode(0o600);
        let mut f = opts.open(path)?;
        // An existing file keeps its mode on open: tighten it.
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        f.write_all(data)
    }
    #[cfg(not(unix))]
    {
        opts.open(path)?.write_all(data)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn default_eid_is_valid() {
        assert_eq!(crate::eid::validate_eid(DEFAULT_EID), Ok(()));
    }
}
