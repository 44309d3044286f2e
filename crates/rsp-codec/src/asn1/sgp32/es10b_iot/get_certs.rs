//! GetCerts.

use super::*;

/// `GetCertsRequest ::= [86] SEQUENCE`. Tag 'BF56' (automatic tags: 80) (SGP.32 §5.9.x).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
#[rasn(tag(context, 86))]
pub struct GetCertsRequest {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub euicc_ci_pk_id: Option<SubjectKeyIdentifier>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `GetCertsResponse ::= [86] CHOICE`. Tag 'BF56' (explicit) then A0 / 81.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice, tag(explicit(context, 86)))]
pub enum GetCertsResponse {
    /// Tag 'A0'.
    #[rasn(tag(context, 0))]
    Certs(Certs),
    /// Tag '81'.
    #[rasn(tag(context, 1))]
    GetCertsError(GetCertsError),
}

/// `certs SEQUENCE` (A5, A6).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct Certs {
    /// CERT.EUM.ECDSA. Tag 'A5'.
    #[rasn(tag(context, 5))]
    pub eum_certificate: Certificate,
    /// CERT.EUICC.ECDSA. Tag 'A6'.
    #[rasn(tag(context, 6))]
    pub euicc_certificate: Certificate,
    /// Unknown extension additions.
    pub ext: Extensions,
}

named_integer!(
    /// `getCertsError INTEGER`.
    GetCertsError {
        INVALID_CI_PK_ID = 1,
        UNDEFINED_ERROR = 127,
    }
);
