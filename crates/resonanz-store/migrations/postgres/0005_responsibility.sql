-- Responsibility: routing rules, fair assignment, SLA policies and business calendars, escalations
-- that are acknowledged, handover reminders, the watcher, follow-ups, satisfaction surveys and
-- notification preferences. Keep in step with ../sqlite/0005_responsibility.sql.
ALTER TABLE contacts ADD COLUMN attributes TEXT NOT NULL DEFAULT '{}';
ALTER TABLE users ADD COLUMN availability TEXT NOT NULL DEFAULT 'present';
ALTER TABLE users ADD COLUMN absent_until BIGINT;
ALTER TABLE users ADD COLUMN languages TEXT NOT NULL DEFAULT '[]';
ALTER TABLE users ADD COLUMN distressing_cap BIGINT;
ALTER TABLE users ADD COLUMN notification_prefs TEXT NOT NULL DEFAULT '{}';
ALTER TABLE teams ADD COLUMN lead_user_id TEXT REFERENCES users(id);
ALTER TABLE teams ADD COLUMN calendar TEXT;
ALTER TABLE teams ADD COLUMN round_robin_last TEXT;
ALTER TABLE cases ADD COLUMN sla_policy_id TEXT;
ALTER TABLE cases ADD COLUMN sla_started_at BIGINT;
ALTER TABLE cases ADD COLUMN first_response_due_at BIGINT;
ALTER TABLE cases ADD COLUMN first_responded_at BIGINT;
ALTER TABLE cases ADD COLUMN resolution_due_at BIGINT;
ALTER TABLE cases ADD COLUMN resolved_at BIGINT;
ALTER TABLE cases ADD COLUMN sla_paused_at BIGINT;
ALTER TABLE cases ADD COLUMN sla_paused_secs BIGINT NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN sla_state TEXT NOT NULL DEFAULT 'none';
ALTER TABLE cases ADD COLUMN sla_next_check_at BIGINT;
ALTER TABLE cases ADD COLUMN escalated_at BIGINT;
ALTER TABLE cases ADD COLUMN escalation_ack_at BIGINT;
ALTER TABLE cases ADD COLUMN escalation_ack_by TEXT;
ALTER TABLE cases ADD COLUMN snoozed_until BIGINT;
ALTER TABLE cases ADD COLUMN watch_flagged_at BIGINT;
CREATE INDEX cases_sla_check ON cases (sla_next_check_at);
CREATE INDEX cases_snoozed ON cases (snoozed_until);
ALTER TABLE handovers ADD COLUMN reminded_at BIGINT;
ALTER TABLE handovers ADD COLUMN escalated_at BIGINT;
CREATE TABLE routing_rules (
    id TEXT PRIMARY KEY,
    ordinal BIGINT NOT NULL,
    name TEXT NOT NULL,
    enabled BIGINT NOT NULL,
    triggers TEXT NOT NULL,
    conditions TEXT NOT NULL,
    actions TEXT NOT NULL,
    stop BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT REFERENCES users(id),
    error_count BIGINT NOT NULL DEFAULT 0,
    last_error TEXT,
    last_error_at BIGINT
);
CREATE INDEX routing_rules_position ON routing_rules (ordinal, id);
CREATE TABLE sla_policies (
    id TEXT PRIMARY KEY,
    ordinal BIGINT NOT NULL,
    name TEXT NOT NULL,
    enabled BIGINT NOT NULL,
    team_id TEXT REFERENCES teams(id),
    priority BIGINT,
    category TEXT,
    first_response_mins BIGINT NOT NULL,
    resolution_mins BIGINT NOT NULL,
    warn_before_mins BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE TABLE escalations (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    level BIGINT NOT NULL,
    previous_level BIGINT NOT NULL,
    reason TEXT NOT NULL,
    source TEXT NOT NULL,
    created_by TEXT REFERENCES users(id),
    created_at BIGINT NOT NULL,
    acknowledged_by TEXT REFERENCES users(id),
    acknowledged_at BIGINT
);
CREATE INDEX escalations_case ON escalations (case_id, created_at);
CREATE TABLE follow_ups (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    created_by TEXT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    note TEXT NOT NULL,
    due_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    notified_at BIGINT,
    done_at BIGINT
);
CREATE INDEX follow_ups_due ON follow_ups (notified_at, due_at);
CREATE INDEX follow_ups_case ON follow_ups (case_id);
CREATE INDEX follow_ups_user ON follow_ups (user_id, done_at, due_at);
CREATE TABLE surveys (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    contact_id TEXT NOT NULL REFERENCES contacts(id),
    token_sha256 TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    rating BIGINT,
    comment TEXT,
    answered_at BIGINT
);
CREATE INDEX surveys_case ON surveys (case_id);
CREATE INDEX surveys_answered ON surveys (answered_at);
CREATE TABLE assignments (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    user_id TEXT REFERENCES users(id),
    by_user_id TEXT REFERENCES users(id),
    source TEXT NOT NULL,
    rule_id TEXT,
    note TEXT NOT NULL,
    distressing BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX assignments_case ON assignments (case_id, created_at);
CREATE INDEX assignments_user ON assignments (user_id, created_at);
