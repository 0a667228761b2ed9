-- The agent workspace: sign-in, sessions, text blocks, handovers, notifications, presence and
-- saved views. Keep in step with ../sqlite/0003_workspace.sql.
ALTER TABLE users ADD COLUMN locale TEXT NOT NULL DEFAULT 'de';
ALTER TABLE users ADD COLUMN active BIGINT NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN failed_logins BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until BIGINT;
ALTER TABLE cases ADD COLUMN preview TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN escalation_level BIGINT NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN escalation_reason TEXT;
CREATE INDEX cases_escalated ON cases (escalation_level, sort_key, id);
CREATE TABLE sessions (
    id_sha256 TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE TABLE password_resets (
    token_sha256 TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX password_resets_user ON password_resets (user_id);
CREATE TABLE text_blocks (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    language TEXT NOT NULL,
    tone TEXT NOT NULL,
    body TEXT NOT NULL,
    usage_count BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (name, language, tone)
);
CREATE TABLE handovers (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    from_user_id TEXT,
    to_user_id TEXT,
    by_user_id TEXT NOT NULL,
    note TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    acknowledged_at BIGINT
);
CREATE INDEX handovers_case ON handovers (case_id, created_at);
CREATE INDEX handovers_open ON handovers (to_user_id, acknowledged_at);
CREATE TABLE notifications (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    case_id TEXT,
    actor_user_id TEXT,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    read_at BIGINT
);
CREATE INDEX notifications_user ON notifications (user_id, read_at, id);
CREATE TABLE case_presence (
    case_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    composing BIGINT NOT NULL,
    seen_at BIGINT NOT NULL,
    PRIMARY KEY (case_id, user_id)
);
CREATE INDEX case_presence_seen ON case_presence (seen_at);
CREATE TABLE saved_views (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    query TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (user_id, name)
);
-- Live updates across processes: every audited change and every presence heartbeat wakes the
-- listeners of all server processes; they read what changed from the tables.
CREATE FUNCTION resonanz_live_notify() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('resonanz_live', TG_TABLE_NAME);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_log_live AFTER INSERT ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION resonanz_live_notify();
CREATE TRIGGER case_presence_live AFTER INSERT OR UPDATE OR DELETE ON case_presence FOR EACH STATEMENT EXECUTE FUNCTION resonanz_live_notify();
