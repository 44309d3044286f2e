//! The SGP.02 M2M SM-DP's transports: its ES3 client of the SM-SR's web service
//! ([`es3_client`]).

pub mod es3_client;
