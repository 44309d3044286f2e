//! CHOICE values that tolerate alternatives a newer peer may add.
//!
//! `RSPDefinitions` is `EXTENSIBILITY IMPLIED` (see `ext.rs`), so every CHOICE may grow.
//! `rasn` fails on an unknown alternative; [`OpenChoice`] wraps a derived CHOICE and keeps
//! an unknown alternative as its raw TLV instead, re-encoding it byte-exactly. It is
//! used where SGP.22 v3 / SGP.32 peers are known to send new alternatives:
//! `CtxParams1` (v3 adds device-change / profile-recovery contexts) and
//! `PendingNotification` (SGP.32 adds compact notifications).

use rasn::ber::de::{Decoder as BerDecoder, DecoderOptions};
use rasn::prelude::*;

use super::raw::decode_exact;

/// A known alternative of CHOICE `T`, or an alternative this version does not know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenChoice<T> {
    /// One of the alternatives defined in SGP.22 v2.5.
    Known(T),
    /// Any other alternative, kept verbatim (whole TLV).
    Unknown(Any),
}

impl<T> OpenChoice<T> {
    /// The known alternative, if it is one.
    pub fn known(&self) -> Option<&T> {
        match self {
            Self::Known(value) => Some(value),
            Self::Unknown(_) => None,
        }
    }
}

impl<T> From<T> for OpenChoice<T> {
    fn from(value: T) -> Self {
        Self::Known(value)
    }
}

impl<T: AsnType> AsnType for OpenChoice<T> {
    const TAG: Tag = Tag::EOC;
    // The known alternatives; decoding also accepts any other tag (as `Unknown`).
    const TAG_TREE: TagTree = T::TAG_TREE;
    const IS_CHOICE: bool = true;
}

impl<T: Decode + AsnType> Decode for OpenChoice<T> {
    fn decode_with_tag_and_constraints<D: Decoder>(
        decoder: &mut D,
        _tag: Tag,
        _constraints: &Constraints,
    ) -> Result<Self, D::Error> {
        let codec = decoder.codec();
        let tlv = Any::decode(decoder)?;
        let tag = BerDecoder::new(tlv.as_bytes(), DecoderOptions::ber())
            .peek_tag()
            .map_err(|err| rasn::de::Error::custom(err, codec))?;
        if TagTree::tag_contains(&tag, &[T::TAG_TREE]) {
            decode_exact::<T>(tlv.as_bytes(), Tag::EOC, codec)
                .map(Self::Known)
                .map_err(|err| rasn::de::Error::custom(err, codec))
        } else {
            Ok(Self::Unknown(tlv))
        }
    }
}

impl<T: Encode> Encode for OpenChoice<T> {
    fn encode_with_tag_and_constraints<'b, E: Encoder<'b>>(
        &self,
        encoder: &mut E,
        _tag: Tag,
        _constraints: &Constraints,
        identifier: Identifier,
    ) -> Result<(), E::Error> {
        match self {
            Self::Known(value) => value.encode(encoder),
            Self::Unknown(tlv) => encoder.encode_any(Tag::EOC, tlv, identifier).map(drop),
        }
    }
}
