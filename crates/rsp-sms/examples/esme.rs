//! Binds to an SMSC as transceiver, optionally submits one binary message (hex user
//! data, UDH included), then prints what arrives for 30 s.
//!
//! `cargo run -p rsp-sms --example esme -- 127.0.0.1:2775 smsr secret 881 [DEST HEX]`

use std::time::Duration;

use rsp_sms::esme::{Esme, EsmeConfig, Inbound, SmppAddress};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [addr, system_id, password, address, rest @ ..] = args.as_slice() else {
        return Err("usage: esme ADDR SYSTEM_ID PASSWORD ADDRESS [DEST HEX]".into());
    };
    let cfg = EsmeConfig::new(system_id, password).address_range(address);
    let (esme, mut rx) = Esme::bind_transceiver(addr.as_str(), cfg).await?;
    if let [dest, hex_ud] = rest {
        let ud = hex::decode(hex_ud)?;
        let id = esme
            .submit_binary(
                &SmppAddress::unknown(address),
                &SmppAddress::unknown(dest),
                &ud,
                1,
            )
            .await?;
        println!("submitted, message_id {id}");
    }
    let deadline = tokio::time::sleep(Duration::from_secs(30));
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            _ = &mut deadline => break,
            m = rx.recv() => match m {
                Some(Inbound::Message(m)) => println!(
                    "MO from {} esm_class {:02x} pid {:02x} dcs {:02x}: {}",
                    m.source.address, m.esm_class, m.protocol_id, m.data_coding,
                    hex::encode(&m.user_data)
                ),
                Some(Inbound::Receipt(r)) => println!("receipt {r:?}"),
                None => break,
            },
        }
    }
    esme.unbind().await?;
    Ok(())
}
