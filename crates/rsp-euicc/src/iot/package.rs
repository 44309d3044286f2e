//! ES10b.LoadEuiccPackage (SGP.32 v1.2 §5.9.1): verification, execution, signed result.
//!
//! Verification order and answers (SGP.32 §5.9.1, §2.9.2):
//! 1. `eimId` not associated, or `eimSignature` not verifying with that eIM's key over
//!    [`eim_signed_data`] → `euiccPackageErrorUnsigned` (the eUICC cannot tell the sender
//!    is an eIM it serves, so it signs nothing for it; the association token, if the eIM is
//!    known, lets the real eIM recognise the answer);
//! 2. `eidValue` not this eUICC's → signed `invalidEid(3)`;
//! 3. `counterValue` above [`super::MAX_COUNTER`] → signed `counterValueOutOfRange(6)`;
//!    not above the last accepted one → signed `replayError(4)`.
//!
//! Execution: the operations run in order on a copy of the state; SGP.32 §5.9.1 has the
//! eUICC stop at the first operation that fails, reporting the results of those executed
//! (the failed one included) and none for the rest. The copy (the executed operations'
//! changes, the new counter value and the stored result) is then committed in one write:
//! all of a package's effects persist together or, if persisting fails, none do.

use rasn::types::{Integer, OctetString};
use rsp_codec::asn1::sgp32::{
    EuiccPackage, EuiccPackageErrorCode, EuiccPackageErrorDataSigned, EuiccPackageErrorSigned,
    EuiccPackageErrorUnsigned, EuiccPackageRequest, EuiccPackageResult,
    EuiccPackageResultDataSigned, EuiccPackageResultSigned, EuiccPackageSigned, EuiccResultData,
    ProcessingTerminated, eim_signed_data, euicc_signed_data,
};
use rsp_codec::asn1::{Extensions, OpenChoice, Raw, TransactionId};

use super::eim_config::{credential_for, eim_key};
use super::results::store_result;
use super::{EimAssociation, MAX_COUNTER, iot_mut};
use crate::error::Es10Error;
use crate::identity::EuiccCredential;
use crate::isdr::Isdr;
use crate::state::EuiccState;

/// The package an operation belongs to (for results built later, e.g. rollback).
pub(crate) struct PackageContext<'a> {
    pub eim_id: &'a str,
    pub counter: i64,
    pub eim_transaction_id: Option<&'a TransactionId>,
    pub eim_signature: &'a [u8],
}

impl Isdr {
    /// ES10b.LoadEuiccPackage (SGP.32 §5.9.1).
    pub(crate) fn load_euicc_package(
        &mut self,
        req: EuiccPackageRequest,
    ) -> Result<EuiccPackageResult, Es10Error> {
        let signed: &EuiccPackageSigned = req.euicc_package_signed.value();
        let eim_sig = req.eim_signature.as_ref();
        let unsigned = |token: Option<i64>| {
            EuiccPackageResult::EuiccPackageErrorUnsigned(EuiccPackageErrorUnsigned {
                eim_id: signed.eim_id.clone(),
                eim_transaction_id: signed.eim_transaction_id.clone(),
                association_token: token.map(Integer::from),
                ext: Extensions::default(),
            })
        };
        let Some(assoc) = self
            .state
            .iot
            .as_ref()
            .and_then(|iot| iot.eims.iter().find(|e| e.eim_id == signed.eim_id))
            .cloned()
        else {
            return Ok(unsigned(None));
        };
        let token = assoc.association_token.map(Integer::from);
        let message = eim_signed_data(req.euicc_package_signed.raw(), token.as_ref());
        let verified = eim_key_of(&assoc).is_some_and(|k| k.verify_raw(&message, eim_sig).is_ok());
        if !verified {
            return Ok(unsigned(assoc.association_token));
        }
        let counter = i64::try_from(&signed.counter_value).ok();
        let error = if signed.eid_value.as_bytes() != self.identity.eid() {
            Some(EuiccPackageErrorCode::INVALID_EID)
        } else {
            match counter {
                None => Some(EuiccPackageErrorCode::COUNTER_VALUE_OUT_OF_RANGE),
                Some(c) if c > MAX_COUNTER => {
                    Some(EuiccPackageErrorCode::COUNTER_VALUE_OUT_OF_RANGE)
                }
                Some(c) if c <= assoc.counter => Some(EuiccPackageErrorCode::REPLAY_ERROR),
                Some(_) => None,
            }
        };
        let (None, Some(counter)) = (error, counter) else {
            let code = error.unwrap_or(EuiccPackageErrorCode::UNDEFINED_ERROR);
            return self.signed_error(&assoc, signed, eim_sig, code);
        };
        let ctx = PackageContext {
            eim_id: &signed.eim_id,
            counter,
            eim_transaction_id: signed.eim_transaction_id.as_ref(),
            eim_signature: eim_sig,
        };
        let mut next = self.state.clone();
        {
            let iot = iot_mut(&mut next)?;
            if let Some(a) = iot.eims.iter_mut().find(|e| e.eim_id == signed.eim_id) {
                a.counter = counter;
            }
            // A rollback point lives until the next package (SGP.32 §5.9.x ProfileRollback).
            iot.rollback = None;
        }
        let results = self.execute(&mut next, &signed.euicc_package, &ctx)?;
        let cred = credential_for(&self.identity, &assoc)?;
        let result = sign_result(&mut next, cred, &ctx, results)?;
        self.commit(next)?;
        Ok(result)
    }

    /// Runs the operations on `next`, stopping after the first that fails.
    fn execute(
        &self,
        next: &mut EuiccState,
        package: &EuiccPackage,
        ctx: &PackageContext<'_>,
    ) -> Result<Vec<OpenChoice<EuiccResultData>>, Es10Error> {
        let mut out = Vec::new();
        let unknown = || {
            EuiccResultData::ProcessingTerminated(ProcessingTerminated::UNKNOWN_OR_DAMAGED_COMMAND)
        };
        match package {
            EuiccPackage::PsmoList(list) => {
                for op in list {
                    let (result, ok) = match op.known() {
                        Some(psmo) => self.run_psmo(next, psmo, ctx)?,
                        None => (unknown(), false),
                    };
                    out.push(OpenChoice::Known(result));
                    if !ok {
                        break;
                    }
                }
            }
            EuiccPackage::EcoList(list) => {
                for op in list {
                    let (result, ok) = match op.known() {
                        Some(eco) => self.run_eco(next, eco)?,
                        None => (unknown(), false),
                    };
                    out.push(OpenChoice::Known(result));
                    if !ok {
                        break;
                    }
                }
            }
        }
        Ok(out)
    }
}

/// Builds, signs (`euiccSignEPR`) and stores an `EuiccPackageResultSigned` in `next`.
pub(crate) fn sign_result(
    next: &mut EuiccState,
    cred: &EuiccCredential,
    ctx: &PackageContext<'_>,
    results: Vec<OpenChoice<EuiccResultData>>,
) -> Result<EuiccPackageResult, Es10Error> {
    let seq = next.next_seq_number();
    let data = Raw::new(EuiccPackageResultDataSigned {
        eim_id: ctx.eim_id.to_owned(),
        counter_value: Integer::from(ctx.counter),
        eim_transaction_id: ctx.eim_transaction_id.cloned(),
        seq_number: Integer::from(seq),
        euicc_result: results,
        ext: Extensions::default(),
    })
    .map_err(Es10Error::encoding)?;
    let sig = cred.sign(&euicc_signed_data(data.raw(), ctx.eim_signature))?;
    let result = EuiccPackageResult::EuiccPackageResultSigned(EuiccPackageResultSigned {
        euicc_package_result_data_signed: data,
        euicc_sign_epr: OctetString::from(sig.to_vec()),
        ext: Extensions::default(),
    });
    store_result(next, seq, &result)?;
    Ok(result)
}

impl Isdr {
    /// A signed `EuiccPackageErrorSigned` (`euiccSignEPE`); nothing changes on the eUICC.
    fn signed_error(
        &self,
        assoc: &EimAssociation,
        signed: &EuiccPackageSigned,
        eim_signature: &[u8],
        code: EuiccPackageErrorCode,
    ) -> Result<EuiccPackageResult, Es10Error> {
        let data = Raw::new(EuiccPackageErrorDataSigned {
            eim_id: signed.eim_id.clone(),
            counter_value: signed.counter_value.clone(),
            eim_transaction_id: signed.eim_transaction_id.clone(),
            euicc_package_error_code: code,
            ext: Extensions::default(),
        })
        .map_err(Es10Error::encoding)?;
        let cred = credential_for(&self.identity, assoc)?;
        let sig = cred.sign(&euicc_signed_data(data.raw(), eim_signature))?;
        Ok(EuiccPackageResult::EuiccPackageErrorSigned(
            EuiccPackageErrorSigned {
                euicc_package_error_data_signed: data,
                euicc_sign_epe: OctetString::from(sig.to_vec()),
                ext: Extensions::default(),
            },
        ))
    }
}

/// The verification key of an association.
fn eim_key_of(assoc: &EimAssociation) -> Option<rsp_crypto::PublicKey> {
    super::eim_config::config_of(assoc).and_then(|c| eim_key(&c))
}
