use super::fetch::{Plan, plan};
use super::*;
use protocol::release::{ReleaseInfo, Ring};

fn v(s: &str) -> Version {
    s.parse().expect("version")
}

/// A release unpacked as a fetch leaves it.
fn unpacked(data: &Path, version: &str) {
    let bin = binary(data, &v(version));
    std::fs::create_dir_all(bin.parent().expect("parent")).expect("mkdir");
    std::fs::write(&bin, b"#!/bin/sh\n").expect("write");
}

fn release(version: &str, ring: Ring) -> (ReleaseInfo, u64) {
    let info = ReleaseInfo {
        version: v(version),
        arch: protocol::release::this_arch().into(),
        ring,
    };
    (info, 1000)
}

/// Far above the installed version, whatever it is.
const NEW: &str = "900.0.1";
const NEWER: &str = "900.0.2";

#[test]
fn a_trial_runs_three_starts_then_the_kiosk_goes_back_and_never_tries_it_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path();
    unpacked(data, NEW);
    unpacked(data, NEWER);
    let mut s = State {
        current: Some(v(NEW)),
        trial: Some(Trial {
            version: v(NEWER),
            starts: 0,
        }),
        ..State::default()
    };
    for start in 1..=MAX_TRIAL_STARTS {
        assert_eq!(
            choose_start(&mut s, data, 5),
            Some(v(NEWER)),
            "start {start}"
        );
        assert_eq!(s.trial.as_ref().map(|t| t.starts), Some(start));
    }
    // Never ready: the next start goes back to the release kept before.
    assert_eq!(choose_start(&mut s, data, 7), Some(v(NEW)));
    assert_eq!(s.trial, None);
    assert_eq!(s.failed, vec![v(NEWER)]);
    assert_eq!(
        s.rolled_back,
        Some(RolledBack {
            from: v(NEWER),
            at_ms: 7
        })
    );
    s.save(data).expect("save");
    assert_eq!(report(data), (Some(NEWER.to_string()), None));

    // The hub still offers it: the kiosk stays where it is.
    let offered = [release(NEW, Ring::All), release(NEWER, Ring::All)];
    assert_eq!(plan(data, &offered, 1, &[], &v(NEW)), Plan::Stay);
}

#[test]
fn a_trial_that_settles_is_kept_and_clears_the_last_rollback() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path();
    unpacked(data, NEWER);
    State {
        next: Some(Next::Release(v(NEWER))),
        failed: vec![v(NEW)],
        rolled_back: Some(RolledBack {
            from: v(NEW),
            at_ms: 1,
        }),
        ..State::default()
    }
    .save(data)
    .expect("save");
    assert_eq!(pending(data), Some(Next::Release(v(NEWER))));
    assert_eq!(
        install_next(data).expect("install"),
        Some(Next::Release(v(NEWER)))
    );
    assert_eq!(pending(data), None);
    let mut s = State::load(data);
    assert_eq!(choose_start(&mut s, data, 2), Some(v(NEWER)));
    s.save(data).expect("save");
    settled_as(data, &v(NEWER)).expect("settled");
    let s = State::load(data);
    assert_eq!(s.current, Some(v(NEWER)));
    assert_eq!(s.trial, None);
    assert_eq!(s.rolled_back, None);
    assert_eq!(s.failed, vec![v(NEW)], "a failed one stays failed");
}

#[test]
fn a_missing_or_unrunnable_release_is_never_started() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path();
    // The current release's files are gone: the installed version runs.
    let mut s = State {
        current: Some(v(NEW)),
        ..State::default()
    };
    assert_eq!(choose_start(&mut s, data, 1), None);
    // A trial whose binary is missing is given up at once.
    s.trial = Some(Trial {
        version: v(NEWER),
        starts: 0,
    });
    assert_eq!(choose_start(&mut s, data, 1), None);
    assert_eq!(s.failed, vec![v(NEWER)]);
    // A release not above the installed one is not run in its place.
    unpacked(data, "0.0.1");
    let mut s = State {
        current: Some(v("0.0.1")),
        ..State::default()
    };
    assert_eq!(choose_start(&mut s, data, 1), None);
    // A damaged state file is the installed version alone.
    std::fs::create_dir_all(super::dir(data)).expect("mkdir");
    std::fs::write(super::dir(data).join("state.json"), b"{not json").expect("write");
    assert_eq!(State::load(data), State::default());
}

#[test]
fn the_plan_follows_the_ring_and_goes_back_when_a_release_is_withdrawn() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path();
    let installed = installed();
    // Nothing offered, nothing run: no state written either.
    assert_eq!(plan(data, &[], 4, &[2], &installed), Plan::Stay);
    // Offered to another center: not for this one.
    let other = [release(NEW, Ring::Center(5))];
    assert_eq!(plan(data, &other, 4, &[2], &installed), Plan::Stay);
    // Offered to its county: fetched.
    let county = [release(NEW, Ring::Region(2))];
    match plan(data, &county, 4, &[2], &installed) {
        Plan::Fetch(info, 1000) => assert_eq!(info.version, v(NEW)),
        other => panic!("{other:?}"),
    }
    // Once unpacked, it waits for a quiet moment.
    unpacked(data, NEW);
    assert_eq!(
        plan(data, &county, 4, &[2], &installed),
        Plan::Switch(Next::Release(v(NEW)))
    );
    // Running it, with nothing newer: stays.
    assert_eq!(plan(data, &county, 4, &[2], &v(NEW)), Plan::Stay);
    // Withdrawn while it runs: back to the installed version.
    assert_eq!(
        plan(data, &[], 4, &[2], &v(NEW)),
        Plan::Switch(Next::Installed)
    );
    // Another architecture's release is not for it.
    let mut foreign = release(NEWER, Ring::All);
    foreign.0.arch = "s390x".into();
    assert_eq!(plan(data, &[foreign], 4, &[2], &installed), Plan::Stay);
}

#[test]
fn an_unchanged_state_is_not_written_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path();
    State {
        current: Some(v(NEW)),
        ..State::default()
    }
    .save(data)
    .expect("save");
    // The same state, written by hand in another layout.
    let path = super::dir(data).join("state.json");
    let by_hand = format!("{{ \"current\" : \"{NEW}\" }}");
    std::fs::write(&path, &by_hand).expect("write");
    State::change(data, |s| s.next = None).expect("change");
    assert_eq!(std::fs::read_to_string(&path).expect("read"), by_hand);
    State::change(data, |s| s.next = Some(Next::Installed)).expect("change");
    assert_ne!(std::fs::read_to_string(&path).expect("read"), by_hand);
    assert_eq!(pending(data), Some(Next::Installed));
}
