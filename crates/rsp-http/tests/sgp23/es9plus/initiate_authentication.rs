//! SGP.23 §4.3.12 ES9+.InitiateAuthentication (SGP.22 v2.5 §5.6.1): the SVN check, then
//! the CI checks in the order of §5.6.1 — a CI the eUICC can sign with that the SM-DP+
//! trusts (else 8.8.2/3.1), then a CERT.DPauth under a CI the eUICC can verify (else
//! 8.8.4/3.7).

use rsp_codec::asn1::InitiateAuthenticationError as E;
use rsp_crypto::Curve;
use rsp_testkit::euicc_sim::CiLists;

use super::{BINDINGS, CURVES, Fx, assert_refused, on_both_backends};

on_both_backends!(
    tc_initiate_authentication_nominal,
    tc_initiate_authentication_unsupported_svn,
    tc_initiate_authentication_ci_lists,
);

/// Nominal: an eUICC of either curve gets serverSigned1 signed with the DPauth of its CI.
async fn tc_initiate_authentication_nominal(fx: &Fx) {
    for b in BINDINGS {
        for curve in CURVES {
            let mut euicc = fx.euicc(curve);
            euicc.new_challenge();
            let ok = fx.initiate(&fx.server, b, &euicc).await.unwrap();
            let dp_auth = fx.cert(curve, "dp-auth.pem");
            assert_eq!(
                ok.server_certificate.as_der(),
                dp_auth.der(),
                "{b:?} {curve:?}"
            );
            dp_auth
                .public_key()
                .verify_raw(ok.server_signed1.raw(), &ok.server_signature1)
                .unwrap();
            assert_eq!(ok.euicc_ci_pk_id_to_be_used.as_ref(), fx.ci_id(curve));
            assert_eq!(
                ok.server_signed1.value().euicc_challenge.as_bytes(),
                &euicc.challenge
            );
        }
    }
}

/// An SVN this SM-DP+ (SGP.22 v2.x) does not serve: 8.8.3/3.1,
/// euiccVersionNotSupportedByDp(2). Any 2.x is served.
async fn tc_initiate_authentication_unsupported_svn(fx: &Fx) {
    for b in BINDINGS {
        let mut euicc = fx.euicc(Curve::NistP256);
        for svn in [[1, 0, 0], [3, 0, 0]] {
            euicc.svn = svn;
            euicc.new_challenge();
            let r = fx.initiate(&fx.server, b, &euicc).await;
            assert_refused(
                b,
                r,
                ("8.8.3", "3.1"),
                E::EUICC_VERSION_NOT_SUPPORTED_BY_DP.0,
            );
        }
        for svn in [[2, 0, 0], [2, 5, 0]] {
            euicc.svn = svn;
            euicc.new_challenge();
            fx.initiate(&fx.server, b, &euicc).await.unwrap();
        }
    }
}

/// The CI key lists (§5.6.1). Verification by brainpool only, signing by NIST only: the
/// SM-DP+ holding both sets signs with its brainpool DPauth and names the NIST CI as
/// `euiccCiPKIdToBeUsed` (each list has a usable CI, so neither check fails); the one with
/// the NIST set only has no DPauth the eUICC can verify, 8.8.4/3.7. Nothing trusted to sign
/// with: 8.8.2/3.1, checked first. Both map to ciPKNotSupported(3) on the ASN.1 binding.
async fn tc_initiate_authentication_ci_lists(fx: &Fx) {
    let nist = fx.ci_id(Curve::NistP256);
    let brainpool = fx.ci_id(Curve::BrainpoolP256r1);
    let unknown = vec![0xEE; 20];
    for b in BINDINGS {
        let mut euicc = fx.euicc(Curve::NistP256);
        euicc.ci_lists = Some(CiLists {
            verification: vec![brainpool.clone()],
            signing: vec![nist.clone()],
        });
        euicc.new_challenge();
        let ok = fx.initiate(&fx.server, b, &euicc).await.unwrap();
        let dp_auth = fx.cert(Curve::BrainpoolP256r1, "dp-auth.pem");
        assert_eq!(ok.server_certificate.as_der(), dp_auth.der());
        assert_eq!(ok.euicc_ci_pk_id_to_be_used.as_ref(), nist.as_slice());

        euicc.new_challenge();
        let r = fx.initiate(&fx.nist_only, b, &euicc).await;
        assert_refused(b, r, ("8.8.4", "3.7"), E::CI_PK_NOT_SUPPORTED.0);

        // A CI in both lists wins over the eUICC's first verification CI.
        euicc.ci_lists = Some(CiLists {
            verification: vec![nist.clone(), brainpool.clone()],
            signing: vec![brainpool.clone()],
        });
        euicc.new_challenge();
        let ok = fx.initiate(&fx.server, b, &euicc).await.unwrap();
        assert_eq!(ok.server_certificate.as_der(), dp_auth.der());
        assert_eq!(ok.euicc_ci_pk_id_to_be_used.as_ref(), brainpool.as_slice());

        for signing in [vec![unknown.clone()], vec![]] {
            euicc.ci_lists = Some(CiLists {
                verification: vec![nist.clone()],
                signing,
            });
            euicc.new_challenge();
            let r = fx.initiate(&fx.server, b, &euicc).await;
            assert_refused(b, r, ("8.8.2", "3.1"), E::CI_PK_NOT_SUPPORTED.0);
        }
        euicc.ci_lists = Some(CiLists {
            verification: vec![unknown.clone()],
            signing: vec![nist.clone()],
        });
        euicc.new_challenge();
        let r = fx.initiate(&fx.server, b, &euicc).await;
        assert_refused(b, r, ("8.8.4", "3.7"), E::CI_PK_NOT_SUPPORTED.0);
    }
}
