//! Both migration folders must describe the same tables and columns.

use std::collections::BTreeMap;

use resonanz_core::store::Backend;
use resonanz_store::migrations_for;

fn tables(sql: &str) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    let mut rest = sql;
    while let Some(start) = rest.find("CREATE TABLE ") {
        let after = &rest[start + "CREATE TABLE ".len()..];
        let name = after.split_whitespace().next().unwrap().to_string();
        let body_start = after.find('(').unwrap();
        let body_end = after.find("\n);").unwrap();
        let cols = after[body_start + 1..body_end]
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with("PRIMARY KEY") && !l.starts_with("UNIQUE"))
            .map(|l| {
                let mut parts = l.split_whitespace();
                let col = parts.next().unwrap().to_string();
                let ty = parts.next().unwrap_or("").trim_end_matches(',').to_string();
                // BLOB and BYTEA, REAL and DOUBLE PRECISION are the same column on the two backends.
                let ty = match ty.as_str() {
                    "BYTEA" => "BLOB".to_string(),
                    "DOUBLE" => "REAL".to_string(),
                    _ => ty,
                };
                format!("{col} {ty}")
            })
            .collect();
        out.insert(name, cols);
        rest = &after[body_end..];
    }
    out
}

#[test]
fn sqlite_and_postgres_migrations_describe_the_same_schema() {
    let lite: Vec<_> = migrations_for(Backend::Sqlite).collect();
    let pg: Vec<_> = migrations_for(Backend::Postgres).collect();
    assert_eq!(lite.len(), pg.len());
    for ((v1, a), (v2, b)) in lite.iter().zip(pg.iter()) {
        assert_eq!(v1, v2);
        let (ta, tb) = (tables(a), tables(b));
        // The parser must find the tables a migration creates; index-only migrations create none.
        assert_eq!(ta.is_empty(), !a.contains("CREATE TABLE "), "migration {v1}");
        // message_search is dialect-specific (FTS5 virtual table vs. tsvector table), and so is
        // sla_checks (a view over an index on SQLite, a table of its own on PostgreSQL).
        let tb: BTreeMap<_, _> = tb.into_iter().filter(|(k, _)| k != "message_search" && k != "sla_checks").collect();
        assert_eq!(ta, tb, "migration {v1}");
        if b.contains("CREATE TABLE sla_checks") {
            assert!(a.contains("CREATE VIEW sla_checks AS"), "migration {v1}: the queue on SQLite");
        }
    }
}
