package dev.schedlock.client;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Follows the lease's changes on a thread of its own and hands each view to a listener: by
 * server-sent events ({@link #events}) or by long-poll ({@link #longPoll}). It reconnects after a
 * failure or the sidecar's exit, with a back-off from 100 ms to 2 s.
 *
 * <p>Views are notifications, never permits ({@code validForMillis} is 0); the listener gets the
 * current view after each (re)connection, and versions may be skipped. An app learns from them
 * within milliseconds that the lease moved; to act on {@code leader: true} it still asks for a
 * permit ({@link SchedlockClient#lease()} or a claim).
 */
public final class LeaseWatch implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(LeaseWatch.class.getName());
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    private static final Duration LAST_BACKOFF = Duration.ofSeconds(2);
    private static final Duration POLL_WAIT = Duration.ofSeconds(30);

    private final SchedlockClient client;
    private final Consumer<LeaseView> listener;
    private final boolean viaEvents;
    private final CountDownLatch closed = new CountDownLatch(1);
    private final AtomicReference<SchedlockClient.EventStream> stream = new AtomicReference<>();
    private final Thread thread;

    private LeaseWatch(SchedlockClient client, Consumer<LeaseView> listener, boolean viaEvents) {
        this.client = Objects.requireNonNull(client, "client");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.viaEvents = viaEvents;
        this.thread = new Thread(this::run, "schedlock-watch-" + (viaEvents ? "events" : "long-poll"));
        this.thread.setDaemon(true);
    }

    /** Watches {@code GET /v1/lease/events}: one connection, changes pushed at once. */
    public static LeaseWatch events(SchedlockClient client, Consumer<LeaseView> listener) {
        LeaseWatch watch = new LeaseWatch(client, listener, true);
        watch.thread.start();
        return watch;
    }

    /** Watches by long-poll ({@code GET /v1/lease?wait=30s&version=N}), for where streams are cut. */
    public static LeaseWatch longPoll(SchedlockClient client, Consumer<LeaseView> listener) {
        LeaseWatch watch = new LeaseWatch(client, listener, false);
        watch.thread.start();
        return watch;
    }

    private void run() {
        Duration backoff = FIRST_BACKOFF;
        long version = -1;
        while (closed.getCount() > 0) {
            try {
                if (viaEvents) {
                    try (SchedlockClient.EventStream events = client.events()) {
                        stream.set(events);
                        if (closed.getCount() == 0) {
                            return;
                        }
                        for (Optional<LeaseView> view = events.next(); view.isPresent(); view = events.next()) {
                            backoff = FIRST_BACKOFF;
                            deliver(view.get());
                        }
                    }
                } else {
                    LeaseView view = client.awaitChange(version, POLL_WAIT);
                    backoff = FIRST_BACKOFF;
                    if (view.version() != version) {
                        version = view.version();
                        deliver(view);
                    }
                    continue;
                }
            } catch (SchedlockException e) {
                LOG.log(System.Logger.Level.DEBUG, "lease watch: {0}; reconnecting in {1} ms", e.getMessage(),
                        backoff.toMillis());
            }
            version = -1;
            try {
                if (closed.await(backoff.toMillis(), TimeUnit.MILLISECONDS)) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            }
            backoff = backoff.multipliedBy(2).compareTo(LAST_BACKOFF) > 0 ? LAST_BACKOFF : backoff.multipliedBy(2);
        }
    }

    private void deliver(LeaseView view) {
        if (closed.getCount() == 0) {
            return;
        }
        try {
            listener.accept(view);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "lease watch listener failed", e);
        }
    }

    /** Stops watching; the listener is not called after this returns. */
    @Override
    public void close() {
        closed.countDown();
        SchedlockClient.EventStream events = stream.get();
        if (events != null) {
            events.close();
        }
        thread.interrupt();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
