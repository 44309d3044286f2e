//! `EuiccPackageResult` (SGP.32 v1.2 §2.9.2): its eUICC signature checked (`euiccSignEPR` /
//! `euiccSignEPE` over the signed data object ‖ the request's `eimSignature` TLV,
//! §2.11.2.1, [`euicc_signed_data`]), its summary for the tenant, and the eUICC state it
//! implies for the eIM's view.

use rsp_codec::asn1::sgp32::{
    AddEimResult, EuiccPackageResult, EuiccResultData, ListEimResult, Sgp32ProfileInfoListResponse,
    euicc_signed_data,
};
use rsp_crypto::PublicKey;
use serde_json::{Value, json};

use crate::model::{EcoSpec, EuiccState, OperationKind, OperationStatus, ProfileView, PsmoSpec};
use crate::package::iccid_text;

/// A result that passed the checks.
#[derive(Debug, Clone)]
pub struct Accepted {
    /// Done (a result) or failed (an error result).
    pub status: OperationStatus,
    /// For the tenant (API and webhook).
    pub summary: Value,
    /// `seqNumber` of a signed result (acknowledged to the IPA).
    pub seq_number: Option<i64>,
    /// One entry per operation of the package, in order (empty for an error).
    pub results: Vec<EuiccResultData>,
}

fn int(v: &rasn::types::Integer) -> i64 {
    i64::try_from(v).unwrap_or(i64::MIN)
}

/// The `(eimTransactionId, counterValue)` a result names, to find its operation.
pub fn identifiers(result: &EuiccPackageResult) -> (Option<Vec<u8>>, Option<i64>) {
    match result {
        EuiccPackageResult::EuiccPackageResultSigned(s) => {
            let d = s.euicc_package_result_data_signed.value();
            (
                d.eim_transaction_id.as_ref().map(|t| t.0.to_vec()),
                Some(int(&d.counter_value)),
            )
        }
        EuiccPackageResult::EuiccPackageErrorSigned(s) => {
            let d = s.euicc_package_error_data_signed.value();
            (
                d.eim_transaction_id.as_ref().map(|t| t.0.to_vec()),
                Some(int(&d.counter_value)),
            )
        }
        EuiccPackageResult::EuiccPackageErrorUnsigned(u) => {
            (u.eim_transaction_id.as_ref().map(|t| t.0.to_vec()), None)
        }
    }
}

/// Checks `result` against the package it answers (`eim_id`, `counter_value`, the
/// request's `eim_signature`) and the eUICC's key; the reason when refused.
pub fn verify(
    result: &EuiccPackageResult,
    eim_id: &str,
    counter_value: Option<i64>,
    eim_signature: &[u8],
    euicc_key: Option<&PublicKey>,
) -> Result<Accepted, String> {
    let check = |signed: &[u8], sig: &[u8]| -> Result<(), String> {
        let key = euicc_key.ok_or("eUICC certificate unknown")?;
        key.verify_raw(&euicc_signed_data(signed, eim_signature), sig)
            .map_err(|_| "eUICC signature invalid".to_owned())
    };
    match result {
        EuiccPackageResult::EuiccPackageResultSigned(s) => {
            let d = s.euicc_package_result_data_signed.value();
            check(s.euicc_package_result_data_signed.raw(), &s.euicc_sign_epr)?;
            if d.eim_id != eim_id || Some(int(&d.counter_value)) != counter_value {
                return Err("eimId or counterValue do not match the package".into());
            }
            let results: Vec<EuiccResultData> = d
                .euicc_result
                .iter()
                .filter_map(|r| r.known().cloned())
                .collect();
            Ok(Accepted {
                status: OperationStatus::Done,
                summary: json!({
                    "type": "euiccPackageResult",
                    "seqNumber": int(&d.seq_number),
                    "results": d.euicc_result.iter().map(|r| match r.known() {
                        Some(k) => result_json(k),
                        None => json!({"unknown": true}),
                    }).collect::<Vec<_>>(),
                }),
                seq_number: Some(int(&d.seq_number)),
                results,
            })
        }
        EuiccPackageResult::EuiccPackageErrorSigned(s) => {
            let d = s.euicc_package_error_data_signed.value();
            check(s.euicc_package_error_data_signed.raw(), &s.euicc_sign_epe)?;
            if d.eim_id != eim_id || Some(int(&d.counter_value)) != counter_value {
                return Err("eimId or counterValue do not match the package".into());
            }
            Ok(Accepted {
                status: OperationStatus::Failed,
                summary: json!({
                    "type": "euiccPackageError",
                    "errorCode": d.euicc_package_error_code.0,
                }),
                seq_number: None,
                results: Vec::new(),
            })
        }
        EuiccPackageResult::EuiccPackageErrorUnsigned(u) => {
            if u.eim_id != eim_id {
                return Err("eimId does not match the package".into());
            }
            Ok(Accepted {
                status: OperationStatus::Failed,
                summary: json!({"type": "euiccPackageErrorUnsigned"}),
                seq_number: None,
                results: Vec::new(),
            })
        }
    }
}

/// One `EuiccResultData` for the tenant: `{"<name>": code}` (0 = ok).
pub fn result_json(r: &EuiccResultData) -> Value {
    use EuiccResultData as R;
    match r {
        R::EnableResult(c) => json!({"enableResult": c.0}),
        R::DisableResult(c) => json!({"disableResult": c.0}),
        R::DeleteResult(c) => json!({"deleteResult": c.0}),
        R::ListProfileInfoResult(Sgp32ProfileInfoListResponse::ProfileInfoListOk(list)) => {
            json!({"listProfileInfoResult": profiles(list)})
        }
        R::ListProfileInfoResult(Sgp32ProfileInfoListResponse::ProfileInfoListError(e)) => {
            json!({"listProfileInfoError": e.0})
        }
        R::GetRatResult(_) => json!({"getRatResult": 0}),
        R::ConfigureImmediateEnableResult(c) => json!({"configureImmediateEnableResult": c.0}),
        R::AddEimResult(AddEimResult::AssociationToken(t)) => {
            json!({"addEimResult": 0, "associationToken": int(t)})
        }
        R::AddEimResult(AddEimResult::AddEimResultCode(c)) => json!({"addEimResult": c.0}),
        R::DeleteEimResult(c) => json!({"deleteEimResult": c.0}),
        R::UpdateEimResult(c) => json!({"updateEimResult": c.0}),
        R::ListEimResult(ListEimResult::EimIdList(list)) => {
            json!({"listEimResult": list.iter().map(|e| e.eim_id.clone()).collect::<Vec<_>>()})
        }
        R::ListEimResult(ListEimResult::ListEimError(e)) => json!({"listEimError": e.0}),
        R::RollbackResult(c) => json!({"rollbackResult": c.0}),
        R::SetFallbackAttributeResult(c) => json!({"setFallbackAttributeResult": c.0}),
        R::UnsetFallbackAttributeResult(c) => json!({"unsetFallbackAttributeResult": c.0}),
        R::ProcessingTerminated(c) => json!({"processingTerminated": c.0}),
        R::SetDefaultDpAddressResult(r) => {
            json!({"setDefaultDpAddressResult": r.set_default_dp_address_result.0})
        }
    }
}

fn profiles(list: &[rsp_codec::asn1::sgp32::Sgp32ProfileInfo]) -> Vec<ProfileView> {
    list.iter()
        .filter_map(|p| {
            let iccid = iccid_text(p.iccid.as_ref()?.as_bytes());
            let enabled = p
                .profile_state
                .as_ref()
                .is_some_and(|s| *s == rsp_codec::asn1::ProfileState::ENABLED);
            Some(ProfileView {
                iccid,
                state: if enabled { "enabled" } else { "disabled" }.into(),
                profile_name: p.profile_name.clone(),
                service_provider_name: p.service_provider_name.clone(),
            })
        })
        .collect()
}

/// A `ProfileInstallationResult` of a download trigger: status, summary, and the ICCID
/// installed when `euiccSignPIR` (over `profileInstallationResultData` as received,
/// SGP.22 §5.7.6) verifies with the eUICC's key.
pub fn installation(
    pir: &rsp_codec::asn1::ProfileInstallationResult,
    euicc_key: Option<&PublicKey>,
) -> (OperationStatus, Value, Option<String>) {
    use rsp_codec::asn1::FinalResult;
    let data = pir.profile_installation_result_data.value();
    let verified = euicc_key.is_some_and(|k| {
        k.verify_raw(
            pir.profile_installation_result_data.raw(),
            &pir.euicc_sign_pir.0,
        )
        .is_ok()
    });
    let iccid = data
        .notification_metadata
        .iccid
        .as_ref()
        .map(|i| iccid_text(i.as_bytes()));
    match &data.final_result {
        FinalResult::SuccessResult(_) => (
            OperationStatus::Done,
            json!({"type": "profileDownloadTriggerResult", "installed": true,
                   "iccid": iccid, "signatureVerified": verified}),
            iccid.filter(|_| verified),
        ),
        FinalResult::ErrorResult(e) => (
            OperationStatus::Failed,
            json!({"type": "profileDownloadTriggerResult", "installed": false,
                   "bppCommandId": e.bpp_command_id.0, "errorReason": e.error_reason.0,
                   "signatureVerified": verified}),
            None,
        ),
    }
}

/// `state` with the Profile `iccid` installed (disabled), `None` when already known.
pub fn installed(state: &EuiccState, iccid: &str) -> Option<EuiccState> {
    if state.profiles.iter().any(|p| p.iccid == iccid) {
        return None;
    }
    let mut next = state.clone();
    next.profiles.push(ProfileView {
        iccid: iccid.to_owned(),
        state: "disabled".into(),
        profile_name: None,
        service_provider_name: None,
    });
    next.updated_at = crate::now_ms();
    Some(next)
}

fn set_enabled(state: &mut EuiccState, iccid: Option<&str>) {
    for p in &mut state.profiles {
        p.state = if Some(p.iccid.as_str()) == iccid {
            "enabled"
        } else {
            "disabled"
        }
        .into();
    }
    if let Some(i) = iccid
        && !state.profiles.iter().any(|p| p.iccid == i)
    {
        state.profiles.push(ProfileView {
            iccid: i.to_owned(),
            state: "enabled".into(),
            profile_name: None,
            service_provider_name: None,
        });
    }
    state.enabled_iccid = iccid.map(str::to_owned);
}

/// The eUICC state after `results` of the package `kind` (PSMO / eCO results in the
/// package's order); `None` when nothing changed.
pub fn apply(
    state: &EuiccState,
    kind: &OperationKind,
    results: &[EuiccResultData],
) -> Option<EuiccState> {
    use EuiccResultData as R;
    let mut next = state.clone();
    let ok = |c: i64| c == 0;
    match kind {
        OperationKind::Psmo { psmos } => {
            for (spec, result) in psmos.iter().zip(results) {
                let iccid_of = |i: &str| {
                    rsp_codec::json::Iccid::parse(i)
                        .map_or_else(|_| i.to_owned(), |p| p.digits().to_owned())
                };
                match (spec, result) {
                    (PsmoSpec::Enable { iccid, .. }, R::EnableResult(c)) if ok(c.0) => {
                        set_enabled(&mut next, Some(&iccid_of(iccid)));
                    }
                    (PsmoSpec::Disable { iccid }, R::DisableResult(c)) if ok(c.0) => {
                        let i = iccid_of(iccid);
                        if next.enabled_iccid.as_deref() == Some(i.as_str()) {
                            set_enabled(&mut next, None);
                        }
                    }
                    (PsmoSpec::Delete { iccid }, R::DeleteResult(c)) if ok(c.0) => {
                        let i = iccid_of(iccid);
                        next.profiles.retain(|p| p.iccid != i);
                        if next.enabled_iccid.as_deref() == Some(i.as_str()) {
                            next.enabled_iccid = None;
                        }
                    }
                    (
                        PsmoSpec::ListProfileInfo,
                        R::ListProfileInfoResult(Sgp32ProfileInfoListResponse::ProfileInfoListOk(
                            l,
                        )),
                    ) => {
                        next.profiles = profiles(l);
                        next.enabled_iccid = next
                            .profiles
                            .iter()
                            .find(|p| p.state == "enabled")
                            .map(|p| p.iccid.clone());
                    }
                    _ => {}
                }
            }
        }
        OperationKind::Eco { ecos } => {
            for (spec, result) in ecos.iter().zip(results) {
                match (spec, result) {
                    (EcoSpec::AddEim(c), R::AddEimResult(r)) => {
                        let added = match r {
                            AddEimResult::AssociationToken(_) => true,
                            AddEimResult::AddEimResultCode(code) => ok(code.0),
                        };
                        if added && !next.eims.contains(&c.eim_id) {
                            next.eims.push(c.eim_id.clone());
                        }
                    }
                    (EcoSpec::DeleteEim { eim_id }, R::DeleteEimResult(c)) if ok(c.0) => {
                        next.eims.retain(|e| e != eim_id);
                    }
                    (EcoSpec::ListEim, R::ListEimResult(ListEimResult::EimIdList(l))) => {
                        next.eims = l.iter().map(|e| e.eim_id.clone()).collect();
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
    (next != *state).then(|| {
        next.updated_at = crate::now_ms();
        next
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use rasn::types::{Integer, OctetString};
    use rsp_codec::asn1::sgp32::{
        DeleteProfileResult, EnableProfileResult, EuiccPackageResultDataSigned,
        EuiccPackageResultSigned,
    };
    use rsp_codec::asn1::{OpenChoice, Raw};
    use rsp_crypto::{Curve, Signer, SoftwareKey};

    use super::*;

    const ICCID: &str = "8944000000000000012";

    fn signed(key: &SoftwareKey, eim_id: &str, counter: i64, eim_sig: &[u8]) -> EuiccPackageResult {
        let data = Raw::new(EuiccPackageResultDataSigned {
            eim_id: eim_id.into(),
            counter_value: Integer::from(counter),
            eim_transaction_id: None,
            seq_number: Integer::from(4),
            euicc_result: vec![OpenChoice::from(EuiccResultData::EnableResult(
                EnableProfileResult::OK,
            ))],
            ext: Default::default(),
        })
        .unwrap();
        let sig = key
            .sign_raw(&euicc_signed_data(data.raw(), eim_sig))
            .unwrap();
        EuiccPackageResult::EuiccPackageResultSigned(EuiccPackageResultSigned {
            euicc_package_result_data_signed: data,
            euicc_sign_epr: OctetString::from(sig.to_vec()),
            ext: Default::default(),
        })
    }

    #[test]
    fn results_are_bound_to_key_package_and_request_signature() {
        let key = SoftwareKey::generate(Curve::NistP256).unwrap();
        let pk = Some(key.public_key());
        let eim_sig = [0x11; 64];
        let r = signed(&key, "eim", 3, &eim_sig);
        let ok = verify(&r, "eim", Some(3), &eim_sig, pk).unwrap();
        assert_eq!((ok.status, ok.seq_number), (OperationStatus::Done, Some(4)));
        assert_eq!(ok.summary["results"][0]["enableResult"], 0);
        // Another request's signature, another counter, another eIM, no key, another key.
        assert!(verify(&r, "eim", Some(3), &[0x22; 64], pk).is_err());
        assert!(verify(&r, "eim", Some(4), &eim_sig, pk).is_err());
        assert!(verify(&r, "other", Some(3), &eim_sig, pk).is_err());
        assert!(verify(&r, "eim", Some(3), &eim_sig, None).is_err());
        let other = SoftwareKey::generate(Curve::NistP256).unwrap();
        assert!(verify(&r, "eim", Some(3), &eim_sig, Some(other.public_key())).is_err());
    }

    #[test]
    fn state_follows_results() {
        let enable = OperationKind::Psmo {
            psmos: vec![PsmoSpec::Enable {
                iccid: ICCID.into(),
                rollback: false,
            }],
        };
        let s = apply(
            &EuiccState::default(),
            &enable,
            &[EuiccResultData::EnableResult(EnableProfileResult::OK)],
        )
        .unwrap();
        assert_eq!(s.enabled_iccid.as_deref(), Some(ICCID));
        // A failed enable changes nothing.
        assert!(
            apply(
                &EuiccState::default(),
                &enable,
                &[EuiccResultData::EnableResult(
                    EnableProfileResult::ICCID_OR_AID_NOT_FOUND
                )],
            )
            .is_none()
        );
        let delete = OperationKind::Psmo {
            psmos: vec![PsmoSpec::Delete {
                iccid: ICCID.into(),
            }],
        };
        let s = apply(
            &s,
            &delete,
            &[EuiccResultData::DeleteResult(DeleteProfileResult::OK)],
        )
        .unwrap();
        assert!(s.profiles.is_empty() && s.enabled_iccid.is_none());
        let eco = OperationKind::Eco {
            ecos: vec![EcoSpec::DeleteEim { eim_id: "b".into() }],
        };
        let with_eims = EuiccState {
            eims: vec!["a".into(), "b".into()],
            ..EuiccState::default()
        };
        let s = apply(
            &with_eims,
            &eco,
            &[EuiccResultData::DeleteEimResult(
                rsp_codec::asn1::sgp32::DeleteEimResult::OK,
            )],
        )
        .unwrap();
        assert_eq!(s.eims, vec!["a".to_owned()]);
    }
}
