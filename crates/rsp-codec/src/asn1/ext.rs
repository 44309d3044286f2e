//! Preservation of unknown extension additions.
//!
//! `RSPDefinitions` is declared `EXTENSIBILITY IMPLIED` (SGP.22 §2.5 / Annex H): a newer
//! peer may append fields we do not know. `rasn` refuses trailing unknown fields, so every
//! extensible SEQUENCE ends with an [`Extensions`] field that captures the remaining
//! TLVs verbatim and writes them back unchanged, keeping decode → encode byte-exact.

use rasn::prelude::*;

/// Unknown trailing components of an extensible SEQUENCE, kept as raw TLVs.
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash)]
pub struct Extensions(pub Vec<Any>);

impl Extensions {
    /// True when the peer sent no unknown component.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl AsnType for Extensions {
    // No tag of its own: it stands for "whatever follows".
    const TAG: Tag = Tag::EOC;
}

impl Decode for Extensions {
    fn decode_with_tag_and_constraints<D: Decoder>(
        decoder: &mut D,
        _tag: Tag,
        _constraints: &Constraints,
    ) -> Result<Self, D::Error> {
        let mut unknown = Vec::new();
        while let Some(tlv) = <Option<Any>>::decode(decoder)? {
            unknown.push(tlv);
        }
        Ok(Self(unknown))
    }
}

impl Encode for Extensions {
    fn encode_with_tag_and_constraints<'b, E: Encoder<'b>>(
        &self,
        encoder: &mut E,
        _tag: Tag,
        _constraints: &Constraints,
        _identifier: Identifier,
    ) -> Result<(), E::Error> {
        for tlv in &self.0 {
            tlv.encode(encoder)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq)]
    #[rasn(tag(context, 32))]
    struct Probe {
        #[rasn(tag(context, 2))]
        svn: OctetString,
        #[rasn(tag(context, 10))]
        list: Option<SequenceOf<OctetString>>,
        ext: Extensions,
    }

    #[test]
    fn unknown_trailing_fields_survive_a_round_trip() {
        // BF20 { 82 03 020500, [unknown] 8B 01 07, [unknown] 8C 00 }
        let bytes = [
            0xBF, 0x20, 0x0A, 0x82, 0x03, 0x02, 0x05, 0x00, 0x8B, 0x01, 0x07, 0x8C, 0x00,
        ];
        let probe: Probe = rasn::der::decode(&bytes).expect("decodes");
        assert_eq!(probe.ext.0.len(), 2);
        assert!(probe.list.is_none());
        assert_eq!(rasn::der::encode(&probe).expect("encodes"), bytes);
    }

    #[test]
    fn unknown_field_before_a_mandatory_one_is_an_error() {
        // 8B is unknown and sits where nothing may: the SEQUENCE is malformed.
        #[derive(AsnType, Decode, Encode, Debug)]
        struct Strict {
            #[rasn(tag(context, 2))]
            a: OctetString,
            #[rasn(tag(context, 3))]
            b: OctetString,
            ext: Extensions,
        }
        let bytes = [0x30, 0x07, 0x82, 0x01, 0x01, 0x8B, 0x00, 0x83, 0x00];
        assert!(rasn::der::decode::<Strict>(&bytes).is_err());
    }
}
