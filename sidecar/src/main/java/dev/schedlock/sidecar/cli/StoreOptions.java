package dev.schedlock.sidecar.cli;

import dev.schedlock.sidecar.store.StoreSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/** Where the lease lives; shared by every subcommand. The password has no flag, so it never shows in {@code ps}. */
public final class StoreOptions {

    @Option(names = "--store", paramLabel = "URL",
            defaultValue = "${env:SCHEDLOCK_STORE:-jdbc:sqlite:schedlock.db}",
            description = "Lease store: jdbc:sqlite:/path/lease.db (one host) or jdbc:postgresql://host:5432/db"
                    + " (several nodes). Env SCHEDLOCK_STORE. Default: ${DEFAULT-VALUE}")
    String url;

    @Option(names = "--store-user", paramLabel = "USER", defaultValue = "${env:SCHEDLOCK_STORE_USER}",
            description = "Database user (PostgreSQL). Env SCHEDLOCK_STORE_USER.")
    String user;

    @Option(names = "--store-password-file", paramLabel = "FILE", defaultValue = "${env:SCHEDLOCK_STORE_PASSWORD_FILE}",
            description = "File holding the database password (PostgreSQL), e.g. a mounted Secret."
                    + " Env SCHEDLOCK_STORE_PASSWORD_FILE; or set SCHEDLOCK_STORE_PASSWORD.")
    Path passwordFile;

    @Option(names = "--store-schema", paramLabel = "SCHEMA", defaultValue = "${env:SCHEDLOCK_STORE_SCHEMA:-schedlock}",
            description = "PostgreSQL schema for schedlock's tables (created if missing). Env SCHEDLOCK_STORE_SCHEMA."
                    + " Default: ${DEFAULT-VALUE}")
    String schema;

    @Option(names = "--lock-name", paramLabel = "NAME", defaultValue = "${env:SCHEDLOCK_LOCK_NAME:-default}",
            description = "Name of the lock row; one database can serve many locks. Env SCHEDLOCK_LOCK_NAME."
                    + " Default: ${DEFAULT-VALUE}")
    String lockName;

    /** Builds the settings; reads the password file now, so a missing file fails at start. */
    StoreSettings settings(Duration statementTimeout) {
        return new StoreSettings(url, blankToNull(user), password(), statementTimeout, schema);
    }

    private String password() {
        if (passwordFile != null) {
            try {
                return Files.readString(passwordFile, StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                throw new IllegalArgumentException("store-password-file " + passwordFile + " cannot be read ("
                        + e.getClass().getSimpleName() + "): check the path and the Secret mount");
            }
        }
        return blankToNull(System.getenv("SCHEDLOCK_STORE_PASSWORD"));
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
