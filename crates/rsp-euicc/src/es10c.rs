//! ES10c (LPA ↔ ISD-R): local profile management (SGP.22 §5.7.15–§5.7.21).

use rsp_codec::asn1::{
    self, DeleteProfileRequest, DeleteProfileResponse, DeleteResult, DisableProfileRequest,
    DisableProfileResponse, DisableResult, EnableProfileRequest, EnableProfileResponse,
    EnableResult, EuiccMemoryResetRequest, EuiccMemoryResetResponse, Extensions,
    GetEuiccDataRequest, GetEuiccDataResponse, Iccid, NotificationEvent, Octet16, OctetTo16,
    PendingNotification, PprIds, ProfileClass, ProfileIdentifier, ProfileInfo,
    ProfileInfoListError, ProfileInfoListRequest, ProfileInfoListResponse, ProfileSearchCriteria,
    ProfileState, ResetOptions, ResetResult, SetNicknameRequest, SetNicknameResponse,
    SetNicknameResult, StoreMetadataRequest,
};

use crate::error::Es10Error;
use crate::isdr::Isdr;
use crate::notification::{configured_address, metadata, sign_other, store};
use crate::state::{EuiccState, Profile};
use rsp_codec::tlv::tag_list;

fn stored_metadata(p: &Profile) -> Option<StoreMetadataRequest> {
    asn1::decode::<StoreMetadataRequest>(&p.metadata.0).ok()
}

fn has_ppr(p: &Profile, bit: usize) -> bool {
    stored_metadata(p)
        .and_then(|m| m.profile_policy_rules)
        .is_some_and(|ppr| ppr.is_set(bit))
}

fn class_of(p: &Profile) -> ProfileClass {
    stored_metadata(p).map_or(ProfileClass::OPERATIONAL, |m| m.profile_class)
}

/// The full `ProfileInfo` of a profile (SGP.22 §5.7.15).
fn profile_info(p: &Profile) -> ProfileInfo {
    let meta = stored_metadata(p);
    let dp_data = asn1::decode::<asn1::ConfigureISDPRequest>(&p.configure_isdp.0)
        .ok()
        .and_then(|c| c.dp_proprietary_data);
    ProfileInfo {
        iccid: Iccid::try_from(p.iccid.0.as_slice()).ok(),
        isdp_aid: Some(OctetTo16(p.isdp_aid.0.clone().into())),
        profile_state: Some(if p.enabled {
            ProfileState::ENABLED
        } else {
            ProfileState::DISABLED
        }),
        profile_nickname: p.nickname.clone(),
        service_provider_name: meta.as_ref().map(|m| m.service_provider_name.clone()),
        profile_name: meta.as_ref().map(|m| m.profile_name.clone()),
        icon_type: meta.as_ref().and_then(|m| m.icon_type),
        icon: meta.as_ref().and_then(|m| m.icon.clone()),
        profile_class: Some(class_of(p)),
        notification_configuration_info: meta
            .as_ref()
            .and_then(|m| m.notification_configuration_info.clone()),
        profile_owner: meta.as_ref().and_then(|m| m.profile_owner.clone()),
        dp_proprietary_data: dp_data,
        profile_policy_rules: meta.as_ref().and_then(|m| m.profile_policy_rules.clone()),
        service_specific_data_stored_in_euicc: meta
            .as_ref()
            .and_then(|m| m.service_specific_data_stored_in_euicc.clone()),
        ext: Extensions::default(),
    }
}

/// Keeps only the fields whose tag is in `tags` (the `5C` tag list).
fn filter_fields(mut info: ProfileInfo, tags: &[u16]) -> ProfileInfo {
    let keep = |t: u16| tags.contains(&t);
    macro_rules! drop_unless {
        ($tag:expr, $field:ident) => {
            if !keep($tag) {
                info.$field = None;
            }
        };
    }
    drop_unless!(0x5A, iccid);
    drop_unless!(0x4F, isdp_aid);
    drop_unless!(0x9F70, profile_state);
    drop_unless!(0x90, profile_nickname);
    drop_unless!(0x91, service_provider_name);
    drop_unless!(0x92, profile_name);
    drop_unless!(0x93, icon_type);
    drop_unless!(0x94, icon);
    drop_unless!(0x95, profile_class);
    drop_unless!(0xB6, notification_configuration_info);
    drop_unless!(0xB7, profile_owner);
    drop_unless!(0xB8, dp_proprietary_data);
    drop_unless!(0x99, profile_policy_rules);
    drop_unless!(0xBF22, service_specific_data_stored_in_euicc);
    info
}

fn find(state: &EuiccState, id: &ProfileIdentifier) -> Option<usize> {
    match id {
        ProfileIdentifier::IsdpAid(aid) => state.profile_by_aid(&aid.0),
        ProfileIdentifier::Iccid(iccid) => state.profile_by_iccid(iccid.as_bytes()),
    }
}

impl Isdr {
    /// GetEID (SGP.22 §5.7.20).
    pub(crate) fn get_eid(
        &self,
        req: GetEuiccDataRequest,
    ) -> Result<GetEuiccDataResponse, Es10Error> {
        if req.tag_list.as_bytes() != &[0x5A] {
            return Err(Es10Error::Malformed(asn1::CodecError::Decode(
                "tagList must be 5A".into(),
            )));
        }
        Ok(GetEuiccDataResponse {
            eid_value: Octet16::new(*self.identity.eid()),
            ext: Extensions::default(),
        })
    }

    /// GetProfilesInfo (SGP.22 §5.7.15).
    pub(crate) fn get_profiles_info(&self, req: ProfileInfoListRequest) -> ProfileInfoListResponse {
        profiles_info(&self.state, req)
    }
}

/// GetProfilesInfo over `state` (SGP.22 §5.7.15; also the SGP.32 `listProfileInfo` PSMO).
pub(crate) fn profiles_info(
    state: &EuiccState,
    req: ProfileInfoListRequest,
) -> ProfileInfoListResponse {
    let matches = |p: &&Profile| match &req.search_criteria {
        None => true,
        Some(ProfileSearchCriteria::IsdpAid(aid)) => p.isdp_aid.0 == aid.0.as_ref(),
        Some(ProfileSearchCriteria::Iccid(iccid)) => p.iccid.0 == iccid.as_bytes(),
        Some(ProfileSearchCriteria::ProfileClass(class)) => class_of(p) == *class,
    };
    let tags = req.tag_list.as_ref().map(|t| tag_list(t));
    if tags.as_ref().is_some_and(|t| t.is_empty()) {
        return ProfileInfoListResponse::ProfileInfoListError(
            ProfileInfoListError::INCORRECT_INPUT_VALUES,
        );
    }
    let list = state
        .profiles
        .iter()
        .filter(matches)
        .map(|p| match &tags {
            Some(t) => filter_fields(profile_info(p), t),
            None => profile_info(p),
        })
        .collect();
    ProfileInfoListResponse::ProfileInfoListOk(list)
}

impl Isdr {
    /// Adds the signed notification for `event_bit` on profile `index` if its metadata
    /// asks for one (SGP.22 §5.7.10, §2.4.4 notification configuration).
    pub(crate) fn notify(
        &self,
        next: &mut EuiccState,
        index: usize,
        event_bit: usize,
    ) -> Result<(), Es10Error> {
        let Some(p) = next.profiles.get(index) else {
            return Ok(());
        };
        let Some(meta) = stored_metadata(p) else {
            return Ok(());
        };
        let Some(address) = configured_address(&meta, event_bit) else {
            return Ok(());
        };
        let cred = self
            .identity
            .credential_or_first(&p.ci_key_id.0)
            .ok_or_else(Es10Error::no_credential)?;
        let seq = next.next_seq_number();
        let signed = sign_other(cred, metadata(seq, event_bit, address, Some(meta.iccid)))?;
        store(
            next,
            seq,
            &PendingNotification::OtherSignedNotification(signed),
        )
    }

    /// EnableProfile (SGP.22 §5.7.16): the enabled profile, if any, is disabled first.
    pub(crate) fn enable_profile(
        &mut self,
        req: EnableProfileRequest,
    ) -> Result<EnableProfileResponse, Es10Error> {
        let result = self.try_enable(&req.profile_identifier)?;
        Ok(EnableProfileResponse {
            enable_result: result,
            ext: Extensions::default(),
        })
    }

    fn try_enable(&mut self, id: &ProfileIdentifier) -> Result<EnableResult, Es10Error> {
        let mut next = self.state.clone();
        let result = self.stage_enable(&mut next, id)?;
        if result != EnableResult::OK {
            return Ok(result);
        }
        Ok(match self.commit(next) {
            Ok(()) => EnableResult::OK,
            Err(_) => EnableResult::UNDEFINED_ERROR,
        })
    }

    /// Enables a profile in `next` (the enabled one, if any, disabled first), with the
    /// notifications; `next` is unchanged unless the result is `ok` (SGP.22 §5.7.16, also
    /// the SGP.32 `enable` PSMO).
    pub(crate) fn stage_enable(
        &self,
        next: &mut EuiccState,
        id: &ProfileIdentifier,
    ) -> Result<EnableResult, Es10Error> {
        let Some(index) = find(next, id) else {
            return Ok(EnableResult::ICCID_OR_AID_NOT_FOUND);
        };
        if next.profiles.get(index).is_some_and(|p| p.enabled) {
            return Ok(EnableResult::PROFILE_NOT_IN_DISABLED_STATE);
        }
        let current = next.profiles.iter().position(|p| p.enabled);
        if let Some(cur) = current {
            if next
                .profiles
                .get(cur)
                .is_some_and(|p| has_ppr(p, PprIds::PPR1))
            {
                return Ok(EnableResult::DISALLOWED_BY_POLICY);
            }
            if let Some(p) = next.profiles.get_mut(cur) {
                p.enabled = false;
            }
            self.notify(next, cur, NotificationEvent::NOTIFICATION_DISABLE)?;
        }
        if let Some(p) = next.profiles.get_mut(index) {
            p.enabled = true;
        }
        self.notify(next, index, NotificationEvent::NOTIFICATION_ENABLE)?;
        Ok(EnableResult::OK)
    }

    /// DisableProfile (SGP.22 §5.7.17).
    pub(crate) fn disable_profile(
        &mut self,
        req: DisableProfileRequest,
    ) -> Result<DisableProfileResponse, Es10Error> {
        let mut next = self.state.clone();
        let mut result = self.stage_disable(&mut next, &req.profile_identifier)?;
        if result == DisableResult::OK && self.commit(next).is_err() {
            result = DisableResult::UNDEFINED_ERROR;
        }
        Ok(DisableProfileResponse {
            disable_result: result,
            ext: Extensions::default(),
        })
    }

    /// Disables a profile in `next`, with its notification (SGP.22 §5.7.17, also the
    /// SGP.32 `disable` PSMO).
    pub(crate) fn stage_disable(
        &self,
        next: &mut EuiccState,
        id: &ProfileIdentifier,
    ) -> Result<DisableResult, Es10Error> {
        Ok(match find(next, id) {
            None => DisableResult::ICCID_OR_AID_NOT_FOUND,
            Some(i) if !next.profiles.get(i).is_some_and(|p| p.enabled) => {
                DisableResult::PROFILE_NOT_IN_ENABLED_STATE
            }
            Some(i)
                if next
                    .profiles
                    .get(i)
                    .is_some_and(|p| has_ppr(p, PprIds::PPR1)) =>
            {
                DisableResult::DISALLOWED_BY_POLICY
            }
            Some(i) => {
                if let Some(p) = next.profiles.get_mut(i) {
                    p.enabled = false;
                }
                self.notify(next, i, NotificationEvent::NOTIFICATION_DISABLE)?;
                DisableResult::OK
            }
        })
    }

    /// DeleteProfile (SGP.22 §5.7.18): only a disabled profile; removes the ISD-P.
    pub(crate) fn delete_profile(
        &mut self,
        req: DeleteProfileRequest,
    ) -> Result<DeleteProfileResponse, Es10Error> {
        let id = match req {
            DeleteProfileRequest::IsdpAid(aid) => ProfileIdentifier::IsdpAid(aid),
            DeleteProfileRequest::Iccid(iccid) => ProfileIdentifier::Iccid(iccid),
        };
        let mut next = self.state.clone();
        let mut result = self.stage_delete(&mut next, &id)?;
        if result == DeleteResult::OK && self.commit(next).is_err() {
            result = DeleteResult::UNDEFINED_ERROR;
        }
        Ok(DeleteProfileResponse {
            delete_result: result,
            ext: Extensions::default(),
        })
    }

    /// Deletes a disabled profile from `next`, with its notification (SGP.22 §5.7.18,
    /// also the SGP.32 `delete` PSMO).
    pub(crate) fn stage_delete(
        &self,
        next: &mut EuiccState,
        id: &ProfileIdentifier,
    ) -> Result<DeleteResult, Es10Error> {
        Ok(match find(next, id) {
            None => DeleteResult::ICCID_OR_AID_NOT_FOUND,
            Some(i) if next.profiles.get(i).is_some_and(|p| p.enabled) => {
                DeleteResult::PROFILE_NOT_IN_DISABLED_STATE
            }
            Some(i)
                if next
                    .profiles
                    .get(i)
                    .is_some_and(|p| has_ppr(p, PprIds::PPR2)) =>
            {
                DeleteResult::DISALLOWED_BY_POLICY
            }
            Some(i) => {
                self.notify(next, i, NotificationEvent::NOTIFICATION_DELETE)?;
                next.profiles.remove(i);
                DeleteResult::OK
            }
        })
    }

    /// eUICCMemoryReset (SGP.22 §5.7.19).
    pub(crate) fn memory_reset(
        &mut self,
        req: EuiccMemoryResetRequest,
    ) -> EuiccMemoryResetResponse {
        let opts = &req.reset_options;
        let mut next = self.state.clone();
        let before = next.profiles.len();
        next.profiles.retain(|p| {
            let class = class_of(p);
            let op = opts.is_set(ResetOptions::DELETE_OPERATIONAL_PROFILES)
                && class == ProfileClass::OPERATIONAL;
            let test = opts.is_set(ResetOptions::DELETE_FIELD_LOADED_TEST_PROFILES)
                && class == ProfileClass::TEST;
            !(op || test)
        });
        let mut changed = next.profiles.len() != before;
        if opts.is_set(ResetOptions::RESET_DEFAULT_SMDP_ADDRESS)
            && next.default_dp_address.is_some()
        {
            next.default_dp_address = None;
            changed = true;
        }
        let result = if !changed {
            ResetResult::NOTHING_TO_DELETE
        } else if self.commit(next).is_ok() {
            ResetResult::OK
        } else {
            ResetResult::UNDEFINED_ERROR
        };
        EuiccMemoryResetResponse {
            reset_result: result,
            ext: Extensions::default(),
        }
    }

    /// SetNickname (SGP.22 §5.7.21).
    pub(crate) fn set_nickname(&mut self, req: SetNicknameRequest) -> SetNicknameResponse {
        let mut next = self.state.clone();
        let result = match next.profile_by_iccid(req.iccid.as_bytes()) {
            None => SetNicknameResult::ICCID_NOT_FOUND,
            Some(i) => {
                if let Some(p) = next.profiles.get_mut(i) {
                    p.nickname = (!req.profile_nickname.is_empty()).then_some(req.profile_nickname);
                }
                match self.commit(next) {
                    Ok(()) => SetNicknameResult::OK,
                    Err(_) => SetNicknameResult::UNDEFINED_ERROR,
                }
            }
        };
        SetNicknameResponse {
            set_nickname_result: result,
            ext: Extensions::default(),
        }
    }
}
