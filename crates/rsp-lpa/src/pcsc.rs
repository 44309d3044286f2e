//! A card in a PC/SC reader (feature `pcsc`): the LPA drives any eUICC that pcscd sees,
//! e.g. a removable eUICC in a USB reader, or the virtual eUICC behind vsmartcard's vpcd
//! (`rsp euicc serve --vpcd`). APDUs go unchanged through `SCardTransmit`; the ES10
//! transport on top ([`crate::ApduChannel`]: MANAGE CHANNEL, SELECT ISD-R, STORE DATA,
//! `61xx` + GET RESPONSE, SGP.22 §5.7.1) is the same as for every other card.
//!
//! Needs the PC/SC library at build time (Debian: `libpcsclite-dev`) and pcscd at run time.

use std::ffi::CString;

use ::pcsc::{Context, Disposition, MAX_BUFFER_SIZE_EXTENDED, Protocols, Scope, ShareMode};
use rsp_apdu::ApduCard;

use crate::error::LpaError;

fn pcsc_error(what: &str, err: ::pcsc::Error) -> LpaError {
    LpaError::Transport(format!("PC/SC {what}: {err}"))
}

/// The names of the readers pcscd knows.
pub fn list_readers() -> Result<Vec<String>, LpaError> {
    let context = Context::establish(Scope::User).map_err(|e| pcsc_error("context", e))?;
    readers(&context)
}

fn readers(context: &Context) -> Result<Vec<String>, LpaError> {
    match context.list_readers_owned() {
        Ok(names) => Ok(names
            .into_iter()
            .map(|n| n.to_string_lossy().into_owned())
            .collect()),
        // pcscd answers "no readers" with an error code, not an empty list.
        Err(::pcsc::Error::NoReadersAvailable) => Ok(Vec::new()),
        Err(e) => Err(pcsc_error("list readers", e)),
    }
}

/// The reader `wanted` names: the reader of exactly that name, else the only one whose
/// name contains it (so "Virtual PCD" finds "Virtual PCD 00 00").
fn pick_reader(names: &[String], wanted: &str) -> Result<String, LpaError> {
    if let Some(exact) = names.iter().find(|n| n.as_str() == wanted) {
        return Ok(exact.clone());
    }
    let matching: Vec<&String> = names.iter().filter(|n| n.contains(wanted)).collect();
    match matching.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(LpaError::Transport(format!(
            "no PC/SC reader named {wanted:?} (readers: {names:?})"
        ))),
        _ => Err(LpaError::Transport(format!(
            "several PC/SC readers match {wanted:?}: {matching:?}"
        ))),
    }
}

/// A connected card (shared mode, T=0 or T=1). A transport failure during
/// [`ApduCard::transmit`] becomes an empty response (no status word), which the ES10
/// layer reports; the reason stays in [`PcscCard::last_error`].
pub struct PcscCard {
    // Keeps its PC/SC context alive.
    card: ::pcsc::Card,
    reader: String,
    last_error: Option<String>,
}

impl std::fmt::Debug for PcscCard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PcscCard")
            .field("reader", &self.reader)
            .finish_non_exhaustive()
    }
}

impl PcscCard {
    /// Connects to the card in the reader `reader` (exact name, or a part of exactly one
    /// reader's name).
    pub fn connect(reader: &str) -> Result<Self, LpaError> {
        let context = Context::establish(Scope::User).map_err(|e| pcsc_error("context", e))?;
        let name = pick_reader(&readers(&context)?, reader)?;
        let c_name = CString::new(name.clone())
            .map_err(|_| LpaError::InvalidInput(format!("reader name {name:?}")))?;
        let card = context
            .connect(&c_name, ShareMode::Shared, Protocols::ANY)
            .map_err(|e| pcsc_error(&format!("connect to {name:?}"), e))?;
        Ok(PcscCard {
            card,
            reader: name,
            last_error: None,
        })
    }

    /// The reader's full name.
    pub fn reader(&self) -> &str {
        &self.reader
    }

    /// The card's ATR.
    pub fn atr(&self) -> Result<Vec<u8>, LpaError> {
        self.card
            .status2_owned()
            .map(|s| s.atr().to_vec())
            .map_err(|e| pcsc_error("status", e))
    }

    /// Sends one command APDU and returns the response APDU (data ‖ SW1 SW2).
    pub fn transmit_apdu(&self, capdu: &[u8]) -> Result<Vec<u8>, LpaError> {
        let mut buffer = vec![0u8; MAX_BUFFER_SIZE_EXTENDED];
        self.card
            .transmit(capdu, &mut buffer)
            .map(<[u8]>::to_vec)
            .map_err(|e| pcsc_error("transmit", e))
    }

    /// The last failure hidden behind an empty [`ApduCard::transmit`] answer.
    pub fn last_error(&self) -> Option<&str> {
        self.last_error.as_deref()
    }
}

impl ApduCard for PcscCard {
    fn transmit(&mut self, capdu: &[u8]) -> Vec<u8> {
        match self.transmit_apdu(capdu) {
            Ok(r) => r,
            Err(e) => {
                self.last_error = Some(e.to_string());
                Vec::new()
            }
        }
    }

    /// A cold reset through the reader (`SCardReconnect` with `SCARD_RESET_CARD`).
    fn reset(&mut self) {
        if let Err(e) =
            self.card
                .reconnect(ShareMode::Shared, Protocols::ANY, Disposition::ResetCard)
        {
            self.last_error = Some(pcsc_error("reset", e).to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::pick_reader;

    #[test]
    fn reader_by_exact_name_or_unique_part() {
        let names = vec![
            "Virtual PCD 00 00".to_owned(),
            "Virtual PCD 00 01".to_owned(),
            "Generic USB Reader 01 00".to_owned(),
        ];
        assert_eq!(
            pick_reader(&names, "Virtual PCD 00 01").ok().as_deref(),
            Some("Virtual PCD 00 01")
        );
        assert_eq!(
            pick_reader(&names, "USB").ok().as_deref(),
            Some("Generic USB Reader 01 00")
        );
        assert!(pick_reader(&names, "Virtual PCD").is_err(), "ambiguous");
        assert!(pick_reader(&names, "Nothing").is_err());
        assert!(pick_reader(&[], "Virtual PCD").is_err());
    }
}
