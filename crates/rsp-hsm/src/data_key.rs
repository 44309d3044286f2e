//! The data-key file in wrapped form: the 32-byte key that encrypts Profile Packages (and
//! session keys) at rest, wrapped by an AES key in a token (`CKM_AES_KEY_WRAP_PAD`, RFC
//! 5649), so the clear key is never written; the server unwraps it into memory at start.
//!
//! ```text
//! # rsp data key, wrapped in a PKCS#11 token (docs/hsm.md)
//! kek = pkcs11:token=rsp;object=data-kek;type=secret-key?pin-source=file:/etc/rsp/pin
//! wrapped = 5a1c…(80 hex digits)
//! ```

use std::path::Path;

use cryptoki::object::{Attribute, KeyType, ObjectClass};
use zeroize::Zeroizing;

use crate::HsmError;
use crate::key::find_one;
use crate::token::Token;
use crate::uri::Pkcs11Uri;

const HEADER: &str = "# rsp data key, wrapped in a PKCS#11 token (docs/hsm.md)";

/// True when `text` is a wrapped data-key file.
pub fn is_wrapped_data_key(text: &str) -> bool {
    text.lines().any(|l| l.trim_start().starts_with("kek ="))
        && text
            .lines()
            .any(|l| l.trim_start().starts_with("wrapped ="))
}

fn field<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    text.lines()
        .filter_map(|l| l.trim().strip_prefix(name))
        .find_map(|rest| rest.trim_start().strip_prefix('='))
        .map(str::trim)
}

/// The clear data key of a wrapped data-key file, unwrapped by its KEK.
pub fn unwrap_data_key_file(text: &str) -> Result<Zeroizing<[u8; 32]>, HsmError> {
    let kek = field(text, "kek").ok_or(HsmError::UnsupportedKey("data-key file without kek ="))?;
    let wrapped = field(text, "wrapped")
        .ok_or(HsmError::UnsupportedKey("data-key file without wrapped ="))?;
    let blob = decode_hex(wrapped).ok_or(HsmError::UnsupportedKey("wrapped = is not hex"))?;
    crate::unwrap_data_key(&Pkcs11Uri::parse(kek)?, &blob)
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect()
}

/// Wraps `clear` (an existing data key, to move it under the token) under the KEK `kek`
/// names: imported as a short-lived session object, wrapped, destroyed.
pub fn wrap_existing_data_key(kek: &Pkcs11Uri, clear: &[u8; 32]) -> Result<Vec<u8>, HsmError> {
    let token = Token::open(kek)?;
    let session = token.session()?;
    let wrapping = find_one(&session, kek, ObjectClass::SECRET_KEY)?;
    let obj = session.create_object(&[
        Attribute::Class(ObjectClass::SECRET_KEY),
        Attribute::KeyType(KeyType::AES),
        Attribute::Token(false),
        Attribute::Sensitive(true),
        Attribute::Extractable(true),
        Attribute::Value(clear.to_vec()),
    ])?;
    let wrapped = session.wrap_key(
        &cryptoki::mechanism::Mechanism::AesKeyWrapPad,
        wrapping,
        obj,
    );
    session.destroy_object(obj)?;
    Ok(wrapped?)
}

/// The text of a wrapped data-key file for `kek_uri` (as given, without `pin-value`).
pub fn data_key_file_text(kek_uri: &str, wrapped: &[u8]) -> String {
    let hex: String = wrapped.iter().map(|b| format!("{b:02x}")).collect();
    format!("{HEADER}\nkek = {kek_uri}\nwrapped = {hex}\n")
}

/// Writes a wrapped data-key file at `path` (mode 0600 is the caller's choice; nothing in
/// it is secret without the token).
pub fn write_data_key_file(path: &Path, kek_uri: &str, wrapped: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, data_key_file_text(kek_uri, wrapped))
}
