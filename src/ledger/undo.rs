//! Exact undo and redo. While recording, temporary triggers write, for every row a write
//! inserts, updates or deletes, the SQL statement that puts it back (SQLite's "automatic
//! undo/redo with triggers"). Running a step's statements backwards undoes it, and the
//! triggers record, as they run, the statements that redo it. The audit trail and the
//! import batches are not recorded: undoing a change adds to the trail instead of erasing
//! it. Pure SQL: no SQLite extension, nothing to build.

use rusqlite::{Connection, params};

use super::{Ledger, LedgerError};

/// The changes one committed write made, as the statements that revert them, in the order
/// they were made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    statements: Vec<String>,
}

impl Change {
    /// Size of the recorded statements, to bound an undo history.
    pub fn len_bytes(&self) -> usize {
        self.statements.iter().map(String::len).sum()
    }
}

/// Tables whose rows undo and redo restore: everything but the audit trail and the
/// import batches it points to, which stay as the record of what happened.
fn recorded_table(table: &str) -> bool {
    !matches!(table, "audit" | "import_batch") && !table.starts_with("sqlite_")
}

fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `'"col"='||quote(old."col")` pieces joined by `sep`, for building SQL text in SQL.
fn assignments(columns: &[String], row: &str, sep: &str) -> String {
    columns
        .iter()
        .map(|c| {
            let text = format!("{}=", ident(c)).replace('\'', "''");
            format!("'{text}'||quote({row}.{})", ident(c))
        })
        .collect::<Vec<_>>()
        .join(&format!("||'{sep}'||"))
}

/// Creates the temporary undo log and its triggers on every recorded table.
pub(super) fn install(conn: &Connection) -> Result<(), LedgerError> {
    conn.execute_batch(
        "PRAGMA recursive_triggers = ON;
         CREATE TEMP TABLE IF NOT EXISTS undo_log (seq INTEGER PRIMARY KEY, statement TEXT NOT NULL);",
    )?;
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM main.sqlite_master WHERE type = 'table' ORDER BY name")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for table in tables.into_iter().filter(|t| recorded_table(t)) {
        let mut columns = Vec::new();
        let mut keys: Vec<(i64, String)> = Vec::new();
        let mut info = conn.prepare(&format!("PRAGMA main.table_info({})", ident(&table)))?;
        let mut rows = info.query([])?;
        while let Some(r) = rows.next()? {
            let name: String = r.get(1)?;
            let pk: i64 = r.get(5)?;
            if pk > 0 {
                keys.push((pk, name.clone()));
            }
            columns.push(name);
        }
        keys.sort();
        let keys: Vec<String> = keys.into_iter().map(|(_, k)| k).collect();
        if keys.is_empty() {
            continue;
        }
        let t = ident(&table);
        let t_text = t.replace('\'', "''");
        let where_new = assignments(&keys, "new", " AND ");
        let set_old = assignments(&columns, "old", ",");
        let column_list = columns
            .iter()
            .map(|c| ident(c))
            .collect::<Vec<_>>()
            .join(",");
        let values_old = columns
            .iter()
            .map(|c| format!("quote(old.{})", ident(c)))
            .collect::<Vec<_>>()
            .join("||','||");
        // The revision moves on with every write and is set by undo itself.
        let skip = if table == "setting" {
            " WHEN old.key IS NOT 'revision'"
        } else {
            ""
        };
        let skip_new = if table == "setting" {
            " WHEN new.key IS NOT 'revision'"
        } else {
            ""
        };
        let name = table.replace(|c: char| !c.is_ascii_alphanumeric(), "_");
        conn.execute_batch(&format!(
            "DROP TRIGGER IF EXISTS temp.undo_{name}_insert;
             DROP TRIGGER IF EXISTS temp.undo_{name}_update;
             DROP TRIGGER IF EXISTS temp.undo_{name}_delete;
             CREATE TEMP TRIGGER undo_{name}_insert AFTER INSERT ON main.{t}{skip_new} BEGIN
               INSERT INTO undo_log (statement) VALUES ('DELETE FROM {t_text} WHERE '||{where_new});
             END;
             CREATE TEMP TRIGGER undo_{name}_update AFTER UPDATE ON main.{t}{skip} BEGIN
               INSERT INTO undo_log (statement) VALUES ('UPDATE {t_text} SET '||{set_old}||' WHERE '||{where_new});
             END;
             CREATE TEMP TRIGGER undo_{name}_delete AFTER DELETE ON main.{t}{skip} BEGIN
               INSERT INTO undo_log (statement) VALUES ('INSERT INTO {t_text} ({column_list}) VALUES ('||{values_old}||')');
             END;",
            column_list = column_list.replace('\'', "''"),
        ))?;
    }
    Ok(())
}

/// Drops the undo triggers and empties the log: writes are no longer recorded.
fn uninstall(conn: &Connection) -> Result<(), LedgerError> {
    let triggers: Vec<String> = conn
        .prepare("SELECT name FROM temp.sqlite_master WHERE type = 'trigger' AND name LIKE 'undo\\_%' ESCAPE '\\'")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for name in triggers {
        conn.execute_batch(&format!("DROP TRIGGER temp.{}", ident(&name)))?;
    }
    conn.execute_batch("DELETE FROM temp.undo_log")?;
    Ok(())
}

/// The last entry of the undo log.
pub(super) fn log_position(conn: &Connection) -> Result<i64, LedgerError> {
    Ok(
        conn.query_row("SELECT coalesce(max(seq), 0) FROM temp.undo_log", [], |r| {
            r.get(0)
        })?,
    )
}

/// The statements logged after `after`, oldest first, removed from the log.
pub(super) fn take_since(conn: &Connection, after: i64) -> Result<Option<Change>, LedgerError> {
    let statements: Vec<String> = conn
        .prepare("SELECT statement FROM temp.undo_log WHERE seq > ?1 ORDER BY seq")?
        .query_map([after], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    conn.execute("DELETE FROM temp.undo_log WHERE seq > ?1", [after])?;
    Ok((!statements.is_empty()).then_some(Change { statements }))
}

impl Ledger {
    /// Starts or stops recording the changes of every write, for [`Ledger::take_recorded`].
    pub fn set_recording(&mut self, on: bool) -> Result<(), LedgerError> {
        if on && !self.recording {
            install(&self.conn)?;
        }
        if !on && self.recording {
            uninstall(&self.conn)?;
        }
        self.recording = on;
        self.recorded.clear();
        Ok(())
    }

    /// The changes recorded since the last call, oldest first: one step of an undo history.
    pub fn take_recorded(&mut self) -> Vec<Change> {
        std::mem::take(&mut self.recorded)
    }

    /// Reverts `changes` (as returned by [`Ledger::take_recorded`], or by an earlier
    /// `revert`), newest first, in one transaction that also bumps the revision and adds an
    /// audit entry. Returns the changes that revert this revert: undo gives redo, and redo
    /// gives undo again.
    pub fn revert(&mut self, changes: &[Change]) -> Result<Vec<Change>, LedgerError> {
        if !self.recording {
            return Err(LedgerError::Refused(
                "undo needs a ledger opened with recording on".into(),
            ));
        }
        let before = self.revision()?;
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute_batch("PRAGMA defer_foreign_keys = ON")?;
        let start = log_position(&tx)?;
        for change in changes.iter().rev() {
            for statement in change.statements.iter().rev() {
                let touched = tx.execute(statement, [])?;
                if touched != 1 {
                    return Err(LedgerError::Refused(
                        "the ledger has changed since; this step can no longer be undone".into(),
                    ));
                }
            }
        }
        let back = take_since(&tx, start)?;
        tx.execute(
            "UPDATE setting SET value = ?1 WHERE key = 'revision'",
            [before.saturating_add(1).to_string()],
        )?;
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        tx.execute(
            "INSERT INTO audit (at, entity, entity_id, action, old, new, batch_id) VALUES (?1, 'ledger', '', 'update', NULL, ?2, NULL)",
            params![
                now,
                format!(
                    r#"{{"reverted_steps":{},"revision":{}}}"#,
                    changes.len(),
                    before
                )
            ],
        )?;
        tx.commit()?;
        Ok(back.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::{ExchangeRate, Partner, PartnerId};
    use crate::ledger::Ledger;

    fn partner(name: &str) -> Partner {
        Partner {
            id: PartnerId(0),
            name: name.into(),
            name_zh: None,
            partner_type: "government".into(),
            country: None,
            aliases: vec!["Alias of ".to_owned() + name],
        }
    }

    fn dump(l: &Ledger) -> String {
        let partners = l.partners().unwrap();
        let rates = l.rates().unwrap();
        format!("{partners:?} {:?}", rates.rates())
    }

    #[test]
    fn undo_and_redo_restore_rows_exactly() {
        let mut ledger = Ledger::open_in_memory().unwrap();
        ledger.write(|w| w.add_partner(&partner("Norad"))).unwrap();
        let usd = "USD".parse().unwrap();
        let chf = "CHF".parse().unwrap();
        let rate = |r: &str| ExchangeRate {
            currency: chf,
            quote: usd,
            valid_from: chrono::NaiveDate::from_ymd_opt(2021, 1, 1).unwrap(),
            rate: r.parse().unwrap(),
        };
        ledger.write(|w| w.set_rate(&rate("1.10"))).unwrap();
        let original = dump(&ledger);
        ledger.set_recording(true).unwrap();
        let id = ledger
            .write(|w| w.add_partner(&partner("FCDO's \"office\"")))
            .unwrap();
        let mut p = ledger.partner(id).unwrap();
        p.country = Some("GB".into());
        ledger.write(|w| w.update_partner(&p)).unwrap();
        // INSERT OR REPLACE of a rate: the old rate comes back on undo.
        ledger.write(|w| w.set_rate(&rate("1.0925"))).unwrap();
        let step = ledger.take_recorded();
        assert_eq!(step.len(), 3);
        let after = dump(&ledger);
        let rev = ledger.revision().unwrap();
        let redo = ledger.revert(&step).unwrap();
        assert_eq!(dump(&ledger), original);
        assert!(ledger.revision().unwrap() > rev, "undo is a new revision");
        let undo = ledger.revert(&redo).unwrap();
        assert_eq!(dump(&ledger), after);
        ledger.revert(&undo).unwrap();
        assert_eq!(dump(&ledger), original);
        // Reverting the same step twice is refused, and changes nothing.
        assert!(ledger.revert(&undo).is_err());
        assert_eq!(dump(&ledger), original);
        let reverts = ledger
            .audit(50)
            .unwrap()
            .into_iter()
            .filter(|a| a.entity == "ledger")
            .count();
        assert_eq!(reverts, 3);
    }
}
