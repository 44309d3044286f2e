//! Configuration files of the server roles (TOML), merged with command-line options.

pub mod eim;
pub mod orders;
pub mod smdpp;
pub mod smds;

/// `url`, with `mode=rwc` added to a SQLite URL so the file is created.
pub fn database_url(url: &str) -> String {
    if !url.starts_with("sqlite:") || url.contains("mode=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}
