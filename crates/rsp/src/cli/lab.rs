//! Shared setup of the self-contained lab commands (`rsp quickstart`, `rsp bench`): test
//! PKI on both curves, data key, inventory import through the admin API, orders over ES2+.

use std::path::Path;

use anyhow::{Context, bail};
use base64::Engine as _;
use rsp_codec::json::Iccid;
use rsp_crypto::Curve;
use rsp_http::es2plus_client::ClientTls;
use rsp_http::es2plus_operator::Es2PlusOperatorClient;
use rsp_pki::{TestPki, TestPkiOptions};

/// The Operator: the subject CN of `mno.pem` written by the test PKI.
pub(crate) const OPERATOR: &str = "Test Operator";

/// Writes a test PKI for NIST P-256 and brainpoolP256r1 (`DIR/nist`, `DIR/brainpool`),
/// with CERT.DPtls for `localhost`.
pub(crate) fn write_test_pki(pki_dir: &Path) -> anyhow::Result<()> {
    let opts = TestPkiOptions {
        smdp_host: "localhost".into(),
        ..TestPkiOptions::default()
    };
    for curve in [Curve::NistP256, Curve::BrainpoolP256r1] {
        TestPki::generate(curve, &opts)?
            .write_to(&pki_dir.join(curve.name()), true)
            .with_context(|| format!("writing {}", pki_dir.display()))?;
    }
    Ok(())
}

/// Writes a fresh data key (64 hex digits, mode 0600) encrypting Profile Packages at rest.
pub(crate) fn write_data_key(path: &Path) -> anyhow::Result<()> {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).map_err(|e| anyhow::anyhow!("random generator: {e}"))?;
    rsp_pki::write_secret(path, (hex::encode(key) + "\n").as_bytes())
        .with_context(|| format!("writing {}", path.display()))
}

/// `body` (18 digits) followed by its Luhn check digit.
pub(crate) fn iccid_with_check(body: &str) -> String {
    format!("{body}{}", rsp_saip::luhn::check_digit(body).unwrap_or(0))
}

/// Descriptive fields of an imported batch.
pub(crate) struct Batch<'a> {
    pub profile_type: &'a str,
    pub service_provider_name: &'a str,
    pub profile_name: &'a str,
    /// `iccid,imsi` CSV with its header row.
    pub csv: String,
    /// Template (DER ProfileElements); `None`: the server's generic USIM+ISIM template.
    pub template: Option<&'a [u8]>,
}

/// Imports `batch` (personalised from its template) for [`OPERATOR`] through
/// `POST {admin_url}/admin/v1/batches`.
pub(crate) async fn import_batch(
    http: &reqwest::Client,
    admin_url: &str,
    batch: Batch<'_>,
) -> anyhow::Result<()> {
    let mut body = serde_json::json!({
        "operator": OPERATOR,
        "profileType": batch.profile_type,
        "data": batch.csv,
        "serviceProviderName": batch.service_provider_name,
        "profileName": batch.profile_name,
        "profileClass": "operational",
    });
    if let Some(der) = batch.template {
        body["template"] = base64::engine::general_purpose::STANDARD.encode(der).into();
    }
    let r = http
        .post(format!("{admin_url}/admin/v1/batches"))
        .json(&body)
        .send()
        .await
        .context("admin API")?;
    if !r.status().is_success() {
        let status = r.status();
        bail!(
            "inventory import: HTTP {status}: {}",
            r.text().await.unwrap_or_default()
        );
    }
    Ok(())
}

/// An ES2+ client of [`OPERATOR`] (mutual TLS with `PKI/nist/mno.pem`, trusting
/// `PKI/nist/ci.pem`) for the SM-DP+ at `smdp_address`.
pub(crate) fn es2_client(
    pki_dir: &Path,
    smdp_address: &str,
    requester: &str,
) -> anyhow::Result<Es2PlusOperatorClient> {
    let nist = pki_dir.join("nist");
    let read = |name: &str| {
        let path = nist.join(name);
        std::fs::read(&path).with_context(|| format!("reading {}", path.display()))
    };
    let mut identity = read("mno.key.pem")?;
    identity.extend(read("mno.pem")?);
    Ok(Es2PlusOperatorClient::new(
        format!("https://{smdp_address}"),
        &ClientTls {
            roots_pem: vec![read("ci.pem")?],
            identity_pem: Some(identity),
        },
        requester,
    )?)
}

/// DownloadOrder by Profile Type, ConfirmOrder with release; the `LPA:1$…` code.
pub(crate) async fn order(
    es2: &Es2PlusOperatorClient,
    smdp_address: &str,
    profile_type: &str,
) -> anyhow::Result<String> {
    let iccid: Iccid = es2
        .download_order(None, None, Some(profile_type.into()))
        .await?;
    let confirmed = es2.confirm_order(iccid, None, None, None, true).await?;
    Ok(format!(
        "LPA:{}",
        rsp_http::admin::activation_code(smdp_address, &confirmed.matching_id, false)
    ))
}
