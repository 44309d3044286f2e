//! SGP.23 §4.3.12–§4.3.16, the ES9+ test cases of the SM-DP+ (SGP.22 v2.5 §5.6), each over
//! real HTTPS on both bindings (JSON §6.5.2, ASN.1 §6.6), on SQLite and PostgreSQL, with
//! eUICCs of both curves where the curve matters. The SM-DP+ holds the NIST and the
//! brainpool credentials of two test PKIs at once, as a production SM-DP+ serving every
//! eUICC does; a second one on the same database holds the NIST set only.
//!
//! The eUICC is the test-side one of `rsp_testkit::euicc_sim`, which checks every SM-DP+
//! signature and opens the BPP with its own code.

mod authenticate_client;
mod cancel_session;
mod get_bound_profile_package;
mod handle_notification;
mod initiate_authentication;

use base64::Engine;
use rsp_codec::asn1::{
    self, AuthenticateClientOk, AuthenticateClientResponseEs9, BoundProfilePackage,
    CancelSessionResponseEs9, GetBoundProfilePackageResponse, InitiateAuthenticationOkEs9,
    InitiateAuthenticationResponse, RemoteProfileProvisioningResponse as R,
};
use rsp_crypto::Curve;
use rsp_crypto::scp03t::encode_tlv;
use rsp_pki::Cert;
use rsp_smdpp::es2plus::{Es2Plus, Es2PlusConfig};
use rsp_smdpp::store::InventoryStore;
use rsp_smdpp::{NewProfile, ProfilePackage, ProfileState};
use rsp_testkit::euicc_sim::Euicc;
use rsp_testkit::pg::PgDb;
use serde_json::{Value, json};

use crate::common::es9_asn1 as wire;
use crate::common::*;

/// Runs `case` on a fresh SQLite fixture and on a fresh PostgreSQL one (skipped, as every
/// PostgreSQL test here, when PostgreSQL is unreachable outside CI).
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let fx = super::super::Fx::new(false).await.unwrap();
                super::$name(&fx).await;
                fx.stop().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(fx) = super::super::Fx::new(true).await else {
                    return;
                };
                super::$name(&fx).await;
                fx.stop().await;
            }
        }
    )*};
}
pub(crate) use on_both_backends;

/// The two ES9+ bindings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binding {
    /// JSON over `/gsma/rsp2/es9plus/{function}` (§6.5.2).
    Json,
    /// ASN.1 over `/gsma/rsp2/asn1` (§6.6).
    Asn1,
}

pub const BINDINGS: [Binding; 2] = [Binding::Json, Binding::Asn1];
pub const CURVES: [Curve; 2] = [Curve::NistP256, Curve::BrainpoolP256r1];

/// A refused call: the JSON binding's status code, or the ASN.1 binding's error INTEGER.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    Json(String, String),
    Asn1(i64),
}

/// Asserts that `result` is the refusal `subject`/`reason` (JSON) or `asn1` (ASN.1).
#[track_caller]
pub fn assert_refused<T: std::fmt::Debug>(
    b: Binding,
    result: Result<T, Refused>,
    (subject, reason): (&str, &str),
    asn1: i64,
) {
    let want = match b {
        Binding::Json => Refused::Json(subject.into(), reason.into()),
        Binding::Asn1 => Refused::Asn1(asn1),
    };
    match result {
        Err(got) => assert_eq!(got, want, "{b:?}"),
        Ok(v) => panic!("{b:?}: expected {want:?}, got success {v:?}"),
    }
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn unb64(v: &Value) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(v.as_str().unwrap())
        .unwrap()
}

/// The JSON binding's answer: the body on success, else the refusal.
fn json_result(http: u16, body: Value) -> Result<Value, Refused> {
    let (status, subject, reason) = outcome(&body);
    if status == "Executed-Success" {
        assert_eq!(http, 200, "{body}");
        Ok(body)
    } else {
        Err(Refused::Json(subject, reason))
    }
}

/// A SEQUENCE of the given DER parts.
fn sequence(parts: &[&[u8]]) -> Vec<u8> {
    encode_tlv(&[0x30], &parts.concat())
}

/// The SM-DP+ on one database, with the LPA's HTTPS client.
pub struct Fx {
    /// NIST and brainpool ES9+ credentials.
    pub server: Server,
    /// The NIST credentials only, same database.
    pub nist_only: Server,
    pub lpa: reqwest::Client,
    pub nist: Pki,
    pub brainpool: Pki,
    _pg: Option<PgDb>,
}

impl Fx {
    pub async fn new(postgres: bool) -> Option<Self> {
        let nist = Pki::generate_on(Curve::NistP256);
        let brainpool = Pki::generate_on(Curve::BrainpoolP256r1);
        let (store, pg) = if postgres {
            let (store, pg) = postgres_store().await?;
            (store, Some(pg))
        } else {
            (sqlite_store(&nist.dir.0).await, None)
        };
        let server = Server::start_with(&nist, &[&nist, &brainpool], store.clone()).await;
        let nist_only = Server::start_with(&nist, &[&nist], store).await;
        Some(Self {
            server,
            nist_only,
            lpa: nist.client(None),
            nist,
            brainpool,
            _pg: pg,
        })
    }

    pub async fn stop(self) {
        self.server.stop().await;
        self.nist_only.stop().await;
    }

    pub fn pki(&self, curve: Curve) -> &Pki {
        match curve {
            Curve::NistP256 => &self.nist,
            _ => &self.brainpool,
        }
    }

    /// The test eUICC of `curve`'s PKI.
    pub fn euicc(&self, curve: Curve) -> Euicc {
        Euicc::from_dir(&self.pki(curve).dir.0)
    }

    /// Subject key identifier of `curve`'s CI.
    pub fn ci_id(&self, curve: Curve) -> Vec<u8> {
        self.cert(curve, "ci.pem")
            .subject_key_id()
            .unwrap()
            .to_vec()
    }

    pub fn cert(&self, curve: Curve, name: &str) -> Cert {
        Cert::from_pem(&std::fs::read_to_string(self.pki(curve).path(name)).unwrap()).unwrap()
    }

    /// Imports `package` as `iccid` and orders it, released, for `eid` with `matching_id`
    /// and an optional Confirmation Code (ES2+ in-process).
    pub async fn order(
        &self,
        iccid: &str,
        package: Vec<u8>,
        eid: &str,
        matching_id: &str,
        cc: Option<&str>,
    ) {
        let mut profile: NewProfile = new_profile(iccid, OPERATOR, "T1");
        profile.package = ProfilePackage::new(package);
        self.server.store.import(&[profile]).await.unwrap();
        let es2 = Es2Plus::new(self.server.store.clone(), Es2PlusConfig::new(SMDP_ADDRESS));
        download_and_confirm(&es2, iccid, eid, matching_id, cc).await;
    }

    /// The eUICC of `curve` and a released order for it (ICCID [`iccid`]`(n)`, MatchingID
    /// `{label}-{n}`) of a SAIP v2.3 package: `(eUICC, ICCID, MatchingID)`.
    pub async fn ordered(
        &self,
        curve: Curve,
        n: u32,
        label: &str,
        cc: Option<&str>,
    ) -> (Euicc, String, String) {
        let euicc = self.euicc(curve);
        let (id, mid) = (iccid(n), format!("{label}-{n}"));
        let package = package_of_version(2, 3);
        self.order(&id, package, &euicc.eid, &mid, cc).await;
        (euicc, id, mid)
    }

    pub async fn state(&self, iccid: &str) -> ProfileState {
        wire::state(&self.server, iccid).await
    }

    // ------------------------------------------------------------ the five functions

    /// ES9+.InitiateAuthentication with `euicc`'s current challenge and EUICCInfo1.
    pub async fn initiate(
        &self,
        server: &Server,
        b: Binding,
        euicc: &Euicc,
    ) -> Result<InitiateAuthenticationOkEs9, Refused> {
        match b {
            Binding::Json => {
                let (http, body) = es9(
                    &self.lpa,
                    server,
                    "initiateAuthentication",
                    json!({
                        "euiccChallenge": b64(&euicc.challenge),
                        "euiccInfo1": b64(&euicc.info1()),
                        "smdpAddress": SMDP_ADDRESS,
                    }),
                )
                .await;
                let body = json_result(http, body)?;
                // The JSON fields are the DER parts of InitiateAuthenticationOkEs9 (§6.5.2.6).
                let tid = hex::decode(body["transactionId"].as_str().unwrap()).unwrap();
                let der = sequence(&[
                    &encode_tlv(&[0x80], &tid),
                    &unb64(&body["serverSigned1"]),
                    &unb64(&body["serverSignature1"]),
                    &unb64(&body["euiccCiPKIdToBeUsed"]),
                    &unb64(&body["serverCertificate"]),
                ]);
                Ok(asn1::decode(&der).unwrap())
            }
            Binding::Asn1 => {
                let request =
                    wire::initiate_authentication(&euicc.challenge, SMDP_ADDRESS, &euicc.info1());
                match wire::call(&self.lpa, server, request).await {
                    R::InitiateAuthenticationResponse(
                        InitiateAuthenticationResponse::InitiateAuthenticationOk(ok),
                    ) => Ok(*ok),
                    R::InitiateAuthenticationResponse(
                        InitiateAuthenticationResponse::InitiateAuthenticationError(e),
                    ) => Err(Refused::Asn1(e.0)),
                    other => panic!("{other:?}"),
                }
            }
        }
    }

    /// ES9+.AuthenticateClient with the eUICC's AuthenticateServerResponse.
    pub async fn authenticate(
        &self,
        b: Binding,
        tid: &[u8],
        authenticate_server_response: &[u8],
    ) -> Result<AuthenticateClientOk, Refused> {
        match b {
            Binding::Json => {
                let (http, body) = es9(
                    &self.lpa,
                    &self.server,
                    "authenticateClient",
                    json!({
                        "transactionId": hex::encode_upper(tid),
                        "authenticateServerResponse": b64(authenticate_server_response),
                    }),
                )
                .await;
                let body = json_result(http, body)?;
                let tid = hex::decode(body["transactionId"].as_str().unwrap()).unwrap();
                let der = sequence(&[
                    &encode_tlv(&[0x80], &tid),
                    &unb64(&body["profileMetadata"]),
                    &unb64(&body["smdpSigned2"]),
                    &unb64(&body["smdpSignature2"]),
                    &unb64(&body["smdpCertificate"]),
                ]);
                Ok(asn1::decode(&der).unwrap())
            }
            Binding::Asn1 => {
                let request = wire::authenticate_client(tid, authenticate_server_response);
                match wire::call(&self.lpa, &self.server, request).await {
                    R::AuthenticateClientResponseEs9(
                        AuthenticateClientResponseEs9::AuthenticateClientOk(ok),
                    ) => Ok(*ok),
                    R::AuthenticateClientResponseEs9(
                        AuthenticateClientResponseEs9::AuthenticateClientError(e),
                    ) => Err(Refused::Asn1(e.0)),
                    other => panic!("{other:?}"),
                }
            }
        }
    }

    /// ES9+.GetBoundProfilePackage with the eUICC's PrepareDownloadResponse.
    pub async fn bpp(
        &self,
        b: Binding,
        tid: &[u8],
        prepare_download_response: &[u8],
    ) -> Result<BoundProfilePackage, Refused> {
        match b {
            Binding::Json => {
                let (http, body) = es9(
                    &self.lpa,
                    &self.server,
                    "getBoundProfilePackage",
                    json!({
                        "transactionId": hex::encode_upper(tid),
                        "prepareDownloadResponse": b64(prepare_download_response),
                    }),
                )
                .await;
                let body = json_result(http, body)?;
                Ok(asn1::decode(&unb64(&body["boundProfilePackage"])).unwrap())
            }
            Binding::Asn1 => {
                let request = wire::get_bound_profile_package(tid, prepare_download_response);
                match wire::call(&self.lpa, &self.server, request).await {
                    R::GetBoundProfilePackageResponse(
                        GetBoundProfilePackageResponse::GetBoundProfilePackageOk(ok),
                    ) => Ok(ok.bound_profile_package),
                    R::GetBoundProfilePackageResponse(
                        GetBoundProfilePackageResponse::GetBoundProfilePackageError(e),
                    ) => Err(Refused::Asn1(e.0)),
                    other => panic!("{other:?}"),
                }
            }
        }
    }

    /// ES9+.CancelSession with the eUICC's CancelSessionResponse.
    pub async fn cancel(
        &self,
        b: Binding,
        tid: &[u8],
        cancel_session_response: &[u8],
    ) -> Result<(), Refused> {
        match b {
            Binding::Json => {
                let (http, body) = es9(
                    &self.lpa,
                    &self.server,
                    "cancelSession",
                    json!({
                        "transactionId": hex::encode_upper(tid),
                        "cancelSessionResponse": b64(cancel_session_response),
                    }),
                )
                .await;
                json_result(http, body).map(drop)
            }
            Binding::Asn1 => {
                let request = wire::cancel_session(tid, cancel_session_response);
                match wire::call(&self.lpa, &self.server, request).await {
                    R::CancelSessionResponseEs9(CancelSessionResponseEs9::CancelSessionOk(_)) => {
                        Ok(())
                    }
                    R::CancelSessionResponseEs9(CancelSessionResponseEs9::CancelSessionError(
                        e,
                    )) => Err(Refused::Asn1(e.0)),
                    other => panic!("{other:?}"),
                }
            }
        }
    }

    /// ES9+.HandleNotification: HTTP 204 without body on both bindings (§6.5.2.9, §6.6).
    pub async fn notify(&self, b: Binding, pending_notification: &[u8]) {
        let status = match b {
            Binding::Json => {
                let resp = self
                    .lpa
                    .post(format!(
                        "{}/gsma/rsp2/es9plus/handleNotification",
                        self.server.base()
                    ))
                    .header("Content-Type", "application/json")
                    .header("X-Admin-Protocol", "gsma/rsp/v2.2.0")
                    .body(json!({"pendingNotification": b64(pending_notification)}).to_string())
                    .send()
                    .await
                    .unwrap();
                resp.status().as_u16()
            }
            Binding::Asn1 => {
                let a = wire::post(
                    &self.lpa,
                    &self.server,
                    wire::ASN1,
                    Some("gsma/rsp/v2.2.0"),
                    wire::handle_notification(pending_notification),
                )
                .await;
                a.status
            }
        };
        assert_eq!(status, 204, "{b:?}");
    }

    /// InitiateAuthentication (ASN.1: the binding of the step is not under test) and
    /// AuthenticateClient over `b`, with a fresh challenge. Returns the transactionId too.
    pub async fn authenticate_fresh(
        &self,
        b: Binding,
        euicc: &mut Euicc,
        matching_id: &str,
    ) -> (Vec<u8>, Result<AuthenticateClientOk, Refused>) {
        euicc.new_challenge();
        let init = self
            .initiate(&self.server, Binding::Asn1, euicc)
            .await
            .unwrap();
        let tid = init.transaction_id.as_bytes().to_vec();
        let asr = euicc.authenticate_server(&init, Some(matching_id));
        (tid.clone(), self.authenticate(b, &tid, &asr).await)
    }
}

/// A Profile Package starting with a ProfileHeader of SAIP `major.minor` (TCA eUICC
/// Profile Package §8.2: `A0 { 80 major, 81 minor, … }`).
pub fn package_of_version(major: u8, minor: u8) -> Vec<u8> {
    vec![0xA0, 0x06, 0x80, 0x01, major, 0x81, 0x01, minor]
}

/// ICCIDs of one test: `89490000000000` + a 4-digit serial + a Luhn check digit.
pub fn iccid(n: u32) -> String {
    let body = format!("89490000000000{n:04}");
    let sum: u32 = body
        .chars()
        .rev()
        .enumerate()
        .map(|(i, c)| {
            let d = c.to_digit(10).unwrap();
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}
