package dev.schedlock.sidecar.lease;

/**
 * A source of monotonic nanoseconds, used for every local deadline.
 *
 * <p>Wall-clock time is never used for local validity: it can jump. Tests inject a fake
 * implementation so that no test has to sleep through a TTL.
 */
@FunctionalInterface
public interface MonotonicClock {

    /** Monotonic nanoseconds with an arbitrary origin; only differences are meaningful. */
    long nanoTime();

    /** The JVM's {@link System#nanoTime()}. */
    MonotonicClock SYSTEM = System::nanoTime;
}
