//! Reading a file into sheets of cells: workbooks (xlsx, xlsm, xlsb, xls, ods, through
//! `workbook.rs`) and CSV/TSV in any encoding a spreadsheet writes. The content decides
//! which, not the file name.

use std::path::Path;

use super::cells::{
    Cell, MAX_COLUMNS, MAX_FILE_BYTES, MAX_ROWS, Sheet, Workbook, display_name, sha256_hex,
};
use super::workbook::{FileKind, detect_kind, read_workbook};
use super::{ImportError, Phase, Progress};

/// Reads `path` (xlsx, xlsm, xlsb, xls, ods, CSV or TSV) into a workbook.
pub fn read_file(path: &Path) -> Result<Workbook, ImportError> {
    read_file_with_progress(path, &mut |_| true)
}

/// [`read_file`], telling `progress` the rows read; when `progress` returns false the
/// reading stops with [`ImportError::Cancelled`].
pub fn read_file_with_progress(
    path: &Path,
    progress: &mut dyn FnMut(Progress) -> bool,
) -> Result<Workbook, ImportError> {
    let file_name = display_name(path);
    let unreadable = |reason: String| ImportError::Unreadable {
        file: file_name.clone(),
        reason,
    };
    let meta = std::fs::metadata(path).map_err(|e| unreadable(e.to_string()))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(unreadable(format!(
            "the file is {} MB; Pledger reads files up to {} MB",
            meta.len() >> 20,
            MAX_FILE_BYTES >> 20
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| unreadable(e.to_string()))?;
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let kind = detect_kind(&bytes, &ext).map_err(&unreadable)?;
    if kind == FileKind::Delimited {
        if !matches!(
            ext.as_str(),
            "csv" | "tsv" | "txt" | "xlsx" | "xlsm" | "xlsb" | "xls" | "ods"
        ) {
            return Err(unreadable(format!(
                "'.{ext}' is not a spreadsheet type Pledger reads (xlsx, xlsm, xlsb, xls, ods, csv, tsv)"
            )));
        }
        // Text named as a workbook (some systems export CSV as .xls): read it as text.
        return read_delimited_with_progress(&file_name, &bytes, progress);
    }
    let sheets = read_workbook(kind, &bytes, progress)
        .map_err(&unreadable)?
        .ok_or(ImportError::Cancelled)?;
    if sheets.is_empty() {
        return Err(unreadable("the workbook has no worksheet".into()));
    }
    Ok(Workbook {
        file_name: file_name.clone(),
        sha256: sha256_hex(&bytes),
        sheets,
    })
}

/// Decodes text as a spreadsheet program writes it: UTF-8 with or without BOM, UTF-16 with
/// BOM (or without, told by its NUL bytes), else GB18030 (what Chinese Excel writes).
pub fn decode(bytes: &[u8]) -> String {
    if let Some((enc, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        return enc
            .decode_without_bom_handling(&bytes[bom..])
            .0
            .into_owned();
    }
    let sample = &bytes[..bytes.len().min(4096)];
    let zeros_even = sample.iter().step_by(2).filter(|&&b| b == 0).count();
    let zeros_odd = sample
        .iter()
        .skip(1)
        .step_by(2)
        .filter(|&&b| b == 0)
        .count();
    // Text files never hold NUL bytes, but UTF-16 puts one beside every ASCII character.
    if zeros_odd > zeros_even {
        return encoding_rs::UTF_16LE
            .decode_without_bom_handling(bytes)
            .0
            .into_owned();
    }
    if zeros_even > zeros_odd {
        return encoding_rs::UTF_16BE
            .decode_without_bom_handling(bytes)
            .0
            .into_owned();
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(_) => encoding_rs::GB18030
            .decode_without_bom_handling(bytes)
            .0
            .into_owned(),
    }
}

/// Picks the delimiter (`,` `;` or tab) that splits the first lines most consistently.
fn detect_delimiter(text: &str) -> u8 {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(20)
        .collect();
    let mut best = (b',', 0usize);
    for d in [b',', b';', b'\t'] {
        let counts: Vec<usize> = lines
            .iter()
            .map(|l| l.matches(char::from(d)).count())
            .collect();
        let Some(&most) = counts.iter().max() else {
            continue;
        };
        // Lines that agree with the most common count score.
        let score = counts.iter().filter(|&&c| c == most && c > 0).count() * most;
        if score > best.1 {
            best = (d, score);
        }
    }
    best.0
}

/// Reads CSV or TSV bytes; `file_name` names the single sheet.
pub fn read_delimited(file_name: &str, bytes: &[u8]) -> Result<Workbook, ImportError> {
    read_delimited_with_progress(file_name, bytes, &mut |_| true)
}

/// [`read_delimited`], telling `progress` the rows read; it cancels by returning false.
pub fn read_delimited_with_progress(
    file_name: &str,
    bytes: &[u8],
    progress: &mut dyn FnMut(Progress) -> bool,
) -> Result<Workbook, ImportError> {
    let text = decode(bytes);
    let delimiter = detect_delimiter(&text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    let mut record = csv::StringRecord::new();
    // The csv reader skips blank lines; put them back so row numbers match a spreadsheet's.
    loop {
        let more = reader
            .read_record(&mut record)
            .map_err(|e| ImportError::Unreadable {
                file: file_name.into(),
                reason: format!("row {}: {e}", rows.len() + 1),
            })?;
        if !more {
            break;
        }
        // A record's position is where the reader resumed, before any blank lines it skipped.
        let mut start =
            usize::try_from(record.position().map_or(0, csv::Position::byte)).unwrap_or(usize::MAX);
        let bytes = text.as_bytes();
        // The reader may resume between the CR and LF of the previous record's end.
        if start > 0 && bytes.get(start - 1) == Some(&b'\r') && bytes.get(start) == Some(&b'\n') {
            start += 1;
        }
        let skipped = bytes
            .get(start..)
            .unwrap_or_default()
            .iter()
            .take_while(|&&b| b == b'\n' || b == b'\r')
            .filter(|&&b| b == b'\n')
            .count();
        for _ in 0..skipped.min(MAX_ROWS) {
            rows.push(Vec::new());
        }
        if rows.len() >= MAX_ROWS || record.len() > MAX_COLUMNS {
            return Err(ImportError::Unreadable {
                file: file_name.into(),
                reason: format!(
                    "the sheet is larger than Pledger reads ({MAX_ROWS} rows, {MAX_COLUMNS} columns)"
                ),
            });
        }
        if rows.len() % 1024 == 1023
            && !progress(Progress {
                phase: Phase::Reading,
                rows_done: rows.len() + 1,
                rows_total: None,
            })
        {
            return Err(ImportError::Cancelled);
        }
        rows.push(
            record
                .iter()
                .map(|v| {
                    if v.is_empty() {
                        Cell::Empty
                    } else {
                        Cell::Text(v.to_string())
                    }
                })
                .collect(),
        );
    }
    let name = Path::new(file_name).file_stem().map_or_else(
        || file_name.to_string(),
        |s| s.to_string_lossy().into_owned(),
    );
    Ok(Workbook {
        file_name: file_name.into(),
        sha256: sha256_hex(bytes),
        sheets: vec![Sheet { name, rows }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_are_detected() {
        let text = "合作伙伴;金额\n工业和信息化部;180万\n";
        let utf8_bom = [&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat();
        let (gbk, _, _) = encoding_rs::GB18030.encode(text);
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let utf16_nobom: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        for bytes in [
            text.as_bytes().to_vec(),
            utf8_bom,
            gbk.into_owned(),
            utf16,
            utf16_nobom,
        ] {
            let wb = read_delimited("x.csv", &bytes).unwrap();
            let rows = &wb.sheets[0].rows;
            assert_eq!(rows[1][0], Cell::Text("工业和信息化部".into()));
            assert_eq!(rows[1][1], Cell::Text("180万".into()));
        }
    }

    #[test]
    fn delimiters_are_detected() {
        for (text, n) in [
            ("a,b,c\n1,2,3\n", 3),
            ("a;b\n\"1,5\";2\n", 2),
            ("a\tb\tc\td\n1\t2\t3\t4\n", 4),
        ] {
            let wb = read_delimited("x.csv", text.as_bytes()).unwrap();
            assert_eq!(wb.sheets[0].rows[0].len(), n, "{text}");
        }
    }
}
