//! GetConnectivityParameters §5.9.x.

use super::*;

/// `GetConnectivityParametersRequest ::= [95] SEQUENCE {}`. Tag 'BF5F'.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
#[rasn(tag(context, 95))]
pub struct GetConnectivityParametersRequest {
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `GetConnectivityParametersResponse ::= [95] CHOICE`. Tag 'BF5F' (explicit) then
/// A0 / 81.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice, tag(explicit(context, 95)))]
pub enum GetConnectivityParametersResponse {
    /// Tag 'A0'.
    #[rasn(tag(context, 0))]
    ConnectivityParameters(ConnectivityParameters),
    /// Tag '81'.
    #[rasn(tag(context, 1))]
    ConnectivityParametersError(ConnectivityParametersError),
}

/// `ConnectivityParameters ::= SEQUENCE { httpParams [1] OCTET STRING OPTIONAL }` (81).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
pub struct ConnectivityParameters {
    /// Also used for CoAP. Tag '81'.
    #[rasn(tag(context, 1))]
    pub http_params: Option<OctetString>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

named_integer!(
    /// `ConnectivityParametersError ::= INTEGER`.
    ConnectivityParametersError {
        PARAMETERS_NOT_AVAILABLE = 1,
        UNDEFINED_ERROR = 127,
    }
);
