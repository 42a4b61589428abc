//! Writing a file whole or not at all: what Pledger writes (exports, the errors workbook,
//! backups, the snapshot cache) goes to a temporary file in the target's folder, is synced,
//! then renamed over the target. A crash, a kill or a full disk meanwhile leaves the file
//! that was there as it was, and no half-written one.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` through a temporary file beside it.
pub fn write_whole(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_with(path, |file| file.write_all(bytes))
}

/// Writes `path` through a temporary file beside it, which `fill` writes into.
pub fn write_with(
    path: &Path,
    fill: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let dir = folder_of(path);
    let mut tmp = tempfile::Builder::new()
        .prefix(".pledger-")
        .suffix(".tmp")
        .tempfile_in(&dir)?;
    fill(tmp.as_file_mut())?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    sync_folder(&dir);
    Ok(())
}

/// A path beside `path` that does not exist yet, for a program that creates the file itself
/// (SQLite's `VACUUM INTO`): rename it over `path` with [`finish_beside`].
pub fn beside(path: &Path) -> std::io::Result<tempfile::TempPath> {
    let tmp = tempfile::Builder::new()
        .prefix(".pledger-")
        .suffix(".tmp")
        .tempfile_in(folder_of(path))?
        .into_temp_path();
    // The program creates the file anew; the path, deleted when dropped, stays reserved.
    std::fs::remove_file(&tmp)?;
    Ok(tmp)
}

/// Syncs the file at `tmp` (from [`beside`]) and renames it over `path`, without replacing
/// a file there when `overwrite` is false.
pub fn finish_beside(tmp: tempfile::TempPath, path: &Path, overwrite: bool) -> std::io::Result<()> {
    std::fs::File::open(&tmp)?.sync_all()?;
    if overwrite {
        tmp.persist(path).map_err(|e| e.error)?;
    } else {
        tmp.persist_noclobber(path).map_err(|e| e.error)?;
    }
    sync_folder(&folder_of(path));
    Ok(())
}

fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Makes the rename itself durable (on Unix, a folder can be synced; elsewhere it needs not).
fn sync_folder(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        // Best effort: the file's data is synced already.
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_file_is_replaced_whole_and_a_failed_write_leaves_the_old_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.pdf");
        std::fs::write(&path, b"the good report").unwrap();
        write_whole(&path, b"a newer report").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"a newer report");
        // A write that fails half-way (a full disk) leaves the file as it was, and no
        // temporary file behind.
        let failed = write_with(&path, |f| {
            f.write_all(b"half")?;
            Err(std::io::Error::other("no space left on device"))
        });
        assert!(failed.is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"a newer report");
        assert_eq!(entries(dir.path()), ["report.pdf"]);
    }

    #[test]
    fn a_file_made_beside_is_renamed_into_place_without_overwriting() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("backup.sqlite3");
        let tmp = beside(&path).unwrap();
        assert!(!tmp.exists());
        std::fs::write(&tmp, b"copy").unwrap();
        finish_beside(tmp, &path, false).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"copy");
        let again = beside(&path).unwrap();
        std::fs::write(&again, b"second").unwrap();
        assert!(finish_beside(again, &path, false).is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"copy");
        assert_eq!(entries(dir.path()), ["backup.sqlite3"]);
    }
}
