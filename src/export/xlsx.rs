//! The report's tables and the period's agreements as an Excel workbook: numbers as
//! numbers, dates as dates, so the officer can go on working in a spreadsheet.

use rust_decimal::Decimal;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::{ExportError, ReportData};
use crate::chart::{ChartKind, empty_text};
use crate::domain::{Lang, ListKind, minor_to_decimal};
use crate::report::{SHARE_DIGITS, Slice};

fn xlsx_error(e: XlsxError) -> ExportError {
    ExportError::Encode(e.to_string())
}

struct Formats {
    header: Format,
    money: Format,
    percent: Format,
    share: Format,
    date: Format,
}

fn headers(sheet: &mut Worksheet, names: &[&str], f: &Formats) -> Result<(), XlsxError> {
    for (col, name) in (0u16..).zip(names) {
        sheet.write_string_with_format(0, col, *name, &f.header)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

fn summary(sheet: &mut Worksheet, data: &ReportData, f: &Formats) -> Result<(), XlsxError> {
    let r = &data.report;
    let money = |m: i128| minor_to_decimal(m, r.currency);
    sheet.set_name("Summary")?;
    headers(sheet, &["Figure", "Value"], f)?;
    sheet.write_string(1, 0, "Period")?;
    sheet.write_string(1, 1, r.period.label())?;
    sheet.write_string(2, 0, "From")?;
    sheet.write_datetime_with_format(2, 1, r.period.from, &f.date)?;
    sheet.write_string(3, 0, "To")?;
    sheet.write_datetime_with_format(3, 1, r.period.to, &f.date)?;
    sheet.write_string(4, 0, "Reporting currency")?;
    sheet.write_string(4, 1, r.currency.code())?;
    sheet.write_string(5, 0, "Agreements signed")?;
    sheet.write_number(5, 1, u32::try_from(r.agreements_signed).unwrap_or(u32::MAX))?;
    sheet.write_string(6, 0, "Agreements with a financial contribution")?;
    sheet.write_number(
        6,
        1,
        u32::try_from(r.agreements_financial).unwrap_or(u32::MAX),
    )?;
    sheet.write_string(7, 0, "Partners' contributions")?;
    sheet.write_with_format(7, 1, money(r.partner_total_minor), &f.money)?;
    sheet.write_string(8, 0, "Own co-funding part")?;
    sheet.write_with_format(8, 1, money(r.own_total_minor), &f.money)?;
    sheet.write_string(9, 0, "Ledger revision")?;
    sheet.write_number(9, 1, u32::try_from(data.revision).unwrap_or(u32::MAX))?;
    if r.agreements_financial == 0 {
        sheet.write_string(11, 0, empty_text(Lang::En))?;
        sheet.write_string(12, 0, empty_text(Lang::Zh))?;
    }
    sheet.set_column_width(0, 40)?;
    sheet.set_column_width(1, 18)?;
    Ok(())
}

fn breakdowns(sheet: &mut Worksheet, data: &ReportData, f: &Formats) -> Result<(), XlsxError> {
    let r = &data.report;
    sheet.set_name("Breakdowns")?;
    headers(
        sheet,
        &[
            "Chart",
            "Key",
            "Label",
            "标签",
            &format!("Amount ({})", r.currency),
            "Share",
            "Percent (rounded)",
        ],
        f,
    )?;
    let parts: [(ChartKind, &[Slice]); 4] = [
        (ChartKind::Cofunding, &r.cofunding),
        (ChartKind::PartnerType, &r.by_partner_type),
        (ChartKind::Region, &r.by_region),
        (ChartKind::Theme, &r.by_theme),
    ];
    let mut row = 1u32;
    for (kind, slices) in parts {
        if slices.is_empty() {
            sheet.write_string(row, 0, kind.slug())?;
            sheet.write_string(row, 2, empty_text(Lang::En))?;
            sheet.write_string(row, 3, empty_text(Lang::Zh))?;
            row += 1;
        }
        for s in slices {
            sheet.write_string(row, 0, kind.slug())?;
            sheet.write_string(row, 1, &s.key)?;
            sheet.write_string(row, 2, &s.label_en)?;
            sheet.write_string(row, 3, &s.label_zh)?;
            sheet.write_with_format(
                row,
                4,
                minor_to_decimal(s.amount_minor, r.currency),
                &f.money,
            )?;
            sheet.write_with_format(row, 5, s.share.decimal(SHARE_DIGITS), &f.share)?;
            sheet.write_with_format(
                row,
                6,
                Decimal::new(i64::from(s.percent_tenths), 1),
                &f.percent,
            )?;
            row += 1;
        }
    }
    for (col, width) in [
        (0, 14),
        (1, 14),
        (2, 40),
        (3, 30),
        (4, 18),
        (5, 10),
        (6, 18),
    ] {
        sheet.set_column_width(col, width)?;
    }
    Ok(())
}

fn top_partners(sheet: &mut Worksheet, data: &ReportData, f: &Formats) -> Result<(), XlsxError> {
    let r = &data.report;
    sheet.set_name("Top partners")?;
    headers(
        sheet,
        &[
            "Rank",
            "Partner",
            "伙伴",
            "Type",
            &format!("Amount ({})", r.currency),
            "Share",
        ],
        f,
    )?;
    if r.top_partners.is_empty() {
        sheet.write_string(1, 1, empty_text(Lang::En))?;
        sheet.write_string(1, 2, empty_text(Lang::Zh))?;
    }
    for (row, p) in (1u32..).zip(&r.top_partners) {
        sheet.write_number(row, 0, u32::try_from(p.rank).unwrap_or(u32::MAX))?;
        sheet.write_string(row, 1, &p.name)?;
        sheet.write_string(row, 2, p.display_name(Lang::Zh))?;
        sheet.write_string(
            row,
            3,
            data.lists
                .label(ListKind::PartnerType, &p.partner_type, Lang::En),
        )?;
        sheet.write_with_format(
            row,
            4,
            minor_to_decimal(p.amount_minor, r.currency),
            &f.money,
        )?;
        sheet.write_with_format(row, 5, p.share.decimal(SHARE_DIGITS), &f.share)?;
    }
    for (col, width) in [(0, 6), (1, 60), (2, 36), (3, 30), (4, 18), (5, 10)] {
        sheet.set_column_width(col, width)?;
    }
    Ok(())
}

fn agreements(sheet: &mut Worksheet, data: &ReportData, f: &Formats) -> Result<(), XlsxError> {
    let r = &data.report;
    sheet.set_name("Agreements")?;
    headers(
        sheet,
        &[
            "Reference",
            "Signed",
            "Partner",
            "伙伴",
            "Type",
            "Region",
            "Currency",
            "Contribution",
            &format!("Contribution ({})", r.currency),
        ],
        f,
    )?;
    if data.annex.is_empty() {
        sheet.write_string(1, 0, "No agreement was signed in this period")?;
    }
    for (row, a) in (1u32..).zip(&data.annex) {
        sheet.write_string(row, 0, &a.reference)?;
        sheet.write_datetime_with_format(row, 1, a.signed_on, &f.date)?;
        sheet.write_string(row, 2, &a.partner)?;
        sheet.write_string(row, 3, a.partner_name(Lang::Zh))?;
        sheet.write_string(
            row,
            4,
            data.lists
                .label(ListKind::PartnerType, &a.partner_type, Lang::En),
        )?;
        sheet.write_string(
            row,
            5,
            data.lists.label(ListKind::Region, &a.region, Lang::En),
        )?;
        match a.contribution {
            Some(m) => {
                sheet.write_string(row, 6, m.currency.code())?;
                sheet.write_with_format(row, 7, m.amount(), &f.money)?;
            }
            None => {
                sheet.write_string(row, 6, "non-financial")?;
            }
        }
        if let Some(c) = a.converted_minor {
            sheet.write_with_format(row, 8, minor_to_decimal(c, r.currency), &f.money)?;
        }
    }
    for (col, width) in [
        (0, 14),
        (1, 12),
        (2, 60),
        (3, 36),
        (4, 30),
        (5, 18),
        (6, 12),
        (7, 16),
        (8, 18),
    ] {
        sheet.set_column_width(col, width)?;
    }
    Ok(())
}

/// The workbook of `data`: Summary, Breakdowns, Top partners, Agreements.
pub fn report_xlsx(data: &ReportData) -> Result<Vec<u8>, ExportError> {
    let f = Formats {
        header: Format::new().set_bold(),
        money: Format::new().set_num_format("#,##0.00"),
        percent: Format::new().set_num_format("0.0"),
        share: Format::new().set_num_format("0.00%"),
        date: Format::new().set_num_format("yyyy-mm-dd"),
    };
    let mut workbook = Workbook::new();
    summary(workbook.add_worksheet(), data, &f).map_err(xlsx_error)?;
    breakdowns(workbook.add_worksheet(), data, &f).map_err(xlsx_error)?;
    top_partners(workbook.add_worksheet(), data, &f).map_err(xlsx_error)?;
    agreements(workbook.add_worksheet(), data, &f).map_err(xlsx_error)?;
    workbook.save_to_buffer().map_err(xlsx_error)
}
