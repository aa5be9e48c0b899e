package dev.schedlock.client;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * Keeps this process's permit for as long as its pod leads, and tells a {@link Listener} when it
 * gets one ({@link Listener#granted}) and when it has none any more ({@link Listener#revoked}).
 * For frameworks that run a scheduler only while they may (Quartz's {@code start()} and
 * {@code standby()}, ShedLock's locks).
 *
 * <p>In <b>pod mode</b> ({@link #pod}) it asks {@code GET /v1/lease}; in <b>claims mode</b>
 * ({@link #claims}) it claims the pod's permit under one client name and renews it with the
 * handle. It asks again when half of the permit has passed, and in between it long-polls the
 * sidecar, so that a step-down, a loss of the lease or a takeover is seen within milliseconds.
 *
 * <p>Guaranteed: {@code revoked()} is called at the permit's end at the latest, on a timer of its
 * own, even when the sidecar hangs and the request to renew has not returned; and as soon as the
 * sidecar reports that the pod no longer leads or is stepping down. {@link #current()} is empty
 * from then on. Not guaranteed: that the listener's work has stopped by then (a running job is not
 * interrupted: it should check {@link Permit#isValid()} and pass the fencing token on); that every
 * short gap is seen (a lease lost and regained between two checks looks like a new grant with a
 * higher token).
 *
 * <p>In claims mode, after a revoke the claim is returned once {@code busy} (the builder's
 * {@link Builder#busyWhile}) reports false, so that a handoff need not wait for the claim to
 * expire; call {@link #wake()} when the work ends. Listener calls are made one at a time, under
 * the keeper's lock: keep them short.
 */
public final class PermitKeeper implements AutoCloseable {

    /** Told when the permit is gained and when it ends. */
    public interface Listener {
        /** A permit, after none (or after one with another token). */
        void granted(Permit permit);

        /** No permit any more: stop starting work. */
        void revoked();
    }

    private static final System.Logger LOG = System.getLogger(PermitKeeper.class.getName());
    private static final Duration SHORTEST_WAIT = Duration.ofMillis(10);

    private final SchedlockClient client;
    private final String clientName;
    private final Listener listener;
    private final BooleanSupplier busy;
    private final Duration idleWait;
    private final Duration retryDelay;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wakeUp = lock.newCondition();
    private final ScheduledExecutorService timer;
    private final Thread thread;

    private volatile Permit current;
    private ScheduledFuture<?> deadline;
    private Claim claim;
    private Claim toReturn;
    private volatile boolean stopping;
    private long version = -1;

    private PermitKeeper(Builder b) {
        this.client = b.client;
        this.clientName = b.clientName;
        this.listener = Objects.requireNonNull(b.listener, "listener");
        this.busy = b.busy;
        this.idleWait = b.idleWait;
        this.retryDelay = b.retryDelay;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "schedlock-permit-deadline");
            t.setDaemon(true);
            return t;
        });
        this.thread = new Thread(this::run, "schedlock-permit-keeper");
        this.thread.setDaemon(true);
    }

    /** A keeper that asks {@code GET /v1/lease} (the sidecar's default {@code --permit-mode pod}). */
    public static Builder pod(SchedlockClient client) {
        return new Builder(client, null);
    }

    /** A keeper that claims the pod's permit as {@code clientName} ({@code --permit-mode claims}). */
    public static Builder claims(SchedlockClient client, String clientName) {
        return new Builder(client, Objects.requireNonNull(clientName, "clientName"));
    }

    /** Builds a {@link PermitKeeper}. */
    public static final class Builder {
        private final SchedlockClient client;
        private final String clientName;
        private Listener listener;
        private BooleanSupplier busy = () -> false;
        private Duration idleWait = Duration.ofSeconds(30);
        private Duration retryDelay = Duration.ofMillis(500);

        private Builder(SchedlockClient client, String clientName) {
            this.client = Objects.requireNonNull(client, "client");
            this.clientName = clientName;
        }

        /** Who is told (required). */
        public Builder listener(Listener listener) {
            this.listener = listener;
            return this;
        }

        /** Claims mode: while this says true after a revoke, the claim is not returned yet. Default: never busy. */
        public Builder busyWhile(BooleanSupplier busy) {
            this.busy = Objects.requireNonNull(busy, "busy");
            return this;
        }

        /** How long to wait after a failed request before the next (default 500 ms). */
        public Builder retryDelay(Duration retryDelay) {
            if (retryDelay.isNegative() || retryDelay.isZero()) {
                throw new IllegalArgumentException("retry delay must be longer than zero, not " + retryDelay);
            }
            this.retryDelay = retryDelay;
            return this;
        }

        /** Starts keeping the permit on a thread of its own. */
        public PermitKeeper start() {
            PermitKeeper keeper = new PermitKeeper(this);
            keeper.thread.start();
            return keeper;
        }
    }

    /** The permit held now, if it is still valid. */
    public Optional<Permit> current() {
        Permit p = current;
        return p != null && p.isValid() ? Optional.of(p) : Optional.empty();
    }

    /** Asks the keeper to look again at once, e.g. when the work that kept a claim busy ended. */
    public void wake() {
        lock.lock();
        try {
            wakeUp.signalAll();
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ the loop

    private void run() {
        while (!stopping) {
            Permit permit = obtain();
            if (permit != null) {
                grant(permit);
            } else {
                revoke();
            }
            returnClaimWhenIdle();
            if (stopping) {
                break;
            }
            awaitNextCheck(permit);
        }
    }

    /** One request for a permit: null for none (denied, or no answer). */
    private Permit obtain() {
        try {
            if (clientName == null) {
                LeaseView view = client.lease();
                version = view.version();
                return view.permit().orElse(null);
            }
            lock.lock();
            try {
                if (toReturn != null) {
                    return null;    // the old claim must go back first
                }
            } finally {
                lock.unlock();
            }
            Claim mine = claim;
            // With the handle even after the claim ended: then the sidecar grants afresh, whereas a
            // claim without it would be refused while the sidecar still counts the old one.
            Claim next = mine != null ? client.renew(mine) : client.claim(clientName);
            lock.lock();
            try {
                claim = next;
            } finally {
                lock.unlock();
            }
            return next.permit();
        } catch (ClaimDeniedException e) {
            LOG.log(System.Logger.Level.DEBUG, "no permit: {0}", e.getMessage());
            lock.lock();
            try {
                if (claim != null) {
                    toReturn = claim;   // e.g. RELEASING: the sidecar waits for it to come back
                    claim = null;
                }
            } finally {
                lock.unlock();
            }
            return null;
        } catch (SchedlockException e) {
            LOG.log(System.Logger.Level.DEBUG, "no permit: {0}", e.getMessage());
            return null;
        }
    }

    /** Waits for half of the permit, or a change of the lease; a revoke if it says the pod lost it. */
    private void awaitNextCheck(Permit permit) {
        Duration wait = permit != null ? permit.remaining().dividedBy(2) : idleWait;
        if (toReturnPending()) {
            await(retryDelay);
            return;
        }
        if (wait.compareTo(SHORTEST_WAIT) < 0) {
            return;
        }
        try {
            LeaseView view = client.awaitChange(version, wait.compareTo(SchedlockClient.MAX_WAIT) > 0
                    ? SchedlockClient.MAX_WAIT : wait);
            boolean changed = view.version() != version;
            version = view.version();
            if (!view.leader() || !"LEADER".equals(view.state())) {
                revokeAndOweClaim();
            } else if (!changed) {
                return;
            }
        } catch (SchedlockException e) {
            LOG.log(System.Logger.Level.DEBUG, "lease long-poll: {0}", e.getMessage());
            version = -1;
            await(retryDelay);
        }
    }

    private boolean toReturnPending() {
        lock.lock();
        try {
            return toReturn != null;
        } finally {
            lock.unlock();
        }
    }

    private void await(Duration time) {
        lock.lock();
        try {
            if (!stopping) {
                wakeUp.await(time.toNanos(), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            stopping = true;
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ transitions

    private void grant(Permit permit) {
        lock.lock();
        try {
            Permit before = current;
            if (before != null && before.fencingToken() != permit.fencingToken()) {
                revoke();
                before = null;
            }
            current = permit;
            if (deadline != null) {
                deadline.cancel(false);
            }
            deadline = timer.schedule(() -> expire(permit), Math.max(0, permit.remaining().toNanos()),
                    TimeUnit.NANOSECONDS);
            if (before == null) {
                call(() -> listener.granted(permit));
            }
        } finally {
            lock.unlock();
        }
    }

    private void expire(Permit permit) {
        lock.lock();
        try {
            if (current == permit) {
                revokeAndOweClaim();
            }
        } finally {
            lock.unlock();
        }
    }

    private void revokeAndOweClaim() {
        lock.lock();
        try {
            revoke();
            if (claim != null) {
                toReturn = claim;
                claim = null;
            }
        } finally {
            lock.unlock();
        }
    }

    private void revoke() {
        lock.lock();
        try {
            if (current == null) {
                return;
            }
            current = null;
            if (deadline != null) {
                deadline.cancel(false);
                deadline = null;
            }
            call(listener::revoked);
        } finally {
            lock.unlock();
        }
    }

    /** Claims mode: returns a claim the keeper no longer uses, once the work is done. */
    private void returnClaimWhenIdle() {
        Claim owed;
        lock.lock();
        try {
            owed = toReturn;
            if (owed == null || (busy.getAsBoolean() && owed.permit().isValid())) {
                return;
            }
            toReturn = null;
        } finally {
            lock.unlock();
        }
        giveBack(owed);
    }

    private void giveBack(Claim owed) {
        try {
            client.returnClaim(owed);
        } catch (SchedlockException e) {
            LOG.log(System.Logger.Level.DEBUG, "claim not returned ({0}); it ends by itself", e.getMessage());
        }
    }

    private static void call(Runnable callback) {
        try {
            callback.run();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "permit listener failed", e);
        }
    }

    /**
     * Stops: revokes the permit (the listener is told), and in claims mode returns the claim. Call
     * it once the work has ended.
     */
    @Override
    public void close() {
        stopping = true;
        thread.interrupt();
        wake();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Claim owed;
        lock.lock();
        try {
            revoke();
            owed = claim != null ? claim : toReturn;
            claim = null;
            toReturn = null;
        } finally {
            lock.unlock();
        }
        if (owed != null) {
            giveBack(owed);
        }
        timer.shutdownNow();
    }
}
