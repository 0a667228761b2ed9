//! Storage of Assist: message analyses, the AI ledger, four-eyes approvals, automatic reply rules
//! and settings. Plain SQL shared by both backends; every function takes a connection, so the
//! store's reads and the transaction's writes use the same code.

use resonanz_core::Timestamp;
use resonanz_core::assist::{
    AnalysisStatus, Approval, ApprovalStatus, AutoReplyRule, Correction, LedgerCount, MessageAnalysis, Outcome,
    ResolvedCaseText, ScoredCategory, Suggestion, SuggestionKind,
};
use resonanz_core::error::CoreResult;
use resonanz_core::ids::*;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::db_err;
use crate::rows::{R, decode_err, micros, opt_micros, opt_time, opt_uuid, time, uuid};
use crate::tx::Val;

use crate::rows::map_all;

fn json<T: serde::de::DeserializeOwned>(row: &AnyRow, col: &str) -> R<T> {
    let s: String = row.try_get(col)?;
    serde_json::from_str(&s).map_err(|e| decode_err(col, e.to_string()))
}

fn opt_json<T: serde::de::DeserializeOwned>(row: &AnyRow, col: &str) -> R<Option<T>> {
    let s: Option<String> = row.try_get(col)?;
    s.map(|s| serde_json::from_str(&s).map_err(|e| decode_err(col, e.to_string()))).transpose()
}

fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

pub(crate) const ANALYSIS_COLS: &str = "message_id, case_id, status, attempts, error, result, categories, corrected, model_version, \
    created_at, updated_at";

fn analysis(row: &AnyRow) -> R<MessageAnalysis> {
    let status: String = row.try_get("status")?;
    Ok(MessageAnalysis {
        message_id: MessageId(uuid(row, "message_id")?),
        case_id: CaseId(uuid(row, "case_id")?),
        status: AnalysisStatus::parse(&status).ok_or_else(|| decode_err("status", status.clone()))?,
        attempts: row.try_get::<i64, _>("attempts")? as i32,
        error: row.try_get("error")?,
        result: opt_json(row, "result")?,
        categories: json::<Vec<ScoredCategory>>(row, "categories")?,
        corrected: opt_json(row, "corrected")?,
        model_version: row.try_get("model_version")?,
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
    })
}

const SUGGESTION_COLS: &str = "id, kind, case_id, message_id, input_ref, producer, producer_version, category, output, \
    confidence, outcome, edit_distance, correction, decided_by, decided_at, created_at";

fn suggestion(row: &AnyRow) -> R<Suggestion> {
    let kind: String = row.try_get("kind")?;
    let outcome: String = row.try_get("outcome")?;
    Ok(Suggestion {
        id: SuggestionId(uuid(row, "id")?),
        kind: SuggestionKind::parse(&kind).ok_or_else(|| decode_err("kind", kind.clone()))?,
        case_id: CaseId(uuid(row, "case_id")?),
        message_id: opt_uuid(row, "message_id")?.map(MessageId),
        input_ref: row.try_get("input_ref")?,
        producer: row.try_get("producer")?,
        producer_version: row.try_get("producer_version")?,
        category: row.try_get("category")?,
        output: json(row, "output")?,
        confidence: row.try_get::<f64, _>("confidence")? as f32,
        outcome: Outcome::parse(&outcome).ok_or_else(|| decode_err("outcome", outcome.clone()))?,
        edit_distance: row.try_get("edit_distance")?,
        correction: opt_json(row, "correction")?,
        decided_by: opt_uuid(row, "decided_by")?.map(UserId),
        decided_at: opt_time(row, "decided_at")?,
        created_at: time(row, "created_at")?,
    })
}

const APPROVAL_COLS: &str =
    "message_id, case_id, outbox_id, requested_by, requested_at, status, decided_by, decided_at, reason";

fn approval(row: &AnyRow) -> R<Approval> {
    let status: String = row.try_get("status")?;
    Ok(Approval {
        message_id: MessageId(uuid(row, "message_id")?),
        case_id: CaseId(uuid(row, "case_id")?),
        outbox_id: OutboxId(uuid(row, "outbox_id")?),
        requested_by: UserId(uuid(row, "requested_by")?),
        requested_at: time(row, "requested_at")?,
        status: ApprovalStatus::parse(&status).ok_or_else(|| decode_err("status", status.clone()))?,
        decided_by: opt_uuid(row, "decided_by")?.map(UserId),
        decided_at: opt_time(row, "decided_at")?,
        reason: row.try_get("reason")?,
    })
}

fn rule(row: &AnyRow) -> R<AutoReplyRule> {
    Ok(AutoReplyRule {
        category: row.try_get("category")?,
        enabled: row.try_get::<i64, _>("enabled")? != 0,
        min_confidence: row.try_get::<f64, _>("min_confidence")? as f32,
        text_block: row.try_get("text_block")?,
        updated_by: opt_uuid(row, "updated_by")?.map(UserId),
        updated_at: time(row, "updated_at")?,
    })
}

pub(crate) async fn message_analysis(conn: &mut AnyConnection, id: MessageId) -> CoreResult<Option<MessageAnalysis>> {
    let sql = format!("SELECT {ANALYSIS_COLS} FROM message_analyses WHERE message_id = $1");
    let row = sqlx::query(&sql).bind(id.to_string()).fetch_optional(&mut *conn).await.map_err(db_err)?;
    row.map(|r| analysis(&r)).transpose().map_err(db_err)
}

pub(crate) async fn case_analyses(conn: &mut AnyConnection, case: CaseId) -> CoreResult<Vec<MessageAnalysis>> {
    let sql =
        format!("SELECT {ANALYSIS_COLS} FROM message_analyses WHERE case_id = $1 ORDER BY created_at, message_id");
    map_all(sqlx::query(&sql).bind(case.to_string()).fetch_all(&mut *conn).await.map_err(db_err)?, analysis)
}

/// An analysis's values in the order of [`ANALYSIS_COLS`].
pub(crate) fn analysis_values(a: &MessageAnalysis) -> Vec<Val> {
    vec![
        Val::S(a.message_id.to_string()),
        Val::S(a.case_id.to_string()),
        Val::S(a.status.as_str().into()),
        Val::I(i64::from(a.attempts)),
        Val::OptS(a.error.clone()),
        Val::OptS(a.result.as_ref().map(to_json)),
        Val::S(to_json(&a.categories)),
        Val::OptS(a.corrected.as_ref().map(to_json)),
        Val::OptS(a.model_version.clone()),
        Val::I(micros(a.created_at)),
        Val::I(micros(a.updated_at)),
    ]
}

pub(crate) async fn upsert_analysis(conn: &mut AnyConnection, a: &MessageAnalysis) -> CoreResult<()> {
    let sql = format!(
        "INSERT INTO message_analyses ({ANALYSIS_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (message_id) DO UPDATE SET status = $3, attempts = $4, error = $5, result = $6, categories = $7, \
         corrected = $8, model_version = $9, updated_at = $11"
    );
    analysis_values(a)
        .into_iter()
        .fold(sqlx::query(&sql), Val::bind)
        .execute(&mut *conn)
        .await
        .map_err(db_err)
        .map(|_| ())
}

pub(crate) async fn insert_suggestion(conn: &mut AnyConnection, s: &Suggestion) -> CoreResult<()> {
    let sql = format!(
        "INSERT INTO ai_suggestions ({SUGGESTION_COLS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
    );
    sqlx::query(&sql)
        .bind(s.id.to_string())
        .bind(s.kind.as_str())
        .bind(s.case_id.to_string())
        .bind(s.message_id.map(|m| m.to_string()))
        .bind(s.input_ref.clone())
        .bind(s.producer.clone())
        .bind(s.producer_version.clone())
        .bind(s.category.clone())
        .bind(to_json(&s.output))
        .bind(f64::from(s.confidence))
        .bind(s.outcome.as_str())
        .bind(s.edit_distance)
        .bind(s.correction.as_ref().map(to_json))
        .bind(s.decided_by.map(|u| u.to_string()))
        .bind(opt_micros(s.decided_at))
        .bind(micros(s.created_at))
        .execute(&mut *conn)
        .await
        .map_err(db_err)
        .map(|_| ())
}

/// Only the human part of a ledger row changes: what was suggested stays as it was.
pub(crate) async fn update_suggestion(conn: &mut AnyConnection, s: &Suggestion) -> CoreResult<()> {
    sqlx::query(
        "UPDATE ai_suggestions SET outcome = $2, edit_distance = $3, correction = $4, decided_by = $5, decided_at = $6 \
         WHERE id = $1",
    )
    .bind(s.id.to_string())
    .bind(s.outcome.as_str())
    .bind(s.edit_distance)
    .bind(s.correction.as_ref().map(to_json))
    .bind(s.decided_by.map(|u| u.to_string()))
    .bind(opt_micros(s.decided_at))
    .execute(&mut *conn)
    .await
    .map_err(db_err)
    .map(|_| ())
}

pub(crate) async fn suggestion_by_id(conn: &mut AnyConnection, id: SuggestionId) -> CoreResult<Option<Suggestion>> {
    let sql = format!("SELECT {SUGGESTION_COLS} FROM ai_suggestions WHERE id = $1");
    let row = sqlx::query(&sql).bind(id.to_string()).fetch_optional(&mut *conn).await.map_err(db_err)?;
    row.map(|r| suggestion(&r)).transpose().map_err(db_err)
}

pub(crate) async fn suggestions_where(
    conn: &mut AnyConnection,
    column: &'static str,
    id: String,
) -> CoreResult<Vec<Suggestion>> {
    let sql = format!("SELECT {SUGGESTION_COLS} FROM ai_suggestions WHERE {column} = $1 ORDER BY created_at, id");
    map_all(sqlx::query(&sql).bind(id).fetch_all(&mut *conn).await.map_err(db_err)?, suggestion)
}

pub(crate) async fn upsert_approval(conn: &mut AnyConnection, a: &Approval, insert: bool) -> CoreResult<()> {
    let sql = if insert {
        format!("INSERT INTO message_approvals ({APPROVAL_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
    } else {
        "UPDATE message_approvals SET case_id = $2, outbox_id = $3, requested_by = $4, requested_at = $5, status = $6, \
         decided_by = $7, decided_at = $8, reason = $9 WHERE message_id = $1"
            .into()
    };
    sqlx::query(&sql)
        .bind(a.message_id.to_string())
        .bind(a.case_id.to_string())
        .bind(a.outbox_id.to_string())
        .bind(a.requested_by.to_string())
        .bind(micros(a.requested_at))
        .bind(a.status.as_str())
        .bind(a.decided_by.map(|u| u.to_string()))
        .bind(opt_micros(a.decided_at))
        .bind(a.reason.clone())
        .execute(&mut *conn)
        .await
        .map_err(db_err)
        .map(|_| ())
}

pub(crate) async fn approval_of(conn: &mut AnyConnection, message: MessageId) -> CoreResult<Option<Approval>> {
    let sql = format!("SELECT {APPROVAL_COLS} FROM message_approvals WHERE message_id = $1");
    let row = sqlx::query(&sql).bind(message.to_string()).fetch_optional(&mut *conn).await.map_err(db_err)?;
    row.map(|r| approval(&r)).transpose().map_err(db_err)
}

pub(crate) async fn case_approvals(conn: &mut AnyConnection, case: CaseId) -> CoreResult<Vec<Approval>> {
    let sql = format!("SELECT {APPROVAL_COLS} FROM message_approvals WHERE case_id = $1 ORDER BY requested_at");
    map_all(sqlx::query(&sql).bind(case.to_string()).fetch_all(&mut *conn).await.map_err(db_err)?, approval)
}

pub(crate) async fn auto_reply_rules(conn: &mut AnyConnection) -> CoreResult<Vec<AutoReplyRule>> {
    let rows = sqlx::query(
        "SELECT category, enabled, min_confidence, text_block, updated_by, updated_at FROM auto_reply_rules \
         ORDER BY category",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(db_err)?;
    map_all(rows, rule)
}

pub(crate) async fn upsert_auto_reply_rule(conn: &mut AnyConnection, r: &AutoReplyRule) -> CoreResult<()> {
    sqlx::query(
        "INSERT INTO auto_reply_rules (category, enabled, min_confidence, text_block, updated_by, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (category) DO UPDATE SET enabled = $2, min_confidence = $3, \
         text_block = $4, updated_by = $5, updated_at = $6",
    )
    .bind(r.category.clone())
    .bind(i64::from(r.enabled))
    .bind(f64::from(r.min_confidence))
    .bind(r.text_block.clone())
    .bind(r.updated_by.map(|u| u.to_string()))
    .bind(micros(r.updated_at))
    .execute(&mut *conn)
    .await
    .map_err(db_err)
    .map(|_| ())
}

pub(crate) async fn setting(conn: &mut AnyConnection, key: &str) -> CoreResult<Option<String>> {
    let row = sqlx::query("SELECT value FROM settings WHERE key = $1")
        .bind(key.to_string())
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)?;
    row.map(|r| r.try_get::<String, _>("value")).transpose().map_err(db_err).map(|v| v.filter(|v| !v.is_empty()))
}

pub(crate) async fn set_setting(conn: &mut AnyConnection, key: &str, value: &str, at: Timestamp) -> CoreResult<()> {
    sqlx::query(
        "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (key) DO UPDATE SET value = $2, updated_at = $3",
    )
    .bind(key.to_string())
    .bind(value.to_string())
    .bind(micros(at))
    .execute(&mut *conn)
    .await
    .map_err(db_err)
    .map(|_| ())
}

pub(crate) async fn count_outbound(conn: &mut AnyConnection, case: CaseId) -> CoreResult<i64> {
    sqlx::query("SELECT COUNT(*) AS n FROM messages WHERE case_id = $1 AND direction = 'outbound'")
        .bind(case.to_string())
        .fetch_one(&mut *conn)
        .await
        .and_then(|r| r.try_get::<i64, _>("n"))
        .map_err(db_err)
}

const MICROS_PER_DAY: i64 = 86_400_000_000;

pub(crate) async fn ledger_counts(
    conn: &mut AnyConnection,
    from: Timestamp,
    to: Timestamp,
) -> CoreResult<Vec<LedgerCount>> {
    let rows = sqlx::query(
        "SELECT created_at / $3 AS day, kind, category, producer, producer_version, outcome, COUNT(*) AS n, \
         CAST(COALESCE(SUM(edit_distance), 0) AS BIGINT) AS dist FROM ai_suggestions WHERE created_at >= $1 AND created_at < $2 \
         GROUP BY created_at / $3, kind, category, producer, producer_version, outcome",
    )
    .bind(micros(from))
    .bind(micros(to))
    .bind(MICROS_PER_DAY)
    .fetch_all(&mut *conn)
    .await
    .map_err(db_err)?;
    map_all(rows, |r| {
        let kind: String = r.try_get("kind")?;
        let outcome: String = r.try_get("outcome")?;
        Ok(LedgerCount {
            day: r.try_get("day")?,
            kind: SuggestionKind::parse(&kind).ok_or_else(|| decode_err("kind", kind.clone()))?,
            category: r.try_get("category")?,
            producer: r.try_get("producer")?,
            producer_version: r.try_get("producer_version")?,
            outcome: Outcome::parse(&outcome).ok_or_else(|| decode_err("outcome", outcome.clone()))?,
            count: r.try_get("n")?,
            edit_distance_sum: r.try_get("dist")?,
        })
    })
}

pub(crate) async fn corrections(conn: &mut AnyConnection, limit: u32) -> CoreResult<Vec<Correction>> {
    let rows = sqlx::query(
        "SELECT a.message_id, a.corrected, a.updated_at, m.subject, m.text_body FROM message_analyses a \
         JOIN messages m ON m.id = a.message_id WHERE a.corrected IS NOT NULL ORDER BY a.updated_at DESC LIMIT $1",
    )
    .bind(i64::from(limit))
    .fetch_all(&mut *conn)
    .await
    .map_err(db_err)?;
    map_all(rows, |r| {
        Ok(Correction {
            message_id: MessageId(uuid(r, "message_id")?),
            subject: r.try_get("subject")?,
            text: r.try_get("text_body")?,
            categories: json(r, "corrected")?,
            corrected_at: time(r, "updated_at")?,
        })
    })
}

pub(crate) async fn resolved_cases(
    conn: &mut AnyConnection,
    after: Option<(Timestamp, CaseId)>,
    limit: u32,
) -> CoreResult<Vec<ResolvedCaseText>> {
    let (after_t, after_id) = after.map_or((i64::MIN, String::new()), |(t, id)| (micros(t), id.to_string()));
    let rows = sqlx::query(
        "SELECT c.id, c.number, c.subject, c.categories, c.updated_at, k.display_name, k.language, \
         (SELECT m.text_body FROM messages m WHERE m.case_id = c.id AND m.direction = 'inbound' \
            ORDER BY m.created_at, m.id LIMIT 1) AS question, \
         (SELECT m.text_body FROM messages m JOIN outbox o ON o.message_id = m.id WHERE m.case_id = c.id \
            AND m.direction = 'outbound' AND m.author_kind = 'agent' AND o.status IN ('pending', 'sent') \
            ORDER BY m.created_at DESC, m.id DESC LIMIT 1) AS answer \
         FROM cases c JOIN contacts k ON k.id = c.contact_id \
         WHERE c.status IN ('resolved', 'closed') AND (c.updated_at > $1 OR (c.updated_at = $1 AND c.id > $2)) \
         AND c.safeguarding = 0 AND NOT EXISTS (SELECT 1 FROM message_analyses a WHERE a.case_id = c.id \
            AND (a.categories LIKE '%\"safeguarding\"%' OR a.corrected LIKE '%\"safeguarding\"%')) \
         ORDER BY c.updated_at, c.id LIMIT $3",
    )
    .bind(after_t)
    .bind(after_id)
    .bind(i64::from(limit))
    .fetch_all(&mut *conn)
    .await
    .map_err(db_err)?;
    map_all(rows, |r| {
        Ok(ResolvedCaseText {
            case_id: CaseId(uuid(r, "id")?),
            number: r.try_get("number")?,
            subject: r.try_get("subject")?,
            question: r.try_get::<Option<String>, _>("question")?.unwrap_or_default(),
            // Without the mailbox signature: it is not part of the answer.
            answer: r
                .try_get::<Option<String>, _>("answer")?
                .map(|a| a.split("\n-- \n").next().unwrap_or_default().trim_end().to_string())
                .unwrap_or_default(),
            language: r.try_get("language")?,
            contact_name: r.try_get("display_name")?,
            categories: json(r, "categories")?,
            resolved_at: time(r, "updated_at")?,
        })
    })
}

pub(crate) async fn open_cases_changed_since(
    conn: &mut AnyConnection,
    after: Timestamp,
    limit: u32,
) -> CoreResult<Vec<CaseId>> {
    let rows = sqlx::query(
        "SELECT id FROM cases WHERE updated_at > $1 AND status NOT IN ('resolved', 'closed') \
         ORDER BY updated_at LIMIT $2",
    )
    .bind(micros(after))
    .bind(i64::from(limit))
    .fetch_all(&mut *conn)
    .await
    .map_err(db_err)?;
    map_all(rows, |r| Ok(CaseId(uuid(r, "id")?)))
}
