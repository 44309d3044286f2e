//! eUICC Packages and IpaEuiccData between the eIM and the eUICC (SGP.32 v1.2 §3.x,
//! §5.9.1 ES10b.LoadEuiccPackage, §5.14.7 ESipa.ProvideEimPackageResult).

use rsp_codec::asn1::choice::OpenChoice;
use rsp_codec::asn1::sgp32::{
    AddEimResult, EuiccResultData, ListEimResult, Sgp32ProfileInfoListResponse,
};
use rsp_codec::asn1::sgp32::{
    EimPackageResult, EsipaMessageFromEimToIpa, EsipaMessageFromIpaToEim, EuiccPackageRequest,
    EuiccPackageResult, IpaEuiccDataErrorCode, IpaEuiccDataRequest, IpaEuiccDataResponse,
    IpaEuiccDataResponseError, ProvideEimPackageResult, ProvideEimPackageResultResponse,
};
use rsp_codec::asn1::{Extensions, Octet16};
use serde::Serialize;

use super::{EimLink, unexpected};
use crate::error::LpaError;
use crate::es10::Es10Channel;

/// What became of one eUICC Package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PackageOutcome {
    /// The eIM's transaction (hex), when it gave one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eim_transaction_id: Option<String>,
    /// `seqNumber` of a signed result (absent for error results).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seq_number: Option<u64>,
    /// One line per operation result, or the package error.
    pub results: Vec<String>,
    /// Result sequence numbers the eIM acknowledged (removed from the eUICC).
    pub acknowledged: Vec<u64>,
}

/// ES10b.LoadEuiccPackage, then the result to the eIM, then the acknowledged results
/// removed from the eUICC (§2.11.2.4 EimAcknowledgements).
pub(super) async fn run<E: Es10Channel + ?Sized, L: EimLink>(
    channel: &mut E,
    eim: &L,
    eid: [u8; 16],
    package: &EuiccPackageRequest,
) -> Result<PackageOutcome, LpaError> {
    let der = rsp_codec::asn1::encode(package).map_err(LpaError::encode("EuiccPackageRequest"))?;
    let (_, result) = crate::es10_iot::load_euicc_package(channel, &der)?;
    let mut outcome = describe(&result);
    let answer = provide(eim, eid, EimPackageResult::EuiccPackageResult(result)).await?;
    outcome.acknowledged = acknowledge(channel, answer)?;
    Ok(outcome)
}

/// The eUICC's IpaEuiccData for the eIM's request, returned to the eIM.
pub(super) async fn ipa_euicc_data<E: Es10Channel + ?Sized, L: EimLink>(
    channel: &mut E,
    eim: &L,
    eid: [u8; 16],
    request: &IpaEuiccDataRequest,
) -> Result<(), LpaError> {
    let data = match crate::es10_iot::get_ipa_euicc_data(channel, request) {
        Ok((_, data)) => IpaEuiccDataResponse::IpaEuiccData(Box::new(data)),
        // The eUICC's refusal goes to the eIM as its error response (§2.11.2.2).
        Err(LpaError::EuiccRefused { code, .. }) => {
            IpaEuiccDataResponse::IpaEuiccDataResponseError(IpaEuiccDataResponseError {
                eim_transaction_id: None,
                ipa_euicc_data_error_code: IpaEuiccDataErrorCode(code),
                ext: Extensions::default(),
            })
        }
        Err(e) => return Err(e),
    };
    let answer = provide(eim, eid, EimPackageResult::IpaEuiccDataResponse(data)).await?;
    acknowledge(channel, answer).map(drop)
}

/// ESipa.ProvideEimPackageResult (§5.14.7).
pub(super) async fn provide<L: EimLink>(
    eim: &L,
    eid: [u8; 16],
    result: EimPackageResult,
) -> Result<ProvideEimPackageResultResponse, LpaError> {
    let message = EsipaMessageFromIpaToEim::ProvideEimPackageResult(ProvideEimPackageResult {
        eid_value: Some(Octet16::from(eid)),
        eim_package_result: result,
        ext: Extensions::default(),
    });
    match eim.exchange(&message).await? {
        Some(EsipaMessageFromEimToIpa::ProvideEimPackageResultResponse(r)) => Ok(r),
        other => Err(unexpected("ProvideEimPackageResult", other.as_ref())),
    }
}

/// Removes from the eUICC what the eIM acknowledged; an eIM error is returned as such.
fn acknowledge<E: Es10Channel + ?Sized>(
    channel: &mut E,
    answer: ProvideEimPackageResultResponse,
) -> Result<Vec<u64>, LpaError> {
    match answer {
        ProvideEimPackageResultResponse::EimAcknowledgements(acks) => {
            let mut removed = Vec::with_capacity(acks.0.len());
            for seq in acks.0 {
                let Ok(seq) = u64::try_from(&seq.0) else {
                    continue;
                };
                crate::notifications::remove(channel, seq)?;
                removed.push(seq);
            }
            Ok(removed)
        }
        ProvideEimPackageResultResponse::EmptyResponse(_) => Ok(Vec::new()),
        ProvideEimPackageResultResponse::ProvideEimPackageResultError(code) => {
            Err(LpaError::EimRefused {
                function: "ProvideEimPackageResult",
                code: code.0,
            })
        }
    }
}

fn describe(result: &EuiccPackageResult) -> PackageOutcome {
    let mut outcome = PackageOutcome {
        eim_transaction_id: None,
        seq_number: None,
        results: Vec::new(),
        acknowledged: Vec::new(),
    };
    match result {
        EuiccPackageResult::EuiccPackageResultSigned(signed) => {
            let data = signed.euicc_package_result_data_signed.value();
            outcome.eim_transaction_id = data
                .eim_transaction_id
                .as_ref()
                .map(|t| hex::encode_upper(&t.0));
            outcome.seq_number = u64::try_from(&data.seq_number).ok();
            outcome.results = data.euicc_result.iter().map(result_line).collect();
        }
        EuiccPackageResult::EuiccPackageErrorSigned(error) => {
            let data = error.euicc_package_error_data_signed.value();
            outcome.eim_transaction_id = data
                .eim_transaction_id
                .as_ref()
                .map(|t| hex::encode_upper(&t.0));
            outcome.results = vec![format!("package error {}", data.euicc_package_error_code.0)];
        }
        EuiccPackageResult::EuiccPackageErrorUnsigned(error) => {
            outcome.eim_transaction_id = error
                .eim_transaction_id
                .as_ref()
                .map(|t| hex::encode_upper(&t.0));
            outcome.results = vec!["package refused (unsigned error)".to_owned()];
        }
    }
    outcome
}

/// One line per operation result: its ASN.1 name and code (0 is ok, SGP.32 §2.9.2).
fn result_line(r: &OpenChoice<EuiccResultData>) -> String {
    use EuiccResultData as R;
    let OpenChoice::Known(r) = r else {
        return "unknown result".to_owned();
    };
    match r {
        R::EnableResult(c) => format!("enableResult {}", c.0),
        R::DisableResult(c) => format!("disableResult {}", c.0),
        R::DeleteResult(c) => format!("deleteResult {}", c.0),
        R::ListProfileInfoResult(Sgp32ProfileInfoListResponse::ProfileInfoListOk(list)) => {
            format!("listProfileInfoResult: {} profile(s)", list.len())
        }
        R::ListProfileInfoResult(Sgp32ProfileInfoListResponse::ProfileInfoListError(e)) => {
            format!("listProfileInfoResult error {}", e.0)
        }
        R::GetRatResult(rat) => format!("getRATResult: {} rule(s)", rat.len()),
        R::ConfigureImmediateEnableResult(c) => format!("configureImmediateEnableResult {}", c.0),
        R::AddEimResult(AddEimResult::AssociationToken(t)) => {
            format!("addEimResult ok, association token {t}")
        }
        R::AddEimResult(AddEimResult::AddEimResultCode(c)) => format!("addEimResult {}", c.0),
        R::DeleteEimResult(c) => format!("deleteEimResult {}", c.0),
        R::UpdateEimResult(c) => format!("updateEimResult {}", c.0),
        R::ListEimResult(ListEimResult::EimIdList(list)) => {
            format!("listEimResult: {} eIM(s)", list.len())
        }
        R::ListEimResult(ListEimResult::ListEimError(e)) => format!("listEimResult error {}", e.0),
        R::RollbackResult(c) => format!("rollbackResult {}", c.0),
        R::SetFallbackAttributeResult(c) => format!("setFallbackAttributeResult {}", c.0),
        R::UnsetFallbackAttributeResult(c) => format!("unsetFallbackAttributeResult {}", c.0),
        R::ProcessingTerminated(c) => format!("processingTerminated {}", c.0),
        R::SetDefaultDpAddressResult(c) => {
            format!(
                "setDefaultDpAddressResult {}",
                c.set_default_dp_address_result.0
            )
        }
    }
}
