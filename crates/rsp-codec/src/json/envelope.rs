//! Reading a response whose shape depends on its status: an executed function returns its
//! output fields, a `Failed`/`Expired` one returns only the header (SGP.22 §6.5.1.4).

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::header::{FunctionExecutionStatus, ResponseHeader};

/// The body of a function whose success is HTTP 204 (ES9+.HandleNotification,
/// ES2+.HandleDownloadProgressInfo): nothing. Serialises as JSON `null`; the transport layer
/// sends no body (see [`super::Function::has_response_body`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NoContent;

/// The outcome of a call, as read by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome<T> {
    /// `Executed-Success` or `Executed-WithWarning`: the full response.
    Executed(T),
    /// `Failed` or `Expired`: only the status was meaningful.
    NotExecuted(FunctionExecutionStatus),
}

/// Only the header, other fields ignored.
#[derive(Deserialize)]
struct HeaderProbe {
    header: ResponseHeader,
}

/// Decodes a response body: the header first, then, if the function was executed, the full
/// response type `T` (whose mandatory output fields must then be present).
pub fn decode_response<T: DeserializeOwned>(body: &[u8]) -> Result<Outcome<T>, serde_json::Error> {
    let probe: HeaderProbe = serde_json::from_slice(body)?;
    let status = probe.header.function_execution_status;
    if status.is_executed() {
        serde_json::from_slice(body).map(Outcome::Executed)
    } else {
        Ok(Outcome::NotExecuted(status))
    }
}
