//! SGP.23 §4.3.16 ES9+.CancelSession (SGP.22 v2.5 §5.6.5): the transactionId inside
//! euiccCancelSessionSigned, and the nominal cancel after AuthenticateClient.

use rsp_codec::asn1::{CancelSessionErrorEs9 as E, CancelSessionReason};
use rsp_crypto::Curve;
use rsp_smdpp::ProfileState;

use super::{BINDINGS, Fx, assert_refused, on_both_backends};

on_both_backends!(tc_cancel_session_transaction_id);

/// Another transactionId inside the signed part: 8.10.1/3.9, invalidTransactionId; the
/// right one cancels, and the order stays downloadable.
async fn tc_cancel_session_transaction_id(fx: &Fx) {
    for (n, b) in (1..).zip(BINDINGS) {
        let (mut euicc, id, mid) = fx.ordered(Curve::NistP256, 800 + n, "CANCEL", None).await;
        let (tid, r) = fx.authenticate_fresh(b, &mut euicc, &mid).await;
        r.unwrap();
        euicc.signed_tid = Some(vec![0x99; 16]);
        let csr = euicc.cancel_session(CancelSessionReason::END_USER_REJECTION);
        assert_refused(
            b,
            fx.cancel(b, &tid, &csr).await,
            ("8.10.1", "3.9"),
            E::INVALID_TRANSACTION_ID.0,
        );
        euicc.signed_tid = None;
        let csr = euicc.cancel_session(CancelSessionReason::END_USER_REJECTION);
        fx.cancel(b, &tid, &csr).await.unwrap();
        assert_eq!(fx.state(&id).await, ProfileState::Released);
    }
}
