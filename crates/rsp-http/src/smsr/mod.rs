//! The SGP.02 M2M SM-SR's transports: ES5 over SMS through an SMSC ([`es5_sms`]) and over
//! HTTPS with TLS-PSK ([`es5_https`]), the admin API ([`admin`]), the SGP.02 web services
//! ([`ws`]) and ES7 between SM-SRs with the SM-SR change's driver ([`es7`]), their calls
//! in the audit trail and the metrics ([`trail`]).

pub mod admin;
pub mod es5_https;
pub mod es5_sms;
pub mod es7;
mod es7_driver;
pub mod notify;
pub mod trail;
pub mod ws;
pub mod ws_map;
