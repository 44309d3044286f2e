//! A Local Profile Assistant (SGP.22 v2.5 LPAd): downloads Profiles from an SM-DP+ into
//! an eUICC and manages them.
//!
//! Layers, one job per module:
//! - [`activation`]: Activation Code parsing (§4.1);
//! - [`es10`]: the ES10 transport, one request in / one response out ([`Es10Channel`]),
//!   over APDUs ([`ApduChannel`]: logical channel, SELECT ISD-R, STORE DATA chaining,
//!   GET RESPONSE, §5.7.1) or in-process to the virtual eUICC;
//! - [`stdio`]: the client side of lpac's stdio APDU protocol, for a card served by
//!   another process (`rsp euicc serve --stdio`);
//! - `pcsc` (feature `pcsc`): a card in a PC/SC reader;
//! - [`es10b`], [`profiles`] (ES10c), [`notifications`]: typed ES10 functions (§5.7);
//!   [`es10_iot`]: the SGP.32 ES10b additions an IPA calls (SGP.32 v1.2 §5.9);
//! - [`es9plus`]: the ES9+ (and ES11) HTTPS client (§5.6, §5.8, §6.5);
//! - [`discover`]: event retrieval from an SM-DS, following cascades (§3.6.3);
//! - [`download`]: the download procedure (§3.1.3) with [`segment`] (BPP segmentation,
//!   §2.5.5) and [`device`] (DeviceInfo, §4.2);
//! - [`ipa`]: the IoT Profile Assistant (SGP.32 IPAd) polling an eIM over ESipa;
//! - [`Lpa`]: the facade tying one eUICC and one ES9+ client together.
//!
//! ES10 calls are synchronous (the card is local and fast); ES9+ calls are async (tokio).

pub mod activation;
pub mod device;
pub mod discover;
pub mod download;
pub mod error;
pub mod es10;
pub mod es10_iot;
pub mod es10b;
pub mod es9link;
pub mod es9plus;
pub mod esipa;
pub mod esipa_coap;
pub mod ipa;
mod lpa;
pub mod notifications;
#[cfg(feature = "pcsc")]
pub mod pcsc;
pub mod profiles;
pub mod segment;
pub mod stdio;

pub use activation::{ActivationCode, ActivationCodeError};
pub use download::{BoundPackage, DownloadResult, DownloadStep, Installation};
pub use error::LpaError;
pub use es9link::Es9Link;
pub use es9plus::Es9PlusClient;
pub use es10::{ApduChannel, Es10Channel, ISDR_AID};
pub use esipa::EsipaClient;
pub use lpa::{Lpa, ProgressFn};
pub use notifications::{NotificationSummary, ProcessedNotification};
pub use profiles::{ChipInfo, ProfileSummary};
pub use stdio::{StdioClient, StdioProcess};
