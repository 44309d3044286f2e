//! The default notification the eUICC sends to the SM-SR as an MO secured packet
//! (SGP.02 §4.1.1.11 HandleDefaultNotification; our reading): `E1` L { `4C` 10 EID ‖
//! `4D` 01 type ‖ `4E` 02 sequence number ‖ [`4F` L AID of the enabled ISD-P] }.

use super::Sgp02Error;
use super::consts as c;
use super::tlv;
use super::types::Aid;

/// Notification type (`4D`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum NotificationType {
    /// `01` eUICC declaration (first power-on).
    EuiccDeclaration,
    /// `02` profile change succeeded.
    ProfileChangeSucceeded,
    /// `03` profile change failed, fallback profile enabled.
    ProfileChangeFailedFallback,
    /// `05` profile deleted (uncertain reading).
    ProfileDeleted,
    /// Any other code.
    Other(u8),
}

impl NotificationType {
    /// The octet.
    pub fn code(self) -> u8 {
        match self {
            NotificationType::EuiccDeclaration => c::NOTIF_EUICC_DECLARATION,
            NotificationType::ProfileChangeSucceeded => c::NOTIF_PROFILE_CHANGE_SUCCEEDED,
            NotificationType::ProfileChangeFailedFallback => {
                c::NOTIF_PROFILE_CHANGE_FAILED_FALLBACK
            }
            NotificationType::ProfileDeleted => c::NOTIF_PROFILE_DELETED,
            NotificationType::Other(x) => x,
        }
    }
    /// From the octet.
    pub fn from_code(x: u8) -> Self {
        match x {
            c::NOTIF_EUICC_DECLARATION => NotificationType::EuiccDeclaration,
            c::NOTIF_PROFILE_CHANGE_SUCCEEDED => NotificationType::ProfileChangeSucceeded,
            c::NOTIF_PROFILE_CHANGE_FAILED_FALLBACK => {
                NotificationType::ProfileChangeFailedFallback
            }
            c::NOTIF_PROFILE_DELETED => NotificationType::ProfileDeleted,
            other => NotificationType::Other(other),
        }
    }
}

/// The `E1` default notification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DefaultNotification {
    /// EID.
    pub eid: [u8; 16],
    /// Type.
    pub kind: NotificationType,
    /// Sequence number (confirmed with HandleNotificationConfirmation).
    pub sequence: u16,
    /// AID of the ISD-P concerned (the now-enabled one for a profile change).
    pub aid: Option<Aid>,
}

impl DefaultNotification {
    /// The `E1` TLV.
    pub fn encode(&self) -> Result<Vec<u8>, Sgp02Error> {
        let mut v = tlv::tlv(u16::from(c::TAG_NOTIFICATION_EID), &self.eid)?;
        tlv::push_tlv(
            &mut v,
            u16::from(c::TAG_NOTIFICATION_TYPE),
            &[self.kind.code()],
        )?;
        tlv::push_tlv(
            &mut v,
            u16::from(c::TAG_SEQUENCE_NUMBER),
            &self.sequence.to_be_bytes(),
        )?;
        if let Some(aid) = &self.aid {
            tlv::push_tlv(&mut v, u16::from(c::TAG_AID), aid.as_bytes())?;
        }
        tlv::tlv(u16::from(c::TAG_NOTIFICATION), &v)
    }

    /// Parses the `E1` TLV: EID, type and sequence number in this order, then an optional
    /// AID; other tags after them (e.g. an IMEI) are skipped.
    pub fn parse(data: &[u8]) -> Result<Self, Sgp02Error> {
        let v = tlv::read_single(data, u16::from(c::TAG_NOTIFICATION), "notification")?;
        let items = tlv::read_all(v)?;
        let mut it = items.into_iter();
        let mut next = |tag: u8, what: &'static str| -> Result<&[u8], Sgp02Error> {
            match it.next() {
                Some((t, v)) if t == u16::from(tag) => Ok(v),
                Some((t, _)) => Err(Sgp02Error::UnexpectedTag {
                    tag: t,
                    context: what,
                }),
                None => Err(Sgp02Error::Malformed("notification field missing")),
            }
        };
        let eid = next(c::TAG_NOTIFICATION_EID, "notification EID")?
            .try_into()
            .map_err(|_| Sgp02Error::InvalidValue("EID must be 16 octets"))?;
        let kind = match next(c::TAG_NOTIFICATION_TYPE, "notification type")? {
            [k] => NotificationType::from_code(*k),
            _ => {
                return Err(Sgp02Error::InvalidValue(
                    "notification type must be 1 octet",
                ));
            }
        };
        let sequence = <[u8; 2]>::try_from(next(c::TAG_SEQUENCE_NUMBER, "sequence number")?)
            .map(u16::from_be_bytes)
            .map_err(|_| Sgp02Error::InvalidValue("sequence number must be 2 octets"))?;
        let mut aid = None;
        for (t, value) in it {
            if t == u16::from(c::TAG_AID) && aid.is_none() {
                aid = Some(Aid::new(value)?);
            }
        }
        Ok(DefaultNotification {
            eid,
            kind,
            sequence,
            aid,
        })
    }
}
