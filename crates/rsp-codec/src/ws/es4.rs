//! ES4, Operator → SM-SR (SGP.02 §5.4): EnableProfile, DisableProfile, DeleteProfile,
//! SetFallbackAttribute, UpdatePolicyRules, UpdateSubscriptionAddress, GetEIS, AuditEIS;
//! their responses; and the SM-SR's Profile notifications to the Operator.

use super::message::{Message, RequestBody};
use super::names::Function;
use super::profile::ProfileRequest;
use super::xml::Element;
use super::{Interface, WsError};

/// An ES4 request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Es4Request(pub ProfileRequest);

impl RequestBody for Es4Request {
    const INTERFACE: Interface = Interface::Es4;

    fn function(&self) -> Function {
        self.0.function()
    }

    fn fields(&self) -> Vec<Element> {
        self.0.fields()
    }

    fn read(function: Function, el: &Element) -> Result<Self, WsError> {
        ProfileRequest::read(function, el)
            .ok_or_else(|| WsError::UnknownMessage(el.name.clone()))?
            .map(Self)
    }
}

/// Any ES4 message.
pub type Es4Message = Message<Es4Request>;
