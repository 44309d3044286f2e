//! SGP.23 §4.3.14 ES9+.AuthenticateClient (SGP.22 v2.5 §5.6.3): the transactionId inside
//! euiccSigned1, the eligibility check against `EUICCInfo2.profileVersion` (§3.1.3.1), and
//! the MatchingID looked up as received.

use rsp_codec::asn1::AuthenticateClientErrorEs9 as E;
use rsp_crypto::Curve;
use rsp_smdpp::matching_id::MatchingId;
use rsp_smdpp::store::InventoryStore;

use super::{BINDINGS, CURVES, Fx, assert_refused, iccid, on_both_backends, package_of_version};

on_both_backends!(
    tc_authenticate_client_nominal,
    tc_authenticate_client_signed_transaction_id_differs,
    tc_authenticate_client_profile_version,
    tc_authenticate_client_matching_id_as_received,
);

/// Nominal on both curves: smdpSigned2 names this session, no earlier binding.
async fn tc_authenticate_client_nominal(fx: &Fx) {
    let mut n = 0;
    for b in BINDINGS {
        for curve in CURVES {
            n += 1;
            let (mut euicc, _id, mid) = fx.ordered(curve, 100 + n, "AC-NOMINAL", None).await;
            let (tid, r) = fx.authenticate_fresh(b, &mut euicc, &mid).await;
            let ok = r.unwrap();
            let signed2 = ok.smdp_signed2.value();
            assert_eq!(signed2.transaction_id.as_bytes(), tid.as_slice());
            assert!(signed2.bpp_euicc_otpk.is_none());
            assert!(!signed2.cc_required_flag);
            assert_eq!(
                ok.smdp_certificate.as_der(),
                fx.cert(curve, "dp-pb.pem").der()
            );
        }
    }
}

/// euiccSigned1 carrying another transactionId than the request: 8.10.1/3.9,
/// invalidTransactionId, after the signature check (the eUICC did sign it).
async fn tc_authenticate_client_signed_transaction_id_differs(fx: &Fx) {
    for (n, b) in (1..).zip(BINDINGS) {
        let (mut euicc, _id, mid) = fx.ordered(Curve::NistP256, 200 + n, "AC-TID", None).await;
        euicc.signed_tid = Some(vec![0x42; 16]);
        let (_, r) = fx.authenticate_fresh(b, &mut euicc, &mid).await;
        assert_refused(b, r, ("8.10.1", "3.9"), E::INVALID_TRANSACTION_ID.0);
        // The same order is still there for a correct exchange.
        euicc.signed_tid = None;
        let (_, r) = fx.authenticate_fresh(b, &mut euicc, &mid).await;
        r.unwrap();
    }
}

/// A package of SAIP v2.3 is eligible on an eUICC announcing 2.3 or any higher version
/// (0x41 0x42 0x43 included), not on one announcing 2.1: 8.2.5/4.3, noEligibleProfile.
async fn tc_authenticate_client_profile_version(fx: &Fx) {
    let mut n = 0;
    for b in BINDINGS {
        for (version, eligible) in [
            ([0x41, 0x42, 0x43], true),
            ([2, 3, 0], true),
            ([3, 0, 0], true),
            ([2, 1, 0], false),
            ([1, 9, 9], false),
        ] {
            n += 1;
            let (mut euicc, _id, mid) = fx
                .ordered(Curve::NistP256, 300 + n, "AC-VERSION", None)
                .await;
            euicc.profile_version = version;
            let (_, r) = fx.authenticate_fresh(b, &mut euicc, &mid).await;
            if eligible {
                r.unwrap();
            } else {
                assert_refused(b, r, ("8.2.5", "4.3"), E::NO_ELIGIBLE_PROFILE.0);
            }
        }
    }
}

/// A MatchingID is looked up as the eUICC sends it: one of any characters that no order
/// carries is unknown, 8.2.6/3.8 (matchingIdRefused); one imported from another system
/// (outside the §4.1 characters) finds its order.
async fn tc_authenticate_client_matching_id_as_received(fx: &Fx) {
    for (n, b) in (1..).zip(BINDINGS) {
        let mut euicc = fx.euicc(Curve::NistP256);
        for unknown in ["order#1/ü unknown", "lower-case-id", "A B"] {
            let (_, r) = fx.authenticate_fresh(b, &mut euicc, unknown).await;
            assert_refused(b, r, ("8.2.6", "3.8"), E::MATCHING_ID_REFUSED.0);
        }
        // An order taken over from another SM-DP+ with its own MatchingID.
        let ordered = format!("AC-IMPORT-{n}");
        let imported = format!("legacy/order#{n} ü");
        let id = iccid(400 + n);
        fx.order(
            &id,
            package_of_version(2, 3),
            &euicc.eid.clone(),
            &ordered,
            None,
        )
        .await;
        let mut record = fx
            .server
            .store
            .find_by_iccid(&id.parse().unwrap())
            .await
            .unwrap()
            .unwrap();
        record.matching_id = Some(MatchingId::received(&imported).unwrap());
        fx.server.store.update(&record, &[]).await.unwrap();
        let (_, r) = fx.authenticate_fresh(b, &mut euicc, &imported).await;
        r.unwrap();
        let (_, r) = fx.authenticate_fresh(b, &mut euicc, &ordered).await;
        assert_refused(b, r, ("8.2.6", "3.8"), E::MATCHING_ID_REFUSED.0);
    }
}
