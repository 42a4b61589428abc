//! The workbook sent back to a consultant: the sheet's rows as read, with one more column
//! listing each row's problems, and a second sheet listing every problem.

use std::collections::BTreeMap;
use std::path::Path;

use rust_xlsxwriter::{Color, ExcelDateTime, Format, Workbook as XlsxWorkbook};

use super::cells::{Cell, Workbook};
use super::plan::Plan;
use super::{ImportError, Severity};

/// Most rows an xlsx sheet can hold.
const XLSX_ROWS: usize = 1_048_576;

/// Writes the rows of the sheet `plan` read from `workbook` to a new xlsx at `path`, with a
/// last column "Problems" naming each row's problems, and a sheet "Problems" listing them
/// all. Returns how many rows have problems.
pub fn write_errors_workbook(
    path: &Path,
    workbook: &Workbook,
    plan: &Plan,
) -> Result<usize, ImportError> {
    let failed = |e: rust_xlsxwriter::XlsxError| {
        ImportError::Usage(format!("cannot write {}: {e}", path.display()))
    };
    let Some(sheet) = workbook.sheets.iter().find(|s| s.name == plan.sheet) else {
        return Err(ImportError::Usage(format!(
            "{} has no sheet '{}'",
            workbook.file_name, plan.sheet
        )));
    };
    if sheet.rows.len() >= XLSX_ROWS {
        return Err(ImportError::Usage(format!(
            "the sheet has {} rows, more than an xlsx sheet holds; fix the file from the messages instead",
            sheet.rows.len()
        )));
    }
    let mut by_row: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for p in &plan.problems {
        if let Some(row) = p.row {
            let kind = match p.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            let text = match &p.column {
                Some(c) => format!("{kind}, {c}: {}", p.message),
                None => format!("{kind}: {}", p.message),
            };
            by_row.entry(row).or_default().push(text);
        }
    }
    let width = sheet.rows.iter().map(Vec::len).max().unwrap_or(0);
    let problems_col = u16::try_from(width)
        .map_err(|_| ImportError::Usage("the sheet is wider than an xlsx sheet holds".into()))?;

    let mut book = XlsxWorkbook::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let bold = Format::new().set_bold();
    let flagged = Format::new()
        .set_text_wrap()
        .set_background_color(Color::RGB(0x00FF_E4E1));
    {
        let ws = book.add_worksheet();
        if ws.set_name(sheet.name.as_str()).is_err() {
            ws.set_name("Sheet1").map_err(failed)?;
        }
        for (i, row) in sheet.rows.iter().enumerate() {
            let r = u32::try_from(i).map_err(|_| ImportError::Usage("too many rows".into()))?;
            for (c, cell) in row.iter().enumerate() {
                let c = u16::try_from(c).map_err(|_| ImportError::Usage("too wide".into()))?;
                match cell {
                    Cell::Empty => {}
                    Cell::Text(t) | Cell::Error(t) => {
                        ws.write_string(r, c, t.as_str()).map_err(failed)?;
                    }
                    Cell::Number(n) => match n.parse::<f64>() {
                        Ok(v) => {
                            ws.write_number(r, c, v).map_err(failed)?;
                        }
                        Err(_) => {
                            ws.write_string(r, c, n.as_str()).map_err(failed)?;
                        }
                    },
                    Cell::Date(d) => {
                        use chrono::Datelike;
                        let x = u16::try_from(d.year())
                            .ok()
                            .and_then(|y| {
                                ExcelDateTime::from_ymd(
                                    y,
                                    u8::try_from(d.month()).ok()?,
                                    u8::try_from(d.day()).ok()?,
                                )
                                .ok()
                            })
                            .ok_or_else(|| ImportError::Usage(format!("date {d}")))?;
                        ws.write_datetime_with_format(r, c, &x, &date)
                            .map_err(failed)?;
                    }
                }
            }
            if let Some(list) = by_row.get(&(i + 1)) {
                ws.write_string_with_format(r, problems_col, list.join("\n"), &flagged)
                    .map_err(failed)?;
            }
        }
        let header = u32::try_from(plan.header_row.saturating_sub(1))
            .map_err(|_| ImportError::Usage("header row".into()))?;
        ws.write_string_with_format(header, problems_col, "Problems", &bold)
            .map_err(failed)?;
        ws.set_column_width(problems_col, 60).map_err(failed)?;
    }
    {
        let ws = book.add_worksheet();
        ws.set_name("Problems").map_err(failed)?;
        for (c, title) in ["Severity", "Row", "Column", "Value", "Problem"]
            .iter()
            .enumerate()
        {
            let c = u16::try_from(c).map_err(|_| ImportError::Usage("columns".into()))?;
            ws.write_string_with_format(0, c, *title, &bold)
                .map_err(failed)?;
        }
        for (i, p) in plan.problems.iter().enumerate() {
            let r = u32::try_from(i + 1).map_err(|_| ImportError::Usage("rows".into()))?;
            let kind = match p.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            ws.write_string(r, 0, kind).map_err(failed)?;
            if let Some(row) = p.row {
                ws.write_string(r, 1, row.to_string()).map_err(failed)?;
            }
            ws.write_string(r, 2, p.column.as_deref().unwrap_or_default())
                .map_err(failed)?;
            ws.write_string(r, 3, p.value.as_str()).map_err(failed)?;
            ws.write_string(r, 4, p.message.as_str()).map_err(failed)?;
        }
        ws.set_column_width(4, 80).map_err(failed)?;
    }
    let bytes = book.save_to_buffer().map_err(failed)?;
    crate::files::write_whole(path, &bytes).map_err(|e| ImportError::Unreadable {
        file: path.display().to_string(),
        reason: format!("cannot write it: {e}"),
    })?;
    Ok(by_row.len())
}
