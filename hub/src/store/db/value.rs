//! Values going in and coming out, the same for both databases: what a
//! placeholder binds ([`ToValue`], [`params!`]) and what a column reads as
//! ([`FromValue`]).

use super::{DbError, Result};

/// A value going in or coming out, borrowed where it can be.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(&'a str),
    Blob(&'a [u8]),
}

/// What can be bound to a placeholder.
pub trait ToValue {
    fn to_value(&self) -> std::result::Result<Value<'_>, String>;
}

macro_rules! int_to_value {
    ($($t:ty),*) => {$(
        impl ToValue for $t {
            fn to_value(&self) -> std::result::Result<Value<'_>, String> {
                i64::try_from(*self)
                    .map(Value::Int)
                    .map_err(|_| format!("{} does not fit a 64-bit integer", self))
            }
        }
    )*};
}
int_to_value!(i64, i32, i16, u8, u16, u32, u64, usize);

impl ToValue for Value<'_> {
    fn to_value(&self) -> std::result::Result<Value<'_>, String> {
        Ok(*self)
    }
}
impl ToValue for bool {
    fn to_value(&self) -> std::result::Result<Value<'_>, String> {
        Ok(Value::Int(i64::from(*self)))
    }
}
impl ToValue for f64 {
    fn to_value(&self) -> std::result::Result<Value<'_>, String> {
        Ok(Value::Real(*self))
    }
}
impl ToValue for str {
    fn to_value(&self) -> std::result::Result<Value<'_>, String> {
        Ok(Value::Text(self))
    }
}
impl ToValue for String {
    fn to_value(&self) -> std::result::Result<Value<'_>, String> {
        Ok(Value::Text(self))
    }
}
impl ToValue for [u8] {
    fn to_value(&self) -> std::result::Result<Value<'_>, String> {
        Ok(Value::Blob(self))
    }
}
impl ToValue for Vec<u8> {
    fn to_value(&self) -> std::result::Result<Value<'_>, String> {
        Ok(Value::Blob(self))
    }
}
impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> std::result::Result<Value<'_>, String> {
        (**self).to_value()
    }
}
impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> std::result::Result<Value<'_>, String> {
        match self {
            Some(v) => v.to_value(),
            None => Ok(Value::Null),
        }
    }
}

/// The parameters of one statement: `[a, b]` of one type, `params![a, b]`
/// of mixed types, or `[]`.
pub trait Params {
    fn values(&self) -> Result<Vec<Value<'_>>>;
}

fn collect<'a>(items: impl Iterator<Item = &'a dyn ToValue>) -> Result<Vec<Value<'a>>> {
    items
        .enumerate()
        .map(|(i, v)| {
            v.to_value().map_err(|message| DbError::Param {
                index: i + 1,
                message,
            })
        })
        .collect()
}

impl Params for &[&dyn ToValue] {
    fn values(&self) -> Result<Vec<Value<'_>>> {
        collect(self.iter().copied())
    }
}
impl Params for [&dyn ToValue; 0] {
    fn values(&self) -> Result<Vec<Value<'_>>> {
        Ok(Vec::new())
    }
}
macro_rules! array_params {
    ($($n:literal),*) => {$(
        impl<T: ToValue> Params for [T; $n] {
            fn values(&self) -> Result<Vec<Value<'_>>> {
                collect(self.iter().map(|v| v as &dyn ToValue))
            }
        }
    )*};
}
array_params!(1, 2, 3, 4, 5, 6);

/// Mixed-type parameters: `params![center_id, name, now]`.
macro_rules! params {
    () => { &[] as &[&dyn $crate::store::db::ToValue] };
    ($($p:expr),+ $(,)?) => { &[$(&$p as &dyn $crate::store::db::ToValue),+] as &[&dyn $crate::store::db::ToValue] };
}
pub(crate) use params;

/// What can be read out of a column.
pub trait FromValue: Sized {
    fn from_value(v: Value<'_>) -> std::result::Result<Self, String>;
}

macro_rules! int_from_value {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            fn from_value(v: Value<'_>) -> std::result::Result<Self, String> {
                match v {
                    Value::Int(i) => <$t>::try_from(i).map_err(|_| format!("{i} is out of range")),
                    other => Err(format!("expected an integer, found {other:?}")),
                }
            }
        }
    )*};
}
int_from_value!(i64, i32, i16, u8, u16, u32, u64, usize);

impl FromValue for bool {
    fn from_value(v: Value<'_>) -> std::result::Result<Self, String> {
        match v {
            Value::Int(i) => Ok(i != 0),
            other => Err(format!("expected a flag, found {other:?}")),
        }
    }
}
impl FromValue for f64 {
    fn from_value(v: Value<'_>) -> std::result::Result<Self, String> {
        match v {
            Value::Real(f) => Ok(f),
            Value::Int(i) => Ok(i as f64),
            other => Err(format!("expected a number, found {other:?}")),
        }
    }
}
impl FromValue for String {
    fn from_value(v: Value<'_>) -> std::result::Result<Self, String> {
        match v {
            Value::Text(s) => Ok(s.to_string()),
            other => Err(format!("expected text, found {other:?}")),
        }
    }
}
impl FromValue for Vec<u8> {
    fn from_value(v: Value<'_>) -> std::result::Result<Self, String> {
        match v {
            Value::Blob(b) => Ok(b.to_vec()),
            Value::Text(s) => Ok(s.as_bytes().to_vec()),
            other => Err(format!("expected bytes, found {other:?}")),
        }
    }
}
impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: Value<'_>) -> std::result::Result<Self, String> {
        match v {
            Value::Null => Ok(None),
            v => T::from_value(v).map(Some),
        }
    }
}
