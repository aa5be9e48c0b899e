package dev.schedlock.sidecar.store.jdbc;

import dev.schedlock.sidecar.store.LeaseStore;
import dev.schedlock.sidecar.store.StoreSettings;
import java.util.Locale;

/** Picks the store from its URL: a {@link JdbcLeaseStore} with the dialect the URL names. */
public final class LeaseStores {

    private LeaseStores() {
    }

    /**
     * Opens (lazily: no connection yet) the store for {@code settings.url()}.
     *
     * @throws IllegalArgumentException when the URL names no supported store, with what to write instead
     */
    public static LeaseStore open(StoreSettings settings) {
        String url = settings.url().trim();
        if (url.startsWith("jdbc:sqlite:")) {
            return new JdbcLeaseStore(SqliteDialect.fromUrl(url, settings.statementTimeout()));
        }
        if (url.startsWith("jdbc:postgresql:")) {
            String lower = url.toLowerCase(Locale.ROOT);
            if (lower.contains("password=") || url.matches("jdbc:postgresql://[^/@]*:[^/@]*@.*")) {
                throw new IllegalArgumentException("store URL contains a password: put it in --store-password-file"
                        + " or SCHEDLOCK_STORE_PASSWORD instead, so that it never shows in process lists or logs");
            }
            return new JdbcLeaseStore(new PostgresDialect(url, settings.user(), settings.password(),
                    settings.schema(), settings.statementTimeout()));
        }
        throw new IllegalArgumentException("store URL '" + PostgresDialect.redact(url) + "' is not supported:"
                + " use jdbc:sqlite:/path/to/lease.db or jdbc:postgresql://host:5432/database");
    }
}
