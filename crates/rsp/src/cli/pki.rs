//! `rsp pki …`: write a GSMA-profile test PKI, issue certificates and CRLs under an
//! existing CI, verify chains with the GSMA rules (SGP.22 §4.5.2).

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use rsp_crypto::{Curve, SoftwareKey};
use rsp_pki::{Cert, Crl, Role, TestPki, TestPkiOptions, TrustStore};
use std::path::{Path, PathBuf};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

#[derive(Debug, Subcommand)]
pub enum PkiCommand {
    /// Write a complete GSMA-profile test PKI for NIST P-256 and brainpoolP256r1.
    ///
    /// Writes DIR/nist/ and DIR/brainpool/, each with ci, eum, euicc, dp-auth, dp-pb,
    /// dp-tls, ds-auth, ds-tls, eim and mno certificates (<name>.pem) and their PKCS#8
    /// private keys (<name>.key.pem, mode 0600). Every certificate is signed by the CI,
    /// except the eUICC, signed by the EUM (whose name constraints carry the EID prefix).
    Init(InitArgs),
    /// Validate a certificate chain with the GSMA rules and explain any failure in one line.
    ///
    /// Checks signatures, validity at the instant, key usage, basic constraints, role
    /// policy, key identifiers, issuer names, the EID and the EUM's EID prefix, and CRLs.
    Verify(VerifyArgs),
    /// Issue a new certificate (and key) under an existing CA, e.g. a fresh DPtls under
    /// the SGP.26 CI, or an eUICC under an EUM.
    Issue(IssueArgs),
    /// Issue a CRL signed by a CA, revoking the given certificates.
    Crl(CrlArgs),
    /// Write a certificate signing request (PKCS#10) for a GSMA role certificate, to send
    /// to a Certificate Issuer: the subject, the key (generated, or --key), and the role's
    /// extensions (key usage, EKU for TLS, GSMA role policy, subjectAltName dNSName for TLS
    /// or registeredID for the SM-DP+/SM-DS OID, basic constraints for CAs). Check what
    /// comes back with `rsp pki verify --key`.
    Csr(CsrArgs),
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Output directory (nist/ and brainpool/ are created below it).
    #[arg(long)]
    out: PathBuf,
    /// SM-DP+ host name for the DPtls certificate (CN and dNSName).
    #[arg(long, default_value = "localhost")]
    smdp_host: String,
    /// SM-DS host name for the DStls certificate (CN and dNSName).
    #[arg(long, default_value = "localhost")]
    smds_host: String,
    /// EID of the test eUICC (32 digits, valid check digits); its first 8 digits
    /// become the EUM's permitted EID prefix.
    #[arg(long, default_value = rsp_pki::DEFAULT_EID)]
    eid: String,
    /// Overwrite existing files.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Trusted CI certificate (PEM or DER); may be repeated.
    #[arg(long = "ca", required = true)]
    ca: Vec<PathBuf>,
    /// Intermediate certificate (EUM or sub-CA); may be repeated.
    #[arg(long = "intermediate")]
    intermediates: Vec<PathBuf>,
    /// CRL (PEM or DER) of the CI or an intermediate; may be repeated.
    #[arg(long = "crl")]
    crls: Vec<PathBuf>,
    /// Instant of the check, RFC 3339 (default: now).
    #[arg(long)]
    at: Option<String>,
    /// Expected role: ci, eum, euicc, dp-auth, dp-pb, dp-tls, ds-auth, ds-tls, eim, mno,
    /// sub-ca (default: from the leaf's GSMA role policy).
    #[arg(long)]
    role: Option<Role>,
    /// Expected EID of an eUICC certificate.
    #[arg(long)]
    eid: Option<String>,
    /// The private key (PEM, or a `pkcs11:` URI) the certificate must certify, e.g. the one
    /// a CSR was made with.
    #[arg(long)]
    key: Option<PathBuf>,
    /// The certificate to validate (PEM or DER).
    leaf: PathBuf,
}

#[derive(Debug, Args)]
pub struct CsrArgs {
    /// Role of the requested certificate: dp-auth, dp-pb, dp-tls, ds-auth, ds-tls, eim,
    /// mno, eum, euicc, sub-ca.
    #[arg(long)]
    role: Role,
    /// Subject DN, RFC 4514 (e.g. `CN=smdp.example.com,O=Example Operator,C=FR`).
    #[arg(long)]
    subject: String,
    /// dNSName of a TLS certificate (dp-tls, ds-tls); repeatable [default: the subject CN].
    #[arg(long = "dns")]
    dns: Vec<String>,
    /// The entity's OID for subjectAltName registeredID (dp-auth, dp-pb, ds-auth: the SM-DP+
    /// or SM-DS OID the GSMA assigned), dotted.
    #[arg(long)]
    registered_id: Option<String>,
    /// Existing private key (PEM) to request a certificate for [default: a new key on
    /// --curve, written next to --out as NAME.key.pem, mode 0600]. A `pkcs11:` URI
    /// (docs/hsm.md) names a token key: used if it exists, else generated in the token on
    /// --curve (sensitive, not extractable); the CSR is signed in the token.
    #[arg(long)]
    key: Option<PathBuf>,
    /// Curve of a new key: nist or brainpool.
    #[arg(long, default_value = "nist", value_parser = ["nist", "brainpool"])]
    curve: String,
    /// Output name: writes NAME.csr (PEM) and, for a new key, NAME.key.pem.
    #[arg(long)]
    out: PathBuf,
    /// Overwrite existing files.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
pub struct IssueArgs {
    /// Certificate of the issuing CA (the CI; an EUM for --role euicc).
    #[arg(long)]
    ca_cert: PathBuf,
    /// Private key of the issuing CA (PKCS#8 or SEC1 PEM, or a `pkcs11:` URI).
    #[arg(long)]
    ca_key: PathBuf,
    /// Role of the new certificate: eum, euicc, dp-auth, dp-pb, dp-tls, ds-auth,
    /// ds-tls, eim, mno, sub-ca.
    #[arg(long)]
    role: Role,
    /// Output name: writes NAME.pem and NAME.key.pem (NAME.pem only with --csr).
    #[arg(long)]
    out: PathBuf,
    /// Issue for the key and subject of this certificate signing request (PEM or DER,
    /// e.g. from `rsp pki csr`; its signature is checked) instead of a new key. The
    /// extensions follow --role, as for a new key; TLS dNSNames and the registeredID are
    /// taken from the request.
    #[arg(long)]
    csr: Option<PathBuf>,
    /// Host name for TLS certificates (CN and dNSName).
    #[arg(long, default_value = "localhost")]
    host: String,
    /// EID for --role euicc (or the EID prefix source for --role eum).
    #[arg(long, default_value = rsp_pki::DEFAULT_EID)]
    eid: String,
    /// Validity in days (default: the role's profile).
    #[arg(long, value_parser = clap::value_parser!(i64).range(1..=36500))]
    days: Option<i64>,
    /// Overwrite existing files.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
pub struct CrlArgs {
    /// Certificate of the CA issuing the CRL (needs cRLSign).
    #[arg(long)]
    ca_cert: PathBuf,
    /// Private key of that CA.
    #[arg(long)]
    ca_key: PathBuf,
    /// Certificate to list as revoked; may be repeated.
    #[arg(long = "revoke")]
    revoke: Vec<PathBuf>,
    /// CRL number.
    #[arg(long, default_value_t = 1)]
    number: u64,
    /// Days until nextUpdate.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(i64).range(1..=3650))]
    days: i64,
    /// Output file (PEM).
    #[arg(long)]
    out: PathBuf,
}

pub fn run(cmd: PkiCommand) -> anyhow::Result<()> {
    match cmd {
        PkiCommand::Init(a) => init(a),
        PkiCommand::Verify(a) => verify(a),
        PkiCommand::Issue(a) => issue(a),
        PkiCommand::Crl(a) => crl(a),
        PkiCommand::Csr(a) => csr(a),
    }
}

fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("reading {}", path.display()))
}

fn load_cert(path: &Path) -> anyhow::Result<Cert> {
    Cert::from_bytes(&read(path)?).with_context(|| path.display().to_string())
}

/// A private key: a PEM file, or a token key by `pkcs11:` URI (docs/hsm.md).
fn load_key(path: &Path) -> anyhow::Result<rsp_hsm::AnyKey> {
    Ok(rsp_hsm::load_key(path)?)
}

/// The key of `rsp pki csr --key pkcs11:…`: the token's key if the URI names one, else a
/// new key pair generated in the token on `curve` (sensitive, not extractable).
fn token_key(uri: &str, curve: Curve) -> anyhow::Result<(rsp_hsm::AnyKey, bool)> {
    let uri = rsp_hsm::Pkcs11Uri::parse(uri)?;
    match rsp_hsm::HsmKey::open(&uri) {
        Ok(k) => Ok((rsp_hsm::AnyKey::Hsm(k), false)),
        Err(rsp_hsm::HsmError::NoObject(_)) => {
            let k = rsp_hsm::generate_ec_key(&uri, curve)?;
            Ok((rsp_hsm::AnyKey::Hsm(k), true))
        }
        Err(e) => Err(e.into()),
    }
}

fn init(a: InitArgs) -> anyhow::Result<()> {
    rsp_pki::validate_eid(&a.eid).with_context(|| format!("--eid {}", a.eid))?;
    let opts = TestPkiOptions {
        smdp_host: a.smdp_host,
        smds_host: a.smds_host,
        eid: a.eid,
        ..TestPkiOptions::default()
    };
    for curve in [Curve::NistP256, Curve::BrainpoolP256r1] {
        let pki = TestPki::generate(curve, &opts)?;
        let dir = a.out.join(curve.name());
        pki.write_to(&dir, a.force)
            .with_context(|| format!("writing {}", dir.display()))?;
        let ci = pki
            .get(Role::Ci)
            .map(|i| hex::encode_upper(i.cert.subject_key_id().unwrap_or(&[])));
        println!(
            "{}: {} certificates, CI key id {}",
            dir.display(),
            pki.issued.len(),
            ci.unwrap_or_default()
        );
    }
    Ok(())
}

fn verify(a: VerifyArgs) -> anyhow::Result<()> {
    let mut store = TrustStore::new();
    for p in &a.ca {
        for c in Cert::all_from_bytes(&read(p)?).with_context(|| p.display().to_string())? {
            store.add_ci(c);
        }
    }
    for p in &a.crls {
        store.add_crl(Crl::from_bytes(&read(p)?).with_context(|| p.display().to_string())?);
    }
    let mut inter = Vec::new();
    for p in &a.intermediates {
        inter.extend(Cert::all_from_bytes(&read(p)?).with_context(|| p.display().to_string())?);
    }
    let leaf = load_cert(&a.leaf)?;
    let at = match &a.at {
        Some(s) => OffsetDateTime::parse(s, &Rfc3339).with_context(|| format!("--at {s}"))?,
        None => OffsetDateTime::now_utc(),
    };
    let role = match a.role {
        Some(r) => r,
        None => leaf
            .extensions()
            .policies
            .iter()
            .flatten()
            .find_map(Role::from_policy)
            .context("the certificate carries no GSMA role policy: give --role")?,
    };
    let chain = store.validate(&leaf, &inter, role, at)?;
    if let Some(eid) = &a.eid {
        chain.expect_eid(eid)?;
    }
    if let Some(path) = &a.key {
        if load_key(path)?.public_key() != leaf.public_key() {
            bail!(
                "the certificate does not certify the key in {} (another public key)",
                path.display()
            );
        }
        println!(
            "OK: the certificate certifies the key in {}",
            path.display()
        );
    }
    let eid = chain
        .eid
        .as_deref()
        .map(|e| format!(", EID {e}"))
        .unwrap_or_default();
    println!(
        "OK: {} certificate [{}] chains to CI [{}] (key id {}){eid}",
        role.label(),
        chain.leaf.subject_string(),
        chain.ci.subject_string(),
        hex::encode_upper(chain.ci_key_id()),
    );
    Ok(())
}

fn refuse_overwrite(paths: &[&Path], force: bool) -> anyhow::Result<()> {
    for p in paths {
        if !force && p.exists() {
            bail!("{} exists (use --force to overwrite)", p.display());
        }
    }
    Ok(())
}

fn issue(a: IssueArgs) -> anyhow::Result<()> {
    if a.role == Role::Ci {
        bail!("--role ci: a CI is self-signed; use `rsp pki init`");
    }
    let ca = load_cert(&a.ca_cert)?;
    let ca_key = load_key(&a.ca_key)?;
    let out = a.out.to_string_lossy();
    let out = out.strip_suffix(".pem").unwrap_or(&out);
    let cert_path = PathBuf::from(format!("{out}.pem"));
    let key_path = PathBuf::from(format!("{out}.key.pem"));
    if let Some(csr_path) = &a.csr {
        refuse_overwrite(&[&cert_path], a.force)?;
        let request = rsp_pki::Csr::from_bytes(&read(csr_path)?)
            .with_context(|| csr_path.display().to_string())?;
        let mut req = rsp_pki::CertRequest::new(
            a.role,
            rsp_pki::parse_name(&request.subject())?,
            request.public_key()?,
            OffsetDateTime::now_utc() - Duration::minutes(5),
        );
        (req.dns_names, req.registered_id) = request.san();
        if let Some(days) = a.days {
            req.not_after = Some(req.not_before + Duration::days(days));
        }
        let cert = rsp_pki::issue(&req, Some(&ca), &ca_key)?;
        std::fs::write(&cert_path, cert.to_pem())
            .with_context(|| format!("writing {}", cert_path.display()))?;
        println!(
            "{}: {} certificate [{}] issued by [{}] for the key of {}",
            cert_path.display(),
            a.role.label(),
            cert.subject_string(),
            ca.subject_string(),
            csr_path.display()
        );
        return Ok(());
    }
    refuse_overwrite(&[&cert_path, &key_path], a.force)?;
    rsp_pki::validate_eid(&a.eid).with_context(|| format!("--eid {}", a.eid))?;
    let key = SoftwareKey::generate(ca.public_key().curve())?;
    let opts = TestPkiOptions {
        smdp_host: a.host.clone(),
        smds_host: a.host,
        eid: a.eid.clone(),
        ..TestPkiOptions::default()
    };
    let mut req = rsp_pki::request_for(a.role, &key, &opts)?;
    if a.role == Role::Euicc {
        let org = ca
            .subject_organization()
            .context("the issuing EUM certificate has no organizationName")?;
        req.subject = rsp_pki::parse_name(&rsp_pki::euicc_subject(&a.eid, &org))?;
    }
    if let Some(days) = a.days {
        req.not_after = Some(req.not_before + Duration::days(days));
    }
    let cert = rsp_pki::issue(&req, Some(&ca), &ca_key)?;
    std::fs::write(&cert_path, cert.to_pem())
        .with_context(|| format!("writing {}", cert_path.display()))?;
    rsp_pki::write_secret(&key_path, key.to_pkcs8_pem().as_bytes())
        .with_context(|| format!("writing {}", key_path.display()))?;
    println!(
        "{}: {} certificate [{}] issued by [{}]",
        cert_path.display(),
        a.role.label(),
        cert.subject_string(),
        ca.subject_string()
    );
    Ok(())
}

fn csr(a: CsrArgs) -> anyhow::Result<()> {
    if a.role == Role::Ci {
        bail!("--role ci: a CI is self-signed; it is not requested from anyone");
    }
    let needs_oid = matches!(a.role, Role::DpAuth | Role::DpPb | Role::DsAuth);
    if needs_oid && a.registered_id.is_none() {
        bail!(
            "--role {}: give --registered-id (the entity's OID, SGP.22 §4.5.2.1)",
            a.role.label()
        );
    }
    let out = a.out.to_string_lossy();
    let out = out.strip_suffix(".csr").unwrap_or(&out);
    let csr_path = PathBuf::from(format!("{out}.csr"));
    let key_path = PathBuf::from(format!("{out}.key.pem"));
    let curve = if a.curve == "brainpool" {
        Curve::BrainpoolP256r1
    } else {
        Curve::NistP256
    };
    let token_uri = a
        .key
        .as_ref()
        .map(|p| p.to_string_lossy().into_owned())
        .filter(|p| rsp_hsm::is_pkcs11_uri(p));
    let mut paths = vec![csr_path.as_path()];
    if a.key.is_none() {
        paths.push(&key_path);
    }
    refuse_overwrite(&paths, a.force)?;
    // (key, written to NAME.key.pem, generated in the token)
    let (key, new_key, new_in_token) = match (&a.key, token_uri) {
        (_, Some(uri)) => {
            let (k, generated) = token_key(&uri, curve)?;
            (k, false, generated)
        }
        (Some(path), None) => (load_key(path)?, false, false),
        (None, None) => (
            rsp_hsm::AnyKey::Software(SoftwareKey::generate(curve)?),
            true,
            false,
        ),
    };
    let subject = rsp_pki::parse_name(&a.subject).with_context(|| {
        format!(
            "--subject {:?}: not an RFC 4514 DN (escape , + = \" < > ; and \\ with a backslash)",
            a.subject
        )
    })?;
    let mut req = rsp_pki::CertRequest::new(
        a.role,
        subject.clone(),
        key.public_key().clone(),
        OffsetDateTime::now_utc(),
    );
    req.registered_id = a.registered_id.clone();
    if a.role.is_tls_server() {
        req.dns_names = if a.dns.is_empty() {
            vec![common_name(&a.subject).context("--dns: the subject has no CN to default to")?]
        } else {
            a.dns.clone()
        };
    }
    let request = rsp_pki::csr(&req, &key)?;
    std::fs::write(&csr_path, request.to_pem())
        .with_context(|| format!("writing {}", csr_path.display()))?;
    if let (true, rsp_hsm::AnyKey::Software(k)) = (new_key, &key) {
        rsp_pki::write_secret(&key_path, k.to_pkcs8_pem().as_bytes())
            .with_context(|| format!("writing {}", key_path.display()))?;
    }
    println!(
        "{}: {} certificate request for [{}]{}",
        csr_path.display(),
        a.role.label(),
        request.subject(),
        if new_key {
            format!(", new key in {}", key_path.display())
        } else if new_in_token {
            ", new key generated in the token".to_owned()
        } else {
            String::new()
        }
    );
    Ok(())
}

/// The CN value of an RFC 4514 DN string, if any.
fn common_name(dn: &str) -> Option<String> {
    dn.split(',')
        .filter_map(|part| part.trim().split_once('='))
        .find(|(k, _)| k.eq_ignore_ascii_case("CN"))
        .map(|(_, v)| v.trim().to_owned())
}

fn crl(a: CrlArgs) -> anyhow::Result<()> {
    let ca = load_cert(&a.ca_cert)?;
    let ca_key = load_key(&a.ca_key)?;
    let revoked = a
        .revoke
        .iter()
        .map(|p| load_cert(p))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let now = OffsetDateTime::now_utc() - Duration::minutes(5);
    let refs: Vec<&Cert> = revoked.iter().collect();
    let list = rsp_pki::issue_crl(
        &ca,
        &ca_key,
        a.number,
        &refs,
        now,
        now + Duration::days(a.days),
    )?;
    std::fs::write(&a.out, list.to_pem())
        .with_context(|| format!("writing {}", a.out.display()))?;
    println!(
        "{}: CRL of [{}] listing {} certificate(s)",
        a.out.display(),
        ca.subject_string(),
        refs.len()
    );
    Ok(())
}
