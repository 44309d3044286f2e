//! eIM Configuration Operations (SGP.32 v1.2 §2.9.1.2, §5.9.1): addEim, deleteEim,
//! updateEim, listEim, each on the staged state of its package.

use rasn::types::Integer;
use rsp_codec::asn1::Extensions;
use rsp_codec::asn1::sgp32::{
    AddEimResult, AddEimResultCode, DeleteEimResult, Eco, EimConfigurationData, EimIdInfo,
    EuiccResultData, ListEimResult, UpdateEimResult,
};

use super::eim_config::{associate, check_config, config_of};
use super::iot_mut;
use crate::error::Es10Error;
use crate::isdr::Isdr;
use crate::state::{EuiccState, HexBytes};

impl Isdr {
    /// Runs one eCO on `next`.
    pub(crate) fn run_eco(
        &self,
        next: &mut EuiccState,
        eco: &Eco,
    ) -> Result<(EuiccResultData, bool), Es10Error> {
        let iot = iot_mut(next)?;
        Ok(match eco {
            Eco::AddEim(config) => match associate(&self.identity, iot, config) {
                Ok(Some(token)) => (
                    EuiccResultData::AddEimResult(AddEimResult::AssociationToken(Integer::from(
                        token,
                    ))),
                    true,
                ),
                Ok(None) => (
                    EuiccResultData::AddEimResult(AddEimResult::AddEimResultCode(
                        AddEimResultCode::OK,
                    )),
                    true,
                ),
                Err(e) => (
                    EuiccResultData::AddEimResult(AddEimResult::AddEimResultCode(
                        AddEimResultCode(e.code()),
                    )),
                    false,
                ),
            },
            // deleteEim: the last association is never removed, so the eUICC stays
            // manageable (`lastEimDeleted(2)`: "no eIM Configuration Data available").
            Eco::DeleteEim(d) => {
                let r = match iot.eims.iter().position(|e| e.eim_id == d.eim_id) {
                    None => DeleteEimResult::EIM_NOT_FOUND,
                    Some(_) if iot.eims.len() == 1 => DeleteEimResult::LAST_EIM_DELETED,
                    Some(i) => {
                        iot.eims.remove(i);
                        DeleteEimResult::OK
                    }
                };
                (
                    EuiccResultData::DeleteEimResult(r),
                    r == DeleteEimResult::OK,
                )
            }
            Eco::UpdateEim(update) => {
                let r = self.update_eim(next, update)?;
                (
                    EuiccResultData::UpdateEimResult(r),
                    r == UpdateEimResult::OK,
                )
            }
            Eco::ListEim(_) => {
                let list = iot
                    .eims
                    .iter()
                    .map(|a| EimIdInfo {
                        eim_id: a.eim_id.clone(),
                        eim_id_type: config_of(a).and_then(|c| c.eim_id_type),
                        ext: Extensions::default(),
                    })
                    .collect();
                (
                    EuiccResultData::ListEimResult(ListEimResult::EimIdList(list)),
                    true,
                )
            }
        })
    }

    /// updateEim: the fields present replace the stored ones; a counter value present
    /// resets the counter (SGP.32 §5.9.1).
    fn update_eim(
        &self,
        next: &mut EuiccState,
        update: &EimConfigurationData,
    ) -> Result<UpdateEimResult, Es10Error> {
        let iot = iot_mut(next)?;
        let Some(assoc) = iot.eims.iter_mut().find(|e| e.eim_id == update.eim_id) else {
            return Ok(UpdateEimResult::EIM_NOT_FOUND);
        };
        let Some(mut merged) = config_of(assoc) else {
            return Ok(UpdateEimResult::UNDEFINED_ERROR);
        };
        macro_rules! take {
            ($($field:ident),*) => {$(
                if update.$field.is_some() {
                    merged.$field = update.$field.clone();
                }
            )*};
        }
        take!(
            eim_fqdn,
            eim_id_type,
            eim_public_key_data,
            trusted_public_key_data_tls,
            eim_supported_protocol,
            euicc_ci_pk_id,
            indirect_profile_download
        );
        merged.counter_value = update.counter_value.clone();
        let counter = match check_config(&self.identity, &merged) {
            Ok(c) => c,
            Err(e) => return Ok(UpdateEimResult(e.code())),
        };
        if merged.counter_value.is_some() {
            assoc.counter = counter;
        }
        merged.counter_value = None;
        merged.association_token = None;
        let der = rsp_codec::asn1::encode(&merged).map_err(Es10Error::encoding)?;
        assoc.config = HexBytes(der);
        Ok(UpdateEimResult::OK)
    }
}
