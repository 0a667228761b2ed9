-- Resonanz schema, version 1 (PostgreSQL). Keep in step with ../sqlite/0001_init.sql:
-- a test compares the tables and columns of both.
CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY,
    size BIGINT NOT NULL,
    data BYTEA NOT NULL
);
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE teams (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
CREATE TABLE team_members (
    team_id TEXT NOT NULL REFERENCES teams(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    PRIMARY KEY (team_id, user_id)
);
CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    secret_sha256 TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
CREATE TABLE organisations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    domain TEXT,
    created_at BIGINT NOT NULL
);
CREATE TABLE contacts (
    id TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    organisation_id TEXT REFERENCES organisations(id),
    address_form TEXT NOT NULL,
    language TEXT NOT NULL,
    notes TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE TABLE identities (
    id TEXT PRIMARY KEY,
    contact_id TEXT NOT NULL REFERENCES contacts(id),
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    failing_since BIGINT,
    failure_reason TEXT,
    created_at BIGINT NOT NULL,
    UNIQUE (kind, value)
);
CREATE INDEX identities_contact ON identities (contact_id);
CREATE TABLE mailboxes (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    address TEXT NOT NULL,
    display_name TEXT NOT NULL,
    signature TEXT NOT NULL,
    imap_url TEXT,
    smtp_url TEXT,
    is_default BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE cases (
    id TEXT PRIMARY KEY,
    number BIGINT NOT NULL UNIQUE,
    subject TEXT NOT NULL,
    status TEXT NOT NULL,
    priority BIGINT NOT NULL,
    contact_id TEXT NOT NULL REFERENCES contacts(id),
    owner_id TEXT REFERENCES users(id),
    team_id TEXT REFERENCES teams(id),
    mailbox_id TEXT REFERENCES mailboxes(id),
    channel TEXT NOT NULL,
    tags TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    waiting_since BIGINT,
    last_message_at BIGINT NOT NULL,
    sort_key BIGINT NOT NULL
);
CREATE INDEX cases_sort ON cases (sort_key, id);
CREATE INDEX cases_status_sort ON cases (status, sort_key, id);
CREATE INDEX cases_owner_sort ON cases (owner_id, sort_key, id);
CREATE INDEX cases_team_sort ON cases (team_id, sort_key, id);
CREATE INDEX cases_contact_sort ON cases (contact_id, sort_key, id);
CREATE TABLE messages (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    direction TEXT NOT NULL,
    author_kind TEXT NOT NULL,
    author_user_id TEXT,
    author_contact_id TEXT,
    message_id_header TEXT UNIQUE,
    in_reply_to TEXT,
    refs TEXT NOT NULL,
    from_addr TEXT,
    from_name TEXT,
    to_addrs TEXT NOT NULL,
    cc_addrs TEXT NOT NULL,
    subject TEXT NOT NULL,
    sent_date BIGINT,
    text_body TEXT NOT NULL,
    html_body TEXT,
    has_remote_images BIGINT NOT NULL,
    auto_kind TEXT NOT NULL,
    raw_sha256 TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX messages_case ON messages (case_id, created_at);
CREATE TABLE attachments (
    id TEXT PRIMARY KEY,
    message_id TEXT NOT NULL REFERENCES messages(id),
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL REFERENCES blobs(sha256),
    content_id TEXT,
    inline BIGINT NOT NULL
);
CREATE INDEX attachments_message ON attachments (message_id);
CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    message_id TEXT NOT NULL REFERENCES messages(id),
    mailbox_id TEXT REFERENCES mailboxes(id),
    status TEXT NOT NULL,
    raw_sha256 TEXT,
    attempts BIGINT NOT NULL,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    sent_at BIGINT
);
CREATE INDEX outbox_message ON outbox (message_id);
CREATE TABLE quarantine (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    reason TEXT NOT NULL,
    raw_sha256 TEXT NOT NULL REFERENCES blobs(sha256),
    size BIGINT NOT NULL,
    mailbox_id TEXT,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    released_at BIGINT
);
CREATE INDEX quarantine_raw ON quarantine (raw_sha256, status);
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    queue TEXT NOT NULL,
    payload TEXT NOT NULL,
    priority BIGINT NOT NULL,
    idempotency_key TEXT,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    max_attempts BIGINT NOT NULL,
    run_at BIGINT NOT NULL,
    locked_until BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE UNIQUE INDEX jobs_idempotency ON jobs (idempotency_key) WHERE state IN ('queued', 'running');
CREATE INDEX jobs_due ON jobs (state, run_at);
-- One row that every write transaction takes first: it serialises writers and holds the head of
-- the audit chain and the last case number.
CREATE TABLE write_head (
    id BIGINT PRIMARY KEY,
    audit_seq BIGINT NOT NULL,
    audit_hash TEXT NOT NULL,
    case_number BIGINT NOT NULL
);
INSERT INTO write_head (id, audit_seq, audit_hash, case_number)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000', 1000);
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject_type TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT,
    at BIGINT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_subject ON audit_log (subject_type, subject_id, seq);
-- Dialect: append-only enforcement and full-text search.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'audit_log is append-only'; END; $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
-- created_at lets the planner walk the newest messages backwards and stop after the first hits of
-- a common word, and use the GIN index for rare words.
CREATE TABLE message_search (
    message_id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    tsv TSVECTOR NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX message_search_tsv ON message_search USING GIN (tsv);
CREATE INDEX message_search_case ON message_search (case_id);
CREATE INDEX message_search_created ON message_search (created_at);
