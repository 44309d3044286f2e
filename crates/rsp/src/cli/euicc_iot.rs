//! The IoT options of `rsp euicc …` (SGP.32 v1.2): `--iot` switches the virtual eUICC
//! to IoT mode (kept in the state file), `--initial-eim-*` associate its first eIM with
//! ES10b.AddInitialEim (§5.9.18) as a device maker does at manufacture.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;
use rsp_codec::asn1::sgp32::{
    AddInitialEimOkEntry, AddInitialEimRequest, AddInitialEimResponse, EimConfigurationData,
    EimIdType, EimPublicKeyData,
};
use rsp_codec::asn1::{self, Certificate, Extensions};
use rsp_euicc::Isdr;

/// IoT mode and the initial eIM.
#[derive(Debug, Args)]
pub struct IotArgs {
    /// Run the eUICC in IoT mode (SGP.32 v1.2: eIM associations, eUICC Packages, IPA
    /// data). Kept in the state file: give it once, when the eUICC is created.
    #[arg(long)]
    pub iot: bool,
    /// Associate this eIM (its eimId) when the eUICC has none yet (ES10b.AddInitialEim).
    /// Needs --iot (or an IoT state file) and --initial-eim-cert.
    #[arg(long, value_name = "ID", requires = "initial_eim_cert")]
    pub initial_eim_id: Option<String>,
    /// The eIM's certificate, or its public key (PEM or DER): the key that verifies its
    /// eUICC Packages (eimPublicKeyData).
    #[arg(long, value_name = "FILE", requires = "initial_eim_id")]
    pub initial_eim_cert: Option<PathBuf>,
    /// The eIM's address (FQDN[:port]) the IPA polls (eimFqdn).
    #[arg(long, value_name = "HOST:PORT", requires = "initial_eim_id")]
    pub initial_eim_fqdn: Option<String>,
    /// Ask the eUICC for an association token for the initial eIM (printed on stderr;
    /// the eIM appends it to the data it signs).
    #[arg(long, requires = "initial_eim_id")]
    pub initial_eim_token: bool,
    /// The initial eIM offers indirect Profile download (indirectProfileDownload, SGP.32
    /// §2.11.1): an IPA in `--download auto` mode then downloads through the eIM.
    #[arg(long, requires = "initial_eim_id")]
    pub initial_eim_indirect: bool,
}

/// The `eimPublicKeyData` of a certificate (PEM or DER) or public key (SubjectPublicKeyInfo,
/// PEM or DER) file.
fn key_data(path: &PathBuf) -> anyhow::Result<EimPublicKeyData> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let text = std::str::from_utf8(&bytes).ok();
    if let Some(pem) = text.filter(|t| t.contains("-----BEGIN PUBLIC KEY-----")) {
        let key = rsp_crypto::PublicKey::from_spki_pem(pem)
            .with_context(|| format!("{}: not an EC public key", path.display()))?;
        let spki = asn1::decode(&key.to_spki_der())?;
        return Ok(EimPublicKeyData::EimPublicKey(spki));
    }
    if !text.is_some_and(|t| t.contains("-----BEGIN"))
        && let Ok(key) = rsp_crypto::PublicKey::from_spki_der(&bytes)
    {
        let spki = asn1::decode(&key.to_spki_der())?;
        return Ok(EimPublicKeyData::EimPublicKey(spki));
    }
    let cert = match text.filter(|t| t.contains("-----BEGIN")) {
        Some(pem) => rsp_pki::Cert::from_pem(pem),
        None => rsp_pki::Cert::from_der(&bytes),
    }
    .with_context(|| format!("{}: not a certificate or public key", path.display()))?;
    Ok(EimPublicKeyData::EimCertificate(Certificate::from_der(
        cert.der(),
    )?))
}

impl IotArgs {
    /// Applies the options to a freshly opened ISD-R.
    pub fn apply(&self, isdr: &mut Isdr) -> anyhow::Result<()> {
        if self.iot {
            isdr.enable_iot_mode()
                .map_err(|e| anyhow::anyhow!("switching to IoT mode: {e}"))?;
        }
        let (Some(id), Some(cert)) = (&self.initial_eim_id, &self.initial_eim_cert) else {
            return Ok(());
        };
        if !isdr.is_iot() {
            bail!("--initial-eim-id needs an IoT eUICC (give --iot)");
        }
        let associated = isdr
            .state()
            .iot
            .as_ref()
            .is_some_and(|i| !i.eims.is_empty());
        if associated {
            // Done when the eUICC was created; AddInitialEim is refused from then on.
            let known = isdr
                .state()
                .iot
                .as_ref()
                .is_some_and(|i| i.eims.iter().any(|e| &e.eim_id == id));
            if !known {
                eprintln!("an eIM is already associated: --initial-eim-id {id} ignored");
            }
            return Ok(());
        }
        let config = EimConfigurationData {
            eim_id: id.clone(),
            eim_fqdn: self.initial_eim_fqdn.clone(),
            eim_id_type: Some(EimIdType::EIM_ID_TYPE_PROPRIETARY),
            counter_value: Some(0.into()),
            association_token: self.initial_eim_token.then(|| 0.into()),
            eim_public_key_data: Some(key_data(cert)?),
            indirect_profile_download: self.initial_eim_indirect.then_some(()),
            ..Default::default()
        };
        let request = asn1::encode(&AddInitialEimRequest {
            eim_configuration_data_list: vec![config],
            ext: Extensions::default(),
        })?;
        let response = isdr
            .handle(&request)
            .map_err(|e| anyhow::anyhow!("AddInitialEim: {e}"))?;
        match asn1::decode::<AddInitialEimResponse>(&response)? {
            AddInitialEimResponse::AddInitialEimOk(entries) => {
                for entry in entries {
                    if let AddInitialEimOkEntry::AssociationToken(t) = entry {
                        eprintln!("eIM {id} associated, association token {t}");
                    } else {
                        eprintln!("eIM {id} associated");
                    }
                }
                Ok(())
            }
            AddInitialEimResponse::AddInitialEimError(e) => {
                bail!("AddInitialEim refused with error {}", e.0)
            }
        }
    }
}
