package dev.schedlock.sidecar.store;

import java.time.Duration;
import java.util.Objects;

/**
 * Where the lease lives and how to reach it.
 *
 * @param url              {@code jdbc:sqlite:/path/file.db} or {@code jdbc:postgresql://host:port/db}
 * @param user             database user (PostgreSQL), may be null
 * @param password         database password (PostgreSQL), may be null; never logged or printed
 * @param statementTimeout longest a statement may run (below the lease deadline)
 * @param schema           PostgreSQL schema that holds the tables (created if missing)
 */
public record StoreSettings(String url, String user, String password, Duration statementTimeout, String schema) {

    public static final String DEFAULT_SCHEMA = "schedlock";

    public StoreSettings {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(statementTimeout, "statementTimeout");
        Objects.requireNonNull(schema, "schema");
    }

    public StoreSettings(String url, String user, String password, Duration statementTimeout) {
        this(url, user, password, statementTimeout, DEFAULT_SCHEMA);
    }

    @Override
    public String toString() {
        // Records print every component; the password must never reach a log line.
        return "StoreSettings[url=" + url + ", user=" + user + ", password=" + (password == null ? "none" : "****")
                + ", statementTimeout=" + statementTimeout + ", schema=" + schema + "]";
    }
}
