//! `ProfileElement` CHOICE (TCA SAIP v3.3.1 §8.1) and the small PEs (`PE-NonStandard`,
//! `PE-End`, `PE-Dummy`), plus the eUICC's `EUICCResponse`.

use rasn::prelude::*;

use super::PeHeader;
use super::aka::{PeAkaParameter, PeCdmaParameter};
use super::application::{PeApplication, PeRfm};
use super::file::TemplatePe;
use super::gfm::PeGenericFileManagement;
use super::header::ProfileHeader;
use super::pin::{PePinCodes, PePukCodes};
use super::security_domain::PeSecurityDomain;
use super::templates::*;

/// `PE-Dummy`: reserved CHOICE alternatives rfu1..rfu5.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
pub struct PeDummy {}

/// `PE-NonStandard` (SAIP §8.9): proprietary content.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(automatic_tags)]
pub struct PeNonStandard {
    pub non_standard_header: PeHeader,
    pub issuer_id: ObjectIdentifier,
    pub content: OctetString,
}

/// `PE-End` (SAIP §8.10): last PE of every package.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(automatic_tags)]
pub struct PeEnd {
    pub end_header: PeHeader,
}

/// `ProfileElement` CHOICE; alternatives are tagged `[0]`..`[33]` automatically, so the
/// variant order below is the tag order and must not change.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice, automatic_tags)]
pub enum ProfileElement {
    Header(Box<ProfileHeader>),
    GenericFileManagement(Box<PeGenericFileManagement>),
    PinCodes(Box<PePinCodes>),
    PukCodes(Box<PePukCodes>),
    AkaParameter(Box<PeAkaParameter>),
    CdmaParameter(Box<PeCdmaParameter>),
    SecurityDomain(Box<PeSecurityDomain>),
    Rfm(Box<PeRfm>),
    Application(Box<PeApplication>),
    NonStandard(Box<PeNonStandard>),
    End(Box<PeEnd>),
    Rfu1(PeDummy),
    Rfu2(PeDummy),
    Rfu3(PeDummy),
    Rfu4(PeDummy),
    Rfu5(PeDummy),
    Mf(Box<PeMf>),
    Cd(Box<PeCd>),
    Telecom(Box<PeTelecom>),
    Usim(Box<PeUsim>),
    OptUsim(Box<PeOptUsim>),
    Isim(Box<PeIsim>),
    OptIsim(Box<PeOptIsim>),
    Phonebook(Box<PePhonebook>),
    GsmAccess(Box<PeGsmAccess>),
    Csim(Box<PeCsim>),
    OptCsim(Box<PeOptCsim>),
    Eap(Box<PeEap>),
    Df5gs(Box<PeDf5gs>),
    DfSaip(Box<PeDfSaip>),
    DfSnpn(Box<PeDfSnpn>),
    Df5gprose(Box<PeDf5gprose>),
    Iot(Box<PeIot>),
    OptIot(Box<PeOptIot>),
}

macro_rules! templates {
    ($self:ident, $pe:ident => $e:expr, $other:expr) => {
        match $self {
            ProfileElement::Mf($pe) => $e,
            ProfileElement::Cd($pe) => $e,
            ProfileElement::Telecom($pe) => $e,
            ProfileElement::Usim($pe) => $e,
            ProfileElement::OptUsim($pe) => $e,
            ProfileElement::Isim($pe) => $e,
            ProfileElement::OptIsim($pe) => $e,
            ProfileElement::Phonebook($pe) => $e,
            ProfileElement::GsmAccess($pe) => $e,
            ProfileElement::Csim($pe) => $e,
            ProfileElement::OptCsim($pe) => $e,
            ProfileElement::Eap($pe) => $e,
            ProfileElement::Df5gs($pe) => $e,
            ProfileElement::DfSaip($pe) => $e,
            ProfileElement::DfSnpn($pe) => $e,
            ProfileElement::Df5gprose($pe) => $e,
            ProfileElement::Iot($pe) => $e,
            ProfileElement::OptIot($pe) => $e,
            _ => $other,
        }
    };
}

impl ProfileElement {
    /// The ASN.1 alternative name ("header", "usim", "opt-usim", "pinCodes", …).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Header(_) => "header",
            Self::GenericFileManagement(_) => "genericFileManagement",
            Self::PinCodes(_) => "pinCodes",
            Self::PukCodes(_) => "pukCodes",
            Self::AkaParameter(_) => "akaParameter",
            Self::CdmaParameter(_) => "cdmaParameter",
            Self::SecurityDomain(_) => "securityDomain",
            Self::Rfm(_) => "rfm",
            Self::Application(_) => "application",
            Self::NonStandard(_) => "nonStandard",
            Self::End(_) => "end",
            Self::Rfu1(_) => "rfu1",
            Self::Rfu2(_) => "rfu2",
            Self::Rfu3(_) => "rfu3",
            Self::Rfu4(_) => "rfu4",
            Self::Rfu5(_) => "rfu5",
            Self::Mf(_) => "mf",
            Self::Cd(_) => "cd",
            Self::Telecom(_) => "telecom",
            Self::Usim(_) => "usim",
            Self::OptUsim(_) => "opt-usim",
            Self::Isim(_) => "isim",
            Self::OptIsim(_) => "opt-isim",
            Self::Phonebook(_) => "phonebook",
            Self::GsmAccess(_) => "gsm-access",
            Self::Csim(_) => "csim",
            Self::OptCsim(_) => "opt-csim",
            Self::Eap(_) => "eap",
            Self::Df5gs(_) => "df-5gs",
            Self::DfSaip(_) => "df-saip",
            Self::DfSnpn(_) => "df-snpn",
            Self::Df5gprose(_) => "df-5gprose",
            Self::Iot(_) => "iot",
            Self::OptIot(_) => "opt-iot",
        }
    }

    /// The `PEHeader` of this PE (`None` for the ProfileHeader and the rfu alternatives).
    pub fn pe_header(&self) -> Option<&PeHeader> {
        match self {
            Self::GenericFileManagement(p) => Some(&p.gfm_header),
            Self::PinCodes(p) => Some(&p.pin_header),
            Self::PukCodes(p) => Some(&p.puk_header),
            Self::AkaParameter(p) => Some(&p.aka_header),
            Self::CdmaParameter(p) => Some(&p.cdma_header),
            Self::SecurityDomain(p) => Some(&p.sd_header),
            Self::Rfm(p) => Some(&p.rfm_header),
            Self::Application(p) => Some(&p.app_header),
            Self::NonStandard(p) => Some(&p.non_standard_header),
            Self::End(p) => Some(&p.end_header),
            other => templates!(other, t => Some(t.pe_header()), None),
        }
    }

    /// This PE as a file-system template PE (MF, USIM, …), if it is one.
    pub fn as_template(&self) -> Option<&dyn TemplatePe> {
        templates!(self, t => Some(t.as_ref() as &dyn TemplatePe), None)
    }

    /// This PE as a mutable file-system template PE, if it is one.
    pub fn as_template_mut(&mut self) -> Option<&mut dyn TemplatePe> {
        templates!(self, t => Some(t.as_mut() as &mut dyn TemplatePe), None)
    }
}

/// `PEStatus` (SAIP §8.11): the eUICC's result for one PE.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(automatic_tags)]
pub struct PeStatus {
    pub status: u32,
    pub identification: Option<u16>,
    pub additional_information: Option<u8>,
    pub offset: Option<u32>,
}

/// `EUICCResponse` (SAIP §8.11).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(automatic_tags)]
pub struct EuiccResponse {
    pub pe_status: Vec<PeStatus>,
    pub profile_installation_aborted: Option<()>,
    pub status_message: Option<Utf8String>,
}
