//! The ISD-R (SGP.22 §2.4.3): takes one complete ES10 request (the data of one STORE
//! DATA sequence) and returns the DER response, dispatching by the request's tag to
//! ES10a ([`crate::es10a`]), ES10b ([`crate::es10b`], `download.rs`,
//! [`crate::es8plus`]) and ES10c ([`crate::es10c`]) (SGP.22 §5.7).

use rasn::{Decode, Encode};
use rsp_codec::asn1::{self, CodecError};
use rsp_crypto::SoftwareKey;

use crate::bpp::BppLoader;
use crate::config::EuiccConfig;
use crate::download::DownloadSession;
use crate::error::{Es10Error, EuiccError};
use crate::identity::Identity;
use crate::state::EuiccState;
use crate::store::StateStore;
use rsp_codec::tlv;

/// The ISD-R of one virtual eUICC with its persistent state.
#[derive(Debug)]
pub struct Isdr {
    pub(crate) identity: Identity,
    pub(crate) config: EuiccConfig,
    pub(crate) state: EuiccState,
    pub(crate) store: StateStore,
    /// The last challenge handed out, consumed by AuthenticateServer.
    pub(crate) challenge: Option<[u8; 16]>,
    pub(crate) session: Option<DownloadSession>,
    /// otSK.EUICC.ECKA, kept from PrepareDownload until InitialiseSecureChannel
    /// (or a retried PrepareDownload naming its public key, SGP.22 §5.7.5).
    pub(crate) ot_key: Option<SoftwareKey>,
    pub(crate) loader: Option<BppLoader>,
    /// ICCID of the Profile installed last since power-up: the session context of the
    /// SGP.32 ImmediateEnable (§5.9.x), consumed by it.
    pub(crate) last_installed_iccid: Option<Vec<u8>>,
}

pub(crate) fn request_of<T: Decode>(request: &[u8]) -> Result<T, Es10Error> {
    Ok(asn1::decode::<T>(request)?)
}

pub(crate) fn respond<T: Encode>(response: &T) -> Result<Vec<u8>, Es10Error> {
    asn1::encode(response).map_err(|e: CodecError| Es10Error::Internal(e.to_string()))
}

impl Isdr {
    /// An ISD-R with the state read from `store` (fresh if the file does not exist).
    pub fn new(
        identity: Identity,
        config: EuiccConfig,
        store: StateStore,
    ) -> Result<Self, EuiccError> {
        let state = store.load()?;
        Ok(Isdr {
            identity,
            config,
            state,
            store,
            challenge: None,
            session: None,
            ot_key: None,
            loader: None,
            last_installed_iccid: None,
        })
    }

    /// The identity.
    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// Gives back the identity (to reopen the same eUICC, e.g. after a power cycle).
    pub fn into_identity(self) -> Identity {
        self.identity
    }

    /// The current persistent state.
    pub fn state(&self) -> &EuiccState {
        &self.state
    }

    /// The configuration.
    pub fn config(&self) -> &EuiccConfig {
        &self.config
    }

    /// Power loss: the challenge, download session and BPP loading in progress are lost.
    pub(crate) fn reset_volatile(&mut self) {
        self.challenge = None;
        self.session = None;
        self.ot_key = None;
        self.loader = None;
        self.last_installed_iccid = None;
    }

    /// Persists `next`, then makes it current; on failure the current state is kept.
    pub(crate) fn commit(&mut self, next: EuiccState) -> Result<(), Es10Error> {
        self.store
            .save(&next)
            .map_err(|e| Es10Error::Internal(e.to_string()))?;
        self.state = next;
        Ok(())
    }

    /// The enabled Profile, if any.
    pub fn enabled_profile(&self) -> Option<&crate::state::Profile> {
        self.state.profiles.iter().find(|p| p.enabled)
    }

    /// Persists the UICC state of the Profile in ISD-P `isdp_aid`.
    pub(crate) fn save_uicc(
        &mut self,
        isdp_aid: &[u8],
        uicc: &crate::uicc::UiccState,
    ) -> Result<(), Es10Error> {
        let mut next = self.state.clone();
        let Some(i) = next.profile_by_aid(isdp_aid) else {
            return Ok(());
        };
        if let Some(p) = next.profiles.get_mut(i) {
            p.uicc = Some(uicc.clone());
        }
        self.commit(next)
    }

    /// Handles one complete ES10 request or BPP segment and returns the response data
    /// (empty for an intermediate BPP segment).
    pub fn handle(&mut self, request: &[u8]) -> Result<Vec<u8>, Es10Error> {
        use rsp_codec::asn1::*;
        let tag = tlv::header(request).ok_or(Es10Error::Empty)?.tag;
        match tag {
            // ES10b.LoadBoundProfilePackage segments (SGP.22 §5.7.6).
            0xBF36 | 0xA0..=0xA3 | 0x86..=0x88 => self.load_bpp_segment(request),
            0xBF20 => {
                request_of::<GetEuiccInfo1Request>(request)?;
                respond(&self.get_euicc_info1())
            }
            0xBF22 => {
                request_of::<GetEuiccInfo2Request>(request)?;
                if self.is_iot() {
                    respond(&self.get_iot_euicc_info2())
                } else {
                    respond(&self.get_euicc_info2())
                }
            }
            0xBF2E => {
                request_of::<GetEuiccChallengeRequest>(request)?;
                respond(&self.get_euicc_challenge()?)
            }
            0xBF38 => {
                let response = self.authenticate_server(request_of(request)?)?;
                respond(&response)
            }
            0xBF21 => {
                let response = self.prepare_download(request_of(request)?)?;
                respond(&response)
            }
            0xBF41 => {
                let response = self.cancel_session(request_of(request)?)?;
                respond(&response)
            }
            0xBF28 => respond(&self.list_notification(request_of(request)?)),
            0xBF2B if self.is_iot() => self.retrieve_iot_notifications(request),
            0xBF2B => respond(&self.retrieve_notifications_list(request_of(request)?)),
            0xBF30 => {
                let response = self.remove_notification(request_of(request)?);
                respond(&response)
            }
            0xBF35 => {
                let response = self.load_crl(request_of(request)?);
                respond(&response)
            }
            0xBF43 => {
                request_of::<GetRatRequest>(request)?;
                respond(&self.get_rat())
            }
            0xBF3C => respond(&self.configured_addresses(request_of(request)?)),
            0xBF3F => {
                let response = self.set_default_dp_address(request_of(request)?)?;
                respond(&response)
            }
            0xBF3E => respond(&self.get_eid(request_of(request)?)?),
            0xBF2D => respond(&self.get_profiles_info(request_of(request)?)),
            0xBF31 => {
                let response = self.enable_profile(request_of(request)?)?;
                respond(&response)
            }
            0xBF32 => {
                let response = self.disable_profile(request_of(request)?)?;
                respond(&response)
            }
            0xBF33 => {
                let response = self.delete_profile(request_of(request)?)?;
                respond(&response)
            }
            0xBF34 => {
                let response = self.memory_reset(request_of(request)?);
                respond(&response)
            }
            0xBF29 => {
                let response = self.set_nickname(request_of(request)?);
                respond(&response)
            }
            // SGP.32 v1.2 §5.9 ES10b additions, in IoT mode only.
            other if self.is_iot() => self.handle_iot(other, request),
            other => Err(Es10Error::UnknownFunction(format!("{other:04X}"))),
        }
    }
}
