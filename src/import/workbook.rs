//! Reading spreadsheet workbooks (xlsx, xlsm, xlsb, xls, ods) into sheets of cells with
//! calamine. The format is told from the file's first bytes, not its name. Xlsx and xlsb
//! sheets are streamed cell by cell, so memory follows the cells that hold a value, not the
//! sheet's claimed dimension or its formatting.

use std::io::{Cursor, Read, Seek};

use calamine::{Data, DataRef, ExcelDateTime, Reader, SheetType, Xls, Xlsb, Xlsx};

use super::cells::{Cell, MAX_COLUMNS, MAX_ROWS, Sheet};
use super::{Phase, Progress};
use crate::import::column_letter;

/// Most cells holding a value that Pledger reads from one workbook.
pub const MAX_CELLS: usize = 40_000_000;
/// Most bytes a workbook's parts may unpack to, all together.
pub const MAX_UNPACKED_BYTES: u64 = 2 * 1024 * 1024 * 1024;
/// Largest unpacked/packed ratio allowed for a part bigger than [`RATIO_CHECKED_FROM`]:
/// spreadsheet XML packs 5 to 30 times; a zip bomb packs thousands of times.
pub const MAX_PACKING_RATIO: u64 = 250;
/// Parts smaller than this are not ratio-checked (tiny parts pack very well).
pub const RATIO_CHECKED_FROM: u64 = 16 * 1024 * 1024;

/// What a file is, told from its content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// Text: CSV or TSV.
    Delimited,
    /// Office Open XML workbook (.xlsx, .xlsm).
    Xlsx,
    /// Excel binary workbook (.xlsb).
    Xlsb,
    /// Excel 97-2003 workbook (.xls).
    Xls,
    /// OpenDocument spreadsheet (.ods).
    Ods,
}

impl FileKind {
    /// The usual extension of this kind, for messages.
    pub fn extension(self) -> &'static str {
        match self {
            FileKind::Delimited => "csv",
            FileKind::Xlsx => "xlsx",
            FileKind::Xlsb => "xlsb",
            FileKind::Xls => "xls",
            FileKind::Ods => "ods",
        }
    }
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const EMPTY_ZIP_MAGIC: &[u8] = b"PK\x05\x06";
const OLE_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

const PASSWORD: &str = "the workbook is protected with a password; open it, remove the password (Excel: File > Info > Protect Workbook > Encrypt with Password, clear it; LibreOffice: File > Properties > Security) and save it again, then import that copy";

fn damaged(detail: &str) -> String {
    format!(
        "the workbook is damaged or incomplete ({detail}); was the download or the e-mail attachment cut short? Ask for the file again, or open it in a spreadsheet program and save a new copy"
    )
}

/// Tells what `bytes` hold. `ext` (lower case, no dot) only shapes the messages: a workbook
/// with a wrong extension is read by its content.
pub fn detect_kind(bytes: &[u8], ext: &str) -> Result<FileKind, String> {
    if bytes.starts_with(ZIP_MAGIC) || bytes.starts_with(EMPTY_ZIP_MAGIC) {
        return zip_kind(bytes);
    }
    if bytes.starts_with(OLE_MAGIC) {
        // An encrypted xlsx is an OLE container too; calamine's xlsx reader tells it.
        if let Err(calamine::XlsxError::Password) = Xlsx::new(Cursor::new(bytes)) {
            return Err(PASSWORD.into());
        }
        return Ok(FileKind::Xls);
    }
    if looks_like_text(bytes) {
        return Ok(FileKind::Delimited);
    }
    let expected = match ext {
        "xlsx" | "xlsm" | "xlsb" | "ods" => {
            " it is not a zip archive, as every .xlsx, .xlsb and .ods file is"
        }
        "xls" => " an .xls file starts with an OLE signature, and this one does not",
        _ => "",
    };
    Err(format!(
        "the file is neither a spreadsheet workbook (xlsx, xlsm, xlsb, xls, ods) nor CSV/TSV text;{expected}. It may be damaged or misnamed: open it in a spreadsheet program and save it as .xlsx"
    ))
}

/// Whether `bytes` read as text: a BOM, or no control bytes but tab, CR, LF and form feed
/// in the first 8 KiB.
fn looks_like_text(bytes: &[u8]) -> bool {
    if encoding_rs::Encoding::for_bom(bytes).is_some() {
        return true;
    }
    let sample = &bytes[..bytes.len().min(8192)];
    let zeros = sample.iter().filter(|&&b| b == 0).count();
    // UTF-16 without a BOM: a NUL beside nearly every ASCII character.
    if zeros * 3 > sample.len() && sample.len() >= 2 {
        return sample
            .iter()
            .filter(|&&b| b != 0)
            .all(|&b| b >= 0x20 || matches!(b, b'\t' | b'\r' | b'\n'));
    }
    sample
        .iter()
        .all(|&b| b >= 0x20 || matches!(b, b'\t' | b'\r' | b'\n' | 0x0C))
}

/// Opens the zip directory, refuses archives that unpack to far more than they hold, and
/// tells the workbook type from the parts inside.
fn zip_kind(bytes: &[u8]) -> Result<FileKind, String> {
    zip_kind_of(Cursor::new(bytes))
}

/// [`zip_kind`] of a zip archive read from `reader`.
fn zip_kind_of<R: std::io::Read + std::io::Seek>(reader: R) -> Result<FileKind, String> {
    let mut zip = zip::ZipArchive::new(reader)
        .map_err(|e| damaged(&format!("its zip directory cannot be read: {e}")))?;
    let mut unpacked: u64 = 0;
    for i in 0..zip.len() {
        let part = zip
            .by_index_raw(i)
            .map_err(|e| damaged(&format!("part {i} of the zip archive: {e}")))?;
        if part.encrypted() {
            return Err(PASSWORD.into());
        }
        let (size, packed) = (part.size(), part.compressed_size().max(1));
        unpacked = unpacked.saturating_add(size);
        if (size >= RATIO_CHECKED_FROM && size / packed > MAX_PACKING_RATIO)
            || unpacked > MAX_UNPACKED_BYTES
        {
            return Err(format!(
                "the workbook's part '{}' unpacks to {} MB from {} KB (a 'zip bomb'); Pledger reads workbooks whose parts unpack to at most {} MB, at most {MAX_PACKING_RATIO} times their packed size",
                part.name().map(|n| n.into_owned()).unwrap_or_default(),
                size >> 20,
                packed >> 10,
                MAX_UNPACKED_BYTES >> 20
            ));
        }
    }
    let has = |name: &str| zip.index_for_name(name).is_some();
    if has("xl/workbook.xml") {
        Ok(FileKind::Xlsx)
    } else if has("xl/workbook.bin") {
        Ok(FileKind::Xlsb)
    } else if has("content.xml") {
        Ok(FileKind::Ods)
    } else if has("word/document.xml") || has("ppt/presentation.xml") {
        Err("the file is a Word or PowerPoint document, not a workbook".into())
    } else {
        Err("the file is a zip archive but holds no workbook (no xl/workbook.xml, xl/workbook.bin or content.xml)".into())
    }
}

/// Runs `read`, a call into calamine's parsers, which can panic on a damaged file (an index
/// out of bounds, an overflow: fuzzing found a dozen such places in its xls, xlsx, xlsb and
/// compound-file readers, see fuzz/README.md). Such a panic is the file's fault, not
/// Pledger's: it becomes the error of a damaged workbook, and whatever `read` built is
/// dropped with it.
fn guarded<T>(read: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(read))
        .unwrap_or_else(|_| Err(damaged("its structure is not what the format says")))
}

/// Reads every worksheet of workbook `bytes` of `kind` into sheets. `progress` hears the rows
/// read and can cancel (then `Ok(None)`).
pub fn read_workbook(
    kind: FileKind,
    bytes: &[u8],
    progress: &mut dyn FnMut(Progress) -> bool,
) -> Result<Option<Vec<Sheet>>, String> {
    guarded(|| read_workbook_unguarded(kind, bytes, progress))
}

/// [`read_workbook`], a panic of calamine's left to the caller.
fn read_workbook_unguarded(
    kind: FileKind,
    bytes: &[u8],
    progress: &mut dyn FnMut(Progress) -> bool,
) -> Result<Option<Vec<Sheet>>, String> {
    let cursor = Cursor::new(bytes);
    let mut sheets = Vec::new();
    match kind {
        FileKind::Delimited => Err("not a workbook".into()),
        FileKind::Xlsx | FileKind::Xlsb => {
            let Some(mut wb) = CellBook::open(kind, cursor)? else {
                return Err("not a workbook".into());
            };
            let mut cells = 0usize;
            for name in wb.sheet_names() {
                let read = wb.with_cells(&name, |total, next| {
                    cells_into(&mut sheets, &name, total, &mut cells, next, progress)
                })?;
                if !read {
                    return Ok(None);
                }
            }
            Ok(Some(sheets))
        }
        FileKind::Xls => {
            xls_within_bounds(bytes)?;
            let wb = Xls::new(cursor).map_err(|e| match e {
                calamine::XlsError::Password => PASSWORD.to_string(),
                other => other_error(&other.to_string()),
            })?;
            read_ranges(wb, progress)
        }
        FileKind::Ods => {
            let wb = calamine::Ods::new(cursor).map_err(|e| match e {
                calamine::OdsError::Password => PASSWORD.to_string(),
                calamine::OdsError::Zip(z) => damaged(&z.to_string()),
                other => other_error(&other.to_string()),
            })?;
            read_ranges(wb, progress)
        }
    }
}

/// Refuses an xls whose sheets claim more cells than Pledger reads ([`MAX_CELLS`]) before
/// calamine sees it: calamine reads an xls whole and sizes each sheet from its DIMENSIONS
/// record and from the corners its cells span, so a 13 KB file claiming a sheet of
/// billions of cells would ask for gigabytes (found by fuzzing). The BIFF records of the
/// workbook stream are walked once: each sheet's claimed dimensions, and the rows and
/// columns of its cell records, are bounded. A stream that cannot be walked is left for
/// calamine to judge.
fn xls_within_bounds(bytes: &[u8]) -> Result<(), String> {
    use std::io::Read;
    let Ok(mut file) = cfb::CompoundFile::open(Cursor::new(bytes)) else {
        return Ok(());
    };
    let mut stream = Vec::new();
    let read = match file.open_stream("/Workbook") {
        Ok(s) => Ok(s),
        Err(_) => file.open_stream("/Book"),
    }
    .and_then(|mut s| s.read_to_end(&mut stream));
    if read.is_err() {
        return Ok(());
    }
    let too_large = |cells: u64| {
        damaged(&format!(
            "a sheet claims {cells} cells, more than the {MAX_CELLS} Pledger reads at once"
        ))
    };
    let u16_at = |d: &[u8], i: usize| {
        d.get(i..i + 2)
            .map_or(0, |b| u32::from(u16::from_le_bytes([b[0], b[1]])))
    };
    let u32_at = |d: &[u8], i: usize| {
        d.get(i..i + 4)
            .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    // The corners the current sheet's cells span: (first row, last row, first col, last col).
    let mut span: Option<(u32, u32, u32, u32)> = None;
    let check = |span: Option<(u32, u32, u32, u32)>| -> Result<(), String> {
        if let Some((r0, r1, c0, c1)) = span {
            let cells = u64::from(r1 - r0 + 1) * u64::from(c1 - c0 + 1);
            if cells > MAX_CELLS as u64 {
                return Err(too_large(cells));
            }
        }
        Ok(())
    };
    let mut at = 0usize;
    while let (Some(typ), Some(len)) = (
        stream.get(at..at + 2).map(|_| u16_at(&stream, at)),
        stream.get(at + 2..at + 4).map(|_| u16_at(&stream, at + 2)),
    ) {
        let start = at + 4;
        let Some(data) = stream.get(start..start + len as usize) else {
            break;
        };
        at = start + len as usize;
        let mut put = |row: u32, first: u32, last: u32| {
            let (r0, r1, c0, c1) = span.unwrap_or((row, row, first, last));
            span = Some((r0.min(row), r1.max(row), c0.min(first), c1.max(last)));
        };
        match typ {
            // BOF and EOF: a sheet (or the workbook globals) starts or ends.
            0x0809 | 0x000A => {
                check(span)?;
                span = None;
            }
            // DIMENSIONS, as calamine reads it (BIFF5 in u16s, BIFF8 rows in u32s).
            0x0200 => {
                let (rows, cols) = match data.len() {
                    10 => (
                        u16_at(data, 2).saturating_sub(u16_at(data, 0)),
                        u16_at(data, 6).saturating_sub(u16_at(data, 4)),
                    ),
                    14 | 16 => (
                        u32_at(data, 4).saturating_sub(u32_at(data, 0)),
                        u16_at(data, 10).saturating_sub(u16_at(data, 8)),
                    ),
                    _ => (0, 0),
                };
                let cells = u64::from(rows) * u64::from(cols);
                if cells > MAX_CELLS as u64 {
                    return Err(too_large(cells));
                }
            }
            // Cells: NUMBER, LABEL, RSTRING, BOOLERR, RK, LABELSST, FORMULA (row, col).
            0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD | 0x0006 => {
                let col = u16_at(data, 2);
                put(u16_at(data, 0), col, col);
            }
            // MULRK: a row, its first column, and its last in the record's last two bytes.
            0x00BD => {
                let last = data.len().saturating_sub(2);
                put(u16_at(data, 0), u16_at(data, 2), u16_at(data, last));
            }
            _ => {}
        }
    }
    check(span)
}

/// Reads sheet `name` of a streamed workbook cell by cell (`next`) into a sheet pushed on
/// `sheets`, counting its cells in `cells`; false when `progress` cancelled.
fn cells_into<'a>(
    sheets: &mut Vec<Sheet>,
    name: &str,
    total: Option<usize>,
    cells: &mut usize,
    mut next: impl FnMut() -> Result<Option<calamine::Cell<DataRef<'a>>>, String>,
    progress: &mut dyn FnMut(Progress) -> bool,
) -> Result<bool, String> {
    let mut builder = SheetBuilder::new(name, total, cells);
    while let Some(cell) = next()? {
        let (row, col) = cell.get_position();
        if !builder.put(row, col, from_data_ref(cell.get_value()), progress)? {
            return Ok(false);
        }
    }
    sheets.push(builder.finish());
    Ok(true)
}

/// Xls and ods: calamine reads them whole; their sizes are bounded by the format (65,536
/// rows for xls) and by the file-size cap.
fn read_ranges<RS: std::io::Read + std::io::Seek, R: Reader<RS>>(
    mut wb: R,
    progress: &mut dyn FnMut(Progress) -> bool,
) -> Result<Option<Vec<Sheet>>, String>
where
    R::Error: std::fmt::Display,
{
    let names = worksheet_names(wb.sheets_metadata());
    let mut sheets = Vec::new();
    let mut cells = 0usize;
    for name in names {
        let range = wb
            .worksheet_range(&name)
            .map_err(|e| in_sheet(&name, &other_error(&e.to_string())))?;
        let (row0, col0) = range.start().unwrap_or((0, 0));
        let total = Some(range.height());
        let mut builder = SheetBuilder::new(&name, total, &mut cells);
        for (r, c, data) in range.used_cells() {
            let (Ok(r), Ok(c)) = (u32::try_from(r), u32::try_from(c)) else {
                return Err(in_sheet(&name, "the sheet is larger than Pledger reads"));
            };
            let cell = from_data(data);
            if !builder.put(
                row0.saturating_add(r),
                col0.saturating_add(c),
                cell,
                progress,
            )? {
                return Ok(None);
            }
        }
        sheets.push(builder.finish());
    }
    Ok(Some(sheets))
}

/// An xlsx or xlsb workbook read cell by cell from `R`, never held whole.
pub(super) enum CellBook<R: Read + Seek> {
    /// Office Open XML.
    Xlsx(Xlsx<R>),
    /// Excel binary.
    Xlsb(Xlsb<R>),
}

/// A workbook streamed from its file.
pub(super) type StreamedBook = CellBook<std::io::BufReader<std::fs::File>>;

/// Calls `$f` with the row count sheet `$name` of `$wb` claims and a reader of its cells,
/// naming its errors with `$error`.
macro_rules! with_cells_of {
    ($wb:expr, $name:expr, $error:ident, $f:expr) => {{
        let mut reader = $wb
            .worksheet_cells_reader($name)
            .map_err(|e| in_sheet($name, &$error(&e)))?;
        let total = claimed_rows(reader.dimensions());
        $f(total, &mut || {
            reader.next_cell().map_err(|e| in_sheet($name, &$error(&e)))
        })
    }};
}

impl<R: Read + Seek> CellBook<R> {
    /// The workbook `reader` holds when it is of `kind` xlsx or xlsb; `Ok(None)` otherwise.
    fn open(kind: FileKind, reader: R) -> Result<Option<Self>, String> {
        guarded(|| match kind {
            FileKind::Xlsx => Xlsx::new(reader)
                .map(|wb| Some(CellBook::Xlsx(wb)))
                .map_err(|e| xlsx_error(&e)),
            FileKind::Xlsb => Xlsb::new(reader)
                .map(|wb| Some(CellBook::Xlsb(wb)))
                .map_err(|e| xlsb_error(&e)),
            _ => Ok(None),
        })
    }

    /// The worksheets, in order.
    pub(super) fn sheet_names(&self) -> Vec<String> {
        match self {
            CellBook::Xlsx(wb) => worksheet_names(wb.sheets_metadata()),
            CellBook::Xlsb(wb) => worksheet_names(wb.sheets_metadata()),
        }
    }

    /// Calls `f` with the row count sheet `name` claims and a reader of its cells, in order.
    fn with_cells<T>(
        &mut self,
        name: &str,
        f: impl for<'a> FnOnce(
            Option<usize>,
            &mut dyn FnMut() -> Result<Option<calamine::Cell<DataRef<'a>>>, String>,
        ) -> Result<T, String>,
    ) -> Result<T, String> {
        match self {
            CellBook::Xlsx(wb) => with_cells_of!(wb, name, xlsx_error, f),
            CellBook::Xlsb(wb) => with_cells_of!(wb, name, xlsb_error, f),
        }
    }
}

/// Opens the file at `path` for streaming when it is an xlsx or xlsb workbook (checked as
/// [`detect_kind`] checks it); `Ok(None)` when it is anything else, to be read whole.
pub(super) fn open_streamed(path: &std::path::Path) -> Result<Option<StreamedBook>, String> {
    let open = || std::fs::File::open(path).map_err(|e| e.to_string());
    let mut head = [0u8; 4];
    let n = open()?.read(&mut head).map_err(|e| e.to_string())?;
    if !head.get(..n).unwrap_or_default().starts_with(ZIP_MAGIC) {
        return Ok(None);
    }
    let file = || open().map(std::io::BufReader::new);
    CellBook::open(zip_kind_of(file()?)?, file()?)
}

/// Streams sheet `name` from row `first` (0-based) in blocks of `rows` rows holding a value:
/// calls `send` with each full block, the row count the sheet claims and false, then with
/// the last block and true, unless `send` returned false (stop). Each block is one `spare`
/// gives, emptied.
pub(super) fn stream_blocks(
    wb: &mut StreamedBook,
    name: &str,
    first: usize,
    rows: usize,
    spare: &mut dyn FnMut() -> RowBlock,
    send: &mut dyn FnMut(RowBlock, Option<usize>, bool) -> bool,
) -> Result<(), String> {
    guarded(|| {
        wb.with_cells(name, |total, next| {
            blocks_of(name, total, next, first, rows, spare, send)
        })
    })
}

/// Gathers the cells `next` reads into blocks for `send` (see [`stream_blocks`]).
fn blocks_of<'a>(
    name: &str,
    total: Option<usize>,
    mut next: impl FnMut() -> Result<Option<calamine::Cell<DataRef<'a>>>, String>,
    first: usize,
    rows: usize,
    spare: &mut dyn FnMut() -> RowBlock,
    send: &mut dyn FnMut(RowBlock, Option<usize>, bool) -> bool,
) -> Result<(), String> {
    let mut block = spare();
    let mut current = None;
    while let Some(cell) = next()? {
        let value = cell.get_value();
        if is_empty_ref(value) {
            continue;
        }
        let (r, c) = cell.get_position();
        let (Ok(r), Ok(c)) = (usize::try_from(r), usize::try_from(c)) else {
            return Err(in_sheet(name, "a cell lies outside any sheet"));
        };
        check_position(name, r, c)?;
        if r < first {
            continue;
        }
        if current != Some(r) {
            if block.row_count() >= rows {
                let full = std::mem::replace(&mut block, spare());
                if !send(full, total, false) {
                    return Ok(());
                }
            }
            block.begin_row(r);
            current = Some(r);
        }
        block.push(c, value).map_err(|e| in_sheet(name, &e))?;
    }
    send(block, total, true);
    Ok(())
}

/// Whether [`from_data_ref`] makes `d` an empty cell.
fn is_empty_ref(d: &DataRef<'_>) -> bool {
    match d {
        DataRef::Empty => true,
        DataRef::String(s) | DataRef::DurationIso(s) => s.is_empty(),
        DataRef::SharedString(s) => s.is_empty(),
        _ => false,
    }
}

/// Rows read in one go, the text of all their cells in one buffer: what a streamed import's
/// reading thread hands to its planning thread, and gets back to fill again. Rows of separate
/// cells and strings, thousands of them on their way between two cores, cost the reading
/// thread a cache miss at nearly every cell it filled again; one buffer is written straight
/// through.
#[derive(Debug, Default)]
pub(super) struct RowBlock {
    /// Each row's 0-based sheet index and its first cell in `cells`.
    rows: Vec<(usize, usize)>,
    /// Each cell's column and value, row after row, in the order read.
    cells: Vec<(u32, Slot)>,
    /// The text of the cells.
    text: String,
}

/// A cell of a [`RowBlock`]; a text is `RowBlock::text[start..end]`.
#[derive(Clone, Copy, Debug)]
enum Slot {
    Text(u32, u32),
    Number(u32, u32),
    Error(u32, u32),
    Date(chrono::NaiveDate),
}

impl RowBlock {
    /// Empties the block, keeping its buffers.
    pub(super) fn clear(&mut self) {
        self.rows.clear();
        self.cells.clear();
        self.text.clear();
    }

    /// Rows in the block.
    pub(super) fn row_count(&self) -> usize {
        self.rows.len()
    }

    /// Starts sheet row `index` (0-based); the cells pushed next are its own.
    pub(super) fn begin_row(&mut self, index: usize) {
        self.rows.push((index, self.cells.len()));
    }

    /// Adds the cell [`from_data_ref`] makes of `d` in column `c` to the last row begun.
    pub(super) fn push(&mut self, c: usize, d: &DataRef<'_>) -> Result<(), String> {
        let start = self.text.len();
        let make: fn(u32, u32) -> Slot = match d {
            DataRef::String(s) if !s.is_empty() => {
                self.text.push_str(s);
                Slot::Text
            }
            DataRef::SharedString(s) if !s.is_empty() => {
                self.text.push_str(s);
                Slot::Text
            }
            DataRef::Float(f) if f.is_finite() => {
                push_number(&mut self.text, *f);
                Slot::Number
            }
            other => return self.push_cell(c, &from_data_ref(other)),
        };
        let slot = self.text_slot(start, make)?;
        self.push_slot(c, slot)
    }

    /// Adds `cell` in column `c` to the last row begun (an empty cell adds nothing).
    fn push_cell(&mut self, c: usize, cell: &Cell) -> Result<(), String> {
        let (text, make): (&str, fn(u32, u32) -> Slot) = match cell {
            Cell::Empty => return Ok(()),
            Cell::Date(d) => return self.push_slot(c, Slot::Date(*d)),
            Cell::Text(t) => (t, Slot::Text),
            Cell::Number(t) => (t, Slot::Number),
            Cell::Error(t) => (t, Slot::Error),
        };
        let start = self.text.len();
        self.text.push_str(text);
        let slot = self.text_slot(start, make)?;
        self.push_slot(c, slot)
    }

    /// The slot of the text from `start` to the end of the buffer.
    fn text_slot(&self, start: usize, make: fn(u32, u32) -> Slot) -> Result<Slot, String> {
        match (u32::try_from(start), u32::try_from(self.text.len())) {
            (Ok(start), Ok(end)) => Ok(make(start, end)),
            _ => Err("more text in a few rows than Pledger reads at once".into()),
        }
    }

    fn push_slot(&mut self, c: usize, slot: Slot) -> Result<(), String> {
        let c = u32::try_from(c).map_err(|_| "a cell lies outside any sheet".to_string())?;
        self.cells.push((c, slot));
        Ok(())
    }

    /// Makes `cells` the `k`th row of the block, as [`from_data_ref`] makes cells, in the
    /// text buffers its cells held; returns the row's 0-based sheet index.
    pub(super) fn fill_row(&self, k: usize, cells: &mut Vec<Cell>) -> Option<usize> {
        let &(index, start) = self.rows.get(k)?;
        let end = self.rows.get(k + 1).map_or(self.cells.len(), |&(_, e)| e);
        let row = self.cells.get(start..end).unwrap_or_default();
        let width = row.iter().map(|&(c, _)| c as usize + 1).max().unwrap_or(0);
        cells.truncate(width);
        cells.resize(width, Cell::Empty);
        // Cells come left to right; any left out between two are empty.
        let mut filled = 0;
        for &(c, slot) in row {
            let c = c as usize;
            if c >= filled {
                for gap in cells.iter_mut().take(c).skip(filled) {
                    *gap = Cell::Empty;
                }
                filled = c + 1;
            }
            if let Some(cell) = cells.get_mut(c) {
                self.fill_cell(cell, slot);
            }
        }
        Some(index)
    }

    /// Makes `cell` the value of `slot`, in the text buffer `cell` held when it held text.
    fn fill_cell(&self, cell: &mut Cell, slot: Slot) {
        let mut text = match std::mem::replace(cell, Cell::Empty) {
            Cell::Text(t) | Cell::Number(t) | Cell::Error(t) => t,
            Cell::Empty | Cell::Date(_) => String::new(),
        };
        text.clear();
        let mut take = |start: u32, end: u32| {
            text.push_str(
                self.text
                    .get(start as usize..end as usize)
                    .unwrap_or_default(),
            );
            std::mem::take(&mut text)
        };
        *cell = match slot {
            Slot::Text(s, e) => Cell::Text(take(s, e)),
            Slot::Number(s, e) => Cell::Number(take(s, e)),
            Slot::Error(s, e) => Cell::Error(take(s, e)),
            Slot::Date(d) => Cell::Date(d),
        };
    }
}

/// Refuses a cell beyond the rows and columns Pledger reads.
fn check_position(sheet: &str, r: usize, c: usize) -> Result<(), String> {
    if c >= MAX_COLUMNS {
        return Err(format!(
            "sheet '{sheet}', row {}, column {}: a value beyond the {MAX_COLUMNS} columns Pledger reads; delete the stray cells or move the data left",
            r + 1,
            column_letter(c)
        ));
    }
    if r >= MAX_ROWS {
        return Err(format!(
            "sheet '{sheet}', row {}: a value beyond the {MAX_ROWS} rows Pledger reads",
            r + 1
        ));
    }
    Ok(())
}

fn worksheet_names(meta: &[calamine::Sheet]) -> Vec<String> {
    meta.iter()
        .filter(|s| s.typ == SheetType::WorkSheet)
        .map(|s| s.name.clone())
        .collect()
}

/// The row count a sheet's dimension claims, when believable.
fn claimed_rows(d: calamine::Dimensions) -> Option<usize> {
    let rows = usize::try_from(d.end.0.saturating_sub(d.start.0)).ok()? + 1;
    (d.end != (0, 0) && rows <= MAX_ROWS).then_some(rows)
}

fn in_sheet(sheet: &str, message: &str) -> String {
    format!("sheet '{sheet}': {message}")
}

fn xlsx_error(e: &calamine::XlsxError) -> String {
    match e {
        calamine::XlsxError::Password => PASSWORD.into(),
        calamine::XlsxError::Zip(z) => damaged(&z.to_string()),
        calamine::XlsxError::Io(io) => damaged(&io.to_string()),
        calamine::XlsxError::Xml(x) => damaged(&format!("XML: {x}")),
        calamine::XlsxError::XmlEof(what) => damaged(&format!("a part ends inside <{what}>")),
        other => other_error(&other.to_string()),
    }
}

fn xlsb_error(e: &calamine::XlsbError) -> String {
    match e {
        calamine::XlsbError::Zip(z) => damaged(&z.to_string()),
        calamine::XlsbError::Io(io) => damaged(&io.to_string()),
        other => other_error(&other.to_string()),
    }
}

fn other_error(detail: &str) -> String {
    format!(
        "the workbook cannot be read ({detail}); open it in a spreadsheet program and save it again as .xlsx"
    )
}

/// Puts cells into rows, keeping only the cells that hold a value, so formatting and a
/// claimed dimension cost nothing.
struct SheetBuilder<'a> {
    name: String,
    rows: Vec<Vec<Cell>>,
    total: Option<usize>,
    cells: &'a mut usize,
    reported_row: usize,
}

impl<'a> SheetBuilder<'a> {
    fn new(name: &str, total: Option<usize>, cells: &'a mut usize) -> SheetBuilder<'a> {
        SheetBuilder {
            name: name.into(),
            rows: Vec::new(),
            total,
            cells,
            reported_row: 0,
        }
    }

    /// Places one cell; `Ok(false)` when `progress` cancels.
    fn put(
        &mut self,
        row: u32,
        col: u32,
        cell: Cell,
        progress: &mut dyn FnMut(Progress) -> bool,
    ) -> Result<bool, String> {
        if cell == Cell::Empty {
            return Ok(true);
        }
        let (Ok(r), Ok(c)) = (usize::try_from(row), usize::try_from(col)) else {
            return Err(in_sheet(&self.name, "a cell lies outside any sheet"));
        };
        check_position(&self.name, r, c)?;
        *self.cells += 1;
        if *self.cells > MAX_CELLS {
            return Err(format!(
                "the workbook holds more than {MAX_CELLS} filled cells, more than Pledger reads at once; split it"
            ));
        }
        if r >= self.rows.len() {
            // The previous row is complete (cells come row by row): give back its spare
            // capacity, a third of a sheet's memory otherwise.
            if let Some(last) = self.rows.last_mut() {
                last.shrink_to_fit();
            }
            self.rows.resize_with(r + 1, Vec::new);
        }
        if let Some(cells) = self.rows.get_mut(r) {
            if c >= cells.len() {
                cells.resize(c + 1, Cell::Empty);
            }
            if let Some(slot) = cells.get_mut(c) {
                *slot = cell;
            }
        }
        if r >= self.reported_row + 1024 {
            self.reported_row = r;
            let go_on = progress(Progress {
                phase: Phase::Reading,
                rows_done: r + 1,
                rows_total: self.total,
            });
            if !go_on {
                return Ok(false);
            }
        }
        Ok(true)
    }

    fn finish(mut self) -> Sheet {
        if let Some(last) = self.rows.last_mut() {
            last.shrink_to_fit();
        }
        Sheet {
            name: self.name,
            rows: self.rows,
        }
    }
}

/// An Excel number as its shortest round-trip text: `1800000`, `0.1`, never `0.1000000001`.
fn number_text(f: f64) -> Cell {
    if f.is_finite() {
        let mut text = String::new();
        push_number(&mut text, f);
        Cell::Number(text)
    } else {
        Cell::Error(format!("{f}"))
    }
}

/// Appends finite `f` as its shortest round-trip text, written out as `{f}` writes it
/// (`1800000`, `0.1`, `-0`); ryu finds the digits without the formatting machinery.
fn push_number(text: &mut String, f: f64) {
    use std::fmt::Write;
    let mut buffer = ryu::Buffer::new();
    let shortest = buffer.format_finite(f);
    // Decimal amounts reach about 7.9e28 and 28 decimals: a number beyond them is kept as
    // written in scientific form ("1e308", not 309 digits), for its message to quote.
    let written_out = (1e-28..1e28).contains(&f.abs()) || f == 0.0;
    if shortest.contains('e') && written_out {
        // Beyond the range ryu writes out: the same digits, from `{f}`.
        let _ = write!(text, "{f}");
    } else {
        text.push_str(shortest.strip_suffix(".0").unwrap_or(shortest));
    }
}

fn date_cell(dt: &ExcelDateTime) -> Cell {
    if !dt.is_datetime() {
        // A duration ([h]:mm): keep its number of days.
        return number_text(dt.as_f64());
    }
    // A serial before day 1 or after 9999-12-31 is no date Excel shows (it shows ####):
    // kept as the number it is, so that its message quotes what the cell holds.
    if !(1.0..2_958_466.0).contains(&dt.as_f64()) {
        return number_text(dt.as_f64());
    }
    let (y, m, d, ..) = dt.to_ymd_hms_milli();
    match chrono::NaiveDate::from_ymd_opt(i32::from(y), u32::from(m), u32::from(d)) {
        Some(date) => Cell::Date(date),
        // Excel's 1900-02-29, which never was.
        None => Cell::Text(format!("{y:04}-{m:02}-{d:02}")),
    }
}

fn iso_date_cell(text: &str) -> Cell {
    text.get(..10)
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .map_or_else(|| Cell::Text(text.to_string()), Cell::Date)
}

fn text_cell(text: &str) -> Cell {
    if text.is_empty() {
        Cell::Empty
    } else {
        Cell::Text(text.to_string())
    }
}

fn bool_cell(b: bool) -> Cell {
    Cell::Text(if b { "TRUE" } else { "FALSE" }.into())
}

fn from_data_ref(d: &DataRef<'_>) -> Cell {
    match d {
        DataRef::Int(i) => Cell::Number(i.to_string()),
        DataRef::Float(f) => number_text(*f),
        DataRef::String(s) => text_cell(s),
        DataRef::SharedString(s) => text_cell(s),
        DataRef::Bool(b) => bool_cell(*b),
        DataRef::DateTime(dt) => date_cell(dt),
        DataRef::DateTimeIso(s) => iso_date_cell(s),
        DataRef::DurationIso(s) => text_cell(s),
        DataRef::Error(e) => Cell::Error(e.to_string()),
        DataRef::Empty => Cell::Empty,
    }
}

fn from_data(d: &Data) -> Cell {
    match d {
        Data::Int(i) => Cell::Number(i.to_string()),
        Data::Float(f) => number_text(*f),
        Data::String(s) => text_cell(s),
        Data::Bool(b) => bool_cell(*b),
        Data::DateTime(dt) => date_cell(dt),
        Data::DateTimeIso(s) => iso_date_cell(s),
        Data::DurationIso(s) => text_cell(s),
        Data::Error(e) => Cell::Error(e.to_string()),
        Data::Empty => Cell::Empty,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::ExcelDateTimeType;

    #[test]
    fn numbers_are_written_out_as_rust_writes_them() {
        let written = |f: f64| {
            let mut text = String::new();
            push_number(&mut text, f);
            text
        };
        for f in [
            0.0,
            -0.0,
            1.0,
            -1.5,
            0.1,
            0.3,
            1e-5,
            1e-7,
            1e15,
            1e16,
            1e21,
            2.5e22,
            123_456_789_012_345_680.0,
        ] {
            assert_eq!(written(f), format!("{f}"), "{f:e}");
        }
        // Beyond what an amount holds, the cell is kept in scientific form, for its
        // message to quote it as the sheet shows it.
        for (f, text) in [
            (f64::MAX, "1.7976931348623157e308"),
            (1e308, "1e308"),
            (-2.5e30, "-2.5e30"),
            (f64::MIN_POSITIVE, "2.2250738585072014e-308"),
            (5e-324, "5e-324"),
            (1.5e-300, "1.5e-300"),
        ] {
            assert_eq!(written(f), text);
        }
    }

    /// `f` as [`push_number`] writes it is `{f}`, or, when `f` lies exactly halfway
    /// between the two shortest texts that read back as it, the other one: ryu rounds such a
    /// tie to an even last digit, Rust away from zero.
    fn written_as_rust_writes(f: f64) -> Result<(), proptest::test_runner::TestCaseError> {
        let mut text = String::new();
        push_number(&mut text, f);
        let rust = format!("{f}");
        if !(f == 0.0 || (1e-28..1e28).contains(&f.abs())) {
            // Kept in scientific form: ryu's shortest text, which reads back as `f`.
            proptest::prop_assert!(text.contains('e'), "{}", text);
            proptest::prop_assert_eq!(
                text.parse::<f64>().ok().map(f64::to_bits),
                Some(f.to_bits())
            );
            return Ok(());
        }
        if text != rust {
            proptest::prop_assert_eq!(text.len(), rust.len(), "{} against {}", text, rust);
            proptest::prop_assert_eq!(&text[..text.len() - 1], &rust[..rust.len() - 1]);
            proptest::prop_assert_eq!(
                text.parse::<f64>().ok().map(f64::to_bits),
                Some(f.to_bits())
            );
        }
        Ok(())
    }

    #[test]
    fn a_number_halfway_between_two_shortest_texts_takes_the_even_one() {
        // -147404838642292.125 exactly: .12 and .13 both read back as it.
        let f = f64::from_bits(14_042_436_993_350_389_380);
        let mut text = String::new();
        push_number(&mut text, f);
        assert_eq!(text, "-147404838642292.12");
        assert_eq!(format!("{f}"), "-147404838642292.13");
        written_as_rust_writes(f).unwrap();
    }

    proptest::proptest! {
        #[test]
        fn any_number_is_written_out_as_rust_writes_it(bits in proptest::num::u64::ANY) {
            let f = f64::from_bits(bits);
            if f.is_finite() {
                written_as_rust_writes(f)?;
            }
        }

        #[test]
        #[allow(clippy::float_arithmetic, reason = "makes amounts as a sheet holds them")]
        fn amounts_are_written_out_as_rust_writes_them(units in -1_000_000_000_000_000i64..1_000_000_000_000_000, scale in 0i32..8) {
            written_as_rust_writes(units as f64 / 10f64.powi(scale))?;
        }
    }

    #[test]
    fn numbers_keep_their_shortest_text() {
        assert_eq!(number_text(1_800_000.0), Cell::Number("1800000".into()));
        assert_eq!(number_text(0.1), Cell::Number("0.1".into()));
        assert_eq!(number_text(562_500.25), Cell::Number("562500.25".into()));
        assert_eq!(
            from_data(&Data::Float(103_700.0)),
            Cell::Number("103700".into())
        );
    }

    #[test]
    fn dates_in_both_systems() {
        let d1900 = ExcelDateTime::new(44200.0, ExcelDateTimeType::DateTime, false);
        let d1904 = ExcelDateTime::new(42738.0, ExcelDateTimeType::DateTime, true);
        let want = chrono::NaiveDate::from_ymd_opt(2021, 1, 4).unwrap();
        assert_eq!(date_cell(&d1900), Cell::Date(want));
        assert_eq!(date_cell(&d1904), Cell::Date(want));
        assert_eq!(iso_date_cell("2021-01-04T00:00:00"), Cell::Date(want));
    }

    #[test]
    fn content_decides_the_kind() {
        assert_eq!(
            detect_kind(b"Partner,Date\nNorad,2021-01-04\n", "xlsx"),
            Ok(FileKind::Delimited)
        );
        let err = detect_kind(b"%PDF-1.7\n\x00\x01\x02binary", "xlsx").unwrap_err();
        assert!(err.contains("zip archive"), "{err}");
        let err = detect_kind(b"PK\x03\x04truncated", "xlsx").unwrap_err();
        assert!(err.contains("damaged or incomplete"), "{err}");
    }

    /// Adds the cells of `row` to `block` as sheet row `index` (0-based).
    fn push_row(block: &mut RowBlock, index: usize, row: &[Cell]) {
        block.begin_row(index);
        for (c, cell) in row.iter().enumerate() {
            block.push_cell(c, cell).unwrap();
        }
    }

    #[test]
    fn a_cell_filled_in_a_spare_row_is_the_cell_read_anew() {
        let d1900 = ExcelDateTime::new(44200.0, ExcelDateTimeType::DateTime, false);
        let values = [
            DataRef::Empty,
            DataRef::String(String::new()),
            DataRef::String("Norad".into()),
            DataRef::SharedString(""),
            DataRef::SharedString("挪威发展合作署"),
            DataRef::Float(1_800_000.0),
            DataRef::Float(0.1),
            DataRef::Float(f64::NAN),
            DataRef::Int(42),
            DataRef::Bool(true),
            DataRef::DateTime(d1900),
            DataRef::DateTimeIso("2021-01-04".into()),
            DataRef::DurationIso(String::new()),
            DataRef::Error(calamine::CellErrorType::Ref),
        ];
        let held = [
            Cell::Empty,
            Cell::Text("a longer text held before".into()),
            Cell::Number("12345.5".into()),
            Cell::Date(chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap()),
            Cell::Error("#N/A".into()),
        ];
        let mut block = RowBlock::default();
        for value in &values {
            let fresh = from_data_ref(value);
            assert_eq!(is_empty_ref(value), fresh == Cell::Empty, "{value:?}");
            for before in &held {
                // After other text in the block, as a cell of a later column.
                block.clear();
                block.begin_row(7);
                block.push(0, &DataRef::SharedString("before")).unwrap();
                block.push(1, value).unwrap();
                let mut row = vec![before.clone(), before.clone(), before.clone()];
                assert_eq!(block.fill_row(0, &mut row), Some(7));
                let mut want = vec![Cell::Text("before".into())];
                if fresh != Cell::Empty {
                    want.push(fresh.clone());
                }
                assert_eq!(row, want, "{value:?} over {before:?}");
            }
        }
    }

    #[test]
    fn rows_filled_in_spare_rows_hold_nothing_of_them() {
        // Blocks of two rows, from row 1 (0-based), filled into rows that held other cells.
        let read = |spare_rows: &mut dyn FnMut() -> Vec<Cell>| {
            let mut cells = vec![
                calamine::Cell::new((0, 0), DataRef::SharedString("title")),
                calamine::Cell::new((1, 0), DataRef::SharedString("A")),
                calamine::Cell::new((1, 1), DataRef::SharedString("B")),
                calamine::Cell::new((1, 2), DataRef::Float(1.0)),
                calamine::Cell::new((3, 1), DataRef::SharedString("x")),
                calamine::Cell::new((4, 0), DataRef::SharedString("")),
                calamine::Cell::new((4, 2), DataRef::SharedString("y")),
            ]
            .into_iter();
            let mut rows = Vec::new();
            let mut sends = Vec::new();
            let mut spare_block = || {
                let mut b = RowBlock::default();
                push_row(&mut b, 99, &[Cell::Text("stale".into())]);
                b.clear();
                b
            };
            blocks_of(
                "S",
                Some(5),
                || Ok(cells.next()),
                1,
                2,
                &mut spare_block,
                &mut |block, total, last| {
                    sends.push((block.row_count(), total, last));
                    for k in 0..block.row_count() {
                        let mut row = spare_rows();
                        let i = block.fill_row(k, &mut row).unwrap();
                        rows.push((i, row));
                    }
                    true
                },
            )
            .unwrap();
            assert_eq!(sends, [(2, Some(5), false), (1, Some(5), true)]);
            rows
        };
        let text = |t: &str| Cell::Text(t.into());
        let want = vec![
            (1, vec![text("A"), text("B"), Cell::Number("1".into())]),
            (3, vec![Cell::Empty, text("x")]),
            (4, vec![Cell::Empty, Cell::Empty, text("y")]),
        ];
        assert_eq!(read(&mut Vec::new), want);
        let stale = vec![text("s1"), text("s2"), Cell::Number("9".into()), text("s4")];
        assert_eq!(read(&mut || stale.clone()), want);
    }

    #[test]
    fn a_block_stops_when_told() {
        let mut cells = (0..10)
            .map(|r| calamine::Cell::new((r, 0), DataRef::Float(f64::from(r))))
            .collect::<Vec<_>>()
            .into_iter();
        let mut sent = 0;
        blocks_of(
            "S",
            None,
            || Ok(cells.next()),
            0,
            3,
            &mut RowBlock::default,
            &mut |_, _, _| {
                sent += 1;
                false
            },
        )
        .unwrap();
        assert_eq!(sent, 1);
        // Reading stopped at the row after the first block.
        assert_eq!(cells.next().map(|c| c.get_position()), Some((4, 0)));
    }

    #[test]
    fn a_held_row_pushed_into_a_block_comes_out_the_same() {
        let row = vec![
            Cell::Empty,
            Cell::Text("合作伙伴".into()),
            Cell::Number("0.1".into()),
            Cell::Empty,
            Cell::Date(chrono::NaiveDate::from_ymd_opt(2021, 3, 12).unwrap()),
            Cell::Error("#REF!".into()),
        ];
        let mut block = RowBlock::default();
        push_row(&mut block, 4, &row);
        push_row(&mut block, 5, &[Cell::Empty]);
        let mut out = Vec::new();
        assert_eq!(block.fill_row(0, &mut out), Some(4));
        assert_eq!(out, row);
        assert_eq!(block.fill_row(1, &mut out), Some(5));
        assert!(out.is_empty());
        assert_eq!(block.fill_row(2, &mut out), None);
    }
}
