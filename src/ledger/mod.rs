//! The ledger file: the only module that speaks SQL. Opens and migrates a SQLite file,
//! reads partners, agreements, rates and reference lists, and writes them in audited,
//! revision-bumping transactions.

#[macro_use]
mod agreement_row;
mod bulk;
mod deals;
mod money_in;
mod publication;
mod read;
mod schema;
mod undo;
mod write;

use std::path::{Path, PathBuf};

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior};

use crate::domain::{Currency, FieldProblem, Organisation, ReferenceLists, ReportSettings};

pub use bulk::BULK_ROWS;
pub use money_in::Put;
pub use publication::{Publication, PublishedAgreement};
pub use read::{AgreementFilter, AgreementScan, AuditEntry, BatchInfo, ScanRow, ThemeLink};
pub use schema::{MIGRATIONS, latest_version, migrate_to, version};
pub use undo::Change;
pub use write::Writer;

/// The mapping profile that keeps the columns a user mapped by hand, applied to every import
/// after the header synonyms ("saved for that header next time").
pub const LEARNED_PROFILE: &str = "(learned)";

/// What can go wrong with a ledger.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// SQLite reported an error.
    #[error("ledger database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The file was written by a newer Pledger.
    #[error(
        "this ledger was written by a newer Pledger (schema {found}; this build knows up to {supported}); update Pledger to open it"
    )]
    TooNew {
        /// The file's schema version.
        found: u32,
        /// The newest this build knows.
        supported: u32,
    },
    /// The file is not a Pledger ledger.
    #[error("not a Pledger ledger: {0}")]
    NotALedger(PathBuf),
    /// A folder could not be created or a file could not be written.
    #[error("{message}: {path}")]
    Io {
        /// What failed.
        message: String,
        /// The path involved.
        path: PathBuf,
    },
    /// Something asked for is not in the ledger.
    #[error("{0} not found")]
    NotFound(String),
    /// The change would break a rule of the ledger (a duplicate reference, ...).
    #[error("{0}")]
    Refused(String),
    /// The record has invalid fields.
    #[error("invalid {what}: {}", problems.iter().map(|p| format!("{}: {}", p.field, p.message)).collect::<Vec<_>>().join("; "))]
    Invalid {
        /// The kind of record.
        what: &'static str,
        /// One line per problem.
        problems: Vec<FieldProblem>,
    },
    /// A stored value could not be read back.
    #[error("the ledger holds a value Pledger cannot read: {0}")]
    Corrupt(String),
}

/// How much of a ledger file SQLite reads through a memory map (address space, not memory).
const MMAP_BYTES: i64 = 1 << 30;

/// A WAL file larger than this after a write (a large import, or its undo) is emptied at
/// once: it would otherwise stay that large on disk until the ledger is closed. (1 MB in unit
/// tests, which write less.)
const WAL_KEPT_BYTES: u64 = if cfg!(test) { 1 << 20 } else { 64 << 20 };

/// The revision number every write bumps, as `conn` sees it.
fn revision_of(conn: &Connection) -> Result<u64, LedgerError> {
    let text: String = conn.query_row(
        "SELECT value FROM setting WHERE key = 'revision'",
        [],
        |r| r.get(0),
    )?;
    text.parse()
        .map_err(|_| LedgerError::Corrupt(format!("revision '{text}'")))
}

/// An open ledger.
pub struct Ledger {
    conn: Connection,
    path: Option<PathBuf>,
    recording: bool,
    recorded: Vec<Change>,
    /// The file is closed for a while ([`Ledger::park`]); `conn` is an empty stand-in.
    parked: bool,
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger").field("path", &self.path).finish()
    }
}

/// The default ledger file: the platform's data folder (`~/.local/share/pledger/ledger.sqlite3`
/// on Linux), overridden by the `PLEDGER_LEDGER` environment variable.
pub fn default_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("PLEDGER_LEDGER").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    directories::ProjectDirs::from("org", "pledger", "Pledger")
        .map(|d| d.data_dir().join("ledger.sqlite3"))
}

/// Where the report snapshot of the ledger at `path` is kept between runs (the platform's
/// cache folder, `~/.cache/pledger/snapshots/` on Linux), named by a hash of the ledger's
/// full path.
pub fn snapshot_cache_path(path: &Path) -> Option<PathBuf> {
    use sha2::{Digest, Sha256};
    let full = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let hash = Sha256::digest(full.to_string_lossy().as_bytes());
    let name: String = hash.iter().take(8).map(|b| format!("{b:02x}")).collect();
    directories::ProjectDirs::from("org", "pledger", "Pledger")
        .map(|d| d.cache_dir().join("snapshots").join(format!("{name}.bin")))
}

impl Ledger {
    /// Opens (creating if needed) the ledger at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Ledger, LedgerError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| LedgerError::Io {
                message: format!("cannot create the ledger's folder ({e})"),
                path: parent.to_path_buf(),
            })?;
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags)?;
        let not_a_ledger = || LedgerError::NotALedger(path.to_path_buf());
        // A file that is not SQLite fails on the first read.
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(|_| not_a_ledger())?;
        let v = version(&conn)?;
        if v == 0 && tables > 0 {
            return Err(not_a_ledger());
        }
        Ledger::setup(conn, Some(path.to_path_buf()))
    }

    /// A fresh ledger in memory, for tests and benchmarks.
    pub fn open_in_memory() -> Result<Ledger, LedgerError> {
        Ledger::setup(Connection::open_in_memory()?, None)
    }

    fn setup(mut conn: Connection, path: Option<PathBuf>) -> Result<Ledger, LedgerError> {
        if path.is_some() {
            // While another connection's bulk write holds the ledger in rollback-journal mode
            // ([`Ledger::write_rows`]), SQLite refuses the change at once: the ledger works in
            // that mode until a later open, or that write's end, sets WAL again.
            match conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0)) {
                Err(rusqlite::Error::SqliteFailure(e, _))
                    if e.code == rusqlite::ErrorCode::DatabaseBusy => {}
                other => {
                    other?;
                }
            }
            conn.pragma_update(None, "synchronous", "NORMAL")?;
            // 16 MB of page cache (allocated only as used): an import of 100,000 rows in one
            // transaction otherwise spills pages to the WAL over and over.
            conn.pragma_update(None, "cache_size", -16_000)?;
            // Read the file through a memory map: a full scan (the report snapshot reads
            // every agreement) otherwise spends a third of its time in one read call per page.
            conn.pragma_update(None, "mmap_size", MMAP_BYTES)?;
        }
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // One plan per statement, whatever values are bound: else SQLite plans a statement
        // again whenever a value it planned with changes, which an import running one search
        // per row paid on every row (two fifths of its time, for rows without a reference).
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let fresh = version(&conn)? == 0;
        migrate_to(&mut conn, latest_version())?;
        let mut ledger = Ledger {
            conn,
            path,
            recording: false,
            recorded: Vec::new(),
            parked: false,
        };
        if fresh {
            let lists = ReferenceLists::defaults();
            ledger.write(|w| w.replace_reference_lists(&lists))?;
        }
        Ok(ledger)
    }

    /// Closes the ledger's file until [`Ledger::unpark`], so that another connection (the
    /// desktop app's import, on its thread) has it to itself: a bulk write then commits
    /// through a rollback journal ([`Ledger::write_rows`]), which SQLite refuses while any
    /// other connection is open. Meanwhile this ledger must not be read or written: its
    /// connection is an empty one in memory. False, and nothing done, for a ledger in memory.
    pub fn park(&mut self) -> Result<bool, LedgerError> {
        if self.path.is_none() || self.parked {
            return Ok(false);
        }
        // Dropping the old connection closes the file.
        self.conn = Connection::open_in_memory()?;
        self.parked = true;
        Ok(true)
    }

    /// Opens the file again after [`Ledger::park`], recording changes again if it did.
    pub fn unpark(&mut self) -> Result<(), LedgerError> {
        let (true, Some(path)) = (self.parked, self.path.clone()) else {
            return Ok(());
        };
        let reopened = Ledger::open(&path)?;
        self.conn = reopened.conn;
        self.parked = false;
        if self.recording {
            undo::install(&self.conn)?;
        }
        Ok(())
    }

    /// Whether the file is closed for another connection's import ([`Ledger::park`]).
    pub fn is_parked(&self) -> bool {
        self.parked
    }

    /// The file this ledger lives in; `None` in memory.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Runs `f` in one transaction: every change it makes lands together, with its audit
    /// entries and one revision bump, or none does.
    pub fn write<T>(
        &mut self,
        f: impl FnOnce(&mut Writer<'_>) -> Result<T, LedgerError>,
    ) -> Result<T, LedgerError> {
        let start = if self.recording {
            Some(undo::log_position(&self.conn)?)
        } else {
            None
        };
        // Immediate: the write lock is taken first, waiting for another writer (the busy
        // timeout). A deferred transaction that has read cannot wait: SQLite refuses its
        // first write at once while another connection writes.
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut writer = Writer::new(&tx);
        let out = f(&mut writer)?;
        writer.finish()?;
        drop(writer);
        tx.execute(
            "UPDATE setting SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'revision'",
            [],
        )?;
        tx.commit()?;
        self.trim_wal();
        if let Some(start) = start {
            let change = undo::take_since(&self.conn, start)?;
            self.recorded.extend(change);
        }
        Ok(out)
    }

    /// Empties the WAL file when a write left it over [`WAL_KEPT_BYTES`]. SQLite has copied
    /// it into the ledger already (its automatic checkpoint after a large commit); this only
    /// truncates it. Best effort: while another connection reads, it stays for later.
    fn trim_wal(&self) {
        let Some(path) = &self.path else {
            return;
        };
        let mut wal = path.as_os_str().to_owned();
        wal.push("-wal");
        if std::fs::metadata(&wal).is_ok_and(|m| m.len() > WAL_KEPT_BYTES) {
            let _ = self
                .conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        }
    }

    /// A number that every committed write increases; caches key on it.
    pub fn revision(&self) -> Result<u64, LedgerError> {
        revision_of(&self.conn)
    }

    /// The ledger's state as a short text that changes with every write: its revision, and
    /// the id and time of its last audit entry (so that a backup restored over the file,
    /// then changed, does not pass for the ledger that had the same revision).
    pub fn state_key(&self) -> Result<String, LedgerError> {
        let last: Option<(i64, String)> = self
            .conn
            .query_row(
                "SELECT id, at FROM audit ORDER BY id DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let (id, at) = last.unwrap_or_default();
        Ok(format!(
            "{}:{}:{id}:{at}",
            self.revision()?,
            version(&self.conn)?
        ))
    }

    /// The currency reports are written in.
    pub fn reporting_currency(&self) -> Result<Currency, LedgerError> {
        let text: String = self.conn.query_row(
            "SELECT value FROM setting WHERE key = 'reporting_currency'",
            [],
            |r| r.get(0),
        )?;
        text.parse()
            .map_err(|_| LedgerError::Corrupt(format!("reporting currency '{text}'")))
    }

    /// The organisation's names (settings `org_name` and `org_short_name`; ITU's by default).
    pub fn organisation(&self) -> Result<Organisation, LedgerError> {
        let mut org = Organisation::default();
        let mut stmt = self.conn.prepare_cached(
            "SELECT key, value FROM setting WHERE key IN ('org_name', 'org_short_name')",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        for row in rows {
            match row? {
                (k, v) if k == "org_name" => org.name = v,
                (_, v) => org.short_name = v,
            }
        }
        Ok(org)
    }

    /// The report settings (settings `report_top`, `report_group_under_tenths`; the
    /// defaults where unset or unreadable).
    pub fn report_settings(&self) -> Result<ReportSettings, LedgerError> {
        let mut settings = ReportSettings::default();
        let setting = |key: &str| -> Result<Option<String>, LedgerError> {
            Ok(self
                .conn
                .query_row("SELECT value FROM setting WHERE key = ?1", [key], |r| {
                    r.get(0)
                })
                .optional()?)
        };
        if let Some(top) = setting("report_top")?.and_then(|t| t.parse::<usize>().ok())
            && (1..=ReportSettings::MAX_TOP).contains(&top)
        {
            settings.top = top;
        }
        if let Some(group) =
            setting("report_group_under_tenths")?.and_then(|t| t.parse::<u32>().ok())
            && group <= 1000
        {
            settings.group_under_tenths = group;
        }
        Ok(settings)
    }

    /// Writes a consistent single-file copy of the ledger to `to` (which must not exist).
    pub fn backup(&self, to: &Path) -> Result<(), LedgerError> {
        if to.exists() {
            return Err(LedgerError::Refused(format!(
                "will not overwrite an existing file: {}",
                to.display()
            )));
        }
        let io = |e: std::io::Error| LedgerError::Io {
            message: format!("cannot write the backup ({e})"),
            path: to.into(),
        };
        // Written beside the target and renamed into place once whole: a failed backup
        // leaves nothing behind.
        let tmp = crate::files::beside(to).map_err(io)?;
        let Some(target) = tmp.to_str() else {
            return Err(LedgerError::Io {
                message: "the backup path is not valid UTF-8".into(),
                path: to.into(),
            });
        };
        self.conn.execute("VACUUM INTO ?1", [target])?;
        crate::files::finish_beside(tmp, to, false).map_err(io)
    }

    /// Direct access to the connection, for benchmarks that compare against plain SQL.
    #[doc(hidden)]
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}

#[cfg(test)]
mod tests {
    use super::{Ledger, LedgerError, WAL_KEPT_BYTES};
    use crate::domain::{Partner, PartnerId};
    use std::path::Path;

    fn partner(name: &str) -> Partner {
        Partner {
            id: PartnerId(0),
            name: name.into(),
            name_zh: None,
            partner_type: "government".into(),
            country: None,
            aliases: Vec::new(),
        }
    }

    fn journal_mode(ledger: &Ledger) -> String {
        ledger
            .connection()
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap()
    }

    /// Whether the file `ledger` plus `suffix` exists.
    fn beside(ledger: &Path, suffix: &str) -> bool {
        let mut name = ledger.as_os_str().to_owned();
        name.push(suffix);
        Path::new(&name).exists()
    }

    #[test]
    fn a_bulk_write_alone_on_the_ledger_commits_through_a_journal_then_returns_to_wal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.sqlite3");
        let mut ledger = Ledger::open(&path).unwrap();
        assert_eq!(journal_mode(&ledger), "wal");

        ledger
            .write_rows(Some(super::BULK_ROWS), false, |w| {
                w.add_partner(&partner("Norad"))?;
                assert!(beside(&path, "-journal"), "no rollback journal");
                assert!(!beside(&path, "-wal"), "a WAL");
                // Another open meanwhile works, in the mode the ledger is in.
                let other = Ledger::open(&path).unwrap();
                assert_eq!(journal_mode(&other), "delete");
                assert_eq!(other.partners().unwrap().len(), 0);
                Ok(())
            })
            .unwrap();
        assert_eq!(journal_mode(&ledger), "wal");
        assert_eq!(ledger.partners().unwrap().len(), 1);
        let mmap: i64 = ledger
            .connection()
            .query_row("PRAGMA mmap_size", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mmap, super::MMAP_BYTES);

        // A write that fails leaves nothing, and the WAL back.
        let failed = ledger.write_rows(Some(super::BULK_ROWS), false, |w| {
            w.add_partner(&partner("Sida"))?;
            Err::<(), _>(LedgerError::Refused("stop".into()))
        });
        assert!(failed.is_err());
        assert_eq!(journal_mode(&ledger), "wal");
        assert_eq!(ledger.partners().unwrap().len(), 1);
    }

    #[test]
    fn a_bulk_write_beside_another_connection_stays_in_wal_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.sqlite3");
        let mut ledger = Ledger::open(&path).unwrap();
        let other = Ledger::open(&path).unwrap();
        let t = std::time::Instant::now();
        ledger
            .write_rows(Some(super::BULK_ROWS), false, |w| {
                w.add_partner(&partner("Norad"))?;
                assert!(!beside(&path, "-journal"), "a rollback journal");
                Ok(())
            })
            .unwrap();
        // SQLite refuses the change at once: no busy wait.
        assert!(t.elapsed() < std::time::Duration::from_secs(2));
        assert_eq!(journal_mode(&ledger), "wal");
        assert_eq!(other.partners().unwrap().len(), 1);
    }

    #[test]
    fn a_parked_ledger_leaves_the_file_to_a_bulk_write_then_opens_it_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.sqlite3");
        let mut app = Ledger::open(&path).unwrap();
        app.set_recording(true).unwrap();
        assert!(app.park().unwrap());
        assert!(app.is_parked());
        let mut import = Ledger::open(&path).unwrap();
        import
            .write_rows(Some(super::BULK_ROWS), false, |w| {
                w.add_partner(&partner("Norad"))?;
                assert!(
                    beside(&path, "-journal"),
                    "the parked ledger kept the file open"
                );
                Ok(())
            })
            .unwrap();
        drop(import);
        app.unpark().unwrap();
        assert!(!app.is_parked());
        assert_eq!(app.partners().unwrap().len(), 1);
        assert_eq!(journal_mode(&app), "wal");
        // It records changes again, for undo.
        app.write(|w| w.add_partner(&partner("Sida"))).unwrap();
        assert!(!app.take_recorded().is_empty());
        // A ledger in memory has no file to leave.
        assert!(!Ledger::open_in_memory().unwrap().park().unwrap());
    }

    #[test]
    fn a_large_write_leaves_no_large_wal_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.sqlite3");
        let mut ledger = Ledger::open(&path).unwrap();
        ledger
            .write(|w| {
                for i in 0..5000 {
                    w.add_partner(&Partner {
                        aliases: vec![format!("Alias {i} ").repeat(20)],
                        ..partner(&format!("Partner {i}"))
                    })?;
                }
                Ok(())
            })
            .unwrap();
        let wal = dir.path().join("ledger.sqlite3-wal");
        let size = std::fs::metadata(&wal).map_or(0, |m| m.len());
        assert!(size <= WAL_KEPT_BYTES, "the WAL holds {size} bytes");
        assert_eq!(ledger.partners().unwrap().len(), 5000);
    }
}
