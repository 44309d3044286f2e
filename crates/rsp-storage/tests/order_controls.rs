//! Order controls and Profile Policy Rules in the stores (migration 20261205000001), on
//! SQLite and PostgreSQL: every way an order is made sets its controls, updates keep them,
//! CancelOrder resets them, and the rules stay as imported.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{backends, eid, iccid, op, stock};
use rsp_codec::json::es2plus::FinalProfileStatusIndicator::{Available, Unavailable};
use rsp_smdpp::es2plus::{CancelOrder, DownloadOrder, Es2Plus, Es2PlusConfig};
use rsp_smdpp::order_controls::{OrderControls, OrderPolicy};
use rsp_smdpp::ppr::ProfilePolicyRules;
use rsp_smdpp::store::InventoryStore;

const OP: &str = "operator-a";

#[tokio::test]
async fn orders_carry_their_controls_and_profiles_their_rules() {
    for db in backends().await {
        let mut profiles = stock(OP, "gold", 1, 2);
        profiles[0].metadata.profile_policy_rules =
            ProfilePolicyRules::PPR1.union(ProfilePolicyRules::PPR2);
        db.store.import(&profiles).await.unwrap();
        let mut config = Es2PlusConfig::new("smdp.example.com");
        config.orders = OrderPolicy {
            ttl: Some(Duration::from_secs(3600)),
            on_expiry: Unavailable,
            max_download_attempts: 7,
        };
        let es2 = Es2Plus::new(db.store.clone(), config);

        // By Profile Type (the atomic claim) and by ICCID.
        let claimed = es2
            .download_order(
                &op(OP),
                &DownloadOrder {
                    eid: Some(eid(1)),
                    iccid: None,
                    profile_type: Some("gold".into()),
                },
            )
            .await
            .unwrap();
        assert_eq!(claimed, iccid(1));
        es2.download_order(
            &op(OP),
            &DownloadOrder {
                eid: None,
                iccid: Some(iccid(2)),
                profile_type: None,
            },
        )
        .await
        .unwrap();
        for n in [1, 2] {
            let r = db.store.get(&op(OP), &iccid(n)).await.unwrap().unwrap();
            let at = r.order.expires_at_ms.expect("an expiry");
            let now = i64::try_from(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_millis(),
            )
            .unwrap();
            assert!((at - now - 3_600_000).abs() < 60_000, "{:?}", db.backend());
            assert_eq!(r.order.on_expiry, Unavailable);
            assert_eq!(
                (r.order.download_attempts, r.order.max_download_attempts),
                (0, 7)
            );
        }
        let r = db.store.get(&op(OP), &iccid(1)).await.unwrap().unwrap();
        assert_eq!(
            r.metadata.profile_policy_rules.names(),
            ["ppr1", "ppr2"],
            "{:?}",
            db.backend()
        );

        // An update writes every control; CancelOrder resets them.
        let mut r = db.store.get(&op(OP), &iccid(2)).await.unwrap().unwrap();
        r.order = OrderControls {
            expires_at_ms: None,
            on_expiry: Available,
            download_attempts: 3,
            max_download_attempts: 0,
        };
        db.store.update(&r, &[]).await.unwrap();
        let back = db.store.get(&op(OP), &iccid(2)).await.unwrap().unwrap();
        assert_eq!(back.order, r.order);
        assert!(back.metadata.profile_policy_rules.is_empty());
        es2.cancel_order(
            &op(OP),
            &CancelOrder {
                iccid: iccid(2),
                eid: None,
                matching_id: None,
                final_status: Available,
            },
        )
        .await
        .unwrap();
        let cancelled = db.store.get(&op(OP), &iccid(2)).await.unwrap().unwrap();
        assert_eq!(cancelled.order, OrderControls::default());
        db.finish().await;
    }
}
