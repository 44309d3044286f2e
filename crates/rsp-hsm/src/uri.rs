//! RFC 7512 `pkcs11:` URIs: which token, which object, how to reach the module and the PIN.
//!
//! Path attributes (`;`-separated): `token`, `object`, `id`, `type`, `manufacturer`,
//! `model`, `serial`, `slot-id`, `library-*`; query attributes (`&`-separated): `pin-source`
//! (`file:` paths only), `pin-value`, `module-path`, `module-name`. Values are
//! percent-decoded (RFC 7512 §2.3); an unknown or repeated standard attribute is an error,
//! vendor attributes (`x-…`) are ignored (§2.3: "vendor-specific").

use std::fmt;
use std::path::PathBuf;

use zeroize::Zeroizing;

/// Why a `pkcs11:` URI was refused. Never carries the PIN.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UriError {
    /// The string does not start with `pkcs11:`.
    #[error("not a pkcs11: URI")]
    Scheme,
    /// An attribute has no `=`.
    #[error("attribute without '=': {0}")]
    Syntax(String),
    /// Bad percent-encoding or a non-UTF-8 textual value.
    #[error("bad percent-encoding in attribute {0}")]
    Encoding(String),
    /// A standard attribute RFC 7512 does not define (or that this store does not use).
    #[error("unknown attribute {0}")]
    Unknown(String),
    /// The same attribute twice.
    #[error("attribute {0} given twice")]
    Duplicate(String),
    /// `type` other than `private`, `public`, `secret-key`, `cert`, `data`.
    #[error("unknown object type {0}")]
    Type(String),
    /// `slot-id` not a decimal number.
    #[error("slot-id is not a number")]
    SlotId,
    /// `pin-source` other than a `file:` path (or a plain path).
    #[error("pin-source must be a file: path")]
    PinSource,
    /// Neither `token`, `serial` nor `slot-id`, or neither `object` nor `id`.
    #[error("URI must name a token (token, serial or slot-id) and an object (object or id)")]
    Incomplete,
}

/// `type=` (RFC 7512 §2.3): the object class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectType {
    /// CKO_PRIVATE_KEY.
    Private,
    /// CKO_PUBLIC_KEY.
    Public,
    /// CKO_SECRET_KEY.
    SecretKey,
    /// CKO_CERTIFICATE.
    Cert,
    /// CKO_DATA.
    Data,
}

/// A parsed `pkcs11:` URI. `Debug` and `Display` hide `pin-value`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Pkcs11Uri {
    /// `token=`: CKA token label.
    pub token: Option<String>,
    /// `manufacturer=`.
    pub manufacturer: Option<String>,
    /// `model=`.
    pub model: Option<String>,
    /// `serial=`: token serial number.
    pub serial: Option<String>,
    /// `slot-id=`.
    pub slot_id: Option<u64>,
    /// `object=`: CKA_LABEL.
    pub object: Option<String>,
    /// `id=`: CKA_ID bytes.
    pub id: Option<Vec<u8>>,
    /// `type=`.
    pub object_type: Option<ObjectType>,
    /// `pin-source=file:…`.
    pub pin_source: Option<PathBuf>,
    /// `pin-value=` (discouraged by RFC 7512 §2.3 outside tests; never shown).
    pub pin_value: Option<Zeroizing<String>>,
    /// `module-path=`: the PKCS#11 library.
    pub module_path: Option<PathBuf>,
    /// `module-name=`: library name without path and suffix (resolved in the
    /// directory of the default module).
    pub module_name: Option<String>,
}

/// True when `s` is meant as a PKCS#11 URI rather than a file path.
pub fn is_pkcs11_uri(s: &str) -> bool {
    s.len() >= 7 && s[..7].eq_ignore_ascii_case("pkcs11:")
}

fn pct_decode(name: &str, v: &str) -> Result<Vec<u8>, UriError> {
    let b = v.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| UriError::Encoding(name.to_owned()))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Ok(out)
}

fn text(name: &str, v: &str) -> Result<String, UriError> {
    String::from_utf8(pct_decode(name, v)?).map_err(|_| UriError::Encoding(name.to_owned()))
}

fn set<T>(slot: &mut Option<T>, name: &str, v: T) -> Result<(), UriError> {
    if slot.is_some() {
        return Err(UriError::Duplicate(name.to_owned()));
    }
    *slot = Some(v);
    Ok(())
}

impl Pkcs11Uri {
    /// Parses and checks that a token and an object are named.
    pub fn parse(s: &str) -> Result<Self, UriError> {
        if !is_pkcs11_uri(s) {
            return Err(UriError::Scheme);
        }
        let rest = s[7..].trim();
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let mut u = Pkcs11Uri::default();
        for attr in path.split(';').filter(|a| !a.is_empty()) {
            let (k, v) = attr
                .split_once('=')
                .ok_or_else(|| UriError::Syntax(attr.to_owned()))?;
            match k {
                "token" => set(&mut u.token, k, text(k, v)?)?,
                "manufacturer" => set(&mut u.manufacturer, k, text(k, v)?)?,
                "model" => set(&mut u.model, k, text(k, v)?)?,
                "serial" => set(&mut u.serial, k, text(k, v)?)?,
                "object" => set(&mut u.object, k, text(k, v)?)?,
                "id" => set(&mut u.id, k, pct_decode(k, v)?)?,
                "slot-id" => {
                    let n = text(k, v)?.parse().map_err(|_| UriError::SlotId)?;
                    set(&mut u.slot_id, k, n)?
                }
                "type" => {
                    let t = match text(k, v)?.as_str() {
                        "private" => ObjectType::Private,
                        "public" => ObjectType::Public,
                        "secret-key" => ObjectType::SecretKey,
                        "cert" => ObjectType::Cert,
                        "data" => ObjectType::Data,
                        other => return Err(UriError::Type(other.to_owned())),
                    };
                    set(&mut u.object_type, k, t)?
                }
                // Library and slot descriptions select nothing this store needs; accepted so
                // URIs from p11tool / pkcs11-tool paste as they are.
                "library-manufacturer"
                | "library-description"
                | "library-version"
                | "slot-manufacturer"
                | "slot-description" => {}
                k if k.starts_with("x-") => {}
                other => return Err(UriError::Unknown(other.to_owned())),
            }
        }
        for attr in query.split('&').filter(|a| !a.is_empty()) {
            // Not echoed: a stray query attribute may be a PIN.
            let (k, v) = attr
                .split_once('=')
                .ok_or_else(|| UriError::Syntax("(query attribute)".to_owned()))?;
            match k {
                "pin-source" => {
                    let src = text(k, v)?;
                    let path = match src.strip_prefix("file:") {
                        Some(p) => p.trim_start_matches("//").to_owned(),
                        None if src.contains(':') => return Err(UriError::PinSource),
                        None => src,
                    };
                    if path.is_empty() {
                        return Err(UriError::PinSource);
                    }
                    set(&mut u.pin_source, k, PathBuf::from(path))?
                }
                "pin-value" => set(&mut u.pin_value, k, Zeroizing::new(text(k, v)?))?,
                "module-path" => set(&mut u.module_path, k, PathBuf::from(text(k, v)?))?,
                "module-name" => set(&mut u.module_name, k, text(k, v)?)?,
                k if k.starts_with("x-") => {}
                other => return Err(UriError::Unknown(other.to_owned())),
            }
        }
        if (u.token.is_none() && u.serial.is_none() && u.slot_id.is_none())
            || (u.object.is_none() && u.id.is_none())
        {
            return Err(UriError::Incomplete);
        }
        Ok(u)
    }

    /// The object part for messages: token and object label / id, never the PIN.
    pub fn describe(&self) -> String {
        let mut s = String::from("pkcs11:");
        let mut parts = Vec::new();
        if let Some(t) = &self.token {
            parts.push(format!("token={t}"));
        }
        if let Some(n) = &self.serial {
            parts.push(format!("serial={n}"));
        }
        if let Some(n) = self.slot_id {
            parts.push(format!("slot-id={n}"));
        }
        if let Some(o) = &self.object {
            parts.push(format!("object={o}"));
        }
        if let Some(id) = &self.id {
            let hex: String = id.iter().map(|b| format!("%{b:02X}")).collect();
            parts.push(format!("id={hex}"));
        }
        s.push_str(&parts.join(";"));
        s
    }
}

impl fmt::Debug for Pkcs11Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkcs11Uri")
            .field("object", &self.describe())
            .field("type", &self.object_type)
            .field("pin_source", &self.pin_source)
            .field("pin_value", &self.pin_value.as_ref().map(|_| "<redacted>"))
            .field("module_path", &self.module_path)
            .finish()
    }
}

impl fmt::Display for Pkcs11Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rfc7512_examples() -> Result<(), UriError> {
        let u = Pkcs11Uri::parse(
            "pkcs11:token=The%20Software%20PKCS%2311%20Softtoken;manufacturer=Snake%20Oil,%20Inc.;\
             model=1.0;object=my-certificate;type=cert;id=%69%95%3E%5C%F4%BD%EC%91;serial=\
             ?pin-source=file:/etc/token_pin&module-path=/usr/lib/softhsm/libsofthsm2.so",
        )?;
        assert_eq!(u.token.as_deref(), Some("The Software PKCS#11 Softtoken"));
        assert_eq!(u.object_type, Some(ObjectType::Cert));
        assert_eq!(
            u.id,
            Some(vec![0x69, 0x95, 0x3e, 0x5c, 0xf4, 0xbd, 0xec, 0x91])
        );
        assert_eq!(u.pin_source, Some(PathBuf::from("/etc/token_pin")));
        assert_eq!(
            u.module_path,
            Some(PathBuf::from("/usr/lib/softhsm/libsofthsm2.so"))
        );
        Ok(())
    }

    #[test]
    fn pin_value_is_never_shown() -> Result<(), UriError> {
        let u = Pkcs11Uri::parse("pkcs11:token=t;object=k;type=private?pin-value=s3cr3t-9")?;
        assert!(!format!("{u:?}").contains("s3cr3t"));
        assert!(!u.to_string().contains("s3cr3t"));
        assert_eq!(u.pin_value.as_deref().map(String::as_str), Some("s3cr3t-9"));
        Ok(())
    }

    #[test]
    fn strict_errors() {
        let e = |s: &str| Pkcs11Uri::parse(s).err();
        assert_eq!(e("file:/x"), Some(UriError::Scheme));
        assert_eq!(
            e("pkcs11:token=t;object"),
            Some(UriError::Syntax("object".into()))
        );
        assert_eq!(
            e("pkcs11:token=t;objekt=k"),
            Some(UriError::Unknown("objekt".into()))
        );
        assert_eq!(
            e("pkcs11:token=t;object=a;object=b"),
            Some(UriError::Duplicate("object".into()))
        );
        assert_eq!(
            e("pkcs11:token=t;object=k;type=key"),
            Some(UriError::Type("key".into()))
        );
        assert_eq!(
            e("pkcs11:token=t;id=%G1"),
            Some(UriError::Encoding("id".into()))
        );
        assert_eq!(
            e("pkcs11:token=t;object=k?pin-source=https://x"),
            Some(UriError::PinSource)
        );
        assert_eq!(e("pkcs11:object=k"), Some(UriError::Incomplete));
        assert_eq!(e("pkcs11:token=t"), Some(UriError::Incomplete));
        assert_eq!(e("pkcs11:slot-id=x;object=k"), Some(UriError::SlotId));
        assert_eq!(
            e("pkcs11:token=t;object=k?secret99"),
            Some(UriError::Syntax("(query attribute)".into()))
        );
        assert!(Pkcs11Uri::parse("PKCS11:token=t;object=k;x-vendor=1?x-a=b").is_ok());
    }
}
