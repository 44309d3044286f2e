//! Runs the lab SMSC until Ctrl-C, printing its counters every 10 s.
//!
//! `cargo run -p rsp-sms --example smsc -- 127.0.0.1:2775 smsr:secret:881 handset:pw:447700900123`

use std::time::Duration;

use rsp_sms::smsc::{Account, Smsc, SmscConfig};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let listen = args
        .next()
        .unwrap_or_else(|| "127.0.0.1:2775".to_owned())
        .parse()?;
    let accounts = args
        .map(|a| a.parse::<Account>())
        .collect::<Result<Vec<_>, _>>()?;
    let smsc = Smsc::start(SmscConfig::new(listen, accounts)).await?;
    println!("SMSC listening on {}", smsc.local_addr());
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => break,
            _ = tokio::time::sleep(Duration::from_secs(10)) => println!("{:?}", smsc.stats()),
        }
    }
    smsc.shutdown().await;
    Ok(())
}
