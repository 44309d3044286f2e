//! `rsp euicc …`: run the virtual eUICC (`rsp_euicc`) behind an APDU transport
//! (`rsp_apdu`): lpac's stdio protocol or vsmartcard's vpcd reader, or poke it with raw
//! APDUs. The state (profiles, notifications) persists in `--state` across runs.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

mod ipae;

use anyhow::{Context, bail};
use clap::{ArgGroup, Args, Subcommand};
use rsp_apdu::vpcd::{self, VpcdClient};
use rsp_codec::asn1::{self, StoreMetadataRequest};
use rsp_euicc::{Card, EuiccConfig, Identity, Isdr, Profile, StateStore};

#[derive(Debug, Subcommand)]
pub enum EuiccCommand {
    /// Show the EID, the CI key identifiers, the installed profiles and the ICCID and
    /// IMSI the enabled Profile's UICC serves.
    Info(InfoArgs),
    /// Serve the eUICC to an LPA: lpac's stdio protocol, or the vpcd virtual reader.
    ///
    /// With --stdio, requests are read from standard input and answered on standard
    /// output (lpac: LPAC_APDU=stdio); the command ends at end of input. With --vpcd, the
    /// card connects to vsmartcard's vpcd (pcscd driver) and appears in the reader
    /// "Virtual PCD 00 00"; it reconnects whenever vpcd goes away, until Ctrl-C.
    #[command(group(ArgGroup::new("transport").required(true).args(["stdio", "vpcd"])))]
    Serve(ServeArgs),
    /// Send raw command APDUs (hex) in order and print each response APDU (hex).
    ///
    /// Only the basic channel is open at first: select the ISD-R (00A4040010A0000005591010FFFFFFFF8900000100)
    /// before STORE DATA. Every other command goes to the UICC of the enabled Profile
    /// (e.g. 00A40004022FE2 then 00B000000A reads EF.ICCID; see docs/uicc.md). No GET
    /// RESPONSE is sent for you; the state (PIN counters, SQN, updated files) persists.
    Apdu(ApduArgs),
}

/// Which eUICC: state file and identity.
#[derive(Debug, Args)]
pub struct CardArgs {
    /// State file (profiles, notifications, settings), created when missing.
    #[arg(long, value_name = "FILE", default_value = "euicc-state.json")]
    state: PathBuf,
    /// Identity from a directory written by `rsp pki init` (nist/ and brainpool/).
    #[arg(long, value_name = "DIR", conflicts_with_all = ["cert", "key", "eum", "ci"])]
    pki: Option<PathBuf>,
    /// eUICC certificate (PEM or DER); repeat for a second curve, paired in order with
    /// --key and --eum.
    #[arg(long, value_name = "FILE")]
    cert: Vec<PathBuf>,
    /// Private key of the eUICC certificate (PEM).
    #[arg(long, value_name = "FILE")]
    key: Vec<PathBuf>,
    /// EUM certificate that signed the eUICC certificate.
    #[arg(long, value_name = "FILE")]
    eum: Vec<PathBuf>,
    /// Trusted CI certificate; may be repeated.
    #[arg(long, value_name = "FILE")]
    ci: Vec<PathBuf>,
    /// Root SM-DS address of the eUICC (FQDN[:port]), answered by ES10a
    /// GetEuiccConfiguredAddresses (SGP.22 §5.7.3) and where `rsp lpa discover` starts.
    /// Kept in the state file: give it once, when the eUICC is created. Default:
    /// lpa.ds.gsma.com.
    #[arg(long, value_name = "ADDRESS")]
    root_ds: Option<String>,
    /// Default SM-DP+ address of the eUICC (FQDN[:port], SGP.22 §5.7.3), kept in the state
    /// file as ES10a SetDefaultDpAddress does (an LPA may change it later).
    #[arg(long, value_name = "ADDRESS")]
    default_dp: Option<String>,
    /// IoT mode (SGP.32) and the initial eIM.
    #[command(flatten)]
    iot: super::euicc_iot::IotArgs,
}

#[derive(Debug, Args)]
pub struct InfoArgs {
    #[command(flatten)]
    card: CardArgs,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    card: CardArgs,
    /// Speak lpac's stdio APDU protocol on standard input and output.
    #[arg(long)]
    stdio: bool,
    /// Connect to vpcd at HOST:PORT (default 127.0.0.1:35963).
    #[arg(long, value_name = "HOST:PORT", num_args = 0..=1, default_missing_value = vpcd::DEFAULT_ADDRESS)]
    vpcd: Option<String>,
    /// ATR answered to vpcd (hex); default: a typical eUICC ATR.
    #[arg(long, value_name = "HEX", requires = "vpcd")]
    atr: Option<String>,
    #[command(flatten)]
    ipae: ipae::IpaeArgs,
}

#[derive(Debug, Args)]
pub struct ApduArgs {
    #[command(flatten)]
    card: CardArgs,
    /// Command APDUs, hex (spaces inside an argument are ignored).
    #[arg(required = true, value_name = "HEX")]
    apdus: Vec<String>,
}

pub fn run(cmd: EuiccCommand) -> anyhow::Result<()> {
    match cmd {
        EuiccCommand::Info(args) => info(&args),
        EuiccCommand::Serve(args) => serve(args),
        EuiccCommand::Apdu(args) => apdu(args),
    }
}

impl CardArgs {
    pub(crate) fn identity(&self) -> anyhow::Result<Identity> {
        if let Some(dir) = &self.pki {
            let identity = Identity::from_pki_dir(dir)
                .with_context(|| format!("loading the eUICC identity from {}", dir.display()))?;
            self.remember_identity_dir(dir)?;
            return Ok(identity);
        }
        if self.cert.is_empty() {
            let store = StateStore::file(&self.state);
            let remembered = store.load().ok().and_then(|s| s.identity_dir);
            let Some(dir) = remembered else {
                bail!(
                    "give the eUICC identity: --pki DIR, or --cert, --key, --eum and --ci \
                     (a state file made with --pki remembers its directory)"
                );
            };
            return Identity::from_pki_dir(Path::new(&dir)).with_context(|| {
                format!("loading the eUICC identity from {dir} (remembered in the state file)")
            });
        }
        if self.cert.len() != self.key.len() || self.cert.len() != self.eum.len() {
            bail!("give as many --key and --eum as --cert (they are paired in order)");
        }
        if self.ci.is_empty() {
            bail!("give at least one trusted CI certificate with --ci");
        }
        let creds: Vec<_> = self
            .cert
            .iter()
            .zip(&self.key)
            .zip(&self.eum)
            .map(|((c, k), e)| (c.clone(), k.clone(), e.clone()))
            .collect();
        Identity::from_files(&creds, &self.ci).context("loading the eUICC identity")
    }

    /// Records the `--pki` directory in the state file, so later commands on the same
    /// state need no identity options.
    fn remember_identity_dir(&self, dir: &Path) -> anyhow::Result<()> {
        let store = StateStore::file(&self.state);
        let mut state = store
            .load()
            .with_context(|| format!("opening the eUICC state {}", self.state.display()))?;
        let absolute = dir
            .canonicalize()
            .unwrap_or_else(|_| dir.to_path_buf())
            .display()
            .to_string();
        if state.identity_dir.as_deref() != Some(absolute.as_str()) {
            state.identity_dir = Some(absolute);
            store
                .save(&state)
                .with_context(|| format!("writing the eUICC state {}", self.state.display()))?;
        }
        Ok(())
    }

    /// Records `--root-ds` and `--default-dp` in the state file (SGP.22 §5.7.3: the
    /// addresses GetEuiccConfiguredAddresses answers), so later commands on the same state
    /// see them without the options.
    fn remember_addresses(&self) -> anyhow::Result<()> {
        if self.root_ds.is_none() && self.default_dp.is_none() {
            return Ok(());
        }
        let root_ds = self.root_ds.as_deref().map(checked_address).transpose()?;
        let default_dp = self
            .default_dp
            .as_deref()
            .map(checked_address)
            .transpose()?;
        let store = StateStore::file(&self.state);
        let mut state = store
            .load()
            .with_context(|| format!("opening the eUICC state {}", self.state.display()))?;
        let before = (
            state.root_ds_address.clone(),
            state.default_dp_address.clone(),
        );
        if let Some(a) = root_ds {
            state.root_ds_address = Some(a);
        }
        if let Some(a) = default_dp {
            state.default_dp_address = Some(a);
        }
        if (
            state.root_ds_address.clone(),
            state.default_dp_address.clone(),
        ) != before
        {
            store
                .save(&state)
                .with_context(|| format!("writing the eUICC state {}", self.state.display()))?;
        }
        Ok(())
    }

    pub(crate) fn isdr(&self) -> anyhow::Result<Isdr> {
        let identity = self.identity()?;
        self.remember_addresses()?;
        let mut isdr = Isdr::new(
            identity,
            EuiccConfig::default(),
            StateStore::file(&self.state),
        )
        .with_context(|| format!("opening the eUICC state {}", self.state.display()))?;
        self.iot.apply(&mut isdr)?;
        Ok(isdr)
    }
}

/// An SM-DP+ or SM-DS address as the eUICC keeps it (SGP.22 §5.7.3: a UTF8String FQDN,
/// here with an optional port): not empty, no whitespace, no `$` (it would break the
/// activation codes built from it, §4.1), at most 255 bytes.
fn checked_address(address: &str) -> anyhow::Result<String> {
    if address.is_empty()
        || address.len() > 255
        || address.chars().any(|c| c.is_whitespace() || c == '$')
    {
        bail!("{address:?} is not an address (FQDN[:port], no spaces or '$')");
    }
    Ok(address.to_owned())
}

/// The root SM-DS address the eUICC answers (the state's, else the default).
fn root_ds_address(state: &rsp_euicc::EuiccState) -> String {
    state
        .root_ds_address
        .clone()
        .unwrap_or_else(|| EuiccConfig::default().root_ds_address)
}

/// ICCID as printed on the card: BCD with swapped nibbles, `F` padding dropped.
fn iccid_text(bcd: &[u8]) -> String {
    let mut out = String::with_capacity(bcd.len() * 2);
    for b in bcd {
        for nibble in [b & 0x0F, b >> 4] {
            if nibble != 0x0F {
                out.push(char::from_digit(u32::from(nibble), 16).unwrap_or('?'));
            }
        }
    }
    out
}

/// Profile and service provider names from the stored metadata, when it decodes.
fn names(profile: &Profile) -> (Option<String>, Option<String>) {
    match asn1::decode::<StoreMetadataRequest>(&profile.metadata.0) {
        Ok(m) => (
            Some(m.profile_name.to_string()),
            Some(m.service_provider_name.to_string()),
        ),
        Err(_) => (None, None),
    }
}

/// ICCID and IMSI of the enabled Profile as its UICC serves them (EF.ICCID, EF.IMSI).
fn enabled_ids(isdr: &Isdr) -> Option<(Option<String>, Option<String>)> {
    let uicc = rsp_euicc::uicc::Uicc::from_profile(isdr.enabled_profile()?).ok()?;
    Some((uicc.iccid(), uicc.imsi()))
}

fn info(args: &InfoArgs) -> anyhow::Result<()> {
    let isdr = args.card.isdr()?;
    let id = isdr.identity();
    let state = isdr.state();
    let enabled = enabled_ids(&isdr);
    let verification: Vec<String> = id
        .ci_pk_ids_for_verification()
        .iter()
        .map(hex::encode_upper)
        .collect();
    let signing: Vec<String> = id
        .ci_pk_ids_for_signing()
        .iter()
        .map(hex::encode_upper)
        .collect();
    if args.json {
        let profiles: Vec<_> = state
            .profiles
            .iter()
            .map(|p| {
                let (name, provider) = names(p);
                serde_json::json!({
                    "iccid": iccid_text(&p.iccid.0),
                    "isdpAid": hex::encode_upper(&p.isdp_aid.0),
                    "state": if p.enabled { "enabled" } else { "disabled" },
                    "nickname": p.nickname,
                    "profileName": name,
                    "serviceProviderName": provider,
                    "smdpOid": p.smdp_oid,
                })
            })
            .collect();
        let out = serde_json::json!({
            "eid": id.eid_text(),
            "euiccCiPKIdListForVerification": verification,
            "euiccCiPKIdListForSigning": signing,
            "defaultDpAddress": state.default_dp_address,
            "rootDsAddress": root_ds_address(state),
            "profiles": profiles,
            "pendingNotifications": state.notifications.len(),
            "stateFile": args.card.state.display().to_string(),
            "enabledProfile": enabled.as_ref().map(|(iccid, imsi)| serde_json::json!({
                "iccid": iccid,
                "imsi": imsi,
            })),
            "iot": state.iot.as_ref().map(|iot| serde_json::json!({
                "eims": iot.eims.iter().map(|e| serde_json::json!({
                    "eimId": e.eim_id,
                    "counterValue": e.counter,
                    "associationToken": e.association_token,
                })).collect::<Vec<_>>(),
                "euiccPackageResults": iot.results.len(),
            })),
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    println!("EID:                      {}", id.eid_text());
    println!("CI key ids (verification): {}", verification.join(", "));
    println!("CI key ids (signing):      {}", signing.join(", "));
    println!(
        "default SM-DP+ address:   {}",
        state.default_dp_address.as_deref().unwrap_or("-")
    );
    println!("root SM-DS address:       {}", root_ds_address(state));
    println!("pending notifications:    {}", state.notifications.len());
    if let Some(iot) = &state.iot {
        let eims: Vec<String> = iot
            .eims
            .iter()
            .map(|e| format!("{} (counter {})", e.eim_id, e.counter))
            .collect();
        println!(
            "IoT mode (SGP.32):        eIMs: {}",
            if eims.is_empty() {
                "none".into()
            } else {
                eims.join(", ")
            }
        );
        println!("eUICC Package results:    {}", iot.results.len());
    }
    if let Some((iccid, imsi)) = &enabled {
        println!(
            "enabled profile (UICC):   ICCID {}  IMSI {}",
            iccid.as_deref().unwrap_or("-"),
            imsi.as_deref().unwrap_or("-")
        );
    }
    if state.profiles.is_empty() {
        println!("profiles:                 none");
    } else {
        println!("profiles:");
        for p in &state.profiles {
            let (name, provider) = names(p);
            println!(
                "  {}  {:8}  {}  {}{}",
                iccid_text(&p.iccid.0),
                if p.enabled { "enabled" } else { "disabled" },
                name.as_deref().unwrap_or("-"),
                provider.as_deref().unwrap_or("-"),
                p.nickname
                    .as_deref()
                    .map(|n| format!("  ({n})"))
                    .unwrap_or_default(),
            );
        }
    }
    Ok(())
}

fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let atr = args
        .atr
        .as_deref()
        .map(|h| hex::decode(h).context("--atr is not hex"))
        .transpose()?;
    let card = ipae::SharedCard::new(Card::new(args.card.isdr()?));
    if args.ipae.ipae {
        ipae::start(&card, &args.ipae)?;
    }
    if args.stdio {
        let stdin = std::io::stdin().lock();
        let stdout = std::io::stdout().lock();
        rsp_apdu::stdio::serve(card, stdin, stdout).context("stdio transport")?;
        return Ok(());
    }
    let address = args.vpcd.as_deref().unwrap_or(vpcd::DEFAULT_ADDRESS);
    let mut client = VpcdClient::new(address)?;
    if let Some(atr) = atr {
        client = client.with_atr(atr);
    }
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        ctrlc::set_handler(move || stop.store(true, Ordering::SeqCst))
            .context("installing the Ctrl-C handler")?;
    }
    eprintln!(
        "eUICC {} serving vpcd at {} (Ctrl-C to stop)",
        card.eid(),
        client.address()
    );
    client.run(card, &stop, &mut std::io::stderr());
    Ok(())
}

fn apdu(args: ApduArgs) -> anyhow::Result<()> {
    let capdus = args
        .apdus
        .iter()
        .map(|a| {
            let compact: String = a.chars().filter(|c| !c.is_whitespace()).collect();
            hex::decode(&compact).with_context(|| format!("{a:?} is not hex"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut card = Card::new(args.card.isdr()?);
    let mut out = std::io::stdout().lock();
    for capdu in capdus {
        let rapdu = card.transmit(&capdu);
        writeln!(out, "{}", hex::encode_upper(rapdu))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::iccid_text;

    #[test]
    fn iccid_digits() {
        // ICCID 8944 0000 0000 0000 001 (19 digits, F-padded), as in EF.ICCID.
        let bcd = [0x98, 0x44, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xF1];
        assert_eq!(iccid_text(&bcd), "8944000000000000001");
    }
}
