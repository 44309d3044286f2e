//! Event retrieval from an SM-DS (SGP.22 v2.5 §3.6.3, ES11 §5.8): the common mutual
//! authentication with the SM-DS, then its Event Records for this eUICC. An event whose
//! address is itself an SM-DS (a cascade event at the Root SM-DS, §3.6.1) is followed: the
//! LPA asks that SM-DS with the event's EventID and reports what it holds instead.

use rsp_codec::asn1::AuthenticateServerResponse;
use rsp_codec::json::Base64Bytes;
use rsp_codec::json::es9plus::AuthenticateClientRequest;
use rsp_codec::json::es11::{EventEntry, InitiateAuthenticationRequest};

use crate::download::{authenticate_server_request, ctx_params1};
use crate::error::LpaError;
use crate::es9plus::Es9PlusClient;
use crate::es10::Es10Channel;
use crate::es10b;

/// How many SM-DS hops [`discover`] follows (root → alternative is one).
pub const MAX_CASCADE_DEPTH: usize = 3;

/// One event found, with the SM-DS that answered it (JSON: `eventId`, `smdpAddress`,
/// `smdsAddress`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DiscoveredEvent {
    /// The EventID: the MatchingID of the download.
    pub event_id: String,
    /// The SM-DP+ to download from.
    pub smdp_address: String,
    /// The SM-DS that held the event (an alternative one for a cascaded event).
    pub smds_address: String,
}

impl DiscoveredEvent {
    /// The activation code of the event's download: `LPA:1$<SM-DP+ address>$<EventID>`
    /// (SGP.22 §4.1; §3.6.3 makes the EventID the MatchingID).
    pub fn activation_code(&self) -> String {
        format!("LPA:1${}${}", self.smdp_address, self.event_id)
    }
}

/// One ES11 exchange at `smds_address`: the events it answers for this eUICC, filtered by
/// `event_id` when given (§5.8.2). Errors: the SM-DS's status code
/// ([`LpaError::Es9Failed`]), an eUICC refusal ([`LpaError::EuiccRefused`], also told to the
/// SM-DS), transport failures.
pub async fn retrieve_events<E: Es10Channel + ?Sized>(
    channel: &mut E,
    client: &Es9PlusClient,
    smds_address: &str,
    event_id: Option<&str>,
    imei: Option<&str>,
) -> Result<Vec<EventEntry>, LpaError> {
    let ctx = ctx_params1(event_id.unwrap_or_default(), imei)?;
    let (info1, _) = es10b::get_euicc_info1(channel)?;
    let challenge = es10b::get_euicc_challenge(channel)?;
    let init = client
        .es11_initiate_authentication(
            smds_address,
            &InitiateAuthenticationRequest {
                euicc_challenge: Base64Bytes::new(challenge.to_vec()),
                euicc_info1: Base64Bytes::new(info1),
                smds_address: smds_address.to_owned(),
            },
        )
        .await?;
    let request = authenticate_server_request(&init, &ctx)?;
    let (auth_der, auth) = es10b::authenticate_server(channel, &request)?;
    let client_request = AuthenticateClientRequest {
        transaction_id: init.transaction_id.clone(),
        authenticate_server_response: Base64Bytes::new(auth_der),
    };
    if let AuthenticateServerResponse::AuthenticateResponseError(e) = auth {
        if let Err(server) = client
            .es11_authenticate_client(smds_address, &client_request)
            .await
        {
            tracing::info!(error = %server, "SM-DS answer to the eUICC's refusal");
        }
        return Err(LpaError::EuiccRefused {
            function: "AuthenticateServer",
            code: e.authenticate_error_code.0,
            reason: "authentication of the SM-DS refused",
        });
    }
    let answer = client
        .es11_authenticate_client(smds_address, &client_request)
        .await?;
    if answer
        .transaction_id
        .as_ref()
        .is_some_and(|t| *t != init.transaction_id)
    {
        return Err(LpaError::Protocol(
            "the SM-DS answered another transactionId".into(),
        ));
    }
    Ok(answer.event_entries)
}

/// Every event for this eUICC reachable from `smds_address` (§3.6.3): ES11 there, then for
/// each event whose address answers ES11 itself (an SM-DS), the events it holds under that
/// EventID, up to [`MAX_CASCADE_DEPTH`] hops. An address that is not an SM-DS (it has no
/// ES11 endpoint: HTTP 404) is the event's SM-DP+.
pub async fn discover<E: Es10Channel + ?Sized>(
    channel: &mut E,
    client: &Es9PlusClient,
    smds_address: &str,
    imei: Option<&str>,
) -> Result<Vec<DiscoveredEvent>, LpaError> {
    struct Lead {
        address: String,
        event_id: Option<String>,
        held_by: String,
        depth: usize,
    }
    let mut found = Vec::new();
    let mut pending = vec![Lead {
        address: smds_address.to_owned(),
        event_id: None,
        held_by: String::new(),
        depth: 0,
    }];
    while let Some(lead) = pending.pop() {
        let asked = lead.event_id.as_deref();
        let entries = match retrieve_events(channel, client, &lead.address, asked, imei).await {
            Ok(entries) => entries,
            // Not an SM-DS: the event points at its SM-DP+.
            Err(e) if lead.depth > 0 && is_not_an_smds(&e) => {
                found.push(DiscoveredEvent {
                    event_id: lead.event_id.unwrap_or_default(),
                    smdp_address: lead.address,
                    smds_address: lead.held_by,
                });
                continue;
            }
            Err(e) => return Err(e),
        };
        for entry in entries.into_iter().rev() {
            if lead.depth >= MAX_CASCADE_DEPTH {
                return Err(LpaError::Protocol(format!(
                    "SM-DS cascade deeper than {MAX_CASCADE_DEPTH} at {}",
                    lead.address
                )));
            }
            pending.push(Lead {
                address: entry.rsp_server_address,
                event_id: Some(entry.event_id),
                held_by: lead.address.clone(),
                depth: lead.depth + 1,
            });
        }
    }
    Ok(found)
}

/// An HTTP 404 on the ES11 path: the server has no ES11 (it is an SM-DP+).
fn is_not_an_smds(e: &LpaError) -> bool {
    matches!(e, LpaError::Http { reason, .. } if reason.contains("HTTP 404"))
}
