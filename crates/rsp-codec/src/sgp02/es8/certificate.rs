//! GP certificates (`7F21`) and public key templates (`7F49`) of GP Amd E.

use super::super::Sgp02Error;
use super::super::consts as c;
use super::super::tlv;

/// An elliptic-curve public key template `7F49` { `B0` Q (uncompressed) ‖ `F0` key
/// parameter reference }.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EcPublicKey {
    /// The point, `04 ‖ X ‖ Y`.
    pub q: Vec<u8>,
    /// `KEY_PARAMETER_P256` or `KEY_PARAMETER_BRAINPOOL_P256R1`.
    pub parameter_reference: u8,
}

impl EcPublicKey {
    fn value(&self) -> Result<Vec<u8>, Sgp02Error> {
        let mut v = tlv::tlv(c::TAG_PUBLIC_KEY_Q, &self.q)?;
        tlv::push_tlv(
            &mut v,
            c::TAG_KEY_PARAMETER_REFERENCE,
            &[self.parameter_reference],
        )?;
        Ok(v)
    }

    /// The `7F49` TLV.
    pub fn to_tlv(&self) -> Result<Vec<u8>, Sgp02Error> {
        tlv::tlv(c::TAG_PUBLIC_KEY, &self.value()?)
    }

    /// Parses the `7F49` TLV (the form ES7 CreateAdditionalKeySet's `EphemeralPublicKey`
    /// carries, our reading).
    pub fn parse(input: &[u8]) -> Result<Self, Sgp02Error> {
        Self::parse_value(tlv::read_single(input, c::TAG_PUBLIC_KEY, "public key")?)
    }

    pub(super) fn parse_value(value: &[u8]) -> Result<Self, Sgp02Error> {
        let mut q = None;
        let mut parameter_reference = None;
        for (t, v) in tlv::read_all(value)? {
            match t {
                c::TAG_PUBLIC_KEY_Q => q = Some(v.to_vec()),
                c::TAG_KEY_PARAMETER_REFERENCE => match v {
                    [r] => parameter_reference = Some(*r),
                    _ => return Err(Sgp02Error::InvalidValue("key parameter reference")),
                },
                tag => {
                    return Err(Sgp02Error::UnexpectedTag {
                        tag,
                        context: "public key",
                    });
                }
            }
        }
        Ok(Self {
            q: q.ok_or(Sgp02Error::Malformed("public key without Q"))?,
            parameter_reference: parameter_reference.ok_or(Sgp02Error::Malformed(
                "public key without parameter reference",
            ))?,
        })
    }
}

/// A GlobalPlatform certificate `7F21` (GP Amd E; CERT.DP.ECDSA, CERT.SR.ECDSA in SGP.02),
/// signed by the CI over the concatenation of its fields before `5F37`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GpCertificate {
    /// `93` serial number.
    pub serial: Vec<u8>,
    /// `42` CA identifier (the CI's key identifier).
    pub ca_id: Vec<u8>,
    /// `5F20` subject identifier.
    pub subject_id: Vec<u8>,
    /// `95` key usage.
    pub key_usage: Vec<u8>,
    /// `5F25` effective date, YYYYMMDD as BCD.
    pub effective_date: Option<[u8; 4]>,
    /// `5F24` expiration date, YYYYMMDD as BCD.
    pub expiration_date: [u8; 4],
    /// `73` discretionary data (TLVs: `C8` certificate type, …).
    pub discretionary: Vec<u8>,
    /// `7F49` the subject's public key.
    pub public_key: EcPublicKey,
    /// `5F37` the CI's signature, `r ‖ s`.
    pub signature: Vec<u8>,
}

impl GpCertificate {
    /// The signed part: every field but the signature, as TLVs in order.
    pub fn signed_data(&self) -> Result<Vec<u8>, Sgp02Error> {
        let mut v = tlv::tlv(c::TAG_CERT_SERIAL, &self.serial)?;
        tlv::push_tlv(&mut v, c::TAG_CERT_CA_ID, &self.ca_id)?;
        tlv::push_tlv(&mut v, c::TAG_CERT_SUBJECT_ID, &self.subject_id)?;
        tlv::push_tlv(&mut v, c::TAG_CERT_KEY_USAGE, &self.key_usage)?;
        if let Some(d) = &self.effective_date {
            tlv::push_tlv(&mut v, c::TAG_CERT_EFFECTIVE_DATE, d)?;
        }
        tlv::push_tlv(&mut v, c::TAG_CERT_EXPIRATION_DATE, &self.expiration_date)?;
        tlv::push_tlv(&mut v, c::TAG_CERT_DISCRETIONARY, &self.discretionary)?;
        v.extend_from_slice(&self.public_key.to_tlv()?);
        Ok(v)
    }

    /// The `7F21` TLV.
    pub fn to_tlv(&self) -> Result<Vec<u8>, Sgp02Error> {
        let mut v = self.signed_data()?;
        tlv::push_tlv(&mut v, c::TAG_SIGNATURE, &self.signature)?;
        tlv::tlv(c::TAG_GP_CERTIFICATE, &v)
    }

    /// Parses a `7F21` TLV (nothing after it).
    pub fn parse(input: &[u8]) -> Result<Self, Sgp02Error> {
        let value = tlv::read_single(input, c::TAG_GP_CERTIFICATE, "GP certificate")?;
        let fields = tlv::read_all(value)?;
        let find = |tag: u16| fields.iter().find(|(t, _)| *t == tag).map(|(_, v)| *v);
        let need = |tag: u16, what: &'static str| find(tag).ok_or(Sgp02Error::Malformed(what));
        let date = |v: &[u8]| <[u8; 4]>::try_from(v).map_err(|_| Sgp02Error::InvalidValue("date"));
        let cert = Self {
            serial: need(c::TAG_CERT_SERIAL, "certificate serial")?.to_vec(),
            ca_id: need(c::TAG_CERT_CA_ID, "certificate CA identifier")?.to_vec(),
            subject_id: need(c::TAG_CERT_SUBJECT_ID, "certificate subject")?.to_vec(),
            key_usage: need(c::TAG_CERT_KEY_USAGE, "certificate key usage")?.to_vec(),
            effective_date: find(c::TAG_CERT_EFFECTIVE_DATE).map(date).transpose()?,
            expiration_date: date(need(c::TAG_CERT_EXPIRATION_DATE, "expiration date")?)?,
            discretionary: need(c::TAG_CERT_DISCRETIONARY, "discretionary data")?.to_vec(),
            public_key: EcPublicKey::parse_value(need(c::TAG_PUBLIC_KEY, "public key")?)?,
            signature: need(c::TAG_SIGNATURE, "certificate signature")?.to_vec(),
        };
        // Canonical: re-encoding gives the same bytes (no unknown or repeated fields).
        if cert.to_tlv()? != input {
            return Err(Sgp02Error::Malformed("GP certificate fields out of order"));
        }
        Ok(cert)
    }

    /// The certificate type `C8` of the discretionary data, if present.
    pub fn certificate_type(&self) -> Option<u8> {
        tlv::read_all(&self.discretionary)
            .ok()?
            .into_iter()
            .find(|(t, _)| *t == c::TAG_CERT_TYPE)
            .and_then(|(_, v)| v.first().copied())
    }
}
