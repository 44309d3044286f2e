//! `rsp serve smsr`'s options of the SM-SR change (SGP.02 §3.7, ES7 between SM-SRs):
//! the peers, this SM-SR's TLS client identity, and CERT.SR.ECDSA with its key for
//! receiving eUICCs.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;

use super::common::{client_identity, endpoints};

/// ES7 options (each also an `RSP_SMSR_*` environment variable).
#[derive(Debug, Args)]
pub struct Es7Args {
    /// Another SM-SR this one hands eUICCs to or receives them from (SM-SR change, ES7),
    /// as ID=URL of its ES7 endpoint (`https://…/gsma/sgp02/es7`); the ID is the subject
    /// CN of its TLS client certificate; repeatable.
    #[arg(
        long,
        env = "RSP_SMSR_PEER_SMSR",
        value_name = "ID=URL",
        value_delimiter = ','
    )]
    peer_smsr: Vec<String>,
    /// This SM-SR's ES7 URL as peers reach it (sent as ReplyTo) [default:
    /// https://<--listen>/gsma/sgp02/es7].
    #[arg(long, env = "RSP_SMSR_ES7_URL", value_name = "URL")]
    es7_url: Option<String>,
    /// TLS client certificate (PEM) this SM-SR presents to peers (ES7) and notice
    /// endpoints; its subject CN should be --smsr-id.
    #[arg(long, env = "RSP_SMSR_CLIENT_CERT", value_name = "FILE")]
    client_cert: Option<PathBuf>,
    /// Its private key (PEM, or a pkcs11: URI).
    #[arg(long, env = "RSP_SMSR_CLIENT_KEY", value_name = "FILE")]
    client_key: Option<PathBuf>,
    /// CERT.SR.ECDSA (the GlobalPlatform certificate `7F21` the CI issued over the SM-SR's
    /// key, DER): needed to receive eUICCs (the ISD-R key establishment of ES7).
    #[arg(long, env = "RSP_SMSR_SR_GP_CERT", value_name = "FILE")]
    sr_gp_cert: Option<PathBuf>,
    /// SK.SR.ECDSA, the key of CERT.SR.ECDSA (PEM, or a pkcs11: URI).
    #[arg(long, env = "RSP_SMSR_SR_KEY", value_name = "FILE")]
    sr_key: Option<PathBuf>,
    /// Key version (1..15) of the ISD-R SCP80 keyset this SM-SR establishes on an eUICC
    /// it receives (an existing keyset of that version is replaced by the eUICC).
    #[arg(long, env = "RSP_SMSR_ISD_R_KEY_VERSION", default_value_t = 2,
        value_parser = clap::value_parser!(u8).range(1..=15))]
    isd_r_key_version: u8,
    /// Host identifier (1..16 characters) in the key derivation of that keyset.
    #[arg(long, env = "RSP_SMSR_HOST_ID", default_value = "SMSR")]
    host_id: String,
}

/// The ES7 settings `start_smsr` runs with.
#[derive(Debug, Clone)]
pub struct Es7Settings {
    /// Peer SM-SR identifier → ES7 URL.
    pub peers: std::collections::HashMap<String, String>,
    /// This SM-SR's ES7 URL.
    pub own_url: String,
    /// Client identity (key PEM ‖ certificate PEM) for peers and notice endpoints.
    pub client_identity_pem: Option<Vec<u8>>,
    /// CERT.SR.ECDSA with its key.
    pub credential: Option<rsp_keyest::Credential>,
    /// Key version of the keyset it establishes.
    pub key_version: u8,
    /// Host identifier.
    pub host_id: Vec<u8>,
}

impl Default for Es7Settings {
    /// No peers, no credential: the SM-SR takes part in no SM-SR change.
    fn default() -> Self {
        Self {
            peers: std::collections::HashMap::new(),
            own_url: String::new(),
            client_identity_pem: None,
            credential: None,
            key_version: 2,
            host_id: b"SMSR".to_vec(),
        }
    }
}

impl Es7Args {
    /// The settings; `listen` is the web services' address.
    pub fn settings(&self, listen: SocketAddr) -> anyhow::Result<Es7Settings> {
        if self.host_id.is_empty() || self.host_id.len() > 16 {
            anyhow::bail!("--host-id: 1..16 characters");
        }
        let client_identity_pem = match (&self.client_cert, &self.client_key) {
            (Some(cert), Some(key)) => Some(client_identity(key, cert)?),
            (None, None) => None,
            _ => anyhow::bail!("--client-cert and --client-key go together"),
        };
        let credential = match (&self.sr_gp_cert, &self.sr_key) {
            (Some(cert), Some(key)) => {
                let signer: Arc<dyn rsp_crypto::Signer> =
                    Arc::new(rsp_hsm::load_key(key).context("--sr-key")?);
                let der =
                    std::fs::read(cert).with_context(|| format!("reading {}", cert.display()))?;
                let gp = rsp_codec::sgp02::es8::GpCertificate::parse(&der)
                    .map_err(|e| anyhow::anyhow!("--sr-gp-cert: {e}"))?;
                Some(
                    rsp_keyest::Credential::new(gp, signer)
                        .map_err(|e| anyhow::anyhow!("CERT.SR.ECDSA: {e}"))?,
                )
            }
            (None, None) => None,
            _ => anyhow::bail!("--sr-gp-cert and --sr-key go together"),
        };
        if credential
            .as_ref()
            .is_some_and(|c| c.certificate_type() != Some(rsp_codec::sgp02::consts::CERT_TYPE_SMSR))
        {
            anyhow::bail!("--sr-gp-cert: not an SM-SR certificate (C8 01 02)");
        }
        Ok(Es7Settings {
            peers: endpoints(&self.peer_smsr, "peer-smsr")?,
            own_url: self
                .es7_url
                .clone()
                .unwrap_or_else(|| format!("https://{listen}/gsma/sgp02/es7")),
            client_identity_pem,
            credential,
            key_version: self.isd_r_key_version,
            host_id: self.host_id.as_bytes().to_vec(),
        })
    }
}
