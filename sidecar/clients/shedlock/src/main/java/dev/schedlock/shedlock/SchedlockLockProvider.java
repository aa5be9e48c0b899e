package dev.schedlock.shedlock;

import dev.schedlock.client.Permit;
import dev.schedlock.client.PermitKeeper;
import dev.schedlock.client.SchedlockClient;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.LockProvider;
import net.javacrumbs.shedlock.core.SimpleLock;

/**
 * A ShedLock {@link LockProvider} backed by the schedlock sidecar: existing {@code @SchedulerLock}
 * code runs unchanged, on one instance at a time, and the job can read the lease's fencing token
 * ({@link SchedlockLocks#currentToken()}).
 *
 * <pre>{@code
 * @Bean
 * LockProvider lockProvider() {
 *     return SchedlockLockProvider.claims(SchedlockClient.fromEnvironment(), "app-" + ProcessHandle.current().pid());
 * }
 * }</pre>
 *
 * <h2>How a lock is granted</h2>
 * The provider keeps this process's permit from its sidecar ({@link PermitKeeper}) for as long as
 * the pod leads: in claims mode ({@link #claims}, the sidecar runs with {@code --permit-mode
 * claims}) one claim under one client name serves every lock of this process; in pod mode
 * ({@link #pod}) the permit of {@code GET /v1/lease}. {@link #lock} grants a lock named {@code N}
 * when this process holds a valid permit and no lock {@code N} of this process is held; else it
 * answers empty and ShedLock skips that run. One claim for all locks, rather than a claim per lock
 * name: the sidecar grants one claim per pod at a time, so two jobs due at the same moment would
 * otherwise skip each other.
 *
 * <h2>lockAtMostFor and lockAtLeastFor</h2>
 * <ul>
 *   <li>{@code lockAtMostFor}: a lock not unlocked after this long no longer blocks its name in this
 *       process. Across instances it is not needed: another instance runs only after this one's
 *       permit has ended, and a crashed instance's permit ends by itself within the sidecar's
 *       {@code --permit-ttl} (a crashed sidecar's lease within its {@code --ttl}).</li>
 *   <li>{@code lockAtLeastFor}: after an early unlock the name stays locked in this process until
 *       {@code lockAtLeastFor} has passed since the lock, and in claims mode the claim is not
 *       returned to a stepping-down sidecar before then (at most until the claim's last permit
 *       ends). After a handoff the next instance does not know of it: it may run the job as soon as
 *       its scheduler fires.</li>
 * </ul>
 * Both are measured on this process's monotonic clock, not on ShedLock's wall clock.
 *
 * <h2>Not guaranteed</h2>
 * A job that runs past the end of its permit (the pod lost the lease, a long pause) is not stopped:
 * check {@link SchedlockLocks#isPermitValid()} between steps, and pass the fencing token to what the
 * job writes. {@link SimpleLock#extend} is not supported (the permit is kept for as long as the
 * pod leads anyway).
 */
public final class SchedlockLockProvider implements LockProvider, AutoCloseable {

    /** A held (or lockAtLeastFor-kept) name: blocks it until {@code untilNanos}. */
    private record Held(long untilNanos) {
        boolean blocks(long now) {
            return untilNanos - now > 0;
        }
    }

    private final Map<String, Held> held = new HashMap<>();
    private final PermitKeeper keeper;

    private SchedlockLockProvider(PermitKeeper.Builder keeper) {
        this.keeper = keeper.busyWhile(this::busy).listener(new PermitKeeper.Listener() {
            @Override
            public void granted(Permit permit) {
                // locks are granted on demand, from keeper.current()
            }

            @Override
            public void revoked() {
                // no new lock from now on; running jobs see isPermitValid() == false
            }
        }).start();
    }

    /** Locks under one claim of the pod's permit as {@code clientName} (sidecar in {@code --permit-mode claims}). */
    public static SchedlockLockProvider claims(SchedlockClient client, String clientName) {
        return new SchedlockLockProvider(PermitKeeper.claims(client, clientName));
    }

    /** Locks under the permits of {@code GET /v1/lease} (sidecar in the default {@code --permit-mode pod}). */
    public static SchedlockLockProvider pod(SchedlockClient client) {
        return new SchedlockLockProvider(PermitKeeper.pod(client));
    }

    @Override
    public Optional<SimpleLock> lock(LockConfiguration config) {
        Optional<Permit> permit = keeper.current();
        if (permit.isEmpty()) {
            return Optional.empty();
        }
        long start = System.nanoTime();
        String name = config.getName();
        synchronized (held) {
            Held before = held.get(name);
            if (before != null && before.blocks(start)) {
                return Optional.empty();
            }
            held.put(name, new Held(start + nanos(config.getLockAtMostFor())));
        }
        SchedlockLocks.Section section = SchedlockLocks.enter(permit.get(), keeper);
        return Optional.of(new SchedlockLock(name, start, nanos(config.getLockAtLeastFor()), section));
    }

    private final class SchedlockLock implements SimpleLock {
        private final String name;
        private final long start;
        private final long atLeastNanos;
        private final SchedlockLocks.Section section;

        SchedlockLock(String name, long start, long atLeastNanos, SchedlockLocks.Section section) {
            this.name = name;
            this.start = start;
            this.atLeastNanos = atLeastNanos;
            this.section = section;
        }

        @Override
        public void unlock() {
            SchedlockLocks.exit(section);
            long now = System.nanoTime();
            synchronized (held) {
                long until = start + atLeastNanos;
                if (until - now > 0) {
                    held.put(name, new Held(until));
                } else {
                    held.remove(name);
                }
            }
            keeper.wake();
        }
    }

    /** Whether a lock of this process is held or kept (lockAtLeastFor): the claim is not returned then. */
    private boolean busy() {
        long now = System.nanoTime();
        synchronized (held) {
            held.values().removeIf(h -> !h.blocks(now));
            return !held.isEmpty();
        }
    }

    private static long nanos(Duration d) {
        return d.toNanos();
    }

    /** Stops keeping the permit and returns the claim. Call it once the scheduler has stopped. */
    @Override
    public void close() {
        keeper.close();
    }
}
