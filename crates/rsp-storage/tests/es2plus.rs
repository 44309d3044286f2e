//! ES2+ functions (SGP.22 v2.5 §5.3) over the real stores, on SQLite and PostgreSQL: every
//! function's success and refusal paths with their exact status codes.
#![allow(clippy::unwrap_used)]

mod common;

use common::{TestDb, backends, eid, err_code, iccid, op, stock};
use rsp_codec::json::ConfirmationCode;
use rsp_codec::json::es2plus::FinalProfileStatusIndicator::{Available, Unavailable};
use rsp_smdpp::es2plus::{CancelOrder, ConfirmOrder, DownloadOrder, Es2Plus, Es2PlusConfig};
use rsp_smdpp::profile_state::{ProfileEvent, transition};
use rsp_smdpp::store::InventoryStore;
use rsp_smdpp::{OperatorId, ProfileState};
use rsp_storage::SqlStore;
use sha2::{Digest, Sha256};

const OP_A: &str = "operator-a";
const OP_B: &str = "operator-b";

async fn service(db: &TestDb) -> Es2Plus<SqlStore> {
    db.store.import(&stock(OP_A, "gold", 1, 5)).await.unwrap();
    db.store
        .import(&stock(OP_A, "silver", 100, 1))
        .await
        .unwrap();
    db.store.import(&stock(OP_B, "gold", 200, 2)).await.unwrap();
    Es2Plus::new(db.store.clone(), Es2PlusConfig::new("smdp.example.com"))
}

fn by_iccid(n: u64, with_eid: Option<u64>) -> DownloadOrder {
    DownloadOrder {
        eid: with_eid.map(eid),
        iccid: Some(iccid(n)),
        profile_type: None,
    }
}

fn by_type(t: &str, with_eid: Option<u64>) -> DownloadOrder {
    DownloadOrder {
        eid: with_eid.map(eid),
        iccid: None,
        profile_type: Some(t.to_owned()),
    }
}

fn confirm(n: u64) -> ConfirmOrder {
    ConfirmOrder {
        iccid: iccid(n),
        eid: None,
        matching_id: None,
        confirmation_code: None,
        smds_address: None,
        release_flag: false,
    }
}

fn cancel(
    n: u64,
    final_status: rsp_codec::json::es2plus::FinalProfileStatusIndicator,
) -> CancelOrder {
    CancelOrder {
        iccid: iccid(n),
        eid: None,
        matching_id: None,
        final_status,
    }
}

async fn state(s: &Es2Plus<SqlStore>, operator: &OperatorId, n: u64) -> rsp_smdpp::ProfileRecord {
    s.store().get(operator, &iccid(n)).await.unwrap().unwrap()
}

#[tokio::test]
async fn download_order_by_iccid() {
    for db in backends().await {
        let s = service(&db).await;
        let a = op(OP_A);
        assert_eq!(
            s.download_order(&a, &by_iccid(1, None)).await.unwrap(),
            iccid(1)
        );
        assert_eq!(state(&s, &a, 1).await.state, ProfileState::Allocated);
        assert_eq!(
            s.download_order(&a, &by_iccid(2, Some(7))).await.unwrap(),
            iccid(2)
        );
        let r = state(&s, &a, 2).await;
        assert_eq!(
            (r.state, r.eid.clone(), r.eid_ever_bound),
            (ProfileState::Linked, Some(eid(7)), Some(eid(7)))
        );
        // Not Available any more.
        assert_eq!(
            err_code(s.download_order(&a, &by_iccid(1, None)).await),
            "8.2.1/3.3"
        );
        assert_eq!(
            err_code(s.download_order(&a, &by_iccid(2, Some(7))).await),
            "8.2.1/3.3"
        );
        // Unknown, and another Operator's, ICCID: 8.2.1/3.9 alike.
        assert_eq!(
            err_code(s.download_order(&a, &by_iccid(999, None)).await),
            "8.2.1/3.9"
        );
        assert_eq!(
            err_code(s.download_order(&a, &by_iccid(200, None)).await),
            "8.2.1/3.9"
        );
        assert_eq!(
            state(&s, &op(OP_B), 200).await.state,
            ProfileState::Available
        );
        // ICCID and type disagree.
        let mut both = by_iccid(3, None);
        both.profile_type = Some("silver".into());
        assert_eq!(err_code(s.download_order(&a, &both).await), "8.2.5/3.8");
        both.profile_type = Some("gold".into());
        assert_eq!(s.download_order(&a, &both).await.unwrap(), iccid(3));
        // Neither ICCID nor type.
        assert_eq!(
            err_code(s.download_order(&a, &DownloadOrder::default()).await),
            "1.3.1/2.3"
        );
        // A padded ICCID names the same Profile.
        let padded = rsp_codec::json::Iccid::parse(&format!("{}F", iccid(4))).unwrap();
        let got = s
            .download_order(
                &a,
                &DownloadOrder {
                    iccid: Some(padded),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(got, iccid(4));
        db.finish().await;
    }
}

#[tokio::test]
async fn download_order_by_profile_type() {
    for db in backends().await {
        let s = service(&db).await;
        let a = op(OP_A);
        let got = s
            .download_order(&a, &by_type("silver", Some(1)))
            .await
            .unwrap();
        assert_eq!(got, iccid(100));
        let r = state(&s, &a, 100).await;
        assert_eq!((r.state, r.eid), (ProfileState::Linked, Some(eid(1))));
        // Stock exhausted; the type exists.
        assert_eq!(
            err_code(s.download_order(&a, &by_type("silver", None)).await),
            "8.2.5/3.7"
        );
        // Unknown type, and a type only another Operator has.
        assert_eq!(
            err_code(s.download_order(&a, &by_type("bronze", None)).await),
            "8.2.5/3.9"
        );
        assert_eq!(
            err_code(
                s.download_order(&op("operator-c"), &by_type("gold", None))
                    .await
            ),
            "8.2.5/3.9"
        );
        // Operator B draws only from its own stock.
        let b = op(OP_B);
        let mut drawn = vec![
            s.download_order(&b, &by_type("gold", None)).await.unwrap(),
            s.download_order(&b, &by_type("gold", None)).await.unwrap(),
        ];
        drawn.sort();
        assert_eq!(drawn, vec![iccid(200), iccid(201)]);
        assert_eq!(
            err_code(s.download_order(&b, &by_type("gold", None)).await),
            "8.2.5/3.7"
        );
        assert_eq!(state(&s, &b, 200).await.state, ProfileState::Allocated);
        db.finish().await;
    }
}

#[tokio::test]
async fn confirm_order_rules() {
    for db in backends().await {
        let s = service(&db).await;
        let a = op(OP_A);
        // Generated MatchingID, not released.
        s.download_order(&a, &by_iccid(1, Some(11))).await.unwrap();
        let res = s.confirm_order(&a, &confirm(1)).await.unwrap();
        assert_eq!(res.eid, Some(eid(11)));
        assert_eq!(res.smdp_address, "smdp.example.com");
        let mid = res.matching_id.clone().unwrap();
        assert_eq!(mid.as_str().len(), 29);
        assert!(
            mid.as_str()
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
        );
        let r = state(&s, &a, 1).await;
        assert_eq!(
            (r.state, r.matching_id.clone()),
            (ProfileState::Confirmed, Some(mid.clone()))
        );
        assert_eq!(
            s.store()
                .find_by_matching_id(&mid)
                .await
                .unwrap()
                .unwrap()
                .iccid,
            iccid(1)
        );
        // Confirmed already: the Profile is in use by its order.
        assert_eq!(
            err_code(s.confirm_order(&a, &confirm(1)).await),
            "8.2.1/3.3"
        );
        // Available (no DownloadOrder): invalid transition.
        assert_eq!(
            err_code(s.confirm_order(&a, &confirm(5)).await),
            "8.2.1/3.5"
        );
        // Unknown and foreign ICCIDs.
        assert_eq!(
            err_code(s.confirm_order(&a, &confirm(999)).await),
            "8.2.1/3.9"
        );
        assert_eq!(
            err_code(s.confirm_order(&a, &confirm(200)).await),
            "8.2.1/3.9"
        );

        // Operator MatchingID, released at once, EID given for an Allocated Profile.
        s.download_order(&a, &by_iccid(2, None)).await.unwrap();
        let mut c = confirm(2);
        c.matching_id = Some("OPERATOR-CHOSEN-1".into());
        c.eid = Some(eid(22));
        c.release_flag = true;
        let res = s.confirm_order(&a, &c).await.unwrap();
        assert_eq!(res.matching_id.unwrap().as_str(), "OPERATOR-CHOSEN-1");
        assert_eq!(res.eid, Some(eid(22)));
        let r = state(&s, &a, 2).await;
        assert_eq!(
            (r.state, r.eid_ever_bound),
            (ProfileState::Released, Some(eid(22)))
        );

        // MatchingID taken (also across Operators), malformed.
        s.download_order(&a, &by_iccid(3, None)).await.unwrap();
        let mut c = confirm(3);
        c.matching_id = Some("OPERATOR-CHOSEN-1".into());
        assert_eq!(err_code(s.confirm_order(&a, &c).await), "8.2.6/3.3");
        s.download_order(&op(OP_B), &by_iccid(200, None))
            .await
            .unwrap();
        let mut cb = confirm(200);
        cb.matching_id = Some("OPERATOR-CHOSEN-1".into());
        assert_eq!(err_code(s.confirm_order(&op(OP_B), &cb).await), "8.2.6/3.3");
        for bad in ["lower-case", "WITH SPACE", "UNDER_SCORE"] {
            c.matching_id = Some(bad.into());
            assert_eq!(
                err_code(s.confirm_order(&a, &c).await),
                "8.2.6/2.1",
                "{bad}"
            );
        }
        assert_eq!(
            state(&s, &a, 3).await.state,
            ProfileState::Allocated,
            "refusals change nothing"
        );

        // Empty MatchingID (default SM-DP+) needs an EID; smdsAddress needs an EID too.
        c.matching_id = Some(String::new());
        assert_eq!(err_code(s.confirm_order(&a, &c).await), "8.1.1/2.2");
        c.matching_id = None;
        c.smds_address = Some("smds.example.com".into());
        assert_eq!(err_code(s.confirm_order(&a, &c).await), "8.1.1/2.2");
        // smdsAddress with an empty MatchingID: no event id.
        c.eid = Some(eid(33));
        c.matching_id = Some(String::new());
        assert_eq!(err_code(s.confirm_order(&a, &c).await), "8.2.6/2.2");
        c.smds_address = Some("bad address/".into());
        c.matching_id = None;
        assert_eq!(err_code(s.confirm_order(&a, &c).await), "1.3.1/2.1");
        c.smds_address = Some("smds.example.com".into());
        let res = s.confirm_order(&a, &c).await.unwrap();
        assert_eq!(res.eid, Some(eid(33)));
        assert_eq!(
            state(&s, &a, 3).await.smds_address.as_deref(),
            Some("smds.example.com")
        );

        // Linked to one EID, confirmed with another.
        s.download_order(&a, &by_iccid(4, Some(44))).await.unwrap();
        let mut c = confirm(4);
        c.eid = Some(eid(45));
        assert_eq!(err_code(s.confirm_order(&a, &c).await), "8.1.1/3.10");
        c.eid = Some(eid(44));
        c.confirmation_code = Some(ConfirmationCode::new(""));
        assert_eq!(err_code(s.confirm_order(&a, &c).await), "1.3.1/2.1");
        db.finish().await;
    }
}

#[tokio::test]
async fn confirmation_code_is_stored_only_as_its_sha256() {
    for db in backends().await {
        let s = service(&db).await;
        let a = op(OP_A);
        s.download_order(&a, &by_iccid(1, Some(1))).await.unwrap();
        let mut c = confirm(1);
        c.confirmation_code = Some(ConfirmationCode::new("CC-739184"));
        s.confirm_order(&a, &c).await.unwrap();
        let r = state(&s, &a, 1).await;
        let expected: [u8; 32] = Sha256::digest(b"CC-739184").into();
        assert_eq!(r.cc_hash.unwrap().as_bytes(), &expected);
        assert_eq!((r.cc_attempts, r.cc_max_attempts), (0, 5));
        // No column of the row holds the code itself.
        let dump = dump_profiles(&db).await;
        assert!(
            !dump.contains("CC-739184"),
            "plaintext confirmation code stored"
        );
        assert!(
            !dump.contains(&hex::encode(b"CC-739184")),
            "hex confirmation code stored"
        );
        assert!(dump.contains(&hex::encode(expected)), "the hash is stored");
        db.finish().await;
    }
}

/// Every row of smdpp_profiles with its package row, as text (BLOBs as lower-case hex).
async fn dump_profiles(db: &TestDb) -> String {
    use sqlx::Row;
    let sql = match db.backend() {
        rsp_storage::Backend::Sqlite => {
            "SELECT iccid || '|' || COALESCE(matching_id, '') || '|' || COALESCE(lower(hex(cc_hash)), '') \
             || '|' || lower(hex(k.package_enc)) AS t FROM smdpp_profiles \
             JOIN smdpp_profile_packages k USING (iccid)"
        }
        rsp_storage::Backend::Postgres => {
            "SELECT CAST(p AS TEXT) || '|' || CAST(k AS TEXT) AS t FROM smdpp_profiles p \
             JOIN smdpp_profile_packages k USING (iccid)"
        }
    };
    let rows = sqlx::query(sql).fetch_all(db.store.pool()).await.unwrap();
    rows.iter()
        .map(|r| r.get::<String, _>("t"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn default_smdp_flow_is_found_by_eid() {
    for db in backends().await {
        let s = service(&db).await;
        let a = op(OP_A);
        s.download_order(&a, &by_iccid(1, Some(9))).await.unwrap();
        let mut c = confirm(1);
        c.matching_id = Some(String::new());
        let res = s.confirm_order(&a, &c).await.unwrap();
        assert_eq!((res.matching_id, res.eid), (None, Some(eid(9))));
        // Confirmed, not Released: not served yet.
        assert!(
            s.store()
                .find_released_for_eid(&eid(9))
                .await
                .unwrap()
                .is_empty()
        );
        s.release_profile(&a, &iccid(1)).await.unwrap();
        let found = s.store().find_released_for_eid(&eid(9)).await.unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].iccid.clone(), found[0].matching_id.clone()),
            (iccid(1), None)
        );
        assert!(
            s.store()
                .find_released_for_eid(&eid(8))
                .await
                .unwrap()
                .is_empty()
        );
        db.finish().await;
    }
}

#[tokio::test]
async fn release_profile_rules() {
    for db in backends().await {
        let s = service(&db).await;
        let a = op(OP_A);
        s.download_order(&a, &by_iccid(1, None)).await.unwrap();
        assert_eq!(
            err_code(s.release_profile(&a, &iccid(1)).await),
            "8.2.1/3.5",
            "Allocated"
        );
        s.confirm_order(&a, &confirm(1)).await.unwrap();
        assert_eq!(
            err_code(s.release_profile(&op(OP_B), &iccid(1)).await),
            "8.2.1/3.9",
            "foreign"
        );
        s.release_profile(&a, &iccid(1)).await.unwrap();
        assert_eq!(state(&s, &a, 1).await.state, ProfileState::Released);
        assert_eq!(
            err_code(s.release_profile(&a, &iccid(1)).await),
            "8.2.1/3.5",
            "Released"
        );
        assert_eq!(
            err_code(s.release_profile(&a, &iccid(2)).await),
            "8.2.1/3.5",
            "Available"
        );
        assert_eq!(
            err_code(s.release_profile(&a, &iccid(999)).await),
            "8.2.1/3.9",
            "unknown"
        );
        db.finish().await;
    }
}

#[tokio::test]
async fn cancel_order_rules() {
    for db in backends().await {
        let s = service(&db).await;
        let a = op(OP_A);
        // Nothing to cancel.
        assert_eq!(
            err_code(s.cancel_order(&a, &cancel(1, Available)).await),
            "8.2.1/3.5"
        );
        assert_eq!(
            err_code(s.cancel_order(&a, &cancel(999, Available)).await),
            "8.2.1/3.9"
        );
        s.download_order(&op(OP_B), &by_iccid(200, None))
            .await
            .unwrap();
        assert_eq!(
            err_code(s.cancel_order(&a, &cancel(200, Available)).await),
            "8.2.1/3.9"
        );

        // Linked + confirmed, then cancelled back to stock.
        s.download_order(&a, &by_iccid(100, Some(1))).await.unwrap();
        let mid = s
            .confirm_order(&a, &confirm(100))
            .await
            .unwrap()
            .matching_id
            .unwrap();
        let mut wrong = cancel(100, Available);
        wrong.eid = Some(eid(2));
        assert_eq!(err_code(s.cancel_order(&a, &wrong).await), "8.1.1/3.10");
        wrong.eid = Some(eid(1));
        wrong.matching_id = Some("NOT-THE-ONE".into());
        assert_eq!(err_code(s.cancel_order(&a, &wrong).await), "8.2.6/3.10");
        wrong.matching_id = Some(mid.as_str().to_owned());
        s.cancel_order(&a, &wrong).await.unwrap();
        let r = state(&s, &a, 100).await;
        assert_eq!(r.state, ProfileState::Available);
        assert_eq!((r.eid, r.matching_id, r.cc_hash), (None, None, None));
        assert_eq!(
            r.eid_ever_bound,
            Some(eid(1)),
            "the one-EID guard survives the cancel"
        );
        assert!(s.store().find_by_matching_id(&mid).await.unwrap().is_none());

        // Back in stock, but only for EID 1: never for another EID, nor for an anonymous order.
        assert_eq!(
            err_code(s.download_order(&a, &by_type("silver", Some(2))).await),
            "8.2.5/3.7"
        );
        assert_eq!(
            err_code(s.download_order(&a, &by_type("silver", None)).await),
            "8.2.5/3.7"
        );
        assert_eq!(
            err_code(s.download_order(&a, &by_iccid(100, Some(2))).await),
            "8.2.1/3.3"
        );
        assert_eq!(
            s.download_order(&a, &by_type("silver", Some(1)))
                .await
                .unwrap(),
            iccid(100)
        );

        // Allocated without EID by ICCID is allowed, but confirming it for another EID is not.
        // (The order carries EID 1: CancelOrder must name it.)
        assert_eq!(
            err_code(s.cancel_order(&a, &cancel(100, Available)).await),
            "8.1.1/2.2"
        );
        let mut named = cancel(100, Available);
        named.eid = Some(eid(1));
        s.cancel_order(&a, &named).await.unwrap();
        s.download_order(&a, &by_iccid(100, None)).await.unwrap();
        let mut c = confirm(100);
        c.eid = Some(eid(3));
        assert_eq!(err_code(s.confirm_order(&a, &c).await), "8.1.1/3.10");

        // Withdrawn for good.
        s.download_order(&a, &by_iccid(1, None)).await.unwrap();
        s.cancel_order(&a, &cancel(1, Unavailable)).await.unwrap();
        assert_eq!(state(&s, &a, 1).await.state, ProfileState::Unavailable);
        assert_eq!(
            err_code(s.download_order(&a, &by_iccid(1, None)).await),
            "8.2.1/3.3"
        );
        assert_eq!(
            err_code(s.cancel_order(&a, &cancel(1, Available)).await),
            "8.2.1/3.5"
        );

        // Downloaded once: cancelling to Available makes it Unavailable; Installed refuses.
        s.download_order(&a, &by_iccid(2, Some(5))).await.unwrap();
        let mut c = confirm(2);
        c.release_flag = true;
        s.confirm_order(&a, &c).await.unwrap();
        let mut r = state(&s, &a, 2).await;
        r.state = transition(r.state, ProfileEvent::BppDelivered).unwrap();
        r.downloaded_ever = true;
        s.store().update(&r, &[]).await.unwrap();
        let mut named = cancel(2, Available);
        named.eid = Some(eid(5));
        s.cancel_order(&a, &named).await.unwrap();
        assert_eq!(state(&s, &a, 2).await.state, ProfileState::Unavailable);

        s.download_order(&a, &by_iccid(3, Some(6))).await.unwrap();
        s.confirm_order(&a, &c_release(3)).await.unwrap();
        let mut r = state(&s, &a, 3).await;
        r.state = ProfileState::Installed;
        r.downloaded_ever = true;
        s.store().update(&r, &[]).await.unwrap();
        let mut named = cancel(3, Unavailable);
        named.eid = Some(eid(6));
        assert_eq!(err_code(s.cancel_order(&a, &named).await), "8.2.1/3.5");
        db.finish().await;
    }
}

fn c_release(n: u64) -> ConfirmOrder {
    let mut c = confirm(n);
    c.release_flag = true;
    c
}

#[tokio::test]
async fn stale_writes_conflict() {
    for db in backends().await {
        let s = service(&db).await;
        let a = op(OP_A);
        let stale = state(&s, &a, 1).await;
        s.download_order(&a, &by_iccid(1, None)).await.unwrap();
        let mut w = stale.clone();
        w.state = ProfileState::Unavailable;
        let e = s.store().update(&w, &[]).await.unwrap_err();
        assert!(matches!(e, rsp_smdpp::store::StoreError::Conflict), "{e:?}");
        // Stale too when the write would also change the indexed EID.
        w.eid = Some(eid(3));
        w.eid_ever_bound = Some(eid(3));
        let e = s.store().update(&w, &[]).await.unwrap_err();
        assert!(matches!(e, rsp_smdpp::store::StoreError::Conflict), "{e:?}");
        assert_eq!(state(&s, &a, 1).await.eid, None);
        // The database refuses a second EID even if the domain were bypassed.
        let mut fresh = state(&s, &a, 2).await;
        fresh.eid = Some(eid(1));
        fresh.eid_ever_bound = Some(eid(1));
        let fresh = s.store().update(&fresh, &[]).await.unwrap();
        let mut evil = fresh.clone();
        evil.eid = Some(eid(2));
        evil.eid_ever_bound = Some(eid(2));
        assert!(s.store().update(&evil, &[]).await.is_err());
        assert_eq!(state(&s, &a, 2).await.eid_ever_bound, Some(eid(1)));
        // Migrations are idempotent.
        db.store.migrate().await.unwrap();
        db.finish().await;
    }
}
