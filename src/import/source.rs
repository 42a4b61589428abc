//! Reading a file into sheets of cells: workbooks (xlsx, xlsm, xlsb, xls, ods, through
//! `workbook.rs`) and CSV/TSV in any encoding a spreadsheet writes. The content decides
//! which, not the file name. A text file is UTF-8 when it is (or nearly: malformed bytes
//! among UTF-8 text), UTF-16 when a byte-order mark or its NUL bytes say so, else in the
//! legacy encoding chardetng detects, unless the user gives one; the rows holding bytes
//! malformed in that encoding are listed, for the import to refuse them.

use std::path::Path;

use encoding_rs::{DecoderResult, Encoding};

use super::cells::{
    Cell, EncodingChoice, MAX_COLUMNS, MAX_FILE_BYTES, MAX_ROWS, MalformedRow, Sheet, TextEncoding,
    Workbook, display_name, sha256_hex,
};
use super::mapping::excerpt;
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
    read_file_as(path, None, progress)
}

/// [`read_file_with_progress`], reading a CSV or TSV in `encoding` when given rather than
/// in the one detected; a workbook is read as always.
pub fn read_file_as(
    path: &Path,
    encoding: Option<&'static Encoding>,
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
        return read_delimited_as(&file_name, &bytes, encoding, progress);
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
        encoding: None,
        malformed: Vec::new(),
    })
}

/// Text decoded from a file's bytes, and how.
#[derive(Clone, Debug)]
pub struct Decoded {
    /// The text; each malformed byte sequence is a U+FFFD.
    pub text: String,
    /// The encoding it was read in.
    pub encoding: &'static Encoding,
    /// How that encoding was chosen.
    pub chosen: EncodingChoice,
    /// Byte offsets in `text` of the U+FFFD standing for malformed sequences, in order.
    pub malformed: Vec<usize>,
}

/// The encoding `label` names ("windows-1252", "cp1252", "gbk", "sjis", "utf-16le"…: any
/// label of the WHATWG Encoding Standard), or a usage error.
pub fn encoding_named(label: &str) -> Result<&'static Encoding, ImportError> {
    match Encoding::for_label(label.trim().as_bytes()) {
        Some(enc) if enc != encoding_rs::REPLACEMENT => Ok(enc),
        Some(_) => Err(ImportError::Usage(format!(
            "the encoding '{label}' is not one Pledger reads (it names no character set a file may use); try windows-1252, gb18030, shift_jis, utf-16le or utf-8"
        ))),
        None => Err(ImportError::Usage(format!(
            "'{label}' is not an encoding Pledger knows; try windows-1252, gb18030, shift_jis, utf-16le or utf-8"
        ))),
    }
}

/// Decodes text as a spreadsheet program writes it: UTF-8 with or without BOM, UTF-16 with
/// BOM (or without, told by its NUL bytes), else the legacy encoding the detector
/// (chardetng) finds: Windows-1252, GB18030, Shift-JIS and the like.
pub fn decode(bytes: &[u8]) -> String {
    decode_as(bytes, None).text
}

/// Decodes `bytes` in `given` when set (a byte-order mark of that encoding is skipped), else
/// in the encoding [`decode`] chooses; malformed sequences are located, not dropped.
pub fn decode_as(bytes: &[u8], given: Option<&'static Encoding>) -> Decoded {
    if let Some(enc) = given {
        let body = match Encoding::for_bom(bytes) {
            Some((bom_enc, bom)) if bom_enc == enc => bytes.get(bom..).unwrap_or_default(),
            _ => bytes,
        };
        return decode_strictly(body, enc, EncodingChoice::Given);
    }
    if let Some((enc, bom)) = Encoding::for_bom(bytes) {
        return decode_strictly(
            bytes.get(bom..).unwrap_or_default(),
            enc,
            EncodingChoice::Bom,
        );
    }
    let sample = bytes.get(..4096).unwrap_or(bytes);
    let zeros_even = sample.iter().step_by(2).filter(|&&b| b == 0).count();
    let zeros_odd = sample
        .iter()
        .skip(1)
        .step_by(2)
        .filter(|&&b| b == 0)
        .count();
    // Text files never hold NUL bytes, but UTF-16 puts one beside every ASCII character.
    if zeros_odd > zeros_even {
        return decode_strictly(bytes, encoding_rs::UTF_16LE, EncodingChoice::Detected);
    }
    if zeros_even > zeros_odd {
        return decode_strictly(bytes, encoding_rs::UTF_16BE, EncodingChoice::Detected);
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Decoded {
            text: text.to_string(),
            encoding: encoding_rs::UTF_8,
            chosen: EncodingChoice::Utf8,
            malformed: Vec::new(),
        };
    }
    if mostly_utf8(bytes) {
        return decode_strictly(bytes, encoding_rs::UTF_8, EncodingChoice::Utf8);
    }
    // Files are not web pages: the top-level domain is unknown, and no ISO-2022-JP (a
    // mail encoding, not a spreadsheet's).
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    let guess = detector.guess(None, chardetng::Utf8Detection::Deny);
    // GB18030 reads all GBK reads, and more.
    let enc = if guess == encoding_rs::GBK {
        encoding_rs::GB18030
    } else {
        guess
    };
    decode_strictly(bytes, enc, EncodingChoice::Detected)
}

/// Whether `bytes`, not valid UTF-8, are still UTF-8 text with a few malformed sequences: at
/// least as many well-formed non-ASCII characters as malformed sequences. Text in a legacy
/// encoding has few well-formed UTF-8 sequences by chance (Windows-1252 accents stand
/// before ASCII letters; GB18030's byte pairs rarely form one), and many malformed ones.
fn mostly_utf8(bytes: &[u8]) -> bool {
    let mut well_formed = 0usize;
    let mut malformed = 0usize;
    for chunk in bytes.utf8_chunks() {
        well_formed += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        if !chunk.invalid().is_empty() {
            malformed += 1;
        }
    }
    well_formed > 0 && malformed <= well_formed
}

/// Decodes `bytes` in `encoding`, each malformed sequence becoming a U+FFFD whose place is
/// kept.
fn decode_strictly(bytes: &[u8], encoding: &'static Encoding, chosen: EncodingChoice) -> Decoded {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let room = |decoder: &encoding_rs::Decoder, rest: usize| {
        decoder
            .max_utf8_buffer_length_without_replacement(rest)
            .unwrap_or(rest)
            .max(16)
    };
    let mut text = String::with_capacity(room(&decoder, bytes.len()));
    let mut malformed = Vec::new();
    let mut rest = bytes;
    loop {
        let (result, read) = decoder.decode_to_string_without_replacement(rest, &mut text, true);
        rest = rest.get(read..).unwrap_or_default();
        match result {
            DecoderResult::InputEmpty => break,
            DecoderResult::OutputFull => text.reserve(room(&decoder, rest.len())),
            DecoderResult::Malformed(_, _) => {
                malformed.push(text.len());
                text.push(char::REPLACEMENT_CHARACTER);
            }
        }
    }
    Decoded {
        text,
        encoding,
        chosen,
        malformed,
    }
}

/// Row `row` (1-based), holding `cells`, as a row with malformed bytes: its first cell
/// holding a U+FFFD is the one shown.
fn malformed_row(row: usize, cells: Option<&Vec<Cell>>) -> MalformedRow {
    let cell = cells.and_then(|cells| {
        cells.iter().enumerate().find_map(|(c, cell)| {
            let text = cell.text();
            text.contains(char::REPLACEMENT_CHARACTER)
                .then(|| (c, excerpt(&text, 80)))
        })
    });
    MalformedRow { row, cell }
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
    read_delimited_as(file_name, bytes, None, progress)
}

/// [`read_delimited_with_progress`] in `encoding` when given, else in the one detected
/// ([`decode_as`]); the rows holding malformed bytes are listed in the workbook.
pub fn read_delimited_as(
    file_name: &str,
    bytes: &[u8],
    encoding: Option<&'static Encoding>,
    progress: &mut dyn FnMut(Progress) -> bool,
) -> Result<Workbook, ImportError> {
    let Decoded {
        text,
        encoding,
        chosen,
        malformed,
    } = decode_as(bytes, encoding);
    let mut malformed = malformed.into_iter().peekable();
    let mut malformed_rows = Vec::new();
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
        // The record ends where the reader stands now.
        let end = usize::try_from(reader.position().byte()).unwrap_or(usize::MAX);
        let mut here = false;
        while malformed.next_if(|&at| at < end).is_some() {
            here = true;
        }
        if here {
            malformed_rows.push(malformed_row(rows.len(), rows.last()));
        }
    }
    if malformed.peek().is_some() && malformed_rows.last().map(|m| m.row) != Some(rows.len()) {
        malformed_rows.push(malformed_row(rows.len().max(1), rows.last()));
    }
    let name = Path::new(file_name).file_stem().map_or_else(
        || file_name.to_string(),
        |s| s.to_string_lossy().into_owned(),
    );
    Ok(Workbook {
        file_name: file_name.into(),
        sha256: sha256_hex(bytes),
        sheets: vec![Sheet { name, rows }],
        encoding: Some(TextEncoding {
            name: encoding.name().to_string(),
            chosen,
        }),
        malformed: malformed_rows,
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
    fn legacy_encodings_are_detected_and_named() {
        let latin = "Partner;Amount\nSociété Générale Café;1 000\nFondation Hélène Müller;2 000\n";
        let japanese = "パートナー,金額\n独立行政法人国際協力機構,1000\n株式会社日立製作所,2000\n";
        for (text, enc) in [
            (latin, encoding_rs::WINDOWS_1252),
            (japanese, encoding_rs::SHIFT_JIS),
            (
                "合作伙伴;金额\n工业和信息化部;180万\n",
                encoding_rs::GB18030,
            ),
        ] {
            let (bytes, _, _) = enc.encode(text);
            let decoded = decode_as(&bytes, None);
            assert_eq!(decoded.encoding, enc, "{text}");
            assert_eq!(decoded.chosen, EncodingChoice::Detected);
            assert_eq!(decoded.text, text);
            assert!(decoded.malformed.is_empty());
        }
        let utf16: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain(latin.encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        let decoded = decode_as(&utf16, None);
        assert_eq!(
            (decoded.encoding, decoded.chosen, decoded.text.as_str()),
            (encoding_rs::UTF_16BE, EncodingChoice::Bom, latin)
        );
    }

    #[test]
    fn malformed_bytes_are_located_to_their_rows() {
        // Row 1 header, 2 fine, 3 blank, 4 a quoted cell over two lines with a bad byte on
        // its second line, 5 fine, 6 a bad byte.
        let bytes = b"a,b\n\xc3\xa9t\xc3\xa9,1\n\n\"x\ny\xff\",2\nz,3\nw\xfe,4\n";
        let wb = read_delimited("x.csv", bytes).unwrap();
        assert_eq!(wb.encoding.as_ref().map(|e| e.name.as_str()), Some("UTF-8"));
        let rows_columns: Vec<(usize, Option<usize>)> = wb
            .malformed
            .iter()
            .map(|m| (m.row, m.cell.as_ref().map(|c| c.0)))
            .collect();
        assert_eq!(rows_columns, vec![(4, Some(0)), (6, Some(0))]);
        assert_eq!(wb.malformed[1].cell, Some((0, "w\u{FFFD}".to_string())));
        let rows = &wb.sheets[0].rows;
        assert_eq!(rows[3][0], Cell::Text("x\ny\u{FFFD}".into()));
        assert_eq!(rows[4][0], Cell::Text("z".into()));

        // Given an encoding, the bytes malformed in it are located the same way.
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode("名前,額\n日立,1\n");
        let mut bytes = sjis.into_owned();
        bytes.extend_from_slice(b"\x81,2\n");
        let wb = read_delimited_as("x.csv", &bytes, Some(encoding_rs::SHIFT_JIS), &mut |_| true)
            .unwrap();
        assert_eq!(
            wb.encoding,
            Some(TextEncoding {
                name: "Shift_JIS".into(),
                chosen: EncodingChoice::Given
            })
        );
        assert_eq!(
            wb.malformed,
            vec![MalformedRow {
                row: 3,
                cell: Some((0, "\u{FFFD}".into()))
            }]
        );
    }

    #[test]
    fn encodings_are_named_by_any_label() {
        assert_eq!(encoding_named("cp1252").unwrap(), encoding_rs::WINDOWS_1252);
        assert_eq!(encoding_named(" GB18030 ").unwrap(), encoding_rs::GB18030);
        assert_eq!(encoding_named("sjis").unwrap(), encoding_rs::SHIFT_JIS);
        assert!(encoding_named("klingon").is_err());
        // A label of the Standard that reads no text.
        assert!(encoding_named("iso-2022-kr").is_err());
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
