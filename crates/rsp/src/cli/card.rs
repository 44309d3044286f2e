//! The card an assistant talks to (`rsp lpa`, `rsp ipa`): the in-process virtual eUICC
//! (`--state`, `--pki`…), a card served by another program over lpac's stdio protocol
//! (`--stdio-card`) or, with the `pcsc` feature, a card in a PC/SC reader
//! (`--pcsc-reader`).

use anyhow::Context;
use clap::Args;
use rsp_apdu::ApduCard;
use rsp_euicc::Card;
use rsp_lpa::StdioProcess;

use super::euicc::CardArgs;

/// Where the card is.
#[derive(Debug, Args)]
pub struct CardSource {
    #[command(flatten)]
    card: CardArgs,
    /// Use a card served by another program over lpac's stdio APDU protocol instead of the
    /// in-process virtual eUICC, e.g. 'rsp euicc serve --stdio --state s.json --pki pki'
    /// (split on whitespace, no shell).
    #[arg(
        long,
        value_name = "COMMAND",
        conflicts_with_all = ["pki", "cert", "key", "eum", "ci", "root_ds", "default_dp"]
    )]
    stdio_card: Option<String>,
    /// Use the card in this PC/SC reader (through pcscd) instead of the in-process virtual
    /// eUICC: the reader's full name, or a part of exactly one reader's name, e.g.
    /// 'Virtual PCD 00 00' for 'rsp euicc serve --vpcd 127.0.0.1:35963'. An unknown name
    /// lists the readers.
    #[cfg(feature = "pcsc")]
    #[arg(
        long,
        value_name = "NAME",
        conflicts_with_all = [
            "stdio_card", "state", "pki", "cert", "key", "eum", "ci", "root_ds", "default_dp"
        ]
    )]
    pcsc_reader: Option<String>,
}

/// The card behind the assistant.
pub enum CliCard {
    Virtual(Box<Card>),
    Stdio(StdioProcess),
    #[cfg(feature = "pcsc")]
    Pcsc(rsp_lpa::pcsc::PcscCard),
}

impl ApduCard for CliCard {
    fn transmit(&mut self, capdu: &[u8]) -> Vec<u8> {
        match self {
            CliCard::Virtual(c) => c.transmit(capdu),
            CliCard::Stdio(c) => ApduCard::transmit(c, capdu),
            #[cfg(feature = "pcsc")]
            CliCard::Pcsc(c) => ApduCard::transmit(c, capdu),
        }
    }

    fn reset(&mut self) {
        match self {
            CliCard::Virtual(c) => c.reset(),
            CliCard::Stdio(c) => ApduCard::reset(c),
            #[cfg(feature = "pcsc")]
            CliCard::Pcsc(c) => ApduCard::reset(c),
        }
    }
}

impl CardSource {
    /// Opens (or starts) the card.
    pub fn card(&self) -> anyhow::Result<CliCard> {
        #[cfg(feature = "pcsc")]
        if let Some(reader) = &self.pcsc_reader {
            return Ok(CliCard::Pcsc(rsp_lpa::pcsc::PcscCard::connect(reader)?));
        }
        Ok(match &self.stdio_card {
            Some(command) => CliCard::Stdio(
                StdioProcess::from_command_line(command)
                    .with_context(|| format!("starting the card program {command:?}"))?,
            ),
            None => CliCard::Virtual(Box::new(Card::new(self.card.isdr()?))),
        })
    }
}
