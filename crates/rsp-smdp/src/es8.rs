//! ES8 ISD-P key establishment (SGP.02 §3.1.2; GP Amd E scenario #3) from the SM-DP's
//! side, as scripts for ES3 SendData to the ISD-P and checks of the eUICC's answers. Each
//! state is a type that consumes itself: [`KeyEstablishment`] (send CERT.DP.ECDSA) →
//! [`AwaitingReceipt`] (send the signed ephemeral key) → [`IsdpKeys`] (receipt verified).
//!
//! Nothing here is persisted: after a restart the SM-DP starts the key establishment
//! again (the ISD-P accepts a new one until it holds a Profile).

use rsp_codec::sgp02::consts as c;
use rsp_codec::sgp02::es8::{
    EcPublicKey, InstallForPersonalization, KeyAgreementCrt, KeySetCertificate, KeySetKeyAgreement,
    KeySetReceipt, RandomChallenge,
};
use rsp_codec::sgp02::{Aid, StatusWord};
use rsp_crypto::isdp_keys::{DerivationParameters, IsdpKeys};
use rsp_crypto::{KeyAgreement, PublicKey, SoftwareKey};

use crate::certificate::parameter_reference;
use crate::{SmdpCredential, SmdpError};

/// Identifier of the first key of the ISD-P keyset.
pub const KEY_ID: u8 = 0x01;

/// The data of the script's last R-APDU; every R-APDU must be a success.
pub fn script_answer(rapdus: &[Vec<u8>]) -> Result<&[u8], SmdpError> {
    let mut data: &[u8] = &[];
    for r in rapdus {
        let (d, sw) = StatusWord::split_response(r)?;
        if !sw.is_success() {
            return Err(SmdpError::Refused(sw));
        }
        data = d;
    }
    if rapdus.is_empty() {
        return Err(SmdpError::Unexpected("an empty response script"));
    }
    Ok(data)
}

/// `apdus` prefixed with INSTALL [for personalization] of `isdp`: the form for a SendData
/// addressed to the ISD-R instead of the ISD-P.
pub fn via_isd_r(isdp: &Aid, apdus: Vec<Vec<u8>>) -> Result<Vec<Vec<u8>>, SmdpError> {
    let mut v = vec![InstallForPersonalization { aid: isdp.clone() }.to_apdu()?];
    v.extend(apdus);
    Ok(v)
}

/// The start: which ISD-P, the ECASD's key agreement key (from its certificate in the
/// EIS) and the key version of the new keyset.
#[derive(Debug, Clone)]
pub struct KeyEstablishment {
    ecasd_key: PublicKey,
    key_version: u8,
    host_id: Vec<u8>,
}

impl KeyEstablishment {
    /// A key establishment with the ECASD holding `ecasd_key`; `host_id` (1..16 octets)
    /// identifies the SM-DP in the derivation.
    pub fn new(ecasd_key: PublicKey, key_version: u8, host_id: &[u8]) -> Result<Self, SmdpError> {
        if host_id.is_empty() || host_id.len() > 16 {
            return Err(SmdpError::Credential(
                "host identifier of 1..16 octets".into(),
            ));
        }
        Ok(Self {
            ecasd_key,
            key_version,
            host_id: host_id.to_vec(),
        })
    }

    /// The first script: CERT.DP.ECDSA.
    pub fn certificate_script(
        &self,
        credential: &SmdpCredential,
    ) -> Result<Vec<Vec<u8>>, SmdpError> {
        Ok(vec![
            KeySetCertificate(credential.certificate().clone()).to_apdu()?,
        ])
    }

    /// The eUICC answered the certificate with a random challenge: the second script,
    /// the ephemeral key signed with SK.DP.ECDSA.
    pub fn on_challenge(
        self,
        rapdus: &[Vec<u8>],
        credential: &SmdpCredential,
    ) -> Result<(Vec<Vec<u8>>, AwaitingReceipt), SmdpError> {
        let challenge = RandomChallenge::parse(script_answer(rapdus)?)?;
        let esk = SoftwareKey::generate(self.ecasd_key.curve())?;
        let crt = KeyAgreementCrt {
            scenario_parameters: c::SCENARIO_PARAM_CERTIFICATE
                | c::SCENARIO_PARAM_DR
                | c::SCENARIO_PARAM_HOST_ID,
            key_usage: c::KEY_USAGE_SCP03_KEYSET,
            key_type: c::KEY_TYPE_AES,
            key_length: c::KEY_LENGTH_AES128,
            key_id: KEY_ID,
            key_version: self.key_version,
            host_id: Some(self.host_id),
        };
        let ephemeral_key = EcPublicKey {
            q: KeyAgreement::public_key(&esk).sec1_uncompressed().to_vec(),
            parameter_reference: parameter_reference(KeyAgreement::curve(&esk)),
        };
        let signed = KeySetKeyAgreement::signed_data(&crt, &ephemeral_key, &challenge.0)?;
        let signature = credential.key().sign_raw(&signed)?.to_vec();
        let apdu = KeySetKeyAgreement {
            crt: crt.clone(),
            ephemeral_key,
            signature,
        }
        .to_apdu()?;
        Ok((
            vec![apdu],
            AwaitingReceipt {
                crt,
                esk,
                ecasd_key: self.ecasd_key,
            },
        ))
    }
}

/// The key agreement data is on its way; the receipt decides.
pub struct AwaitingReceipt {
    crt: KeyAgreementCrt,
    esk: SoftwareKey,
    ecasd_key: PublicKey,
}

impl std::fmt::Debug for AwaitingReceipt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AwaitingReceipt")
            .field("key_version", &self.crt.key_version)
            .finish_non_exhaustive()
    }
}

impl AwaitingReceipt {
    /// The key version of the keyset being established.
    pub fn key_version(&self) -> u8 {
        self.crt.key_version
    }

    /// The eUICC's answer: DR and the receipt; the keys when the receipt verifies.
    pub fn on_receipt(self, rapdus: &[Vec<u8>]) -> Result<IsdpKeys, SmdpError> {
        let answer = KeySetReceipt::parse(script_answer(rapdus)?)?;
        let shs = self.esk.ecka(&self.ecasd_key)?;
        let dr = answer.derivation_random.as_deref();
        let keys = IsdpKeys::derive(
            &shs,
            &DerivationParameters {
                key_usage: self.crt.key_usage,
                key_type: self.crt.key_type,
                key_length: self.crt.key_length,
                derivation_random: dr,
                host_id: self.crt.host_id.as_deref(),
            },
        )?;
        keys.verify_receipt(&self.crt.to_tlv()?, dr, &answer.receipt)
            .map_err(|_| SmdpError::Receipt)?;
        Ok(keys)
    }
}
