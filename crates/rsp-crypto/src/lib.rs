//! GSMA RSP cryptography on NIST P-256 and brainpoolP256r1 (SGP.22 §2.6):
//! ECDSA with signatures in BSI TR-03111 plain form ([`tr03111`]) or DER, ECKA (ECDH),
//! the BPP session key derivation ([`kdf`]) and SCP03t segment protection ([`scp03t`]).
//!
//! P-256 runs on AWS-LC (`aws-lc-rs`, close to OpenSSL speed); brainpoolP256r1, which AWS-LC
//! lacks, on RustCrypto (`bp256`). Callers see one API: [`PublicKey`] for verification and
//! the [`Signer`] / [`KeyAgreement`] traits for private-key operations, implemented by
//! [`SoftwareKey`] and, later, by HSM-backed keys.

mod backend;
mod curve;
mod error;
pub mod isdp_keys;
pub mod kdf;
mod keys;
pub mod scp03;
pub mod scp03t;
mod tlv;
pub mod tr03111;

pub use curve::Curve;
pub use error::CryptoError;
pub use keys::{KeyAgreement, PublicKey, SharedSecret, Signer, SoftwareKey};
