//! ES10a (LPA ↔ ISD-R): configured addresses (SGP.22 §5.7.3, §5.7.4).

use rsp_codec::asn1::{
    EuiccConfiguredAddressesRequest, EuiccConfiguredAddressesResponse, Extensions,
    SetDefaultDpAddressRequest, SetDefaultDpAddressResponse, SetDefaultDpAddressResult,
};

use crate::error::Es10Error;
use crate::isdr::Isdr;

impl Isdr {
    /// GetEuiccConfiguredAddresses (SGP.22 §5.7.3): the default SM-DP+ address (set by
    /// SetDefaultDpAddress, else the configured one) and the root SM-DS address (the
    /// state's, else the configured one).
    pub(crate) fn configured_addresses(
        &self,
        _req: EuiccConfiguredAddressesRequest,
    ) -> EuiccConfiguredAddressesResponse {
        EuiccConfiguredAddressesResponse {
            default_dp_address: self
                .state
                .default_dp_address
                .clone()
                .or_else(|| self.config.default_dp_address.clone()),
            root_ds_address: self
                .state
                .root_ds_address
                .clone()
                .unwrap_or_else(|| self.config.root_ds_address.clone()),
            ext: Extensions::default(),
        }
    }

    /// SetDefaultDpAddress (SGP.22 §5.7.4); an empty address removes it.
    pub(crate) fn set_default_dp_address(
        &mut self,
        req: SetDefaultDpAddressRequest,
    ) -> Result<SetDefaultDpAddressResponse, Es10Error> {
        let mut next = self.state.clone();
        next.default_dp_address =
            (!req.default_dp_address.is_empty()).then_some(req.default_dp_address);
        let result = if self.commit(next).is_ok() {
            SetDefaultDpAddressResult::OK
        } else {
            SetDefaultDpAddressResult::UNDEFINED_ERROR
        };
        Ok(SetDefaultDpAddressResponse {
            set_default_dp_address_result: result,
            ext: Extensions::default(),
        })
    }
}
