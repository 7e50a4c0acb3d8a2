//! Importing a center's existing roster from a spreadsheet (XLSX, or CSV in
//! UTF-8 or the GBK Excel writes on Chinese Windows): read, every row
//! checked and reported by its row number, and nothing imported while any
//! row is wrong. Rows that match a member already on the roster (the same
//! phone, or the same name and birth year), or an earlier row, are shown and
//! left out, never added twice. The import is one transaction.

use std::collections::HashMap;
use std::io::Cursor;

use serde::Serialize;

use super::Admin;
use crate::store::audit::Change;
use crate::store::members;
use crate::store::{NewMember, Result, StoreError};

/// The largest file taken.
pub const MAX_IMPORT_BYTES: usize = 5 << 20;
/// The most rows of members in one file.
pub const MAX_IMPORT_ROWS: usize = 10_000;

/// A row the spreadsheet gave, by its row number there (the header is 1).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub row: usize,
    pub member: NewMember,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    pub row: usize,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Duplicate {
    pub row: usize,
    pub name: String,
    /// The member already on the roster it matches, or
    pub member_id: Option<u32>,
    /// the earlier row of the same file.
    pub same_as_row: Option<usize>,
    /// `phone` or `name and birth year`.
    pub why: &'static str,
}

/// What an import found, and what it did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Rows of members read (empty rows not counted).
    pub rows: usize,
    pub errors: Vec<Problem>,
    pub duplicates: Vec<Duplicate>,
    /// Members the import adds (or added): rows less duplicates.
    pub to_add: usize,
    /// The new member numbers; empty for a preview or a refused import.
    pub imported: Vec<u32>,
    pub dry_run: bool,
    /// Columns the file has that the import does not read.
    pub ignored_columns: Vec<String>,
}

/// The columns the import reads, by their headers in Chinese or English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Column {
    Name,
    Display,
    Phone,
    BirthYear,
    Volunteer,
}

fn column_of(header: &str) -> Option<Column> {
    let h = header
        .trim()
        .to_lowercase()
        .replace(['_', '（', '）', '(', ')'], " ");
    let h = h.trim();
    Some(match h {
        "姓名" | "名字" | "name" | "full name" => Column::Name,
        "显示名" | "签到机显示名" | "昵称" | "display name" | "shown as" => {
            Column::Display
        }
        "电话" | "手机" | "手机号" | "手机号码" | "联系电话" | "phone" | "mobile" => {
            Column::Phone
        }
        "出生年份" | "出生年" | "birth year" | "year of birth" => Column::BirthYear,
        "志愿者" | "是否志愿者" | "volunteer" => Column::Volunteer,
        _ => return None,
    })
}

/// A whole number written as a float by a spreadsheet (13800000001.0).
fn cell_text(cell: &calamine::Data) -> String {
    match cell {
        calamine::Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        calamine::Data::Empty => String::new(),
        other => other.to_string(),
    }
}

/// A table's rows, each with its row number as the spreadsheet shows it.
pub type Table = Vec<(usize, Vec<String>)>;

/// The file's first sheet (XLSX) or its lines (CSV), as text cells.
pub fn read_table(bytes: &[u8]) -> Result<Table> {
    if bytes.len() > MAX_IMPORT_BYTES {
        return Err(StoreError::Invalid(format!(
            "the file is larger than {} MB",
            MAX_IMPORT_BYTES >> 20
        )));
    }
    if bytes.starts_with(b"PK\x03\x04") {
        use calamine::Reader;
        let mut book = calamine::Xlsx::new(Cursor::new(bytes)).map_err(|e| {
            StoreError::Invalid(format!("the file is not a workbook Excel can open ({e})"))
        })?;
        let sheet = book
            .worksheet_range_at(0)
            .ok_or_else(|| StoreError::Invalid("the workbook has no sheet".into()))?
            .map_err(|e| StoreError::Invalid(format!("the first sheet cannot be read ({e})")))?;
        let first = sheet.start().map(|(row, _)| row as usize).unwrap_or(0);
        return Ok(sheet
            .rows()
            .enumerate()
            .map(|(i, r)| (first + i + 1, r.iter().map(cell_text).collect()))
            .collect());
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t.trim_start_matches('\u{feff}').to_string(),
        Err(_) => {
            let (text, bad) = encoding_rs::GBK.decode_without_bom_handling(bytes);
            if bad {
                return Err(StoreError::Invalid(
                    "the file is neither a workbook (XLSX) nor text (CSV in UTF-8 or GBK)".into(),
                ));
            }
            text.into_owned()
        }
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut table = Vec::new();
    for record in reader.records() {
        let record =
            record.map_err(|e| StoreError::Invalid(format!("the CSV cannot be read: {e}")))?;
        // A record's position is where reading it began: before the empty
        // lines the reader skipped to reach it.
        let (mut line, mut at) = record
            .position()
            .map(|p| (p.line() as usize, p.byte() as usize))
            .unwrap_or((0, 0));
        while let Some(rest) = text.get(at..) {
            let skip = if rest.starts_with("\r\n") {
                2
            } else if rest.starts_with('\n') || rest.starts_with('\r') {
                1
            } else {
                break;
            };
            line += 1;
            at += skip;
        }
        table.push((line, record.iter().map(str::to_string).collect()));
    }
    Ok(table)
}

fn yes(text: &str) -> Option<bool> {
    match text.trim().to_lowercase().as_str() {
        "" | "否" | "不是" | "no" | "n" | "0" | "false" => Some(false),
        "是" | "yes" | "y" | "1" | "true" | "✓" | "√" => Some(true),
        _ => None,
    }
}

/// The rows of members a table holds, and every row's problems. The first
/// non-empty row is the header.
pub fn rows_of(table: &Table) -> Result<(Vec<Row>, Vec<Problem>, Vec<String>)> {
    let blank = |r: &Vec<String>| r.iter().all(|c| c.trim().is_empty());
    let Some(header_at) = table.iter().position(|(_, r)| !blank(r)) else {
        return Err(StoreError::Invalid("the file is empty".into()));
    };
    let mut columns: HashMap<Column, usize> = HashMap::new();
    let mut ignored = Vec::new();
    for (i, h) in table[header_at].1.iter().enumerate() {
        match column_of(h) {
            Some(c) => {
                columns.entry(c).or_insert(i);
            }
            None if !h.trim().is_empty() => ignored.push(h.trim().to_string()),
            None => {}
        }
    }
    let Some(&name_at) = columns.get(&Column::Name) else {
        return Err(StoreError::Invalid(
            "the first row names no 姓名 (name) column: write the headers 姓名, 显示名, 电话, \
             出生年份, 志愿者 (name, display name, phone, birth year, volunteer)"
                .into(),
        ));
    };
    let (mut rows, mut problems) = (Vec::new(), Vec::new());
    for (row, r) in table.iter().skip(header_at + 1) {
        let row = *row;
        if blank(r) {
            continue;
        }
        if rows.len() + problems.len() >= MAX_IMPORT_ROWS {
            return Err(StoreError::Invalid(format!(
                "more than {MAX_IMPORT_ROWS} members in one file: split it"
            )));
        }
        let cell = |c: Column| {
            columns
                .get(&c)
                .and_then(|at| r.get(*at))
                .map(|s| s.trim().to_string())
                .unwrap_or_default()
        };
        let year = cell(Column::BirthYear);
        let birth_year = if year.is_empty() {
            None
        } else {
            match year.parse::<u16>() {
                Ok(y) => Some(y),
                Err(_) => {
                    problems.push(Problem {
                        row,
                        message: format!("birth year {year:?}: write four digits, e.g. 2008"),
                    });
                    continue;
                }
            }
        };
        let Some(volunteer) = yes(&cell(Column::Volunteer)) else {
            problems.push(Problem {
                row,
                message: format!(
                    "volunteer {:?}: write 是 or 否 (yes or no)",
                    cell(Column::Volunteer)
                ),
            });
            continue;
        };
        let member = NewMember {
            name: r.get(name_at).cloned().unwrap_or_default(),
            display_name: Some(cell(Column::Display)),
            volunteer,
            phone: Some(cell(Column::Phone)),
            birth_year,
        };
        match member.checked() {
            Ok(member) => rows.push(Row { row, member }),
            Err(e) => problems.push(Problem {
                row,
                message: e.to_string(),
            }),
        }
    }
    if rows.is_empty() && problems.is_empty() {
        return Err(StoreError::Invalid(
            "the file has a header but no members".into(),
        ));
    }
    Ok((rows, problems, ignored))
}

/// The keys a member is matched by: the phone; the name and birth year.
fn keys(
    name: &str,
    phone: Option<&str>,
    birth_year: Option<u16>,
) -> [Option<(String, &'static str)>; 2] {
    [
        phone.map(|p| (format!("phone:{p}"), "phone")),
        birth_year.map(|y| (format!("name:{name}:{y}"), "name and birth year")),
    ]
}

impl Admin<'_> {
    /// Reads a roster file for a center and, unless `dry_run` or any row is
    /// wrong, adds its new members in one transaction.
    pub fn import_members(&self, center_id: u64, file: &[u8], dry_run: bool) -> Result<Report> {
        self.center(center_id)?;
        let table = read_table(file)?;
        let (rows, errors, ignored_columns) = rows_of(&table)?;
        let mut seen: HashMap<String, (Option<u32>, Option<usize>)> = HashMap::new();
        for m in self.store.members(center_id)? {
            for (key, _) in keys(&m.full_name, m.phone.as_deref(), m.birth_year)
                .into_iter()
                .flatten()
            {
                seen.entry(key).or_insert((Some(m.id), None));
            }
        }
        let (mut fresh, mut duplicates) = (Vec::new(), Vec::new());
        for r in rows {
            let ks = keys(
                &r.member.name,
                r.member.phone.as_deref(),
                r.member.birth_year,
            );
            let matched = ks
                .iter()
                .flatten()
                .find_map(|(key, why)| seen.get(key).map(|found| (*found, *why)));
            match matched {
                Some(((member_id, same_as_row), why)) => duplicates.push(Duplicate {
                    row: r.row,
                    name: r.member.name.clone(),
                    member_id,
                    same_as_row,
                    why,
                }),
                None => {
                    for (key, _) in ks.into_iter().flatten() {
                        seen.insert(key, (None, Some(r.row)));
                    }
                    fresh.push(r);
                }
            }
        }
        let mut report = Report {
            rows: fresh.len() + duplicates.len() + errors.len(),
            to_add: fresh.len(),
            errors,
            duplicates,
            imported: Vec::new(),
            dry_run,
            ignored_columns,
        };
        if dry_run || !report.errors.is_empty() || fresh.is_empty() {
            return Ok(report);
        }
        report.imported = self.change(|tx| {
            let mut ids = Vec::with_capacity(fresh.len());
            for r in &fresh {
                ids.push(members::add_member_in(tx, center_id, &r.member)?);
            }
            let change = Change {
                center_id: Some(center_id),
                region_id: None,
                action: "member.import",
                subject: format!("{} members", ids.len()),
                before: None,
                after: Some(serde_json::json!({
                    "members": ids,
                    "duplicates_left_out": report.duplicates.len(),
                })),
            };
            Ok((ids, change))
        })?;
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admin::Actor;
    use crate::store::Store;

    fn store() -> (tempfile::TempDir, Store, u64) {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open_database(&crate::testing::database(dir.path()).expect("database"))
            .expect("open");
        let center = store
            .add_center("青年之家", "Asia/Shanghai")
            .expect("center");
        (dir, store, center)
    }

    #[test]
    fn a_file_with_a_wrong_row_is_reported_by_row_and_imports_nothing() {
        let (_dir, store, center) = store();
        let admin = Admin::new(&store, Actor::CommandLine);
        let csv = "姓名,电话,出生年份,志愿者,备注\n林小雨,13800000001,2008,是,\n\n王小明,abc,2007,,\n陈思远,,20X7,否,\n";
        let report = admin
            .import_members(center, csv.as_bytes(), false)
            .expect("report");
        assert_eq!(
            report.errors.iter().map(|p| p.row).collect::<Vec<_>>(),
            [4, 5],
            "row numbers as the spreadsheet shows them: {report:?}"
        );
        assert!(report.errors[0].message.contains("phone"), "{report:?}");
        assert!(report.imported.is_empty());
        assert_eq!(report.ignored_columns, ["备注"]);
        assert!(
            store.members(center).expect("members").is_empty(),
            "nothing imported"
        );
        assert!(admin.audit(None, 10).expect("log").is_empty());
    }

    #[test]
    fn duplicates_of_the_roster_and_of_earlier_rows_are_shown_and_left_out() {
        let (_dir, store, center) = store();
        let admin = Admin::new(&store, Actor::CommandLine);
        let first = "name,phone,birth year\n林小雨,138 0000 0001,2008\n王小明,,2007\n";
        let r = admin
            .import_members(center, first.as_bytes(), false)
            .expect("first");
        assert_eq!(r.imported.len(), 2);
        // GBK, as Excel saves a CSV on Chinese Windows.
        let (gbk, _, _) = encoding_rs::GBK.encode(
            "姓名,手机,出生年份\n林晓雨,13800000001,2009\n王小明,,2007\n陈思远,,2006\n陈思远,,2006\n",
        );
        let preview = admin.import_members(center, &gbk, true).expect("preview");
        assert_eq!((preview.rows, preview.to_add), (4, 1), "{preview:?}");
        let why: Vec<(usize, Option<u32>, Option<usize>, &str)> = preview
            .duplicates
            .iter()
            .map(|d| (d.row, d.member_id, d.same_as_row, d.why))
            .collect();
        assert_eq!(
            why,
            [
                (2, Some(r.imported[0]), None, "phone"),
                (3, Some(r.imported[1]), None, "name and birth year"),
                (5, None, Some(4), "name and birth year"),
            ]
        );
        assert!(preview.imported.is_empty(), "a preview adds nobody");
        let done = admin.import_members(center, &gbk, false).expect("import");
        assert_eq!(done.imported.len(), 1);
        assert_eq!(store.members(center).expect("members").len(), 3);
    }

    #[test]
    fn a_workbook_is_read_with_numbers_as_excel_shows_them() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (col, h) in ["姓名", "电话", "出生年份", "志愿者"].iter().enumerate() {
            sheet.write_string(0, col as u16, *h).expect("header");
        }
        sheet.write_string(1, 0, "林小雨").expect("name");
        sheet.write_number(1, 1, 13_800_000_001.0).expect("phone");
        sheet.write_number(1, 2, 2008.0).expect("year");
        sheet.write_string(1, 3, "是").expect("volunteer");
        let bytes = book.save_to_buffer().expect("xlsx");
        let table = read_table(&bytes).expect("table");
        assert_eq!(
            table[1],
            (
                2,
                vec![
                    "林小雨".to_string(),
                    "13800000001".into(),
                    "2008".into(),
                    "是".into()
                ]
            )
        );
        let (rows, problems, _) = rows_of(&table).expect("rows");
        assert!(problems.is_empty());
        assert_eq!(rows[0].member.phone.as_deref(), Some("13800000001"));
        assert!(rows[0].member.volunteer);
        for junk in [&b"PK\x03\x04 not a zip"[..], &[0xff, 0xfe, 0x00, 0x81][..]] {
            assert!(matches!(read_table(junk), Err(StoreError::Invalid(_))));
        }
    }
}
