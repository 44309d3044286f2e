//! The SGP.02 M2M SM-SR's transports: ES5 over SMS through an SMSC ([`es5_sms`]) and over
//! HTTPS with TLS-PSK ([`es5_https`]), and the admin API ([`admin`]).

pub mod admin;
pub mod es5_https;
pub mod es5_sms;
pub mod notify;
pub mod ws;
pub mod ws_map;
