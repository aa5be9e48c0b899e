-- The lease: one row per lock name. Times are milliseconds since the epoch on the server's clock.
-- holder_id is NULL when the lock is free; fencing_token never decreases (release keeps it).
CREATE TABLE scheduler_lock (
    name          TEXT    NOT NULL PRIMARY KEY,
    holder_id     TEXT,
    holder_host   TEXT,
    holder_pid    BIGINT,
    holder_pod    TEXT,
    fencing_token BIGINT  NOT NULL DEFAULT 0 CHECK (fencing_token >= 0),
    acquired_at   BIGINT  NOT NULL DEFAULT 0,
    heartbeat_at  BIGINT  NOT NULL DEFAULT 0,
    ttl_ms        BIGINT  NOT NULL DEFAULT 0 CHECK (ttl_ms >= 0)
);

-- One row per transition; renewals are not transitions.
CREATE TABLE scheduler_lock_history (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    lock_name     TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    holder_id     TEXT,
    holder_pod    TEXT,
    holder_host   TEXT,
    fencing_token BIGINT  NOT NULL,
    at_ms         BIGINT  NOT NULL,
    reason        TEXT
);
