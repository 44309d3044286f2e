//! ES3, SM-DP → SM-SR (SGP.02 §5.5): the profile-management functions of ES4 (DeleteProfile
//! is named DeleteISDP here) plus CreateISDP, SendData, ProfileDownloadCompleted and
//! UpdateConnectivityParameters; their responses and the SM-SR's notifications.

use super::common::{
    Pol2, SubscriptionAddress, aid, boolean, eid, hex_value, iccid, number, opt_text, text,
};
use super::message::{Message, RequestBody};
use super::names::*;
use super::profile::ProfileRequest;
use super::xml::Element;
use super::{Interface, WsError};

/// An ES3 request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Es3Request {
    /// A function ES4 has too.
    Profile(ProfileRequest),
    /// CreateISDP: reserve an ISD-P for a Profile.
    CreateIsdp {
        /// eUICC.
        eid: String,
        /// Profile.
        iccid: String,
        /// Owning Operator (`Mno-ID`).
        mno_id: String,
        /// Memory to reserve, bytes.
        required_memory: u64,
        /// Whether more ES3 calls of the same download follow.
        more_to_do: Option<bool>,
    },
    /// SendData: a script for a security domain.
    SendData {
        /// eUICC.
        eid: String,
        /// Target security domain AID, hex (`sd-aid`).
        sd_aid: String,
        /// The command script (hex on the wire).
        data: Vec<u8>,
        /// Whether more SendData calls follow.
        more_to_do: Option<bool>,
    },
    /// ProfileDownloadCompleted.
    ProfileDownloadCompleted {
        /// eUICC.
        eid: String,
        /// Profile.
        iccid: String,
        /// Profile type.
        profile_type: Option<String>,
        /// The Profile's subscription address.
        subscription_address: Option<SubscriptionAddress>,
        /// Its POL2.
        pol2: Option<Pol2>,
    },
    /// UpdateConnectivityParameters.
    UpdateConnectivityParameters {
        /// eUICC.
        eid: String,
        /// Profile.
        iccid: String,
        /// The connectivity parameters (hex on the wire; SGP.02 §4.1.3.3 TLV).
        connectivity_parameters: Vec<u8>,
    },
}

fn more(v: Option<bool>) -> Option<Element> {
    v.map(|b| Element::leaf(MORE_TO_DO, b.to_string()))
}

fn read_more(el: &Element) -> Result<Option<bool>, WsError> {
    opt_text(el, MORE_TO_DO)
        .map(|t| boolean(MORE_TO_DO, &t))
        .transpose()
}

impl RequestBody for Es3Request {
    const INTERFACE: Interface = Interface::Es3;

    fn function(&self) -> Function {
        match self {
            Self::Profile(p) => p.function(),
            Self::CreateIsdp { .. } => Function::CreateIsdp,
            Self::SendData { .. } => Function::SendData,
            Self::ProfileDownloadCompleted { .. } => Function::ProfileDownloadCompleted,
            Self::UpdateConnectivityParameters { .. } => Function::UpdateConnectivityParameters,
        }
    }

    fn fields(&self) -> Vec<Element> {
        let pair =
            |eid: &str, iccid: &str| vec![Element::leaf(EID, eid), Element::leaf(ICCID, iccid)];
        let mut v = match self {
            Self::Profile(p) => return p.fields(),
            Self::CreateIsdp { eid, iccid, .. }
            | Self::ProfileDownloadCompleted { eid, iccid, .. }
            | Self::UpdateConnectivityParameters { eid, iccid, .. } => pair(eid, iccid),
            Self::SendData { eid, .. } => vec![Element::leaf(EID, eid)],
        };
        match self {
            Self::Profile(_) => {}
            Self::CreateIsdp {
                mno_id,
                required_memory,
                more_to_do,
                ..
            } => {
                v.push(Element::leaf(CREATE_MNO_ID, mno_id));
                v.push(Element::leaf(REQUIRED_MEMORY, required_memory.to_string()));
                v.extend(more(*more_to_do));
            }
            Self::SendData {
                sd_aid,
                data,
                more_to_do,
                ..
            } => {
                v.push(Element::leaf(SD_AID, sd_aid));
                v.push(Element::leaf(DATA, hex::encode_upper(data)));
                v.extend(more(*more_to_do));
            }
            Self::ProfileDownloadCompleted {
                profile_type,
                subscription_address,
                pol2,
                ..
            } => {
                v.extend(
                    profile_type
                        .as_ref()
                        .map(|t| Element::leaf(PROFILE_TYPE, t)),
                );
                v.extend(
                    subscription_address
                        .as_ref()
                        .map(|a| a.to_element(SUBSCRIPTION_ADDRESS)),
                );
                v.extend(pol2.as_ref().map(Pol2::to_element));
            }
            Self::UpdateConnectivityParameters {
                connectivity_parameters,
                ..
            } => {
                v.push(Element::leaf(
                    CONNECTIVITY_PARAMETERS,
                    hex::encode_upper(connectivity_parameters),
                ));
            }
        }
        v
    }

    fn read(function: Function, el: &Element) -> Result<Self, WsError> {
        if let Some(p) = ProfileRequest::read(function, el) {
            return p.map(Self::Profile);
        }
        Ok(match function {
            Function::CreateIsdp => Self::CreateIsdp {
                eid: eid(el)?,
                iccid: iccid(el)?,
                mno_id: text(el, CREATE_MNO_ID)?,
                required_memory: number(el, REQUIRED_MEMORY)?,
                more_to_do: read_more(el)?,
            },
            Function::SendData => Self::SendData {
                eid: eid(el)?,
                sd_aid: aid(el, SD_AID)?,
                data: hex_value(DATA, &text(el, DATA)?)?,
                more_to_do: read_more(el)?,
            },
            Function::ProfileDownloadCompleted => Self::ProfileDownloadCompleted {
                eid: eid(el)?,
                iccid: iccid(el)?,
                profile_type: opt_text(el, PROFILE_TYPE),
                subscription_address: el
                    .child(NS_GSMA, SUBSCRIPTION_ADDRESS)
                    .map(SubscriptionAddress::from_element)
                    .transpose()?,
                pol2: el
                    .child(NS_GSMA, POL2)
                    .map(Pol2::from_element)
                    .transpose()?,
            },
            Function::UpdateConnectivityParameters => Self::UpdateConnectivityParameters {
                eid: eid(el)?,
                iccid: iccid(el)?,
                connectivity_parameters: hex_value(
                    CONNECTIVITY_PARAMETERS,
                    &text(el, CONNECTIVITY_PARAMETERS)?,
                )?,
            },
            _ => return Err(WsError::UnknownMessage(el.name.clone())),
        })
    }
}

/// Any ES3 message.
pub type Es3Message = Message<Es3Request>;
