//! ES2, Operator → M2M SM-DP (SGP.02 §5.3): GetEIS, DownloadProfile, UpdatePolicyRules,
//! UpdateSubscriptionAddress, EnableProfile, DisableProfile, DeleteProfile, AuditEIS; their
//! responses (DownloadProfileResponse with the `Iccid` downloaded and the eUICC's response
//! data); and the SM-DP's notifications to the Operator (HandleProfileEnabled/Disabled/
//! DeletedNotification, HandleSMSRChangeNotification: see [`super::message`]).
//!
//! Every ES2 request names the SM-SR that manages the eUICC (`Smsr-id`, Njiwa's ES2): the
//! SM-DP passes the function on over ES3. The profile functions are ES4's
//! [`ProfileRequest`]s with that identifier (written after `Eid`); SetFallbackAttribute is
//! no ES2 function.

use super::common::{boolean, check_iccid, eid, opt_text, text};
use super::message::{Message, RequestBody};
use super::names::*;
use super::profile::ProfileRequest;
use super::xml::Element;
use super::{Interface, WsError};

/// An ES2 request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Es2Request {
    /// A profile function ES4 has too, for the eUICC the SM-SR `smsr_id` manages.
    Profile {
        /// The SM-SR of the eUICC (`Smsr-id`).
        smsr_id: String,
        /// The function and its input.
        request: ProfileRequest,
    },
    /// DownloadProfile: the SM-DP creates an ISD-P (ES3 CreateISDP), downloads and
    /// installs the Profile, and enables it when asked.
    DownloadProfile {
        /// eUICC.
        eid: String,
        /// The SM-SR of the eUICC (`Smsr-id`).
        smsr_id: String,
        /// The Profile type to download (`ProfileType`).
        profile_type: String,
        /// A particular Profile of that type (`Iccid`); the SM-DP picks one when absent.
        iccid: Option<String>,
        /// Enable the Profile once installed (`EnableProfile`).
        enable_profile: bool,
    },
}

/// `Smsr-id`, also accepted in Njiwa's ES2 spelling `Smsr-Id`.
fn smsr_id(el: &Element) -> Result<String, WsError> {
    opt_text(el, SMSR_ID_NJIWA_ES2).map_or_else(|| text(el, SMSR_ID), Ok)
}

impl RequestBody for Es2Request {
    const INTERFACE: Interface = Interface::Es2;

    fn function(&self) -> Function {
        match self {
            Self::Profile { request, .. } => request.function(),
            Self::DownloadProfile { .. } => Function::DownloadProfile,
        }
    }

    fn fields(&self) -> Vec<Element> {
        match self {
            Self::Profile { smsr_id, request } => {
                let mut v = request.fields();
                // Every profile request opens with `Eid`.
                v.insert(1.min(v.len()), Element::leaf(SMSR_ID, smsr_id));
                v
            }
            Self::DownloadProfile {
                eid,
                smsr_id,
                profile_type,
                iccid,
                enable_profile,
            } => {
                let mut v = vec![
                    Element::leaf(EID, eid),
                    Element::leaf(SMSR_ID, smsr_id),
                    Element::leaf(PROFILE_TYPE, profile_type),
                ];
                v.extend(iccid.as_ref().map(|i| Element::leaf(ICCID, i)));
                v.push(Element::leaf(
                    ENABLE_AFTER_DOWNLOAD,
                    enable_profile.to_string(),
                ));
                v
            }
        }
    }

    fn read(function: Function, el: &Element) -> Result<Self, WsError> {
        if function == Function::DownloadProfile {
            return Ok(Self::DownloadProfile {
                eid: eid(el)?,
                smsr_id: smsr_id(el)?,
                profile_type: text(el, PROFILE_TYPE)?,
                iccid: opt_text(el, ICCID)
                    .map(|v| check_iccid(&v).map(|()| v))
                    .transpose()?,
                enable_profile: boolean(ENABLE_AFTER_DOWNLOAD, &text(el, ENABLE_AFTER_DOWNLOAD)?)?,
            });
        }
        let request = ProfileRequest::read(function, el)
            .ok_or_else(|| WsError::UnknownMessage(el.name.clone()))??;
        Ok(Self::Profile {
            smsr_id: smsr_id(el)?,
            request,
        })
    }
}

/// Any ES2 message.
pub type Es2Message = Message<Es2Request>;
