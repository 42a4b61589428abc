//! Exact undo and redo: while recording, each write's changes are kept as an SQLite
//! changeset (the session extension), which can be inverted and applied back. The audit
//! trail and the import batches are left out of changesets, so undoing a change adds to the
//! trail instead of erasing it.

use rusqlite::params;
use rusqlite::session::{ConflictAction, ConflictType, Session, invert_strm};

use super::{Ledger, LedgerError};

/// The changes one committed write made, enough to undo or redo it exactly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    changeset: Vec<u8>,
}

impl Change {
    /// Size of the recorded changes, to bound an undo history.
    pub fn len_bytes(&self) -> usize {
        self.changeset.len()
    }
}

/// Tables whose rows undo and redo restore: everything but the audit trail and the
/// import batches it points to, which stay as the record of what happened.
fn recorded_table(table: &str) -> bool {
    table != "audit" && table != "import_batch"
}

/// A session that records every change to the recorded tables of `ledger`'s connection.
pub(super) fn start_session(conn: &rusqlite::Connection) -> Result<Session<'_>, LedgerError> {
    let mut session = Session::new(conn)?;
    session.table_filter(Some(recorded_table));
    session.attach(None::<&str>)?;
    Ok(session)
}

/// The changes `session` saw, or `None` when there were none.
pub(super) fn finish_session(mut session: Session<'_>) -> Result<Option<Change>, LedgerError> {
    if session.is_empty() {
        return Ok(None);
    }
    let mut changeset = Vec::new();
    session.changeset_strm(&mut changeset)?;
    Ok(Some(Change { changeset }))
}

impl Ledger {
    /// Starts or stops recording the changes of every write, for [`Ledger::take_recorded`].
    pub fn set_recording(&mut self, on: bool) {
        self.recording = on;
        if !on {
            self.recorded.clear();
        }
    }

    /// The changes recorded since the last call, oldest first: one step of an undo history.
    pub fn take_recorded(&mut self) -> Vec<Change> {
        std::mem::take(&mut self.recorded)
    }

    /// Reverts `changes` (as returned by [`Ledger::take_recorded`]), newest first, in one
    /// transaction. Refused, with nothing changed, if the ledger has since changed the
    /// same rows in another way.
    pub fn undo(&mut self, changes: &[Change]) -> Result<(), LedgerError> {
        self.apply_changes(changes, true)
    }

    /// Applies `changes` again after an [`Ledger::undo`].
    pub fn redo(&mut self, changes: &[Change]) -> Result<(), LedgerError> {
        self.apply_changes(changes, false)
    }

    fn apply_changes(&mut self, changes: &[Change], invert: bool) -> Result<(), LedgerError> {
        let before = self.revision()?;
        let tx = self.conn.transaction()?;
        let ordered: Vec<&Change> = if invert {
            changes.iter().rev().collect()
        } else {
            changes.iter().collect()
        };
        for change in ordered {
            let bytes = if invert {
                let mut out = Vec::with_capacity(change.changeset.len());
                invert_strm(&mut change.changeset.as_slice(), &mut out)?;
                out
            } else {
                change.changeset.clone()
            };
            tx.apply_strm(
                &mut bytes.as_slice(),
                None::<fn(&str) -> bool>,
                |conflict, item| {
                    // A foreign-key conflict carries no row: asking for it would crash.
                    if !matches!(
                        conflict,
                        ConflictType::SQLITE_CHANGESET_DATA
                            | ConflictType::SQLITE_CHANGESET_NOTFOUND
                    ) {
                        return ConflictAction::SQLITE_CHANGESET_ABORT;
                    }
                    let op = item.op().ok();
                    let table = op.as_ref().map_or("", |op| op.table_name());
                    let delete = op
                        .as_ref()
                        .is_some_and(|op| op.code() == rusqlite::hooks::Action::SQLITE_DELETE);
                    match conflict {
                        // The revision moves on with every write; it is set below.
                        ConflictType::SQLITE_CHANGESET_DATA if table == "setting" => {
                            ConflictAction::SQLITE_CHANGESET_REPLACE
                        }
                        // A cascade already deleted the row (an agreement's themes).
                        ConflictType::SQLITE_CHANGESET_NOTFOUND if delete => {
                            ConflictAction::SQLITE_CHANGESET_OMIT
                        }
                        _ => ConflictAction::SQLITE_CHANGESET_ABORT,
                    }
                },
            )
            .map_err(|e| match e {
                rusqlite::Error::SqliteFailure(f, _)
                    if f.code == rusqlite::ErrorCode::OperationAborted =>
                {
                    LedgerError::Refused(
                        "the ledger has changed since; this step can no longer be undone"
                            .to_owned(),
                    )
                }
                other => LedgerError::from(other),
            })?;
        }
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
                    r#"{{"{}":{},"revision":{}}}"#,
                    if invert { "undo" } else { "redo" },
                    changes.len(),
                    before
                )
            ],
        )?;
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::{Partner, PartnerId};
    use crate::ledger::Ledger;

    fn partner(name: &str) -> Partner {
        Partner {
            id: PartnerId(0),
            name: name.into(),
            name_zh: None,
            partner_type: "government".into(),
            country: None,
            aliases: vec![],
        }
    }

    #[test]
    fn undo_and_redo_restore_rows_exactly() {
        let mut ledger = Ledger::open_in_memory().unwrap();
        ledger.write(|w| w.add_partner(&partner("Norad"))).unwrap();
        ledger.set_recording(true);
        let id = ledger.write(|w| w.add_partner(&partner("FCDO"))).unwrap();
        let mut p = ledger.partner(id).unwrap();
        p.country = Some("GB".into());
        ledger.write(|w| w.update_partner(&p)).unwrap();
        let step = ledger.take_recorded();
        assert_eq!(step.len(), 2);
        let names = |l: &Ledger| {
            l.partners()
                .unwrap()
                .into_iter()
                .map(|p| (p.id, p.name, p.country))
                .collect::<Vec<_>>()
        };
        let after = names(&ledger);
        let rev = ledger.revision().unwrap();
        ledger.undo(&step).unwrap();
        assert_eq!(names(&ledger).len(), 1);
        assert!(ledger.revision().unwrap() > rev, "undo is a new revision");
        ledger.redo(&step).unwrap();
        assert_eq!(names(&ledger), after);
        // Undoing twice is refused: the rows are already gone.
        ledger.undo(&step).unwrap();
        assert!(ledger.undo(&step).is_err());
        assert_eq!(names(&ledger).len(), 1);
        // The trail keeps the undone writes and the undos themselves.
        let undos = ledger
            .audit(50)
            .unwrap()
            .into_iter()
            .filter(|a| a.entity == "ledger" && a.new.as_deref().unwrap_or("").contains("undo"))
            .count();
        assert_eq!(undos, 2);
    }
}
