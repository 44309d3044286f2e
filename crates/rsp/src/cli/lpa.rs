//! `rsp lpa …`: the Local Profile Assistant (`rsp_lpa`, SGP.22 v2.5 LPAd) on a virtual
//! eUICC (in-process, `--state`/`--pki`…) or on a card served by another program over
//! lpac's stdio protocol (`--stdio-card`) or, with the `pcsc` feature, in a PC/SC reader
//! (`--pcsc-reader`): event discovery at an SM-DS, download, profile management,
//! notifications, chip information.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use rsp_lpa::discover::DiscoveredEvent;
use rsp_lpa::{
    ApduChannel, DownloadResult, DownloadStep, Es9PlusClient, Installation, Lpa,
    ProcessedNotification,
};

use super::card::{CardSource, CliCard};

/// Card options (`--state`, `--pki`, `--cert`…, `--stdio-card`, `--pcsc-reader`) go before
/// the subcommand;
/// `--json`, `--tls-ca` and `--no-notify` anywhere.
#[derive(Debug, Args)]
pub struct LpaArgs {
    #[command(flatten)]
    source: CardSource,
    /// Trusted CA certificate (PEM) for the SM-DP+ and SM-DS TLS certificates; may be
    /// repeated.
    /// Without it the system's trust roots are used. Verification is never disabled.
    #[arg(long, value_name = "FILE", global = true)]
    tls_ca: Vec<PathBuf>,
    /// Do not deliver notifications after download, enable, disable or delete.
    #[arg(long, global = true)]
    no_notify: bool,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: LpaCommand,
}

#[derive(Debug, Subcommand)]
pub enum LpaCommand {
    /// Download and install a Profile from an SM-DP+ (SGP.22 §3.1.3), named by an
    /// activation code or found at an SM-DS (--discover).
    Download(DownloadArgs),
    /// List the events waiting for this eUICC at an SM-DS (SGP.22 §3.6.3, ES11): EventID,
    /// SM-DP+ address and the SM-DS that held it, following the root SM-DS's cascade
    /// events to the alternative SM-DSes.
    Discover(DiscoverArgs),
    /// Installed profiles: list, enable, disable, delete, nickname (ES10c).
    #[command(subcommand)]
    Profile(ProfileCommand),
    /// Pending notifications: list, deliver to the SM-DP+, remove (ES10b, ES9+).
    #[command(subcommand)]
    Notification(NotificationCommand),
    /// The eUICC itself.
    #[command(subcommand)]
    Chip(ChipCommand),
}

#[derive(Debug, Args)]
pub struct DownloadArgs {
    /// Activation code `LPA:1$SM-DP+ address$MatchingID[$OID[$1]]` (SGP.22 §4.1).
    #[arg(
        long,
        value_name = "CODE",
        required_unless_present = "discover",
        conflicts_with = "discover"
    )]
    activation_code: Option<String>,
    /// Instead of an activation code: download every event found at the SM-DS (as `rsp
    /// lpa discover`), each as `LPA:1$<SM-DP+ address>$<EventID>` (SGP.22 §3.6.3), one
    /// result per event.
    #[arg(long)]
    discover: bool,
    /// With --discover: the SM-DS to ask (FQDN[:port]); default: the eUICC's root SM-DS
    /// (ES10a GetEuiccConfiguredAddresses).
    #[arg(long, value_name = "ADDRESS", requires = "discover")]
    smds: Option<String>,
    /// Confirmation code, when the operator requires one.
    #[arg(long, value_name = "CODE", conflicts_with = "discover")]
    confirmation_code: Option<String>,
    /// IMEI sent to the SM-DP+ in DeviceInfo (its first 8 digits are the TAC).
    #[arg(long, value_name = "IMEI")]
    imei: Option<String>,
}

#[derive(Debug, Args)]
pub struct DiscoverArgs {
    /// The SM-DS to ask (FQDN[:port]); default: the eUICC's root SM-DS address (ES10a
    /// GetEuiccConfiguredAddresses, SGP.22 §5.7.3; set on a virtual eUICC with --root-ds).
    #[arg(long, value_name = "ADDRESS")]
    smds: Option<String>,
    /// IMEI sent to the SM-DS in DeviceInfo (its first 8 digits are the TAC).
    #[arg(long, value_name = "IMEI")]
    imei: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// List the installed profiles.
    List,
    /// Enable a profile (the enabled one, if any, is disabled by the eUICC).
    Enable {
        /// ICCID (19 or 20 digits).
        iccid: String,
    },
    /// Disable a profile.
    Disable {
        /// ICCID (19 or 20 digits).
        iccid: String,
    },
    /// Delete a disabled profile.
    Delete {
        /// ICCID (19 or 20 digits).
        iccid: String,
    },
    /// Set a profile's nickname.
    Nickname {
        /// ICCID (19 or 20 digits).
        iccid: String,
        /// The nickname (at most 64 bytes).
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum NotificationCommand {
    /// List the pending notifications.
    List,
    /// Deliver pending notifications to their SM-DP+ and remove the delivered ones.
    Process {
        /// Only this sequence number.
        seq: Option<u64>,
    },
    /// Remove a notification without delivering it.
    Remove {
        /// Sequence number.
        seq: u64,
    },
}

#[derive(Debug, Subcommand)]
pub enum ChipCommand {
    /// EID, configured addresses, versions, CI key identifiers, free memory.
    Info,
}

impl LpaArgs {
    fn lpa(&self) -> anyhow::Result<Lpa<ApduChannel<CliCard>>> {
        let channel = ApduChannel::open(self.source.card()?).context("opening the ISD-R")?;
        let es9 = Es9PlusClient::from_ca_files(&self.tls_ca)?;
        let mut lpa = Lpa::new(channel, es9).with_auto_notify(!self.no_notify);
        if !self.json {
            lpa = lpa.with_progress(|step| eprintln!("{}", step_text(&step)));
        }
        Ok(lpa)
    }
}

fn step_text(step: &DownloadStep) -> String {
    match step {
        DownloadStep::InitiatingAuthentication => "authenticating the SM-DP+…".into(),
        DownloadStep::ServerAuthenticated => "SM-DP+ authenticated by the eUICC".into(),
        DownloadStep::ClientAuthenticated {
            iccid,
            profile_name,
            service_provider_name,
            ..
        } => format!("profile {iccid}: {profile_name} ({service_provider_name})"),
        DownloadStep::DownloadPrepared => "download prepared, fetching the package…".into(),
        DownloadStep::SegmentLoaded { done, total } => format!("loaded {done}/{total}"),
        DownloadStep::Cancelled(reason) => format!("session cancelled ({reason})"),
    }
}

pub fn run(args: LpaArgs) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(run_async(&args))
}

fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

fn print_notifications(done: &[ProcessedNotification]) {
    for n in done {
        let n_ = &n.notification;
        match &n.error {
            None => println!(
                "notification {} ({}) delivered to {}",
                n_.seq_number, n_.operation, n_.notification_address
            ),
            Some(e) => println!(
                "notification {} ({}) NOT delivered to {}: {e}",
                n_.seq_number, n_.operation, n_.notification_address
            ),
        }
    }
}

/// Fails when a notification could not be delivered.
fn check_delivered(done: &[ProcessedNotification]) -> anyhow::Result<()> {
    match done.iter().find(|n| !n.delivered) {
        Some(n) => bail!(
            "notification {} not delivered: {}",
            n.notification.seq_number,
            n.error.as_deref().unwrap_or("unknown error")
        ),
        None => Ok(()),
    }
}

async fn run_async(args: &LpaArgs) -> anyhow::Result<()> {
    let mut lpa = args.lpa()?;
    match &args.command {
        LpaCommand::Download(d) => match &d.activation_code {
            Some(code) => download_one(&mut lpa, d, code, args.json).await,
            None => download_discovered(&mut lpa, d, args.json).await,
        },
        LpaCommand::Discover(d) => {
            let (smds, events) = discover(&mut lpa, d.smds.as_deref(), d.imei.as_deref()).await?;
            if args.json {
                return print_json(&events);
            }
            print_events(&smds, &events);
            Ok(())
        }
        LpaCommand::Profile(cmd) => profile(&mut lpa, cmd, args.json).await,
        LpaCommand::Notification(cmd) => notification(&mut lpa, cmd, args.json).await,
        LpaCommand::Chip(ChipCommand::Info) => {
            let info = lpa.chip_info()?;
            if args.json {
                return print_json(&info);
            }
            println!("EID:                    {}", info.eid);
            println!("SGP.22 version:         {}", info.svn);
            println!("profile package:        {}", info.profile_version);
            println!("firmware:               {}", info.firmware_version);
            println!(
                "default SM-DP+:         {}",
                info.default_dp_address.as_deref().unwrap_or("-")
            );
            println!(
                "root SM-DS:             {}",
                info.root_ds_address.as_deref().unwrap_or("-")
            );
            println!(
                "free memory:            {}",
                info.free_nvm.map_or("-".into(), |n| format!("{n} bytes"))
            );
            println!(
                "CI keys (verification): {}",
                info.ci_pk_ids_for_verification.join(", ")
            );
            println!(
                "CI keys (signing):      {}",
                info.ci_pk_ids_for_signing.join(", ")
            );
            Ok(())
        }
    }
}

/// Prints the outcome of one download (text): the installation and the notifications.
fn print_download(result: &DownloadResult) {
    match &result.installation {
        Installation::Success { isdp_aid } => println!(
            "installed {} ({}, {}) in ISD-P {isdp_aid}",
            result.iccid, result.profile_name, result.service_provider_name
        ),
        Installation::Failed {
            bpp_command,
            reason,
            ..
        } => println!(
            "installation of {} failed at {bpp_command}: {reason}",
            result.iccid
        ),
    }
    print_notifications(&result.notifications);
}

/// Fails when the installation failed or a notification could not be delivered.
fn check_download(result: &DownloadResult) -> anyhow::Result<()> {
    if let Installation::Failed {
        bpp_command,
        reason,
        ..
    } = &result.installation
    {
        bail!("installation failed at {bpp_command}: {reason}");
    }
    check_delivered(&result.notifications)
}

/// `download --activation-code`: one Profile (SGP.22 §3.1.3).
async fn download_one(
    lpa: &mut Lpa<ApduChannel<CliCard>>,
    d: &DownloadArgs,
    activation_code: &str,
    json: bool,
) -> anyhow::Result<()> {
    let result = lpa
        .download(
            activation_code,
            d.confirmation_code.as_deref(),
            d.imei.as_deref(),
        )
        .await?;
    if json {
        print_json(&result)?;
    } else {
        print_download(&result);
    }
    check_download(&result)
}

/// The events at `smds` (default: the eUICC's root SM-DS, ES10a §5.7.3), cascades
/// followed (SGP.22 §3.6.3); the SM-DS asked.
async fn discover(
    lpa: &mut Lpa<ApduChannel<CliCard>>,
    smds: Option<&str>,
    imei: Option<&str>,
) -> anyhow::Result<(String, Vec<DiscoveredEvent>)> {
    let smds = match smds {
        Some(a) => a.to_owned(),
        None => lpa
            .root_ds_address()
            .context("reading the root SM-DS address of the eUICC (give --smds)")?,
    };
    let events = lpa
        .discover(&smds, imei)
        .await
        .with_context(|| format!("event discovery at the SM-DS {smds}"))?;
    Ok((smds, events))
}

/// The events as a table: EventID, SM-DP+ address, the SM-DS that held the event.
fn print_events(smds: &str, events: &[DiscoveredEvent]) {
    if events.is_empty() {
        println!("no event for this eUICC at {smds}");
        return;
    }
    let head = ("EVENT ID", "SM-DP+", "SM-DS");
    let w_id = events
        .iter()
        .map(|e| e.event_id.chars().count())
        .chain([head.0.len()])
        .max()
        .unwrap_or_default();
    let w_dp = events
        .iter()
        .map(|e| e.smdp_address.chars().count())
        .chain([head.1.len()])
        .max()
        .unwrap_or_default();
    println!("{:w_id$}  {:w_dp$}  {}", head.0, head.1, head.2);
    for e in events {
        println!(
            "{:w_id$}  {:w_dp$}  {}",
            e.event_id, e.smdp_address, e.smds_address
        );
    }
}

/// One event's download as `download --discover --json` reports it.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct EventDownload<'a> {
    #[serde(flatten)]
    event: &'a DiscoveredEvent,
    activation_code: String,
    /// The download's result, when it ran to the end (installed or failed on the card).
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<DownloadResult>,
    /// Why the download stopped before (the SM-DP+'s or the eUICC's refusal, transport).
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

impl EventDownload<'_> {
    fn failure(&self) -> Option<String> {
        match (&self.error, &self.result) {
            (Some(e), _) => Some(e.clone()),
            (None, Some(r)) => check_download(r).err().map(|e| e.to_string()),
            (None, None) => None,
        }
    }
}

/// `download --discover`: every event found (SGP.22 §3.6.3), each downloaded with
/// `LPA:1$<SM-DP+>$<EventID>` (§4.1) and reported; fails when one of them failed.
async fn download_discovered(
    lpa: &mut Lpa<ApduChannel<CliCard>>,
    d: &DownloadArgs,
    json: bool,
) -> anyhow::Result<()> {
    let (smds, events) = discover(lpa, d.smds.as_deref(), d.imei.as_deref()).await?;
    if !json {
        print_events(&smds, &events);
    }
    let mut done = Vec::with_capacity(events.len());
    for event in &events {
        let activation_code = event.activation_code();
        if !json {
            eprintln!("downloading {activation_code}");
        }
        let outcome = lpa
            .download(&activation_code, None, d.imei.as_deref())
            .await;
        let (result, error) = match outcome {
            Ok(r) => (Some(r), None),
            Err(e) => (None, Some(e.to_string())),
        };
        let item = EventDownload {
            event,
            activation_code,
            result,
            error,
        };
        if !json {
            match (&item.result, &item.error) {
                (Some(r), _) => print_download(r),
                (None, Some(e)) => println!("event {}: download failed: {e}", event.event_id),
                (None, None) => {}
            }
        }
        done.push(item);
    }
    if json {
        print_json(&done)?;
    }
    let failed: Vec<String> = done
        .iter()
        .filter_map(|i| i.failure().map(|f| format!("{}: {f}", i.event.event_id)))
        .collect();
    if !failed.is_empty() {
        bail!(
            "{} of {} downloads failed ({})",
            failed.len(),
            done.len(),
            failed.join("; ")
        );
    }
    Ok(())
}

async fn profile(
    lpa: &mut Lpa<ApduChannel<CliCard>>,
    cmd: &ProfileCommand,
    json: bool,
) -> anyhow::Result<()> {
    let (verb, done) = match cmd {
        ProfileCommand::List => {
            let list = lpa.list_profiles()?;
            if json {
                return print_json(&list);
            }
            if list.is_empty() {
                println!("no profile");
            }
            for p in list {
                println!(
                    "{}  {:8}  {}  {}{}",
                    p.iccid,
                    p.state.unwrap_or("-"),
                    p.profile_name.as_deref().unwrap_or("-"),
                    p.service_provider_name.as_deref().unwrap_or("-"),
                    p.nickname.map(|n| format!("  ({n})")).unwrap_or_default()
                );
            }
            return Ok(());
        }
        ProfileCommand::Nickname { iccid, name } => {
            lpa.set_nickname(iccid, name)?;
            if json {
                return print_json(&serde_json::json!({"iccid": iccid, "nickname": name}));
            }
            println!("nickname of {iccid} set");
            return Ok(());
        }
        ProfileCommand::Enable { iccid } => ("enabled", (iccid, lpa.enable(iccid).await?)),
        ProfileCommand::Disable { iccid } => ("disabled", (iccid, lpa.disable(iccid).await?)),
        ProfileCommand::Delete { iccid } => ("deleted", (iccid, lpa.delete(iccid).await?)),
    };
    let (iccid, notifications) = done;
    if json {
        print_json(&serde_json::json!({
            "iccid": iccid, "result": verb, "notifications": notifications,
        }))?;
    } else {
        println!("{verb} {iccid}");
        print_notifications(&notifications);
    }
    check_delivered(&notifications)
}

async fn notification(
    lpa: &mut Lpa<ApduChannel<CliCard>>,
    cmd: &NotificationCommand,
    json: bool,
) -> anyhow::Result<()> {
    match cmd {
        NotificationCommand::List => {
            let list = lpa.list_notifications()?;
            if json {
                return print_json(&list);
            }
            if list.is_empty() {
                println!("no pending notification");
            }
            for n in list {
                println!(
                    "{}  {:8}  {}  {}",
                    n.seq_number,
                    n.operation,
                    n.iccid.as_deref().unwrap_or("-"),
                    n.notification_address
                );
            }
            Ok(())
        }
        NotificationCommand::Process { seq } => {
            let done = match seq {
                Some(seq) => lpa.process_notification(*seq).await?,
                None => lpa.process_notifications().await?,
            };
            if json {
                print_json(&done)?;
            } else if done.is_empty() {
                println!("no pending notification");
            } else {
                print_notifications(&done);
            }
            check_delivered(&done)
        }
        NotificationCommand::Remove { seq } => {
            let removed = lpa.remove_notification(*seq)?;
            if json {
                return print_json(&serde_json::json!({"seqNumber": seq, "removed": removed}));
            }
            if !removed {
                bail!("no notification {seq}");
            }
            println!("notification {seq} removed");
            Ok(())
        }
    }
}
