package dev.schedlock.sidecar.lease;

import dev.schedlock.sidecar.store.AcquireResult;
import dev.schedlock.sidecar.store.HolderIdentity;
import dev.schedlock.sidecar.store.LeaseStore;
import dev.schedlock.sidecar.store.LockRow;
import dev.schedlock.sidecar.store.StoreException;
import dev.schedlock.sidecar.store.TakeoverRule;
import dev.schedlock.sidecar.store.TransitionKind;
import java.lang.System.Logger.Level;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;

/**
 * The lease state machine one sidecar runs: STANDBY → LEADER → RELEASING, with DEGRADED when the
 * store fails. It is driven from outside ({@link ElectorRunner} in production, the test itself in
 * tests): {@link #step()} makes one store call and says when to call it again;
 * {@link #enforceDeadline()} revokes at the local deadline even while a store call hangs.
 *
 * <p>What this does NOT guarantee (read {@code docs/lease-protocol.md}):
 * <ul>
 *   <li>That a process which received a permit stops using it in time: the permit says how long it
 *       is valid; a client that pauses past it must check again, and protected resources should
 *       check the fencing token.</li>
 *   <li>Safety when the store's clock jumps forward under the {@code store-clock} policy
 *       (use {@code observed}), or when clock rates differ by more than the safety margin allows.</li>
 *   <li>Liveness while the store is unreachable: no permits are granted then.</li>
 * </ul>
 *
 * <p>How a holding stays safe, step by step:
 * <ol>
 *   <li>Before each acquire or renew statement read the monotonic clock: {@code sentAt}.</li>
 *   <li>On success, the lease is locally valid until {@code sentAt + ttl - safetyMargin}. The store
 *       stamped the row at a later real instant, so every other candidate sees it valid for at
 *       least {@code ttl} after {@code sentAt}.</li>
 *   <li>A permit is valid for {@code min(deadline - now, permitTtl)}: it never outlives the local
 *       deadline.</li>
 *   <li>A renewal that fails or hangs does not extend anything; at the deadline every permit is
 *       void ({@link #enforceDeadline()}, and every permit query computes validity from the clock).</li>
 *   <li>A renewal that answers after the deadline is treated as lost; the next acquire (of our own
 *       row) takes a new token, so one token names one continuous validity period.</li>
 *   <li>The row is released only after every issued permit has been returned or has expired.</li>
 *   <li>A renewal that finds the store replaced under this process (kind {@code STORE_REPLACED}: a
 *       SQLite file deleted or renamed over, tables dropped and recreated) revokes at once, not at
 *       the deadline: the store now at the address knows nothing of this holding and may already
 *       grant the lease to another process.</li>
 * </ol>
 *
 * <p>This class is the state machine only: the permits it hands out are counted by a
 * {@link PermitLedger} (pod permits, the claim, the drain), and its snapshots are numbered and
 * sent to listeners by a {@link SnapshotPublisher}; both are guarded by this elector's lock.
 *
 * <p>Thread-safety: {@link #step()} and {@link #releaseInStore()} must be called from one thread
 * (they use the store); every other method may be called from any thread.
 */
public final class LeaseElector {

    private static final System.Logger LOG = System.getLogger(LeaseElector.class.getName());

    /**
     * The shortest wait of a standby between two attempts: a row that looked takeable but was
     * refused (another candidate won it, or the store's clock has not reached the expiry yet) is
     * read again this soon, never in a busy loop.
     */
    static final long MIN_STANDBY_WAIT_NANOS = 5_000_000;

    private final LeaseConfig config;
    private final LeaseStore store;
    private final HolderIdentity self;
    private final MonotonicClock clock;
    private final DoubleSupplier random;
    private final LeaseMetrics metrics;

    private final long ttlNanos;
    private final long localValidityNanos;
    private final long heartbeatNanos;
    private final long retryNanos;

    // ---- guarded by "this"
    private final PermitLedger permits;
    private final SnapshotPublisher publisher;
    private final ObservedHolding observed = new ObservedHolding();
    private LeaseState state = LeaseState.STANDBY;
    /** Bumped on every state change; a store answer for an older epoch is not applied. */
    private long epoch;
    /**
     * Token of the holding this process has in the store as far as it knows; 0 if none. Written
     * under "this", volatile so that {@link #heldToken()} can read it without the lock.
     */
    private volatile long heldToken;
    private long deadlineNanos;
    private long lastRenewalNanos;
    private LockRow lastRow;
    /** The id of the store that {@link #heldToken} and {@link #lastRow} come from; null if unknown. */
    private String storeId;
    private long holdOffUntilNanos;
    private boolean holdOff;
    private String reason = "starting";
    /** True while a release watch would wake this standby when the holder releases. */
    private volatile BooleanSupplier releaseWatchLive = () -> false;

    public LeaseElector(LeaseConfig config, LeaseStore store, HolderIdentity self, MonotonicClock clock,
                        DoubleSupplier random, LeaseMetrics metrics) {
        this.config = Objects.requireNonNull(config, "config");
        this.store = Objects.requireNonNull(store, "store");
        this.self = Objects.requireNonNull(self, "self");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.random = Objects.requireNonNull(random, "random");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.ttlNanos = config.ttl().toNanos();
        this.localValidityNanos = config.localValidity().toNanos();
        this.heartbeatNanos = config.heartbeatInterval().toNanos();
        this.retryNanos = config.retryInterval().toNanos();
        this.permits = new PermitLedger(config.permitTtl().toNanos());
        synchronized (this) {
            this.storeId = store.storeId();
            this.publisher = new SnapshotPublisher(buildSnapshot());
        }
    }

    public LeaseConfig config() {
        return config;
    }

    public HolderIdentity self() {
        return self;
    }

    public MonotonicClock clock() {
        return clock;
    }

    /**
     * Called with every new snapshot whose version changed, in version order. Runs while the
     * elector's lock is held: it must return quickly and must not take any lock that another
     * thread may hold while it calls into the elector (that would deadlock). Hand real work to
     * another thread. A listener that throws is logged; the others still run, and the elector
     * goes on.
     */
    public void onChange(Consumer<LeaseSnapshot> listener) {
        publisher.onChange(listener);
    }

    /**
     * Called after every successful renewal (same version, new validity); same rules as
     * {@link #onChange}: under the elector's lock, in order, and a listener that throws is logged.
     */
    public void onRenewal(Consumer<LeaseSnapshot> listener) {
        publisher.onRenewal(listener);
    }

    /**
     * Tells this elector whether a release watch ({@code LeaseStore.releaseWatch}) currently wakes
     * it when the holder releases. While one does, a standby sleeps until the holding it was
     * refused can expire; without one it also reads the row again every retry interval, so that a
     * release is noticed within one retry as before.
     */
    public void wakesOnRelease(BooleanSupplier live) {
        this.releaseWatchLive = Objects.requireNonNull(live, "live");
    }

    public synchronized LeaseSnapshot snapshot() {
        return publisher.current();
    }

    // =================================================================== driving

    /**
     * One round: acquire when not leading, renew when leading. Makes at most one store call.
     *
     * @return nanoseconds until the next call should happen
     */
    public long step() {
        long capturedEpoch;
        LeaseState current;
        long token;
        synchronized (this) {
            enforceDeadlineLocked();
            current = state;
            capturedEpoch = epoch;
            token = heldToken;
            if (current == LeaseState.RELEASING || current == LeaseState.STOPPED) {
                return retryNanos;
            }
            if (holdOff) {
                long wait = holdOffUntilNanos - clock.nanoTime();
                if (wait > 0) {
                    return wait;
                }
                holdOff = false;
            }
        }
        if (current == LeaseState.LEADER) {
            return renew(capturedEpoch, token);
        }
        return acquire(capturedEpoch);
    }

    private long acquire(long capturedEpoch) {
        TakeoverRule rule = takeoverRule();
        long sentAt = clock.nanoTime();
        AcquireResult result;
        try {
            result = store.tryAcquire(config.lockName(), self, config.ttlMillis(), rule);
        } catch (StoreException e) {
            return onAcquireFailed(capturedEpoch, e);
        }
        long answeredAt = clock.nanoTime();
        String answeringStore = store.storeId();
        synchronized (this) {
            // The store id travels with the token and the row it answered: a new store's token 1 is
            // never shown under the old store's id.
            storeId = answeringStore;
            return result.acquired() ? onAcquired(capturedEpoch, result, sentAt, answeredAt)
                    : onHeldByOther(capturedEpoch, result.row(), answeredAt);
        }
    }

    private long onAcquireFailed(long capturedEpoch, StoreException e) {
        metrics.acquireAttempt(LeaseMetrics.AcquireOutcome.ERROR);
        boolean replaced = e.kind() == StoreException.Kind.STORE_REPLACED;
        if (replaced) {
            // Rare and important (a store deleted, replaced or recreated): said once per event,
            // even while the state stays DEGRADED and no transition is logged.
            LOG.log(Level.WARNING, "lock={0} holder={1}: the store was replaced: {2}", config.lockName(),
                    self.id(), e.getMessage());
        }
        synchronized (this) {
            if (replaced) {
                holdOffAfterReplacedStore();
            }
            if (epoch == capturedEpoch && state != LeaseState.LEADER) {
                setState(LeaseState.DEGRADED, "store failing: " + e.getMessage());
            }
            return retryDelay();
        }
    }

    private long onAcquired(long capturedEpoch, AcquireResult result, long sentAt, long answeredAt) {
        metrics.acquireAttempt(LeaseMetrics.AcquireOutcome.ACQUIRED);
        metrics.transition(result.kind());
        heldToken = result.fencingToken();
        lastRow = result.row();
        if (epoch != capturedEpoch || state == LeaseState.RELEASING || state == LeaseState.STOPPED) {
            // Shutting down meanwhile: keep the holding only to release it.
            return retryNanos;
        }
        deadlineNanos = sentAt + localValidityNanos;
        lastRenewalNanos = answeredAt;
        // Pod permits and the claim of an earlier holding stay in the ledger: they may still be
        // valid (a step-down whose drain timed out, a refused renewal), and both the drain and the
        // one-claim rule must count them. Expired ones count for nothing.
        observed.forget();
        if (answeredAt - deadlineNanos >= 0) {
            // The statement took longer than the whole local validity: unusable.
            setState(LeaseState.STANDBY, "acquired token " + heldToken + " too late to use");
            return 0;
        }
        permits.holdingBegan(answeredAt);
        setState(LeaseState.LEADER, (result.kind() == TransitionKind.TAKEN_OVER ? "took over " : "acquired ")
                + "with token " + heldToken);
        return Math.max(0, sentAt + heartbeatNanos - clock.nanoTime());
    }

    private long onHeldByOther(long capturedEpoch, LockRow row, long answeredAt) {
        metrics.acquireAttempt(LeaseMetrics.AcquireOutcome.HELD_BY_OTHER);
        observed.saw(row, answeredAt);
        lastRow = row;
        if (epoch == capturedEpoch && state != LeaseState.LEADER) {
            setState(LeaseState.STANDBY, "held by " + row.holderId() + " (token " + row.fencingToken() + ")");
        }
        return standbyWait(row, answeredAt);
    }

    /**
     * How long a standby waits after an attempt refused with {@code row}: until the holding can
     * first be taken, not blindly one retry interval.
     *
     * <ul>
     *   <li>{@code store-clock}: the row expires when the store's clock passes
     *       {@code heartbeat_at + ttl_ms}. The store read its clock no later than the answer
     *       arrived ({@code answeredAt}), so waiting {@code heartbeat_at + ttl_ms + 1 - storeNow}
     *       milliseconds from {@code answeredAt} wakes the standby at or after the expiry (clocks
     *       ticking at the same rate). The holder's renewals move the expiry: the standby then reads
     *       the new one and sleeps again, one read per heartbeat or fewer.</li>
     *   <li>{@code observed}: a takeover needs the row unchanged for a full TTL on this process's
     *       own clock, counted from the answer that first showed it ({@link ObservedHolding}), so
     *       the standby must see every renewal soon after it is written: it reads every retry
     *       interval and wakes exactly when that TTL is up.</li>
     *   <li>Without a live release watch the standby also reads every retry interval, so that a
     *       release is noticed within one interval.</li>
     * </ul>
     * Never shorter than {@link #MIN_STANDBY_WAIT_NANOS}. Being early is harmless (the store
     * refuses an unexpired row); only the wait is at stake, never safety.
     */
    private long standbyWait(LockRow row, long answeredAt) {
        long now = clock.nanoTime();
        long wait;
        if (row.isFree()) {
            wait = 0; // lost a race for a free row: look again at once
        } else {
            long expiresAt = answeredAt + (row.heartbeatAtMs() + row.ttlMs() + 1 - row.storeNowMs()) * 1_000_000L;
            wait = expiresAt - now;
            if (config.takeoverPolicy() == TakeoverPolicy.OBSERVED) {
                wait = Math.min(Math.max(wait, observed.nanosUntilTakeover(now)), retryDelay());
            }
        }
        if (!releaseWatchLive.getAsBoolean()) {
            wait = Math.min(wait, retryDelay());
        }
        return Math.max(MIN_STANDBY_WAIT_NANOS, wait);
    }

    private synchronized TakeoverRule takeoverRule() {
        return observed.rule(config.takeoverPolicy(), clock.nanoTime());
    }

    private long renew(long capturedEpoch, long token) {
        long sentAt = clock.nanoTime();
        boolean renewed;
        try {
            renewed = store.renew(config.lockName(), self.id(), token, config.ttlMillis());
        } catch (StoreException e) {
            metrics.heartbeatFailure();
            return e.kind() == StoreException.Kind.STORE_REPLACED
                    ? revokeForReplacedStore(capturedEpoch, token, e)
                    : onRenewFailed(capturedEpoch, token, e);
        }
        long answeredAt = clock.nanoTime();
        metrics.heartbeat(answeredAt - sentAt, renewed);
        synchronized (this) {
            return renewed ? onRenewed(capturedEpoch, sentAt, answeredAt) : onRenewRefused(capturedEpoch, token);
        }
    }

    /** A renewal failed in the store: nothing is extended; permits end at the deadline at the latest. */
    private synchronized long onRenewFailed(long capturedEpoch, long token, StoreException e) {
        if (epoch == capturedEpoch) {
            LOG.log(Level.WARNING, "lock={0} holder={1} token={2}: renewal failed, lease valid for {3} ms more: {4}",
                    config.lockName(), self.id(), token, Math.max(0, (deadlineNanos - clock.nanoTime()) / 1_000_000),
                    e.getMessage());
            reason = "renewal failing: " + e.getMessage();
        }
        enforceDeadlineLocked();
        long untilDeadline = deadlineNanos - clock.nanoTime();
        return state == LeaseState.LEADER ? Math.max(0, Math.min(retryDelay(), untilDeadline)) : retryDelay();
    }

    /** The store found the holding expired or taken: it is lost. */
    private long onRenewRefused(long capturedEpoch, long token) {
        heldToken = 0;
        if (epoch == capturedEpoch) {
            metrics.transition(TransitionKind.LOST);
            setState(LeaseState.STANDBY, "renewal found the holding expired or taken (token " + token + ")");
        }
        return 0; // look at the row at once to learn who holds it
    }

    private long onRenewed(long capturedEpoch, long sentAt, long answeredAt) {
        if (epoch != capturedEpoch || state != LeaseState.LEADER || answeredAt - deadlineNanos >= 0) {
            // The answer came after our deadline (or after a revoke). The row is still ours in
            // the store, but permits were void meanwhile: take it back with a new token.
            if (state == LeaseState.LEADER) {
                metrics.transition(TransitionKind.LOST);
                setState(LeaseState.DEGRADED, "renewal answered after the local deadline");
            }
            return 0;
        }
        deadlineNanos = sentAt + localValidityNanos;
        lastRenewalNanos = answeredAt;
        reason = "renewed";
        publisher.renewed(buildSnapshot());
        return Math.max(0, sentAt + heartbeatNanos - clock.nanoTime());
    }

    /**
     * A candidate found the store it watched replaced. Whoever held the lock there may still have
     * permits out: its last renewal that counted was sent before the replacement (a renewal counts
     * only if the store was still the one at the address after it committed), so they end within one
     * of its TTLs from now. The store now at the address knows nothing of them: it is new, or a copy
     * whose row may look expired. So this candidate acquires there only after that TTL (the longer of
     * the holder's, as last seen, and its own). Not covered: a process that never saw the old store
     * (a sidecar starting on a new file), see docs/lease-protocol.md, 4.10.
     */
    private void holdOffAfterReplacedStore() {
        long ttl = Math.max(ttlNanos, lastRow == null ? 0 : lastRow.ttlMs() * 1_000_000L);
        long until = clock.nanoTime() + ttl;
        if (!holdOff || until - holdOffUntilNanos > 0) {
            holdOffUntilNanos = until;
        }
        holdOff = true;
    }

    /**
     * The store this process renewed in is not the one at the store's address any more: whatever
     * the renewal did there does not count, and the store now at the address may grant the lease
     * to another process at any moment, so every permit is void now rather than at the deadline.
     * The holding is forgotten (there is nothing to release in the new store); the next step, at
     * once, acquires in the store now at the address, if there is one.
     */
    private synchronized long revokeForReplacedStore(long capturedEpoch, long token, StoreException e) {
        heldToken = 0;
        observed.forget();
        if (epoch == capturedEpoch && state == LeaseState.LEADER) {
            LOG.log(Level.WARNING, "lock={0} holder={1} token={2}: revoked at once, the store was replaced: {3}",
                    config.lockName(), self.id(), token, e.getMessage());
            metrics.transition(TransitionKind.LOST);
            setState(LeaseState.DEGRADED, "store replaced under the lease: " + e.getMessage());
        }
        return 0;
    }

    /**
     * Revokes leadership if the local deadline has passed. Called by a timer at the deadline, so
     * that watchers learn of it even while a renewal hangs; also called by every other method.
     */
    public synchronized void enforceDeadline() {
        enforceDeadlineLocked();
    }

    private void enforceDeadlineLocked() {
        if (state == LeaseState.LEADER && clock.nanoTime() - deadlineNanos >= 0) {
            metrics.transition(TransitionKind.LOST);
            setState(LeaseState.DEGRADED, "local deadline passed without a successful renewal");
        }
    }

    /** Nanoseconds until the local deadline, or {@code Long.MAX_VALUE} when not leading. */
    public synchronized long nanosUntilDeadline() {
        if (state != LeaseState.LEADER) {
            return Long.MAX_VALUE;
        }
        return deadlineNanos - clock.nanoTime();
    }

    private long retryDelay() {
        double factor = 1.0 + config.jitter() * random.getAsDouble();
        return (long) (retryNanos * factor);
    }

    // =================================================================== permits

    /**
     * A pod permit (permit mode {@code pod}): every lease query from the leading pod carries one.
     * In claims mode, or when not leading, the answer has {@code validForMillis == 0}.
     */
    public synchronized Permit podPermit() {
        return podPermit(true);
    }

    /** {@code byApp}: the permit goes to the app, not to the sidecar's own signal file. */
    private Permit podPermit(boolean byApp) {
        enforceDeadlineLocked();
        if (config.permitMode() != PermitMode.POD || state != LeaseState.LEADER) {
            return new Permit(state == LeaseState.LEADER ? heldToken : 0, 0, null);
        }
        return permits.podPermit(heldToken, deadlineNanos, clock.nanoTime(), byApp);
    }

    /** A snapshot and, when asked for, a pod permit, taken atomically at {@code nowNanos}. */
    public record Query(LeaseSnapshot snapshot, Permit permit, long nowNanos) {
    }

    /**
     * Answers a lease query: the snapshot plus, if {@code grantPodPermit}, a pod permit (see
     * {@link #podPermit()}), both at the same instant so that they never disagree.
     */
    public synchronized Query query(boolean grantPodPermit) {
        Permit permit = grantPodPermit ? podPermit(true) : new Permit(0, 0, null);
        return new Query(publisher.current(), permit, clock.nanoTime());
    }

    /**
     * {@link #query(boolean) query(true)} for the sidecar's own signal file. Its pod permit counts
     * for the drain like any other, but not as the app asking: the sidecar writes the file on every
     * renewal whether or not an app reads it, so counting it would keep a leader whose app is gone
     * from ever looking idle ({@link LeaseConfig#idleStepDown()}).
     */
    public synchronized Query queryForSignalFile() {
        Permit permit = podPermit(false);
        return new Query(publisher.current(), permit, clock.nanoTime());
    }

    /**
     * A first claim, by a caller that holds no handle: {@code claim(client, null)}.
     */
    public ClaimResult claim(String client) {
        return claim(client, null);
    }

    /**
     * Grants the pod's one executor permit to {@code client} if no unexpired claim is held, or
     * renews the caller's own claim; refused with {@code RELEASING} or {@code NOT_LEADER} unless
     * this process leads. The holder re-claims before expiry, with the handle of its grant, to
     * keep it. Who else may claim meanwhile: {@link PermitLedger#claim}.
     *
     * @param handle the handle of the caller's last grant, or null when it has none
     */
    public synchronized ClaimResult claim(String client, String handle) {
        Objects.requireNonNull(client, "client");
        enforceDeadlineLocked();
        if (state == LeaseState.RELEASING) {
            return ClaimResult.denied("RELEASING", null);
        }
        if (state != LeaseState.LEADER) {
            return ClaimResult.denied("NOT_LEADER", null);
        }
        long now = clock.nanoTime();
        boolean newClaim = permits.claimHolder(now).isEmpty();
        ClaimResult result = permits.claim(client, handle, heldToken, deadlineNanos, now);
        if (result.granted() && newClaim) {
            publishLocked("claim granted to " + client);
        }
        return result;
    }

    /**
     * Returns a claim, expired or not, when {@code handle} is its handle. Without it an unexpired
     * claim stays with its holder ({@link ClaimReturn#HANDLE_MISMATCH}), so that nobody can take
     * the permit from a process that still uses it.
     */
    public synchronized ClaimReturn returnClaim(String client, String handle) {
        ClaimReturn answer = permits.returnClaim(client, handle, clock.nanoTime());
        if (answer == ClaimReturn.RETURNED) {
            publishLocked("claim returned by " + client);
        }
        return answer;
    }

    /** The client holding an unexpired claim, if any. */
    public synchronized Optional<String> claimHolder() {
        return permits.claimHolder(clock.nanoTime());
    }

    // =================================================================== idle step-down

    /**
     * Nanoseconds until this leader has handed out no permit and no claim to its app for
     * {@code idle-step-down}; {@code Long.MAX_VALUE} when that is off or this process does not lead.
     */
    public synchronized long nanosUntilIdleStepDown() {
        if (!config.idleStepDownEnabled() || state != LeaseState.LEADER) {
            return Long.MAX_VALUE;
        }
        return permits.lastAppActivityNanos() + config.idleStepDown().toNanos() - clock.nanoTime();
    }

    /**
     * Begins a step-down ({@link #beginRelease}) if this leader has been idle for
     * {@code idle-step-down}; checked and begun atomically, so a permit handed out at the last
     * moment either counts (no step-down) or is drained like any other.
     *
     * @return true if the step-down began: drain, release and {@link #resumeAfterStepDown()} follow
     */
    public synchronized boolean beginIdleStepDown() {
        enforceDeadlineLocked();
        if (nanosUntilIdleStepDown() > 0) {
            return false;
        }
        setState(LeaseState.RELEASING, "idle: no permit or claim handed out for "
                + LeaseConfig.fmt(config.idleStepDown()) + "; stepping down so that a pod whose app is alive can lead");
        return true;
    }

    // =================================================================== release

    /**
     * Stops granting permits and tells watchers at once. The store row is released later by
     * {@link #releaseInStore()}, after {@link #drainRemainingNanos()} reaches 0.
     *
     * @return true if this process was leading (so there is something to drain and release)
     */
    public synchronized boolean beginRelease(String why) {
        enforceDeadlineLocked();
        boolean wasLeader = state == LeaseState.LEADER;
        if (state != LeaseState.STOPPED) {
            setState(LeaseState.RELEASING, why);
        }
        return wasLeader;
    }

    /**
     * Nanoseconds until every permit issued has expired or been returned, whichever holding it came
     * from; 0 when nothing is outstanding.
     */
    public synchronized long drainRemainingNanos() {
        return permits.drainRemainingNanos(clock.nanoTime());
    }

    /**
     * Frees the row in the store if this process holds it. Call only when
     * {@link #drainRemainingNanos()} is 0, or when every permit holder is known to be gone
     * (native sidecar: the kubelet stopped the main containers first).
     *
     * @return true when a holding was released
     */
    public boolean releaseInStore() {
        long token = heldToken;
        if (token == 0) {
            return false;
        }
        boolean released;
        try {
            released = store.release(config.lockName(), self.id(), token);
        } catch (StoreException e) {
            LOG.log(Level.WARNING, "lock={0} holder={1} token={2}: release failed, the lease will expire after its TTL: {3}",
                    config.lockName(), self.id(), token, e.getMessage());
            return false;
        }
        synchronized (this) {
            heldToken = 0;
            if (released) {
                metrics.transition(TransitionKind.RELEASED);
                // Nobody holds it now, as far as this process knows; the token stays.
                lastRow = new LockRow(config.lockName(), null, null, null, null, token, 0, 0, 0, 0);
                publishLocked("released token " + token);
            }
        }
        return released;
    }

    /**
     * After a planned step-down: become a candidate again, but only after every other candidate
     * had a chance (two jittered retry intervals), so that the lease moves on.
     */
    public synchronized void resumeAfterStepDown() {
        if (state == LeaseState.STOPPED) {
            return;
        }
        holdOff = true;
        holdOffUntilNanos = clock.nanoTime() + 2 * (long) (retryNanos * (1.0 + config.jitter()));
        setState(LeaseState.STANDBY, "stepped down; waiting for another candidate");
    }

    /** Final state; no more store calls. */
    public synchronized void stop(String why) {
        setState(LeaseState.STOPPED, why);
    }

    /**
     * Token this process holds in the store as far as it knows (0 if none). For tests and logs.
     * Takes no lock: the log formatter calls it while it holds the log handler's lock, and this
     * class logs while it holds its own lock, so a lock here would deadlock the two.
     */
    public long heldToken() {
        return heldToken;
    }

    // =================================================================== snapshots

    private void setState(LeaseState next, String why) {
        LeaseState previous = state;
        state = next;
        epoch++;
        // Watchers first (a new leader's clients are waiting for it), the log line after.
        publishLocked(why);
        if (previous != next || next == LeaseState.LEADER) {
            LOG.log(previous == next ? Level.DEBUG : Level.INFO, "lock={0} holder={1} token={2}: {3} -> {4}: {5}",
                    config.lockName(), self.id(), heldToken != 0 ? heldToken : tokenSeen(), previous, next, why);
        }
    }

    private long tokenSeen() {
        return lastRow == null ? 0 : lastRow.fencingToken();
    }

    private void publishLocked(String why) {
        reason = why;
        publisher.publish(buildSnapshot());
    }

    /** The current view; its version is set by the {@link SnapshotPublisher}. */
    private LeaseSnapshot buildSnapshot() {
        boolean leading = state == LeaseState.LEADER;
        long token = leading ? heldToken : tokenSeen();
        String holderId = leading ? self.id() : lastRow == null ? null : lastRow.holderId();
        String holderPod = leading ? self.pod() : lastRow == null ? null : lastRow.holderPod();
        String holderHost = leading ? self.host() : lastRow == null ? null : lastRow.holderHost();
        int claims = permits.activeClaims(clock.nanoTime());
        return new LeaseSnapshot(config.lockName(), state, token, storeId, deadlineNanos, holderId, holderPod,
                holderHost, 0, lastRenewalNanos, claims, reason);
    }
}
