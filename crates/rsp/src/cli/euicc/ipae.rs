//! The IPA inside the virtual eUICC (IPAe, SGP.32 v1.2): with `rsp euicc serve … --ipae`
//! the eUICC activates its IPAe (ES10b IpaeActivationRequest, so it reports `ipaMode`
//! ipae and a device IPA stays away) and polls its eIM itself, in a thread beside the APDU
//! transport, with the same IPA code as `rsp ipa` (`rsp_lpa::ipa`) calling the ISD-R
//! directly instead of through APDUs. The device (here: this process) only lends it the
//! network, as a real device does over BIP.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use rsp_euicc::Card;
use rsp_lpa::ipa::{Ipa, Schedule};
use rsp_lpa::{Es9PlusClient, Es10Channel, LpaError};

/// IPAe options of `rsp euicc serve`.
#[derive(Debug, Args)]
pub struct IpaeArgs {
    /// Run the IPA inside the eUICC (IPAe): activate it on the eUICC and poll the eIM from
    /// here (the eUICC must be in IoT mode with an eIM).
    #[arg(long)]
    pub ipae: bool,
    /// The eIM the IPAe polls: host[:port] or coaps://host[:port] [default: the eimFqdn of
    /// the first eIM configured on the eUICC].
    #[arg(long, value_name = "ADDRESS", requires = "ipae")]
    pub ipae_eim: Option<String>,
    /// Seconds between polls (doubled after failures, up to 15 minutes).
    #[arg(long, value_name = "SECONDS", default_value_t = 60, requires = "ipae")]
    pub ipae_interval: u64,
    /// Trusted CA (PEM) for the eIM's and the SM-DP+s' TLS certificates; repeatable
    /// [default: the system's roots].
    #[arg(long, value_name = "FILE", requires = "ipae")]
    pub ipae_tls_ca: Vec<PathBuf>,
}

/// The card shared by the APDU transport and the IPAe.
#[derive(Clone)]
pub struct SharedCard(Arc<Mutex<Card>>);

impl SharedCard {
    pub fn new(card: Card) -> Self {
        Self(Arc::new(Mutex::new(card)))
    }

    fn lock(&self) -> MutexGuard<'_, Card> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn eid(&self) -> String {
        self.lock().isdr().identity().eid_text().to_owned()
    }
}

impl rsp_apdu::ApduCard for SharedCard {
    fn transmit(&mut self, capdu: &[u8]) -> Vec<u8> {
        self.lock().transmit(capdu)
    }

    fn reset(&mut self) {
        self.lock().reset();
    }
}

/// The IPAe's way to the ISD-R: its functions called inside the card, one at a time with
/// the transport's APDUs.
struct Internal(SharedCard);

impl Es10Channel for Internal {
    fn call(&mut self, request: &[u8]) -> Result<Vec<u8>, LpaError> {
        self.0
            .lock()
            .es10_internal(request)
            .map_err(|e| LpaError::StatusWord {
                command: "ES10 request (IPAe)",
                sw: e.status_word(),
            })
    }
}

/// Activates the IPAe and starts its polling thread (it runs until the process ends).
pub fn start(card: &SharedCard, args: &IpaeArgs) -> anyhow::Result<()> {
    let mut channel = Internal(card.clone());
    rsp_lpa::es10_iot::ipae_activation(&mut channel, true).context("activating the IPAe")?;
    let address = match &args.ipae_eim {
        Some(a) => a.clone(),
        None => crate::cli::ipa::configured_eim(&mut channel)?,
    };
    let (tls_ca, interval) = (args.ipae_tls_ca.clone(), args.ipae_interval.max(1));
    eprintln!("IPAe active: polling the eIM at {address} every {interval} s");
    std::thread::Builder::new()
        .name("ipae".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(r) => r,
                Err(e) => return eprintln!("IPAe: no async runtime: {e}"),
            };
            runtime.block_on(async move {
                if let Err(e) = poll_forever(channel, &address, &tls_ca, interval).await {
                    eprintln!("IPAe stopped: {e:#}");
                }
            });
        })
        .context("starting the IPAe thread")?;
    Ok(())
}

async fn poll_forever(
    channel: Internal,
    address: &str,
    tls_ca: &[PathBuf],
    interval: u64,
) -> anyhow::Result<()> {
    let eim = crate::cli::ipa::eim_link(address, tls_ca).await?;
    let es9 = Es9PlusClient::from_ca_files(tls_ca)?;
    let mut ipa = Ipa::new(channel, eim, es9)?;
    let schedule = Schedule {
        interval: Duration::from_secs(interval),
        max_backoff: Duration::from_secs(900).max(Duration::from_secs(interval)),
    };
    ipa.run(
        schedule,
        std::future::pending::<()>(),
        |outcome| match outcome {
            Ok(report) if !report.handled.is_empty() || !report.notifications.is_empty() => {
                eprintln!(
                    "IPAe poll: {}",
                    serde_json::to_string(report).unwrap_or_default()
                );
            }
            Ok(_) => {}
            Err(e) => eprintln!("IPAe poll failed: {e}"),
        },
    )
    .await;
    Ok(())
}
