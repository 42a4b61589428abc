//! Deals and funding partners' profiles as an Excel workbook (sheets "Deals" and
//! "Prospects"), in the columns their imports read, so a workbook sent out and edited comes
//! back with `pledger import FILE --kind opportunities` (or `prospects`): a sheet imported
//! as exported changes nothing. Amounts and dates are numbers and dates; a probability is a
//! fraction formatted as a percentage.

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::ExportError;
use crate::domain::{
    Contact, Gate, Lang, ListKind, Opportunity, Partner, PartnerId, Prospect, ReferenceLists,
    StageChange, bp_text,
};

/// What the workbook is made of.
pub struct DealsData<'a> {
    /// Every deal.
    pub deals: &'a [Opportunity],
    /// Every stage change, by deal and in order.
    pub changes: &'a [StageChange],
    /// Every profile.
    pub prospects: &'a [Prospect],
    /// Every partner (names, types).
    pub partners: &'a [Partner],
    /// The agreements' references by id, for signed deals.
    pub agreement_references: &'a std::collections::HashMap<i64, String>,
    /// The reference lists (labels).
    pub lists: &'a ReferenceLists,
}

fn xlsx_error(e: XlsxError) -> ExportError {
    ExportError::Encode(e.to_string())
}

struct Formats {
    header: Format,
    money: Format,
    percent: Format,
    date: Format,
}

fn header(sheet: &mut Worksheet, names: &[&str], f: &Formats) -> Result<(), XlsxError> {
    for (col, name) in (0u16..).zip(names) {
        sheet.write_string_with_format(0, col, *name, &f.header)?;
        sheet.set_column_width(col, 18)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

/// The workbook of `data`.
pub fn deals_xlsx(data: &DealsData<'_>) -> Result<Vec<u8>, ExportError> {
    let f = Formats {
        header: Format::new().set_bold(),
        money: Format::new().set_num_format("#,##0.00"),
        percent: Format::new().set_num_format("0.##%"),
        date: Format::new().set_num_format("yyyy-mm-dd"),
    };
    let partners: std::collections::HashMap<PartnerId, &Partner> =
        data.partners.iter().map(|p| (p.id, p)).collect();
    let mut workbook = Workbook::new();
    deals_sheet(workbook.add_worksheet(), data, &partners, &f).map_err(xlsx_error)?;
    prospects_sheet(workbook.add_worksheet(), data, &partners, &f).map_err(xlsx_error)?;
    workbook.save_to_buffer().map_err(xlsx_error)
}

fn deals_sheet(
    sheet: &mut Worksheet,
    data: &DealsData<'_>,
    partners: &std::collections::HashMap<PartnerId, &Partner>,
    f: &Formats,
) -> Result<(), XlsxError> {
    sheet.set_name("Deals")?;
    header(
        sheet,
        &[
            "Reference",
            "Partner",
            "Title",
            "Theme",
            "Region",
            "Ask",
            "Currency",
            "Stage",
            "Stage on",
            "History",
            "Probability",
            "Expected signing",
            "Next action",
            "Next action due",
            "Owner",
            "Reason",
            "Agreement",
        ],
        f,
    )?;
    let label = |kind, key: &str| data.lists.label(kind, key, Lang::En).to_string();
    let mut changes = data.changes;
    for (row, d) in (1u32..).zip(data.deals) {
        // The changes are in deal order: this deal's are the run at the front.
        let start = changes.partition_point(|c| c.opportunity_id < d.id);
        let end = changes.partition_point(|c| c.opportunity_id <= d.id);
        let (mine, rest) = (&changes[start..end], &changes[end..]);
        changes = rest;
        let reference = d
            .reference
            .clone()
            .unwrap_or_else(|| format!("#{}", d.id.0));
        sheet.write_string(row, 0, &reference)?;
        sheet.write_string(row, 1, partners.get(&d.partner_id).map_or("", |p| &p.name))?;
        sheet.write_string(row, 2, &d.title)?;
        let themes: Vec<String> = d
            .themes
            .iter()
            .map(|t| {
                format!(
                    "{} {}%",
                    label(ListKind::Theme, &t.theme),
                    bp_text(t.percent_bp)
                )
            })
            .collect();
        sheet.write_string(row, 3, themes.join("; "))?;
        sheet.write_string(row, 4, label(ListKind::Region, &d.region))?;
        if let Some(a) = d.ask {
            sheet.write_with_format(row, 5, a.amount(), &f.money)?;
            sheet.write_string(row, 6, a.currency.code())?;
        }
        sheet.write_string(row, 7, d.stage.as_str())?;
        if let Some((last, before)) = mine.split_last() {
            sheet.write_datetime_with_format(row, 8, last.on, &f.date)?;
            let history: Vec<String> = before
                .iter()
                .map(|c| format!("{} {}", c.to.as_str(), c.on))
                .collect();
            sheet.write_string(row, 9, history.join("; "))?;
        }
        if let Some(p) = d.probability_bp {
            let fraction = rust_decimal::Decimal::new(i64::from(p), 4);
            sheet.write_with_format(row, 10, fraction, &f.percent)?;
        }
        if let Some(day) = d.expected_signing {
            sheet.write_datetime_with_format(row, 11, day, &f.date)?;
        }
        sheet.write_string(row, 12, &d.next_action)?;
        if let Some(day) = d.next_action_due {
            sheet.write_datetime_with_format(row, 13, day, &f.date)?;
        }
        sheet.write_string(row, 14, &d.owner)?;
        sheet.write_string(row, 15, &d.reason)?;
        if let Some(r) = d
            .agreement_id
            .and_then(|a| data.agreement_references.get(&a.0))
        {
            sheet.write_string(row, 16, r)?;
        }
    }
    sheet.set_column_width(1, 50)?;
    sheet.set_column_width(2, 40)?;
    sheet.set_column_width(9, 60)?;
    Ok(())
}

/// A gate as the import reads it back: `statement (yes|no|?)`.
fn gate_text(g: &Gate) -> String {
    let said = match g.met {
        Some(true) => "yes",
        Some(false) => "no",
        None => "?",
    };
    format!("{} ({said})", g.statement)
}

fn prospects_sheet(
    sheet: &mut Worksheet,
    data: &DealsData<'_>,
    partners: &std::collections::HashMap<PartnerId, &Partner>,
    f: &Formats,
) -> Result<(), XlsxError> {
    sheet.set_name("Prospects")?;
    header(
        sheet,
        &[
            "Partner",
            "Partner type",
            "Themes",
            "Regions",
            "Keywords",
            "Excluded countries",
            "Ticket min",
            "Ticket typical",
            "Ticket max",
            "Currency",
            "Windows",
            "Gates",
            "Owner",
            "Contact",
            "Contact role",
            "Contact email",
            "Contact phone",
            "Contact language",
            "Source",
            "Verified on",
        ],
        f,
    )?;
    let labels = |kind, keys: &[String]| {
        keys.iter()
            .map(|k| data.lists.label(kind, k, Lang::En).to_string())
            .collect::<Vec<_>>()
            .join("; ")
    };
    for (row, p) in (1u32..).zip(data.prospects) {
        let partner = partners.get(&p.partner_id);
        sheet.write_string(row, 0, partner.map_or("", |p| &p.name))?;
        if let Some(partner) = partner {
            let t = data
                .lists
                .label(ListKind::PartnerType, &partner.partner_type, Lang::En);
            sheet.write_string(row, 1, t)?;
        }
        sheet.write_string(row, 2, labels(ListKind::Theme, &p.themes))?;
        sheet.write_string(row, 3, labels(ListKind::Region, &p.regions))?;
        sheet.write_string(row, 4, p.keywords.join("; "))?;
        sheet.write_string(row, 5, p.excluded_countries.join("; "))?;
        if let Some(t) = p.ticket {
            sheet.write_with_format(row, 6, t.min.amount(), &f.money)?;
            sheet.write_with_format(row, 7, t.typical.amount(), &f.money)?;
            sheet.write_with_format(row, 8, t.max.amount(), &f.money)?;
            sheet.write_string(row, 9, t.min.currency.code())?;
        }
        let windows: Vec<String> = p
            .windows
            .iter()
            .map(|w| {
                format!("{}: {} – {} {}", w.name, w.opens, w.closes, w.url)
                    .trim_end()
                    .to_string()
            })
            .collect();
        sheet.write_string(row, 10, windows.join("; "))?;
        let gates: Vec<String> = p.gates.iter().map(gate_text).collect();
        sheet.write_string(row, 11, gates.join("; "))?;
        sheet.write_string(row, 12, &p.owner)?;
        // One entry per contact in each column, in the same order, as the import reads them.
        let fields: [fn(&Contact) -> &str; 5] = [
            |c| &c.name,
            |c| &c.role,
            |c| &c.email,
            |c| &c.phone,
            |c| &c.language,
        ];
        for (col, field) in (13u16..).zip(fields) {
            let entries: Vec<&str> = p.contacts.iter().map(field).collect();
            if entries.iter().any(|e| !e.is_empty()) {
                sheet.write_string(row, col, entries.join("; "))?;
            }
        }
        sheet.write_string(row, 18, &p.source)?;
        if let Some(day) = p.verified_on {
            sheet.write_datetime_with_format(row, 19, day, &f.date)?;
        }
    }
    sheet.set_column_width(0, 50)?;
    sheet.set_column_width(10, 60)?;
    sheet.set_column_width(11, 50)?;
    Ok(())
}
