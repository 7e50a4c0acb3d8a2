//! What differs between the two databases below the store's SQL: the
//! PostgreSQL spelling of a statement, and values to and from each driver.

use super::*;

/// `{before}N{after}` at the start of `sql`: the placeholder's number N and
/// what follows.
pub(super) fn placeholder_between<'s>(
    sql: &'s str,
    before: &str,
    after: &str,
) -> Option<(&'s str, &'s str)> {
    let rest = sql.strip_prefix(before)?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let tail = rest[digits..].strip_prefix(after)?;
    (digits > 0).then(|| (&rest[..digits], tail))
}

/// The store's SQL (SQLite's dialect, kept to what both understand) for
/// PostgreSQL: `?1` → `$1` outside quotes; a list of ids passed as one
/// JSON array, `IN (SELECT value FROM json_each(?1))`, read with
/// PostgreSQL's JSON functions as `= ANY(ARRAY(…))`; and
/// SQLite's index hints (`INDEXED BY name`) left to PostgreSQL's planner.
pub(super) fn to_postgres(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut quote: Option<char> = None;
    let mut rest = sql;
    while let Some(c) = rest.chars().next() {
        if quote.is_none() {
            // The whole `IN (…)`: as `= ANY(ARRAY(…))` the planner expects a
            // short list and reads each center's rows through the index; as
            // a subquery it guessed 100 centers and scanned the table.
            if let Some((n, tail)) =
                placeholder_between(rest, "IN (SELECT value FROM json_each(?", "))")
            {
                out.push_str(&format!(
                    "= ANY(ARRAY(SELECT value::bigint FROM json_array_elements_text(${n}::text::json)))"
                ));
                rest = tail;
                continue;
            }
            if let Some(after) = rest.strip_prefix("INDEXED BY ") {
                let name = after
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .count();
                rest = after[name..].strip_prefix(' ').unwrap_or(&after[name..]);
                continue;
            }
            if let Some((n, tail)) = placeholder_between(rest, "json_each(?", ")") {
                out.push_str(&format!(
                    "(SELECT value::bigint AS value FROM json_array_elements_text(${n}::text::json)) AS json_each"
                ));
                rest = tail;
                continue;
            }
        }
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == '?' => {
                out.push('$');
                rest = &rest[1..];
                continue;
            }
            None => {}
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

pub(super) struct SqliteValue<'a, 'b>(pub(super) &'a Value<'b>);

impl rusqlite::ToSql for SqliteValue<'_, '_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match *self.0 {
            Value::Null => ValueRef::Null,
            Value::Int(i) => ValueRef::Integer(i),
            Value::Real(f) => ValueRef::Real(f),
            Value::Text(s) => ValueRef::Text(s.as_bytes()),
            Value::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

/// A parameter for PostgreSQL, written as whatever type the server asks for.
#[derive(Debug)]
pub(super) struct PgArg<'a>(pub(super) Value<'a>);

pub(super) fn pg_args<'a>(values: &[Value<'a>]) -> Vec<PgArg<'a>> {
    values.iter().map(|v| PgArg(*v)).collect()
}

pub(super) fn pg_refs<'a>(args: &'a [PgArg<'a>]) -> Vec<&'a (dyn postgres::types::ToSql + Sync)> {
    args.iter()
        .map(|a| a as &(dyn postgres::types::ToSql + Sync))
        .collect()
}

pub(super) type BoxError = Box<dyn std::error::Error + Sync + Send>;

impl postgres::types::ToSql for PgArg<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> std::result::Result<IsNull, BoxError> {
        match (self.0, ty) {
            (Value::Null, _) => Ok(IsNull::Yes),
            (Value::Int(i), &Type::INT8) => i.to_sql(ty, out),
            (Value::Int(i), &Type::INT4) => i32::try_from(i)?.to_sql(ty, out),
            (Value::Int(i), &Type::INT2) => i16::try_from(i)?.to_sql(ty, out),
            (Value::Int(i), &Type::BOOL) => (i != 0).to_sql(ty, out),
            (Value::Int(i), &Type::FLOAT8) => (i as f64).to_sql(ty, out),
            (Value::Real(f), &Type::FLOAT8) => f.to_sql(ty, out),
            (Value::Real(f), &Type::FLOAT4) => (f as f32).to_sql(ty, out),
            (Value::Text(s), t) if <&str as postgres::types::ToSql>::accepts(t) => {
                s.to_sql(ty, out)
            }
            (Value::Blob(b), &Type::BYTEA) => b.to_sql(ty, out),
            (v, t) => Err(format!("cannot send {v:?} as {t}").into()),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

/// A column from PostgreSQL, whatever its type.
pub(super) struct PgValue<'a>(pub(super) Value<'a>);

impl<'a> postgres::types::FromSql<'a> for PgValue<'a> {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> std::result::Result<Self, BoxError> {
        use postgres::types::FromSql;
        Ok(PgValue(match *ty {
            Type::INT2 => Value::Int(i16::from_sql(ty, raw)?.into()),
            Type::INT4 => Value::Int(i32::from_sql(ty, raw)?.into()),
            Type::INT8 => Value::Int(i64::from_sql(ty, raw)?),
            Type::BOOL => Value::Int(bool::from_sql(ty, raw)?.into()),
            Type::FLOAT4 => Value::Real(f32::from_sql(ty, raw)?.into()),
            Type::FLOAT8 => Value::Real(f64::from_sql(ty, raw)?),
            Type::NUMERIC => numeric(raw)?,
            Type::BYTEA => Value::Blob(raw),
            _ => Value::Text(<&str as FromSql>::from_sql(ty, raw)?),
        }))
    }

    fn from_sql_null(_: &Type) -> std::result::Result<Self, BoxError> {
        Ok(PgValue(Value::Null))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

/// PostgreSQL's binary NUMERIC (what `sum()` of integers gives): base-10000
/// digits after a header of count, weight, sign and scale.
pub(super) fn numeric(raw: &[u8]) -> std::result::Result<Value<'static>, BoxError> {
    let word = |i: usize| -> std::result::Result<i64, BoxError> {
        raw.get(2 * i..2 * i + 2)
            .map(|b| i64::from(i16::from_be_bytes([b[0], b[1]])))
            .ok_or_else(|| "a truncated NUMERIC".into())
    };
    let (count, weight, sign) = (word(0)?, word(1)?, word(2)? as u16);
    if sign == 0xC000 {
        return Ok(Value::Real(f64::NAN));
    }
    let mut whole: i128 = 0;
    let mut fraction = 0f64;
    for i in 0..count {
        let digit = word(4 + i as usize)?;
        let power = weight - i;
        if power >= 0 {
            whole = whole
                .checked_mul(10_000)
                .and_then(|w| w.checked_add(digit.into()))
                .ok_or("a NUMERIC too large")?;
        } else {
            fraction += digit as f64 * 10_000f64.powi(power as i32);
        }
    }
    // Trailing zero digits are not sent: scale what was read up to the weight.
    let read_whole = count.min(weight + 1).max(0);
    for _ in read_whole..weight + 1 {
        whole = whole.checked_mul(10_000).ok_or("a NUMERIC too large")?;
    }
    let negative = sign == 0x4000;
    if fraction == 0.0 {
        let whole = i64::try_from(whole)?;
        Ok(Value::Int(if negative { -whole } else { whole }))
    } else {
        let v = whole as f64 + fraction;
        Ok(Value::Real(if negative { -v } else { v }))
    }
}
