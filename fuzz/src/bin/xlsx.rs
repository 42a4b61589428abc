//! Workbook files (xlsx, xlsb, xls, ods, and text named as one): read whole as `read_file`
//! does, and streamed as a large xlsx or xlsb is (`read_head`). The readers take a path, so
//! each input is written to a file in /dev/shm (a memory file system) first.

use std::path::PathBuf;

use pledger::import::{read_file, read_head};

fn main() {
    let dir = if std::path::Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    let path = dir.join(format!("pledger-fuzz-{}.xlsx", std::process::id()));
    // Without afl's panic hook: Pledger catches the panics of calamine's parsers and makes
    // them a damaged-file error, which the hook would turn into an abort first. A panic that
    // escapes is still a crash.
    afl::fuzz_nohook!(|data: &[u8]| {
        if std::fs::write(&path, data).is_err() {
            return;
        }
        let _ = read_file(&path);
        let _ = read_head(&path, 30);
        // Removed at once: AFL kills its children, which would leave one file each.
        let _ = std::fs::remove_file(&path);
    });
}
