package dev.schedlock.sidecar.lease;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A monotonic clock that moves only when the test says so. Thread-safe, so that a test thread
 * can move time while another thread is inside a (fake) store call.
 */
final class FakeClock implements MonotonicClock {

    private final AtomicLong now;

    /** Starts at {@code originNanos}; any origin works, since only differences are meaningful. */
    FakeClock(long originNanos) {
        this.now = new AtomicLong(originNanos);
    }

    @Override
    public long nanoTime() {
        return now.get();
    }

    /** Moves to {@code nanos}, which must not lie before the current reading. */
    void set(long nanos) {
        advanceNanos(nanos - now.get());
    }

    void advance(Duration by) {
        advanceNanos(by.toNanos());
    }

    void advanceNanos(long by) {
        if (by < 0) {
            throw new IllegalArgumentException("a monotonic clock does not go back (" + by + " ns)");
        }
        now.addAndGet(by);
    }
}
