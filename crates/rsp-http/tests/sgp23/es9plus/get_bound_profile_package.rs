//! SGP.23 §4.3.13 ES9+.GetBoundProfilePackage (SGP.22 v2.5 §5.6.2): the nominal download
//! on both curves up to the installation result, the transactionId inside euiccSigned2,
//! and the retry of §3.1.3 —
//! a new session of the same eUICC for a Profile whose BPP was delivered but never
//! installed gets `bppEuiccOtpk` in smdpSigned2, and the same otPK.EUICC gets the same
//! otPK.DP (a package bound the same way); another otPK.EUICC gets a fresh pair.

use rsp_codec::asn1::GetBoundProfilePackageError as E;
use rsp_crypto::{Curve, KeyAgreement};
use rsp_smdpp::ProfileState;
use rsp_smdpp::es9plus::iccid_bcd;

use super::{BINDINGS, CURVES, Fx, assert_refused, on_both_backends, package_of_version};

on_both_backends!(
    tc_get_bound_profile_package_nominal_and_installation,
    tc_get_bound_profile_package_signed_transaction_id_differs,
    tc_get_bound_profile_package_retry_same_otpk,
);

/// Nominal on both curves and bindings, with and without Confirmation Code; the
/// installation result over the same binding makes the Profile Installed.
async fn tc_get_bound_profile_package_nominal_and_installation(fx: &Fx) {
    let mut n = 0;
    for b in BINDINGS {
        for curve in CURVES {
            for cc in [None, Some("4711")] {
                n += 1;
                let (mut euicc, id, mid) = fx.ordered(curve, 500 + n, "BPP-NOMINAL", cc).await;
                let package = package_of_version(2, 3);
                let (tid, r) = fx.authenticate_fresh(b, &mut euicc, &mid).await;
                let auth = r.unwrap();
                assert_eq!(auth.smdp_signed2.value().cc_required_flag, cc.is_some());
                let pdr = euicc.prepare_download(&auth, cc);
                let bpp = fx.bpp(b, &tid, &pdr).await.unwrap();
                let (_, opened) = euicc.load_bpp(&bpp);
                assert_eq!(opened, package, "{b:?} {curve:?}");
                assert_eq!(fx.state(&id).await, ProfileState::Downloaded);
                let iccid = id.parse().unwrap();
                fx.notify(b, &euicc.installation_result(iccid_bcd(&iccid), true))
                    .await;
                assert_eq!(fx.state(&id).await, ProfileState::Installed);
            }
        }
    }
}

/// euiccSigned2 carrying another transactionId than the request: 8.10.1/3.9,
/// invalidTransactionId; the correct one then succeeds.
async fn tc_get_bound_profile_package_signed_transaction_id_differs(fx: &Fx) {
    for (n, b) in (1..).zip(BINDINGS) {
        let (mut euicc, _id, mid) = fx.ordered(Curve::NistP256, 600 + n, "BPP-TID", None).await;
        let (tid, r) = fx.authenticate_fresh(b, &mut euicc, &mid).await;
        let auth = r.unwrap();
        euicc.signed_tid = Some(vec![0x24; 16]);
        let pdr = euicc.prepare_download(&auth, None);
        assert_refused(
            b,
            fx.bpp(b, &tid, &pdr).await,
            ("8.10.1", "3.9"),
            E::INVALID_TRANSACTION_ID.0,
        );
        euicc.signed_tid = None;
        let pdr = euicc.prepare_download_again(None, false);
        fx.bpp(b, &tid, &pdr).await.unwrap();
    }
}

/// otPK.DP.ECKA of a BPP (smdpOtpk of its InitialiseSecureChannelRequest).
fn smdp_otpk(bpp: &rsp_codec::asn1::BoundProfilePackage) -> Vec<u8> {
    bpp.initialise_secure_channel_request
        .value()
        .smdp_otpk
        .to_vec()
}

/// The retry of SGP.22 §3.1.3 / §5.6.2 over new sessions, both curves, with and without
/// Confirmation Code.
async fn tc_get_bound_profile_package_retry_same_otpk(fx: &Fx) {
    let mut n = 0;
    for b in BINDINGS {
        for curve in CURVES {
            for cc in [None, Some("0815")] {
                n += 1;
                let (mut euicc, id, mid) = fx.ordered(curve, 700 + n, "BPP-RETRY", cc).await;
                let package = package_of_version(2, 3);

                // Session 1 delivers a BPP; the installation result never comes.
                let (tid1, r) = fx.authenticate_fresh(b, &mut euicc, &mid).await;
                let pdr = euicc.prepare_download(&r.unwrap(), cc);
                let first = fx.bpp(b, &tid1, &pdr).await.unwrap();
                let otpk_euicc = KeyAgreement::public_key(euicc.otsk.as_ref().unwrap())
                    .sec1_uncompressed()
                    .to_vec();
                assert_eq!(fx.state(&id).await, ProfileState::Downloaded);

                // Session 2: smdpSigned2 names the earlier otPK.EUICC; the eUICC keeps its
                // pair and gets a package bound to the same otPK.DP, which it opens.
                let (tid2, r) = fx.authenticate_fresh(b, &mut euicc, &mid).await;
                let auth = r.unwrap();
                assert_ne!(tid1, tid2);
                assert_eq!(
                    auth.smdp_signed2.value().bpp_euicc_otpk.as_deref(),
                    Some(otpk_euicc.as_slice()),
                    "{b:?} {curve:?} {cc:?}"
                );
                let pdr = euicc.prepare_download(&auth, cc);
                let again = fx.bpp(b, &tid2, &pdr).await.unwrap();
                assert_eq!(smdp_otpk(&again), smdp_otpk(&first));
                let (_, opened) = euicc.load_bpp(&again);
                assert_eq!(opened, package);

                // Session 3: the eUICC brings another otPK.EUICC: a fresh otPK.DP.
                let (tid3, r) = fx.authenticate_fresh(b, &mut euicc, &mid).await;
                let auth = r.unwrap();
                assert_eq!(
                    auth.smdp_signed2.value().bpp_euicc_otpk.as_deref(),
                    Some(otpk_euicc.as_slice())
                );
                euicc.otsk = None;
                let pdr = euicc.prepare_download(&auth, cc);
                let fresh = fx.bpp(b, &tid3, &pdr).await.unwrap();
                assert_ne!(smdp_otpk(&fresh), smdp_otpk(&first));
                let (_, opened) = euicc.load_bpp(&fresh);
                assert_eq!(opened, package);

                // Installed: no further session gets the Profile (8.2/3.7 on JSON).
                let iccid = id.parse().unwrap();
                fx.notify(b, &euicc.installation_result(iccid_bcd(&iccid), true))
                    .await;
                assert_eq!(fx.state(&id).await, ProfileState::Installed);
                let (_, r) = fx.authenticate_fresh(b, &mut euicc, &mid).await;
                assert!(r.is_err(), "{b:?}");
            }
        }
    }
}
