//! The hub's two schemas are written by hand, SQLite's migrations and
//! PostgreSQL's (hub/src/store/migrations.rs): after every migration both
//! must hold the same tables, the same columns in the same order with types
//! that map and the same NOT NULLs, and the same indexes on the same
//! columns. `hub copy-database` and every query rely on it.

use std::collections::BTreeMap;

/// Per table: its columns (name, type family, not null) in order.
type Tables = BTreeMap<String, Vec<(String, &'static str, bool)>>;
/// Per index name: its table and its columns.
type Indexes = BTreeMap<String, (String, Vec<String>)>;

/// A column type by family, as both databases spell it.
fn family(declared: &str) -> &'static str {
    let t = declared.to_ascii_lowercase();
    if t.contains("int") {
        "integer"
    } else if t.contains("char") || t.contains("text") {
        "text"
    } else if t.contains("real") || t.contains("double") || t.contains("float") {
        "real"
    } else if t.contains("blob") || t.contains("bytea") {
        "bytes"
    } else {
        "other"
    }
}

fn sqlite_schema(path: &std::path::Path) -> (Tables, Indexes) {
    let c = rusqlite::Connection::open(path).expect("open the SQLite database");
    let names: Vec<String> = c
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table'
             AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("tables");
    let mut tables = Tables::new();
    for t in names {
        let cols = c
            .prepare("SELECT name, type, \"notnull\", pk FROM pragma_table_info(?1) ORDER BY cid")
            .and_then(|mut s| {
                s.query_map([&t], |r| {
                    let (name, ty, notnull, pk): (String, String, bool, i64) =
                        (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
                    // A primary key is never null, whatever SQLite's flag says.
                    Ok((name, family(&ty), notnull || pk > 0))
                })?
                .collect()
            })
            .expect("columns");
        tables.insert(t, cols);
    }
    let mut indexes = Indexes::new();
    let list: Vec<(String, String)> = c
        .prepare(
            "SELECT name, tbl_name FROM sqlite_master
             WHERE type = 'index' AND sql IS NOT NULL ORDER BY name",
        )
        .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
        .expect("indexes");
    for (name, table) in list {
        let cols = c
            .prepare("SELECT name FROM pragma_index_info(?1) ORDER BY seqno")
            .and_then(|mut s| s.query_map([&name], |r| r.get(0))?.collect())
            .expect("index columns");
        indexes.insert(name, (table, cols));
    }
    (tables, indexes)
}

fn postgres_schema(url: &str) -> (Tables, Indexes) {
    let mut c = postgres::Client::connect(url, postgres::NoTls).expect("connect to PostgreSQL");
    let mut tables = Tables::new();
    for r in c
        .query(
            "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text
             FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name <> 'schema_migrations'
             ORDER BY table_name, ordinal_position",
            &[],
        )
        .expect("columns")
    {
        let (table, name, ty, nullable): (String, String, String, String) =
            (r.get(0), r.get(1), r.get(2), r.get(3));
        tables
            .entry(table)
            .or_default()
            .push((name, family(&ty), nullable == "NO"));
    }
    // Indexes made by CREATE INDEX (those of keys and UNIQUE constraints are
    // part of the tables, as in SQLite).
    let mut indexes = Indexes::new();
    for r in c
        .query(
            "SELECT i.relname::text, t.relname::text, a.attname::text
             FROM pg_index x
             JOIN pg_class i ON i.oid = x.indexrelid
             JOIN pg_class t ON t.oid = x.indrelid
             JOIN pg_namespace n ON n.oid = t.relnamespace
             JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, pos) ON true
             JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
             WHERE n.nspname = current_schema()
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
             ORDER BY i.relname, k.pos",
            &[],
        )
        .expect("indexes")
    {
        let (name, table, column): (String, String, String) = (r.get(0), r.get(1), r.get(2));
        indexes
            .entry(name)
            .or_insert_with(|| (table, Vec::new()))
            .1
            .push(column);
    }
    (tables, indexes)
}

#[test]
fn sqlite_and_postgresql_hold_the_same_schema() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sqlite = dir.path().join("hub.sqlite3");
    hub::store::Store::open_database(&hub::store::Database::Sqlite(sqlite.clone()))
        .expect("the SQLite schema");
    let pg = hub::testing::fresh_postgres(&e2e::postgres_server()).expect("a PostgreSQL database");
    hub::store::Store::open_database(&pg).expect("the PostgreSQL schema");
    let hub::store::Database::Postgres(url) = pg else {
        panic!("not PostgreSQL: {pg:?}");
    };
    let (lite_tables, lite_indexes) = sqlite_schema(&sqlite);
    let (pg_tables, pg_indexes) = postgres_schema(&url);
    assert_eq!(
        lite_tables.keys().collect::<Vec<_>>(),
        pg_tables.keys().collect::<Vec<_>>(),
        "the same tables"
    );
    for (table, cols) in &lite_tables {
        assert_eq!(
            Some(cols),
            pg_tables.get(table),
            "{table}: columns, types, NOT NULL"
        );
    }
    assert_eq!(
        lite_indexes, pg_indexes,
        "the same indexes on the same columns"
    );
    eprintln!(
        "{} tables, {} columns, {} indexes agree",
        lite_tables.len(),
        lite_tables.values().map(Vec::len).sum::<usize>(),
        lite_indexes.len()
    );
}
