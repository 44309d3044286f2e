//! ES10b IoT functions on the device side (SGP.32 v1.2 §5.9.x): GetCerts, the SGP.32
//! EUICCInfo2, eUICC memory reset, ConfigureImmediateProfileEnabling, ImmediateEnable and
//! ProfileRollback.

use rsp_codec::asn1::sgp32::{
    Certs, ConfigImmediateEnableResult, ConfigureImmediateProfileEnablingRequest,
    ConfigureImmediateProfileEnablingResponse, EuiccResultData, GetCertsError, GetCertsRequest,
    GetCertsResponse, ImmediateEnableRequest, ImmediateEnableResponse, ImmediateEnableResult,
    IoTSpecificInfo, IpaMode, ProfileRollbackRequest, ProfileRollbackResponse,
    ProfileRollbackResult, ResetEimResult, ResetImmediateEnableConfigResult, ResetResult,
    RollbackProfileResult, Sgp32EuiccInfo2, Sgp32EuiccMemoryResetRequest,
    Sgp32EuiccMemoryResetResponse, Sgp32ResetOptions,
};
use rsp_codec::asn1::{
    self, EnableResult, Extensions, Iccid, OpenChoice, ProfileClass, ProfileIdentifier,
    StoreMetadataRequest, TransactionId, VersionType,
};

use super::package::{PackageContext, sign_result};
use super::{ImmediateEnableConfig, enabled_iccid, iot_mut};
use crate::error::Es10Error;
use crate::isdr::Isdr;
use crate::notification::codec_cert;
use crate::state::Profile;

/// SGP.32 version implemented.
pub const IOT_VERSION: [u8; 3] = [1, 2, 0];

fn class_of(p: &Profile) -> ProfileClass {
    asn1::decode::<StoreMetadataRequest>(&p.metadata.0)
        .map_or(ProfileClass::OPERATIONAL, |m| m.profile_class)
}

impl Isdr {
    /// GetCerts (SGP.32 §5.9.x): CERT.EUM.ECDSA and CERT.EUICC.ECDSA of the credential of
    /// `euiccCiPKId` (the first one without it).
    pub(crate) fn get_certs(&self, req: GetCertsRequest) -> Result<GetCertsResponse, Es10Error> {
        let cred = match &req.euicc_ci_pk_id {
            None => self.identity.credentials().first(),
            Some(id) => self.identity.credential_for_ci(id).map(|(_, c)| c),
        };
        let Some(cred) = cred else {
            return Ok(GetCertsResponse::GetCertsError(
                GetCertsError::INVALID_CI_PK_ID,
            ));
        };
        Ok(GetCertsResponse::Certs(Certs {
            eum_certificate: codec_cert(cred.eum())?,
            euicc_certificate: codec_cert(cred.cert())?,
            ext: Extensions::default(),
        }))
    }

    /// The SGP.32 `EUICCInfo2` (GetEUICCInfo in IoT mode): SGP.22's plus `ipaMode` (IPAd)
    /// and `iotSpecificInfo` (SGP.32 v1.2, fallback supported).
    pub(crate) fn get_iot_euicc_info2(&self) -> Sgp32EuiccInfo2 {
        let i = self.get_euicc_info2();
        Sgp32EuiccInfo2 {
            profile_version: i.profile_version,
            svn: i.svn,
            euicc_firmware_ver: i.euicc_firmware_ver,
            ext_card_resource: i.ext_card_resource,
            uicc_capability: i.uicc_capability,
            ts102241_version: i.ts102241_version,
            globalplatform_version: i.globalplatform_version,
            rsp_capability: i.rsp_capability,
            euicc_ci_pk_id_list_for_verification: i.euicc_ci_pk_id_list_for_verification,
            euicc_ci_pk_id_list_for_signing: i.euicc_ci_pk_id_list_for_signing,
            euicc_category: i.euicc_category,
            forbidden_profile_policy_rules: i.forbidden_profile_policy_rules,
            pp_version: i.pp_version,
            sas_acreditation_number: i.sas_acreditation_number,
            certification_data_object: i.certification_data_object,
            tre_properties: i.tre_properties,
            tre_product_reference: i.tre_product_reference,
            additional_euicc_profile_package_versions: i.additional_euicc_profile_package_versions,
            ipa_mode: Some(if self.ipae_active() {
                IpaMode::IPAE
            } else {
                IpaMode::IPAD
            }),
            euicc_ci_pk_id_list_for_signing_v3: None,
            additional_euicc_info: None,
            highest_svn: None,
            iot_specific_info: Some(IoTSpecificInfo {
                iot_version: vec![VersionType::new(IOT_VERSION)],
                ecall_supported: None,
                fallback_supported: Some(()),
                ext: Extensions::default(),
            }),
            ext: Extensions::default(),
        }
    }

    /// eUICCMemoryReset, SGP.32 form (tag BF64): Profiles by class (pre-loaded and
    /// field-loaded test Profiles are not told apart here), default SM-DP+ address, eIM
    /// configuration data, immediate enable configuration.
    pub(crate) fn iot_memory_reset(
        &mut self,
        req: Sgp32EuiccMemoryResetRequest,
    ) -> Sgp32EuiccMemoryResetResponse {
        let opts = &req.reset_options;
        let mut next = self.state.clone();
        let before = next.profiles.len();
        next.profiles.retain(|p| {
            let class = class_of(p);
            let gone = (opts.is_set(Sgp32ResetOptions::DELETE_OPERATIONAL_PROFILES)
                && class == ProfileClass::OPERATIONAL)
                || ((opts.is_set(Sgp32ResetOptions::DELETE_FIELD_LOADED_TEST_PROFILES)
                    || opts.is_set(Sgp32ResetOptions::DELETE_PRE_LOADED_TEST_PROFILES))
                    && class == ProfileClass::TEST)
                || (opts.is_set(Sgp32ResetOptions::DELETE_PROVISIONING_PROFILES)
                    && class == ProfileClass::PROVISIONING);
            !gone
        });
        let mut changed = next.profiles.len() != before;
        if opts.is_set(Sgp32ResetOptions::RESET_DEFAULT_SMDP_ADDRESS)
            && next.default_dp_address.is_some()
        {
            next.default_dp_address = None;
            changed = true;
        }
        let mut eim_result = None;
        let mut iec_result = None;
        let remaining: Vec<Vec<u8>> = next.profiles.iter().map(|p| p.iccid.0.clone()).collect();
        if let Some(iot) = next.iot.as_mut() {
            if iot
                .fallback_iccid
                .as_ref()
                .is_some_and(|f| !remaining.contains(&f.0))
            {
                iot.fallback_iccid = None;
            }
            if opts.is_set(Sgp32ResetOptions::RESET_EIM_CONFIG_DATA) {
                eim_result = Some(if iot.eims.is_empty() {
                    ResetEimResult::NOTHING_TO_DELETE
                } else {
                    iot.eims.clear();
                    changed = true;
                    ResetEimResult::OK
                });
            }
            if opts.is_set(Sgp32ResetOptions::RESET_IMMEDIATE_ENABLE_CONFIG) {
                iot.immediate_enable = None;
                changed = true;
                iec_result = Some(ResetImmediateEnableConfigResult::OK);
            }
        }
        let reset_result = if !changed {
            ResetResult::NOTHING_TO_DELETE
        } else if self.commit(next).is_ok() {
            ResetResult::OK
        } else {
            ResetResult::UNDEFINED_ERROR
        };
        Sgp32EuiccMemoryResetResponse {
            reset_result,
            reset_eim_result: eim_result,
            reset_immediate_enable_config_result: iec_result,
            ext: Extensions::default(),
        }
    }

    /// ConfigureImmediateProfileEnabling (SGP.32 §5.9.x).
    pub(crate) fn configure_immediate_enable(
        &mut self,
        req: ConfigureImmediateProfileEnablingRequest,
    ) -> ConfigureImmediateProfileEnablingResponse {
        let mut next = self.state.clone();
        let result = match iot_mut(&mut next) {
            Ok(iot) => {
                iot.immediate_enable = Some(ImmediateEnableConfig {
                    enabled: req.immediate_enable_flag.is_some(),
                    default_smdp_oid: req.default_smdp_oid.as_ref().map(asn1::oid_text),
                    default_smdp_address: req.default_smdp_address.clone(),
                });
                if self.commit(next).is_ok() {
                    ConfigImmediateEnableResult::OK
                } else {
                    ConfigImmediateEnableResult::UNDEFINED_ERROR
                }
            }
            Err(_) => ConfigImmediateEnableResult::UNDEFINED_ERROR,
        };
        ConfigureImmediateProfileEnablingResponse {
            config_immediate_enable_result: result,
            ext: Extensions::default(),
        }
    }

    /// ImmediateEnable (SGP.32 §5.9.x): enables the Profile just installed, if immediate
    /// enable is configured; the installation is the session context, used once.
    pub(crate) fn immediate_enable(
        &mut self,
        _req: ImmediateEnableRequest,
    ) -> Result<ImmediateEnableResponse, Es10Error> {
        let answer = |r| ImmediateEnableResponse {
            immediate_enable_result: r,
            ext: Extensions::default(),
        };
        let configured = self
            .state
            .iot
            .as_ref()
            .and_then(|i| i.immediate_enable.as_ref())
            .is_some_and(|c| c.enabled);
        if !configured {
            return Ok(answer(
                ImmediateEnableResult::IMMEDIATE_ENABLE_NOT_AVAILABLE,
            ));
        }
        let Some(iccid) = self.last_installed_iccid.take() else {
            return Ok(answer(ImmediateEnableResult::NO_SESSION_CONTEXT));
        };
        let Ok(iccid) = Iccid::try_from(iccid.as_slice()) else {
            return Ok(answer(ImmediateEnableResult::UNDEFINED_ERROR));
        };
        let mut next = self.state.clone();
        let r = self.stage_enable(&mut next, &ProfileIdentifier::Iccid(iccid))?;
        Ok(answer(
            if r == EnableResult::OK && self.commit(next).is_ok() {
                ImmediateEnableResult::OK
            } else {
                ImmediateEnableResult::UNDEFINED_ERROR
            },
        ))
    }

    /// ProfileRollback (SGP.32 §5.9.x): after an enable PSMO with the rollback flag, goes
    /// back to the Profile enabled before and issues the package's result anew, with
    /// `rollbackResult`, signed over the same `eimSignature`.
    pub(crate) fn profile_rollback(
        &mut self,
        _req: ProfileRollbackRequest,
    ) -> Result<ProfileRollbackResponse, Es10Error> {
        let answer = |r, result| ProfileRollbackResponse {
            cmd_result: r,
            euicc_package_result: result,
            ext: Extensions::default(),
        };
        let Some(point) = self.state.iot.as_ref().and_then(|i| i.rollback.clone()) else {
            return Ok(answer(ProfileRollbackResult::ROLLBACK_NOT_ALLOWED, None));
        };
        let mut next = self.state.clone();
        let ok = match (&point.previous.iccid, enabled_iccid(&next)) {
            (Some(prev), _) => match Iccid::try_from(prev.0.as_slice()) {
                Ok(iccid) => {
                    self.stage_enable(&mut next, &ProfileIdentifier::Iccid(iccid))?
                        == EnableResult::OK
                }
                Err(_) => false,
            },
            (None, Some(current)) => match Iccid::try_from(current.0.as_slice()) {
                Ok(iccid) => {
                    self.stage_disable(&mut next, &ProfileIdentifier::Iccid(iccid))?
                        == rsp_codec::asn1::DisableResult::OK
                }
                Err(_) => false,
            },
            (None, None) => true,
        };
        if !ok {
            return Ok(answer(ProfileRollbackResult::UNDEFINED_ERROR, None));
        }
        iot_mut(&mut next)?.rollback = None;
        let tid = point
            .eim_transaction_id
            .as_ref()
            .map(|t| TransactionId(t.0.clone().into()));
        let ctx = PackageContext {
            eim_id: &point.eim_id,
            counter: point.counter,
            eim_transaction_id: tid.as_ref(),
            eim_signature: &point.eim_signature.0,
        };
        let assoc = self
            .state
            .iot
            .as_ref()
            .and_then(|i| i.eims.iter().find(|e| e.eim_id == point.eim_id));
        let cred = match assoc {
            Some(a) => super::eim_config::credential_for(&self.identity, a)?,
            None => self
                .identity
                .credentials()
                .first()
                .ok_or_else(Es10Error::no_credential)?,
        };
        let results = vec![OpenChoice::Known(EuiccResultData::RollbackResult(
            RollbackProfileResult::OK,
        ))];
        let result = sign_result(&mut next, cred, &ctx, results)?;
        self.commit(next)?;
        Ok(answer(ProfileRollbackResult::OK, Some(result)))
    }
}
