//! SGP.23 §4.3.15 ES9+.HandleNotification (SGP.22 v2.5 §5.6.4): the installation result
//! moves the Profile to Installed or Error; a notification that does not verify, or that
//! does not decode, is dropped (the function has no error response: HTTP 204 on both
//! bindings) and changes nothing; the other notifications of an installed Profile are
//! taken.

use rsp_smdpp::ProfileState;
use rsp_smdpp::es9plus::iccid_bcd;

use super::{BINDINGS, CURVES, Fx, on_both_backends};

on_both_backends!(tc_handle_notification);

async fn tc_handle_notification(fx: &Fx) {
    let mut n = 0;
    for b in BINDINGS {
        for curve in CURVES {
            for success in [true, false] {
                n += 1;
                let (mut euicc, id, mid) = fx.ordered(curve, 900 + n, "NOTIFY", None).await;
                let (tid, r) = fx.authenticate_fresh(b, &mut euicc, &mid).await;
                let pdr = euicc.prepare_download(&r.unwrap(), None);
                fx.bpp(b, &tid, &pdr).await.unwrap();
                let bcd = iccid_bcd(&id.parse().unwrap());

                // A result whose euiccSignPIR does not verify, and well-formed DER that is no
                // PendingNotification: dropped. (Malformed DER inside the ASN.1 binding's
                // envelope is refused by the binding itself, HTTP 400, §6.6.)
                let mut forged = euicc.installation_result(bcd, success);
                let len = forged.len();
                forged[len - 5] ^= 0x01;
                fx.notify(b, &forged).await;
                fx.notify(b, &[0x04, 0x01, 0xAA]).await;
                assert_eq!(fx.state(&id).await, ProfileState::Downloaded, "{b:?}");

                fx.notify(b, &euicc.installation_result(bcd, success)).await;
                let want = if success {
                    ProfileState::Installed
                } else {
                    ProfileState::Error
                };
                assert_eq!(fx.state(&id).await, want, "{b:?} {curve:?}");
                if success {
                    // Enable (bit 1), disable (2), delete (3) of the installed Profile.
                    for bit in [1, 2, 3] {
                        fx.notify(b, &euicc.other_notification(bcd, bit)).await;
                    }
                    assert_eq!(fx.state(&id).await, ProfileState::Installed);
                }
            }
        }
    }
}
