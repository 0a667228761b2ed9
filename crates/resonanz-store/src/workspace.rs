//! Storage of the agent workspace: sessions, password resets, text blocks, handovers,
//! notifications, presence and saved views. Plain SQL shared by both backends.

use resonanz_core::Timestamp;
use resonanz_core::auth::{PasswordReset, Session};
use resonanz_core::contact::Contact;
use resonanz_core::error::CoreResult;
use resonanz_core::ids::*;
use resonanz_core::textblocks::{TextBlock, Tone};
use resonanz_core::workspace::{Handover, Notification, Presence, PresenceState, SavedView};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::rows::{self, R, decode_err, micros, opt_micros, opt_time, opt_uuid, time, uuid};
use crate::{SqlStore, db_err};

use crate::rows::map_all;

const SESSION_COLS: &str = "id_sha256, user_id, csrf_token, user_agent, created_at, last_seen_at, expires_at";

fn session(row: &AnyRow) -> R<Session> {
    Ok(Session {
        id_sha256: row.try_get("id_sha256")?,
        user_id: UserId(uuid(row, "user_id")?),
        csrf_token: row.try_get("csrf_token")?,
        user_agent: row.try_get("user_agent")?,
        created_at: time(row, "created_at")?,
        last_seen_at: time(row, "last_seen_at")?,
        expires_at: time(row, "expires_at")?,
    })
}

fn reset(row: &AnyRow) -> R<PasswordReset> {
    Ok(PasswordReset {
        token_sha256: row.try_get("token_sha256")?,
        user_id: UserId(uuid(row, "user_id")?),
        created_at: time(row, "created_at")?,
        expires_at: time(row, "expires_at")?,
        used_at: opt_time(row, "used_at")?,
    })
}

const TEXT_BLOCK_COLS: &str = "id, name, category, language, tone, body, usage_count, created_at, updated_at";

fn text_block(row: &AnyRow) -> R<TextBlock> {
    let tone: String = row.try_get("tone")?;
    Ok(TextBlock {
        id: TextBlockId(uuid(row, "id")?),
        name: row.try_get("name")?,
        category: row.try_get("category")?,
        language: row.try_get("language")?,
        tone: Tone::parse(&tone).ok_or_else(|| decode_err("tone", tone.clone()))?,
        body: row.try_get("body")?,
        usage_count: row.try_get("usage_count")?,
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
    })
}

pub(crate) const HANDOVER_COLS: &str =
    "id, case_id, from_user_id, to_user_id, by_user_id, note, created_at, acknowledged_at, reminded_at, escalated_at";

pub(crate) fn handover(row: &AnyRow) -> R<Handover> {
    Ok(Handover {
        id: HandoverId(uuid(row, "id")?),
        case_id: CaseId(uuid(row, "case_id")?),
        from_user_id: opt_uuid(row, "from_user_id")?.map(UserId),
        to_user_id: opt_uuid(row, "to_user_id")?.map(UserId),
        by_user_id: UserId(uuid(row, "by_user_id")?),
        note: row.try_get("note")?,
        created_at: time(row, "created_at")?,
        acknowledged_at: opt_time(row, "acknowledged_at")?,
        reminded_at: opt_time(row, "reminded_at")?,
        escalated_at: opt_time(row, "escalated_at")?,
    })
}

const NOTIFICATION_COLS: &str = "id, user_id, kind, case_id, actor_user_id, body, created_at, read_at";

fn notification(row: &AnyRow) -> R<Notification> {
    Ok(Notification {
        id: NotificationId(uuid(row, "id")?),
        user_id: UserId(uuid(row, "user_id")?),
        kind: row.try_get("kind")?,
        case_id: opt_uuid(row, "case_id")?.map(CaseId),
        actor_user_id: opt_uuid(row, "actor_user_id")?.map(UserId),
        body: row.try_get("body")?,
        created_at: time(row, "created_at")?,
        read_at: opt_time(row, "read_at")?,
    })
}

fn presence(row: &AnyRow) -> R<Presence> {
    Ok(Presence {
        case_id: CaseId(uuid(row, "case_id")?),
        user_id: UserId(uuid(row, "user_id")?),
        state: PresenceState::from_code(row.try_get("composing")?),
        seen_at: time(row, "seen_at")?,
    })
}

fn saved_view(row: &AnyRow) -> R<SavedView> {
    Ok(SavedView {
        id: SavedViewId(uuid(row, "id")?),
        user_id: UserId(uuid(row, "user_id")?),
        name: row.try_get("name")?,
        query: row.try_get("query")?,
        created_at: time(row, "created_at")?,
    })
}

/// `$from, $from+1, …` for an IN list.
fn placeholders(from: usize, n: usize) -> String {
    (from..from + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

impl SqlStore {
    pub(crate) async fn contacts_by_ids_(&self, ids: &[ContactId]) -> CoreResult<Vec<Contact>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!("SELECT {} FROM contacts WHERE id IN ({})", rows::CONTACT_COLS, placeholders(1, ids.len()));
        let mut q = sqlx::query(&sql);
        for id in ids {
            q = q.bind(id.to_string());
        }
        map_all(q.fetch_all(&self.pool).await.map_err(db_err)?, rows::contact)
    }

    pub(crate) async fn session_(&self, sha: &str) -> CoreResult<Option<Session>> {
        let sql = format!("SELECT {SESSION_COLS} FROM sessions WHERE id_sha256 = $1");
        let row = sqlx::query(&sql).bind(sha.to_string()).fetch_optional(&self.pool).await.map_err(db_err)?;
        row.map(|r| session(&r)).transpose().map_err(db_err)
    }

    pub(crate) async fn insert_session_(&self, s: &Session) -> CoreResult<()> {
        sqlx::query(&format!("INSERT INTO sessions ({SESSION_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"))
            .bind(s.id_sha256.clone())
            .bind(s.user_id.to_string())
            .bind(s.csrf_token.clone())
            .bind(s.user_agent.clone())
            .bind(micros(s.created_at))
            .bind(micros(s.last_seen_at))
            .bind(micros(s.expires_at))
            .execute(&self.pool)
            .await
            .map_err(db_err)
            .map(|_| ())
    }

    pub(crate) async fn touch_session_(&self, sha: &str, at: Timestamp) -> CoreResult<()> {
        sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE id_sha256 = $1")
            .bind(sha.to_string())
            .bind(micros(at))
            .execute(&self.pool)
            .await
            .map_err(db_err)
            .map(|_| ())
    }

    pub(crate) async fn delete_session_(&self, sha: &str) -> CoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE id_sha256 = $1")
            .bind(sha.to_string())
            .execute(&self.pool)
            .await
            .map_err(db_err)
            .map(|_| ())
    }

    pub(crate) async fn delete_user_sessions_(&self, user: UserId, keep: Option<&str>) -> CoreResult<u64> {
        let r = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_sha256 <> $2")
            .bind(user.to_string())
            .bind(keep.unwrap_or("").to_string())
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(r.rows_affected())
    }

    pub(crate) async fn password_reset_(&self, sha: &str) -> CoreResult<Option<PasswordReset>> {
        let row = sqlx::query(
            "SELECT token_sha256, user_id, created_at, expires_at, used_at FROM password_resets WHERE token_sha256 = $1",
        )
        .bind(sha.to_string())
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?;
        row.map(|r| reset(&r)).transpose().map_err(db_err)
    }

    pub(crate) async fn text_block_(&self, id: TextBlockId) -> CoreResult<Option<TextBlock>> {
        let sql = format!("SELECT {TEXT_BLOCK_COLS} FROM text_blocks WHERE id = $1");
        let row = sqlx::query(&sql).bind(id.to_string()).fetch_optional(&self.pool).await.map_err(db_err)?;
        row.map(|r| text_block(&r)).transpose().map_err(db_err)
    }

    pub(crate) async fn text_blocks_(&self, query: Option<&str>, category: Option<&str>) -> CoreResult<Vec<TextBlock>> {
        // A library is hundreds of blocks, not millions: filtered here, with Unicode-aware
        // lower-casing that SQLite's LOWER() lacks.
        let sql = format!("SELECT {TEXT_BLOCK_COLS} FROM text_blocks ORDER BY category, name, language, tone");
        let all = map_all(sqlx::query(&sql).fetch_all(&self.pool).await.map_err(db_err)?, text_block)?;
        let q = query.map(|q| q.trim().to_lowercase()).filter(|q| !q.is_empty());
        Ok(all
            .into_iter()
            .filter(|b| category.is_none_or(|c| c.is_empty() || b.category == c))
            .filter(|b| {
                q.as_ref().is_none_or(|q| {
                    b.name.to_lowercase().contains(q)
                        || b.category.to_lowercase().contains(q)
                        || b.body.to_lowercase().contains(q)
                })
            })
            .collect())
    }

    pub(crate) async fn case_handovers_(&self, case: CaseId) -> CoreResult<Vec<Handover>> {
        let sql = format!("SELECT {HANDOVER_COLS} FROM handovers WHERE case_id = $1 ORDER BY created_at, id");
        map_all(sqlx::query(&sql).bind(case.to_string()).fetch_all(&self.pool).await.map_err(db_err)?, handover)
    }

    /// Notifications made after `after` (ids sort by creation), oldest first; `None`: the newest id.
    pub(crate) async fn notifications_after_(
        &self,
        after: Option<NotificationId>,
        limit: u32,
    ) -> CoreResult<(Vec<Notification>, Option<NotificationId>)> {
        let Some(after) = after else {
            let row = sqlx::query("SELECT id FROM notifications ORDER BY id DESC LIMIT 1")
                .fetch_optional(&self.pool)
                .await
                .map_err(db_err)?;
            let newest = row.map(|r| uuid(&r, "id").map(NotificationId)).transpose().map_err(db_err)?;
            return Ok((Vec::new(), newest));
        };
        let sql = format!("SELECT {NOTIFICATION_COLS} FROM notifications WHERE id > $1 ORDER BY id LIMIT $2");
        let rows = sqlx::query(&sql)
            .bind(after.to_string())
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        let found = map_all(rows, notification)?;
        let newest = found.last().map(|n| n.id).or(Some(after));
        Ok((found, newest))
    }

    pub(crate) async fn notifications_(&self, user: UserId, limit: u32) -> CoreResult<Vec<Notification>> {
        let sql = format!("SELECT {NOTIFICATION_COLS} FROM notifications WHERE user_id = $1 ORDER BY id DESC LIMIT $2");
        let rows = sqlx::query(&sql)
            .bind(user.to_string())
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        map_all(rows, notification)
    }

    pub(crate) async fn unread_notifications_(&self, user: UserId) -> CoreResult<i64> {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL")
            .bind(user.to_string())
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)
    }

    pub(crate) async fn mark_notifications_read_(
        &self,
        user: UserId,
        ids: Option<&[NotificationId]>,
        at: Timestamp,
    ) -> CoreResult<()> {
        let (sql, list) = match ids {
            Some([]) => return Ok(()),
            Some(ids) => (
                format!(
                    "UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL AND id IN ({})",
                    placeholders(3, ids.len())
                ),
                ids.to_vec(),
            ),
            None => ("UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL".into(), Vec::new()),
        };
        let mut q = sqlx::query(&sql).bind(user.to_string()).bind(micros(at));
        for id in list {
            q = q.bind(id.to_string());
        }
        q.execute(&self.pool).await.map_err(db_err).map(|_| ())
    }

    pub(crate) async fn upsert_presence_(&self, p: &Presence) -> CoreResult<()> {
        sqlx::query(
            "INSERT INTO case_presence (case_id, user_id, composing, seen_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (case_id, user_id) DO UPDATE SET composing = excluded.composing, seen_at = excluded.seen_at",
        )
        .bind(p.case_id.to_string())
        .bind(p.user_id.to_string())
        .bind(p.state.code())
        .bind(micros(p.seen_at))
        .execute(&self.pool)
        .await
        .map_err(db_err)
        .map(|_| ())
    }

    pub(crate) async fn case_presence_(&self, case: CaseId) -> CoreResult<Vec<Presence>> {
        let rows = sqlx::query("SELECT case_id, user_id, composing, seen_at FROM case_presence WHERE case_id = $1")
            .bind(case.to_string())
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        map_all(rows, presence)
    }

    pub(crate) async fn presence_changed_since_(&self, since: Timestamp) -> CoreResult<Vec<Presence>> {
        let rows = sqlx::query(
            "SELECT case_id, user_id, composing, seen_at FROM case_presence WHERE seen_at >= $1 ORDER BY seen_at",
        )
        .bind(micros(since))
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        map_all(rows, presence)
    }

    pub(crate) async fn saved_views_(&self, user: UserId) -> CoreResult<Vec<SavedView>> {
        let rows = sqlx::query(
            "SELECT id, user_id, name, query, created_at FROM saved_views WHERE user_id = $1 ORDER BY name",
        )
        .bind(user.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        map_all(rows, saved_view)
    }

    pub(crate) async fn insert_saved_view_(&self, v: &SavedView) -> CoreResult<()> {
        sqlx::query("INSERT INTO saved_views (id, user_id, name, query, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(v.id.to_string())
            .bind(v.user_id.to_string())
            .bind(v.name.clone())
            .bind(v.query.clone())
            .bind(micros(v.created_at))
            .execute(&self.pool)
            .await
            .map_err(db_err)
            .map(|_| ())
    }

    pub(crate) async fn delete_saved_view_(&self, user: UserId, id: SavedViewId) -> CoreResult<()> {
        sqlx::query("DELETE FROM saved_views WHERE id = $1 AND user_id = $2")
            .bind(id.to_string())
            .bind(user.to_string())
            .execute(&self.pool)
            .await
            .map_err(db_err)
            .map(|_| ())
    }
}

// Writes inside a transaction.

pub(crate) async fn set_user_teams(conn: &mut AnyConnection, user: UserId, teams: &[TeamId]) -> CoreResult<()> {
    sqlx::query("DELETE FROM team_members WHERE user_id = $1")
        .bind(user.to_string())
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    for t in teams {
        sqlx::query("INSERT INTO team_members (team_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(t.to_string())
            .bind(user.to_string())
            .execute(&mut *conn)
            .await
            .map_err(db_err)?;
    }
    Ok(())
}

pub(crate) async fn insert_password_reset(conn: &mut AnyConnection, r: &PasswordReset) -> CoreResult<()> {
    sqlx::query(
        "INSERT INTO password_resets (token_sha256, user_id, created_at, expires_at, used_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(r.token_sha256.clone())
    .bind(r.user_id.to_string())
    .bind(micros(r.created_at))
    .bind(micros(r.expires_at))
    .bind(opt_micros(r.used_at))
    .execute(conn)
    .await
    .map_err(db_err)
    .map(|_| ())
}

pub(crate) async fn use_password_reset(conn: &mut AnyConnection, sha: &str, at: Timestamp) -> CoreResult<bool> {
    let r = sqlx::query("UPDATE password_resets SET used_at = $2 WHERE token_sha256 = $1 AND used_at IS NULL")
        .bind(sha.to_string())
        .bind(micros(at))
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    if r.rows_affected() != 1 {
        return Ok(false);
    }
    // Every other open link of the same person is spent with it.
    sqlx::query(
        "UPDATE password_resets SET used_at = $2 WHERE used_at IS NULL \
         AND user_id = (SELECT user_id FROM password_resets WHERE token_sha256 = $1)",
    )
    .bind(sha.to_string())
    .bind(micros(at))
    .execute(conn)
    .await
    .map_err(db_err)?;
    Ok(true)
}

pub(crate) async fn upsert_text_block(conn: &mut AnyConnection, b: &TextBlock, insert: bool) -> CoreResult<()> {
    let sql = if insert {
        format!("INSERT INTO text_blocks ({TEXT_BLOCK_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
    } else {
        "UPDATE text_blocks SET name = $2, category = $3, language = $4, tone = $5, body = $6, usage_count = $7, \
         created_at = $8, updated_at = $9 WHERE id = $1"
            .into()
    };
    sqlx::query(&sql)
        .bind(b.id.to_string())
        .bind(b.name.clone())
        .bind(b.category.clone())
        .bind(b.language.clone())
        .bind(b.tone.as_str())
        .bind(b.body.clone())
        .bind(b.usage_count)
        .bind(micros(b.created_at))
        .bind(micros(b.updated_at))
        .execute(conn)
        .await
        .map_err(db_err)
        .map(|_| ())
}

pub(crate) async fn delete_text_block(conn: &mut AnyConnection, id: TextBlockId) -> CoreResult<()> {
    sqlx::query("DELETE FROM text_blocks WHERE id = $1")
        .bind(id.to_string())
        .execute(conn)
        .await
        .map_err(db_err)
        .map(|_| ())
}

pub(crate) async fn count_text_block_use(conn: &mut AnyConnection, ids: &[TextBlockId]) -> CoreResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let sql =
        format!("UPDATE text_blocks SET usage_count = usage_count + 1 WHERE id IN ({})", placeholders(1, ids.len()));
    let mut q = sqlx::query(&sql);
    for id in ids {
        q = q.bind(id.to_string());
    }
    q.execute(conn).await.map_err(db_err).map(|_| ())
}

pub(crate) async fn insert_handover(conn: &mut AnyConnection, h: &Handover) -> CoreResult<()> {
    sqlx::query(&format!("INSERT INTO handovers ({HANDOVER_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"))
        .bind(h.id.to_string())
        .bind(h.case_id.to_string())
        .bind(h.from_user_id.map(|u| u.to_string()))
        .bind(h.to_user_id.map(|u| u.to_string()))
        .bind(h.by_user_id.to_string())
        .bind(h.note.clone())
        .bind(micros(h.created_at))
        .bind(opt_micros(h.acknowledged_at))
        .bind(opt_micros(h.reminded_at))
        .bind(opt_micros(h.escalated_at))
        .execute(conn)
        .await
        .map_err(db_err)
        .map(|_| ())
}

pub(crate) async fn open_handover(conn: &mut AnyConnection, case: CaseId) -> CoreResult<Option<Handover>> {
    let sql = format!(
        "SELECT {HANDOVER_COLS} FROM handovers WHERE case_id = $1 AND acknowledged_at IS NULL \
         ORDER BY created_at DESC, id DESC LIMIT 1"
    );
    let row = sqlx::query(&sql).bind(case.to_string()).fetch_optional(conn).await.map_err(db_err)?;
    row.map(|r| handover(&r)).transpose().map_err(db_err)
}

pub(crate) async fn acknowledge_handover(conn: &mut AnyConnection, id: HandoverId, at: Timestamp) -> CoreResult<()> {
    sqlx::query("UPDATE handovers SET acknowledged_at = $2 WHERE id = $1")
        .bind(id.to_string())
        .bind(micros(at))
        .execute(conn)
        .await
        .map_err(db_err)
        .map(|_| ())
}

pub(crate) async fn insert_notification(conn: &mut AnyConnection, n: &Notification) -> CoreResult<()> {
    sqlx::query(&format!("INSERT INTO notifications ({NOTIFICATION_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"))
        .bind(n.id.to_string())
        .bind(n.user_id.to_string())
        .bind(n.kind.clone())
        .bind(n.case_id.map(|c| c.to_string()))
        .bind(n.actor_user_id.map(|u| u.to_string()))
        .bind(n.body.clone())
        .bind(micros(n.created_at))
        .bind(opt_micros(n.read_at))
        .execute(conn)
        .await
        .map_err(db_err)
        .map(|_| ())
}
