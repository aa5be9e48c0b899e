package dev.schedlock.sidecar.store.jdbc;

import java.lang.System.Logger.Level;
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
public final class PostgresReleaseListener implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(PostgresReleaseListener.class.getName());
    private static final int POLL_MILLIS = 500;

    private final PostgresDialect dialect;
    private final String lockName;
    private final Runnable onRelease;
    private final Thread thread;
    private volatile boolean closed;
    private volatile Connection connection;

    public PostgresReleaseListener(PostgresDialect dialect, String lockName, Runnable onRelease) {
        this.dialect = Objects.requireNonNull(dialect, "dialect");
        this.lockName = Objects.requireNonNull(lockName, "lockName");
        this.onRelease = Objects.requireNonNull(onRelease, "onRelease");
        this.thread = new Thread(this::run, "schedlock-release-listener");
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    private void run() {
        long backoffMillis = 500;
        while (!closed) {
            try (Connection c = dialect.connectForListening()) {
                connection = c;
                try (Statement st = c.createStatement()) {
                    st.execute("LISTEN " + PostgresDialect.RELEASE_CHANNEL);
                }
                backoffMillis = 500;
                // Something may have been released while we were not listening.
                onRelease.run();
                PGConnection pg = c.unwrap(PGConnection.class);
                while (!closed) {
                    PGNotification[] notifications = pg.getNotifications(POLL_MILLIS);
                    if (notifications == null) {
                        continue;
                    }
                    for (PGNotification n : notifications) {
                        if (dialect.releasePayload(lockName).equals(n.getParameter())) {
                            onRelease.run();
                        }
                    }
                }
            } catch (SQLException e) {
                if (closed) {
                    return;
                }
                LOG.log(Level.DEBUG, "release listener lost its connection, reconnecting in {0} ms: {1}",
                        backoffMillis, dialect.translate(e, "listening for releases").getMessage());
                try {
                    Thread.sleep(backoffMillis); // back-off before reconnecting
                } catch (InterruptedException ie) {
                    return;
                }
                backoffMillis = Math.min(backoffMillis * 2, 10_000);
            } finally {
                connection = null;
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
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
