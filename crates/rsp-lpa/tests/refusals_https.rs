//! SM-DP+ refusals over real HTTPS (SGP.22 v2.5 §5.6 ES9+), each scenario on SQLite and on
//! PostgreSQL (`RSP_TEST_POSTGRES_URL`; skipped when unreachable unless `CI` is set). The
//! SM-DP+ runs in-process behind TLS; the LPA library (or its ES9+ client and ES10b calls
//! driven step by step, to alter messages) talks to it; each refusal is checked by the
//! subject/reason code of the server's `statusCodeData`:
//!
//! - wrong SM-DP+ address in InitiateAuthentication 8.8.1/3.8 (§5.6.1);
//! - reused eUICC challenge 8.1/6.1 (§5.6.1 lists no dedicated code; the SM-DP+ treats it
//!   as a failed eUICC verification);
//! - unknown MatchingID 8.2.6/3.8, order bound to another EID 8.1.1/3.8 (§5.6.3);
//! - wrong Confirmation Code 8.2.7/3.8 until the limit, then 8.2.7/6.4 (§5.6.2);
//! - expired session 8.10.1/3.9 at AuthenticateClient and GetBoundProfilePackage;
//! - replayed / reordered messages 8.10.1/3.9, an AuthenticateServerResponse of another
//!   session 8.1/6.1; bad euiccSignature1 8.1/6.1 (§5.6.3);
//! - revoked EUM certificate 8.1.2/6.1 (a CI CRL in the SM-DP+ trust store, §4.5.3; an
//!   eUICC certificate has no CRL of its own here, see the scenario), expired eUICC
//!   certificate 8.1.3/6.3;
//! - profile not eligible: an EUICCInfo2 announcing Profile Package version 3 8.2.5/4.3
//!   (the insufficient-memory rule 8.1/4.8 is `memory_full_is_refused_before_binding` in
//!   download_https.rs).
//!
//! ES2+ without a client certificate (HTTP 403, 1.1/1.1) and one Operator touching another's
//! Profile (8.2.1/3.9) are covered in `crates/rsp-http/tests/es2plus_https.rs`
//! (`operator_identity_comes_from_the_client_certificate`, on SQLite and PostgreSQL through
//! `full_order_lifecycle_and_failures_*`).
//!
//! `no_secret_in_logs_or_database`: one full download on SQLite with debug logs captured;
//! neither the profile's Ki / OPc, nor any PKI private key, nor the session's otSK.DP.ECKA,
//! ShS or session keys (S-ENC, S-MAC) appear in the logs or in the database files (raw, hex,
//! base64).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use rsp_codec::asn1::{
    self, AuthenticateServerResponse, CtxParams1, CtxParamsForCommonAuthentication,
    DownloadErrorCode, Extensions, PrepareDownloadResponse, PrepareDownloadResponseError, Raw,
    TransactionId, VersionType,
};
use rsp_codec::json::es9plus::{
    AuthenticateClientRequest, AuthenticateClientResponse, GetBoundProfilePackageRequest,
    GetBoundProfilePackageResponse, InitiateAuthenticationRequest, InitiateAuthenticationResponse,
};
use rsp_codec::json::{Base64Bytes, TransactionIdHex};
use rsp_codec::tlv::{ensure_tlv, wrap};
use rsp_crypto::{Curve, KeyAgreement, PublicKey, Signer, SoftwareKey};
use rsp_euicc::Isdr;
use rsp_lpa::{Es9PlusClient, LpaError, es10b};
use rsp_pki::{Cert, Crl, Role, TestPkiOptions, TrustStore};
use rsp_smdpp::es9plus::{Credentials, DpCredentials, SigningCredential};
use rsp_smdpp::session::SessionStore;
use rsp_storage::SqlStore;
use rsp_testkit::pg::PgDb;

// --- Fixtures ---

/// One backend with a test PKI; every scenario starts its own SM-DP+(s) on its store.
struct Env {
    dir: TempDir,
    pki: PathBuf,
    store: SqlStore,
    _pg: Option<PgDb>,
}

impl Env {
    async fn sqlite() -> Self {
        let dir = TempDir::new();
        let pki = write_pki(&dir.0, "nist", Curve::NistP256);
        let store = sqlite_store(&dir.0).await;
        Env {
            dir,
            pki,
            store,
            _pg: None,
        }
    }

    async fn postgres() -> Option<Self> {
        let pg = PgDb::create().await?;
        let dir = TempDir::new();
        let pki = write_pki(&dir.0, "nist", Curve::NistP256);
        Some(Env {
            dir,
            pki,
            store: pg.store(key()).await,
            _pg: Some(pg),
        })
    }

    async fn server(&self) -> Server {
        self.server_with(ServerOptions::default()).await
    }

    async fn server_with(&self, options: ServerOptions) -> Server {
        Server::start_on(self.store.clone(), &self.pki, &self.pki, options).await
    }

    fn ca(&self) -> PathBuf {
        self.pki.join("ci.pem")
    }

    /// The LPA library on a virtual eUICC with the credential files of `euicc_dir`.
    fn lpa_in(&self, euicc_dir: &Path) -> rsp_lpa::Lpa<rsp_lpa::ApduChannel<rsp_euicc::Card>> {
        lpa(euicc(euicc_dir), &self.ca())
    }
}

/// A distinct ICCID per scenario (several scenarios may share a database): 18 digits and
/// the Luhn check digit (ITU-T E.118).
fn iccid(n: u32) -> String {
    let body = format!("89490000000009{n:04}");
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                let x = 2 * d;
                x / 10 + x % 10
            } else {
                d
            }
        })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

fn code(subject: &str, reason: &str) -> Option<(String, String)> {
    Some((subject.to_owned(), reason.to_owned()))
}

/// The status code of an ES9+ failure (panics on success).
fn refused<T: std::fmt::Debug>(r: Result<T, LpaError>) -> Option<(String, String)> {
    match r {
        Err(e) => {
            assert!(e.status_code().is_some(), "not an ES9+ status code: {e}");
            e.status_code()
        }
        Ok(v) => panic!("expected a refusal, got {v:?}"),
    }
}

fn matching_id(ac: &str) -> String {
    ac.split('$').nth(2).unwrap().to_owned()
}

/// The ES9+/ES10b steps of §3.1.2-§3.1.3 one by one, against an in-process ISD-R, so that
/// messages can be replayed, reordered or altered.
struct Manual {
    isdr: Isdr,
    es9: Es9PlusClient,
    address: String,
    euicc_key: SoftwareKey,
}

impl Manual {
    fn new(env: &Env, server: &Server) -> Self {
        Manual {
            isdr: euicc(&env.pki).into_isdr(),
            es9: Es9PlusClient::from_ca_files(&[env.ca()]).unwrap(),
            address: server.address.clone(),
            euicc_key: SoftwareKey::from_pem(
                &std::fs::read_to_string(env.pki.join("euicc.key.pem")).unwrap(),
            )
            .unwrap(),
        }
    }

    /// ES10b.GetEUICCInfo1 and GetEUICCChallenge.
    fn challenge(&mut self) -> (Vec<u8>, [u8; 16]) {
        let (info1, _) = es10b::get_euicc_info1(&mut self.isdr).unwrap();
        (info1, es10b::get_euicc_challenge(&mut self.isdr).unwrap())
    }

    /// ES9+.InitiateAuthentication naming `smdp_address`, sent to this server.
    async fn initiate_with(
        &self,
        info1: &[u8],
        challenge: [u8; 16],
        smdp_address: &str,
    ) -> Result<InitiateAuthenticationResponse, LpaError> {
        let request = InitiateAuthenticationRequest {
            euicc_challenge: Base64Bytes::new(challenge.to_vec()),
            euicc_info1: Base64Bytes::new(info1.to_vec()),
            smdp_address: smdp_address.to_owned(),
        };
        self.es9
            .initiate_authentication(&self.address, &request)
            .await
    }

    async fn initiate(&mut self) -> InitiateAuthenticationResponse {
        let (info1, challenge) = self.challenge();
        self.initiate_with(&info1, challenge, &self.address.clone())
            .await
            .expect("initiateAuthentication")
    }

    /// ES10b.AuthenticateServer (§5.7.13): the AuthenticateServerResponse DER.
    fn authenticate_server(&mut self, init: &InitiateAuthenticationResponse, mid: &str) -> Vec<u8> {
        let ctx = CtxParams1::CtxParamsForCommonAuthentication(CtxParamsForCommonAuthentication {
            matching_id: Some(mid.to_owned()),
            device_info: rsp_lpa::device::device_info(None).unwrap(),
            ext: Extensions::default(),
        });
        let request = wrap(
            &[0xBF, 0x38],
            &[
                init.server_signed1.as_bytes(),
                &ensure_tlv(&[0x5F, 0x37], init.server_signature1.as_bytes()),
                &ensure_tlv(&[0x04], init.euicc_ci_pk_id_to_be_used.as_bytes()),
                init.server_certificate.as_bytes(),
                &asn1::encode(&ctx).unwrap(),
            ]
            .concat(),
        );
        let (der, response) = es10b::authenticate_server(&mut self.isdr, &request).unwrap();
        assert!(matches!(
            response,
            AuthenticateServerResponse::AuthenticateResponseOk(_)
        ));
        der
    }

    async fn authenticate_client(
        &self,
        tid: &TransactionIdHex,
        der: &[u8],
    ) -> Result<AuthenticateClientResponse, LpaError> {
        let request = AuthenticateClientRequest {
            transaction_id: tid.clone(),
            authenticate_server_response: Base64Bytes::new(der.to_vec()),
        };
        self.es9.authenticate_client(&self.address, &request).await
    }

    /// ES10b.PrepareDownload (§5.7.5): the PrepareDownloadResponse DER.
    fn prepare_download(
        &mut self,
        client: &AuthenticateClientResponse,
        cc: Option<&str>,
    ) -> Vec<u8> {
        let mut body = client.smdp_signed2.as_bytes().to_vec();
        body.extend(ensure_tlv(&[0x5F, 0x37], client.smdp_signature2.as_bytes()));
        if let Some(cc) = cc {
            let hash =
                rsp_lpa::download::hash_confirmation_code(cc, client.transaction_id.as_bytes());
            body.extend(wrap(&[0x04], &hash));
        }
        body.extend_from_slice(client.smdp_certificate.as_bytes());
        let (der, response) =
            es10b::prepare_download(&mut self.isdr, &wrap(&[0xBF, 0x21], &body)).unwrap();
        assert!(matches!(
            response,
            PrepareDownloadResponse::DownloadResponseOk(_)
        ));
        der
    }

    async fn get_bpp(
        &self,
        tid: &TransactionIdHex,
        der: &[u8],
    ) -> Result<GetBoundProfilePackageResponse, LpaError> {
        let request = GetBoundProfilePackageRequest {
            transaction_id: tid.clone(),
            prepare_download_response: Base64Bytes::new(der.to_vec()),
        };
        self.es9
            .get_bound_profile_package(&self.address, &request)
            .await
    }

    /// `der` with euiccSigned1 changed by `edit` and signed again with the eUICC's key
    /// (euiccSignature1 over euiccSigned1, §5.7.13), as a genuine eUICC would answer.
    fn resign(&self, der: &[u8], edit: impl FnOnce(&mut asn1::EuiccSigned1)) -> Vec<u8> {
        let AuthenticateServerResponse::AuthenticateResponseOk(mut ok) =
            asn1::decode::<AuthenticateServerResponse>(der).unwrap()
        else {
            panic!("not AuthenticateResponseOk");
        };
        let mut signed1 = ok.euicc_signed1.value().clone();
        edit(&mut signed1);
        ok.euicc_signed1 = Raw::new(signed1).unwrap();
        let signature = self.euicc_key.sign_raw(ok.euicc_signed1.raw()).unwrap();
        ok.euicc_signature1 = signature.to_vec().into();
        asn1::encode(&AuthenticateServerResponse::AuthenticateResponseOk(ok)).unwrap()
    }
}

/// A new CERT.EUICC.ECDSA for the eUICC key of `pki` (same EID) issued by its EUM, valid
/// from `not_before` to `not_after`.
fn reissued_euicc_cert(
    pki: &Path,
    not_before: time::OffsetDateTime,
    not_after: time::OffsetDateTime,
) -> Cert {
    let eum = read_cert(&pki.join("eum.pem"));
    let eum_key = read_key(&pki.join("eum.key.pem"));
    let key = read_key(&pki.join("euicc.key.pem"));
    let opts = TestPkiOptions {
        not_before,
        ..TestPkiOptions::default()
    };
    let mut request = rsp_pki::request_for(Role::Euicc, &key, &opts).unwrap();
    request.not_after = Some(not_after);
    rsp_pki::issue(&request, Some(&eum), &eum_key).unwrap()
}

fn read_cert(path: &Path) -> Cert {
    Cert::from_pem(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn read_key(path: &Path) -> SoftwareKey {
    SoftwareKey::from_pem(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The SM-DP+ credentials of `pki` with `crls` in its trust store (§4.5.3).
fn credentials_with_crls(pki: &Path, crls: Vec<Crl>) -> Credentials {
    let ci = read_cert(&pki.join("ci.pem"));
    let mut trust = TrustStore::with_cis([ci.clone()]);
    for crl in crls {
        trust.add_crl(crl);
    }
    let signing = |name: &str| SigningCredential {
        cert: read_cert(&pki.join(format!("{name}.pem"))),
        signer: Arc::new(read_key(&pki.join(format!("{name}.key.pem")))),
    };
    let mut credentials = Credentials::new(trust);
    credentials
        .add(
            &ci,
            DpCredentials {
                dp_auth: signing("dp-auth"),
                dp_pb: signing("dp-pb"),
                sub_cas: Vec::new(),
            },
        )
        .unwrap();
    credentials
}

/// A CRL of the issuer in `pki` (`ci` or `eum`) listing `revoked`.
fn crl(pki: &Path, issuer: &str, revoked: &Cert) -> Crl {
    let now = time::OffsetDateTime::now_utc();
    rsp_pki::issue_crl(
        &read_cert(&pki.join(format!("{issuer}.pem"))),
        &read_key(&pki.join(format!("{issuer}.key.pem"))),
        1,
        &[revoked],
        now - time::Duration::hours(1),
        now + time::Duration::days(1),
    )
    .unwrap()
}

// --- Scenarios (each runs on SQLite and on PostgreSQL, see the macro below) ---

/// §5.6.1: `smdpAddress` other than this SM-DP+'s 8.8.1/3.8, over the same TLS server; an
/// `euiccChallenge` already used 8.1/6.1.
async fn wrong_address_and_reused_challenge(env: &Env) {
    let server = env.server().await;
    let mut m = Manual::new(env, &server);
    let (info1, challenge) = m.challenge();
    for other in ["smdp.other.example", "localhost", "localhost:1"] {
        assert_eq!(
            refused(m.initiate_with(&info1, challenge, other).await),
            code("8.8.1", "3.8"),
            "{other}"
        );
    }
    // The refused calls did not consume the challenge; the second use of it is refused.
    let address = server.address.clone();
    m.initiate_with(&info1, challenge, &address).await.unwrap();
    assert_eq!(
        refused(m.initiate_with(&info1, challenge, &address).await),
        code("8.1", "6.1")
    );
    server.stop().await;
}

/// §5.6.3: a MatchingID no order has 8.2.6/3.8.
async fn unknown_matching_id(env: &Env) {
    let server = env.server().await;
    let mut lpa = env.lpa_in(&env.pki);
    let ac = format!("LPA:1${}$NO-SUCH-ORDER-42", server.address);
    assert_eq!(
        refused(lpa.download(&ac, None, None).await),
        code("8.2.6", "3.8")
    );
    assert!(lpa.list_profiles().unwrap().is_empty());
    server.stop().await;
}

/// §5.6.3: an order bound (ConfirmOrder) to another EID 8.1.1/3.8; the order stays Released.
async fn order_for_another_eid(env: &Env) {
    let server = env.server().await;
    let id = iccid(1);
    let other_eid = rsp_pki::eid_with_check_digits("890490320000000000000000000999").unwrap();
    assert_ne!(other_eid, rsp_pki::DEFAULT_EID);
    let ac = server
        .order_package(&id, profile_package(&id), Some(&other_eid), None)
        .await;
    let mut lpa = env.lpa_in(&env.pki);
    assert_eq!(
        refused(lpa.download(&ac, None, None).await),
        code("8.1.1", "3.8")
    );
    assert_eq!(server.state(&id).await, "Released");
    assert!(lpa.list_profiles().unwrap().is_empty());
    server.stop().await;
}

/// §5.6.2: wrong Confirmation Codes 8.2.7/3.8 until the SM-DP+'s limit, the last one
/// 8.2.7/6.4; the order is then terminated (state Error) and the right code gets nothing.
async fn confirmation_code_lockout(env: &Env) {
    let server = env.server().await;
    let id = iccid(2);
    let ac = server.order(&id, Some("1234")).await;
    let limit = rsp_smdpp::es2plus::Es2PlusConfig::new("x").cc_max_attempts;
    assert!(limit >= 2);
    let mut lpa = env.lpa_in(&env.pki);
    for attempt in 1..=limit {
        let expected = if attempt < limit {
            code("8.2.7", "3.8")
        } else {
            code("8.2.7", "6.4")
        };
        assert_eq!(
            refused(lpa.download(&ac, Some("9999"), None).await),
            expected,
            "attempt {attempt}"
        );
    }
    assert_eq!(server.state(&id).await, "Error");
    // The right code after the lockout: refused at AuthenticateClient with 8.8.5/6.4
    // (download order retries exceeded, SGP.22 §5.6.3), nothing installed.
    let err = lpa.download(&ac, Some("1234"), None).await.unwrap_err();
    match &err {
        LpaError::Es9Failed { function, .. } => assert_eq!(*function, "authenticateClient"),
        other => panic!("{other:?}"),
    }
    assert_eq!(refused::<()>(Err(err)), code("8.8.5", "6.4"));
    assert!(lpa.list_profiles().unwrap().is_empty());
    assert_eq!(server.state(&id).await, "Error");
    server.stop().await;
}

/// A session past its lifetime is unknown: 8.10.1/3.9 at AuthenticateClient and at
/// GetBoundProfilePackage (§5.6.3, §5.6.2).
async fn expired_session(env: &Env) {
    const TTL: Duration = Duration::from_secs(2);
    let server = env
        .server_with(ServerOptions {
            session_ttl: Some(TTL),
            ..ServerOptions::default()
        })
        .await;
    let id = iccid(3);
    let mid = matching_id(&server.order(&id, None).await);

    let mut m = Manual::new(env, &server);
    let init = m.initiate().await;
    let der = m.authenticate_server(&init, &mid);
    tokio::time::sleep(TTL + Duration::from_millis(500)).await;
    assert_eq!(
        refused(m.authenticate_client(&init.transaction_id, &der).await),
        code("8.10.1", "3.9")
    );

    let mut m = Manual::new(env, &server);
    let init = m.initiate().await;
    let der = m.authenticate_server(&init, &mid);
    let client = m
        .authenticate_client(&init.transaction_id, &der)
        .await
        .unwrap();
    let prepared = m.prepare_download(&client, None);
    tokio::time::sleep(TTL + Duration::from_millis(500)).await;
    assert_eq!(
        refused(m.get_bpp(&init.transaction_id, &prepared).await),
        code("8.10.1", "3.9")
    );
    assert_eq!(server.state(&id).await, "Released");
    server.stop().await;
}

/// GetBoundProfilePackage before AuthenticateClient and a replayed AuthenticateClient
/// 8.10.1/3.9 (the session is not at that step); an AuthenticateServerResponse of another
/// session 8.1/6.1 (euiccSigned1 names the other transactionId, §5.6.3). The genuine
/// sequence still completes.
async fn replayed_and_reordered(env: &Env) {
    let server = env.server().await;
    let id = iccid(4);
    let mid = matching_id(&server.order(&id, None).await);
    let mut m = Manual::new(env, &server);
    let init = m.initiate().await;

    // Reordered: GetBoundProfilePackage right after InitiateAuthentication.
    let early = asn1::encode(&PrepareDownloadResponse::DownloadResponseError(
        PrepareDownloadResponseError {
            transaction_id: TransactionId(init.transaction_id.as_bytes().to_vec().into()),
            download_error_code: DownloadErrorCode::UNDEFINED_ERROR,
            ext: Extensions::default(),
        },
    ))
    .unwrap();
    assert_eq!(
        refused(m.get_bpp(&init.transaction_id, &early).await),
        code("8.10.1", "3.9")
    );

    // Another session's response sent in this one: its euiccSigned1 names the other
    // transaction, 8.10.1/3.9 (SGP.22 §5.6.3, checked after the signature).
    let mut other = Manual::new(env, &server);
    let other_init = other.initiate().await;
    let other_der = other.authenticate_server(&other_init, &mid);
    assert_eq!(
        refused(
            m.authenticate_client(&init.transaction_id, &other_der)
                .await
        ),
        code("8.10.1", "3.9")
    );

    // Replay: the same AuthenticateClient twice.
    let der = m.authenticate_server(&init, &mid);
    let client = m
        .authenticate_client(&init.transaction_id, &der)
        .await
        .unwrap();
    assert_eq!(
        refused(m.authenticate_client(&init.transaction_id, &der).await),
        code("8.10.1", "3.9")
    );
    // The genuine sequence goes on after the refusals.
    let prepared = m.prepare_download(&client, None);
    let bpp = m.get_bpp(&init.transaction_id, &prepared).await.unwrap();
    assert!(!bpp.bound_profile_package.as_bytes().is_empty());
    assert_eq!(server.state(&id).await, "Downloaded");
    server.stop().await;
}

/// §5.6.3: euiccSignature1 with one byte flipped 8.1/6.1; so is euiccSigned1 altered under
/// the original signature.
async fn bad_euicc_signature(env: &Env) {
    let server = env.server().await;
    let id = iccid(5);
    let mid = matching_id(&server.order(&id, None).await);
    let mut m = Manual::new(env, &server);
    let init = m.initiate().await;
    let der = m.authenticate_server(&init, &mid);
    let AuthenticateServerResponse::AuthenticateResponseOk(ok) =
        asn1::decode::<AuthenticateServerResponse>(&der).unwrap()
    else {
        panic!("not ok");
    };
    let mut flipped = ok.clone();
    let mut sig = flipped.euicc_signature1.to_vec();
    sig[10] ^= 0x01;
    flipped.euicc_signature1 = sig.into();
    let bad = asn1::encode(&AuthenticateServerResponse::AuthenticateResponseOk(flipped)).unwrap();
    assert_ne!(bad, der);
    assert_eq!(
        refused(m.authenticate_client(&init.transaction_id, &bad).await),
        code("8.1", "6.1")
    );
    // euiccSigned1 altered (serverAddress), signature unchanged.
    let mut altered = ok.clone();
    let mut signed1 = altered.euicc_signed1.value().clone();
    signed1.server_address = "smdp.other.example".into();
    altered.euicc_signed1 = Raw::new(signed1).unwrap();
    let bad = asn1::encode(&AuthenticateServerResponse::AuthenticateResponseOk(altered)).unwrap();
    assert_eq!(
        refused(m.authenticate_client(&init.transaction_id, &bad).await),
        code("8.1", "6.1")
    );
    assert_eq!(server.state(&id).await, "Released");
    server.stop().await;
}

/// §5.6.3 with a CI CRL (§4.5.3) in the SM-DP+ trust store: CERT.EUM listed 8.1.2/6.1,
/// while a CRL of the same CI listing another certificate lets the download through (the
/// CRL is verified and checked, not merely present). An expired CERT.EUICC 8.1.3/6.3.
///
/// CERT.EUICC itself cannot be revoked here: only its issuer's (the EUM's) CRL would list
/// it, and the EUM certificate carries keyUsage keyCertSign only (SGP.22 §4.5.2.1.0.2, as
/// the test PKI issues it), so an EUM-signed CRL is rejected by the trust store.
async fn revoked_and_expired_certificates(env: &Env) {
    let now = time::OffsetDateTime::now_utc();
    let eum_cert = read_cert(&env.pki.join("eum.pem"));
    let unrelated = read_cert(&env.pki.join("dp-tls.pem"));

    for (revoked, expected) in [(&unrelated, None), (&eum_cert, code("8.1.2", "6.1"))] {
        let server = env
            .server_with(ServerOptions {
                credentials: Some(credentials_with_crls(
                    &env.pki,
                    vec![crl(&env.pki, "ci", revoked)],
                )),
                ..ServerOptions::default()
            })
            .await;
        let id = iccid(if expected.is_none() { 6 } else { 7 });
        let ac = server.order(&id, None).await;
        let result = env.lpa_in(&env.pki).download(&ac, None, None).await;
        match expected {
            None => assert!(result.unwrap().is_success()),
            Some(_) => {
                assert_eq!(refused(result), expected);
                assert_eq!(server.state(&id).await, "Released");
            }
        }
        server.stop().await;
    }

    // An eUICC certificate that expired yesterday, for the key the eUICC signs with (the
    // virtual eUICC refuses to start with an expired certificate: it is swapped into the
    // AuthenticateServerResponse, outside euiccSigned1, so euiccSignature1 stays valid).
    let server = env.server().await;
    let id = iccid(8);
    let mid = matching_id(&server.order(&id, None).await);
    let expired = reissued_euicc_cert(
        &env.pki,
        now - time::Duration::days(2),
        now - time::Duration::days(1),
    );
    // The same swap with a certificate valid now is accepted (another session).
    let valid = reissued_euicc_cert(
        &env.pki,
        now - time::Duration::hours(1),
        now + time::Duration::days(1),
    );
    for (cert, expected) in [(&expired, code("8.1.3", "6.3")), (&valid, None)] {
        let mut m = Manual::new(env, &server);
        let init = m.initiate().await;
        let der = with_euicc_certificate(&m.authenticate_server(&init, &mid), cert);
        let result = m.authenticate_client(&init.transaction_id, &der).await;
        match expected {
            Some(_) => {
                assert_eq!(refused(result), expected);
                assert_eq!(server.state(&id).await, "Released");
            }
            None => assert!(result.is_ok(), "{result:?}"),
        }
    }
    server.stop().await;
}

/// An AuthenticateServerResponse with CERT.EUICC.ECDSA replaced by `cert`.
fn with_euicc_certificate(der: &[u8], cert: &Cert) -> Vec<u8> {
    let AuthenticateServerResponse::AuthenticateResponseOk(mut ok) =
        asn1::decode::<AuthenticateServerResponse>(der).unwrap()
    else {
        panic!("not AuthenticateResponseOk");
    };
    ok.euicc_certificate = asn1::Certificate::from_der(cert.der()).unwrap();
    asn1::encode(&AuthenticateServerResponse::AuthenticateResponseOk(ok)).unwrap()
}

/// §3.1.3.1 eligibility check at AuthenticateClient: an eUICC announcing (signed, in
/// EUICCInfo2) Profile Package version 1.0.0, lower than this SM-DP+'s v2 packages,
/// 8.2.5/4.3; a v3.0.0 eUICC takes them (its highest version is not exceeded). The same
/// re-signing without the change is accepted.
async fn profile_not_eligible(env: &Env) {
    let server = env.server().await;
    let id = iccid(9);
    let mid = matching_id(&server.order(&id, None).await);
    let mut m = Manual::new(env, &server);
    let init = m.initiate().await;
    let der = m.authenticate_server(&init, &mid);
    let v1 = m.resign(&der, |s| {
        s.euicc_info2.profile_version = VersionType::from_parts(1, 0, 0);
    });
    assert_eq!(
        refused(m.authenticate_client(&init.transaction_id, &v1).await),
        code("8.2.5", "4.3")
    );
    assert_eq!(server.state(&id).await, "Released");

    let mut m = Manual::new(env, &server);
    let init = m.initiate().await;
    let der = m.authenticate_server(&init, &mid);
    let v3 = m.resign(&der, |s| {
        s.euicc_info2.profile_version = VersionType::from_parts(3, 0, 0);
    });
    m.authenticate_client(&init.transaction_id, &v3)
        .await
        .unwrap();

    let mut m = Manual::new(env, &server);
    let init = m.initiate().await;
    let der = m.authenticate_server(&init, &mid);
    let same = m.resign(&der, |_| {});
    m.authenticate_client(&init.transaction_id, &same)
        .await
        .expect("re-signed unchanged response");
    server.stop().await;
}

macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let env = super::Env::sqlite().await;
                    super::$name(&env).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(env) = super::Env::postgres().await else { return };
                    super::$name(&env).await;
                }
            )*
        }
    };
}

on_both_backends!(
    wrong_address_and_reused_challenge,
    unknown_matching_id,
    order_for_another_eid,
    confirmation_code_lockout,
    expired_session,
    replayed_and_reordered,
    bad_euicc_signature,
    revoked_and_expired_certificates,
    profile_not_eligible,
);

// --- Secrets ---

/// A `Write` into a shared buffer (the captured log).
#[derive(Clone)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn random_bytes(n: usize) -> Vec<u8> {
    let mut b = vec![0u8; n];
    getrandom::fill(&mut b).unwrap();
    b
}

/// The EC private scalar of a PKCS#8 key (ECPrivateKey: `02 01 01 04 20 <d>`).
fn scalar(pkcs8: &[u8]) -> Vec<u8> {
    let at = pkcs8
        .windows(5)
        .position(|w| w == [0x02, 0x01, 0x01, 0x04, 0x20])
        .expect("ECPrivateKey");
    pkcs8[at + 5..at + 37].to_vec()
}

/// Standard base64 (through the codec's JSON type, no extra dependency).
fn b64(bytes: &[u8]) -> String {
    serde_json::to_value(Base64Bytes::new(bytes.to_vec()))
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned()
}

/// The encodings `secret` could take in text or bytes: raw, hex (both cases), and base64
/// at the three byte alignments (edge characters that depend on neighbours removed).
fn encodings(secret: &[u8]) -> Vec<Vec<u8>> {
    let mut out = vec![
        secret.to_vec(),
        hex::encode(secret).into_bytes(),
        hex::encode_upper(secret).into_bytes(),
    ];
    for shift in 0..3usize {
        let mut shifted = vec![0u8; shift];
        shifted.extend_from_slice(secret);
        let text = b64(&shifted);
        let skip = [0, 2, 3][shift];
        let core = text.trim_end_matches('=');
        out.push(core.as_bytes()[skip..core.len() - 3].to_vec());
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Fails if any encoding of any secret is in `haystack`.
fn assert_absent(what: &str, haystack: &[u8], secrets: &[(String, Vec<u8>)]) {
    for (name, secret) in secrets {
        for (i, e) in encodings(secret).iter().enumerate() {
            assert!(!find(haystack, e), "{name} (encoding {i}) found in {what}");
        }
    }
}

fn sqlite_files(dir: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        if let Ok(b) = std::fs::read(dir.join(format!("smdpp.sqlite{suffix}"))) {
            all.extend(b);
        }
    }
    all
}

/// No Ki, OPc, private key, otSK.DP.ECKA, ShS or session key in the logs (debug level) or in
/// the SQLite files, during and after a full download (SGP.22 §2.6.6: the SM-DP+ protects
/// Profile data and keys; the store seals packages and otSK.DP with its data key).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_in_logs_or_database() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let writer = Capture(log.clone());
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let env = Env::sqlite().await;
    let server = env.server().await;
    let id = iccid(10);
    let (ki, opc) = (random_bytes(16), random_bytes(16));
    let template = rsp_saip::template::generic().encode().unwrap();
    let mut p = rsp_saip::Personalisation::default();
    p.set("iccid", &id).unwrap();
    p.set("ki", &hex::encode(&ki)).unwrap();
    p.set("opc", &hex::encode(&opc)).unwrap();
    let package = rsp_saip::patch::personalise_der(&template, &p).unwrap();
    assert!(
        find(&package, &ki) && find(&package, &opc),
        "Ki/OPc in the package"
    );
    let ac = server.order_package(&id, package, None, Some("7777")).await;

    let mut secrets = vec![("Ki".to_owned(), ki), ("OPc".to_owned(), opc)];
    for entry in std::fs::read_dir(&env.pki).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if let Some(role) = name.strip_suffix(".key.pem") {
            let pkcs8 = read_key(&path).to_pkcs8_der().to_vec();
            secrets.push((format!("{role} private key"), scalar(&pkcs8)));
            secrets.push((format!("{role} PKCS#8"), pkcs8));
        }
    }
    assert!(secrets.iter().any(|(n, _)| n == "dp-pb private key"));
    assert!(secrets.iter().any(|(n, _)| n == "euicc private key"));

    // The download, with the installation notification held back so that the session (and
    // its sealed otSK.DP.ECKA) is still there.
    let es9 = Es9PlusClient::from_ca_files(&[env.ca()]).unwrap();
    let mut lpa = rsp_lpa::Lpa::new(rsp_lpa::ApduChannel::open(euicc(&env.pki)).unwrap(), es9)
        .with_auto_notify(false);
    let result = lpa.download(&ac, Some("7777"), None).await.unwrap();
    assert!(result.is_success(), "{result:?}");
    let tid = hex::decode(&result.transaction_id).unwrap();
    let session = server.store.get_session(&tid).await.unwrap().unwrap();
    let otsk = session
        .otsk_dp
        .as_ref()
        .expect("otSK.DP kept until the result");
    let otsk_key = SoftwareKey::from_pkcs8_der(otsk.expose()).unwrap();
    let otpk = PublicKey::from_sec1(Curve::NistP256, session.euicc_otpk.as_ref().unwrap()).unwrap();
    let shs = otsk_key.ecka(&otpk).unwrap();
    let eid = rsp_smdpp::es9plus::eid_bytes(session.eid.as_ref().unwrap()).unwrap();
    let keys = rsp_crypto::kdf::derive_session_keys(
        &shs,
        &rsp_crypto::kdf::ControlReferenceTemplate::aes128(b"SMDPP"),
        &eid,
    )
    .unwrap();
    secrets.push(("otSK.DP.ECKA".into(), scalar(otsk.expose())));
    secrets.push(("otSK.DP.ECKA PKCS#8".into(), otsk.expose().to_vec()));
    secrets.push(("ShS".into(), shs.as_bytes().to_vec()));
    secrets.push(("S-ENC".into(), keys.s_enc().to_vec()));
    secrets.push(("S-MAC".into(), keys.s_mac().to_vec()));
    assert_absent(
        "the database (session open)",
        &sqlite_files(&env.dir.0),
        &secrets,
    );

    // The installation result closes the session.
    let done = lpa.process_notifications().await.unwrap();
    assert!(done.iter().all(|n| n.delivered), "{done:?}");
    assert_eq!(server.state(&id).await, "Installed");
    let closed = server.store.get_session(&tid).await.unwrap().unwrap();
    assert!(closed.otsk_dp.is_none(), "otSK.DP.ECKA erased");
    server.stop().await;
    assert_absent("the database", &sqlite_files(&env.dir.0), &secrets);

    let text = log.lock().unwrap().clone();
    let shown = String::from_utf8_lossy(&text);
    assert!(shown.contains("ES9+ request"), "debug logs captured");
    assert_absent("the logs", &text, &secrets);
}
