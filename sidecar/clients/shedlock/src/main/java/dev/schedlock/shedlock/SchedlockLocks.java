package dev.schedlock.shedlock;

import dev.schedlock.client.Permit;
import dev.schedlock.client.PermitKeeper;

/**
 * The fencing token of the lock the current thread runs under, for the job itself: pass it to what
 * the job writes, so that a writer whose permit has ended is rejected there.
 *
 * <pre>{@code
 * @Scheduled(cron = "0 * * * * *")
 * @SchedulerLock(name = "report")
 * void report() {
 *     long token = SchedlockLocks.currentToken();
 *     jdbc.update("UPDATE report SET body = ?, token = ? WHERE id = 1 AND token <= ?", body, token, token);
 * }
 * }</pre>
 *
 * <p>Set by {@link SchedlockLockProvider#lock} on the thread that runs the job (ShedLock locks,
 * runs and unlocks on one thread) and cleared by the unlock.
 */
public final class SchedlockLocks {

    /** One locked section: the permit it started under, and the keeper that may renew it. */
    record Section(Permit permit, PermitKeeper keeper, Section outer) {
    }

    private static final ThreadLocal<Section> CURRENT = new ThreadLocal<>();

    private SchedlockLocks() {
    }

    /**
     * The fencing token of the lock this thread holds.
     *
     * @throws IllegalStateException outside a section locked by {@link SchedlockLockProvider}
     */
    public static long currentToken() {
        return section().permit().fencingToken();
    }

    /** The store the token counts in (tokens compare only within one store id). */
    public static String currentStoreId() {
        return section().permit().storeId();
    }

    /**
     * Whether this process still holds the permit the section started under (same token, not
     * ended). The job is not stopped when it ends: check this before each step of a long job.
     */
    public static boolean isPermitValid() {
        Section s = section();
        return s.keeper().current().filter(p -> p.fencingToken() == s.permit().fencingToken()).isPresent();
    }

    private static Section section() {
        Section s = CURRENT.get();
        if (s == null) {
            throw new IllegalStateException("no schedlock lock on this thread: call it inside a method locked with"
                    + " @SchedulerLock through SchedlockLockProvider");
        }
        return s;
    }

    static Section enter(Permit permit, PermitKeeper keeper) {
        Section s = new Section(permit, keeper, CURRENT.get());
        CURRENT.set(s);
        return s;
    }

    static void exit(Section s) {
        if (s.outer() == null) {
            CURRENT.remove();
        } else {
            CURRENT.set(s.outer());
        }
    }
}
