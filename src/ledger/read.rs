//! Queries: partners, agreements, rates, reference lists, audit entries and the compact
//! scan the report snapshot is built from.

use std::collections::HashMap;
use std::ops::RangeInclusive;

use chrono::NaiveDate;
use rusqlite::params;

use super::{Ledger, LedgerError};
use crate::domain::{
    Agreement, AgreementId, Currency, ExchangeRate, ListKind, Money, Partner, PartnerId, Period,
    RateTable, RefEntry, ReferenceLists, ThemeShare,
};

/// Which agreements to list.
#[derive(Clone, Debug, Default)]
pub struct AgreementFilter {
    /// Only those signed in this period.
    pub period: Option<Period>,
    /// Only this partner's.
    pub partner: Option<PartnerId>,
}

/// One signed agreement as the report snapshot needs it, borrowed from the current row.
#[derive(Debug)]
pub struct ScanRow<'a> {
    /// Agreement id.
    pub id: i64,
    /// Partner id.
    pub partner_id: i64,
    /// Signing date, ISO text.
    pub signed_on: &'a str,
    /// Contribution in minor units and its currency, when financial.
    pub amount: Option<(i64, &'a str)>,
    /// Value date for the conversion, ISO text, when set.
    pub value_date: Option<&'a str>,
    /// Own part in minor units and its currency.
    pub own: Option<(i64, &'a str)>,
    /// Region key.
    pub region: &'a str,
}

/// Reads signed agreements for [`Ledger::read_halves`], inside its read transaction.
pub struct AgreementScan<'c> {
    conn: &'c rusqlite::Connection,
}

impl AgreementScan<'_> {
    /// Streams the signed agreements with ids in `ids`, in id order, without allocating
    /// per row.
    pub fn signed_agreements(
        &self,
        ids: RangeInclusive<i64>,
        mut f: impl FnMut(ScanRow<'_>) -> Result<(), LedgerError>,
    ) -> Result<(), LedgerError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, partner_id, signed_on, amount_minor, currency, value_date, own_minor, own_currency, region
             FROM agreement WHERE status = 'signed' AND id BETWEEN ?1 AND ?2 ORDER BY id",
        )?;
        let mut rows = stmt.query([ids.start(), ids.end()])?;
        while let Some(row) = rows.next()? {
            let text = |i: usize| -> Result<Option<&str>, LedgerError> {
                Ok(row
                    .get_ref(i)?
                    .as_str_or_null()
                    .map_err(rusqlite::Error::from)?)
            };
            // Minor units in column `minor`, currency in the next one; both or neither.
            let money = |minor: usize| -> Result<Option<(i64, &str)>, LedgerError> {
                let units = row
                    .get_ref(minor)?
                    .as_i64_or_null()
                    .map_err(rusqlite::Error::from)?;
                Ok(units.zip(text(minor + 1)?))
            };
            f(ScanRow {
                id: row.get(0)?,
                partner_id: row.get(1)?,
                signed_on: text(2)?.unwrap_or_default(),
                amount: money(3)?,
                value_date: text(5)?,
                own: money(6)?,
                region: text(8)?.unwrap_or_default(),
            })?;
        }
        Ok(())
    }

    /// Rows worth reserving for the agreements with ids in `ids` (their count at most):
    /// memory grows by copying, so a good guess saves copies; capped so that sparse ids do
    /// not reserve a fortune.
    pub fn capacity_for(&self, ids: &RangeInclusive<i64>) -> Result<usize, LedgerError> {
        const CAP: usize = 1 << 22;
        let span = (*ids.end())
            .min(last_agreement_id(self.conn)?)
            .saturating_sub((*ids.start()).max(1))
            .saturating_add(1);
        Ok(usize::try_from(span).unwrap_or(0).min(CAP))
    }

    /// The theme links of the agreements with ids in `ids`, in agreement-id order, each
    /// theme as its index in `theme_keys` (`u16::MAX` for a key not there).
    pub fn theme_links(
        &self,
        theme_keys: &[String],
        ids: RangeInclusive<i64>,
    ) -> Result<Vec<ThemeLink>, LedgerError> {
        let mut links = Vec::with_capacity(self.capacity_for(&ids)?);
        let mut stmt = self.conn.prepare_cached(
            "SELECT agreement_id, theme, percent_bp FROM agreement_theme
             WHERE agreement_id BETWEEN ?1 AND ?2 ORDER BY agreement_id, theme",
        )?;
        let mut rows = stmt.query([ids.start(), ids.end()])?;
        while let Some(row) = rows.next()? {
            let theme = row.get_ref(1)?.as_str().map_err(rusqlite::Error::from)?;
            let index = theme_keys
                .iter()
                .position(|k| k == theme)
                .and_then(|i| u16::try_from(i).ok())
                .unwrap_or(u16::MAX);
            links.push(ThemeLink {
                agreement: row.get(0)?,
                theme: index,
                percent_bp: row.get(2)?,
            });
        }
        Ok(links)
    }
}

/// The highest agreement id (0 when there is none): a bound on the agreement count,
/// found without counting.
pub(super) fn last_agreement_id(conn: &rusqlite::Connection) -> Result<i64, LedgerError> {
    Ok(
        conn.query_row("SELECT coalesce(max(id), 0) FROM agreement", [], |r| {
            r.get(0)
        })?,
    )
}

/// Whether any agreement has a reference.
pub(super) fn any_reference(conn: &rusqlite::Connection) -> Result<bool, LedgerError> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM agreement WHERE reference IS NOT NULL)",
        [],
        |r| r.get(0),
    )?)
}

/// One line of the audit trail.
#[derive(Clone, Debug, serde::Serialize)]
pub struct AuditEntry {
    /// When (UTC, RFC 3339).
    pub at: String,
    /// `partner`, `agreement`, `rate`, ...
    pub entity: String,
    /// The record's id or key.
    pub entity_id: Option<String>,
    /// `create`, `update` or `delete`.
    pub action: String,
    /// JSON of the record before.
    pub old: Option<String>,
    /// JSON of the record after.
    pub new: Option<String>,
    /// The import batch that made the change.
    pub batch_id: Option<i64>,
}

/// An import batch as recorded.
#[derive(Clone, Debug, serde::Serialize)]
pub struct BatchInfo {
    /// Batch id.
    pub id: i64,
    /// File name imported.
    pub file_name: String,
    /// SHA-256 of the file, hex.
    pub sha256: String,
    /// When (UTC).
    pub imported_at: String,
    /// Agreements created, updated and unchanged; partners created.
    pub created: i64,
    /// Agreements updated.
    pub updated: i64,
    /// Agreements unchanged.
    pub unchanged: i64,
    /// Partners created.
    pub partners: i64,
    /// When the batch was undone, if it was.
    pub undone_at: Option<String>,
}

pub(super) fn parse_date(text: &str) -> Result<NaiveDate, LedgerError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| LedgerError::Corrupt(format!("date '{text}'")))
}

pub(super) fn parse_currency(text: &str) -> Result<Currency, LedgerError> {
    text.parse()
        .map_err(|_| LedgerError::Corrupt(format!("currency '{text}'")))
}

pub(super) fn money(
    minor: Option<i64>,
    currency: Option<String>,
) -> Result<Option<Money>, LedgerError> {
    match (minor, currency) {
        (Some(m), Some(c)) => Ok(Some(Money::from_minor(m, parse_currency(&c)?))),
        _ => Ok(None),
    }
}

impl Ledger {
    /// The reference lists in display order.
    pub fn reference_lists(&self) -> Result<ReferenceLists, LedgerError> {
        read_lists(&self.conn)
    }

    /// Every partner with its aliases, by name.
    pub fn partners(&self) -> Result<Vec<Partner>, LedgerError> {
        let mut aliases: HashMap<i64, Vec<String>> = HashMap::new();
        let mut stmt = self
            .conn
            .prepare_cached("SELECT partner_id, alias FROM partner_alias ORDER BY alias")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            aliases.entry(row.get(0)?).or_default().push(row.get(1)?);
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, name, name_zh, partner_type, country FROM partner ORDER BY name COLLATE NOCASE",
        )?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(0)?;
            out.push(Partner {
                id: PartnerId(id),
                name: row.get(1)?,
                name_zh: row.get(2)?,
                partner_type: row.get(3)?,
                country: row.get(4)?,
                aliases: aliases.remove(&id).unwrap_or_default(),
            });
        }
        Ok(out)
    }

    /// One partner.
    pub fn partner(&self, id: PartnerId) -> Result<Partner, LedgerError> {
        self.partners()?
            .into_iter()
            .find(|p| p.id == id)
            .ok_or_else(|| LedgerError::NotFound(format!("partner {}", id.0)))
    }

    /// Agreements matching `filter`, by signing date then id, with their themes.
    pub fn agreements(&self, filter: &AgreementFilter) -> Result<Vec<Agreement>, LedgerError> {
        let (from, to) = match &filter.period {
            Some(p) => (p.from.to_string(), p.to.to_string()),
            None => ("0000-01-01".to_string(), "9999-12-31".to_string()),
        };
        const SQL: &str = concat!(
            "SELECT ",
            agreement_columns!(),
            " FROM agreement WHERE signed_on BETWEEN ?1 AND ?2 AND (?3 IS NULL OR partner_id = ?3) ORDER BY signed_on, id"
        );
        let mut stmt = self.conn.prepare_cached(SQL)?;
        let mut rows = stmt.query(params![from, to, filter.partner.map(|p| p.0)])?;
        let mut out = Vec::new();
        let mut index = HashMap::new();
        while let Some(row) = rows.next()? {
            let a = super::agreement_row::from_row(row)?;
            index.insert(a.id.0, out.len());
            out.push(a);
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT t.agreement_id, t.theme, t.percent_bp FROM agreement_theme t JOIN agreement a ON a.id = t.agreement_id
             WHERE a.signed_on BETWEEN ?1 AND ?2 ORDER BY t.agreement_id, t.percent_bp DESC, t.theme",
        )?;
        let mut rows = stmt.query(params![from, to])?;
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(0)?;
            if let Some(a) = index.get(&id).and_then(|&i| out.get_mut(i)) {
                a.themes.push(ThemeShare {
                    theme: row.get(1)?,
                    percent_bp: row.get(2)?,
                });
            }
        }
        Ok(out)
    }

    /// The agreements whose reference is one of `references`, with their themes: what an
    /// import matching rows by reference needs, without reading the whole ledger.
    pub fn agreements_with_references<'r>(
        &self,
        references: impl IntoIterator<Item = &'r str>,
    ) -> Result<Vec<Agreement>, LedgerError> {
        let mut out = Vec::new();
        for reference in references {
            out.extend(agreement_with_reference(&self.conn, reference)?);
        }
        Ok(out)
    }

    /// One agreement with its themes.
    pub fn agreement(&self, id: AgreementId) -> Result<Agreement, LedgerError> {
        read_agreement(&self.conn, id)
    }

    /// Every exchange rate.
    pub fn rates(&self) -> Result<RateTable, LedgerError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT currency, quote, valid_from, rate FROM exchange_rate")?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let rate: String = row.get(3)?;
            out.push(ExchangeRate {
                currency: parse_currency(&row.get::<_, String>(0)?)?,
                quote: parse_currency(&row.get::<_, String>(1)?)?,
                valid_from: parse_date(&row.get::<_, String>(2)?)?,
                rate: rate
                    .parse()
                    .map_err(|_| LedgerError::Corrupt(format!("rate '{rate}'")))?,
            });
        }
        Ok(RateTable::new(out))
    }

    /// Reads the whole ledger for a report snapshot in two halves by agreement id, each half
    /// on a core of its own: `part` reads an id range's signed agreements and theme links
    /// through the [`AgreementScan`] it is given. Returns the low half's part, then the
    /// high half's.
    ///
    /// A file ledger reads the high half on a second, read-only connection; each side reads
    /// in one read transaction, and when the two saw different revisions (a write came
    /// between) both halves are read again on this connection. In memory, both halves are
    /// read here, one after the other.
    pub fn read_halves<T: Send>(
        &self,
        part: impl Fn(&AgreementScan<'_>, RangeInclusive<i64>) -> Result<T, LedgerError> + Sync,
    ) -> Result<(T, T), LedgerError> {
        let middle = self.last_agreement_id()? / 2;
        let (low, high) = (i64::MIN..=middle, middle.saturating_add(1)..=i64::MAX);
        let here = || {
            let tx = self.conn.unchecked_transaction()?;
            let scan = AgreementScan { conn: &tx };
            let halves = (part(&scan, low.clone())?, part(&scan, high.clone())?);
            tx.finish()?;
            Ok::<_, LedgerError>(halves)
        };
        let Some(path) = self.path.as_deref() else {
            return here();
        };
        let read = |conn: &rusqlite::Connection, ids: RangeInclusive<i64>| {
            let tx = conn.unchecked_transaction()?;
            let revision = super::revision_of(&tx)?;
            let half = part(&AgreementScan { conn: &tx }, ids)?;
            tx.finish()?;
            Ok::<_, LedgerError>((revision, half))
        };
        let (mine, beside) = std::thread::scope(|scope| {
            let side = std::thread::Builder::new()
                .name("snapshot-half".into())
                .spawn_scoped(scope, || -> Result<_, LedgerError> {
                    let conn = rusqlite::Connection::open_with_flags(
                        path,
                        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
                            | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
                    )?;
                    conn.pragma_update(None, "mmap_size", super::MMAP_BYTES)?;
                    read(&conn, high.clone())
                });
            let mine = read(&self.conn, low.clone());
            let beside = match side {
                Ok(handle) => handle.join().ok().and_then(Result::ok),
                Err(_) => None,
            };
            (mine, beside)
        });
        let (revision, low_part) = mine?;
        match beside {
            Some((side_revision, high_part)) if side_revision == revision => {
                Ok((low_part, high_part))
            }
            _ => here(),
        }
    }

    /// The audit trail, newest first, at most `limit` entries.
    pub fn audit(&self, limit: usize) -> Result<Vec<AuditEntry>, LedgerError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT at, entity, entity_id, action, old, new, batch_id FROM audit ORDER BY id DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
            Ok(AuditEntry {
                at: r.get(0)?,
                entity: r.get(1)?,
                entity_id: r.get(2)?,
                action: r.get(3)?,
                old: r.get(4)?,
                new: r.get(5)?,
                batch_id: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Import batches, newest first.
    pub fn batches(&self) -> Result<Vec<BatchInfo>, LedgerError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, file_name, sha256, imported_at, created, updated, unchanged, partners, undone_at
             FROM import_batch ORDER BY id DESC",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(BatchInfo {
                id: r.get(0)?,
                file_name: r.get(1)?,
                sha256: r.get(2)?,
                imported_at: r.get(3)?,
                created: r.get(4)?,
                updated: r.get(5)?,
                unchanged: r.get(6)?,
                partners: r.get(7)?,
                undone_at: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The saved mapping profile `name`: normalised header text -> field name.
    pub fn mapping_profile(&self, name: &str) -> Result<Vec<(String, String)>, LedgerError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT header_key, field FROM mapping_profile WHERE name = ?1 ORDER BY header_key",
        )?;
        let rows = stmt.query_map([name], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The highest agreement id (0 when there is none): a bound on the agreement count,
    /// found without counting.
    pub fn last_agreement_id(&self) -> Result<i64, LedgerError> {
        last_agreement_id(&self.conn)
    }

    /// Number of agreements in the ledger (all statuses).
    pub fn agreement_count(&self) -> Result<u64, LedgerError> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM agreement", [], |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

pub(super) fn read_themes(
    conn: &rusqlite::Connection,
    agreement_id: i64,
) -> Result<Vec<ThemeShare>, LedgerError> {
    let mut stmt = conn.prepare_cached(
        "SELECT theme, percent_bp FROM agreement_theme WHERE agreement_id = ?1 ORDER BY percent_bp DESC, theme",
    )?;
    let rows = stmt.query_map([agreement_id], |r| {
        Ok(ThemeShare {
            theme: r.get(0)?,
            percent_bp: r.get(1)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(super) fn read_lists(conn: &rusqlite::Connection) -> Result<ReferenceLists, LedgerError> {
    let mut lists = ReferenceLists {
        partner_types: vec![],
        regions: vec![],
        themes: vec![],
    };
    let mut stmt = conn.prepare_cached(
        "SELECT kind, key, label_en, label_zh, iati_code, synonyms FROM reference_entry ORDER BY kind, position",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let kind: String = row.get(0)?;
        let kind = ListKind::from_name(&kind)
            .ok_or_else(|| LedgerError::Corrupt(format!("list kind '{kind}'")))?;
        let synonyms: String = row.get(5)?;
        lists.list_mut(kind).push(RefEntry {
            key: row.get(1)?,
            label_en: row.get(2)?,
            label_zh: row.get(3)?,
            iati_code: row.get(4)?,
            synonyms: serde_json::from_str(&synonyms)
                .map_err(|_| LedgerError::Corrupt(format!("synonyms '{synonyms}'")))?,
        });
    }
    Ok(lists)
}

/// The agreement with `reference`, with its themes.
pub(super) fn agreement_with_reference(
    conn: &rusqlite::Connection,
    reference: &str,
) -> Result<Option<Agreement>, LedgerError> {
    // A literal, not a format!: an import asks this for every row.
    const SQL: &str = concat!(
        "SELECT ",
        agreement_columns!(),
        " FROM agreement WHERE reference = ?1"
    );
    let mut stmt = conn.prepare_cached(SQL)?;
    let mut rows = stmt.query([reference])?;
    let Some(row) = rows.next()? else {
        return Ok(None);
    };
    let mut a = super::agreement_row::from_row(row)?;
    a.themes = read_themes(conn, a.id.0)?;
    Ok(Some(a))
}

/// The query of [`agreement_like`]. It searches by date: the `+` keeps SQLite from searching
/// by partner instead, which reads in id order, for `ORDER BY id`, every agreement of the
/// partner in the ids given (an import of rows without references from one partner then
/// reads every row it has written, for each row).
fn like_sql(newest: bool) -> &'static str {
    macro_rules! like {
        ($order:literal) => {
            concat!(
                "SELECT ",
                agreement_columns!(),
                " FROM agreement WHERE +partner_id = ?1 AND signed_on = ?2
                  AND amount_minor IS ?3 AND currency IS ?4 AND id BETWEEN ?5 AND ?6
                  ORDER BY id ",
                $order,
                " LIMIT 1"
            )
        };
    }
    if newest { like!("DESC") } else { like!("ASC") }
}

/// The agreement of `partner` signed on `signed_on` for `contribution` with the lowest id in
/// `ids` (the highest when `newest`), with its themes.
pub(super) fn agreement_like(
    conn: &rusqlite::Connection,
    partner: crate::domain::PartnerId,
    signed_on: NaiveDate,
    contribution: Option<Money>,
    ids: std::ops::RangeInclusive<i64>,
    newest: bool,
) -> Result<Option<Agreement>, LedgerError> {
    let mut stmt = conn.prepare_cached(like_sql(newest))?;
    let mut rows = stmt.query(params![
        partner.0,
        signed_on.to_string(),
        contribution.map(|m| m.minor),
        contribution.map(|m| m.currency.code().to_string()),
        ids.start(),
        ids.end()
    ])?;
    let Some(row) = rows.next()? else {
        return Ok(None);
    };
    let mut a = super::agreement_row::from_row(row)?;
    a.themes = read_themes(conn, a.id.0)?;
    Ok(Some(a))
}

pub(super) fn read_agreement(
    conn: &rusqlite::Connection,
    id: AgreementId,
) -> Result<Agreement, LedgerError> {
    const SQL: &str = concat!(
        "SELECT ",
        agreement_columns!(),
        " FROM agreement WHERE id = ?1"
    );
    let mut stmt = conn.prepare_cached(SQL)?;
    let mut rows = stmt.query([id.0])?;
    let Some(row) = rows.next()? else {
        return Err(LedgerError::NotFound(format!("agreement {}", id.0)));
    };
    let mut a = super::agreement_row::from_row(row)?;
    a.themes = read_themes(conn, id.0)?;
    Ok(a)
}

/// One agreement-theme link as the report snapshot reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThemeLink {
    /// Agreement id.
    pub agreement: i64,
    /// Index of the theme in the keys asked for; `u16::MAX` when not among them.
    pub theme: u16,
    /// Share in basis points.
    pub percent_bp: u32,
}

#[cfg(test)]
mod tests {
    use rusqlite::StatementStatus;
    use rusqlite::types::Null;

    use super::like_sql;
    use crate::ledger::Ledger;

    #[test]
    fn an_agreement_like_another_is_searched_by_date_not_by_partner() {
        let ledger = Ledger::open_in_memory().unwrap();
        for newest in [false, true] {
            let plan: String = ledger
                .connection()
                .query_row(
                    &format!("EXPLAIN QUERY PLAN {}", like_sql(newest)),
                    [Null; 6],
                    |r| r.get(3),
                )
                .unwrap();
            assert!(plan.contains("agreement_signed_on (signed_on=?"), "{plan}");
        }
    }

    #[test]
    fn a_search_run_with_new_values_keeps_its_plan() {
        // An import runs it once or twice a row: planning it again each time cost more
        // than running it.
        let ledger = Ledger::open_in_memory().unwrap();
        let mut stmt = ledger.connection().prepare(like_sql(true)).unwrap();
        for (partner, amount, from) in [(1, None, 0), (7, Some(250_000), 1), (1, Some(1), 9)] {
            let mut rows = stmt
                .query(rusqlite::params![
                    partner,
                    "2021-03-12",
                    amount,
                    amount.map(|_| "USD"),
                    from,
                    i64::MAX
                ])
                .unwrap();
            assert!(rows.next().unwrap().is_none());
        }
        assert_eq!(stmt.get_status(StatementStatus::RePrepare), 0);
    }
}
