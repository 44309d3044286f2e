use super::*;

use FinalProfileStatusIndicator::{Available as FinalAvailable, Unavailable as FinalUnavailable};
use ProfileEvent as E;
use ProfileState as S;

/// Every event with every parameter combination.
fn all_events() -> Vec<ProfileEvent> {
    let mut v = vec![
        E::DownloadOrder { with_eid: false },
        E::DownloadOrder { with_eid: true },
        E::ConfirmOrder { release: false },
        E::ConfirmOrder { release: true },
        E::ReleaseProfile,
        E::BppDelivered,
        E::InstallationSucceeded,
        E::InstallationFailed,
    ];
    for final_status in [FinalAvailable, FinalUnavailable] {
        for downloaded_ever in [false, true] {
            v.push(E::CancelOrder {
                final_status,
                downloaded_ever,
            });
        }
    }
    v
}

/// The expected table, written independently of `transition`'s match (SGP.22 §3.1.1, §5.3).
fn expected(from: ProfileState, event: ProfileEvent) -> Option<ProfileState> {
    let cancellable = matches!(
        from,
        S::Allocated | S::Linked | S::Confirmed | S::Released | S::Downloaded | S::Error
    );
    match event {
        E::DownloadOrder { with_eid } => {
            (from == S::Available).then_some(if with_eid { S::Linked } else { S::Allocated })
        }
        E::ConfirmOrder { release } => matches!(from, S::Allocated | S::Linked)
            .then_some(if release { S::Released } else { S::Confirmed }),
        E::ReleaseProfile => (from == S::Confirmed).then_some(S::Released),
        E::BppDelivered => matches!(from, S::Released | S::Downloaded).then_some(S::Downloaded),
        E::InstallationSucceeded => (from == S::Downloaded).then_some(S::Installed),
        E::InstallationFailed => (from == S::Downloaded).then_some(S::Error),
        E::CancelOrder {
            final_status,
            downloaded_ever,
        } => cancellable.then_some(
            if final_status == FinalAvailable && !downloaded_ever && from != S::Downloaded {
                S::Available
            } else {
                S::Unavailable
            },
        ),
    }
}

#[test]
fn every_state_event_pair_matches_the_table() {
    let mut legal = 0;
    for from in ProfileState::ALL {
        for event in all_events() {
            let got = transition(from, event);
            match expected(from, event) {
                Some(to) => {
                    assert_eq!(got, Ok(to), "{from} + {event:?}");
                    legal += 1;
                }
                None => assert_eq!(
                    got,
                    Err(TransitionError { from, event }),
                    "{from} + {event:?}"
                ),
            }
        }
    }
    // 2 DownloadOrder + 4 ConfirmOrder + 1 Release + 4 ES9+ (BPP delivered from Released
    // or again from Downloaded, installation result) + 6 states × 4 CancelOrder variants.
    assert_eq!(legal, 2 + 4 + 1 + 4 + 24);
}

#[test]
fn happy_paths() {
    let s = transition(S::Available, E::DownloadOrder { with_eid: true }).unwrap();
    let s = transition(s, E::ConfirmOrder { release: false }).unwrap();
    let s = transition(s, E::ReleaseProfile).unwrap();
    let s = transition(s, E::BppDelivered).unwrap();
    assert_eq!(transition(s, E::InstallationSucceeded), Ok(S::Installed));
    assert_eq!(transition(s, E::InstallationFailed), Ok(S::Error));
}

#[test]
fn downloaded_profile_never_returns_to_stock() {
    for from in [S::Downloaded, S::Error, S::Released] {
        let event = E::CancelOrder {
            final_status: FinalAvailable,
            downloaded_ever: true,
        };
        assert_eq!(transition(from, event), Ok(S::Unavailable), "{from}");
    }
    // Downloaded implies delivered even if the flag was not set.
    let event = E::CancelOrder {
        final_status: FinalAvailable,
        downloaded_ever: false,
    };
    assert_eq!(transition(S::Downloaded, event), Ok(S::Unavailable));
}

#[test]
fn terminal_states_refuse_everything() {
    for from in [S::Installed, S::Unavailable] {
        for event in all_events() {
            assert!(transition(from, event).is_err(), "{from} + {event:?}");
        }
    }
}

#[test]
fn refusals_carry_sgp22_codes() {
    let code = |from, event| {
        let e = transition(from, event).unwrap_err().rsp_error();
        format!("{}/{}", e.subject_code(), e.reason_code())
    };
    assert_eq!(
        code(S::Linked, E::DownloadOrder { with_eid: true }),
        "8.2.1/3.3"
    );
    assert_eq!(
        code(S::Released, E::ConfirmOrder { release: true }),
        "8.2.1/3.5"
    );
    assert_eq!(code(S::Released, E::ReleaseProfile), "8.2.1/3.5");
    assert_eq!(
        code(
            S::Installed,
            E::CancelOrder {
                final_status: FinalUnavailable,
                downloaded_ever: true
            }
        ),
        "8.2.1/3.5"
    );
    assert_eq!(code(S::Confirmed, E::BppDelivered), "8.2/3.7");
}

#[test]
fn state_names_round_trip() {
    for s in ProfileState::ALL {
        assert_eq!(ProfileState::parse(s.as_str()), Some(s));
    }
    assert_eq!(ProfileState::parse("available"), None);
}
