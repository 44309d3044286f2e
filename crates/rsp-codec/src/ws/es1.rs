//! ES1, EUM → SM-SR (SGP.02 §5.3): RegisterEIS with the EIS (including, for our SM-SR,
//! the ISD-R keys) and its response.

use super::eis::Eis;
use super::message::{Message, RequestBody};
use super::names::{EIS, Function, NS_GSMA};
use super::xml::Element;
use super::{Interface, WsError};

/// An ES1 request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Es1Request {
    /// RegisterEIS.
    RegisterEis(Box<Eis>),
}

impl RequestBody for Es1Request {
    const INTERFACE: Interface = Interface::Es1;

    fn function(&self) -> Function {
        Function::RegisterEis
    }

    fn fields(&self) -> Vec<Element> {
        match self {
            Self::RegisterEis(eis) => vec![eis.to_element()],
        }
    }

    fn read(function: Function, el: &Element) -> Result<Self, WsError> {
        match function {
            Function::RegisterEis => Ok(Self::RegisterEis(Box::new(Eis::from_element(
                el.child(NS_GSMA, EIS).ok_or(WsError::Missing(EIS))?,
            )?))),
            _ => Err(WsError::UnknownMessage(el.name.clone())),
        }
    }
}

/// Any ES1 message.
pub type Es1Message = Message<Es1Request>;
