//! Storage of responsibility: routing rules, SLA policies, escalations, the assignment log,
//! follow-ups, surveys, and the watcher's queries. Plain SQL for both backends; every function
//! takes a connection, so the store's reads and the transaction's writes share it.

use resonanz_core::Timestamp;
use resonanz_core::case::{Case, Priority};
use resonanz_core::error::CoreResult;
use resonanz_core::ids::*;
use resonanz_core::responsibility::{AssignmentRecord, Escalation, EscalationSource, FollowUp, FollowUpKind, Survey};
use resonanz_core::routing::RoutingRule;
use resonanz_core::sla::SlaPolicy;
use resonanz_core::user::{Team, User};
use resonanz_core::workspace::Handover;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::db_err;
use crate::rows::{self, R, decode_err, micros, opt_micros, opt_time, opt_uuid, time, uuid};

use crate::rows::map_all;

fn json<T: serde::de::DeserializeOwned>(row: &AnyRow, col: &str) -> R<T> {
    let s: String = row.try_get(col)?;
    serde_json::from_str(&s).map_err(|e| decode_err(col, e.to_string()))
}

fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

/// The statuses of open cases, as SQL.
const OPEN: &str = "status NOT IN ('resolved', 'closed')";
/// The statuses someone must act on (not waiting on the contact).
const ACTIONABLE: &str = "status IN ('new', 'open', 'waiting_on_third_party')";

const RULE_COLS: &str = "id, ordinal, name, enabled, triggers, conditions, actions, stop, created_at, updated_at, \
    updated_by, error_count, last_error, last_error_at";

fn rule(row: &AnyRow) -> R<RoutingRule> {
    Ok(RoutingRule {
        id: RoutingRuleId(uuid(row, "id")?),
        ordinal: row.try_get("ordinal")?,
        name: row.try_get("name")?,
        enabled: row.try_get::<i64, _>("enabled")? != 0,
        triggers: json(row, "triggers")?,
        conditions: json(row, "conditions")?,
        actions: json(row, "actions")?,
        stop: row.try_get::<i64, _>("stop")? != 0,
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
        updated_by: opt_uuid(row, "updated_by")?.map(UserId),
        error_count: row.try_get("error_count")?,
        last_error: row.try_get("last_error")?,
        last_error_at: opt_time(row, "last_error_at")?,
    })
}

/// Every rule in order. A rule whose stored JSON no longer decodes is not lost: it comes back
/// disabled with the decoding error, so administrators see and fix it.
pub(crate) async fn routing_rules(conn: &mut AnyConnection) -> CoreResult<Vec<RoutingRule>> {
    let sql = format!("SELECT {RULE_COLS} FROM routing_rules ORDER BY ordinal, id");
    let rows = sqlx::query(&sql).fetch_all(&mut *conn).await.map_err(db_err)?;
    let mut out = Vec::new();
    for r in &rows {
        match rule(r) {
            Ok(rule) => out.push(rule),
            Err(e) => {
                let id: String = r.try_get("id").map_err(db_err)?;
                let name: String = r.try_get("name").map_err(db_err)?;
                out.push(RoutingRule {
                    id: RoutingRuleId(uuid::Uuid::parse_str(&id).map_err(|e| db_err(decode_err("id", e.to_string())))?),
                    ordinal: r.try_get("ordinal").map_err(db_err)?,
                    name,
                    enabled: false,
                    triggers: Vec::new(),
                    conditions: Default::default(),
                    actions: Default::default(),
                    stop: false,
                    created_at: time(r, "created_at").map_err(db_err)?,
                    updated_at: time(r, "updated_at").map_err(db_err)?,
                    updated_by: None,
                    error_count: r.try_get("error_count").map_err(db_err)?,
                    last_error: Some(format!("the stored rule cannot be read: {e}")),
                    last_error_at: None,
                });
            }
        }
    }
    Ok(out)
}

pub(crate) async fn upsert_routing_rule(conn: &mut AnyConnection, r: &RoutingRule, insert: bool) -> CoreResult<()> {
    let sql = if insert {
        format!(
            "INSERT INTO routing_rules ({RULE_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
        )
    } else {
        "UPDATE routing_rules SET ordinal = $2, name = $3, enabled = $4, triggers = $5, conditions = $6, actions = $7, \
         stop = $8, created_at = $9, updated_at = $10, updated_by = $11, error_count = $12, last_error = $13, \
         last_error_at = $14 WHERE id = $1"
            .to_string()
    };
    sqlx::query(&sql)
        .bind(r.id.to_string())
        .bind(r.ordinal)
        .bind(r.name.clone())
        .bind(i64::from(r.enabled))
        .bind(to_json(&r.triggers))
        .bind(to_json(&r.conditions))
        .bind(to_json(&r.actions))
        .bind(i64::from(r.stop))
        .bind(micros(r.created_at))
        .bind(micros(r.updated_at))
        .bind(r.updated_by.map(|u| u.to_string()))
        .bind(r.error_count)
        .bind(r.last_error.clone())
        .bind(opt_micros(r.last_error_at))
        .execute(conn)
        .await
        .map_err(db_err)
        .map(|_| ())
}

pub(crate) async fn delete_by_id(conn: &mut AnyConnection, table: &str, id: String) -> CoreResult<()> {
    sqlx::query(&format!("DELETE FROM {table} WHERE id = $1")).bind(id).execute(conn).await.map_err(db_err).map(|_| ())
}

pub(crate) async fn record_rule_error(
    conn: &mut AnyConnection,
    id: RoutingRuleId,
    error: &str,
    at: Timestamp,
) -> CoreResult<()> {
    sqlx::query(
        "UPDATE routing_rules SET error_count = error_count + 1, last_error = $2, last_error_at = $3 WHERE id = $1",
    )
    .bind(id.to_string())
    .bind(error.chars().take(1000).collect::<String>())
    .bind(micros(at))
    .execute(conn)
    .await
    .map_err(db_err)
    .map(|_| ())
}

const POLICY_COLS: &str = "id, ordinal, name, enabled, team_id, priority, category, first_response_mins, \
    resolution_mins, warn_before_mins, created_at, updated_at";

fn policy(row: &AnyRow) -> R<SlaPolicy> {
    Ok(SlaPolicy {
        id: SlaPolicyId(uuid(row, "id")?),
        ordinal: row.try_get("ordinal")?,
        name: row.try_get("name")?,
        enabled: row.try_get::<i64, _>("enabled")? != 0,
        team_id: opt_uuid(row, "team_id")?.map(TeamId),
        priority: row.try_get::<Option<i64>, _>("priority")?.map(Priority::from_rank),
        category: row.try_get("category")?,
        first_response_minutes: row.try_get("first_response_mins")?,
        resolution_minutes: row.try_get("resolution_mins")?,
        warn_before_minutes: row.try_get("warn_before_mins")?,
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
    })
}

pub(crate) async fn sla_policies(conn: &mut AnyConnection) -> CoreResult<Vec<SlaPolicy>> {
    let sql = format!("SELECT {POLICY_COLS} FROM sla_policies ORDER BY ordinal, id");
    map_all(sqlx::query(&sql).fetch_all(conn).await.map_err(db_err)?, policy)
}

pub(crate) async fn upsert_sla_policy(conn: &mut AnyConnection, p: &SlaPolicy, insert: bool) -> CoreResult<()> {
    let sql = if insert {
        format!("INSERT INTO sla_policies ({POLICY_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)")
    } else {
        "UPDATE sla_policies SET ordinal = $2, name = $3, enabled = $4, team_id = $5, priority = $6, category = $7, \
         first_response_mins = $8, resolution_mins = $9, warn_before_mins = $10, created_at = $11, updated_at = $12 \
         WHERE id = $1"
            .to_string()
    };
    sqlx::query(&sql)
        .bind(p.id.to_string())
        .bind(p.ordinal)
        .bind(p.name.clone())
        .bind(i64::from(p.enabled))
        .bind(p.team_id.map(|t| t.to_string()))
        .bind(p.priority.map(Priority::rank))
        .bind(p.category.clone())
        .bind(p.first_response_minutes)
        .bind(p.resolution_minutes)
        .bind(p.warn_before_minutes)
        .bind(micros(p.created_at))
        .bind(micros(p.updated_at))
        .execute(conn)
        .await
        .map_err(db_err)
        .map(|_| ())
}

pub(crate) async fn update_team(conn: &mut AnyConnection, t: &Team) -> CoreResult<()> {
    sqlx::query("UPDATE teams SET name = $2, lead_user_id = $3, calendar = $4 WHERE id = $1")
        .bind(t.id.to_string())
        .bind(t.name.clone())
        .bind(t.lead_user_id.map(|u| u.to_string()))
        .bind(t.calendar.clone())
        .execute(conn)
        .await
        .map_err(db_err)
        .map(|_| ())
}

pub(crate) async fn team_member_ids(conn: &mut AnyConnection, team: TeamId) -> CoreResult<Vec<UserId>> {
    let rows = sqlx::query("SELECT user_id FROM team_members WHERE team_id = $1 ORDER BY user_id")
        .bind(team.to_string())
        .fetch_all(conn)
        .await
        .map_err(db_err)?;
    map_all(rows, |r| Ok(UserId(uuid(r, "user_id")?)))
}

pub(crate) async fn assignment_load(
    conn: &mut AnyConnection,
    team: TeamId,
    since: Timestamp,
) -> CoreResult<Vec<(User, i64, i64)>> {
    let cols: Vec<String> = rows::USER_COLS.split(',').map(|c| format!("u.{}", c.trim())).collect();
    let sql = format!(
        "SELECT {}, \
         (SELECT COUNT(*) FROM cases c WHERE c.owner_id = u.id AND c.{OPEN}) AS open_cases, \
         (SELECT COUNT(*) FROM assignments a WHERE a.user_id = u.id AND a.distressing = 1 AND a.created_at >= $2) \
           AS distressing_today \
         FROM users u JOIN team_members m ON m.user_id = u.id WHERE m.team_id = $1 ORDER BY u.id",
        cols.join(", ")
    );
    let rows = sqlx::query(&sql).bind(team.to_string()).bind(micros(since)).fetch_all(conn).await.map_err(db_err)?;
    rows.iter()
        .map(|r| Ok((rows::user(r)?, r.try_get("open_cases")?, r.try_get("distressing_today")?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(db_err)
}

pub(crate) async fn previous_owner(
    conn: &mut AnyConnection,
    contact: ContactId,
    except: CaseId,
) -> CoreResult<Option<UserId>> {
    let row = sqlx::query(
        "SELECT owner_id FROM cases WHERE contact_id = $1 AND id <> $2 AND owner_id IS NOT NULL \
         ORDER BY updated_at DESC, id DESC LIMIT 1",
    )
    .bind(contact.to_string())
    .bind(except.to_string())
    .fetch_optional(conn)
    .await
    .map_err(db_err)?;
    row.map(|r| uuid(&r, "owner_id").map(UserId)).transpose().map_err(db_err)
}

pub(crate) async fn round_robin_last(conn: &mut AnyConnection, team: TeamId) -> CoreResult<Option<UserId>> {
    let row = sqlx::query("SELECT round_robin_last FROM teams WHERE id = $1")
        .bind(team.to_string())
        .fetch_optional(conn)
        .await
        .map_err(db_err)?;
    Ok(row.map(|r| opt_uuid(&r, "round_robin_last")).transpose().map_err(db_err)?.flatten().map(UserId))
}

pub(crate) async fn set_round_robin_last(conn: &mut AnyConnection, team: TeamId, user: UserId) -> CoreResult<()> {
    sqlx::query("UPDATE teams SET round_robin_last = $2 WHERE id = $1")
        .bind(team.to_string())
        .bind(user.to_string())
        .execute(conn)
        .await
        .map_err(db_err)
        .map(|_| ())
}

const ASSIGNMENT_COLS: &str = "id, case_id, user_id, by_user_id, source, rule_id, note, distressing, created_at";

fn assignment(row: &AnyRow) -> R<AssignmentRecord> {
    Ok(AssignmentRecord {
        id: AssignmentId(uuid(row, "id")?),
        case_id: CaseId(uuid(row, "case_id")?),
        user_id: opt_uuid(row, "user_id")?.map(UserId),
        by_user_id: opt_uuid(row, "by_user_id")?.map(UserId),
        source: row.try_get("source")?,
        rule_id: opt_uuid(row, "rule_id")?.map(RoutingRuleId),
        note: row.try_get("note")?,
        distressing: row.try_get::<i64, _>("distressing")? != 0,
        created_at: time(row, "created_at")?,
    })
}

pub(crate) async fn insert_assignment(conn: &mut AnyConnection, a: &AssignmentRecord) -> CoreResult<()> {
    sqlx::query(&format!("INSERT INTO assignments ({ASSIGNMENT_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"))
        .bind(a.id.to_string())
        .bind(a.case_id.to_string())
        .bind(a.user_id.map(|u| u.to_string()))
        .bind(a.by_user_id.map(|u| u.to_string()))
        .bind(a.source.clone())
        .bind(a.rule_id.map(|r| r.to_string()))
        .bind(a.note.clone())
        .bind(i64::from(a.distressing))
        .bind(micros(a.created_at))
        .execute(conn)
        .await
        .map_err(db_err)
        .map(|_| ())
}

pub(crate) async fn case_assignments(conn: &mut AnyConnection, case: CaseId) -> CoreResult<Vec<AssignmentRecord>> {
    let sql = format!("SELECT {ASSIGNMENT_COLS} FROM assignments WHERE case_id = $1 ORDER BY created_at, id");
    map_all(sqlx::query(&sql).bind(case.to_string()).fetch_all(conn).await.map_err(db_err)?, assignment)
}

const ESCALATION_COLS: &str =
    "id, case_id, level, previous_level, reason, source, created_by, created_at, acknowledged_by, acknowledged_at";

fn escalation(row: &AnyRow) -> R<Escalation> {
    let source: String = row.try_get("source")?;
    Ok(Escalation {
        id: EscalationId(uuid(row, "id")?),
        case_id: CaseId(uuid(row, "case_id")?),
        level: row.try_get::<i64, _>("level")? as i32,
        previous_level: row.try_get::<i64, _>("previous_level")? as i32,
        reason: row.try_get("reason")?,
        source: EscalationSource::parse(&source).ok_or_else(|| decode_err("source", source.clone()))?,
        created_by: opt_uuid(row, "created_by")?.map(UserId),
        created_at: time(row, "created_at")?,
        acknowledged_by: opt_uuid(row, "acknowledged_by")?.map(UserId),
        acknowledged_at: opt_time(row, "acknowledged_at")?,
    })
}

pub(crate) async fn upsert_escalation(conn: &mut AnyConnection, e: &Escalation, insert: bool) -> CoreResult<()> {
    let sql = if insert {
        format!("INSERT INTO escalations ({ESCALATION_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
    } else {
        "UPDATE escalations SET case_id = $2, level = $3, previous_level = $4, reason = $5, source = $6, \
         created_by = $7, created_at = $8, acknowledged_by = $9, acknowledged_at = $10 WHERE id = $1"
            .to_string()
    };
    sqlx::query(&sql)
        .bind(e.id.to_string())
        .bind(e.case_id.to_string())
        .bind(i64::from(e.level))
        .bind(i64::from(e.previous_level))
        .bind(e.reason.clone())
        .bind(e.source.as_str())
        .bind(e.created_by.map(|u| u.to_string()))
        .bind(micros(e.created_at))
        .bind(e.acknowledged_by.map(|u| u.to_string()))
        .bind(opt_micros(e.acknowledged_at))
        .execute(conn)
        .await
        .map_err(db_err)
        .map(|_| ())
}

pub(crate) async fn case_escalations(conn: &mut AnyConnection, case: CaseId) -> CoreResult<Vec<Escalation>> {
    let sql = format!("SELECT {ESCALATION_COLS} FROM escalations WHERE case_id = $1 ORDER BY created_at, id");
    map_all(sqlx::query(&sql).bind(case.to_string()).fetch_all(conn).await.map_err(db_err)?, escalation)
}

pub(crate) async fn open_escalation(conn: &mut AnyConnection, case: CaseId) -> CoreResult<Option<Escalation>> {
    let sql = format!(
        "SELECT {ESCALATION_COLS} FROM escalations WHERE case_id = $1 AND acknowledged_at IS NULL \
         ORDER BY created_at DESC, id DESC LIMIT 1"
    );
    let row = sqlx::query(&sql).bind(case.to_string()).fetch_optional(conn).await.map_err(db_err)?;
    row.map(|r| escalation(&r)).transpose().map_err(db_err)
}

pub(crate) async fn handover(conn: &mut AnyConnection, id: HandoverId) -> CoreResult<Option<Handover>> {
    let sql = format!("SELECT {} FROM handovers WHERE id = $1", crate::workspace::HANDOVER_COLS);
    let row = sqlx::query(&sql).bind(id.to_string()).fetch_optional(conn).await.map_err(db_err)?;
    row.map(|r| crate::workspace::handover(&r)).transpose().map_err(db_err)
}

pub(crate) async fn update_handover(conn: &mut AnyConnection, h: &Handover) -> CoreResult<()> {
    sqlx::query("UPDATE handovers SET acknowledged_at = $2, reminded_at = $3, escalated_at = $4 WHERE id = $1")
        .bind(h.id.to_string())
        .bind(opt_micros(h.acknowledged_at))
        .bind(opt_micros(h.reminded_at))
        .bind(opt_micros(h.escalated_at))
        .execute(conn)
        .await
        .map_err(db_err)
        .map(|_| ())
}

pub(crate) async fn unacknowledged_handovers(
    conn: &mut AnyConnection,
    remind_before: Timestamp,
    escalate_before: Timestamp,
    limit: u32,
) -> CoreResult<Vec<Handover>> {
    let sql = format!(
        "SELECT {} FROM handovers WHERE acknowledged_at IS NULL AND to_user_id IS NOT NULL AND escalated_at IS NULL \
         AND ((reminded_at IS NULL AND created_at <= $1) OR created_at <= $2) ORDER BY created_at, id LIMIT $3",
        crate::workspace::HANDOVER_COLS
    );
    let rows = sqlx::query(&sql)
        .bind(micros(remind_before))
        .bind(micros(escalate_before))
        .bind(i64::from(limit))
        .fetch_all(conn)
        .await
        .map_err(db_err)?;
    map_all(rows, crate::workspace::handover)
}

const FOLLOW_UP_COLS: &str = "id, case_id, user_id, created_by, kind, note, due_at, created_at, notified_at, done_at";

fn follow_up(row: &AnyRow) -> R<FollowUp> {
    let kind: String = row.try_get("kind")?;
    Ok(FollowUp {
        id: FollowUpId(uuid(row, "id")?),
        case_id: CaseId(uuid(row, "case_id")?),
        user_id: UserId(uuid(row, "user_id")?),
        created_by: UserId(uuid(row, "created_by")?),
        kind: FollowUpKind::parse(&kind).ok_or_else(|| decode_err("kind", kind.clone()))?,
        note: row.try_get("note")?,
        due_at: time(row, "due_at")?,
        created_at: time(row, "created_at")?,
        notified_at: opt_time(row, "notified_at")?,
        done_at: opt_time(row, "done_at")?,
    })
}

pub(crate) async fn upsert_follow_up(conn: &mut AnyConnection, f: &FollowUp, insert: bool) -> CoreResult<()> {
    let sql = if insert {
        format!("INSERT INTO follow_ups ({FOLLOW_UP_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
    } else {
        "UPDATE follow_ups SET case_id = $2, user_id = $3, created_by = $4, kind = $5, note = $6, due_at = $7, \
         created_at = $8, notified_at = $9, done_at = $10 WHERE id = $1"
            .to_string()
    };
    sqlx::query(&sql)
        .bind(f.id.to_string())
        .bind(f.case_id.to_string())
        .bind(f.user_id.to_string())
        .bind(f.created_by.to_string())
        .bind(f.kind.as_str())
        .bind(f.note.clone())
        .bind(micros(f.due_at))
        .bind(micros(f.created_at))
        .bind(opt_micros(f.notified_at))
        .bind(opt_micros(f.done_at))
        .execute(conn)
        .await
        .map_err(db_err)
        .map(|_| ())
}

pub(crate) async fn follow_ups_where(
    conn: &mut AnyConnection,
    cond: &str,
    arg: String,
    limit: Option<(Timestamp, u32)>,
) -> CoreResult<Vec<FollowUp>> {
    let sql = match limit {
        Some(_) => format!("SELECT {FOLLOW_UP_COLS} FROM follow_ups WHERE {cond} ORDER BY due_at, id LIMIT $2"),
        None => format!("SELECT {FOLLOW_UP_COLS} FROM follow_ups WHERE {cond} ORDER BY due_at, id"),
    };
    let mut q = sqlx::query(&sql);
    q = match limit {
        Some((now, n)) => q.bind(micros(now)).bind(i64::from(n)),
        None => q.bind(arg),
    };
    map_all(q.fetch_all(conn).await.map_err(db_err)?, follow_up)
}

const SURVEY_COLS: &str = "id, case_id, contact_id, token_sha256, created_at, expires_at, rating, comment, answered_at";

fn survey(row: &AnyRow) -> R<Survey> {
    Ok(Survey {
        id: SurveyId(uuid(row, "id")?),
        case_id: CaseId(uuid(row, "case_id")?),
        contact_id: ContactId(uuid(row, "contact_id")?),
        token_sha256: row.try_get("token_sha256")?,
        created_at: time(row, "created_at")?,
        expires_at: time(row, "expires_at")?,
        rating: row.try_get("rating")?,
        comment: row.try_get("comment")?,
        answered_at: opt_time(row, "answered_at")?,
    })
}

pub(crate) async fn upsert_survey(conn: &mut AnyConnection, s: &Survey, insert: bool) -> CoreResult<()> {
    let sql = if insert {
        format!("INSERT INTO surveys ({SURVEY_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
    } else {
        "UPDATE surveys SET case_id = $2, contact_id = $3, token_sha256 = $4, created_at = $5, expires_at = $6, \
         rating = $7, comment = $8, answered_at = $9 WHERE id = $1"
            .to_string()
    };
    sqlx::query(&sql)
        .bind(s.id.to_string())
        .bind(s.case_id.to_string())
        .bind(s.contact_id.to_string())
        .bind(s.token_sha256.clone())
        .bind(micros(s.created_at))
        .bind(micros(s.expires_at))
        .bind(s.rating)
        .bind(s.comment.clone())
        .bind(opt_micros(s.answered_at))
        .execute(conn)
        .await
        .map_err(db_err)
        .map(|_| ())
}

pub(crate) async fn surveys_where(conn: &mut AnyConnection, col: &str, arg: String) -> CoreResult<Vec<Survey>> {
    let sql = format!("SELECT {SURVEY_COLS} FROM surveys WHERE {col} = $1 ORDER BY created_at, id");
    map_all(sqlx::query(&sql).bind(arg).fetch_all(conn).await.map_err(db_err)?, survey)
}

pub(crate) async fn survey_stats(
    conn: &mut AnyConnection,
    from: Timestamp,
    to: Timestamp,
) -> CoreResult<Vec<(Option<TeamId>, Option<i64>)>> {
    let rows = sqlx::query(
        "SELECT c.team_id, s.rating FROM surveys s JOIN cases c ON c.id = s.case_id \
         WHERE s.created_at >= $1 AND s.created_at < $2 ORDER BY s.created_at",
    )
    .bind(micros(from))
    .bind(micros(to))
    .fetch_all(conn)
    .await
    .map_err(db_err)?;
    rows.iter()
        .map(|r| Ok((opt_uuid(r, "team_id")?.map(TeamId), r.try_get("rating")?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(db_err)
}

pub(crate) async fn sla_checks_due(conn: &mut AnyConnection, now: Timestamp, limit: u32) -> CoreResult<Vec<CaseId>> {
    let rows = sqlx::query(
        "SELECT case_id FROM sla_checks WHERE next_check_at <= $1 ORDER BY next_check_at, case_id LIMIT $2",
    )
    .bind(micros(now))
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await
    .map_err(db_err)?;
    map_all(rows, |r| Ok(CaseId(uuid(r, "case_id")?)))
}

pub(crate) async fn open_cases_after(
    conn: &mut AnyConnection,
    after: Option<CaseId>,
    limit: u32,
) -> CoreResult<Vec<Case>> {
    let after = after.map(|a| a.to_string()).unwrap_or_default();
    let sql = format!("SELECT {} FROM cases WHERE {OPEN} AND id > $1 ORDER BY id LIMIT $2", rows::CASE_COLS);
    let rows = sqlx::query(&sql).bind(after).bind(i64::from(limit)).fetch_all(conn).await.map_err(db_err)?;
    map_all(rows, rows::case)
}

pub(crate) async fn open_case_slas_after(
    conn: &mut AnyConnection,
    after: Option<CaseId>,
    limit: u32,
) -> CoreResult<Vec<resonanz_core::sla::SlaRow>> {
    let after = after.map(|a| a.to_string()).unwrap_or_default();
    let sql = format!("SELECT {} FROM cases WHERE {OPEN} AND id > $1 ORDER BY id LIMIT $2", rows::SLA_ROW_COLS);
    let rows = sqlx::query(&sql).bind(after).bind(i64::from(limit)).fetch_all(conn).await.map_err(db_err)?;
    map_all(rows, rows::sla_row)
}

pub(crate) async fn watch_cases(
    conn: &mut AnyConnection,
    unowned_before: Timestamp,
    inactive_before: Timestamp,
    now: Timestamp,
    unflagged_only: bool,
    limit: u32,
) -> CoreResult<(Vec<Case>, Vec<Case>)> {
    let flag = if unflagged_only { " AND watch_flagged_at IS NULL" } else { "" };
    let awake = "(snoozed_until IS NULL OR snoozed_until <= $2)";
    let unowned = format!(
        "SELECT {} FROM cases WHERE {ACTIONABLE} AND owner_id IS NULL AND created_at <= $1 AND {awake}{flag} \
         ORDER BY created_at, id LIMIT $3",
        rows::CASE_COLS
    );
    let inactive = format!(
        "SELECT {} FROM cases WHERE {ACTIONABLE} AND owner_id IS NOT NULL AND updated_at <= $1 AND {awake}{flag} \
         ORDER BY updated_at, id LIMIT $3",
        rows::CASE_COLS
    );
    let mut out = Vec::new();
    for (sql, before) in [(unowned, unowned_before), (inactive, inactive_before)] {
        let rows = sqlx::query(&sql)
            .bind(micros(before))
            .bind(micros(now))
            .bind(i64::from(limit))
            .fetch_all(&mut *conn)
            .await
            .map_err(db_err)?;
        out.push(map_all(rows, rows::case)?);
    }
    let inactive = out.pop().unwrap_or_default();
    let unowned = out.pop().unwrap_or_default();
    Ok((unowned, inactive))
}
