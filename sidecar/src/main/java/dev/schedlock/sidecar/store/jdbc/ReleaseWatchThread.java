package dev.schedlock.sidecar.store.jdbc;

import dev.schedlock.sidecar.store.ReleaseWatch;
import java.lang.System.Logger.Level;
import java.sql.SQLException;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A thread that wakes a waiting candidate when the holder of its lock releases, so that it need
 * not wait for its next retry: {@link PostgresReleaseListener} (NOTIFY) and
 * {@link SqliteReleaseWatcher} (a data-version poll). It only reads; when its connection fails it
 * logs at DEBUG and connects again with back-off (0.5 s doubling to 10 s), because the elector's
 * own connection is what reports the store's health, and candidates still acquire at their next
 * retry meanwhile.
 */
public abstract class ReleaseWatchThread implements ReleaseWatch {

    private static final System.Logger LOG = System.getLogger(ReleaseWatchThread.class.getName());
    private static final long FIRST_BACKOFF_MILLIS = 500;
    private static final long MAX_BACKOFF_MILLIS = 10_000;

    protected final String lockName;
    protected final Runnable onRelease;
    private final Thread thread;
    private volatile boolean closed;
    private volatile boolean live;
    private long backoffMillis = FIRST_BACKOFF_MILLIS;

    ReleaseWatchThread(String lockName, Runnable onRelease, String threadName) {
        this.lockName = Objects.requireNonNull(lockName, "lockName");
        this.onRelease = Objects.requireNonNull(onRelease, "onRelease");
        this.thread = new Thread(this::run, threadName);
        this.thread.setDaemon(true);
    }

    @Override
    public final void start() {
        thread.start();
    }

    /** Connects and watches until closed or the connection fails; calls {@link #connected()} once it can watch. */
    protected abstract void watch() throws SQLException;

    /** One line for the log saying why the connection failed. */
    protected abstract String explain(SQLException e);

    /** Also closes what {@link #watch()} may be blocked on; called once by {@link #close()}. */
    protected void interruptWatch() {
    }

    protected final boolean isClosed() {
        return closed;
    }

    /** The connection works: the next failure starts the back-off from the beginning. */
    protected final void connected() {
        backoffMillis = FIRST_BACKOFF_MILLIS;
        live = true;
    }

    @Override
    public final boolean isLive() {
        return live && !closed;
    }

    private void run() {
        while (!closed) {
            try {
                watch();
                live = false; // it returns to connect again (a replaced file): not watching meanwhile
            } catch (SQLException e) {
                live = false;
                if (closed) {
                    return;
                }
                LOG.log(Level.DEBUG, "{0} cannot read the store, trying again in {1} ms: {2}",
                        thread.getName(), backoffMillis, explain(e));
                if (!pause(TimeUnit.MILLISECONDS.toNanos(backoffMillis))) {
                    return;
                }
                backoffMillis = Math.min(backoffMillis * 2, MAX_BACKOFF_MILLIS);
            }
        }
    }

    /** Waits (a poll interval or a back-off); false once closed or interrupted. */
    protected final boolean pause(long nanos) {
        try {
            TimeUnit.NANOSECONDS.sleep(nanos); // nothing to wait on: the interval itself is the point
            return !closed;
        } catch (InterruptedException e) {
            return false;
        }
    }

    @Override
    public final void close() {
        closed = true;
        thread.interrupt();
        interruptWatch();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
