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
 */
public record StoreSettings(String url, String user, String password, Duration statementTimeout) {

    public StoreSettings {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(statementTimeout, "statementTimeout");
    }

    @Override
    public String toString() {
        // Records print every component; the password must never reach a log line.
        return "StoreSettings[url=" + url + ", user=" + user + ", password=" + (password == null ? "none" : "****")
                + ", statementTimeout=" + statementTimeout + "]";
    }
}
