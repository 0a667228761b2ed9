//! The few places where SQLite and PostgreSQL need different SQL: full-text search and job claiming.

use resonanz_core::store::Backend;

use crate::tx::Val;

/// The start of a multi-row insert of search documents.
pub(crate) fn insert_search_prefix(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "INSERT INTO message_search (message_id, case_id, doc)",
        Backend::Postgres => "INSERT INTO message_search (message_id, case_id, tsv, created_at)",
    }
}

/// The values of one search row: SQLite orders by its rowid, PostgreSQL needs the time.
pub(crate) fn search_values(
    backend: Backend,
    message_id: String,
    case_id: String,
    doc: String,
    created_at: i64,
) -> Vec<Val> {
    match backend {
        Backend::Sqlite => vec![Val::S(message_id), Val::S(case_id), Val::S(doc)],
        Backend::Postgres => vec![Val::S(message_id), Val::S(case_id), Val::S(doc), Val::I(created_at)],
    }
}

/// One row of that insert, from its placeholders.
pub(crate) fn search_row(backend: Backend, p: &[String]) -> String {
    match backend {
        Backend::Sqlite => format!("({}, {}, {})", p[0], p[1], p[2]),
        Backend::Postgres => format!("({}, {}, to_tsvector('simple', {}), {})", p[0], p[1], p[2], p[3]),
    }
}

/// The query argument for the match condition. Terms are alphanumeric (from
/// `search::query_terms`); quoting keeps FTS5 from reading any of them as an operator.
pub(crate) fn match_argument(backend: Backend, terms: &[String]) -> String {
    match backend {
        Backend::Sqlite => terms.iter().map(|t| format!("\"{}\"", t.replace('"', ""))).collect::<Vec<_>>().join(" "),
        Backend::Postgres => terms.join(" "),
    }
}

/// How many of the newest matching messages the case list's text filter looks at: a word in every
/// tenth message of a million must not build a set of 100,000 cases before the list is sorted.
pub(crate) const TEXT_FILTER_CAP: u32 = 2000;

/// A condition selecting the cases of messages matching argument `$n` (SQLite: of the newest
/// `TEXT_FILTER_CAP` of them).
pub(crate) fn case_ids_matching(backend: Backend, n: usize) -> String {
    match backend {
        Backend::Sqlite => format!(
            "SELECT case_id FROM message_search WHERE message_search MATCH ${n} ORDER BY rowid DESC LIMIT {TEXT_FILTER_CAP}"
        ),
        // Reached only for common words (rare ones go by id, see `rare_match_case_ids`): the
        // planner knows their frequency and walks the case list until it has a page.
        Backend::Postgres => format!("SELECT case_id FROM message_search WHERE tsv @@ plainto_tsquery('simple', ${n})"),
    }
}

/// PostgreSQL: the cases of up to $2 matching messages through the GIN index ($1 match argument).
pub(crate) const PG_RARE_MATCH_CASES: &str =
    "SELECT case_id FROM message_search WHERE tsv @@ plainto_tsquery('simple', $1) LIMIT $2";

/// Search hits, newest first: $1 match argument, $2 limit. Every word must match. Newest first is
/// what agents look for (the current conversation), and it lets FTS5 walk its index backwards and
/// stop after `limit` hits instead of scoring every match of a common word.
pub(crate) fn search_messages(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => {
            "SELECT m.case_id, m.id, m.subject, m.created_at FROM message_search s \
             JOIN messages m ON m.id = s.message_id \
             WHERE message_search MATCH $1 ORDER BY s.rowid DESC LIMIT $2"
        }
        Backend::Postgres => {
            "SELECT m.case_id, m.id, m.subject, m.created_at FROM \
             (SELECT message_id, created_at FROM message_search WHERE tsv @@ plainto_tsquery('simple', $1) \
              ORDER BY created_at DESC LIMIT $2) s \
             JOIN messages m ON m.id = s.message_id ORDER BY s.created_at DESC, m.id DESC"
        }
    }
}

/// Plan settings for a search transaction. PostgreSQL: find matches through the GIN index (bitmap
/// scans only) unless the probe below says the words are common.
pub(crate) fn search_plan(backend: Backend) -> &'static [&'static str] {
    match backend {
        Backend::Sqlite => &[],
        Backend::Postgres => &["SET LOCAL enable_seqscan = off", "SET LOCAL enable_indexscan = off"],
    }
}

/// Matches counted through the GIN index, up to the cap ($1 match argument).
pub(crate) const PG_SEARCH_PROBE: &str = "SELECT COUNT(*) FROM (SELECT 1 FROM message_search \
     WHERE tsv @@ plainto_tsquery('simple', $1) LIMIT 500) probe";
pub(crate) const PG_SEARCH_PROBE_CAP: i64 = 500;
/// For common words: newest first along the time index, no bitmap.
pub(crate) const PG_SEARCH_COMMON: &[&str] = &["SET LOCAL enable_bitmapscan = off", "SET LOCAL enable_indexscan = on"];

/// Claims one due job: $1 lease end, $2 now. PostgreSQL skips rows other workers hold; SQLite has
/// a single writer, so the statement is atomic by itself.
pub(crate) fn claim_job(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => {
            "UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_until = $1 \
             WHERE id = (SELECT id FROM jobs WHERE (state = 'queued' AND run_at <= $2) \
                 OR (state = 'running' AND locked_until < $2) ORDER BY priority DESC, run_at LIMIT 1) \
             RETURNING id, name, payload, attempts, max_attempts"
        }
        Backend::Postgres => {
            "UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_until = $1 \
             WHERE id = (SELECT id FROM jobs WHERE (state = 'queued' AND run_at <= $2) \
                 OR (state = 'running' AND locked_until < $2) ORDER BY priority DESC, run_at LIMIT 1 \
                 FOR UPDATE SKIP LOCKED) \
             RETURNING id, name, payload, attempts, max_attempts"
        }
    }
}

/// A column reference the planner must not use an index for. SQLite reads a unary `+` as "no index";
/// PostgreSQL's planner weighs the conditions itself (and `+` is not defined on text there).
pub(crate) fn no_index(backend: Backend, column: &str) -> String {
    match backend {
        Backend::Sqlite => format!("+{column}"),
        Backend::Postgres => column.to_string(),
    }
}
