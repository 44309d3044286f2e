//! ES8 ISD-P key establishment (SGP.02 §3.1.2; GP Amd E scenario #3) from the SM-DP's
//! side, as scripts for ES3 SendData to the ISD-P and checks of the eUICC's answers. Each
//! state is a type that consumes itself: [`KeyEstablishment`] (send CERT.DP.ECDSA) →
//! [`AwaitingReceipt`] (send the signed ephemeral key) → [`IsdpKeys`] (receipt verified).
//!
//! Nothing here is persisted: after a restart the SM-DP starts the key establishment
//! again (the ISD-P accepts a new one until it holds a Profile).
//!
//! The same scenario #3 serves the new SM-SR of an SM-SR change (SGP.02 §3.7, ES7
//! AuthenticateSMSR / CreateAdditionalKeySet): [`KeyEstablishment::for_isd_r`] targets
//! the ISD-R itself, CERT.SR.ECDSA goes first, the CRT asks for an SCP80 keyset with a
//! key version 1..15 and an initial sequence counter (`91`), and
//! [`AwaitingReceipt::on_isd_r_receipt`] cuts the derived bytes into an
//! [`IsdrKeyset`]: receipt key ‖ KIc ‖ KID ‖ DEK, each AES-128 (as the public Njiwa
//! SM-SR does; it keeps no DEK). The scripts are the ones the old SM-SR sends to the
//! ISD-R's TAR through ES5; no SCP81 PSK comes out of it (Njiwa creates one afterwards
//! with the new keyset, a separate step).

use rsp_codec::sgp02::consts as c;
use rsp_codec::sgp02::es8::{
    EcPublicKey, InstallForPersonalization, KeyAgreementCrt, KeySetCertificate, KeySetKeyAgreement,
    KeySetReceipt, RandomChallenge,
};
use rsp_codec::sgp02::{Aid, StatusWord};
use rsp_codec::ws::es7::{EccKeyLength, Es7Request};
use rsp_crypto::isdp_keys::{DerivationParameters, IsdpKeys};
use rsp_crypto::{KeyAgreement, PublicKey, SoftwareKey};
use rsp_ota::{CipherAlgorithm, IntegrityAlgorithm, Kic, Kid, SecurityKeys};

use crate::certificate::parameter_reference;
use crate::{Credential, KeyEstError};

/// Identifier of the first key of the ISD-P keyset.
pub const KEY_ID: u8 = 0x01;

/// The data of the script's last R-APDU; every R-APDU must be a success.
pub fn script_answer(rapdus: &[Vec<u8>]) -> Result<&[u8], KeyEstError> {
    let mut data: &[u8] = &[];
    for r in rapdus {
        let (d, sw) = StatusWord::split_response(r)?;
        if !sw.is_success() {
            return Err(KeyEstError::Refused(sw));
        }
        data = d;
    }
    if rapdus.is_empty() {
        return Err(KeyEstError::Unexpected("an empty response script"));
    }
    Ok(data)
}

/// `apdus` prefixed with INSTALL [for personalization] of `isdp`: the form for a SendData
/// addressed to the ISD-R instead of the ISD-P.
pub fn via_isd_r(isdp: &Aid, apdus: Vec<Vec<u8>>) -> Result<Vec<Vec<u8>>, KeyEstError> {
    let mut v = vec![InstallForPersonalization { aid: isdp.clone() }.to_apdu()?];
    v.extend(apdus);
    Ok(v)
}

/// Which security domain receives the new keyset, and so which keyset the CRT asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// An ISD-P's SCP03 keyset (S-ENC, S-MAC, DEK; ES8, the SM-DP).
    IsdP,
    /// A new SCP80 keyset of the ISD-R (AES-CBC KIc, AES-CMAC KID; the new SM-SR in the
    /// SM-SR change) whose replay counter starts at `initial_counter`.
    IsdR {
        /// The counter the eUICC stores with the new keyset (the ES7 InitialSequenceCounter):
        /// the new SM-SR's first command packet must carry a higher one.
        initial_counter: u64,
    },
}

impl Target {
    /// The key usage qualifier of the CRT.
    pub fn key_usage(self) -> u8 {
        match self {
            Target::IsdP => c::KEY_USAGE_SCP03_KEYSET,
            Target::IsdR { .. } => c::KEY_USAGE_SCP80_KEYSET,
        }
    }
}

/// The start: which ISD-P, the ECASD's key agreement key (from its certificate in the
/// EIS) and the key version of the new keyset.
#[derive(Debug, Clone)]
pub struct KeyEstablishment {
    ecasd_key: PublicKey,
    key_version: u8,
    host_id: Vec<u8>,
    target: Target,
}

impl KeyEstablishment {
    /// A key establishment with the ECASD holding `ecasd_key`; `host_id` (1..16 octets)
    /// identifies the SM-DP in the derivation.
    pub fn new(ecasd_key: PublicKey, key_version: u8, host_id: &[u8]) -> Result<Self, KeyEstError> {
        if host_id.is_empty() || host_id.len() > 16 {
            return Err(KeyEstError::Credential(
                "host identifier of 1..16 octets".into(),
            ));
        }
        Ok(Self {
            ecasd_key,
            key_version,
            host_id: host_id.to_vec(),
            target: Target::IsdP,
        })
    }

    /// A key establishment of a new ISD-R SCP80 keyset (the new SM-SR's side of the SM-SR
    /// change): `key_version` 1..15 (an existing keyset of that version is replaced),
    /// `initial_counter` below 2^40, `host_id` (1..16 octets) identifies the new SM-SR.
    /// The scripts go to the ISD-R (no INSTALL [for personalization]) and the credential
    /// must hold CERT.SR.ECDSA.
    pub fn for_isd_r(
        ecasd_key: PublicKey,
        key_version: u8,
        host_id: &[u8],
        initial_counter: u64,
    ) -> Result<Self, KeyEstError> {
        if !(1..=15).contains(&key_version) {
            return Err(KeyEstError::Credential(
                "an SCP80 key version is 1..15".into(),
            ));
        }
        let ke = Self {
            target: Target::IsdR { initial_counter },
            ..Self::new(ecasd_key, key_version, host_id)?
        };
        ke.crt()?;
        Ok(ke)
    }

    /// The security domain that receives the keyset.
    pub fn target(&self) -> Target {
        self.target
    }

    /// The first script: CERT.DP.ECDSA (CERT.SR.ECDSA for the ISD-R; the certificate
    /// type must fit the target).
    pub fn certificate_script(&self, credential: &Credential) -> Result<Vec<Vec<u8>>, KeyEstError> {
        let wanted = match self.target {
            Target::IsdP => c::CERT_TYPE_SMDP,
            Target::IsdR { .. } => c::CERT_TYPE_SMSR,
        };
        if credential.certificate_type() != Some(wanted) {
            return Err(KeyEstError::Credential(
                "the certificate type does not fit the target".into(),
            ));
        }
        Ok(vec![
            KeySetCertificate(credential.certificate().clone()).to_apdu()?,
        ])
    }

    /// The eUICC answered the certificate with a random challenge: the second script,
    /// the ephemeral key signed with SK.DP.ECDSA (SK.SR.ECDSA for the ISD-R).
    pub fn on_challenge(
        self,
        rapdus: &[Vec<u8>],
        credential: &Credential,
    ) -> Result<(Vec<Vec<u8>>, AwaitingReceipt), KeyEstError> {
        let challenge = RandomChallenge::parse(script_answer(rapdus)?)?;
        let (ka, waiting) = self.agree(&challenge.0, credential)?;
        Ok((vec![ka.to_apdu()?], waiting))
    }

    /// ES7 AuthenticateSMSR for the eUICC `eid` (the new SM-SR → the current one, which
    /// relays CERT.SR.ECDSA to the ISD-R): [`KeyEstablishment::for_isd_r`] only.
    pub fn authenticate_smsr(
        &self,
        eid: &str,
        credential: &Credential,
    ) -> Result<Es7Request, KeyEstError> {
        self.isd_r_only()?;
        self.certificate_script(credential)?;
        Ok(Es7Request::AuthenticateSmsr {
            eid: eid.to_owned(),
            smsr_certificate: credential.certificate().to_tlv()?,
        })
    }

    /// ES7 CreateAdditionalKeySet for the eUICC `eid` once AuthenticateSMSR answered
    /// `random_challenge`: the CRT's parameters (the current SM-SR rebuilds the CRT with
    /// [`KeyAgreementCrt::isd_r`]), ePK.SR.ECKA as its `7F49` TLV and the signature.
    pub fn create_additional_key_set(
        self,
        eid: &str,
        random_challenge: &[u8],
        credential: &Credential,
    ) -> Result<(Es7Request, AwaitingReceipt), KeyEstError> {
        let initial_counter = self.isd_r_only()?;
        let (ka, waiting) = self.agree(random_challenge, credential)?;
        let request = Es7Request::CreateAdditionalKeySet {
            eid: eid.to_owned(),
            key_version_number: ka.crt.key_version,
            initial_sequence_counter: initial_counter,
            // Both curves we support are 256-bit ones.
            ecc_key_length: EccKeyLength::Ecc256,
            scenario_parameter: ka.crt.scenario_parameters,
            host_id: ka.crt.host_id.clone().unwrap_or_default(),
            ephemeral_public_key: ka.ephemeral_key.to_tlv()?,
            signature: ka.signature,
        };
        Ok((request, waiting))
    }

    fn isd_r_only(&self) -> Result<u64, KeyEstError> {
        match self.target {
            Target::IsdR { initial_counter } => Ok(initial_counter),
            Target::IsdP => Err(KeyEstError::Credential(
                "ES7 is for the ISD-R key establishment".into(),
            )),
        }
    }

    /// The CRT of the target's keyset.
    fn crt(&self) -> Result<KeyAgreementCrt, KeyEstError> {
        let scenario_parameters =
            c::SCENARIO_PARAM_CERTIFICATE | c::SCENARIO_PARAM_DR | c::SCENARIO_PARAM_HOST_ID;
        Ok(match self.target {
            Target::IsdP => KeyAgreementCrt {
                scenario_parameters,
                key_usage: c::KEY_USAGE_SCP03_KEYSET,
                key_type: c::KEY_TYPE_AES,
                key_length: c::KEY_LENGTH_AES128,
                key_id: KEY_ID,
                key_version: self.key_version,
                initial_counter: None,
                host_id: Some(self.host_id.clone()),
            },
            Target::IsdR { initial_counter } => KeyAgreementCrt::isd_r(
                self.key_version,
                initial_counter,
                scenario_parameters,
                Some(self.host_id.clone()),
            )?,
        })
    }

    /// The signed key agreement data for `challenge`.
    fn agree(
        self,
        challenge: &[u8],
        credential: &Credential,
    ) -> Result<(KeySetKeyAgreement, AwaitingReceipt), KeyEstError> {
        let crt = self.crt()?;
        let esk = SoftwareKey::generate(self.ecasd_key.curve())?;
        let ephemeral_key = EcPublicKey {
            q: KeyAgreement::public_key(&esk).sec1_uncompressed().to_vec(),
            parameter_reference: parameter_reference(KeyAgreement::curve(&esk)),
        };
        let signed = KeySetKeyAgreement::signed_data(&crt, &ephemeral_key, challenge)?;
        let signature = credential.key().sign_raw(&signed)?.to_vec();
        Ok((
            KeySetKeyAgreement {
                crt: crt.clone(),
                ephemeral_key,
                signature,
            },
            AwaitingReceipt {
                crt,
                esk,
                ecasd_key: self.ecasd_key,
                target: self.target,
            },
        ))
    }
}

/// The key agreement data is on its way; the receipt decides.
pub struct AwaitingReceipt {
    crt: KeyAgreementCrt,
    esk: SoftwareKey,
    ecasd_key: PublicKey,
    target: Target,
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

    /// The security domain that receives the keyset.
    pub fn target(&self) -> Target {
        self.target
    }

    /// The ISD-R's answer to a [`KeyEstablishment::for_isd_r`]: the new SCP80 keyset
    /// when the receipt verifies.
    pub fn on_isd_r_receipt(self, rapdus: &[Vec<u8>]) -> Result<IsdrKeyset, KeyEstError> {
        let answer = KeySetReceipt::parse(script_answer(rapdus)?)?;
        self.isd_r_keyset(&answer)
    }

    /// ES7 CreateAdditionalKeySet's response (`DerivationRandom`, `Receipt`): the new
    /// SCP80 keyset when the receipt verifies.
    pub fn on_es7_receipt(
        self,
        derivation_random: Option<&[u8]>,
        receipt: &[u8],
    ) -> Result<IsdrKeyset, KeyEstError> {
        self.isd_r_keyset(&KeySetReceipt {
            derivation_random: derivation_random.map(<[u8]>::to_vec),
            receipt: receipt.to_vec(),
        })
    }

    fn isd_r_keyset(self, answer: &KeySetReceipt) -> Result<IsdrKeyset, KeyEstError> {
        let Target::IsdR { initial_counter } = self.target else {
            return Err(KeyEstError::Unexpected("not an ISD-R key establishment"));
        };
        let version = self.crt.key_version;
        let keys = self.verify(answer)?;
        Ok(IsdrKeyset {
            version,
            initial_counter,
            keys,
        })
    }

    /// The eUICC's answer: DR and the receipt; the keys when the receipt verifies (the
    /// derived bytes as they come, whatever the target).
    pub fn on_receipt(self, rapdus: &[Vec<u8>]) -> Result<IsdpKeys, KeyEstError> {
        let answer = KeySetReceipt::parse(script_answer(rapdus)?)?;
        self.verify(&answer)
    }

    fn verify(self, answer: &KeySetReceipt) -> Result<IsdpKeys, KeyEstError> {
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
            .map_err(|_| KeyEstError::Receipt)?;
        Ok(keys)
    }
}

/// The ISD-R's new SCP80 keyset as the new SM-SR holds it: KIc AES-CBC and KID AES-CMAC
/// of the key version asked for, the derived keys (KIc = the KDF's second 16 octets,
/// KID = the third, DEK = the fourth) and the counter the eUICC started it at.
pub struct IsdrKeyset {
    version: u8,
    initial_counter: u64,
    keys: IsdpKeys,
}

impl std::fmt::Debug for IsdrKeyset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IsdrKeyset")
            .field("version", &self.version)
            .field("initial_counter", &self.initial_counter)
            .finish_non_exhaustive()
    }
}

impl IsdrKeyset {
    /// Key version number (1..15).
    pub fn version(&self) -> u8 {
        self.version
    }
    /// The counter the eUICC stored with the keyset: packets must carry higher ones.
    pub fn initial_counter(&self) -> u64 {
        self.initial_counter
    }
    /// The KIc octet: AES-CBC, this key version.
    pub fn kic(&self) -> Kic {
        Kic::new(CipherAlgorithm::AesCbc, self.version)
    }
    /// The KID octet: AES-CMAC, this key version.
    pub fn kid(&self) -> Kid {
        Kid::new(IntegrityAlgorithm::AesCmac, self.version)
    }
    /// The ciphering key.
    pub fn kic_key(&self) -> &[u8; 16] {
        self.keys.enc()
    }
    /// The integrity key.
    pub fn kid_key(&self) -> &[u8; 16] {
        self.keys.mac()
    }
    /// The data encryption key (kept by neither side's SCP80 use; for a later PUT KEY).
    pub fn dek(&self) -> &[u8; 16] {
        self.keys.dek()
    }
    /// The keys for `rsp_ota` (seal command packets, open PoRs).
    pub fn security_keys(&self) -> SecurityKeys {
        SecurityKeys::new(self.kic_key(), self.kid_key())
    }
}
