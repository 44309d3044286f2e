//! Response data of the ES5 commands (our reading of SGP.02 v4.2 §4.1.1, GP Card Spec
//! 2.3 §11): the INSTALL response, GET STATUS entries, and the GET DATA objects.

use super::Sgp02Error;
use super::consts as c;
use super::tlv;
use super::types::Aid;

/// Response data of CreateISDP (INSTALL): a single `00` (GP §11.5.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct InstallResponse;

impl InstallResponse {
    /// `00`.
    pub fn encode(&self) -> Vec<u8> {
        vec![0x00]
    }
    /// Accepts exactly `00`.
    pub fn parse(data: &[u8]) -> Result<Self, Sgp02Error> {
        match data {
            [0x00] => Ok(InstallResponse),
            _ => Err(Sgp02Error::Malformed("INSTALL response is not 00")),
        }
    }
}

/// One GET STATUS entry: `E3` L { `4F` AID ‖ `9F70` 01 life cycle ‖ [`53` 01 fallback]
/// ‖ [`5A` 0A ICCID] }.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IsdStatus {
    /// AID of the security domain.
    pub aid: Aid,
    /// Life-cycle state (see [`super::consts`] `LC_*`).
    pub life_cycle: u8,
    /// Fallback attribute (ISD-Ps only).
    pub fallback: Option<bool>,
    /// ICCID (10 octets, swapped-nibble BCD) of the profile in an ISD-P.
    pub iccid: Option<[u8; 10]>,
}

impl IsdStatus {
    /// The `E3` TLV.
    pub fn encode(&self) -> Result<Vec<u8>, Sgp02Error> {
        let mut v = tlv::tlv(u16::from(c::TAG_AID), self.aid.as_bytes())?;
        tlv::push_tlv(&mut v, c::TAG_LIFE_CYCLE, &[self.life_cycle])?;
        if let Some(f) = self.fallback {
            tlv::push_tlv(&mut v, u16::from(c::TAG_FALLBACK), &[u8::from(f)])?;
        }
        if let Some(i) = &self.iccid {
            tlv::push_tlv(&mut v, u16::from(c::TAG_ICCID), i)?;
        }
        tlv::tlv(u16::from(c::TAG_GET_STATUS_ENTRY), &v)
    }

    fn parse_value(v: &[u8]) -> Result<Self, Sgp02Error> {
        let (mut aid, mut life_cycle, mut fallback, mut iccid) = (None, None, None, None);
        for (tag, value) in tlv::read_all(v)? {
            match tag {
                t if t == u16::from(c::TAG_AID) && aid.is_none() => aid = Some(Aid::new(value)?),
                c::TAG_LIFE_CYCLE if life_cycle.is_none() => {
                    life_cycle = Some(one_octet(value, "life cycle")?);
                }
                t if t == u16::from(c::TAG_FALLBACK) && fallback.is_none() => {
                    fallback = Some(match one_octet(value, "fallback attribute")? {
                        0 => false,
                        1 => true,
                        _ => return Err(Sgp02Error::InvalidValue("fallback attribute")),
                    });
                }
                t if t == u16::from(c::TAG_ICCID) && iccid.is_none() => {
                    iccid = Some(
                        <[u8; 10]>::try_from(value)
                            .map_err(|_| Sgp02Error::InvalidValue("ICCID must be 10 octets"))?,
                    );
                }
                other => {
                    return Err(Sgp02Error::UnexpectedTag {
                        tag: other,
                        context: "GET STATUS entry",
                    });
                }
            }
        }
        Ok(IsdStatus {
            aid: aid.ok_or(Sgp02Error::Malformed("GET STATUS entry without AID"))?,
            life_cycle: life_cycle
                .ok_or(Sgp02Error::Malformed("GET STATUS entry without life cycle"))?,
            fallback,
            iccid,
        })
    }

    /// Parses one `E3` TLV.
    pub fn parse(data: &[u8]) -> Result<Self, Sgp02Error> {
        Self::parse_value(tlv::read_single(
            data,
            u16::from(c::TAG_GET_STATUS_ENTRY),
            "GET STATUS response",
        )?)
    }
}

fn one_octet(v: &[u8], what: &'static str) -> Result<u8, Sgp02Error> {
    match v {
        [b] => Ok(*b),
        _ => Err(Sgp02Error::InvalidValue(what)),
    }
}

/// GET STATUS response data: the `E3` entries back to back (possibly none).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct IsdStatusList(pub Vec<IsdStatus>);

impl IsdStatusList {
    /// The concatenated `E3` TLVs.
    pub fn encode(&self) -> Result<Vec<u8>, Sgp02Error> {
        let mut out = Vec::new();
        for e in &self.0 {
            out.extend_from_slice(&e.encode()?);
        }
        Ok(out)
    }
    /// Parses concatenated `E3` TLVs.
    pub fn parse(data: &[u8]) -> Result<Self, Sgp02Error> {
        let mut out = Vec::new();
        for (tag, value) in tlv::read_all(data)? {
            if tag != u16::from(c::TAG_GET_STATUS_ENTRY) {
                return Err(Sgp02Error::UnexpectedTag {
                    tag,
                    context: "GET STATUS response",
                });
            }
            out.push(IsdStatus::parse_value(value)?);
        }
        Ok(IsdStatusList(out))
    }
}

/// GET DATA `005A` response: `5A 10` EID.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EidResponse {
    /// The EID (16 octets).
    pub eid: [u8; 16],
}

impl EidResponse {
    /// `5A 10` EID.
    pub fn encode(&self) -> Result<Vec<u8>, Sgp02Error> {
        tlv::tlv(u16::from(c::TAG_EID), &self.eid)
    }
    /// Parses `5A 10` EID.
    pub fn parse(data: &[u8]) -> Result<Self, Sgp02Error> {
        let v = tlv::read_single(data, u16::from(c::TAG_EID), "EID response")?;
        Ok(EidResponse {
            eid: v
                .try_into()
                .map_err(|_| Sgp02Error::InvalidValue("EID must be 16 octets"))?,
        })
    }
}

/// GET DATA `FF21` response: `FF21` L { `81` installed applications ‖ `82` free NVM ‖
/// `83` free VM }, each a big-endian unsigned integer of one to four octets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExtendedCardResources {
    /// Number of installed applications.
    pub installed_applications: u32,
    /// Free non-volatile memory (octets).
    pub free_nvm: u32,
    /// Free volatile memory (octets).
    pub free_vm: u32,
}

impl ExtendedCardResources {
    /// The `FF21` TLV (`81` minimal length, `82`/`83` four octets).
    pub fn encode(&self) -> Result<Vec<u8>, Sgp02Error> {
        let mut v = Vec::new();
        tlv::push_tlv(
            &mut v,
            u16::from(c::TAG_INSTALLED_APPS),
            &tlv::uint_bytes(self.installed_applications),
        )?;
        tlv::push_tlv(
            &mut v,
            u16::from(c::TAG_FREE_NVM),
            &self.free_nvm.to_be_bytes(),
        )?;
        tlv::push_tlv(
            &mut v,
            u16::from(c::TAG_FREE_VM),
            &self.free_vm.to_be_bytes(),
        )?;
        tlv::tlv(c::GET_DATA_EXTENDED_CARD_RESOURCES, &v)
    }
    /// Parses the `FF21` TLV; all three values are required.
    pub fn parse(data: &[u8]) -> Result<Self, Sgp02Error> {
        let v = tlv::read_single(
            data,
            c::GET_DATA_EXTENDED_CARD_RESOURCES,
            "extended card resources",
        )?;
        let (mut apps, mut nvm, mut vm) = (None, None, None);
        for (tag, value) in tlv::read_all(v)? {
            let slot = match tag {
                t if t == u16::from(c::TAG_INSTALLED_APPS) => &mut apps,
                t if t == u16::from(c::TAG_FREE_NVM) => &mut nvm,
                t if t == u16::from(c::TAG_FREE_VM) => &mut vm,
                other => {
                    return Err(Sgp02Error::UnexpectedTag {
                        tag: other,
                        context: "extended card resources",
                    });
                }
            };
            if slot.is_some() {
                return Err(Sgp02Error::Malformed("repeated card resource"));
            }
            *slot = Some(tlv::read_uint(value, "card resource")?);
        }
        let missing = Sgp02Error::Malformed("card resource missing");
        Ok(ExtendedCardResources {
            installed_applications: apps.ok_or(missing.clone())?,
            free_nvm: nvm.ok_or(missing.clone())?,
            free_vm: vm.ok_or(missing)?,
        })
    }
}

/// GET DATA `7F21` on the ECASD: `7F21` L { eUICC certificate (DER) }.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EuiccCertificateResponse {
    /// The certificate as DER.
    pub certificate: Vec<u8>,
}

impl EuiccCertificateResponse {
    /// The `7F21` TLV.
    pub fn encode(&self) -> Result<Vec<u8>, Sgp02Error> {
        tlv::tlv(c::GET_DATA_EUICC_CERTIFICATE, &self.certificate)
    }
    /// Parses the `7F21` TLV (the certificate itself is not decoded here).
    pub fn parse(data: &[u8]) -> Result<Self, Sgp02Error> {
        let v = tlv::read_single(data, c::GET_DATA_EUICC_CERTIFICATE, "eUICC certificate")?;
        if v.is_empty() {
            return Err(Sgp02Error::Malformed("empty eUICC certificate"));
        }
        Ok(EuiccCertificateResponse {
            certificate: v.to_vec(),
        })
    }
}
