//! Writing many agreements fast, in one place: a write transaction's rows held back and
//! written together ([`Held`]), the date index built once at the end of a bulk import, and
//! the rollback journal a bulk import commits through when it is alone on the ledger
//! ([`Ledger::write_rows`]).

use rusqlite::{CachedStatement, OptionalExtension, Transaction, params};

use super::{Ledger, LedgerError, MMAP_BYTES, Writer};
use crate::domain::Agreement;

/// A sheet of at least this many rows, imported into a ledger holding at most half as many
/// agreements, is a bulk import ([`Ledger::write_rows`]). Into a larger ledger, building the
/// date index anew would cost more than adding the rows to it, and the journal would hold a
/// copy of every page the rows change.
pub const BULK_ROWS: usize = 10_000;

/// Whether adding `rows` rows to a ledger whose agreement ids go up to `last_id` is a bulk
/// write ([`BULK_ROWS`]).
fn is_bulk(rows: Option<usize>, last_id: i64) -> bool {
    rows.is_some_and(|t| {
        t >= BULK_ROWS && i64::try_from(t).is_ok_and(|t| t >= last_id.saturating_mul(2))
    })
}

/// The index of agreements by signing date, which a bulk write builds once at its end.
pub(super) const DATE_INDEX: &str = "agreement_signed_on";

/// The SQL that creates index `name`, if the ledger has it.
pub(super) fn index_sql(
    conn: &rusqlite::Connection,
    name: &str,
) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = ?1",
        [name],
        |r| r.get(0),
    )
    .optional()
}

/// Theme links written by one statement.
const THEMES_AT_ONCE: usize = 64;

/// A write transaction and what the agreements added to it still owe: their theme links,
/// written 64 to a statement, and one audit entry for each run of ids created in a row
/// (`first-last`; an import adds thousands). The transaction is reached only through
/// [`Held::tx`], which writes what is held first, so nothing reads or changes those tables
/// before they are complete; [`Held::peek`] serves the reads that know what is held.
pub(super) struct Held<'t> {
    tx: &'t Transaction<'t>,
    now: String,
    batch: Option<i64>,
    created: Option<(i64, i64)>,
    themes: Vec<(i64, String, u32)>,
    // The statement adding an agreement, held between calls: finding it again in the
    // statement cache hashes its text each time.
    insert: Option<CachedStatement<'t>>,
    // The SQL of the date index while [`Held::defer_date_index`] has it dropped.
    deferred_date_index: Option<String>,
}

impl<'t> Held<'t> {
    pub(super) fn new(tx: &'t Transaction<'t>) -> Held<'t> {
        Held {
            tx,
            now: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            batch: None,
            created: None,
            themes: Vec::new(),
            insert: None,
            deferred_date_index: None,
        }
    }

    /// The transaction, with everything held written first.
    pub(super) fn tx(&mut self) -> Result<&'t Transaction<'t>, LedgerError> {
        self.settle()?;
        Ok(self.tx)
    }

    /// The transaction as it is, rows held back not yet in it: for reads of other tables,
    /// and of agreements when [`Held::holds_links_of`] says theirs are complete.
    pub(super) fn peek(&self) -> &'t Transaction<'t> {
        self.tx
    }

    /// The transaction's time, for audit entries.
    pub(super) fn now(&self) -> &str {
        &self.now
    }

    /// The import batch every change is tagged with, if one is open.
    pub(super) fn batch(&self) -> Option<i64> {
        self.batch
    }

    /// Tags every later change with import batch `id`.
    pub(super) fn set_batch(&mut self, id: i64) -> Result<(), LedgerError> {
        self.settle()?;
        self.batch = Some(id);
        Ok(())
    }

    /// Whether agreement `id` has theme links held back still.
    pub(super) fn holds_links_of(&self, id: i64) -> bool {
        self.themes.iter().any(|(held, _, _)| *held == id)
    }

    /// Inserts agreement `a` (checked already) and holds its theme links and its audit entry;
    /// returns its id. `refuse` says why SQLite refused the row.
    pub(super) fn insert_agreement(
        &mut self,
        a: &Agreement,
        refuse: impl FnOnce(rusqlite::Error) -> LedgerError,
    ) -> Result<i64, LedgerError> {
        let tx = self.tx;
        let mut insert = match self.insert.take() {
            Some(stmt) => stmt,
            None => tx.prepare_cached(&format!(
                "INSERT INTO agreement ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                super::agreement_row::COLUMNS
            ))?,
        };
        let executed =
            super::agreement_row::bind(&mut insert, 1, a).and_then(|()| insert.raw_execute());
        self.insert = Some(insert);
        executed.map_err(refuse)?;
        let id = self.tx.last_insert_rowid();
        self.hold_themes(a, id);
        if self.themes.len() >= THEMES_AT_ONCE {
            self.write_themes_held()?;
        }
        // The audit entry holds no copy of the values: the row holds them until an update
        // or a delete records them as old. Ids created in a row share one entry.
        self.created = match self.created {
            Some((first, last)) if last.checked_add(1) == Some(id) => Some((first, id)),
            Some(_) => {
                self.settle()?;
                Some((id, id))
            }
            None => Some((id, id)),
        };
        Ok(id)
    }

    /// Replaces agreement `id`'s theme links with `a`'s.
    pub(super) fn replace_themes(&mut self, a: &Agreement, id: i64) -> Result<(), LedgerError> {
        self.tx()?
            .prepare_cached("DELETE FROM agreement_theme WHERE agreement_id = ?1")?
            .execute([id])?;
        self.hold_themes(a, id);
        self.write_themes_held()
    }

    fn hold_themes(&mut self, a: &Agreement, id: i64) {
        self.themes
            .extend(a.themes.iter().map(|t| (id, t.theme.clone(), t.percent_bp)));
    }

    /// Writes what is held: theme links, then the audit entry of the ids created in a row.
    pub(super) fn settle(&mut self) -> Result<(), LedgerError> {
        self.write_themes_held()?;
        if let Some((first, last)) = self.created.take() {
            let ids = if first == last {
                first.to_string()
            } else {
                format!("{first}-{last}")
            };
            self.tx
                .prepare_cached(
                    "INSERT INTO audit (at, entity, entity_id, action, batch_id) VALUES (?1, 'agreement', ?2, 'create', ?3)",
                )?
                .execute(params![self.now, ids, self.batch])?;
        }
        Ok(())
    }

    /// Writes the theme links held back, in one statement.
    pub(super) fn write_themes_held(&mut self) -> Result<(), LedgerError> {
        if self.themes.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "INSERT INTO agreement_theme (agreement_id, theme, percent_bp) VALUES {}",
            vec!["(?, ?, ?)"; self.themes.len()].join(", ")
        );
        let mut stmt = self.tx.prepare_cached(&sql)?;
        let mut index = 0;
        for (id, theme, percent_bp) in &self.themes {
            stmt.raw_bind_parameter(index + 1, id)?;
            stmt.raw_bind_parameter(index + 2, theme)?;
            stmt.raw_bind_parameter(index + 3, percent_bp)?;
            index += 3;
        }
        stmt.raw_execute()?;
        self.themes.clear();
        Ok(())
    }

    /// Drops the agreements' date index until [`Held::restore_date_index`], which the
    /// transaction's end calls, for a bulk write. Adding rows in no date order to the index
    /// costs a search and often a page split each; building it once from sorted rows costs
    /// a third of that. No query is wrong without it, and a rollback brings it back.
    pub(super) fn defer_date_index(&mut self) -> Result<(), LedgerError> {
        if self.deferred_date_index.is_some() {
            return Ok(());
        }
        if let Some(sql) = index_sql(self.tx, DATE_INDEX)? {
            self.tx()?
                .execute_batch(&format!("DROP INDEX {DATE_INDEX}"))?;
            self.deferred_date_index = Some(sql);
        }
        Ok(())
    }

    /// Builds the date index again if [`Held::defer_date_index`] dropped it.
    pub(super) fn restore_date_index(&mut self) -> Result<(), LedgerError> {
        if let Some(sql) = self.deferred_date_index.take() {
            self.tx()?.execute_batch(&sql)?;
        }
        Ok(())
    }

    /// Ends the transaction's writing: what is held is written, the date index is back.
    pub(super) fn finish(&mut self) -> Result<(), LedgerError> {
        self.settle()?;
        self.restore_date_index()
    }
}

impl Ledger {
    /// Runs `f` as [`Ledger::write`] does, for a transaction that adds about `rows` rows (an
    /// import; `None` when unknown). A bulk write ([`BULK_ROWS`]) builds the date index once
    /// at its end; and, unless it is a `dry_run` (which writes nothing to keep), when this is
    /// the ledger's only connection it commits through a rollback journal, which writes each
    /// new page once, into the ledger: the WAL writes it twice, into the WAL and then, at the
    /// checkpoint that follows a large commit, into the ledger, syncing both (100,000 new
    /// agreements: 0.10 s instead of 0.24 s in the sqlite3 shell). Another connection open on
    /// the ledger keeps it in WAL mode (the desktop app parks its own for an import:
    /// [`Ledger::park`]). The journal is synced before the ledger is overwritten
    /// (`synchronous = FULL`); the ledger is back in WAL mode after.
    pub fn write_rows<T>(
        &mut self,
        rows: Option<usize>,
        dry_run: bool,
        f: impl FnOnce(&mut Writer<'_>) -> Result<T, LedgerError>,
    ) -> Result<T, LedgerError> {
        if !is_bulk(rows, self.last_agreement_id()?) {
            return self.write(f);
        }
        let f = |w: &mut Writer<'_>| {
            w.defer_date_index()?;
            f(w)
        };
        if dry_run || self.path.is_none() || !self.set_journal_mode("delete") {
            return self.write(f);
        }
        // Pages read back from the ledger file, which now takes the new pages itself, go
        // through SQLite's page cache: through the memory map, every page of the new ledger
        // would count in the process's memory (170 MB for 1,000,000 agreements).
        let set = self
            .conn
            .pragma_update(None, "synchronous", "FULL")
            .and_then(|()| self.conn.pragma_update(None, "mmap_size", 0));
        let out = set.map_err(LedgerError::from).and_then(|()| self.write(f));
        // Committed or not, the transaction is over and the outcome is the write's: the
        // settings come back as far as SQLite lets them (any open of the ledger sets them
        // again, should another connection hold the WAL off now).
        let _ = self.conn.pragma_update(None, "mmap_size", MMAP_BYTES);
        let synchronous = if self.set_journal_mode("wal") {
            "NORMAL"
        } else {
            "FULL"
        };
        let _ = self.conn.pragma_update(None, "synchronous", synchronous);
        out
    }

    /// Switches the journal mode; false when SQLite refused (another connection is open).
    fn set_journal_mode(&self, mode: &str) -> bool {
        self.conn
            .query_row(&format!("PRAGMA journal_mode = {mode}"), [], |r| {
                r.get::<_, String>(0)
            })
            .is_ok_and(|m| m.eq_ignore_ascii_case(mode))
    }
}

#[cfg(test)]
mod tests {
    use super::is_bulk;

    #[test]
    fn only_a_large_sheet_into_a_ledger_half_its_size_or_less_is_a_bulk_write() {
        assert!(is_bulk(Some(10_000), 0));
        assert!(is_bulk(Some(100_000), 50_000));
        assert!(!is_bulk(Some(100_000), 50_001));
        assert!(!is_bulk(Some(9_999), 0));
        assert!(!is_bulk(None, 0));
    }
}
