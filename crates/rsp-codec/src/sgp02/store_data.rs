//! The ES5 commands carried by STORE DATA (GP Card Spec 2.3 §11.11, P1 `88`: last block,
//! DGI format): EnableProfile, DisableProfile, SetFallbackAttribute,
//! HandleNotificationConfirmation, UpdateConnectivityParameters and
//! UpdateSMSRAddressingParameters (our reading of SGP.02 v4.2, see [`super::consts`]).

use super::Sgp02Error;
use super::command::{aid_tlv, build, parse_aid_tlv, split_command};
use super::consts as c;
use super::tlv;
use super::types::{Aid, SmsAddress};

fn store_data(dgi: u16, value: &[u8]) -> Result<Vec<u8>, Sgp02Error> {
    build(
        c::INS_STORE_DATA,
        c::P1_STORE_DATA_LAST_DGI,
        0x00,
        &tlv::dgi(dgi, value)?,
    )
}

/// Parses a STORE DATA APDU carrying `expected` and returns the DGI value.
fn parse_store_data(apdu: &[u8], expected: u16) -> Result<&[u8], Sgp02Error> {
    let a = split_command(apdu, c::INS_STORE_DATA, c::P1_STORE_DATA_LAST_DGI, 0)?;
    let (dgi, value) = tlv::read_dgi(a.data)?;
    if dgi != expected {
        return Err(Sgp02Error::UnknownDgi(dgi));
    }
    Ok(value)
}

macro_rules! aid_store_data {
    ($(#[$doc:meta])* $name:ident, $dgi:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub struct $name {
            /// The ISD-P AID.
            pub aid: Aid,
        }

        impl $name {
            /// `80 E2 88 00 Lc` DGI ‖ L ‖ `4F` L AID.
            pub fn to_apdu(&self) -> Result<Vec<u8>, Sgp02Error> {
                store_data($dgi, &aid_tlv(&self.aid)?)
            }
            /// Parses the STORE DATA APDU.
            pub fn parse(apdu: &[u8]) -> Result<Self, Sgp02Error> {
                Ok($name {
                    aid: parse_aid_tlv(parse_store_data(apdu, $dgi)?)?,
                })
            }
        }
    };
}

aid_store_data!(
    /// EnableProfile (§4.1.1.2): STORE DATA DGI `3A03` to the ISD-R.
    EnableProfile,
    c::DGI_ENABLE_PROFILE
);
aid_store_data!(
    /// DisableProfile (§4.1.1.3): STORE DATA DGI `3A04` to the ISD-R.
    DisableProfile,
    c::DGI_DISABLE_PROFILE
);
aid_store_data!(
    /// SetFallbackAttribute: STORE DATA DGI `3A05` to the ISD-R.
    SetFallbackAttribute,
    c::DGI_SET_FALLBACK
);

/// HandleNotificationConfirmation: STORE DATA DGI `3A06` { `4E` 02 sequence number }.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HandleNotificationConfirmation {
    /// Sequence number of the confirmed notification.
    pub sequence: u16,
}

impl HandleNotificationConfirmation {
    /// The STORE DATA APDU.
    pub fn to_apdu(&self) -> Result<Vec<u8>, Sgp02Error> {
        let v = tlv::tlv(
            u16::from(c::TAG_SEQUENCE_NUMBER),
            &self.sequence.to_be_bytes(),
        )?;
        store_data(c::DGI_NOTIFICATION_CONFIRMATION, &v)
    }
    /// Parses the STORE DATA APDU.
    pub fn parse(apdu: &[u8]) -> Result<Self, Sgp02Error> {
        let v = parse_store_data(apdu, c::DGI_NOTIFICATION_CONFIRMATION)?;
        let seq = tlv::read_single(v, u16::from(c::TAG_SEQUENCE_NUMBER), "confirmation")?;
        let seq = <[u8; 2]>::try_from(seq)
            .map_err(|_| Sgp02Error::InvalidValue("sequence number must be 2 octets"))?;
        Ok(HandleNotificationConfirmation {
            sequence: u16::from_be_bytes(seq),
        })
    }
}

/// UpdateSMSRAddressingParameters: STORE DATA DGI `3A08` { [`80` SMSC address]
/// [`81` SM-SR MSISDN] [`82` SM-SR TAR] }; absent fields are left unchanged.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct UpdateSmsrAddressingParameters {
    /// SMS centre address.
    pub smsc: Option<SmsAddress>,
    /// SM-SR MSISDN (where MO notifications go).
    pub msisdn: Option<SmsAddress>,
    /// SM-SR TAR for MO secured packets.
    pub tar: Option<[u8; 3]>,
}

impl UpdateSmsrAddressingParameters {
    /// The STORE DATA APDU.
    pub fn to_apdu(&self) -> Result<Vec<u8>, Sgp02Error> {
        let mut v = Vec::new();
        if let Some(a) = &self.smsc {
            tlv::push_tlv(&mut v, u16::from(c::TAG_SMSC_ADDRESS), &a.encode()?)?;
        }
        if let Some(a) = &self.msisdn {
            tlv::push_tlv(&mut v, u16::from(c::TAG_SMSR_MSISDN), &a.encode()?)?;
        }
        if let Some(t) = &self.tar {
            tlv::push_tlv(&mut v, u16::from(c::TAG_SMSR_TAR), t)?;
        }
        store_data(c::DGI_SMSR_ADDRESSING, &v)
    }
    /// Parses the STORE DATA APDU (tags in any order, each at most once).
    pub fn parse(apdu: &[u8]) -> Result<Self, Sgp02Error> {
        let v = parse_store_data(apdu, c::DGI_SMSR_ADDRESSING)?;
        let mut out = UpdateSmsrAddressingParameters::default();
        for (tag, value) in tlv::read_all(v)? {
            let dup = Sgp02Error::Malformed("repeated addressing parameter");
            match tag {
                t if t == u16::from(c::TAG_SMSC_ADDRESS) && out.smsc.is_none() => {
                    out.smsc = Some(SmsAddress::parse(value)?);
                }
                t if t == u16::from(c::TAG_SMSR_MSISDN) && out.msisdn.is_none() => {
                    out.msisdn = Some(SmsAddress::parse(value)?);
                }
                t if t == u16::from(c::TAG_SMSR_TAR) && out.tar.is_none() => {
                    out.tar = Some(
                        value
                            .try_into()
                            .map_err(|_| Sgp02Error::InvalidValue("TAR must be 3 octets"))?,
                    );
                }
                t if (0x80..=0x82).contains(&t) => return Err(dup),
                other => {
                    return Err(Sgp02Error::UnexpectedTag {
                        tag: other,
                        context: "SM-SR addressing parameters",
                    });
                }
            }
        }
        Ok(out)
    }
}

/// UpdateConnectivityParameters (§4.1.2, simplified form): STORE DATA DGI `3A07`
/// { `80` profile MSISDN }, sent to the ISD-P.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpdateConnectivityParameters {
    /// MSISDN of the profile.
    pub msisdn: SmsAddress,
}

impl UpdateConnectivityParameters {
    /// The STORE DATA APDU.
    pub fn to_apdu(&self) -> Result<Vec<u8>, Sgp02Error> {
        let v = tlv::tlv(u16::from(c::TAG_PROFILE_MSISDN), &self.msisdn.encode()?)?;
        store_data(c::DGI_CONNECTIVITY_PARAMETERS, &v)
    }
    /// Parses the STORE DATA APDU.
    pub fn parse(apdu: &[u8]) -> Result<Self, Sgp02Error> {
        let v = parse_store_data(apdu, c::DGI_CONNECTIVITY_PARAMETERS)?;
        let m = tlv::read_single(v, u16::from(c::TAG_PROFILE_MSISDN), "connectivity")?;
        Ok(UpdateConnectivityParameters {
            msisdn: SmsAddress::parse(m)?,
        })
    }
}

/// The SCP81 push (our reading of GP Amendment B §3.7 and SGP.02 §2.4.4, not checked
/// against the text): one STORE DATA `80 E2 90 00 Lc` to the ISD-R whose data is the
/// administration session triggering parameters TLV (tag `81`, coded by
/// `rsp_scp81::trigger`; kept opaque here). P1 `90`: last block, BER-TLV format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdminSessionTrigger {
    /// The triggering parameters, `81` L … as a whole.
    pub params: Vec<u8>,
}

impl AdminSessionTrigger {
    /// `80 E2 90 00 Lc` ‖ parameters.
    pub fn to_apdu(&self) -> Result<Vec<u8>, Sgp02Error> {
        if self.params.first() != Some(&c::TAG_ADMIN_SESSION_TRIGGER) {
            return Err(Sgp02Error::Malformed(
                "triggering parameters must start with 81",
            ));
        }
        build(
            c::INS_STORE_DATA,
            c::P1_STORE_DATA_LAST_BER,
            0x00,
            &self.params,
        )
    }
    /// Parses the STORE DATA APDU (the parameters must be one TLV with tag `81`).
    pub fn parse(apdu: &[u8]) -> Result<Self, Sgp02Error> {
        let a = split_command(apdu, c::INS_STORE_DATA, c::P1_STORE_DATA_LAST_BER, 0)?;
        tlv::read_single(
            a.data,
            u16::from(c::TAG_ADMIN_SESSION_TRIGGER),
            "triggering parameters",
        )?;
        Ok(AdminSessionTrigger {
            params: a.data.to_vec(),
        })
    }
}
