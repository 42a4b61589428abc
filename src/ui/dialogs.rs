//! File dialogs behind a trait, so tests never open one.

use std::path::PathBuf;

/// Asks the user for files.
pub trait FileDialogs {
    /// A workbook to import.
    fn pick_workbook(&mut self) -> Option<PathBuf>;
    /// A ledger to open.
    fn pick_ledger(&mut self) -> Option<PathBuf>;
    /// Where to create a new ledger or write a backup; `default_name` is suggested.
    fn save_file(&mut self, default_name: &str, extension: &str) -> Option<PathBuf>;
}

/// The platform's dialogs (rfd: GTK or the XDG portal on Linux, native on macOS and Windows).
#[derive(Debug, Default)]
pub struct NativeDialogs;

impl FileDialogs for NativeDialogs {
    fn pick_workbook(&mut self) -> Option<PathBuf> {
        rfd::FileDialog::new()
            .add_filter(
                "Workbooks",
                &["xlsx", "xlsm", "xlsb", "xls", "ods", "csv", "tsv", "txt"],
            )
            .pick_file()
    }

    fn pick_ledger(&mut self) -> Option<PathBuf> {
        rfd::FileDialog::new()
            .add_filter("Pledger ledger", &["sqlite3", "sqlite", "db"])
            .pick_file()
    }

    fn save_file(&mut self, default_name: &str, extension: &str) -> Option<PathBuf> {
        rfd::FileDialog::new()
            .set_file_name(default_name)
            .add_filter(extension, &[extension])
            .save_file()
    }
}

/// Dialogs that answer from a script: each call takes the next answer. For tests.
#[derive(Debug, Default)]
pub struct ScriptedDialogs {
    /// Answers, first first; `None` is a cancelled dialog.
    pub answers: std::collections::VecDeque<Option<PathBuf>>,
}

impl FileDialogs for ScriptedDialogs {
    fn pick_workbook(&mut self) -> Option<PathBuf> {
        self.answers.pop_front().flatten()
    }
    fn pick_ledger(&mut self) -> Option<PathBuf> {
        self.answers.pop_front().flatten()
    }
    fn save_file(&mut self, _default_name: &str, _extension: &str) -> Option<PathBuf> {
        self.answers.pop_front().flatten()
    }
}
