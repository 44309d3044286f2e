//! ESipa over CoAP/DTLS for the IPA (SGP.32 v1.2; transport `rsp-coap`, whose crate docs
//! give our reading of the binding): each ESipa call is one DER `EsipaMessageFromIpaToEim`
//! in a confirmable POST to `coaps://<eIM>/gsma/rsp2/asn1`, block-wise when larger than a
//! block, and one DER `EsipaMessageFromEimToIpa` back (or none, for HandleNotification).
//! The eIM is authenticated by its DTLS certificate against the IPA's CA roots.

use rsp_coap::{ClientDtls, CoapEsipaClient, CoapParams};
use rsp_codec::asn1::sgp32::{EsipaMessageFromEimToIpa, EsipaMessageFromIpaToEim};

use crate::error::LpaError;
use crate::esipa::EsipaClient;
use crate::ipa::EimLink;

/// The IPA's ESipa link over CoAP/DTLS.
pub struct CoapEimLink {
    client: CoapEsipaClient,
}

impl std::fmt::Debug for CoapEimLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CoapEimLink").finish_non_exhaustive()
    }
}

fn coap_error(e: impl std::fmt::Display) -> LpaError {
    LpaError::Transport(format!("ESipa over CoAP: {e}"))
}

impl CoapEimLink {
    /// Connects (DTLS handshake) to the eIM at `address` (`host:port`), trusting the CA
    /// certificates of `ca_pem` (PEM) for its certificate, checked against `host`.
    pub async fn connect(address: &str, ca_pem: String) -> Result<Self, LpaError> {
        Self::connect_with(address, ca_pem, CoapParams::default()).await
    }

    /// As [`CoapEimLink::connect`] with CoAP parameters (timers, block size).
    pub async fn connect_with(
        address: &str,
        ca_pem: String,
        params: CoapParams,
    ) -> Result<Self, LpaError> {
        let (host, _) = address
            .rsplit_once(':')
            .ok_or_else(|| LpaError::InvalidInput(format!("eIM address {address}: no port")))?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        // IPv4 first when the name has both (an eIM bound to 0.0.0.0 does not answer on ::1).
        let mut addrs: Vec<_> = tokio::net::lookup_host(address)
            .await
            .map_err(|e| coap_error(format!("resolving {address}: {e}")))?
            .collect();
        addrs.sort_by_key(|a| !a.is_ipv4());
        let addr = *addrs
            .first()
            .ok_or_else(|| coap_error(format!("{address} resolves to nothing")))?;
        let dtls = ClientDtls {
            ca_pem,
            server_name: host.to_owned(),
        };
        let client = CoapEsipaClient::connect_with_params(addr, dtls, params)
            .await
            .map_err(coap_error)?;
        Ok(Self { client })
    }
}

impl EimLink for CoapEimLink {
    async fn exchange(
        &self,
        message: &EsipaMessageFromIpaToEim,
    ) -> Result<Option<EsipaMessageFromEimToIpa>, LpaError> {
        let der = rsp_codec::asn1::encode(message).map_err(LpaError::encode("ESipa request"))?;
        match self.client.exchange(&der).await.map_err(coap_error)? {
            None => Ok(None),
            Some(answer) => rsp_codec::asn1::decode(&answer)
                .map(Some)
                .map_err(|e| coap_error(format!("answer: {e}"))),
        }
    }
}

/// The IPA's link to its eIM over either binding, chosen at run time (`rsp ipa --eim
/// coaps://…`).
#[derive(Debug)]
pub enum AnyEimLink {
    /// ASN.1 binding over HTTPS.
    Https(EsipaClient),
    /// CoAP over DTLS.
    Coap(CoapEimLink),
}

impl EimLink for AnyEimLink {
    async fn exchange(
        &self,
        message: &EsipaMessageFromIpaToEim,
    ) -> Result<Option<EsipaMessageFromEimToIpa>, LpaError> {
        match self {
            Self::Https(l) => l.exchange(message).await,
            Self::Coap(l) => l.exchange(message).await,
        }
    }
}
