//! `rsp ipa …`: the IoT Profile Assistant (`rsp_lpa::ipa`, SGP.32 v1.2 IPAd) on a virtual
//! eUICC in IoT mode (in-process, `--state`/`--pki`…), a card served over lpac's stdio
//! protocol (`--stdio-card`) or, with the `pcsc` feature, a card in a PC/SC reader: polls
//! the eIM over ESipa (HTTPS, ASN.1 binding), runs what it gets against the eUICC and
//! returns the results; Profiles are downloaded directly from the SM-DP+ (ES9+).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use rsp_lpa::esipa_coap::{AnyEimLink, CoapEimLink};
use rsp_lpa::ipa::{DownloadMode, Handled, Ipa, PollReport, Schedule};
use rsp_lpa::{ApduChannel, Es9PlusClient, EsipaClient};

use super::card::CardSource;

/// Card options (`--state`, `--pki`…, `--stdio-card`, `--pcsc-reader`) go before the
/// subcommand; `--eim`, `--tls-ca` and `--json` anywhere.
#[derive(Debug, Args)]
pub struct IpaArgs {
    #[command(flatten)]
    source: CardSource,
    /// The eIM's ESipa address: host[:port] (HTTPS, ASN.1 binding) or coaps://host[:port]
    /// (CoAP over DTLS, port 5684 by default). Default: the eimFqdn of the first eIM
    /// configured on the eUICC (ES10b.GetEimConfigurationData), over HTTPS.
    #[arg(long, value_name = "ADDRESS", global = true)]
    eim: Option<String>,
    /// Trusted CA certificate (PEM) for the eIM's and the SM-DP+'s TLS certificates; may be
    /// repeated. Without it the system's trust roots are used. Verification is never
    /// disabled.
    #[arg(long, value_name = "FILE", global = true)]
    tls_ca: Vec<PathBuf>,
    /// How an eIM-triggered Profile download reaches the SM-DP+: `direct` (the IPA's own
    /// ES9+ client), `indirect` (the eIM relays ES9+ over ESipa, SGP.32 §3.2), or `auto`:
    /// indirect when an eIM association on the eUICC announces indirectProfileDownload.
    #[arg(long, value_enum, default_value_t = DownloadArg::Auto, global = true)]
    download: DownloadArg,
    /// In indirect downloads, send the compact ESipa forms (SGP.32 minimizeEsipaBytes: no
    /// certificates, euiccSigned2 without what the eIM knows); the eIM makes them whole.
    #[arg(long, global = true)]
    compact: bool,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: IpaCommand,
}

/// `--download`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum DownloadArg {
    Auto,
    Direct,
    Indirect,
}

impl From<DownloadArg> for DownloadMode {
    fn from(a: DownloadArg) -> Self {
        match a {
            DownloadArg::Auto => DownloadMode::Auto,
            DownloadArg::Direct => DownloadMode::Direct,
            DownloadArg::Indirect => DownloadMode::Indirect,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum IpaCommand {
    /// Poll the eIM once: every pending eUICC Package, eUICC data request and download
    /// trigger, then the eUICC's notifications. Fails if the eIM cannot be reached.
    Poll,
    /// Poll in a loop until interrupted (Ctrl-C / SIGTERM), backing off after failures.
    Run {
        /// Seconds between polls.
        #[arg(long, value_name = "SECONDS", default_value_t = 60)]
        interval: u64,
        /// Longest pause after repeated failures, in seconds.
        #[arg(long, value_name = "SECONDS", default_value_t = 900)]
        max_backoff: u64,
        /// Stop after this many polls (default: run until interrupted).
        #[arg(long, value_name = "N")]
        polls: Option<u64>,
    },
}

pub fn run(args: IpaArgs) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(run_async(&args))
}

async fn run_async(args: &IpaArgs) -> anyhow::Result<()> {
    let mut channel = ApduChannel::open(args.source.card()?).context("opening the ISD-R")?;
    let address = match &args.eim {
        Some(a) => a.clone(),
        None => configured_eim(&mut channel)?,
    };
    // The device's IPA stays away while the eUICC runs its own (SGP.32: one active IPA).
    if rsp_lpa::es10_iot::ipae_active(&mut channel).unwrap_or(false) {
        anyhow::bail!(
            "the eUICC's IPAe is active (ipaMode ipae): the IPA inside the eUICC polls its eIM"
        );
    }
    let eim = eim_link(&address, &args.tls_ca).await?;
    let es9 = Es9PlusClient::from_ca_files(&args.tls_ca)?;
    let mut ipa = Ipa::new(channel, eim, es9)?
        .with_download_mode(args.download.into())
        .with_compact_esipa(args.compact);
    match &args.command {
        IpaCommand::Poll => {
            let report = ipa.poll().await?;
            print(args.json, &report)?;
            check(&report)
        }
        IpaCommand::Run {
            interval,
            max_backoff,
            polls,
        } => {
            let schedule = Schedule {
                interval: Duration::from_secs(*interval),
                max_backoff: Duration::from_secs((*max_backoff).max(*interval)),
            };
            let limit = polls.unwrap_or(u64::MAX);
            let (done_tx, done_rx) = tokio::sync::watch::channel(false);
            let mut count = 0u64;
            let stop = async move {
                let mut done = done_rx;
                tokio::select! {
                    _ = shutdown_signal() => {}
                    _ = done.wait_for(|d| *d) => {}
                }
            };
            let json = args.json;
            ipa.run(schedule, stop, |outcome| {
                count += 1;
                match outcome {
                    Ok(report) => {
                        if let Err(e) = print(json, report) {
                            eprintln!("rsp ipa: {e}");
                        }
                    }
                    Err(e) => eprintln!("rsp ipa: poll failed: {e}"),
                }
                if count >= limit {
                    let _ = done_tx.send(true);
                }
            })
            .await;
            Ok(())
        }
    }
}

/// The eimFqdn of the first eIM configured on the eUICC.
/// The ESipa link to `address`: `coaps://host[:port]` (CoAP over DTLS, port 5684 by
/// default) or host[:port] / `https://host[:port]` (HTTPS), trusting `tls_ca`.
pub(crate) async fn eim_link(address: &str, tls_ca: &[PathBuf]) -> anyhow::Result<AnyEimLink> {
    Ok(match address.strip_prefix("coaps://") {
        // ESipa over CoAP/DTLS (rsp serve eim --coap-listen); default port 5684.
        Some(rest) => {
            let rest = rest.trim_end_matches('/');
            let with_port = if rest
                .rsplit_once(':')
                .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
            {
                rest.to_owned()
            } else {
                format!("{rest}:{}", rsp_coap::DEFAULT_COAPS_PORT)
            };
            let mut ca = String::new();
            for p in tls_ca {
                ca.push_str(
                    &std::fs::read_to_string(p)
                        .with_context(|| format!("reading {}", p.display()))?,
                );
            }
            if ca.is_empty() {
                anyhow::bail!("ESipa over CoAP needs --tls-ca (the eIM's DTLS certificate CA)");
            }
            AnyEimLink::Coap(CoapEimLink::connect(&with_port, ca).await?)
        }
        None => AnyEimLink::Https(EsipaClient::from_ca_files(
            address.trim_start_matches("https://"),
            tls_ca,
        )?),
    })
}

/// The eimFqdn of the first eIM configured on the eUICC.
pub(crate) fn configured_eim<E: rsp_lpa::Es10Channel + ?Sized>(
    channel: &mut E,
) -> anyhow::Result<String> {
    let list = rsp_lpa::es10_iot::get_eim_configuration_data(channel, None)
        .context("reading the eUICC's eIM configuration (is it in IoT mode?)")?;
    list.iter()
        .find_map(|c| c.eim_fqdn.clone())
        .context("no eIM with an FQDN on the eUICC: give --eim")
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn print(json: bool, report: &PollReport) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string(report)?);
        return Ok(());
    }
    for handled in &report.handled {
        match handled {
            Handled::EuiccPackage(p) => {
                println!(
                    "eUICC package{}: {}",
                    p.seq_number
                        .map(|s| format!(" (result {s})"))
                        .unwrap_or_default(),
                    p.results.join("; ")
                );
            }
            Handled::IpaEuiccData => println!("eUICC data sent to the eIM"),
            Handled::ProfileDownload(d) => match (&d.iccid, &d.error) {
                (Some(iccid), _) => println!("downloaded {iccid} ({})", d.activation_code),
                (None, Some(e)) => println!("download failed ({}): {e}", d.activation_code),
                (None, None) => println!("download ended ({})", d.activation_code),
            },
        }
    }
    for n in &report.notifications {
        match &n.error {
            None => println!("notification {} delivered to the eIM", n.seq_number),
            Some(e) => println!("notification {} not delivered: {e}", n.seq_number),
        }
    }
    if report.handled.is_empty() && report.notifications.is_empty() {
        println!("nothing pending");
    }
    Ok(())
}

/// A poll that ran a failed download is reported as a failure (exit status 1).
fn check(report: &PollReport) -> anyhow::Result<()> {
    for h in &report.handled {
        if let Handled::ProfileDownload(d) = h
            && let Some(e) = &d.error
        {
            bail!("the triggered download failed: {e}");
        }
    }
    Ok(())
}
