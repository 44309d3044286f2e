//! The profile-management requests ES2, ES3 and ES4 share (SGP.02 §5.3–§5.5).

use super::WsError;
use super::common::{Pol2, SubscriptionAddress, check_iccid, eid, iccid};
use super::names::*;
use super::xml::Element;

/// The profile-management requests ES3 and ES4 share (SGP.02 §5.4, §5.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileRequest {
    /// EnableProfile (`Eid`, `Iccid`).
    EnableProfile {
        /// eUICC.
        eid: String,
        /// Profile.
        iccid: String,
    },
    /// DisableProfile.
    DisableProfile {
        /// eUICC.
        eid: String,
        /// Profile.
        iccid: String,
    },
    /// DeleteProfile (ES4) / DeleteISDP (ES3).
    DeleteProfile {
        /// eUICC.
        eid: String,
        /// Profile.
        iccid: String,
    },
    /// SetFallbackAttribute.
    SetFallbackAttribute {
        /// eUICC.
        eid: String,
        /// Profile.
        iccid: String,
    },
    /// UpdatePolicyRules (`Pol2`).
    UpdatePolicyRules {
        /// eUICC.
        eid: String,
        /// Profile.
        iccid: String,
        /// The new POL2.
        pol2: Pol2,
    },
    /// UpdateSubscriptionAddress (`NewSubscriptionAddress`).
    UpdateSubscriptionAddress {
        /// eUICC.
        eid: String,
        /// Profile.
        iccid: String,
        /// The new address.
        new_subscription_address: SubscriptionAddress,
    },
    /// GetEIS.
    GetEis {
        /// eUICC.
        eid: String,
    },
    /// AuditEIS (optionally limited to some Profiles).
    AuditEis {
        /// eUICC.
        eid: String,
        /// Profiles to audit; empty means all.
        iccids: Vec<String>,
    },
}

impl ProfileRequest {
    /// Which function this is.
    pub fn function(&self) -> Function {
        match self {
            Self::EnableProfile { .. } => Function::EnableProfile,
            Self::DisableProfile { .. } => Function::DisableProfile,
            Self::DeleteProfile { .. } => Function::DeleteProfile,
            Self::SetFallbackAttribute { .. } => Function::SetFallbackAttribute,
            Self::UpdatePolicyRules { .. } => Function::UpdatePolicyRules,
            Self::UpdateSubscriptionAddress { .. } => Function::UpdateSubscriptionAddress,
            Self::GetEis { .. } => Function::GetEis,
            Self::AuditEis { .. } => Function::AuditEis,
        }
    }

    /// The body's fields after the common ones.
    pub(crate) fn fields(&self) -> Vec<Element> {
        let pair =
            |eid: &str, iccid: &str| vec![Element::leaf(EID, eid), Element::leaf(ICCID, iccid)];
        match self {
            Self::EnableProfile { eid, iccid }
            | Self::DisableProfile { eid, iccid }
            | Self::DeleteProfile { eid, iccid }
            | Self::SetFallbackAttribute { eid, iccid } => pair(eid, iccid),
            Self::UpdatePolicyRules { eid, iccid, pol2 } => {
                let mut v = pair(eid, iccid);
                v.push(pol2.to_element());
                v
            }
            Self::UpdateSubscriptionAddress {
                eid,
                iccid,
                new_subscription_address,
            } => {
                let mut v = pair(eid, iccid);
                v.push(new_subscription_address.to_element(NEW_SUBSCRIPTION_ADDRESS));
                v
            }
            Self::GetEis { eid } => vec![Element::leaf(EID, eid)],
            Self::AuditEis { eid, iccids } => std::iter::once(Element::leaf(EID, eid))
                .chain(iccids.iter().map(|i| Element::leaf(ICCID, i)))
                .collect(),
        }
    }

    /// Reads the fields of `function`'s body; `None` if `function` is no profile request.
    pub(crate) fn read(function: Function, el: &Element) -> Option<Result<Self, WsError>> {
        let read = || -> Result<Self, WsError> {
            Ok(match function {
                Function::EnableProfile => Self::EnableProfile {
                    eid: eid(el)?,
                    iccid: iccid(el)?,
                },
                Function::DisableProfile => Self::DisableProfile {
                    eid: eid(el)?,
                    iccid: iccid(el)?,
                },
                Function::DeleteProfile => Self::DeleteProfile {
                    eid: eid(el)?,
                    iccid: iccid(el)?,
                },
                Function::SetFallbackAttribute => Self::SetFallbackAttribute {
                    eid: eid(el)?,
                    iccid: iccid(el)?,
                },
                Function::UpdatePolicyRules => Self::UpdatePolicyRules {
                    eid: eid(el)?,
                    iccid: iccid(el)?,
                    pol2: Pol2::required(el)?,
                },
                Function::UpdateSubscriptionAddress => Self::UpdateSubscriptionAddress {
                    eid: eid(el)?,
                    iccid: iccid(el)?,
                    new_subscription_address: SubscriptionAddress::from_element(
                        el.child(NS_GSMA, NEW_SUBSCRIPTION_ADDRESS)
                            .ok_or(WsError::Missing(NEW_SUBSCRIPTION_ADDRESS))?,
                    )?,
                },
                Function::GetEis => Self::GetEis { eid: eid(el)? },
                Function::AuditEis => Self::AuditEis {
                    eid: eid(el)?,
                    iccids: el
                        .children_named(NS_GSMA, ICCID)
                        .map(|c| {
                            let v = c.trimmed().to_owned();
                            check_iccid(&v).map(|()| v)
                        })
                        .collect::<Result<_, _>>()?,
                },
                _ => return Err(WsError::UnknownMessage(String::new())),
            })
        };
        match function {
            Function::RegisterEis
            | Function::CreateIsdp
            | Function::SendData
            | Function::ProfileDownloadCompleted
            | Function::UpdateConnectivityParameters
            | Function::DownloadProfile
            | Function::PrepareSmsrChange
            | Function::SmsrChange
            | Function::HandoverEuicc
            | Function::AuthenticateSmsr
            | Function::CreateAdditionalKeySet => None,
            _ => Some(read()),
        }
    }
}
