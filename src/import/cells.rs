//! What every reader of a file yields and the rest of the import takes: cells, sheets, a
//! workbook, the limits a file must keep, and the file's name and hash for messages.

use std::path::Path;

use serde::Serialize;
use sha2::{Digest, Sha256};

/// Largest file Pledger reads.
pub const MAX_FILE_BYTES: u64 = 200 * 1024 * 1024;
/// Most rows a sheet may have.
pub const MAX_ROWS: usize = 2_000_000;
/// Most columns a sheet may have.
pub const MAX_COLUMNS: usize = 200;

/// One cell as read.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// Nothing.
    Empty,
    /// Text as typed.
    Text(String),
    /// A number cell, kept as its shortest round-trip text so no binary noise enters.
    Number(String),
    /// A date cell.
    Date(chrono::NaiveDate),
    /// A formula error such as `#REF!`.
    Error(String),
}

impl Cell {
    /// The cell as text (dates in ISO form).
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Cell::Empty => "".into(),
            Cell::Text(t) | Cell::Number(t) | Cell::Error(t) => t.as_str().into(),
            Cell::Date(d) => d.to_string().into(),
        }
    }

    /// Whether the cell holds nothing but spaces.
    pub fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(t) => t.chars().all(char::is_whitespace),
            _ => false,
        }
    }
}

/// One sheet: its name and rows of cells.
#[derive(Clone, Debug, Default)]
pub struct Sheet {
    /// The sheet's name (the file name for CSV).
    pub name: String,
    /// Rows from the top; row `i` is the sheet's row `i + 1`.
    pub rows: Vec<Vec<Cell>>,
}

/// A file read into sheets.
#[derive(Clone, Debug)]
pub struct Workbook {
    /// The file's name, for messages.
    pub file_name: String,
    /// SHA-256 of the file's bytes, hex.
    pub sha256: String,
    /// The sheets.
    pub sheets: Vec<Sheet>,
    /// How a text file's bytes were read as characters; `None` for a workbook.
    pub encoding: Option<TextEncoding>,
    /// The rows of a text file holding bytes that are malformed in its encoding.
    pub malformed: Vec<MalformedRow>,
}

/// A row of a text file holding bytes malformed in the file's encoding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MalformedRow {
    /// The row, 1-based.
    pub row: usize,
    /// The first cell (0-based column) holding such bytes, and its text as read (each
    /// malformed sequence a U+FFFD), cut to an excerpt.
    pub cell: Option<(usize, String)>,
}

/// The encoding a text file (CSV, TSV) is read in, as the import review names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TextEncoding {
    /// The encoding's name as the WHATWG Encoding Standard gives it: "UTF-8",
    /// "windows-1252", "gb18030", "Shift_JIS", "UTF-16LE".
    pub name: String,
    /// How it was chosen.
    pub chosen: EncodingChoice,
}

/// How the encoding of a text file was chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EncodingChoice {
    /// The file is UTF-8 (or nearly: a few malformed bytes among UTF-8 text).
    Utf8,
    /// The file starts with a byte-order mark.
    Bom,
    /// Told from the bytes by the detector.
    Detected,
    /// Given by the user (`--encoding`).
    Given,
}

/// SHA-256 of `bytes` as lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// `bytes` as lower-case hex.
pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A file's name as messages give it.
pub(super) fn display_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}
