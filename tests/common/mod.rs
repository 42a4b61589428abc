//! Helpers shared by the integration tests: run the real `pledger` binary.

#![allow(dead_code, reason = "each test file uses its own part of the helpers")]
#![allow(clippy::expect_used, reason = "tests fail loudly")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs `pledger --ledger LEDGER ARGS...` and returns its output.
pub fn pledger(ledger: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pledger"))
        .arg("--ledger")
        .arg(ledger)
        .args(args)
        .env_remove("PLEDGER_LEDGER")
        .output()
        .expect("run pledger")
}

/// Runs pledger and asserts it succeeded; returns stdout.
pub fn ok(ledger: &Path, args: &[&str]) -> String {
    let out = pledger(ledger, args);
    assert!(
        out.status.success(),
        "pledger {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// A fresh temporary folder and a ledger path inside it.
pub fn temp_ledger() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("ledger.sqlite3");
    (dir, path)
}

/// The report of `period` as JSON.
pub fn report_json(ledger: &Path, period: &str, lang: &str) -> serde_json::Value {
    serde_json::from_str(&ok(
        ledger,
        &[
            "report", "--period", period, "--json", "--lang", lang, "--top", "5",
        ],
    ))
    .expect("report JSON")
}

/// A fixture file's path.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// The import batch a commit's output names ("… Undo with: pledger import --undo 7").
pub fn batch_of(out: &str) -> String {
    out.split("import --undo ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .unwrap_or_else(|| panic!("no batch in {out}"))
        .to_string()
}
