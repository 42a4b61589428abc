//! A snapshot kept in a file between runs, so that opening a large ledger again computes
//! its first report without reading every agreement: the file holds the snapshot's rows as
//! they are in memory, with the state of the ledger they were read at
//! ([`Ledger::state_key`]); a ledger in any other state (a write since, another file, a
//! backup restored) reads its agreements again. The file is only a cache: a missing,
//! damaged or stale one is ignored.

use std::path::Path;

use crate::domain::{Currency, ReferenceLists};
use crate::ledger::{Ledger, LedgerError};

use super::snapshot::{PartnerInfo, Row};
use super::{MissingRate, Snapshot};

/// The first bytes of a snapshot file, with the format's version.
const MAGIC: &[u8; 12] = b"PLEDGERSNAP2";

/// Ledgers with fewer signed agreements than this are read again each time: their snapshot
/// loads in milliseconds, not worth a file.
pub const CACHED_FROM_ROWS: usize = 50_000;

impl Snapshot {
    /// The snapshot of `ledger`: from `file` when it holds the snapshot of the ledger as it
    /// is now, else read from the ledger. The flag says whether it came from the file.
    pub fn load_cached(ledger: &Ledger, file: &Path) -> Result<(Snapshot, bool), LedgerError> {
        let key = ledger.state_key()?;
        if let Some(snapshot) = read_if_of(file, &key).and_then(|b| Snapshot::from_bytes(&b, &key))
        {
            return Ok((snapshot, true));
        }
        let mut snapshot = Snapshot::load(ledger)?;
        snapshot.state = key;
        Ok((snapshot, false))
    }

    /// Writes this snapshot to `file` for [`Snapshot::load_cached`] (through a file beside
    /// it, renamed over it); nothing for a small one.
    pub fn store(&self, file: &Path) -> std::io::Result<()> {
        if self.rows.len() < CACHED_FROM_ROWS || self.state.is_empty() {
            return Ok(());
        }
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir)?;
        }
        crate::files::write_whole(file, &self.to_bytes())
    }

    /// The snapshot as bytes: [`MAGIC`], the ledger state, then each part with its length.
    fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + self.rows.len() * 32);
        out.extend_from_slice(MAGIC);
        put_bytes(&mut out, self.state.as_bytes());
        out.extend_from_slice(&self.revision.to_le_bytes());
        put_bytes(&mut out, self.currency.code().as_bytes());
        put_bytes(
            &mut out,
            serde_json::to_string(&self.lists)
                .unwrap_or_default()
                .as_bytes(),
        );
        put_len(&mut out, self.partners.len());
        for p in &self.partners {
            out.extend_from_slice(&p.id.0.to_le_bytes());
            out.push(p.type_index);
            put_bytes(&mut out, p.name.as_bytes());
            put_bytes(
                &mut out,
                p.name_zh.as_deref().unwrap_or_default().as_bytes(),
            );
            out.push(u8::from(p.name_zh.is_some()));
        }
        put_len(&mut out, self.rows.len());
        for r in &self.rows {
            out.extend_from_slice(&r.amount.to_le_bytes());
            out.extend_from_slice(&r.own.to_le_bytes());
            out.extend_from_slice(&r.day.to_le_bytes());
            out.extend_from_slice(&r.partner.to_le_bytes());
            out.extend_from_slice(&r.theme_start.to_le_bytes());
            out.extend_from_slice(&[r.region, r.partner_type, r.theme_count, r.flags]);
        }
        put_len(&mut out, self.split_theme.len());
        for t in &self.split_theme {
            out.extend_from_slice(&t.to_le_bytes());
        }
        for a in &self.split_amount {
            out.extend_from_slice(&a.to_le_bytes());
        }
        put_len(&mut out, self.missing.len());
        for m in &self.missing {
            put_bytes(&mut out, m.currency.code().as_bytes());
            put_bytes(&mut out, m.quote.code().as_bytes());
            out.extend_from_slice(&super::snapshot::day_number(m.date).to_le_bytes());
            out.extend_from_slice(&m.day.to_le_bytes());
        }
        out
    }

    /// The snapshot `bytes` hold, when they are whole and of the ledger state `key`.
    fn from_bytes(bytes: &[u8], key: &str) -> Option<Snapshot> {
        let mut r = Reader { bytes };
        if r.take(MAGIC.len())? != MAGIC || r.bytes_field()? != key.as_bytes() {
            return None;
        }
        let revision = u64::from_le_bytes(r.array()?);
        let currency: Currency = r.text()?.parse().ok()?;
        let lists: ReferenceLists = serde_json::from_str(&r.text()?).ok()?;
        let partners = (0..r.len()?)
            .map(|_| {
                let id = crate::domain::PartnerId(i64::from_le_bytes(r.array()?));
                let type_index = r.byte()?;
                let name = r.text()?;
                let zh = r.text()?;
                let has_zh = r.byte()? == 1;
                Some(PartnerInfo {
                    id,
                    name,
                    name_zh: has_zh.then_some(zh),
                    type_index,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        let count = r.len()?;
        let mut rows = Vec::with_capacity(count);
        for chunk in r.take(count.checked_mul(32)?)?.chunks_exact(32) {
            let field = |at: usize, n: usize| chunk.get(at..at + n);
            rows.push(Row {
                amount: i64::from_le_bytes(field(0, 8)?.try_into().ok()?),
                own: i64::from_le_bytes(field(8, 8)?.try_into().ok()?),
                day: i32::from_le_bytes(field(16, 4)?.try_into().ok()?),
                partner: u32::from_le_bytes(field(20, 4)?.try_into().ok()?),
                theme_start: u32::from_le_bytes(field(24, 4)?.try_into().ok()?),
                region: *chunk.get(28)?,
                partner_type: *chunk.get(29)?,
                theme_count: *chunk.get(30)?,
                flags: *chunk.get(31)?,
            });
        }
        let splits = r.len()?;
        let split_theme = r
            .take(splits.checked_mul(2)?)?
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        let split_amount = r
            .take(splits.checked_mul(8)?)?
            .chunks_exact(8)
            .map(|c| c.try_into().map(i64::from_le_bytes))
            .collect::<Result<Vec<_>, _>>()
            .ok()?;
        let missing = (0..r.len()?)
            .map(|_| {
                Some(MissingRate {
                    currency: r.text()?.parse().ok()?,
                    quote: r.text()?.parse().ok()?,
                    date: chrono::NaiveDate::from_num_days_from_ce_opt(i32::from_le_bytes(
                        r.array()?,
                    ))?,
                    day: i32::from_le_bytes(r.array()?),
                })
            })
            .collect::<Option<Vec<_>>>()?;
        r.bytes.is_empty().then(|| Snapshot {
            revision,
            currency,
            lists,
            partners,
            rows,
            split_theme,
            split_amount,
            missing,
            state: key.to_string(),
        })
    }
}

/// The bytes of `file` when its header says it holds the snapshot of ledger state `key`;
/// a stale file is not read past its header.
fn read_if_of(file: &Path, key: &str) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut f = std::fs::File::open(file).ok()?;
    let mut head = vec![0u8; MAGIC.len() + 8 + key.len()];
    f.read_exact(&mut head).ok()?;
    let mut expected = MAGIC.to_vec();
    put_bytes(&mut expected, key.as_bytes());
    if head != expected {
        return None;
    }
    let mut bytes = head;
    f.read_to_end(&mut bytes).ok()?;
    Some(bytes)
}

fn put_len(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&u64::try_from(n).unwrap_or(u64::MAX).to_le_bytes());
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    put_len(out, bytes.len());
    out.extend_from_slice(bytes);
}

/// Reads a snapshot file's parts in order; `None` past its end.
struct Reader<'b> {
    bytes: &'b [u8],
}

impl<'b> Reader<'b> {
    fn take(&mut self, n: usize) -> Option<&'b [u8]> {
        let (head, rest) = self.bytes.split_at_checked(n)?;
        self.bytes = rest;
        Some(head)
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    fn byte(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }

    fn len(&mut self) -> Option<usize> {
        usize::try_from(u64::from_le_bytes(self.array()?)).ok()
    }

    fn bytes_field(&mut self) -> Option<&'b [u8]> {
        let n = self.len()?;
        self.take(n)
    }

    fn text(&mut self) -> Option<String> {
        String::from_utf8(self.bytes_field()?.to_vec()).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Period;

    #[test]
    fn a_snapshot_comes_back_from_its_file_while_the_ledger_is_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::open(&dir.path().join("l.sqlite3")).unwrap();
        crate::import::load_sample(&mut ledger).unwrap();
        let file = dir.path().join("cache/snapshot.bin");
        let (read, cached) = Snapshot::load_cached(&ledger, &file).unwrap();
        assert!(!cached);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, read.to_bytes()).unwrap();
        let (again, cached) = Snapshot::load_cached(&ledger, &file).unwrap();
        assert!(cached, "the file of the same ledger state is used");
        let q1 = Period::parse("2021Q1").unwrap();
        let report = |s: &Snapshot| format!("{:?}", s.report(&q1, 5).unwrap());
        assert_eq!(report(&again), report(&read));
        assert_eq!(again.partner_totals(None), read.partner_totals(None));

        // A write since: the file is stale.
        let rate = crate::domain::ExchangeRate {
            currency: "EUR".parse().unwrap(),
            quote: Currency::USD,
            valid_from: chrono::NaiveDate::from_ymd_opt(2030, 1, 1).unwrap(),
            rate: rust_decimal::Decimal::ONE,
        };
        ledger.write(|w| w.set_rate(&rate)).unwrap();
        assert!(!Snapshot::load_cached(&ledger, &file).unwrap().1);
        // A damaged file is read as none.
        let bytes = read.to_bytes();
        assert!(Snapshot::from_bytes(&bytes[..bytes.len() - 1], &read.state).is_none());
        assert!(Snapshot::from_bytes(b"nonsense", &read.state).is_none());
    }
}
