package dev.schedlock.sidecar.store;

import dev.schedlock.sidecar.store.jdbc.JdbcLeaseStore;
import dev.schedlock.sidecar.store.jdbc.PostgresDialect;
import dev.schedlock.sidecar.store.jdbc.SqliteDialect;
import java.util.Locale;

/** Picks the store from its URL. */
public final class LeaseStores {

    private LeaseStores() {
    }

    /**
     * Opens (lazily: no connection yet) the store for {@code settings.url()}.
     *
     * @throws IllegalArgumentException when the URL names no supported store, with what to write instead
     */
    public static JdbcLeaseStore open(StoreSettings settings) {
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
        throw new IllegalArgumentException("store URL '" + redact(url) + "' is not supported:"
                + " use jdbc:sqlite:/path/to/lease.db or jdbc:postgresql://host:5432/database");
    }

    /** The URL without anything that looks like a password, for messages. */
    public static String redact(String url) {
        return url.replaceAll("(?i)(password=)[^&;]*", "$1****").replaceAll("//([^/@:]+):[^/@]*@", "//$1:****@");
    }
}
