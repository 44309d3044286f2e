//! The ES5 C-APDUs (SGP.02 §4.1.1 ISD-R functions, §4.1.2 ISD-P functions; GP Card
//! Spec 2.3 §11), each with `to_apdu()` and `parse()`. Short APDUs only; commands are
//! built without Le so that a compact remote script (TS 102 226 §5.1.1) splits them by
//! Lc, and `parse()` accepts an optional trailing Le. Field layouts are our reading of
//! SGP.02 v4.2 (see [`super::consts`]).

use super::Sgp02Error;
use super::consts as c;
pub use super::store_data::{
    AdminSessionTrigger, DisableProfile, EnableProfile, HandleNotificationConfirmation,
    SetFallbackAttribute, UpdateConnectivityParameters, UpdateSmsrAddressingParameters,
};
use super::tlv;
use super::types::Aid;

/// A parsed short C-APDU: header and command data (Le dropped).
pub(super) struct Apdu<'a> {
    pub(super) cla: u8,
    pub(super) ins: u8,
    pub(super) p1: u8,
    pub(super) p2: u8,
    pub(super) data: &'a [u8],
}

pub(super) fn split_apdu(apdu: &[u8]) -> Result<Apdu<'_>, Sgp02Error> {
    let (&[cla, ins, p1, p2], body) = apdu
        .split_first_chunk::<4>()
        .ok_or(Sgp02Error::Malformed("C-APDU shorter than 4 octets"))?;
    let data = match body {
        // Case 1, and case 2 (P3 = Le).
        [] | [_] => &[][..],
        [lc, rest @ ..] => {
            let lc = usize::from(*lc);
            match rest.len().checked_sub(lc) {
                // Case 3, or case 4 with its Le.
                Some(0 | 1) => rest.get(..lc).unwrap_or_default(),
                _ => return Err(Sgp02Error::Malformed("Lc does not match the C-APDU")),
            }
        }
    };
    Ok(Apdu {
        cla,
        ins,
        p1,
        p2,
        data,
    })
}

pub(super) fn build(ins: u8, p1: u8, p2: u8, data: &[u8]) -> Result<Vec<u8>, Sgp02Error> {
    let lc = u8::try_from(data.len()).map_err(|_| Sgp02Error::TooLong)?;
    let mut out = vec![c::CLA_GP, ins, p1, p2, lc];
    out.extend_from_slice(data);
    Ok(out)
}

pub(super) fn aid_tlv(aid: &Aid) -> Result<Vec<u8>, Sgp02Error> {
    tlv::tlv(u16::from(c::TAG_AID), aid.as_bytes())
}

pub(super) fn parse_aid_tlv(value: &[u8]) -> Result<Aid, Sgp02Error> {
    Aid::new(tlv::read_single(value, u16::from(c::TAG_AID), "AID")?)
}

/// Splits `apdu` and checks that it is the GP command `ins` `p1` `p2` (CLA `80`).
pub(super) fn split_command(apdu: &[u8], ins: u8, p1: u8, p2: u8) -> Result<Apdu<'_>, Sgp02Error> {
    let a = split_apdu(apdu)?;
    if (a.cla, a.ins, a.p1, a.p2) != (c::CLA_GP, ins, p1, p2) {
        return Err(unknown(&a));
    }
    Ok(a)
}

pub(super) fn unknown(a: &Apdu<'_>) -> Sgp02Error {
    Sgp02Error::UnknownCommand {
        cla: a.cla,
        ins: a.ins,
        p1: a.p1,
        p2: a.p2,
    }
}

/// CreateISDP (§4.1.1.1): INSTALL [for install and make selectable] to the ISD-R.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreateIsdp {
    /// Executable Load File AID.
    pub elf_aid: Aid,
    /// Executable Module AID.
    pub module_aid: Aid,
    /// AID of the new ISD-P.
    pub isdp_aid: Aid,
    /// Privileges (three octets).
    pub privileges: [u8; 3],
    /// Non-volatile memory quota (`C8`), if any.
    pub nvm_quota: Option<u16>,
    /// Volatile memory quota (`C7`), if any.
    pub vm_quota: Option<u16>,
}

impl CreateIsdp {
    /// CreateISDP for `isdp_aid` with the ISD-P ELF/module AIDs and privileges.
    pub fn new(isdp_aid: Aid, nvm_quota: Option<u16>, vm_quota: Option<u16>) -> Self {
        CreateIsdp {
            elf_aid: Aid::isd_p_elf(),
            module_aid: Aid::isd_p_module(),
            isdp_aid,
            privileges: c::ISD_P_PRIVILEGES,
            nvm_quota,
            vm_quota,
        }
    }

    /// `80 E6 0C 00 Lc` L‖ELF ‖ L‖module ‖ L‖AID ‖ `03` privileges ‖ L‖params ‖ `00`.
    pub fn to_apdu(&self) -> Result<Vec<u8>, Sgp02Error> {
        let mut data = Vec::new();
        for aid in [&self.elf_aid, &self.module_aid, &self.isdp_aid] {
            data.push(aid.as_bytes().len() as u8);
            data.extend_from_slice(aid.as_bytes());
        }
        data.push(3);
        data.extend_from_slice(&self.privileges);
        let mut params = vec![c::TAG_APPLICATION_PARAMETERS, 0x00];
        let mut sys = Vec::new();
        if let Some(q) = self.nvm_quota {
            tlv::push_tlv(&mut sys, u16::from(c::TAG_NVM_QUOTA), &q.to_be_bytes())?;
        }
        if let Some(q) = self.vm_quota {
            tlv::push_tlv(&mut sys, u16::from(c::TAG_VM_QUOTA), &q.to_be_bytes())?;
        }
        if !sys.is_empty() {
            tlv::push_tlv(&mut params, u16::from(c::TAG_SYSTEM_PARAMETERS), &sys)?;
        }
        data.push(u8::try_from(params.len()).map_err(|_| Sgp02Error::TooLong)?);
        data.extend_from_slice(&params);
        data.push(0x00); // no install token
        build(
            c::INS_INSTALL,
            c::P1_INSTALL_AND_MAKE_SELECTABLE,
            0x00,
            &data,
        )
    }

    /// Parses the INSTALL APDU.
    pub fn parse(apdu: &[u8]) -> Result<Self, Sgp02Error> {
        let a = split_command(apdu, c::INS_INSTALL, c::P1_INSTALL_AND_MAKE_SELECTABLE, 0)?;
        let mut rest = a.data;
        let mut take = || -> Result<&[u8], Sgp02Error> {
            let (&l, r) = rest
                .split_first()
                .ok_or(Sgp02Error::Malformed("INSTALL data truncated"))?;
            if r.len() < usize::from(l) {
                return Err(Sgp02Error::Malformed("INSTALL field truncated"));
            }
            let (v, r) = r.split_at(usize::from(l));
            rest = r;
            Ok(v)
        };
        let elf_aid = Aid::new(take()?)?;
        let module_aid = Aid::new(take()?)?;
        let isdp_aid = Aid::new(take()?)?;
        let privileges: [u8; 3] = take()?
            .try_into()
            .map_err(|_| Sgp02Error::InvalidValue("privileges must be 3 octets"))?;
        let params = take()?;
        let token = take()?;
        if !token.is_empty() {
            return Err(Sgp02Error::InvalidValue("install token not supported"));
        }
        if !rest.is_empty() {
            return Err(Sgp02Error::Malformed(
                "trailing data after the INSTALL fields",
            ));
        }
        let (mut nvm_quota, mut vm_quota) = (None, None);
        for (tag, value) in tlv::read_all(params)? {
            match tag {
                t if t == u16::from(c::TAG_APPLICATION_PARAMETERS) => {}
                t if t == u16::from(c::TAG_SYSTEM_PARAMETERS) => {
                    for (tag, value) in tlv::read_all(value)? {
                        let q = <[u8; 2]>::try_from(value)
                            .map(u16::from_be_bytes)
                            .map_err(|_| Sgp02Error::InvalidValue("memory quota must be 2 octets"));
                        match tag {
                            t if t == u16::from(c::TAG_NVM_QUOTA) => nvm_quota = Some(q?),
                            t if t == u16::from(c::TAG_VM_QUOTA) => vm_quota = Some(q?),
                            _ => {} // other system parameters are ignored
                        }
                    }
                }
                other => {
                    return Err(Sgp02Error::UnexpectedTag {
                        tag: other,
                        context: "install parameters",
                    });
                }
            }
        }
        Ok(CreateIsdp {
            elf_aid,
            module_aid,
            isdp_aid,
            privileges,
            nvm_quota,
            vm_quota,
        })
    }
}

/// DeleteProfile (§4.1.1.4): GP DELETE `80 E4 00 80 Lc 4F L AID`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeleteProfile {
    /// The ISD-P AID.
    pub aid: Aid,
}

impl DeleteProfile {
    /// The DELETE APDU.
    pub fn to_apdu(&self) -> Result<Vec<u8>, Sgp02Error> {
        build(
            c::INS_DELETE,
            0x00,
            c::P2_DELETE_RELATED,
            &aid_tlv(&self.aid)?,
        )
    }
    /// Parses the DELETE APDU.
    pub fn parse(apdu: &[u8]) -> Result<Self, Sgp02Error> {
        let a = split_command(apdu, c::INS_DELETE, 0, c::P2_DELETE_RELATED)?;
        Ok(DeleteProfile {
            aid: parse_aid_tlv(a.data)?,
        })
    }
}

/// DELETE [key] (GP Card Spec §11.2.2.3.2) of every key of one key version of the
/// addressed security domain: `80 E4 00 00 03 D2 01 KVN`. The old SM-SR deletes its ISD-R
/// SCP80 keysets this way at the end of an SM-SR change (SGP.02 §3.7; our reading: the
/// key version alone, no `D0` key identifier, deletes the whole keyset).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeleteKey {
    /// Key version number.
    pub key_version: u8,
}

impl DeleteKey {
    /// The DELETE APDU.
    pub fn to_apdu(&self) -> Result<Vec<u8>, Sgp02Error> {
        build(
            c::INS_DELETE,
            0x00,
            c::P2_DELETE_OBJECT,
            &[c::TAG_DELETE_KEY_VERSION, 0x01, self.key_version],
        )
    }
    /// Parses the DELETE APDU.
    pub fn parse(apdu: &[u8]) -> Result<Self, Sgp02Error> {
        let a = split_command(apdu, c::INS_DELETE, 0, c::P2_DELETE_OBJECT)?;
        match a.data {
            [c::TAG_DELETE_KEY_VERSION, 0x01, v] => Ok(DeleteKey { key_version: *v }),
            _ => Err(Sgp02Error::Malformed(
                "DELETE [key] without one D2 key version",
            )),
        }
    }
}

/// Audit: GET STATUS `80 F2 40 02 Lc 4F L [AID]` (all security domains when no AID).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct GetStatus {
    /// Only the domain with this AID; `None` for all (`4F 00`).
    pub aid: Option<Aid>,
}

impl GetStatus {
    /// The GET STATUS APDU (no Le).
    pub fn to_apdu(&self) -> Result<Vec<u8>, Sgp02Error> {
        let aid = self.aid.as_ref().map(Aid::as_bytes).unwrap_or_default();
        let data = tlv::tlv(u16::from(c::TAG_AID), aid)?;
        build(
            c::INS_GET_STATUS,
            c::P1_GET_STATUS_APPS,
            c::P2_GET_STATUS_TLV,
            &data,
        )
    }
    /// Parses the GET STATUS APDU.
    pub fn parse(apdu: &[u8]) -> Result<Self, Sgp02Error> {
        let a = split_command(
            apdu,
            c::INS_GET_STATUS,
            c::P1_GET_STATUS_APPS,
            c::P2_GET_STATUS_TLV,
        )?;
        let v = tlv::read_single(a.data, u16::from(c::TAG_AID), "GET STATUS search criteria")?;
        Ok(GetStatus {
            aid: if v.is_empty() {
                None
            } else {
                Some(Aid::new(v)?)
            },
        })
    }
}

/// GET DATA `80 CA P1 P2 00` for the objects the SM-SR audits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GetData {
    /// `005A` on the ISD-R: the EID.
    Eid,
    /// `FF21` on the ISD-R: extended card resources.
    ExtendedCardResources,
    /// `7F21` on the ECASD: the eUICC certificate.
    EuiccCertificate,
}

impl GetData {
    fn p1p2(self) -> u16 {
        match self {
            GetData::Eid => c::GET_DATA_EID,
            GetData::ExtendedCardResources => c::GET_DATA_EXTENDED_CARD_RESOURCES,
            GetData::EuiccCertificate => c::GET_DATA_EUICC_CERTIFICATE,
        }
    }
    /// `80 CA P1 P2 00` (case 2, Le = 00).
    pub fn to_apdu(&self) -> Vec<u8> {
        let [p1, p2] = self.p1p2().to_be_bytes();
        vec![c::CLA_GP, c::INS_GET_DATA, p1, p2, 0x00]
    }
    /// Parses the GET DATA APDU (case 1 or 2).
    pub fn parse(apdu: &[u8]) -> Result<Self, Sgp02Error> {
        let a = split_apdu(apdu)?;
        if (a.cla, a.ins) != (c::CLA_GP, c::INS_GET_DATA) || apdu.len() > 5 {
            return Err(unknown(&a));
        }
        [
            GetData::Eid,
            GetData::ExtendedCardResources,
            GetData::EuiccCertificate,
        ]
        .into_iter()
        .find(|o| o.p1p2() == u16::from_be_bytes([a.p1, a.p2]))
        .ok_or_else(|| unknown(&a))
    }
}

/// Any ES5 command this codec knows, as the eUICC receives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Es5Command {
    /// INSTALL for install and make selectable.
    CreateIsdp(CreateIsdp),
    /// STORE DATA `3A03`.
    EnableProfile(EnableProfile),
    /// STORE DATA `3A04`.
    DisableProfile(DisableProfile),
    /// STORE DATA `3A05`.
    SetFallbackAttribute(SetFallbackAttribute),
    /// STORE DATA `3A06`.
    HandleNotificationConfirmation(HandleNotificationConfirmation),
    /// STORE DATA `3A07`.
    UpdateConnectivityParameters(UpdateConnectivityParameters),
    /// STORE DATA `3A08`.
    UpdateSmsrAddressingParameters(UpdateSmsrAddressingParameters),
    /// DELETE.
    DeleteProfile(DeleteProfile),
    /// DELETE [key].
    DeleteKey(DeleteKey),
    /// GET STATUS.
    GetStatus(GetStatus),
    /// GET DATA.
    GetData(GetData),
    /// STORE DATA P1 `90`: the SCP81 push (administration session triggering parameters).
    AdminSessionTrigger(AdminSessionTrigger),
}

impl Es5Command {
    /// Dispatches on INS (and the DGI for STORE DATA) and parses.
    pub fn parse(apdu: &[u8]) -> Result<Self, Sgp02Error> {
        let a = split_apdu(apdu)?;
        if a.cla != c::CLA_GP {
            return Err(unknown(&a));
        }
        Ok(match a.ins {
            c::INS_INSTALL => Es5Command::CreateIsdp(CreateIsdp::parse(apdu)?),
            c::INS_DELETE if a.p2 == c::P2_DELETE_OBJECT => {
                Es5Command::DeleteKey(DeleteKey::parse(apdu)?)
            }
            c::INS_DELETE => Es5Command::DeleteProfile(DeleteProfile::parse(apdu)?),
            c::INS_GET_STATUS => Es5Command::GetStatus(GetStatus::parse(apdu)?),
            c::INS_GET_DATA => Es5Command::GetData(GetData::parse(apdu)?),
            c::INS_STORE_DATA if a.p1 == c::P1_STORE_DATA_LAST_BER => {
                Es5Command::AdminSessionTrigger(AdminSessionTrigger::parse(apdu)?)
            }
            c::INS_STORE_DATA => {
                let dgi = a
                    .data
                    .first_chunk::<2>()
                    .map(|d| u16::from_be_bytes(*d))
                    .ok_or(Sgp02Error::Malformed("STORE DATA without DGI"))?;
                match dgi {
                    c::DGI_ENABLE_PROFILE => Es5Command::EnableProfile(EnableProfile::parse(apdu)?),
                    c::DGI_DISABLE_PROFILE => {
                        Es5Command::DisableProfile(DisableProfile::parse(apdu)?)
                    }
                    c::DGI_SET_FALLBACK => {
                        Es5Command::SetFallbackAttribute(SetFallbackAttribute::parse(apdu)?)
                    }
                    c::DGI_NOTIFICATION_CONFIRMATION => Es5Command::HandleNotificationConfirmation(
                        HandleNotificationConfirmation::parse(apdu)?,
                    ),
                    c::DGI_CONNECTIVITY_PARAMETERS => Es5Command::UpdateConnectivityParameters(
                        UpdateConnectivityParameters::parse(apdu)?,
                    ),
                    c::DGI_SMSR_ADDRESSING => Es5Command::UpdateSmsrAddressingParameters(
                        UpdateSmsrAddressingParameters::parse(apdu)?,
                    ),
                    other => return Err(Sgp02Error::UnknownDgi(other)),
                }
            }
            _ => return Err(unknown(&a)),
        })
    }

    /// The C-APDU.
    pub fn to_apdu(&self) -> Result<Vec<u8>, Sgp02Error> {
        match self {
            Es5Command::CreateIsdp(x) => x.to_apdu(),
            Es5Command::EnableProfile(x) => x.to_apdu(),
            Es5Command::DisableProfile(x) => x.to_apdu(),
            Es5Command::SetFallbackAttribute(x) => x.to_apdu(),
            Es5Command::HandleNotificationConfirmation(x) => x.to_apdu(),
            Es5Command::UpdateConnectivityParameters(x) => x.to_apdu(),
            Es5Command::UpdateSmsrAddressingParameters(x) => x.to_apdu(),
            Es5Command::DeleteProfile(x) => x.to_apdu(),
            Es5Command::DeleteKey(x) => x.to_apdu(),
            Es5Command::GetStatus(x) => x.to_apdu(),
            Es5Command::GetData(x) => Ok(x.to_apdu()),
            Es5Command::AdminSessionTrigger(x) => x.to_apdu(),
        }
    }
}
