//! Common JSON header objects (SGP.22 §6.5.1.3 request header, §6.5.1.4 response header).
//!
//! ES2+ and ES12 requests carry a [`RequestHeader`]; ES9+ and ES11 requests have none (an
//! unexpected `header` there is ignored like any unknown field). Every response with a body
//! carries a [`ResponseHeader`].

use serde::{Deserialize, Serialize};

use crate::status::{ReasonCode, RspError, StatusCode, SubjectCode};

/// `header` of an ES2+/ES12 request (§6.5.1.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestHeader {
    /// Identifies the caller (e.g. the Operator) to the function provider.
    pub function_requester_identifier: String,
    /// Identifies this call, echoed in logs and used to detect retries.
    pub function_call_identifier: String,
}

/// `header` of a response (§6.5.1.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResponseHeader {
    /// The outcome of the function.
    pub function_execution_status: FunctionExecutionStatus,
}

impl ResponseHeader {
    /// `Executed-Success` without status code data.
    pub fn success() -> Self {
        Self {
            function_execution_status: FunctionExecutionStatus::success(),
        }
    }

    /// `Failed` with the code of `error`.
    pub fn failed(error: &RspError) -> Self {
        Self {
            function_execution_status: FunctionExecutionStatus::failed(error),
        }
    }
}

/// `functionExecutionStatus` (§6.5.1.4); also the type of `notificationPointStatus` in
/// ES2+.HandleDownloadProgressInfo (§6.5.2.5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FunctionExecutionStatus {
    /// The status.
    pub status: ExecutionStatus,
    /// Present when the status is not `Executed-Success`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code_data: Option<StatusCodeData>,
}

impl FunctionExecutionStatus {
    /// `Executed-Success`.
    pub fn success() -> Self {
        Self {
            status: ExecutionStatus::ExecutedSuccess,
            status_code_data: None,
        }
    }

    /// `Failed` with the code and default message of `error`.
    pub fn failed(error: &RspError) -> Self {
        Self {
            status: ExecutionStatus::Failed,
            status_code_data: Some(StatusCodeData::from(error)),
        }
    }

    /// True for `Executed-Success` and `Executed-WithWarning`: the function was executed and
    /// the response body carries its output.
    pub fn is_executed(&self) -> bool {
        matches!(
            self.status,
            ExecutionStatus::ExecutedSuccess | ExecutionStatus::ExecutedWithWarning
        )
    }
}

/// `status` values (§6.5.1.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ExecutionStatus {
    /// The function was executed successfully.
    #[serde(rename = "Executed-Success")]
    ExecutedSuccess,
    /// Executed; `statusCodeData` tells what to watch out for.
    #[serde(rename = "Executed-WithWarning")]
    ExecutedWithWarning,
    /// Not executed; `statusCodeData` tells why.
    #[serde(rename = "Failed")]
    Failed,
    /// The request expired before execution.
    #[serde(rename = "Expired")]
    Expired,
}

/// `statusCodeData` (§6.5.1.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusCodeData {
    /// Subject code (§5.2.6.1).
    pub subject_code: SubjectCode,
    /// Reason code (§5.2.6.2).
    pub reason_code: ReasonCode,
    /// Identifies the subject instance, e.g. the ICCID concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_identifier: Option<String>,
    /// Human-readable detail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl StatusCodeData {
    /// Adds a subject identifier.
    pub fn with_subject_identifier(mut self, id: impl Into<String>) -> Self {
        self.subject_identifier = Some(id.into());
        self
    }

    /// Replaces the message.
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    /// The code pair.
    pub fn status_code(&self) -> StatusCode {
        StatusCode {
            subject: self.subject_code.clone(),
            reason: self.reason_code.clone(),
        }
    }

    /// The typed error (raw when the pair is not in the table).
    pub fn error(&self) -> RspError {
        RspError::from_status_code(self.status_code())
    }
}

/// Code and default message of `error`, no subject identifier.
impl From<&RspError> for StatusCodeData {
    fn from(error: &RspError) -> Self {
        Self {
            subject_code: error.subject_code(),
            reason_code: error.reason_code(),
            subject_identifier: None,
            message: Some(error.message().to_owned()),
        }
    }
}

impl From<RspError> for StatusCodeData {
    fn from(error: RspError) -> Self {
        Self::from(&error)
    }
}

/// A response carrying only its header: the output of functions without output data
/// (e.g. ES2+.ReleaseProfile, ES9+.CancelSession, ES12) and of every `Failed`/`Expired` call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeaderOnlyResponse {
    /// The header.
    pub header: ResponseHeader,
}

impl HeaderOnlyResponse {
    /// `Executed-Success`.
    pub fn success() -> Self {
        Self {
            header: ResponseHeader::success(),
        }
    }

    /// `Failed` with the code of `error`.
    pub fn failed(error: &RspError) -> Self {
        Self {
            header: ResponseHeader::failed(error),
        }
    }

    /// `Failed` with prepared status code data (e.g. with a subject identifier).
    pub fn failed_with(data: StatusCodeData) -> Self {
        Self {
            header: ResponseHeader {
                function_execution_status: FunctionExecutionStatus {
                    status: ExecutionStatus::Failed,
                    status_code_data: Some(data),
                },
            },
        }
    }
}
