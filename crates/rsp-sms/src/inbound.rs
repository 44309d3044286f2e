//! What an ESME receives in deliver_sm (SMPP 3.4 §4.6.1): mobile-originated messages
//! and SMSC delivery receipts (esm_class message type `0001`, §5.2.12, Appendix B).

use smpp34::{TlvList, deliver_sm};

/// An SMPP address: type of number, numbering plan, digits (SMPP 3.4 §5.2.5–§5.2.8).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SmppAddress {
    /// addr_ton (1 international, 0 unknown, 5 alphanumeric).
    pub ton: u8,
    /// addr_npi (1 ISDN/E.164, 0 unknown).
    pub npi: u8,
    /// The address (at most 20 characters for submit_sm).
    pub address: String,
}

impl SmppAddress {
    /// An international E.164 number (TON 1, NPI 1).
    pub fn international(address: &str) -> Self {
        Self {
            ton: 1,
            npi: 1,
            address: address.to_owned(),
        }
    }

    /// An address of unknown type and plan (TON 0, NPI 0), e.g. a short code.
    pub fn unknown(address: &str) -> Self {
        Self {
            ton: 0,
            npi: 0,
            address: address.to_owned(),
        }
    }
}

/// esm_class bit 6: the short message starts with a user data header (SMPP 3.4 §5.2.12).
pub const ESM_CLASS_UDHI: u8 = 0x40;
/// esm_class message type "SMSC delivery receipt" (bits 5–2 = `0001`).
pub const ESM_CLASS_DELIVERY_RECEIPT: u8 = 0x04;

/// A mobile-originated (or ESME-to-ESME) message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// source_addr.
    pub source: SmppAddress,
    /// destination_addr.
    pub destination: SmppAddress,
    /// esm_class (bit 6 = UDHI).
    pub esm_class: u8,
    /// protocol_id (`7F` for SIM data download).
    pub protocol_id: u8,
    /// data_coding.
    pub data_coding: u8,
    /// short_message as received (UDH included when UDHI is set).
    pub user_data: Vec<u8>,
}

impl Message {
    /// Whether the short message starts with a UDH.
    pub fn udhi(&self) -> bool {
        self.esm_class & ESM_CLASS_UDHI != 0
    }
}

/// A delivery receipt for an earlier submit_sm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryReceipt {
    /// The message_id the submit_sm_resp returned (receipted_message_id, or the
    /// receipt text's `id:`).
    pub message_id: String,
    /// message_state TLV (SMPP 3.4 §5.2.28: 2 delivered, 3 expired, 5 undeliverable).
    pub message_state: Option<u8>,
    /// `stat:` of the receipt text (Appendix B), e.g. `DELIVRD`.
    pub stat: Option<String>,
    /// `err:` of the receipt text.
    pub err: Option<String>,
    /// source_addr (the original recipient).
    pub source: SmppAddress,
    /// destination_addr (the original sender).
    pub destination: SmppAddress,
}

/// What the ESME's receiver yields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inbound {
    /// A message.
    Message(Message),
    /// A delivery receipt.
    Receipt(DeliveryReceipt),
}

/// `key:value` from the Appendix B receipt text (`id:… sub:… stat:… err:…`).
fn receipt_field(text: &str, key: &str) -> Option<String> {
    let start = text.find(&format!("{key}:"))? + key.len() + 1;
    let tail = text.get(start..)?;
    Some(tail.split(' ').next().unwrap_or_default().to_owned())
}

impl Inbound {
    pub(crate) fn from_deliver_sm(d: &deliver_sm) -> Self {
        let source = SmppAddress {
            ton: d.source_addr_ton,
            npi: d.source_addr_npi,
            address: d.source_addr.clone(),
        };
        let destination = SmppAddress {
            ton: d.dest_addr_ton,
            npi: d.dest_addr_npi,
            address: d.destination_addr.clone(),
        };
        if (d.esm_class >> 2) & 0x0f == 1 {
            let text = String::from_utf8_lossy(&d.short_message);
            Inbound::Receipt(DeliveryReceipt {
                message_id: d
                    .tlvs
                    .receipted_message_id()
                    .or_else(|| receipt_field(&text, "id"))
                    .unwrap_or_default(),
                message_state: d.tlvs.message_state(),
                stat: receipt_field(&text, "stat"),
                err: receipt_field(&text, "err"),
                source,
                destination,
            })
        } else {
            Inbound::Message(Message {
                source,
                destination,
                esm_class: d.esm_class,
                protocol_id: d.protocol_id,
                data_coding: d.data_coding,
                user_data: d.short_message.clone(),
            })
        }
    }
}
