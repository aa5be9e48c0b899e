-- The lease: one row per lock name. Times are milliseconds since the epoch on the store's clock.
-- holder_id is NULL when the lock is free; fencing_token never decreases (release keeps it).
CREATE TABLE scheduler_lock (
    name          TEXT    NOT NULL PRIMARY KEY,
    holder_id     TEXT,
    holder_host   TEXT,
    holder_pid    INTEGER,
    holder_pod    TEXT,
    fencing_token INTEGER NOT NULL DEFAULT 0 CHECK (fencing_token >= 0),
    acquired_at   INTEGER NOT NULL DEFAULT 0,
    heartbeat_at  INTEGER NOT NULL DEFAULT 0,
    ttl_ms        INTEGER NOT NULL DEFAULT 0 CHECK (ttl_ms >= 0)
);

-- One row per transition (acquired, taken_over, released, lost, force_released); renewals are
-- not transitions. AUTOINCREMENT so that ids are never reused after a prune.
CREATE TABLE scheduler_lock_history (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    lock_name     TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    holder_id     TEXT,
    holder_pod    TEXT,
    holder_host   TEXT,
    fencing_token INTEGER NOT NULL,
    at_ms         INTEGER NOT NULL,
    reason        TEXT
);
