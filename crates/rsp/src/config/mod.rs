//! Configuration files of the server roles (TOML), merged with command-line options.

pub mod orders;
pub mod smdpp;
