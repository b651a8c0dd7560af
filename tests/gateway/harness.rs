//! The test harness itself: a run without `TEST_POSTGRES_URL` says, once and visibly, that
//! the PostgreSQL half was skipped (a silent skip looks like a green PostgreSQL run).

use std::process::Command;

use crate::common::db::POSTGRES_ENV;

/// Runs one store test of this binary again in a child process with `TEST_POSTGRES_URL`
/// removed; the harness captures `eprintln!` of passing tests, so the line must come from
/// the raw stderr handle to show up here.
#[test]
fn a_run_without_postgres_says_its_postgres_half_was_skipped() {
    let exe = std::env::current_exe().expect("this test binary");
    let out = Command::new(exe)
        .args([
            "--exact",
            "store_contract::merchants_and_api_keys",
            "--test-threads=1",
        ])
        .env_remove(POSTGRES_ENV)
        .output()
        .expect("run the test binary");
    assert!(out.status.success(), "the child run passes");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let notes = stderr
        .lines()
        .filter(|l| l.contains("the PostgreSQL half of this test binary was skipped"))
        .count();
    assert_eq!(notes, 1, "exactly one skip note on stderr, got:\n{stderr}");
}
