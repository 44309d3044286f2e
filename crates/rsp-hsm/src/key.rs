//! EC private keys held in a token: [`HsmKey`] signs (`CKM_ECDSA` over a SHA-256 digest
//! computed here, since SoftHSM2 has no `CKM_ECDSA_SHA256`) and agrees keys
//! (`CKM_ECDH1_DERIVE`, SGP.22 §3.1.3.2 ECKA). The private scalar never leaves the token.

use std::sync::Arc;

use cryptoki::mechanism::Mechanism;
use cryptoki::mechanism::elliptic_curve::{EcKdf, Ecdh1DeriveParams};
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::Session;
use rsp_crypto::{CryptoError, Curve, KeyAgreement, PublicKey, SharedSecret, Signer};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::HsmError;
use crate::token::Token;
use crate::uri::{ObjectType, Pkcs11Uri};

/// DER `OBJECT IDENTIFIER` of each curve, as `CKA_EC_PARAMS` holds it (namedCurve choice).
pub(crate) fn ec_params(curve: Curve) -> &'static [u8] {
    match curve {
        // 1.2.840.10045.3.1.7
        Curve::NistP256 => &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07],
        // 1.3.36.3.3.2.8.1.1.7
        Curve::BrainpoolP256r1 => &[
            0x06, 0x09, 0x2b, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x07,
        ],
    }
}

fn curve_of(params: &[u8]) -> Result<Curve, HsmError> {
    Curve::ALL
        .into_iter()
        .find(|c| ec_params(*c) == params)
        .ok_or(HsmError::UnsupportedKey(
            "CKA_EC_PARAMS is not P-256 or brainpoolP256r1",
        ))
}

/// `CKA_EC_POINT` is a DER OCTET STRING around the SEC1 point (PKCS#11 v2.40 §2.3.3);
/// some modules give the bare point.
pub(crate) fn unwrap_ec_point(v: &[u8]) -> &[u8] {
    match v {
        [0x04, 0x41, rest @ ..] if rest.len() == 65 => rest,
        _ => v,
    }
}

/// Object search template for `uri` and `class`.
pub(crate) fn template(uri: &Pkcs11Uri, class: ObjectClass) -> Vec<Attribute> {
    let mut t = vec![Attribute::Class(class)];
    if let Some(l) = &uri.object {
        t.push(Attribute::Label(l.as_bytes().to_vec()));
    }
    if let Some(id) = &uri.id {
        t.push(Attribute::Id(id.clone()));
    }
    t
}

/// The single object `uri` names; two matches are an error (the URI is ambiguous).
pub(crate) fn find_one(
    session: &Session,
    uri: &Pkcs11Uri,
    class: ObjectClass,
) -> Result<ObjectHandle, HsmError> {
    let found = session.find_objects(&template(uri, class))?;
    match found.as_slice() {
        [one] => Ok(*one),
        [] => Err(HsmError::NoObject(uri.describe())),
        _ => Err(HsmError::Ambiguous(uri.describe())),
    }
}

/// An EC private key in a token, with its public key read from the token once.
pub struct HsmKey {
    token: Arc<Token>,
    handle: ObjectHandle,
    curve: Curve,
    public: PublicKey,
    name: String,
}

impl std::fmt::Debug for HsmKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HsmKey")
            .field("key", &self.name)
            .field("curve", &self.curve)
            .finish()
    }
}

impl HsmKey {
    /// The private key `uri` names (`type` absent or `private`), its curve and public
    /// point taken from the matching public key object or, failing that, the private
    /// key's own `CKA_EC_POINT` (SoftHSM2 keeps none there).
    pub fn open(uri: &Pkcs11Uri) -> Result<Self, HsmError> {
        if uri.object_type.is_some_and(|t| t != ObjectType::Private) {
            return Err(HsmError::UnsupportedKey(
                "the URI must name a private key (type=private)",
            ));
        }
        let token = Token::open(uri)?;
        let session = token.session()?;
        let handle = find_one(&session, uri, ObjectClass::PRIVATE_KEY)?;
        let attrs =
            session.get_attributes(handle, &[AttributeType::KeyType, AttributeType::EcParams])?;
        let mut curve = None;
        for a in attrs {
            match a {
                Attribute::KeyType(k) if k != KeyType::EC => {
                    return Err(HsmError::UnsupportedKey("not an EC key"));
                }
                Attribute::EcParams(p) => curve = Some(curve_of(&p)?),
                _ => {}
            }
        }
        let curve = curve.ok_or(HsmError::UnsupportedKey("no CKA_EC_PARAMS"))?;
        let pub_handle = find_one(&session, uri, ObjectClass::PUBLIC_KEY)?;
        let point = session
            .get_attributes(pub_handle, &[AttributeType::EcPoint])?
            .into_iter()
            .find_map(|a| match a {
                Attribute::EcPoint(p) => Some(p),
                _ => None,
            })
            .ok_or(HsmError::UnsupportedKey(
                "no CKA_EC_POINT on the public key",
            ))?;
        let public = PublicKey::from_sec1(curve, unwrap_ec_point(&point))
            .map_err(|_| HsmError::UnsupportedKey("CKA_EC_POINT is not a point on the curve"))?;
        drop(session);
        Ok(Self {
            token,
            handle,
            curve,
            public,
            name: uri.describe(),
        })
    }

    /// The URI of the key without PIN (for logs and the audit trail).
    pub fn name(&self) -> &str {
        &self.name
    }

    fn sign_digest(&self, digest: &[u8]) -> Result<[u8; 64], HsmError> {
        let session = self.token.session()?;
        let sig = session.sign(&Mechanism::Ecdsa, self.handle, digest)?;
        // CKM_ECDSA returns r‖s, each the length of the order (PKCS#11 v2.40 §2.3.1).
        sig.as_slice()
            .try_into()
            .map_err(|_| HsmError::UnsupportedKey("CKM_ECDSA signature is not 64 bytes"))
    }

    fn derive(&self, peer: &PublicKey) -> Result<Zeroizing<[u8; 32]>, HsmError> {
        let session = self.token.session()?;
        let params = Ecdh1DeriveParams::new(EcKdf::null(), peer.sec1_uncompressed());
        // A short-lived session object (CKA_TOKEN false) holding ShS, extractable so its
        // CKA_VALUE can be read, destroyed right after. SoftHSM2 allows this (its ECDH
        // derive honours CKA_SENSITIVE=false / CKA_EXTRACTABLE=true on the new object).
        let template = [
            Attribute::Class(ObjectClass::SECRET_KEY),
            Attribute::KeyType(KeyType::GENERIC_SECRET),
            Attribute::ValueLen(32.into()),
            Attribute::Token(false),
            Attribute::Sensitive(false),
            Attribute::Extractable(true),
        ];
        let obj = session.derive_key(&Mechanism::Ecdh1Derive(params), self.handle, &template)?;
        let value = session.get_attributes(obj, &[AttributeType::Value]);
        let destroyed = session.destroy_object(obj);
        let mut out = Zeroizing::new([0u8; 32]);
        for a in value? {
            if let Attribute::Value(v) = a {
                let v = Zeroizing::new(v);
                if v.len() != 32 {
                    return Err(HsmError::UnsupportedKey("ECDH secret is not 32 bytes"));
                }
                out.copy_from_slice(&v);
                destroyed?;
                return Ok(out);
            }
        }
        Err(HsmError::UnsupportedKey("ECDH secret without CKA_VALUE"))
    }
}

impl Signer for HsmKey {
    fn curve(&self) -> Curve {
        self.curve
    }

    fn public_key(&self) -> &PublicKey {
        &self.public
    }

    fn sign_raw(&self, msg: &[u8]) -> Result<[u8; 64], CryptoError> {
        let digest = Sha256::digest(msg);
        self.sign_digest(&digest).map_err(|e| {
            tracing::warn!(key = %self.name, error = %e, "PKCS#11 signature failed");
            CryptoError::Signing
        })
    }
}

impl KeyAgreement for HsmKey {
    fn curve(&self) -> Curve {
        self.curve
    }

    fn public_key(&self) -> &PublicKey {
        &self.public
    }

    fn ecka(&self, peer: &PublicKey) -> Result<SharedSecret, CryptoError> {
        if peer.curve() != self.curve {
            return Err(CryptoError::CurveMismatch);
        }
        let s = self.derive(peer).map_err(|e| {
            tracing::warn!(key = %self.name, error = %e, "PKCS#11 ECDH failed");
            CryptoError::Agreement
        })?;
        Ok(SharedSecret::from_bytes(*s))
    }
}
