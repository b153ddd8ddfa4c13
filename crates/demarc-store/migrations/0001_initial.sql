-- demarc's tables. One text for SQLite and PostgreSQL: TEXT and BIGINT only, times as Unix
-- seconds, ids made by the application. Every tenant-owned key is led by the workspace id.

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    is_admin BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

-- Server-side sessions: the cookie holds a random token, the table only its SHA-256.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Failed logins, for rate limiting across every node.
CREATE TABLE login_failures (
    email TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX login_failures_email ON login_failures (email, at);

CREATE TABLE workspaces (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    -- The audit log's length and last hash: appending locks this row.
    audit_seq BIGINT NOT NULL DEFAULT 0,
    audit_head TEXT NOT NULL DEFAULT ''
);

CREATE TABLE members (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    party_id TEXT,
    PRIMARY KEY (workspace_id, user_id)
);
CREATE INDEX members_user ON members (user_id);

-- The model's files other than allocations: demarc.yaml, parties.yaml, services.yaml and
-- catalogue files, as the CLI reads them from a directory.
CREATE TABLE model_files (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    body TEXT NOT NULL,
    version BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, path)
);

-- One explicit allocation (service x responsibility) per row, as the YAML of the model file,
-- with a version for conflict detection.
CREATE TABLE cells (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    service_id TEXT NOT NULL,
    responsibility_id TEXT NOT NULL,
    position BIGINT NOT NULL,
    body TEXT NOT NULL,
    version BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, service_id, responsibility_id)
);

-- Append-only and hash-chained per workspace. No foreign key: the log outlives what it
-- describes.
CREATE TABLE audit_log (
    workspace_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    before_value TEXT,
    after_value TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (workspace_id, seq)
);
CREATE INDEX audit_log_target ON audit_log (workspace_id, target);

-- Comments on a row (proposals, contests, answers).
CREATE TABLE comments (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    service_id TEXT NOT NULL,
    responsibility_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, id)
);
CREATE INDEX comments_cell ON comments (workspace_id, service_id, responsibility_id);

-- A version frozen for signing: the model's files and their hash.
CREATE TABLE signoffs (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    number BIGINT NOT NULL,
    label TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    files TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, number)
);

CREATE TABLE signatures (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    number BIGINT NOT NULL,
    party_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    signer_name TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, number, party_id, user_id)
);

CREATE TABLE invitations (
    token_hash TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    party_id TEXT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_by TEXT,
    used_at BIGINT
);
CREATE INDEX invitations_workspace ON invitations (workspace_id);

CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX api_tokens_workspace ON api_tokens (workspace_id);
