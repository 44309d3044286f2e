//! eIM associations (SGP.32 v1.2 §2.11.1 `EimConfigurationData`): ES10b.AddInitialEim
//! (§5.9.18), ES10b.GetEimConfigurationData, and the checks the addEim / updateEim eCOs
//! share with them.

use rasn::types::Integer;
use rsp_codec::asn1::sgp32::{
    AddInitialEimError, AddInitialEimOkEntry, AddInitialEimRequest, AddInitialEimResponse,
    EimConfigurationData, EimPublicKeyData, EimSearchCriteria, GetEimConfigurationDataRequest,
    GetEimConfigurationDataResponse,
};
use rsp_codec::asn1::{self, Extensions};
use rsp_crypto::PublicKey;

use super::{EimAssociation, IotState, MAX_COUNTER, MAX_EIMS, iot_mut};
use crate::error::Es10Error;
use crate::identity::{EuiccCredential, Identity};
use crate::isdr::Isdr;
use crate::state::HexBytes;

/// Why an association cannot be made; the numbers are those `AddInitialEimError`,
/// `AddEimResultCode` and `UpdateEimResult` share (SGP.32 §2.9.2, §5.9.18).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AssociationError {
    InsufficientMemory = 1,
    AlreadyExists = 2,
    CiPkUnknown = 3,
    CounterOutOfRange = 6,
    CommandError = 7,
}

impl AssociationError {
    pub(crate) fn code(self) -> i64 {
        self as i64
    }
}

/// The key verifying the eIM's signatures: `eimPublicKeyData` as a SubjectPublicKeyInfo
/// or the public key of a certificate.
pub(crate) fn eim_key(config: &EimConfigurationData) -> Option<PublicKey> {
    match config.eim_public_key_data.as_ref()? {
        EimPublicKeyData::EimPublicKey(spki) => {
            PublicKey::from_spki_der(&asn1::encode(spki).ok()?).ok()
        }
        EimPublicKeyData::EimCertificate(cert) => rsp_pki::Cert::from_der(cert.as_der())
            .ok()
            .map(|c| c.public_key().clone()),
    }
}

/// The stored configuration of an association.
pub(crate) fn config_of(assoc: &EimAssociation) -> Option<EimConfigurationData> {
    asn1::decode(&assoc.config.0).ok()
}

/// The eUICC credential that signs for this eIM: the one of `euiccCiPKId` if set.
pub(crate) fn credential_for<'a>(
    identity: &'a Identity,
    assoc: &EimAssociation,
) -> Result<&'a EuiccCredential, Es10Error> {
    let ci = config_of(assoc)
        .and_then(|c| c.euicc_ci_pk_id)
        .map(|k| k.to_vec())
        .unwrap_or_default();
    identity
        .credential_or_first(&ci)
        .ok_or_else(Es10Error::no_credential)
}

/// Checks a configuration's key, CI and counter; returns the initial counter.
pub(crate) fn check_config(
    identity: &Identity,
    config: &EimConfigurationData,
) -> Result<i64, AssociationError> {
    if eim_key(config).is_none() {
        return Err(AssociationError::CommandError);
    }
    let signing = identity.ci_pk_ids_for_signing();
    if let Some(ci) = &config.euicc_ci_pk_id
        && !signing.iter().any(|k| k.as_slice() == ci.as_ref())
    {
        return Err(AssociationError::CiPkUnknown);
    }
    match config.counter_value.as_ref().map(i64::try_from) {
        None => Ok(0),
        Some(Ok(c)) if (0..=MAX_COUNTER).contains(&c) => Ok(c),
        Some(_) => Err(AssociationError::CounterOutOfRange),
    }
}

/// Adds one association to `iot`; returns the association token issued, if asked for.
pub(crate) fn associate(
    identity: &Identity,
    iot: &mut IotState,
    config: &EimConfigurationData,
) -> Result<Option<i64>, AssociationError> {
    if iot.eims.iter().any(|e| e.eim_id == config.eim_id) {
        return Err(AssociationError::AlreadyExists);
    }
    if iot.eims.len() >= MAX_EIMS {
        return Err(AssociationError::InsufficientMemory);
    }
    let counter = check_config(identity, config)?;
    let token = if config.association_token.is_some() {
        iot.last_association_token = iot.last_association_token.saturating_add(1);
        Some(iot.last_association_token)
    } else {
        None
    };
    let mut stored = config.clone();
    stored.counter_value = None;
    stored.association_token = None;
    let der = asn1::encode(&stored).map_err(|_| AssociationError::CommandError)?;
    iot.eims.push(EimAssociation {
        eim_id: config.eim_id.clone(),
        config: HexBytes(der),
        counter,
        association_token: token,
    });
    Ok(token)
}

impl Isdr {
    /// ES10b.AddInitialEim (SGP.32 §5.9.18): only while no eIM is associated; all the
    /// configurations are added, or none.
    pub(crate) fn add_initial_eim(
        &mut self,
        req: AddInitialEimRequest,
    ) -> Result<AddInitialEimResponse, Es10Error> {
        let error = AddInitialEimResponse::AddInitialEimError;
        let mut next = self.state.clone();
        let iot = iot_mut(&mut next)?;
        if !iot.eims.is_empty() {
            return Ok(error(AddInitialEimError::ASSOCIATED_EIM_ALREADY_EXISTS));
        }
        if req.eim_configuration_data_list.is_empty() {
            return Ok(error(AddInitialEimError::COMMAND_ERROR));
        }
        let mut entries = Vec::new();
        for config in &req.eim_configuration_data_list {
            match associate(&self.identity, iot, config) {
                Ok(Some(token)) => {
                    entries.push(AddInitialEimOkEntry::AssociationToken(Integer::from(token)))
                }
                Ok(None) => entries.push(AddInitialEimOkEntry::AddOk(())),
                Err(e) => return Ok(error(AddInitialEimError(e.code()))),
            }
        }
        Ok(match self.commit(next) {
            Ok(()) => AddInitialEimResponse::AddInitialEimOk(entries),
            Err(_) => error(AddInitialEimError::UNDEFINED_ERROR),
        })
    }

    /// ES10b.GetEimConfigurationData (SGP.32 §5.9.x): the associations (or the one
    /// searched for), with their current counter value and association token.
    pub(crate) fn get_eim_configuration_data(
        &self,
        req: GetEimConfigurationDataRequest,
    ) -> GetEimConfigurationDataResponse {
        let wanted = |a: &&EimAssociation| match &req.search_criteria {
            None => true,
            Some(EimSearchCriteria::EimId(id)) => &a.eim_id == id,
        };
        let list = self
            .state
            .iot
            .iter()
            .flat_map(|iot| iot.eims.iter())
            .filter(wanted)
            .filter_map(|a| {
                let mut c = config_of(a)?;
                c.counter_value = Some(Integer::from(a.counter));
                c.association_token = a.association_token.map(Integer::from);
                Some(c)
            })
            .collect();
        GetEimConfigurationDataResponse {
            eim_configuration_data_list: list,
            ext: Extensions::default(),
        }
    }
}
