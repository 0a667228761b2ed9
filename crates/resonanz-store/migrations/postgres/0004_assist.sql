-- Assist: message analyses, the AI ledger, four-eyes approvals, automatic reply rules and
-- installation settings. Keep in step with ../sqlite/0004_assist.sql.
ALTER TABLE cases ADD COLUMN categories TEXT NOT NULL DEFAULT '[]';
ALTER TABLE cases ADD COLUMN safeguarding BIGINT NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN sla_due_at BIGINT;
CREATE INDEX cases_safeguarding ON cases (safeguarding, sort_key, id);
CREATE TABLE message_analyses (
    message_id TEXT PRIMARY KEY REFERENCES messages(id),
    case_id TEXT NOT NULL REFERENCES cases(id),
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    error TEXT,
    result TEXT,
    categories TEXT NOT NULL DEFAULT '[]',
    corrected TEXT,
    model_version TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX message_analyses_case ON message_analyses (case_id);
CREATE INDEX message_analyses_status ON message_analyses (status, updated_at);
CREATE TABLE ai_suggestions (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases(id),
    message_id TEXT,
    input_ref TEXT NOT NULL,
    producer TEXT NOT NULL,
    producer_version TEXT NOT NULL,
    category TEXT,
    output TEXT NOT NULL,
    confidence DOUBLE PRECISION NOT NULL,
    outcome TEXT NOT NULL,
    edit_distance BIGINT,
    correction TEXT,
    decided_by TEXT REFERENCES users(id),
    decided_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX ai_suggestions_case ON ai_suggestions (case_id, kind);
CREATE INDEX ai_suggestions_message ON ai_suggestions (message_id);
CREATE INDEX ai_suggestions_created ON ai_suggestions (created_at);
CREATE TABLE message_approvals (
    message_id TEXT PRIMARY KEY REFERENCES messages(id),
    case_id TEXT NOT NULL REFERENCES cases(id),
    outbox_id TEXT NOT NULL,
    requested_by TEXT NOT NULL REFERENCES users(id),
    requested_at BIGINT NOT NULL,
    status TEXT NOT NULL,
    decided_by TEXT REFERENCES users(id),
    decided_at BIGINT,
    reason TEXT
);
CREATE INDEX message_approvals_case ON message_approvals (case_id);
CREATE INDEX message_approvals_pending ON message_approvals (status, requested_at);
CREATE TABLE auto_reply_rules (
    category TEXT PRIMARY KEY,
    enabled BIGINT NOT NULL,
    min_confidence DOUBLE PRECISION NOT NULL,
    text_block TEXT NOT NULL,
    updated_by TEXT REFERENCES users(id),
    updated_at BIGINT NOT NULL
);
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
