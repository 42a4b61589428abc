//! The ledger's schema as an append-only list of migrations, applied against SQLite's
//! `user_version`. Never edit a step that has shipped: add one.

use rusqlite::Connection;

use super::LedgerError;

/// Migration steps; step `i` takes the ledger from version `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    // 1: partners, agreements, reference lists, rates, settings, audit trail.
    r#"
    CREATE TABLE setting (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) STRICT;
    INSERT INTO setting (key, value) VALUES ('revision', '0'), ('reporting_currency', 'USD');

    CREATE TABLE reference_entry (
        kind      TEXT NOT NULL CHECK (kind IN ('partner_type', 'region', 'theme')),
        key       TEXT NOT NULL,
        label_en  TEXT NOT NULL,
        label_zh  TEXT NOT NULL,
        iati_code INTEGER,
        synonyms  TEXT NOT NULL DEFAULT '[]',
        position  INTEGER NOT NULL,
        PRIMARY KEY (kind, key)
    ) STRICT;

    CREATE TABLE partner (
        id           INTEGER PRIMARY KEY,
        name         TEXT NOT NULL UNIQUE,
        name_zh      TEXT,
        partner_type TEXT NOT NULL,
        country      TEXT
    ) STRICT;

    CREATE TABLE partner_alias (
        alias      TEXT PRIMARY KEY,
        partner_id INTEGER NOT NULL REFERENCES partner (id) ON DELETE CASCADE
    ) STRICT;
    CREATE INDEX partner_alias_partner ON partner_alias (partner_id);

    CREATE TABLE agreement (
        id           INTEGER PRIMARY KEY,
        reference    TEXT UNIQUE,
        title        TEXT NOT NULL DEFAULT '',
        partner_id   INTEGER NOT NULL REFERENCES partner (id),
        signed_on    TEXT NOT NULL,
        status       TEXT NOT NULL CHECK (status IN ('draft', 'signed', 'cancelled')),
        amount_minor INTEGER,
        currency     TEXT,
        value_date   TEXT,
        own_minor    INTEGER,
        own_currency TEXT,
        region       TEXT NOT NULL,
        notes        TEXT NOT NULL DEFAULT '',
        CHECK ((amount_minor IS NULL) = (currency IS NULL)),
        CHECK ((own_minor IS NULL) = (own_currency IS NULL))
    ) STRICT;
    CREATE INDEX agreement_signed_on ON agreement (signed_on);
    CREATE INDEX agreement_partner ON agreement (partner_id);

    CREATE TABLE agreement_theme (
        agreement_id INTEGER NOT NULL REFERENCES agreement (id) ON DELETE CASCADE,
        theme        TEXT NOT NULL,
        percent_bp   INTEGER NOT NULL CHECK (percent_bp > 0 AND percent_bp <= 10000),
        PRIMARY KEY (agreement_id, theme)
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE exchange_rate (
        currency   TEXT NOT NULL,
        quote      TEXT NOT NULL,
        valid_from TEXT NOT NULL,
        rate       TEXT NOT NULL,
        PRIMARY KEY (currency, quote, valid_from)
    ) STRICT;

    CREATE TABLE audit (
        id        INTEGER PRIMARY KEY,
        at        TEXT NOT NULL,
        entity    TEXT NOT NULL,
        entity_id TEXT,
        action    TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete')),
        old       TEXT,
        new       TEXT
    ) STRICT;
    "#,
    // 2: import batches (undo an import) and saved column-mapping profiles.
    r#"
    CREATE TABLE import_batch (
        id          INTEGER PRIMARY KEY,
        file_name   TEXT NOT NULL,
        sha256      TEXT NOT NULL,
        imported_at TEXT NOT NULL,
        created     INTEGER NOT NULL,
        updated     INTEGER NOT NULL,
        unchanged   INTEGER NOT NULL,
        partners    INTEGER NOT NULL,
        undone_at   TEXT
    ) STRICT;
    ALTER TABLE audit ADD COLUMN batch_id INTEGER REFERENCES import_batch (id);
    CREATE INDEX audit_batch ON audit (batch_id);

    CREATE TABLE mapping_profile (
        name       TEXT NOT NULL,
        header_key TEXT NOT NULL,
        field      TEXT NOT NULL,
        PRIMARY KEY (name, header_key)
    ) STRICT;
    "#,
    // 3: published reports, with each agreement's contribution to them.
    r#"
    CREATE TABLE publication (
        id           INTEGER PRIMARY KEY,
        period       TEXT NOT NULL,
        period_from  TEXT NOT NULL,
        period_to    TEXT NOT NULL,
        published_at TEXT NOT NULL,
        revision     INTEGER NOT NULL,
        report_json  TEXT NOT NULL
    ) STRICT;
    CREATE INDEX publication_period ON publication (period_from, period_to);

    CREATE TABLE publication_agreement (
        publication_id INTEGER NOT NULL REFERENCES publication (id) ON DELETE CASCADE,
        agreement_id   INTEGER NOT NULL,
        reference      TEXT NOT NULL,
        partner        TEXT NOT NULL,
        signed_on      TEXT NOT NULL,
        amount_minor   INTEGER,
        PRIMARY KEY (publication_id, agreement_id)
    ) STRICT;
    "#,
    // 4: the agreement's status and the audit's action checked by equalities, not by an
    // `IN` list, which SQLite evaluates through a temporary b-tree built for every inserted
    // row. Same rule, so the stored rows need no rewrite: SQLite's documented procedure for
    // changing a CHECK constraint edits the table's text in place (the runner then bumps
    // `schema_version`, so every connection reloads it).
    r#"
    PRAGMA writable_schema = ON;
    UPDATE sqlite_schema
       SET sql = replace(sql,
                         'CHECK (status IN (''draft'', ''signed'', ''cancelled''))',
                         'CHECK (status = ''signed'' OR status = ''draft'' OR status = ''cancelled'')')
     WHERE type = 'table' AND name = 'agreement';
    UPDATE sqlite_schema
       SET sql = replace(sql,
                         'CHECK (action IN (''create'', ''update'', ''delete''))',
                         'CHECK (action = ''create'' OR action = ''update'' OR action = ''delete'')')
     WHERE type = 'table' AND name = 'audit';
    PRAGMA writable_schema = OFF;
    "#,
    // 5: the money that follows a signature: payment schedules and receipts.
    r#"
    CREATE TABLE instalment (
        id           INTEGER PRIMARY KEY,
        agreement_id INTEGER NOT NULL REFERENCES agreement (id) ON DELETE CASCADE,
        due_on       TEXT NOT NULL,
        amount_minor INTEGER NOT NULL,
        currency     TEXT NOT NULL,
        condition    TEXT NOT NULL DEFAULT '',
        UNIQUE (agreement_id, due_on)
    ) STRICT;

    CREATE TABLE receipt (
        id           INTEGER PRIMARY KEY,
        agreement_id INTEGER NOT NULL REFERENCES agreement (id) ON DELETE CASCADE,
        received_on  TEXT NOT NULL,
        amount_minor INTEGER NOT NULL,
        currency     TEXT NOT NULL,
        rate         TEXT,
        reference    TEXT UNIQUE,
        notes        TEXT NOT NULL DEFAULT ''
    ) STRICT;
    CREATE INDEX receipt_agreement ON receipt (agreement_id, received_on);
    "#,
    // 6: the reports agreements oblige the organisation to send.
    r#"
    CREATE TABLE deliverable (
        id           INTEGER PRIMARY KEY,
        agreement_id INTEGER NOT NULL REFERENCES agreement (id) ON DELETE CASCADE,
        kind         TEXT NOT NULL CHECK (kind = 'narrative' OR kind = 'financial'),
        title        TEXT NOT NULL DEFAULT '',
        due_on       TEXT NOT NULL,
        sent_on      TEXT,
        UNIQUE (agreement_id, kind, due_on)
    ) STRICT;
    "#,
    // 7: deals before the signature: opportunities, their stage history, funding partners'
    // profiles (prospects).
    r#"
    CREATE TABLE opportunity (
        id               INTEGER PRIMARY KEY,
        reference        TEXT UNIQUE,
        partner_id       INTEGER NOT NULL REFERENCES partner (id),
        title            TEXT NOT NULL,
        themes           TEXT NOT NULL DEFAULT '[]',
        region           TEXT NOT NULL,
        ask_minor        INTEGER,
        currency         TEXT,
        stage            TEXT NOT NULL,
        probability_bp   INTEGER,
        expected_signing TEXT,
        next_action      TEXT NOT NULL DEFAULT '',
        next_action_due  TEXT,
        owner            TEXT NOT NULL DEFAULT '',
        reason           TEXT NOT NULL DEFAULT '',
        agreement_id     INTEGER UNIQUE REFERENCES agreement (id) ON DELETE SET NULL
    ) STRICT;
    CREATE INDEX opportunity_partner ON opportunity (partner_id);

    CREATE TABLE stage_change (
        id             INTEGER PRIMARY KEY,
        opportunity_id INTEGER NOT NULL REFERENCES opportunity (id) ON DELETE CASCADE,
        on_day         TEXT NOT NULL,
        from_stage     TEXT,
        to_stage       TEXT NOT NULL
    ) STRICT;
    CREATE INDEX stage_change_opportunity ON stage_change (opportunity_id, id);

    CREATE TABLE prospect (
        partner_id INTEGER PRIMARY KEY REFERENCES partner (id),
        profile    TEXT NOT NULL
    ) STRICT;
    "#,
];

/// The schema version this build writes.
pub fn latest_version() -> u32 {
    u32::try_from(MIGRATIONS.len()).unwrap_or(u32::MAX)
}

/// The ledger's schema version.
pub fn version(conn: &Connection) -> Result<u32, LedgerError> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// Applies the missing steps up to `target`, each in its own transaction; refuses a
/// ledger written by a newer Pledger.
pub fn migrate_to(conn: &mut Connection, target: u32) -> Result<(), LedgerError> {
    let current = version(conn)?;
    if current > latest_version() {
        return Err(LedgerError::TooNew {
            found: current,
            supported: latest_version(),
        });
    }
    for (index, step) in MIGRATIONS
        .iter()
        .enumerate()
        .take(target as usize)
        .skip(current as usize)
    {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute_batch(step)?;
        // Other connections reload the schema only when its version moves, which a step
        // that edits the schema's text in place (step 4) does not do by itself.
        let schema: i64 = tx.query_row("PRAGMA schema_version", [], |r| r.get(0))?;
        tx.pragma_update(None, "schema_version", schema.saturating_add(1))?;
        tx.pragma_update(
            None,
            "user_version",
            i64::try_from(index + 1).unwrap_or(i64::MAX),
        )?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tables(conn: &Connection) -> Vec<String> {
        let mut stmt = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    #[test]
    fn step_one_creates_the_core_tables() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate_to(&mut conn, 1).unwrap();
        assert_eq!(version(&conn).unwrap(), 1);
        let t = tables(&conn);
        for name in [
            "agreement",
            "agreement_theme",
            "audit",
            "exchange_rate",
            "partner",
            "partner_alias",
            "reference_entry",
            "setting",
        ] {
            assert!(t.contains(&name.to_string()), "{name} missing");
        }
        assert!(!t.contains(&"import_batch".to_string()));
    }

    #[test]
    fn step_two_adds_batches_and_profiles_and_keeps_data() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate_to(&mut conn, 1).unwrap();
        conn.execute(
            "INSERT INTO audit (at, entity, action) VALUES ('2021-01-01', 'partner', 'create')",
            [],
        )
        .unwrap();
        migrate_to(&mut conn, 2).unwrap();
        assert_eq!(version(&conn).unwrap(), 2);
        let t = tables(&conn);
        assert!(
            t.contains(&"import_batch".to_string()) && t.contains(&"mapping_profile".to_string())
        );
        let batch: Option<i64> = conn
            .query_row("SELECT batch_id FROM audit", [], |r| r.get(0))
            .unwrap();
        assert_eq!(batch, None);
    }

    #[test]
    fn step_three_adds_publications_and_keeps_data() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate_to(&mut conn, 2).unwrap();
        conn.execute(
            "INSERT INTO mapping_profile (name, header_key, field) VALUES ('p', 'h', 'amount')",
            [],
        )
        .unwrap();
        migrate_to(&mut conn, 3).unwrap();
        assert_eq!(version(&conn).unwrap(), 3);
        let t = tables(&conn);
        assert!(
            t.contains(&"publication".to_string())
                && t.contains(&"publication_agreement".to_string())
        );
        let kept: i64 = conn
            .query_row("SELECT COUNT(*) FROM mapping_profile", [], |r| r.get(0))
            .unwrap();
        assert_eq!(kept, 1);
        conn.execute(
            "INSERT INTO publication (period, period_from, period_to, published_at, revision, report_json) VALUES ('2021Q1', '2021-01-01', '2021-03-31', 'now', 1, '{}')",
            [],
        )
        .unwrap();
        let err = conn.execute(
            "INSERT INTO publication_agreement (publication_id, agreement_id, reference, partner, signed_on, amount_minor) VALUES (1, 1, 'r', 'p', '2021-01-01', 'x')",
            [],
        );
        assert!(err.is_err(), "STRICT refuses text amounts");
    }

    #[test]
    fn step_four_checks_status_and_action_without_in_lists_and_keeps_data() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate_to(&mut conn, 3).unwrap();
        conn.execute_batch(
            "INSERT INTO partner (id, name, partner_type) VALUES (1, 'P', 'government');
             INSERT INTO agreement (id, partner_id, signed_on, status, region) VALUES (1, 1, '2021-01-01', 'signed', 'africa');
             INSERT INTO audit (at, entity, action) VALUES ('2021-01-01', 'agreement', 'create');",
        )
        .unwrap();
        let before: i64 = conn
            .query_row("PRAGMA schema_version", [], |r| r.get(0))
            .unwrap();
        migrate_to(&mut conn, 4).unwrap();
        assert_eq!(version(&conn).unwrap(), 4);
        let after: i64 = conn
            .query_row("PRAGMA schema_version", [], |r| r.get(0))
            .unwrap();
        assert!(after > before);
        for table in ["agreement", "audit"] {
            let sql: String = conn
                .query_row(
                    "SELECT sql FROM sqlite_schema WHERE name = ?1",
                    [table],
                    |r| r.get(0),
                )
                .unwrap();
            assert!(!sql.contains(" IN ("), "{sql}");
            assert!(sql.contains(" OR "), "{sql}");
        }
        let ok: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(ok, "ok");
        // The same rules hold.
        let bad = conn.execute(
            "INSERT INTO agreement (partner_id, signed_on, status, region) VALUES (1, '2021-01-02', 'lost', 'africa')",
            [],
        );
        assert!(bad.is_err(), "an unknown status is refused");
        let bad = conn.execute(
            "INSERT INTO audit (at, entity, action) VALUES ('2021-01-01', 'agreement', 'forget')",
            [],
        );
        assert!(bad.is_err(), "an unknown action is refused");
        for status in ["draft", "signed", "cancelled"] {
            conn.execute("UPDATE agreement SET status = ?1 WHERE id = 1", [status])
                .unwrap();
        }
        let kept: i64 = conn
            .query_row("SELECT COUNT(*) FROM agreement", [], |r| r.get(0))
            .unwrap();
        assert_eq!(kept, 1);
    }

    #[test]
    fn a_newer_ledger_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", latest_version() + 1)
            .unwrap();
        let err = migrate_to(&mut conn, latest_version()).unwrap_err();
        assert!(matches!(err, LedgerError::TooNew { .. }), "{err}");
    }
}
