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

/// Serialises the creation of token objects in this process: the "does it exist" look-up
/// and the creation become one step, and SoftHSM2's file object store fails concurrent
/// creations with CKR_GENERAL_ERROR (softhsm/SoftHSMv2#573). Keys are made rarely (CLI).
static CREATING: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn creating() -> std::sync::MutexGuard<'static, ()> {
    CREATING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

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
        let _one_at_a_time = creating();
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
    let _one_at_a_time = creating();
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

/// Imports an existing software key into the token as the objects `uri` names: the private
/// key sensitive and not extractable from then on, and its public key (CKA_EC_POINT, DER
/// OCTET STRING). For keys that predate the token; delete the PEM file afterwards.
pub fn import_ec_key(uri: &Pkcs11Uri, key: &rsp_crypto::SoftwareKey) -> Result<HsmKey, HsmError> {
    use rsp_crypto::Signer;
    let curve = key.curve();
    let pkcs8 = key.to_pkcs8_der();
    // ECPrivateKey ::= SEQUENCE { version 1 (02 01 01), privateKey OCTET STRING (04 20) … }
    // inside the PKCS#8 encoding; checked below by recomputing the public key.
    let at = pkcs8
        .windows(5)
        .position(|w| w == [0x02, 0x01, 0x01, 0x04, 0x20])
        .ok_or(HsmError::UnsupportedKey("PKCS#8 without a 32-byte scalar"))?;
    let scalar = Zeroizing::new(pkcs8[at + 5..at + 37].to_vec());
    let check = rsp_crypto::SoftwareKey::from_scalar(curve, &scalar)
        .map_err(|_| HsmError::UnsupportedKey("bad private scalar"))?;
    if check.public_key() != key.public_key() {
        return Err(HsmError::UnsupportedKey("bad private scalar"));
    }
    let token = Token::open(uri)?;
    {
        let _one_at_a_time = creating();
        let session = token.session()?;
        if !session
            .find_objects(&crate::key::template(uri, ObjectClass::PRIVATE_KEY))?
            .is_empty()
        {
            return Err(HsmError::Exists(uri.describe()));
        }
        let mut point = vec![0x04, 0x41];
        point.extend_from_slice(key.public_key().sec1_uncompressed());
        let mut public = vec![
            Attribute::Class(ObjectClass::PUBLIC_KEY),
            Attribute::KeyType(KeyType::EC),
            Attribute::Token(true),
            Attribute::Private(false),
            Attribute::EcParams(ec_params(curve).to_vec()),
            Attribute::EcPoint(point),
            Attribute::Verify(true),
        ];
        public.extend(label_and_id(uri));
        let mut private = vec![
            Attribute::Class(ObjectClass::PRIVATE_KEY),
            Attribute::KeyType(KeyType::EC),
            Attribute::Token(true),
            Attribute::Private(true),
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
            Attribute::Sign(true),
            Attribute::Derive(true),
            Attribute::EcParams(ec_params(curve).to_vec()),
            Attribute::Value(scalar.to_vec()),
        ];
        private.extend(label_and_id(uri));
        session.create_object(&public)?;
        session.create_object(&private)?;
    }
    HsmKey::open(uri)
}
