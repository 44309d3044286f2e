//! Keys made inside the token: EC key pairs for CSRs (`rsp pki csr --key pkcs11:…`) and the
//! AES key that wraps the data key of Profile Packages at rest. Private and secret keys are
//! created with CKA_TOKEN, CKA_PRIVATE, CKA_SENSITIVE true and CKA_EXTRACTABLE false
//! (PKCS#11 v2.40 §4.4), so their value can never be read back.

use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass};
use rsp_crypto::Curve;
use zeroize::Zeroizing;

use crate::HsmError;
use crate::key::{HsmKey, ec_params, find_one};
use crate::token::Token;
use crate::uri::Pkcs11Uri;

fn label_and_id(uri: &Pkcs11Uri) -> Vec<Attribute> {
    let mut t = Vec::new();
    if let Some(l) = &uri.object {
        t.push(Attribute::Label(l.as_bytes().to_vec()));
    }
    if let Some(id) = &uri.id {
        t.push(Attribute::Id(id.clone()));
    }
    t
}

/// Generates an EC key pair on `curve` as the objects `uri` names (refused if a private key
/// with that label / id exists), usable for ECDSA and ECDH, and opens it.
pub fn generate_ec_key(uri: &Pkcs11Uri, curve: Curve) -> Result<HsmKey, HsmError> {
    let token = Token::open(uri)?;
    {
        let session = token.session()?;
        if !session
            .find_objects(&crate::key::template(uri, ObjectClass::PRIVATE_KEY))?
            .is_empty()
        {
            return Err(HsmError::Exists(uri.describe()));
        }
        let mut public = vec![
            Attribute::Token(true),
            Attribute::Private(false),
            Attribute::EcParams(ec_params(curve).to_vec()),
            Attribute::Verify(true),
        ];
        public.extend(label_and_id(uri));
        let mut private = vec![
            Attribute::Token(true),
            Attribute::Private(true),
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
            Attribute::Sign(true),
            Attribute::Derive(true),
        ];
        private.extend(label_and_id(uri));
        session.generate_key_pair(&Mechanism::EccKeyPairGen, &public, &private)?;
    }
    HsmKey::open(uri)
}

/// Generates the AES-256 key-encryption key `uri` names (wrap / unwrap only).
pub fn generate_wrapping_key(uri: &Pkcs11Uri) -> Result<(), HsmError> {
    let token = Token::open(uri)?;
    let session = token.session()?;
    if !session
        .find_objects(&crate::key::template(uri, ObjectClass::SECRET_KEY))?
        .is_empty()
    {
        return Err(HsmError::Exists(uri.describe()));
    }
    let mut t = vec![
        Attribute::Token(true),
        Attribute::Private(true),
        Attribute::Sensitive(true),
        Attribute::Extractable(false),
        Attribute::ValueLen(32.into()),
        Attribute::Wrap(true),
        Attribute::Unwrap(true),
        Attribute::Encrypt(false),
        Attribute::Decrypt(false),
    ];
    t.extend(label_and_id(uri));
    session.generate_key(&Mechanism::AesKeyGen, &t)?;
    Ok(())
}

/// A fresh 32-byte data key made in the token and wrapped there under the key `kek` names
/// (`CKM_AES_KEY_WRAP_PAD`, RFC 5649): the blob to store; the clear key is never written.
pub fn new_wrapped_data_key(kek: &Pkcs11Uri) -> Result<Vec<u8>, HsmError> {
    let token = Token::open(kek)?;
    let session = token.session()?;
    let wrapping = find_one(&session, kek, ObjectClass::SECRET_KEY)?;
    let data = session.generate_key(
        &Mechanism::AesKeyGen,
        &[
            Attribute::Token(false),
            Attribute::ValueLen(32.into()),
            Attribute::Sensitive(true),
            Attribute::Extractable(true),
        ],
    )?;
    let wrapped = session.wrap_key(&Mechanism::AesKeyWrapPad, wrapping, data);
    session.destroy_object(data)?;
    Ok(wrapped?)
}

/// Unwraps a blob made by [`new_wrapped_data_key`] into memory (the data key encrypts rows
/// in software, AES-256-GCM): unwrapped as a short-lived session object, read, destroyed.
pub fn unwrap_data_key(kek: &Pkcs11Uri, blob: &[u8]) -> Result<Zeroizing<[u8; 32]>, HsmError> {
    let token = Token::open(kek)?;
    let session = token.session()?;
    let wrapping = find_one(&session, kek, ObjectClass::SECRET_KEY)?;
    let obj = session.unwrap_key(
        &Mechanism::AesKeyWrapPad,
        wrapping,
        blob,
        &[
            Attribute::Class(ObjectClass::SECRET_KEY),
            Attribute::KeyType(KeyType::AES),
            Attribute::Token(false),
            Attribute::Sensitive(false),
            Attribute::Extractable(true),
        ],
    )?;
    let value = session.get_attributes(obj, &[AttributeType::Value]);
    session.destroy_object(obj)?;
    for a in value? {
        if let Attribute::Value(v) = a {
            let v = Zeroizing::new(v);
            let mut out = Zeroizing::new([0u8; 32]);
            if v.len() != 32 {
                return Err(HsmError::UnsupportedKey("wrapped data key is not 32 bytes"));
            }
            out.copy_from_slice(&v);
            return Ok(out);
        }
    }
    Err(HsmError::UnsupportedKey(
        "unwrapped data key without CKA_VALUE",
    ))
}
