//! `rsp m2m euicc init|show|serve`: the virtual M2M eUICC's state file and its modem.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use rsp_codec::sgp02::{Aid, NotificationType, SmsAddress, iccid_from_digits};
use rsp_m2m_euicc::modem::{Modem, ModemConfig};
use rsp_m2m_euicc::{Ecasd, EuiccState, IsdP, M2mEuicc, Scp80Keyset};
use rsp_ota::{CipherAlgorithm, IntegrityAlgorithm, Kic, Kid};
use zeroize::Zeroizing;

/// `rsp m2m euicc` subcommands.
#[derive(Debug, Subcommand)]
pub enum EuiccCommand {
    /// Create the card's state file: ECASD from an `rsp pki init` directory, ISD-Ps with
    /// installed Profiles (the first one enabled), ISD-R SCP80 keysets, SCP81 PSK.
    Init(InitArgs),
    /// Print the card as JSON (no keys).
    Show(ShowArgs),
    /// Run the card in the modem simulator: bind to the SMSC with the enabled Profile's
    /// MSISDN, hand SMS to the card, send PoRs and notifications, open SCP81 sessions on
    /// a push. Stops on SIGINT/SIGTERM.
    Serve(ServeArgs),
}

/// Arguments of `rsp m2m euicc init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The state file to create (mode 0600; holds keys).
    #[arg(long)]
    state: PathBuf,
    /// An `rsp pki init` directory (its `nist/` or `brainpool/` subdirectory, or the
    /// directory itself): `euicc.pem` and `euicc.key.pem` make the ECASD and the EID.
    #[arg(long)]
    pki: PathBuf,
    /// The SM-SR's MSISDN the card addresses its notifications to (SM-SR addressing
    /// parameters); the modem's `--smsr-msisdn` is used when absent.
    #[arg(long)]
    msisdn: Option<String>,
    /// A Profile `ICCID:MSISDN[:fallback]` in its own ISD-P (repeat; the first is
    /// enabled; `fallback` sets the fallback attribute, default: the first).
    #[arg(long = "profile", required = true)]
    profiles: Vec<String>,
    /// An ISD-R SCP80 keyset `VERSION:aes|3des:KIC_HEX:KID_HEX` (repeat). Lab only:
    /// keys on the command line are visible to other users; prefer --scp80-key-file.
    #[arg(long = "scp80-key")]
    scp80_keys: Vec<String>,
    /// A file with one keyset per line in the --scp80-key format (`#` comments).
    #[arg(long = "scp80-key-file")]
    scp80_key_file: Option<PathBuf>,
    /// The SCP81 TLS-PSK `IDENTITY:KEY_HEX` (lab only; prefer --psk-file).
    #[arg(long)]
    psk: Option<String>,
    /// A file holding `IDENTITY:KEY_HEX`.
    #[arg(long = "psk-file", conflicts_with = "psk")]
    psk_file: Option<PathBuf>,
    /// Overwrite an existing state file.
    #[arg(long)]
    force: bool,
}

/// Arguments of `rsp m2m euicc show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The state file.
    #[arg(long)]
    state: PathBuf,
}

/// Arguments of `rsp m2m euicc serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The state file (every change is saved to it).
    #[arg(long)]
    state: PathBuf,
    /// The SMSC's SMPP address (`host:port`).
    #[arg(long)]
    smsc: String,
    /// SMPP system_id of the device's account.
    #[arg(long = "system-id")]
    system_id: String,
    /// File holding the SMPP password (first line).
    #[arg(long = "password-file")]
    password_file: PathBuf,
    /// The SM-SR's MSISDN (destination of notifications unless the card has one).
    #[arg(long = "smsr-msisdn")]
    smsr_msisdn: String,
    /// The SM-SR's SCP81 admin server (`host:port`) when a push names none with a port.
    #[arg(long = "smsr-admin")]
    smsr_admin: Option<String>,
    /// An ICCID whose network attach fails (the card falls back; repeat).
    #[arg(long = "fail-attach")]
    fail_attach: Vec<String>,
    /// Seconds before unconfirmed notifications are sent again.
    #[arg(long = "notification-retry", default_value_t = 30)]
    notification_retry: u64,
}

/// Runs an `rsp m2m euicc` command.
pub fn run(cmd: EuiccCommand) -> anyhow::Result<()> {
    match cmd {
        EuiccCommand::Init(a) => init(a),
        EuiccCommand::Show(a) => show(&a.state),
        EuiccCommand::Serve(a) => serve(a),
    }
}

fn parse_keyset(spec: &str) -> anyhow::Result<Scp80Keyset> {
    let usage = "SCP80 key must be VERSION:aes|3des:KIC_HEX:KID_HEX";
    let parts: Vec<&str> = spec.trim().split(':').collect();
    let [version, alg, kic, kid] = parts.as_slice() else {
        bail!(usage);
    };
    let version: u8 = version.parse().context(usage)?;
    let kic_key = Zeroizing::new(hex::decode(kic).context("KIC_HEX")?);
    let kid_key = Zeroizing::new(hex::decode(kid).context("KID_HEX")?);
    let (c, i) = match alg.to_ascii_lowercase().as_str() {
        "aes" => (CipherAlgorithm::AesCbc, IntegrityAlgorithm::AesCmac),
        "3des" => (
            CipherAlgorithm::TdesCbc2Key,
            IntegrityAlgorithm::TdesCbcMac2Key,
        ),
        _ => bail!(usage),
    };
    Scp80Keyset::new(
        version,
        Kic::new(c, version),
        &kic_key,
        Kid::new(i, version),
        &kid_key,
    )
    .map_err(|e| anyhow::anyhow!("keyset {version}: {e}"))
}

fn pki_dir(dir: &Path) -> PathBuf {
    if dir.join("euicc.pem").exists() {
        dir.to_path_buf()
    } else {
        dir.join("nist")
    }
}

fn init(a: InitArgs) -> anyhow::Result<()> {
    if a.state.exists() && !a.force {
        bail!("{} exists (use --force to overwrite)", a.state.display());
    }
    let ecasd = Ecasd::from_pki_dir(&pki_dir(&a.pki))
        .with_context(|| format!("reading the eUICC credential in {}", a.pki.display()))?;
    let mut specs: Vec<Zeroizing<String>> = a
        .scp80_keys
        .iter()
        .map(|s| Zeroizing::new(s.clone()))
        .collect();
    if let Some(f) = &a.scp80_key_file {
        let text = Zeroizing::new(
            std::fs::read_to_string(f).with_context(|| format!("reading {}", f.display()))?,
        );
        for line in text.lines() {
            let line = line.trim();
            if !line.is_empty() && !line.starts_with('#') {
                specs.push(Zeroizing::new(line.to_owned()));
            }
        }
    }
    if specs.is_empty() {
        bail!("at least one --scp80-key or --scp80-key-file");
    }
    let keysets = specs
        .iter()
        .map(|s| parse_keyset(s))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut state = EuiccState::new(ecasd, keysets).map_err(|e| anyhow::anyhow!("{e}"))?;
    let any_fallback = a.profiles.iter().any(|p| p.ends_with(":fallback"));
    for (i, spec) in a.profiles.iter().enumerate() {
        let parts: Vec<&str> = spec.split(':').collect();
        let (iccid, msisdn, fallback) = match parts.as_slice() {
            [iccid, msisdn] => (*iccid, *msisdn, !any_fallback && i == 0),
            [iccid, msisdn, "fallback"] => (*iccid, *msisdn, true),
            _ => bail!("--profile must be ICCID:MSISDN[:fallback]"),
        };
        iccid_from_digits(iccid).map_err(|e| anyhow::anyhow!("ICCID {iccid}: {e}"))?;
        let msisdn = msisdn.trim_start_matches('+');
        if msisdn.is_empty() || !msisdn.bytes().all(|b| b.is_ascii_digit()) {
            bail!("MSISDN {msisdn} must be digits");
        }
        let index = u8::try_from(i).context("too many profiles")?;
        let aid = Aid::isd_p(index).context("too many profiles")?;
        state.isdps.push(
            IsdP::preinstalled(aid, iccid, SmsAddress::international(msisdn), i == 0)
                .with_fallback(fallback),
        );
    }
    if let Some(m) = &a.msisdn {
        state.smsr.msisdn = Some(SmsAddress::international(m.trim_start_matches('+')));
    }
    let psk = match (&a.psk, &a.psk_file) {
        (Some(p), _) => Some(Zeroizing::new(p.clone())),
        (None, Some(f)) => Some(Zeroizing::new(
            std::fs::read_to_string(f)
                .with_context(|| format!("reading {}", f.display()))?
                .trim()
                .to_owned(),
        )),
        (None, None) => None,
    };
    let mut card = M2mEuicc::create(&a.state, state)
        .with_context(|| format!("writing {}", a.state.display()))?;
    if let Some(p) = psk {
        let Some((id, key)) = p.rsplit_once(':') else {
            bail!("PSK must be IDENTITY:KEY_HEX");
        };
        let key = Zeroizing::new(hex::decode(key).context("PSK key hex")?);
        if key.len() < 16 {
            bail!("the PSK must have at least 16 octets");
        }
        card.set_scp81_psk(id, &key)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    println!("{}", card.eid());
    Ok(())
}

fn notification_name(k: NotificationType) -> String {
    match k {
        NotificationType::EuiccDeclaration => "euicc-declaration".into(),
        NotificationType::ProfileChangeSucceeded => "profile-change-succeeded".into(),
        NotificationType::ProfileChangeFailedFallback => "profile-change-failed-fallback".into(),
        NotificationType::ProfileDeleted => "profile-deleted".into(),
        NotificationType::Other(c) => format!("{c:02X}"),
    }
}

fn life_cycle_name(lc: u8) -> String {
    use rsp_codec::sgp02::consts as c;
    match lc {
        c::LC_SELECTABLE => "selectable".into(),
        c::LC_PERSONALIZED => "personalized".into(),
        c::LC_ENABLED => "enabled".into(),
        c::LC_DISABLED => "disabled".into(),
        other => format!("{other:02X}"),
    }
}

/// The card without secrets.
fn view(s: &EuiccState) -> serde_json::Value {
    use serde_json::json;
    json!({
        "eid": s.eid,
        "isdps": s.isdps.iter().map(|p| json!({
            "aid": hex::encode_upper(p.aid.as_bytes()),
            "state": life_cycle_name(p.life_cycle),
            "fallback": p.fallback,
            "pol1": p.pol1,
            "iccid": p.iccid,
            "msisdn": p.msisdn.as_ref().map(|m| m.digits.clone()),
        })).collect::<Vec<_>>(),
        "keysets": s.keysets.iter().map(|k| json!({
            "version": k.version,
            "kic": format!("{:02X}", k.kic),
            "kid": format!("{:02X}", k.kid),
            "counter": k.counter.to_u64(),
            "mo_counter": k.mo_counter.to_u64(),
        })).collect::<Vec<_>>(),
        "scp81_psk_identity": s.scp81_psk.as_ref().map(|p| p.identity.clone()),
        "smsr": {
            "msisdn": s.smsr.msisdn.as_ref().map(|m| m.digits.clone()),
            "smsc": s.smsr.smsc.as_ref().map(|m| m.digits.clone()),
            "tar": s.smsr.tar.map(hex::encode_upper),
        },
        "declared": s.declared,
        "pending_notifications": s.pending.iter().map(|n| json!({
            "sequence": n.sequence,
            "type": notification_name(n.kind),
            "aid": n.aid.as_ref().map(|a| hex::encode_upper(a.as_bytes())),
        })).collect::<Vec<_>>(),
        "refresh_pending": s.refresh_pending,
        "admin_session_pending": s.admin_session.is_some(),
    })
}

fn show(path: &Path) -> anyhow::Result<()> {
    let card = M2mEuicc::load(path).with_context(|| format!("reading {}", path.display()))?;
    println!("{}", serde_json::to_string_pretty(&view(card.state()))?);
    Ok(())
}

fn serve(a: ServeArgs) -> anyhow::Result<()> {
    super::init_logging();
    let card =
        M2mEuicc::load(&a.state).with_context(|| format!("reading {}", a.state.display()))?;
    let password = Zeroizing::new(
        std::fs::read_to_string(&a.password_file)
            .with_context(|| format!("reading {}", a.password_file.display()))?,
    );
    let password = password.lines().next().unwrap_or_default();
    let mut config = ModemConfig::new(&a.smsc, &a.system_id, password, &a.smsr_msisdn);
    config.smsr_admin = a.smsr_admin;
    config.fail_attach = a.fail_attach.into_iter().collect::<HashSet<_>>();
    config.notification_retry = Duration::from_secs(a.notification_retry.max(1));
    tracing::info!(eid = %card.eid(), smsc = %a.smsc, "modem starting");
    super::runtime()?.block_on(async {
        Modem::run(card, config, super::shutdown_signal())
            .await
            .map_err(|e| anyhow::anyhow!("modem: {e}"))?;
        Ok(())
    })
}
