-- The store's identity: one row with a random id (a version 4 UUID), written once, when the schema
-- reaches this version (a new store, or an existing one upgraded) and never changed. A new
-- database or schema gets a new id, so that fencing token 1 of a new store can be told from token
-- 1 of an old one (docs/lease-protocol.md, "Store identity"). created_at is on the store's clock.
CREATE TABLE store_identity (
    singleton  INTEGER NOT NULL PRIMARY KEY CHECK (singleton = 1),
    store_id   TEXT    NOT NULL,
    created_at BIGINT  NOT NULL
);
INSERT INTO store_identity (singleton, store_id, created_at)
    VALUES (1, gen_random_uuid()::text, CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT));
