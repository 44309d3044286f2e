//! ES10a (LPA ↔ eUICC ISD-R): configured addresses (SGP.22 §5.7.3, §5.7.4).

use rasn::prelude::*;

use super::ext::Extensions;
use super::macros::named_integer;

/// `EuiccConfiguredAddressesRequest ::= [60] SEQUENCE {}`. Tag 'BF3C' (§5.7.3).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
#[rasn(tag(context, 60))]
pub struct EuiccConfiguredAddressesRequest {
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `EuiccConfiguredAddressesResponse ::= [60] SEQUENCE`. Tag 'BF3C' (automatic tags: 80, 81).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 60))]
pub struct EuiccConfiguredAddressesResponse {
    /// Default SM-DP+ address (FQDN). Tag '80'.
    #[rasn(tag(context, 0))]
    pub default_dp_address: Option<Utf8String>,
    /// Root SM-DS address (FQDN). Tag '81'.
    #[rasn(tag(context, 1))]
    pub root_ds_address: Utf8String,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `SetDefaultDpAddressRequest ::= [63] SEQUENCE`. Tag 'BF3F' (§5.7.4).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 63))]
pub struct SetDefaultDpAddressRequest {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub default_dp_address: Utf8String,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `SetDefaultDpAddressResponse ::= [63] SEQUENCE`. Tag 'BF3F'.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 63))]
pub struct SetDefaultDpAddressResponse {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub set_default_dp_address_result: SetDefaultDpAddressResult,
    /// Unknown extension additions.
    pub ext: Extensions,
}

named_integer!(
    /// `setDefaultDpAddressResult INTEGER {ok(0), undefinedError(127)}`.
    SetDefaultDpAddressResult {
        OK = 0,
        UNDEFINED_ERROR = 127,
    }
);
