//! The key store against a real SoftHSM2 token (skipped without SoftHSM2, required in CI).

use std::sync::Arc;

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::object::{Attribute, AttributeType, ObjectClass};
use cryptoki::session::UserType;
use cryptoki::types::AuthPin;
use rsp_crypto::{Curve, KeyAgreement, Signer, SoftwareKey};
use rsp_hsm::testing::{TEST_PIN, TestToken};
use rsp_hsm::{AnyKey, Pkcs11Uri, generate_ec_key, generate_wrapping_key, load_key};

type R = Result<(), Box<dyn std::error::Error>>;

/// The tests share one SoftHSM2 token and run one at a time: SoftHSM2's file object store
/// fails when objects are created while another thread of the process reads or writes the
/// store (CKR_GENERAL_ERROR, softhsm/SoftHSMv2#573; seen in CI with the creations alone
/// serialised by rsp-hsm).
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn uri(t: &TestToken, name: &str) -> Result<Pkcs11Uri, rsp_hsm::UriError> {
    Pkcs11Uri::parse(&t.uri(name))
}

#[test]
fn sign_and_ecdh_on_both_curves() -> R {
    let _serial = serial();
    let Some(t) = TestToken::shared() else {
        return Ok(());
    };
    for curve in Curve::ALL {
        let u = uri(t, &format!("sign-{}", curve.name()))?;
        let key = generate_ec_key(&u, curve)?;
        assert_eq!(Signer::curve(&key), curve);
        let sig = key.sign_raw(b"serverSigned1")?;
        Signer::public_key(&key).verify_raw(b"serverSigned1", &sig)?;
        let der = key.sign_der(b"tbsCertificate")?;
        Signer::public_key(&key).verify_der(b"tbsCertificate", &der)?;
        // ECKA: the token and software agree on ShS.
        let peer = SoftwareKey::generate(curve)?;
        let a = key.ecka(KeyAgreement::public_key(&peer))?;
        let b = peer.ecka(Signer::public_key(&key))?;
        assert_eq!(a.as_bytes(), b.as_bytes());
        // Loading by URI string (as configuration gives it) finds the same key.
        let loaded = load_key(std::path::Path::new(
            &t.uri(&format!("sign-{}", curve.name())),
        ))?;
        assert!(matches!(loaded, AnyKey::Hsm(_)));
        assert_eq!(Signer::public_key(&loaded), Signer::public_key(&key));
        // Generating it twice is refused.
        assert!(generate_ec_key(&u, curve).is_err());
    }
    Ok(())
}

#[test]
fn concurrent_signing_through_the_pool() -> R {
    let _serial = serial();
    let Some(t) = TestToken::shared() else {
        return Ok(());
    };
    let key = Arc::new(generate_ec_key(&uri(t, "pool")?, Curve::NistP256)?);
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let key = key.clone();
            std::thread::spawn(move || -> Result<(), rsp_crypto::CryptoError> {
                for j in 0..20 {
                    let msg = format!("{i}-{j}");
                    let sig = key.sign_raw(msg.as_bytes())?;
                    Signer::public_key(&*key).verify_raw(msg.as_bytes(), &sig)?;
                }
                Ok(())
            })
        })
        .collect();
    for th in threads {
        th.join().map_err(|_| "thread panicked")??;
    }
    Ok(())
}

#[test]
fn private_keys_are_sensitive_and_not_extractable() -> R {
    let _serial = serial();
    let Some(t) = TestToken::shared() else {
        return Ok(());
    };
    let u = uri(t, "sensitive")?;
    generate_ec_key(&u, Curve::BrainpoolP256r1)?;
    generate_wrapping_key(&Pkcs11Uri::parse(&t.secret_uri("kek-sensitive"))?)?;
    rsp_hsm::import_ec_key(
        &uri(t, "sensitive-imported")?,
        &SoftwareKey::generate(Curve::NistP256)?,
    )?;
    // A separate look at the token, as an auditor's tool would.
    let ctx = Pkcs11::new(&t.module)?;
    let _ = ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK));
    let slot = ctx
        .get_slots_with_initialized_token()?
        .into_iter()
        .find(|s| {
            ctx.get_token_info(*s)
                .is_ok_and(|i| i.label().trim_end() == t.label)
        })
        .ok_or("no test token")?;
    let session = ctx.open_ro_session(slot)?;
    let _ = session.login(UserType::User, Some(&AuthPin::from(TEST_PIN)));
    for (label, class) in [
        ("sensitive", ObjectClass::PRIVATE_KEY),
        ("sensitive-imported", ObjectClass::PRIVATE_KEY),
        ("kek-sensitive", ObjectClass::SECRET_KEY),
    ] {
        let obj = *session
            .find_objects(&[Attribute::Class(class), Attribute::Label(label.into())])?
            .first()
            .ok_or("object not found")?;
        let attrs = session.get_attributes(
            obj,
            &[
                AttributeType::Sensitive,
                AttributeType::Extractable,
                AttributeType::Token,
            ],
        )?;
        assert!(
            attrs.contains(&Attribute::Sensitive(true)),
            "{label}: {attrs:?}"
        );
        assert!(
            attrs.contains(&Attribute::Extractable(false)),
            "{label}: {attrs:?}"
        );
        assert!(
            attrs.contains(&Attribute::Token(true)),
            "{label}: {attrs:?}"
        );
        // C_GetAttributeValue(CKA_VALUE) is refused (CKR_ATTRIBUTE_SENSITIVE): cryptoki
        // reports it either as an error or by leaving the attribute out.
        match session.get_attributes(obj, &[AttributeType::Value]) {
            Err(e) => assert!(e.to_string().contains("ensitive"), "{label}: {e}"),
            Ok(v) => assert!(
                !v.iter().any(|a| matches!(a, Attribute::Value(_))),
                "{label}: CKA_VALUE readable"
            ),
        }
    }
    Ok(())
}

#[test]
fn data_key_wrapped_by_the_token() -> R {
    let _serial = serial();
    let Some(t) = TestToken::shared() else {
        return Ok(());
    };
    let kek = Pkcs11Uri::parse(&t.secret_uri("kek-data"))?;
    generate_wrapping_key(&kek)?;
    let blob = rsp_hsm::new_wrapped_data_key(&kek)?;
    assert_eq!(blob.len(), 40, "RFC 5649 wrap of 32 bytes");
    let a = rsp_hsm::unwrap_data_key(&kek, &blob)?;
    let b = rsp_hsm::unwrap_data_key(&kek, &blob)?;
    assert_eq!(*a, *b);
    let mut bad = blob.clone();
    bad[5] ^= 1;
    assert!(rsp_hsm::unwrap_data_key(&kek, &bad).is_err());
    Ok(())
}

#[test]
fn wrong_pin_and_missing_objects_are_typed_errors() -> R {
    let _serial = serial();
    let Some(t) = TestToken::shared() else {
        return Ok(());
    };
    let missing = rsp_hsm::HsmKey::open(&uri(t, "no-such-key")?);
    assert!(matches!(missing, Err(rsp_hsm::HsmError::NoObject(_))));
    let other = Pkcs11Uri::parse(&t.uri("x").replace("token=rsp-test", "token=nope"))?;
    assert!(matches!(
        rsp_hsm::HsmKey::open(&other),
        Err(rsp_hsm::HsmError::NoToken(_))
    ));
    Ok(())
}

#[test]
fn imported_software_keys_sign_in_the_token() -> R {
    let _serial = serial();
    let Some(t) = TestToken::shared() else {
        return Ok(());
    };
    for curve in Curve::ALL {
        let soft = SoftwareKey::generate(curve)?;
        let u = uri(t, &format!("import-{}", curve.name()))?;
        let key = rsp_hsm::import_ec_key(&u, &soft)?;
        assert_eq!(Signer::public_key(&key), Signer::public_key(&soft));
        let sig = key.sign_raw(b"smdpSigned2")?;
        Signer::public_key(&soft).verify_raw(b"smdpSigned2", &sig)?;
        assert!(rsp_hsm::import_ec_key(&u, &soft).is_err());
    }
    Ok(())
}
