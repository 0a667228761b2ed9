//! The few places where SQLite and PostgreSQL need different SQL: full-text search and job claiming.

use resonanz_core::store::Backend;

/// The start of a multi-row insert of search documents (message id, case id, document).
pub(crate) fn insert_search_prefix(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "INSERT INTO message_search (message_id, case_id, doc)",
        Backend::Postgres => "INSERT INTO message_search (message_id, case_id, tsv)",
    }
}

/// One row of that insert, from its three placeholders.
pub(crate) fn search_row(backend: Backend, p: &[String]) -> String {
    match backend {
        Backend::Sqlite => format!("({}, {}, {})", p[0], p[1], p[2]),
        Backend::Postgres => format!("({}, {}, to_tsvector('simple', {}))", p[0], p[1], p[2]),
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

/// A condition selecting the case ids whose messages match argument `$n`.
pub(crate) fn case_ids_matching(backend: Backend, n: usize) -> String {
    match backend {
        Backend::Sqlite => format!("SELECT case_id FROM message_search WHERE message_search MATCH ${n}"),
        Backend::Postgres => format!("SELECT case_id FROM message_search WHERE tsv @@ plainto_tsquery('simple', ${n})"),
    }
}

/// Search hits, best first: $1 match argument, $2 limit.
pub(crate) fn search_messages(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => {
            "SELECT m.case_id, m.id, m.subject, m.created_at FROM message_search s \
             JOIN messages m ON m.id = s.message_id \
             WHERE message_search MATCH $1 ORDER BY s.rank LIMIT $2"
        }
        Backend::Postgres => {
            "SELECT m.case_id, m.id, m.subject, m.created_at FROM message_search s \
             JOIN messages m ON m.id = s.message_id \
             WHERE s.tsv @@ plainto_tsquery('simple', $1) \
             ORDER BY ts_rank(s.tsv, plainto_tsquery('simple', $1)) DESC, m.created_at DESC LIMIT $2"
        }
    }
}

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
