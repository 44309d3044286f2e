//! `rsp hsm …`: keys in a PKCS#11 token (docs/hsm.md): EC key pairs for the long-term keys,
//! the AES key wrapping the data key, and the wrapped data-key file `rsp serve` reads.
//! Token keys are generated sensitive and not extractable; nothing secret is printed.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use rsp_crypto::Curve;
use rsp_hsm::{HsmError, Pkcs11Uri};

#[derive(Debug, Subcommand)]
pub enum HsmCommand {
    /// Generate an EC key pair in the token (CERT.DPauth / DPpb / DStls / eIM / TLS keys),
    /// then request its certificate with `rsp pki csr --key URI`.
    Keygen(KeygenArgs),
    /// Import an existing private key (PEM) into the token, sensitive and not extractable
    /// from then on, with its public key; then delete the PEM file and configure the URI.
    Import(ImportArgs),
    /// Write a data-key file whose 32-byte key (encrypting Profile Packages at rest) is
    /// wrapped by an AES key in the token (CKM_AES_KEY_WRAP_PAD, generated if absent):
    /// give it to `rsp serve … --data-key-file`.
    DataKey(DataKeyArgs),
}

#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// The key to create: `pkcs11:token=…;object=…` (docs/hsm.md for the PIN).
    #[arg(long)]
    key: String,
    /// Curve: nist or brainpool.
    #[arg(long, default_value = "nist", value_parser = ["nist", "brainpool"])]
    curve: String,
    /// Also write the public key (SubjectPublicKeyInfo, PEM) here.
    #[arg(long)]
    public_out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The key objects to create: `pkcs11:token=…;object=…`.
    #[arg(long)]
    key: String,
    /// The private key file (PKCS#8 or SEC1 PEM).
    #[arg(long)]
    from: PathBuf,
}

#[derive(Debug, Args)]
pub struct DataKeyArgs {
    /// The wrapping AES key: `pkcs11:token=…;object=…;type=secret-key`; created in the
    /// token when absent. Written into the file as given: prefer pin-source to pin-value.
    #[arg(long)]
    kek: String,
    /// Wrap this existing clear data key (64 hex digits) instead of a new one, e.g. to move
    /// a running server's key under the token; then delete the clear file.
    #[arg(long)]
    import: Option<PathBuf>,
    /// The data-key file to write.
    #[arg(long)]
    out: PathBuf,
    /// Overwrite an existing file.
    #[arg(long)]
    force: bool,
}

pub fn run(cmd: HsmCommand) -> anyhow::Result<()> {
    match cmd {
        HsmCommand::Keygen(a) => keygen(a),
        HsmCommand::Import(a) => import(a),
        HsmCommand::DataKey(a) => data_key(a),
    }
}

fn keygen(a: KeygenArgs) -> anyhow::Result<()> {
    let uri = Pkcs11Uri::parse(&a.key)?;
    let curve = if a.curve == "brainpool" {
        Curve::BrainpoolP256r1
    } else {
        Curve::NistP256
    };
    let key = rsp_hsm::generate_ec_key(&uri, curve)?;
    let spki = rsp_crypto::Signer::public_key(&key).to_spki_der();
    if let Some(out) = &a.public_out {
        let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &spki);
        let mut pem = String::from("-----BEGIN PUBLIC KEY-----\n");
        for chunk in b64.as_bytes().chunks(64) {
            pem.push_str(&String::from_utf8_lossy(chunk));
            pem.push('\n');
        }
        pem.push_str("-----END PUBLIC KEY-----\n");
        std::fs::write(out, pem).with_context(|| format!("writing {}", out.display()))?;
    }
    println!("{}: new {} key pair in the token", key.name(), curve.name());
    Ok(())
}

fn import(a: ImportArgs) -> anyhow::Result<()> {
    let uri = Pkcs11Uri::parse(&a.key)?;
    let pem = zeroize::Zeroizing::new(
        std::fs::read_to_string(&a.from)
            .with_context(|| format!("reading {}", a.from.display()))?,
    );
    let soft = rsp_crypto::SoftwareKey::from_pem(&pem)
        .map_err(|_| anyhow::anyhow!("{}: not a usable EC private key", a.from.display()))?;
    let key = rsp_hsm::import_ec_key(&uri, &soft)?;
    println!("{}: imported from {}", key.name(), a.from.display());
    Ok(())
}

fn data_key(a: DataKeyArgs) -> anyhow::Result<()> {
    if a.out.exists() && !a.force {
        bail!("{} exists (use --force to overwrite)", a.out.display());
    }
    let kek = Pkcs11Uri::parse(&a.kek)?;
    match rsp_hsm::generate_wrapping_key(&kek) {
        Ok(()) => println!("{kek}: new AES-256 wrapping key in the token"),
        Err(HsmError::Exists(_)) => {}
        Err(e) => return Err(e.into()),
    }
    let wrapped = match &a.import {
        Some(path) => {
            let text = zeroize::Zeroizing::new(
                std::fs::read_to_string(path)
                    .with_context(|| format!("reading {}", path.display()))?,
            );
            let bytes = zeroize::Zeroizing::new(
                hex::decode(text.trim())
                    .ok()
                    .and_then(|b| <[u8; 32]>::try_from(b).ok())
                    .with_context(|| format!("{}: expected 64 hex digits", path.display()))?,
            );
            rsp_hsm::wrap_existing_data_key(&kek, &bytes)?
        }
        None => rsp_hsm::new_wrapped_data_key(&kek)?,
    };
    rsp_pki::write_secret(
        &a.out,
        rsp_hsm::data_key_file_text(&a.kek, &wrapped).as_bytes(),
    )
    .with_context(|| format!("writing {}", a.out.display()))?;
    println!("{}: data key wrapped by {kek}", a.out.display());
    Ok(())
}
