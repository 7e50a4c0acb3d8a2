//! A table the hub's pages offer to download, as CSV (UTF-8 with a BOM, a
//! cell a spreadsheet would run as a formula written as text) or as XLSX,
//! by the file name asked for (`….csv`, `….xlsx`).

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::error::AppError;

/// `file` is `export.csv` or `export.xlsx`; `name` the download's name
/// without extension; `numbers` the columns written as numbers in XLSX.
pub(crate) fn table(
    file: &str,
    name: &str,
    header_row: &[&str],
    rows: &[Vec<String>],
    numbers: &[usize],
) -> Response {
    let built = match file {
        "export.csv" => csv(header_row, rows).map(|b| (b, "text/csv; charset=utf-8", "csv")),
        "export.xlsx" => xlsx(header_row, rows, numbers).map(|b| {
            (
                b,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "xlsx",
            )
        }),
        _ => return AppError::NotFound("no such file".into()).into_response(),
    };
    match built {
        Some((bytes, kind, ext)) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, kind.to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}.{ext}\""),
                ),
                (header::CACHE_CONTROL, "no-store".to_string()),
            ],
            bytes,
        )
            .into_response(),
        None => AppError::Internal(format!("the {file} could not be written")).into_response(),
    }
}

fn csv(header_row: &[&str], rows: &[Vec<String>]) -> Option<Vec<u8>> {
    let mut w = ::csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    w.write_record(header_row).ok()?;
    for row in rows {
        w.write_record(
            row.iter()
                .map(|c| protocol::text::spreadsheet_cell(c).into_owned()),
        )
        .ok()?;
    }
    w.into_inner().ok()
}

fn xlsx(header_row: &[&str], rows: &[Vec<String>], numbers: &[usize]) -> Option<Vec<u8>> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (col, h) in header_row.iter().enumerate() {
        sheet.write_string(0, col as u16, *h).ok()?;
    }
    for (i, row) in rows.iter().enumerate() {
        for (col, cell) in row.iter().enumerate() {
            let at = (i as u32 + 1, col as u16);
            match cell.parse::<f64>() {
                Ok(n) if numbers.contains(&col) => sheet.write_number(at.0, at.1, n).ok()?,
                _ => sheet.write_string(at.0, at.1, cell).ok()?,
            };
        }
    }
    book.save_to_buffer().ok()
}
