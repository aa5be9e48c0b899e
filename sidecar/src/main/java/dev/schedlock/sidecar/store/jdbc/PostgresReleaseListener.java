package dev.schedlock.sidecar.store.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Objects;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Wakes a waiting candidate the moment a holder releases: {@code LISTEN schedlock_release} on a
 * connection of its own; the release transaction sends {@code pg_notify} with the lock name.
 *
 * <p>LISTEN needs a session, so this connection must go to the server directly, not through a
 * transaction pooler; without it candidates still acquire at their next retry. Reconnects with
 * back-off after a failure.
 */
public final class PostgresReleaseListener extends ReleaseWatchThread {

    private static final int POLL_MILLIS = 500;

    private final PostgresDialect dialect;
    private volatile Connection connection;

    public PostgresReleaseListener(PostgresDialect dialect, String lockName, Runnable onRelease) {
        super(lockName, onRelease, "schedlock-release-listener");
        this.dialect = Objects.requireNonNull(dialect, "dialect");
    }

    @Override
    protected void watch() throws SQLException {
        try (Connection c = dialect.connectForListening()) {
            connection = c;
            try (Statement st = c.createStatement()) {
                st.execute("LISTEN " + PostgresDialect.RELEASE_CHANNEL);
            }
            connected();
            // Something may have been released while we were not listening.
            onRelease.run();
            PGConnection pg = c.unwrap(PGConnection.class);
            String payload = dialect.releasePayload(lockName);
            while (!isClosed()) {
                PGNotification[] notifications = pg.getNotifications(POLL_MILLIS);
                if (notifications == null) {
                    continue;
                }
                for (PGNotification n : notifications) {
                    if (payload.equals(n.getParameter())) {
                        onRelease.run();
                    }
                }
            }
        } finally {
            connection = null;
        }
    }

    @Override
    protected String explain(SQLException e) {
        return dialect.translate(e, "listening for releases").getMessage();
    }

    @Override
    protected void interruptWatch() {
        Connection c = connection;
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // closing anyway
            }
        }
    }
}
