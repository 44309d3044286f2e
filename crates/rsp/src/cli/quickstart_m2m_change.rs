//! The SM-SR change of `rsp quickstart --m2m` (SGP.02 §3.7: ES4 PrepareSMSRChange and
//! SMSRChange from the Operator, ES7 between the SM-SRs): a second SM-SR on localhost, the
//! eUICC handed over to it with a new ISD-R keyset established through the first and its
//! SM-SR addressing pointed at the new one, then the new SM-SR enabling a Profile (the
//! eUICC's notification reaching it) while the old one no longer knows the eUICC.
//!
//! The test PKI has no SM-SR role: the SM-SRs' TLS client certificates are issued as TLS
//! certificates for `smsr1.localhost` / `smsr2.localhost` (the CN is how peers and SM-DPs
//! know an SM-SR), and CERT.SR.ECDSA is issued by the test CI over the SM-DS
//! authentication certificate's key, as the tests do.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use rsp_codec::ws::envelope::{self, WsHeader};
use rsp_codec::ws::es4::{Es4SmsrChangeMessage, Es4SmsrChangeRequest};
use rsp_codec::ws::{ExecutionStatus, Message, Request};
use rsp_crypto::SoftwareKey;
use rsp_pki::{Cert, Role, TestPkiOptions};

use super::lab::OPERATOR;
use super::quickstart_m2m_smdp::{OperatorInbox, tls_client};

/// The first SM-SR's identifier (its TLS client certificate's CN).
pub(super) const SMSR1_ID: &str = "smsr1.localhost";
/// The second SM-SR's.
pub(super) const SMSR2_ID: &str = "smsr2.localhost";

/// A TLS client identity (PKCS#8 key PEM ‖ certificate PEM) for `host`, issued by the test
/// CI of `nist`.
pub(super) fn tls_identity(nist: &Path, host: &str) -> anyhow::Result<Vec<u8>> {
    let ca = Cert::from_pem(&std::fs::read_to_string(nist.join("ci.pem")).context("ci.pem")?)?;
    let ca_key = rsp_hsm::load_key(&nist.join("ci.key.pem")).context("CI key")?;
    let key = SoftwareKey::generate(ca.public_key().curve())?;
    let opts = TestPkiOptions {
        smdp_host: host.into(),
        smds_host: host.into(),
        ..TestPkiOptions::default()
    };
    let req = rsp_pki::request_for(Role::DpTls, &key, &opts)?;
    let cert = rsp_pki::issue(&req, Some(&ca), &ca_key)?;
    Ok([key.to_pkcs8_pem().as_bytes(), cert.to_pem().as_bytes()].concat())
}

/// CERT.SR.ECDSA with its key: the test CI's GP certificate over `ds-auth`'s key.
pub(super) fn sr_credential(nist: &Path) -> anyhow::Result<rsp_keyest::Credential> {
    let cert =
        Cert::from_pem(&std::fs::read_to_string(nist.join("ds-auth.pem")).context("ds-auth")?)?;
    let key = rsp_hsm::load_key(&nist.join("ds-auth.key.pem")).context("ds-auth key")?;
    let ci_key = rsp_hsm::load_key(&nist.join("ci.key.pem")).context("CI key")?;
    let gp = rsp_keyest::certificate::issue_smsr(&cert, &ci_key)
        .map_err(|e| anyhow::anyhow!("CERT.SR.ECDSA: {e}"))?;
    rsp_keyest::Credential::new(gp, Arc::new(key))
        .map_err(|e| anyhow::anyhow!("CERT.SR.ECDSA: {e}"))
}

/// The ES7 URL of an SM-SR whose web services listen on `ws`.
pub(super) fn es7_url(ws: SocketAddr) -> String {
    format!("https://localhost:{}/gsma/sgp02/es7", ws.port())
}

/// The Operator's ES4 `request` to the SM-SR whose web services listen on `ws`; fails
/// unless it is answered Executed-Success.
pub(super) async fn es4(
    nist: &Path,
    ws: SocketAddr,
    request: Es4SmsrChangeRequest,
) -> anyhow::Result<()> {
    let mut id = [0u8; 16];
    getrandom::fill(&mut id).map_err(|e| anyhow::anyhow!("random generator: {e}"))?;
    let message_id = format!("urn:uuid:{}", hex::encode(id));
    let msg: Es4SmsrChangeMessage = Message::Request(Request {
        function_call_identifier: message_id.clone(),
        validity_period: Some(600),
        body: request,
    });
    let url = format!("https://localhost:{}/gsma/sgp02/es4", ws.port());
    let body = envelope::build(&msg.envelope(WsHeader {
        to: Some(url.clone()),
        from: Some(OPERATOR.into()),
        reply_to: None,
        message_id,
        action: String::new(),
        relates_to: None,
    }));
    let text = tls_client(nist, "mno")?
        .post(&url)
        .header("content-type", "application/soap+xml; charset=utf-8")
        .body(body)
        .send()
        .await
        .context("ES4")?
        .text()
        .await?;
    let answer = envelope::parse(&text)
        .ok()
        .and_then(|e| Es4SmsrChangeMessage::from_envelope(&e).ok());
    match answer {
        Some(Message::Response(r)) if r.status.status == ExecutionStatus::Success => Ok(()),
        _ => bail!("ES4 refused: {text}"),
    }
}

/// Waits until the SM-SR admin API at `base` answers `GET /smsr/v1/euiccs/{eid}` with
/// `want` (200 or 404).
pub(super) async fn wait_eis(
    http: &reqwest::Client,
    base: &str,
    eid: &str,
    want: u16,
) -> anyhow::Result<()> {
    let start = Instant::now();
    loop {
        let r = http
            .get(format!("{base}/smsr/v1/euiccs/{eid}"))
            .send()
            .await?;
        if r.status().as_u16() == want {
            return Ok(());
        }
        if start.elapsed() > Duration::from_secs(120) {
            bail!("{base}: the eUICC's EIS is still HTTP {}", r.status());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Waits until the operation log of the SM-SR admin API at `base` holds a `function`
/// operation for `eid` that ended done; returns it.
pub(super) async fn wait_function(
    http: &reqwest::Client,
    base: &str,
    eid: &str,
    function: &str,
) -> anyhow::Result<serde_json::Value> {
    let start = Instant::now();
    loop {
        let log: serde_json::Value = http
            .get(format!("{base}/smsr/v1/euiccs/{eid}/operations"))
            .send()
            .await?
            .json()
            .await?;
        let found = log
            .as_array()
            .into_iter()
            .flatten()
            .find(|op| op["function"]["function"] == function && op["status"] == "done");
        if let Some(op) = found {
            return Ok(op.clone());
        }
        if start.elapsed() > Duration::from_secs(60) {
            bail!("{base}: no {function} done for {eid}: {log}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Waits until the Operator's inbox holds a body containing `what`.
pub(super) async fn wait_inbox(inbox: &OperatorInbox, what: &str) -> anyhow::Result<()> {
    let start = Instant::now();
    while !inbox.received().iter().any(|b| b.contains(what)) {
        if start.elapsed() > Duration::from_secs(60) {
            bail!("the Operator received no {what}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Ok(())
}
