//! The organisation that keeps the ledger: its name and short name, as its own headers
//! ("ITU co-funding", "Part de l'UIT") and reports name it.

/// How the organisation's reports are drawn, kept in the ledger so that the app, the
/// command line and every file show the same.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportSettings {
    /// How many top partners the report lists (its headline names the first three).
    pub top: usize,
    /// Pie slices under this share of their total, in tenths of a percent, are grouped
    /// ("3 smaller") when two or more are; 0 groups none.
    pub group_under_tenths: u32,
}

impl ReportSettings {
    /// The most partners a report lists.
    pub const MAX_TOP: usize = 100;
}

impl Default for ReportSettings {
    fn default() -> ReportSettings {
        ReportSettings {
            top: 10,
            group_under_tenths: 30,
        }
    }
}

/// The organisation's names. Each holds one or more spellings separated by `;`, so that one
/// setting serves sheets in several languages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Organisation {
    /// The full name: "International Telecommunication Union; Union internationale …".
    pub name: String,
    /// The short name: "ITU; UIT; 国际电联".
    pub short_name: String,
}

impl Default for Organisation {
    fn default() -> Organisation {
        Organisation {
            name: "International Telecommunication Union; Union internationale des \
                   télécommunications; 国际电信联盟"
                .into(),
            short_name: "ITU; UIT; 国际电联".into(),
        }
    }
}

impl Organisation {
    /// Every spelling of the organisation's names, short names first.
    pub fn spellings(&self) -> impl Iterator<Item = &str> {
        self.short_name
            .split(';')
            .chain(self.name.split(';'))
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }

    /// The first short name ("ITU"), or the first name when no short name is set.
    pub fn display_name(&self) -> &str {
        self.spellings().next().unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_split_on_semicolons() {
        let o = Organisation {
            name: " Acme Relief ; ".into(),
            short_name: "AR;ARF".into(),
        };
        assert_eq!(
            o.spellings().collect::<Vec<_>>(),
            ["AR", "ARF", "Acme Relief"]
        );
        assert_eq!(o.display_name(), "AR");
        assert_eq!(Organisation::default().display_name(), "ITU");
    }
}
