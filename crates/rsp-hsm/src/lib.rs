//! PKCS#11 key store for the long-term keys of the RSP servers (CERT.DPauth, CERT.DPpb,
//! DSauth, the eIM key, TLS keys, the key wrapping the data key of Profile Packages), on
//! NIST P-256 and brainpoolP256r1. Keys are named by RFC 7512 `pkcs11:` URIs; software keys
//! (PEM files) stay the default and load through the same [`load_key`]. One-time session
//! keys (otSK.DP.ECKA, TLS ephemerals) stay in memory. See docs/hsm.md.

mod data_key;
mod error;
mod generate;
mod key;
mod load;
pub mod testing;
mod token;
mod uri;

pub use data_key::{
    data_key_file_text, is_wrapped_data_key, unwrap_data_key_file, wrap_existing_data_key,
    write_data_key_file,
};
pub use error::HsmError;
pub use generate::{
    generate_ec_key, generate_wrapping_key, import_ec_key, new_wrapped_data_key, unwrap_data_key,
};
pub use key::HsmKey;
pub use load::{AnyKey, KeySource, LoadError, load_key};
pub use token::{DEFAULT_MODULE, MODULE_ENV, PIN_ENV, Pin, Token, module_path};
pub use uri::{ObjectType, Pkcs11Uri, UriError, is_pkcs11_uri};
