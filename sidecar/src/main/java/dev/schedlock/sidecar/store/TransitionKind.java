package dev.schedlock.sidecar.store;

import java.util.Locale;

/** One kind of row in {@code scheduler_lock_history}. Renewals are not transitions. */
public enum TransitionKind {
    /** A free (never held or released) lock was acquired. */
    ACQUIRED,
    /** An expired holding was taken over by another holder. */
    TAKEN_OVER,
    /** The holder released the lock (planned step-down or shutdown). */
    RELEASED,
    /** The holder found at renewal that its holding had expired or been taken. */
    LOST,
    /** An operator cleared the holder with the break-glass {@code release --force}. */
    FORCE_RELEASED;

    /** The value stored in the {@code kind} column. */
    public String dbValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static TransitionKind fromDb(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }
}
