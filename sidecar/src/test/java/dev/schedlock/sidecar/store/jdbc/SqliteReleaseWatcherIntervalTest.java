package dev.schedlock.sidecar.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Pins the SQLite release watch's poll interval: a standby learns of a release within one interval,
 * the largest part of a SQLite handoff's tail. The figure behind the choice (its latency and its CPU
 * cost, {@code watch-cost} and {@code handoff-claims}) is in docs/benchmarks.md; change both together.
 */
class SqliteReleaseWatcherIntervalTest {

    @Test
    void shouldPollTheDataVersionEvery20Milliseconds() {
        assertThat(SqliteReleaseWatcher.DEFAULT_INTERVAL).isEqualTo(Duration.ofMillis(20));
        assertThat(new SqliteDialect(java.nio.file.Path.of("unused.db"), Duration.ofSeconds(5))
                .releaseWatch("lock", () -> { })).isInstanceOf(SqliteReleaseWatcher.class);
    }
}
